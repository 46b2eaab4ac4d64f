//! The vendor BGP peer tables, which have what BGP4-MIB lacks: IPv6 peers,
//! VRFs (routing instances) and prefix counts per address family.
//!
//! * CISCO-BGP4-MIB `cbgpPeer2Table` and `cbgpPeer2AddrFamilyPrefixTable`
//!   (IOS, IOS-XE, NX-OS): indexed by (InetAddressType, InetAddress).
//!   Accepted prefixes are reported as received: it is the number `show bgp
//!   summary` prints as PfxRcd, which the CLI collector reports as received.
//! * BGP4-V2-MIB-JUNIPER `jnxBgpM2PeerTable` with its counters, event times
//!   and `jnxBgpM2PrefixCountersTable`: indexed by routing instance and both
//!   addresses; the prefix table by `jnxBgpM2PeerIndex`. The MIB numbers
//!   routing instances without naming them: instance 0 is the master
//!   instance (`vrf="default"`), others are `vrf="instance-N"`.
//! * HUAWEI-BGP-VPN-MIB `hwBgpPeerTable` and `hwBgpPeerRouteTable`, which
//!   augment `hwBgpPeerAddrFamilyTable` (instance, AFI, SAFI, address): one
//!   row per peer and address family, with the VRF name (`_public_` is the
//!   global table).
//!
//! No recording of a real device has these tables: the mappings are tested
//! on hand-built `.snmprec` files made from the MIB definitions.

use std::collections::{BTreeMap, HashMap};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{ip, Walked};
use crate::collector::cli::parse::bgp::DEFAULT_VRF;
use crate::collector::snmp::value::{Oid, Val};
use crate::report::{BgpPeer, BgpPrefixes};

/// cbgpPeer2Entry.
pub const CISCO_PEER: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 187, 1, 2, 5, 1];
/// cbgpPeer2AddrFamilyPrefixEntry.
pub const CISCO_PREFIX: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 187, 1, 2, 8, 1];
/// jnxBgpM2PeerEntry.
pub const JNX_PEER: &[u32] = &[1, 3, 6, 1, 4, 1, 2636, 5, 1, 1, 2, 1, 1, 1];
/// jnxBgpM2PeerEventTimesEntry (augments the peer entry).
pub const JNX_TIMES: &[u32] = &[1, 3, 6, 1, 4, 1, 2636, 5, 1, 1, 2, 4, 1, 1];
/// jnxBgpM2PeerCountersEntry (augments the peer entry).
pub const JNX_COUNTERS: &[u32] = &[1, 3, 6, 1, 4, 1, 2636, 5, 1, 1, 2, 6, 1, 1];
/// jnxBgpM2PrefixCountersEntry, by jnxBgpM2PeerIndex, AFI, SAFI.
pub const JNX_PREFIX: &[u32] = &[1, 3, 6, 1, 4, 1, 2636, 5, 1, 1, 2, 6, 2, 1];
/// hwBgpPeerAddrFamilyEntry.
pub const HW_FAMILY: &[u32] = &[1, 3, 6, 1, 4, 1, 2011, 5, 25, 177, 1, 1, 1, 1];
/// hwBgpPeerEntry (augments the address family entry).
pub const HW_PEER: &[u32] = &[1, 3, 6, 1, 4, 1, 2011, 5, 25, 177, 1, 1, 2, 1];
/// hwBgpPeerRouteEntry (augments the address family entry).
pub const HW_ROUTE: &[u32] = &[1, 3, 6, 1, 4, 1, 2011, 5, 25, 177, 1, 1, 3, 1];

/// (entry, columns) walked for a device of `vendor`.
pub fn tables(vendor: &str) -> Vec<(&'static [u32], &'static [u32])> {
    match vendor {
        // state, admin, local address, remote AS, router ID, updates in/out,
        // transitions, established time; accepted and advertised prefixes.
        "cisco" => vec![
            (CISCO_PEER, &[3, 4, 6, 11, 12, 13, 14, 18, 19]),
            (CISCO_PREFIX, &[1, 6]),
        ],
        // identifier, state, status, remote AS, peer index; established
        // time; updates in/out, transitions; prefixes in, accepted, out.
        "juniper" => vec![
            (JNX_PEER, &[1, 2, 3, 13, 14]),
            (JNX_TIMES, &[1]),
            (JNX_COUNTERS, &[1, 2, 5]),
            (JNX_PREFIX, &[7, 8, 10]),
        ],
        // VRF name; remote AS, state, established count and time, admin,
        // description; prefixes received, active, advertised.
        "huawei" => vec![
            (HW_FAMILY, &[6]),
            (HW_PEER, &[2, 5, 6, 7, 11, 12]),
            (HW_ROUTE, &[1, 2, 3]),
        ],
        _ => Vec::new(),
    }
}

