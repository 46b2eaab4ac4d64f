//! netgauge against a real net-snmp agent on loopback.

use netgauge::telemetry::FailureReason;

use crate::harness::*;

fn v2c_target(name: &str, port: u16, extra: &str) -> String {
    format!(
        "  - name: {name}\n    address: 127.0.0.1:{port}\n    labels: {{site: lab}}\n    snmp: {{community: {V2C_COMMUNITY}{extra}}}\n"
    )
}

async fn probe(server: &Server, target: &str) -> Vec<Series> {
    let (status, body) = server.get(&format!("/probe?target={target}"), &[]).await;
    assert_eq!(status, 200, "{body}");
    promtool_check(&body);
    parse_exposition(&body)
}

#[tokio::test]
async fn v2c_interfaces_match_what_snmpget_reads() {
    let agent = Snmpd::start();
    let server = Server::start(&format!("targets:\n{}", v2c_target("agent", agent.port, ""))).await;
    let before_in = snmpget(agent.port, V2C_COMMUNITY, "1.3.6.1.2.1.31.1.1.1.6.1").unwrap();
    let before_pkts = snmpget(agent.port, V2C_COMMUNITY, "1.3.6.1.2.1.31.1.1.1.7.1").unwrap();
    let before_up = snmpget(agent.port, V2C_COMMUNITY, "1.3.6.1.2.1.1.3.0").unwrap();
    let s = probe(&server, "agent").await;
    let after_in = snmpget(agent.port, V2C_COMMUNITY, "1.3.6.1.2.1.31.1.1.1.6.1").unwrap();
    let after_pkts = snmpget(agent.port, V2C_COMMUNITY, "1.3.6.1.2.1.31.1.1.1.7.1").unwrap();

    assert_eq!(
        value(&s, "netgauge_device_up", &[("device", "agent"), ("site", "lab")]),
        Some(1.0)
    );
    let info = s
        .iter()
        .find(|x| x.name == "netgauge_device_info")
        .expect("device info");
    assert_eq!(info.labels["hostname"], "netgauge-test-agent");
    assert_eq!(info.labels["vendor"], "net-snmp");
    assert!(info.labels["object_id"].starts_with("1.3.6.1.4.1.8072."), "{info:?}");

    // ifIndex 1 is the loopback on Linux.
    let lo = s
        .iter()
        .find(|x| x.name == "netgauge_interface_info" && x.labels["index"] == "1")
        .expect("ifIndex 1");
    assert_eq!(lo.labels["interface"], "lo");
    assert_eq!(lo.labels["type"], "softwareLoopback");
    let l = [("device", "agent"), ("interface", "lo")];
    assert_eq!(value(&s, "netgauge_interface_oper_up", &l), Some(1.0));
    assert_eq!(value(&s, "netgauge_interface_admin_up", &l), Some(1.0));
    let mtu: f64 = snmpget(agent.port, V2C_COMMUNITY, "1.3.6.1.2.1.2.2.1.4.1")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(value(&s, "netgauge_interface_mtu_bytes", &l), Some(mtu));
    // net-snmp reports 10 Mb/s for lo.
    assert_eq!(
        value(&s, "netgauge_interface_speed_bytes", &l),
        Some(10_000_000.0 / 8.0)
    );
    // Our own SNMP traffic crosses lo, so the counter moves: it must lie between two snmpgets.
    let rx = value(&s, "netgauge_interface_receive_bytes_total", &l).unwrap();
    let (b, a): (f64, f64) = (before_in.parse().unwrap(), after_in.parse().unwrap());
    assert!(b <= rx && rx <= a, "ifHCInOctets.1: {b} <= {rx} <= {a}");
    // lo has no multicast or broadcast, so all packets are ifHCInUcastPkts.
    let pk = value(&s, "netgauge_interface_receive_packets_total", &l).unwrap();
    let (b, a): (f64, f64) = (before_pkts.parse().unwrap(), after_pkts.parse().unwrap());
    assert!(b <= pk && pk <= a, "ifHCInUcastPkts.1: {b} <= {pk} <= {a}");
    assert_eq!(value(&s, "netgauge_interface_receive_errors_total", &l), Some(0.0));
    // Uptime in seconds, from sysUpTime's "(ticks) d:h:m:s" form.
    let ticks: f64 = before_up
        .trim_start_matches('(')
        .split(')')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let up = value(&s, "netgauge_device_uptime_seconds", &[("device", "agent")]).unwrap();
    assert!(
        up >= ticks / 100.0 - 1.0 && up < ticks / 100.0 + 30.0,
        "uptime {up} vs {ticks} ticks"
    );
    // Every interface snmpd has, and each with a last-change time not in the future.
    let ifnumber: usize = snmpget(agent.port, V2C_COMMUNITY, "1.3.6.1.2.1.2.1.0")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        s.iter().filter(|x| x.name == "netgauge_interface_info").count(),
        ifnumber
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    for x in s.iter().filter(|x| x.name == "netgauge_interface_last_change_seconds") {
        assert!(x.value <= now + 1.0 && x.value > now - 10.0 * 365.0 * 86400.0, "{x:?}");
    }
    assert_eq!(
        value(&s, "netgauge_scrape_success", &[("collector", "snmp_interfaces")]),
        Some(1.0)
    );
    // HOST-RESOURCES-MIB memory, as snmpget reads it (hrStorage row 1 is physical memory in net-snmp).
    let units: f64 = snmpget(agent.port, V2C_COMMUNITY, "1.3.6.1.2.1.25.2.3.1.4.1")
        .unwrap()
        .parse()
        .unwrap();
    let size: f64 = snmpget(agent.port, V2C_COMMUNITY, "1.3.6.1.2.1.25.2.3.1.5.1")
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        value(&s, "netgauge_memory_total_bytes", &[("pool", "Physical memory")]),
        Some(size * units)
    );
    assert_eq!(
        value(&s, "netgauge_scrape_success", &[("collector", "snmp_health")]),
        Some(1.0)
    );
    server.stop().await;
}

