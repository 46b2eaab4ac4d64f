//! Hardware inventory from ENTITY-MIB's physical table: the chassis, its
//! modules, power supplies and fans, and every other component that has a
//! serial number or a model (a port holding an optic, a container holding
//! a line card's daughter board). Sensors, empty slots and bare ports are
//! left out: they are not inventory, and a core chassis has thousands.
//! [`items`] is pure, over the cached [`Entities`] snapshot.

use super::entity::{Entities, Entity};
use crate::report::InventoryItem;

/// entPhysicalClass as the `class` label: ENTITY-MIB's names in snake case.
pub fn class_name(class: u32) -> &'static str {
    match class {
        1 => "other",
        3 => "chassis",
        4 => "backplane",
        5 => "container",
        6 => "power_supply",
        7 => "fan",
        8 => "sensor",
        9 => "module",
        10 => "port",
        11 => "stack",
        12 => "cpu",
        13 => "energy_object",
        14 => "battery",
        15 => "storage_drive",
        _ => "unknown",
    }
}

/// Whether an entity is listed: always for the classes that are hardware
/// one orders and replaces, else when it says what it is.
fn listed(e: &Entity) -> bool {
    match e.class {
        // chassis, backplane, power supply, fan, module, stack, cpu, battery, drive
        3 | 4 | 6 | 7 | 9 | 11 | 12 | 14 | 15 => true,
        8 => false,
        _ => !e.serial.is_empty() || !e.model.is_empty(),
    }
}

/// The listed components, sorted by entPhysicalIndex; each one's `parent`
/// is the nearest listed entity containing it, so the tree holds together
/// across the containers left out.
pub fn items(entities: &Entities) -> Vec<InventoryItem> {
    let mut indexes: Vec<u32> = entities
        .rows
        .iter()
        .filter(|(_, e)| listed(e))
        .map(|(i, _)| *i)
        .collect();
    indexes.sort_unstable();
    indexes
        .into_iter()
        .filter_map(|i| {
            let e = entities.rows.get(&i)?;
            let parent = entities
                .ancestry(i)
                .skip(1)
                .find(|(_, a)| listed(a))
                .map(|(p, _)| p.to_string())
                .unwrap_or_default();
            Some(InventoryItem {
                entity: i.to_string(),
                class: class_name(e.class).to_owned(),
                name: e.name.clone(),
                model: e.model.clone(),
                serial: e.serial.clone(),
                hardware_revision: e.hardware_rev.clone(),
                firmware_revision: e.firmware_rev.clone(),
                software_revision: e.software_rev.clone(),
                description: e.descr.clone(),
                parent,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ent(class: u32, parent: u32, name: &str, model: &str, serial: &str) -> Entity {
        Entity {
            class,
            contained_in: parent,
            name: name.into(),
            model: model.into(),
            serial: serial.into(),
            ..Entity::default()
        }
    }

    #[test]
    fn hardware_is_listed_sensors_and_empty_slots_are_not_and_parents_skip_them() {
        let mut e = Entities::default();
        e.rows.insert(1, ent(3, 0, "Chassis", "N5K-C5020P-BF", "SSI1234"));
        e.rows.insert(2, ent(5, 1, "Slot 1", "", ""));
        e.rows.insert(3, ent(9, 2, "Module 1", "N5K-M1600", "JAF1"));
        e.rows.insert(4, ent(10, 3, "Ethernet1/1", "", ""));
        e.rows.insert(5, ent(10, 3, "Ethernet1/2", "SFP-10G-SR", "FNS17"));
        e.rows.insert(6, ent(8, 5, "Ethernet1/2 Rx Power Sensor", "", ""));
        e.rows.insert(7, ent(6, 1, "PS 1", "", ""));
        e.rows.insert(8, ent(99, 1, "odd", "", ""));
        let got = items(&e);
        let summary: Vec<(&str, &str, &str)> = got
            .iter()
            .map(|i| (i.entity.as_str(), i.class.as_str(), i.parent.as_str()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("1", "chassis", ""),
                ("3", "module", "1"),
                ("5", "port", "3"),
                ("7", "power_supply", "1")
            ]
        );
        assert_eq!((got[2].model.as_str(), got[2].serial.as_str()), ("SFP-10G-SR", "FNS17"));
    }
}
