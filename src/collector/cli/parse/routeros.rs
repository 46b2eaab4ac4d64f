//! MikroTik RouterOS: `/interface print detail without-paging` and
//! `/system resource print`.
//!
//! `print detail` prints one record per interface: ` 7 DRS ;;; comment`,
//! then `key=value` properties over one or more lines. Values are quoted
//! (`name="ether1"`) or bare, and bare values may hold a space
//! (`last-link-up-time=jul/09/2023 07:18:42`). A comment may continue on
//! the following lines until the properties start.

use super::common::{duration_seconds, mac};
use super::{Parsed, Version};
use crate::report::{HealthKind, HealthReading, Interface};

#[derive(Default)]
struct Record {
    flags: String,
    comment: Vec<String>,
    props: Vec<(String, String)>,
}

impl Record {
    fn get(&self, key: &str) -> Option<&str> {
        self.props.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    fn finish(self) -> Interface {
        let mtu = |k| self.get(k).and_then(|v| v.parse::<u64>().ok());
        Interface {
            name: self.get("name").unwrap_or_default().to_owned(),
            // A multi-line comment becomes one line, its parts joined by a space.
            description: self.comment.join(" "),
            mac: self.get("mac-address").and_then(mac).unwrap_or_default(),
            admin_up: Some(!self.flags.contains('X')),
            oper_up: Some(self.flags.contains('R')),
            // actual-mtu is what is in effect (mtu may read "auto").
            mtu_bytes: mtu("actual-mtu").or_else(|| mtu("mtu")),
            ..Interface::default()
        }
    }
}

/// ` 7 DRS ;;; comment` / `10  R   name="x" ...` → (flags, rest of the line).
pub(super) fn record_start(line: &str) -> Option<(String, &str)> {
    let t = line.trim_start();
    let digits = t.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let rest = t.get(digits..)?;
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let mut flags = String::new();
    let mut rest = rest.trim_start();
    // Flag letters, possibly spread over columns ("D S"), until the comment or a property.
    while let Some(word) = rest.split_whitespace().next() {
        if word.starts_with(";;;") || word.contains('=') || !word.chars().all(|c| c.is_ascii_uppercase()) {
            break;
        }
        flags.push_str(word);
        rest = rest.get(word.len()..).unwrap_or("").trim_start();
    }
    Some((flags, rest))
}

/// Splits `a="x y" b=1 c=jul/09/2023 07:18:33` into pairs; a word without
/// `key=` continues the previous bare value. `None` if the text does not
/// start with a property.
pub(super) fn properties(text: &str) -> Option<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut chars = text.trim().chars().peekable();
    while chars.peek().is_some() {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut word = String::new();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match c {
                '"' if quoted => quoted = false,
                '"' => quoted = true,
                '\\' if quoted => word.extend(chars.next()),
                c if c.is_whitespace() && !quoted => break,
                c => word.push(c),
            }
        }
        if word.is_empty() {
            continue;
        }
        let is_key = |k: &str| !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
        match word.split_once('=') {
            Some((k, v)) if is_key(k) => out.push((k.to_owned(), v.to_owned())),
            _ => {
                let (_, v) = out.last_mut()?;
                v.push(' ');
                v.push_str(&word);
            }
        }
    }
    Some(out)
}

pub fn interfaces(text: &str) -> Parsed<Vec<Interface>> {
    let mut out = Vec::new();
    let mut skipped = 0;
    let mut cur: Option<Record> = None;
    for raw in text.lines() {
        let t = raw.trim();
        if t.is_empty() || t.starts_with("Flags:") {
            continue;
        }
        if let Some((flags, rest)) = record_start(raw) {
            if let Some(r) = cur.take() {
                out.push(r.finish());
            }
            let mut r = Record {
                flags,
                ..Record::default()
            };
            if let Some(c) = rest.strip_prefix(";;;") {
                r.comment.push(c.trim().to_owned());
            } else if let Some(p) = properties(rest) {
                r.props = p;
            } else if !rest.is_empty() {
                skipped += 1;
            }
            cur = Some(r);
            continue;
        }
        let Some(r) = cur.as_mut() else {
            skipped += 1;
            continue;
        };
        match properties(t) {
            Some(p) => r.props.extend(p),
            // Still inside a multi-line comment.
            None if r.props.is_empty() && !r.comment.is_empty() => r.comment.push(t.to_owned()),
            None => skipped += 1,
        }
    }
    if let Some(r) = cur.take() {
        out.push(r.finish());
    }
    // A record without a name is not an interface (and is drift).
    let before = out.len();
    out.retain(|i| !i.name.is_empty());
    skipped += before - out.len();
    Parsed { value: out, skipped }
}

