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
}

impl DeviceReport {
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
            health: if snmp.health.is_empty() {
                ssh.health
            } else {
                snmp.health
            },
            // SNMP's peers when it has them (exact counters); else the CLI's.
            bgp_peers: if snmp.bgp_peers.is_empty() {
                ssh.bgp_peers
            } else {
                snmp.bgp_peers
            },
            collectors,
            not_polled: snmp.not_polled && ssh.not_polled,
            auth_failed: snmp.auth_failed || ssh.auth_failed,
        }
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
