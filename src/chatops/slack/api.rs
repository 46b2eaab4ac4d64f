//! A thin client of what the bot asks of Slack: `chat.postMessage`,
//! `chat.update`, the three-step file upload (for `/graph`), and answers
//! to a command's or a button's `response_url`. Posts to a channel are
//! paced (a [`Pacer`], a second apart) and a 429 is waited out. The bot
//! token is sent as a header and never appears in a URL or an error; every
//! request is one [`Event::ChatApiRequest`](crate::telemetry::Event).

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};

use crate::chatops::pace::Pacer;
use crate::secret::Secret;
use crate::telemetry::{Event, Telemetry};

const MAX_BODY: usize = 1 << 20;

#[derive(Debug, thiserror::Error)]
pub enum SlackError {
    #[error("no answer: {0}")]
    Network(String),
    /// Slack said no: an HTTP error, or `ok: false` with its `error`.
    #[error("HTTP {code}: {error}")]
    Refused {
        code: u16,
        error: String,
        retry_after: Option<u64>,
    },
}

impl SlackError {
    fn code(&self) -> u16 {
        match self {
            SlackError::Network(_) => 0,
            SlackError::Refused { code, .. } => *code,
        }
    }
}

/// Slack allows about one message a second per channel.
const CHANNEL_GAP: Duration = Duration::from_secs(1);
/// And bursts overall; this keeps a flood of alerts from meeting its limit.
const GLOBAL_GAP: Duration = Duration::from_millis(50);
/// 429s waited out for one call before it is given up.
const MAX_RETRIES: u32 = 3;
/// The longest `Retry-After` honoured.
const MAX_RETRY_AFTER: u64 = 60;

#[derive(Clone)]
pub struct SlackApi {
    http: reqwest::Client,
    base: String,
    token: Secret,
    telemetry: Arc<Telemetry>,
    pace: Arc<Pacer<String>>,
}

impl SlackApi {
    pub fn new(base: &str, token: Secret, telemetry: Arc<Telemetry>) -> Result<SlackApi, SlackError> {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .user_agent(concat!("netgauge/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SlackError::Network(e.without_url().to_string()))?;
        Ok(SlackApi {
            http,
            base: base.trim_end_matches('/').to_owned(),
            token,
            telemetry,
            pace: Arc::new(Pacer::new(GLOBAL_GAP)),
        })
    }

    fn record<T>(&self, method: &'static str, result: &Result<T, SlackError>) {
        let (code, detail) = match result {
            Ok(_) => (200, String::new()),
            Err(e) => (e.code(), e.to_string()),
        };
        self.telemetry.event(Event::ChatApiRequest {
            front: "slack",
            method,
            code,
            detail: &detail,
        });
    }

    /// A Web API method with a JSON body, in `channel`'s turn when it
    /// posts to one; a 429 is waited out (`Retry-After`) and sent again.
    async fn call(&self, method: &'static str, channel: Option<&str>, body: &Value) -> Result<Value, SlackError> {
        let mut not_before = std::time::Instant::now();
        let mut tries = 0;
        loop {
            if let Some(c) = channel {
                self.pace.wait_turn(&c.to_owned(), CHANNEL_GAP, not_before).await;
            }
            let sent = self
                .http
                .post(format!("{}/{method}", self.base))
                .bearer_auth(self.token.expose())
                .json(body)
                .send()
                .await;
            let result = read(sent).await;
            self.record(method, &result);
            match result {
                Err(SlackError::Refused {
                    code: 429, retry_after, ..
                }) if tries < MAX_RETRIES && retry_after.unwrap_or(1) <= MAX_RETRY_AFTER => {
                    tries += 1;
                    let wait = Duration::from_secs(retry_after.unwrap_or(1).max(1));
                    not_before = std::time::Instant::now() + wait;
                    match channel {
                        Some(c) => self.pace.back_off(&c.to_owned(), not_before),
                        None => tokio::time::sleep(wait).await,
                    }
                }
                other => return other,
            }
        }
    }

    /// Posts `text` (mrkdwn) with `blocks` to `channel`; returns the message's `ts`.
    pub async fn post_message(&self, channel: &str, text: &str, blocks: Option<&Value>) -> Result<String, SlackError> {
        let mut body = json!({"channel": channel, "text": text, "unfurl_links": false, "unfurl_media": false});
        if let Some(b) = blocks {
            body["blocks"] = b.clone();
        }
        let answer = self.call("chat.postMessage", Some(channel), &body).await?;
        Ok(answer["ts"].as_str().unwrap_or_default().to_owned())
    }

    pub async fn update_message(&self, channel: &str, ts: &str, text: &str, blocks: &Value) -> Result<(), SlackError> {
        self.call(
            "chat.update",
            Some(channel),
            &json!({"channel": channel, "ts": ts, "text": text, "blocks": blocks}),
        )
        .await
        .map(|_| ())
    }

    /// Answers a command or a button press through its `response_url`.
    pub async fn respond(&self, response_url: &str, body: &Value) -> Result<(), SlackError> {
        let sent = self.http.post(response_url).json(body).send().await;
        // response_url answers plain `ok`, not the Web API's JSON.
        let result = match sent {
            Err(e) => Err(SlackError::Network(e.without_url().to_string())),
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(SlackError::Refused {
                code: r.status().as_u16(),
                error: r.text().await.unwrap_or_default().chars().take(200).collect(),
                retry_after: None,
            }),
        };
        self.record("response", &result);
        result
    }

    /// Uploads `png` into `channel` with `comment`: Slack's external upload
    /// (get an upload URL, send the bytes there, complete it).
    pub async fn upload_png(&self, channel: &str, png: Vec<u8>, title: &str, comment: &str) -> Result<(), SlackError> {
        let sent = self
            .http
            .post(format!("{}/files.getUploadURLExternal", self.base))
            .bearer_auth(self.token.expose())
            .form(&[("filename", "graph.png"), ("length", &png.len().to_string())])
            .send()
            .await;
        let answer = read(sent).await;
        self.record("files.getUploadURLExternal", &answer);
        let answer = answer?;
        let (Some(url), Some(id)) = (answer["upload_url"].as_str(), answer["file_id"].as_str()) else {
            return Err(SlackError::Refused {
                code: 200,
                error: "no upload_url in the answer".into(),
                retry_after: None,
            });
        };
        let sent = self.http.post(url).body(png).send().await;
        let uploaded = match sent {
            Err(e) => Err(SlackError::Network(e.without_url().to_string())),
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(SlackError::Refused {
                code: r.status().as_u16(),
                error: "upload refused".into(),
                retry_after: None,
            }),
        };
        self.record("upload", &uploaded);
        uploaded?;
        self.call(
            "files.completeUploadExternal",
            Some(channel),
            &json!({"files": [{"id": id, "title": title}], "channel_id": channel, "initial_comment": comment}),
        )
        .await
        .map(|_| ())
    }
}

async fn read(sent: reqwest::Result<reqwest::Response>) -> Result<Value, SlackError> {
    let network = |e: reqwest::Error| SlackError::Network(e.without_url().to_string());
    let mut response = sent.map_err(network)?;
    let code = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(network)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(SlackError::Refused {
                code,
                error: "answer too long".into(),
                retry_after: None,
            });
        }
        body.extend_from_slice(&chunk);
    }
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    if code == 200 && value["ok"] == true {
        return Ok(value);
    }
    Err(SlackError::Refused {
        code,
        error: value["error"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| String::from_utf8_lossy(&body).chars().take(200).collect()),
        retry_after,
    })
}
