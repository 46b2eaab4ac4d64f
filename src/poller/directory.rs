//! What the last poll of each device said about its interfaces, by
//! ifIndex: the name, description and operational state that the trap
//! receiver needs to label a linkDown like the polled series, and to
//! resolve it when a poll sees the port up again.
//!
//! Every successful poll refreshes its device's entry. The directory
//! outlives reloads (it is kept in `AppState` like the auth backoff) and
//! drops a device only when a reload removes it or changes its address.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::SystemTime;

use tokio::sync::Notify;

use crate::config::Target;
use crate::report::DeviceReport;

/// One interface as last polled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub name: String,
    pub description: String,
    pub oper_up: Option<bool>,
}

struct Device {
    /// The address the entry was polled at; another address is another device.
    address: String,
    ports: HashMap<u64, Port>,
    polled_at: SystemTime,
}

#[derive(Default)]
struct Inner {
    devices: HashMap<String, Device>,
    /// Devices updated since the last [`Directory::changed`].
    dirty: HashSet<String>,
}

#[derive(Default)]
pub struct Directory {
    inner: Mutex<Inner>,
    notify: Notify,
}

impl Directory {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records what a poll of `target` saw (only polls that reached the
    /// device and listed interfaces with their ifIndex).
    pub fn update(&self, target: &Target, report: &DeviceReport) {
        if !report.up {
            return;
        }
        let ports: HashMap<u64, Port> = report
            .interfaces
            .iter()
            .filter_map(|i| {
                Some((
                    i.index?,
                    Port {
                        name: i.name.clone(),
                        description: i.description.clone(),
                        oper_up: i.oper_up,
                    },
                ))
            })
            .collect();
        if ports.is_empty() {
            return;
        }
        let mut inner = self.lock();
        inner.devices.insert(
            target.name.clone(),
            Device {
                address: target.address.to_string(),
                ports,
                polled_at: SystemTime::now(),
            },
        );
        inner.dirty.insert(target.name.clone());
        drop(inner);
        self.notify.notify_one();
    }

    /// The interface `if_index` of `device`, if a poll has seen it.
    pub fn port(&self, device: &str, if_index: u64) -> Option<Port> {
        self.lock().devices.get(device)?.ports.get(&if_index).cloned()
    }

    /// Whether `device` has been polled at all.
    pub fn knows(&self, device: &str) -> bool {
        self.lock().devices.contains_key(device)
    }

    /// Whether a poll finished after `since` saw the interface oper-up.
    pub fn up_since(&self, device: &str, if_index: u64, since: SystemTime) -> bool {
        let inner = self.lock();
        let Some(d) = inner.devices.get(device) else {
            return false;
        };
        d.polled_at > since && d.ports.get(&if_index).is_some_and(|p| p.oper_up == Some(true))
    }

    /// Keeps the devices of `targets` whose address did not change.
    pub fn retain(&self, targets: &[Arc<Target>]) {
        let keep: HashMap<&str, String> = targets
            .iter()
            .map(|t| (t.name.as_str(), t.address.to_string()))
            .collect();
        let mut inner = self.lock();
        inner
            .devices
            .retain(|name, d| keep.get(name.as_str()).is_some_and(|a| *a == d.address));
        let Inner { devices, dirty } = &mut *inner;
        dirty.retain(|n| devices.contains_key(n));
    }

    /// Waits until a device has been updated and returns every device
    /// updated since the last call.
    pub async fn changed(&self) -> Vec<String> {
        loop {
            let drained: Vec<String> = self.lock().dirty.drain().collect();
            if !drained.is_empty() {
                return drained;
            }
            self.notify.notified().await;
        }
    }
}
