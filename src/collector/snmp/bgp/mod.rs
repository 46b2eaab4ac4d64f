//! BGP sessions over SNMP, walked on every poll (peer tables are small and
//! state must be fresh): BGP4-MIB (RFC 4273) `bgpPeerTable`, the IPv4
//! sessions of the default instance, and the [`vendor`] tables with IPv6
//! peers, VRFs and prefix counts. [`build`] is pure: walked columns in,
//! [`BgpPeer`]s out. A session both list is one peer: the vendor table's
//! fields first, BGP4-MIB's where the vendor's lack them.

pub mod vendor;

use std::collections::{BTreeMap, HashMap};
use std::net::Ipv4Addr;

use super::value::{Oid, Val};
use crate::collector::cli::parse::bgp::DEFAULT_VRF;
use crate::report::BgpPeer;

/// bgpPeerEntry.
pub const PEER_ENTRY: [u32; 9] = [1, 3, 6, 1, 2, 1, 15, 3, 1];

/// The columns read, by their number in bgpPeerEntry.
pub const COLUMNS: [u32; 9] = [
    1,  // bgpPeerIdentifier: the peer's router ID
    2,  // bgpPeerState
    3,  // bgpPeerAdminStatus: 1 stop, 2 start
    5,  // bgpPeerLocalAddr
    9,  // bgpPeerRemoteAs
    10, // bgpPeerInUpdates
    11, // bgpPeerOutUpdates
    15, // bgpPeerFsmEstablishedTransitions
    16, // bgpPeerFsmEstablishedTime
];

/// Column OIDs to walk for a device of `vendor`: BGP4-MIB's, and its
/// vendor table's.
pub fn roots(vendor: &str) -> Vec<Oid> {
    let mut tables: Vec<(&[u32], &[u32])> = vec![(&PEER_ENTRY, &COLUMNS)];
    tables.extend(vendor::tables(vendor));
    tables
        .into_iter()
        .flat_map(|(entry, cols)| cols.iter().map(move |c| [entry, &[*c]].concat()))
        .collect()
}

/// Walked columns: column OID → rows.
#[derive(Debug, Default)]
pub struct Walked {
    pub columns: HashMap<Oid, Vec<(Oid, Val)>>,
}

impl Walked {
    /// Every (column number, row index, value) of the table `entry`.
    pub fn rows(&self, entry: &[u32]) -> Vec<(u32, &Oid, &Val)> {
        let mut out: Vec<(u32, &Oid, &Val)> = self
            .columns
            .iter()
            .filter(|(o, _)| o.len() == entry.len() + 1 && o.starts_with(entry))
            .flat_map(|(o, rows)| {
                let col = o[entry.len()];
                rows.iter()
                    .filter(|(_, v)| !v.is_absent())
                    .map(move |(i, v)| (col, i, v))
            })
            .collect();
        out.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        out
    }
}

/// Every session the walked tables list, one peer per (address, VRF).
pub fn build(w: &Walked) -> Vec<BgpPeer> {
    let columns: Vec<(u32, Vec<(Oid, Val)>)> = COLUMNS
        .iter()
        .map(|c| {
            let rows = w
                .columns
                .get(&[&PEER_ENTRY[..], &[*c]].concat())
                .cloned()
                .unwrap_or_default();
            (*c, rows)
        })
        .collect();
    let mut peers = vendor::cisco(w);
    peers.extend(vendor::juniper(w));
    peers.extend(vendor::huawei(w));
    for b in bgp4_mib(&columns) {
        match peers.iter_mut().find(|p| p.peer == b.peer && p.vrf == b.vrf) {
            Some(p) => fill(p, b),
            None => peers.push(b),
        }
    }
    established_only(peers)
}

/// The time columns count "since the last change", in the state or out of
/// it: only an established session's is an established time.
fn established_only(mut peers: Vec<BgpPeer>) -> Vec<BgpPeer> {
    for p in &mut peers {
        if p.state != Some(6) {
            p.established_seconds = None;
        }
    }
    peers
}

/// `from`'s fields where `p` has none.
fn fill(p: &mut BgpPeer, from: BgpPeer) {
    let BgpPeer {
        remote_as,
        local_address,
        state,
        admin_up,
        established_seconds,
        transitions,
        updates_received,
        updates_sent,
        remote_router_id,
        ..
    } = from;
    p.remote_as = p.remote_as.or(remote_as);
    p.state = p.state.or(state);
    p.admin_up = p.admin_up.or(admin_up);
    p.established_seconds = p.established_seconds.or(established_seconds);
    p.transitions = p.transitions.or(transitions);
    p.updates_received = p.updates_received.or(updates_received);
    p.updates_sent = p.updates_sent.or(updates_sent);
    if p.local_address.is_empty() {
        p.local_address = local_address;
    }
    if p.remote_router_id.is_empty() {
        p.remote_router_id = remote_router_id;
    }
}

pub(crate) fn ip(v: &Val) -> String {
    match v {
        Val::IpAddress(a) if *a != [0, 0, 0, 0] => Ipv4Addr::from(*a).to_string(),
        _ => String::new(),
    }
}

/// BGP4-MIB peers from walked columns: `(column number, rows)`, a row's
/// index being the peer's IPv4 address.
pub fn bgp4_mib(columns: &[(u32, Vec<(Oid, Val)>)]) -> Vec<BgpPeer> {
    let mut peers: BTreeMap<[u8; 4], BgpPeer> = BTreeMap::new();
    for (col, rows) in columns {
        for (index, val) in rows {
            let Ok(octets) = <[u32; 4]>::try_from(index.as_slice()) else {
                continue;
            };
            let Ok(addr) = octets.map(u8::try_from).into_iter().collect::<Result<Vec<u8>, _>>() else {
                continue;
            };
            let key = [addr[0], addr[1], addr[2], addr[3]];
            let p = peers.entry(key).or_insert_with(|| BgpPeer {
                peer: Ipv4Addr::from(key).to_string(),
                vrf: DEFAULT_VRF.to_owned(),
                ..BgpPeer::default()
            });
            match col {
                1 => p.remote_router_id = ip(val),
                2 => p.state = val.as_u64().filter(|s| (1..=6).contains(s)).map(|s| s as u8),
                3 => p.admin_up = val.as_u64().map(|a| a == 2),
                5 => p.local_address = ip(val),
                9 => p.remote_as = val.as_u64().and_then(|a| u32::try_from(a).ok()),
                10 => p.updates_received = val.as_u64(),
                11 => p.updates_sent = val.as_u64(),
                15 => p.transitions = val.as_u64(),
                16 => p.established_seconds = val.as_u64().map(|s| s as f64),
                _ => {}
            }
        }
    }
    peers.into_values().collect()
}

#[cfg(test)]
mod tests;
