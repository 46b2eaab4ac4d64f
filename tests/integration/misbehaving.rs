//! Agents that misbehave: each case ends in a clear counter (and log line),
//! partial data where possible, and never a panic or a hang.

use netgauge::telemetry::FailureReason;

use crate::fake_agent::*;
use crate::harness::*;

fn config(port: u16) -> String {
    format!("targets:\n  - name: fake\n    address: 127.0.0.1:{port}\n    snmp: {{community: public, timeout: 300ms, retries: 1}}\n")
}

async fn scrape(server: &Server) -> (Vec<Series>, Vec<Series>) {
    let (status, body) = server.get("/probe?target=fake", &[]).await;
    assert_eq!(status, 200);
    promtool_check(&body);
    let (_, metrics) = server.get("/metrics", &[]).await;
    (parse_exposition(&body), parse_exposition(&metrics))
}

#[tokio::test]
async fn well_behaved_fake_agent_is_read_correctly() {
    let agent = FakeAgent::start(basic_mib(), Behaviour::default());
    let server = Server::start(&config(agent.port)).await;
    let (s, _) = scrape(&server).await;
    assert_eq!(value(&s, "netgauge_device_up", &[]), Some(1.0));
    assert_eq!(value(&s, "netgauge_device_uptime_seconds", &[]), Some(123.45));
    // No ifXTable names: ifDescr is the name; the HC column is used where present.
    assert_eq!(
        value(&s, "netgauge_interface_receive_bytes_total", &[("interface", "port2")]),
        Some(10e9)
    );
    assert_eq!(
        value(&s, "netgauge_interface_speed_bytes", &[("interface", "port3")]),
        Some(125e6)
    );
    server.stop().await;
}

#[tokio::test]
async fn regression_non_increasing_oids_stop_the_walk_instead_of_looping() {
    let ifdescr = vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 2];
    let agent = FakeAgent::start(
        basic_mib(),
        Behaviour {
            non_increasing_under: Some(ifdescr),
            ..Behaviour::default()
        },
    );
    let server = Server::start(&config(agent.port)).await;
    let (s, m) = scrape(&server).await;
    assert_eq!(value(&s, "netgauge_device_up", &[]), Some(1.0));
    assert_eq!(
        value(
            &m,
            "netgauge_snmp_anomalies_total",
            &[("device", "fake"), ("kind", "non_increasing_oid")]
        ),
        Some(2.0),
        "once per poll: /probe, then /metrics"
    );
    // The rows before the bad OID are kept.
    assert!(value(&s, "netgauge_interface_info", &[("interface", "again#1")]).is_some());
    server.stop().await;
}

#[tokio::test]
async fn duplicated_replies_are_dropped_as_late_and_the_poll_still_succeeds() {
    let agent = FakeAgent::start(
        basic_mib(),
        Behaviour {
            duplicate_replies: true,
            ..Behaviour::default()
        },
    );
    // One row per GETBULK, so each walk sends several requests on one socket.
    let yaml = config(agent.port).replace("retries: 1", "retries: 1, max_repetitions: 1");
    let server = Server::start(&yaml).await;
    let (s, m) = scrape(&server).await;
    assert_eq!(
        value(&s, "netgauge_scrape_success", &[("collector", "snmp_interfaces")]),
        Some(1.0)
    );
    assert!(
        value(
            &m,
            "netgauge_snmp_anomalies_total",
            &[("device", "fake"), ("kind", "late_reply")]
        )
        .unwrap()
            >= 1.0
    );
    assert_eq!(
        value(&s, "netgauge_interface_receive_bytes_total", &[("interface", "port1")]),
        Some(5e9)
    );
    server.stop().await;
}

