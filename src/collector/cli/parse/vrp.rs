//! Huawei VRP: `display interface` and `display version`.
//!
//! `display interface` prints one block per interface, opened by
//! `<name> current state : <state>`. Inside a block, lines are matched by what
//! they contain (several facts can share a line, e.g. `PVID`, `Current BW` and
//! the frame length); the counters follow an `Input:` or `Output:` line and are
//! `Key: N` pairs, two to a line, or `N word` pairs on loopback-like interfaces.

use super::common::{first_number, mac, number_after, speed_bytes, trailing_number};
use super::{Parsed, Version};
use crate::report::{Counters, Interface};

/// Lines that are understood and deliberately ignored (IP addressing, rates,
/// timestamps in device-local time, L2 settings, PPP/tunnel/modem details).
const IGNORED_PREFIXES: &[&str] = &[
    "Route Port",
    "Switch Port",
    "PVID",
    "TPID",
    "Internet Address",
    "Internet protocol processing",
    "IP Sending Frames",
    "Last physical",
    "Last line protocol",
    "Current system time",
    "Port Mode",
    "Port PHY type",
    "Duplex",
    "Mdi",
    "Input bandwidth utilization",
    "Output bandwidth utilization",
    "Physical is",
    "Link layer protocol",
    "LCP ",
    "Bound to",
    "Packets statistics",
    "Encapsulation is",
    "Tunnel source",
    "Tunnel protocol",
    "keepalive",
    "Checksumming",
    "Modem State",
    "Model =",
    "Current Network Connection",
    "Current RSSI",
    "Current SINR",
    "Current Work Mode",
    "PortName",
    "The Number of",
    "---",
    "Loopback",
    "Realtime",
    "Hold timer",
];

#[derive(Default)]
struct Block {
    iface: Interface,
    speed: Option<f64>,
    current_bw: Option<f64>,
    port_bw: Option<f64>,
    mtu: Option<u64>,
    frame_length: Option<u64>,
    /// true while reading the `Output:` counters, false for `Input:`.
    transmit: bool,
}

impl Block {
    fn finish(self) -> Interface {
        let mut iface = self.iface;
        // `Speed :` is the negotiated rate; `Current BW` (trunks) the sum of the
        // active members; `Port BW` the port's nominal capacity.
        iface.speed_bytes = self.speed.or(self.current_bw).or(self.port_bw);
        // Layer-2 (switch) ports print only "The Maximum Frame Length is N":
        // the largest frame the port accepts, which is what it reports as its
        // MTU. It is used only when no layer-3 MTU is printed.
        iface.mtu_bytes = self.mtu.or(self.frame_length);
        iface
    }

    fn counters(&mut self) -> &mut Counters {
        if self.transmit {
            &mut self.iface.transmit
        } else {
            &mut self.iface.receive
        }
    }
}

/// `GigabitEthernet0/0/1 current state : UP` → (name, state). Not the
/// `Line protocol current state` line.
fn header(line: &str) -> Option<(&str, &str)> {
    let (name, state) = line.split_once(" current state :")?;
    let name = name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    Some((name, state.trim().trim_end_matches(',').trim()))
}

/// Administrative state from the block header: only `Administratively DOWN`
/// means disabled; `DOWN` and `ERROR DOWN(...)` are enabled ports that are down.
fn admin_state(state: &str) -> Option<bool> {
    let s = state.to_ascii_uppercase();
    if s.contains("ADMINISTRATIVELY") {
        Some(false)
    } else if s.starts_with("UP") || s.contains("DOWN") {
        Some(true)
    } else {
        None
    }
}

fn up_state(state: &str) -> Option<bool> {
    let s = state.trim().to_ascii_uppercase();
    if s.starts_with("UP") {
        Some(true)
    } else if s.contains("DOWN") {
        Some(false)
    } else {
        None
    }
}

