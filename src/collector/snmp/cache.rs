//! Tables walked on their own interval and served from a cache on the
//! scrapes in between: neighbors (LLDP, CDP) and the ENTITY-MIB inventory
//! change rarely and can run to thousands of rows.
//!
//! An entry belongs to one device's address and credentials (`key`): a
//! reload that changes either starts it over. A `marker` the device
//! reports on every poll for free (entLastChangeTime,
//! lldpStatsRemTablesLastChangeTime, read with the system group) ends an
//! entry early when it moves: new hardware or a new neighbor shows up on
//! the next scrape, not an interval later.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

struct Entry<T> {
    key: u64,
    marker: Option<u64>,
    walked: Instant,
    value: Arc<T>,
}

/// One table's cache, by device name.
pub struct TableCache<T> {
    entries: Mutex<HashMap<String, Entry<T>>>,
}

impl<T> Default for TableCache<T> {
    fn default() -> Self {
        TableCache {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<T> TableCache<T> {
    /// The cached value and its age, while it is younger than `interval`,
    /// belongs to `key` and the device's `marker` has not moved.
    pub fn fresh(&self, device: &str, key: u64, marker: Option<u64>, interval: Duration) -> Option<(Arc<T>, Duration)> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let e = entries.get(device)?;
        let age = e.walked.elapsed();
        let moved = matches!((e.marker, marker), (Some(a), Some(b)) if a != b);
        (e.key == key && !moved && age < interval).then(|| (e.value.clone(), age))
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

    #[test]
    fn an_entry_serves_until_its_interval_its_key_or_its_marker_changes() {
        let c: TableCache<u32> = TableCache::default();
        let hour = Duration::from_secs(3600);
        assert!(c.fresh("a", 1, None, hour).is_none());
        c.put("a", 1, Some(100), Arc::new(7));
        assert_eq!(c.fresh("a", 1, Some(100), hour).map(|(v, _)| *v), Some(7));
        // No marker this poll (a v1 agent, a lost varbind): the interval decides.
        assert!(c.fresh("a", 1, None, hour).is_some());
        assert!(c.fresh("a", 1, Some(101), hour).is_none(), "the marker moved");
        assert!(c.fresh("a", 2, Some(100), hour).is_none(), "other credentials");
        assert!(c.fresh("a", 1, Some(100), Duration::ZERO).is_none(), "interval over");
        c.retain(|d| d != "a");
        assert!(c.fresh("a", 1, Some(100), hour).is_none());
    }
}
