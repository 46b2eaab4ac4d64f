//! The metric schema: every series netgauge exports about devices.
//!
//! `docs/metrics.md` documents this file; dashboards and alerts depend on
//! it. Collectors never name a metric: they fill a [`DeviceReport`] and
//! [`render`] turns it into samples, so SNMP and SSH cannot drift apart.

mod bgp;
mod optics;
mod topology;

use crate::config::Target;
use crate::metrics::{Desc, Kind, Sink};
use crate::report::{Counters, DeviceReport, HealthKind};

/// Label names netgauge sets itself; a target's own labels may not use them.
pub const RESERVED_LABELS: &[&str] = &[
    "device",
    "interface",
    "collector",
    "vendor",
    "model",
    "os_version",
    "hostname",
    "object_id",
    "description",
    "type",
    "mac",
    "index",
    "job",
    "instance",
    "reason",
    "version",
    "revision",
    "threshold",
    "cpu",
    "pool",
    "sensor",
    "fan",
    "power_supply",
];

macro_rules! desc_ {
    ($id:ident, $name:literal, $kind:ident, $help:literal) => {
        pub const $id: Desc = Desc {
            name: $name,
            help: $help,
            kind: Kind::$kind,
        };
    };
}
use desc_ as desc;

desc!(
    DEVICE_UP,
    "netgauge_device_up",
    Gauge,
    "1 if the device answered this poll, 0 if not."
);
desc!(
    DEVICE_INFO,
    "netgauge_device_info",
    Info,
    "Device identity; the value is always 1."
);
desc!(
    DEVICE_UPTIME,
    "netgauge_device_uptime_seconds",
    Gauge,
    "Time since the device's management agent (re)started."
);
desc!(
    SCRAPE_DURATION,
    "netgauge_scrape_duration_seconds",
    Gauge,
    "Time one collector took for this device in this poll."
);
desc!(
    SCRAPE_SUCCESS,
    "netgauge_scrape_success",
    Gauge,
    "1 if the collector got a complete answer for this device, 0 if not."
);

desc!(
    CPU,
    "netgauge_cpu_usage_ratio",
    Gauge,
    "CPU load, 0 to 1 (the device's one-minute average where it has one)."
);
desc!(
    MEM_USED,
    "netgauge_memory_used_bytes",
    Gauge,
    "Memory in use in a memory pool."
);
desc!(
    MEM_TOTAL,
    "netgauge_memory_total_bytes",
    Gauge,
    "Size of a memory pool."
);
desc!(
    TEMPERATURE,
    "netgauge_temperature_celsius",
    Gauge,
    "Temperature reported by a sensor."
);
desc!(
    FAN_UP,
    "netgauge_fan_up",
    Gauge,
    "1 if the fan works, 0 if it has failed. Absent fans have no series."
);
desc!(
    PSU_UP,
    "netgauge_power_supply_up",
    Gauge,
    "1 if the power supply works, 0 if it has failed. Absent supplies have no series."
);
desc!(
    THRESHOLD,
    "netgauge_threshold",
    Gauge,
    "Alert threshold configured for this device (see the threshold label), for the shipped alert rules."
);
desc!(
    IF_THRESHOLD,
    "netgauge_interface_threshold",
    Gauge,
    "Per-interface override of an interface_* alert threshold."
);
desc!(
    IF_INFO,
    "netgauge_interface_info",
    Info,
    "Interface identity; the value is always 1."
);
desc!(
    IF_ADMIN_UP,
    "netgauge_interface_admin_up",
    Gauge,
    "1 if the interface is administratively up."
);
desc!(
    IF_OPER_UP,
    "netgauge_interface_oper_up",
    Gauge,
    "1 if the interface is operationally up."
);
desc!(
    IF_SPEED,
    "netgauge_interface_speed_bytes",
    Gauge,
    "Interface speed in bytes per second."
);
desc!(
    IF_MTU,
    "netgauge_interface_mtu_bytes",
    Gauge,
    "Largest packet the interface sends, in bytes."
);
desc!(
    IF_LAST_CHANGE,
    "netgauge_interface_last_change_seconds",
    Gauge,
    "Unix time of the interface's last operational status change."
);

