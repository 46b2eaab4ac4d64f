//! Polls targets: one on `/probe`, all of them at once on `/metrics`.
//!
//! Every device gets its own deadline; a dead device spends only its own.
//! A global semaphore caps how many devices are polled at once across all
//! concurrent scrapes, so a burst of scrapes cannot open unbounded sockets,
//! and concurrent scrapes of one device share one poll ([`flights`]).

pub mod backoff;
pub mod directory;
pub mod flights;
pub mod identities;

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::stream::{self, StreamExt};
use tokio::sync::Semaphore;

use self::backoff::{AuthBackoff, Transport};
use self::flights::{Flights, Missed, Turn};
use crate::collector::cache::Caches;
use crate::collector::cli::{self, SessionPool};
use crate::collector::snmp::{self, engine::EngineCache, health::Modules, SnmpContext};
use crate::config::{Config, Target};
use crate::metrics::{MetricSet, Sink};
use crate::report::{CollectorRun, DeviceReport};
use crate::schema;
use crate::telemetry::{Event, FailureReason, Telemetry};

pub struct Poller {
    telemetry: Arc<Telemetry>,
    engines: Arc<EngineCache>,
    /// Outlives this poller: neighbors and inventory stay cached across a
    /// reload for devices whose address and credentials it did not change.
    caches: Arc<Caches>,
    neighbors_interval: Duration,
    inventory_interval: Duration,
    sessions: Arc<SessionPool>,
    health: Arc<Modules>,
    permits: Semaphore,
    sockets: Arc<Semaphore>,
    flights: Arc<Flights>,
    max_polls: usize,
    limits: crate::collector::snmp::client::Limits,
    /// Outlives this poller: a reload keeps backing off from devices whose
    /// credentials it did not change.
    backoff: Arc<AuthBackoff>,
    /// Outlives this poller too: every poll's interfaces, for the trap receiver.
    directory: Arc<directory::Directory>,
    /// Outlives this poller too: who each target is, to name neighbors.
    identities: Arc<identities::Identities>,
}

/// What a poller shares with the pollers before and after it (reloads
/// replace the poller, not these).
#[derive(Clone, Default)]
pub struct Kept {
    pub backoff: Arc<AuthBackoff>,
    pub directory: Arc<directory::Directory>,
    pub caches: Arc<Caches>,
    pub identities: Arc<identities::Identities>,
}

impl Poller {
    pub fn new(config: &Config, telemetry: Arc<Telemetry>, kept: &Kept) -> Self {
        kept.backoff.configure(
            config.global.auth_failure_backoff,
            config.targets.iter().map(|t| t.name.as_str()),
        );
        kept.directory.retain(&config.targets);
        kept.identities.configure(&config.targets);
        let configured: std::collections::HashSet<&str> = config.targets.iter().map(|t| t.name.as_str()).collect();
        kept.caches.retain(|d| configured.contains(d));
        Poller {
            backoff: kept.backoff.clone(),
            directory: kept.directory.clone(),
            identities: kept.identities.clone(),
            telemetry,
            engines: Arc::default(),
            caches: kept.caches.clone(),
            neighbors_interval: config.global.neighbors_interval,
            inventory_interval: config.global.inventory_interval,
            sessions: Self::reaped(Arc::new(SessionPool::default())),
            health: config.health.clone(),
            permits: Semaphore::new(config.global.max_concurrent_polls),
            sockets: Arc::new(Semaphore::new(config.global.max_snmp_sockets)),
            flights: Flights::new(config.global.poll_reuse_window),
            max_polls: config.global.max_concurrent_polls,
            limits: crate::collector::snmp::client::Limits::of(&config.global),
        }
    }

    /// How long a device may take: the configured scrape timeout, or less
    /// when Prometheus says it will give up sooner, minus a margin so the
    /// answer reaches it in time. The margin is `scrape_timeout_offset`, but
    /// at most a quarter of Prometheus's timeout: a fixed 0.5 s under a
    /// 0.4 s timeout left no time at all, and every device reported down.
    pub fn budget(config: &Config, prometheus_timeout: Option<Duration>) -> Duration {
        let configured = config.global.scrape_timeout;
        match prometheus_timeout {
            Some(t) => {
                let margin = config.global.scrape_timeout_offset.min(t / 4);
                configured.min(t.saturating_sub(margin))
            }
            None => configured,
        }
    }

