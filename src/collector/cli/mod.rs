//! Parsers of network-device CLI output: text in, report records out.
//!
//! Pure functions, one module per platform, shared by the SSH (and Telnet)
//! collector. Output drifts between OS versions; a line a parser does not
//! understand is skipped and counted in [`Parsed::skipped`], never fatal.
//! Every parser is tested against real captures in `tests/fixtures/cli/`.

pub mod common;
pub mod ios;
pub mod junos;
pub mod nxos;
pub mod routeros;
pub mod vrp;

use crate::report::{DeviceInfo, Interface};

/// The CLI dialects netgauge speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    CiscoIos,
    CiscoNxos,
    HuaweiVrp,
    JuniperJunos,
    MikrotikRouteros,
}

impl Platform {
    pub const ALL: [Platform; 5] = [
        Platform::CiscoIos,
        Platform::CiscoNxos,
        Platform::HuaweiVrp,
        Platform::JuniperJunos,
        Platform::MikrotikRouteros,
    ];

    /// The name used in the config (`platform: cisco_ios`).
    pub fn name(self) -> &'static str {
        match self {
            Platform::CiscoIos => "cisco_ios",
            Platform::CiscoNxos => "cisco_nxos",
            Platform::HuaweiVrp => "huawei_vrp",
            Platform::JuniperJunos => "juniper_junos",
            Platform::MikrotikRouteros => "mikrotik_routeros",
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
}
