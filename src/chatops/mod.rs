//! The ChatOps bot: network engineers ask it about devices, alerts and
//! traffic from Telegram (and Slack), and silence alerts from the chat.
//!
//! Data flows one way, like the exporter's: a front end
//! ([`telegram`]) turns updates into a [`core::Caller`] and words → the
//! [`core`] (parse in [`command`], rate limits and roles, the answer in
//! [`answers`] from the poller, Prometheus and Alertmanager through
//! [`backends`]) → [`markup::Text`] → the front end renders and sends it
//! (paced by [`telegram::outbox`]). [`i18n`] holds the words, [`format`]
//! the numbers, [`chart`] draws `/graph`.
//!
//! What outlives a reload lives in [`Shared`] (the rate limiters); the
//! bot reads users, roles and chats from the live config on every update,
//! so a reload applies to the next message.

pub mod answers;
pub mod backends;
pub mod chart;
pub mod command;
pub mod core;
pub mod format;
pub mod i18n;
pub mod markup;
pub mod telegram;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use self::core::Front;
use crate::config::ChatRateLimit;
use crate::ratelimit::{Denied, Limiter};
use crate::state::AppState;

/// Distinct users and chats with buckets of their own, per front end.
/// Users and chats are configured, so this is generous; the cap only
/// matters against a bug.
const MAX_KEYS: usize = 10_000;
/// How often a stranger is told they are not on the list.
const STRANGER_NOTICE_EVERY: Duration = Duration::from_secs(3600);

/// The buckets of one front end, built from its `rate_limit`.
struct Limits {
    config: ChatRateLimit,
    users: Limiter<String>,
    chats: Limiter<String>,
}

/// What the bot keeps across reloads.
pub struct Shared {
    limits: Mutex<HashMap<Front, Limits>>,
    /// Per front end and user: when they were last told they are refused.
    strangers: Mutex<Limiter<String>>,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            limits: Mutex::new(HashMap::new()),
            strangers: Mutex::new(Limiter::new(1.0 / STRANGER_NOTICE_EVERY.as_secs_f64(), 1, MAX_KEYS)),
        }
    }
}

impl Shared {
    /// Takes `cost` tokens from `user`'s and `chat`'s buckets under `limit`
    /// (rebuilt when a reload changed it); `Some` when either is empty.
    pub fn take(
        &self,
        front: Front,
        limit: ChatRateLimit,
        user: &str,
        chat: &str,
        cost: f64,
        now: Instant,
    ) -> Option<Denied> {
        let mut all = self.limits.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let limits = all.entry(front).or_insert_with(|| Limits::new(limit));
        if limits.config != limit {
            *limits = Limits::new(limit);
        }
        if let Err(d) = limits.users.take(user, cost, now) {
            return Some(d);
        }
        limits.chats.take(chat, cost, now).err()
    }

    /// Whether a refused stranger should be told so now (once an hour).
    pub fn tell_stranger(&self, front: Front, user: &str, now: Instant) -> bool {
        let key = format!("{}:{user}", front.name());
        self.strangers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take(key.as_str(), 1.0, now)
            .is_ok()
    }
}

impl Limits {
    fn new(config: ChatRateLimit) -> Limits {
        Limits {
            config,
            users: Limiter::new(config.per_user, config.burst, MAX_KEYS),
            chats: Limiter::new(config.per_chat, config.burst, MAX_KEYS),
        }
    }
}

/// Runs the bot's front ends until `shutdown`. Idle (a check a second)
/// while the config has no `chatops:` section; a reload that adds one
/// starts it.
pub async fn run(state: Arc<AppState>, shutdown: impl Future<Output = ()>) {
    tokio::pin!(shutdown);
    while state.live().config.chatops.is_none() {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {},
            () = &mut shutdown => return,
        }
    }
    state.telemetry.chatops_started();
    let shared = state.chatops.clone();
    let telegram = crate::server::supervise("chatops-telegram", state.telemetry.clone(), || {
        telegram::run(state.clone(), shared.clone())
    });
    tokio::select! {
        () = telegram => {},
        () = &mut shutdown => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limit() -> ChatRateLimit {
        ChatRateLimit {
            per_user: 1.0,
            per_chat: 10.0,
            burst: 3,
        }
    }

    #[test]
    fn expensive_commands_empty_the_bucket_sooner() {
        let s = Shared::default();
        let t0 = Instant::now();
        assert!(s.take(Front::Telegram, limit(), "1", "1", 3.0, t0).is_none());
        let d = s.take(Front::Telegram, limit(), "1", "1", 1.0, t0).unwrap();
        assert!(d.first && d.retry_after <= Duration::from_secs(1));
        assert!(!s.take(Front::Telegram, limit(), "1", "1", 1.0, t0).unwrap().first);
        // Another user has a bucket of their own, but not in a chat whose
        // bucket the first one emptied; Slack has limits of its own.
        assert!(s.take(Front::Telegram, limit(), "2", "1", 1.0, t0).is_some());
        assert!(s.take(Front::Telegram, limit(), "2", "2", 1.0, t0).is_none());
        assert!(s.take(Front::Slack, limit(), "1", "C1", 3.0, t0).is_none());
    }

    #[test]
    fn a_reload_with_another_rate_limit_applies_it() {
        let s = Shared::default();
        let t0 = Instant::now();
        assert!(s.take(Front::Telegram, limit(), "1", "1", 3.0, t0).is_none());
        assert!(s.take(Front::Telegram, limit(), "1", "1", 1.0, t0).is_some());
        let wider = ChatRateLimit { burst: 10, ..limit() };
        assert!(s.take(Front::Telegram, wider, "1", "1", 1.0, t0).is_none());
    }

    #[test]
    fn a_stranger_is_told_once_an_hour() {
        let s = Shared::default();
        let t0 = Instant::now();
        assert!(s.tell_stranger(Front::Telegram, "9", t0));
        assert!(!s.tell_stranger(Front::Telegram, "9", t0 + Duration::from_secs(60)));
        assert!(s.tell_stranger(Front::Telegram, "8", t0));
        assert!(s.tell_stranger(Front::Telegram, "9", t0 + STRANGER_NOTICE_EVERY));
    }
}
