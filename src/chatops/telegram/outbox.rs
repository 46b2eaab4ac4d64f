//! Everything the Telegram bot sends goes through here, paced (by a
//! [`Pacer`]) the way Telegram asks: about 30 messages a second overall,
//! one a second in a private chat, 20 a minute in a group. A 429 is waited
//! out (`retry_after`) and the message sent again; the chat's next turn
//! moves back with it. [`Outbox::backlog`] says how long the wait is,
//! which is what the alert webhook answers 503 on.

use std::time::{Duration, Instant};

use super::api::{Api, ApiError, Keyboard, Sent};
use crate::chatops::pace::Pacer;

const GLOBAL_GAP: Duration = Duration::from_millis(34);
const PRIVATE_GAP: Duration = Duration::from_secs(1);
const GROUP_GAP: Duration = Duration::from_secs(3);
/// 429s waited out for one message before it is given up.
const MAX_RETRIES: u32 = 5;
/// The longest `retry_after` honoured; beyond it the message is given up.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);

/// What to send.
pub enum Outgoing<'a> {
    Text {
        html: &'a str,
        reply_to: Option<i64>,
        keyboard: Option<&'a Keyboard>,
    },
    Photo {
        png: &'a [u8],
        caption: &'a str,
        reply_to: Option<i64>,
    },
    Edit {
        message: i64,
        html: &'a str,
        keyboard: Option<&'a Keyboard>,
    },
}

pub struct Outbox {
    api: Api,
    pace: Pacer<i64>,
}

impl Outbox {
    pub fn new(api: Api) -> Outbox {
        Outbox {
            api,
            pace: Pacer::new(GLOBAL_GAP),
        }
    }

    pub fn api(&self) -> &Api {
        &self.api
    }

    /// How long a message sent now would wait for its turn.
    pub fn backlog(&self) -> Duration {
        self.pace.backlog()
    }

    /// Sends `what` to `chat` in its turn; on 429, waits `retry_after` and
    /// tries again (up to `MAX_RETRIES` times).
    pub async fn send(&self, chat: i64, what: Outgoing<'_>) -> Result<Option<Sent>, ApiError> {
        let mut not_before = Instant::now();
        let mut tries = 0;
        loop {
            // Group and channel ids are negative.
            let gap = if chat < 0 { GROUP_GAP } else { PRIVATE_GAP };
            self.pace.wait_turn(&chat, gap, not_before).await;
            let result = match &what {
                Outgoing::Text {
                    html,
                    reply_to,
                    keyboard,
                } => self.api.send_message(chat, html, *reply_to, *keyboard).await.map(Some),
                Outgoing::Photo { png, caption, reply_to } => self
                    .api
                    .send_photo(chat, png.to_vec(), caption, *reply_to)
                    .await
                    .map(Some),
                Outgoing::Edit {
                    message,
                    html,
                    keyboard,
                } => self
                    .api
                    .edit_message_text(chat, *message, html, *keyboard)
                    .await
                    .map(|_| None),
            };
            match result {
                Err(ApiError::Refused {
                    code: 429,
                    retry_after,
                    description,
                }) if tries < MAX_RETRIES => {
                    let wait = Duration::from_secs(retry_after.unwrap_or(1).max(1));
                    if wait > MAX_RETRY_AFTER {
                        return Err(ApiError::Refused {
                            code: 429,
                            description,
                            retry_after,
                        });
                    }
                    tries += 1;
                    not_before = Instant::now() + wait;
                    self.pace.back_off(&chat, not_before);
                }
                other => return other,
            }
        }
    }
}
