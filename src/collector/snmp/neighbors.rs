//! LLDP and CDP neighbors over SNMP: LLDP-MIB (IEEE 802.1AB)
//! `lldpRemTable` with `lldpRemManAddrTable` and `lldpLocPortTable`, and
//! CISCO-CDP-MIB `cdpCacheTable`. [`build`] is pure: walked columns in,
//! [`Found`] neighbors out; [`place`] names each one's local port after the
//! device's interfaces.
//!
//! The local port is the hard part: `lldpRemLocalPortNum` is the ifIndex on
//! some agents (Junos, NX-OS, EOS) and a port number of the LLDP agent's
//! own on others (Catalyst: port 1 is `Gi0/1`, while ifIndex 1 is `Vl1`).
//! Both are handled by trying, in order: the name `lldpLocPortTable`
//! gives the port (its id, then its description) as an interface name or
//! abbreviation, then the number as an ifIndex, then the description as a
//! unique ifAlias. CDP's index starts with the ifIndex itself.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::value::{Oid, Val, Walked};
use crate::collector::cli::parse::neighbors::CAPABILITIES;
use crate::collector::ifname;
use crate::report::{Interface, Neighbor, NeighborProtocol};

/// lldpRemEntry: (timeMark, localPortNum, remIndex).
pub const LLDP_REM: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 4, 1, 1];
/// lldpRemManAddrEntry: lldpRemEntry's index, then the address.
pub const LLDP_REM_MAN_ADDR: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 4, 2, 1];
/// lldpLocPortEntry: localPortNum.
pub const LLDP_LOC_PORT: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 3, 7, 1];
/// cdpCacheEntry: (ifIndex, deviceIndex).
pub const CDP_CACHE: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 23, 1, 2, 1, 1];

/// (entry, columns) walked.
const TABLES: [(&[u32], &[u32]); 4] = [
    // chassis id subtype and id, port id subtype and id, port description,
    // system name and description, enabled capabilities.
    (LLDP_REM, &[4, 5, 6, 7, 8, 9, 10, 12]),
    // lldpRemManAddrIfSubtype: present for every address, which is in the index.
    (LLDP_REM_MAN_ADDR, &[3]),
    // port id subtype and id, port description.
    (LLDP_LOC_PORT, &[2, 3, 4]),
    // address type and address, device id, device port, platform, capabilities.
    (CDP_CACHE, &[3, 4, 6, 7, 8, 9]),
];

/// Column OIDs to walk.
pub fn roots() -> Vec<Oid> {
    TABLES
        .iter()
        .flat_map(|(entry, cols)| cols.iter().map(move |c| [entry, &[*c][..]].concat()))
        .collect()
}

/// Where a neighbor was seen, as the table says it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Local {
    /// An LLDP port: its number and what `lldpLocPortTable` says of it.
    Lldp { num: u64, id: String, description: String },
    /// CDP's ifIndex.
    IfIndex(u64),
}

/// A neighbor before its local port is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub local: Local,
    pub neighbor: Neighbor,
}

/// A MAC address as `aa:bb:cc:dd:ee:ff`.
fn mac(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect::<Vec<_>>().join(":")
}

/// Text when it is printable, else the octets in hex.
fn text_or_hex(b: &[u8]) -> String {
    let t = String::from_utf8_lossy(b);
    let t = t.trim_end_matches('\0').trim();
    if t.chars().all(|c| !c.is_control()) && !t.contains('\u{fffd}') {
        t.to_owned()
    } else {
        mac(b)
    }
}

/// An address with its IANA family first (LLDP's networkAddress subtype,
/// and the management address table): IPv4, IPv6, or a MAC (all802).
fn family_address(family: u32, b: &[u8]) -> Option<String> {
    match (family, b.len()) {
        (1, 4) => Some(Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()),
        (2, 16) => <[u8; 16]>::try_from(b).ok().map(|a| Ipv6Addr::from(a).to_string()),
        (6, 6) => Some(mac(b)),
        _ => None,
    }
}

