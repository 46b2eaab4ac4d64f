//! Every captured neighbor output against its independent parse (the
//! `.yml` oracle) for each field it covers, by hand for what it lacks
//! (capability vocabulary, MAC spelling, whole descriptions, protocol), and
//! on cut-short or foreign text.

use super::*;
use crate::collector::cli::parse::testing::fixtures;
use crate::collector::cli::parse::Platform;
use serde_json::Value;

/// A reference field, empty where the oracle has none.
fn field<'a>(r: &'a Value, key: &str) -> &'a str {
    r[key].as_str().unwrap_or_default()
}

/// The oracle's description: one string, or its lines as a list.
fn description(r: &Value) -> String {
    match &r["neighbor_description"] {
        Value::Array(lines) => one_line(&lines.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" ")),
        v => one_line(v.as_str().unwrap_or_default()),
    }
}

/// Parses every capture of a command, checks the count and that nothing was
/// skipped, and hands each (neighbor, oracle record) pair to `check`.
fn each(
    platform: &str,
    command: &str,
    parse: fn(&str) -> Parsed<Vec<Neighbor>>,
    check: impl Fn(&str, &Neighbor, &Value),
) -> usize {
    let mut n = 0;
    for (stem, raw, records) in fixtures(platform, command) {
        let parsed = parse(&raw);
        assert_eq!(parsed.skipped, 0, "{stem}");
        assert_eq!(parsed.value.len(), records.len(), "{stem}: {:#?}", parsed.value);
        for (got, want) in parsed.value.iter().zip(&records) {
            check(&stem, got, want);
            n += 1;
        }
    }
    n
}

#[test]
fn cdp_entries_match_the_oracle_on_ios_and_nxos() {
    for (platform, name_key) in [("cisco_ios", "neighbor_name"), ("cisco_nxos", "chassis_id")] {
        let n = each(platform, "show_cdp_neighbors_detail", cisco_detail, |stem, got, r| {
            assert_eq!(got.protocol, NeighborProtocol::Cdp, "{stem}");
            assert_eq!(got.interface, field(r, "local_interface"), "{stem}");
            // The device id, raw: `dc-lf03(SAL19069XXX)` stays whole.
            assert_eq!(got.remote_system, field(r, name_key), "{stem}");
            assert_eq!(got.remote_port, field(r, "neighbor_interface"), "{stem}");
            assert_eq!(got.remote_platform, field(r, "platform").trim(), "{stem}");
            assert_eq!(
                got.remote_address,
                field(r, "mgmt_address"),
                "{stem} {}",
                got.remote_system
            );
            assert_eq!(
                got.remote_capabilities,
                capabilities(field(r, "capabilities")),
                "{stem}"
            );
            assert_eq!(
                (got.remote_chassis_id.as_str(), got.remote_port_description.as_str()),
                ("", "")
            );
        });
        assert!(n >= 5, "{platform}: {n}");
    }
}

#[test]
fn ios_lldp_entries_match_the_oracle() {
    let n = each(
        "cisco_ios",
        "show_lldp_neighbors_detail",
        cisco_detail,
        |stem, got, r| {
            assert_eq!(got.protocol, NeighborProtocol::Lldp, "{stem}");
            assert_eq!(got.interface, field(r, "local_interface"), "{stem}");
            assert_eq!(got.remote_chassis_id, chassis_id(field(r, "chassis_id")), "{stem}");
            assert_eq!(got.remote_port, field(r, "neighbor_port_id"), "{stem}");
            assert_eq!(got.remote_port_description, field(r, "neighbor_interface"), "{stem}");
            assert_eq!(got.remote_system, field(r, "neighbor_name"), "{stem}");
            // The oracle keeps the first line of a description; ours is all of it.
            assert!(
                got.remote_platform.starts_with(&description(r)),
                "{stem}: {}",
                got.remote_platform
            );
            assert_eq!(got.remote_address, field(r, "mgmt_address"), "{stem}");
            assert_eq!(
                got.remote_capabilities,
                capabilities(field(r, "capabilities")),
                "{stem}"
            );
        },
    );
    assert_eq!(n, 19);
}

#[test]
fn nxos_lldp_entries_match_the_oracle() {
    let n = each(
        "cisco_nxos",
        "show_lldp_neighbors_detail",
        cisco_detail,
        |stem, got, r| {
            assert_eq!(got.protocol, NeighborProtocol::Lldp, "{stem}");
            assert_eq!(got.interface, field(r, "local_interface"), "{stem}");
            assert_eq!(got.remote_chassis_id, chassis_id(field(r, "chassis_id")), "{stem}");
            assert_eq!(got.remote_port, field(r, "neighbor_interface"), "{stem}");
            assert_eq!(got.remote_system, field(r, "neighbor_name"), "{stem}");
            assert!(
                got.remote_platform.starts_with(&description(r)),
                "{stem}: {}",
                got.remote_platform
            );
            assert_eq!(got.remote_address, field(r, "mgmt_address"), "{stem}");
            assert_eq!(
                got.remote_capabilities,
                capabilities(field(r, "capabilities")),
                "{stem}"
            );
        },
    );
    assert_eq!(n, 6);
}

