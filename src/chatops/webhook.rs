//! `POST /chatops/alertmanager`: Alertmanager's webhook receiver. Each
//! notification becomes an alert message with buttons in the Telegram
//! `notify_chats` and the Slack `notify_channels`. 200 means delivered (or
//! delivered before: an HA pair's copy); 503 means "send again" (the bot
//! not connected, a chat too far behind or refusing, another copy being
//! sent, or no answer within [`DELIVERY_BUDGET`], after which the delivery
//! still finishes and the retry sends only what is missing), so
//! Alertmanager's retries do the queueing, not netgauge's memory.
//!
//! What both front ends do around their own sends (claims, confirms, the
//! group's message links) is one `Round`.
//!
//! It is served without basic auth (Alertmanager's `http_config` sends one
//! credential: this bearer token, `chatops.webhook_token`).

use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Method, Request, StatusCode};

use super::notify::{self, Notification};
use crate::state::AppState;

/// How long a delivery may take before the answer is 503 (Alertmanager's
/// notify timeout is longer; a slow Telegram is retried later).
pub const DELIVERY_BUDGET: Duration = Duration::from_secs(10);

/// The path Alertmanager posts to.
pub const PATH: &str = "/chatops/alertmanager";

/// Why a notification did not reach every chat: Alertmanager is told 503
/// and sends it again (chats it reached are not sent it twice).
#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("the {0} bot is not connected (yet): send again later")]
    NotConnected(&'static str),
    #[error("{0} is {1:?} behind: send again later")]
    Backlog(&'static str, std::time::Duration),
    #[error("another copy of this notification is being delivered now: send again later")]
    InProgress,
    #[error("Telegram refused the message: {0}")]
    Telegram(super::telegram::api::ApiError),
    #[error("Slack refused the message: {0}")]
    Slack(super::slack::api::SlackError),
}

/// Answers one webhook request: (status, body).
pub async fn receive(state: &Arc<AppState>, req: Request<Incoming>) -> (StatusCode, String) {
    if req.method() != Method::POST {
        return (StatusCode::METHOD_NOT_ALLOWED, "use POST\n".into());
    }
    let live = state.live();
    let Some(chatops) = live.config.chatops.as_ref() else {
        return (StatusCode::NOT_FOUND, "no chatops section in the config\n".into());
    };
    let Some(token) = chatops.webhook_token.as_ref() else {
        return (
            StatusCode::NOT_FOUND,
            "chatops.webhook_token is not set: the webhook is off\n".into(),
        );
    };
    let offered = req
        .headers()
        .get(hyper::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !token.matches(offered.trim().as_bytes()) {
        return (StatusCode::UNAUTHORIZED, "wrong or missing bearer token\n".into());
    }
    let body = match http_body_util::Limited::new(req.into_body(), notify::MAX_BODY)
        .collect()
        .await
    {
        Ok(b) => b.to_bytes(),
        Err(e) => return (StatusCode::PAYLOAD_TOO_LARGE, format!("body not read: {e}\n")),
    };
    let notification: Notification = match serde_json::from_slice(&body) {
        Ok(n) => n,
        Err(e) => {
            return (
                StatusCode::BAD_REQUEST,
                format!("not an Alertmanager webhook payload: {e}\n"),
            )
        }
    };
    let wanted = chatops.telegram.as_ref().is_some_and(|t| !t.notify_chats.is_empty())
        || chatops.slack.as_ref().is_some_and(|s| !s.notify_channels.is_empty());
    if !wanted {
        tracing::warn!(
            "an Alertmanager notification arrived, but no notify_chats or notify_channels are configured: dropped"
        );
        return (
            StatusCode::OK,
            "no notify_chats or notify_channels: nothing to do\n".into(),
        );
    }
    // On a task of its own: when the answer cannot wait any longer, the
    // delivery still finishes and records what reached which chat, so
    // Alertmanager's retry sends only what is missing.
    let task = tokio::spawn(deliver(state.clone(), notification));
    match tokio::time::timeout(DELIVERY_BUDGET, task).await {
        Ok(Ok(Ok(n))) => (StatusCode::OK, format!("delivered to {n} chat(s)\n")),
        Ok(Ok(Err(e))) => (StatusCode::SERVICE_UNAVAILABLE, format!("{e}\n")),
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, format!("delivery failed: {e}\n")),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "the chat did not take the message in time; send it again\n".into(),
        ),
    }
}