/// Extracts the facts that may appear anywhere in a line; true if any did.
fn facts(b: &mut Block, line: &str) -> bool {
    let mut found = false;
    for key in ["The Maximum Transmit Unit is", "The MTU is"] {
        if let Some(n) = number_after(line, key) {
            b.mtu = Some(n);
            found = true;
        }
    }
    if let Some(n) = number_after(line, "The Maximum Frame Length is") {
        b.frame_length = Some(n);
        found = true;
    }
    if let Some((_, rest)) = line.split_once("Hardware address is") {
        b.iface.mac = rest.split_whitespace().next().and_then(mac).unwrap_or_default();
        found = true;
    }
    let t = line.trim_start();
    if let Some(rest) = t.strip_prefix("Speed") {
        if let Some(v) = rest.trim_start().strip_prefix(':') {
            // "Speed : 1000,  Loopback: NONE" in Mbit/s; "AUTO" when unknown.
            let v = v.split(',').next().unwrap_or("").trim();
            if v.starts_with(|c: char| c.is_ascii_digit()) {
                b.speed = first_number(v).map(|mbit| mbit as f64 * 1e6 / 8.0);
            }
            found = true;
        }
    }
    for (key, slot) in [("Current BW", &mut b.current_bw), ("Port BW", &mut b.port_bw)] {
        if let Some((_, rest)) = line.split_once(key) {
            let v = rest
                .trim_start()
                .trim_start_matches(':')
                .split(',')
                .next()
                .unwrap_or("");
            *slot = speed_bytes(v).or(*slot);
            found = true;
        }
    }
    found
}

/// Counter lines; true if the line was one.
fn counters(b: &mut Block, line: &str) -> bool {
    let l = line.trim().to_ascii_lowercase();
    // "Input:  108577 packets, 8303469 bytes", "Output:0 packets,0 bytes",
    // "Input: 0 bytes", "Input packets:396,  39552 bytes" (PPP bundles).
    for (word, transmit) in [("input", false), ("output", true)] {
        if let Some(rest) = l.strip_prefix(word) {
            if rest.starts_with(':') || rest.starts_with(" :") || rest.starts_with(" packets:") {
                b.transmit = transmit;
                let c = b.counters();
                if let Some(after) = rest.strip_prefix(" packets:") {
                    c.packets = first_number(after);
                } else if let Some((before, _)) = rest.split_once("packets") {
                    c.packets = trailing_number(before);
                }
                if let Some((before, _)) = rest.split_once("bytes") {
                    c.bytes = trailing_number(before);
                }
                return true;
            }
        }
    }
    // Tunnels: "0 packets input,  0 bytes", "0 input error".
    for (word, transmit) in [("input", false), ("output", true)] {
        if let Some((before, after)) = l.split_once(&format!("packets {word}")) {
            b.transmit = transmit;
            let c = b.counters();
            c.packets = trailing_number(before);
            c.bytes = after.split_once("bytes").and_then(|(n, _)| trailing_number(n));
            return true;
        }
        if let Some(before) = l.strip_suffix(&format!("{word} error")) {
            if let Some(n) = trailing_number(before) {
                b.transmit = transmit;
                b.counters().errors = Some(n);
                return true;
            }
        }
    }
    // "Unicast: 0,  Multicast: 31012", "Discard: 0, Total Error: 0",
    // "Jumbo: -", "0 unicast,0 broadcast,0 multicast", "0 errors,0 unknownprotocol".
    let mut pairs = Vec::new();
    for seg in l.split(',') {
        let seg = seg.trim();
        if let Some((k, v)) = seg.split_once(':') {
            let (k, v) = (k.trim(), v.trim());
            if !k.starts_with(|c: char| c.is_ascii_alphabetic()) {
                return false;
            }
            if v == "-" {
                continue;
            }
            match v.parse::<u64>() {
                Ok(n) => pairs.push((k.to_owned(), n)),
                Err(_) => return false,
            }
        } else {
            match seg.split_once(' ') {
                Some((n, k)) if !k.trim().is_empty() => match n.parse::<u64>() {
                    Ok(n) => pairs.push((k.trim().to_owned(), n)),
                    Err(_) => return false,
                },
                _ => return false,
            }
        }
    }
    let c = b.counters();
    for (k, n) in pairs {
        match k.as_str() {
            "multicast" => c.multicast_packets = Some(n),
            "broadcast" => c.broadcast_packets = Some(n),
            "discard" | "packet discards" => c.discards = Some(n),
            "total error" | "error" | "errors" | "packet errors" => c.errors = Some(n),
            _ => {}
        }
    }
    true
}

