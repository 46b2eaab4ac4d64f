//! The Slack front end: the `/netgauge` slash command at
//! `POST /chatops/slack/commands` and button presses at
//! `POST /chatops/slack/interactions`, both verified by the app's signing
//! secret ([`verify`]) instead of basic auth.
//!
//! Slack wants an answer within 3 seconds, and a live poll or a chart can
//! take longer: the request is acknowledged at once and the command runs
//! on a task of its own, answering through the request's `response_url`
//! (charts are uploaded to the channel with the bot token). The command
//! core is the Telegram bot's: same parsing, limits, roles and audit.

pub mod alerts;
pub mod api;
pub mod verify;

use std::sync::Arc;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};
use serde_json::{json, Value};

use self::api::SlackApi;
use super::backends::Backends;
use super::core::{Caller, Core, Front, Reply};
use super::i18n::{self, Tr};
use super::markup::Text;
use crate::config::{ChatopsConfig, SlackConfig};
use crate::state::AppState;

pub const COMMANDS_PATH: &str = "/chatops/slack/commands";
pub const INTERACTIONS_PATH: &str = "/chatops/slack/interactions";
/// Slack's requests are small forms; nothing larger is read.
const MAX_BODY: usize = 64 << 10;
/// How long a request's body may take to arrive.
const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// A `response_url` takes at most 5 answers: a longer reply is cut.
const MAX_RESPONSES: usize = 5;

/// The Slack side of a running bot, rebuilt when a reload changes what it
/// was built from.
pub struct Link {
    pub api: SlackApi,
    pub core: Arc<Core>,
    built_from: (String, String, Option<String>, Vec<String>),
}

impl Link {
    fn key(chatops: &ChatopsConfig, slack: &SlackConfig) -> (String, String, Option<String>, Vec<String>) {
        (
            slack.api_url.clone(),
            slack.bot_token.expose().to_owned(),
            chatops.prometheus_url.clone(),
            chatops.alertmanager_urls.clone(),
        )
    }

    /// The link for the live config: the kept one, or a new one.
    pub fn current(state: &Arc<AppState>, chatops: &ChatopsConfig, slack: &SlackConfig) -> Option<Arc<Link>> {
        let key = Link::key(chatops, slack);
        let mut kept = state.chatops.slack_link();
        if let Some(link) = kept.as_ref().filter(|l| l.built_from == key) {
            return Some(link.clone());
        }
        let api = SlackApi::new(&slack.api_url, slack.bot_token.clone(), state.telemetry.clone())
            .map_err(|e| tracing::error!(error = %e, "cannot build the Slack client"))
            .ok()?;
        let backends = Backends::new(chatops.prometheus_url.clone(), chatops.alertmanager_urls.clone())
            .map_err(|e| tracing::error!(error = %e, "cannot build the backends' client"))
            .ok()?;
        let link = Arc::new(Link {
            api,
            core: Arc::new(Core::new(state.clone(), state.chatops.clone(), backends)),
            built_from: key,
        });
        kept = Some(link.clone());
        state.chatops.set_slack_link(kept);
        Some(link)
    }
}

/// Answers a request on either Slack path: (status, JSON body or empty).
pub async fn receive(state: &Arc<AppState>, req: Request<Incoming>) -> (StatusCode, String) {
    if req.method() != Method::POST {
        return (StatusCode::METHOD_NOT_ALLOWED, "use POST\n".into());
    }
    let live = state.live();
    let Some((chatops, slack)) = live.config.chatops.as_ref().and_then(|c| Some((c, c.slack.as_ref()?))) else {
        return (StatusCode::NOT_FOUND, "no chatops.slack section in the config\n".into());
    };
    let path = req.uri().path().to_owned();
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (timestamp, signature) = (header("x-slack-request-timestamp"), header("x-slack-signature"));
    // Refused before the body is read when it cannot be from Slack.
    if timestamp.is_none() || signature.is_none() {
        return (StatusCode::UNAUTHORIZED, format!("{}\n", verify::VerifyError::Missing));
    }
    let body = match tokio::time::timeout(
        BODY_TIMEOUT,
        http_body_util::Limited::new(req.into_body(), MAX_BODY).collect(),
    )
    .await
    {
        Ok(Ok(b)) => b.to_bytes(),
        Ok(Err(e)) => return (StatusCode::PAYLOAD_TOO_LARGE, format!("body not read: {e}\n")),
        Err(_) => return (StatusCode::REQUEST_TIMEOUT, "body not sent in time\n".into()),
    };
    let now = crate::traps::unix_now() as i64;
    let verified = verify::verify(
        &slack.signing_secret,
        timestamp.as_deref(),
        signature.as_deref(),
        &body,
        now,
    );
    if let Err(e) = verified {
        // Anyone can send these: counted (netgauge_http_requests_total
        // {code="401"}), logged at debug level only.
        tracing::debug!(error = %e, path, "Slack request refused");
        return (StatusCode::UNAUTHORIZED, format!("{e}\n"));
    }
    let form: Vec<(String, String)> = form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let Some(link) = Link::current(state, chatops, slack) else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "the Slack client could not be built\n".into(),
        );
    };
    if path == COMMANDS_PATH {
        command(
            &link,
            slack,
            &field("user_id"),
            &field("channel_id"),
            &field("text"),
            field("response_url"),
        )
    } else {
        match serde_json::from_str::<Value>(&field("payload")) {
            Ok(payload) => interaction(&link, slack, &payload),
            Err(e) => (StatusCode::BAD_REQUEST, format!("no interaction payload: {e}\n")),
        }
    }
}

