//! Assembling [`Transceiver`] records from readings as collectors find
//! them, shared by the SNMP and CLI collectors so both apply the same rules:
//! the first reading of an (interface, measure, lane) wins, thresholds are
//! kept only when ordered as thresholds must be, and a single-lane module
//! that numbers its one lane loses the lane label.

use std::collections::{BTreeMap, HashSet};

use crate::report::{OpticLevel, OpticMeasure as M, OpticReading, OpticThreshold, Transceiver};

/// Transceivers being assembled, by interface.
#[derive(Default)]
pub struct Builder {
    by_interface: BTreeMap<String, Transceiver>,
    seen: HashSet<(String, M, Option<u32>)>,
    seen_thresholds: HashSet<(String, M, Option<u32>, OpticLevel)>,
}

impl Builder {
    fn module(&mut self, interface: &str) -> &mut Transceiver {
        self.by_interface
            .entry(interface.to_owned())
            .or_insert_with(|| Transceiver {
                interface: interface.to_owned(),
                ..Transceiver::default()
            })
    }

    pub fn reading(&mut self, interface: &str, measure: M, lane: Option<u32>, value: f64) {
        if value.is_finite() && self.seen.insert((interface.to_owned(), measure, lane)) {
            self.module(interface)
                .readings
                .push(OpticReading { measure, lane, value });
        }
    }

    /// A measure's thresholds, kept only when they are ordered as
    /// thresholds must be (low alarm ≤ low warning < high warning ≤ high
    /// alarm): agents fill the unset ones with zeros or one repeated number.
    pub fn thresholds(&mut self, interface: &str, measure: M, lane: Option<u32>, t: &[(OpticLevel, f64)]) {
        let get = |l: OpticLevel| t.iter().find(|(x, _)| *x == l).map(|(_, v)| *v);
        let seq: Vec<f64> = [
            OpticLevel::LowAlarm,
            OpticLevel::LowWarning,
            OpticLevel::HighWarning,
            OpticLevel::HighAlarm,
        ]
        .into_iter()
        .filter_map(get)
        .collect();
        let ordered = seq.iter().all(|v| v.is_finite())
            && seq.windows(2).all(|p| p[0] <= p[1])
            && (seq.len() < 2 || seq[0] < seq[seq.len() - 1]);
        if !ordered {
            return;
        }
        for (level, value) in t {
            if self
                .seen_thresholds
                .insert((interface.to_owned(), measure, lane, *level))
            {
                self.module(interface).thresholds.push(OpticThreshold {
                    measure,
                    lane,
                    level: *level,
                    value: *value,
                });
            }
        }
    }

    pub fn identity(&mut self, interface: &str, module_type: &str, vendor: &str, part: &str, serial: &str) {
        let m = self.module(interface);
        for (slot, v) in [
            (&mut m.module_type, module_type),
            (&mut m.module_vendor, vendor),
            (&mut m.part_number, part),
            (&mut m.serial, serial),
        ] {
            if slot.is_empty() {
                *slot = v.trim().to_owned();
            }
        }
    }

    pub fn finish(self) -> Vec<Transceiver> {
        self.by_interface
            .into_values()
            .filter(|t| !t.readings.is_empty() || !t.part_number.is_empty() || !t.serial.is_empty())
            .map(|mut t| {
                // A single-lane module that numbers its one lane ("Lane 1")
                // gets no lane label: lanes are for modules with several.
                let lanes: HashSet<u32> = t.readings.iter().filter_map(|r| r.lane).collect();
                if lanes.len() <= 1 {
                    t.readings.iter_mut().for_each(|r| r.lane = None);
                    t.thresholds.iter_mut().for_each(|r| r.lane = None);
                    dedupe(&mut t);
                }
                t.readings.sort_by_key(|r| (r.measure, r.lane));
                t.thresholds.sort_by_key(|r| (r.measure, r.lane, r.level));
                t
            })
            .collect()
    }
}

/// After lanes are dropped, a module-wide and a lane-1 reading of the same
/// measure are one series: the first stays.
fn dedupe(t: &mut Transceiver) {
    let mut seen = HashSet::new();
    t.readings.retain(|r| seen.insert(r.measure));
    let mut seen = HashSet::new();
    t.thresholds.retain(|r| seen.insert((r.measure, r.level)));
}