#[tokio::test]
async fn v1_and_v3_see_the_same_interfaces_as_v2c() {
    let agent = Snmpd::start();
    let p = agent.port;
    let yaml = format!(
        "auths:\n  priv:\n    version: 3\n    username: {V3_USER}\n    security_level: authPriv\n    auth_protocol: SHA256\n    password: {V3_AUTH_PASS}\n    priv_protocol: AES\n    priv_password: {V3_PRIV_PASS}\n\
         targets:\n{}  - name: v1\n    address: 127.0.0.1:{p}\n    snmp: {{version: 1, community: {V2C_COMMUNITY}}}\n\
         \x20 - name: v3priv\n    address: 127.0.0.1:{p}\n    snmp: {{auth: priv}}\n\
         \x20 - name: v3auth\n    address: 127.0.0.1:{p}\n    snmp: {{version: 3, username: {V3_AUTHONLY_USER}, password: {V3_AUTH_PASS}, auth_protocol: SHA}}\n",
        v2c_target("v2c", p, "")
    );
    let server = Server::start(&yaml).await;
    let names = |s: &[Series]| -> Vec<String> {
        let mut v: Vec<String> = s
            .iter()
            .filter(|x| x.name == "netgauge_interface_info")
            .map(|x| x.labels["interface"].clone())
            .collect();
        v.sort();
        v
    };
    let reference = names(&probe(&server, "v2c").await);
    assert!(reference.contains(&"lo".to_owned()));
    for t in ["v1", "v3priv", "v3auth"] {
        // Twice: the second v3 scrape starts from the engine the first discovered.
        for _ in 0..2 {
            let s = probe(&server, t).await;
            assert_eq!(value(&s, "netgauge_device_up", &[("device", t)]), Some(1.0), "{t}");
            assert_eq!(names(&s), reference, "{t}");
            assert!(value(&s, "netgauge_interface_receive_bytes_total", &[("interface", "lo")]).unwrap() > 0.0);
        }
    }
    server.stop().await;
}

