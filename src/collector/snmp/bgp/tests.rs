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
    let p = established_only(bgp4_mib(&cols));
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

/// Puts `value` at `entry.col` row `idx`.
fn put(w: &mut Walked, entry: &[u32], col: u32, idx: &[u32], value: Val) {
    let mut o = entry.to_vec();
    o.push(col);
    w.columns.entry(o).or_default().push((idx.to_vec(), value));
}

/// An InetAddress index: type, length, octets.
fn inet(addr: &str) -> Vec<u32> {
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(a)) => [vec![1, 4], a.octets().map(u32::from).to_vec()].concat(),
        Ok(std::net::IpAddr::V6(a)) => [vec![2, 16], a.octets().map(u32::from).to_vec()].concat(),
        Err(e) => panic!("{addr}: {e}"),
    }
}

fn find<'a>(peers: &'a [BgpPeer], peer: &str, vrf: &str) -> &'a BgpPeer {
    peers
        .iter()
        .find(|p| p.peer == peer && p.vrf == vrf)
        .unwrap_or_else(|| panic!("no peer {peer} in {vrf}: {peers:#?}"))
}

fn family<'a>(p: &'a BgpPeer, afi: &str, safi: &str) -> &'a crate::report::BgpPrefixes {
    p.prefixes
        .iter()
        .find(|f| f.afi == afi && f.safi == safi)
        .unwrap_or_else(|| panic!("no {afi}/{safi} on {}: {:#?}", p.peer, p.prefixes))
}

#[test]
fn cisco_peer2_table_has_ipv6_peers_and_prefix_counts_per_family() {
    use vendor::{CISCO_PEER as P, CISCO_PREFIX as X};
    let mut w = Walked::default();
    let v4 = inet("192.0.2.1");
    let v6 = inet("2001:db8::2");
    put(&mut w, P, 3, &v4, Val::Int(6));
    put(&mut w, P, 4, &v4, Val::Int(2));
    put(&mut w, P, 6, &v4, Val::Str(vec![192, 0, 2, 254]));
    put(&mut w, P, 11, &v4, Val::Unsigned32(65001));
    put(&mut w, P, 12, &v4, Val::IpAddress([192, 0, 2, 1]));
    put(&mut w, P, 19, &v4, Val::Unsigned32(3600));
    put(&mut w, P, 3, &v6, Val::Int(3));
    put(&mut w, P, 4, &v6, Val::Int(2));
    let mut local6 = vec![0x20, 0x01, 0x0d, 0xb8];
    local6.extend([0; 11]);
    local6.push(1);
    put(&mut w, P, 6, &v6, Val::Str(local6));
    put(&mut w, P, 11, &v6, Val::Unsigned32(4_200_000_002));
    put(&mut w, P, 19, &v6, Val::Unsigned32(40));
    put(&mut w, X, 1, &[&v4[..], &[1, 1]].concat(), Val::Unsigned32(500));
    put(&mut w, X, 6, &[&v4[..], &[1, 1]].concat(), Val::Unsigned32(20));
    put(&mut w, X, 1, &[&v4[..], &[1, 128]].concat(), Val::Unsigned32(35));
    // A prefix row of a peer the peer table does not have: not a peer.
    put(
        &mut w,
        X,
        1,
        &[&inet("192.0.2.77")[..], &[1, 1]].concat(),
        Val::Unsigned32(9),
    );
    // An index that is not an InetAddress: skipped, not a panic.
    put(&mut w, P, 3, &[1, 9, 1, 2], Val::Int(6));
    put(&mut w, P, 3, &[1, 4, 300, 0, 0, 1], Val::Int(6));

    let peers = build(&w);
    assert_eq!(peers.len(), 2, "{peers:#?}");
    let a = find(&peers, "192.0.2.1", "default");
    assert_eq!((a.state, a.admin_up, a.remote_as), (Some(6), Some(true), Some(65001)));
    assert_eq!(
        (a.local_address.as_str(), a.remote_router_id.as_str()),
        ("192.0.2.254", "192.0.2.1")
    );
    assert_eq!(a.established_seconds, Some(3600.0));
    // cbgpPeer2AcceptedPrefixes is what `show bgp summary` calls PfxRcd.
    assert_eq!(family(a, "ipv4", "unicast").received, Some(500));
    assert_eq!(family(a, "ipv4", "unicast").advertised, Some(20));
    assert_eq!(family(a, "ipv4", "vpn").received, Some(35));
    let b = find(&peers, "2001:db8::2", "default");
    assert_eq!((b.state, b.remote_as), (Some(3), Some(4_200_000_002)));
    assert_eq!(b.local_address, "2001:db8::1");
    assert_eq!(
        b.established_seconds, None,
        "not established: the time is since it went down"
    );
}

