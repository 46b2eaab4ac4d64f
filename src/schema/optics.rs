//! Transceiver series: one set per pluggable optic, whichever collector
//! (SNMP or CLI) read it. Label names beside `device`: `interface` on
//! every series, `lane` on a multi-lane module's per-lane readings,
//! `measure` and `level` on thresholds, and the module's identity on
//! `netgauge_transceiver_info`.

use std::collections::HashSet;

use super::desc;
use crate::config::Target;
use crate::metrics::{Desc, Kind, Sink};
use crate::report::{OpticMeasure, Transceiver};

desc!(
    RX_POWER,
    "netgauge_transceiver_receive_power_dbm",
    Gauge,
    "Optical power the module receives, dBm (-40 when it sees no light)."
);
desc!(
    TX_POWER,
    "netgauge_transceiver_transmit_power_dbm",
    Gauge,
    "Optical power the module transmits, dBm."
);
desc!(
    BIAS,
    "netgauge_transceiver_bias_current_amperes",
    Gauge,
    "Laser bias current."
);
desc!(
    VOLTAGE,
    "netgauge_transceiver_supply_voltage_volts",
    Gauge,
    "The module's supply voltage."
);
desc!(
    TEMPERATURE,
    "netgauge_transceiver_temperature_celsius",
    Gauge,
    "The module's temperature."
);
desc!(
    THRESHOLD,
    "netgauge_transceiver_threshold",
    Gauge,
    "The module's own alarm and warning thresholds, in the unit of the measure they apply to."
);
desc!(
    INFO,
    "netgauge_transceiver_info",
    Info,
    "The module in an interface: type, vendor, part number, serial; the value is always 1."
);

/// Label names these series set beside `device` and `interface`; a target
/// label of the same name is exported as `target_<name>` on them.
pub const LABELS: [&str; 7] = [
    "lane",
    "measure",
    "level",
    "module_type",
    "module_vendor",
    "part_number",
    "serial",
];

fn desc_of(m: OpticMeasure) -> &'static Desc {
    match m {
        OpticMeasure::ReceivePower => &RX_POWER,
        OpticMeasure::TransmitPower => &TX_POWER,
        OpticMeasure::BiasCurrent => &BIAS,
        OpticMeasure::SupplyVoltage => &VOLTAGE,
        OpticMeasure::Temperature => &TEMPERATURE,
    }
}

pub fn render(target: &Target, transceivers: &[Transceiver], sink: &mut impl Sink) {
    if transceivers.is_empty() {
        return;
    }
    let renamed = super::renamed_target_labels(target, &LABELS);
    let base = super::base_labels(target, &renamed);
    // A series must be unique: an interface listed twice, or a reading
    // repeated, is rendered once; the first one wins.
    let mut interfaces: HashSet<&str> = HashSet::new();
    let mut lane = String::new();
    for t in transceivers {
        if !interfaces.insert(t.interface.as_str()) {
            continue;
        }
        let ifname = ("interface", t.interface.as_str());
        let info = [
            ifname,
            ("module_type", t.module_type.as_str()),
            ("module_vendor", t.module_vendor.as_str()),
            ("part_number", t.part_number.as_str()),
            ("serial", t.serial.as_str()),
        ];
        sink.sample(&INFO, &base, &info, 1.0);
        let mut seen = HashSet::new();
        for r in &t.readings {
            if !r.value.is_finite() || !seen.insert((r.measure, r.lane)) {
                continue;
            }
            match r.lane {
                Some(n) => {
                    lane.clear();
                    let _ = std::fmt::Write::write_fmt(&mut lane, format_args!("{n}"));
                    sink.sample(desc_of(r.measure), &base, &[ifname, ("lane", &lane)], r.value);
                }
                None => sink.sample(desc_of(r.measure), &base, &[ifname], r.value),
            }
        }
        let mut seen = HashSet::new();
        for th in &t.thresholds {
            if !th.value.is_finite() || !seen.insert((th.measure, th.lane, th.level)) {
                continue;
            }
            let l = [ifname, ("measure", th.measure.label()), ("level", th.level.label())];
            match th.lane {
                Some(n) => {
                    lane.clear();
                    let _ = std::fmt::Write::write_fmt(&mut lane, format_args!("{n}"));
                    sink.sample(&THRESHOLD, &base, &[l[0], ("lane", &lane), l[1], l[2]], th.value);
                }
                None => sink.sample(&THRESHOLD, &base, &l, th.value),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::MetricSet;
    use crate::report::{OpticLevel, OpticReading, OpticThreshold};

    fn target(yaml_labels: &str) -> Target {
        crate::config::Config::from_yaml(
            std::path::Path::new("t.yml"),
            &format!("targets: [{{name: sw1, address: 192.0.2.1, labels: {yaml_labels}, snmp: {{community: c}}}}]\n"),
        )
        .unwrap()
        .targets[0]
            .as_ref()
            .clone()
    }

    fn reading(measure: OpticMeasure, lane: Option<u32>, value: f64) -> OpticReading {
        OpticReading { measure, lane, value }
    }

    #[test]
    fn a_module_renders_readings_lanes_thresholds_and_identity() {
        let t = Transceiver {
            interface: "Ethernet1/49".into(),
            module_type: "QSFP-40G-SR4".into(),
            module_vendor: "CISCO-FINISAR".into(),
            part_number: "FTL410QE2C-C1".into(),
            serial: "FNS1234".into(),
            readings: vec![
                reading(OpticMeasure::ReceivePower, Some(1), -2.5),
                reading(OpticMeasure::ReceivePower, Some(2), -40.0),
                reading(OpticMeasure::Temperature, None, 31.5),
            ],
            thresholds: vec![OpticThreshold {
                measure: OpticMeasure::ReceivePower,
                lane: None,
                level: OpticLevel::LowAlarm,
                value: -12.0,
            }],
        };
        let mut set = MetricSet::new();
        render(&target("{site: ams}"), &[t], &mut set);
        let text = crate::exposition::encode(&set);
        for line in [
            r#"netgauge_transceiver_receive_power_dbm{device="sw1",site="ams",interface="Ethernet1/49",lane="2"} -40"#,
            r#"netgauge_transceiver_temperature_celsius{device="sw1",site="ams",interface="Ethernet1/49"} 31.5"#,
            r#"netgauge_transceiver_threshold{device="sw1",site="ams",interface="Ethernet1/49",measure="receive_power_dbm",level="low_alarm"} -12"#,
            r#"netgauge_transceiver_info{device="sw1",site="ams",interface="Ethernet1/49",module_type="QSFP-40G-SR4",module_vendor="CISCO-FINISAR",part_number="FTL410QE2C-C1",serial="FNS1234"} 1"#,
        ] {
            assert!(text.contains(line), "{line} missing from:\n{text}");
        }
    }

    #[test]
    fn a_target_label_named_like_an_optics_label_is_kept_as_target_label() {
        let t = Transceiver {
            interface: "xe-0/0/0".into(),
            readings: vec![reading(OpticMeasure::TransmitPower, None, -1.0)],
            ..Transceiver::default()
        };
        let mut set = MetricSet::new();
        render(&target("{serial: ABC}"), &[t.clone(), t], &mut set);
        let text = crate::exposition::encode(&set);
        assert!(text.contains(r#"target_serial="ABC""#), "{text}");
        assert_eq!(
            text.matches("netgauge_transceiver_transmit_power_dbm{").count(),
            1,
            "an interface listed twice must render once:\n{text}"
        );
    }
}
