//! BGP4-MIB (RFC 4273) `bgpPeerTable`: the IPv4 sessions of the default
//! instance, walked on every poll (peer tables are small and state must be
//! fresh). [`build`] is pure: walked columns in, [`BgpPeer`]s out.
//!
//! BGP4-MIB has no prefix counters, no VRFs and no IPv6 peers; the vendor
//! tables that do (CISCO-BGP4-MIB `cbgpPeer2Table`, Juniper BGP4-V2,
//! Huawei `hwBgpPeerTable`) are not read yet.

use std::collections::BTreeMap;
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

pub fn roots() -> Vec<Oid> {
    COLUMNS
        .iter()
        .map(|c| {
            let mut o = PEER_ENTRY.to_vec();
            o.push(*c);
            o
        })
        .collect()
}

fn ip(v: &Val) -> String {
    match v {
        Val::IpAddress(a) if *a != [0, 0, 0, 0] => Ipv4Addr::from(*a).to_string(),
        _ => String::new(),
    }
}

/// Peers from walked columns: `(column number, rows)`, a row's index
/// being the peer's IPv4 address.
pub fn build(columns: &[(u32, Vec<(Oid, Val)>)]) -> Vec<BgpPeer> {
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
    let mut out: Vec<BgpPeer> = peers.into_values().collect();
    for p in &mut out {
        // The time column is "since the last change": in the state or out of it.
        if p.state != Some(6) {
            p.established_seconds = None;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_are_assembled_from_their_columns_and_time_counts_only_when_established() {
        let peer = vec![192, 0, 2, 1];
        let idle = vec![192, 0, 2, 2];
        let cols = vec![
            (2, vec![(peer.clone(), Val::Int(6)), (idle.clone(), Val::Int(1))]),
            (3, vec![(peer.clone(), Val::Int(2)), (idle.clone(), Val::Int(1))]),
            (5, vec![(peer.clone(), Val::IpAddress([192, 0, 2, 254]))]),
            (
                9,
                vec![(peer.clone(), Val::Int(65001)), (idle.clone(), Val::Int(4_200_000_000))],
            ),
            (15, vec![(peer.clone(), Val::Counter32(3))]),
            (
                16,
                vec![
                    (peer.clone(), Val::Unsigned32(120)),
                    (idle.clone(), Val::Unsigned32(50)),
                ],
            ),
            // An index that is not an IPv4 address: skipped, not a panic.
            (2, vec![(vec![1, 2, 3], Val::Int(6)), (vec![300, 0, 0, 1], Val::Int(6))]),
        ];
        let p = build(&cols);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].peer, "192.0.2.1");
        assert_eq!(
            (p[0].state, p[0].admin_up, p[0].remote_as),
            (Some(6), Some(true), Some(65001))
        );
        assert_eq!(
            (p[0].local_address.as_str(), p[0].transitions),
            ("192.0.2.254", Some(3))
        );
        assert_eq!(p[0].established_seconds, Some(120.0));
        assert_eq!(
            (p[1].state, p[1].admin_up, p[1].established_seconds),
            (Some(1), Some(false), None)
        );
        assert_eq!(p[1].remote_as, Some(4_200_000_000));
    }
}