/// Who is asking, if the config lists them and (for commands) the channel
/// is served: direct messages always are; a button press is the
/// presser's, wherever the alert message is. Else the refusal to answer with.
fn caller(
    link: &Link,
    slack: &SlackConfig,
    user: &str,
    channel: &str,
    text: &str,
    press: bool,
) -> Result<Caller, Option<Text>> {
    let configured = slack.users.iter().find(|u| u.id == user);
    let tr = Tr::new(i18n::pick(configured.and_then(|u| u.language.as_deref()), None));
    let served = press || channel.starts_with('D') || slack.channels.iter().any(|c| c == channel);
    match configured.filter(|_| served) {
        Some(u) => Ok(Caller::new(Front::Slack, u, user.to_owned(), channel.to_owned(), tr)),
        None => {
            let why = if configured.is_some() {
                "channel not in chatops.slack.channels"
            } else {
                "user not in chatops.slack.users"
            };
            Err(link.core.refuse_stranger(Front::Slack, user, channel, text, why, tr))
        }
    }
}

fn ephemeral(text: &Text) -> String {
    json!({"response_type": "ephemeral", "text": text.to_slack().join("\n")}).to_string()
}

/// `/netgauge status core-sw1`: acknowledged now, answered through `response_url`.
fn command(
    link: &Arc<Link>,
    slack: &SlackConfig,
    user: &str,
    channel: &str,
    text: &str,
    response_url: String,
) -> (StatusCode, String) {
    let caller = match caller(link, slack, user, channel, text, false) {
        Ok(c) => c,
        Err(Some(refusal)) => return (StatusCode::OK, ephemeral(&refusal)),
        Err(None) => return (StatusCode::OK, String::new()),
    };
    let (link, text) = (link.clone(), text.to_owned());
    tokio::spawn(async move {
        let answer = link.core.run(&caller, &text).await;
        let visible = answer.result == crate::telemetry::ChatResult::Ok;
        answer_with(&link, &caller, &response_url, answer.replies, visible).await;
    });
    (StatusCode::OK, String::new())
}

/// A button under an alert message: acknowledged now; the notice and what
/// the press made are posted through its `response_url`.
fn interaction(link: &Arc<Link>, slack: &SlackConfig, payload: &Value) -> (StatusCode, String) {
    let user = payload["user"]["id"].as_str().unwrap_or_default();
    let channel = payload["channel"]["id"].as_str().unwrap_or_default();
    let response_url = payload["response_url"].as_str().unwrap_or_default().to_owned();
    let id = payload["actions"][0]["value"].as_str().unwrap_or_default().to_owned();
    let caller = match caller(link, slack, user, channel, super::command::BUTTON, true) {
        Ok(c) => c,
        // Told once an hour at most, like a stranger's command.
        Err(None) => return (StatusCode::OK, String::new()),
        Err(Some(_)) => {
            let tr = Tr::new(i18n::DEFAULT);
            let (api, url) = (link.api.clone(), response_url);
            tokio::spawn(async move {
                let _ = api.respond(&url, &json!({"response_type": "ephemeral", "replace_original": false, "text": tr.t("button.stranger", &[])})).await;
            });
            return (StatusCode::OK, String::new());
        }
    };
    let link = link.clone();
    tokio::spawn(async move {
        let action = link
            .core
            .state()
            .chatops
            .buttons()
            .get(&id, crate::traps::unix_now())
            .map(|b| b.action.clone());
        let (replies, notice) = link.core.press(&caller, action.as_ref()).await;
        if !notice.is_empty() {
            let _ = link
                .api
                .respond(
                    &response_url,
                    &json!({"response_type": "ephemeral", "replace_original": false, "text": notice}),
                )
                .await;
        }
        answer_with(&link, &caller, &response_url, replies, true).await;
    });
    (StatusCode::OK, String::new())
}

/// Posts `replies`: texts through `response_url` (seen by the channel when
/// `visible`, else by the caller alone), charts uploaded to the channel.
async fn answer_with(link: &Link, caller: &Caller, response_url: &str, replies: Vec<Reply>, visible: bool) {
    let kind = if visible { "in_channel" } else { "ephemeral" };
    let mut sent = 0;
    for reply in replies {
        match reply {
            Reply::Text(text) => {
                let parts = text.to_slack();
                let total = parts.len();
                for (i, part) in parts.into_iter().enumerate() {
                    if sent + 1 == MAX_RESPONSES && i + 1 < total {
                        let cut = caller.tr.t("and_more", &[("count", &(total - i))]);
                        let _ = link
                            .api
                            .respond(
                                response_url,
                                &json!({"response_type": kind, "replace_original": false, "text": cut}),
                            )
                            .await;
                        return;
                    }
                    if link
                        .api
                        .respond(
                            response_url,
                            &json!({"response_type": kind, "replace_original": false, "text": part}),
                        )
                        .await
                        .is_err()
                    {
                        return;
                    }
                    sent += 1;
                }
            }
            Reply::Photo { png, caption } => {
                let comment = caption.to_slack().join("\n");
                let title = caption.to_plain().lines().next().unwrap_or("graph").to_owned();
                let _ = link.api.upload_png(&caller.chat, png, &title, &comment).await;
            }
        }
    }
}
