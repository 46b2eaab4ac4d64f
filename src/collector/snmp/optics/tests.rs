use std::collections::HashSet;

use super::*;
use crate::collector::snmp::entity;
use std::collections::BTreeMap;

fn ifs(names: &[(&str, u64)]) -> Vec<Interface> {
    names
        .iter()
        .map(|(n, i)| Interface {
            name: (*n).to_owned(),
            index: Some(*i),
            ..Interface::default()
        })
        .collect()
}

/// Puts `value` at `entry.col` row `idx`.
fn put(w: &mut Walked, entry: &[u32], col: u32, idx: &[u32], value: Val) {
    let mut o = entry.to_vec();
    o.push(col);
    w.columns.entry(o).or_default().insert(idx.to_vec(), value);
}

fn value(t: &Transceiver, m: M, lane: Option<u32>) -> Option<f64> {
    t.readings
        .iter()
        .find(|r| r.measure == m && r.lane == lane)
        .map(|r| r.value)
}

fn threshold(t: &Transceiver, m: M, level: OpticLevel) -> Option<f64> {
    t.thresholds
        .iter()
        .find(|r| r.measure == m && r.level == level)
        .map(|r| r.value)
}

fn close(a: Option<f64>, b: f64) -> bool {
    a.is_some_and(|a| (a - b).abs() < 1e-3)
}

#[test]
fn juniper_dom_scales_and_reports_loss_of_signal_as_no_light() {
    let mut w = Walked::default();
    // ifIndex 628 with light, 629 in LOS, 630 an empty cage (all zeros).
    for (col, v) in [
        (5, -809),
        (6, 34500),
        (7, -206),
        (8, 22),
        (9, 50),
        (10, -1801),
        (11, -100),
        (12, -1602),
    ] {
        put(&mut w, JNX_DOM, col, &[628], Val::Int(v));
    }
    put(&mut w, JNX_DOM, 1, &[629], Val::Str(vec![0x80, 0, 0]));
    for (col, v) in [(5, 0), (6, 30000), (7, -250), (8, 25)] {
        put(&mut w, JNX_DOM, col, &[629], Val::Int(v));
    }
    for col in 5..=24 {
        put(&mut w, JNX_DOM, col, &[630], Val::Int(0));
    }
    let t = build(
        &w,
        None,
        &ifs(&[("xe-1/2/0", 628), ("xe-1/2/1", 629), ("xe-1/2/2", 630)]),
    );
    assert_eq!(t.len(), 2, "{t:?}");
    assert_eq!(t[0].interface, "xe-1/2/0");
    assert!(close(value(&t[0], M::ReceivePower, None), -8.09));
    assert!(close(value(&t[0], M::TransmitPower, None), -2.06));
    assert!(close(value(&t[0], M::BiasCurrent, None), 0.0345));
    assert!(close(value(&t[0], M::Temperature, None), 22.0));
    assert!(close(threshold(&t[0], M::ReceivePower, OpticLevel::LowAlarm), -18.01));
    assert!(close(threshold(&t[0], M::ReceivePower, OpticLevel::HighAlarm), 0.5));
    assert_eq!(value(&t[1], M::ReceivePower, None), Some(NO_LIGHT_DBM));
}

#[test]
fn juniper_multi_lane_module_keeps_lane_labels() {
    let mut w = Walked::default();
    for (col, v) in [(5, -300), (8, 30), (30, 4)] {
        put(&mut w, JNX_DOM, col, &[700], Val::Int(v));
    }
    for lane in 0..4 {
        put(
            &mut w,
            JNX_DOM_LANE,
            6,
            &[700, lane],
            Val::Int(-100 * i64::from(lane + 1)),
        );
        put(&mut w, JNX_DOM_LANE, 8, &[700, lane], Val::Int(-50));
    }
    let t = build(&w, None, &ifs(&[("et-0/0/0", 700)]));
    assert_eq!(t.len(), 1);
    // Module-wide power of a 4-lane module is not a lane's: only lanes are kept.
    assert_eq!(value(&t[0], M::ReceivePower, None), None);
    assert!(close(value(&t[0], M::ReceivePower, Some(3)), -4.0));
    assert!(close(value(&t[0], M::Temperature, None), 30.0));
}

