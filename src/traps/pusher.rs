//! Sends trap alerts to every configured Alertmanager (API v2), as
//! Alertmanager expects of its clients: a change at once, every active
//! alert again each `resend_interval`, resolved alerts with their `endsAt`.
//!
//! Each Alertmanager has its own task, woken by every change to the book,
//! with its own retry timer: a dead or hanging one never delays another's
//! linkDown. What an Alertmanager did not acknowledge stays pending in the
//! [`Book`](super::alerts::Book) and is retried with backoff; nothing is
//! lost while it is down.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::alerts::{postable, Alert};
use super::{unix_now, Shared};
use crate::state::AppState;
use crate::telemetry::Event;

/// Alerts per request: Alertmanager takes any number, but a 10,000-alert
/// body after an outage is better sent in pieces it can digest.
const BATCH: usize = 1000;
/// How long changes are gathered before a push (a flood of notifications
/// becomes one request, not one each).
const GATHER: Duration = Duration::from_millis(20);

/// Runs until the process stops: one sender per configured Alertmanager,
/// replaced when a reload changes the list.
pub async fn run(state: Arc<AppState>, shared: Arc<Shared>) {
    let client = match reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(10))
        .user_agent(concat!("netgauge/", env!("CARGO_PKG_VERSION")))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the Alertmanager HTTP client; trap alerts will not be sent");
            return;
        }
    };
    let mut urls: Vec<String> = Vec::new();
    let mut senders: Vec<tokio::task::JoinHandle<()>> = Vec::new();
    loop {
        let wanted = state
            .live()
            .config
            .traps
            .as_ref()
            .map(|t| t.alertmanager_urls.clone())
            .unwrap_or_default();
        if wanted != urls {
            for s in senders.drain(..) {
                s.abort();
            }
            // Another set of Alertmanagers: each new one gets everything.
            shared.book().forget_deliveries();
            let all = if wanted.len() >= 64 {
                u64::MAX
            } else {
                (1u64 << wanted.len()) - 1
            };
            shared.all_delivered.store(all, std::sync::atomic::Ordering::Relaxed);
            for (i, url) in wanted.iter().enumerate() {
                senders.push(tokio::spawn(send_to(
                    state.clone(),
                    shared.clone(),
                    client.clone(),
                    url.clone(),
                    1 << i,
                )));
            }
            urls = wanted;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Keeps Alertmanager `url` (delivery bit `bit`) up to date.
async fn send_to(state: Arc<AppState>, shared: Arc<Shared>, client: reqwest::Client, url: String, bit: u64) {
    let mut kicked = shared.kick.subscribe();
    let mut failures: u32 = 0;
    let mut next_resend = Instant::now();
    loop {
        let Some(tc) = state.live().config.traps.clone() else {
            return;
        };
        let now = Instant::now();
        let periodic = now >= next_resend;
        if periodic {
            next_resend = now + tc.resend_interval;
        }
        // Firing alerts say they end after four resends missed, as Prometheus does.
        let valid_for = 4.0 * tc.resend_interval.as_secs_f64();
        let pending = shared.book().pending(bit, periodic || failures > 0);
        let mut failed = false;
        for chunk in pending.chunks(BATCH) {
            match send(&client, &url, chunk, valid_for).await {
                Ok(()) => {
                    state.telemetry.event(Event::AlertmanagerRequest {
                        url: &url,
                        ok: true,
                        alerts: chunk.len(),
                        detail: "",
                    });
                    shared.book().delivered(bit, chunk);
                }
                Err(Failure::Rejected(e)) => {
                    // Alertmanager said these alerts are invalid (a 4xx other
                    // than 429): sending them again would be refused again and
                    // hold up the rest, so they count as delivered, loudly.
                    state.telemetry.event(Event::AlertmanagerRequest {
                        url: &url,
                        ok: false,
                        alerts: chunk.len(),
                        detail: &format!("rejected, not retried: {e}"),
                    });
                    shared.book().delivered(bit, chunk);
                }
                Err(Failure::Retry(e)) => {
                    state.telemetry.event(Event::AlertmanagerRequest {
                        url: &url,
                        ok: false,
                        alerts: chunk.len(),
                        detail: &e,
                    });
                    failed = true;
                    break;
                }
            }
        }
        shared.state_changed();
        let wait = if failed {
            failures = failures.saturating_add(1);
            Duration::from_secs(1 << failures.min(6)).min(tc.resend_interval)
        } else {
            failures = 0;
            next_resend.saturating_duration_since(Instant::now())
        };
        if failed {
            // Backing off: changes wait for the retry (which sends everything pending).
            tokio::time::sleep(wait).await;
        } else {
            let _ = tokio::time::timeout(wait, kicked.changed()).await;
            tokio::time::sleep(GATHER).await;
        }
    }
}

enum Failure {
    /// Worth sending again: unreachable, timed out, 5xx, 429.
    Retry(String),
    /// Refused as invalid: sending it again changes nothing.
    Rejected(String),
}

async fn send(client: &reqwest::Client, base: &str, alerts: &[(String, Alert)], valid_for: f64) -> Result<(), Failure> {
    let body = postable(alerts, unix_now(), valid_for);
    let resp = client
        .post(format!("{base}/api/v2/alerts"))
        .json(&body)
        .send()
        .await
        .map_err(|e| Failure::Retry(without_url(&e)))?;
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let text = resp.text().await.unwrap_or_default();
    let why = format!("HTTP {status}: {}", text.chars().take(200).collect::<String>().trim());
    if status.is_client_error() && status != reqwest::StatusCode::TOO_MANY_REQUESTS {
        Err(Failure::Rejected(why))
    } else {
        Err(Failure::Retry(why))
    }
}

/// reqwest's error text, which names the URL already logged beside it.
fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_connect() {
        "cannot connect"
    } else if e.is_timeout() {
        "timed out"
    } else {
        "request failed"
    };
    let mut cause = String::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        cause = s.to_string();
        source = s.source();
    }
    if cause.is_empty() {
        kind.to_owned()
    } else {
        format!("{kind}: {cause}")
    }
}