    /// Polls one target and renders its series.
    pub async fn poll(&self, target: &Target, budget: Duration) -> MetricSet {
        let report = self.report_now(target, budget).await;
        let mut set = MetricSet::new();
        schema::render(target, &report, &mut set);
        set
    }

    /// What one target says now, within `budget` (joining a poll already
    /// in flight): for `/probe`, and for the chat bot's live answers.
    pub async fn report_now(&self, target: &Target, budget: Duration) -> Arc<DeviceReport> {
        let deadline = Instant::now() + budget;
        let stop = tokio::time::Instant::from_std(deadline + grace(budget));
        match tokio::time::timeout_at(stop, self.shared_report(target, deadline)).await {
            Ok(r) => r,
            Err(_) => Arc::new(self.too_late(target)),
        }
    }

    /// Polls every target concurrently and writes each one's series into
    /// `sink` as soon as it is done (so devices appear in completion order),
    /// so finished reports never wait in memory behind a slow device.
    ///
    /// Every poll ends at the deadline; in case one does not (a CPU starved
    /// by hundreds of SSH handshakes delays timers too), the scrape stops
    /// waiting a moment after it and reports the stragglers as timed out, so
    /// the response is never later than Prometheus's timeout.
    pub async fn poll_all(&self, config: &Config, budget: Duration, sink: &mut impl Sink) {
        let deadline = Instant::now() + budget;
        let stop = tokio::time::Instant::from_std(deadline + grace(budget));
        let mut pending: Vec<bool> = vec![true; config.targets.len()];
        {
            // Cloned: a borrowing stream here trips the compiler's Send inference for the HTTP task.
            let mut reports = stream::iter(config.targets.iter().cloned().enumerate())
                .map(|(i, t)| async move {
                    let r = self.shared_report(&t, deadline).await;
                    (i, t, r)
                })
                // No more futures than poll slots: each waiting one is ~15 KiB of
                // state machine, and 2,000 of them were half the fleet's heap.
                .buffer_unordered(config.global.max_concurrent_polls.clamp(1, config.targets.len().max(1)));
            while let Ok(Some((i, t, r))) = tokio::time::timeout_at(stop, reports.next()).await {
                pending[i] = false;
                schema::render(&t, &r, sink);
            }
        }
        for (t, _) in config.targets.iter().zip(&pending).filter(|(_, p)| **p) {
            schema::render(t, &self.too_late(t), sink);
        }
    }

    /// The report of a poll the scrape could not wait for any longer.
    fn too_late(&self, target: &Target) -> DeviceReport {
        self.telemetry.event(Event::PollFailed {
            device: &target.name,
            collector: snmp::SYSTEM,
            reason: FailureReason::Timeout,
            detail: "not finished when the scrape had to answer",
        });
        failed(snmp::SYSTEM, Instant::now())
    }

    /// Whether `target` answers, and what it says it is; `Err` says why not.
    pub async fn identify(&self, target: &Target, budget: Duration) -> Result<String, String> {
        let _permit = self.permits.acquire().await.map_err(|e| e.to_string())?;
        let deadline = Instant::now() + budget;
        let info = match (&target.snmp, &target.cli) {
            (Some(settings), _) => snmp::identify(target, settings, deadline, &self.context())
                .await
                .map_err(|e| format!("snmp: {e}")),
            (None, Some(settings)) => cli::identify(target, settings, deadline)
                .await
                .map_err(|e| format!("{}: {e}", settings.transport_name())),
            (None, None) => return Err("no transport configured".into()),
        }?;
        Ok(
            format!("{} {} {} ({})", info.vendor, info.model, info.os_version, info.hostname)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
        )
    }

