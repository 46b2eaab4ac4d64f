//! Parsers of network-device CLI output: text in, report records out.
//!
//! Pure functions, one module per platform, used by the CLI collector over
//! SSH and Telnet alike. Output drifts between OS versions; a line a parser does not
//! understand is skipped and counted in [`Parsed::skipped`], never fatal.
//! Every parser is tested against real captures in `tests/fixtures/cli/`.

pub mod bgp;
pub mod common;
pub mod frr;
pub mod health;
pub mod inventory;
pub mod ios;
pub mod junos;
pub mod neighbors;
pub mod nxos;
pub mod optics;
pub mod routeros;
pub mod vrp;

use crate::report::{DeviceInfo, HealthKind, HealthReading, Interface};

/// The CLI dialects netgauge speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    CiscoIos,
    CiscoNxos,
    HuaweiVrp,
    JuniperJunos,
    MikrotikRouteros,
    /// FRRouting's vtysh, on Linux routers.
    Frr,
}

impl Platform {
    pub const ALL: [Platform; 6] = [
        Platform::CiscoIos,
        Platform::CiscoNxos,
        Platform::HuaweiVrp,
        Platform::JuniperJunos,
        Platform::MikrotikRouteros,
        Platform::Frr,
    ];

    /// The name used in the config (`platform: cisco_ios`).
    pub fn name(self) -> &'static str {
        match self {
            Platform::CiscoIos => "cisco_ios",
            Platform::CiscoNxos => "cisco_nxos",
            Platform::HuaweiVrp => "huawei_vrp",
            Platform::JuniperJunos => "juniper_junos",
            Platform::MikrotikRouteros => "mikrotik_routeros",
            Platform::Frr => "frr",
        }
    }

    pub fn from_name(name: &str) -> Option<Platform> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The `vendor` label value, as the SNMP collector reports it.
    pub fn vendor(self) -> &'static str {
        match self {
            Platform::CiscoIos | Platform::CiscoNxos => "cisco",
            Platform::HuaweiVrp => "huawei",
            Platform::JuniperJunos => "juniper",
            Platform::MikrotikRouteros => "mikrotik",
            Platform::Frr => "frrouting",
        }
    }

    /// Parses the output of this platform's interfaces command.
    pub fn parse_interfaces(self, text: &str) -> Parsed<Vec<Interface>> {
        match self {
            Platform::CiscoIos => ios::interfaces(text),
            Platform::CiscoNxos => nxos::interfaces(text),
            Platform::HuaweiVrp => vrp::interfaces(text),
            Platform::JuniperJunos => junos::interfaces(text),
            Platform::MikrotikRouteros => routeros::interfaces(text),
            Platform::Frr => frr::interfaces(text),
        }
    }

    /// Commands whose output gives health the version command does not;
    /// their outputs are parsed together.
    pub fn health_commands(self) -> &'static [&'static str] {
        match self {
            Platform::CiscoIos | Platform::CiscoNxos => &["show processes cpu | include CPU utilization"],
            Platform::HuaweiVrp => &["display cpu-usage", "display memory-usage"],
            Platform::JuniperJunos => &["show chassis routing-engine"],
            Platform::MikrotikRouteros | Platform::Frr => &[],
        }
    }

    /// Parses the output of [`Platform::health_commands`].
    pub fn parse_health(self, text: &str) -> Parsed<Vec<HealthReading>> {
        match self {
            Platform::CiscoIos | Platform::CiscoNxos => cisco_cpu(text),
            Platform::HuaweiVrp => health::vrp(text),
            Platform::JuniperJunos => health::junos(text),
            Platform::MikrotikRouteros | Platform::Frr => Parsed::default(),
        }
    }

    /// The command that lists BGP sessions (every VRF and address family
    /// where the platform has one command for it).
    pub fn bgp_command(self) -> &'static str {
        match self {
            Platform::CiscoIos => "show bgp all summary",
            Platform::CiscoNxos => "show ip bgp summary vrf all",
            Platform::HuaweiVrp => "display bgp peer",
            Platform::JuniperJunos => "show bgp summary",
            Platform::MikrotikRouteros => "/routing bgp peer print status without-paging",
            Platform::Frr => "show bgp vrf all summary json",
        }
    }

    /// Parses the output of [`Platform::bgp_command`].
    pub fn parse_bgp(self, text: &str) -> Parsed<Vec<crate::report::BgpPeer>> {
        match self {
            Platform::CiscoIos | Platform::CiscoNxos => bgp::cisco_summary(text),
            Platform::HuaweiVrp => bgp::vrp_peer(text),
            Platform::JuniperJunos => bgp::junos_summary(text),
            Platform::MikrotikRouteros => bgp::routeros_peers(text),
            Platform::Frr => frr::bgp(text),
        }
    }

    /// The commands that show transceiver diagnostics. RouterOS shows one
    /// port per command: its SFP ports by their default names (`sfp…`,
    /// `qsfp…`, `combo…`), at most [`MAX_OPTICS_COMMANDS`] of them.
    pub fn optics_commands(self, interfaces: &[crate::report::Interface]) -> Vec<String> {
        match self {
            Platform::CiscoIos => vec!["show interfaces transceiver".into()],
            Platform::CiscoNxos => vec!["show interface transceiver details".into()],
            Platform::HuaweiVrp => vec!["display transceiver verbose".into()],
            Platform::JuniperJunos => vec!["show interfaces diagnostics optics".into()],
            Platform::MikrotikRouteros => interfaces
                .iter()
                .map(|i| i.name.as_str())
                .filter(|n| ["sfp", "qsfp", "combo"].iter().any(|p| n.starts_with(p)))
                // Names go into a command line: only the characters RouterOS's own names use.
                .filter(|n| {
                    n.chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
                })
                .take(MAX_OPTICS_COMMANDS)
                .map(|n| format!("/interface ethernet monitor {n} once"))
                .collect(),
            Platform::Frr => Vec::new(),
        }
    }

    /// Parses the output of [`Platform::optics_commands`].
    pub fn parse_optics(self, text: &str) -> Parsed<Vec<crate::report::Transceiver>> {
        match self {
            Platform::CiscoIos => optics::ios_table(text),
            Platform::CiscoNxos => optics::nxos_details(text),
            Platform::HuaweiVrp => optics::vrp_verbose(text),
            Platform::JuniperJunos => optics::junos_optics(text),
            Platform::MikrotikRouteros => optics::routeros_monitor(text),
            Platform::Frr => Parsed::default(),
        }
    }

    /// The commands that list discovery-protocol neighbors; their outputs
    /// are parsed together (IOS and NX-OS: CDP and LLDP, told apart by
    /// content). FRR has none.
    pub fn neighbor_commands(self) -> &'static [&'static str] {
        match self {
            Platform::CiscoIos | Platform::CiscoNxos => &["show cdp neighbors detail", "show lldp neighbors detail"],
            Platform::HuaweiVrp => &["display lldp neighbor"],
            Platform::JuniperJunos => &["show lldp neighbors"],
            Platform::MikrotikRouteros => &["/ip neighbor print detail without-paging"],
            Platform::Frr => &[],
        }
    }

    /// Parses the output of [`Platform::neighbor_commands`].
    pub fn parse_neighbors(self, text: &str) -> Parsed<Vec<crate::report::Neighbor>> {
        match self {
            Platform::CiscoIos | Platform::CiscoNxos => neighbors::cisco_detail(text),
            Platform::HuaweiVrp => neighbors::vrp_lldp(text),
            Platform::JuniperJunos => neighbors::junos_table(text),
            Platform::MikrotikRouteros => neighbors::routeros_neighbors(text),
            Platform::Frr => Parsed::default(),
        }
    }

    /// The commands that list the device's hardware; their outputs are
    /// parsed together. FRR has none.
    pub fn inventory_commands(self) -> &'static [&'static str] {
        match self {
            Platform::CiscoIos | Platform::CiscoNxos => &["show inventory"],
            Platform::HuaweiVrp => &["display device"],
            Platform::JuniperJunos => &["show chassis hardware"],
            Platform::MikrotikRouteros => &["/system routerboard print"],
            Platform::Frr => &[],
        }
    }

    /// Parses the output of [`Platform::inventory_commands`].
    pub fn parse_inventory(self, text: &str) -> Parsed<Vec<crate::report::InventoryItem>> {
        match self {
            Platform::CiscoIos | Platform::CiscoNxos => inventory::cisco_inventory(text),
            Platform::HuaweiVrp => inventory::vrp_device(text),
            Platform::JuniperJunos => inventory::junos_hardware(text),
            Platform::MikrotikRouteros => inventory::routeros_routerboard(text),
            Platform::Frr => Parsed::default(),
        }
    }

    /// Parses the output of this platform's version command.
    pub fn parse_version(self, text: &str) -> Parsed<Version> {
        match self {
            Platform::CiscoIos => ios::version(text),
            Platform::CiscoNxos => nxos::version(text),
            Platform::HuaweiVrp => vrp::version(text),
            Platform::JuniperJunos => junos::version(text),
            Platform::MikrotikRouteros => routeros::version(text),
            Platform::Frr => frr::version(text),
        }
    }
}

