//! Alert messages in Slack: a notification posted to every
//! `notify_channels` channel with its buttons (Block Kit), updated to say
//! "resolved" when its group resolves. Presses come back through
//! [`super::receive`] like the slash command.

use serde_json::{json, Value};

use super::Link;
use crate::chatops::core::Front;
use crate::chatops::i18n::Tr;
use crate::chatops::notify::{self, Notification};
use crate::chatops::webhook::{DeliveryError, Round};
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
    let round = Round::begin(&state.chatops, chatops, n, Front::Slack);
    let (text, planned) = notify::message(n, Tr::new(crate::chatops::i18n::DEFAULT));
    // Slack holds a section's 3,000 characters: the first part carries the buttons.
    let text = text.to_slack().into_iter().next().unwrap_or_default();
    let rows = round.buttons(planned, |label, id| (label, id));
    let (link, text, rows) = (&link, &text, &rows);
    round
        .each(slack.notify_channels.iter(), |channel, earlier| async move {
            if !n.resolved() {
                let ts = link.api.post_message(channel, text, Some(&blocks(text, rows))).await;
                return ts.map(|ts| vec![ts]).map_err(DeliveryError::Slack);
            }
            // Resolved: its earlier messages updated (their buttons go), or
            // posted anew when there were none or none would update.
            let mut edited = 0;
            for p in &earlier {
                if link
                    .api
                    .update_message(channel, &p.message, text, &blocks(text, &[]))
                    .await
                    .is_ok()
                {
                    edited += 1;
                }
            }
            if edited == 0 {
                link.api
                    .post_message(channel, text, Some(&blocks(text, &[])))
                    .await
                    .map_err(DeliveryError::Slack)?;
            }
            Ok(Vec::new())
        })
        .await
}