    /// Starts a task that closes idle CLI sessions every 30 s, for as long
    /// as the pool lives (it holds only a weak reference).
    fn reaped(pool: Arc<SessionPool>) -> Arc<SessionPool> {
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            let weak = Arc::downgrade(&pool);
            rt.spawn(async move {
                loop {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    let Some(pool) = weak.upgrade() else { break };
                    pool.close_idle().await;
                }
            });
        }
        pool
    }

    /// What `/snmp` scrapes share with this poller: telemetry and the SNMP socket cap.
    pub fn compat_shared(&self) -> crate::compat::Shared<'_> {
        crate::compat::Shared {
            telemetry: &self.telemetry,
            sockets: &self.sockets,
            limits: self.limits,
        }
    }

    /// Closes CLI sessions idle past their `idle_timeout` now (the reaper
    /// task does this every 30 s); returns how many.
    pub async fn close_idle_cli_sessions(&self) -> usize {
        self.sessions.close_idle().await
    }

    /// Polls holding a poll slot now.
    pub fn polls_in_progress(&self) -> usize {
        self.max_polls.saturating_sub(self.permits.available_permits())
    }

    /// CLI (SSH and Telnet) sessions held open now.
    pub fn cli_sessions(&self) -> usize {
        self.sessions.open_sessions()
    }

    fn context(&self) -> SnmpContext<'_> {
        SnmpContext {
            telemetry: &self.telemetry,
            engines: &self.engines,
            sockets: &self.sockets,
            health: &self.health,
            caches: &self.caches,
            neighbors_interval: self.neighbors_interval,
            inventory_interval: self.inventory_interval,
            limits: self.limits,
        }
    }

    /// The report of a poll of `target`: this scrape's own, or that of a
    /// poll already in flight (or, with a reuse window, just finished).
    async fn shared_report(&self, target: &Target, deadline: Instant) -> Arc<DeviceReport> {
        loop {
            match self.flights.turn(&target.name, deadline) {
                Turn::Lead(leader) => {
                    let report = Arc::new(self.report(target, deadline).await);
                    leader.finish(report.clone());
                    return report;
                }
                Turn::Alone => return Arc::new(self.report(target, deadline).await),
                Turn::Reuse(report) => {
                    self.telemetry.event(Event::PollCoalesced { device: &target.name });
                    return report;
                }
                Turn::Join(slot) => match flights::wait(slot, deadline).await {
                    Ok(report) => {
                        self.telemetry.event(Event::PollCoalesced { device: &target.name });
                        return report;
                    }
                    // Its scrape went away before the report: poll (or join another) now.
                    Err(Missed::LeaderGone) => continue,
                    Err(Missed::Deadline) => {
                        let started = Instant::now();
                        self.telemetry.event(Event::PollFailed {
                            device: &target.name,
                            collector: snmp::SYSTEM,
                            reason: FailureReason::Timeout,
                            detail: "the poll this scrape joined did not finish before its deadline",
                        });
                        return Arc::new(failed(snmp::SYSTEM, started));
                    }
                },
            }
        }
    }

    async fn report(&self, target: &Target, deadline: Instant) -> DeviceReport {
        let started = std::time::SystemTime::now();
        let mut report = self.poll_device(target, deadline).await;
        self.directory.update(target, &report, started);
        self.identities.update(&target.name, &report);
        self.identities.name_neighbors(&target.name, &mut report.neighbors);
        report
    }

    async fn poll_device(&self, target: &Target, deadline: Instant) -> DeviceReport {
        let started = Instant::now();
        let permit = tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), self.permits.acquire()).await;
        let _permit = match permit {
            Ok(Ok(p)) => p,
            _ => {
                // Not the device's fault: no series for it this scrape (a
                // gap), rather than a healthy switch reported down.
                self.telemetry.event(Event::PollFailed {
                    device: &target.name,
                    collector: snmp::SYSTEM,
                    reason: FailureReason::Overloaded,
                    detail: "no poll slot free before the deadline (raise global.max_concurrent_polls)",
                });
                return DeviceReport {
                    not_polled: true,
                    ..failed(snmp::SYSTEM, started)
                };
            }
        };
        match (&target.snmp, &target.cli) {
            (Some(s), None) => self.snmp(target, s, deadline).await,
            (None, Some(h)) => self.cli(target, h, deadline).await,
            (Some(s), Some(h)) => {
                let (a, b) = tokio::join!(self.snmp(target, s, deadline), self.cli(target, h, deadline));
                DeviceReport::merge(a, b)
            }
            (None, None) => DeviceReport::default(),
        }
    }

    async fn snmp(&self, target: &Target, s: &crate::config::SnmpSettings, deadline: Instant) -> DeviceReport {
        let fingerprint = backoff::snmp_fingerprint(s);
        if let Some(r) = self.backing_off(target, Transport::Snmp, fingerprint, snmp::SYSTEM) {
            return r;
        }
        let report = snmp::collect(target, s, deadline, &self.context()).await;
        self.note_auth(target, Transport::Snmp, fingerprint, &report);
        report
    }

    async fn cli(&self, target: &Target, h: &crate::config::CliSettings, deadline: Instant) -> DeviceReport {
        let fingerprint = backoff::cli_fingerprint(h);
        let system = cli::collectors(h.transport).0;
        if let Some(r) = self.backing_off(target, Transport::Cli, fingerprint, system) {
            return r;
        }
        let ctx = cli::CliContext {
            sessions: &self.sessions,
            telemetry: &self.telemetry,
            caches: &self.caches,
            neighbors_interval: self.neighbors_interval,
            inventory_interval: self.inventory_interval,
        };
        let report = cli::collect(target, h, deadline, &ctx).await;
        self.note_auth(target, Transport::Cli, fingerprint, &report);
        report
    }

    /// A failed report, without contacting the device, while `transport`
    /// backs off from an authentication failure.
    fn backing_off(
        &self,
        target: &Target,
        transport: Transport,
        fingerprint: u64,
        collector: &'static str,
    ) -> Option<DeviceReport> {
        let started = Instant::now();
        let w = self.backoff.waiting(&target.name, transport, fingerprint, started)?;
        self.telemetry.event(Event::PollFailed {
            device: &target.name,
            collector,
            reason: FailureReason::AuthFailure,
            detail: &format!(
                "not contacted: the device refused the credentials {} time(s) in a row; next try in {}s \
                 (or at once after a reload that changes them)",
                w.failures,
                w.left.as_secs().max(1)
            ),
        });
        Some(DeviceReport {
            auth_failed: true,
            ..failed(collector, started)
        })
    }

    fn note_auth(&self, target: &Target, transport: Transport, fingerprint: u64, report: &DeviceReport) {
        if report.auth_failed {
            let wait = self
                .backoff
                .failed(&target.name, transport, fingerprint, Instant::now());
            if !wait.is_zero() {
                tracing::warn!(
                    device = %target.name,
                    transport = ?transport,
                    wait_seconds = wait.as_secs(),
                    "authentication failed; not trying this device again before the wait is over"
                );
            }
        } else if report.up {
            self.backoff.succeeded(&target.name, transport);
        }
    }
}

