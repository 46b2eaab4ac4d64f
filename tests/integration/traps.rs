//! The trap receiver against real senders (net-snmp's `snmptrap` and
//! `snmpinform`) and a real Alertmanager: alerts appear with the polled
//! series' labels, and resolve by linkUp, by a poll, and by ttl; strangers
//! and wrong credentials raise nothing; state survives a restart and an
//! Alertmanager outage.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::fake_agent::{basic_mib, Behaviour, FakeAgent, V};
use crate::harness::*;

const COMMUNITY: &str = "trap-community";
const LINK_DOWN: &str = ".1.3.6.1.6.3.1.1.5.3";
const LINK_UP: &str = ".1.3.6.1.6.3.1.1.5.4";
const COLD_START: &str = ".1.3.6.1.6.3.1.1.5.1";
const IF_INDEX: &str = ".1.3.6.1.2.1.2.2.1.1";

fn free_tcp() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap()
}

/// Polls `cond` every 50 ms; fails the test after `within`.
fn wait_for(what: &str, within: Duration, mut cond: impl FnMut() -> bool) {
    let started = Instant::now();
    while !cond() {
        assert!(started.elapsed() < within, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A switch whose port2 is described ("uplink to core") and oper-up.
fn switch() -> FakeAgent {
    let mut mib = basic_mib();
    mib.push((vec![1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 18, 2], V::Str("uplink to core")));
    for i in 1..=3u32 {
        mib.push((vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 1, i], V::Int(i64::from(i))));
        mib.push((vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 7, i], V::Int(1)));
    }
    mib.sort_by(|a, b| a.0.cmp(&b.0));
    FakeAgent::start(mib, Behaviour::default())
}

struct Setup {
    netgauge: Netgauge,
    trap_port: u16,
    dir: tempfile::TempDir,
}

impl Setup {
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("netgauge.log")).unwrap_or_default()
    }

    fn metric(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        let (_, body) = http_request(self.netgauge.addr(), "GET", "/metrics/exporter", &[]);
        value(&parse_exposition(&body), name, labels).unwrap_or(0.0)
    }

    fn restart(&mut self) {
        let config = self.dir.path().join("netgauge.yml");
        let log = self.dir.path().join("netgauge.log");
        // Killed, not stopped: the state file must already hold what
        // matters. Killed first: the new process binds the same trap port.
        let _ = Command::new("kill")
            .args(["-KILL", &self.netgauge.pid.to_string()])
            .status();
        let socket = std::net::SocketAddr::from(([127, 0, 0, 1], self.trap_port));
        wait_for(
            "the killed netgauge to free the trap port",
            Duration::from_secs(10),
            || std::net::UdpSocket::bind(socket).is_ok(),
        );
        self.netgauge = Netgauge::spawn_logging(&[format!("--config.file={}", config.display())], Some(&log));
    }
}

/// netgauge with `targets` and a `traps:` section sending to `am`.
fn start(targets: &str, traps_extra: &str, am: SocketAddr) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let trap_port = free_udp_port();
    let config = dir.path().join("netgauge.yml");
    std::fs::write(
        &config,
        format!(
            "traps:\n  listen: 127.0.0.1:{trap_port}\n  alertmanager_urls: [http://{am}]\n  resend_interval: 2s\n{traps_extra}targets:\n{targets}"
        ),
    )
    .unwrap();
    let log = dir.path().join("netgauge.log");
    let netgauge = Netgauge::spawn_logging(&[format!("--config.file={}", config.display())], Some(&log));
    Setup {
        netgauge,
        trap_port,
        dir,
    }
}

fn switch_target(agent: &FakeAgent) -> String {
    format!("  - name: sw1\n    address: 127.0.0.1:{}\n    labels: {{site: lab}}\n    snmp: {{community: {COMMUNITY}, timeout: 500ms, retries: 1}}\n", agent.port)
}

/// Runs a net-snmp sender; returns whether it exited 0 (for snmpinform:
/// the inform was acknowledged).
fn send(program: &str, args: &[&str]) -> bool {
    let out = Command::new(require(program))
        .args(args)
        // Numeric OIDs only: no MIB files needed, none read.
        .env("MIBS", "")
        .env("MIBDIRS", "/nonexistent")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    out.status.success()
}