pub fn interfaces(text: &str) -> Parsed<Vec<Interface>> {
    let mut out = Vec::new();
    let mut skipped = 0;
    let mut cur: Option<Block> = None;
    for raw in text.lines() {
        let line = raw.trim_end();
        let t = line.trim_start();
        if t.is_empty() {
            continue;
        }
        if !t.starts_with("Line protocol") {
            if let Some((name, state)) = header(t) {
                if let Some(b) = cur.take() {
                    out.push(b.finish());
                }
                let mut b = Block::default();
                b.iface.name = name.to_owned();
                b.iface.admin_up = admin_state(state);
                // Until a line-protocol line says otherwise (kept if none is printed).
                b.iface.oper_up = up_state(state);
                cur = Some(b);
                continue;
            }
        }
        let Some(b) = cur.as_mut() else {
            skipped += 1;
            continue;
        };
        if let Some(state) = t.strip_prefix("Line protocol current state :") {
            b.iface.oper_up = up_state(state).or(b.iface.oper_up);
            continue;
        }
        if let Some(rest) = t.strip_prefix("Description") {
            if let Some(d) = rest.trim_start().strip_prefix(':') {
                b.iface.description = d.trim().to_owned();
                continue;
            }
        }
        if facts(b, t) {
            continue;
        }
        // Rates: "Last 300 seconds input rate ...", "Input peak rate ...".
        if (t.contains(" rate") && t.contains("/sec")) || t.contains("peak rate") {
            continue;
        }
        if IGNORED_PREFIXES.iter().any(|p| t.starts_with(p)) || trunk_member(t) {
            continue;
        }
        if counters(b, t) {
            continue;
        }
        skipped += 1;
    }
    if let Some(b) = cur.take() {
        out.push(b.finish());
    }
    Parsed { value: out, skipped }
}

/// A row of the Eth-Trunk member table: `40GE0/0/1   DOWN   1`.
fn trunk_member(t: &str) -> bool {
    let w: Vec<&str> = t.split_whitespace().collect();
    matches!(w.as_slice(), [_, s, n] if (*s == "UP" || *s == "DOWN") && n.parse::<u64>().is_ok())
}

