//! The command core both chat front ends share: who may run what, how
//! often, the answer, and the audit line.
//!
//! A front end (Telegram, Slack) turns its updates into a [`Caller`] and
//! the command's words; [`Core::run`] does everything else, in one order:
//! parse → rate limit (the caller's and the chat's buckets, by the
//! command's cost) → role → answer → one audit event (log line and
//! counters). Nothing here knows how a chat shows text or where it sends it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::answers;
use super::backends::Backends;
use super::buttons::Action;
use super::command::{self, Command, ParseError, Spec};
use super::i18n::Tr;
use super::markup::Text;
use super::Shared;
use crate::config::Role;
use crate::state::AppState;
use crate::telemetry::{ChatResult, Event};

/// The chat a command came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Front {
    Telegram,
    Slack,
}

impl Front {
    pub fn name(self) -> &'static str {
        match self {
            Front::Telegram => "telegram",
            Front::Slack => "slack",
        }
    }
}

/// An authorized user in a chat the bot serves (the front end checked both).
#[derive(Debug, Clone)]
pub struct Caller {
    pub front: Front,
    /// The chat's own user id (`111111111`, `U0123ABC`).
    pub user_id: String,
    /// As the config names them; the id when it does not.
    pub name: String,
    pub role: Role,
    pub chat: String,
    pub tr: Tr,
}

impl Caller {
    /// `user`, as the config lists them, asking from `chat`.
    pub fn new<Id>(front: Front, user: &crate::config::ChatUser<Id>, user_id: String, chat: String, tr: Tr) -> Caller {
        Caller {
            front,
            name: if user.name.is_empty() {
                user_id.clone()
            } else {
                user.name.clone()
            },
            user_id,
            role: user.role,
            chat,
            tr,
        }
    }

    /// How silences name their author: `alice (telegram 111111111)`.
    pub fn created_by(&self) -> String {
        format!("{} ({} {})", self.name, self.front.name(), self.user_id)
    }
}

/// What the bot sends back.
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    Text(Text),
    /// A PNG with its caption.
    Photo {
        png: Vec<u8>,
        caption: Text,
    },
}

/// A command's replies (none: dropped silently) and how it ended.
#[derive(Debug)]
pub struct Answer {
    pub replies: Vec<Reply>,
    pub result: ChatResult,
}

/// Why a command produced no regular answer: what to tell the user and
/// what to log.
#[derive(Debug)]
pub struct Failure {
    pub result: ChatResult,
    pub reply: Text,
    /// For the audit line; never a secret.
    pub detail: String,
}

impl Failure {
    /// The user's mistake: an unknown device, a bad argument.
    pub fn invalid(reply: Text) -> Failure {
        Failure {
            result: ChatResult::Invalid,
            detail: reply.to_plain(),
            reply,
        }
    }

    /// A backend failed; `detail` says how (URL and status, never a token).
    pub fn backend(reply: Text, detail: impl std::fmt::Display) -> Failure {
        Failure {
            result: ChatResult::Error,
            reply,
            detail: detail.to_string(),
        }
    }
}

/// Everything an answer may use.
pub struct Ctx<'a> {
    pub state: &'a AppState,
    pub live: Arc<crate::state::Live>,
    pub backends: &'a Backends,
    pub caller: &'a Caller,
    pub tr: Tr,
}

impl Ctx<'_> {
    /// The catalog text `key` with `args`.
    pub fn t(&self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        self.tr.t(key, args)
    }
}

/// The command core of one running bot.
pub struct Core {
    state: Arc<AppState>,
    shared: Arc<Shared>,
    backends: Backends,
}

impl Core {
    pub fn new(state: Arc<AppState>, shared: Arc<Shared>, backends: Backends) -> Core {
        Core {
            state,
            shared,
            backends,
        }
    }

    pub fn state(&self) -> &Arc<AppState> {
        &self.state
    }

    pub fn backends(&self) -> &Backends {
        &self.backends
    }

    /// What an answer for `caller` may use, on the live config.
    fn ctx<'a>(&'a self, caller: &'a Caller) -> Ctx<'a> {
        Ctx {
            state: &self.state,
            live: self.state.live(),
            backends: &self.backends,
            caller,
            tr: caller.tr,
        }
    }

    /// Runs `text` for `caller` and logs it.
    pub async fn run(&self, caller: &Caller, text: &str) -> Answer {
        let (spec, parsed) = command::parse(text);
        let name = spec.map_or(command::UNKNOWN, |s| s.name);
        let cost = spec.map_or(1.0, |s| s.cost);
        let (answer, detail) = match self.admit(caller, cost) {
            Err(reply) => (
                Answer {
                    replies: reply.into_iter().map(Reply::Text).collect(),
                    result: ChatResult::RateLimited,
                },
                String::new(),
            ),
            Ok(()) => self.answer(caller, spec, parsed).await,
        };
        self.audit(caller, name, answer.result, &detail);
        answer
    }

    /// The audit line and counters of one command or button press.
    pub fn audit(&self, caller: &Caller, command: &'static str, result: ChatResult, detail: &str) {
        self.state.telemetry.event(Event::ChatCommand {
            front: caller.front.name(),
            user: &caller.user_id,
            chat: &caller.chat,
            command,
            result,
            detail,
        });
    }