/// A chassis or port id of `subtype`: `mac` and `network` are the subtype
/// numbers of a MAC and of a network address in that id's enumeration.
fn id(subtype: Option<u64>, v: &Val, mac_subtype: u64, network_subtype: u64) -> String {
    let Some(b) = v.as_bytes() else {
        return String::new();
    };
    match subtype {
        Some(s) if s == mac_subtype && b.len() == 6 => mac(b),
        Some(s) if s == network_subtype && !b.is_empty() => {
            family_address(u32::from(b[0]), &b[1..]).unwrap_or_else(|| text_or_hex(b))
        }
        _ => text_or_hex(b),
    }
}

/// An LLDP chassis id (lldpLocChassisId, lldpRemChassisId) of `subtype`
/// as text: a MAC as `aa:bb:cc:dd:ee:ff`, a network address as an address.
pub fn chassis_id(subtype: Option<u64>, v: &Val) -> String {
    id(subtype, v, 4, 5)
}

/// LLDP's capability BITS (bit 0 the first octet's high bit) in the
/// vocabulary the CLI parsers use.
fn lldp_capabilities(b: &[u8]) -> String {
    CAPABILITIES
        .iter()
        .enumerate()
        .filter(|(bit, _)| b.get(bit / 8).is_some_and(|o| o & (0x80 >> (bit % 8)) != 0))
        .map(|(_, name)| *name)
        .collect::<Vec<_>>()
        .join(",")
}

/// CDP's capability flags (a 32-bit big-endian mask) in the same vocabulary:
/// router, bridges and switch as bridge, host as station, repeater, phone.
fn cdp_capabilities(b: &[u8]) -> String {
    let mask = b.iter().take(4).fold(0u32, |m, o| (m << 8) | u32::from(*o));
    let has = |name: &str| match name {
        "router" => mask & 0x01 != 0,
        "bridge" => mask & (0x02 | 0x04 | 0x08) != 0,
        "station" => mask & 0x10 != 0,
        "repeater" => mask & 0x40 != 0,
        "telephone" => mask & 0x80 != 0,
        "two_port_mac_relay" => mask & 0x400 != 0,
        _ => false,
    };
    CAPABILITIES
        .iter()
        .copied()
        .filter(|n| has(n))
        .collect::<Vec<_>>()
        .join(",")
}

fn text(v: Option<&Val>) -> String {
    v.and_then(Val::as_text).unwrap_or_default()
}

/// Every neighbor the walked tables list.
pub fn build(w: &Walked) -> Vec<Found> {
    let mut out = lldp(w);
    out.extend(cdp(w));
    out
}

fn lldp(w: &Walked) -> Vec<Found> {
    // Management addresses by the neighbor's index.
    let mut addresses: BTreeMap<Oid, Vec<(u32, String)>> = BTreeMap::new();
    for idx in w.rows(LLDP_REM_MAN_ADDR, 3) {
        let Some((key, rest)) = idx.split_at_checked(3) else {
            continue;
        };
        let [family, len, ref addr @ ..] = rest[..] else {
            continue;
        };
        if usize::try_from(len).ok() != Some(addr.len()) {
            continue;
        }
        let Ok(bytes) = addr.iter().map(|o| u8::try_from(*o)).collect::<Result<Vec<u8>, _>>() else {
            continue;
        };
        if let Some(a) = family_address(family, &bytes) {
            addresses.entry(key.to_vec()).or_default().push((family, a));
        }
    }
    let mut out = Vec::new();
    let rem = |col: u32, idx: &Oid| w.get(LLDP_REM, col, idx);
    let mut indexes: Vec<Oid> = [9, 7, 5].iter().flat_map(|c| w.rows(LLDP_REM, *c)).collect();
    indexes.sort();
    indexes.dedup();
    for idx in indexes {
        let [_, port, _] = idx[..] else { continue };
        let loc = vec![port];
        let loc_subtype = w.int(LLDP_LOC_PORT, 2, &loc).and_then(|s| u64::try_from(s).ok());
        let local = Local::Lldp {
            num: u64::from(port),
            id: w
                .get(LLDP_LOC_PORT, 3, &loc)
                .map(|v| id(loc_subtype, v, 3, 4))
                .unwrap_or_default(),
            description: w.text(LLDP_LOC_PORT, 4, &loc),
        };
        let chassis_subtype = w.int(LLDP_REM, 4, &idx).and_then(|s| u64::try_from(s).ok());
        let port_subtype = w.int(LLDP_REM, 6, &idx).and_then(|s| u64::try_from(s).ok());
        // IPv4 first, then IPv6, then a MAC.
        let mut addrs = addresses.get(&idx).cloned().unwrap_or_default();
        addrs.sort_by_key(|(family, _)| *family);
        out.push(Found {
            local,
            neighbor: Neighbor {
                protocol: NeighborProtocol::Lldp,
                interface: String::new(),
                remote_system: text(rem(9, &idx)),
                remote_port: rem(7, &idx).map(|v| id(port_subtype, v, 3, 4)).unwrap_or_default(),
                remote_port_description: text(rem(8, &idx)),
                remote_chassis_id: rem(5, &idx).map(|v| chassis_id(chassis_subtype, v)).unwrap_or_default(),
                remote_platform: one_line(&text(rem(10, &idx))),
                remote_address: addrs.into_iter().next().map(|(_, a)| a).unwrap_or_default(),
                remote_capabilities: rem(12, &idx)
                    .and_then(Val::as_bytes)
                    .map(lldp_capabilities)
                    .unwrap_or_default(),
                ..Neighbor::default()
            },
        });
    }
    out
}

