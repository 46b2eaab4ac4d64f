//! BGP session series: one set per peer, whichever collector (SNMP or
//! CLI) found it. Label names beside `device`: `peer`, `remote_as`, `vrf`,
//! `local_address` on every series, `afi`/`safi` on prefix counts.

use super::{bool_value, desc};
use crate::config::Target;
use crate::metrics::{Desc, Kind, Sink};
use crate::report::BgpPeer;

desc!(
    BGP_UP,
    "netgauge_bgp_peer_up",
    Gauge,
    "1 if the BGP session is established, 0 if not."
);
desc!(
    BGP_STATE,
    "netgauge_bgp_peer_state",
    Gauge,
    "BGP FSM state (RFC 4271): 1 idle, 2 connect, 3 active, 4 opensent, 5 openconfirm, 6 established."
);
desc!(
    BGP_ADMIN_UP,
    "netgauge_bgp_peer_admin_up",
    Gauge,
    "1 if the session is administratively enabled, 0 if it is shut down."
);
desc!(
    BGP_ESTABLISHED,
    "netgauge_bgp_peer_established_seconds",
    Gauge,
    "How long the session has been established (only while it is)."
);
desc!(
    BGP_TRANSITIONS,
    "netgauge_bgp_peer_transitions_total",
    Counter,
    "Times the session went to established (BGP4-MIB) or flapped (Junos)."
);
desc!(
    BGP_RECEIVED,
    "netgauge_bgp_peer_prefixes_received",
    Gauge,
    "Prefixes received from the peer, per address family."
);
desc!(
    BGP_ACCEPTED,
    "netgauge_bgp_peer_prefixes_accepted",
    Gauge,
    "Prefixes received from the peer that passed import policy, per address family."
);
desc!(
    BGP_ADVERTISED,
    "netgauge_bgp_peer_prefixes_advertised",
    Gauge,
    "Prefixes advertised to the peer, per address family."
);
desc!(
    BGP_UPDATES_IN,
    "netgauge_bgp_peer_updates_received_total",
    Counter,
    "BGP UPDATE messages received from the peer."
);
desc!(
    BGP_UPDATES_OUT,
    "netgauge_bgp_peer_updates_sent_total",
    Counter,
    "BGP UPDATE messages sent to the peer."
);
desc!(
    BGP_INFO,
    "netgauge_bgp_peer_info",
    Info,
    "BGP peer description and router ID; the value is always 1."
);

/// Label names these series set beside `device`; a target label of the
/// same name is exported as `target_<name>` on them.
pub const LABELS: [&str; 7] = [
    "peer",
    "remote_as",
    "vrf",
    "local_address",
    "afi",
    "safi",
    "remote_router_id",
];

pub fn render(target: &Target, peers: &[BgpPeer], sink: &mut impl Sink) {
    if peers.is_empty() {
        return;
    }
    let own: Vec<&str> = LABELS.iter().copied().chain(["description"]).collect();
    let renamed = super::renamed_target_labels(target, &own);
    let base = super::base_labels(target, &renamed);
    // A series must be unique: a peer listed twice (a sanitised capture,
    // a vendor bug) is rendered once, first one wins; likewise an address
    // family listed twice for a peer.
    let mut seen: std::collections::HashSet<(&str, &str)> = std::collections::HashSet::new();
    for p in peers {
        if !seen.insert((p.peer.as_str(), p.vrf.as_str())) {
            continue;
        }
        let remote_as = p.remote_as.map(|a| a.to_string()).unwrap_or_default();
        let id = [
            ("peer", p.peer.as_str()),
            ("remote_as", remote_as.as_str()),
            ("vrf", p.vrf.as_str()),
            ("local_address", p.local_address.as_str()),
        ];
        if let Some(state) = p.state {
            sink.sample(&BGP_UP, &base, &id, bool_value(state == 6));
            sink.sample(&BGP_STATE, &base, &id, f64::from(state));
        }
        if let Some(a) = p.admin_up {
            sink.sample(&BGP_ADMIN_UP, &base, &id, bool_value(a));
        }
        if let Some(s) = p.established_seconds {
            sink.sample(&BGP_ESTABLISHED, &base, &id, s);
        }
        if let Some(n) = p.transitions {
            sink.sample(&BGP_TRANSITIONS, &base, &id, n as f64);
        }
        if let Some(n) = p.updates_received {
            sink.sample(&BGP_UPDATES_IN, &base, &id, n as f64);
        }
        if let Some(n) = p.updates_sent {
            sink.sample(&BGP_UPDATES_OUT, &base, &id, n as f64);
        }
        let mut families: std::collections::HashSet<(&str, &str)> = std::collections::HashSet::new();
        for x in &p.prefixes {
            if !families.insert((x.afi.as_str(), x.safi.as_str())) {
                continue;
            }
            let l = [
                id[0],
                id[1],
                id[2],
                id[3],
                ("afi", x.afi.as_str()),
                ("safi", x.safi.as_str()),
            ];
            for (desc, v) in [
                (&BGP_RECEIVED, x.received),
                (&BGP_ACCEPTED, x.accepted),
                (&BGP_ADVERTISED, x.advertised),
            ] {
                if let Some(v) = v {
                    sink.sample(desc, &base, &l, v as f64);
                }
            }
        }
        let info = [
            id[0],
            id[1],
            id[2],
            id[3],
            ("description", p.description.as_str()),
            ("remote_router_id", p.remote_router_id.as_str()),
        ];
        sink.sample(&BGP_INFO, &base, &info, 1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::MetricSet;
    use crate::report::BgpPrefixes;

    #[test]
    fn a_peer_listed_twice_is_rendered_once_so_no_series_repeats() {
        let c = crate::config::Config::from_yaml(
            std::path::Path::new("t.yml"),
            "targets: [{name: r1, address: 192.0.2.1, labels: {vrf: red}, snmp: {community: c}}]\n",
        )
        .unwrap();
        let fam = BgpPrefixes {
            afi: "ipv4".into(),
            safi: "unicast".into(),
            received: Some(5),
            ..BgpPrefixes::default()
        };
        let peer = BgpPeer {
            peer: "192.0.2.9".into(),
            vrf: "default".into(),
            state: Some(6),
            prefixes: vec![fam.clone(), fam],
            ..BgpPeer::default()
        };
        let mut set = MetricSet::new();
        render(&c.targets[0], &[peer.clone(), peer], &mut set);
        let text = crate::exposition::encode(&set);
        assert_eq!(text.matches("netgauge_bgp_peer_up{").count(), 1, "{text}");
        assert_eq!(
            text.matches("netgauge_bgp_peer_prefixes_received{").count(),
            1,
            "{text}"
        );
        assert!(text.contains("target_vrf=\"red\""), "{text}");
    }
}
