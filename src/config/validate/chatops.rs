//! The `chatops:` section: the bot's backends (Prometheus, Alertmanager),
//! its chat front ends (Telegram, Slack), who may talk to it and how much.
//!
//! Deny by default: a front end without users is an error (nobody could
//! use it), and the Alertmanager webhook that posts alert messages with
//! buttons needs a token (a forged notification must not reach a chat).

use std::collections::HashSet;
use std::fmt::Display;
use std::hash::Hash;

use serde_saphyr::{Location, Spanned};

use super::super::raw::{RawChatRateLimit, RawChatUser, RawChatops, RawSlack, RawTelegram};
use super::super::*;
use super::traps::{http_url, per_second};
use super::Validator;
use crate::secret::Secret;

/// Alertmanager URLs one bot talks to (an HA set is 2 or 3).
const MAX_ALERTMANAGERS: usize = 16;

impl Validator {
    pub(super) fn chatops(&mut self, raw: &Spanned<RawChatops>) -> Option<ChatopsConfig> {
        let before = self.problems.len();
        let r = &raw.value;
        let prometheus_url = r
            .prometheus_url
            .as_ref()
            .and_then(|u| self.url("chatops.prometheus_url", u));
        let alertmanager_urls = self.urls("chatops.alertmanager_urls", r.alertmanager_urls.as_ref());
        let webhook_token = self.chat_secret(
            "chatops",
            "webhook_token",
            r.webhook_token.as_ref(),
            r.webhook_token_file.as_ref(),
            raw.referenced,
        );
        let max_update_age = match &r.max_update_age {
            Some(d) => self.duration("chatops.max_update_age", d, Duration::from_secs(10)),
            None => Some(defaults::CHATOPS_MAX_UPDATE_AGE),
        };
        let button_ttl = match &r.button_ttl {
            Some(d) => self.duration_up_to(
                "chatops.button_ttl",
                d,
                Duration::from_secs(60),
                Duration::from_secs(7 * 86_400),
            ),
            None => Some(defaults::CHATOPS_BUTTON_TTL),
        };
        let telegram = r.telegram.as_ref().and_then(|t| self.telegram(t));
        let slack = r.slack.as_ref().and_then(|s| self.slack(s));
        if r.telegram.is_none() && r.slack.is_none() {
            self.problem(
                raw.referenced,
                "chatops",
                "give `telegram` or `slack` (or both): the chats the bot answers in",
            );
        }
        // Alert messages come from Alertmanager at POST /chatops/alertmanager,
        // which takes only requests with the bearer token.
        if webhook_token.is_none() {
            let telegram = r
                .telegram
                .as_ref()
                .filter(|t| t.value.notify_chats.as_ref().is_some_and(|c| !c.value.is_empty()));
            let slack = r
                .slack
                .as_ref()
                .filter(|s| s.value.notify_channels.as_ref().is_some_and(|c| !c.value.is_empty()));
            for (at, key) in [
                (telegram.map(|t| t.referenced), "telegram.notify_chats"),
                (slack.map(|s| s.referenced), "slack.notify_channels"),
            ] {
                if let Some(at) = at {
                    self.problem(
                        at,
                        "chatops.webhook_token",
                        format!(
                            "{key} takes alerts from Alertmanager at POST /chatops/alertmanager, \
                             which needs a bearer token: give chatops.webhook_token or webhook_token_file"
                        ),
                    );
                }
            }
        }
        if self.problems.len() > before {
            return None;
        }
        Some(ChatopsConfig {
            prometheus_url,
            alertmanager_urls,
            webhook_token,
            max_update_age: max_update_age?,
            button_ttl: button_ttl?,
            state_file: r.state_file.as_ref().map(|f| PathBuf::from(&f.value)),
            telegram,
            slack,
        })
    }

    fn telegram(&mut self, raw: &Spanned<RawTelegram>) -> Option<TelegramConfig> {
        let r = &raw.value;
        let token = self.chat_secret(
            "chatops.telegram",
            "token",
            r.token.as_ref(),
            r.token_file.as_ref(),
            raw.referenced,
        );
        if token.is_none() && r.token.is_none() && r.token_file.is_none() {
            self.problem(
                raw.referenced,
                "chatops.telegram.token",
                "missing: the bot's token from BotFather (token, or token_file)",
            );
        }
        let api_url = match &r.api_url {
            Some(u) => self.url("chatops.telegram.api_url", u),
            None => Some(defaults::TELEGRAM_API_URL.to_owned()),
        };
        let users = self.chat_users("chatops.telegram", raw.referenced, r.users.as_ref(), |id: &i64| {
            (*id > 0)
                .then_some(())
                .ok_or("a Telegram user id is a positive number (a group's is negative: put it in chats)")
        });
        let chats = self.chat_ids("chatops.telegram.chats", r.chats.as_ref());
        let notify_chats = self.chat_ids("chatops.telegram.notify_chats", r.notify_chats.as_ref());
        let rate_limit = self.chat_rate_limit("chatops.telegram.rate_limit", r.rate_limit.as_ref());
        Some(TelegramConfig {
            token: token?,
            api_url: api_url?,
            users: users?,
            chats,
            notify_chats,
            rate_limit,
        })
    }

