//! What a collector learned about one device, independent of how it learned it.
//!
//! The SNMP and CLI (SSH, Telnet) collectors both fill a [`DeviceReport`]; only
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
    /// netgauge did not poll the device at all (no poll slot was free in
    /// time): the schema writes no series for it, a gap in the data rather
    /// than a device wrongly shown down.
    pub not_polled: bool,
    /// The device refused netgauge's credentials (SNMPv3 or CLI login).
    pub auth_failed: bool,
    /// BGP sessions, when a BGP collector ran.
    pub bgp_peers: Vec<BgpPeer>,
    /// Pluggable optics with their diagnostics (DOM), when an optics collector ran.
    pub transceivers: Vec<Transceiver>,
    /// LLDP and CDP neighbors, when a neighbors collector ran (or its cache served).
    pub neighbors: Vec<Neighbor>,
    /// Physical components, when an inventory collector ran (or its cache served).
    pub inventory: Vec<InventoryItem>,
    /// Collectors whose tables came from a cache, and the cache's age in seconds.
    pub cache_ages: Vec<(&'static str, f64)>,
}

impl DeviceReport {
    /// Records `collector`'s tables as served from a cache `age` seconds
    /// old: a successful run that polled nothing (zero seconds).
    pub fn served_from_cache(&mut self, collector: &'static str, age: f64) {
        self.collectors.push(CollectorRun {
            collector,
            duration: Duration::ZERO,
            success: true,
        });
        self.cache_ages.push((collector, age));
    }

    /// One report from an SNMP and an SSH poll of the same device: SNMP
    /// for interfaces, counters and health (its counters are exact and
    /// 64-bit), the CLI for what SNMP did not give (identity fields, or
    /// everything when SNMP failed). Both collectors' runs are kept.
    pub fn merge(snmp: DeviceReport, ssh: DeviceReport) -> DeviceReport {
        let info = match (snmp.info, ssh.info) {
            (Some(mut a), Some(b)) => {
                for (mine, theirs) in [
                    (&mut a.vendor, b.vendor),
                    (&mut a.model, b.model),
                    (&mut a.os_version, b.os_version),
                    (&mut a.hostname, b.hostname),
                ] {
                    if mine.is_empty() {
                        *mine = theirs;
                    }
                }
                Some(a)
            }
            (a, b) => a.or(b),
        };
        let snmp_interfaces_ok = snmp
            .collectors
            .iter()
            .any(|c| c.collector == "snmp_interfaces" && c.success);
        let mut collectors = snmp.collectors;
        collectors.extend(ssh.collectors);
        DeviceReport {
            up: snmp.up || ssh.up,
            info,
            uptime_seconds: snmp.uptime_seconds.or(ssh.uptime_seconds),
            interfaces: if snmp_interfaces_ok {
                snmp.interfaces
            } else {
                ssh.interfaces
            },
            // SNMP's records when it has any (exact counters, scaled
            // integers), else the CLI's (rounded text).
            health: snmp_else_cli(snmp.health, ssh.health),
            bgp_peers: snmp_else_cli(snmp.bgp_peers, ssh.bgp_peers),
            transceivers: snmp_else_cli(snmp.transceivers, ssh.transceivers),
            neighbors: snmp_else_cli(snmp.neighbors, ssh.neighbors),
            inventory: snmp_else_cli(snmp.inventory, ssh.inventory),
            cache_ages: [snmp.cache_ages, ssh.cache_ages].concat(),
            collectors,
            not_polled: snmp.not_polled && ssh.not_polled,
            auth_failed: snmp.auth_failed || ssh.auth_failed,
        }
    }
}

/// `snmp` unless it is empty, else `cli`: one source per record kind, never a mix.
fn snmp_else_cli<T>(snmp: Vec<T>, cli: Vec<T>) -> Vec<T> {
    if snmp.is_empty() {
        cli
    } else {
        snmp
    }
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
    /// The LLDP chassis id it sends about itself (lldpLocChassisId),
    /// written like a neighbor's `remote_chassis_id`; empty when unknown.
    /// Matches neighbors to targets; not a label.
    pub chassis_id: String,
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

/// One BGP session as the device sees it. Fields a source does not give
/// stay `None` or empty: no series rather than a made-up zero.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BgpPeer {
    /// The peer's address, as text (IPv4 or IPv6).
    pub peer: String,
    /// `default` for the global table, whatever the vendor calls it.
    pub vrf: String,
    /// Plain AS number (asdot converted).
    pub remote_as: Option<u32>,
    pub local_address: String,
    /// RFC 4271 FSM state: 1 idle, 2 connect, 3 active, 4 opensent,
    /// 5 openconfirm, 6 established.
    pub state: Option<u8>,
    /// Administratively enabled (not shut down).
    pub admin_up: Option<bool>,
    /// How long the session has been established (only when it is).
    pub established_seconds: Option<f64>,
    /// Times the session went to established (BGP4-MIB) or flapped (Junos).
    pub transitions: Option<u64>,
    pub updates_received: Option<u64>,
    pub updates_sent: Option<u64>,
    pub prefixes: Vec<BgpPrefixes>,
    pub description: String,
    pub remote_router_id: String,
}

