//! netgauge against snmpsim playing recordings of real devices
//! (PyPI `snmpsim-data-lextudio`). The recording itself is the oracle:
//! every interface and counter in it must come out as the schema says.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::harness::*;

/// (recording under the data dir, expected vendor, expected model, expected OS version)
const RECORDINGS: &[(&str, &str, &str, &str)] = &[
    ("network/switch/cisco-c3560", "cisco", "C3560", "12.2(55)SE3"),
    ("network/switch/cisco-n5000", "cisco", "", ""),
    ("network/router/huawei-s5720", "huawei", "", ""),
    (
        "network/router/juniper-mx960-13-3r9-13",
        "juniper",
        "mx960",
        "13.3R9.13",
    ),
    // 32-bit counters only: no ifXTable at all.
    ("network/router/ruijie-n18010", "ruijie", "", ""),
    // 1,317 interfaces.
    ("network/switch/h3c-comware-lsq1wcmd0-2509p61", "h3c", "", ""),
];

pub type Recording = BTreeMap<String, (String, String)>;

/// snmpsim serving recordings, each under its file name as the community.
pub struct Sim {
    pub port: u16,
    pub recordings: Vec<(String, Recording)>,
    _dir: tempfile::TempDir,
    _proc: Proc,
}

impl Sim {
    /// `paths`: recordings under snmpsim-data-lextudio's data dir (without
    /// `.snmprec.bz2`), or `fixtures/NAME` for this repository's own.
    pub fn start(paths: &[&str]) -> Sim {
        let data = snmpsim_data_dir();
        let dir = tempfile::tempdir().unwrap();
        let mut recordings = Vec::new();
        for path in paths {
            let community = path.rsplit('/').next().unwrap();
            let dst = dir.path().join(format!("{community}.snmprec"));
            if let Some(name) = path.strip_prefix("fixtures/") {
                let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/snmprec/{name}.snmprec"));
                std::fs::copy(&src, &dst).unwrap();
            } else if data.join(format!("{path}.snmprec")).is_file() {
                // A few recordings ship uncompressed.
                std::fs::copy(data.join(format!("{path}.snmprec")), &dst).unwrap();
            } else {
                let src = data.join(format!("{path}.snmprec.bz2"));
                let out = Command::new(require("bzip2")).arg("-dc").arg(&src).output().unwrap();
                assert!(out.status.success(), "decompress {}", src.display());
                std::fs::write(&dst, &out.stdout).unwrap();
            }
            recordings.push((community.to_owned(), read_snmprec(&dst)));
        }
        let port = free_udp_port();
        let proc = Proc(
            Command::new(snmpsim_responder())
                .arg(format!("--data-dir={}", dir.path().display()))
                .arg(format!("--agent-udpv4-endpoint=127.0.0.1:{port}"))
                .args(["--process-user=root", "--process-group=root"])
                .arg(format!("--cache-dir={}", dir.path().join("cache").display()))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start snmpsim"),
        );
        assert!(
            wait_for_agent(port, &recordings[0].0, Duration::from_secs(60)),
            "snmpsim did not come up"
        );
        Sim {
            port,
            recordings,
            _dir: dir,
            _proc: proc,
        }
    }

    fn yaml(&self) -> String {
        let mut yaml = String::from("targets:\n");
        for (community, _) in &self.recordings {
            // snmpsim answers at most 64 varbinds per response; its CPU cost per value makes a long timeout wise.
            yaml.push_str(&format!(
                "  - name: {community}\n    address: 127.0.0.1:{}\n    snmp: {{community: {community}, timeout: 10s, retries: 1, max_repetitions: 50, walk_concurrency: 4}}\n",
                self.port
            ));
        }
        yaml
    }
}

/// `oid|type|value` lines of a .snmprec file.
fn read_snmprec(path: &Path) -> Recording {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let mut parts = line.splitn(3, '|');
        if let (Some(oid), Some(tag), Some(val)) = (parts.next(), parts.next(), parts.next()) {
            out.insert(oid.to_owned(), (tag.to_owned(), val.to_owned()));
        }
    }
    out
}

fn rec_num(rec: &Recording, oid: &str) -> Option<f64> {
    rec.get(oid).and_then(|(_, v)| v.parse().ok())
}