/// Makes interface names unique, as series identities must be: the second
/// and later interfaces of a name get `#2`, `#3`... (some captures, and some
/// devices, list an interface twice). Returns how many were renamed.
pub fn dedupe_names(interfaces: &mut [Interface]) -> u64 {
    let mut seen: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
    let mut renamed = 0;
    for ifc in interfaces.iter_mut() {
        let n = seen.entry(ifc.name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            ifc.name = format!("{}#{n}", ifc.name);
            renamed += 1;
        }
    }
    renamed
}

/// RouterOS monitors one port per command: a bound on the commands a poll sends.
pub const MAX_OPTICS_COMMANDS: usize = 64;

/// A parse result and how many non-blank lines were not understood.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Parsed<T> {
    pub value: T,
    pub skipped: usize,
}

/// What a version command tells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Version {
    /// `vendor` filled from the platform; `model`, `os_version`, `hostname` as printed.
    pub info: DeviceInfo,
    pub uptime_seconds: Option<f64>,
    /// Health the version command happens to print (RouterOS's resource list).
    pub health: Vec<HealthReading>,
}

/// The one-minute CPU load from Cisco's `show processes cpu` (IOS and NX-OS
/// print the same summary line): `CPU utilization for five seconds: 4%/0%;
/// one minute: 6%; five minutes: 5%` → cpu "all" at 0.06.
pub fn cisco_cpu(text: &str) -> Parsed<Vec<HealthReading>> {
    let mut out = Vec::new();
    let mut skipped = 0;
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let minute = line.split(';').find_map(|part| part.trim().strip_prefix("one minute:"));
        match minute.and_then(|m| m.trim().trim_end_matches('%').parse::<f64>().ok()) {
            Some(pct) if line.starts_with("CPU utilization") => out.push(HealthReading {
                kind: HealthKind::Cpu,
                label: "all".into(),
                value: pct / 100.0,
            }),
            _ => skipped += 1,
        }
    }
    Parsed { value: out, skipped }
}

