//! What is plugged into a device and what it is made of: LLDP/CDP
//! neighbors and the hardware inventory, whichever collector (SNMP or CLI)
//! found them, and the age of the caches they are served from.

use super::desc;
use crate::config::Target;
use crate::metrics::{Desc, Kind, Sink};
use crate::report::{InventoryItem, Neighbor, NeighborProtocol};

desc!(
    NEIGHBOR_INFO,
    "netgauge_neighbor_info",
    Info,
    "A neighbor seen by LLDP or CDP on a local interface; the value is always 1."
);
desc!(
    NEIGHBORS,
    "netgauge_neighbors",
    Gauge,
    "Neighbors seen, per discovery protocol."
);
desc!(
    INVENTORY_INFO,
    "netgauge_inventory_info",
    Info,
    "A physical component (chassis, module, power supply, fan, transceiver…); the value is always 1."
);
desc!(
    INVENTORY_FINGERPRINT,
    "netgauge_inventory_fingerprint",
    Gauge,
    "A hash (CRC-32) of the device's sorted (class, model, serial) set: it changes when hardware is added, removed or swapped."
);
desc!(
    CACHE_AGE,
    "netgauge_collector_cache_age_seconds",
    Gauge,
    "Age of the cached tables a collector's series came from this scrape (absent when walked in it)."
);

/// Label names these series set beside `device`; a target label of the
/// same name is exported as `target_<name>` on them.
pub const LABELS: [&str; 20] = [
    "protocol",
    "remote_system",
    "remote_port",
    "remote_port_description",
    "remote_chassis_id",
    "remote_platform",
    "remote_address",
    "remote_capabilities",
    "remote_device",
    "link",
    "entity",
    "class",
    "name",
    "serial",
    "hardware_revision",
    "firmware_revision",
    "software_revision",
    "parent",
    "model",
    "description",
];

/// `neighbors_ran`: a neighbors collector ran and succeeded, so "none" is
/// an answer (0), not a gap.
pub fn render(
    target: &Target,
    neighbors: &[Neighbor],
    neighbors_ran: bool,
    inventory: &[InventoryItem],
    cache_ages: &[(&'static str, f64)],
    sink: &mut impl Sink,
) {
    let renamed = super::renamed_target_labels(target, &LABELS);
    let base = super::base_labels(target, &renamed);
    let base = base.as_slice();

    for (collector, age) in cache_ages {
        sink.sample(&CACHE_AGE, base, &[("collector", collector)], *age);
    }
    // Zero when the walk found none: a device that lost its last neighbor
    // must read 0, not vanish (a vanished series alerts nothing).
    if neighbors_ran || !neighbors.is_empty() {
        for p in [NeighborProtocol::Lldp, NeighborProtocol::Cdp] {
            let n = neighbors.iter().filter(|n| n.protocol == p).count();
            sink.sample(&NEIGHBORS, base, &[("protocol", p.label())], n as f64);
        }
    }
    // Identical neighbors (a row listed twice) are one series.
    let mut seen = std::collections::HashSet::new();
    for n in neighbors.iter().filter(|n| seen.insert(*n)) {
        let labels = [
            ("interface", n.interface.as_str()),
            ("protocol", n.protocol.label()),
            ("remote_system", &n.remote_system),
            ("remote_port", &n.remote_port),
            ("remote_port_description", &n.remote_port_description),
            ("remote_chassis_id", &n.remote_chassis_id),
            ("remote_platform", &n.remote_platform),
            ("remote_address", &n.remote_address),
            ("remote_capabilities", &n.remote_capabilities),
            ("remote_device", &n.remote_device),
            ("link", &n.link),
        ];
        sink.sample(&NEIGHBOR_INFO, base, &labels, 1.0);
    }
    if inventory.is_empty() {
        return;
    }
    let mut entities = std::collections::HashSet::new();
    for i in inventory.iter().filter(|i| entities.insert(i.entity.as_str())) {
        let labels = [
            ("entity", i.entity.as_str()),
            ("class", &i.class),
            ("name", &i.name),
            ("model", &i.model),
            ("serial", &i.serial),
            ("hardware_revision", &i.hardware_revision),
            ("firmware_revision", &i.firmware_revision),
            ("software_revision", &i.software_revision),
            ("description", &i.description),
            ("parent", &i.parent),
        ];
        sink.sample(&INVENTORY_INFO, base, &labels, 1.0);
    }
    sink.sample(&INVENTORY_FINGERPRINT, base, &[], f64::from(fingerprint(inventory)));
}

/// CRC-32 of the sorted (class, model, serial) lines: independent of
/// indexes and names, which a reboot may renumber.
pub fn fingerprint(inventory: &[InventoryItem]) -> u32 {
    let mut lines: Vec<String> = inventory
        .iter()
        .map(|i| format!("{}\t{}\t{}\n", i.class, i.model, i.serial))
        .collect();
    lines.sort();
    crc32fast::hash(lines.concat().as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::MetricSet;

    fn target() -> Target {
        crate::config::Config::from_yaml(
            std::path::Path::new("t.yml"),
            "targets: [{name: sw1, address: 192.0.2.1, snmp: {community: c}}]\n",
        )
        .unwrap()
        .targets[0]
            .as_ref()
            .clone()
    }

    #[test]
    fn neighbors_count_is_zero_not_absent_when_the_walk_finds_none() {
        let mut set = MetricSet::new();
        render(&target(), &[], true, &[], &[], &mut set);
        let text = crate::exposition::encode(&set);
        assert!(
            text.contains(r#"netgauge_neighbors{device="sw1",protocol="lldp"} 0"#),
            "{text}"
        );
        assert!(
            text.contains(r#"netgauge_neighbors{device="sw1",protocol="cdp"} 0"#),
            "{text}"
        );
        // Not walked (collector off, or failed): no count at all, not a false 0.
        let mut set = MetricSet::new();
        render(&target(), &[], false, &[], &[], &mut set);
        assert!(!crate::exposition::encode(&set).contains("netgauge_neighbors{"));
    }

    fn item(entity: &str, class: &str, model: &str, serial: &str) -> InventoryItem {
        InventoryItem {
            entity: entity.into(),
            class: class.into(),
            model: model.into(),
            serial: serial.into(),
            ..InventoryItem::default()
        }
    }

    #[test]
    fn the_fingerprint_follows_hardware_not_indexes() {
        let a = vec![
            item("1", "chassis", "C9300", "FOC1"),
            item("5", "port", "SFP-10G-SR", "F1"),
        ];
        let renumbered = vec![
            item("9", "port", "SFP-10G-SR", "F1"),
            item("2", "chassis", "C9300", "FOC1"),
        ];
        let swapped = vec![
            item("1", "chassis", "C9300", "FOC1"),
            item("5", "port", "SFP-10G-SR", "F2"),
        ];
        assert_eq!(fingerprint(&a), fingerprint(&renumbered));
        assert_ne!(fingerprint(&a), fingerprint(&swapped));
        assert_ne!(fingerprint(&a), fingerprint(&a[..1]));
    }
}