desc!(
    RX_BYTES,
    "netgauge_interface_receive_bytes_total",
    Counter,
    "Bytes received."
);
desc!(
    RX_PACKETS,
    "netgauge_interface_receive_packets_total",
    Counter,
    "Packets received (unicast, multicast and broadcast)."
);
desc!(
    RX_ERRORS,
    "netgauge_interface_receive_errors_total",
    Counter,
    "Inbound packets with errors."
);
desc!(
    RX_DISCARDS,
    "netgauge_interface_receive_discards_total",
    Counter,
    "Inbound packets discarded without an error."
);
desc!(
    RX_BROADCAST,
    "netgauge_interface_receive_broadcast_packets_total",
    Counter,
    "Broadcast packets received."
);
desc!(
    RX_MULTICAST,
    "netgauge_interface_receive_multicast_packets_total",
    Counter,
    "Multicast packets received."
);
desc!(
    TX_BYTES,
    "netgauge_interface_transmit_bytes_total",
    Counter,
    "Bytes transmitted."
);
desc!(
    TX_PACKETS,
    "netgauge_interface_transmit_packets_total",
    Counter,
    "Packets transmitted (unicast, multicast and broadcast)."
);
desc!(
    TX_ERRORS,
    "netgauge_interface_transmit_errors_total",
    Counter,
    "Outbound packets that could not be sent because of errors."
);
desc!(
    TX_DISCARDS,
    "netgauge_interface_transmit_discards_total",
    Counter,
    "Outbound packets discarded without an error."
);
desc!(
    TX_BROADCAST,
    "netgauge_interface_transmit_broadcast_packets_total",
    Counter,
    "Broadcast packets transmitted."
);
desc!(
    TX_MULTICAST,
    "netgauge_interface_transmit_multicast_packets_total",
    Counter,
    "Multicast packets transmitted."
);

/// Writes `report`'s series for `target` into `sink`.
pub fn render(target: &Target, report: &DeviceReport, sink: &mut impl Sink) {
    if report.not_polled {
        return;
    }
    let base = base_labels(target, &target.labels);
    let base = base.as_slice();

    sink.sample(&DEVICE_UP, base, &[], bool_value(report.up));
    if let Some(info) = &report.info {
        let labels = [
            ("vendor", info.vendor.as_str()),
            ("model", &info.model),
            ("os_version", &info.os_version),
            ("hostname", &info.hostname),
            ("object_id", &info.object_id),
        ];
        sink.sample(&DEVICE_INFO, base, &labels, 1.0);
    }
    if let Some(up) = report.uptime_seconds {
        sink.sample(&DEVICE_UPTIME, base, &[], up);
    }
    // From the config, not the device: present even while the device is down.
    for (name, value) in &target.thresholds.0 {
        sink.sample(&THRESHOLD, base, &[("threshold", name)], *value);
    }
    for (ifname, t) in &target.interface_thresholds {
        for (name, value) in &t.0 {
            sink.sample(
                &IF_THRESHOLD,
                base,
                &[("interface", ifname), ("threshold", name)],
                *value,
            );
        }
    }
    for r in &report.health {
        let (desc, label) = match r.kind {
            HealthKind::Cpu => (&CPU, "cpu"),
            HealthKind::MemoryUsed => (&MEM_USED, "pool"),
            HealthKind::MemoryTotal => (&MEM_TOTAL, "pool"),
            HealthKind::Temperature => (&TEMPERATURE, "sensor"),
            HealthKind::Fan => (&FAN_UP, "fan"),
            HealthKind::PowerSupply => (&PSU_UP, "power_supply"),
        };
        sink.sample(desc, base, &[(label, &r.label)], r.value);
    }
    for run in &report.collectors {
        let l = [("collector", run.collector)];
        sink.sample(&SCRAPE_DURATION, base, &l, run.duration.as_secs_f64());
        sink.sample(&SCRAPE_SUCCESS, base, &l, bool_value(run.success));
    }

    let mut index = String::new();
    for ifc in &report.interfaces {
        let l = [("interface", ifc.name.as_str())];
        index.clear();
        if let Some(i) = ifc.index {
            let _ = std::fmt::Write::write_fmt(&mut index, format_args!("{i}"));
        }
        let info = [
            ("interface", ifc.name.as_str()),
            ("description", &ifc.description),
            ("type", &ifc.if_type),
            ("mac", &ifc.mac),
            ("index", &index),
        ];
        sink.sample(&IF_INFO, base, &info, 1.0);
        if let Some(v) = ifc.admin_up {
            sink.sample(&IF_ADMIN_UP, base, &l, bool_value(v));
        }
        if let Some(v) = ifc.oper_up {
            sink.sample(&IF_OPER_UP, base, &l, bool_value(v));
        }
        if let Some(v) = ifc.speed_bytes {
            sink.sample(&IF_SPEED, base, &l, v);
        }
        if let Some(v) = ifc.mtu_bytes {
            sink.sample(&IF_MTU, base, &l, v as f64);
        }
        if let Some(v) = ifc.last_change_seconds {
            sink.sample(&IF_LAST_CHANGE, base, &l, v);
        }
        let rx = [
            &RX_BYTES,
            &RX_PACKETS,
            &RX_ERRORS,
            &RX_DISCARDS,
            &RX_BROADCAST,
            &RX_MULTICAST,
        ];
        counters(sink, base, &l, &ifc.receive, rx);
        let tx = [
            &TX_BYTES,
            &TX_PACKETS,
            &TX_ERRORS,
            &TX_DISCARDS,
            &TX_BROADCAST,
            &TX_MULTICAST,
        ];
        counters(sink, base, &l, &ifc.transmit, tx);
    }
    bgp::render(target, &report.bgp_peers, sink);
    optics::render(target, &report.transceivers, sink);
    // Every transport names its neighbors collector `<transport>_neighbors`.
    let neighbors_ran = report
        .collectors
        .iter()
        .any(|c| c.success && c.collector.ends_with("_neighbors"));
    topology::render(
        target,
        &report.neighbors,
        neighbors_ran,
        &report.inventory,
        &report.cache_ages,
        sink,
    );
}

