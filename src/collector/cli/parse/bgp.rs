//! BGP peer summaries from the CLI: `show ip bgp summary` / `show bgp all
//! summary` (IOS), `show ip bgp summary vrf all` (NX-OS), `show bgp
//! summary` (Junos), `display bgp peer` (VRP) and `/routing bgp peer print
//! status` (RouterOS), into the same [`BgpPeer`] records the SNMP collector
//! fills.
//!
//! A summary gives state, uptime, remote AS and received prefixes; it does
//! not give update counts (its message counters count every message) or
//! the local address, which stay unknown rather than guessed.

use super::Parsed;
use crate::report::{BgpPeer, BgpPrefixes};

/// The global routing table's VRF name, whatever the vendor calls it
/// (FRR `default`, Junos `master`, VRP `_public_`).
pub const DEFAULT_VRF: &str = "default";

/// A BGP FSM state name (any vendor's spelling) as RFC 4271's number.
pub fn fsm_state(word: &str) -> Option<u8> {
    let w = word.trim().to_ascii_lowercase();
    Some(match w.as_str() {
        "idle" => 1,
        "connect" => 2,
        "active" => 3,
        "opensent" => 4,
        "openconfirm" => 5,
        "established" | "establ" => 6,
        _ => return None,
    })
}

/// An AS number, plain (`4200000001`) or asdot (`65000.1000` = 65000·65536 + 1000).
pub fn as_number(text: &str) -> Option<u32> {
    match text.split_once('.') {
        Some((hi, lo)) => {
            let (hi, lo): (u32, u32) = (hi.parse().ok()?, lo.parse().ok()?);
            (hi <= 0xffff && lo <= 0xffff).then(|| hi * 65_536 + lo)
        }
        None => text.parse().ok(),
    }
}

/// A session age as printed: `00:20:06`, `3w0d`, `1y10w`, `4d12h`,
/// `626h43m`, `9w2d 5:23:37`, `7w6d1h49m36s`, `27:38`. `never` and
/// anything unrecognised are `None`. Unlike a device uptime
/// ([`super::common::duration_seconds`]), two colon fields are minutes and
/// seconds: Junos prints a session younger than an hour that way.
pub fn duration(text: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut seen = false;
    for part in text.split_whitespace() {
        if part.contains(':') {
            let fields: Vec<f64> = part.split(':').map(|f| f.parse::<f64>().ok()).collect::<Option<_>>()?;
            let secs = match fields.as_slice() {
                [h, m, s] => h * 3600.0 + m * 60.0 + s,
                [m, s] => m * 60.0 + s,
                _ => return None,
            };
            total += secs;
            seen = true;
            continue;
        }
        let mut num = String::new();
        for c in part.chars() {
            if c.is_ascii_digit() {
                num.push(c);
                continue;
            }
            let n: f64 = num.parse().ok()?;
            num.clear();
            total += n * match c {
                'y' => 365.0 * 86_400.0,
                'w' => 7.0 * 86_400.0,
                'd' => 86_400.0,
                'h' => 3600.0,
                'm' => 60.0,
                's' => 1.0,
                _ => return None,
            };
            seen = true;
        }
        if !num.is_empty() {
            return None;
        }
    }
    seen.then_some(total)
}

/// The state column of a Cisco summary: a number is Established with that
/// many prefixes received; otherwise a state name, `(Admin)` meaning shut.
fn cisco_state(peer: &mut BgpPeer, afi: (&str, &str), text: &str) {
    let text = text.trim();
    if let Ok(n) = text.parse::<u64>() {
        peer.state = Some(6);
        peer.admin_up = Some(true);
        peer.prefixes.push(BgpPrefixes {
            afi: afi.0.to_owned(),
            safi: afi.1.to_owned(),
            received: Some(n),
            ..BgpPrefixes::default()
        });
        return;
    }
    let word = text.split_whitespace().next().unwrap_or("");
    peer.state = fsm_state(word);
    peer.admin_up = Some(!text.contains("(Admin)"));
}

/// `IPv4 Unicast`, `VPNv4 Unicast`, `L2VPN EVPN` → (afi, safi) as label values.
fn address_family(text: &str) -> (String, String) {
    let mut words = text.split_whitespace();
    let afi = words.next().unwrap_or("ipv4").to_ascii_lowercase();
    let safi = words.next().unwrap_or("unicast").to_ascii_lowercase();
    (afi, safi)
}