    fn slack(&mut self, raw: &Spanned<RawSlack>) -> Option<SlackConfig> {
        let r = &raw.value;
        let required = |v: &mut Validator,
                        key: &str,
                        inline: Option<&Spanned<String>>,
                        file: Option<&Spanned<String>>,
                        what: &str| {
            let s = v.chat_secret("chatops.slack", key, inline, file, raw.referenced);
            if inline.is_none() && file.is_none() {
                v.problem(
                    raw.referenced,
                    format!("chatops.slack.{key}"),
                    format!("missing: {what} ({key}, or {key}_file)"),
                );
            }
            s
        };
        let signing_secret = required(
            self,
            "signing_secret",
            r.signing_secret.as_ref(),
            r.signing_secret_file.as_ref(),
            "the app's signing secret, which every request from Slack is verified with",
        );
        let bot_token = required(
            self,
            "bot_token",
            r.bot_token.as_ref(),
            r.bot_token_file.as_ref(),
            "the app's bot token (xoxb-…)",
        );
        let users = self.chat_users("chatops.slack", raw.referenced, r.users.as_ref(), |id: &String| {
            slack_id(id, &['U', 'W'])
                .then_some(())
                .ok_or("a Slack user id is like U0123ABC (upper case letters and digits)")
        });
        let channels = self.slack_channels("chatops.slack.channels", r.channels.as_ref());
        let notify_channels = self.slack_channels("chatops.slack.notify_channels", r.notify_channels.as_ref());
        let api_url = match &r.api_url {
            Some(u) => self.url("chatops.slack.api_url", u),
            None => Some(defaults::SLACK_API_URL.to_owned()),
        };
        let rate_limit = self.chat_rate_limit("chatops.slack.rate_limit", r.rate_limit.as_ref());
        Some(SlackConfig {
            signing_secret: signing_secret?,
            bot_token: bot_token?,
            api_url: api_url?,
            users: users?,
            channels,
            notify_channels,
            rate_limit,
        })
    }

    /// A token or secret the bot authenticates with, or checks others by:
    /// never empty (an empty webhook token or signing secret would let
    /// anyone in; `${VAR}` with VAR set to "" is the usual way to get one).
    fn chat_secret(
        &mut self,
        field: &str,
        key: &str,
        inline: Option<&Spanned<String>>,
        file: Option<&Spanned<String>>,
        anchor: Location,
    ) -> Option<Secret> {
        let s = self.secret(field, key, inline, file, anchor)?;
        if s.expose().trim().is_empty() {
            let at = inline.or(file).map_or(anchor, |v| v.referenced);
            let which = if inline.is_some() {
                key.to_owned()
            } else {
                format!("{key}_file")
            };
            self.problem(
                at,
                format!("{field}.{which}"),
                "empty: the bot would accept anyone with it",
            );
            return None;
        }
        Some(s)
    }

    /// Slack channel ids (`C…` public, `G…` private, `D…` direct).
    fn slack_channels(&mut self, field: &str, raw: Option<&Spanned<Vec<Spanned<String>>>>) -> Vec<String> {
        let mut channels = Vec::new();
        for (i, c) in raw.iter().flat_map(|l| l.value.iter()).enumerate() {
            if slack_id(&c.value, &['C', 'G', 'D']) {
                channels.push(c.value.clone());
            } else {
                self.problem(
                    c.referenced,
                    format!("{field}[{i}]"),
                    format!("{} is not a channel id like C0123ABC", crate::echo::quoted(&c.value)),
                );
            }
        }
        channels
    }

