//! Polls in flight, shared: a scrape of a target that is already being
//! polled waits for that poll's report instead of polling the device again.
//!
//! Without this, every concurrent scrape polled every device once more: an
//! HA pair of Prometheus servers doubled each device's load, and a burst of
//! scrapes ran out of poll slots and reported healthy devices as down. A
//! finished report can also answer scrapes for a short while after
//! (`global.poll_reuse_window`, off by default), for HA pairs that scrape
//! at nearly the same instant.
//!
//! The poll runs in the scrape that started it (the leader), so nothing is
//! spawned and a reload's poller owns nothing that outlives it. When the
//! leader's scrape is dropped (its client went away) before the report is
//! ready, its waiters see the channel close and one of them polls instead.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use crate::report::DeviceReport;

type Slot = watch::Receiver<Option<Arc<DeviceReport>>>;

struct InFlight {
    /// When the leader's poll gives up: a waiter with an earlier deadline
    /// polls on its own rather than wait past it.
    deadline: Instant,
    /// Tells this flight from a later one of the same target.
    id: u64,
    report: Slot,
}

#[derive(Default)]
struct Table {
    in_flight: HashMap<String, InFlight>,
    /// Finished reports, kept for the reuse window.
    recent: HashMap<String, (Instant, Arc<DeviceReport>)>,
    next_id: u64,
}

/// The polls in flight (and, with a reuse window, just finished) per target.
pub struct Flights {
    table: Mutex<Table>,
    reuse_window: Duration,
}

/// What a scrape should do about one target.
pub enum Turn {
    /// Poll it, and hand the report to [`Leader::finish`].
    Lead(Leader),
    /// Wait for this poll in flight.
    Join(Slot),
    /// A report finished within the reuse window.
    Reuse(Arc<DeviceReport>),
    /// A poll is in flight, but past this scrape's deadline: poll alone,
    /// without registering (the earlier flight keeps its waiters).
    Alone,
}

/// The scrape that polls; its waiters are released by [`Leader::finish`],
/// or by the drop of an unfinished leader (the channel closes).
pub struct Leader {
    flights: Arc<Flights>,
    target: String,
    id: u64,
    tx: watch::Sender<Option<Arc<DeviceReport>>>,
}

