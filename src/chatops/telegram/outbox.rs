//! Everything the bot sends goes through here, paced the way Telegram
//! asks: about 30 messages a second overall, one a second in a private
//! chat, 20 a minute in a group. A 429 is waited out (`retry_after`) and
//! the message sent again; the chat's next turn moves back with it.
//!
//! Nothing is queued in memory: a sender waits for its turn (its task
//! holds the message), and the number of senders is bounded by the
//! front end. [`Outbox::backlog`] says how long the wait is, which is what
//! the alert webhook answers 503 on.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::api::{Api, ApiError, Keyboard, Sent};

const GLOBAL_GAP: Duration = Duration::from_millis(34);
const PRIVATE_GAP: Duration = Duration::from_secs(1);
const GROUP_GAP: Duration = Duration::from_secs(3);
/// 429s waited out for one message before it is given up.
const MAX_RETRIES: u32 = 5;
/// The longest `retry_after` honoured; beyond it the message is given up.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
/// Chats whose turns are remembered; past it, turns in the past are dropped.
const MAX_CHATS: usize = 4096;

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

struct Turns {
    next_global: Instant,
    next_chat: HashMap<i64, Instant>,
}

pub struct Outbox {
    api: Api,
    turns: Mutex<Turns>,
}

impl Outbox {
    pub fn new(api: Api) -> Outbox {
        Outbox {
            api,
            turns: Mutex::new(Turns {
                next_global: Instant::now(),
                next_chat: HashMap::new(),
            }),
        }
    }

    pub fn api(&self) -> &Api {
        &self.api
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Turns> {
        self.turns.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Books `chat`'s next free turn, not before `not_before`, and
    /// returns when it is.
    fn book(&self, chat: i64, not_before: Instant) -> Instant {
        let mut t = self.lock();
        let now = Instant::now();
        if t.next_chat.len() >= MAX_CHATS {
            t.next_chat.retain(|_, at| *at > now);
        }
        let at = not_before.max(t.next_chat.get(&chat).copied().unwrap_or(now)).max(now);
        // Group and channel ids are negative.
        let gap = if chat < 0 { GROUP_GAP } else { PRIVATE_GAP };
        t.next_chat.insert(chat, at + gap);
        at
    }

    /// The next free slot of the overall pace, taken when a message's chat
    /// turn has come (booked ahead, a chat waiting out a 429 would hold
    /// every other chat back).
    fn global_slot(&self) -> Instant {
        let mut t = self.lock();
        let at = t.next_global.max(Instant::now());
        t.next_global = at + GLOBAL_GAP;
        at
    }

    /// Pushes `chat`'s next turn (and everyone's, on a global 429) back.
    fn back_off(&self, chat: i64, until: Instant) {
        let mut t = self.lock();
        let entry = t.next_chat.entry(chat).or_insert(until);
        *entry = (*entry).max(until);
    }

    /// How long a message sent now would wait for its turn (the longest
    /// chat wait): while it grows, the bot is not delivering.
    pub fn backlog(&self) -> Duration {
        let t = self.lock();
        let now = Instant::now();
        t.next_chat
            .values()
            .map(|at| at.saturating_duration_since(now))
            .max()
            .unwrap_or_default()
            .max(t.next_global.saturating_duration_since(now))
    }

    /// Sends `what` to `chat` in its turn; on 429, waits `retry_after` and
    /// tries again (up to [`MAX_RETRIES`] times).
    pub async fn send(&self, chat: i64, what: Outgoing<'_>) -> Result<Option<Sent>, ApiError> {
        let mut not_before = Instant::now();
        let mut tries = 0;
        loop {
            tokio::time::sleep_until(self.book(chat, not_before).into()).await;
            tokio::time::sleep_until(self.global_slot().into()).await;
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
                    self.back_off(chat, not_before);
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn outbox() -> Outbox {
        let api = Api::new(
            "http://127.0.0.1:9",
            crate::secret::Secret::new("1:x"),
            Arc::new(crate::telemetry::Telemetry::new()),
        )
        .unwrap();
        Outbox::new(api)
    }

    #[test]
    fn turns_keep_telegrams_per_chat_and_global_pace() {
        let o = outbox();
        let t0 = Instant::now();
        let a1 = o.book(1, t0);
        let a2 = o.book(1, t0);
        let b1 = o.book(2, t0);
        let g1 = o.book(-100, t0);
        let g2 = o.book(-100, t0);
        assert!(a2.duration_since(a1) >= PRIVATE_GAP);
        assert!(b1 < a1 + PRIVATE_GAP, "another chat does not wait for chat 1's gap");
        assert!(g2.duration_since(g1) >= GROUP_GAP);
        assert!(o.backlog() >= GROUP_GAP);
        let (s1, s2) = (o.global_slot(), o.global_slot());
        assert!(s2.duration_since(s1) >= GLOBAL_GAP);
    }

    #[test]
    fn a_429_moves_the_chats_next_turn_back() {
        let o = outbox();
        let t0 = Instant::now();
        o.back_off(7, t0 + Duration::from_secs(30));
        assert!(o.book(7, t0) >= t0 + Duration::from_secs(30));
        assert!(o.book(8, t0) < t0 + Duration::from_secs(1));
    }

    #[test]
    fn turns_in_the_past_are_forgotten_once_many_chats_are_remembered() {
        // Turns in the future belong to senders waiting (bounded by the
        // front end's concurrency); past ones are dropped past MAX_CHATS.
        let o = outbox();
        let past = Instant::now() - Duration::from_secs(10);
        for chat in 0..MAX_CHATS as i64 {
            o.lock().next_chat.insert(chat, past);
        }
        o.book(-1, Instant::now());
        assert_eq!(o.lock().next_chat.len(), 1);
    }
}
