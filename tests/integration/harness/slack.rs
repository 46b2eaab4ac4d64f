//! A stand-in for Slack (which cannot be reached from here): the Web API
//! methods the bot calls (`chat.postMessage`, `chat.update`, the external
//! file upload), each checking the bot token, and `response_url`s that
//! record what was posted to them. Requests *to* netgauge are signed with
//! `openssl` (an implementation independent of netgauge's).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use serde_json::{json, Value};

pub const BOT_TOKEN: &str = "xoxb-test-token-never-logged";
pub const SIGNING_SECRET: &str = "slack-signing-secret-for-tests";

/// One call the bot made.
#[derive(Debug, Clone)]
pub struct Call {
    /// `chat.postMessage`, `response/7`, `upload/F1`…
    pub path: String,
    pub body: Value,
    pub bytes: Vec<u8>,
}

pub struct FakeSlack {
    pub addr: SocketAddr,
    calls: Arc<Mutex<Vec<Call>>>,
    /// Calls of a method still to answer 429 (`Retry-After: 1`).
    throttled: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FakeSlack {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FakeSlack {
    pub async fn start() -> FakeSlack {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let calls: Arc<Mutex<Vec<Call>>> = Arc::default();
        let throttled: Arc<Mutex<Vec<String>>> = Arc::default();
        let (c, t) = (calls.clone(), throttled.clone());
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (c, t) = (c.clone(), t.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let (c, t) = (c.clone(), t.clone());
                        async move { Ok::<_, Infallible>(serve(req, addr, c, t).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        FakeSlack {
            addr,
            calls,
            throttled,
            task,
        }
    }

    /// The next call of Web API `method` answers 429 with `Retry-After: 1`.
    pub fn throttle(&self, method: &str) {
        self.throttled.lock().unwrap().push(format!("api/{method}"));
    }

    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.addr)
    }

    pub fn response_url(&self, n: u32) -> String {
        format!("http://{}/response/{n}", self.addr)
    }

    pub fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// Waits until a call to `path` satisfies `want`; returns it.
    pub async fn wait_call(&self, path: &str, want: impl Fn(&Call) -> bool) -> Call {
        let started = Instant::now();
        loop {
            if let Some(c) = self.calls().into_iter().find(|c| c.path == path && want(c)) {
                return c;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "no call to {path} as wanted; calls: {:#?}",
                self.calls().iter().map(|c| (&c.path, &c.body)).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn answer(body: Value) -> Response<Full<Bytes>> {
    Response::builder()
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body.to_string())))
        .unwrap()
}

async fn serve(
    req: Request<Incoming>,
    addr: SocketAddr,
    calls: Arc<Mutex<Vec<Call>>>,
    throttled: Arc<Mutex<Vec<String>>>,
) -> Response<Full<Bytes>> {
    let path = req.uri().path().trim_start_matches('/').to_owned();
    {
        let mut t = throttled.lock().unwrap();
        if let Some(i) = t.iter().position(|m| *m == path) {
            t.remove(i);
            return Response::builder()
                .status(429)
                .header("retry-after", "1")
                .body(Full::new(Bytes::from_static(
                    b"{\"ok\":false,\"error\":\"ratelimited\"}",
                )))
                .unwrap();
        }
    }
    let authorized = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {BOT_TOKEN}"));
    let form = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    let bytes = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes().to_vec())
        .unwrap_or_default();
    let body: Value = if form {
        Value::Object(
            form_urlencoded::parse(&bytes)
                .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
                .collect(),
        )
    } else {
        serde_json::from_slice(&bytes).unwrap_or(Value::Null)
    };
    let n = {
        let mut c = calls.lock().unwrap();
        let path = path.trim_start_matches("api/").to_owned();
        c.push(Call {
            path,
            body: body.clone(),
            bytes: bytes.clone(),
        });
        c.len()
    };
    if path.starts_with("response/") || path.starts_with("upload/") {
        return Response::new(Full::new(Bytes::from_static(b"ok")));
    }
    if !authorized {
        return answer(json!({"ok": false, "error": "invalid_auth"}));
    }
    match path.as_str() {
        "api/chat.postMessage" => {
            answer(json!({"ok": true, "channel": body["channel"], "ts": format!("1700000000.{n:06}")}))
        }
        "api/chat.update" => answer(json!({"ok": true, "channel": body["channel"], "ts": body["ts"]})),
        "api/files.getUploadURLExternal" => {
            answer(json!({"ok": true, "upload_url": format!("http://{addr}/upload/F{n}"), "file_id": format!("F{n}")}))
        }
        "api/files.completeUploadExternal" => answer(json!({"ok": true, "files": body["files"]})),
        _ => answer(json!({"ok": false, "error": "unknown_method"})),
    }
}

/// `v0=<hex>` for `body` sent at `timestamp`, by `openssl dgst -hmac`.
pub fn sign(secret: &str, timestamp: i64, body: &str) -> String {
    use std::io::Write;
    let mut child = Command::new(super::require("openssl"))
        .args(["dgst", "-sha256", "-hmac", secret])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("v0:{timestamp}:{body}").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    format!("v0={}", text.split_whitespace().last().unwrap_or(""))
}

/// POSTs a form to netgauge as Slack does, signed at `timestamp` with
/// `secret`; `None` sends no signature. Returns (status, body).
pub fn post_signed(
    netgauge: SocketAddr,
    path: &str,
    form: &[(&str, &str)],
    secret: Option<&str>,
    timestamp: i64,
) -> (u16, String) {
    use std::io::{Read, Write};
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let headers = match secret {
        Some(s) => format!(
            "X-Slack-Request-Timestamp: {timestamp}\r\nX-Slack-Signature: {}\r\n",
            sign(s, timestamp, &body)
        ),
        None => String::new(),
    };
    let mut stream = std::net::TcpStream::connect(netgauge).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {netgauge}\r\n{headers}Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    let code = response.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b).to_owned();
    (code, body)
}