#[test]
fn bgp4_mib_fills_what_the_vendor_table_lacks_and_adds_the_peers_it_lacks() {
    use vendor::CISCO_PEER as P;
    let mut w = Walked::default();
    let v4 = inet("192.0.2.1");
    put(&mut w, P, 3, &v4, Val::Int(6));
    put(&mut w, P, 11, &v4, Val::Unsigned32(65001));
    let bgp4 = |col: u32, idx: &[u32], v: Val, w: &mut Walked| put(w, &PEER_ENTRY, col, idx, v);
    // BGP4-MIB disagrees on the state (the vendor's wins) and has updates.
    bgp4(2, &[192, 0, 2, 1], Val::Int(1), &mut w);
    bgp4(10, &[192, 0, 2, 1], Val::Counter32(120), &mut w);
    bgp4(5, &[192, 0, 2, 1], Val::IpAddress([192, 0, 2, 254]), &mut w);
    bgp4(2, &[192, 0, 2, 9], Val::Int(1), &mut w);
    bgp4(3, &[192, 0, 2, 9], Val::Int(1), &mut w);
    let peers = build(&w);
    assert_eq!(peers.len(), 2, "{peers:#?}");
    let a = find(&peers, "192.0.2.1", "default");
    assert_eq!((a.state, a.updates_received), (Some(6), Some(120)));
    assert_eq!(a.local_address, "192.0.2.254");
    let shut = find(&peers, "192.0.2.9", "default");
    assert_eq!((shut.state, shut.admin_up), (Some(1), Some(false)));
}

#[test]
fn juniper_peers_carry_their_routing_instance_and_prefix_counters_by_peer_index() {
    use vendor::{JNX_COUNTERS, JNX_PEER, JNX_PREFIX, JNX_TIMES};
    let mut w = Walked::default();
    let master = [&[0][..], &inet("10.0.0.1"), &inet("10.0.0.2")].concat();
    let vrf = [&[5][..], &inet("2001:db8:5::1"), &inet("2001:db8:5::2")].concat();
    put(&mut w, JNX_PEER, 1, &master, Val::IpAddress([10, 255, 0, 2]));
    put(&mut w, JNX_PEER, 2, &master, Val::Int(6));
    put(&mut w, JNX_PEER, 3, &master, Val::Int(2));
    put(&mut w, JNX_PEER, 13, &master, Val::Unsigned32(65002));
    put(&mut w, JNX_PEER, 14, &master, Val::Int(7));
    put(&mut w, JNX_PEER, 2, &vrf, Val::Int(3));
    put(&mut w, JNX_PEER, 3, &vrf, Val::Int(1));
    put(&mut w, JNX_PEER, 13, &vrf, Val::Unsigned32(65005));
    put(&mut w, JNX_PEER, 14, &vrf, Val::Int(8));
    put(&mut w, JNX_TIMES, 1, &master, Val::Unsigned32(86400));
    put(&mut w, JNX_COUNTERS, 1, &master, Val::Counter32(1000));
    put(&mut w, JNX_COUNTERS, 2, &master, Val::Counter32(900));
    put(&mut w, JNX_COUNTERS, 5, &master, Val::Counter32(3));
    put(&mut w, JNX_PREFIX, 7, &[7, 1, 1], Val::Unsigned32(800));
    put(&mut w, JNX_PREFIX, 8, &[7, 1, 1], Val::Unsigned32(750));
    put(&mut w, JNX_PREFIX, 10, &[7, 1, 1], Val::Unsigned32(40));
    put(&mut w, JNX_PREFIX, 7, &[8, 2, 1], Val::Unsigned32(0));
    // A peer index no peer has.
    put(&mut w, JNX_PREFIX, 7, &[99, 1, 1], Val::Unsigned32(5));

    let peers = build(&w);
    assert_eq!(peers.len(), 2, "{peers:#?}");
    let a = find(&peers, "10.0.0.2", "default");
    assert_eq!((a.state, a.admin_up, a.remote_as), (Some(6), Some(true), Some(65002)));
    assert_eq!(
        (a.local_address.as_str(), a.remote_router_id.as_str()),
        ("10.0.0.1", "10.255.0.2")
    );
    assert_eq!(
        (a.updates_received, a.updates_sent, a.transitions),
        (Some(1000), Some(900), Some(3))
    );
    assert_eq!(a.established_seconds, Some(86400.0));
    let f = family(a, "ipv4", "unicast");
    assert_eq!((f.received, f.accepted, f.advertised), (Some(800), Some(750), Some(40)));
    let b = find(&peers, "2001:db8:5::2", "instance-5");
    assert_eq!((b.state, b.admin_up), (Some(3), Some(false)));
    assert_eq!(family(b, "ipv6", "unicast").received, Some(0));
}

