//! The metric schema: every series netgauge exports about devices.
//!
//! `docs/metrics.md` documents this file; dashboards and alerts depend on
//! it. Collectors never name a metric: they fill a [`DeviceReport`] and
//! [`render`] turns it into samples, so SNMP and SSH cannot drift apart.

use std::borrow::Cow;

use crate::config::Target;
use crate::metrics::{Desc, Kind, MetricSet};
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

macro_rules! desc {
    ($id:ident, $name:literal, $kind:ident, $help:literal) => {
        pub const $id: Desc = Desc {
            name: $name,
            help: $help,
            kind: Kind::$kind,
        };
    };
}

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

type Labels = Vec<(Cow<'static, str>, String)>;

/// Appends `report`'s series for `target` to `set`.
pub fn render(target: &Target, report: &DeviceReport, set: &mut MetricSet) {
    let base: Labels = std::iter::once((Cow::Borrowed("device"), target.name.clone()))
        .chain(target.labels.iter().map(|(k, v)| (Cow::Owned(k.clone()), v.clone())))
        .collect();
    let with = |extra: &[(&'static str, &str)]| -> Labels {
        let mut l = base.clone();
        l.extend(extra.iter().map(|(k, v)| (Cow::Borrowed(*k), (*v).to_owned())));
        l
    };

    set.push(&DEVICE_UP, base.clone(), bool_value(report.up));
    if let Some(info) = &report.info {
        set.push(
            &DEVICE_INFO,
            with(&[
                ("vendor", &info.vendor),
                ("model", &info.model),
                ("os_version", &info.os_version),
                ("hostname", &info.hostname),
                ("object_id", &info.object_id),
            ]),
            1.0,
        );
    }
    if let Some(up) = report.uptime_seconds {
        set.push(&DEVICE_UPTIME, base.clone(), up);
    }
    // From the config, not the device: present even while the device is down.
    for (name, value) in &target.thresholds.0 {
        set.push(&THRESHOLD, with(&[("threshold", name)]), *value);
    }
    for (ifname, t) in &target.interface_thresholds {
        for (name, value) in &t.0 {
            set.push(
                &IF_THRESHOLD,
                with(&[("interface", ifname), ("threshold", name)]),
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
        set.push(desc, with(&[(label, &r.label)]), r.value);
    }
    for run in &report.collectors {
        set.push(
            &SCRAPE_DURATION,
            with(&[("collector", run.collector)]),
            run.duration.as_secs_f64(),
        );
        set.push(
            &SCRAPE_SUCCESS,
            with(&[("collector", run.collector)]),
            bool_value(run.success),
        );
    }

    for ifc in &report.interfaces {
        let l = with(&[("interface", &ifc.name)]);
        let index = ifc.index.map(|i| i.to_string()).unwrap_or_default();
        set.push(
            &IF_INFO,
            with(&[
                ("interface", &ifc.name),
                ("description", &ifc.description),
                ("type", &ifc.if_type),
                ("mac", &ifc.mac),
                ("index", &index),
            ]),
            1.0,
        );
        if let Some(v) = ifc.admin_up {
            set.push(&IF_ADMIN_UP, l.clone(), bool_value(v));
        }
        if let Some(v) = ifc.oper_up {
            set.push(&IF_OPER_UP, l.clone(), bool_value(v));
        }
        if let Some(v) = ifc.speed_bytes {
            set.push(&IF_SPEED, l.clone(), v);
        }
        if let Some(v) = ifc.mtu_bytes {
            set.push(&IF_MTU, l.clone(), v as f64);
        }
        if let Some(v) = ifc.last_change_seconds {
            set.push(&IF_LAST_CHANGE, l.clone(), v);
        }
        counters(
            set,
            &l,
            &ifc.receive,
            [
                &RX_BYTES,
                &RX_PACKETS,
                &RX_ERRORS,
                &RX_DISCARDS,
                &RX_BROADCAST,
                &RX_MULTICAST,
            ],
        );
        counters(
            set,
            &l,
            &ifc.transmit,
            [
                &TX_BYTES,
                &TX_PACKETS,
                &TX_ERRORS,
                &TX_DISCARDS,
                &TX_BROADCAST,
                &TX_MULTICAST,
            ],
        );
    }
}

fn counters(set: &mut MetricSet, l: &Labels, c: &Counters, d: [&Desc; 6]) {
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
            set.push(desc, l.clone(), v as f64);
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
