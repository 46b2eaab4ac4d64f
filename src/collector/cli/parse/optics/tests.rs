//! Every captured transceiver output against its independent parse (the
//! `.yml` oracle), by hand for what the oracle lacks (thresholds, lanes),
//! and the Junos and VRP layouts on samples written from their documented
//! output (the shared captures have none: marked as such below).

use super::*;
use crate::collector::cli::parse::testing::{field, fixtures};

fn reading(t: &Transceiver, m: M, lane: Option<u32>) -> Option<f64> {
    t.readings
        .iter()
        .find(|r| r.measure == m && r.lane == lane)
        .map(|r| r.value)
}

fn threshold(t: &Transceiver, m: M, level: L) -> Option<f64> {
    t.thresholds
        .iter()
        .find(|r| r.measure == m && r.level == level)
        .map(|r| r.value)
}

fn module<'a>(all: &'a [Transceiver], name: &str) -> &'a Transceiver {
    all.iter()
        .find(|t| t.interface == name)
        .unwrap_or_else(|| panic!("no {name} in {all:?}"))
}

fn oracle(r: &serde_json::Value, key: &str) -> Option<f64> {
    field(r, key).parse().ok()
}

#[test]
fn ios_tables_match_the_oracle_with_and_without_the_current_column() {
    for (stem, raw, records) in fixtures("cisco_ios", "show_interface_transceiver") {
        let parsed = ios_table(&raw);
        assert_eq!(parsed.skipped, 0, "{stem}");
        assert_eq!(parsed.value.len(), records.len(), "{stem}");
        for r in &records {
            let t = module(&parsed.value, field(r, "interface"));
            assert_eq!(reading(t, M::Temperature, None), oracle(r, "temperature"), "{stem}");
            assert_eq!(reading(t, M::SupplyVoltage, None), oracle(r, "voltage"), "{stem}");
            assert_eq!(reading(t, M::TransmitPower, None), oracle(r, "tx_pwr"), "{stem}");
            assert_eq!(reading(t, M::ReceivePower, None), oracle(r, "rx_pwr"), "{stem}");
            assert_eq!(
                reading(t, M::BiasCurrent, None),
                oracle(r, "current").map(|ma| ma / 1000.0),
                "{stem}"
            );
        }
    }
}

#[test]
fn ios_flags_and_na_do_not_shift_columns() {
    let text = "                                 Optical   Optical\n           Temperature  Voltage  Tx Power  Rx Power\n\
                Port       (Celsius)    (Volts)  (dBm)     (dBm)\n---------  -----------  -------  --------  --------\n\
                Gi1/0/1      41.2 +     3.29      -5.1      -30.5 --\nGi1/0/2      N/A        N/A       N/A       N/A\n";
    let t = ios_table(text);
    assert_eq!(t.skipped, 0);
    let m = module(&t.value, "Gi1/0/1");
    assert_eq!(reading(m, M::Temperature, None), Some(41.2));
    assert_eq!(reading(m, M::ReceivePower, None), Some(-30.5));
    // A module reporting nothing is not a transceiver with diagnostics.
    assert!(t.value.iter().all(|x| x.interface != "Gi1/0/2"));
}

