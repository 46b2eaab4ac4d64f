//! The CLI collector: the same report as the SNMP collector, from the
//! device's command line over SSH or Telnet, through one persistent session
//! per device.
//!
//! [`session`] holds the dialogue with a CLI (prompts, paging, commands)
//! over either transport, [`ssh`] and [`telnet`] carry the bytes, and
//! [`parse`] turns command output into report records.
//!
//! Neighbors and inventory change rarely and their commands can print
//! pages: they run on their own interval and are served from
//! [`crate::collector::cache`] between, a stale copy while the commands run
//! again after the scrape, on the same session.
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
use std::time::{Duration, Instant};

use tokio::time::timeout_at;

use self::parse::{Parsed, Platform};
use self::session::{CliError, Session};
use crate::collector::cache::{self, Caches, TableCache};
use crate::config::{CliSettings, CliTransport, Target};
use crate::report::{CollectorRun, DeviceReport, InventoryItem, Neighbor};
use crate::telemetry::{Anomaly, Event, Telemetry};

/// Collector names: (system, interfaces) per transport.
pub fn collectors(t: CliTransport) -> (&'static str, &'static str) {
    match t {
        CliTransport::Ssh => ("ssh_system", "ssh_interfaces"),
        CliTransport::Telnet => ("telnet_system", "telnet_interfaces"),
    }
}

/// Collector names of the cached tables: (neighbors, inventory) per transport.
pub fn table_collectors(t: CliTransport) -> (&'static str, &'static str) {
    match t {
        CliTransport::Ssh => ("ssh_neighbors", "ssh_inventory"),
        CliTransport::Telnet => ("telnet_neighbors", "telnet_inventory"),
    }
}

/// Shared across CLI polls. Owned (`Arc`) where a background refresh needs
/// it after the poll that started it has answered.
pub struct CliContext<'a> {
    pub sessions: &'a SessionPool,
    pub telemetry: &'a Arc<Telemetry>,
    pub caches: &'a Arc<Caches>,
    /// `global.neighbors_interval` and `global.inventory_interval`.
    pub neighbors_interval: Duration,
    pub inventory_interval: Duration,
}

/// The CLI tables cached between scrapes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Table {
    Neighbors,
    Inventory,
}

impl Table {
    /// The collector its runs are reported as.
    fn collector(self, t: CliTransport) -> &'static str {
        let (neighbors, inventory) = table_collectors(t);
        match self {
            Table::Neighbors => neighbors,
            Table::Inventory => inventory,
        }
    }
}