fn trap_v2c(port: u16, community: &str, from: &str, trap: &str, if_index: Option<u32>) -> bool {
    let dest = format!("127.0.0.1:{port}");
    let client = format!("--clientaddr={from}");
    let mut args = vec!["-v", "2c", "-c", community, client.as_str(), dest.as_str(), "", trap];
    let vb;
    let val;
    if let Some(i) = if_index {
        vb = format!("{IF_INDEX}.{i}");
        val = i.to_string();
        args.extend([vb.as_str(), "i", val.as_str()]);
    }
    send("snmptrap", &args)
}

#[test]
fn a_linkdown_trap_is_an_alert_with_the_polled_labels_and_linkup_resolves_it() {
    let am = Alertmanager::start(free_tcp());
    let agent = switch();
    let s = start(&switch_target(&agent), "", am.addr);
    assert!(trap_v2c(s.trap_port, COMMUNITY, "127.0.0.1", LINK_DOWN, Some(2)));
    wait_for("the linkDown alert", Duration::from_secs(20), || {
        !am.named("NetgaugeTrapLinkDown").is_empty()
    });
    let a = &am.named("NetgaugeTrapLinkDown")[0];
    let labels = &a["labels"];
    assert_eq!(labels["device"], "sw1", "{a}\n{}", s.log());
    // The same interface label as the polled series: the on-demand poll named ifIndex 2.
    assert_eq!(labels["interface"], "port2", "{a}");
    assert_eq!(labels["source"], "trap");
    assert_eq!(labels["severity"], "critical");
    assert_eq!(labels["site"], "lab", "the target's own labels are copied");
    assert_eq!(a["annotations"]["description"], "uplink to core");
    assert!(a["annotations"]["varbinds"]
        .as_str()
        .unwrap()
        .contains("1.3.6.1.2.1.2.2.1.1.2 = 2"));
    assert_eq!(
        s.metric(
            "netgauge_traps_received_total",
            &[("device", "sw1"), ("trap", "linkDown")]
        ),
        1.0
    );
    assert_eq!(s.metric("netgauge_trap_alerts_active", &[]), 1.0);

    assert!(trap_v2c(s.trap_port, COMMUNITY, "127.0.0.1", LINK_UP, Some(2)));
    wait_for("linkUp to resolve the alert", Duration::from_secs(20), || {
        am.named("NetgaugeTrapLinkDown").is_empty()
    });
    assert_eq!(s.metric("netgauge_trap_alerts_active", &[]), 0.0);
}

#[test]
fn a_flapping_port_stays_one_alert_that_counts_its_flaps() {
    let am = Alertmanager::start(free_tcp());
    let agent = switch();
    let s = start(&switch_target(&agent), "", am.addr);
    for _ in 0..3 {
        assert!(trap_v2c(s.trap_port, COMMUNITY, "127.0.0.1", LINK_DOWN, Some(2)));
        assert!(trap_v2c(s.trap_port, COMMUNITY, "127.0.0.1", LINK_UP, Some(2)));
    }
    assert!(trap_v2c(s.trap_port, COMMUNITY, "127.0.0.1", LINK_DOWN, Some(2)));
    wait_for("four down transitions", Duration::from_secs(20), || {
        s.metric(
            "netgauge_traps_received_total",
            &[("device", "sw1"), ("trap", "linkDown")],
        ) == 4.0
    });
    wait_for("the alert with its flap count", Duration::from_secs(20), || {
        let a = am.named("NetgaugeTrapLinkDown");
        a.len() == 1 && a[0]["annotations"]["flaps"] == "4"
    });
}

