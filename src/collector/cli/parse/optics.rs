//! Transceiver diagnostics from the CLI: `show interfaces transceiver`
//! (IOS, IOS-XE), `show interface transceiver details` (NX-OS), `show
//! interfaces diagnostics optics` (Junos), `display transceiver verbose`
//! (VRP) and `/interface ethernet monitor NAME once` (RouterOS), into the
//! same [`Transceiver`] records the SNMP collector fills.
//!
//! Interface names stay as printed (`Te1/49`); [`place`] maps them to the
//! device's interface names once the interfaces are parsed. Values go to
//! base units; "no light" (`-Inf`, `- Inf dBm`, a receiver in loss of
//! signal) is [`NO_LIGHT_DBM`]; `N/A` is no reading.

use super::Parsed;
use crate::collector::ifname;
use crate::collector::transceivers::Builder;
use crate::report::{Interface, OpticLevel as L, OpticMeasure as M, Transceiver, NO_LIGHT_DBM};

/// A number as printed, in any of the spellings devices use for no light
/// (`-Inf`, `- Inf`, `-inf`); `N/A`, `NA` and dashes are `None`.
fn number(text: &str) -> Option<f64> {
    let t: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if t.to_ascii_lowercase().starts_with("-inf") {
        return Some(f64::NEG_INFINITY);
    }
    let t = t.trim_end_matches(|c: char| c.is_ascii_alphabetic() || c == '°');
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A power in dBm: −∞ and anything below is no light.
fn dbm(v: f64) -> f64 {
    v.max(NO_LIGHT_DBM)
}

/// The rows of an IOS `show interfaces transceiver` table: temperature,
/// voltage, current (IOS-XE only: the header says which), transmit and
/// receive power. Flags (`++`, `-`…) after a value are dropped.
pub fn ios_table(text: &str) -> Parsed<Vec<Transceiver>> {
    let mut b = Builder::default();
    let mut skipped = 0;
    let mut with_current = false;
    let mut in_rows = false;
    for line in text.lines() {
        let t = line.trim();
        if t.starts_with("Temperature") && t.contains("Voltage") {
            with_current = t.contains("Current");
            continue;
        }
        if t.starts_with("---") {
            in_rows = true;
            continue;
        }
        if !in_rows || t.is_empty() {
            continue;
        }
        let mut words = t.split_whitespace();
        let Some(name) = words.next() else { continue };
        let values: Vec<&str> = words.filter(|w| !w.chars().all(|c| c == '+' || c == '-')).collect();
        let measures: &[M] = if with_current {
            &[
                M::Temperature,
                M::SupplyVoltage,
                M::BiasCurrent,
                M::TransmitPower,
                M::ReceivePower,
            ]
        } else {
            &[M::Temperature, M::SupplyVoltage, M::TransmitPower, M::ReceivePower]
        };
        if values.len() != measures.len() {
            skipped += 1;
            continue;
        }
        for (m, v) in measures.iter().zip(values) {
            if let Some(x) = number(v) {
                b.reading(name, *m, None, scaled(*m, x, "mA"));
            }
        }
    }
    Parsed {
        value: b.finish(),
        skipped,
    }
}

/// `x` in its unit as printed, to the measure's base unit.
fn scaled(m: M, x: f64, unit: &str) -> f64 {
    match m {
        M::ReceivePower | M::TransmitPower => dbm(x),
        M::BiasCurrent if unit.eq_ignore_ascii_case("ma") => x / 1000.0,
        M::BiasCurrent if unit.eq_ignore_ascii_case("ua") => x / 1e6,
        _ => x,
    }
}

/// NX-OS `show interface transceiver details`: per interface the module's
/// identity, then diagnostics rows of current value and the high alarm,
/// low alarm, high warning and low warning thresholds; multi-lane modules
/// print one such table per `Lane Number:N`, the `Common` one module-wide.
pub fn nxos_details(text: &str) -> Parsed<Vec<Transceiver>> {
    let mut b = Builder::default();
    let mut skipped = 0;
    let mut interface: Option<String> = None;
    let mut lane: Option<u32> = None;
    for line in text.lines() {
        if !line.starts_with(char::is_whitespace) && !line.trim().is_empty() && !line.starts_with("Lane") {
            interface = Some(line.trim().to_owned());
            lane = None;
            continue;
        }
        let t = line.trim();
        let Some(name) = interface.as_deref() else { continue };
        if let Some(rest) = t.strip_prefix("Lane Number:") {
            lane = if rest.contains("Common") {
                None
            } else {
                rest.split_whitespace().next().and_then(|n| n.parse().ok())
            };
            continue;
        }
        for (key, slot) in [
            ("type is ", 0usize),
            ("name is ", 1),
            ("part number is ", 2),
            ("serial number is ", 3),
        ] {
            if let Some(v) = t.strip_prefix(key) {
                let mut id = ["", "", "", ""];
                id[slot] = v.trim();
                b.identity(name, id[0], id[1], id[2], id[3]);
            }
        }
        let measure = [
            ("Temperature", M::Temperature),
            ("Voltage", M::SupplyVoltage),
            ("Current", M::BiasCurrent),
            ("Tx Power", M::TransmitPower),
            ("Rx Power", M::ReceivePower),
        ]
        .into_iter()
        .find(|(k, _)| t.starts_with(k) && t[k.len()..].starts_with(' '));
        let Some((key, m)) = measure else { continue };
        // Values and their units; flags and units dropped, N/A kept as a hole.
        let mut values: Vec<(Option<f64>, &str)> = Vec::new();
        let mut words = t[key.len()..].split_whitespace().peekable();
        while let Some(w) = words.next() {
            if w == "N/A" {
                values.push((None, ""));
            } else if let Some(x) = number(w) {
                let unit = words
                    .peek()
                    .copied()
                    .filter(|u| u.chars().all(|c| c.is_ascii_alphabetic()))
                    .unwrap_or("");
                values.push((Some(x), unit));
            }
        }
        match values.len() {
            5 => {}
            // The table's own header ("Current  Alarms  Warnings").
            0 => continue,
            _ => {
                skipped += 1;
                continue;
            }
        }
        let lane = lane.filter(|_| matches!(m, M::TransmitPower | M::ReceivePower | M::BiasCurrent));
        if let (Some(x), unit) = values[0] {
            b.reading(name, m, lane, scaled(m, x, unit));
        }
        let levels = [L::HighAlarm, L::LowAlarm, L::HighWarning, L::LowWarning];
        let t: Vec<(L, f64)> = levels
            .into_iter()
            .zip(&values[1..])
            .filter_map(|(l, (x, unit))| Some((l, scaled(m, (*x)?, unit))))
            .collect();
        b.thresholds(name, m, lane, &t);
    }
    Parsed {
        value: b.finish(),
        skipped,
    }
}

/// The dBm half of Junos' `0.2540 mW / -5.95 dBm` (or `- Inf dBm`), else
/// the first number with its unit.
fn junos_value(v: &str) -> Option<(f64, String)> {
    if let Some((_, d)) = v.split_once('/') {
        if d.contains("dBm") {
            return number(d.trim().trim_end_matches("dBm")).map(|x| (x, "dBm".to_owned()));
        }
    }
    let mut w = v.split_whitespace();
    let x = number(w.next()?)?;
    Some((x, w.next().unwrap_or("").to_owned()))
}

/// Thresholds printed one per line, gathered per (interface, measure)
/// and handed to the builder together, which checks their order.
#[derive(Default)]
struct Pending(Vec<(String, M, Levels)>);

/// One measure's thresholds as found.
type Levels = Vec<(L, f64)>;

impl Pending {
    fn add(&mut self, name: &str, m: M, level: L, x: f64) {
        match self.0.iter_mut().find(|(n, pm, _)| n == name && *pm == m) {
            Some((_, _, t)) => t.push((level, x)),
            None => self.0.push((name.to_owned(), m, vec![(level, x)])),
        }
    }

    fn apply(self, b: &mut Builder) {
        for (name, m, t) in self.0 {
            b.thresholds(&name, m, None, &t);
        }
    }
}

/// Junos `show interfaces diagnostics optics`: `Physical interface: NAME`
/// blocks of `key : value` lines; `Lane N` starts a lane's readings.
pub fn junos_optics(text: &str) -> Parsed<Vec<Transceiver>> {
    const MEASURES: [(&str, M); 8] = [
        ("laser bias current", M::BiasCurrent),
        ("laser output power", M::TransmitPower),
        ("laser tx power", M::TransmitPower),
        ("receiver signal average optical power", M::ReceivePower),
        ("laser receiver power", M::ReceivePower),
        ("laser rx power", M::ReceivePower),
        ("module temperature", M::Temperature),
        ("module voltage", M::SupplyVoltage),
    ];
    const LEVELS: [(&str, L); 4] = [
        ("high alarm threshold", L::HighAlarm),
        ("low alarm threshold", L::LowAlarm),
        ("high warning threshold", L::HighWarning),
        ("low warning threshold", L::LowWarning),
    ];
    let mut b = Builder::default();
    let mut interface: Option<String> = None;
    let mut lane: Option<u32> = None;
    let mut thresholds = Pending::default();
    for line in text.lines() {
        let t = line.trim();
        if let Some(name) = t.strip_prefix("Physical interface:") {
            interface = Some(name.trim().trim_end_matches(',').to_owned());
            lane = None;
            continue;
        }
        if let Some(n) = t.strip_prefix("Lane ") {
            lane = n.trim().parse().ok();
            continue;
        }
        let Some(name) = interface.clone() else { continue };
        let Some((key, value)) = t.split_once(':') else {
            continue;
        };
        let key = key.trim().to_ascii_lowercase();
        let Some((prefix, m)) = MEASURES.iter().find(|(k, _)| key.starts_with(k)) else {
            continue;
        };
        let rest = key[prefix.len()..].trim();
        let Some((x, unit)) = junos_value(value) else { continue };
        let x = scaled(*m, x, &unit);
        if rest.is_empty() {
            b.reading(&name, *m, lane, x);
        } else if let Some((_, level)) = LEVELS.iter().find(|(k, _)| rest == *k) {
            thresholds.add(&name, *m, *level, x);
        }
    }
    thresholds.apply(&mut b);
    Parsed {
        value: b.finish(),
        skipped: 0,
    }
}

/// VRP `display transceiver verbose`: `NAME transceiver information:`
/// blocks of `Key :value` lines. `High/Low Threshold` are the alarm levels,
/// `High/Low Warning` (newer releases) the warning ones; multi-lane modules
/// print lanes as `v1|v2|v3|v4`.
pub fn vrp_verbose(text: &str) -> Parsed<Vec<Transceiver>> {
    let mut b = Builder::default();
    let mut interface: Option<String> = None;
    let mut thresholds = Pending::default();
    for line in text.lines() {
        let t = line.trim();
        if let Some(name) = t.strip_suffix("transceiver information:") {
            interface = Some(name.trim().to_owned());
            continue;
        }
        let Some(name) = interface.clone() else { continue };
        let Some((key, value)) = t.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        match key {
            "Transceiver Type" => b.identity(&name, value, "", "", ""),
            "Vendor Name" => b.identity(&name, "", value, "", ""),
            "Vendor Part Number" => b.identity(&name, "", "", value, ""),
            "Manu. Serial Number" | "Serial Number" => b.identity(&name, "", "", "", value),
            _ => {}
        }
        let k = key.to_ascii_lowercase();
        let m = if k.starts_with("temp") {
            M::Temperature
        } else if k.starts_with("volt") {
            M::SupplyVoltage
        } else if k.starts_with("bias") {
            M::BiasCurrent
        } else if k.starts_with("rx power") || k.starts_with("current rx power") {
            M::ReceivePower
        } else if k.starts_with("tx power") || k.starts_with("current tx power") {
            M::TransmitPower
        } else {
            continue;
        };
        let unit = if k.contains("(ma)") { "mA" } else { "" };
        let level = match (
            k.contains("high"),
            k.contains("low"),
            k.contains("warning"),
            k.contains("threshold"),
        ) {
            (true, false, true, _) => Some(L::HighWarning),
            (false, true, true, _) => Some(L::LowWarning),
            (true, false, false, true) => Some(L::HighAlarm),
            (false, true, false, true) => Some(L::LowAlarm),
            (false, false, _, _) => None,
            _ => continue,
        };
        let lanes: Vec<Option<f64>> = value.split('|').map(number).collect();
        match level {
            None => {
                for (i, x) in lanes.iter().enumerate() {
                    let lane = (lanes.len() > 1).then_some(i as u32 + 1);
                    if let Some(x) = x {
                        b.reading(&name, m, lane, scaled(m, *x, unit));
                    }
                }
            }
            Some(level) => {
                if let Some(Some(x)) = lanes.first() {
                    thresholds.add(&name, m, level, scaled(m, *x, unit));
                }
            }
        }
    }
    thresholds.apply(&mut b);
    Parsed {
        value: b.finish(),
        skipped: 0,
    }
}

/// RouterOS `/interface ethernet monitor NAME once` (one or several
/// outputs one after the other): `key: value` lines, the module's under
/// `sfp-`. A receiver in loss of signal without a power reading sees no light.
pub fn routeros_monitor(text: &str) -> Parsed<Vec<Transceiver>> {
    let mut b = Builder::default();
    let mut interface: Option<String> = None;
    let mut rx_loss = false;
    let mut rx_read = false;
    let finish_rx = |b: &mut Builder, name: Option<&str>, loss: bool, read: bool| {
        if let (Some(n), true, false) = (name, loss, read) {
            b.reading(n, M::ReceivePower, None, NO_LIGHT_DBM);
        }
    };
    for line in text.lines() {
        let Some((key, value)) = line
            .split_once(": ")
            .or_else(|| line.strip_suffix(':').map(|k| (k, "")))
        else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if key == "name" {
            finish_rx(&mut b, interface.as_deref(), rx_loss, rx_read);
            interface = Some(value.to_owned());
            (rx_loss, rx_read) = (false, false);
            continue;
        }
        let Some(name) = interface.clone() else { continue };
        let m = match key {
            "sfp-type" => {
                b.identity(&name, value, "", "", "");
                continue;
            }
            "sfp-vendor-name" => {
                b.identity(&name, "", value, "", "");
                continue;
            }
            "sfp-vendor-part-number" => {
                b.identity(&name, "", "", value, "");
                continue;
            }
            "sfp-vendor-serial" => {
                b.identity(&name, "", "", "", value);
                continue;
            }
            "sfp-rx-loss" => {
                rx_loss = value == "yes";
                continue;
            }
            "sfp-temperature" => M::Temperature,
            "sfp-supply-voltage" => M::SupplyVoltage,
            "sfp-tx-bias-current" => M::BiasCurrent,
            "sfp-tx-power" => M::TransmitPower,
            "sfp-rx-power" => {
                rx_read = true;
                M::ReceivePower
            }
            _ => continue,
        };
        // QSFP modules list their lanes: `-2.1dBm,-2.3dBm,…`.
        let lanes: Vec<&str> = value.split(',').map(str::trim).collect();
        for (i, v) in lanes.iter().enumerate() {
            let unit = v.trim_start_matches(|c: char| c.is_ascii_digit() || c == '.' || c == '-');
            let lane = (lanes.len() > 1).then_some(i as u32 + 1);
            if let Some(x) = number(v) {
                b.reading(&name, m, lane, scaled(m, x, unit));
            }
        }
    }
    finish_rx(&mut b, interface.as_deref(), rx_loss, rx_read);
    Parsed {
        value: b.finish(),
        skipped: 0,
    }
}

/// Gives each transceiver the device's own name of its interface (`Te1/49`
/// → `TenGigabitEthernet1/49`), so its series join the interface series.
/// A name that matches no interface (or several) stays as printed.
pub fn place(transceivers: Vec<Transceiver>, interfaces: &[Interface]) -> Vec<Transceiver> {
    let names: Vec<String> = interfaces.iter().map(|i| i.name.clone()).collect();
    transceivers
        .into_iter()
        .map(|mut t| {
            if let Some(n) = ifname::resolve(&t.interface, &names) {
                t.interface = n.to_owned();
            }
            t
        })
        .collect()
}

#[cfg(test)]
mod tests;
