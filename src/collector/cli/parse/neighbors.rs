//! Discovery-protocol neighbors from the CLI: `show cdp neighbors detail`
//! and `show lldp neighbors detail` (IOS, NX-OS; their outputs parsed
//! together), `display lldp neighbor` (VRP), `show lldp neighbors` (Junos'
//! table) and `/ip neighbor print detail` (RouterOS), into the same
//! [`Neighbor`] records an LLDP-MIB walk fills.
//!
//! Strings stay as the neighbor sent them (a CDP device id such as
//! `SW1.example.com(FOC123)` stays whole), except that a chassis id that is
//! a MAC is written `aa:bb:cc:dd:ee:ff`, a system description becomes one
//! line, and capabilities are written in one vocabulary ([`capabilities`]).
//! Local interfaces stay as printed (`Gi1/0/24`); the collector places them
//! on the device's interface names. A neighbor with nothing that identifies
//! it (no system name, chassis id or port) is not one: its lines count as
//! skipped.

use super::common::{char_position, columns, mac};
use super::routeros::{properties, record_start};
use super::Parsed;
use crate::report::{Neighbor, NeighborProtocol};

/// The capability vocabulary, in the order `remote_capabilities` lists it:
/// IEEE 802.1AB's system capabilities bits 0–10, in bit order.
pub const CAPABILITIES: [&str; 11] = [
    "other",
    "repeater",
    "bridge",
    "wlan_access_point",
    "router",
    "telephone",
    "docsis_cable_device",
    "station",
    "c_vlan",
    "s_vlan",
    "two_port_mac_relay",
];

/// One capability in any spelling: LLDP letters (`B`, `W`), LLDP names
/// (`Bridge`, VRP's `wlanAccessPoint`, RouterOS' `wlan-ap`) and CDP words
/// (`Switch` and the source-route and transparent bridges are bridges, a
/// `Host` is a station, a `Phone` a telephone). CDP's `IGMP`, `Filtering`,
/// `Supports-STP-Dispute`, `Remote`, `CVTA` have no LLDP meaning: `None`.
fn capability(word: &str) -> Option<usize> {
    let w: String = word
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Some(match w.as_str() {
        "o" | "other" => 0,
        "p" | "repeater" => 1,
        "b" | "bridge" | "switch" | "transbridge" | "sourceroutebridge" => 2,
        "w" | "wlan" | "wlanap" | "wlanaccesspoint" => 3,
        "r" | "router" => 4,
        "t" | "telephone" | "phone" => 5,
        "c" | "docsis" | "docsiscabledevice" => 6,
        "s" | "station" | "stationonly" | "host" => 7,
        "cvlan" | "cvlancomponent" => 8,
        "svlan" | "svlancomponent" => 9,
        "tpmr" | "twoportmacrelay" => 10,
        _ => return None,
    })
}

/// A capability list as any platform prints it (`B,R`, `B, R`, `bridge
/// router`, `Router Switch IGMP`, `bridge,wlan-ap`) → the known ones,
/// lowercase, comma-separated, in [`CAPABILITIES`] order (`bridge,router`).
pub fn capabilities(text: &str) -> String {
    let mut seen = [false; CAPABILITIES.len()];
    let mut rest = text.to_ascii_lowercase();
    // Names of several words, before the text is cut into words.
    for (phrase, i) in [
        ("wlan access point", 3),
        ("docsis cable device", 6),
        ("station only", 7),
        ("two-port mac relay", 10),
        ("two port mac relay", 10),
    ] {
        if rest.contains(phrase) {
            seen[i] = true;
            rest = rest.replace(phrase, " ");
        }
    }
    for word in rest.split(|c: char| c == ',' || c.is_whitespace()) {
        if let Some(i) = capability(word) {
            seen[i] = true;
        }
    }
    CAPABILITIES
        .iter()
        .zip(seen)
        .filter(|(_, s)| *s)
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .join(",")
}

/// A chassis id (or a MAC management address): a MAC in any spelling as
/// `aa:bb:cc:dd:ee:ff`, anything else as sent.
fn chassis_id(text: &str) -> String {
    mac(text.trim()).unwrap_or_else(|| text.trim().to_owned())
}

