//! Tables walked on their own interval and served from a cache on the
//! scrapes in between: neighbors (LLDP, CDP) and the ENTITY-MIB inventory
//! change rarely and can run to thousands of rows.
//!
//! An entry belongs to one device's address and credentials (`key`): a
//! reload that changes either starts it over, one that does not keeps it
//! (the caches outlive pollers, see [`Caches`]). A `marker` the device
//! reports on every poll for free (entLastChangeTime,
//! lldpStatsRemTablesLastChangeTime, read with the system group) makes an
//! entry stale early when it moves: new hardware or a new neighbor shows
//! up a scrape later, not an interval later.
//!
//! A stale entry is still served while one refresh per device and table
//! runs in the background ([`Lookup::Stale`] hands out the [`Refresh`]
//! that says who walks): a scrape never waits for a walk it does not need
//! to answer.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::snmp::{entity::Entities, neighbors::Found};
use crate::report::{InventoryItem, Neighbor};

/// How long a background refresh may take (waiting for a CLI session
/// included): it keeps no scrape waiting, and a core switch's thousands of
/// LLDP or ENTITY rows may take longer than a scrape allows.
pub const REFRESH_DEADLINE: Duration = Duration::from_secs(120);

/// What a device's cached tables belong to: its address and the
/// fingerprint of its credentials (another of either starts over).
pub fn key(address: &crate::config::Address, credentials: u64) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    address.to_string().hash(&mut h);
    credentials.hash(&mut h);
    h.finish()
}

/// The cached tables of every device; shared by the pollers before and
/// after a reload.
#[derive(Default)]
pub struct Caches {
    /// SNMP: the ENTITY-MIB snapshot (health, optics and the inventory read
    /// it) and the LLDP/CDP tables.
    pub entities: TableCache<Entities>,
    pub neighbors: TableCache<Vec<Found>>,
    /// SNMP: whether a device has shown BGP sessions: one whose tables were
    /// only ever empty (most of a fleet) is not walked again before its
    /// neighbors interval.
    pub bgp: TableCache<bool>,
    /// CLI: the parsed neighbor and inventory commands (a device polled
    /// both ways has both).
    pub cli_neighbors: TableCache<Vec<Neighbor>>,
    pub cli_inventory: TableCache<Vec<InventoryItem>>,
}

impl Caches {
    /// Forgets devices no longer configured.
    pub fn retain(&self, keep: impl Fn(&str) -> bool) {
        self.entities.retain(&keep);
        self.neighbors.retain(&keep);
        self.bgp.retain(&keep);
        self.cli_neighbors.retain(&keep);
        self.cli_inventory.retain(&keep);
    }
}

struct Entry<T> {
    key: u64,
    marker: Option<u64>,
    walked: Instant,
    value: Arc<T>,
}

/// One table's cache, by device name.
pub struct TableCache<T> {
    entries: Mutex<HashMap<String, Entry<T>>>,
    /// Devices whose table is being walked in the background now.
    refreshing: Arc<Mutex<HashSet<String>>>,
}

impl<T> Default for TableCache<T> {
    fn default() -> Self {
        TableCache {
            entries: Mutex::new(HashMap::new()),
            refreshing: Arc::default(),
        }
    }
}

/// What the cache has for a device.
pub enum Lookup<T> {
    /// Younger than the interval, same key, marker unmoved: serve it.
    Fresh(Arc<T>, Duration),
    /// Serve it too, but it is due: the [`Refresh`] is this caller's to run
    /// unless another caller's refresh is already under way (`None`).
    Stale(Arc<T>, Duration, Option<Refresh>),
    /// Nothing for this key (first poll, or new address or credentials):
    /// walk now.
    Missing,
}

/// The right to walk one device's table in the background; dropping it
/// (walk done or failed) lets the next stale lookup start another.
pub struct Refresh {
    device: String,
    refreshing: Arc<Mutex<HashSet<String>>>,
}

impl Drop for Refresh {
    fn drop(&mut self) {
        self.refreshing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.device);
    }
}

