//! The CLI collector: the same report as the SNMP collector, from the
//! device's command line over SSH or Telnet, through one persistent session
//! per device.
//!
//! [`session`] holds the dialogue with a CLI (prompts, paging, commands)
//! over either transport, [`ssh`] and [`telnet`] carry the bytes, and
//! [`parse`] turns command output into report records.
//!
//! Logins are what hurts at scale (TACACS servers, device CPU), so a session
//! is opened once and reused by every later scrape; steady state is zero
//! handshakes per scrape. A session that fails, closes or sits idle past
//! `idle_timeout` is dropped and the next scrape logs in again.

pub mod parse;
pub mod session;
pub mod ssh;
pub mod telnet;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::time::timeout_at;

use self::parse::{Parsed, Platform};
use self::session::{CliError, Session};
use crate::config::{CliSettings, CliTransport, Target};
use crate::report::{CollectorRun, DeviceReport};
use crate::telemetry::{Anomaly, Event, Telemetry};

/// Collector names: (system, interfaces) per transport.
pub fn collectors(t: CliTransport) -> (&'static str, &'static str) {
    match t {
        CliTransport::Ssh => ("ssh_system", "ssh_interfaces"),
        CliTransport::Telnet => ("telnet_system", "telnet_interfaces"),
    }
}

/// The commands that feed the parsers, per platform.
fn commands(p: Platform) -> (&'static [&'static str], &'static str) {
    match p {
        Platform::CiscoIos => (&["show version"], "show interfaces"),
        Platform::CiscoNxos => (&["show version"], "show interface"),
        Platform::HuaweiVrp => (&["display version"], "display interface"),
        Platform::JuniperJunos => (&["show version", "show system uptime"], "show interfaces"),
        Platform::Frr => (&["show version"], "show interface json"),
        Platform::MikrotikRouteros => (
            &["/system resource print without-paging"],
            "/interface print detail without-paging",
        ),
    }
}

/// What a device's slot holds between scrapes.
enum Held {
    Ready(Session),
    /// A login that a scrape started but could not wait for (its deadline
    /// came first): it goes on in its own task, bounded by the configured
    /// timeout, and the next scrape takes its session (or its error).
    LoggingIn(tokio::task::JoinHandle<Result<Session, CliError>>),
}

type Slot = Arc<tokio::sync::Mutex<Option<Held>>>;

/// One session slot per device. The slot's lock also serialises scrapes of
/// the same device: a CLI runs one command at a time.
#[derive(Default)]
pub struct SessionPool {
    slots: Mutex<HashMap<String, Slot>>,
}

impl SessionPool {
    fn slot(&self, device: &str) -> Slot {
        match self.slots.lock() {
            Ok(mut s) => s.entry(device.to_owned()).or_default().clone(),
            Err(poisoned) => poisoned.into_inner().entry(device.to_owned()).or_default().clone(),
        }
    }

    fn all_slots(&self) -> Vec<Slot> {
        match self.slots.lock() {
            Ok(s) => s.values().cloned().collect(),
            Err(poisoned) => poisoned.into_inner().values().cloned().collect(),
        }
    }

    /// Sessions currently held open (a slot busy with a scrape, or logging in, counts).
    pub fn open_sessions(&self) -> usize {
        self.all_slots()
            .iter()
            .filter(|s| s.try_lock().map(|g| g.is_some()).unwrap_or(true))
            .count()
    }

    /// Closes sessions unused for longer than their `idle_timeout`, so a
    /// device that is no longer scraped does not keep a login forever.
    pub async fn close_idle(&self) -> usize {
        let mut closed = 0;
        for slot in self.all_slots() {
            let Ok(mut guard) = slot.try_lock() else { continue };
            let stale = match guard.as_ref() {
                Some(Held::Ready(s)) => s.last_used.elapsed() > s.idle_timeout || s.is_closed(),
                // A background login that failed: nothing to keep.
                Some(Held::LoggingIn(h)) => h.is_finished(),
                None => false,
            };
            if !stale {
                continue;
            }
            match guard.take() {
                Some(Held::Ready(s)) => {
                    s.close().await;
                    closed += 1;
                }
                Some(Held::LoggingIn(h)) => {
                    if let Ok(Ok(s)) = h.await {
                        // Finished but never collected: keep it for the next scrape.
                        *guard = Some(Held::Ready(s));
                    }
                }
                None => {}
            }
        }
        closed
    }
}

