//! The shipped monitoring content, end to end on a real stack on loopback:
//! snmpd and a scripted agent → netgauge → Prometheus (with the shipped
//! rules) → Alertmanager (with the shipped config and templates) → local
//! stand-ins for the Telegram Bot API and a Slack webhook. Every dashboard
//! query, variables expanded, must parse and return data.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::fake_agent::{basic_mib, Behaviour, FakeAgent, V};
use crate::harness::*;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A local HTTP endpoint that records every request body and answers what
/// Alertmanager 0.25's Telegram client needs (anything less crashes it).
struct Receiver {
    addr: SocketAddr,
    got: Arc<Mutex<Vec<(String, String)>>>,
}

impl Receiver {
    fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let got = Arc::new(Mutex::new(Vec::new()));
        let got2 = got.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut s) = stream else { continue };
                let got = got2.clone();
                std::thread::spawn(move || {
                    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    // Read the head, then Content-Length bytes of body.
                    let (head_len, body_len) = loop {
                        let Ok(n) = s.read(&mut chunk) else { return };
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..i]).to_ascii_lowercase();
                            let len = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .and_then(|v| v.trim().parse::<usize>().ok())
                                .unwrap_or(0);
                            break (i + 4, len);
                        }
                    };
                    while buf.len() < head_len + body_len {
                        let Ok(n) = s.read(&mut chunk) else { break };
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    let head = String::from_utf8_lossy(&buf[..head_len]).into_owned();
                    let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                    let body = String::from_utf8_lossy(&buf[head_len..]).into_owned();
                    got.lock().unwrap().push((path, body));
                    let reply = r#"{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":-1001234567890,"type":"group"},"text":"x"}}"#;
                    let _ = write!(
                        s,
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
                        reply.len()
                    );
                });
            }
        });
        Receiver { addr, got }
    }

    fn bodies(&self, path_prefix: &str) -> Vec<String> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .filter(|(p, _)| p.starts_with(path_prefix))
            .map(|(_, b)| b.clone())
            .collect()
    }
}

fn free_tcp() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