#[test]
fn nxos_details_identity_readings_thresholds_and_lanes() {
    for (stem, raw, records) in fixtures("cisco_nxos", "show_interface_transceiver_details") {
        let parsed = nxos_details(&raw);
        assert_eq!(parsed.skipped, 0, "{stem}");
        // Every value and threshold the oracle has, at the lane it gives
        // (the "Common" lane 1 of a multi-lane module is module-wide).
        let mut checked = 0;
        for r in &records {
            let name = field(r, "interface");
            let t = module(&parsed.value, name);
            let lane: Option<u32> = field(r, "lane").parse().ok().filter(|l| *l > 1);
            for (prefix, m, per_lane, scale) in [
                ("temperature", M::Temperature, false, 1.0),
                ("voltage", M::SupplyVoltage, false, 1.0),
                ("amps", M::BiasCurrent, true, 1000.0),
                ("rx", M::ReceivePower, true, 1.0),
                ("tx", M::TransmitPower, true, 1.0),
            ] {
                // Module-wide measures belong to the record of the common lane.
                if !per_lane && lane.is_some() {
                    continue;
                }
                let want = |suffix: &str| oracle(r, &format!("{prefix}_{suffix}")).map(|v| v / scale);
                assert_eq!(reading(t, m, lane), want("value"), "{stem} {name} {prefix}");
                for (suffix, level) in [
                    ("alarm_high", L::HighAlarm),
                    ("alarm_low", L::LowAlarm),
                    ("warn_high", L::HighWarning),
                    ("warn_low", L::LowWarning),
                ] {
                    let got = t
                        .thresholds
                        .iter()
                        .find(|x| x.measure == m && x.lane == lane && x.level == level)
                        .map(|x| x.value);
                    assert_eq!(got, want(suffix), "{stem} {name} {prefix}_{suffix}");
                    checked += 1;
                }
            }
        }
        assert!(checked >= 100, "{stem}: {checked}");
    }
    let raw = &fixtures("cisco_nxos", "show_interface_transceiver_details")[0].1;
    let all = nxos_details(raw).value;
    let e31 = module(&all, "Ethernet3/1");
    assert_eq!(e31.module_vendor, "CISCO-FINISAR");
    assert_eq!(reading(e31, M::Temperature, None), Some(35.66));
    assert_eq!(reading(e31, M::ReceivePower, None), Some(-30.45));
    // "Current N/A": no bias reading, but its thresholds stand.
    assert_eq!(reading(e31, M::BiasCurrent, None), None);
    assert_eq!(threshold(e31, M::BiasCurrent, L::HighAlarm), Some(11.8 / 1000.0));
    assert_eq!(threshold(e31, M::ReceivePower, L::LowWarning), Some(-9.9));
    assert_eq!(threshold(e31, M::ReceivePower, L::LowAlarm), Some(-13.9));
    assert_eq!(reading(module(&all, "Ethernet3/3"), M::TransmitPower, None), None);
    // The CFP: module-wide temperature, per-lane light.
    let e41 = module(&all, "Ethernet4/1");
    assert_eq!(e41.module_type, "CFP-100G-LR4");
    assert_eq!(reading(e41, M::Temperature, None), Some(40.44));
    assert_eq!(reading(e41, M::ReceivePower, Some(2)), Some(-1.77));
    assert_eq!(reading(e41, M::ReceivePower, Some(3)), Some(-1.57));
}

#[test]
fn routeros_monitor_reads_sfp_fields_and_ignores_copper_ports() {
    let all: Vec<Transceiver> = fixtures("mikrotik_routeros", "interface_ethernet_monitor_name_once")
        .into_iter()
        .flat_map(|(_, raw, _)| routeros_monitor(&raw).value)
        .collect();
    assert_eq!(all.len(), 1, "only the SFP+ has a module: {all:?}");
    let t = &all[0];
    assert_eq!(t.interface, "sfp-sfpplus24");
    assert_eq!(
        (
            t.module_type.as_str(),
            t.module_vendor.as_str(),
            t.part_number.as_str(),
            t.serial.as_str()
        ),
        ("SFP-or-SFP+", "Mikrotik", "S+85DLC03D", "STST85S84700155")
    );
    assert_eq!(reading(t, M::Temperature, None), Some(33.0));
    assert_eq!(reading(t, M::SupplyVoltage, None), Some(3.251));
    assert_eq!(reading(t, M::BiasCurrent, None), Some(0.006));
    assert_eq!(reading(t, M::TransmitPower, None), Some(-2.843));
    assert_eq!(reading(t, M::ReceivePower, None), Some(-1.203));
}

#[test]
fn routeros_rx_loss_without_a_power_reading_is_no_light() {
    let text = "name: sfp1\nsfp-module-present: yes\nsfp-rx-loss: yes\nsfp-vendor-serial: X1\nsfp-tx-power: -3.1dBm\n";
    let t = routeros_monitor(text).value;
    assert_eq!(reading(&t[0], M::ReceivePower, None), Some(NO_LIGHT_DBM));
}