/// Polls `target` over its CLI (SSH or Telnet) until `deadline` at the latest.
pub async fn collect(
    target: &Target,
    settings: &CliSettings,
    deadline: Instant,
    pool: &SessionPool,
    telemetry: &Telemetry,
) -> DeviceReport {
    let started = Instant::now();
    let deadline = tokio::time::Instant::from_std(deadline);
    let mut report = DeviceReport::default();
    let (system, interfaces_collector) = collectors(settings.transport);
    let slot = pool.slot(&target.name);
    let budget = deadline.saturating_duration_since(tokio::time::Instant::now());
    let result = timeout_at(deadline, async {
        let mut guard = slot.lock().await;
        let (mut session, reused) = match guard.take() {
            Some(Held::Ready(s)) if !s.is_closed() && s.last_used.elapsed() < settings.idle_timeout => (s, true),
            Some(Held::Ready(stale)) => {
                stale.close().await;
                (login(&mut guard, target, settings, telemetry).await?, false)
            }
            Some(Held::LoggingIn(pending)) => {
                *guard = Some(Held::LoggingIn(pending));
                (finish_login(&mut guard).await?, false)
            }
            None => (login(&mut guard, target, settings, telemetry).await?, false),
        };
        let mut outcome = run_all(&mut session, settings, target.collectors).await;
        // A kept session the device dropped in the meantime: log in again once, now.
        if reused && matches!(outcome, Err(CliError::Closed | CliError::Protocol(_))) {
            session.close().await;
            session = login(&mut guard, target, settings, telemetry).await?;
            outcome = run_all(&mut session, settings, target.collectors).await;
        }
        if outcome.is_ok() {
            *guard = Some(Held::Ready(session));
        }
        outcome
    })
    .await
    .unwrap_or(Err(CliError::Timeout(budget, "scrape deadline")));

    match result {
        Ok((version, interfaces, health, bgp, optics)) => {
            let mut info = version.value.info;
            if info.vendor.is_empty() {
                info.vendor = settings.platform.vendor().to_owned();
            }
            if let Some(v) = &target.vendor {
                info.vendor.clone_from(v);
            }
            report.up = true;
            report.info = Some(info);
            report.uptime_seconds = version.value.uptime_seconds;
            report.health = version.value.health;
            report.health.extend(health.value);
            report.interfaces = interfaces.value;
            report.bgp_peers = bgp.value;
            report.transceivers = parse::optics::place(optics.value, &report.interfaces);
            let renamed = parse::dedupe_names(&mut report.interfaces);
            if renamed > 0 {
                telemetry.event(Event::Anomaly {
                    device: &target.name,
                    kind: Anomaly::DuplicateInterfaceName,
                    count: renamed,
                    detail: settings.platform.name(),
                });
            }
            let skipped = version.skipped + interfaces.skipped + health.skipped + bgp.skipped + optics.skipped;
            if skipped > 0 {
                telemetry.event(Event::Anomaly {
                    device: &target.name,
                    kind: Anomaly::UnparsedCliLines,
                    count: skipped as u64,
                    detail: settings.platform.name(),
                });
            }
            for c in [system, interfaces_collector] {
                report.collectors.push(CollectorRun {
                    collector: c,
                    duration: started.elapsed(),
                    success: true,
                });
                telemetry.event(Event::PollFinished {
                    device: &target.name,
                    collector: c,
                    ok: true,
                });
            }
        }
        Err(e) => {
            // A rejected host key is not the account's fault: no backoff for it.
            report.auth_failed = matches!(e, CliError::Auth(_));
            telemetry.event(Event::PollFailed {
                device: &target.name,
                collector: system,
                reason: e.reason(),
                detail: &e.to_string(),
            });
            report.collectors.push(CollectorRun {
                collector: system,
                duration: started.elapsed(),
                success: false,
            });
        }
    }
    report
}

