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

    /// Records what a poll of `target` that started at `started` saw (only
    /// polls that reached the device and listed interfaces with their
    /// ifIndex). The start, not the end, is what the poll's states are as
    /// of: a poll that read a port up, then a linkDown arriving before the
    /// poll ended, must not count as "seen up after the trap".
    pub fn update(&self, target: &Target, report: &DeviceReport, started: SystemTime) {
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
                polled_at: started,
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

    /// Whether a poll started after `since` saw the interface oper-up.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Interface;
    use std::time::Duration;

    fn target() -> Arc<Target> {
        let c = crate::config::Config::from_yaml(
            std::path::Path::new("t.yml"),
            "targets: [{name: sw1, address: 192.0.2.1, snmp: {community: c}}]\n",
        )
        .unwrap();
        c.targets[0].clone()
    }

    #[test]
    fn a_poll_that_started_before_a_trap_does_not_count_as_seeing_the_port_after_it() {
        let d = Directory::default();
        let t = target();
        let report = DeviceReport {
            up: true,
            interfaces: vec![Interface {
                name: "Gi0/1".into(),
                index: Some(3),
                oper_up: Some(true),
                ..Interface::default()
            }],
            ..DeviceReport::default()
        };
        let poll_started = SystemTime::now();
        let trap_at = poll_started + Duration::from_millis(500);
        // The poll read the port up, then the linkDown came, then the poll ended.
        d.update(&t, &report, poll_started);
        assert!(!d.up_since("sw1", 3, trap_at));
        d.update(&t, &report, trap_at + Duration::from_millis(1));
        assert!(d.up_since("sw1", 3, trap_at));
        assert_eq!(d.port("sw1", 3).unwrap().name, "Gi0/1");
    }

    #[test]
    fn a_reload_that_changes_a_devices_address_forgets_its_ports() {
        let d = Directory::default();
        let t = target();
        let report = DeviceReport {
            up: true,
            interfaces: vec![Interface {
                name: "Gi0/1".into(),
                index: Some(3),
                ..Interface::default()
            }],
            ..DeviceReport::default()
        };
        d.update(&t, &report, SystemTime::now());
        d.retain(std::slice::from_ref(&t));
        assert!(d.knows("sw1"));
        let moved = crate::config::Config::from_yaml(
            std::path::Path::new("t.yml"),
            "targets: [{name: sw1, address: 192.0.2.99, snmp: {community: c}}]\n",
        )
        .unwrap();
        d.retain(&moved.targets);
        assert!(!d.knows("sw1"));
    }
}