/// The series names and label names of series that set labels of their
/// own which a target label may also use (it is exported as
/// `target_<name>` on them): what `check` warns about.
pub fn shadowed_label(name: &str) -> Option<&'static str> {
    [
        (
            "netgauge_neighbor_info and netgauge_inventory_info",
            &topology::LABELS[..],
        ),
        ("netgauge_transceiver_*", &optics::LABELS[..]),
        ("netgauge_bgp_peer_*", &bgp::LABELS[..]),
    ]
    .into_iter()
    .find(|(_, labels)| labels.contains(&name))
    .map(|(series, _)| series)
}

/// `device`, then the target's labels (as configured, or as
/// [`renamed_target_labels`] gave them): what every series of a device
/// starts with.
fn base_labels<'a>(target: &'a Target, renamed: &'a [(String, String)]) -> Vec<(&'a str, &'a str)> {
    std::iter::once(("device", target.name.as_str()))
        .chain(renamed.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .collect()
}

/// The target's labels for series that set label names of their own
/// (`own`) which a target may use: such a target label is exported as
/// `target_<name>` on those series, so neither is lost.
fn renamed_target_labels(target: &Target, own: &[&str]) -> Vec<(String, String)> {
    target
        .labels
        .iter()
        .map(|(k, v)| {
            let k = if own.contains(&k.as_str()) {
                format!("target_{k}")
            } else {
                k.clone()
            };
            (k, v.clone())
        })
        .collect()
}

fn counters(sink: &mut impl Sink, base: &[(&str, &str)], l: &[(&str, &str)], c: &Counters, d: [&Desc; 6]) {
    let values = [
        c.bytes,
        c.packets,
        c.errors,
        c.discards,
        c.broadcast_packets,
        c.multicast_packets,
    ];
    for (desc, v) in d.into_iter().zip(values) {
        if let Some(v) = v {
            sink.sample(desc, base, l, v as f64);
        }
    }
}

fn bool_value(b: bool) -> f64 {
    if b {
        1.0
    } else {
        0.0
    }
}