/// An InetAddress in an index (type, length, octets…) and what follows it.
fn inet_index(idx: &[u32]) -> Option<(IpAddr, &[u32])> {
    let (&kind, rest) = idx.split_first()?;
    let (&len, rest) = rest.split_first()?;
    let len = usize::try_from(len).ok()?;
    if rest.len() < len {
        return None;
    }
    let (addr, rest) = rest.split_at(len);
    let octets: Vec<u8> = addr.iter().map(|o| u8::try_from(*o).ok()).collect::<Option<_>>()?;
    Some((inet(kind, &octets)?, rest))
}

/// An InetAddress value of `kind` (1 IPv4, 2 IPv6; the zoned kinds carry
/// their zone after the address).
fn inet(kind: u32, octets: &[u8]) -> Option<IpAddr> {
    match (kind, octets.len()) {
        (1 | 3, 4 | 8) => Some(IpAddr::V4(Ipv4Addr::new(octets[0], octets[1], octets[2], octets[3]))),
        (2 | 4, 16 | 20) => {
            let b: [u8; 16] = octets[..16].try_into().ok()?;
            Some(IpAddr::V6(Ipv6Addr::from(b)))
        }
        _ => None,
    }
}

/// An InetAddress column's value, whatever its length says it is.
fn inet_value(v: &Val) -> String {
    match v {
        Val::Str(b) if b.len() == 4 => Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
        Val::Str(b) if b.len() == 16 => <[u8; 16]>::try_from(&b[..])
            .map(|a| Ipv6Addr::from(a).to_string())
            .unwrap_or_default(),
        v => ip(v),
    }
}

/// The BGP identifier: an IpAddress, or four octets.
fn identifier(v: &Val) -> String {
    match v {
        Val::Str(b) if b.len() == 4 && b != &[0, 0, 0, 0] => Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
        v => ip(v),
    }
}

/// AFI and SAFI numbers (RFC 4760; the MIBs use InetAddressType for the
/// AFI, the same 1 and 2) as the label values the CLI collector uses.
pub fn family(afi: u32, safi: u32) -> (String, String) {
    let afi = match afi {
        1 => "ipv4".to_owned(),
        2 => "ipv6".to_owned(),
        25 | 196 => "l2vpn".to_owned(),
        n => n.to_string(),
    };
    let safi = match safi {
        1 => "unicast".to_owned(),
        2 => "multicast".to_owned(),
        4 => "labeled-unicast".to_owned(),
        5 => "mvpn".to_owned(),
        65 => "vpls".to_owned(),
        70 => "evpn".to_owned(),
        128 => "vpn".to_owned(),
        132 => "rtc".to_owned(),
        n => n.to_string(),
    };
    (afi, safi)
}

fn state(v: &Val) -> Option<u8> {
    v.as_u64().filter(|s| (1..=6).contains(s)).map(|s| s as u8)
}

fn prefixes(p: &mut BgpPeer, afi: u32, safi: u32) -> &mut BgpPrefixes {
    let (afi, safi) = family(afi, safi);
    let at = match p.prefixes.iter().position(|x| x.afi == afi && x.safi == safi) {
        Some(at) => at,
        None => {
            p.prefixes.push(BgpPrefixes {
                afi,
                safi,
                ..BgpPrefixes::default()
            });
            p.prefixes.len() - 1
        }
    };
    &mut p.prefixes[at]
}

fn new_peer(addr: IpAddr, vrf: &str) -> BgpPeer {
    BgpPeer {
        peer: addr.to_string(),
        vrf: vrf.to_owned(),
        ..BgpPeer::default()
    }
}

/// Cisco: peers by their index (type, address), prefix rows by the same
/// index followed by AFI and SAFI.
pub fn cisco(w: &Walked) -> Vec<BgpPeer> {
    let mut peers: BTreeMap<Oid, BgpPeer> = BTreeMap::new();
    for (col, idx, v) in w.rows(CISCO_PEER) {
        let Some((addr, [])) = inet_index(idx) else { continue };
        let p = peers.entry(idx.clone()).or_insert_with(|| new_peer(addr, DEFAULT_VRF));
        match col {
            3 => p.state = state(v),
            4 => p.admin_up = v.as_u64().map(|a| a == 2),
            6 => p.local_address = inet_value(v),
            11 => p.remote_as = v.as_u64().and_then(|a| u32::try_from(a).ok()),
            12 => p.remote_router_id = identifier(v),
            13 => p.updates_received = v.as_u64(),
            14 => p.updates_sent = v.as_u64(),
            18 => p.transitions = v.as_u64(),
            19 => p.established_seconds = v.as_u64().map(|s| s as f64),
            _ => {}
        }
    }
    for (col, idx, v) in w.rows(CISCO_PREFIX) {
        let Some((_, [afi, safi])) = inet_index(idx) else {
            continue;
        };
        let key = &idx[..idx.len() - 2];
        let Some(p) = peers.get_mut(key) else { continue };
        let f = prefixes(p, *afi, *safi);
        match col {
            1 => f.received = v.as_u64(),
            6 => f.advertised = v.as_u64(),
            _ => {}
        }
    }
    peers.into_values().collect()
}