/// Cisco IOS and NX-OS summaries (one or many address families and VRFs).
pub fn cisco_summary(text: &str) -> Parsed<Vec<BgpPeer>> {
    let mut out: Vec<BgpPeer> = Vec::new();
    let mut skipped = 0;
    let mut vrf = DEFAULT_VRF.to_owned();
    let mut af = ("ipv4".to_owned(), "unicast".to_owned());
    let mut in_table = false;
    // A long neighbor address wraps its columns onto the next line.
    let mut pending: Option<Vec<String>> = None;
    for line in text.lines() {
        let t = line.trim();
        if let Some(rest) = t.strip_prefix("BGP summary information for VRF ") {
            // NX-OS: "… for VRF BLU, address family IPv4 Unicast"
            let (v, fam) = rest.split_once(", address family ").unwrap_or((rest, "IPv4 Unicast"));
            vrf = if v == "default" {
                DEFAULT_VRF.to_owned()
            } else {
                v.trim().to_owned()
            };
            af = address_family(fam);
            in_table = false;
            continue;
        }
        if let Some(fam) = t.strip_prefix("For address family: ") {
            af = address_family(fam);
            in_table = false;
            continue;
        }
        if t.starts_with("Neighbor") {
            // NX-OS follows an EVPN summary with a per-route-type table
            // ("Neighbor T AS PfxRcd Type-2 …"): not sessions, not ours.
            in_table = t.contains("State/PfxRcd");
            continue;
        }
        if !in_table || t.is_empty() {
            continue;
        }
        let mut fields: Vec<String> = t.split_whitespace().map(str::to_owned).collect();
        if let Some(mut head) = pending.take() {
            head.append(&mut fields);
            fields = head;
        }
        if fields.len() < 10 {
            if fields.len() <= 3 && fields.first().is_some_and(|f| f.parse::<std::net::IpAddr>().is_ok()) {
                pending = Some(fields);
            } else {
                in_table = !t.ends_with('#') && !t.ends_with('>');
                skipped += usize::from(in_table);
            }
            continue;
        }
        let Ok(_) = fields[0].parse::<std::net::IpAddr>() else {
            skipped += 1;
            continue;
        };
        let mut peer = BgpPeer {
            peer: fields[0].clone(),
            vrf: vrf.clone(),
            remote_as: as_number(&fields[2]),
            ..BgpPeer::default()
        };
        // Up/Down is the 9th column; the state is the rest of the line.
        let up_down = &fields[8];
        cisco_state(&mut peer, (&af.0, &af.1), &fields[9..].join(" "));
        if peer.state == Some(6) {
            peer.established_seconds = duration(up_down);
        }
        merge(&mut out, peer);
    }
    Parsed { value: out, skipped }
}

/// One peer seen in several address families is one peer with several
/// prefix counts.
fn merge(out: &mut Vec<BgpPeer>, peer: BgpPeer) {
    match out.iter_mut().find(|p| p.peer == peer.peer && p.vrf == peer.vrf) {
        Some(existing) => {
            existing.prefixes.extend(peer.prefixes);
            if existing.state != Some(6) {
                existing.state = peer.state.or(existing.state);
                existing.established_seconds = peer.established_seconds.or(existing.established_seconds);
            }
        }
        None => out.push(peer),
    }
}

/// Junos `show bgp summary`: a peer line, then one line per table with
/// active/received/accepted/damped counts.
pub fn junos_summary(text: &str) -> Parsed<Vec<BgpPeer>> {
    let mut out: Vec<BgpPeer> = Vec::new();
    let mut skipped = 0;
    let mut in_table = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("Peer") && t.contains("State|#Active") {
            in_table = true;
            continue;
        }
        if !in_table || t.is_empty() {
            continue;
        }
        let fields: Vec<&str> = t.split_whitespace().collect();
        if fields[0].parse::<std::net::IpAddr>().is_ok() {
            // Peer AS InPkt OutPkt OutQ Flaps Last-Up/Dwn… State
            if fields.len() < 8 {
                skipped += 1;
                continue;
            }
            let last = fields.len() - 1;
            let state_text = fields[last];
            let mut peer = BgpPeer {
                peer: fields[0].to_owned(),
                vrf: DEFAULT_VRF.to_owned(),
                remote_as: as_number(fields[1]),
                transitions: fields[5].parse().ok(),
                ..BgpPeer::default()
            };
            // "Establ" with tables below, a state name, or "n/m/k/d" counts inline (one table).
            let inline_counts = state_text.contains('/');
            peer.state = if inline_counts { Some(6) } else { fsm_state(state_text) };
            peer.admin_up = Some(true);
            if peer.state == Some(6) {
                peer.established_seconds = duration(&fields[6..last].join(" "));
            }
            if inline_counts {
                peer.prefixes.push(junos_counts("inet.0", state_text));
            }
            out.push(peer);
            continue;
        }
        // "  wanTrusted.inet.0: 23/224/224/0"
        if let (Some((table, counts)), Some(peer)) = (t.split_once(": "), out.last_mut()) {
            let (instance, _) = junos_table(table);
            if peer.prefixes.is_empty() {
                peer.vrf = instance;
            }
            peer.prefixes.push(junos_counts(table, counts));
            continue;
        }
        skipped += 1;
    }
    Parsed { value: out, skipped }
}