impl Flights {
    pub fn new(reuse_window: Duration) -> Arc<Flights> {
        Arc::new(Flights {
            table: Mutex::new(Table::default()),
            reuse_window,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // The table holds plain values that a panic elsewhere cannot leave half-written.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Decides what a scrape with `deadline` does about `target`.
    pub fn turn(self: &Arc<Self>, target: &str, deadline: Instant) -> Turn {
        let now = Instant::now();
        let mut t = self.lock();
        if let Some((at, report)) = t.recent.get(target) {
            if now.saturating_duration_since(*at) <= self.reuse_window {
                return Turn::Reuse(report.clone());
            }
            t.recent.remove(target);
        }
        if let Some(f) = t.in_flight.get(target) {
            // A closed channel is a leader that was dropped: take its place.
            if f.report.has_changed().is_ok() {
                return if f.deadline <= deadline {
                    Turn::Join(f.report.clone())
                } else {
                    Turn::Alone
                };
            }
        }
        t.next_id += 1;
        let id = t.next_id;
        let (tx, rx) = watch::channel(None);
        t.in_flight.insert(
            target.to_owned(),
            InFlight {
                deadline,
                id,
                report: rx,
            },
        );
        Turn::Lead(Leader {
            flights: self.clone(),
            target: target.to_owned(),
            id,
            tx,
        })
    }
}

impl Leader {
    /// Hands the report to every waiter and keeps it for the reuse window.
    pub fn finish(self, report: Arc<DeviceReport>) {
        if !self.flights.reuse_window.is_zero() {
            let mut t = self.flights.lock();
            t.recent.insert(self.target.clone(), (Instant::now(), report.clone()));
        }
        // No receiver left is fine: nobody joined.
        let _ = self.tx.send(Some(report));
        // Drop removes the in-flight entry.
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        let mut t = self.flights.lock();
        if t.in_flight.get(&self.target).is_some_and(|f| f.id == self.id) {
            t.in_flight.remove(&self.target);
        }
    }
}

/// Waits for a joined flight's report until `deadline`. `None`: the leader
/// went away without one (poll again), or the deadline passed.
pub async fn wait(mut slot: Slot, deadline: Instant) -> Result<Arc<DeviceReport>, Missed> {
    let waited =
        tokio::time::timeout_at(tokio::time::Instant::from_std(deadline), slot.wait_for(|r| r.is_some())).await;
    match waited {
        Err(_) => Err(Missed::Deadline),
        Ok(Err(_)) => Err(Missed::LeaderGone),
        Ok(Ok(r)) => match r.as_ref() {
            Some(report) => Ok(report.clone()),
            None => Err(Missed::LeaderGone),
        },
    }
}

/// Why a waiter got no report.
#[derive(Debug, PartialEq)]
pub enum Missed {
    Deadline,
    LeaderGone,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(up: bool) -> Arc<DeviceReport> {
        Arc::new(DeviceReport {
            up,
            ..DeviceReport::default()
        })
    }

    fn soon(ms: u64) -> Instant {
        Instant::now() + Duration::from_millis(ms)
    }

    #[tokio::test]
    async fn concurrent_scrapes_of_one_device_share_one_poll() {
        let f = Flights::new(Duration::ZERO);
        let Turn::Lead(leader) = f.turn("sw1", soon(1000)) else {
            panic!("first is the leader")
        };
        let Turn::Join(a) = f.turn("sw1", soon(2000)) else {
            panic!("joins")
        };
        let Turn::Join(b) = f.turn("sw1", soon(2000)) else {
            panic!("joins")
        };
        assert!(
            matches!(f.turn("sw2", soon(1000)), Turn::Lead(_)),
            "another device is its own flight"
        );
        leader.finish(report(true));
        assert!(wait(a, soon(100)).await.unwrap().up);
        assert!(wait(b, soon(100)).await.unwrap().up);
        // Finished, no reuse window: the next scrape polls again.
        assert!(matches!(f.turn("sw1", soon(1000)), Turn::Lead(_)));
    }

    #[tokio::test]
    async fn a_waiter_whose_deadline_is_earlier_polls_alone() {
        let f = Flights::new(Duration::ZERO);
        let _leader = f.turn("sw1", soon(5000));
        assert!(matches!(f.turn("sw1", soon(1000)), Turn::Alone));
    }

    #[tokio::test]
    async fn a_dropped_leader_releases_its_waiters_to_poll_again() {
        let f = Flights::new(Duration::ZERO);
        let leader = f.turn("sw1", soon(1000));
        let Turn::Join(slot) = f.turn("sw1", soon(1000)) else {
            panic!("joins")
        };
        drop(leader);
        assert_eq!(wait(slot, soon(1000)).await.unwrap_err(), Missed::LeaderGone);
        assert!(matches!(f.turn("sw1", soon(1000)), Turn::Lead(_)));
    }

    #[tokio::test]
    async fn a_waiter_stops_at_its_own_deadline() {
        let f = Flights::new(Duration::ZERO);
        let _leader = f.turn("sw1", soon(50));
        let Turn::Join(slot) = f.turn("sw1", soon(60)) else {
            panic!("joins")
        };
        assert_eq!(wait(slot, soon(20)).await.unwrap_err(), Missed::Deadline);
    }

    #[tokio::test]
    async fn a_report_is_reused_within_the_window_only() {
        let f = Flights::new(Duration::from_millis(200));
        let Turn::Lead(leader) = f.turn("sw1", soon(1000)) else {
            panic!()
        };
        leader.finish(report(true));
        assert!(matches!(f.turn("sw1", soon(1000)), Turn::Reuse(r) if r.up));
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(matches!(f.turn("sw1", soon(1000)), Turn::Lead(_)));
    }
}