fn cdp(w: &Walked) -> Vec<Found> {
    let mut indexes: Vec<Oid> = [6, 7].iter().flat_map(|c| w.rows(CDP_CACHE, *c)).collect();
    indexes.sort();
    indexes.dedup();
    indexes
        .into_iter()
        .filter_map(|idx| {
            let [if_index, _] = idx[..] else { return None };
            let address = match (
                w.int(CDP_CACHE, 3, &idx),
                w.get(CDP_CACHE, 4, &idx).and_then(Val::as_bytes),
            ) {
                // CiscoNetworkProtocol: ip(1), ipv6(20).
                (Some(1), Some(b)) => family_address(1, b),
                (Some(20), Some(b)) => family_address(2, b),
                _ => None,
            };
            Some(Found {
                local: Local::IfIndex(u64::from(if_index)),
                neighbor: Neighbor {
                    protocol: NeighborProtocol::Cdp,
                    interface: String::new(),
                    remote_system: w.text(CDP_CACHE, 6, &idx),
                    remote_port: w.text(CDP_CACHE, 7, &idx),
                    remote_port_description: String::new(),
                    remote_chassis_id: String::new(),
                    remote_platform: one_line(&w.text(CDP_CACHE, 8, &idx)),
                    remote_address: address.unwrap_or_default(),
                    remote_capabilities: w
                        .get(CDP_CACHE, 9, &idx)
                        .and_then(Val::as_bytes)
                        .map(cdp_capabilities)
                        .unwrap_or_default(),
                    ..Neighbor::default()
                },
            })
        })
        .collect()
}

/// Lines and runs of blanks as one space: system descriptions span lines.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The neighbors with their local port named as the interface series name
/// it. A port no interface fits keeps the LLDP agent's own name for it (or
/// `port N`), so no neighbor is lost.
pub fn place(found: &[Found], interfaces: &[Interface]) -> Vec<Neighbor> {
    let names: Vec<String> = interfaces.iter().map(|i| i.name.clone()).collect();
    let by_index = |i: u64| interfaces.iter().find(|x| x.index == Some(i)).map(|x| x.name.clone());
    let by_alias = |d: &str| {
        ifname::by_unique_description(d, interfaces.iter().map(|x| (x.description.as_str(), x.name.as_str())))
            .map(str::to_owned)
    };
    let mut out: Vec<Neighbor> = found
        .iter()
        .map(|f| {
            let interface = match &f.local {
                Local::IfIndex(i) => by_index(*i).unwrap_or_else(|| format!("ifIndex {i}")),
                Local::Lldp { num, id, description } => [id, description]
                    .iter()
                    .find_map(|c| ifname::resolve(c, &names).map(str::to_owned))
                    .or_else(|| by_index(*num))
                    .or_else(|| by_alias(description))
                    .unwrap_or_else(|| {
                        [id, description]
                            .iter()
                            .find(|c| !c.is_empty())
                            .map_or_else(|| format!("port {num}"), |c| (*c).clone())
                    }),
            };
            Neighbor {
                interface,
                ..f.neighbor.clone()
            }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests;