/// `wanTrusted.inet.0` → (`wanTrusted`, ipv4 unicast); `inet6.0` → (default, ipv6 unicast).
fn junos_table(table: &str) -> (String, (&'static str, &'static str)) {
    let (instance, family) = match table.rsplit_once(".inet") {
        Some((i, _)) if !i.is_empty() && i != "master" => (i.to_owned(), &table[i.len() + 1..]),
        _ => (DEFAULT_VRF.to_owned(), table),
    };
    let af = match family {
        f if f.starts_with("inet6.") => ("ipv6", "unicast"),
        f if f.starts_with("inet.2") => ("ipv4", "multicast"),
        f if f.starts_with("inet.") => ("ipv4", "unicast"),
        f if f.starts_with("bgp.l3vpn") => ("ipv4", "vpn"),
        f if f.starts_with("bgp.evpn") => ("l2vpn", "evpn"),
        _ => ("other", "other"),
    };
    (instance, af)
}

/// `active/received/accepted/damped`.
fn junos_counts(table: &str, counts: &str) -> BgpPrefixes {
    let (_, (afi, safi)) = junos_table(table);
    let n: Vec<Option<u64>> = counts.trim().split('/').map(|c| c.parse().ok()).collect();
    BgpPrefixes {
        afi: afi.to_owned(),
        safi: safi.to_owned(),
        received: n.get(1).copied().flatten(),
        accepted: n.get(2).copied().flatten(),
        advertised: None,
    }
}

/// Huawei VRP `display bgp peer`.
pub fn vrp_peer(text: &str) -> Parsed<Vec<BgpPeer>> {
    let mut out = Vec::new();
    let mut skipped = 0;
    let mut in_table = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("Peer") && t.contains("MsgRcvd") {
            in_table = true;
            continue;
        }
        if !in_table || t.is_empty() {
            continue;
        }
        let fields: Vec<&str> = t.split_whitespace().collect();
        // Peer V AS MsgRcvd MsgSent OutQ Up/Down State PrefRcv
        if fields.len() < 9 || fields[0].parse::<std::net::IpAddr>().is_err() {
            skipped += 1;
            continue;
        }
        let state = fsm_state(fields[7]);
        let mut peer = BgpPeer {
            peer: fields[0].to_owned(),
            vrf: DEFAULT_VRF.to_owned(),
            remote_as: as_number(fields[2]),
            state,
            admin_up: Some(true),
            ..BgpPeer::default()
        };
        if state == Some(6) {
            peer.established_seconds = duration(fields[6]);
        }
        peer.prefixes.push(BgpPrefixes {
            afi: "ipv4".into(),
            safi: "unicast".into(),
            received: fields[8].parse().ok(),
            ..BgpPrefixes::default()
        });
        out.push(peer);
    }
    Parsed { value: out, skipped }
}

/// RouterOS `/routing bgp peer print status` (v6): `key=value` items per
/// peer, a peer starting at its number; `X` in the flags is disabled.
pub fn routeros_peers(text: &str) -> Parsed<Vec<BgpPeer>> {
    let mut out: Vec<BgpPeer> = Vec::new();
    let mut skipped = 0;
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with("Flags:") {
            continue;
        }
        let mut words = t.split_whitespace().peekable();
        if words.peek().is_some_and(|w| w.chars().all(|c| c.is_ascii_digit())) {
            words.next();
            let disabled = words.peek().is_some_and(|w| w.contains('X'));
            if words.peek().is_some_and(|w| !w.contains('=')) {
                words.next();
            }
            out.push(BgpPeer {
                vrf: DEFAULT_VRF.to_owned(),
                admin_up: Some(!disabled),
                ..BgpPeer::default()
            });
        }
        let Some(peer) = out.last_mut() else {
            skipped += 1;
            continue;
        };
        let rest = words.collect::<Vec<_>>().join(" ");
        for (k, v) in super::routeros::properties(&rest).unwrap_or_default() {
            match k.as_str() {
                "remote-address" => peer.peer = v,
                "remote-as" => peer.remote_as = as_number(&v),
                "local-address" => peer.local_address = v,
                "remote-id" => peer.remote_router_id = v,
                "instance" if v != "default" => peer.vrf = v,
                "state" => peer.state = fsm_state(&v),
                "uptime" => peer.established_seconds = duration(&v),
                "updates-sent" => peer.updates_sent = v.parse().ok(),
                "updates-received" => peer.updates_received = v.parse().ok(),
                "prefix-count" => {
                    peer.prefixes.push(BgpPrefixes {
                        afi: "ipv4".into(),
                        safi: "unicast".into(),
                        received: v.parse().ok(),
                        ..BgpPrefixes::default()
                    });
                }
                "name" => peer.description = v,
                _ => {}
            }
        }
    }
    out.retain(|p| !p.peer.is_empty());
    for p in &mut out {
        if p.state != Some(6) {
            p.established_seconds = None;
        }
    }
    Parsed { value: out, skipped }
}

#[cfg(test)]
mod tests;
