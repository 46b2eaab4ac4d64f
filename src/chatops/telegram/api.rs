//! A thin typed client of the Telegram Bot API: the six methods the bot
//! uses, over the crate's one HTTP client (reqwest, rustls).
//!
//! Why not a framework crate: teloxide and frankenstein bring a dispatcher,
//! a second HTTP stack or OpenSSL defaults for six JSON calls; this file
//! is the whole of what netgauge needs, and it can be read in one sitting.
//!
//! The token is part of every URL (`/bot<token>/method`), so no error that
//! leaves this file carries a URL: reqwest's errors are stripped of theirs.
//! Every request is one [`Event::ChatApiRequest`](crate::telemetry::Event).

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::secret::Secret;
use crate::telemetry::{Event, Telemetry};

/// Telegram's own long-poll wait; the HTTP timeout is this plus a margin.
pub const LONG_POLL: Duration = Duration::from_secs(25);
/// The most of an answer read (a `getUpdates` holds at most 100 updates).
const MAX_BODY: usize = 8 << 20;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No answer (connection refused, timed out, TLS); never names the URL.
    #[error("no answer: {0}")]
    Network(String),
    /// Telegram said no. `retry_after` on 429: the seconds to wait.
    #[error("HTTP {code}: {description}")]
    Refused {
        code: u16,
        description: String,
        retry_after: Option<u64>,
    },
    #[error("unexpected answer: {0}")]
    Decode(String),
}