#[test]
fn v3_traps_and_acknowledged_informs_raise_alerts_and_v1_traps_are_translated() {
    let am = Alertmanager::start(free_tcp());
    let targets = "  - name: r1\n    address: 127.0.0.1\n    snmp: {version: 3, username: trapuser, security_level: authPriv, password: auth-pass-1, auth_protocol: SHA, priv_password: priv-pass-1, priv_protocol: AES, timeout: 200ms, retries: 0}\n";
    let s = start(targets, "  community: v1-community\n", am.addr);
    let dest = format!("127.0.0.1:{}", s.trap_port);
    let v3 = [
        "-v",
        "3",
        "-u",
        "trapuser",
        "-l",
        "authPriv",
        "-a",
        "SHA",
        "-A",
        "auth-pass-1",
        "-x",
        "AES",
        "-X",
        "priv-pass-1",
    ];
    // An inform: snmpinform exits 0 only once netgauge's signed Response arrived.
    let mut args = v3.to_vec();
    args.extend(["-t", "3", "-r", "1", dest.as_str(), "", COLD_START]);
    assert!(
        send("snmpinform", &args),
        "the v3 inform was not acknowledged\n{}",
        s.log()
    );
    // A trap: the sender is the authoritative engine (its own engine ID).
    let mut args = v3.to_vec();
    args.extend(["-e", "0x8000000001020304", dest.as_str(), "", ".1.3.6.1.6.3.1.1.5.2"]);
    assert!(send("snmptrap", &args));
    // SNMPv1, enterprise-specific: Cisco config-man event (9.9.43.2 specific 1), with traps.community.
    assert!(send(
        "snmptrap",
        &[
            "-v",
            "1",
            "-c",
            "v1-community",
            dest.as_str(),
            ".1.3.6.1.4.1.9.9.43.2",
            "127.0.0.1",
            "6",
            "1",
            ""
        ]
    ));
    wait_for("three alerts", Duration::from_secs(20), || {
        [
            "NetgaugeTrapColdStart",
            "NetgaugeTrapWarmStart",
            "NetgaugeTrapConfigChange",
        ]
        .iter()
        .all(|n| !am.named(n).is_empty())
    });
    assert_eq!(am.named("NetgaugeTrapColdStart")[0]["labels"]["device"], "r1");
}

#[test]
fn strangers_wrong_credentials_and_garbage_raise_nothing_and_are_counted() {
    let am = Alertmanager::start(free_tcp());
    let agent = switch();
    let mut targets = switch_target(&agent);
    targets.push_str("  - name: r3\n    address: 127.0.0.4\n    snmp: {version: 3, username: trapuser, security_level: authPriv, password: auth-pass-1, auth_protocol: SHA, priv_password: priv-pass-1, priv_protocol: AES}\n");
    let s = start(&targets, "", am.addr);
    let dest = format!("127.0.0.1:{}", s.trap_port);
    assert!(
        trap_v2c(s.trap_port, COMMUNITY, "127.0.0.3", COLD_START, None),
        "a stranger"
    );
    assert!(
        trap_v2c(s.trap_port, "guessed", "127.0.0.1", COLD_START, None),
        "a wrong community"
    );
    let acked = send(
        "snmpinform",
        &[
            "-v",
            "3",
            "-u",
            "trapuser",
            "-l",
            "authPriv",
            "-a",
            "SHA",
            "-A",
            "wrong-pass-1",
            "-x",
            "AES",
            "-X",
            "priv-pass-1",
            "--clientaddr=127.0.0.4",
            "-t",
            "1",
            "-r",
            "0",
            dest.as_str(),
            "",
            COLD_START,
        ],
    );
    assert!(!acked, "an inform with the wrong password was acknowledged");
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    for junk in [
        &b"\x00\x01not snmp"[..],
        b"\x30\x84\x7f\xff\xff\xff",
        b"\x30\x03\x02\x01\x09",
    ] {
        sock.send_to(junk, ("127.0.0.1", s.trap_port)).unwrap();
    }
    wait_for("the drops to be counted", Duration::from_secs(10), || {
        s.metric("netgauge_traps_dropped_total", &[("reason", "unknown_source")]) >= 1.0
            && s.metric("netgauge_traps_dropped_total", &[("reason", "auth_failure")]) >= 2.0
            && s.metric("netgauge_traps_dropped_total", &[("reason", "decode_error")]) >= 3.0
    });
    std::thread::sleep(Duration::from_secs(2));
    assert!(am.alerts().is_empty(), "{:?}", am.alerts());
    assert!(
        !s.log().contains("wrong-pass-1") && !s.log().contains(COMMUNITY),
        "a secret was logged"
    );
}

