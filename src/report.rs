//! What a collector learned about one device, independent of how it learned it.
//!
//! SNMP and (later) SSH collectors both fill a [`DeviceReport`]; only
//! [`crate::schema`] turns it into series. That is what keeps the metric
//! names and labels identical whatever the transport.

use std::time::Duration;

/// One poll of one device.
#[derive(Debug, Clone, Default)]
pub struct DeviceReport {
    /// The device answered at all.
    pub up: bool,
    pub info: Option<DeviceInfo>,
    pub uptime_seconds: Option<f64>,
    pub interfaces: Vec<Interface>,
    /// CPU, memory, temperature, fan and power-supply readings.
    pub health: Vec<HealthReading>,
    /// One entry per collector that ran, successful or not.
    pub collectors: Vec<CollectorRun>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct DeviceInfo {
    pub vendor: String,
    pub model: String,
    pub os_version: String,
    pub hostname: String,
    /// sysObjectID in dotted form (empty for CLI collectors).
    pub object_id: String,
    /// sysDescr, the free-text description.
    pub description: String,
}

#[derive(Debug, Clone)]
pub struct CollectorRun {
    pub collector: &'static str,
    pub duration: Duration,
    pub success: bool,
}

/// One interface. `None` means "the device did not tell us", which produces
/// no series, rather than a misleading zero.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Interface {
    /// ifName, falling back to ifDescr; unique within the device.
    pub name: String,
    /// SNMP ifIndex, when known.
    pub index: Option<u64>,
    /// ifAlias: the operator's description.
    pub description: String,
    /// IANAifType name such as `ethernetCsmacd`, or the number when unnamed.
    pub if_type: String,
    /// `aa:bb:cc:dd:ee:ff`, empty when the interface has none.
    pub mac: String,
    pub admin_up: Option<bool>,
    pub oper_up: Option<bool>,
    pub speed_bytes: Option<f64>,
    pub mtu_bytes: Option<u64>,
    /// Unix time of the last operational status change.
    pub last_change_seconds: Option<f64>,
    pub receive: Counters,
    pub transmit: Counters,
}

/// Monotonic counters of one direction.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Counters {
    pub bytes: Option<u64>,
    /// All packets: unicast + multicast + broadcast.
    pub packets: Option<u64>,
    pub errors: Option<u64>,
    pub discards: Option<u64>,
    pub broadcast_packets: Option<u64>,
    pub multicast_packets: Option<u64>,
}

/// What a health reading measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthKind {
    /// Load as a ratio (0.42 = 42%).
    Cpu,
    MemoryUsed,
    MemoryTotal,
    Temperature,
    /// 1 working, 0 failed.
    Fan,
    /// 1 working, 0 failed.
    PowerSupply,
}

/// One reading: a CPU's load, a memory pool's use, a sensor's temperature...
#[derive(Debug, Clone, PartialEq)]
pub struct HealthReading {
    pub kind: HealthKind,
    /// The CPU, pool, sensor, fan or supply, by name where the device gives one.
    pub label: String,
    /// In base units: ratio, bytes, degrees Celsius, or 1/0.
    pub value: f64,
}