#[test]
fn vrp_lldp_entries_match_the_oracle() {
    let n = each("huawei_vrp", "display_lldp_neighbor", vrp_lldp, |stem, got, r| {
        assert_eq!(got.protocol, NeighborProtocol::Lldp, "{stem}");
        assert_eq!(got.interface, field(r, "local_interface"), "{stem}");
        assert_eq!(got.remote_chassis_id, chassis_id(field(r, "chassis_id")), "{stem}");
        assert_eq!(got.remote_port, field(r, "neighbor_port_id"), "{stem}");
        assert_eq!(got.remote_port_description, field(r, "neighbor_interface"), "{stem}");
        assert_eq!(got.remote_system, field(r, "neighbor_name"), "{stem}");
        // The oracle has every line of the description here.
        assert_eq!(got.remote_platform, description(r), "{stem}");
        assert_eq!(got.remote_address, chassis_id(field(r, "mgmt_address")), "{stem}");
        assert_eq!(
            got.remote_capabilities,
            capabilities(field(r, "capabilities")),
            "{stem}"
        );
    });
    assert_eq!(n, 19);
}

#[test]
fn junos_table_rows_match_the_oracle_with_and_without_a_parent_lag() {
    let n = each("juniper_junos", "show_lldp_neighbors", junos_table, |stem, got, r| {
        assert_eq!(got.interface, field(r, "local_interface"), "{stem}");
        assert_eq!(got.remote_chassis_id, field(r, "chassis_id"), "{stem}");
        assert_eq!(got.remote_port, field(r, "neighbor_interface"), "{stem}");
        assert_eq!(got.remote_system, field(r, "neighbor_name"), "{stem}");
        assert_eq!(got.remote_capabilities, "", "{stem}");
    });
    assert_eq!(n, 6);
    // Older releases print no parent column.
    let old = "Local Interface    Chassis Id          Port info          System Name\n\
               ge-0/0/1           2c:6b:f5:a1:c2:c0   Gi1/0/1 uplink     sw 1\n";
    let p = junos_table(old);
    assert_eq!(p.skipped, 0);
    assert_eq!(
        (
            p.value[0].interface.as_str(),
            p.value[0].remote_port.as_str(),
            p.value[0].remote_system.as_str()
        ),
        ("ge-0/0/1", "Gi1/0/1 uplink", "sw 1")
    );
}

#[test]
fn routeros_entries_match_the_oracle_including_wrapped_lines() {
    let n = each(
        "mikrotik_routeros",
        "ip_neighbor_print_detail",
        routeros_neighbors,
        |stem, got, r| {
            assert_eq!(got.protocol, NeighborProtocol::Lldp, "{stem}");
            let local = field(r, "interface").split(',').next().unwrap_or_default();
            assert_eq!(got.interface, local, "{stem}");
            assert_eq!(got.remote_system, field(r, "identity"), "{stem}");
            assert_eq!(got.remote_port, field(r, "interface_name"), "{stem}");
            assert_eq!(got.remote_chassis_id, chassis_id(field(r, "mac_address")), "{stem}");
            let platform = match field(r, "system_description") {
                "" => field(r, "platform"),
                d => d,
            };
            assert_eq!(got.remote_platform, platform, "{stem}");
            assert_eq!(got.remote_address, field(r, "ip_address"), "{stem}");
            assert_eq!(
                got.remote_capabilities,
                capabilities(field(r, "system_caps_enabled")),
                "{stem}"
            );
        },
    );
    assert_eq!(n, 5);
}

#[test]
fn capabilities_of_every_spelling_share_one_vocabulary_and_order() {
    for (text, want) in [
        ("B,R", "bridge,router"),
        ("B, W, R, S", "bridge,wlan_access_point,router,station"),
        ("R,B", "bridge,router"),
        ("Router Switch IGMP", "bridge,router"),
        ("Router Switch IGMP Filtering Supports-STP-Dispute", "bridge,router"),
        (
            "Trans-Bridge Source-Route-Bridge Phone Host",
            "bridge,telephone,station",
        ),
        ("Repeater Two-port Mac Relay", "repeater,two_port_mac_relay"),
        ("bridge router", "bridge,router"),
        ("wlanAccessPoint", "wlan_access_point"),
        ("stationOnly", "station"),
        ("bridge,wlan-ap,router", "bridge,wlan_access_point,router"),
        (
            "Bridge, WLAN Access Point, Telephone",
            "bridge,wlan_access_point,telephone",
        ),
        ("O,P,C,T", "other,repeater,telephone,docsis_cable_device"),
        ("", ""),
        ("IGMP", ""),
    ] {
        assert_eq!(capabilities(text), want, "{text}");
    }
}