/// Sends `n` to every front end with somewhere to send it; each is tried
/// whatever the other did. `Err` when any failed (what reached a chat is
/// recorded and not sent again).
async fn deliver(state: Arc<AppState>, n: Notification) -> Result<usize, String> {
    let live = state.live();
    let Some(chatops) = live.config.chatops.as_ref() else {
        return Ok(0);
    };
    let mut reached = 0;
    let mut failed = Vec::new();
    if let Some(t) = chatops.telegram.as_ref().filter(|t| !t.notify_chats.is_empty()) {
        match super::telegram::alerts::deliver(&state, chatops, t, &n).await {
            Ok(k) => reached += k,
            Err(e) => failed.push(e.to_string()),
        }
    }
    if let Some(s) = chatops.slack.as_ref().filter(|s| !s.notify_channels.is_empty()) {
        match super::slack::alerts::deliver(&state, chatops, s, &n).await {
            Ok(k) => reached += k,
            Err(e) => failed.push(e.to_string()),
        }
    }
    state.chatops.save_buttons(&state).await;
    if failed.is_empty() {
        Ok(reached)
    } else {
        let e = failed.join("; ");
        tracing::warn!(error = %e, group = %n.group_key, "alert notification not delivered everywhere; Alertmanager will retry");
        Err(e)
    }
}

/// One front end's delivery of one notification: the bookkeeping both
/// front ends share (buttons registered, each chat claimed before sending,
/// confirmed or released after, sent messages linked to their group, and
/// a resolved group's links kept when its edits failed), around the
/// platform's own send.
pub(super) struct Round<'a> {
    shared: &'a super::Shared,
    n: &'a Notification,
    front: super::core::Front,
    digest: String,
    now: f64,
    ttl: f64,
    /// A resolved group's earlier messages from this front end.
    earlier: Vec<super::buttons::Posted>,
}

impl<'a> Round<'a> {
    pub fn begin(
        shared: &'a super::Shared,
        chatops: &crate::config::ChatopsConfig,
        n: &'a Notification,
        front: super::core::Front,
    ) -> Round<'a> {
        let earlier = if n.resolved() {
            shared.buttons().take_group(&n.group_key, front)
        } else {
            Vec::new()
        };
        Round {
            shared,
            n,
            front,
            digest: n.digest(),
            now: crate::traps::unix_now(),
            ttl: chatops.button_ttl.as_secs_f64(),
            earlier,
        }
    }

    /// Keeps each planned button's action; `make` builds the platform's
    /// button from its label and id.
    pub fn buttons<T>(&self, rows: Vec<Vec<notify::Planned>>, make: impl Fn(String, String) -> T) -> Vec<Vec<T>> {
        let mut store = self.shared.buttons();
        rows.into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|p| {
                        let id = store.add(p.action, self.now, self.ttl);
                        make(p.label, id)
                    })
                    .collect()
            })
            .collect()
    }

    /// Sends to each of `chats` that has not had this notification:
    /// `send(chat, its earlier messages)` returns the ids of the messages
    /// it posted. Stops at the first failure; returns how many chats it
    /// reached.
    pub async fn each<C, F, Fut>(self, chats: impl IntoIterator<Item = C>, mut send: F) -> Result<usize, DeliveryError>
    where
        C: std::fmt::Display,
        F: FnMut(C, Vec<super::buttons::Posted>) -> Fut,
        Fut: std::future::Future<Output = Result<Vec<String>, DeliveryError>>,
    {
        use super::buttons::{Claim, Posted};
        let mut reached = 0;
        let mut result = Ok(());
        for to in chats {
            let chat = to.to_string();
            match self.shared.buttons().claim(&self.digest, &chat, self.now) {
                Claim::New => {}
                Claim::Done => continue,
                Claim::Pending => {
                    result = Err(DeliveryError::InProgress);
                    continue;
                }
            }
            let mine = self.earlier.iter().filter(|p| p.chat == chat).cloned().collect();
            match send(to, mine).await {
                Ok(messages) => {
                    let mut store = self.shared.buttons();
                    for message in messages {
                        let posted = Posted {
                            front: self.front,
                            chat: chat.clone(),
                            message,
                        };
                        store.posted(&self.n.group_key, posted, self.now, self.ttl);
                    }
                    store.confirm(&self.digest, &chat);
                    reached += 1;
                }
                Err(e) => {
                    self.shared.buttons().release(&self.digest, &chat);
                    result = Err(e);
                    break;
                }
            }
        }
        if self.n.resolved() && result.is_err() {
            // Not edited everywhere: keep the links for the retry.
            let mut store = self.shared.buttons();
            for p in self.earlier {
                store.posted(&self.n.group_key, p, self.now, self.ttl);
            }
        }
        result.map(|()| reached)
    }
}