/// Prefix counts of one address family of one session.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BgpPrefixes {
    /// `ipv4`, `ipv6`, `l2vpn`…
    pub afi: String,
    /// `unicast`, `multicast`, `vpn`, `evpn`…
    pub safi: String,
    pub received: Option<u64>,
    pub accepted: Option<u64>,
    pub advertised: Option<u64>,
}

/// One pluggable optic (SFP, QSFP, CFP…) and what its digital
/// diagnostics say. Readings and thresholds are in base units whatever the
/// source's scaling; a value the module does not report is not listed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Transceiver {
    /// The interface the module sits in, named as the interface series name it.
    pub interface: String,
    /// `10Gbase-SR`, `SFP-10G-SR`… as the device describes the module.
    pub module_type: String,
    pub module_vendor: String,
    pub part_number: String,
    pub serial: String,
    pub readings: Vec<OpticReading>,
    /// The module's own alarm and warning thresholds.
    pub thresholds: Vec<OpticThreshold>,
}

/// What a transceiver sensor measures; the names are the `measure` label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpticMeasure {
    /// dBm. A module that sees no light reads [`NO_LIGHT_DBM`].
    ReceivePower,
    /// dBm.
    TransmitPower,
    /// Laser bias current, amperes.
    BiasCurrent,
    /// Volts.
    SupplyVoltage,
    /// Degrees Celsius.
    Temperature,
}

impl OpticMeasure {
    pub const ALL: [OpticMeasure; 5] = [
        OpticMeasure::ReceivePower,
        OpticMeasure::TransmitPower,
        OpticMeasure::BiasCurrent,
        OpticMeasure::SupplyVoltage,
        OpticMeasure::Temperature,
    ];

    /// The `measure` label value: the reading's series name without
    /// `netgauge_transceiver_`.
    pub fn label(self) -> &'static str {
        match self {
            OpticMeasure::ReceivePower => "receive_power_dbm",
            OpticMeasure::TransmitPower => "transmit_power_dbm",
            OpticMeasure::BiasCurrent => "bias_current_amperes",
            OpticMeasure::SupplyVoltage => "supply_voltage_volts",
            OpticMeasure::Temperature => "temperature_celsius",
        }
    }
}

/// Optical power of a dark receiver: SFF-8472's resolution is 0.1 µW,
/// i.e. −40 dBm, and Cisco and Juniper print that (or "-Inf") for no light.
/// Zero or negative milliwatts, and the vendor sentinels for "loss of
/// signal", are reported as this rather than as a missing value.
pub const NO_LIGHT_DBM: f64 = -40.0;

/// Milliwatts to dBm, with no light floored at [`NO_LIGHT_DBM`].
pub fn milliwatts_to_dbm(mw: f64) -> f64 {
    if mw.is_nan() || mw <= 0.0001 {
        NO_LIGHT_DBM
    } else {
        (10.0 * mw.log10()).max(NO_LIGHT_DBM)
    }
}

/// One reading of one transceiver sensor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpticReading {
    pub measure: OpticMeasure,
    /// The lane of a multi-lane module, numbered as the device numbers
    /// them; `None` for single-lane modules and module-wide readings.
    pub lane: Option<u32>,
    pub value: f64,
}

/// Which of a module's four thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OpticLevel {
    HighAlarm,
    HighWarning,
    LowWarning,
    LowAlarm,
}

impl OpticLevel {
    /// Highest value first: a module's four thresholds sorted from the
    /// highest down are these, in this order.
    pub const ALL: [OpticLevel; 4] = [
        OpticLevel::HighAlarm,
        OpticLevel::HighWarning,
        OpticLevel::LowWarning,
        OpticLevel::LowAlarm,
    ];

    /// The `level` label value.
    pub fn label(self) -> &'static str {
        match self {
            OpticLevel::HighAlarm => "high_alarm",
            OpticLevel::HighWarning => "high_warning",
            OpticLevel::LowWarning => "low_warning",
            OpticLevel::LowAlarm => "low_alarm",
        }
    }
}

/// One of a module's thresholds, in the unit of its measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpticThreshold {
    pub measure: OpticMeasure,
    pub lane: Option<u32>,
    pub level: OpticLevel,
    pub value: f64,
}