/// Whitespace, line breaks included, collapsed to single spaces.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A value that says there is none.
fn absent(value: &str) -> bool {
    let v = value.trim().trim_start_matches('-').trim().to_ascii_lowercase();
    v.is_empty() || v == "not advertised" || v == "--"
}

/// One neighbor as it is read: the record and what is kept until its end.
struct Entry {
    n: Neighbor,
    /// Lines that belong to it, counted as skipped if it identifies nothing.
    lines: usize,
    description: Vec<String>,
    supported: Option<String>,
    enabled: Option<String>,
    /// CDP's entry (interface) address, used when no management address is given.
    entry_address: String,
}

impl Entry {
    /// Takes `t` as the next line of a multi-line system description,
    /// unless it closes the description (a following key, `ends` — a
    /// platform's own next-entry line — or a blank after some text).
    fn continues_description(&mut self, t: &str, ends: bool) -> bool {
        if ends || ends_description(t) || (t.is_empty() && !self.description.is_empty()) {
            return false;
        }
        self.lines += 1;
        self.description.push(t.to_owned());
        true
    }

    fn new(protocol: NeighborProtocol) -> Entry {
        Entry {
            n: Neighbor {
                protocol,
                ..Neighbor::default()
            },
            lines: 1,
            description: Vec::new(),
            supported: None,
            enabled: None,
            entry_address: String::new(),
        }
    }

    /// Moves a finished entry to `out`, or counts its lines as skipped.
    fn finish(mut self, out: &mut Vec<Neighbor>, skipped: &mut usize) {
        if !self.description.is_empty() {
            self.n.remote_platform = one_line(&self.description.join(" "));
        }
        // Enabled capabilities where the output tells them from the supported ones.
        if let Some(caps) = self.enabled.as_deref().or(self.supported.as_deref()) {
            self.n.remote_capabilities = capabilities(caps);
        }
        if self.n.remote_address.is_empty() {
            self.n.remote_address = self.entry_address;
        }
        let n = &self.n;
        if n.remote_system.is_empty() && n.remote_chassis_id.is_empty() && n.remote_port.is_empty() {
            *skipped += self.lines;
        } else {
            out.push(self.n);
        }
    }
}

/// Which multi-line part of an entry the next lines belong to.
#[derive(Clone, Copy, PartialEq)]
enum Section {
    None,
    /// CDP `Entry address(es):` / NX-OS `Interface address(es):`.
    EntryAddresses,
    /// CDP `Management address(es):`, IOS LLDP `Management Addresses:`.
    ManagementAddresses,
    /// The LLDP system description, which runs over several lines.
    Description,
}

/// Whether a line closes a system description: the key that follows it
/// (or a new entry, should a capture be cut short).
fn ends_description(t: &str) -> bool {
    let l = t.to_ascii_lowercase();
    [
        "time remaining",
        "system capabilities",
        "enabled capabilities",
        "management address",
        "expired time",
        "local intf",
        "chassis id",
        "device id:",
        "neighbor index",
        "---",
    ]
    .iter()
    .any(|p| l.starts_with(p))
}

/// `key: value` with both trimmed; `None` without a colon.
fn key_value(t: &str) -> Option<(String, &str)> {
    t.split_once(':')
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim()))
}

/// The LLDP keys IOS, NX-OS and VRP share (lowercase, VRP's spellings
/// included). Returns the section the line opens.
fn lldp_key(e: &mut Entry, key: &str, value: &str, section: Section) -> Section {
    let set = |slot: &mut String, v: &str| {
        if slot.is_empty() && !absent(v) {
            v.clone_into(slot);
        }
    };
    match key {
        "local intf" | "local port id" => set(&mut e.n.interface, value),
        "chassis id" if !absent(value) => e.n.remote_chassis_id = chassis_id(value),
        "port id" => set(&mut e.n.remote_port, value),
        "port description" => set(&mut e.n.remote_port_description, value),
        "system name" => set(&mut e.n.remote_system, value),
        "system description" => {
            if !absent(value) {
                e.description.push(value.to_owned());
            }
            return Section::Description;
        }
        "system capabilities" | "system capabilities supported" => e.supported = Some(value.to_owned()),
        "enabled capabilities" | "system capabilities enabled" => e.enabled = Some(value.to_owned()),
        "management addresses" => return Section::ManagementAddresses,
        // VRP's `all802` type gives a MAC: written like a chassis id.
        "management address" | "management address value" | "management address ipv6"
            if !absent(value) && e.n.remote_address.is_empty() =>
        {
            e.n.remote_address = chassis_id(value);
        }
        "ip" | "ipv6" if section == Section::ManagementAddresses => set(&mut e.n.remote_address, value),
        _ => {}
    }
    Section::None
}