fn huawei_ports() -> entity::Entities {
    let mut cols: BTreeMap<u32, BTreeMap<Oid, Val>> = BTreeMap::new();
    for (i, name) in [
        (67_305_550, "GigabitEthernet4/0/1"),
        (67_305_551, "GigabitEthernet4/0/2"),
    ] {
        cols.entry(5).or_default().insert(vec![i], Val::Int(10));
        cols.entry(7)
            .or_default()
            .insert(vec![i], Val::Str(name.as_bytes().to_vec()));
    }
    entity::build(&cols, &[])
}

#[test]
fn huawei_detects_dbm_from_negative_powers_and_skips_not_available() {
    let mut w = Walked::default();
    let (a, b) = ([67_305_550], [67_305_551]);
    for (col, v) in [
        (5, 25),
        (6, 3386),
        (7, 30),
        (8, -801),
        (9, -227),
        (13, -1900),
        (14, 0),
        (15, -950),
        (16, -300),
    ] {
        put(&mut w, HW_OPTICAL, col, &a, Val::Int(v));
    }
    put(&mut w, HW_OPTICAL, 25, &a, Val::Str(b"34060286".to_vec()));
    put(&mut w, HW_OPTICAL, 4, &a, Val::Str(b"HUAWEI".to_vec()));
    // A module without diagnostics: −1 and −255 everywhere.
    for (col, v) in [(5, -255), (6, -1), (7, -1), (8, -1), (9, -1)] {
        put(&mut w, HW_OPTICAL, col, &b, Val::Int(v));
    }
    put(&mut w, HW_OPTICAL, 25, &b, Val::Str(b"02310MHP".to_vec()));
    let ents = huawei_ports();
    let t = build(
        &w,
        Some(&ents),
        &ifs(&[("GigabitEthernet4/0/1", 5), ("GigabitEthernet4/0/2", 6)]),
    );
    assert_eq!(t.len(), 2, "{t:?}");
    let m = &t[0];
    assert_eq!(m.interface, "GigabitEthernet4/0/1");
    assert!(close(value(m, M::ReceivePower, None), -8.01));
    assert!(close(value(m, M::TransmitPower, None), -2.27));
    assert!(close(value(m, M::SupplyVoltage, None), 3.386));
    assert!(close(value(m, M::BiasCurrent, None), 0.030));
    assert!(close(value(m, M::Temperature, None), 25.0));
    assert!(close(threshold(m, M::ReceivePower, OpticLevel::LowAlarm), -19.0));
    assert_eq!(
        (m.module_vendor.as_str(), m.part_number.as_str()),
        ("HUAWEI", "34060286")
    );
    // No readings, but the module is there: identity only.
    assert!(t[1].readings.is_empty());
    assert_eq!(t[1].part_number, "02310MHP");
}

#[test]
fn huawei_microwatts_when_no_power_is_negative() {
    let mut w = Walked::default();
    for (col, v) in [(5, 30), (8, 500), (9, 0)] {
        put(&mut w, HW_OPTICAL, col, &[67_305_550], Val::Int(v));
    }
    let ents = huawei_ports();
    let t = build(&w, Some(&ents), &ifs(&[("GigabitEthernet4/0/1", 5)]));
    assert!(close(value(&t[0], M::ReceivePower, None), -3.0103));
    assert_eq!(value(&t[0], M::TransmitPower, None), Some(NO_LIGHT_DBM));
}