/// How long after the devices' deadline a scrape still waits for their
/// reports (they end at the deadline, but their timers may fire late):
/// a twentieth of the budget, at most 250 ms, well inside the margin kept
/// from Prometheus's timeout.
fn grace(budget: Duration) -> Duration {
    (budget / 20).min(Duration::from_millis(250))
}

/// A report of one failed collector run and nothing else.
fn failed(collector: &'static str, started: Instant) -> DeviceReport {
    DeviceReport {
        collectors: vec![CollectorRun {
            collector,
            duration: started.elapsed(),
            success: false,
        }],
        ..DeviceReport::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(header_ms: Option<u64>) -> Duration {
        let config = Config::from_yaml(std::path::Path::new("t.yml"), "targets: []\n").unwrap();
        Poller::budget(&config, header_ms.map(Duration::from_millis))
    }

    #[test]
    fn a_scrape_timeout_below_the_offset_still_leaves_time_to_poll() {
        assert_eq!(budget(Some(400)), Duration::from_millis(300));
        assert_eq!(budget(Some(1000)), Duration::from_millis(750));
        // From 2 s up the configured 0.5 s offset applies whole.
        assert_eq!(budget(Some(2000)), Duration::from_millis(1500));
        assert_eq!(budget(Some(10_000)), Duration::from_millis(9500));
        assert_eq!(
            budget(Some(60_000)),
            Duration::from_secs(20),
            "never past global.scrape_timeout"
        );
        assert_eq!(budget(None), Duration::from_secs(20));
    }
}