/// Juniper: peers by (instance, local address, remote address); the
/// augmenting tables by the same index; prefix rows by jnxBgpM2PeerIndex.
pub fn juniper(w: &Walked) -> Vec<BgpPeer> {
    let mut peers: BTreeMap<Oid, BgpPeer> = BTreeMap::new();
    let mut by_peer_index: HashMap<u64, Oid> = HashMap::new();
    let parse = |idx: &Oid| -> Option<(u32, IpAddr, IpAddr)> {
        let (&instance, rest) = idx.split_first()?;
        let (local, rest) = inet_index(rest)?;
        let (remote, []) = inet_index(rest)? else { return None };
        Some((instance, local, remote))
    };
    for (col, idx, v) in w.rows(JNX_PEER) {
        let Some((instance, local, remote)) = parse(idx) else {
            continue;
        };
        let p = peers.entry(idx.clone()).or_insert_with(|| {
            let vrf = if instance == 0 {
                DEFAULT_VRF.to_owned()
            } else {
                format!("instance-{instance}")
            };
            let mut p = new_peer(remote, &vrf);
            p.local_address = local.to_string();
            p
        });
        match col {
            1 => p.remote_router_id = identifier(v),
            2 => p.state = state(v),
            3 => p.admin_up = v.as_u64().map(|s| s == 2),
            13 => p.remote_as = v.as_u64().and_then(|a| u32::try_from(a).ok()),
            14 => {
                if let Some(i) = v.as_u64() {
                    by_peer_index.insert(i, idx.clone());
                }
            }
            _ => {}
        }
    }
    for (col, idx, v) in w.rows(JNX_TIMES) {
        if let (1, Some(p)) = (col, peers.get_mut(idx)) {
            p.established_seconds = v.as_u64().map(|s| s as f64);
        }
    }
    for (col, idx, v) in w.rows(JNX_COUNTERS) {
        let Some(p) = peers.get_mut(idx) else { continue };
        match col {
            1 => p.updates_received = v.as_u64(),
            2 => p.updates_sent = v.as_u64(),
            5 => p.transitions = v.as_u64(),
            _ => {}
        }
    }
    for (col, idx, v) in w.rows(JNX_PREFIX) {
        let [peer_index, afi, safi] = idx[..] else { continue };
        let Some(key) = by_peer_index.get(&u64::from(peer_index)) else {
            continue;
        };
        let Some(p) = peers.get_mut(key) else { continue };
        let f = prefixes(p, afi, safi);
        match col {
            7 => f.received = v.as_u64(),
            8 => f.accepted = v.as_u64(),
            10 => f.advertised = v.as_u64(),
            _ => {}
        }
    }
    peers.into_values().collect()
}

/// Huawei: one row per (instance, AFI, SAFI, address): merged into one peer
/// per (instance, address), with a prefix count per address family.
pub fn huawei(w: &Walked) -> Vec<BgpPeer> {
    let mut peers: BTreeMap<(u32, IpAddr), BgpPeer> = BTreeMap::new();
    let parse = |idx: &Oid| -> Option<(u32, u32, u32, IpAddr)> {
        let [instance, afi, safi, ref rest @ ..] = idx[..] else {
            return None;
        };
        let (addr, []) = inet_index(rest)? else { return None };
        Some((instance, afi, safi, addr))
    };
    let mut vrfs: HashMap<(u32, IpAddr), String> = HashMap::new();
    for (_, idx, v) in w.rows(HW_FAMILY) {
        let Some((instance, _, _, addr)) = parse(idx) else {
            continue;
        };
        let name = v.as_text().unwrap_or_default();
        let vrf = match name.trim() {
            "" | "_public_" => DEFAULT_VRF.to_owned(),
            n => n.to_owned(),
        };
        vrfs.insert((instance, addr), vrf);
    }
    for (col, idx, v) in w.rows(HW_PEER) {
        let Some((instance, _, _, addr)) = parse(idx) else {
            continue;
        };
        let p = peers
            .entry((instance, addr))
            .or_insert_with(|| new_peer(addr, vrfs.get(&(instance, addr)).map_or(DEFAULT_VRF, String::as_str)));
        match col {
            2 => p.remote_as = v.as_u64().and_then(|a| u32::try_from(a).ok()),
            5 => p.state = state(v),
            6 => p.transitions = v.as_u64(),
            7 => p.established_seconds = v.as_u64().map(|s| s as f64),
            11 => p.admin_up = v.as_u64().map(|a| a == 2),
            12 => p.description = v.as_text().unwrap_or_default().trim().to_owned(),
            _ => {}
        }
    }
    for (col, idx, v) in w.rows(HW_ROUTE) {
        let Some((instance, afi, safi, addr)) = parse(idx) else {
            continue;
        };
        // Counts of a peer the peer table does not list are not a peer.
        let Some(p) = peers.get_mut(&(instance, addr)) else {
            continue;
        };
        let f = prefixes(p, afi, safi);
        match col {
            1 => f.received = v.as_u64(),
            2 => f.accepted = v.as_u64(),
            3 => f.advertised = v.as_u64(),
            _ => {}
        }
    }
    peers.into_values().collect()
}
