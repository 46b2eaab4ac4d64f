//! The Telegram front end: long polling (`getUpdates`), who is asking and
//! from where, and delivery of the core's answers as HTML messages.
//!
//! Updates are confirmed by the next `getUpdates` offset as soon as they
//! are read, so a crash never runs a command twice; a command sent longer
//! ago than `chatops.max_update_age` (queued while netgauge was down) is
//! confirmed and not run. Each update is answered on a task of its own,
//! at most [`HANDLERS`] at once: past that, reading updates waits
//! (Telegram keeps them), so memory stays bounded.

pub mod alerts;
pub mod api;
pub mod outbox;

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rand::Rng;

use self::api::{Api, ApiError, Message, Update};
use self::outbox::{Outbox, Outgoing};
use super::backends::Backends;
use super::core::{Caller, Core, Front, Reply};
use super::i18n::{self, Tr};
use super::Shared;
use crate::config::ChatopsConfig;
use crate::state::AppState;

/// A connected bot: what the Alertmanager webhook sends through.
pub struct Link {
    pub outbox: Arc<Outbox>,
    pub core: Arc<Core>,
}

/// Clears the link when the bot that set it stops.
struct Connected<'a>(&'a Shared);

impl Drop for Connected<'_> {
    fn drop(&mut self) {
        self.0.set_telegram_link(None);
    }
}

/// Updates answered at once.
pub const HANDLERS: usize = 16;
/// Telegram's caption limit (after entity parsing).
const CAPTION_LIMIT: usize = 1024;

/// What the bot was built from: a reload that changes any of it starts a
/// new bot (new client, new backends); anything else (users, roles,
/// chats, limits) is read from the live config on each update.
#[derive(Clone, PartialEq)]
struct Generation {
    api_url: String,
    token: String,
    prometheus: Option<String>,
    alertmanagers: Vec<String>,
}

impl Generation {
    fn of(state: &AppState) -> Option<Generation> {
        let live = state.live();
        let c = live.config.chatops.as_ref()?;
        let t = c.telegram.as_ref()?;
        Some(Generation {
            api_url: t.api_url.clone(),
            token: t.token.expose().to_owned(),
            prometheus: c.prometheus_url.clone(),
            alertmanagers: c.alertmanager_urls.clone(),
        })
    }
}

