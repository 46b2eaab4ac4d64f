//! Alert messages in Slack: a notification posted to every
//! `notify_channels` channel with its buttons (Block Kit), updated to say
//! "resolved" when its group resolves. Presses come back through
//! [`super::receive`] like the slash command.

use serde_json::{json, Value};

use super::Link;
use crate::chatops::buttons::{Claim, Posted};
use crate::chatops::core::Front;
use crate::chatops::i18n::Tr;
use crate::chatops::notify::{self, Notification};
use crate::chatops::webhook::DeliveryError;
use crate::config::{ChatopsConfig, SlackConfig};
use crate::state::AppState;

/// Block Kit for `text` and, when given, a row of buttons per row.
fn blocks(text: &str, rows: &[Vec<(String, String)>]) -> Value {
    let mut blocks = vec![json!({"type": "section", "text": {"type": "mrkdwn", "text": text}})];
    for (r, row) in rows.iter().enumerate() {
        let elements: Vec<Value> = row
            .iter()
            .enumerate()
            .map(|(i, (label, id))| {
                json!({
                    "type": "button",
                    // Slack refuses a button text over 75 characters.
                    "text": {"type": "plain_text", "text": label.chars().take(75).collect::<String>(), "emoji": true},
                    "action_id": format!("netgauge-{r}-{i}"),
                    "value": id,
                })
            })
            .collect();
        blocks.push(json!({"type": "actions", "elements": elements}));
    }
    Value::Array(blocks)
}

/// Posts `n` to every notify channel that has not had it; returns how
/// many it reached now.
pub async fn deliver(
    state: &std::sync::Arc<AppState>,
    chatops: &ChatopsConfig,
    slack: &SlackConfig,
    n: &Notification,
) -> Result<usize, DeliveryError> {
    let Some(link) = Link::current(state, chatops, slack) else {
        return Err(DeliveryError::NotConnected("Slack"));
    };
    let shared = &state.chatops;
    let now = crate::traps::unix_now();
    let ttl = chatops.button_ttl.as_secs_f64();
    let digest = n.digest();
    let (text, planned) = notify::message(n, Tr::new(crate::chatops::i18n::DEFAULT));
    // Slack holds a section's 3,000 characters: the first part carries the buttons.
    let text = text.to_slack().into_iter().next().unwrap_or_default();
    let rows: Vec<Vec<(String, String)>> = {
        let mut store = shared.buttons();
        planned
            .into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|p| (p.label, store.add(p.action, now, ttl)))
                    .collect()
            })
            .collect()
    };
    let earlier = if n.resolved() {
        shared.buttons().take_group(&n.group_key, Front::Slack)
    } else {
        Vec::new()
    };
    let mut reached = 0;
    let mut result = Ok(());
    for channel in &slack.notify_channels {
        match shared.buttons().claim(&digest, channel, now) {
            Claim::New => {}
            Claim::Done => continue,
            Claim::Pending => {
                result = Err(DeliveryError::InProgress);
                continue;
            }
        }
        let sent = if n.resolved() {
            let mine: Vec<&Posted> = earlier.iter().filter(|p| &p.chat == channel).collect();
            let mut edited = 0;
            for p in &mine {
                if link
                    .api
                    .update_message(channel, &p.message, &text, &blocks(&text, &[]))
                    .await
                    .is_ok()
                {
                    edited += 1;
                }
            }
            if edited == 0 {
                link.api
                    .post_message(channel, &text, Some(&blocks(&text, &[])))
                    .await
                    .map(|_| None)
            } else {
                Ok(None)
            }
        } else {
            link.api
                .post_message(channel, &text, Some(&blocks(&text, &rows)))
                .await
                .map(Some)
        };
        match sent {
            Ok(ts) => {
                let mut store = shared.buttons();
                if let Some(ts) = ts {
                    let posted = Posted {
                        front: Front::Slack,
                        chat: channel.clone(),
                        message: ts,
                    };
                    store.posted(&n.group_key, posted, now, ttl);
                }
                store.confirm(&digest, channel);
                reached += 1;
            }
            Err(e) => {
                shared.buttons().release(&digest, channel);
                result = Err(DeliveryError::Slack(e));
                break;
            }
        }
    }
    if n.resolved() && result.is_err() {
        let mut store = shared.buttons();
        for p in earlier {
            store.posted(&n.group_key, p, now, ttl);
        }
    }
    result.map(|()| reached)
}