#[tokio::test]
async fn an_error_status_fails_only_the_collector_that_hit_it() {
    let ifx = vec![1, 3, 6, 1, 2, 1, 31];
    let agent = FakeAgent::start(
        basic_mib(),
        Behaviour {
            gen_err_under: Some(ifx),
            ..Behaviour::default()
        },
    );
    let server = Server::start(&config(agent.port)).await;
    let (s, m) = scrape(&server).await;
    assert_eq!(value(&s, "netgauge_device_up", &[]), Some(1.0));
    assert_eq!(
        value(&s, "netgauge_scrape_success", &[("collector", "snmp_system")]),
        Some(1.0)
    );
    assert_eq!(
        value(&s, "netgauge_scrape_success", &[("collector", "snmp_interfaces")]),
        Some(0.0)
    );
    assert_eq!(server.state.telemetry.failures("fake", FailureReason::AgentError), 2);
    assert!(value(
        &m,
        "netgauge_poll_failures_total",
        &[("collector", "snmp_interfaces"), ("reason", "agent_error")]
    )
    .is_some());
    server.stop().await;
}

#[tokio::test]
async fn undecodable_datagrams_are_skipped_and_the_real_reply_is_still_read() {
    let agent = FakeAgent::start(
        basic_mib(),
        Behaviour {
            garbage_before_reply: 30,
            ..Behaviour::default()
        },
    );
    let server = Server::start(&config(agent.port)).await;
    let (s, m) = scrape(&server).await;
    assert_eq!(value(&s, "netgauge_device_up", &[]), Some(1.0));
    assert_eq!(
        value(&s, "netgauge_interface_receive_bytes_total", &[("interface", "port2")]),
        Some(10e9)
    );
    let noise = value(
        &m,
        "netgauge_snmp_anomalies_total",
        &[("device", "fake"), ("kind", "undecodable_reply")],
    )
    .unwrap_or(0.0);
    assert!(noise >= 30.0, "counted: {noise}");
    for reason in [FailureReason::DecodeError, FailureReason::Timeout] {
        assert_eq!(server.state.telemetry.failures("fake", reason), 0, "{reason:?}");
    }
    server.stop().await;
}

fn endless_ifdescr() -> FakeAgent {
    FakeAgent::start(
        basic_mib(),
        Behaviour {
            endless_under: Some(vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 2]),
            ..Behaviour::default()
        },
    )
}

fn limited(port: u16, limit: &str) -> String {
    format!("global: {{{limit}}}\n{}", config(port))
}

fn walk_limits(m: &[Series]) -> f64 {
    value(
        m,
        "netgauge_snmp_anomalies_total",
        &[("device", "fake"), ("kind", "walk_limit")],
    )
    .unwrap_or(0.0)
}

#[tokio::test]
async fn an_endless_table_stops_at_max_rows_per_table_and_keeps_the_rest() {
    let agent = endless_ifdescr();
    let server = Server::start(&limited(agent.port, "max_rows_per_table: 2000")).await;
    let (s, m) = scrape(&server).await;
    assert_eq!(value(&s, "netgauge_device_up", &[]), Some(1.0));
    assert_eq!(
        value(&s, "netgauge_device_uptime_seconds", &[]),
        Some(123.45),
        "the rest of the poll is kept"
    );
    assert!(walk_limits(&m) >= 1.0, "counted");
    let names = s.iter().filter(|x| x.name == "netgauge_interface_info").count();
    assert!(
        (1000..=2000).contains(&names),
        "{names} interfaces from a 2,000-row limit"
    );
    server.stop().await;
}

#[tokio::test]
async fn an_endless_table_stops_at_max_bytes_per_device() {
    let agent = endless_ifdescr();
    // 64 KiB, the smallest allowed: about 60 rows of 1 KiB.
    let server = Server::start(&limited(agent.port, "max_bytes_per_device: 65536")).await;
    let (s, m) = scrape(&server).await;
    assert_eq!(value(&s, "netgauge_device_up", &[]), Some(1.0));
    // Reported once per poll (the /probe and the /metrics poll), not once per column.
    assert_eq!(walk_limits(&m), 2.0);
    let rows = s.iter().filter(|x| x.name == "netgauge_interface_info").count();
    assert!((10..100).contains(&rows), "{rows} interfaces");
    server.stop().await;
}