/// SNMPv3 polls after the first start from the engine already discovered
/// (no discovery round trip); an agent that rebooted (same engine ID, higher
/// engineBoots) or was replaced (another engine ID) is polled without a
/// failed scrape, and its engine is learned again once.
#[tokio::test]
async fn v3_engine_is_discovered_once_and_again_after_the_agent_reboots() {
    let mut agent = Snmpd::start();
    let p = agent.port;
    let yaml = format!(
        "targets:\n{}  - name: v3\n    address: 127.0.0.1:{p}\n    snmp: {{version: 3, username: {V3_USER}, security_level: authPriv, auth_protocol: SHA256, password: {V3_AUTH_PASS}, priv_protocol: AES, priv_password: {V3_PRIV_PASS}, timeout: 2s, retries: 1}}\n",
        v2c_target("v2c", p, "")
    );
    let server = Server::start(&yaml).await;
    let requests = |device: &str| server.state.telemetry.snmp_requests(device);
    let poll = |device: &'static str| {
        let server = &server;
        async move {
            let before = requests(device);
            let s = probe(server, device).await;
            assert_eq!(
                value(&s, "netgauge_device_up", &[("device", device)]),
                Some(1.0),
                "{device}: {:?}",
                server.state.telemetry.failure_reasons(device)
            );
            assert_eq!(
                value(
                    &s,
                    "netgauge_scrape_success",
                    &[("device", device), ("collector", "snmp_interfaces")]
                ),
                Some(1.0)
            );
            requests(device) - before
        }
    };
    // A first poll also reads what later ones take from caches (entity names):
    // v2c's first-poll surplus is that, v3's must be that plus one discovery.
    let v2c_first = poll("v2c").await;
    let v2c_second = poll("v2c").await;
    let first = poll("v3").await;
    let second = poll("v3").await;
    let third = poll("v3").await;
    assert_eq!(second, third, "steady state");
    assert_eq!(
        first - second,
        v2c_first - v2c_second + 1,
        "the first poll discovers the engine, once; later polls do not"
    );

    // A reboot: the agent refuses the first request (its engineBoots moved
    // on) and says what they are; that request is sent again, and the
    // sessions opened after it discover the engine once.
    agent.reboot();
    assert_eq!(poll("v3").await, second + 2, "after a reboot");
    assert_eq!(poll("v3").await, second, "rediscovered once, then kept");

    // A new agent at the same address (another engine ID): the kept engine
    // is refused, discovered again, and the request asked once more.
    agent.replace();
    assert_eq!(poll("v3").await, second + 2, "after a replacement");
    assert_eq!(poll("v3").await, second, "rediscovered once, then kept");
    server.stop().await;
}

