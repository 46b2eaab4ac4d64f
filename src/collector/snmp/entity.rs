//! ENTITY-MIB's physical table, shared by the readers that need it: health
//! labels (sensor names), optics (which port a sensor or module sits in,
//! and the module's vendor, part number and serial) and the inventory.
//!
//! The table changes only when hardware does, and on a chassis it runs to
//! thousands of rows: it is walked on the inventory interval or when
//! entLastChangeTime moves, and kept in a [`crate::collector::cache::TableCache`]
//! between. [`build`] is pure.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::value::{Oid, Val};

/// entPhysicalEntry.
pub const ENT_PHYSICAL_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1];
/// entAliasMappingIdentifier: (entPhysicalIndex, logical index) → ifIndex OID.
pub const ENT_ALIAS_MAPPING_IDENTIFIER: &[u32] = &[1, 3, 6, 1, 2, 1, 47, 1, 3, 2, 1, 2];
/// ifIndex, the prefix of an alias mapping's value.
const IF_INDEX: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 1];

/// Columns of entPhysicalEntry read: descr, containedIn, class, name,
/// hardwareRev, firmwareRev, softwareRev, serialNum, mfgName, modelName,
/// alias.
pub const COLUMNS: [u32; 11] = [2, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14];

/// entPhysicalClass values netgauge uses.
pub const CLASS_CHASSIS: u32 = 3;
pub const CLASS_SENSOR: u32 = 8;
pub const CLASS_PORT: u32 = 10;

/// One physical entity.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entity {
    pub descr: String,
    pub contained_in: u32,
    pub class: u32,
    pub name: String,
    pub hardware_rev: String,
    pub firmware_rev: String,
    pub software_rev: String,
    pub serial: String,
    pub mfg: String,
    pub model: String,
    pub alias: String,
}

/// A device's physical entities by entPhysicalIndex, with the ifIndex of
/// those the agent maps to an interface.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Entities {
    pub rows: HashMap<u32, Entity>,
    pub if_index: HashMap<u32, u64>,
}

/// Containment deeper than this is a loop in a broken agent's table.
const MAX_DEPTH: usize = 16;

impl Entities {
    /// entPhysicalIndex → entPhysicalName, for health labels.
    pub fn names(&self) -> HashMap<u32, String> {
        self.rows.iter().map(|(i, e)| (*i, e.name.clone())).collect()
    }

    /// `index` and the entities containing it, innermost first.
    pub fn ancestry(&self, index: u32) -> impl Iterator<Item = (u32, &Entity)> {
        let mut next = Some(index);
        let mut depth = 0;
        std::iter::from_fn(move || {
            let i = next.take()?;
            depth += 1;
            let e = self.rows.get(&i)?;
            if depth < MAX_DEPTH && e.contained_in != 0 && e.contained_in != i {
                next = Some(e.contained_in);
            }
            Some((i, e))
        })
    }

    /// The ifIndex an entity, or the nearest entity containing it, is mapped to.
    pub fn mapped_if_index(&self, index: u32) -> Option<u64> {
        self.ancestry(index).find_map(|(i, _)| self.if_index.get(&i).copied())
    }

    /// Sensors that belong to a pluggable optic rather than to the chassis:
    /// the health collector leaves them to the optics collector, so that a
    /// warm laser does not page as a hot switch.
    pub fn transceiver_sensors(&self) -> HashSet<u32> {
        self.rows
            .iter()
            .filter(|(_, e)| e.class == CLASS_SENSOR)
            .filter(|(i, _)| {
                // Inside a port, or named as an optic's (itself or the module
                // holding it): a chassis described as "52-port SFP+" does not
                // make its own sensors optics'.
                self.ancestry(**i).enumerate().any(|(depth, (_, a))| {
                    a.class == CLASS_PORT
                        || (depth < 2
                            && a.class != CLASS_CHASSIS
                            && (is_optic_text(&a.name) || is_optic_text(&a.descr)))
                })
            })
            .map(|(i, _)| *i)
            .collect()
    }
}

/// Names vendors give optics and their sensors: Cisco `Transceiver Te1/1`,
/// Nexus `Ethernet1/1 Lane 1 Transceiver …`, Arista `Xcvr for Ethernet5`
/// and `DOM … Sensor`, Huawei and others `SFP`/`QSFP`.
pub fn is_optic_text(s: &str) -> bool {
    s.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| {
        let w = w.to_ascii_lowercase();
        w == "dom"
            || ["transceiver", "xcvr", "sfp", "qsfp", "cfp", "optic"]
                .iter()
                .any(|p| w.starts_with(p))
    })
}