fn spawn(program: &str, args: &[String]) -> Proc {
    Proc(
        Command::new(require(program))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

fn api(addr: SocketAddr, path: &str) -> serde_json::Value {
    let (status, body) = http_request(addr, "GET", path, &[]);
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

fn query(prom: SocketAddr, expr: &str) -> Vec<serde_json::Value> {
    let q: String = form_urlencoded::byte_serialize(expr.as_bytes()).collect();
    let v = api(prom, &format!("/api/v1/query?query={q}"));
    assert_eq!(v["status"], "success", "{expr}: {v}");
    v["data"]["result"].as_array().cloned().unwrap_or_default()
}

/// A scripted switch: an interface admin up but oper down, with a
/// description (alert material), and an ifTable row with no ifXTable row.
fn switch_mib() -> Vec<(Vec<u32>, V)> {
    let mut m = basic_mib();
    for i in 1..=3u32 {
        m.push((vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 7, i], V::Int(1)));
    }
    m.retain(|(o, _)| o != &vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 8, 3]);
    m.push((vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 8, 3], V::Int(2)));
    m.push((
        vec![1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 18, 3],
        V::Str("uplink to core <r1>"),
    ));
    m.push((vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 2, 4], V::Str("port4")));
    // port1 carries traffic at a known rate: 1 MB/s each way on its 1 Gb/s
    // (0.8%), so the traffic panels and the utilisation alert have data
    // however busy the machine is. (Read off snmpd's lo, they did not: lo
    // is 10 Mb/s to net-snmp, and a loaded test machine's loopback traffic
    // went over the 110% glitch guard.)
    let if_entry = |col: u32| vec![1, 3, 6, 1, 2, 1, 2, 2, 1, col, 1];
    let ifx = |col: u32| vec![1, 3, 6, 1, 2, 1, 31, 1, 1, 1, col, 1];
    m.retain(|(o, _)| o != &ifx(6));
    for (oid, v) in [
        (if_entry(4), V::Int(1500)),
        (if_entry(9), V::Ticks(100)),
        (if_entry(13), V::Counter32(0)),
        (if_entry(14), V::Counter32(0)),
        (if_entry(19), V::Counter32(0)),
        (if_entry(20), V::Counter32(0)),
        (ifx(6), V::Rate(1_000_000)),
        (ifx(7), V::Rate(1_000)),
        (ifx(10), V::Rate(1_000_000)),
        (ifx(11), V::Rate(1_000)),
    ] {
        m.push((oid, v));
    }
    // Health, as a Cisco reports it: CPU (CISCO-PROCESS-MIB), a temperature and a fan (CISCO-ENVMON-MIB).
    m.push((vec![1, 3, 6, 1, 4, 1, 9, 9, 109, 1, 1, 1, 1, 7, 1], V::Gauge32(35)));
    m.push((vec![1, 3, 6, 1, 4, 1, 9, 9, 13, 1, 3, 1, 2, 1], V::Str("inlet")));
    m.push((vec![1, 3, 6, 1, 4, 1, 9, 9, 13, 1, 3, 1, 3, 1], V::Gauge32(31)));
    m.push((vec![1, 3, 6, 1, 4, 1, 9, 9, 13, 1, 4, 1, 2, 1], V::Str("Fan 1")));
    m.push((vec![1, 3, 6, 1, 4, 1, 9, 9, 13, 1, 4, 1, 3, 1], V::Int(1)));
    m.push((vec![1, 3, 6, 1, 4, 1, 9, 9, 13, 1, 5, 1, 2, 1], V::Str("PS 1")));
    m.push((vec![1, 3, 6, 1, 4, 1, 9, 9, 13, 1, 5, 1, 3, 1], V::Int(1)));
    // An SFP+ in port1, as IOS reports it: ENTITY-MIB port ⊃ module ⊃
    // sensors, the port aliased to ifIndex 1, CISCO-ENTITY-SENSOR-MIB
    // readings (dBm and Celsius, precision 1) with four receive thresholds.
    let ent = |col: u32, i: u32| vec![1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1, col, i];
    for (i, parent, class, name) in [
        (1, 0, 3, "Chassis"),
        (1001, 1, 10, "port1"),
        (1002, 1001, 9, "Transceiver port1"),
        (1003, 1002, 8, "port1 Receive Power Sensor"),
        (1004, 1002, 8, "port1 Transmit Power Sensor"),
        (1005, 1002, 8, "port1 Module Temperature Sensor"),
        (1006, 1002, 8, "port1 Bias Current Sensor"),
        (1007, 1002, 8, "port1 Supply Voltage Sensor"),
    ] {
        m.push((ent(4, i), V::Int(parent)));
        m.push((ent(5, i), V::Int(class)));
        m.push((ent(7, i), V::Str(name)));
    }
    // The chassis, for the inventory panels: descr, hardware and software
    // revisions, serial, maker, model.
    for (col, v) in [
        (2, "Fake 4-port switch"),
        (8, "V02"),
        (10, "17.9.4"),
        (11, "FOC2233X0AB"),
        (12, "Cisco"),
        (13, "WS-FAKE-4"),
    ] {
        m.push((ent(col, 1), V::Str(v)));
    }
    m.push((ent(11, 1002), V::Str("FNS17250ABC")));
    m.push((ent(12, 1002), V::Str("CISCO-FINISAR")));
    m.push((ent(13, 1002), V::Str("SFP-10G-SR")));
    m.push((
        vec![1, 3, 6, 1, 2, 1, 47, 1, 3, 2, 1, 2, 1001, 0],
        V::Oid(vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 1, 1]),
    ));
    // (sensor, type, scale, precision, value): −3.2 dBm, −2.1 dBm, 33.4 °C, 6.5 mA, 3.29 V.
    for (i, kind, scale, precision, value) in [
        (1003, 14, 9, 1, -32),
        (1004, 14, 9, 1, -21),
        (1005, 8, 9, 1, 334),
        (1006, 5, 8, 1, 65),
        (1007, 4, 9, 2, 329),
    ] {
        let col = |c: u32| vec![1, 3, 6, 1, 4, 1, 9, 9, 91, 1, 1, 1, 1, c, i];
        m.push((col(1), V::Int(kind)));
        m.push((col(2), V::Int(scale)));
        m.push((col(3), V::Int(precision)));
        m.push((col(4), V::Int(value)));
        m.push((col(5), V::Int(1)));
    }
    for (n, value) in [(1, 20), (2, -10), (3, -99), (4, -139)] {
        m.push((vec![1, 3, 6, 1, 4, 1, 9, 9, 91, 1, 2, 1, 1, 4, 1003, n], V::Int(value)));
    }
    // BGP4-MIB: one session established, one stuck in active.
    for (peer, state, asn) in [([192, 0, 2, 1], 6, 65001), ([192, 0, 2, 2], 3, 65002)] {
        let col = |c: u32| [vec![1, 3, 6, 1, 2, 1, 15, 3, 1, c], peer.to_vec()].concat();
        m.push((col(2), V::Int(state)));
        m.push((col(3), V::Int(2)));
        m.push((col(9), V::Int(asn)));
        m.push((col(10), V::Counter32(42)));
        m.push((col(15), V::Counter32(1)));
        m.push((col(16), V::Gauge32(3600)));
    }
    // CISCO-BGP4-MIB for the established session: the prefix counts per
    // address family BGP4-MIB lacks (the prefixes panel's data).
    let cbgp = [1, 4, 192, 0, 2, 1];
    m.push((
        [&[1, 3, 6, 1, 4, 1, 9, 9, 187, 1, 2, 5, 1, 3][..], &cbgp].concat(),
        V::Int(6),
    ));
    for (col, v) in [(1, 120), (6, 8)] {
        let o = [&[1, 3, 6, 1, 4, 1, 9, 9, 187, 1, 2, 8, 1, col][..], &cbgp, &[1, 1]].concat();
        m.push((o, V::Gauge32(v)));
    }
    // LLDP-MIB: on port1 the harness's snmpd (its sysName, so the target
    // `agent`), on port2 a phone netgauge does not poll. LLDP's local port 1
    // is named by its id (interfaceName), port 2 by its description.
    let loc = |col: u32, port: u32| vec![1, 0, 8802, 1, 1, 2, 1, 3, 7, 1, col, port];
    m.push((loc(2, 1), V::Int(5)));
    m.push((loc(3, 1), V::Str("port1")));
    m.push((loc(2, 2), V::Int(7)));
    m.push((loc(3, 2), V::Str("2")));
    m.push((loc(4, 2), V::Str("port2")));
    // (port, chassis MAC, port id subtype, port id, port description, sysName, sysDescr, capabilities)
    for (port, chassis, port_subtype, port_id, port_desc, name, descr, caps) in [
        (
            1,
            "\x02\x00\x00\x00\x00\x07",
            5,
            "lo",
            "loopback",
            "netgauge-test-agent",
            "Linux netgauge-test-agent",
            "\x09", // router, station
        ),
        (
            2,
            "\x00\x1b\x54\x11\x22\x33",
            7,
            "Port 1",
            "SW PORT",
            "SEP001B54112233",
            "Cisco IP Phone 8845",
            "\x24", // bridge, telephone
        ),
    ] {
        let rem = |col: u32| vec![1, 0, 8802, 1, 1, 2, 1, 4, 1, 1, col, 0, port, port];
        m.push((rem(4), V::Int(4)));
        m.push((rem(5), V::Str(chassis)));
        m.push((rem(6), V::Int(port_subtype)));
        m.push((rem(7), V::Str(port_id)));
        m.push((rem(8), V::Str(port_desc)));
        m.push((rem(9), V::Str(name)));
        m.push((rem(10), V::Str(descr)));
        m.push((rem(12), V::Str(caps)));
    }
    m.sort_by(|a, b| a.0.cmp(&b.0));
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_reach_telegram_and_slack_and_every_dashboard_query_returns_data() {
    let agent = Snmpd::start();
    let switch = FakeAgent::start(switch_mib(), Behaviour::default());
    let hole = BlackHole::new();
    let receiver = Receiver::start();
    // The trap receiver too (its dashboard panels need a trap): the switch
    // traps from 127.0.0.6, the agent from 127.0.0.7.
    let am = free_tcp();
    let trap_port = free_udp_port();
    let netgauge = Server::start(&format!(
        "traps: {{listen: '127.0.0.1:{trap_port}', alertmanager_urls: ['http://{am}']}}\n\
         targets:\n\
         \x20 - name: agent\n    address: 127.0.0.1:{}\n    trap_sources: [127.0.0.7]\n    snmp: {{community: {V2C_COMMUNITY}}}\n\
         \x20 - name: switch\n    address: 127.0.0.1:{}\n    trap_sources: [127.0.0.6]\n    snmp: {{community: public}}\n    \
         thresholds: {{interface_utilisation_ratio: 0.001}}\n\
         \x20 - name: silent\n    address: 127.0.0.1:{}\n    snmp: {{community: x, timeout: 150ms, retries: 1}}\n",
        agent.port, switch.port, hole.port
    ))
    .await;

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The shipped rules, with `for:` durations shortened so the test is quick.
    let rules = std::fs::read_to_string(format!("{ROOT}/alerts/netgauge.rules.yml")).unwrap();
    let rules = ["2m", "5m", "10m", "15m"]
        .iter()
        .fold(rules, |r, f| r.replace(&format!("for: {f}"), "for: 3s"));
    std::fs::write(d.join("rules.yml"), rules).unwrap();
    // The shipped Alertmanager config, pointed at the local stand-ins.
    std::fs::create_dir(d.join("templates")).unwrap();
    std::fs::copy(
        format!("{ROOT}/examples/alertmanager/templates/netgauge.tmpl"),
        d.join("templates/netgauge.tmpl"),
    )
    .unwrap();
    let am_config = std::fs::read_to_string(format!("{ROOT}/examples/alertmanager/alertmanager.yml"))
        .unwrap()
        .replace(
            "slack_api_url_file: /etc/alertmanager/secrets/slack_webhook_url",
            &format!("slack_api_url: http://{}/slack/hook", receiver.addr),
        )
        .replace(
            "      - bot_token:",
            &format!("      - api_url: http://{}\n        bot_token:", receiver.addr),
        )
        .replace("group_wait: 30s", "group_wait: 1s")
        .replace("group_interval: 5m", "group_interval: 2s");
    std::fs::write(d.join("alertmanager.yml"), am_config).unwrap();
    let _am = spawn(
        "prometheus-alertmanager",
        &[
            format!("--config.file={}", d.join("alertmanager.yml").display()),
            format!("--storage.path={}", d.join("am").display()),
            format!("--web.listen-address={am}"),
            "--cluster.listen-address=".into(),
        ],
    );
    let prom = free_tcp();
    std::fs::write(
        d.join("prometheus.yml"),
        format!(
            "global: {{scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}}\n\
             rule_files: [rules.yml]\n\
             alerting: {{alertmanagers: [{{static_configs: [{{targets: ['{am}']}}]}}]}}\n\
             scrape_configs:\n  - job_name: netgauge\n    static_configs: [{{targets: ['{}']}}]\n",
            netgauge.addr
        ),
    )
    .unwrap();
    let _prom = spawn(
        "prometheus",
        &[
            format!("--config.file={}", d.join("prometheus.yml").display()),
            format!("--storage.tsdb.path={}", d.join("tsdb").display()),
            format!("--web.listen-address={prom}"),
        ],
    );

    // A coldStart from the switch (a warning: Slack), for the traps panels.
    let sent = Command::new(require("snmptrap"))
        .args(["-v", "2c", "-c", "public", "--clientaddr=127.0.0.6"])
        .arg(format!("127.0.0.1:{trap_port}"))
        .args(["", ".1.3.6.1.6.3.1.1.5.1"])
        .env("MIBS", "")
        .output()
        .unwrap();
    assert!(sent.status.success());

    // Bounded wait for the three notifications.
    let rx = Arc::new(receiver);
    let rx2 = rx.clone();
    tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        loop {
            let telegram = rx2.bodies("/bot").join("\n");
            let slack = rx2.bodies("/slack/hook").join("\n");
            if telegram.contains("silent is unreachable")
                && telegram.contains("switch port3 is down")
                && slack.contains("switch port1 at")
            {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "notifications missing.\ntelegram: {telegram}\nslack: {slack}"
            );
            std::thread::sleep(Duration::from_millis(500));
        }
    })
    .await
    .unwrap();

    for body in rx.bodies("/bot") {
        let msg: serde_json::Value = serde_json::from_str(&body).unwrap_or_else(|_| {
            // Form-encoded clients: decode text=...
            serde_json::json!({"text": form_urlencoded::parse(body.as_bytes()).find(|(k, _)| k == "text").map(|(_, v)| v.into_owned()).unwrap_or_default(), "parse_mode": "HTML"})
        });
        let text = msg["text"].as_str().unwrap_or_default();
        assert!(
            text.chars().count() <= 4096,
            "Telegram limit: {} chars",
            text.chars().count()
        );
        assert_eq!(msg["parse_mode"], "HTML");
        if text.contains("switch port3 is down") {
            // The interface description, HTML-escaped for Telegram.
            assert!(text.contains("uplink to core &lt;r1&gt;"), "{text}");
            assert!(text.contains("🔴 <b>FIRING</b> <b>switch</b>"), "{text}");
        }
    }
    let slack = rx.bodies("/slack/hook").join("\n");
    // No channel in the payload: the webhook posts to its own channel.
    assert!(!slack.contains("\"channel\""), "{slack}");
    assert!(
        !rx.bodies("/slack/hook").iter().any(|b| b.contains("is unreachable")),
        "critical alerts go to Telegram only"
    );

    // The scripted switch's LLDP rows, each on the interface its local port
    // names (port1 by the port's id, port2 by its description), and its
    // chassis in the inventory.
    let neighbors =
        tokio::task::spawn_blocking(move || query(prom, r#"netgauge_neighbor_info{device="switch", protocol="lldp"}"#))
            .await
            .unwrap();
    let seen: BTreeSet<(String, String)> = neighbors
        .iter()
        .map(|n| (text(&n["metric"]["interface"]), text(&n["metric"]["remote_system"])))
        .collect();
    assert_eq!(
        seen,
        BTreeSet::from([
            ("port1".into(), "netgauge-test-agent".into()),
            ("port2".into(), "SEP001B54112233".into())
        ]),
        "{neighbors:?}"
    );
    let chassis = tokio::task::spawn_blocking(move || {
        query(prom, r#"netgauge_inventory_info{device="switch", class="chassis"}"#)
    })
    .await
    .unwrap();
    assert_eq!(chassis.len(), 1, "{chassis:?}");
    assert_eq!(chassis[0]["metric"]["serial"], "FOC2233X0AB");

    // Every dashboard query, with its variables expanded, returns data;
    // every annotation query parses. All are run, and every query without
    // data is named.
    let mut checked = 0;
    let mut no_data = Vec::new();
    for board in ["fleet", "device", "interface", "exporter", "topology"] {
        let dash: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(Path::new(ROOT).join(format!("dashboards/{board}.json"))).unwrap(),
        )
        .unwrap();
        // Health and interface panels read the scripted Cisco (its port1 has
        // traffic at a known rate); the device dashboard both it and snmpd.
        // The topology board's neighbors and inventory: the scripted switch.
        let (device, interface) = match board {
            "fleet" | "exporter" | "topology" => (".*", ".*"),
            "device" => ("agent|switch", ".*"),
            _ => ("switch", "port1"),
        };
        let expand = |expr: &str| {
            expr.replace("$__rate_interval", "20s")
                .replace("$job", "netgauge")
                .replace("$instance", ".*")
                .replace("$device", device)
                .replace("$interface", interface)
        };
        for annotation in dash["annotations"]["list"].as_array().into_iter().flatten() {
            let expr = expand(annotation["target"]["expr"].as_str().unwrap());
            tokio::task::spawn_blocking(move || query(prom, &expr)).await.unwrap();
        }
        for panel in dash["panels"].as_array().unwrap() {
            for t in panel["targets"].as_array().into_iter().flatten() {
                let expr = expand(t["expr"].as_str().unwrap());
                let result = tokio::task::spawn_blocking({
                    let expr = expr.clone();
                    move || query(prom, &expr)
                })
                .await
                .unwrap();
                if result.is_empty() {
                    no_data.push(format!("{board} / {} / {}:\n{expr}", panel["title"], t["refId"]));
                }
                checked += 1;
            }
        }
    }
    assert!(no_data.is_empty(), "no data for:\n\n{}", no_data.join("\n\n"));
    assert!(checked >= 50, "only {checked} queries checked");
    netgauge.stop().await;
}

#[test]
fn alert_rules_pass_promtool_check_and_their_unit_tests() {
    let check = Command::new(require("promtool"))
        .args(["check", "rules"])
        .arg(format!("{ROOT}/alerts/netgauge.rules.yml"))
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    let test = Command::new(require("promtool"))
        .args(["test", "rules"])
        .arg(format!("{ROOT}/alerts/tests/netgauge.test.yml"))
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&test.stdout),
        String::from_utf8_lossy(&test.stderr)
    );
    assert!(test.status.success() && said.contains("SUCCESS"), "{said}");
}