/// Logs in, reads the platform's version commands and logs out: what
/// `netgauge check --connect` says of a CLI target. No session is kept.
pub async fn identify(
    target: &Target,
    settings: &CliSettings,
    deadline: Instant,
) -> Result<crate::report::DeviceInfo, CliError> {
    let deadline = tokio::time::Instant::from_std(deadline);
    let budget = deadline.saturating_duration_since(tokio::time::Instant::now());
    timeout_at(deadline, async {
        let mut session = Session::open(&target.address.host, settings, settings.timeout.min(budget)).await?;
        let mut text = String::new();
        for cmd in commands(settings.platform).0 {
            text.push_str(&session.run(cmd, settings.timeout).await?);
            text.push('\n');
        }
        session.close().await;
        let mut info = settings.platform.parse_version(&text).value.info;
        if info.vendor.is_empty() {
            info.vendor = settings.platform.vendor().to_owned();
        }
        Ok(info)
    })
    .await
    .unwrap_or(Err(CliError::Timeout(budget, "check deadline")))
}

/// Starts a login in its own task, parks it in the slot, and waits for it.
/// If this scrape's deadline cancels the wait, the login goes on and the
/// next scrape finds it in the slot: a slow AAA server costs one scrape,
/// not every scrape, and the response is never late because of it.
async fn login(
    guard: &mut Option<Held>,
    target: &Target,
    settings: &CliSettings,
    telemetry: &Telemetry,
) -> Result<Session, CliError> {
    telemetry.event(Event::CliLogin {
        device: &target.name,
        transport: settings.transport_name(),
    });
    let (host, settings) = (target.address.host.clone(), settings.clone());
    let task = tokio::spawn(async move { Session::open(&host, &settings, settings.timeout).await });
    *guard = Some(Held::LoggingIn(task));
    finish_login(guard).await
}

/// Waits for the login parked in the slot; the slot keeps it until it is done.
async fn finish_login(guard: &mut Option<Held>) -> Result<Session, CliError> {
    let Some(Held::LoggingIn(task)) = guard.as_mut() else {
        return Err(CliError::Protocol("no login in progress".into()));
    };
    let done = task.await;
    *guard = None;
    done.unwrap_or_else(|e| Err(CliError::Protocol(format!("login task failed: {e}"))))
}

type Outputs = (
    Parsed<parse::Version>,
    Parsed<Vec<crate::report::Interface>>,
    Parsed<Vec<crate::report::HealthReading>>,
    Parsed<Vec<crate::report::BgpPeer>>,
    Parsed<Vec<crate::report::Transceiver>>,
);

async fn run_all(
    session: &mut Session,
    settings: &CliSettings,
    collectors: crate::config::Collectors,
) -> Result<Outputs, CliError> {
    let (version_cmds, interfaces_cmd) = commands(settings.platform);
    let mut version_text = String::new();
    for cmd in version_cmds {
        version_text.push_str(&session.run(cmd, settings.timeout).await?);
        version_text.push('\n');
    }
    let interfaces_text = session.run(interfaces_cmd, settings.timeout).await?;
    // A device that lacks a health command (or forbids it to this user) still has interfaces.
    let mut health_text = String::new();
    for cmd in settings.platform.health_commands() {
        match session.run(cmd, settings.timeout).await {
            Ok(text) => {
                health_text.push_str(&text);
                health_text.push('\n');
            }
            Err(CliError::Command { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    let health = settings.platform.parse_health(&health_text);
    // A device without BGP (or a user not allowed to look) answers with an
    // error: no peers, not a failed poll.
    let bgp = if !collectors.bgp {
        parse::Parsed::default()
    } else {
        match session.run(settings.platform.bgp_command(), settings.timeout).await {
            Ok(text) => settings.platform.parse_bgp(&text),
            Err(CliError::Command { .. }) => parse::Parsed::default(),
            Err(e) => return Err(e),
        }
    };
    let interfaces = settings.platform.parse_interfaces(&interfaces_text);
    // Likewise optics: a device without the command, or without optics, has none.
    let mut optics_text = String::new();
    if collectors.optics {
        for cmd in settings.platform.optics_commands(&interfaces.value) {
            match session.run(&cmd, settings.timeout).await {
                Ok(text) => {
                    optics_text.push_str(&text);
                    optics_text.push('\n');
                }
                Err(CliError::Command { .. }) => {}
                Err(e) => return Err(e),
            }
        }
    }
    Ok((
        settings.platform.parse_version(&version_text),
        interfaces,
        health,
        bgp,
        settings.platform.parse_optics(&optics_text),
    ))
}
