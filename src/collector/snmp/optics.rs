//! Transceiver diagnostics (DOM) over SNMP: light levels, bias, voltage and
//! temperature of each pluggable optic, with the module's own thresholds,
//! mapped to the interface it sits in.
//!
//! Four sources, read in this order; the first to give a reading of an
//! (interface, measure, lane) wins:
//!
//! * JUNIPER-DOM-MIB `jnxDomCurrentTable` and its lane table, indexed by
//!   ifIndex: 0.01 dBm, µA, mV, °C. A receiver in loss of signal reads 0
//!   there (bit 0 of `jnxDomCurrentAlarms` set): reported as no light.
//! * HUAWEI-ENTITY-EXTENT-MIB `hwOpticalModuleInfoTable`, indexed by the
//!   port's entPhysicalIndex. −1 (and −255 for temperature) means "not
//!   available". Its units changed between VRP versions, so they are
//!   detected: power is 0.01 dBm on a device where any module reads a
//!   negative power (which µW cannot be), else µW as the MIB first said;
//!   bias is µA from 1000 up, else mA (a laser runs at 2–100 mA).
//! * CISCO-ENTITY-SENSOR-MIB `entSensorValueTable` and
//!   `entSensorThresholdTable`.
//! * ENTITY-SENSOR-MIB `entPhySensorTable` (Arista and other standard
//!   agents), with Arista's `aristaEntSensorThresholdTable` beside it.
//!   Optical power there is in watts: converted to dBm.
//!
//! Entity sensors are placed by the ENTITY-MIB snapshot ([`Entities`]): the
//! alias mapping of the sensor or of what contains it, else an interface
//! name in the sensor's or its containers' names and descriptions. [`build`]
//! is pure.

use std::collections::HashMap;

use super::entity::Entities;
use super::value::{Oid, Val};
use crate::collector::ifname;
use crate::collector::transceivers::Builder as Optics;
use crate::report::{milliwatts_to_dbm, Interface, OpticLevel, OpticMeasure as M, Transceiver, NO_LIGHT_DBM};

/// jnxDomCurrentEntry.
pub const JNX_DOM: &[u32] = &[1, 3, 6, 1, 4, 1, 2636, 3, 60, 1, 1, 1, 1];
/// jnxDomCurrentLaneEntry.
pub const JNX_DOM_LANE: &[u32] = &[1, 3, 6, 1, 4, 1, 2636, 3, 60, 1, 2, 1, 1];
/// hwOpticalModuleInfoEntry.
pub const HW_OPTICAL: &[u32] = &[1, 3, 6, 1, 4, 1, 2011, 5, 25, 31, 1, 1, 3, 1];
/// entSensorValueEntry (CISCO-ENTITY-SENSOR-MIB).
pub const CISCO_SENSOR: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 91, 1, 1, 1, 1];
/// entSensorThresholdEntry.
pub const CISCO_THRESHOLD: &[u32] = &[1, 3, 6, 1, 4, 1, 9, 9, 91, 1, 2, 1, 1];
/// entPhySensorEntry (ENTITY-SENSOR-MIB).
pub const ENT_SENSOR: &[u32] = &[1, 3, 6, 1, 2, 1, 99, 1, 1, 1];
/// aristaEntSensorThresholdEntry.
pub const ARISTA_THRESHOLD: &[u32] = &[1, 3, 6, 1, 4, 1, 30065, 3, 12, 1, 1, 1];

/// (entry, columns) read per vendor; standard tables for every device.
fn tables(vendor: &str) -> Vec<(&'static [u32], &'static [u32])> {
    const JNX: &[u32] = &[
        1, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
    ];
    const HW: &[u32] = &[4, 5, 6, 7, 8, 9, 13, 14, 15, 16, 20, 21, 22, 23, 25];
    const SENSOR: &[u32] = &[1, 2, 3, 4, 5];
    let mut t: Vec<(&'static [u32], &'static [u32])> = match vendor {
        "juniper" => vec![(JNX_DOM, JNX), (JNX_DOM_LANE, &[6, 7, 8, 9])],
        "huawei" => vec![(HW_OPTICAL, HW)],
        "cisco" => vec![(CISCO_SENSOR, SENSOR), (CISCO_THRESHOLD, &[2, 3, 4])],
        "arista" => vec![(ARISTA_THRESHOLD, &[1, 2, 3, 4])],
        _ => Vec::new(),
    };
    t.push((ENT_SENSOR, SENSOR));
    t
}

