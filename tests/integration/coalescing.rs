//! Concurrent scrapes of one device share one poll; a device that gets no
//! poll slot is reported as netgauge's overload, not as the device down.

use std::time::{Duration, Instant};

use netgauge::telemetry::FailureReason;

use crate::fake_agent::*;
use crate::harness::*;

/// A fake agent that takes `delay` per reply, so a poll is in flight long
/// enough for every concurrent scrape to find it.
fn slow_agent(delay: Duration) -> FakeAgent {
    FakeAgent::start(
        basic_mib(),
        Behaviour {
            delay: Some(delay),
            ..Behaviour::default()
        },
    )
}

fn target(name: &str, port: u16, extra: &str) -> String {
    format!("  - name: {name}\n    address: 127.0.0.1:{port}\n    snmp: {{community: public, timeout: 3s, retries: 0{extra}}}\n")
}

#[tokio::test]
async fn concurrent_scrapes_of_one_device_send_one_polls_packets() {
    let agent = slow_agent(Duration::from_millis(40));
    let server = Server::start(&format!("targets:\n{}", target("slow", agent.port, ""))).await;
    let requests = || server.state.telemetry.snmp_requests("slow");
    // The first poll also reads what later ones find cached: measure a later one.
    for _ in 0..2 {
        assert_eq!(server.get("/probe?target=slow", &[]).await.0, 200);
    }
    let before = requests();
    assert_eq!(server.get("/probe?target=slow", &[]).await.0, 200);
    let one_poll = requests() - before;
    assert!(one_poll > 0);
    let before = requests();
    // Ten scrapes at once, /metrics and /probe mixed, as HA pairs and ad-hoc probes do.
    let scrapes = (0..10).map(|i| {
        let path = if i % 2 == 0 { "/metrics" } else { "/probe?target=slow" };
        server.get(path, &[])
    });
    let bodies = futures_util::future::join_all(scrapes).await;
    for (status, body) in &bodies {
        assert_eq!(*status, 200);
        assert_eq!(
            value(&parse_exposition(body), "netgauge_device_up", &[("device", "slow")]),
            Some(1.0),
            "{body}"
        );
    }
    assert_eq!(requests() - before, one_poll, "ten scrapes, one poll's packets");
    let (_, m) = server.get("/metrics/exporter", &[]).await;
    assert_eq!(
        value(
            &parse_exposition(&m),
            "netgauge_polls_coalesced_total",
            &[("device", "slow")]
        ),
        Some(9.0)
    );
    server.stop().await;
}

#[tokio::test]
async fn poll_reuse_window_answers_an_ha_pair_from_one_poll() {
    let agent = FakeAgent::start(basic_mib(), Behaviour::default());
    let yaml = format!(
        "global: {{poll_reuse_window: 30s}}\ntargets:\n{}",
        target("sw", agent.port, "")
    );
    let server = Server::start(&yaml).await;
    server.get("/probe?target=sw", &[]).await;
    let one_poll = server.state.telemetry.snmp_requests("sw");
    let (_, body) = server.get("/metrics", &[]).await;
    assert_eq!(
        value(&parse_exposition(&body), "netgauge_device_up", &[("device", "sw")]),
        Some(1.0)
    );
    assert_eq!(
        server.state.telemetry.snmp_requests("sw"),
        one_poll,
        "answered from the reused report"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_device_without_a_poll_slot_is_reported_overloaded_not_down() {
    let dead = BlackHole::new();
    let live = FakeAgent::start(basic_mib(), Behaviour::default());
    let yaml = format!(
        "global: {{max_concurrent_polls: 1}}\ntargets:\n{}{}",
        target("dead", dead.port, ""),
        target("live", live.port, "")
    );
    let server = Server::start(&yaml).await;
    // The dead device takes the only slot for its whole 3 s timeout.
    let hog = {
        let addr = server.addr;
        tokio::task::spawn_blocking(move || http_request(addr, "GET", "/probe?target=dead", &[]))
    };
    let started = Instant::now();
    while server.state.live().poller.polls_in_progress() == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the dead device's poll never started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Prometheus gives up after 1 s: the live device cannot get the slot in time.
    let (status, body) = server
        .get("/probe?target=live", &[("X-Prometheus-Scrape-Timeout-Seconds", "1")])
        .await;
    assert_eq!(status, 200);
    let series = parse_exposition(&body);
    assert!(
        series
            .iter()
            .all(|s| s.labels.get("device").map(String::as_str) != Some("live")),
        "no series for a device that was not polled (a gap, not a false down): {body}"
    );
    assert_eq!(server.state.telemetry.failures("live", FailureReason::Overloaded), 1);
    assert_eq!(server.state.telemetry.failures("live", FailureReason::Timeout), 0);
    assert_eq!(server.state.telemetry.snmp_requests("live"), 0, "not contacted");
    let (status, _) = hog.await.unwrap();
    assert_eq!(status, 200);
    server.stop().await;
}