#[test]
fn a_lost_linkup_is_resolved_by_the_next_poll_that_sees_the_port_up() {
    let am = Alertmanager::start(free_tcp());
    let agent = switch();
    let s = start(&switch_target(&agent), "", am.addr);
    // port2 is oper-up on the agent: the trap says down, the next poll says up.
    assert!(trap_v2c(s.trap_port, COMMUNITY, "127.0.0.1", LINK_DOWN, Some(2)));
    wait_for("the linkDown alert", Duration::from_secs(20), || {
        !am.named("NetgaugeTrapLinkDown").is_empty()
    });
    std::thread::sleep(Duration::from_millis(1100));
    let (status, _) = http_request(s.netgauge.addr(), "GET", "/probe?target=sw1", &[]);
    assert_eq!(status, 200);
    wait_for("the poll to resolve the alert", Duration::from_secs(20), || {
        am.named("NetgaugeTrapLinkDown").is_empty()
    });
}

#[test]
fn an_alert_without_a_clearing_trap_resolves_at_its_ttl() {
    let am = Alertmanager::start(free_tcp());
    let agent = switch();
    let s = start(&switch_target(&agent), "  ttl: 2s\n", am.addr);
    assert!(trap_v2c(s.trap_port, COMMUNITY, "127.0.0.1", COLD_START, None));
    wait_for("the coldStart alert", Duration::from_secs(20), || {
        !am.named("NetgaugeTrapColdStart").is_empty()
    });
    wait_for("the ttl to resolve it", Duration::from_secs(20), || {
        am.named("NetgaugeTrapColdStart").is_empty()
    });
}

#[test]
fn an_active_alert_survives_a_restart_and_an_alertmanager_outage() {
    let am_addr = free_tcp();
    let agent = switch();
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("traps.json");
    let mut s = start(
        &switch_target(&agent),
        &format!("  state_file: {}\n", state.display()),
        am_addr,
    );
    // Alertmanager is down: the alert is kept and retried.
    assert!(trap_v2c(s.trap_port, COMMUNITY, "127.0.0.1", LINK_DOWN, Some(2)));
    wait_for("a failed delivery", Duration::from_secs(20), || {
        s.metric("netgauge_alertmanager_requests_total", &[("result", "failure")]) >= 1.0
    });
    wait_for("the state file", Duration::from_secs(10), || {
        std::fs::read_to_string(&state).is_ok_and(|t| t.contains("NetgaugeTrapLinkDown"))
    });
    s.restart();
    assert_eq!(
        s.metric("netgauge_trap_alerts_active", &[]),
        1.0,
        "the alert was not restored\n{}",
        s.log()
    );
    let am = Alertmanager::start(am_addr);
    wait_for("the alert after the outage", Duration::from_secs(30), || {
        am.named("NetgaugeTrapLinkDown")
            .first()
            .is_some_and(|a| a["labels"]["interface"] == "port2")
    });
    let _ = Path::new(&state);
}

