//! FRRouting's vtysh (Linux routers): `show version`, and the JSON forms
//! `show interface json` (zebra) and `show bgp vrf all summary json`
//! (bgpd), so nothing depends on column layouts.
//!
//! Captures in `tests/fixtures/cli/frr/` were taken from FRR 8.4.4
//! (Debian 12) by the BGP integration test's setup: two bgpd and a zebra
//! in a network namespace.

use serde_json::Value;

use super::bgp::{fsm_state, DEFAULT_VRF};
use super::common::mac;
use super::{Parsed, Version};
use crate::report::{BgpPeer, BgpPrefixes, Interface};

/// The JSON document in a command's output (vtysh may print a warning
/// line before it).
fn json(text: &str) -> Option<Value> {
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    serde_json::from_str(text.get(start..=end)?).ok()
}

/// `FRRouting 8.4.4 (vm) on Linux(6.1.0).`
pub fn version(text: &str) -> Parsed<Version> {
    let mut v = Version::default();
    for line in text.lines() {
        if let Some(rest) = line.trim().strip_prefix("FRRouting ") {
            let mut words = rest.split_whitespace();
            v.info.os_version = words.next().unwrap_or_default().to_owned();
            if let Some(host) = words.next() {
                v.info.hostname = host.trim_matches(|c| c == '(' || c == ')').to_owned();
            }
            v.info.model = "FRRouting".to_owned();
        }
    }
    Parsed { value: v, skipped: 0 }
}

pub fn interfaces(text: &str) -> Parsed<Vec<Interface>> {
    let Some(Value::Object(map)) = json(text) else {
        // No JSON at all: one unparsed "line" so the anomaly counter shows it.
        return Parsed {
            value: Vec::new(),
            skipped: usize::from(!text.trim().is_empty()),
        };
    };
    let mut out = Vec::new();
    for (name, i) in map {
        let up = |k: &str| i[k].as_str().map(|s| s == "up");
        out.push(Interface {
            name,
            index: i["index"].as_u64(),
            description: i["description"].as_str().unwrap_or_default().to_owned(),
            if_type: i["type"].as_str().unwrap_or_default().to_owned(),
            mac: i["hardwareAddress"].as_str().and_then(mac).unwrap_or_default(),
            admin_up: up("administrativeStatus"),
            oper_up: up("operationalStatus"),
            // zebra reports Mb/s, 0 when the kernel does not know.
            speed_bytes: i["speed"].as_u64().filter(|s| *s > 0).map(|s| s as f64 * 1e6 / 8.0),
            mtu_bytes: i["mtu"].as_u64(),
            ..Interface::default()
        });
    }
    Parsed { value: out, skipped: 0 }
}

/// `ipv4Unicast` → (ipv4, unicast); `l2VpnEvpn` → (l2vpn, evpn).
fn family(key: &str) -> (String, String) {
    let lower = key.to_ascii_lowercase();
    for afi in ["ipv4", "ipv6", "l2vpn"] {
        if let Some(safi) = lower.strip_prefix(afi) {
            return (afi.to_owned(), safi.to_owned());
        }
    }
    (lower, String::new())
}

pub fn bgp(text: &str) -> Parsed<Vec<BgpPeer>> {
    let Some(Value::Object(vrfs)) = json(text) else {
        return Parsed {
            value: Vec::new(),
            skipped: usize::from(!text.trim().is_empty()),
        };
    };
    let mut out: Vec<BgpPeer> = Vec::new();
    for (vrf, families) in vrfs {
        let vrf = if vrf == "default" { DEFAULT_VRF.to_owned() } else { vrf };
        let Value::Object(families) = families else { continue };
        for (fam, summary) in families {
            let (afi, safi) = family(&fam);
            let Some(Value::Object(peers)) = summary.get("peers") else {
                continue;
            };
            for (addr, p) in peers {
                let state = p["state"].as_str().and_then(fsm_state);
                let established = state == Some(6);
                let prefixes = BgpPrefixes {
                    afi: afi.clone(),
                    safi: safi.clone(),
                    received: p["pfxRcd"].as_u64(),
                    advertised: p["pfxSnt"].as_u64(),
                    ..BgpPrefixes::default()
                };
                if let Some(existing) = out.iter_mut().find(|x| x.peer == *addr && x.vrf == vrf) {
                    existing.prefixes.push(prefixes);
                    continue;
                }
                out.push(BgpPeer {
                    peer: addr.clone(),
                    vrf: vrf.clone(),
                    remote_as: p["remoteAs"].as_u64().and_then(|a| u32::try_from(a).ok()),
                    state,
                    // "Idle (Admin)" is FRR's shutdown state.
                    admin_up: Some(!p["state"].as_str().is_some_and(|s| s.contains("Admin"))),
                    established_seconds: p["peerUptimeMsec"]
                        .as_u64()
                        .filter(|_| established)
                        .map(|ms| ms as f64 / 1000.0),
                    transitions: p["connectionsEstablished"].as_u64(),
                    description: p["desc"].as_str().unwrap_or_default().to_owned(),
                    prefixes: vec![prefixes],
                    ..BgpPeer::default()
                });
            }
        }
    }
    Parsed { value: out, skipped: 0 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn capture(path: &str) -> String {
        std::fs::read_to_string(format!("{}/tests/fixtures/cli/frr/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn bgp_summary_json_established_and_after_the_peer_stopped() {
        let up = bgp(&capture("show_bgp_vrf_all_summary_json/frr_established.json")).value;
        assert_eq!(up.len(), 1);
        let p = &up[0];
        assert_eq!(
            (p.peer.as_str(), p.vrf.as_str(), p.remote_as),
            ("127.0.0.2", "default", Some(65002))
        );
        assert_eq!((p.state, p.admin_up, p.transitions), (Some(6), Some(true), Some(1)));
        assert_eq!(p.established_seconds, Some(11.0), "peerUptimeMsec 11000");
        assert_eq!(p.description, "transit-b");
        // The peer announced its two networks; pfxSnt counts what this side sends.
        assert_eq!((p.prefixes[0].received, p.prefixes[0].advertised), (Some(2), Some(3)));
        assert_eq!(
            (p.prefixes[0].afi.as_str(), p.prefixes[0].safi.as_str()),
            ("ipv4", "unicast")
        );
        let down = bgp(&capture("show_bgp_vrf_all_summary_json/frr_peer_stopped.json")).value;
        assert_eq!((down[0].state, down[0].established_seconds), (Some(3), None));
    }

    #[test]
    fn interfaces_json_with_description_mac_and_state() {
        let ifs = interfaces(&capture("show_interface_json/frr_show_interface.json")).value;
        assert_eq!(ifs.len(), 2);
        let eth = ifs.iter().find(|i| i.name == "eth7").unwrap();
        assert_eq!((eth.index, eth.mtu_bytes), (Some(2), Some(1500)));
        assert_eq!(eth.description, "uplink to core");
        assert_eq!((eth.admin_up, eth.oper_up), (Some(true), Some(true)));
        assert!(!eth.mac.is_empty());
        assert_eq!(eth.speed_bytes, None, "speed 0 is unknown, not zero");
    }

    #[test]
    fn version_and_garbage() {
        let v = version(&capture("show_version/frr_show_version.raw")).value;
        assert_eq!((v.info.os_version.as_str(), v.info.hostname.as_str()), ("8.4.4", "vm"));
        assert_eq!(bgp("% Unknown command").skipped, 1);
        assert!(interfaces("").value.is_empty());
    }
}
