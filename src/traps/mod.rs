//! The SNMP notification receiver: traps and informs in, Alertmanager
//! alerts out, resolved by the matching notification, by a poll that sees
//! the interface up again, or by `traps.ttl`.
//!
//! Data flows one way, like the exporter's: [`receiver`] (the socket:
//! [`decode`] and [`usm`] turn datagrams into notifications, [`sources`]
//! says who sent them and whether they may, [`definitions`] what they
//! mean) → the [`alerts::Book`] → [`pusher`] (to every Alertmanager).
//! The poller's interface directory feeds the book too (a poll that sees
//! a port up resolves its linkDown), and [`store`] keeps the book and the
//! engine ID across restarts. The book lives in [`Shared`], beside the
//! config a reload swaps, so a reload never forgets a firing alert.

pub mod alerts;
pub mod ber;
pub mod decode;
pub mod definitions;
pub mod pusher;
pub mod receiver;
pub mod sources;
pub mod store;
pub mod usm;

#[cfg(test)]
mod proptests;

use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::watch;

use crate::metrics::{Desc, Kind, MetricSet};
use crate::server::supervise;
use crate::state::AppState;

pub const TRAP_ALERTS_ACTIVE: Desc = Desc {
    name: "netgauge_trap_alerts_active",
    help: "Alerts raised by SNMP notifications that are firing now.",
    kind: Kind::Gauge,
};

/// What the receiver's tasks share, and what outlives reloads.
pub struct Shared {
    book: Mutex<alerts::Book>,
    /// Bumped when the book changes: wakes every Alertmanager's sender.
    kick: watch::Sender<u64>,
    /// One bit per configured Alertmanager.
    all_delivered: AtomicU64,
    /// The book changed since the state file was written.
    dirty: AtomicBool,
    /// netgauge's engine ID, boot count and start (for v3 informs).
    engine: Mutex<(Vec<u8>, i64, Instant)>,
    /// One writer of the state file at a time.
    saving: Mutex<()>,
    /// Whether the state file may be written (not after it failed to load,
    /// until it is moved aside).
    may_save: AtomicBool,
    /// The receiver's socket is bound: notifications sent now are received
    /// (before it, they are lost). `/-/ready` waits for it.
    listening: AtomicBool,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            book: Mutex::new(alerts::Book::default()),
            kick: watch::channel(0).0,
            all_delivered: AtomicU64::new(1),
            dirty: AtomicBool::new(false),
            engine: Mutex::new((usm::new_engine_id(), boots_without_state(), Instant::now())),
            saving: Mutex::new(()),
            listening: AtomicBool::new(false),
            may_save: AtomicBool::new(true),
        }
    }
}

impl Shared {
    pub fn book(&self) -> MutexGuard<'_, alerts::Book> {
        self.book.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The book changed: tell Alertmanager, and write the state file.
    pub fn changed(&self) {
        self.dirty.store(true, Ordering::Relaxed);
        self.kick.send_modify(|g| *g = g.wrapping_add(1));
    }

    pub fn state_changed(&self) {
        self.dirty.store(true, Ordering::Relaxed);
    }

    /// Whether the trap receiver's socket is bound.
    pub fn listening(&self) -> bool {
        self.listening.load(Ordering::Relaxed)
    }

    pub(crate) fn set_listening(&self, on: bool) {
        self.listening.store(on, Ordering::Relaxed);
    }

    pub fn engine_id(&self) -> (Vec<u8>, i64, Instant) {
        self.engine
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The receiver's own series.
    pub fn render(&self, set: &mut MetricSet) {
        set.push(&TRAP_ALERTS_ACTIVE, vec![], self.book().firing() as f64);
    }
}

/// snmpEngineBoots when there is no state file to count restarts in:
/// minutes since 2020, so it grows across restarts a minute apart (a
/// sender refuses a clock that went back within the same boot count).
fn boots_without_state() -> i64 {
    ((unix_now() as i64 - 1_577_836_800) / 60).clamp(1, i64::from(i32::MAX) - 1)
}

pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Runs the receiver, the pusher and the book's upkeep until `shutdown`;
/// then writes the state file one last time. Idle (a sleep a second)
/// while the config has no `traps:` section; a reload that adds one
/// starts it.
pub async fn run(state: Arc<AppState>, shutdown: impl Future<Output = ()>) {
    let shared = state.traps.clone();
    tokio::pin!(shutdown);
    // Nothing to do (and no state file to read) until a config has `traps:`.
    while state.live().config.traps.is_none() {
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(1)) => {},
            () = &mut shutdown => return,
        }
    }
    restore(&state, &shared);
    tokio::select! {
        () = supervise("receiver", state.telemetry.clone(), || receiver::run(state.clone(), shared.clone())) => {},
        () = supervise("pusher", state.telemetry.clone(), || pusher::run(state.clone(), shared.clone())) => {},
        () = supervise("upkeep", state.telemetry.clone(), || upkeep(state.clone(), shared.clone())) => {},
        () = &mut shutdown => {},
    }
    save(&state, &shared);
}

