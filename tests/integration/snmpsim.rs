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

/// `oid|type|value` lines of a .snmprec file.
fn read_snmprec(path: &Path) -> BTreeMap<String, (String, String)> {
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

fn rec_num(rec: &BTreeMap<String, (String, String)>, oid: &str) -> Option<f64> {
    rec.get(oid).and_then(|(_, v)| v.parse().ok())
}

fn rec_text(rec: &BTreeMap<String, (String, String)>, oid: &str) -> Option<String> {
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
    let data = snmpsim_data_dir();
    let dir = tempfile::tempdir().unwrap();
    // Each recording becomes <community>.snmprec; snmpsim serves it under that community.
    let mut recs = Vec::new();
    for (path, ..) in RECORDINGS {
        let community = path.rsplit('/').next().unwrap();
        let src = data.join(format!("{path}.snmprec.bz2"));
        let dst = dir.path().join(format!("{community}.snmprec"));
        let out = Command::new(require("bzip2")).arg("-dc").arg(&src).output().unwrap();
        assert!(out.status.success(), "decompress {}", src.display());
        std::fs::write(&dst, &out.stdout).unwrap();
        recs.push((community.to_owned(), read_snmprec(&dst)));
    }
    let port = free_udp_port();
    let _sim = Proc(
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
        wait_for_agent(port, &recs[0].0, Duration::from_secs(60)),
        "snmpsim did not come up"
    );

    let mut yaml = String::from("targets:\n");
    for (community, _) in &recs {
        // snmpsim answers at most 64 varbinds per response; its CPU cost per value makes a long timeout wise.
        yaml.push_str(&format!(
            "  - name: {community}\n    address: 127.0.0.1:{port}\n    snmp: {{community: {community}, timeout: 10s, retries: 1, max_repetitions: 50, walk_concurrency: 4}}\n"
        ));
    }
    let server = Server::start(&yaml).await;

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