fn yaml(path: &str) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn text(v: &serde_json::Value) -> String {
    v.as_str().map(str::to_owned).unwrap_or_else(|| v.to_string())
}

/// The shipped rules: alert name -> its rule, and record name -> its expression.
/// The shipped alerts by name (an alert may have one rule per severity,
/// e.g. a warning and a critical level) and the recording rules.
fn shipped_rules() -> (BTreeMap<String, Vec<serde_json::Value>>, BTreeMap<String, String>) {
    let rules = yaml(&format!("{ROOT}/alerts/netgauge.rules.yml"));
    let (mut alerts, mut records) = (BTreeMap::<String, Vec<serde_json::Value>>::new(), BTreeMap::new());
    for rule in rules["groups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_array().unwrap())
    {
        if let Some(name) = rule["alert"].as_str() {
            let levels = alerts.entry(name.to_owned()).or_default();
            assert!(
                !levels
                    .iter()
                    .any(|r| r["labels"]["severity"] == rule["labels"]["severity"]),
                "alert {name} twice with one severity"
            );
            levels.push(rule.clone());
        } else {
            records.insert(text(&rule["record"]), text(&rule["expr"]));
        }
    }
    (alerts, records)
}

/// Every name an expression reads, through the recording rules it uses: a
/// superset of the metrics it reads (functions and labels come along, and
/// never match an input series).
fn names_read(expr: &str, records: &BTreeMap<String, String>, out: &mut BTreeSet<String>) {
    for word in expr.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')) {
        if !word.is_empty() && out.insert(word.to_owned()) {
            if let Some(e) = records.get(word) {
                names_read(e, records, out);
            }
        }
    }
}