/// The CDP keys of IOS and NX-OS. Returns the section the line opens.
fn cdp_key(e: &mut Entry, key: &str, value: &str, section: Section) -> Section {
    match key {
        "entry address(es)" | "interface address(es)" => return Section::EntryAddresses,
        "management address(es)" | "mgmt address(es)" => return Section::ManagementAddresses,
        "ip address" | "ipv4 address" | "ipv6 address" => {
            let slot = match section {
                Section::EntryAddresses => &mut e.entry_address,
                Section::ManagementAddresses => &mut e.n.remote_address,
                _ => return section,
            };
            if slot.is_empty() {
                value.clone_into(slot);
            }
            return section;
        }
        // `cisco WS-C2960-8TC-L,  Capabilities: Switch IGMP`
        "platform" => {
            let (platform, caps) = value.split_once("Capabilities:").unwrap_or((value, ""));
            e.n.remote_platform = platform.trim().trim_end_matches(',').trim().to_owned();
            e.supported = Some(caps.trim().to_owned());
        }
        // `GigabitEthernet1/0/16,  Port ID (outgoing port): GigabitEthernet0/1`
        "interface" => {
            let (local, remote) = value.split_once("Port ID (outgoing port):").unwrap_or((value, ""));
            e.n.interface = local.trim().trim_end_matches(',').trim().to_owned();
            e.n.remote_port = remote.trim().to_owned();
        }
        _ => {}
    }
    Section::None
}

/// Lines outside any entry that are understood: legends, table headers,
/// totals.
fn cisco_boilerplate(t: &str) -> bool {
    t.starts_with("Capability codes")
        || t.starts_with('(')
        || t.starts_with("Device ID ")
        || t.starts_with("Total entries displayed")
        || t.starts_with("Total cdp entries displayed")
}

/// IOS and NX-OS `show cdp neighbors detail` and `show lldp neighbors
/// detail`, one after the other or alone. `Device ID:` starts a CDP entry;
/// `Local Intf:` (IOS) or `Chassis id:` (NX-OS, and IOS releases that omit
/// the local port) starts an LLDP one. The CDP `Platform` is the platform;
/// an LLDP entry's is its system description. The first management
/// address is the address; for CDP the entry address when none is given.
pub fn cisco_detail(text: &str) -> Parsed<Vec<Neighbor>> {
    let mut out = Vec::new();
    let mut skipped = 0;
    let mut cur: Option<Entry> = None;
    let mut section = Section::None;
    for raw in text.lines() {
        let t = raw.trim();
        if section == Section::Description {
            if cur.as_mut().is_some_and(|e| e.continues_description(t, false)) {
                continue;
            }
            section = Section::None;
        }
        if t.is_empty() {
            continue;
        }
        if t.chars().all(|c| c == '-') {
            if let Some(e) = cur.take() {
                e.finish(&mut out, &mut skipped);
            }
            section = Section::None;
            continue;
        }
        let kv = key_value(t);
        let key = kv.as_ref().map(|(k, _)| k.as_str()).unwrap_or("");
        let value = kv.as_ref().map(|(_, v)| *v).unwrap_or("");
        let lldp_chassis_seen = cur
            .as_ref()
            .is_some_and(|e| e.n.protocol == NeighborProtocol::Lldp && !e.n.remote_chassis_id.is_empty());
        let starts = match key {
            "device id" => Some(NeighborProtocol::Cdp),
            "local intf" => Some(NeighborProtocol::Lldp),
            "chassis id" if lldp_chassis_seen || cur.as_ref().is_none_or(|e| e.n.protocol == NeighborProtocol::Cdp) => {
                Some(NeighborProtocol::Lldp)
            }
            _ => None,
        };
        if let Some(protocol) = starts {
            if let Some(e) = cur.take() {
                e.finish(&mut out, &mut skipped);
            }
            let mut e = Entry::new(protocol);
            if protocol == NeighborProtocol::Cdp {
                value.clone_into(&mut e.n.remote_system);
            } else {
                lldp_key(&mut e, key, value, Section::None);
            }
            cur = Some(e);
            section = Section::None;
            continue;
        }
        let Some(e) = cur.as_mut() else {
            if !cisco_boilerplate(t) {
                skipped += 1;
            }
            continue;
        };
        e.lines += 1;
        if kv.is_none() {
            continue;
        }
        section = match e.n.protocol {
            NeighborProtocol::Cdp => cdp_key(e, key, value, section),
            NeighborProtocol::Lldp => lldp_key(e, key, value, section),
        };
    }
    if let Some(e) = cur.take() {
        e.finish(&mut out, &mut skipped);
    }
    Parsed { value: out, skipped }
}

