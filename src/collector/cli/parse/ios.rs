//! Cisco IOS / IOS-XE: `show interfaces` and `show version`.

use super::common::{duration_seconds, mac, number_after, numbered_phrases, speed_bytes};
use super::{Parsed, Version};
use crate::report::Interface;

/// Lines of an interface block that carry nothing netgauge reports, by their
/// start (after the indentation).
const IGNORED_PREFIXES: &[&str] = &[
    "reliability ",
    "Encapsulation ",
    "Keepalive ",
    "ARP type",
    "Last input ",
    "Last clearing ",
    "Queueing strategy",
    "Output queue",
    "Internet address ",
    "Interface is unnumbered",
    "Tunnel",
    "src-track",
    "Set of tunnels",
    "Fec is",
    "Member ",
    "No. of ",
    "Loopback ",
    "input flow-control",
    "output flow-control",
    "Full",
    "Half",
    "Auto",
    "Unknown, ",
    "Routed to ",
    "Carrier delay",
    "Time since last",
];

/// Words that may follow a number on a counters line.
const COUNTER_WORDS: &[&str] = &[
    "packets",
    "bytes",
    "no",
    "runts",
    "giants",
    "throttles",
    "input",
    "output",
    "crc",
    "frame",
    "overrun",
    "ignored",
    "abort",
    "watchdog",
    "multicast",
    "pause",
    "underruns",
    "collisions",
    "interface",
    "unknown",
    "babbles",
    "late",
    "deferred",
    "lost",
    "carrier",
    "broadcasts",
    "multicasts",
    "ip",
    "minute",
    "second",
    "seconds",
];

/// Parses `show interfaces`.
pub fn interfaces(text: &str) -> Parsed<Vec<Interface>> {
    let mut out: Vec<Interface> = Vec::new();
    let mut skipped = 0;
    for raw in text.lines() {
        let line = raw.trim_end();
        if line.trim().is_empty() {
            continue;
        }
        if let Some(iface) = header(line) {
            out.push(iface);
            continue;
        }
        match out.last_mut() {
            Some(iface) if line.starts_with(char::is_whitespace) => {
                if !body_line(iface, line.trim()) {
                    skipped += 1;
                }
            }
            _ => skipped += 1,
        }
    }
    Parsed { value: out, skipped }
}

/// `GigabitEthernet0/1 is up, line protocol is up (connected)`.
fn header(line: &str) -> Option<Interface> {
    if line.starts_with(char::is_whitespace) {
        return None;
    }
    let (name, rest) = line.split_once(" is ")?;
    if name.is_empty() || name.contains(char::is_whitespace) {
        return None;
    }
    let (state, protocol) = match rest.split_once(", line protocol is ") {
        Some((s, p)) => (s.trim(), Some(p.trim())),
        None => (rest.trim(), None),
    };
    const STATES: &[&str] = &[
        "up",
        "down",
        "administratively down",
        "reset",
        "deleted",
        "testing",
        "standby",
    ];
    if !STATES.iter().any(|s| state.starts_with(s)) {
        return None;
    }
    Some(Interface {
        name: name.to_string(),
        admin_up: Some(!state.starts_with("administratively down") && !state.starts_with("deleted")),
        oper_up: protocol.map(|p| p.starts_with("up")),
        ..Interface::default()
    })
}