/// port 100 "Ethernet5" ⊃ module 101 "Xcvr for Ethernet5" ⊃ sensors.
fn arista_entities() -> entity::Entities {
    let mut cols: BTreeMap<u32, BTreeMap<Oid, Val>> = BTreeMap::new();
    let mut add = |i: u32, parent: u32, class: i64, name: &str, descr: &str| {
        cols.entry(2)
            .or_default()
            .insert(vec![i], Val::Str(descr.as_bytes().to_vec()));
        cols.entry(4).or_default().insert(vec![i], Val::Int(i64::from(parent)));
        cols.entry(5).or_default().insert(vec![i], Val::Int(class));
        cols.entry(7)
            .or_default()
            .insert(vec![i], Val::Str(name.as_bytes().to_vec()));
    };
    add(100, 1, 10, "", "Front-Panel Port 5");
    add(101, 100, 9, "", "Xcvr for Ethernet5");
    add(102, 101, 8, "", "DOM Rx Power Sensor for Ethernet5");
    add(103, 101, 8, "", "DOM Tx Power Sensor for Ethernet5");
    add(104, 101, 8, "", "DOM Temperature Sensor for Ethernet5");
    add(200, 1, 8, "", "Cpu temp sensor");
    cols.entry(11)
        .or_default()
        .insert(vec![101], Val::Str(b"XTY1234".to_vec()));
    cols.entry(12)
        .or_default()
        .insert(vec![101], Val::Str(b"Arista Networks".to_vec()));
    cols.entry(13)
        .or_default()
        .insert(vec![101], Val::Str(b"SFP-10G-SR".to_vec()));
    entity::build(&cols, &[])
}

fn sensor(w: &mut Walked, entry: &[u32], i: u32, kind: i64, scale: i64, precision: i64, raw: i64) {
    for (col, v) in [(1, kind), (2, scale), (3, precision), (4, raw), (5, 1)] {
        put(w, entry, col, &[i], Val::Int(v));
    }
}

#[test]
fn entity_sensors_convert_watts_to_dbm_and_rank_arista_thresholds() {
    let mut w = Walked::default();
    // milli (8), precision 4: 6015 → 0.6015 mW.
    sensor(&mut w, ENT_SENSOR, 102, WATTS, 8, 4, 4025);
    sensor(&mut w, ENT_SENSOR, 103, WATTS, 8, 4, 6015);
    sensor(&mut w, ENT_SENSOR, 104, CELSIUS, 9, 1, 301);
    sensor(&mut w, ENT_SENSOR, 200, CELSIUS, 9, 1, 450);
    for (col, v) in [(1, 200), (2, 400), (3, 10000), (4, 12589)] {
        put(&mut w, ARISTA_THRESHOLD, col, &[102], Val::Int(v));
    }
    for col in 1..=4 {
        put(&mut w, ARISTA_THRESHOLD, col, &[104], Val::Int(-1_000_000_000));
    }
    let ents = arista_entities();
    let t = build(&w, Some(&ents), &ifs(&[("Ethernet5", 5)]));
    assert_eq!(t.len(), 1, "the chassis sensor is not an optic: {t:?}");
    let m = &t[0];
    assert!(close(value(m, M::TransmitPower, None), -2.2076));
    assert!(close(value(m, M::ReceivePower, None), -3.9525));
    assert!(close(value(m, M::Temperature, None), 30.1));
    assert!(close(threshold(m, M::ReceivePower, OpticLevel::HighAlarm), 1.0));
    assert!(close(threshold(m, M::ReceivePower, OpticLevel::LowAlarm), -16.9897));
    assert_eq!(threshold(m, M::Temperature, OpticLevel::HighAlarm), None);
    // The module's description names its port: not a module type.
    assert_eq!(
        (
            m.module_type.as_str(),
            m.module_vendor.as_str(),
            m.part_number.as_str(),
            m.serial.as_str()
        ),
        ("", "Arista Networks", "SFP-10G-SR", "XTY1234")
    );
    assert_eq!(ents.transceiver_sensors(), HashSet::from([102, 103, 104]));
}

