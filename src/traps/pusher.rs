//! Sends trap alerts to every configured Alertmanager (API v2), as
//! Alertmanager expects of its clients: a change at once, every active
//! alert again each `resend_interval`, resolved alerts with their `endsAt`.
//!
//! Each Alertmanager is sent to on its own, so a dead one (a connect
//! timeout) never delays another's linkDown. What an Alertmanager did not
//! acknowledge stays pending in the [`Book`](super::alerts::Book) and is
//! retried with backoff; nothing is lost while it is down.

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

struct Target {
    url: String,
    bit: u64,
    /// Backoff after failures; the next attempt is not before `retry_at`.
    failures: u32,
    retry_at: Option<Instant>,
}

/// Runs until the process stops.
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
    let mut targets: Vec<Target> = Vec::new();
    let mut next_resend = Instant::now();
    loop {
        let live = state.live();
        let Some(tc) = live.config.traps.clone() else {
            drop(live);
            wait_for_change(&shared, Duration::from_secs(1)).await;
            continue;
        };
        drop(live);
        if tc.alertmanager_urls != urls {
            // Another set of Alertmanagers: each new one gets everything.
            urls.clone_from(&tc.alertmanager_urls);
            targets = urls
                .iter()
                .enumerate()
                .map(|(i, u)| Target {
                    url: u.clone(),
                    bit: 1 << i,
                    failures: 0,
                    retry_at: None,
                })
                .collect();
            shared.book().forget_deliveries();
            shared.all_delivered.store(
                if urls.len() >= 64 {
                    u64::MAX
                } else {
                    (1u64 << urls.len()) - 1
                },
                std::sync::atomic::Ordering::Relaxed,
            );
        }
        let now = Instant::now();
        let periodic = now >= next_resend;
        if periodic {
            next_resend = now + tc.resend_interval;
        }
        // Firing alerts say they end after four resends missed, as Prometheus does.
        let valid_for = 4.0 * tc.resend_interval.as_secs_f64();
        let sends = targets.iter_mut().map(|t| {
            let client = &client;
            let shared = &shared;
            let state = &state;
            async move {
                if t.retry_at.is_some_and(|at| at > now) {
                    return;
                }
                let pending = shared.book().pending(t.bit, periodic || t.failures > 0);
                if pending.is_empty() {
                    return;
                }
                for chunk in pending.chunks(BATCH) {
                    match send(client, &t.url, chunk, valid_for).await {
                        Ok(()) => {
                            state.telemetry.event(Event::AlertmanagerRequest {
                                url: &t.url,
                                ok: true,
                                alerts: chunk.len(),
                                detail: "",
                            });
                            shared.book().delivered(t.bit, chunk);
                            t.failures = 0;
                            t.retry_at = None;
                        }
                        Err(e) => {
                            state.telemetry.event(Event::AlertmanagerRequest {
                                url: &t.url,
                                ok: false,
                                alerts: chunk.len(),
                                detail: &e,
                            });
                            t.failures += 1;
                            let wait = Duration::from_secs(1 << t.failures.min(6)).min(tc.resend_interval);
                            t.retry_at = Some(Instant::now() + wait);
                            return;
                        }
                    }
                }
            }
        });
        futures_util::future::join_all(sends).await;
        shared.state_changed();
        let wake = targets
            .iter()
            .filter_map(|t| t.retry_at)
            .chain([next_resend])
            .min()
            .unwrap_or(next_resend);
        let wait = wake.saturating_duration_since(Instant::now());
        wait_for_change(&shared, wait).await;
        tokio::time::sleep(GATHER).await;
    }
}

async fn wait_for_change(shared: &Shared, at_most: Duration) {
    let _ = tokio::time::timeout(at_most, shared.kick.notified()).await;
}

async fn send(client: &reqwest::Client, base: &str, alerts: &[(String, Alert)], valid_for: f64) -> Result<(), String> {
    let body = postable(alerts, unix_now(), valid_for);
    let resp = client
        .post(format!("{base}/api/v2/alerts"))
        .json(&body)
        .send()
        .await
        .map_err(|e| without_url(&e))?;
    let status = resp.status();
    if status.is_success() {
        Ok(())
    } else {
        let text = resp.text().await.unwrap_or_default();
        Err(format!(
            "HTTP {status}: {}",
            text.chars().take(200).collect::<String>().trim()
        ))
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