#[test]
fn huawei_rows_per_address_family_merge_into_one_peer_with_its_vrf() {
    use vendor::{HW_FAMILY, HW_PEER, HW_ROUTE};
    let mut w = Walked::default();
    let public4 = [&[0, 1, 1][..], &inet("192.0.2.33")].concat();
    let public_vpn = [&[0, 1, 128][..], &inet("192.0.2.33")].concat();
    let vrf = [&[0, 1, 1][..], &inet("198.51.100.2")].concat();
    put(&mut w, HW_FAMILY, 6, &public4, Val::Str(b"_public_".to_vec()));
    put(&mut w, HW_FAMILY, 6, &public_vpn, Val::Str(b"_public_".to_vec()));
    put(&mut w, HW_FAMILY, 6, &vrf, Val::Str(b"cust-a".to_vec()));
    for idx in [&public4, &public_vpn] {
        put(&mut w, HW_PEER, 2, idx, Val::Unsigned32(65033));
        put(&mut w, HW_PEER, 5, idx, Val::Int(6));
        put(&mut w, HW_PEER, 6, idx, Val::Counter32(4));
        put(&mut w, HW_PEER, 7, idx, Val::Counter32(7200));
        put(&mut w, HW_PEER, 11, idx, Val::Int(2));
        put(&mut w, HW_PEER, 12, idx, Val::Str(b"transit-a".to_vec()));
    }
    put(&mut w, HW_ROUTE, 1, &public4, Val::Counter32(900_000));
    put(&mut w, HW_ROUTE, 2, &public4, Val::Counter32(880_000));
    put(&mut w, HW_ROUTE, 3, &public4, Val::Counter32(12));
    put(&mut w, HW_ROUTE, 1, &public_vpn, Val::Counter32(3000));
    put(&mut w, HW_PEER, 2, &vrf, Val::Unsigned32(65100));
    put(&mut w, HW_PEER, 5, &vrf, Val::Int(1));
    put(&mut w, HW_PEER, 7, &vrf, Val::Counter32(30));

    let peers = build(&w);
    assert_eq!(peers.len(), 2, "{peers:#?}");
    let a = find(&peers, "192.0.2.33", "default");
    assert_eq!((a.state, a.admin_up, a.remote_as), (Some(6), Some(true), Some(65033)));
    assert_eq!((a.description.as_str(), a.transitions), ("transit-a", Some(4)));
    assert_eq!(a.established_seconds, Some(7200.0));
    let f = family(a, "ipv4", "unicast");
    assert_eq!(
        (f.received, f.accepted, f.advertised),
        (Some(900_000), Some(880_000), Some(12))
    );
    assert_eq!(family(a, "ipv4", "vpn").received, Some(3000));
    assert_eq!(a.prefixes.len(), 2);
    let b = find(&peers, "198.51.100.2", "cust-a");
    assert_eq!((b.state, b.established_seconds), (Some(1), None));
}

#[test]
fn vendor_tables_are_walked_only_for_their_vendor() {
    let base = roots("net-snmp").len();
    assert_eq!(base, COLUMNS.len());
    for v in ["cisco", "juniper", "huawei"] {
        assert!(roots(v).len() > base, "{v}");
    }
}