    /// Takes `cost` from the caller's and the chat's buckets. Over the
    /// limit: the first refusal says when to retry, later ones say nothing.
    pub fn admit(&self, caller: &Caller, cost: f64) -> Result<(), Option<Text>> {
        let live = self.state.live();
        let Some(limit) = live.config.chatops.as_ref().and_then(|c| match caller.front {
            Front::Telegram => c.telegram.as_ref().map(|t| t.rate_limit),
            Front::Slack => c.slack.as_ref().map(|s| s.rate_limit),
        }) else {
            return Ok(());
        };
        let denied = self
            .shared
            .take(caller.front, limit, &caller.user_id, &caller.chat, cost, Instant::now());
        match denied {
            None => Ok(()),
            Some(d) if d.first => Err(Some(Text::from_plain(
                caller
                    .tr
                    .t("rate_limited", &[("seconds", &d.retry_after.as_secs().max(1))]),
            ))),
            Some(_) => Err(None),
        }
    }

    async fn answer(
        &self,
        caller: &Caller,
        spec: Option<&'static Spec>,
        parsed: Result<Command, ParseError>,
    ) -> (Answer, String) {
        let ctx = self.ctx(caller);
        let command = match parsed {
            Ok(c) => c,
            Err(e) => {
                let (result, reply) = match e {
                    ParseError::Unknown => (ChatResult::UnknownCommand, answers::help(&ctx, true)),
                    ParseError::Usage(spec) => (ChatResult::Invalid, answers::usage(&ctx, spec)),
                    ParseError::BadDuration(spec, text) => {
                        let mut t = Text::from_plain(ctx.t("bad_duration", &[("text", &text)]));
                        t.append(answers::usage(&ctx, spec));
                        (ChatResult::Invalid, t)
                    }
                    ParseError::BadSilenceId => (ChatResult::Invalid, Text::from_plain(ctx.t("bad_silence_id", &[]))),
                };
                let detail = reply.to_plain();
                return (
                    Answer {
                        replies: vec![Reply::Text(reply)],
                        result,
                    },
                    detail,
                );
            }
        };
        if let Some(spec) = spec.filter(|s| caller.role < s.role) {
            return (
                Answer {
                    replies: vec![Reply::Text(Text::from_plain(
                        ctx.t("refused_role", &[("command", &spec.name), ("role", &spec.role.name())]),
                    ))],
                    result: ChatResult::Refused,
                },
                format!("role {} below {}", caller.role.name(), spec.role.name()),
            );
        }
        match answers::run(&ctx, command).await {
            Ok(replies) => (
                Answer {
                    replies,
                    result: ChatResult::Ok,
                },
                String::new(),
            ),
            Err(f) => (
                Answer {
                    replies: vec![Reply::Text(f.reply)],
                    result: f.result,
                },
                f.detail,
            ),
        }
    }

    /// A press of a button the bot sent with an alert message: the same
    /// limits and roles as a command (silencing needs an operator, a graph
    /// a viewer), checked against the one who pressed it. Returns the
    /// replies for the chat and the notice the button shows.
    pub async fn press(&self, caller: &Caller, action: Option<&Action>) -> (Vec<Reply>, String) {
        let Some(action) = action else {
            self.audit(
                caller,
                command::BUTTON,
                ChatResult::Expired,
                "unknown or expired button",
            );
            return (Vec::new(), caller.tr.t("button.expired", &[]));
        };
        let (role, cost) = match action {
            Action::Silence { .. } => (Role::Operator, 1.0),
            Action::Graph { .. } => (Role::Viewer, command::spec_of("graph").map_or(1.0, |s| s.cost)),
        };
        if let Err(reply) = self.admit(caller, cost) {
            self.audit(caller, command::BUTTON, ChatResult::RateLimited, "");
            let notice = reply.map(|t| t.to_plain()).unwrap_or_default();
            return (Vec::new(), notice);
        }
        if caller.role < role {
            self.audit(
                caller,
                command::BUTTON,
                ChatResult::Refused,
                &format!("role {} below {}", caller.role.name(), role.name()),
            );
            return (Vec::new(), caller.tr.t("button.refused", &[("role", &role.name())]));
        }
        let ctx = self.ctx(caller);
        match answers::buttons::press(&ctx, action).await {
            Ok((replies, notice)) => {
                self.audit(caller, command::BUTTON, ChatResult::Ok, "");
                (replies, notice)
            }
            Err(f) => {
                self.audit(caller, command::BUTTON, f.result, &f.detail);
                (Vec::new(), f.reply.to_plain())
            }
        }
    }

    /// Someone the config does not list, or a chat the bot does not serve:
    /// counted and logged every time, told once an hour at most (a stranger
    /// must not be able to make the bot send without limit).
    pub fn refuse_stranger(&self, front: Front, user: &str, chat: &str, text: &str, why: &str, tr: Tr) -> Option<Text> {
        let (spec, _) = command::parse(text);
        let command = spec.map_or(command::UNKNOWN, |s| s.name);
        self.state.telemetry.event(Event::ChatCommand {
            front: front.name(),
            user,
            chat,
            command,
            result: ChatResult::Refused,
            detail: why,
        });
        self.shared
            .tell_stranger(front, user, Instant::now())
            .then(|| Text::from_plain(tr.t("refused_stranger", &[("id", &user), ("front", &front.name())])))
    }

    /// A command sent longer ago than `chatops.max_update_age`: not run.
    pub fn too_old(&self, caller: &Caller, text: &str, age: Duration) {
        let (spec, _) = command::parse(text);
        self.audit(
            caller,
            spec.map_or(command::UNKNOWN, |s| s.name),
            ChatResult::TooOld,
            &format!("sent {} ago", super::format::duration(age)),
        );
    }
}