/// Loads the state file named by the config at start: active alerts, the
/// engine ID and boot count (incremented: a v3 sender must see a new boot).
fn restore(state: &AppState, shared: &Shared) {
    let live = state.live();
    let Some(tc) = &live.config.traps else { return };
    let mut saved = match tc.state_file.as_deref().map(|p| (p, store::load(p))) {
        Some((_, Ok(s))) => s,
        Some((path, Err(e))) => {
            // Moved aside for inspection (not overwritten); starting empty
            // beats not starting.
            match crate::statefile::move_aside(path) {
                Ok(aside) => {
                    tracing::error!(error = %e, moved_to = %aside.display(), "trap state file unreadable; starting without its alerts")
                }
                Err(mv) => {
                    tracing::error!(error = %e, rename_error = %mv, "trap state file unreadable and cannot be moved aside; not writing it");
                    shared.may_save.store(false, Ordering::Relaxed);
                }
            }
            store::Saved::default()
        }
        None => store::Saved::default(),
    };
    let engine_id = tc
        .engine_id
        .clone()
        .or_else(|| store::unhex(&saved.engine_id).filter(|e| e.len() >= 5))
        .unwrap_or_else(usm::new_engine_id);
    let boots = match tc.state_file {
        Some(_) if saved.engine_boots > 0 => saved.engine_boots.saturating_add(1).min(i64::from(i32::MAX) - 1),
        _ => boots_without_state(),
    };
    *shared.engine.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = (engine_id, boots, Instant::now());
    let n = saved.alerts.len();
    shared.book().restore(
        std::mem::take(&mut saved.alerts)
            .into_iter()
            .map(|a| (a.key, a.alert))
            .collect(),
    );
    if n > 0 {
        tracing::info!(alerts = n, "trap alerts restored from the state file");
    }
    shared.changed();
    save(state, shared);
}

fn save(state: &AppState, shared: &Shared) {
    let live = state.live();
    let Some(path) = live.config.traps.as_ref().and_then(|t| t.state_file.clone()) else {
        return;
    };
    if !shared.may_save.load(Ordering::Relaxed) {
        return;
    }
    let _one_writer = shared.saving.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let (engine_id, boots, _) = shared.engine_id();
    let saved = store::Saved {
        version: 1,
        engine_id: store::hex(&engine_id),
        engine_boots: boots,
        alerts: shared
            .book()
            .alerts()
            .map(|(k, a)| store::SavedAlert {
                key: k.clone(),
                alert: a.clone(),
            })
            .collect(),
    };
    shared.dirty.store(false, Ordering::Relaxed);
    if let Err(e) = store::save(&path, &saved) {
        tracing::error!(error = %e, "cannot write the trap state file");
        shared.dirty.store(true, Ordering::Relaxed);
    }
}

/// Resolves interface alerts a poll saw recover, resolves alerts past
/// their ttl, and writes the state file (at most once a second).
async fn upkeep(state: Arc<AppState>, shared: Arc<Shared>) {
    let directory = state.kept.directory.clone();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            devices = directory.changed() => {
                let now = unix_now();
                let mut n = 0;
                for d in devices {
                    n += shared.book().resolve_recovered(&d, now, |i, since| {
                        let since = SystemTime::UNIX_EPOCH + Duration::from_secs_f64(since.max(0.0));
                        directory.up_since(&d, i, since)
                    });
                }
                if n > 0 {
                    tracing::info!(alerts = n, "trap alerts resolved: a poll saw the interface up");
                    shared.changed();
                }
            }
            _ = tick.tick() => {
                let all = shared.all_delivered.load(Ordering::Relaxed);
                if shared.book().expire(unix_now(), all) > 0 {
                    shared.changed();
                }
                if shared.dirty.load(Ordering::Relaxed) {
                    let state = state.clone();
                    let shared = shared.clone();
                    // File I/O off the async threads.
                    let _ = tokio::task::spawn_blocking(move || save(&state, &shared)).await;
                }
            }
        }
    }
}