/// What one poll does about a cached table.
enum Plan<T> {
    /// Turned off, or the platform has no command for it.
    Off,
    /// From the cache, this old (seconds).
    Serve(Arc<T>, f64),
    /// Run its commands in this poll (nothing cached yet).
    Run,
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
pub async fn collect(target: &Target, settings: &CliSettings, deadline: Instant, ctx: &CliContext<'_>) -> DeviceReport {
    let telemetry: &Telemetry = ctx.telemetry;
    let started = Instant::now();
    let deadline = tokio::time::Instant::from_std(deadline);
    let mut report = DeviceReport::default();
    let (system, interfaces_collector) = collectors(settings.transport);
    let (neighbors_collector, inventory_collector) = table_collectors(settings.transport);
    let key = cache::key(&target.address, crate::poller::backoff::cli_fingerprint(settings));
    let mut refreshes = Vec::new();
    let neighbors = plan(
        &ctx.caches.cli_neighbors,
        target,
        key,
        target.collectors.neighbors && !settings.platform.neighbor_commands().is_empty(),
        target.neighbors_interval.unwrap_or(ctx.neighbors_interval),
        (Table::Neighbors, &mut refreshes),
    );
    let inventory = plan(
        &ctx.caches.cli_inventory,
        target,
        key,
        target.collectors.inventory && !settings.platform.inventory_commands().is_empty(),
        target.inventory_interval.unwrap_or(ctx.inventory_interval),
        (Table::Inventory, &mut refreshes),
    );
    let run_tables: Vec<Table> = [
        (Table::Neighbors, matches!(neighbors, Plan::Run)),
        (Table::Inventory, matches!(inventory, Plan::Run)),
    ]
    .into_iter()
    .filter_map(|(t, run)| run.then_some(t))
    .collect();
    let slot = ctx.sessions.slot(&target.name);
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
        let mut outcome = run_all(&mut session, settings, target.collectors, &run_tables).await;
        // A kept session the device dropped in the meantime: log in again once, now.
        if reused && matches!(outcome, Err(CliError::Closed | CliError::Protocol(_))) {
            session.close().await;
            session = login(&mut guard, target, settings, telemetry).await?;
            outcome = run_all(&mut session, settings, target.collectors, &run_tables).await;
        }
        if outcome.is_ok() {
            *guard = Some(Held::Ready(session));
        }
        outcome
    })
    .await
    .unwrap_or(Err(CliError::Timeout(budget, "scrape deadline")));

    match result {
        Ok(Outputs {
            version,
            interfaces,
            health,
            bgp,
            optics,
            tables,
        }) => {
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
            let mut skipped = version.skipped + interfaces.skipped + health.skipped + bgp.skipped + optics.skipped;
            let finished = |report: &mut DeviceReport, collector: &'static str| {
                report.collectors.push(CollectorRun {
                    collector,
                    duration: started.elapsed(),
                    success: true,
                });
                telemetry.event(Event::PollFinished {
                    device: &target.name,
                    collector,
                    ok: true,
                });
            };
            for walked in tables {
                skipped += walked.skipped();
                match walked {
                    Walked::Neighbors(p) => {
                        let rows = Arc::new(p.value);
                        ctx.caches.cli_neighbors.put(&target.name, key, None, rows.clone());
                        report.neighbors = parse::neighbors::place(&rows, &report.interfaces);
                        finished(&mut report, neighbors_collector);
                    }
                    Walked::Inventory(p) => {
                        let rows = Arc::new(p.value);
                        ctx.caches.cli_inventory.put(&target.name, key, None, rows.clone());
                        report.inventory = rows.to_vec();
                        finished(&mut report, inventory_collector);
                    }
                }
            }
            if let Plan::Serve(rows, age) = &neighbors {
                report.neighbors = parse::neighbors::place(rows, &report.interfaces);
                report.served_from_cache(neighbors_collector, *age);
            }
            if let Plan::Serve(rows, age) = &inventory {
                report.inventory = rows.to_vec();
                report.served_from_cache(inventory_collector, *age);
            }
            if !refreshes.is_empty() {
                refresh_in_background(slot.clone(), target, settings, key, ctx, refreshes);
            }
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

/// What one poll's commands gave.
struct Outputs {
    version: Parsed<parse::Version>,
    interfaces: Parsed<Vec<crate::report::Interface>>,
    health: Parsed<Vec<crate::report::HealthReading>>,
    bgp: Parsed<Vec<crate::report::BgpPeer>>,
    optics: Parsed<Vec<crate::report::Transceiver>>,
    /// The cached tables this poll ran the commands of.
    tables: Vec<Walked>,
}

/// A cached table's commands, run and parsed.
enum Walked {
    Neighbors(Parsed<Vec<Neighbor>>),
    Inventory(Parsed<Vec<InventoryItem>>),
}

impl Walked {
    fn skipped(&self) -> usize {
        match self {
            Walked::Neighbors(p) => p.skipped,
            Walked::Inventory(p) => p.skipped,
        }
    }
}

/// What this poll does about one cached table; a stale one is served and
/// its [`cache::Refresh`] (when this poll is the one to run it) added to
/// `refreshes`.
fn plan<T>(
    cache: &TableCache<T>,
    target: &Target,
    key: u64,
    enabled: bool,
    interval: Duration,
    (table, refreshes): (Table, &mut Vec<(Table, cache::Refresh)>),
) -> Plan<T> {
    if !enabled {
        return Plan::Off;
    }
    // The CLI has no change marker: the interval alone decides.
    match cache.lookup(&target.name, key, None, interval) {
        cache::Lookup::Fresh(rows, age) => Plan::Serve(rows, age.as_secs_f64()),
        cache::Lookup::Stale(rows, age, refresh) => {
            refreshes.extend(refresh.map(|r| (table, r)));
            Plan::Serve(rows, age.as_secs_f64())
        }
        cache::Lookup::Missing => Plan::Run,
    }
}

/// The outputs of `cmds`, one after the other. A command the device lacks
/// (or forbids this user) adds nothing; any other error ends the session's
/// turn.
async fn outputs<S: AsRef<str>>(session: &mut Session, cmds: &[S], timeout: Duration) -> Result<String, CliError> {
    let mut text = String::new();
    for cmd in cmds {
        match session.run(cmd.as_ref(), timeout).await {
            Ok(out) => {
                text.push_str(&out);
                text.push('\n');
            }
            Err(CliError::Command { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(text)
}

/// Runs and parses a cached table's commands.
async fn walk(session: &mut Session, settings: &CliSettings, table: Table) -> Result<Walked, CliError> {
    let p = settings.platform;
    Ok(match table {
        Table::Neighbors => {
            Walked::Neighbors(p.parse_neighbors(&outputs(session, p.neighbor_commands(), settings.timeout).await?))
        }
        Table::Inventory => {
            Walked::Inventory(p.parse_inventory(&outputs(session, p.inventory_commands(), settings.timeout).await?))
        }
    })
}

/// Runs stale tables' commands again on a task of its own, once the poll
/// that found them stale has answered from the cache and put its session
/// back: the task takes the session in turn (a CLI runs one command at a
/// time, so a scrape arriving meanwhile waits for it, as it would for
/// another scrape), and returns it. With no session ready (the poll's was
/// dropped), nothing runs: the next scrape tries again.
fn refresh_in_background(
    slot: Slot,
    target: &Target,
    settings: &CliSettings,
    key: u64,
    ctx: &CliContext<'_>,
    refreshes: Vec<(Table, cache::Refresh)>,
) {
    let device = target.name.clone();
    let settings = settings.clone();
    let (telemetry, caches) = (ctx.telemetry.clone(), ctx.caches.clone());
    tokio::spawn(async move {
        let work = async {
            let mut guard = slot.lock().await;
            let mut session = match guard.take() {
                Some(Held::Ready(s)) if !s.is_closed() => s,
                other => {
                    *guard = other;
                    return Ok(());
                }
            };
            for (table, _refresh) in &refreshes {
                let walked = match walk(&mut session, &settings, *table).await {
                    Ok(w) => w,
                    Err(e) => {
                        session.close().await;
                        return Err((*table, e));
                    }
                };
                if walked.skipped() > 0 {
                    telemetry.event(Event::Anomaly {
                        device: &device,
                        kind: Anomaly::UnparsedCliLines,
                        count: walked.skipped() as u64,
                        detail: settings.platform.name(),
                    });
                }
                match walked {
                    Walked::Neighbors(p) => caches.cli_neighbors.put(&device, key, None, Arc::new(p.value)),
                    Walked::Inventory(p) => caches.cli_inventory.put(&device, key, None, Arc::new(p.value)),
                }
                telemetry.event(Event::PollFinished {
                    device: &device,
                    collector: table.collector(settings.transport),
                    ok: true,
                });
            }
            *guard = Some(Held::Ready(session));
            Ok(())
        };
        let failed = match tokio::time::timeout(cache::REFRESH_DEADLINE, work).await {
            Ok(Ok(())) => None,
            Ok(Err((table, e))) => Some((table, e)),
            Err(_) => refreshes
                .first()
                .map(|(t, _)| (*t, CliError::Timeout(cache::REFRESH_DEADLINE, "background refresh"))),
        };
        // The stale rows stay served; the next scrape tries again.
        if let Some((table, e)) = failed {
            telemetry.event(Event::PollFailed {
                device: &device,
                collector: table.collector(settings.transport),
                reason: e.reason(),
                detail: &format!("background refresh: {e}"),
            });
        }
    });
}

async fn run_all(
    session: &mut Session,
    settings: &CliSettings,
    collectors: crate::config::Collectors,
    tables: &[Table],
) -> Result<Outputs, CliError> {
    let (version_cmds, interfaces_cmd) = commands(settings.platform);
    let version_text = outputs_all(session, version_cmds, settings.timeout).await?;
    let interfaces_text = session.run(interfaces_cmd, settings.timeout).await?;
    // A device that lacks a health command (or forbids it to this user) still has interfaces.
    let health_text = outputs(session, settings.platform.health_commands(), settings.timeout).await?;
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
    let optics_text = if collectors.optics {
        outputs(
            session,
            &settings.platform.optics_commands(&interfaces.value),
            settings.timeout,
        )
        .await?
    } else {
        String::new()
    };
    let mut walked = Vec::with_capacity(tables.len());
    for table in tables {
        walked.push(walk(session, settings, *table).await?);
    }
    Ok(Outputs {
        version: settings.platform.parse_version(&version_text),
        interfaces,
        health,
        bgp,
        optics: settings.platform.parse_optics(&optics_text),
        tables: walked,
    })
}

/// The outputs of `cmds`, every one of which must succeed.
async fn outputs_all(session: &mut Session, cmds: &[&str], timeout: Duration) -> Result<String, CliError> {
    let mut text = String::new();
    for cmd in cmds {
        text.push_str(&session.run(cmd, timeout).await?);
        text.push('\n');
    }
    Ok(text)
}
