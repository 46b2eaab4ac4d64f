//! The mapping by hand, on rows shaped like the recordings' (the
//! integration tests check whole recordings through snmpsim).

use super::*;

fn put(w: &mut Walked, entry: &[u32], col: u32, idx: &[u32], v: Val) {
    w.columns
        .entry([entry, &[col][..]].concat())
        .or_default()
        .insert(idx.to_vec(), v);
}

fn s(t: &str) -> Val {
    Val::Str(t.as_bytes().to_vec())
}

fn ifc(index: u64, name: &str, alias: &str) -> Interface {
    Interface {
        name: name.into(),
        index: Some(index),
        description: alias.into(),
        ..Interface::default()
    }
}

#[test]
fn lldp_ids_are_decoded_by_subtype_and_the_first_ipv4_management_address_wins() {
    let mut w = Walked::default();
    let i = [0, 606, 1];
    put(&mut w, LLDP_REM, 4, &i, Val::Int(4));
    put(
        &mut w,
        LLDP_REM,
        5,
        &i,
        Val::Str(vec![0x38, 0x22, 0xd6, 0xb3, 0x31, 0xb5]),
    );
    put(&mut w, LLDP_REM, 6, &i, Val::Int(5));
    put(&mut w, LLDP_REM, 7, &i, s("GigabitEthernet1/1/1\0\0"));
    put(&mut w, LLDP_REM, 8, &i, s("GigabitEthernet1/1/1 Interface"));
    put(&mut w, LLDP_REM, 9, &i, s("DCGL-S5800"));
    put(
        &mut w,
        LLDP_REM,
        10,
        &i,
        s("H3C Comware Platform Software,\r\n Version 5.20"),
    );
    // bridge and router: bits 2 and 4.
    put(&mut w, LLDP_REM, 12, &i, Val::Str(vec![0b0010_1000, 0]));
    let v6 = [0, 606, 1, 2, 16, 32, 1, 13, 184, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    let v4 = [0, 606, 1, 1, 4, 10, 40, 1, 24];
    put(&mut w, LLDP_REM_MAN_ADDR, 3, &v6, Val::Int(2));
    put(&mut w, LLDP_REM_MAN_ADDR, 3, &v4, Val::Int(2));
    // A network-address chassis id (IPv4) on a second neighbor, with a
    // port id that is a MAC.
    let j = [0, 607, 2];
    put(&mut w, LLDP_REM, 4, &j, Val::Int(5));
    put(&mut w, LLDP_REM, 5, &j, Val::Str(vec![1, 192, 0, 2, 7]));
    put(&mut w, LLDP_REM, 6, &j, Val::Int(3));
    put(&mut w, LLDP_REM, 7, &j, Val::Str(vec![0, 0x23, 0x89, 0x91, 0x23, 0x03]));
    let f = build(&w);
    assert_eq!(f.len(), 2);
    let n = &f[0].neighbor;
    assert_eq!(n.protocol, NeighborProtocol::Lldp);
    assert_eq!(n.remote_chassis_id, "38:22:d6:b3:31:b5");
    assert_eq!(n.remote_port, "GigabitEthernet1/1/1");
    assert_eq!(n.remote_port_description, "GigabitEthernet1/1/1 Interface");
    assert_eq!(n.remote_system, "DCGL-S5800");
    assert_eq!(n.remote_platform, "H3C Comware Platform Software, Version 5.20");
    assert_eq!(n.remote_capabilities, "bridge,router");
    assert_eq!(n.remote_address, "10.40.1.24");
    let m = &f[1].neighbor;
    assert_eq!(
        (m.remote_chassis_id.as_str(), m.remote_port.as_str()),
        ("192.0.2.7", "00:23:89:91:23:03")
    );
    assert_eq!(m.remote_address, "");
}

#[test]
fn the_local_port_is_named_whether_the_port_number_is_an_ifindex_or_not() {
    let interfaces = vec![
        // Catalyst: ifIndex 1 is the VLAN, LLDP port 1 is Gi0/1.
        ifc(1, "Vl1", ""),
        ifc(10101, "Gi0/1", ""),
        // Junos: LLDP ports are ifIndexes, the port id is the number.
        ifc(543, "ge-0/0/1", "Connect to Jiao4Lou"),
        // NX-OS: the port id is a MAC, the description the ifName.
        ifc(436207616, "Ethernet1/1", "H3C-1:25"),
        // Ruijie: no ifName, ifDescr with a space; LLDP says Gi1/1/1.
        ifc(5, "GigabitEthernet 1/1/1", ""),
    ];
    let lldp = |num: u64, id: &str, description: &str| Found {
        local: Local::Lldp {
            num,
            id: id.into(),
            description: description.into(),
        },
        neighbor: Neighbor {
            remote_system: format!("peer-of-{num}"),
            ..Neighbor::default()
        },
    };
    let cdp = Found {
        local: Local::IfIndex(10101),
        neighbor: Neighbor {
            protocol: NeighborProtocol::Cdp,
            ..lldp(0, "", "").neighbor
        },
    };
    let found = vec![
        lldp(1, "Gi0/1", ""),
        lldp(543, "543", "Connect to Jiao4Lou"),
        lldp(436207616, "8c:60:4f:19:16:28", "Ethernet1/1"),
        lldp(3, "Gi1/1/1", "GigabitEthernet "),
        // Nothing fits: the agent's own name for it is kept.
        lldp(77, "", "uplink-x"),
        lldp(78, "", ""),
        cdp,
    ];
    let placed = place(&found, &interfaces);
    let at = |system: &str, protocol| {
        placed
            .iter()
            .find(|n| n.remote_system == system && n.protocol == protocol)
            .map(|n| n.interface.as_str())
    };
    assert_eq!(at("peer-of-1", NeighborProtocol::Lldp), Some("Gi0/1"));
    assert_eq!(at("peer-of-543", NeighborProtocol::Lldp), Some("ge-0/0/1"));
    assert_eq!(at("peer-of-436207616", NeighborProtocol::Lldp), Some("Ethernet1/1"));
    assert_eq!(at("peer-of-3", NeighborProtocol::Lldp), Some("GigabitEthernet 1/1/1"));
    assert_eq!(at("peer-of-77", NeighborProtocol::Lldp), Some("uplink-x"));
    assert_eq!(at("peer-of-78", NeighborProtocol::Lldp), Some("port 78"));
    assert_eq!(at("peer-of-0", NeighborProtocol::Cdp), Some("Gi0/1"));
}

#[test]
fn cdp_rows_give_address_platform_and_capabilities() {
    let mut w = Walked::default();
    let i = [10150, 4];
    put(&mut w, CDP_CACHE, 3, &i, Val::Int(1));
    put(&mut w, CDP_CACHE, 4, &i, Val::Str(vec![0x0a, 0x01, 0x64, 0x8d]));
    put(&mut w, CDP_CACHE, 6, &i, s("kexuehuitang"));
    put(&mut w, CDP_CACHE, 7, &i, s("GigabitEthernet0/1"));
    put(&mut w, CDP_CACHE, 8, &i, s("cisco WS-C2960-24TT-L"));
    // Switch and IGMP (IGMP has no LLDP meaning).
    put(&mut w, CDP_CACHE, 9, &i, Val::Str(vec![0, 0, 0, 0x28]));
    let f = build(&w);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].local, Local::IfIndex(10150));
    let n = &f[0].neighbor;
    assert_eq!(
        (n.protocol, n.remote_system.as_str(), n.remote_port.as_str()),
        (NeighborProtocol::Cdp, "kexuehuitang", "GigabitEthernet0/1")
    );
    assert_eq!(
        (
            n.remote_address.as_str(),
            n.remote_platform.as_str(),
            n.remote_capabilities.as_str()
        ),
        ("10.1.100.141", "cisco WS-C2960-24TT-L", "bridge")
    );
}

