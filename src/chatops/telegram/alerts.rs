//! Alert messages in Telegram: a notification sent to every notify chat
//! with its buttons (kept in the [`Store`](crate::chatops::buttons::Store)),
//! edited to say "resolved" when its group resolves; and what a button
//! press does (through the command core: the presser's role and limits).

use super::api::{ApiError, Button, Keyboard};
use super::outbox::Outgoing;
use super::Link;
use crate::chatops::buttons::{Claim, Posted};
use crate::chatops::core::Front;
use crate::chatops::i18n::Tr;
use crate::chatops::notify::{self, Notification};
use crate::chatops::webhook::DeliveryError;
use crate::config::{ChatopsConfig, TelegramConfig};
use crate::state::AppState;

/// How far behind Telegram may be before a notification is refused (503)
/// rather than queued behind the others.
const MAX_BACKLOG: std::time::Duration = std::time::Duration::from_secs(30);

/// Sends `n` to every notify chat that has not had it (an HA pair sends it
/// twice; a retry after a partial failure skips the chats that got it).
/// Returns how many chats it reached now.
pub async fn deliver(
    state: &AppState,
    chatops: &ChatopsConfig,
    telegram: &TelegramConfig,
    n: &Notification,
) -> Result<usize, DeliveryError> {
    let link = state
        .chatops
        .telegram_link()
        .ok_or(DeliveryError::NotConnected("Telegram"))?;
    let backlog = link.outbox.backlog();
    if backlog > MAX_BACKLOG {
        return Err(DeliveryError::Backlog("Telegram", backlog));
    }
    let shared = &state.chatops;
    let now = crate::traps::unix_now();
    let ttl = chatops.button_ttl.as_secs_f64();
    let digest = n.digest();
    let (text, rows) = notify::message(n, Tr::new(crate::chatops::i18n::DEFAULT));
    let parts = text.to_telegram();
    let keyboard = (!rows.is_empty()).then(|| {
        let mut store = shared.buttons();
        Keyboard {
            inline_keyboard: rows
                .into_iter()
                .map(|row| {
                    row.into_iter()
                        .map(|p| Button {
                            text: p.label.chars().take(40).collect(),
                            callback_data: store.add(p.action, now, ttl),
                        })
                        .collect()
                })
                .collect(),
        }
    });
    let earlier = if n.resolved() {
        shared.buttons().take_group(&n.group_key, Front::Telegram)
    } else {
        Vec::new()
    };
    let mut reached = 0;
    let mut result = Ok(());
    for &chat in &telegram.notify_chats {
        let key = chat.to_string();
        match shared.buttons().claim(&digest, &key, now) {
            Claim::New => {}
            Claim::Done => continue,
            Claim::Pending => {
                result = Err(DeliveryError::InProgress);
                continue;
            }
        }
        let sent = if n.resolved() {
            resolve_in(&link, chat, &earlier, &parts).await
        } else {
            post_in(&link, chat, &parts, keyboard.as_ref()).await
        };
        match sent {
            Ok(messages) => {
                let mut store = shared.buttons();
                for message in messages {
                    let posted = Posted {
                        front: Front::Telegram,
                        chat: key.clone(),
                        message: message.to_string(),
                    };
                    store.posted(&n.group_key, posted, now, ttl);
                }
                store.confirm(&digest, &key);
                reached += 1;
            }
            Err(e) => {
                shared.buttons().release(&digest, &key);
                result = Err(DeliveryError::Telegram(e));
                break;
            }
        }
    }
    if n.resolved() && result.is_err() {
        // Not edited everywhere: keep the links for the retry.
        let mut store = shared.buttons();
        for p in earlier.into_iter().filter(|p| p.front == Front::Telegram) {
            store.posted(&n.group_key, p, now, ttl);
        }
    }
    result.map(|()| reached)
}

/// Posts a firing notification: its parts in order, the buttons under the
/// last. Returns the message ids (to edit when it resolves).
async fn post_in(link: &Link, chat: i64, parts: &[String], keyboard: Option<&Keyboard>) -> Result<Vec<i64>, ApiError> {
    let mut ids = Vec::new();
    for (i, html) in parts.iter().enumerate() {
        let keyboard = if i + 1 == parts.len() { keyboard } else { None };
        if let Some(sent) = link
            .outbox
            .send(
                chat,
                Outgoing::Text {
                    html,
                    reply_to: None,
                    keyboard,
                },
            )
            .await?
        {
            ids.push(sent.message_id);
        }
    }
    Ok(ids)
}

/// Edits the group's earlier messages in `chat` to the resolved text (which
/// also removes their buttons); posts it when there were none, or when
/// Telegram will not edit them (deleted, too old).
async fn resolve_in(link: &Link, chat: i64, earlier: &[Posted], parts: &[String]) -> Result<Vec<i64>, ApiError> {
    let Some(first) = parts.first() else {
        return Ok(Vec::new());
    };
    let mine: Vec<i64> = earlier
        .iter()
        .filter(|p| p.front == Front::Telegram && p.chat == chat.to_string())
        .filter_map(|p| p.message.parse().ok())
        .collect();
    let mut edited = 0;
    for message in &mine {
        match link
            .outbox
            .send(
                chat,
                Outgoing::Edit {
                    message: *message,
                    html: first,
                    keyboard: None,
                },
            )
            .await
        {
            Ok(_) => edited += 1,
            Err(ApiError::Refused { code: 400, .. }) => {}
            Err(e) => return Err(e),
        }
    }
    if edited == 0 {
        post_in(link, chat, parts, None).await?;
    }
    Ok(Vec::new())
}