impl<T> TableCache<T> {
    pub fn lookup(&self, device: &str, key: u64, marker: Option<u64>, interval: Duration) -> Lookup<T> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(e) = entries.get(device).filter(|e| e.key == key) else {
            return Lookup::Missing;
        };
        let age = e.walked.elapsed();
        // No marker this poll (a v1 agent, a lost varbind): the interval
        // decides. A marker where the walk had none (an LLDP subagent that
        // registered after it) has moved: the walk may have missed its rows.
        let moved = marker.is_some() && e.marker != marker;
        if !moved && age < interval {
            return Lookup::Fresh(e.value.clone(), age);
        }
        let mut refreshing = self.refreshing.lock().unwrap_or_else(PoisonError::into_inner);
        let refresh = refreshing.insert(device.to_owned()).then(|| Refresh {
            device: device.to_owned(),
            refreshing: self.refreshing.clone(),
        });
        Lookup::Stale(e.value.clone(), age, refresh)
    }

    pub fn put(&self, device: &str, key: u64, marker: Option<u64>, value: Arc<T>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.insert(
            device.to_owned(),
            Entry {
                key,
                marker,
                walked: Instant::now(),
                value,
            },
        );
    }

    /// Forgets devices no longer configured.
    pub fn retain(&self, keep: impl Fn(&str) -> bool) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|d, _| keep(d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn served(l: Lookup<u32>) -> Option<(u32, &'static str)> {
        match l {
            Lookup::Fresh(v, _) => Some((*v, "fresh")),
            Lookup::Stale(v, _, Some(_)) => Some((*v, "stale, refresh it")),
            Lookup::Stale(v, _, None) => Some((*v, "stale, being refreshed")),
            Lookup::Missing => None,
        }
    }

    #[test]
    fn an_entry_is_fresh_until_its_interval_or_its_marker_moves_and_gone_with_its_key() {
        let c: TableCache<u32> = TableCache::default();
        let hour = Duration::from_secs(3600);
        assert_eq!(served(c.lookup("a", 1, None, hour)), None);
        c.put("a", 1, Some(100), Arc::new(7));
        assert_eq!(served(c.lookup("a", 1, Some(100), hour)), Some((7, "fresh")));
        assert_eq!(served(c.lookup("a", 1, None, hour)), Some((7, "fresh")));
        assert_eq!(served(c.lookup("a", 2, Some(100), hour)), None, "other credentials");
        assert_eq!(
            served(c.lookup("a", 1, Some(101), hour)),
            Some((7, "stale, refresh it")),
            "the marker moved"
        );
        assert_eq!(
            served(c.lookup("a", 1, Some(100), Duration::ZERO)),
            Some((7, "stale, refresh it")),
            "interval over (the first refresh was dropped unused)"
        );
        c.retain(|d| d != "a");
        assert_eq!(served(c.lookup("a", 1, Some(100), hour)), None);
    }

    #[test]
    fn a_marker_that_appears_after_a_walk_without_one_makes_it_stale() {
        let c: TableCache<u32> = TableCache::default();
        c.put("a", 1, None, Arc::new(0));
        let hour = Duration::from_secs(3600);
        assert_eq!(served(c.lookup("a", 1, None, hour)), Some((0, "fresh")));
        assert_eq!(
            served(c.lookup("a", 1, Some(400), hour)),
            Some((0, "stale, refresh it"))
        );
    }

    #[test]
    fn one_refresh_per_device_runs_at_a_time() {
        let c: TableCache<u32> = TableCache::default();
        c.put("a", 1, None, Arc::new(7));
        c.put("b", 1, None, Arc::new(8));
        let Lookup::Stale(_, _, Some(first)) = c.lookup("a", 1, None, Duration::ZERO) else {
            panic!("the first stale lookup refreshes")
        };
        assert_eq!(
            served(c.lookup("a", 1, None, Duration::ZERO)),
            Some((7, "stale, being refreshed"))
        );
        assert_eq!(
            served(c.lookup("b", 1, None, Duration::ZERO)),
            Some((8, "stale, refresh it")),
            "other devices refresh on their own"
        );
        drop(first);
        assert_eq!(
            served(c.lookup("a", 1, None, Duration::ZERO)),
            Some((7, "stale, refresh it"))
        );
    }
}
