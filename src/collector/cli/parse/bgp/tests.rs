//! Every captured BGP summary, against its independent parse (the `.yml`
//! oracle) for the fields it covers, and by hand for the rest.

use super::*;
use crate::collector::cli::parse::testing::fixtures;
use serde_json::Value;

fn field<'a>(r: &'a Value, key: &str) -> &'a str {
    r[key].as_str().unwrap_or_default()
}

/// What the oracle's state-or-prefixes column means: (state, received).
fn oracle_state(text: &str) -> (Option<u8>, Option<u64>) {
    match text.trim().parse::<u64>() {
        Ok(n) => (Some(6), Some(n)),
        Err(_) => (fsm_state(text.split_whitespace().next().unwrap_or("")), None),
    }
}

fn check_cisco(platform: &str, sub: &str, neighbor: &str, asn: &str, state: &str) {
    for (stem, raw, records) in fixtures(platform, sub) {
        let parsed = cisco_summary(&raw);
        assert_eq!(parsed.skipped, 0, "{stem}");
        // Every (peer, address family) row of the oracle is a peer, or a prefix count of one.
        let mut rows = 0;
        for r in &records {
            let peer = parsed
                .value
                .iter()
                .find(|p| {
                    let vrf = match field(r, "vrf") {
                        "" => "default",
                        v => v,
                    };
                    p.peer == field(r, neighbor) && p.vrf == vrf
                })
                .unwrap_or_else(|| panic!("{stem}: no peer {}", field(r, neighbor)));
            assert_eq!(peer.remote_as, as_number(field(r, asn)), "{stem} {}", peer.peer);
            let (want_state, want_received) = oracle_state(field(r, state));
            if want_state == Some(6) {
                assert_eq!(peer.state, Some(6), "{stem} {}", peer.peer);
                assert!(
                    peer.prefixes.iter().any(|x| x.received == want_received),
                    "{stem} {}: {:?}",
                    peer.peer,
                    peer.prefixes
                );
            } else {
                assert_eq!(peer.state, want_state, "{stem} {}", peer.peer);
            }
            rows += 1;
        }
        assert!(rows > 0 || records.is_empty(), "{stem}");
    }
}

#[test]
fn ios_summaries_agree_with_the_captures() {
    check_cisco(
        "cisco_ios",
        "show_ip_bgp_summary",
        "bgp_neighbor",
        "neighbor_as",
        "state_or_prefixes_received",
    );
}

#[test]
fn nxos_summaries_agree_with_the_captures_per_vrf() {
    check_cisco(
        "cisco_nxos",
        "show_ip_bgp_summary",
        "bgp_neigh",
        "neigh_as",
        "state_pfxrcd",
    );
    check_cisco(
        "cisco_nxos",
        "show_ip_bgp_summary_vrf",
        "bgp_neigh",
        "neigh_as",
        "state_pfxrcd",
    );
}

#[test]
fn ios_details_by_hand_admin_down_asdot_wrapped_lines_and_address_families() {
    let (_, raw, _) = fixtures("cisco_ios", "show_ip_bgp_summary").remove(0);
    let peers = cisco_summary(&raw).value;
    let shut = peers.iter().find(|p| p.peer == "10.0.0.10").unwrap();
    assert_eq!((shut.state, shut.admin_up), (Some(1), Some(false)));
    let up = peers.iter().find(|p| p.peer == "10.0.0.1").unwrap();
    assert_eq!(up.established_seconds, Some(3.0 * 7.0 * 86_400.0));
    assert_eq!(up.vrf, "default");
    let dot = fixtures("cisco_ios", "show_ip_bgp_summary")
        .into_iter()
        .find(|(s, _, _)| s.ends_with("with_dot_peer_as"))
        .unwrap();
    let p = cisco_summary(&dot.1).value;
    assert_eq!(
        p[0].remote_as,
        Some(65000 * 65536 + 1000),
        "asdot 65000.1000 is a plain number"
    );
    let all = fixtures("cisco_ios", "show_ip_bgp_summary")
        .into_iter()
        .find(|(s, _, _)| s.ends_with("_all"))
        .unwrap();
    let p = cisco_summary(&all.1).value;
    let vpn = p.iter().find(|x| x.peer == "10.10.13.3").unwrap();
    assert_eq!(
        (vpn.prefixes[0].afi.as_str(), vpn.prefixes[0].safi.as_str()),
        ("vpnv4", "unicast")
    );
    let never = p.iter().find(|x| x.peer == "10.10.14.4").unwrap();
    assert_eq!((never.state, never.established_seconds), (Some(1), None));
    // NX-OS wraps a row whose address is long: "10.0.0.11 4 65010" then the counters.
    let (_, raw, _) = fixtures("cisco_nxos", "show_ip_bgp_summary").remove(0);
    let p = cisco_summary(&raw).value;
    let wrapped = p.iter().find(|x| x.peer == "10.0.0.11").unwrap();
    assert_eq!((wrapped.remote_as, wrapped.state), (Some(65010), Some(6)));
    assert_eq!(wrapped.prefixes[0].received, Some(4452));
}