/// Huawei chassis and board inventory that follows the system uptime line:
/// understood as "not needed" rather than drift.
pub fn version(text: &str) -> Parsed<Version> {
    let mut v = Version::default();
    v.info.vendor = "huawei".to_owned();
    let mut skipped = 0;
    let mut in_inventory = false;
    for raw in text.lines() {
        let t = raw.trim();
        if t.is_empty() || in_inventory {
            continue;
        }
        if let Some((_, rest)) = t.split_once("software, Version ") {
            // "VRP (R) software, Version 8.180 (NE40E V800R011C00SPC200)".
            // The os_version is the product release inside the parentheses
            // (V800R011C00SPC200): "Version 8.180" names the VRP platform,
            // shared by many releases of many products. Without parentheses
            // the platform version is all there is.
            let inner = rest.split_once('(').and_then(|(_, r)| r.split(')').next());
            let release = inner
                .and_then(|i| i.split_whitespace().last())
                .filter(|r| r.starts_with('V'));
            v.info.os_version = match release {
                Some(r) => r.to_owned(),
                None => rest.split_whitespace().next().unwrap_or("").to_owned(),
            };
            continue;
        }
        if let Some((who, up)) = t.split_once(" uptime is ") {
            // "HUAWEI NE40E-X2-M8A uptime is 161 days, 0 hour, 20 minutes",
            // "Huawei AR6280 Router uptime is ...", "Quidway S7706 Terabit Routing Switch uptime is ...".
            // This names the product, not the device: VRP prints no sysname
            // here, so the hostname stays empty.
            let model = ["HUAWEI ", "Huawei ", "Quidway "]
                .iter()
                .find_map(|p| who.strip_prefix(p))
                .unwrap_or(who);
            v.info.model = model.strip_suffix(" Router").unwrap_or(model).trim().to_owned();
            v.uptime_seconds = super::common::duration_seconds(up);
            in_inventory = true;
            continue;
        }
        if t.starts_with("Huawei Versatile Routing Platform")
            || t.starts_with("Copyright")
            || t.starts_with("Patch Version")
        {
            continue;
        }
        skipped += 1;
    }
    Parsed { value: v, skipped }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cli/huawei_vrp");
    const GARBAGE: &str = "Error: Unrecognized command found at '^' position.";

    /// (raw text, parsed_sample records) of every fixture in `sub`, sorted by name.
    fn fixtures(sub: &str) -> Vec<(String, String, Vec<Value>)> {
        crate::collector::cli::parse::testing::fixtures("huawei_vrp", sub)
    }

    use crate::collector::cli::parse::testing::field as s;

    #[test]
    fn every_fixture_parses() {
        for sub in ["display_interface", "display_version"] {
            for (_, raw, _) in fixtures(sub) {
                let _ = interfaces(&raw);
                let _ = version(&raw);
            }
        }
    }

    #[test]
    fn interfaces_agree_with_fixtures() {
        for (file, raw, recs) in fixtures("display_interface") {
            let p = interfaces(&raw);
            // Every line of these six captures (AR, S/CE-style switch, NE
            // output) is one the parser knows: any skip here is a regression.
            assert_eq!(p.skipped, 0, "{file}");
            assert_eq!(p.value.len(), recs.len(), "{file}");
            for (i, r) in p.value.iter().zip(&recs) {
                let ctx = format!("{file} {}", i.name);
                assert_eq!(i.name, s(r, "interface"), "{ctx}");
                let link = s(r, "link_status");
                assert_eq!(i.admin_up, Some(!link.starts_with("Administratively")), "{ctx}");
                assert_eq!(i.oper_up, Some(s(r, "protocol_status").starts_with("UP")), "{ctx}");
                assert_eq!(i.description, s(r, "interface_description"), "{ctx}");
                let mtu = s(r, "mtu");
                assert_eq!(i.mtu_bytes, mtu.parse().ok(), "{ctx}");
                let m = s(r, "mac_address");
                assert_eq!(i.mac, mac(m).unwrap_or_default(), "{ctx}");
                assert_eq!(m.is_empty(), i.mac.is_empty(), "{ctx}");
                let speed = s(r, "speed");
                if let Ok(mbit) = speed.parse::<f64>() {
                    assert_eq!(i.speed_bytes, Some(mbit * 1_000_000.0 / 8.0), "{ctx}");
                }
                assert_eq!(i.index, None);
            }
        }
    }

    fn find<'a>(list: &'a [Interface], name: &str) -> &'a Interface {
        list.iter().find(|i| i.name == name).unwrap_or_else(|| panic!("{name}"))
    }

    #[test]
    fn counters_read_by_hand() {
        let raw =
            std::fs::read_to_string(format!("{DIR}/display_interface/huawei_vrp_display_interface.raw")).expect("raw");
        let p = interfaces(&raw).value;
        let g = find(&p, "GigabitEthernet0/0/4");
        assert_eq!(g.receive.packets, Some(108577));
        assert_eq!(g.receive.bytes, Some(8303469));
        assert_eq!(g.receive.multicast_packets, Some(32377));
        assert_eq!(g.receive.broadcast_packets, Some(12398));
        assert_eq!(g.receive.discards, Some(0));
        assert_eq!(g.receive.errors, Some(0));
        assert_eq!(g.transmit.packets, Some(59573));
        assert_eq!(g.transmit.bytes, Some(5607838));
        assert_eq!(g.transmit.broadcast_packets, Some(1));
        let d = find(&p, "Dialer1:0");
        assert_eq!((d.receive.packets, d.receive.bytes), (Some(396), Some(39552)));
        assert_eq!((d.transmit.packets, d.transmit.bytes), (Some(560), Some(41892)));
        // "Input: 0 bytes" only: no packet count is printed.
        let n = find(&p, "NULL0");
        assert_eq!((n.receive.packets, n.receive.bytes), (None, Some(0)));
        let t = find(&p, "Tunnel0/0/2");
        assert_eq!(
            (t.receive.packets, t.receive.errors, t.transmit.bytes),
            (Some(0), Some(0), Some(0))
        );

        let raw =
            std::fs::read_to_string(format!("{DIR}/display_interface/huawei_vrp_display_interface1.raw")).expect("raw");
        let p = interfaces(&raw).value;
        let x = find(&p, "XGigabitEthernet0/0/1");
        assert_eq!((x.receive.packets, x.receive.bytes), (Some(721), Some(94635)));
        assert_eq!(x.transmit.multicast_packets, Some(2051));
        // This model prints no "Total Error" for output: unknown, not zero.
        assert_eq!(x.transmit.errors, None);
        // The trunk's "Current BW: 0M" (no member up).
        assert_eq!(find(&p, "Eth-Trunk0").speed_bytes, Some(0.0));
        assert_eq!(find(&p, "MEth0/0/1").mtu_bytes, Some(1500));
    }

    /// "161 days, 0 hour, 20 minutes" → seconds, independently of the parser.
    fn uptime(text: &str) -> f64 {
        let mut total = 0.0;
        for part in text.split(',') {
            let mut w = part.split_whitespace();
            let n: f64 = w.next().and_then(|n| n.parse().ok()).expect("number");
            let unit = w.next().expect("unit");
            total += n * match unit.trim_end_matches('s') {
                "week" => 604800.0,
                "day" => 86400.0,
                "hour" => 3600.0,
                "minute" => 60.0,
                other => panic!("unit {other}"),
            };
        }
        total
    }

    #[test]
    fn version_agrees_with_fixtures() {
        for (file, raw, recs) in fixtures("display_version") {
            let p = version(&raw);
            let r = recs.first().expect("one record");
            assert_eq!(p.skipped, 0, "{file}: every header line is known");
            assert_eq!(p.value.info.vendor, "huawei");
            let release = s(r, "product_version").split_whitespace().last().expect("release");
            assert_eq!(p.value.info.os_version, release, "{file}");
            assert_eq!(p.value.info.model, s(r, "model"), "{file}");
            assert_eq!(p.value.uptime_seconds, Some(uptime(s(r, "uptime"))), "{file}");
            assert_eq!(p.value.info.hostname, "");
        }
    }

    #[test]
    fn garbage_is_counted() {
        let p = interfaces(GARBAGE);
        assert!(p.value.is_empty());
        assert_eq!(p.skipped, 1);
        let v = version(GARBAGE);
        assert_eq!(v.skipped, 1);
        assert_eq!(v.value.uptime_seconds, None);
        assert_eq!(interfaces("").skipped, 0);
    }

    #[test]
    fn administratively_down_and_port_bw() {
        let text = "10GE1/0/1 current state : Administratively DOWN (ifindex: 13)\n\
                    Line protocol current state : DOWN\n\
                    Description:to core\n\
                    Port BW: 10G, Transceiver max BW: 10G, Transceiver Mode: SingleMode\n";
        let p = interfaces(text);
        let i = &p.value[0];
        assert_eq!((i.admin_up, i.oper_up), (Some(false), Some(false)));
        assert_eq!(i.description, "to core");
        assert_eq!(i.speed_bytes, Some(1.25e9));
        assert_eq!(p.skipped, 0);
        assert_eq!(i.receive, Counters::default());
    }
}