#[tokio::test]
async fn v3_wrong_password_is_an_auth_failure_and_never_printed() {
    let agent = Snmpd::start();
    let secret = "wrong-but-secret-password";
    let yaml = format!(
        "global: {{auth_failure_backoff: 0s}}\ntargets:\n  - name: v3bad\n    address: 127.0.0.1:{}\n    snmp: {{version: 3, username: {V3_AUTHONLY_USER}, password: {secret}, auth_protocol: SHA, timeout: 500ms, retries: 0}}\n",
        agent.port
    );
    let server = Server::start(&yaml).await;
    let s = probe(&server, "v3bad").await;
    assert_eq!(value(&s, "netgauge_device_up", &[("device", "v3bad")]), Some(0.0));
    assert_eq!(
        value(&s, "netgauge_scrape_success", &[("collector", "snmp_system")]),
        Some(0.0)
    );
    assert_eq!(server.state.telemetry.failures("v3bad", FailureReason::AuthFailure), 1);
    // Discovery, then the refused GET; an engine no request succeeded with is
    // not kept, so the next poll is the same two and not a rediscovery more.
    assert_eq!(server.state.telemetry.snmp_requests("v3bad"), 2);
    probe(&server, "v3bad").await;
    assert_eq!(server.state.telemetry.snmp_requests("v3bad"), 4);
    let (_, metrics) = server.get("/metrics", &[]).await;
    let (_, landing) = server.get("/", &[]).await;
    for body in [&metrics, &landing] {
        assert!(!body.contains(secret), "secret leaked into an endpoint");
    }
    assert!(metrics
        .contains(r#"netgauge_poll_failures_total{device="v3bad",collector="snmp_system",reason="auth_failure"}"#));
    server.stop().await;
}

#[tokio::test]
async fn a_refused_password_is_not_tried_on_every_scrape_until_a_reload_changes_it() {
    let agent = Snmpd::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("netgauge.yml");
    let write = |password: &str, labels: &str| {
        let yaml = format!(
            "targets:\n  - name: v3\n    address: 127.0.0.1:{}\n    labels: {{{labels}}}\n    snmp: {{version: 3, \
             username: {V3_AUTHONLY_USER}, password: {password}, auth_protocol: SHA, timeout: 500ms, retries: 0}}\n",
            agent.port
        );
        std::fs::write(&file, yaml).unwrap();
    };
    write("wrong-password", "site: a");
    let server = Server::start_files(std::slice::from_ref(&file)).await;
    let requests = || server.state.telemetry.snmp_requests("v3");
    let auth_failures = || server.state.telemetry.failures("v3", FailureReason::AuthFailure);
    probe(&server, "v3").await;
    assert_eq!((requests(), auth_failures()), (2, 1));
    // Backing off: reported as an auth failure, nothing sent.
    let s = probe(&server, "v3").await;
    assert_eq!(value(&s, "netgauge_device_up", &[("device", "v3")]), Some(0.0));
    assert_eq!((requests(), auth_failures()), (2, 2));
    // A reload that leaves the credentials alone keeps the backoff.
    write("wrong-password", "site: b");
    server.state.reload().await.unwrap();
    probe(&server, "v3").await;
    assert_eq!((requests(), auth_failures()), (2, 3));
    // Fixed credentials: tried at once, and up.
    write(V3_AUTH_PASS, "site: b");
    server.state.reload().await.unwrap();
    let s = probe(&server, "v3").await;
    assert_eq!(value(&s, "netgauge_device_up", &[("device", "v3")]), Some(1.0));
    assert_eq!(auth_failures(), 3);
    server.stop().await;
}

#[tokio::test]
async fn wrong_community_times_out_after_its_retries() {
    let agent = Snmpd::start();
    let yaml = format!(
        "targets:\n  - name: badcomm\n    address: 127.0.0.1:{}\n    snmp: {{community: not-the-community, timeout: 200ms, retries: 2}}\n",
        agent.port
    );
    let server = Server::start(&yaml).await;
    let s = probe(&server, "badcomm").await;
    assert_eq!(value(&s, "netgauge_device_up", &[("device", "badcomm")]), Some(0.0));
    assert_eq!(server.state.telemetry.failures("badcomm", FailureReason::Timeout), 1);
    let (_, metrics) = server.get("/metrics", &[]).await;
    let m = parse_exposition(&metrics);
    // Three sends per poll (1 + 2 retries); /metrics polled it a second time.
    assert_eq!(
        value(&m, "netgauge_snmp_requests_total", &[("device", "badcomm")]),
        Some(6.0)
    );
    assert_eq!(
        value(&m, "netgauge_snmp_retries_total", &[("device", "badcomm")]),
        Some(4.0)
    );
    server.stop().await;
}

#[tokio::test]
async fn a_silent_device_costs_only_its_own_deadline() {
    let agent = Snmpd::start();
    let hole = BlackHole::new();
    let yaml = format!(
        "targets:\n{}  - name: silent\n    address: 127.0.0.1:{}\n    snmp: {{community: x, timeout: 5s, retries: 5}}\n",
        v2c_target("alive", agent.port, ""),
        hole.port
    );
    let server = Server::start(&yaml).await;
    // Prometheus says it waits 3 s; netgauge answers within 3 - 0.5 (the default offset).
    let (status, body) = server
        .get("/metrics", &[("X-Prometheus-Scrape-Timeout-Seconds", "3")])
        .await;
    assert_eq!(status, 200);
    promtool_check(&body);
    let s = parse_exposition(&body);
    assert_eq!(value(&s, "netgauge_device_up", &[("device", "alive")]), Some(1.0));
    assert_eq!(value(&s, "netgauge_device_up", &[("device", "silent")]), Some(0.0));
    assert!(value(
        &s,
        "netgauge_interface_oper_up",
        &[("device", "alive"), ("interface", "lo")]
    )
    .is_some());
    let silent = value(
        &s,
        "netgauge_scrape_duration_seconds",
        &[("device", "silent"), ("collector", "snmp_system")],
    )
    .unwrap();
    assert!(
        (2.0..2.9).contains(&silent),
        "the silent device is cut off at the deadline, not at 5 s x 6: {silent}"
    );
    let alive = value(
        &s,
        "netgauge_scrape_duration_seconds",
        &[("device", "alive"), ("collector", "snmp_system")],
    )
    .unwrap();
    assert!(
        alive < silent,
        "the live device does not wait for the silent one: {alive} vs {silent}"
    );
    assert_eq!(server.state.telemetry.failures("silent", FailureReason::Timeout), 1);
    assert!(body.contains("netgauge_build_info{"));
    assert!(body.contains("process_resident_memory_bytes "));
    server.stop().await;
}

#[tokio::test]
async fn not_found_body_echoes_a_bounded_escaped_name_and_suggests_close_ones() {
    let server = Server::start("targets:\n  - {name: core-sw1, address: 127.0.0.1:1161, snmp: {community: x}}\n").await;
    let hostile = format!("{}%00%1b%5B2J%3Cscript%3Ealert(1)%3C/script%3E", "A".repeat(8192));
    let (status, body) = server.get(&format!("/probe?target={hostile}"), &[]).await;
    assert_eq!(status, 404);
    assert!(body.len() < 400, "{} bytes echoed", body.len());
    assert!(
        !body.contains('\0') && !body.contains('\u{1b}') && !body.contains("<script"),
        "{body}"
    );
    assert!(body.contains("(8222 characters)"), "{body}");
    let (status, body) = server.get("/probe?target=x%00%1b%5B2J%3Cscript%3E", &[]).await;
    assert_eq!(status, 404);
    assert!(
        !body.contains('\0') && !body.contains('\u{1b}') && !body.contains("<script"),
        "{body}"
    );
    let (status, body) = server.get("/probe?target=core-sw", &[]).await;
    assert_eq!(status, 404);
    assert!(body.contains("did you mean 'core-sw1'?"), "{body}");
    let (_, body) = server.get("/probe?target=zzzzzzzz", &[]).await;
    assert!(!body.contains("did you mean"), "{body}");
    server.stop().await;
}

#[tokio::test]
async fn probe_polls_only_configured_targets() {
    let agent = Snmpd::start();
    let server = Server::start(&format!("targets:\n{}", v2c_target("agent", agent.port, ""))).await;
    let (status, body) = server.get("/probe?target=127.0.0.1", &[]).await;
    assert_eq!(status, 404);
    assert!(body.contains("unknown target '127.0.0.1'"), "{body}");
    assert_eq!(server.get("/probe", &[]).await.0, 400);
    assert_eq!(server.get("/-/healthy", &[]).await.0, 200);
    assert_eq!(server.get("/-/ready", &[]).await.0, 200);
    assert_eq!(server.get("/nope", &[]).await.0, 404);
    let (status, landing) = server.get("/", &[]).await;
    assert_eq!(status, 200);
    assert!(landing.contains("/probe?target=agent"), "{landing}");
    // Nothing was polled by the refused requests.
    let (_, metrics) = server.get("/metrics", &[]).await;
    assert!(
        !metrics.contains("127.0.0.1\""),
        "no series for an unconfigured address"
    );
    server.stop().await;
}

#[tokio::test]
async fn expositions_are_gzipped_when_the_client_asks() {
    use std::io::{Read, Write};
    let agent = Snmpd::start();
    let server = Server::start(&format!("targets:\n{}", v2c_target("agent", agent.port, ""))).await;
    let addr = server.addr;
    for path in ["/metrics", "/probe?target=agent"] {
        let (head, body) = tokio::task::spawn_blocking(move || {
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            write!(
                s,
                "GET {path} HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            let mut raw = Vec::new();
            s.read_to_end(&mut raw).unwrap();
            let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
            (
                String::from_utf8_lossy(&raw[..split]).to_ascii_lowercase(),
                raw[split + 4..].to_vec(),
            )
        })
        .await
        .unwrap();
        assert!(head.contains("content-encoding: gzip"), "{path}: {head}");
        let body = if head.contains("transfer-encoding: chunked") {
            dechunk_bytes(&body)
        } else {
            body
        };
        let mut text = String::new();
        flate2::read::GzDecoder::new(&body[..])
            .read_to_string(&mut text)
            .unwrap();
        promtool_check(&text);
        assert!(
            text.contains("netgauge_device_up{device=\"agent\",site=\"lab\"} 1"),
            "{path}"
        );
    }
    server.stop().await;
}