/// Column OIDs to walk for a device of `vendor`.
pub fn roots(vendor: &str) -> Vec<Oid> {
    tables(vendor)
        .into_iter()
        .flat_map(|(entry, cols)| {
            cols.iter().map(move |c| {
                let mut o = entry.to_vec();
                o.push(*c);
                o
            })
        })
        .collect()
}

pub use super::value::Walked;

/// Transceivers from the walked tables. `interfaces` are the device's
/// interfaces from the same poll (names and ifIndexes); `entities` its
/// ENTITY-MIB snapshot, when it has one.
pub fn build(w: &Walked, entities: Option<&Entities>, interfaces: &[Interface]) -> Vec<Transceiver> {
    let names: Vec<String> = interfaces.iter().map(|i| i.name.clone()).collect();
    let by_index: HashMap<u64, &str> = interfaces
        .iter()
        .filter_map(|i| Some((i.index?, i.name.as_str())))
        .collect();
    let empty = Entities::default();
    let ents = entities.unwrap_or(&empty);
    let place = Place {
        names: &names,
        by_index: &by_index,
        entities: ents,
    };
    let mut o = Optics::default();
    juniper(w, &place, &mut o);
    huawei(w, &place, &mut o);
    sensors(w, &place, &mut o, Source::Cisco);
    sensors(w, &place, &mut o, Source::Standard);
    o.finish()
}

/// How a row is tied to an interface.
struct Place<'a> {
    names: &'a [String],
    by_index: &'a HashMap<u64, &'a str>,
    entities: &'a Entities,
}

impl Place<'_> {
    fn if_index(&self, i: u64) -> Option<String> {
        self.by_index.get(&i).map(|s| (*s).to_owned())
    }

    /// The interface an entity (a port, a module or a sensor) belongs to.
    fn entity(&self, index: u32) -> Option<String> {
        if let Some(n) = self.entities.mapped_if_index(index).and_then(|i| self.if_index(i)) {
            return Some(n);
        }
        self.entities.ancestry(index).find_map(|(_, e)| {
            [&e.name, &e.alias, &e.descr]
                .into_iter()
                .find_map(|t| ifname::resolve(t, self.names).or_else(|| ifname::find_in(t, self.names)))
                .map(str::to_owned)
        })
    }
}

fn juniper(w: &Walked, place: &Place<'_>, o: &mut Optics) {
    let e = JNX_DOM;
    for idx in w.rows(e, 5) {
        let [i] = idx[..] else { continue };
        let Some(name) = place.if_index(u64::from(i)) else {
            continue;
        };
        let v = |c: u32| w.int(e, c, &idx);
        // No module, or one without diagnostics: every value zero.
        if (5..=24).all(|c| v(c).unwrap_or(0) == 0) {
            continue;
        }
        let lanes = v(30).unwrap_or(1);
        let los = w
            .get(e, 1, &idx)
            .and_then(Val::as_bytes)
            .and_then(|b| b.first())
            .is_some_and(|b| b & 0x80 != 0);
        let rx = |raw: i64| {
            if raw == 0 && los {
                NO_LIGHT_DBM
            } else {
                raw as f64 / 100.0
            }
        };
        if lanes <= 1 {
            if let Some(r) = v(5) {
                o.reading(&name, M::ReceivePower, None, rx(r));
            }
            if let Some(b) = v(6) {
                o.reading(&name, M::BiasCurrent, None, b as f64 / 1e6);
            }
            if let Some(t) = v(7) {
                o.reading(&name, M::TransmitPower, None, t as f64 / 100.0);
            }
        }
        if let Some(t) = v(8) {
            o.reading(&name, M::Temperature, None, t as f64);
        }
        if let Some(mv) = v(25).filter(|mv| *mv > 0) {
            o.reading(&name, M::SupplyVoltage, None, mv as f64 / 1000.0);
        }
        // Thresholds: high alarm, low alarm, high warning, low warning.
        let four = |first: u32, scale: f64| -> Vec<(OpticLevel, f64)> {
            [
                OpticLevel::HighAlarm,
                OpticLevel::LowAlarm,
                OpticLevel::HighWarning,
                OpticLevel::LowWarning,
            ]
            .into_iter()
            .zip(first..)
            .filter_map(|(l, c)| v(c).map(|x| (l, x as f64 * scale)))
            .collect()
        };
        o.thresholds(&name, M::ReceivePower, None, &four(9, 0.01));
        o.thresholds(&name, M::BiasCurrent, None, &four(13, 1e-6));
        o.thresholds(&name, M::TransmitPower, None, &four(17, 0.01));
        o.thresholds(&name, M::Temperature, None, &four(21, 1.0));
        if v(25).is_some_and(|mv| mv > 0) {
            o.thresholds(&name, M::SupplyVoltage, None, &four(26, 0.001));
        }
    }
    for idx in w.rows(JNX_DOM_LANE, 6) {
        let [i, lane] = idx[..] else { continue };
        let Some(name) = place.if_index(u64::from(i)) else {
            continue;
        };
        let v = |c: u32| w.int(JNX_DOM_LANE, c, &idx);
        if (6..=9).all(|c| v(c).unwrap_or(0) == 0) {
            continue;
        }
        let lane = Some(lane);
        if let Some(r) = v(6) {
            o.reading(&name, M::ReceivePower, lane, r as f64 / 100.0);
        }
        if let Some(b) = v(7) {
            o.reading(&name, M::BiasCurrent, lane, b as f64 / 1e6);
        }
        if let Some(t) = v(8) {
            o.reading(&name, M::TransmitPower, lane, t as f64 / 100.0);
        }
    }
}