impl ApiError {
    /// The HTTP status, for the metric (0: none).
    pub fn code(&self) -> u16 {
        match self {
            ApiError::Refused { code, .. } => *code,
            ApiError::Network(_) | ApiError::Decode(_) => 0,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Update {
    pub update_id: i64,
    #[serde(default)]
    pub message: Option<Message>,
    #[serde(default)]
    pub callback_query: Option<CallbackQuery>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Message {
    pub message_id: i64,
    /// Unix time it was sent.
    pub date: i64,
    pub chat: Chat,
    #[serde(default)]
    pub from: Option<User>,
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Chat {
    pub id: i64,
    /// `private`, `group`, `supergroup` or `channel`.
    #[serde(rename = "type", default)]
    pub kind: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: i64,
    #[serde(default)]
    pub is_bot: bool,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub language_code: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CallbackQuery {
    pub id: String,
    pub from: User,
    #[serde(default)]
    pub message: Option<Message>,
    #[serde(default)]
    pub data: Option<String>,
}

/// An inline keyboard: rows of buttons.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Keyboard {
    pub inline_keyboard: Vec<Vec<Button>>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Button {
    pub text: String,
    /// At most 64 bytes (Telegram's limit).
    pub callback_data: String,
}

#[derive(Deserialize)]
struct Envelope<T> {
    ok: bool,
    #[serde(default = "Option::default")]
    result: Option<T>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    error_code: Option<u16>,
    #[serde(default)]
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    #[serde(default)]
    retry_after: Option<u64>,
}

/// A sent message, for later edits.
#[derive(Debug, Clone, Deserialize)]
pub struct Sent {
    pub message_id: i64,
}

#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    /// `api_url`; the token is added per request, never stored in a URL
    /// that could be printed.
    base: String,
    token: Secret,
    telemetry: Arc<Telemetry>,
}

impl Api {
    pub fn new(base: &str, token: Secret, telemetry: Arc<Telemetry>) -> Result<Api, ApiError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(LONG_POLL + Duration::from_secs(15))
            .user_agent(concat!("netgauge/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::Network(e.without_url().to_string()))?;
        Ok(Api {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token,
            telemetry,
        })
    }

    fn url(&self, method: &str) -> String {
        format!("{}/bot{}/{method}", self.base, self.token.expose())
    }

    /// Calls `method` with a JSON body; records the request's outcome.
    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        method: &'static str,
        body: &impl Serialize,
    ) -> Result<T, ApiError> {
        let sent = self.http.post(self.url(method)).json(body).send().await;
        self.finish(method, sent).await
    }

    async fn finish<T: serde::de::DeserializeOwned>(
        &self,
        method: &'static str,
        sent: reqwest::Result<reqwest::Response>,
    ) -> Result<T, ApiError> {
        let result = read(sent).await;
        let (code, detail) = match &result {
            Ok(_) => (200, String::new()),
            Err(e) => (e.code(), e.to_string()),
        };
        self.telemetry.event(Event::ChatApiRequest {
            front: "telegram",
            method,
            code,
            detail: &detail,
        });
        result
    }

    pub async fn get_me(&self) -> Result<User, ApiError> {
        self.call("getMe", &serde_json::json!({})).await
    }

    /// Updates after `offset` (every update before it is confirmed), waiting
    /// up to `wait` for one.
    pub async fn get_updates(&self, offset: i64, wait: Duration) -> Result<Vec<Update>, ApiError> {
        self.call(
            "getUpdates",
            &serde_json::json!({
                "offset": offset,
                "timeout": wait.as_secs(),
                "allowed_updates": ["message", "callback_query"],
            }),
        )
        .await
    }

    pub async fn send_message(
        &self,
        chat: i64,
        html: &str,
        reply_to: Option<i64>,
        keyboard: Option<&Keyboard>,
    ) -> Result<Sent, ApiError> {
        let mut body = serde_json::json!({
            "chat_id": chat,
            "text": html,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": true},
        });
        if let Some(id) = reply_to {
            body["reply_parameters"] = serde_json::json!({"message_id": id, "allow_sending_without_reply": true});
        }
        if let Some(k) = keyboard {
            body["reply_markup"] = serde_json::to_value(k).map_err(|e| ApiError::Decode(e.to_string()))?;
        }
        self.call("sendMessage", &body).await
    }

    pub async fn send_photo(
        &self,
        chat: i64,
        png: Vec<u8>,
        caption_html: &str,
        reply_to: Option<i64>,
    ) -> Result<Sent, ApiError> {
        let part = reqwest::multipart::Part::bytes(png)
            .file_name("graph.png")
            .mime_str("image/png")
            .map_err(|e| ApiError::Decode(e.without_url().to_string()))?;
        let mut form = reqwest::multipart::Form::new()
            .text("chat_id", chat.to_string())
            .text("caption", caption_html.to_owned())
            .text("parse_mode", "HTML")
            .part("photo", part);
        if let Some(id) = reply_to {
            form = form.text(
                "reply_parameters",
                serde_json::json!({"message_id": id, "allow_sending_without_reply": true}).to_string(),
            );
        }
        let sent = self.http.post(self.url("sendPhoto")).multipart(form).send().await;
        self.finish("sendPhoto", sent).await
    }

    pub async fn edit_message_text(
        &self,
        chat: i64,
        message: i64,
        html: &str,
        keyboard: Option<&Keyboard>,
    ) -> Result<serde_json::Value, ApiError> {
        let mut body = serde_json::json!({
            "chat_id": chat,
            "message_id": message,
            "text": html,
            "parse_mode": "HTML",
            "link_preview_options": {"is_disabled": true},
        });
        if let Some(k) = keyboard {
            body["reply_markup"] = serde_json::to_value(k).map_err(|e| ApiError::Decode(e.to_string()))?;
        }
        self.call("editMessageText", &body).await
    }

    /// Stops the button's spinner, with a short notice.
    pub async fn answer_callback_query(&self, id: &str, text: &str) -> Result<bool, ApiError> {
        let text: String = text.chars().take(200).collect();
        self.call(
            "answerCallbackQuery",
            &serde_json::json!({"callback_query_id": id, "text": text}),
        )
        .await
    }
}

async fn read<T: serde::de::DeserializeOwned>(sent: reqwest::Result<reqwest::Response>) -> Result<T, ApiError> {
    let network = |e: reqwest::Error| ApiError::Network(e.without_url().to_string());
    let mut response = sent.map_err(network)?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(network)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ApiError::Decode(format!("answer longer than {MAX_BODY} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    let envelope: Envelope<T> = match serde_json::from_slice(&body) {
        Ok(e) => e,
        Err(e) if (200..300).contains(&status) => return Err(ApiError::Decode(e.to_string())),
        // A proxy's error page: the status says enough.
        Err(_) => {
            return Err(ApiError::Refused {
                code: status,
                description: String::from_utf8_lossy(&body).chars().take(200).collect(),
                retry_after: None,
            })
        }
    };
    match (envelope.ok, envelope.result) {
        (true, Some(r)) => Ok(r),
        (true, None) => Err(ApiError::Decode("ok without a result".into())),
        (false, _) => Err(ApiError::Refused {
            code: envelope.error_code.unwrap_or(status),
            description: envelope.description.chars().take(300).collect(),
            retry_after: envelope.parameters.and_then(|p| p.retry_after),
        }),
    }
}