/// `name{k="v",...}` as promtool's input_series writes it.
fn parse_series(series: &str) -> (String, BTreeMap<String, String>) {
    let (name, mut rest) = series.split_once('{').unwrap_or((series, "}"));
    let mut labels = BTreeMap::new();
    while let Some((key, value)) = rest.split_once("=\"") {
        let end = value
            .find('"')
            .unwrap_or_else(|| panic!("unterminated value in {series}"));
        assert!(
            !value[..end].ends_with('\\'),
            "escaped quote in {series}: not parsed here"
        );
        labels.insert(key.trim_start_matches(',').trim().to_owned(), value[..end].to_owned());
        rest = &value[end + 1..];
    }
    (name.trim().to_owned(), labels)
}

#[test]
fn every_alert_has_a_promtool_case_where_it_fires_and_an_input_series_where_it_must_not() {
    // Firing: an alert_rule_test expecting alerts. Not firing, counted the
    // same way for every alert: an input series the alert reads (directly or
    // through a recording rule) that matches none of the alerts an
    // alert_rule_test of its group expects (promtool requires the exact
    // set, so that series is proven not to alert). `exp_alerts: []` makes
    // every series it reads such a case.
    let (alerts, records) = shipped_rules();
    let mut fires = BTreeSet::new();
    let mut holds_back = BTreeSet::new();
    let mut files: Vec<_> = std::fs::read_dir(format!("{ROOT}/alerts/tests"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yml"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for file in &files {
        let doc = yaml(file.to_str().unwrap());
        for case in doc["tests"].as_array().unwrap() {
            let series: Vec<_> = case["input_series"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| parse_series(&text(&s["series"])))
                .collect();
            for check in case["alert_rule_test"].as_array().into_iter().flatten() {
                let name = text(&check["alertname"]);
                let Some(rules) = alerts.get(&name) else { continue };
                let expected: Vec<BTreeMap<String, String>> = check["exp_alerts"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| {
                        let labels = a["exp_labels"].as_object().cloned().unwrap_or_default();
                        labels.iter().map(|(k, v)| (k.clone(), text(v))).collect()
                    })
                    .collect();
                if !expected.is_empty() {
                    fires.insert(name.clone());
                }
                let mut read = BTreeSet::new();
                for rule in rules {
                    names_read(&text(&rule["expr"]), &records, &mut read);
                }
                // A series matches an expected alert when every label they share agrees.
                let matches = |labels: &BTreeMap<String, String>, alert: &BTreeMap<String, String>| {
                    labels.iter().all(|(k, v)| alert.get(k).is_none_or(|a| a == v))
                };
                if series
                    .iter()
                    .filter(|(metric, _)| read.contains(metric))
                    .any(|(_, labels)| !expected.iter().any(|alert| matches(labels, alert)))
                {
                    holds_back.insert(name);
                }
            }
        }
    }
    let no_firing: Vec<_> = alerts.keys().filter(|a| !fires.contains(*a)).collect();
    let no_quiet: Vec<_> = alerts.keys().filter(|a| !holds_back.contains(*a)).collect();
    assert!(
        no_firing.is_empty() && no_quiet.is_empty(),
        "alerts/tests: no case where it fires: {no_firing:?}; \
         no input series that must not alert: {no_quiet:?}"
    );
}

#[test]
fn alerts_readme_lists_exactly_the_alerts_in_the_rules() {
    let (alerts, _) = shipped_rules();
    let readme = std::fs::read_to_string(format!("{ROOT}/alerts/README.md")).unwrap();
    // The table whose header starts `| alert | severity |`: name -> severity.
    let mut listed = BTreeMap::new();
    let rows = readme
        .lines()
        .skip_while(|l| !l.starts_with("| alert | severity |"))
        .skip(2);
    for row in rows.take_while(|l| l.starts_with('|')) {
        let cells: Vec<&str> = row.split('|').map(|c| c.trim().trim_matches('`')).collect();
        assert!(
            listed.insert(cells[1].to_owned(), cells[2].to_owned()).is_none(),
            "alerts/README.md lists {} twice",
            cells[1]
        );
    }
    let missing: Vec<_> = alerts.keys().filter(|a| !listed.contains_key(*a)).collect();
    let extra: Vec<_> = listed.keys().filter(|a| !alerts.contains_key(*a)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "alerts/README.md's table disagrees with alerts/netgauge.rules.yml: \
         missing from the README: {missing:?}; in the README but not in the rules: {extra:?}"
    );
    // An alert with a level per severity lists them lowest first: "warning, critical".
    for (name, severity) in &listed {
        let mut levels: Vec<String> = alerts[name].iter().map(|r| text(&r["labels"]["severity"])).collect();
        levels.sort_by_key(|l| ["info", "warning", "critical"].iter().position(|x| x == l));
        assert_eq!(severity, &levels.join(", "), "alerts/README.md: severity of {name}");
    }
}

#[test]
fn alertmanager_config_checks_routes_and_templates() {
    let config = format!("{ROOT}/examples/alertmanager/alertmanager.yml");
    let out = Command::new(require("amtool"))
        .arg("check-config")
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    for (labels, receiver) in [
        ("severity=critical device=sw1", "telegram"),
        ("severity=warning device=sw1 interface=Gi0/1", "slack"),
        ("severity=info device=sw1", "slack"),
        ("alertname=Unlabelled", "slack"),
    ] {
        let out = Command::new(require("amtool"))
            .args([
                "config",
                "routes",
                "test",
                "--config.file",
                &config,
                "--verify.receivers",
                receiver,
            ])
            .args(labels.split(' '))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{labels} should route to {receiver}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    for template in [
        "netgauge.telegram.message",
        "netgauge.slack.title",
        "netgauge.slack.text",
        "netgauge.slack.color",
    ] {
        let out = Command::new(require("amtool"))
            .args([
                "template",
                "render",
                &format!("--template.glob={ROOT}/examples/alertmanager/templates/*.tmpl"),
            ])
            .arg(format!("--template.text={{{{ template \"{template}\" . }}}}"))
            .output()
            .unwrap();
        assert!(
            out.status.success() && !out.stdout.is_empty(),
            "{template}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn dashboards_are_generated_current_and_follow_the_rules() {
    let out = Command::new("python3")
        .arg(format!("{ROOT}/dashboards/generate.py"))
        .arg("--check")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
    let mut uids = std::collections::HashSet::new();
    for board in ["fleet", "device", "interface", "exporter", "topology"] {
        let text = std::fs::read_to_string(format!("{ROOT}/dashboards/{board}.json")).unwrap();
        let d: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert!(uids.insert(d["uid"].as_str().unwrap().to_owned()));
        let vars: Vec<&str> = d["templating"]["list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["name"].as_str().unwrap())
            .collect();
        assert!(
            vars.contains(&"datasource") && vars.contains(&"job"),
            "{board}: {vars:?}"
        );
        // Annotations: on the board's data source, in the current form
        // (target) and the one older Grafanas read (expr, step), the same.
        for a in d["annotations"]["list"].as_array().unwrap() {
            assert_eq!(a["datasource"]["uid"], "${datasource}", "{board}: {a}");
            assert_eq!(a["target"]["datasource"]["uid"], "${datasource}", "{board}: {a}");
            assert_eq!(a["target"]["expr"], a["expr"], "{board}: {a}");
            assert_eq!(a["target"]["interval"], a["step"], "{board}: {a}");
        }
        for p in d["panels"].as_array().unwrap() {
            let kind = p["type"].as_str().unwrap();
            assert!(
                !["graph", "singlestat", "table-old"].contains(&kind),
                "{board}: deprecated panel type {kind}"
            );
            // The Node Graph panel tells nodes from edges by field names
            // (`source`), and also accepts frames by refId: one instant table
            // each, refIds `nodes` and `edges`.
            if kind == "nodeGraph" {
                let targets = p["targets"].as_array().unwrap();
                let refs: Vec<&str> = targets.iter().map(|t| t["refId"].as_str().unwrap()).collect();
                assert_eq!(refs, ["nodes", "edges"], "{board} / {}", p["title"]);
                for t in targets {
                    assert!(
                        t["instant"] == true && t["format"] == "table",
                        "{board} / {}",
                        p["title"]
                    );
                }
            }
            for t in p["targets"].as_array().into_iter().flatten() {
                let expr = t["expr"].as_str().unwrap();
                if expr.contains("rate(") {
                    assert!(
                        expr.contains("[$__rate_interval]"),
                        "{board} / {}: rate without $__rate_interval",
                        p["title"]
                    );
                }
                assert_eq!(t["datasource"]["uid"], "${datasource}");
            }
        }
    }
}

/// Regression: the fleet board's "Top 10 interfaces by utilisation" joined
/// receive and transmit with `or` on identical label sets, so transmit was
/// dropped and an interface busy only outbound ranked at 0. Evaluated by
/// promtool on an interface that only transmits (800 kb/s on 8 Mb/s).
#[test]
fn fleet_top_utilisation_counts_transmit_traffic() {
    let dash: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{ROOT}/dashboards/fleet.json")).unwrap()).unwrap();
    let expr = dash["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["title"] == "Top 10 interfaces by utilisation")
        .expect("the panel")["targets"][0]["expr"]
        .as_str()
        .unwrap()
        .replace("$__rate_interval", "5m")
        .replace("$job", ".*")
        .replace("$instance", ".*")
        .replace("$device", ".*");
    let labels = r#"{device="d",interface="i",instance="x",job="netgauge"}"#;
    let test = serde_json::json!({
        "rule_files": [],
        "evaluation_interval": "1m",
        "tests": [{
            "interval": "1m",
            "input_series": [
                {"series": format!("netgauge_interface_receive_bytes_total{labels}"), "values": "0+0x10"},
                {"series": format!("netgauge_interface_transmit_bytes_total{labels}"), "values": "0+6000000x10"},
                {"series": format!("netgauge_interface_speed_bytes{labels}"), "values": "1000000x10"},
            ],
            "promql_expr_test": [{
                "expr": expr,
                "eval_time": "10m",
                "exp_samples": [{"labels": r#"{device="d",interface="i"}"#, "value": 0.1}],
            }],
        }],
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("test.yml");
    std::fs::write(&file, serde_json::to_string(&test).unwrap()).unwrap();
    let out = Command::new(require("promtool"))
        .args(["test", "rules"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}\n{expr}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