fn huawei(w: &Walked, place: &Place<'_>, o: &mut Optics) {
    let e = HW_OPTICAL;
    let rows = w.rows(e, 5);
    // −1 is "not available"; a negative power other than that can only be dBm.
    let dbm = rows.iter().any(|idx| {
        [8, 9]
            .iter()
            .any(|c| w.int(e, *c, idx).is_some_and(|p| p < 0 && p != -1))
    });
    for idx in rows {
        let [i] = idx[..] else { continue };
        let Some(name) = place.entity(i) else { continue };
        let v = |c: u32| w.int(e, c, &idx).filter(|x| *x != -1);
        // Empty cages read all zeros.
        if (5..=9).all(|c| v(c).unwrap_or(0) == 0) && w.text(e, 25, &idx).is_empty() {
            continue;
        }
        if let Some(t) = v(5).filter(|t| *t != -255) {
            o.reading(&name, M::Temperature, None, t as f64);
        }
        if let Some(mv) = v(6) {
            o.reading(&name, M::SupplyVoltage, None, mv as f64 / 1000.0);
        }
        if let Some(b) = v(7) {
            let amperes = if b >= 1000 { b as f64 / 1e6 } else { b as f64 / 1e3 };
            o.reading(&name, M::BiasCurrent, None, amperes);
        }
        let power = |raw: i64| {
            if dbm {
                raw as f64 / 100.0
            } else {
                milliwatts_to_dbm(raw as f64 / 1000.0)
            }
        };
        if let Some(p) = v(8) {
            o.reading(&name, M::ReceivePower, None, power(p));
        }
        if let Some(p) = v(9) {
            o.reading(&name, M::TransmitPower, None, power(p));
        }
        // Thresholds are 0.01 dBm in every version.
        let t = |cols: [(OpticLevel, u32); 4]| -> Vec<(OpticLevel, f64)> {
            cols.into_iter()
                .filter_map(|(l, c)| v(c).map(|x| (l, x as f64 / 100.0)))
                .collect()
        };
        use OpticLevel::*;
        o.thresholds(
            &name,
            M::ReceivePower,
            None,
            &t([(LowAlarm, 13), (HighAlarm, 14), (LowWarning, 20), (HighWarning, 21)]),
        );
        o.thresholds(
            &name,
            M::TransmitPower,
            None,
            &t([(LowAlarm, 15), (HighAlarm, 16), (LowWarning, 22), (HighWarning, 23)]),
        );
        // Column 4 (hwEntityOpticalVendorSn) carries the vendor's name.
        o.identity(&name, "", &w.text(e, 4, &idx), &w.text(e, 25, &idx), "");
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Source {
    Cisco,
    Standard,
}

/// EntitySensorDataType values (RFC 3433) netgauge reads.
const VOLTS_DC: i64 = 4;
const AMPERES: i64 = 5;
const WATTS: i64 = 6;
const CELSIUS: i64 = 8;
const DBM: i64 = 14;

/// EntitySensorDataScale → power of ten. Note exa (14) comes before peta
/// (15) in RFC 3433.
fn scale_exponent(scale: i64) -> Option<i32> {
    Some(match scale {
        1..=13 => (scale as i32 - 9) * 3,
        14 => 18,
        15 => 15,
        16 => 21,
        17 => 24,
        _ => return None,
    })
}

/// One entity sensor's reading, scaled to its unit.
struct Sensor {
    kind: i64,
    factor: f64,
    value: f64,
}

fn sensors(w: &Walked, place: &Place<'_>, o: &mut Optics, source: Source) {
    let e = match source {
        Source::Cisco => CISCO_SENSOR,
        Source::Standard => ENT_SENSOR,
    };
    let transceiver_sensors = place.entities.transceiver_sensors();
    // entSensorThresholdTable rows by sensor, grouped once.
    let mut cisco_rows: HashMap<u32, Vec<Oid>> = HashMap::new();
    if source == Source::Cisco {
        for idx in w.rows(CISCO_THRESHOLD, 4) {
            if let [sensor, _] = idx[..] {
                cisco_rows.entry(sensor).or_default().push(idx);
            }
        }
    }
    for idx in w.rows(e, 4) {
        let [i] = idx[..] else { continue };
        let v = |c: u32| w.int(e, c, &idx);
        // 1 = ok; unavailable or nonoperational sensors have no value.
        if v(5) != Some(1) {
            continue;
        }
        let (Some(kind), Some(raw)) = (v(1), v(4)) else {
            continue;
        };
        let Some(exp) = v(2).and_then(scale_exponent) else {
            continue;
        };
        let precision = v(3).unwrap_or(0).clamp(-8, 9) as i32;
        let factor = 10f64.powi(exp) / 10f64.powi(precision);
        let s = Sensor {
            kind,
            factor,
            value: raw as f64 * factor,
        };
        let known = place.entities.rows.contains_key(&i);
        let (name, measure, lane) = if known {
            if !transceiver_sensors.contains(&i) {
                continue;
            }
            let Some(name) = place.entity(i) else { continue };
            let text = sensor_text(place.entities, i);
            let Some(measure) = measure_of(s.kind, &text) else {
                continue;
            };
            (name, measure, lane_of(&text))
        } else if source == Source::Cisco {
            let Some((name, measure)) = nexus_5000(i, s.kind, place.names) else {
                continue;
            };
            (name, measure, None)
        } else {
            continue;
        };
        let convert = |x: f64| {
            if s.kind == WATTS {
                milliwatts_to_dbm(x * 1000.0)
            } else {
                x
            }
        };
        o.reading(&name, measure, lane, convert(s.value));
        let thresholds = match source {
            Source::Cisco => cisco_thresholds(w, cisco_rows.get(&i).map_or(&[][..], Vec::as_slice), s.factor),
            Source::Standard => arista_thresholds(w, i, s.factor),
        };
        let thresholds: Vec<(OpticLevel, f64)> = thresholds.into_iter().map(|(l, x)| (l, convert(x))).collect();
        o.thresholds(&name, measure, lane, &thresholds);
        if let Some(module) = module_of(place.entities, i) {
            let m = &place.entities.rows[&module];
            // A description naming the port ("Xcvr for Ethernet5") is no module type.
            let descr = if ifname::find_in(&m.descr, place.names).is_some() {
                ""
            } else {
                m.descr.as_str()
            };
            o.identity(&name, descr, &m.mfg, &m.model, &m.serial);
        }
    }
}

/// The sensor's name and description, and its containers' up to the module.
fn sensor_text(entities: &Entities, i: u32) -> String {
    entities
        .ancestry(i)
        .take(2)
        .map(|(_, e)| format!("{} {}", e.name, e.descr))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a sensor measures: its type, and for optical power the direction
/// its name gives.
fn measure_of(kind: i64, text: &str) -> Option<M> {
    Some(match kind {
        CELSIUS => M::Temperature,
        VOLTS_DC => M::SupplyVoltage,
        AMPERES => M::BiasCurrent,
        DBM | WATTS => {
            let words: Vec<String> = text
                .split(|c: char| !c.is_ascii_alphanumeric())
                .map(str::to_ascii_lowercase)
                .collect();
            let has = |w: &[&str]| words.iter().any(|x| w.contains(&x.as_str()));
            match (has(&["rx", "receive", "input"]), has(&["tx", "transmit", "output"])) {
                (true, false) => M::ReceivePower,
                (false, true) => M::TransmitPower,
                _ => return None,
            }
        }
        _ => return None,
    })
}

/// `Lane 2` in a sensor's text.
fn lane_of(text: &str) -> Option<u32> {
    let mut words = text.split_whitespace();
    while let Some(w) = words.next() {
        if w.eq_ignore_ascii_case("lane") {
            return words.next().and_then(|n| n.trim_end_matches(':').parse().ok());
        }
    }
    None
}

/// The entity that is the optic itself: the nearest container or module
/// of the sensor with a serial number or model name.
fn module_of(entities: &Entities, i: u32) -> Option<u32> {
    entities
        .ancestry(i)
        .skip(1)
        .find(|(_, e)| !e.serial.is_empty() || !e.model.is_empty())
        .map(|(i, _)| i)
}

/// The Nexus 5000 lists its transceiver sensors in `entSensorValueTable`
/// under indexes its `entPhysicalTable` does not have (seen on the
/// `cisco-n5000` recording, NX-OS 5.x): sixteen indexes per front-panel
/// port from 25808, port N's sensors at 25808 + 16·(N−1) + 8 (voltage),
/// +10 (bias), +13 (temperature), +19 (receive power), +20 (transmit
/// power). Without this layout those readings could not be placed. The
/// evidence: the receive sensors' thresholds are the SFP+ SR receive
/// limits and the transmit sensors' the transmit ones, sensors exist for
/// exactly the ports with a transceiver, and Ethernet1/15 and 1/16, whose
/// IF-EXTENSION status is "SFP checksum error", read no light.
fn nexus_5000(i: u32, kind: i64, names: &[String]) -> Option<(String, M)> {
    const BASE: u32 = 25808;
    const LAYOUT: [(u32, i64, M); 5] = [
        (8, VOLTS_DC, M::SupplyVoltage),
        (10, AMPERES, M::BiasCurrent),
        (13, CELSIUS, M::Temperature),
        (19, DBM, M::ReceivePower),
        (20, DBM, M::TransmitPower),
    ];
    let rel = i.checked_sub(BASE)?;
    // The offsets differ modulo 16, so one at most fits.
    let (port, measure) = LAYOUT.iter().find_map(|(offset, k, m)| {
        let from = rel.checked_sub(*offset)?;
        (from % 16 == 0 && *k == kind).then_some((from / 16 + 1, *m))
    })?;
    if port > 48 {
        return None;
    }
    let name = ifname::resolve(&format!("Ethernet1/{port}"), names)?;
    Some((name.to_owned(), measure))
}

/// A Cisco sensor's thresholds. Four of them are the four levels by value
/// (NX-OS leaves severity and relation at their defaults, so only the
/// values tell them apart); fewer are placed by relation and severity.
fn cisco_thresholds(w: &Walked, rows: &[Oid], factor: f64) -> Vec<(OpticLevel, f64)> {
    let e = CISCO_THRESHOLD;
    let values: Vec<(Oid, f64)> = rows
        .iter()
        .filter_map(|idx| Some((idx.clone(), w.int(e, 4, idx)? as f64 * factor)))
        .collect();
    if values.len() == 4 {
        return by_rank(values.into_iter().map(|(_, v)| v).collect());
    }
    values
        .into_iter()
        .filter_map(|(idx, v)| {
            let severity = w.int(e, 2, &idx).unwrap_or(1);
            let alarm = severity >= 20; // major (20), critical (30)
            let level = match w.int(e, 3, &idx)? {
                1 | 2 if alarm => OpticLevel::LowAlarm,
                1 | 2 => OpticLevel::LowWarning,
                3 | 4 if alarm => OpticLevel::HighAlarm,
                3 | 4 => OpticLevel::HighWarning,
                _ => return None,
            };
            Some((level, v))
        })
        .collect()
}

/// Arista's four threshold columns; −1000000000 marks one that is unset.
/// The columns are read by value, as the four levels sorted.
fn arista_thresholds(w: &Walked, sensor: u32, factor: f64) -> Vec<(OpticLevel, f64)> {
    let idx = vec![sensor];
    let values: Vec<f64> = (1..=4)
        .filter_map(|c| w.int(ARISTA_THRESHOLD, c, &idx))
        .filter(|v| *v != -1_000_000_000)
        .map(|v| v as f64 * factor)
        .collect();
    if values.len() == 4 {
        by_rank(values)
    } else {
        Vec::new()
    }
}

/// Four thresholds, highest first, are high alarm, high warning, low
/// warning and low alarm.
fn by_rank(mut values: Vec<f64>) -> Vec<(OpticLevel, f64)> {
    values.sort_by(|a, b| b.total_cmp(a));
    OpticLevel::ALL.into_iter().zip(values).collect()
}

#[cfg(test)]
mod tests;
