//! A stand-in for the Telegram Bot API (which cannot be reached from
//! here), strict where the real one is: `getUpdates` long polling with
//! offsets, `sendMessage` that refuses HTML it cannot parse and texts
//! over 4096 characters after parsing, `sendPhoto` (multipart), edits,
//! `answerCallbackQuery`, a wrong token answered 401, and 429 with
//! `retry_after` on demand.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use serde_json::{json, Value};

pub const TOKEN: &str = "123456:TEST-token-never-logged";
pub const BOT_USERNAME: &str = "netgauge_test_bot";

/// Something the bot sent.
#[derive(Debug, Clone)]
pub struct Sent {
    pub method: String,
    pub chat_id: i64,
    pub message_id: i64,
    /// The text (or caption) as sent, HTML.
    pub html: String,
    /// The text as a reader sees it: tags removed, entities decoded.
    pub text: String,
    pub reply_markup: Option<Value>,
    pub reply_to: Option<i64>,
    pub photo: Option<Vec<u8>>,
}

#[derive(Default)]
struct Inner {
    updates: VecDeque<Value>,
    next_update: i64,
    next_message: i64,
    sent: Vec<Sent>,
    callbacks: Vec<(String, String)>,
    /// Method → (failures left, retry_after).
    throttle: HashMap<String, (u32, u64)>,
    /// Method → 409s left to answer.
    conflict: HashMap<String, u32>,
    /// Every request: method and HTTP status.
    requests: Vec<(String, u16)>,
}