/// Runs the Telegram bot for as long as the process; idle while the
/// config has no `chatops.telegram`.
pub async fn run(state: Arc<AppState>, shared: Arc<Shared>) {
    // Updates confirmed so far, kept across generations of the same bot: a
    // reload between reading a batch and confirming it must not run the
    // batch again under the next generation.
    let mut offset = 0_i64;
    let mut token = String::new();
    loop {
        let Some(generation) = Generation::of(&state) else {
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        let built = Api::new(
            &generation.api_url,
            crate::secret::Secret::new(generation.token.clone()),
            state.telemetry.clone(),
        )
        .map_err(|e| e.to_string())
        .and_then(|api| {
            let backends = Backends::new(generation.prometheus.clone(), generation.alertmanagers.clone())
                .map_err(|e| e.to_string())?;
            Ok((api, backends))
        });
        if generation.token != token {
            offset = 0;
            token = generation.token.clone();
        }
        match built {
            Ok((api, backends)) => {
                let core = Arc::new(Core::new(state.clone(), shared.clone(), backends));
                serve(&state, &generation, api, core, &mut offset).await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot build the Telegram bot's HTTP clients");
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
        }
    }
}

/// Doubling waits with jitter, from 1 s to a minute.
struct Backoff(u32);

impl Backoff {
    fn next(&mut self) -> Duration {
        let base = Duration::from_secs(1 << self.0.min(6)).min(Duration::from_secs(60));
        self.0 += 1;
        base.mul_f64(rand::rng().random_range(0.5..1.0))
    }
}

/// How long to wait after a failed request: `retry_after` on 429, a
/// minute when the token is refused, else the backoff.
fn wait_after(e: &ApiError, backoff: &mut Backoff) -> Duration {
    match e {
        ApiError::Refused {
            code: 429,
            retry_after: Some(s),
            ..
        } => Duration::from_secs((*s).clamp(1, 300)),
        ApiError::Refused { code: 401 | 404, .. } => {
            tracing::error!("Telegram refused the bot token (chatops.telegram.token): check it with BotFather");
            Duration::from_secs(60)
        }
        // 409 (another getUpdates reader, logged loudly by its event), 5xx, network.
        _ => backoff.next(),
    }
}

/// Reads and answers updates until a reload changes `generation`. Every
/// wait ends early when it does (a fixed token applies at once).
async fn serve(state: &Arc<AppState>, generation: &Generation, api: Api, core: Arc<Core>, offset: &mut i64) {
    let outbox = Arc::new(Outbox::new(api.clone()));
    let mut backoff = Backoff(0);
    let me = loop {
        let wait = tokio::select! {
            me = api.get_me() => match me {
                Ok(me) => break me,
                Err(e) => wait_after(&e, &mut backoff),
            },
            () = superseded(state, generation) => return,
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {},
            () = superseded(state, generation) => return,
        }
    };
    let username = me.username.unwrap_or_default();
    tracing::info!(bot = %username, "telegram bot running");
    state.chatops.set_telegram_link(Some(Arc::new(Link {
        outbox: outbox.clone(),
        core: core.clone(),
    })));
    let _connected = Connected(&state.chatops);
    let handlers = Arc::new(tokio::sync::Semaphore::new(HANDLERS));
    let mut backoff = Backoff(0);
    loop {
        // An update read by a poll dropped here is not confirmed: it comes again.
        let polled = tokio::select! {
            polled = api.get_updates(*offset, api::LONG_POLL) => polled,
            () = superseded(state, generation) => return,
        };
        let wait = match polled {
            Ok(updates) => {
                backoff = Backoff(0);
                for update in updates {
                    *offset = (*offset).max(update.update_id.saturating_add(1));
                    let Ok(permit) = handlers.clone().acquire_owned().await else {
                        return;
                    };
                    let (core, outbox, username) = (core.clone(), outbox.clone(), username.clone());
                    tokio::spawn(async move {
                        handle(&core, &outbox, &username, update).await;
                        drop(permit);
                    });
                }
                continue;
            }
            Err(e) => wait_after(&e, &mut backoff),
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {},
            () = superseded(state, generation) => return,
        }
    }
}

/// Returns once the live config no longer makes `generation`.
async fn superseded(state: &AppState, generation: &Generation) {
    while Generation::of(state).as_ref() == Some(generation) {
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

async fn handle(core: &Core, outbox: &Outbox, username: &str, update: Update) {
    if let Some(message) = update.message {
        message_in(core, outbox, username, message).await;
    } else if let Some(query) = update.callback_query {
        press(core, outbox, query).await;
    }
}

/// A button under an alert message: checked against the presser (any
/// group member can press), run through the core, answered on the button
/// (which stops its spinner) and, when it made something, in the chat.
async fn press(core: &Core, outbox: &Outbox, query: api::CallbackQuery) {
    let live = core.state().live();
    let user = live
        .config
        .chatops
        .as_ref()
        .and_then(|c| c.telegram.as_ref())
        .and_then(|t| t.users.iter().find(|u| u.id == query.from.id));
    let tr = Tr::new(i18n::pick(
        user.and_then(|u| u.language.as_deref()),
        query.from.language_code.as_deref(),
    ));
    let (chat, message) = query.message.as_ref().map_or((0, 0), |m| (m.chat.id, m.message_id));
    let user_id = query.from.id.to_string();
    let Some(user) = user else {
        core.refuse_stranger(
            Front::Telegram,
            &user_id,
            &chat.to_string(),
            super::command::BUTTON,
            "user not in chatops.telegram.users",
            tr,
        );
        let _ = outbox
            .api()
            .answer_callback_query(&query.id, &tr.t("button.stranger", &[]))
            .await;
        return;
    };
    let caller = Caller::new(Front::Telegram, user, user_id, chat.to_string(), tr);
    let action = query.data.as_deref().and_then(|id| {
        core.state()
            .chatops
            .buttons()
            .get(id, crate::traps::unix_now())
            .map(|b| b.action.clone())
    });
    let (replies, notice) = core.press(&caller, action.as_ref()).await;
    let _ = outbox.api().answer_callback_query(&query.id, &notice).await;
    if chat != 0 && !replies.is_empty() {
        deliver(outbox, chat, message, replies).await;
    }
}

/// The command words of `text` for this bot: `/status@ThisBot x` → `/status x`;
/// `None` when it is addressed to another bot, or (in a group) is not a command.
fn command_words(text: &str, username: &str, private: bool) -> Option<String> {
    let text = text.trim();
    if !text.starts_with('/') {
        return private.then(|| text.to_owned());
    }
    let (first, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
    let command = match first.split_once('@') {
        Some((command, bot)) if bot.eq_ignore_ascii_case(username) => command,
        Some(_) => return None,
        None => first,
    };
    Some(format!("{command} {}", rest.trim()).trim().to_owned())
}

async fn message_in(core: &Core, outbox: &Outbox, username: &str, message: Message) {
    let (Some(text), Some(from)) = (message.text.as_deref(), message.from.as_ref()) else {
        return;
    };
    if from.is_bot {
        return;
    }
    let private = message.chat.kind == "private";
    let Some(words) = command_words(text, username, private) else {
        return;
    };
    let live = core.state().live();
    let Some((chatops, telegram)) = live
        .config
        .chatops
        .as_ref()
        .and_then(|c: &ChatopsConfig| Some((c, c.telegram.as_ref()?)))
    else {
        return;
    };
    let (user_id, chat) = (from.id.to_string(), message.chat.id.to_string());
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let age = Duration::from_secs(now.saturating_sub(message.date).max(0) as u64);
    let user = telegram.users.iter().find(|u| u.id == from.id);
    let served = private || telegram.chats.contains(&message.chat.id);
    let tr = Tr::new(i18n::pick(
        user.and_then(|u| u.language.as_deref()),
        from.language_code.as_deref(),
    ));
    let Some(user) = user.filter(|_| served) else {
        if age > chatops.max_update_age {
            return;
        }
        let why = if served {
            "user not in chatops.telegram.users"
        } else {
            "chat not in chatops.telegram.chats"
        };
        // A group the bot was added to without being asked hears nothing.
        if let Some(reply) = core.refuse_stranger(Front::Telegram, &user_id, &chat, &words, why, tr) {
            if served {
                deliver(outbox, message.chat.id, message.message_id, vec![Reply::Text(reply)]).await;
            }
        }
        return;
    };
    let caller = Caller::new(Front::Telegram, user, user_id, chat, tr);
    if age > chatops.max_update_age {
        core.too_old(&caller, &words, age);
        return;
    }
    let answer = core.run(&caller, &words).await;
    deliver(outbox, message.chat.id, message.message_id, answer.replies).await;
}

/// Sends `replies` to `chat`, the first as a reply to `reply_to`. A text
/// too long for one message goes as several, split between lines.
pub(crate) async fn deliver(outbox: &Outbox, chat: i64, reply_to: i64, replies: Vec<Reply>) {
    let mut reply_to = Some(reply_to);
    for reply in replies {
        match reply {
            Reply::Text(text) => {
                for html in text.to_telegram() {
                    let sent = outbox
                        .send(
                            chat,
                            Outgoing::Text {
                                html: &html,
                                reply_to,
                                keyboard: None,
                            },
                        )
                        .await;
                    reply_to = None;
                    if sent.is_err() {
                        // Logged and counted by the API client; the rest would fail alike.
                        return;
                    }
                }
            }
            Reply::Photo { png, caption } => {
                let mut parts = caption.to_telegram().into_iter();
                let first = parts.next().unwrap_or_default();
                let (caption, extra) = if first.encode_utf16().count() <= CAPTION_LIMIT {
                    (first, None)
                } else {
                    (String::new(), Some(first))
                };
                if outbox
                    .send(
                        chat,
                        Outgoing::Photo {
                            png: &png,
                            caption: &caption,
                            reply_to,
                        },
                    )
                    .await
                    .is_err()
                {
                    return;
                }
                reply_to = None;
                for html in extra.into_iter().chain(parts) {
                    if outbox
                        .send(
                            chat,
                            Outgoing::Text {
                                html: &html,
                                reply_to,
                                keyboard: None,
                            },
                        )
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_addressed_to_another_bot_are_not_ours() {
        assert_eq!(
            command_words("/status@NetgaugeBot core-sw1", "netgaugebot", false).as_deref(),
            Some("/status core-sw1")
        );
        assert_eq!(command_words("/status@OtherBot core-sw1", "netgaugebot", false), None);
        assert_eq!(
            command_words("/devices", "netgaugebot", false).as_deref(),
            Some("/devices")
        );
        assert_eq!(
            command_words("  /devices  core  ", "b", false).as_deref(),
            Some("/devices core")
        );
        // Chatter in a group is not for the bot; in a private chat it is.
        assert_eq!(command_words("is core-sw1 up?", "b", false), None);
        assert_eq!(
            command_words("status core-sw1", "b", true).as_deref(),
            Some("status core-sw1")
        );
    }

    #[test]
    fn backoff_grows_to_a_minute_with_jitter() {
        let mut b = Backoff(0);
        let first = b.next();
        assert!(first >= Duration::from_millis(500) && first <= Duration::from_secs(1));
        let later: Vec<Duration> = (0..10).map(|_| b.next()).collect();
        assert!(later.iter().all(|d| *d <= Duration::from_secs(60)));
        assert!(later.last().is_some_and(|d| *d >= Duration::from_secs(30)));
    }
}