#[test]
fn a_sensor_that_is_not_ok_reads_nothing() {
    let mut w = Walked::default();
    sensor(&mut w, ENT_SENSOR, 102, WATTS, 8, 4, 4025);
    put(&mut w, ENT_SENSOR, 5, &[102], Val::Int(2));
    let ents = arista_entities();
    assert!(build(&w, Some(&ents), &ifs(&[("Ethernet5", 5)])).is_empty());
}

#[test]
fn nexus_5000_sensors_without_entities_are_placed_by_index_layout() {
    let mut w = Walked::default();
    // Ethernet1/2: receive at 25808 + 16 + 19, transmit at +20, dBm (14), units, precision 3.
    sensor(&mut w, CISCO_SENSOR, 25843, DBM, 9, 3, -1931);
    sensor(&mut w, CISCO_SENSOR, 25844, DBM, 9, 3, -2456);
    for (n, v) in [(1, 1000), (2, -1000), (3, -9900), (4, -13900)] {
        put(&mut w, CISCO_THRESHOLD, 4, &[25843, n], Val::Int(v));
    }
    let t = build(&w, None, &ifs(&[("Ethernet1/1", 1), ("Ethernet1/2", 2)]));
    assert_eq!(t.len(), 1, "{t:?}");
    assert_eq!(t[0].interface, "Ethernet1/2");
    assert!(close(value(&t[0], M::ReceivePower, None), -1.931));
    assert!(close(value(&t[0], M::TransmitPower, None), -2.456));
    assert!(close(threshold(&t[0], M::ReceivePower, OpticLevel::HighWarning), -1.0));
    assert!(close(threshold(&t[0], M::ReceivePower, OpticLevel::LowAlarm), -13.9));
}

#[test]
fn cisco_thresholds_with_fewer_than_four_are_placed_by_relation_and_severity() {
    let mut w = Walked::default();
    let rows = [
        // (index, severity, relation, value): critical when below −15, minor when below −12.
        (1, 30, 1, -15000),
        (2, 10, 1, -12000),
    ];
    for (n, sev, rel, v) in rows {
        put(&mut w, CISCO_THRESHOLD, 2, &[25843, n], Val::Int(sev));
        put(&mut w, CISCO_THRESHOLD, 3, &[25843, n], Val::Int(rel));
        put(&mut w, CISCO_THRESHOLD, 4, &[25843, n], Val::Int(v));
    }
    sensor(&mut w, CISCO_SENSOR, 25843, DBM, 9, 3, -5000);
    let t = build(&w, None, &ifs(&[("Ethernet1/2", 2)]));
    assert!(close(threshold(&t[0], M::ReceivePower, OpticLevel::LowAlarm), -15.0));
    assert!(close(threshold(&t[0], M::ReceivePower, OpticLevel::LowWarning), -12.0));
}

#[test]
fn unordered_thresholds_are_dropped_as_unset() {
    let mut w = Walked::default();
    for (col, v) in [(5, -300), (9, 0), (10, 0), (11, 0), (12, 0)] {
        put(&mut w, JNX_DOM, col, &[1], Val::Int(v));
    }
    let t = build(&w, None, &ifs(&[("xe-0/0/0", 1)]));
    assert!(t[0].thresholds.is_empty(), "{t:?}");
}

#[test]
fn lane_words_and_measure_words() {
    assert_eq!(lane_of("Ethernet1/49 Lane 3 Transceiver Receive Power Sensor"), Some(3));
    assert_eq!(lane_of("Te1/1 Receive Power Sensor"), None);
    assert_eq!(measure_of(DBM, "Te1/1 Receive Power Sensor"), Some(M::ReceivePower));
    assert_eq!(measure_of(WATTS, "DOM Tx Power Sensor"), Some(M::TransmitPower));
    assert_eq!(measure_of(DBM, "Power Sensor"), None);
    assert_eq!(scale_exponent(8), Some(-3));
    assert_eq!(scale_exponent(14), Some(18));
}