/// One indented line of an interface block; false when not understood.
fn body_line(iface: &mut Interface, t: &str) -> bool {
    if let Some(rest) = t.strip_prefix("Hardware is ") {
        if let Some((_, addr)) = rest.split_once("address is ") {
            iface.mac = addr.split_whitespace().next().and_then(mac).unwrap_or_default();
        }
        return true;
    }
    if let Some(d) = t.strip_prefix("Description:") {
        iface.description = d.trim().to_string();
        return true;
    }
    if t.starts_with("MTU ") {
        iface.mtu_bytes = number_after(t, "MTU");
        if let Some((_, bw)) = t.split_once("BW ") {
            iface.speed_bytes = speed_bytes(bw);
        }
        return true;
    }
    if t.starts_with("Input queue:") {
        // The input-queue drops are not provably ifInDiscards: receive discards stay None.
        iface.transmit.discards = t
            .split_once("Total output drops:")
            .and_then(|(_, n)| n.trim().parse().ok());
        return true;
    }
    if let Some(rest) = t.strip_prefix("Received ") {
        // `Received 61011302 broadcasts (28370454 multicasts)`: on Catalysts the
        // broadcasts include the multicasts, on routers (`IP multicasts`) they do not,
        // so only the multicast figure is unambiguous.
        iface.receive.multicast_packets = multicasts(rest);
        return true;
    }
    if t.starts_with("Output ") && t.contains("broadcasts") {
        iface.transmit.multicast_packets = multicasts(t);
        return true;
    }
    if t.starts_with(|c: char| c.is_ascii_digit()) {
        return counters_line(iface, t);
    }
    IGNORED_PREFIXES.iter().any(|p| t.starts_with(p)) || t.contains("duplex") || t.contains("Duplex")
}

/// The number before `multicasts` in `... broadcasts (N IP multicasts)`.
fn multicasts(s: &str) -> Option<u64> {
    numbered_phrases(s)
        .into_iter()
        .find(|(_, w)| w.iter().any(|w| w.eq_ignore_ascii_case("multicasts")))
        .map(|(n, _)| n)
}

/// `324 packets input, 48614 bytes, 0 no buffer` and the like.
fn counters_line(iface: &mut Interface, t: &str) -> bool {
    if t.contains(" rate ") {
        return true; // `5 minute input rate ...`
    }
    let phrases = numbered_phrases(t);
    let mut dir: Option<bool> = None; // Some(true) = receive
    let mut understood = !phrases.is_empty();
    for (n, words) in &phrases {
        let first = words.first().map(|w| w.to_ascii_lowercase()).unwrap_or_default();
        let second = words.get(1).map(|w| w.to_ascii_lowercase()).unwrap_or_default();
        if !COUNTER_WORDS.contains(&first.as_str()) {
            understood = false;
        }
        match (first.as_str(), second.as_str()) {
            ("packets", "input") => {
                dir = Some(true);
                iface.receive.packets = Some(*n);
            }
            ("packets", "output") => {
                dir = Some(false);
                iface.transmit.packets = Some(*n);
            }
            ("bytes", _) => match dir {
                Some(true) => iface.receive.bytes = Some(*n),
                Some(false) => iface.transmit.bytes = Some(*n),
                None => understood = false,
            },
            ("input", "errors") => iface.receive.errors = Some(*n),
            ("output", "errors") => iface.transmit.errors = Some(*n),
            _ => {}
        }
    }
    understood
}

/// Parses `show version`. Most of the output is boilerplate (licences,
/// feature lists), so only lines of a CLI error (`% ...`) count as skipped,
/// or every non-blank line when nothing at all was recognised.
pub fn version(text: &str) -> Parsed<Version> {
    let mut v = Version::default();
    v.info.vendor = "cisco".to_string();
    let mut xe_version = String::new();
    let mut errors = 0;
    let mut non_blank = 0;
    for raw in text.lines() {
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        non_blank += 1;
        if t.starts_with('%') {
            errors += 1;
            continue;
        }
        if (t.starts_with("Cisco IOS Software") || t.starts_with("IOS (tm)")) && v.info.os_version.is_empty() {
            v.info.os_version = version_after(t).unwrap_or_default();
        } else if t.starts_with("Cisco IOS XE Software") && xe_version.is_empty() {
            xe_version = version_after(t).unwrap_or_default();
        } else if let Some((host, up)) = t.split_once(" uptime is ") {
            if v.info.hostname.is_empty() && !host.contains(char::is_whitespace) {
                v.info.hostname = host.to_string();
                v.uptime_seconds = duration_seconds(up);
            }
        } else if v.info.model.is_empty()
            && (t.starts_with("cisco ") || t.starts_with("Cisco "))
            && (t.contains("processor") || t.contains("bytes of memory"))
        {
            v.info.model = t.split_whitespace().nth(1).unwrap_or_default().to_string();
        }
    }
    if v.info.os_version.is_empty() {
        v.info.os_version = xe_version;
    }
    let found = !v.info.os_version.is_empty() || !v.info.hostname.is_empty() || !v.info.model.is_empty();
    Parsed {
        value: v,
        skipped: if found { errors } else { non_blank },
    }
}