/// POSTs alerts straight to Alertmanager, as Prometheus would for the polled rules.
fn post_alerts(am: SocketAddr, alerts: &serde_json::Value) {
    use std::io::{Read, Write};
    let body = alerts.to_string();
    let mut s = std::net::TcpStream::connect(am).unwrap();
    write!(
        s,
        "POST /api/v2/alerts HTTP/1.1\r\nHost: {am}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
}

/// The shipped Alertmanager config, its templates beside it and its secret
/// files replaced by values that go nowhere.
fn shipped_alertmanager(addr: SocketAddr) -> Alertmanager {
    let dir = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    std::fs::create_dir(dir.path().join("templates")).unwrap();
    std::fs::copy(
        format!("{root}/examples/alertmanager/templates/netgauge.tmpl"),
        dir.path().join("templates/netgauge.tmpl"),
    )
    .unwrap();
    let config = std::fs::read_to_string(format!("{root}/examples/alertmanager/alertmanager.yml"))
        .unwrap()
        .replace(
            "slack_api_url_file: /etc/alertmanager/secrets/slack_webhook_url",
            "slack_api_url: http://127.0.0.1:9/slack",
        )
        .replace(
            "      - bot_token:",
            "      - api_url: http://127.0.0.1:9\n        bot_token:",
        );
    std::fs::write(dir.path().join("alertmanager.yml"), config).unwrap();
    Alertmanager::run(addr, dir)
}

fn inhibited(am: &Alertmanager, alertname: &str) -> bool {
    am.named(alertname)
        .first()
        .is_some_and(|a| a["status"]["inhibitedBy"].as_array().is_some_and(|v| !v.is_empty()))
}

#[test]
fn a_trap_alert_inhibits_the_polled_alert_of_the_same_kind_and_device_down_inhibits_trap_alerts() {
    let am = shipped_alertmanager(free_tcp());
    let agent = switch();
    let s = start(&switch_target(&agent), "", am.addr);
    assert!(trap_v2c(s.trap_port, COMMUNITY, "127.0.0.1", LINK_DOWN, Some(2)));
    assert!(trap_v2c(s.trap_port, COMMUNITY, "127.0.0.1", COLD_START, None));
    wait_for("the trap alerts", Duration::from_secs(20), || {
        !am.named("NetgaugeTrapLinkDown").is_empty() && !am.named("NetgaugeTrapColdStart").is_empty()
    });
    // What Prometheus sends for the shipped polled rules, a scrape later.
    let polled = |name: &str, extra: serde_json::Value| {
        let mut labels = serde_json::json!({"alertname": name, "device": "sw1", "severity": "critical", "job": "netgauge", "instance": "x:9742"});
        for (k, v) in extra.as_object().unwrap() {
            labels[k] = v.clone();
        }
        serde_json::json!({"labels": labels})
    };
    post_alerts(
        am.addr,
        &serde_json::json!([
            polled("NetgaugeInterfaceDown", serde_json::json!({"interface": "port2"})),
            polled("NetgaugeInterfaceDown", serde_json::json!({"interface": "port3"})),
            polled("NetgaugeDeviceRebooted", serde_json::json!({})),
        ]),
    );
    wait_for("the polled alerts", Duration::from_secs(10), || {
        am.named("NetgaugeInterfaceDown").len() == 2
    });
    let port = |p: &str| {
        am.named("NetgaugeInterfaceDown")
            .into_iter()
            .find(|a| a["labels"]["interface"] == p)
            .map(|a| !a["status"]["inhibitedBy"].as_array().unwrap().is_empty())
    };
    assert_eq!(port("port2"), Some(true), "the trap's interface is one page, not two");
    assert_eq!(port("port3"), Some(false), "another interface still pages");
    assert!(inhibited(&am, "NetgaugeDeviceRebooted"));
    assert!(!inhibited(&am, "NetgaugeTrapLinkDown"));
    post_alerts(
        am.addr,
        &serde_json::json!([polled("NetgaugeDeviceDown", serde_json::json!({}))]),
    );
    wait_for(
        "device down to inhibit the trap alerts",
        Duration::from_secs(10),
        || inhibited(&am, "NetgaugeTrapLinkDown") && inhibited(&am, "NetgaugeTrapColdStart"),
    );
}

#[test]
fn a_linkdown_on_an_undescribed_port_is_counted_but_does_not_page() {
    let am = Alertmanager::start(free_tcp());
    let agent = switch();
    let s = start(&switch_target(&agent), "", am.addr);
    // port1 has no ifAlias; port2 does.
    assert!(trap_v2c(s.trap_port, COMMUNITY, "127.0.0.1", LINK_DOWN, Some(1)));
    assert!(trap_v2c(s.trap_port, COMMUNITY, "127.0.0.1", LINK_DOWN, Some(2)));
    wait_for("the described port's alert", Duration::from_secs(20), || {
        !am.named("NetgaugeTrapLinkDown").is_empty()
    });
    let alerts = am.named("NetgaugeTrapLinkDown");
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0]["labels"]["interface"], "port2");
    assert_eq!(
        s.metric(
            "netgauge_traps_received_total",
            &[("device", "sw1"), ("trap", "linkDown")]
        ),
        2.0
    );
}