/// Written from Juniper's documented layout of `show interfaces diagnostics
/// optics` (SFP and a four-lane QSFP+), not captured from a device.
const JUNOS_SAMPLE: &str = "\
Physical interface: ge-0/0/0
    Laser bias current                        :  5.444 mA
    Laser output power                        :  0.2540 mW / -5.95 dBm
    Module temperature                        :  32 degrees C / 90 degrees F
    Module voltage                            :  3.3070 V
    Receiver signal average optical power     :  0.0000 mW / - Inf dBm
    Laser bias current high alarm             :  Off
    Laser rx power low alarm                  :  On
    Laser bias current high alarm threshold   :  15.000 mA
    Laser bias current low alarm threshold    :  1.000 mA
    Laser bias current high warning threshold :  12.000 mA
    Laser bias current low warning threshold  :  2.000 mA
    Laser output power high alarm threshold   :  0.6310 mW / -2.00 dBm
    Laser output power low alarm threshold    :  0.0670 mW / -11.74 dBm
    Laser output power high warning threshold :  0.6310 mW / -2.00 dBm
    Laser output power low warning threshold  :  0.0790 mW / -11.02 dBm
    Module temperature high alarm threshold   :  95 degrees C / 203 degrees F
    Module temperature low alarm threshold    :  -25 degrees C / -13 degrees F
    Module temperature high warning threshold :  90 degrees C / 194 degrees F
    Module temperature low warning threshold  :  -20 degrees C / -4 degrees F
    Laser rx power high alarm threshold       :  1.2589 mW / 1.00 dBm
    Laser rx power low alarm threshold        :  0.0100 mW / -20.00 dBm
    Laser rx power high warning threshold     :  0.7943 mW / -1.00 dBm
    Laser rx power low warning threshold      :  0.0158 mW / -18.01 dBm

Physical interface: et-0/0/48
    Module temperature                        :  30 degrees C / 86 degrees F
    Module voltage                            :  3.2940 V
  Lane 0
    Laser bias current                        :  7.420 mA
    Laser output power                        :  1.012 mW / 0.05 dBm
    Laser receiver power                      :  0.858 mW / -0.67 dBm
  Lane 1
    Laser bias current                        :  7.501 mA
    Laser output power                        :  0.981 mW / -0.08 dBm
    Laser receiver power                      :  0.811 mW / -0.91 dBm
";

#[test]
fn junos_optics_on_a_sample_written_from_the_documented_layout() {
    let all = junos_optics(JUNOS_SAMPLE).value;
    let ge = module(&all, "ge-0/0/0");
    assert_eq!(reading(ge, M::BiasCurrent, None), Some(0.005444));
    assert_eq!(reading(ge, M::TransmitPower, None), Some(-5.95));
    assert_eq!(
        reading(ge, M::ReceivePower, None),
        Some(NO_LIGHT_DBM),
        "- Inf dBm is no light"
    );
    assert_eq!(reading(ge, M::Temperature, None), Some(32.0));
    assert_eq!(threshold(ge, M::ReceivePower, L::LowWarning), Some(-18.01));
    assert_eq!(threshold(ge, M::Temperature, L::HighAlarm), Some(95.0));
    assert_eq!(threshold(ge, M::BiasCurrent, L::LowAlarm), Some(0.001));
    let et = module(&all, "et-0/0/48");
    assert_eq!(reading(et, M::ReceivePower, Some(1)), Some(-0.91));
    assert_eq!(reading(et, M::Temperature, None), Some(30.0));
}

/// Written from Huawei's documented layout of `display transceiver verbose`
/// (a 1G SFP; a 40G QSFP+ with lanes as `a|b|c|d`), not captured.
const VRP_SAMPLE: &str = "\
 GigabitEthernet0/0/1 transceiver information:
-------------------------------------------------------------
 Common information:
   Transceiver Type                       :1000_BASE_LX_SFP
   Connector Type                         :LC
   Wavelength(nm)                         :1310
   Digital Diagnostic Monitoring          :YES
   Vendor Name                            :HUAWEI
   Vendor Part Number                     :02315200
