//! The ChatOps bot: network engineers ask it about devices, alerts and
//! traffic from Telegram (and Slack), and silence alerts from the chat.
//!
//! Data flows one way, like the exporter's: a front end ([`telegram`],
//! [`slack`]) turns updates into a [`core::Caller`] and words → the
//! [`core`] (parse in [`command`], rate limits and roles, the answer in
//! [`answers`] from the poller, Prometheus and Alertmanager through
//! [`backends`]) → [`markup::Text`] → the front end renders and sends it
//! (Telegram's sends paced by a [`pace::Pacer`]). [`i18n`] holds the
//! words, [`mod@format`] the numbers, [`chart`] draws `/graph`.
//!
//! Alerts come the other way: Alertmanager posts to [`webhook`],
//! [`notify`] makes the message and its buttons, the front ends send it
//! ([`telegram::alerts`], [`slack::alerts`]) and [`buttons`] remembers
//! what each button does (in `chatops.state_file`); a press goes through
//! the core like a command.
//!
//! What outlives a reload lives in [`Shared`] (the rate limiters, the
//! buttons, the connected clients); users, roles and chats are read from
//! the live config on every update, so a reload applies to the next message.

pub mod answers;
pub mod backends;
pub mod buttons;
pub mod chart;
pub mod command;
pub mod core;
pub mod format;
pub mod i18n;
pub mod markup;
pub mod notify;
pub mod pace;
pub mod slack;
pub mod telegram;
pub mod webhook;

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
    /// Alert messages' buttons and links, loaded from the state file.
    buttons: Mutex<buttons::Store>,
    /// The Telegram bot, while it is connected: the webhook sends through it.
    telegram: Mutex<Option<Arc<telegram::Link>>>,
    /// The Slack client and core, built on the first request that needs them.
    slack: Mutex<Option<Arc<slack::Link>>>,
    /// One writer of the state file at a time.
    saving: tokio::sync::Mutex<()>,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            limits: Mutex::new(HashMap::new()),
            strangers: Mutex::new(Limiter::new(1.0 / STRANGER_NOTICE_EVERY.as_secs_f64(), 1, MAX_KEYS)),
            buttons: Mutex::new(buttons::Store::default()),
            telegram: Mutex::new(None),
            slack: Mutex::new(None),
            saving: tokio::sync::Mutex::new(()),
        }
    }
}

impl Shared {
    pub fn buttons(&self) -> std::sync::MutexGuard<'_, buttons::Store> {
        self.buttons.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The connected Telegram bot, if it is.
    pub fn telegram_link(&self) -> Option<Arc<telegram::Link>> {
        self.telegram
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn set_telegram_link(&self, link: Option<Arc<telegram::Link>>) {
        *self.telegram.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = link;
    }

    pub(crate) fn slack_link(&self) -> Option<Arc<slack::Link>> {
        self.slack
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn set_slack_link(&self, link: Option<Arc<slack::Link>>) {
        *self.slack.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = link;
    }

    /// Reads `chatops.state_file` (at start). An unreadable one is moved
    /// aside: starting without old buttons beats not starting.
    fn load_buttons(&self, state: &AppState) {
        let live = state.live();
        let Some(path) = live.config.chatops.as_ref().and_then(|c| c.state_file.as_deref()) else {
            return;
        };
        match buttons::Store::load(path) {
            Ok(mut store) => {
                store.expire(crate::traps::unix_now());
                tracing::info!(buttons = store.len(), "chatops state file read");
                *self.buttons() = store;
            }
            Err(e) => match crate::statefile::move_aside(path) {
                Ok(aside) => {
                    tracing::error!(error = %e, moved_to = %aside.display(), "chatops state file unreadable; starting without its buttons")
                }
                Err(mv) => {
                    tracing::error!(error = %e, rename_error = %mv, "chatops state file unreadable and cannot be moved aside")
                }
            },
        }
    }

    /// Writes the buttons to `chatops.state_file` when they changed.
    pub async fn save_buttons(&self, state: &AppState) {
        let live = state.live();
        let Some(path) = live.config.chatops.as_ref().and_then(|c| c.state_file.clone()) else {
            return;
        };
        let _one_writer = self.saving.lock().await;
        let body = {
            let mut store = self.buttons();
            store.expire(crate::traps::unix_now());
            if !store.dirty {
                return;
            }
            store.dirty = false;
            serde_json::to_value(&*store)
        };
        let Ok(body) = body else { return };
        // File I/O off the async threads.
        let failed = match tokio::task::spawn_blocking(move || crate::statefile::save(&path, &body)).await {
            Ok(Ok(())) => return,
            Ok(Err(e)) => e.to_string(),
            Err(e) => e.to_string(),
        };
        tracing::error!(error = %failed, "cannot write the chatops state file");
        self.buttons().dirty = true;
    }
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
    shared.load_buttons(&state);
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