#[test]
fn only_enabled_capabilities_count_where_both_are_printed() {
    let (_, raw, _) = fixtures("cisco_ios", "show_lldp_neighbors_detail")
        .into_iter()
        .find(|(s, _, _)| s.ends_with("chassis-colon"))
        .unwrap();
    let n = &cisco_detail(&raw).value[0];
    // "System Capabilities: B,W,R,S", "Enabled Capabilities: S".
    assert_eq!(n.remote_capabilities, "station");
    assert_eq!(n.remote_chassis_id, "00:61:75:f5:b5:ff");
    // A MAC port id is a port id: as sent.
    assert_eq!(n.remote_port, "0061.75f5.b5ff");
}

#[test]
fn chassis_ids_macs_normalized_other_kinds_as_sent() {
    assert_eq!(chassis_id("7c25.86c9.aaaa"), "7c:25:86:c9:aa:aa");
    assert_eq!(chassis_id("f55f-c2c5-e180"), "f5:5f:c2:c5:e1:80");
    assert_eq!(chassis_id("00:61:75:F5:B5:FF"), "00:61:75:f5:b5:ff");
    assert_eq!(chassis_id("10.10.0.1"), "10.10.0.1");
    assert_eq!(chassis_id("::"), "::");
    assert_eq!(chassis_id(" SW-CHASSIS-1 "), "SW-CHASSIS-1");
}

#[test]
fn a_multi_line_system_description_becomes_one_line() {
    let (_, raw, _) = fixtures("cisco_ios", "show_lldp_neighbors_detail")
        .into_iter()
        .find(|(s, _, _)| s.ends_with("detail2"))
        .unwrap();
    let all = cisco_detail(&raw).value;
    let dmz = all.iter().find(|n| n.remote_system == "DMZ-SW1").unwrap();
    assert_eq!(
        dmz.remote_platform,
        "Cisco IOS Software, C3750 Software (C3750-IPSERVICESK9-M), Version 12.2(53)SE2, RELEASE SOFTWARE (fc3) \
         Technical Support: http://www.cisco.com/techsupport Copyright (c) 1986-2010 by Cisco Systems, Inc. \
         Compiled Wed 21-Apr-10 04:49 by prod_rel_team"
    );
    // This release prints no local port: the neighbor is kept, its port unknown.
    assert_eq!(dmz.interface, "");
    // A neighbor advertising only its chassis and port id is still one.
    let bare = all.iter().find(|n| n.remote_port == "g2").unwrap();
    assert_eq!(
        (
            bare.remote_system.as_str(),
            bare.remote_platform.as_str(),
            bare.remote_capabilities.as_str()
        ),
        ("", "", "")
    );
}

#[test]
fn cdp_and_lldp_outputs_concatenated_are_told_apart() {
    for (platform, cdp, lldp) in [
        (
            "cisco_ios",
            "cisco_ios_show_cdp_neighbors_detail",
            "cisco_ios_show_lldp_neighbors_detail1",
        ),
        (
            "cisco_nxos",
            "cisco_nxos_show_cdp_neighbors_detail",
            "cisco_nxos_show_lldp_neighbors_detail",
        ),
    ] {
        let pick = |command: &str, stem: &str| {
            fixtures(platform, command)
                .into_iter()
                .find(|(s, _, _)| s == stem)
                .map(|(_, raw, records)| (raw, records.len()))
                .unwrap()
        };
        let (cdp_raw, cdp_n) = pick("show_cdp_neighbors_detail", cdp);
        let (lldp_raw, lldp_n) = pick("show_lldp_neighbors_detail", lldp);
        let p = Platform::CiscoIos.parse_neighbors(&format!("{cdp_raw}\n{lldp_raw}"));
        assert_eq!(p.skipped, 0, "{platform}");
        let count = |proto| p.value.iter().filter(|n| n.protocol == proto).count();
        assert_eq!(count(NeighborProtocol::Cdp), cdp_n, "{platform}");
        assert_eq!(count(NeighborProtocol::Lldp), lldp_n, "{platform}");
        // The last CDP entry keeps its own fields, not the next output's.
        let last_cdp = p.value.iter().rfind(|n| n.protocol == NeighborProtocol::Cdp).unwrap();
        assert!(!last_cdp.remote_platform.is_empty() && last_cdp.remote_chassis_id.is_empty());
        // And the other way round.
        let q = Platform::CiscoNxos.parse_neighbors(&format!("{lldp_raw}\n{cdp_raw}"));
        assert_eq!(q.value.len(), cdp_n + lldp_n, "{platform}");
    }
}