/// Shared by the parsers' tests: the captures in `tests/fixtures/cli/`.
#[cfg(test)]
pub(crate) mod testing {
    use serde_json::Value;

    /// A reference record's field, which must be present.
    pub fn field<'a>(record: &'a Value, key: &str) -> &'a str {
        record[key]
            .as_str()
            .unwrap_or_else(|| panic!("field {key} in {record}"))
    }

    /// `(file stem, raw text, parsed_sample records)` of every capture in
    /// `tests/fixtures/cli/<platform>/<command>/`, in name order.
    pub fn fixtures(platform: &str, command: &str) -> Vec<(String, String, Vec<Value>)> {
        let dir = format!("{}/tests/fixtures/cli/{platform}/{command}", env!("CARGO_MANIFEST_DIR"));
        let mut raws: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .map(|e| e.expect("dir entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "raw"))
            .collect();
        raws.sort();
        assert!(!raws.is_empty(), "no captures in {dir}");
        raws.into_iter()
            .map(|p| {
                let raw = std::fs::read_to_string(&p).expect("raw capture");
                let yml = std::fs::read_to_string(p.with_extension("yml")).unwrap_or_default();
                let doc: Value = serde_saphyr::from_str(&yml).unwrap_or(Value::Null);
                let records = doc["parsed_sample"].as_array().cloned().unwrap_or_default();
                let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
                (stem, raw, records)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cisco_cpu_from_both_captures() {
        for (platform, want) in [("cisco_ios", 0.06), ("cisco_nxos", 0.12)] {
            let path = format!(
                "{}/tests/fixtures/cli/{platform}/show_processes_cpu/{platform}_show_processes_cpu.raw",
                env!("CARGO_MANIFEST_DIR")
            );
            let text = std::fs::read_to_string(path).unwrap();
            // What `| include CPU utilization` leaves of the capture.
            let line: String = text.lines().filter(|l| l.contains("CPU utilization")).collect();
            let p = cisco_cpu(&line);
            assert_eq!(
                p.value,
                vec![HealthReading {
                    kind: HealthKind::Cpu,
                    label: "all".into(),
                    value: want
                }],
                "{platform}"
            );
            assert_eq!(p.skipped, 0);
        }
        assert!(cisco_cpu("% Invalid input detected at '^' marker.").value.is_empty());
    }

    #[test]
    fn duplicate_names_get_a_suffix() {
        let mut ifs = vec![
            Interface {
                name: "Gi0/1".into(),
                ..Interface::default()
            },
            Interface {
                name: "Gi0/1".into(),
                ..Interface::default()
            },
            Interface {
                name: "Gi0/2".into(),
                ..Interface::default()
            },
        ];
        assert_eq!(dedupe_names(&mut ifs), 1);
        assert_eq!(
            ifs.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(),
            ["Gi0/1", "Gi0/1#2", "Gi0/2"]
        );
    }
}