fn rec_text(rec: &Recording, oid: &str) -> Option<String> {
    let (tag, v) = rec.get(oid)?;
    let bytes = if tag.ends_with('x') {
        (0..v.len() / 2)
            .map(|i| u8::from_str_radix(&v[2 * i..2 * i + 2], 16).unwrap_or(b'?'))
            .collect()
    } else {
        v.as_bytes().to_vec()
    };
    Some(String::from_utf8_lossy(&bytes).trim_end_matches('\0').trim().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recordings_of_real_devices_map_onto_the_schema() {
    let paths: Vec<&str> = RECORDINGS.iter().map(|r| r.0).collect();
    let sim = Sim::start(&paths);
    let recs = &sim.recordings;
    let server = Server::start(&sim.yaml()).await;

    for ((community, rec), (_, vendor, model, os)) in recs.iter().zip(RECORDINGS) {
        let (status, body) = server.get(&format!("/probe?target={community}"), &[]).await;
        assert_eq!(status, 200);
        promtool_check(&body);
        let s = parse_exposition(&body);
        let d = [("device", community.as_str())];
        assert_eq!(value(&s, "netgauge_device_up", &d), Some(1.0), "{community}");
        assert_eq!(
            value(&s, "netgauge_scrape_success", &[("collector", "snmp_interfaces")]),
            Some(1.0),
            "{community}"
        );
        let info = s.iter().find(|x| x.name == "netgauge_device_info").unwrap();
        assert_eq!(info.labels["vendor"], *vendor, "{community}");
        if !model.is_empty() {
            assert_eq!(
                (info.labels["model"].as_str(), info.labels["os_version"].as_str()),
                (*model, *os),
                "{community}"
            );
        }
        assert_eq!(
            Some(info.labels["hostname"].clone()),
            rec_text(rec, "1.3.6.1.2.1.1.5.0"),
            "{community}"
        );

        // Every ifIndex of the recording, and nothing else.
        let mut indexes: Vec<u32> = rec
            .keys()
            .filter_map(|o| {
                o.strip_prefix("1.3.6.1.2.1.2.2.1.1.")
                    .or_else(|| o.strip_prefix("1.3.6.1.2.1.31.1.1.1.1."))
            })
            .filter_map(|i| i.parse().ok())
            .collect();
        indexes.sort_unstable();
        indexes.dedup();
        let infos: BTreeMap<String, &Series> = s
            .iter()
            .filter(|x| x.name == "netgauge_interface_info")
            .map(|x| (x.labels["index"].clone(), x))
            .collect();
        assert_eq!(infos.len(), indexes.len(), "{community}: one interface per ifIndex");

        let mut checked_counters = 0;
        for i in &indexes {
            let info = infos
                .get(&i.to_string())
                .unwrap_or_else(|| panic!("{community}: ifIndex {i} missing"));
            let name = info.labels["interface"].clone();
            let expected_name = rec_text(rec, &format!("1.3.6.1.2.1.31.1.1.1.1.{i}"))
                .filter(|n| !n.is_empty())
                .or_else(|| rec_text(rec, &format!("1.3.6.1.2.1.2.2.1.2.{i}")))
                .unwrap_or_else(|| format!("ifIndex{i}"));
            assert!(
                name == expected_name || name == format!("{expected_name}#{i}"),
                "{community}: {name} vs {expected_name}"
            );
            let l = [("device", community.as_str()), ("interface", name.as_str())];
            if let Some(oper) = rec_num(rec, &format!("1.3.6.1.2.1.2.2.1.8.{i}")) {
                let want = if oper == 1.0 { 1.0 } else { 0.0 };
                assert_eq!(
                    value(&s, "netgauge_interface_oper_up", &l),
                    Some(want),
                    "{community} {name}"
                );
            }
            let rx = rec_num(rec, &format!("1.3.6.1.2.1.31.1.1.1.6.{i}"))
                .or_else(|| rec_num(rec, &format!("1.3.6.1.2.1.2.2.1.10.{i}")));
            assert_eq!(
                value(&s, "netgauge_interface_receive_bytes_total", &l),
                rx,
                "{community} {name} rx bytes"
            );
            let tx = rec_num(rec, &format!("1.3.6.1.2.1.31.1.1.1.10.{i}"))
                .or_else(|| rec_num(rec, &format!("1.3.6.1.2.1.2.2.1.16.{i}")));
            assert_eq!(
                value(&s, "netgauge_interface_transmit_bytes_total", &l),
                tx,
                "{community} {name} tx bytes"
            );
            let errors = rec_num(rec, &format!("1.3.6.1.2.1.2.2.1.14.{i}"));
            assert_eq!(
                value(&s, "netgauge_interface_receive_errors_total", &l),
                errors,
                "{community} {name}"
            );
            if rx.is_some() {
                checked_counters += 1;
            }
            if let Some(alias) = rec_text(rec, &format!("1.3.6.1.2.1.31.1.1.1.18.{i}")) {
                assert_eq!(info.labels["description"], alias, "{community} {name}");
            }
        }
        assert!(checked_counters > 0, "{community}: no counters compared");
        eprintln!(
            "{community}: {} interfaces, {checked_counters} with byte counters, all match the recording",
            indexes.len()
        );
    }
    server.stop().await;
}

fn rec_entity(rec: &Recording, index: &str) -> Option<String> {
    rec_text(rec, &format!("1.3.6.1.2.1.47.1.1.1.1.7.{index}")).filter(|n| !n.is_empty())
}

/// Rows of a table column: index → value, straight from the recording.
fn rec_column(rec: &Recording, column: &str) -> Vec<(String, String)> {
    let prefix = format!("{column}.");
    rec.iter()
        .filter_map(|(o, (_, v))| o.strip_prefix(&prefix).map(|i| (i.to_owned(), v.clone())))
        .collect()
}

/// Vendor health from recordings: every reading netgauge reports is checked
/// against the values in the recording, by the MIB's own definition.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_from_recordings_of_real_devices() {
    let sim = Sim::start(&[
        "network/switch/cisco-c3560",
        "network/router/juniper-mx960-13-3r9-13",
        "network/router/huawei-s5720",
        "os/linux/unknown-002",
        // Hand-built from MIKROTIK-MIB's documented OIDs: no MikroTik recording exists (see its README).
        "fixtures/mikrotik-ccr",
    ]);
    let server = Server::start(&sim.yaml()).await;
    let rec = |name: &str| &sim.recordings.iter().find(|(c, _)| c == name).unwrap().1;
    let probe = |name: &'static str| {
        let server = &server;
        async move {
            let (status, body) = server.get(&format!("/probe?target={name}"), &[]).await;
            assert_eq!(status, 200);
            promtool_check(&body);
            let s = parse_exposition(&body);
            assert_eq!(
                value(&s, "netgauge_scrape_success", &[("collector", "snmp_health")]),
                Some(1.0),
                "{name}"
            );
            s
        }
    };

    // Cisco: CISCO-PROCESS-MIB, CISCO-MEMORY-POOL-MIB, CISCO-ENVMON-MIB.
    let c = rec("cisco-c3560");
    let s = probe("cisco-c3560").await;
    for (idx, load) in rec_column(c, "1.3.6.1.4.1.9.9.109.1.1.1.1.7") {
        let entity = rec_num(c, &format!("1.3.6.1.4.1.9.9.109.1.1.1.1.2.{idx}")).unwrap_or(0.0);
        let label = rec_entity(c, &(entity as u64).to_string()).unwrap_or(idx);
        let want: f64 = load.parse::<f64>().unwrap() / 100.0;
        assert_eq!(
            value(&s, "netgauge_cpu_usage_ratio", &[("cpu", &label)]),
            Some(want),
            "cisco cpu {label}"
        );
    }
    for (idx, used) in rec_column(c, "1.3.6.1.4.1.9.9.48.1.1.1.5") {
        let pool = rec_text(c, &format!("1.3.6.1.4.1.9.9.48.1.1.1.2.{idx}")).unwrap();
        let free = rec_num(c, &format!("1.3.6.1.4.1.9.9.48.1.1.1.6.{idx}")).unwrap();
        let used: f64 = used.parse().unwrap();
        assert_eq!(
            value(&s, "netgauge_memory_used_bytes", &[("pool", &pool)]),
            Some(used),
            "cisco pool {pool}"
        );
        assert_eq!(
            value(&s, "netgauge_memory_total_bytes", &[("pool", &pool)]),
            Some(used + free)
        );
    }
    for (idx, t) in rec_column(c, "1.3.6.1.4.1.9.9.13.1.3.1.3") {
        let sensor = rec_text(c, &format!("1.3.6.1.4.1.9.9.13.1.3.1.2.{idx}")).unwrap();
        assert_eq!(
            value(&s, "netgauge_temperature_celsius", &[("sensor", &sensor)]),
            Some(t.parse().unwrap())
        );
    }
    let fans = s.iter().filter(|x| x.name == "netgauge_fan_up").count();
    assert_eq!(
        fans,
        rec_column(c, "1.3.6.1.4.1.9.9.13.1.4.1.3")
            .iter()
            .filter(|(_, v)| v != "5")
            .count()
    );
    assert!(s.iter().any(|x| x.name == "netgauge_power_supply_up" && x.value == 1.0));

    // Juniper: jnxOperatingTable temperatures, labelled by jnxOperatingDescr where that is unique.
    let j = rec("juniper-mx960-13-3r9-13");
    let s = probe("juniper-mx960-13-3r9-13").await;
    let temps = rec_column(j, "1.3.6.1.4.1.2636.3.1.13.1.7");
    let descr = |idx: &str| rec_text(j, &format!("1.3.6.1.4.1.2636.3.1.13.1.5.{idx}")).unwrap();
    let mut checked = 0;
    for (idx, t) in temps.iter().filter(|(_, t)| t != "0") {
        let name = descr(idx);
        if temps.iter().filter(|(i, t)| t != "0" && descr(i) == name).count() == 1 {
            assert_eq!(
                value(&s, "netgauge_temperature_celsius", &[("sensor", &name)]),
                Some(t.parse().unwrap()),
                "{name}"
            );
            checked += 1;
        }
    }
    assert!(checked > 3, "juniper: {checked} temperatures checked");

    // Huawei: hwEntityStateTable rows with memory, labelled by entPhysicalName.
    let h = rec("huawei-s5720");
    let s = probe("huawei-s5720").await;
    let mut boards = 0;
    for (idx, size) in rec_column(h, "1.3.6.1.4.1.2011.5.25.31.1.1.1.1.9")
        .into_iter()
        .filter(|(_, v)| v != "0")
    {
        let name = rec_entity(h, &idx).unwrap_or(idx.clone());
        let cpu = rec_num(h, &format!("1.3.6.1.4.1.2011.5.25.31.1.1.1.1.5.{idx}")).unwrap();
        let mem = rec_num(h, &format!("1.3.6.1.4.1.2011.5.25.31.1.1.1.1.7.{idx}")).unwrap();
        let size: f64 = size.parse().unwrap();
        assert_eq!(
            value(&s, "netgauge_cpu_usage_ratio", &[("cpu", &name)]),
            Some(cpu / 100.0),
            "huawei {name}"
        );
        assert_eq!(value(&s, "netgauge_memory_total_bytes", &[("pool", &name)]), Some(size));
        assert_eq!(
            value(&s, "netgauge_memory_used_bytes", &[("pool", &name)]),
            Some((mem * size / 100.0).round())
        );
        boards += 1;
    }
    assert!(boards >= 1);

    // A Linux host (HOST-RESOURCES-MIB): every hrProcessorLoad row, as
    // "cpu N" in index order, and the RAM pool.
    let l = rec("unknown-002");
    let s = probe("unknown-002").await;
    let mut loads = rec_column(l, "1.3.6.1.2.1.25.3.3.1.2");
    loads.sort_by_key(|(idx, _)| {
        idx.split('.')
            .map(|a| a.parse::<u32>().unwrap_or(0))
            .collect::<Vec<_>>()
    });
    assert!(!loads.is_empty());
    for (n, (_, load)) in loads.iter().enumerate() {
        assert_eq!(
            value(&s, "netgauge_cpu_usage_ratio", &[("cpu", &format!("cpu {n}"))]),
            Some(load.parse::<f64>().unwrap() / 100.0)
        );
    }
    let units = rec_num(l, "1.3.6.1.2.1.25.2.3.1.4.1").unwrap();
    let used = rec_num(l, "1.3.6.1.2.1.25.2.3.1.6.1").unwrap();
    assert_eq!(
        value(&s, "netgauge_memory_used_bytes", &[("pool", "Physical memory")]),
        Some(used * units)
    );
    assert_eq!(
        value(&s, "netgauge_memory_used_bytes", &[("pool", "Virtual memory")]),
        None,
        "only hrStorageRam rows"
    );

    // MikroTik (hand-built fixture): MIKROTIK-MIB temperatures and supplies, HOST-RESOURCES CPU and memory.
    let s = probe("mikrotik-ccr").await;
    let d = [("device", "mikrotik-ccr")];
    let info = s.iter().find(|x| x.name == "netgauge_device_info").unwrap();
    assert_eq!(info.labels["vendor"], "mikrotik");
    assert_eq!(
        value(&s, "netgauge_temperature_celsius", &[d[0], ("sensor", "board")]),
        Some(41.5)
    );
    assert_eq!(
        value(&s, "netgauge_temperature_celsius", &[d[0], ("sensor", "cpu")]),
        Some(52.0)
    );
    assert_eq!(
        value(&s, "netgauge_power_supply_up", &[d[0], ("power_supply", "psu1")]),
        Some(1.0)
    );
    assert_eq!(
        value(&s, "netgauge_power_supply_up", &[d[0], ("power_supply", "psu2")]),
        Some(0.0)
    );
    assert_eq!(
        value(&s, "netgauge_cpu_usage_ratio", &[d[0], ("cpu", "cpu 0")]),
        Some(0.12)
    );
    assert_eq!(
        value(&s, "netgauge_memory_total_bytes", &[d[0], ("pool", "main memory")]),
        Some(2147483648.0)
    );
    assert_eq!(
        value(&s, "netgauge_memory_used_bytes", &[d[0], ("pool", "main memory")]),
        Some(536870912.0)
    );
    server.stop().await;
}