#[test]
fn routeros_protocol_comes_from_discovered_by_when_printed() {
    let text = " 0 interface=ether1 mac-address=AA:BB:CC:00:00:01 identity=\"sw1\" platform=\"Cisco WS-C2960\"\n   \
                interface-name=\"GigabitEthernet0/1\" discovered-by=cdp\n \
                1 interface=sfp1,bridge identity=\"r2\" discovered-by=cdp,lldp system-caps=bridge,router\n \
                2 interface=ether3 identity=\"m3\" discovered-by=mndp\n";
    let p = routeros_neighbors(text);
    assert_eq!(p.skipped, 0);
    let protocols: Vec<_> = p.value.iter().map(|n| n.protocol).collect();
    assert_eq!(
        protocols,
        [NeighborProtocol::Cdp, NeighborProtocol::Lldp, NeighborProtocol::Lldp]
    );
    assert_eq!(p.value[0].remote_port, "GigabitEthernet0/1");
    assert_eq!(p.value[0].remote_chassis_id, "aa:bb:cc:00:00:01");
    assert_eq!(p.value[1].interface, "sfp1");
    // No enabled list: the supported one.
    assert_eq!(p.value[1].remote_capabilities, "bridge,router");
}

#[test]
fn truncated_and_foreign_text_is_counted_not_fatal() {
    // Cut short after the local port: nothing identifies a neighbor.
    let p = cisco_detail("Local Intf: Gi1/0/1\nTime remaining: 3 seconds\n");
    assert_eq!((p.value.len(), p.skipped), (0, 2));
    // Cut inside the description: what was read is kept.
    let p = cisco_detail("Chassis id: aabb.cc00.0300\nPort id: Et0/1\nSystem Description:\nCisco IOS Software, Linux");
    assert_eq!(p.value[0].remote_platform, "Cisco IOS Software, Linux");
    assert_eq!(p.value[0].remote_chassis_id, "aa:bb:cc:00:03:00");
    // Cut inside the Platform line.
    let p = cisco_detail("Device ID: sw9\nPlatform: cisco WS-C29");
    assert_eq!(
        (
            p.value[0].remote_platform.as_str(),
            p.value[0].remote_capabilities.as_str()
        ),
        ("cisco WS-C29", "")
    );
    let refused = "% Invalid input detected at '^' marker.\n";
    assert_eq!(cisco_detail(refused).skipped, 1);
    assert_eq!(
        vrp_lldp("Error: Unrecognized command found at '^' position.\n").skipped,
        1
    );
    assert_eq!(
        junos_table("error: syntax error, expecting <command>: lldp\n").skipped,
        1
    );
    assert_eq!(
        routeros_neighbors("bad command name neighbor (line 1 column 5)\n").skipped,
        1
    );
    // A table row without the fields after the local port.
    let p = junos_table(
        "Local Interface    Parent Interface    Chassis Id          Port info          System Name\nge-0/0/1\n",
    );
    assert_eq!((p.value.len(), p.skipped), (0, 1));
    // A RouterOS record that is not properties, and multi-byte text in a table.
    assert_eq!(routeros_neighbors(" 0 ???\n   more ???\n").skipped, 2);
    let p = junos_table(
        "Local Interface    Chassis Id          Port info          System Name\nge-0/0/1   ü   Pört   Système ☃\n",
    );
    assert_eq!(p.value.len(), 1);
    for parse in [cisco_detail, vrp_lldp, junos_table, routeros_neighbors] {
        assert_eq!(parse(""), Parsed::default());
    }
}

#[test]
fn every_platform_names_its_commands_and_frr_has_none() {
    assert_eq!(
        Platform::CiscoIos.neighbor_commands(),
        ["show cdp neighbors detail", "show lldp neighbors detail"]
    );
    assert_eq!(Platform::HuaweiVrp.neighbor_commands(), ["display lldp neighbor"]);
    assert!(Platform::Frr.neighbor_commands().is_empty());
    assert_eq!(Platform::Frr.parse_neighbors("anything"), Parsed::default());
    for p in Platform::ALL {
        if p != Platform::Frr {
            assert!(!p.neighbor_commands().is_empty(), "{p:?}");
        }
    }
}