#[test]
fn malformed_indexes_and_values_are_skipped_not_a_panic() {
    let mut w = Walked::default();
    put(&mut w, LLDP_REM, 9, &[1, 2], s("short index"));
    put(&mut w, LLDP_REM, 5, &[0, 1, 1], Val::Int(7));
    put(&mut w, LLDP_REM_MAN_ADDR, 3, &[0, 1, 1, 1, 9, 1, 2], Val::Int(2));
    put(
        &mut w,
        LLDP_REM_MAN_ADDR,
        3,
        &[0, 1, 1, 1, 4, 300, 1, 1, 1],
        Val::Int(2),
    );
    put(&mut w, CDP_CACHE, 6, &[1], s("no device index"));
    put(&mut w, CDP_CACHE, 3, &[1, 1], Val::Int(1));
    put(&mut w, CDP_CACHE, 4, &[1, 1], Val::Str(vec![1, 2]));
    put(&mut w, CDP_CACHE, 6, &[1, 1], s("odd address"));
    let f = build(&w);
    assert_eq!(f.len(), 2, "{f:?}");
    assert_eq!(f[0].neighbor.remote_chassis_id, "");
    assert_eq!(f[1].neighbor.remote_address, "");
    assert_eq!(place(&f, &[])[0].interface, "port 1");
}