/// `GigabitEthernet0/0/1 has 1 neighbor(s):` / `… has 0 neighbors` → the port.
fn vrp_port_header(t: &str) -> Option<&str> {
    let (port, rest) = t.split_once(" has ")?;
    rest.contains("neighbor").then(|| port.trim())
}

/// VRP `display lldp neighbor`: per local port `PORT has N neighbor(s):`,
/// then per neighbor `Neighbor index :N` and `Key :value` lines. The
/// management address is given whatever its type (a MAC for `all802`,
/// written like a chassis id).
pub fn vrp_lldp(text: &str) -> Parsed<Vec<Neighbor>> {
    let mut out = Vec::new();
    let mut skipped = 0;
    let mut port: Option<String> = None;
    let mut cur: Option<Entry> = None;
    let mut section = Section::None;
    for raw in text.lines() {
        let t = raw.trim();
        if section == Section::Description {
            let next_port = vrp_port_header(t).is_some();
            if cur.as_mut().is_some_and(|e| e.continues_description(t, next_port)) {
                continue;
            }
            section = Section::None;
        }
        if t.is_empty() {
            continue;
        }
        if let Some(p) = vrp_port_header(t) {
            if let Some(e) = cur.take() {
                e.finish(&mut out, &mut skipped);
            }
            port = Some(p.to_owned());
            continue;
        }
        let kv = key_value(t);
        if matches!(&kv, Some((key, _)) if key == "neighbor index") {
            if let Some(e) = cur.take() {
                e.finish(&mut out, &mut skipped);
            }
            let mut e = Entry::new(NeighborProtocol::Lldp);
            // A neighbor before any port header has no local port.
            e.n.interface = port.clone().unwrap_or_default();
            cur = Some(e);
            section = Section::None;
            continue;
        }
        let Some(e) = cur.as_mut() else {
            skipped += 1;
            continue;
        };
        e.lines += 1;
        if let Some((key, value)) = kv {
            section = lldp_key(e, &key, value, section);
        }
    }
    if let Some(e) = cur.take() {
        e.finish(&mut out, &mut skipped);
    }
    Parsed { value: out, skipped }
}