    /// A front end's users: at least one, each id once, a known role and language.
    fn chat_users<Id: Clone + Eq + Hash + Display>(
        &mut self,
        field: &str,
        anchor: Location,
        raw: Option<&Spanned<Vec<Spanned<RawChatUser<Id>>>>>,
        check_id: impl Fn(&Id) -> Result<(), &'static str>,
    ) -> Option<Vec<ChatUser<Id>>> {
        let Some(list) = raw.filter(|l| !l.value.is_empty()) else {
            self.problem(
                raw.map_or(anchor, |l| l.referenced),
                format!("{field}.users"),
                "no users: the bot refuses everyone not listed, so nobody could use it",
            );
            return None;
        };
        let before = self.problems.len();
        let mut seen = HashSet::new();
        let mut users = Vec::new();
        for (i, u) in list.value.iter().enumerate() {
            let at = format!("{field}.users[{i}]");
            let r = &u.value;
            let Some(id) = &r.id else {
                self.problem(u.referenced, format!("{at}.id"), "missing: the user's id");
                continue;
            };
            if let Err(e) = check_id(&id.value) {
                self.problem(id.referenced, format!("{at}.id"), e);
                continue;
            }
            if !seen.insert(id.value.clone()) {
                self.problem(
                    id.referenced,
                    format!("{at}.id"),
                    format!("user {} is listed twice", id.value),
                );
                continue;
            }
            let role = match &r.role {
                None => {
                    self.problem(u.referenced, format!("{at}.role"), "missing: viewer, operator or admin");
                    continue;
                }
                Some(role) => match role.value.trim() {
                    "viewer" => Role::Viewer,
                    "operator" => Role::Operator,
                    "admin" => Role::Admin,
                    other => {
                        self.problem(
                            role.referenced,
                            format!("{at}.role"),
                            format!(
                                "{} is not a role: viewer, operator or admin",
                                crate::echo::quoted(other)
                            ),
                        );
                        continue;
                    }
                },
            };
            let language = match &r.language {
                None => None,
                Some(l) if defaults::CHATOPS_LANGUAGES.contains(&l.value.trim()) => Some(l.value.trim().to_owned()),
                Some(l) => {
                    self.problem(
                        l.referenced,
                        format!("{at}.language"),
                        format!(
                            "{} is not a language the bot speaks: {}",
                            crate::echo::quoted(&l.value),
                            defaults::CHATOPS_LANGUAGES.join(", ")
                        ),
                    );
                    continue;
                }
            };
            users.push(ChatUser {
                id: id.value.clone(),
                name: r.name.as_ref().map(|n| n.value.trim().to_owned()).unwrap_or_default(),
                role,
                language,
            });
        }
        (self.problems.len() == before).then_some(users)
    }

    fn chat_ids(&mut self, field: &str, raw: Option<&Spanned<Vec<Spanned<i64>>>>) -> Vec<i64> {
        let mut out = Vec::new();
        for (i, c) in raw.iter().flat_map(|l| l.value.iter()).enumerate() {
            if c.value == 0 {
                self.problem(c.referenced, format!("{field}[{i}]"), "a chat id is never 0");
            } else if out.contains(&c.value) {
                self.problem(c.referenced, format!("{field}[{i}]"), "listed twice");
            } else {
                out.push(c.value);
            }
        }
        out
    }

    fn chat_rate_limit(&mut self, field: &str, raw: Option<&Spanned<RawChatRateLimit>>) -> ChatRateLimit {
        let mut limit = ChatRateLimit::default();
        let Some(raw) = raw else { return limit };
        let r = &raw.value;
        for (key, value, rate) in [
            ("per_user", &r.per_user, &mut limit.per_user),
            ("per_chat", &r.per_chat, &mut limit.per_chat),
        ] {
            let Some(v) = value else { continue };
            match per_second(&v.value) {
                Some(p) => *rate = p,
                None => self.problem(
                    v.referenced,
                    format!("{field}.{key}"),
                    format!(
                        "{} is not a rate like 20/min or 1/s (more than 0)",
                        crate::echo::quoted(&v.value)
                    ),
                ),
            }
        }
        if let Some(b) = &r.burst {
            if let Some(b) = self.range(&format!("{field}.burst"), b, 1, 1000) {
                limit.burst = b as u32;
            }
        }
        limit
    }

    fn url(&mut self, field: &str, u: &Spanned<String>) -> Option<String> {
        http_url(&u.value)
            .map_err(|e| self.problem(u.referenced, field, e))
            .ok()
    }

    /// A list of base URLs (an HA set): each once, at most [`MAX_ALERTMANAGERS`].
    pub(super) fn urls(&mut self, field: &str, raw: Option<&Spanned<Vec<Spanned<String>>>>) -> Vec<String> {
        let mut urls = Vec::new();
        let Some(list) = raw else { return urls };
        if list.value.len() > MAX_ALERTMANAGERS {
            self.problem(list.referenced, field, format!("at most {MAX_ALERTMANAGERS} URLs"));
            return urls;
        }
        for (i, u) in list.value.iter().enumerate() {
            match http_url(&u.value) {
                Ok(url) if urls.contains(&url) => self.problem(u.referenced, format!("{field}[{i}]"), "listed twice"),
                Ok(url) => urls.push(url),
                Err(e) => self.problem(u.referenced, format!("{field}[{i}]"), e),
            }
        }
        urls
    }
}

/// A Slack id: one of `kinds` then upper case letters and digits.
fn slack_id(id: &str, kinds: &[char]) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| kinds.contains(&c))
        && id.len() >= 3
        && chars.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}