/// The discovery protocol a neighbor was learned by: the `protocol` label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NeighborProtocol {
    #[default]
    Lldp,
    Cdp,
}

impl NeighborProtocol {
    pub fn label(self) -> &'static str {
        match self {
            NeighborProtocol::Lldp => "lldp",
            NeighborProtocol::Cdp => "cdp",
        }
    }
}

/// One neighbor a discovery protocol (LLDP, CDP) reports on one of the
/// device's ports. Strings are as the neighbor sent them; an empty one is
/// what the source did not say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Neighbor {
    pub protocol: NeighborProtocol,
    /// The local port, named as the interface series name it (CLI short
    /// names like `Gi1/0/24` are placed on the device's own names later).
    pub interface: String,
    /// The neighbor's system name (LLDP sysName, CDP device id), raw.
    pub remote_system: String,
    /// The neighbor's port (LLDP port id, CDP port id).
    pub remote_port: String,
    /// LLDP port description.
    pub remote_port_description: String,
    /// LLDP chassis id: a MAC as `aa:bb:cc:dd:ee:ff`, a network address
    /// as text, anything else as sent.
    pub remote_chassis_id: String,
    /// CDP platform, else LLDP system description.
    pub remote_platform: String,
    /// The neighbor's (first) management address.
    pub remote_address: String,
    /// System capabilities, lowercase and comma-separated in a fixed order
    /// (`bridge,router`).
    pub remote_capabilities: String,
    /// The netgauge target the neighbor is, when it is one (matched by the
    /// poller against every target's name, system name and address).
    pub remote_device: String,
    /// For a link between two targets: both ends as `device:interface`,
    /// in lexical order, joined by ` -- `: the same on both devices' series.
    pub link: String,
}

/// One physical component of a device: the chassis, a module, a power
/// supply, a fan, a port or a transceiver in it. Strings empty where the
/// source does not say.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InventoryItem {
    /// Its identity within the device: entPhysicalIndex over SNMP, the
    /// item's name over the CLI.
    pub entity: String,
    /// ENTITY-MIB's classes in snake case: `chassis`, `module`,
    /// `power_supply`, `fan`, `port`, `container`, `sensor`, `backplane`,
    /// `stack`, `cpu`, `other`, `unknown`. CLI items are classed by their
    /// name (a transceiver is a `port`, as ENTITY-MIB agents list them).
    pub class: String,
    pub name: String,
    /// Model or part number (entPhysicalModelName, PID).
    pub model: String,
    pub serial: String,
    pub hardware_revision: String,
    pub firmware_revision: String,
    pub software_revision: String,
    pub description: String,
    /// The `entity` of the item this one sits in; empty at the top.
    pub parent: String,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn run(c: &'static str, ok: bool) -> CollectorRun {
        CollectorRun {
            collector: c,
            duration: std::time::Duration::ZERO,
            success: ok,
        }
    }

    #[test]
    fn merge_prefers_snmp_data_and_fills_gaps_from_the_cli() {
        let snmp = DeviceReport {
            up: true,
            info: Some(DeviceInfo {
                vendor: "cisco".into(),
                hostname: "sw1".into(),
                ..DeviceInfo::default()
            }),
            interfaces: vec![Interface {
                name: "Gi0/1".into(),
                ..Interface::default()
            }],
            collectors: vec![run("snmp_system", true), run("snmp_interfaces", true)],
            ..DeviceReport::default()
        };
        let ssh = DeviceReport {
            up: true,
            info: Some(DeviceInfo {
                vendor: "cisco".into(),
                model: "WS-C3750".into(),
                os_version: "15.0(2)SE".into(),
                ..DeviceInfo::default()
            }),
            uptime_seconds: Some(60.0),
            interfaces: vec![Interface {
                name: "GigabitEthernet0/1".into(),
                ..Interface::default()
            }],
            collectors: vec![run("ssh_system", true), run("ssh_interfaces", true)],
            ..DeviceReport::default()
        };
        let m = DeviceReport::merge(snmp.clone(), ssh.clone());
        let info = m.info.unwrap();
        assert_eq!(
            (info.hostname.as_str(), info.model.as_str(), info.os_version.as_str()),
            ("sw1", "WS-C3750", "15.0(2)SE")
        );
        assert_eq!(m.interfaces[0].name, "Gi0/1");
        assert_eq!(m.uptime_seconds, Some(60.0));
        assert_eq!(m.collectors.len(), 4);
        // SNMP down: the CLI's interfaces stand in.
        let down = DeviceReport {
            collectors: vec![run("snmp_system", false)],
            ..DeviceReport::default()
        };
        let m = DeviceReport::merge(down, ssh);
        assert!(m.up);
        assert_eq!(m.interfaces[0].name, "GigabitEthernet0/1");
    }
}