/// Builds the snapshot from walked columns (column number → row index →
/// value) and the alias mapping walk.
pub fn build(columns: &BTreeMap<u32, BTreeMap<Oid, Val>>, aliases: &[(Oid, Val)]) -> Entities {
    let mut rows: HashMap<u32, Entity> = HashMap::new();
    for (col, values) in columns {
        for (idx, v) in values {
            let [i] = idx[..] else { continue };
            let e = rows.entry(i).or_default();
            let text = || v.as_text().unwrap_or_default();
            let num = || v.as_u64().and_then(|n| u32::try_from(n).ok()).unwrap_or(0);
            match col {
                2 => e.descr = text(),
                4 => e.contained_in = num(),
                5 => e.class = num(),
                7 => e.name = text(),
                8 => e.hardware_rev = text(),
                9 => e.firmware_rev = text(),
                10 => e.software_rev = text(),
                11 => e.serial = text(),
                12 => e.mfg = text(),
                13 => e.model = text(),
                14 => e.alias = text(),
                _ => {}
            }
        }
    }
    let if_index = aliases
        .iter()
        .filter_map(|(idx, v)| {
            let entity = *idx.first()?;
            match v {
                Val::Oid(o) if o.len() == IF_INDEX.len() + 1 && o.starts_with(IF_INDEX) => {
                    Some((entity, u64::from(o[IF_INDEX.len()])))
                }
                _ => None,
            }
        })
        .collect();
    Entities { rows, if_index }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(t: &str) -> Val {
        Val::Str(t.as_bytes().to_vec())
    }

    #[test]
    fn alias_mapping_and_containment_lead_a_sensor_to_its_interface() {
        let mut cols: BTreeMap<u32, BTreeMap<Oid, Val>> = BTreeMap::new();
        let mut put = |c: u32, i: u32, v: Val| {
            cols.entry(c).or_default().insert(vec![i], v);
        };
        // port 10 ⊃ module 11 ⊃ sensor 12; chassis sensor 20.
        put(5, 10, Val::Int(10));
        put(7, 10, s("Te1/1"));
        put(4, 11, Val::Int(10));
        put(5, 11, Val::Int(9));
        put(7, 11, s("Transceiver Te1/1"));
        put(4, 12, Val::Int(11));
        put(5, 12, Val::Int(8));
        put(7, 12, s("Te1/1 Receive Power Sensor"));
        put(5, 20, Val::Int(8));
        put(7, 20, s("Inlet temp"));
        let aliases = vec![(vec![10, 0], Val::Oid(vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 1, 5]))];
        let e = build(&cols, &aliases);
        assert_eq!(e.mapped_if_index(12), Some(5));
        assert_eq!(e.mapped_if_index(20), None);
        assert_eq!(e.transceiver_sensors(), HashSet::from([12]));
    }

    #[test]
    fn a_chassis_described_with_sfp_does_not_make_its_sensors_optics() {
        // Arista DCS-7150S: chassis "52-port SFP+ 10GigE 1RU + Clock" ⊃ "Cpu temp sensor".
        let mut cols: BTreeMap<u32, BTreeMap<Oid, Val>> = BTreeMap::new();
        let mut put = |c: u32, i: u32, v: Val| {
            cols.entry(c).or_default().insert(vec![i], v);
        };
        put(5, 1, Val::Int(3));
        put(2, 1, s("52-port SFP+ 10GigE 1RU + Clock"));
        put(4, 100, Val::Int(1));
        put(5, 100, Val::Int(8));
        put(2, 100, s("Cpu temp sensor"));
        assert!(build(&cols, &[]).transceiver_sensors().is_empty());
    }

    #[test]
    fn a_containment_loop_ends() {
        let mut cols: BTreeMap<u32, BTreeMap<Oid, Val>> = BTreeMap::new();
        cols.entry(4).or_default().insert(vec![1], Val::Int(2));
        cols.entry(4).or_default().insert(vec![2], Val::Int(1));
        let e = build(&cols, &[]);
        assert!(e.ancestry(1).count() <= MAX_DEPTH);
        assert_eq!(e.mapped_if_index(1), None);
    }
}