/// Transceiver diagnostics from recordings of real devices, one per source
/// table: JUNIPER-DOM-MIB (MX960), HUAWEI-ENTITY-EXTENT-MIB (a Huawei
/// router, and an S5720 whose modules report no diagnostics),
/// CISCO-ENTITY-SENSOR-MIB (Nexus 5000) and ENTITY-SENSOR-MIB with
/// Arista's thresholds (DCS-7150S).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn optics_from_recordings_of_real_devices() {
    let sim = Sim::start(&[
        "network/router/juniper-mx960-13-3r9-13",
        "fixtures/huawei-optics",
        "network/router/huawei-s5720",
        "network/switch/cisco-n5000",
        "cloud/arista-dcs-7150s-52-cl",
    ]);
    let server = Server::start(&sim.yaml()).await;
    let probe = |name: &'static str| {
        let server = &server;
        async move {
            let (status, body) = server.get(&format!("/probe?target={name}"), &[]).await;
            assert_eq!(status, 200);
            promtool_check(&body);
            if std::env::var_os("NETGAUGE_DUMP").is_some() {
                for l in body
                    .lines()
                    .filter(|l| l.contains("transceiver") || l.contains("optics"))
                {
                    eprintln!("{name}: {l}");
                }
            }
            parse_exposition(&body)
        }
    };
    let rec = |name: &str| &sim.recordings.iter().find(|(c, _)| c == name).unwrap().1;
    let close = |got: Option<f64>, want: f64, what: &str| {
        let got = got.unwrap_or_else(|| panic!("{what}: no series"));
        assert!((got - want).abs() < 1e-3, "{what}: {got}, want {want}");
    };

    // Juniper: every jnxDomCurrentTable row with diagnostics, against the
    // recording by the MIB's definition (0.01 dBm; a receiver in loss of
    // signal, jnxDomCurrentAlarms bit 0, reads no light).
    let j = rec("juniper-mx960-13-3r9-13");
    let s = probe("juniper-mx960-13-3r9-13").await;
    let mut modules = 0;
    for (idx, rx) in rec_column(j, "1.3.6.1.4.1.2636.3.60.1.1.1.1.5") {
        let col = |c: u32| rec_num(j, &format!("1.3.6.1.4.1.2636.3.60.1.1.1.1.{c}.{idx}")).unwrap_or(0.0);
        if (5..=24).all(|c| col(c) == 0.0) {
            continue;
        }
        let ifname = rec_text(j, &format!("1.3.6.1.2.1.31.1.1.1.1.{idx}")).unwrap();
        let alarms = j
            .get(&format!("1.3.6.1.4.1.2636.3.60.1.1.1.1.1.{idx}"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let los = alarms
            .get(..2)
            .and_then(|b| u8::from_str_radix(b, 16).ok())
            .is_some_and(|b| b & 0x80 != 0);
        let rx: f64 = rx.parse().unwrap();
        let want = if rx == 0.0 && los { -40.0 } else { rx / 100.0 };
        let l = [("interface", ifname.as_str())];
        close(value(&s, "netgauge_transceiver_receive_power_dbm", &l), want, &ifname);
        close(
            value(&s, "netgauge_transceiver_transmit_power_dbm", &l),
            col(7) / 100.0,
            &ifname,
        );
        close(
            value(&s, "netgauge_transceiver_bias_current_amperes", &l),
            col(6) / 1e6,
            &ifname,
        );
        close(
            value(&s, "netgauge_transceiver_temperature_celsius", &l),
            col(8),
            &ifname,
        );
        modules += 1;
    }
    assert_eq!(modules, 6, "juniper modules with diagnostics");
    assert!(
        s.iter()
            .any(|x| x.name == "netgauge_transceiver_receive_power_dbm" && x.value == -40.0),
        "juniper: a receiver in loss of signal reads no light"
    );

    // Huawei (a real capture's excerpt): 0.01 dBm, mV, mA, thresholds.
    let s = probe("huawei-optics").await;
    let l = [("interface", "GigabitEthernet4/0/1")];
    close(
        value(&s, "netgauge_transceiver_receive_power_dbm", &l),
        -8.01,
        "huawei rx",
    );
    close(
        value(&s, "netgauge_transceiver_transmit_power_dbm", &l),
        -2.27,
        "huawei tx",
    );
    close(
        value(&s, "netgauge_transceiver_temperature_celsius", &l),
        25.0,
        "huawei temp",
    );
    close(
        value(&s, "netgauge_transceiver_supply_voltage_volts", &l),
        3.386,
        "huawei volts",
    );
    close(
        value(&s, "netgauge_transceiver_bias_current_amperes", &l),
        0.030,
        "huawei bias",
    );
    let th = |measure: &str, level: &str| {
        value(
            &s,
            "netgauge_transceiver_threshold",
            &[l[0], ("measure", measure), ("level", level)],
        )
    };
    close(th("receive_power_dbm", "low_alarm"), -16.98, "huawei rx low alarm");
    close(th("receive_power_dbm", "low_warning"), -16.0, "huawei rx low warning");
    close(th("transmit_power_dbm", "high_alarm"), 4.0, "huawei tx high alarm");
    assert_eq!(
        value(&s, "netgauge_transceiver_info", &[l[0], ("module_vendor", "HUAWEI")]),
        Some(1.0)
    );

    // An S5720 whose modules report no diagnostics (−1, −255): identity only.
    let s = probe("huawei-s5720").await;
    assert_eq!(
        value(
            &s,
            "netgauge_transceiver_info",
            &[
                ("interface", "XGigabitEthernet0/0/1"),
                ("part_number", "SPP10ELRIDFPHW")
            ]
        ),
        Some(1.0)
    );
    assert!(!s
        .iter()
        .any(|x| x.name.starts_with("netgauge_transceiver_") && x.name != "netgauge_transceiver_info"));

    // Nexus 5000: CISCO-ENTITY-SENSOR-MIB dBm sensors with four thresholds each.
    let s = probe("cisco-n5000").await;
    let l = [("interface", "Ethernet1/1")];
    close(
        value(&s, "netgauge_transceiver_receive_power_dbm", &l),
        -1.931,
        "n5k rx",
    );
    close(
        value(&s, "netgauge_transceiver_transmit_power_dbm", &l),
        -2.456,
        "n5k tx",
    );
    assert_eq!(
        s.iter().filter(|x| x.name == "netgauge_transceiver_info").count(),
        15,
        "n5k modules: 75 transceiver sensors, five per port"
    );

    // Arista: ENTITY-SENSOR-MIB watts → dBm, identity from the module entity.
    let a = rec("arista-dcs-7150s-52-cl");
    let s = probe("arista-dcs-7150s-52-cl").await;
    let l = [("interface", "Ethernet5")];
    close(
        value(&s, "netgauge_transceiver_transmit_power_dbm", &l),
        10.0 * 0.6015f64.log10(),
        "arista tx",
    );
    close(
        value(&s, "netgauge_transceiver_receive_power_dbm", &l),
        10.0 * 0.4025f64.log10(),
        "arista rx",
    );
    assert_eq!(
        value(
            &s,
            "netgauge_transceiver_info",
            &[l[0], ("part_number", "SFP-10G-SRL"), ("serial", "AMD17460019H")]
        ),
        Some(1.0)
    );
    // Module temperatures are the optics' series, not chassis health.
    let chassis: Vec<&Series> = s.iter().filter(|x| x.name == "netgauge_temperature_celsius").collect();
    assert!(!chassis.is_empty());
    for t in chassis {
        let sensor = &t.labels["sensor"];
        let descr = rec_text(a, &format!("1.3.6.1.2.1.47.1.1.1.1.2.{sensor}")).unwrap_or_default();
        assert!(
            !descr.contains("DOM") && !descr.contains("Xcvr"),
            "{sensor} {descr} is an optic's"
        );
    }
}

/// CISCO-BGP4-MIB, BGP4-V2-MIB-JUNIPER and HUAWEI-BGP-VPN-MIB through a
/// real agent. No recording of a real device has these tables: the
/// `.snmprec` files are hand-built from the MIB definitions by
/// `tests/fixtures/snmprec/make-bgp.py`, whose values this test repeats.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bgp_from_vendor_tables_of_hand_built_recordings() {
    let sim = Sim::start(&["fixtures/cisco-bgp", "fixtures/juniper-bgp", "fixtures/huawei-bgp"]);
    let server = Server::start(&sim.yaml()).await;
    let probe = |name: &'static str| {
        let server = &server;
        async move {
            let (status, body) = server.get(&format!("/probe?target={name}"), &[]).await;
            assert_eq!(status, 200);
            promtool_check(&body);
            parse_exposition(&body)
        }
    };
    let peers = |s: &[Series]| s.iter().filter(|x| x.name == "netgauge_bgp_peer_up").count();

    let s = probe("cisco-bgp").await;
    assert_eq!(peers(&s), 3, "two cbgpPeer2 peers and a BGP4-MIB-only one");
    let v4 = [("peer", "192.0.2.1"), ("vrf", "default")];
    assert_eq!(
        value(
            &s,
            "netgauge_bgp_peer_up",
            &[v4[0], v4[1], ("remote_as", "65001"), ("local_address", "192.0.2.254")]
        ),
        Some(1.0)
    );
    assert_eq!(value(&s, "netgauge_bgp_peer_established_seconds", &v4), Some(3600.0));
    assert_eq!(value(&s, "netgauge_bgp_peer_updates_received_total", &v4), Some(120.0));
    assert_eq!(value(&s, "netgauge_bgp_peer_transitions_total", &v4), Some(2.0));
    let fam = |afi, safi| [v4[0], v4[1], ("afi", afi), ("safi", safi)];
    assert_eq!(
        value(&s, "netgauge_bgp_peer_prefixes_received", &fam("ipv4", "unicast")),
        Some(500.0)
    );
    assert_eq!(
        value(&s, "netgauge_bgp_peer_prefixes_advertised", &fam("ipv4", "unicast")),
        Some(20.0)
    );
    assert_eq!(
        value(&s, "netgauge_bgp_peer_prefixes_received", &fam("ipv4", "vpn")),
        Some(35.0)
    );
    let v6 = [("peer", "2001:db8::2"), ("remote_as", "4200000002")];
    assert_eq!(value(&s, "netgauge_bgp_peer_up", &v6), Some(0.0));
    assert_eq!(value(&s, "netgauge_bgp_peer_state", &v6), Some(3.0));
    assert_eq!(
        value(
            &s,
            "netgauge_bgp_peer_up",
            &[("peer", "2001:db8::2"), ("local_address", "2001:db8::1")]
        ),
        Some(0.0)
    );
    assert_eq!(
        value(&s, "netgauge_bgp_peer_admin_up", &[("peer", "192.0.2.9")]),
        Some(0.0)
    );

    let s = probe("juniper-bgp").await;
    assert_eq!(peers(&s), 2);
    let m = [("peer", "10.0.0.2"), ("vrf", "default")];
    assert_eq!(
        value(
            &s,
            "netgauge_bgp_peer_up",
            &[m[0], m[1], ("remote_as", "65002"), ("local_address", "10.0.0.1")]
        ),
        Some(1.0)
    );
    assert_eq!(value(&s, "netgauge_bgp_peer_established_seconds", &m), Some(86400.0));
    assert_eq!(value(&s, "netgauge_bgp_peer_updates_received_total", &m), Some(1000.0));
    assert_eq!(value(&s, "netgauge_bgp_peer_updates_sent_total", &m), Some(900.0));
    assert_eq!(value(&s, "netgauge_bgp_peer_transitions_total", &m), Some(3.0));
    let fam = [m[0], m[1], ("afi", "ipv4"), ("safi", "unicast")];
    assert_eq!(value(&s, "netgauge_bgp_peer_prefixes_received", &fam), Some(800.0));
    assert_eq!(value(&s, "netgauge_bgp_peer_prefixes_accepted", &fam), Some(750.0));
    assert_eq!(value(&s, "netgauge_bgp_peer_prefixes_advertised", &fam), Some(40.0));
    assert_eq!(
        value(
            &s,
            "netgauge_bgp_peer_state",
            &[("peer", "2001:db8:5::2"), ("vrf", "instance-5")]
        ),
        Some(3.0)
    );

    let s = probe("huawei-bgp").await;
    assert_eq!(peers(&s), 2, "one peer per address, whatever its address families");
    let p = [("peer", "192.0.2.33"), ("vrf", "default")];
    assert_eq!(
        value(&s, "netgauge_bgp_peer_up", &[p[0], p[1], ("remote_as", "65033")]),
        Some(1.0)
    );
    assert_eq!(
        value(&s, "netgauge_bgp_peer_info", &[p[0], ("description", "transit-a")]),
        Some(1.0)
    );
    assert_eq!(value(&s, "netgauge_bgp_peer_established_seconds", &p), Some(7200.0));
    let fam = |safi| [p[0], p[1], ("afi", "ipv4"), ("safi", safi)];
    assert_eq!(
        value(&s, "netgauge_bgp_peer_prefixes_received", &fam("unicast")),
        Some(900000.0)
    );
    assert_eq!(
        value(&s, "netgauge_bgp_peer_prefixes_accepted", &fam("unicast")),
        Some(880000.0)
    );
    assert_eq!(
        value(&s, "netgauge_bgp_peer_prefixes_advertised", &fam("unicast")),
        Some(12.0)
    );
    assert_eq!(
        value(&s, "netgauge_bgp_peer_prefixes_received", &fam("vpn")),
        Some(3000.0)
    );
    assert_eq!(
        value(
            &s,
            "netgauge_bgp_peer_up",
            &[("peer", "198.51.100.2"), ("vrf", "cust-a"), ("remote_as", "64512")]
        ),
        Some(0.0)
    );
}