-------------------------------------------------------------
 Manufacture information:
   Manu. Serial Number                    :HA10160330020
   Manufacturing Date                     :2016-03-31
   Vendor Name                            :HUAWEI
-------------------------------------------------------------
 Diagnostic information:
   Temperature(\u{b0}C)                        :33
   Temp High Threshold(\u{b0}C)                :95
   Temp Low  Threshold(\u{b0}C)                :-50
   Voltage(V)                             :3.30
   Volt High Threshold(V)                 :3.80
   Volt Low  Threshold(V)                 :2.81
   Bias Current(mA)                       :14.47
   Bias High Threshold(mA)                :100.00
   Bias Low  Threshold(mA)                :0.00
   RX Power(dBM)                          :-8.91
   RX Power High Warning(dBM)             :-3.00
   RX Power Low  Warning(dBM)             :-19.00
   RX Power High Threshold(dBM)           :-2.99
   RX Power Low  Threshold(dBM)           :-20.00
   TX Power(dBM)                          :-5.77
   TX Power High Threshold(dBM)           :-2.99
   TX Power Low  Threshold(dBM)           :-9.50
-------------------------------------------------------------

 40GE1/0/1 transceiver information:
-------------------------------------------------------------
 Common information:
   Transceiver Type                       :40GBASE_SR4_QSFP+
   Vendor Name                            :FINISAR
-------------------------------------------------------------
 Diagnostic information:
   Temperature(\u{b0}C)                        :29
   RX Power(dBM)                          :-1.20|-1.33|-40.00|-1.10
   TX Power(dBM)                          :-0.50|-0.61|-0.55|-0.47
-------------------------------------------------------------
";

#[test]
fn vrp_verbose_on_a_sample_written_from_the_documented_layout() {
    let all = vrp_verbose(VRP_SAMPLE).value;
    let g = module(&all, "GigabitEthernet0/0/1");
    assert_eq!(
        (
            g.module_type.as_str(),
            g.module_vendor.as_str(),
            g.part_number.as_str(),
            g.serial.as_str()
        ),
        ("1000_BASE_LX_SFP", "HUAWEI", "02315200", "HA10160330020")
    );
    assert_eq!(reading(g, M::Temperature, None), Some(33.0));
    assert_eq!(reading(g, M::BiasCurrent, None), Some(0.01447));
    assert_eq!(reading(g, M::ReceivePower, None), Some(-8.91));
    assert_eq!(threshold(g, M::ReceivePower, L::LowAlarm), Some(-20.0));
    assert_eq!(threshold(g, M::ReceivePower, L::LowWarning), Some(-19.0));
    assert_eq!(threshold(g, M::TransmitPower, L::HighAlarm), Some(-2.99));
    let q = module(&all, "40GE1/0/1");
    assert_eq!(reading(q, M::ReceivePower, Some(3)), Some(-40.0));
    assert_eq!(reading(q, M::TransmitPower, Some(4)), Some(-0.47));
}

#[test]
fn short_names_become_the_interface_names_the_series_use() {
    let ifs: Vec<Interface> = ["TenGigabitEthernet1/49", "TenGigabitEthernet1/50"]
        .iter()
        .map(|n| Interface {
            name: (*n).to_owned(),
            ..Interface::default()
        })
        .collect();
    let raw = &fixtures("cisco_ios", "show_interface_transceiver")[0].1;
    let placed = place(ios_table(raw).value, &ifs);
    assert!(placed.iter().any(|t| t.interface == "TenGigabitEthernet1/49"));
    // Te1/51 has no interface of that name here: kept as printed.
    assert!(placed.iter().any(|t| t.interface == "Te1/51"));
}

#[test]
fn numbers_in_every_spelling() {
    assert_eq!(number("-3.0"), Some(-3.0));
    assert_eq!(number("-2.843dBm"), Some(-2.843));
    assert_eq!(number("33C"), Some(33.0));
    assert_eq!(number("- Inf"), Some(f64::NEG_INFINITY));
    assert_eq!(number("N/A"), None);
    assert_eq!(number("--"), None);
}
