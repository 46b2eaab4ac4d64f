//! Alert messages in Telegram: a notification sent to every notify chat
//! with its buttons (kept in the [`Store`](crate::chatops::buttons::Store)),
//! edited to say "resolved" when its group resolves; and what a button
//! press does (through the command core: the presser's role and limits).

use super::api::{ApiError, Button, Keyboard};
use super::outbox::Outgoing;
use super::Link;
use crate::chatops::buttons::Posted;
use crate::chatops::core::Front;
use crate::chatops::i18n::Tr;
use crate::chatops::notify::{self, Notification};
use crate::chatops::webhook::{DeliveryError, Round};
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
    let round = Round::begin(&state.chatops, chatops, n, Front::Telegram);
    let (text, rows) = notify::message(n, Tr::new(crate::chatops::i18n::DEFAULT));
    let parts = text.to_telegram();
    let keyboard = (!rows.is_empty()).then(|| Keyboard {
        inline_keyboard: round.buttons(rows, |label, id| Button {
            text: label.chars().take(40).collect(),
            callback_data: id,
        }),
    });
    let (link, parts, keyboard) = (&link, &parts, keyboard.as_ref());
    round
        .each(telegram.notify_chats.iter().copied(), |chat, earlier| async move {
            let sent = if n.resolved() {
                resolve_in(link, chat, &earlier, parts).await
            } else {
                post_in(link, chat, parts, keyboard).await
            };
            sent.map(|ids| ids.iter().map(i64::to_string).collect())
                .map_err(DeliveryError::Telegram)
        })
        .await
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
    let mine: Vec<i64> = earlier.iter().filter_map(|p| p.message.parse().ok()).collect();
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