/// `..., Version 15.2(4)M3, RELEASE SOFTWARE` → `15.2(4)M3`.
fn version_after(t: &str) -> Option<String> {
    let (_, rest) = t.split_once("Version ")?;
    let v = rest.split([',', ' ']).next()?.trim();
    (!v.is_empty()).then(|| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collector::cli::parse::common;
    use serde_json::Value;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cli/cisco_ios/");

    /// `(file stem, raw text, parsed_sample records)` of every fixture in `sub`.
    fn fixtures(sub: &str) -> Vec<(String, String, Vec<Value>)> {
        crate::collector::cli::parse::testing::fixtures("cisco_ios", sub)
    }

    fn field<'a>(record: &'a Value, key: &str) -> &'a str {
        record[key].as_str().unwrap_or_default()
    }

    /// `2 years, 31 weeks, 6 days, 9 hours, 55 minutes` → seconds, by hand.
    fn uptime(text: &str) -> f64 {
        let mut total = 0.0;
        for part in text.split(", ") {
            let mut it = part.split_whitespace();
            let n: f64 = it.next().and_then(|n| n.parse().ok()).expect("number");
            let unit = it.next().expect("unit");
            total += n * match unit.trim_end_matches('s') {
                "year" => 31_536_000.0,
                "week" => 604_800.0,
                "day" => 86_400.0,
                "hour" => 3_600.0,
                "minute" => 60.0,
                "second" => 1.0,
                other => panic!("unit {other}"),
            };
        }
        total
    }

    fn counter(expected: &str) -> Option<u64> {
        (!expected.is_empty()).then(|| expected.parse().expect("counter in yml"))
    }

    /// A counter the yml shows must agree; the yml leaves some empty where the
    /// raw text has them (e.g. `0 output errors, 0 interface resets` of SVIs).
    fn agree(mine: Option<u64>, yml: &str, ctx: &str) {
        if let Some(expected) = counter(yml) {
            assert_eq!(mine, Some(expected), "{ctx}");
        }
    }

    #[test]
    fn every_fixture_parses() {
        for sub in ["show_interfaces", "show_version"] {
            for (_, raw, _) in fixtures(sub) {
                let _ = interfaces(&raw);
                let _ = version(&raw);
            }
        }
    }

    #[test]
    fn interfaces_agree_with_the_independent_parse() {
        for (name, raw, records) in fixtures("show_interfaces") {
            let parsed = interfaces(&raw);
            // Every line of these captures is either used or a known irrelevant
            // line (all 7 parse with 0 skipped today), so any skip is drift.
            assert_eq!(parsed.skipped, 0, "{name}: lines skipped");
            let got = parsed.value;
            assert_eq!(got.len(), records.len(), "{name}: interface count");
            for (i, r) in got.iter().zip(&records) {
                let ctx = format!("{name} {}", i.name);
                assert_eq!(i.name, field(r, "interface"), "{ctx}");
                assert_eq!(
                    i.admin_up,
                    Some(field(r, "link_status") != "administratively down"),
                    "{ctx}: admin"
                );
                assert_eq!(
                    i.oper_up,
                    Some(field(r, "protocol_status").starts_with("up")),
                    "{ctx}: oper"
                );
                assert_eq!(i.description, field(r, "description"), "{ctx}: description");
                assert_eq!(i.mtu_bytes, counter(field(r, "mtu")), "{ctx}: mtu");
                assert_eq!(
                    i.mac,
                    common::mac(field(r, "mac_address")).unwrap_or_default(),
                    "{ctx}: mac"
                );
                assert_eq!(
                    i.speed_bytes,
                    common::speed_bytes(field(r, "bandwidth")),
                    "{ctx}: bandwidth"
                );
                agree(
                    i.receive.packets,
                    field(r, "input_packets"),
                    &format!("{ctx}: rx packets"),
                );
                agree(
                    i.transmit.packets,
                    field(r, "output_packets"),
                    &format!("{ctx}: tx packets"),
                );
                agree(i.receive.errors, field(r, "input_errors"), &format!("{ctx}: rx errors"));
                agree(
                    i.transmit.errors,
                    field(r, "output_errors"),
                    &format!("{ctx}: tx errors"),
                );
                agree(
                    i.transmit.discards,
                    field(r, "queue_output_drops"),
                    &format!("{ctx}: tx drops"),
                );
                assert_eq!(i.index, None);
                assert_eq!(i.last_change_seconds, None);
            }
        }
    }

    #[test]
    fn counters_read_by_hand() {
        let raw = std::fs::read_to_string(format!("{DIR}show_interfaces/cisco_ios_show_interfaces.raw")).expect("raw");
        let got = interfaces(&raw).value;
        let g02 = got.iter().find(|i| i.name == "GigabitEthernet0/2").expect("Gi0/2");
        assert_eq!(g02.receive.bytes, Some(1_698_461));
        assert_eq!(g02.receive.packets, Some(8677));
        assert_eq!(g02.transmit.bytes, Some(29_058_795));
        assert_eq!(g02.transmit.packets, Some(420_798));
        assert_eq!(g02.receive.multicast_packets, Some(0));
        assert_eq!(g02.receive.broadcast_packets, None);
        assert_eq!(g02.receive.discards, None);
        assert_eq!(g02.speed_bytes, Some(125e6));
        assert_eq!(g02.mac, "fa:16:3e:a3:3e:49");
        let lo = got.iter().find(|i| i.name == "Loopback0").expect("Lo0");
        assert_eq!(lo.mac, "");
        assert_eq!(lo.mtu_bytes, Some(1514));
    }

    #[test]
    fn version_agrees_with_the_independent_parse() {
        for (name, raw, records) in fixtures("show_version") {
            let parsed = version(&raw);
            assert_eq!(parsed.skipped, 0, "{name}: a real capture has no CLI error line");
            let r = records.first().expect("one record");
            let v = parsed.value;
            assert_eq!(v.info.vendor, "cisco");
            assert_eq!(v.info.hostname, field(r, "hostname"), "{name}");
            assert_eq!(v.info.os_version, field(r, "version"), "{name}");
            assert_eq!(v.uptime_seconds, Some(uptime(field(r, "uptime"))), "{name}");
            if let Some(hw) = r["hardware"].as_array().and_then(|h| h.first()).and_then(Value::as_str) {
                assert_eq!(v.info.model, hw, "{name}");
            }
        }
    }

    #[test]
    fn garbage_is_skipped() {
        let garbage = "show interfaces\n        ^\n% Invalid input detected at '^' marker.\n";
        let parsed = interfaces(garbage);
        assert!(parsed.value.is_empty());
        assert_eq!(parsed.skipped, 3);
        let parsed = interfaces("% Invalid input detected at '^' marker.");
        assert!(parsed.value.is_empty());
        assert_eq!(parsed.skipped, 1);
        let v = version("% Invalid input detected at '^' marker.\n");
        assert_eq!(v.skipped, 1);
        assert_eq!(v.value.info.os_version, "");
        assert_eq!(v.value.uptime_seconds, None);
    }

    #[test]
    fn header_states() {
        let text = "Gi1 is administratively down, line protocol is down\nGi2 is up, line protocol is down\nGi3 is up, line protocol is up (connected)\n";
        let got = interfaces(text).value;
        let states: Vec<_> = got.iter().map(|i| (i.admin_up, i.oper_up)).collect();
        assert_eq!(
            states,
            vec![
                (Some(false), Some(false)),
                (Some(true), Some(false)),
                (Some(true), Some(true))
            ]
        );
        // Truncated or odd text never panics.
        for t in [
            "x is",
            " is up",
            "Gi1 is up\n  MTU",
            "Gi1 is up\n  Hardware is , address is",
            "Gi1 is up\n  Received 5",
        ] {
            let _ = interfaces(t);
        }
    }
}