pub struct FakeTelegram {
    pub addr: SocketAddr,
    inner: Arc<Mutex<Inner>>,
    wake: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

impl FakeTelegram {
    pub async fn start() -> FakeTelegram {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let inner = Arc::new(Mutex::new(Inner {
            next_update: 1000,
            next_message: 1,
            ..Inner::default()
        }));
        let wake = Arc::new(tokio::sync::Notify::new());
        let (i, w) = (inner.clone(), wake.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (i, w) = (i.clone(), w.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let (i, w) = (i.clone(), w.clone());
                        async move { Ok::<_, Infallible>(serve(req, i, w).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FakeTelegram {
            addr,
            inner,
            wake,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap()
    }

    /// A text message from user `from` in `chat` (a private chat when they
    /// are equal), sent `age_secs` ago.
    pub fn message(&self, chat: i64, from: i64, text: &str, age_secs: i64) -> i64 {
        self.message_lang(chat, from, text, age_secs, None)
    }

    pub fn message_lang(&self, chat: i64, from: i64, text: &str, age_secs: i64, language: Option<&str>) -> i64 {
        let mut i = self.lock();
        let id = i.next_update;
        i.next_update += 1;
        let message_id = i.next_message;
        i.next_message += 1;
        let mut user = json!({"id": from, "is_bot": false, "first_name": format!("user{from}")});
        if let Some(l) = language {
            user["language_code"] = json!(l);
        }
        i.updates.push_back(json!({
            "update_id": id,
            "message": {
                "message_id": message_id,
                "date": unix_now() - age_secs,
                "chat": {"id": chat, "type": if chat == from { "private" } else { "supergroup" }},
                "from": user,
                "text": text,
            }
        }));
        drop(i);
        self.wake.notify_waiters();
        message_id
    }

    /// A press of a button whose `callback_data` is `data`, on `message`.
    pub fn press(&self, chat: i64, from: i64, message: i64, data: &str) -> String {
        let mut i = self.lock();
        let id = i.next_update;
        i.next_update += 1;
        let query = format!("cb{id}");
        i.updates.push_back(json!({
            "update_id": id,
            "callback_query": {
                "id": query,
                "from": {"id": from, "is_bot": false, "first_name": format!("user{from}")},
                "message": {"message_id": message, "date": unix_now(), "chat": {"id": chat, "type": "supergroup"}},
                "data": data,
            }
        }));
        drop(i);
        self.wake.notify_waiters();
        query
    }

    /// The next `n` calls of `method` answer 429 with `retry_after`.
    pub fn throttle(&self, method: &str, n: u32, retry_after: u64) {
        self.lock().throttle.insert(method.to_owned(), (n, retry_after));
    }

    /// The next `n` calls of `method` answer 409, as Telegram does while
    /// another process reads the same bot's updates.
    pub fn conflict(&self, method: &str, n: u32) {
        self.lock().conflict.insert(method.to_owned(), n);
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.lock().sent.clone()
    }

    pub fn sent_to(&self, chat: i64) -> Vec<Sent> {
        self.sent().into_iter().filter(|s| s.chat_id == chat).collect()
    }

    /// Answers to button presses: (callback query id, text).
    pub fn callbacks(&self) -> Vec<(String, String)> {
        self.lock().callbacks.clone()
    }

    /// How many requests of `method` were answered `code`.
    pub fn requests(&self, method: &str, code: u16) -> usize {
        self.lock()
            .requests
            .iter()
            .filter(|(m, c)| m == method && *c == code)
            .count()
    }

    /// Updates not yet confirmed by a `getUpdates` offset.
    pub fn unconfirmed(&self) -> usize {
        self.lock().updates.len()
    }

    /// Waits until `chat` has received `n` messages; returns them all.
    pub async fn wait_sent(&self, chat: i64, n: usize, within: Duration) -> Vec<Sent> {
        let started = Instant::now();
        loop {
            let sent = self.sent_to(chat);
            if sent.len() >= n {
                return sent;
            }
            assert!(
                started.elapsed() < within,
                "chat {chat}: {} of {n} messages after {within:?}: {:#?}",
                sent.len(),
                sent.iter().map(|s| &s.text).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn answer(code: u16, body: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

fn refuse(code: u16, description: &str) -> Response<Full<Bytes>> {
    answer(
        code,
        json!({"ok": false, "error_code": code, "description": description}),
    )
}

async fn serve(
    req: Request<Incoming>,
    inner: Arc<Mutex<Inner>>,
    wake: Arc<tokio::sync::Notify>,
) -> Response<Full<Bytes>> {
    let path = req.uri().path().to_owned();
    let content_type = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let Some((token, method)) = path.strip_prefix("/bot").and_then(|p| p.split_once('/')) else {
        return refuse(404, "Not Found");
    };
    let method = method.to_owned();
    let response = if token != TOKEN {
        refuse(401, "Unauthorized")
    } else {
        let throttled = {
            let mut i = inner.lock().unwrap();
            match i.throttle.get_mut(&method) {
                Some((n, after)) if *n > 0 => {
                    *n -= 1;
                    Some(*after)
                }
                _ => None,
            }
        };
        let conflicted = {
            let mut i = inner.lock().unwrap();
            match i.conflict.get_mut(&method) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    true
                }
                _ => false,
            }
        };
        match throttled {
            None if conflicted => refuse(
                409,
                "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running",
            ),
            Some(after) => answer(
                429,
                json!({"ok": false, "error_code": 429, "description": format!("Too Many Requests: retry after {after}"), "parameters": {"retry_after": after}}),
            ),
            None => {
                let params = if content_type.starts_with("multipart/form-data") {
                    multipart(&content_type, &body)
                } else {
                    Params::Json(serde_json::from_slice(&body).unwrap_or(json!({})))
                };
                call(&method, params, &inner, &wake).await
            }
        }
    };
    inner
        .lock()
        .unwrap()
        .requests
        .push((method, response.status().as_u16()));
    response
}

enum Params {
    Json(Value),
    /// Text fields, and the file part's bytes.
    Form(HashMap<String, String>, Option<Vec<u8>>),
}

impl Params {
    fn str(&self, key: &str) -> Option<String> {
        match self {
            Params::Json(v) => match &v[key] {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            },
            Params::Form(f, _) => f.get(key).cloned(),
        }
    }

    fn value(&self, key: &str) -> Option<Value> {
        match self {
            Params::Json(v) => Some(v[key].clone()).filter(|v| !v.is_null()),
            Params::Form(f, _) => f.get(key).and_then(|s| serde_json::from_str(s).ok()),
        }
    }
}

async fn call(method: &str, p: Params, inner: &Mutex<Inner>, wake: &tokio::sync::Notify) -> Response<Full<Bytes>> {
    match method {
        "getMe" => answer(
            200,
            json!({"ok": true, "result": {"id": 42, "is_bot": true, "first_name": "netgauge", "username": BOT_USERNAME}}),
        ),
        "getUpdates" => {
            let offset = p.value("offset").and_then(|v| v.as_i64()).unwrap_or(0);
            let wait = p.value("timeout").and_then(|v| v.as_u64()).unwrap_or(0).min(30);
            let until = Instant::now() + Duration::from_secs(wait);
            loop {
                // Registered before looking, so a message pushed between the
                // look and the wait still wakes it.
                let woken = wake.notified();
                {
                    let mut i = inner.lock().unwrap();
                    while i
                        .updates
                        .front()
                        .is_some_and(|u| u["update_id"].as_i64().unwrap_or(0) < offset)
                    {
                        i.updates.pop_front();
                    }
                    if !i.updates.is_empty() || Instant::now() >= until {
                        let batch: Vec<Value> = i.updates.iter().take(100).cloned().collect();
                        return answer(200, json!({"ok": true, "result": batch}));
                    }
                }
                let _ = tokio::time::timeout_at(until.into(), woken).await;
            }
        }
        "sendMessage" | "sendPhoto" | "editMessageText" => {
            let Some(chat_id) = p
                .value("chat_id")
                .and_then(|v| v.as_i64().or_else(|| v.as_str()?.parse().ok()))
            else {
                return refuse(400, "Bad Request: chat_id is empty");
            };
            let (key, limit) = if method == "sendPhoto" {
                ("caption", 1024)
            } else {
                ("text", 4096)
            };
            let html = p.str(key).unwrap_or_default();
            if method != "sendPhoto" && html.trim().is_empty() {
                return refuse(400, "Bad Request: message text is empty");
            }
            let text = match parse_html(&html) {
                Ok(t) => t,
                Err(e) => return refuse(400, &format!("Bad Request: can't parse entities: {e}")),
            };
            if text.encode_utf16().count() > limit {
                return refuse(400, &format!("Bad Request: {key} is too long"));
            }
            let photo = match &p {
                Params::Form(_, file) => file.clone(),
                Params::Json(_) => None,
            };
            if method == "sendPhoto" && photo.is_none() {
                return refuse(400, "Bad Request: there is no photo in the request");
            }
            let mut i = inner.lock().unwrap();
            let message_id = match method {
                "editMessageText" => p.value("message_id").and_then(|v| v.as_i64()).unwrap_or(0),
                _ => {
                    let id = i.next_message;
                    i.next_message += 1;
                    id
                }
            };
            i.sent.push(Sent {
                method: method.to_owned(),
                chat_id,
                message_id,
                html,
                text,
                reply_markup: p.value("reply_markup"),
                reply_to: p.value("reply_parameters").and_then(|r| r["message_id"].as_i64()),
                photo,
            });
            answer(
                200,
                json!({"ok": true, "result": {"message_id": message_id, "date": unix_now(), "chat": {"id": chat_id}}}),
            )
        }
        "editMessageReplyMarkup" => {
            let mut i = inner.lock().unwrap();
            let chat_id = p.value("chat_id").and_then(|v| v.as_i64()).unwrap_or(0);
            let message_id = p.value("message_id").and_then(|v| v.as_i64()).unwrap_or(0);
            i.sent.push(Sent {
                method: method.to_owned(),
                chat_id,
                message_id,
                html: String::new(),
                text: String::new(),
                reply_markup: p.value("reply_markup"),
                reply_to: None,
                photo: None,
            });
            answer(200, json!({"ok": true, "result": true}))
        }
        "answerCallbackQuery" => {
            let id = p.str("callback_query_id").unwrap_or_default();
            let text = p.str("text").unwrap_or_default();
            inner.lock().unwrap().callbacks.push((id, text));
            answer(200, json!({"ok": true, "result": true}))
        }
        _ => refuse(404, "Not Found: method not found"),
    }
}

/// Telegram's HTML mode: the tags it knows, properly nested, and only the
/// `&lt;`, `&gt;`, `&amp;`, `&quot;` and numeric entities. Returns the text
/// a reader sees.
pub fn parse_html(html: &str) -> Result<String, String> {
    const TAGS: &[&str] = &[
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "code",
        "pre",
        "a",
        "tg-spoiler",
        "blockquote",
    ];
    let mut out = String::new();
    let mut open: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest.find('>').ok_or("unclosed start tag")?;
                let tag = &rest[1..end];
                let (closing, name) = match tag.strip_prefix('/') {
                    Some(n) => (true, n.trim()),
                    None => (false, tag.split_whitespace().next().unwrap_or("")),
                };
                if !TAGS.contains(&name) {
                    return Err(format!("unsupported start tag \"{name}\""));
                }
                if closing {
                    if open.pop().as_deref() != Some(name) {
                        return Err(format!("unmatched end tag \"{name}\""));
                    }
                } else {
                    open.push(name.to_owned());
                }
                rest = &rest[end + 1..];
            }
            '&' => {
                let end = rest.find(';').ok_or("unclosed entity")?;
                let entity = &rest[1..end];
                out.push(match entity {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "quot" => '"',
                    e => e
                        .strip_prefix('#')
                        .and_then(|n| n.parse::<u32>().ok())
                        .and_then(char::from_u32)
                        .ok_or_else(|| format!("unknown entity &{e};"))?,
                });
                rest = &rest[end + 1..];
            }
            c => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if let Some(t) = open.pop() {
        return Err(format!("can't find end tag corresponding to start tag \"{t}\""));
    }
    Ok(out)
}

/// The fields of a `multipart/form-data` body and its one file part.
fn multipart(content_type: &str, body: &[u8]) -> Params {
    let boundary = content_type
        .split("boundary=")
        .nth(1)
        .unwrap_or("")
        .trim_matches('"')
        .to_owned();
    let delimiter = format!("--{boundary}");
    let mut fields = HashMap::new();
    let mut file = None;
    let d = delimiter.as_bytes();
    let mut starts: Vec<usize> = Vec::new();
    let mut at = 0;
    while at + d.len() <= body.len() {
        if &body[at..at + d.len()] == d {
            starts.push(at);
            at += d.len();
        } else {
            at += 1;
        }
    }
    for w in starts.windows(2) {
        let part = &body[w[0] + d.len()..w[1]];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let Some(split) = part.windows(4).position(|x| x == b"\r\n\r\n") else {
            continue;
        };
        let headers = String::from_utf8_lossy(&part[..split]).to_string();
        let content = &part[split + 4..];
        let name = headers
            .split("name=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap_or("")
            .to_owned();
        if headers.contains("filename=") {
            file = Some(content.to_vec());
        } else {
            fields.insert(name, String::from_utf8_lossy(content).to_string());
        }
    }
    Params::Form(fields, file)
}

#[test]
fn the_fake_parses_html_like_telegram() {
    assert_eq!(
        parse_html("<b>a &lt;b&gt;</b> &amp; <code>x</code>").unwrap(),
        "a <b> & x"
    );
    assert!(parse_html("a < b").is_err());
    assert!(parse_html("<b>x</i>").is_err());
    assert!(parse_html("<b>x").is_err());
    assert!(parse_html("R&D").is_err());
    assert!(parse_html("<script>").is_err());
}