/// LLDP (Junos, NX-OS, EOS) and CDP (Catalyst, NX-OS) neighbors and the
/// ENTITY-MIB inventory of recordings of real devices: every row of the
/// recording is a series, on the interface the recording's ifName says.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn neighbors_and_inventory_from_recordings_of_real_devices() {
    let names = [
        "network/router/huawei-s5720",
        "network/switch/cisco-n5000",
        "network/switch/cisco-c3560",
        "cloud/arista-dcs-7150s-52-cl",
        "network/router/juniper-mx960-13-3r9-13",
    ];
    let sim = Sim::start(&names);
    let server = Server::start(&sim.yaml()).await;
    let mut with_inventory = Vec::new();
    for (community, rec) in &sim.recordings {
        let (status, body) = server.get(&format!("/probe?target={community}"), &[]).await;
        assert_eq!(status, 200);
        promtool_check(&body);
        let s = parse_exposition(&body);
        let ifname = |i: &str| {
            rec_text(rec, &format!("1.3.6.1.2.1.31.1.1.1.1.{i}"))
                .filter(|n| !n.is_empty())
                .or_else(|| rec_text(rec, &format!("1.3.6.1.2.1.2.2.1.2.{i}")))
                .unwrap()
        };
        let neighbor = |protocol: &str, interface: &str, system: &str| {
            s.iter().any(|x| {
                x.name == "netgauge_neighbor_info"
                    && x.labels["protocol"] == protocol
                    && x.labels["interface"] == interface
                    && x.labels["remote_system"] == system
            })
        };
        // LLDP: lldpRemSysName by (timeMark, localPortNum = ifIndex here, remIndex).
        let lldp = rec_column(rec, "1.0.8802.1.1.2.1.4.1.1.9");
        for (idx, _) in &lldp {
            let port = idx.split('.').nth(1).unwrap();
            let system = rec_text(rec, &format!("1.0.8802.1.1.2.1.4.1.1.9.{idx}")).unwrap();
            assert!(
                neighbor("lldp", &ifname(port), &system),
                "{community}: LLDP {system} on {}",
                ifname(port)
            );
        }
        let cdp = rec_column(rec, "1.3.6.1.4.1.9.9.23.1.2.1.1.6");
        for (idx, _) in &cdp {
            let port = idx.split('.').next().unwrap();
            let system = rec_text(rec, &format!("1.3.6.1.4.1.9.9.23.1.2.1.1.6.{idx}")).unwrap();
            assert!(neighbor("cdp", &ifname(port), &system), "{community}: CDP {system}");
        }
        // Zero, not absent, where the walk found none (huawei-s5720).
        let count = |p: &str| {
            value(&s, "netgauge_neighbors", &[("protocol", p)])
                .unwrap_or_else(|| panic!("{community}: no netgauge_neighbors{{protocol={p}}}")) as usize
        };
        assert_eq!((count("lldp"), count("cdp")), (lldp.len(), cdp.len()), "{community}");
        assert!(
            lldp.len() + cdp.len() > 0 || community == "huawei-s5720",
            "{community} has neighbors"
        );

        // Inventory: every entity of a hardware class, or with a serial or
        // model, except sensors; the chassis serial as recorded.
        let listed: Vec<String> = rec_column(rec, "1.3.6.1.2.1.47.1.1.1.1.5")
            .into_iter()
            .filter(|(i, class)| {
                let has =
                    |c: u32| rec_text(rec, &format!("1.3.6.1.2.1.47.1.1.1.1.{c}.{i}")).is_some_and(|t| !t.is_empty());
                match class.as_str() {
                    "3" | "4" | "6" | "7" | "9" | "11" | "12" | "14" | "15" => true,
                    "8" => false,
                    _ => has(11) || has(13),
                }
            })
            .map(|(i, _)| i)
            .collect();
        let items: Vec<&Series> = s.iter().filter(|x| x.name == "netgauge_inventory_info").collect();
        assert_eq!(items.len(), listed.len(), "{community}");
        for i in &listed {
            let item = items
                .iter()
                .find(|x| &x.labels["entity"] == i)
                .unwrap_or_else(|| panic!("{community}: entity {i}"));
            let serial = rec_text(rec, &format!("1.3.6.1.2.1.47.1.1.1.1.11.{i}")).unwrap_or_default();
            assert_eq!(item.labels["serial"], serial, "{community} entity {i}");
        }
        if !listed.is_empty() {
            assert!(
                items.iter().any(|x| x.labels["class"] == "chassis"),
                "{community}: a chassis"
            );
            assert!(value(&s, "netgauge_inventory_fingerprint", &[]).is_some());
            with_inventory.push(community.clone());
        }

        // The second scrape is served from the caches: no walk of these tables.
        let (_, body) = server.get(&format!("/probe?target={community}"), &[]).await;
        let again = parse_exposition(&body);
        for collector in ["snmp_neighbors", "snmp_inventory"] {
            assert!(
                value(
                    &again,
                    "netgauge_collector_cache_age_seconds",
                    &[("collector", collector)]
                )
                .is_some(),
                "{community}: {collector} cached"
            );
        }
        assert_eq!(
            again.iter().filter(|x| x.name == "netgauge_neighbor_info").count(),
            lldp.len() + cdp.len()
        );
    }
    assert_eq!(
        with_inventory,
        ["huawei-s5720", "cisco-n5000", "cisco-c3560", "arista-dcs-7150s-52-cl"],
        "inventory from three vendors"
    );
}