/// `/system resource print`: `key: value` lines. The identity (hostname) is
/// not part of it and stays empty.
pub fn version(text: &str) -> Parsed<Version> {
    let mut v = Version::default();
    v.info.vendor = "mikrotik".to_owned();
    let mut skipped = 0;
    let (mut free, mut total) = (None, None);
    for raw in text.lines() {
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        let kv = t
            .split_once(':')
            .map(|(k, v)| (k.trim(), v.trim()))
            .filter(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '-'));
        match kv {
            Some(("uptime", u)) => v.uptime_seconds = duration_seconds(u),
            // "6.48.6 (long-term)": the number, without the release channel.
            Some(("version", ver)) => v.info.os_version = ver.split_whitespace().next().unwrap_or("").to_owned(),
            Some(("board-name", b)) => v.info.model = b.to_owned(),
            // The same readings as HOST-RESOURCES gives over SNMP, with the same pool name.
            Some(("cpu-load", l)) => {
                if let Ok(pct) = l.trim_end_matches('%').parse::<f64>() {
                    v.health.push(HealthReading {
                        kind: HealthKind::Cpu,
                        label: "all".into(),
                        value: pct / 100.0,
                    });
                }
            }
            Some(("free-memory", m)) => free = size_bytes(m),
            Some(("total-memory", m)) => total = size_bytes(m),
            Some(_) => {}
            None => skipped += 1,
        }
    }
    if let (Some(f), Some(t)) = (free, total) {
        let pool = "main memory".to_owned();
        v.health.push(HealthReading {
            kind: HealthKind::MemoryUsed,
            label: pool.clone(),
            value: (t - f).max(0.0),
        });
        v.health.push(HealthReading {
            kind: HealthKind::MemoryTotal,
            label: pool,
            value: t,
        });
    }
    Parsed { value: v, skipped }
}