#[test]
fn a_reload_that_adds_traps_starts_the_receiver_and_keeps_firing_alerts_across_later_reloads() {
    let am = Alertmanager::start(free_tcp());
    let agent = switch();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("netgauge.yml");
    let targets = switch_target(&agent);
    std::fs::write(&config, format!("targets:\n{targets}")).unwrap();
    let log = dir.path().join("netgauge.log");
    let netgauge = Netgauge::spawn_logging(
        &[
            format!("--config.file={}", config.display()),
            "--web.enable-lifecycle".into(),
        ],
        Some(&log),
    );
    let trap_port = free_udp_port();
    let traps = format!(
        "traps:\n  listen: 127.0.0.1:{trap_port}\n  alertmanager_urls: [http://{}]\n",
        am.addr
    );
    std::fs::write(&config, format!("{traps}targets:\n{targets}")).unwrap();
    assert_eq!(http_request(netgauge.addr(), "POST", "/-/reload", &[]).0, 200);
    wait_for("the receiver to take a trap", Duration::from_secs(20), || {
        trap_v2c(trap_port, COMMUNITY, "127.0.0.1", COLD_START, None);
        !am.named("NetgaugeTrapColdStart").is_empty()
    });
    // Another reload (a label changes): the firing alert is kept, not re-raised or lost.
    std::fs::write(
        &config,
        format!("{traps}targets:\n{}", targets.replace("site: lab", "site: lab2")),
    )
    .unwrap();
    assert_eq!(http_request(netgauge.addr(), "POST", "/-/reload", &[]).0, 200);
    let (_, body) = http_request(netgauge.addr(), "GET", "/metrics/exporter", &[]);
    assert_eq!(
        value(&parse_exposition(&body), "netgauge_trap_alerts_active", &[]),
        Some(1.0),
        "{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}

#[test]
fn a_relay_forwards_for_the_agent_named_inside_and_no_one_else_can_claim_a_target() {
    let am = Alertmanager::start(free_tcp());
    let targets = "  - name: edge\n    address: 192.0.2.77\n    snmp: {community: relayed}\n";
    let s = start(targets, "  relays: [127.0.0.8]\n", am.addr);
    let dest = format!("127.0.0.1:{}", s.trap_port);
    // SNMPv1 from the relay, carrying the device's address as agent-addr.
    assert!(send(
        "snmptrap",
        &[
            "-v",
            "1",
            "-c",
            "relayed",
            "--clientaddr=127.0.0.8",
            dest.as_str(),
            "",
            "192.0.2.77",
            "0",
            "0",
            ""
        ]
    ));
    // The same claim from an address that is not a relay counts for nothing.
    assert!(send(
        "snmptrap",
        &[
            "-v",
            "1",
            "-c",
            "relayed",
            "--clientaddr=127.0.0.9",
            dest.as_str(),
            "",
            "192.0.2.77",
            "1",
            "0",
            ""
        ]
    ));
    wait_for("the relayed coldStart", Duration::from_secs(20), || {
        am.named("NetgaugeTrapColdStart")
            .first()
            .is_some_and(|a| a["labels"]["device"] == "edge")
    });
    wait_for("the impostor to be counted", Duration::from_secs(10), || {
        s.metric("netgauge_traps_dropped_total", &[("reason", "unknown_source")]) >= 1.0
    });
    assert!(am.named("NetgaugeTrapWarmStart").is_empty());
}

/// The flake this pins: a test (or an orchestrator) that took accepting
/// HTTP connections for readiness sent a trap before the receiver's socket
/// was bound, and it was lost. `/-/ready` now waits for the receiver.
#[test]
fn ready_waits_for_the_trap_receiver_to_listen() {
    // The trap port is taken: the receiver retries its bind every 5 s.
    let holder = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let trap_port = holder.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("netgauge.yml");
    std::fs::write(
        &config,
        format!(
            "traps:\n  listen: 127.0.0.1:{trap_port}\n  alertmanager_urls: [http://127.0.0.1:9]\n\
             targets:\n  - {{name: a, address: 192.0.2.1, snmp: {{community: x}}}}\n"
        ),
    )
    .unwrap();
    let netgauge = Netgauge::spawn_unready(&[format!("--config.file={}", config.display())]);
    assert_eq!(http_request(netgauge.addr(), "GET", "/-/healthy", &[]).0, 200);
    let (status, body) = http_request(netgauge.addr(), "GET", "/-/ready", &[]);
    assert_eq!(
        (status, body.trim()),
        (503, "Not ready: the trap receiver is not listening yet")
    );
    drop(holder);
    wait_for("ready once the receiver binds", Duration::from_secs(15), || {
        http_request(netgauge.addr(), "GET", "/-/ready", &[]).0 == 200
    });
}