#[test]
fn junos_summary_agrees_with_the_capture_tables_and_instances() {
    for (stem, raw, records) in fixtures("juniper_junos", "show_bgp_summary") {
        let parsed = junos_summary(&raw);
        assert_eq!(parsed.skipped, 0, "{stem}");
        assert_eq!(parsed.value.len(), records.len(), "{stem}");
        for (p, r) in parsed.value.iter().zip(&records) {
            assert_eq!(p.peer, field(r, "peer_ip"));
            assert_eq!(p.remote_as, as_number(field(r, "peer_as")));
            assert_eq!(p.transitions, field(r, "flaps").parse().ok());
            assert_eq!(p.state, fsm_state(field(r, "state")));
            let table = field(r, "interface");
            assert_eq!(p.vrf, table.split(".inet").next().unwrap());
            assert_eq!(p.prefixes[0].received, field(r, "received").parse().ok());
            assert_eq!(p.prefixes[0].accepted, field(r, "accepted").parse().ok());
            // "Last Up/Dwn" is one column: "9w2d 5:23:37".
            let want = duration(&format!("{} {}", field(r, "last_flap"), field(r, "up_down")));
            assert_eq!(p.established_seconds, want, "{}", p.peer);
        }
    }
}

#[test]
fn vrp_peers_agree_with_the_captures() {
    for (stem, raw, records) in fixtures("huawei_vrp", "display_bgp_peer") {
        let parsed = vrp_peer(&raw);
        assert_eq!(parsed.skipped, 0, "{stem}");
        assert_eq!(parsed.value.len(), records.len(), "{stem}");
        for (p, r) in parsed.value.iter().zip(&records) {
            assert_eq!(p.peer, field(r, "peer"));
            assert_eq!(p.remote_as, as_number(field(r, "asn")));
            assert_eq!(p.state, fsm_state(field(r, "state")));
            assert_eq!(p.prefixes[0].received, field(r, "pref_rcvd").parse().ok());
            if p.state == Some(6) {
                assert_eq!(p.established_seconds, duration(field(r, "up_down")));
            }
        }
    }
    let p = &vrp_peer(&fixtures("huawei_vrp", "display_bgp_peer")[0].1).value[0];
    assert_eq!(p.remote_as, Some(635 * 65536 + 66));
    assert_eq!(p.established_seconds, Some(626.0 * 3600.0 + 43.0 * 60.0));
}

#[test]
fn routeros_peers_agree_with_the_captures() {
    for sub in [
        "routing_bgp_peer_print_status",
        "routing_bgp_peer_print_status_without-paging",
    ] {
        for (stem, raw, records) in fixtures("mikrotik_routeros", sub) {
            let parsed = routeros_peers(&raw);
            assert_eq!(parsed.value.len(), records.len(), "{stem}: {:?}", parsed.value);
            for (p, r) in parsed.value.iter().zip(&records) {
                // The two templates name the columns differently.
                let either = |a: &str, b: &str| if r[a].is_null() { field(r, b) } else { field(r, a) };
                assert_eq!(p.peer, either("remote_address", "bgp_neighbor"), "{stem}");
                assert_eq!(p.remote_as, as_number(either("remote_as", "neighbor_as")), "{stem}");
                if !r["name"].is_null() {
                    assert_eq!(p.description, field(r, "name"), "{stem}");
                }
                if !field(r, "state").is_empty() {
                    assert_eq!(p.state, fsm_state(field(r, "state")), "{stem}");
                }
                if let Ok(n) = field(r, "prefix_count").parse::<u64>() {
                    assert_eq!(p.prefixes[0].received, Some(n), "{stem}");
                }
                if let Ok(n) = field(r, "updates_received").parse::<u64>() {
                    assert_eq!(p.updates_received, Some(n), "{stem}");
                }
            }
        }
    }
}

#[test]
fn durations_states_and_as_numbers_by_hand() {
    assert_eq!(duration("00:20:06"), Some(1206.0));
    assert_eq!(duration("27:38"), Some(27.0 * 60.0 + 38.0));
    assert_eq!(duration("1y10w"), Some(365.0 * 86_400.0 + 70.0 * 86_400.0));
    assert_eq!(
        duration("7w6d1h49m36s"),
        Some(55.0 * 86_400.0 + 3600.0 + 49.0 * 60.0 + 36.0)
    );
    assert_eq!(duration("never"), None);
    assert_eq!(duration(""), None);
    assert_eq!(fsm_state("Establ"), Some(6));
    assert_eq!(fsm_state("OpenConfirm"), Some(5));
    assert_eq!(fsm_state("Idle(Admin)"), None);
    assert_eq!(as_number("4200000001"), Some(4_200_000_001));
    assert_eq!(as_number("1.10"), Some(65_546));
    assert_eq!(as_number("70000.1"), None);
}