/// `40.2MiB`, `1196.0KiB`, `1.5GiB` → bytes (rounded; RouterOS prints one decimal).
fn size_bytes(s: &str) -> Option<f64> {
    let s = s.trim();
    let (num, mult) = if let Some(n) = s.strip_suffix("KiB") {
        (n, 1024.0)
    } else if let Some(n) = s.strip_suffix("MiB") {
        (n, 1024.0 * 1024.0)
    } else if let Some(n) = s.strip_suffix("GiB") {
        (n, 1024.0 * 1024.0 * 1024.0)
    } else if let Some(n) = s.strip_suffix('B') {
        (n, 1.0)
    } else {
        (s, 1.0)
    };
    num.trim().parse::<f64>().ok().map(|n| (n * mult).round())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cli/mikrotik_routeros");
    const GARBAGE: &str = "Error: Unrecognized command found at '^' position.";

    /// (file, raw text, parsed_sample records) of every fixture in `sub`.
    fn fixtures(sub: &str) -> Vec<(String, String, Vec<Value>)> {
        crate::collector::cli::parse::testing::fixtures("mikrotik_routeros", sub)
    }

    use crate::collector::cli::parse::testing::field as s;

    #[test]
    fn every_fixture_parses() {
        for sub in [
            "interface_print_detail",
            "system_resource_print",
            "system_identity_print",
            "system_routerboard_print",
        ] {
            for (_, raw, _) in fixtures(sub) {
                let _ = interfaces(&raw);
                let _ = version(&raw);
            }
        }
    }

    #[test]
    fn interfaces_agree_with_fixtures() {
        for (file, raw, recs) in fixtures("interface_print_detail") {
            let p = interfaces(&raw);
            // Every line of these captures is understood.
            assert_eq!(p.skipped, 0, "{file}");
            // The independent parse drops the one record without a
            // mac-address in _01 (pppoe-out1, checked by hand below).
            let missing: Vec<&str> = p
                .value
                .iter()
                .map(|i| i.name.as_str())
                .filter(|n| !recs.iter().any(|r| s(r, "name") == *n))
                .collect();
            let expected_missing: &[&str] = if file.ends_with("_01") { &["pppoe-out1"] } else { &[] };
            assert_eq!(missing, expected_missing, "{file}");
            assert_eq!(p.value.len(), recs.len() + missing.len(), "{file}");
            let ours = p.value.iter().filter(|i| !missing.contains(&i.name.as_str()));
            for (i, r) in ours.zip(&recs) {
                let ctx = format!("{file} {}", i.name);
                assert_eq!(i.name, s(r, "name"), "{ctx}");
                let status = s(r, "status");
                assert_eq!(i.admin_up, Some(!status.contains('X')), "{ctx}");
                assert_eq!(i.oper_up, Some(status.contains('R')), "{ctx}");
                let comment: Vec<&str> = r["description"]
                    .as_array()
                    .expect("list")
                    .iter()
                    .filter_map(Value::as_str)
                    .collect();
                assert_eq!(i.description, comment.join(" "), "{ctx}");
                assert_eq!(i.mtu_bytes, s(r, "actual_mtu").parse().ok(), "{ctx}");
                let m = s(r, "mac_address");
                assert_eq!(i.mac, mac(m).unwrap_or_default(), "{ctx}");
                assert_eq!(m.is_empty(), i.mac.is_empty(), "{ctx}");
                // Not in `print detail`: unknown rather than zero.
                assert_eq!(i.speed_bytes, None);
                assert_eq!(i.receive.bytes, None);
                assert_eq!(i.index, None);
            }
        }
    }

    #[test]
    fn flags_and_values_by_hand() {
        let raw = std::fs::read_to_string(format!(
            "{DIR}/interface_print_detail/mikrotik_routeros_interface_print_detail_01.raw"
        ))
        .expect("raw");
        let p = interfaces(&raw).value;
        let spare = &p[2];
        assert_eq!(
            (spare.name.as_str(), spare.admin_up, spare.oper_up),
            ("sfp-sfpplus2", Some(false), Some(false))
        );
        assert_eq!(spare.description, "Spare Optic");
        let lo = &p[15];
        // mtu=auto, actual-mtu=1500.
        assert_eq!((lo.name.as_str(), lo.mtu_bytes), ("Lo0", Some(1500)));
        assert_eq!(lo.mac, "aa:bb:cc:11:22:33");
        assert_eq!(p[22].description, "INET: IX");
        let pppoe = &p[18];
        assert_eq!(
            (pppoe.name.as_str(), pppoe.mac.as_str(), pppoe.description.as_str()),
            ("pppoe-out1", "", "")
        );
        assert_eq!(
            (pppoe.admin_up, pppoe.oper_up, pppoe.mtu_bytes),
            (Some(true), Some(true), Some(1400))
        );
    }

    #[test]
    fn version_agrees_with_fixtures() {
        for (file, raw, recs) in fixtures("system_resource_print") {
            let p = version(&raw);
            let r = recs.first().expect("one record");
            assert_eq!(p.skipped, 0, "{file}: every line is `key: value`");
            assert_eq!(p.value.info.vendor, "mikrotik");
            assert_eq!(
                p.value.info.os_version,
                s(r, "version").split(' ').next().unwrap_or(""),
                "{file}"
            );
            assert_eq!(p.value.info.model, s(r, "board_name"), "{file}");
            assert_eq!(p.value.info.hostname, "");
            let n = |k: &str| s(r, k).parse::<f64>().unwrap_or(0.0);
            let expected = n("uptime_weeks") * 604800.0
                + n("uptime_days") * 86400.0
                + n("uptime_hours") * 3600.0
                + n("uptime_minutes") * 60.0
                + n("uptime_seconds");
            assert_eq!(p.value.uptime_seconds, Some(expected), "{file}");
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
        let p = interfaces("bad command name detail (line 1 column 17)\n 0 R weird");
        assert!(p.value.is_empty());
        assert!(p.skipped >= 2);
    }

    #[test]
    fn quoted_values_with_spaces_and_escapes() {
        let p = interfaces(" 0 X  name=\"my \\\"wan\\\" port\" mtu=1500 actual-mtu=1492\n");
        assert_eq!(p.value[0].name, "my \"wan\" port");
        assert_eq!(p.value[0].mtu_bytes, Some(1492));
        assert_eq!(p.value[0].admin_up, Some(false));
        assert_eq!(p.skipped, 0);
    }
}

#[cfg(test)]
mod health_tests {
    use super::*;

    #[test]
    fn resource_print_gives_cpu_and_memory_like_host_resources() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/cli/mikrotik_routeros/system_resource_print/mikrotik_routeros_system_resource_print_1.raw"
        );
        let v = version(&std::fs::read_to_string(path).unwrap()).value;
        // free-memory: 40.2MiB, total-memory: 64.0MiB, cpu-load: 1%
        let total = 64.0 * 1024.0 * 1024.0;
        let free = (40.2f64 * 1024.0 * 1024.0).round();
        assert_eq!(
            v.health,
            vec![
                HealthReading {
                    kind: HealthKind::Cpu,
                    label: "all".into(),
                    value: 0.01
                },
                HealthReading {
                    kind: HealthKind::MemoryUsed,
                    label: "main memory".into(),
                    value: total - free
                },
                HealthReading {
                    kind: HealthKind::MemoryTotal,
                    label: "main memory".into(),
                    value: total
                },
            ]
        );
        assert_eq!(size_bytes("1196.0KiB"), Some(1224704.0));
        assert_eq!(size_bytes("junk"), None);
    }
}