/// Junos `show lldp neighbors`: a table of local interface, parent (LAG)
/// interface (newer releases), chassis id, port info and system name, cut
/// at its header's columns. Port info is the neighbor's port description
/// when it sends one, else its port id: it goes to `remote_port`. The
/// table has no capabilities, description or address.
pub fn junos_table(text: &str) -> Parsed<Vec<Neighbor>> {
    let mut out = Vec::new();
    let mut skipped = 0;
    let mut starts: Option<Vec<usize>> = None;
    for raw in text.lines() {
        let t = raw.trim();
        if t.is_empty() || (t.starts_with('{') && t.ends_with('}')) {
            continue;
        }
        if t.starts_with("Local Interface") && t.contains("Chassis Id") {
            let cols = ["Parent Interface", "Chassis Id", "Port info", "System Name"];
            starts = Some(cols.iter().filter_map(|c| char_position(raw, c)).collect());
            continue;
        }
        let Some(s) = starts.as_deref() else {
            skipped += 1;
            continue;
        };
        let mut v = columns(raw, s);
        // Without the parent column: (local, chassis, port, name).
        if s.len() == 3 {
            v.insert(1, String::new());
        }
        let [local, _parent, chassis, port, name] = <[String; 5]>::try_from(v).unwrap_or_default();
        if local.is_empty() || (chassis.is_empty() && port.is_empty() && name.is_empty()) {
            skipped += 1;
            continue;
        }
        let mut e = Entry::new(NeighborProtocol::Lldp);
        e.n.interface = local;
        e.n.remote_chassis_id = chassis_id(&chassis);
        e.n.remote_port = port;
        e.n.remote_system = name;
        e.finish(&mut out, &mut skipped);
    }
    Parsed { value: out, skipped }
}

/// RouterOS `/ip neighbor print detail without-paging`: ` N key=value …`
/// records, wrapped over lines. RouterOS learns neighbors by MNDP, CDP and
/// LLDP alike and (before 7.x's `discovered-by=`) does not say which: an
/// entry is LLDP unless `discovered-by` names CDP and not LLDP.
/// `interface=ether2,bridge` is the port then its bridge: the port is the
/// local interface. The neighbor's MAC stands for its chassis id; its
/// system description, else its platform, for its platform.
pub fn routeros_neighbors(text: &str) -> Parsed<Vec<Neighbor>> {
    let mut out = Vec::new();
    let mut skipped = 0;
    // (record text so far, lines)
    let mut records: Vec<(String, usize)> = Vec::new();
    for raw in text.lines() {
        let t = raw.trim();
        if t.is_empty() || t.starts_with("Flags:") || t.starts_with("Columns:") {
            continue;
        }
        if let Some((_flags, rest)) = record_start(raw) {
            records.push((rest.to_owned(), 1));
            continue;
        }
        match records.last_mut() {
            Some((text, lines)) => {
                text.push(' ');
                text.push_str(t);
                *lines += 1;
            }
            None => skipped += 1,
        }
    }
    for (text, lines) in records {
        let Some(props) = properties(&text) else {
            skipped += lines;
            continue;
        };
        let get = |k: &str| {
            props
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.trim())
                .filter(|v| !v.is_empty())
        };
        let by = get("discovered-by").unwrap_or("");
        let protocol = if by.contains("cdp") && !by.contains("lldp") {
            NeighborProtocol::Cdp
        } else {
            NeighborProtocol::Lldp
        };
        let mut e = Entry::new(protocol);
        e.lines = lines;
        let own = |v: Option<&str>| v.unwrap_or_default().to_owned();
        e.n.interface = own(get("interface").and_then(|i| i.split(',').next()));
        e.n.remote_system = own(get("identity"));
        e.n.remote_port = own(get("interface-name"));
        e.n.remote_chassis_id = get("mac-address").map(chassis_id).unwrap_or_default();
        e.n.remote_platform = own(get("system-description").or(get("platform")));
        e.n.remote_address = own(get("address").or(get("address4")).or(get("address6")));
        let caps = props.iter().find(|(k, _)| k == "system-caps-enabled");
        e.enabled = caps.map(|(_, v)| v.clone());
        e.supported = get("system-caps").map(str::to_owned);
        e.finish(&mut out, &mut skipped);
    }
    Parsed { value: out, skipped }
}

/// The neighbors with their local port named as the interface series
/// name it abbreviates (`Gi1/0/24` → `GigabitEthernet1/0/24`); a port no
/// interface fits keeps its printed name.
pub fn place(neighbors: &[Neighbor], interfaces: &[crate::report::Interface]) -> Vec<Neighbor> {
    let names: Vec<String> = interfaces.iter().map(|i| i.name.clone()).collect();
    neighbors
        .iter()
        .map(|n| {
            let mut n = n.clone();
            if let Some(name) = crate::collector::ifname::resolve(&n.interface, &names) {
                n.interface = name.to_owned();
            }
            n
        })
        .collect()
}

#[cfg(test)]
mod tests;
