//! Neighbors and inventory: walked on their own interval, served from the
//! cache between, refreshed in the background when stale, and kept across
//! reloads that leave a device's address and credentials alone.

use std::time::{Duration, Instant};

use crate::fake_agent::{basic_mib, Behaviour, FakeAgent, V};
use crate::harness::*;

const LLDP: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 4];
const ENTITY: &[u32] = &[1, 3, 6, 1, 2, 1, 47, 1, 1];
const LLDP_CHANGED: &[u32] = &[1, 0, 8802, 1, 1, 2, 1, 2, 1, 0];
const ENT_CHANGED: &[u32] = &[1, 3, 6, 1, 2, 1, 47, 1, 4, 1, 0];

/// The fake switch with one LLDP neighbor on port1 and one chassis, and
/// the two markers (lldpStatsRemTablesLastChangeTime, entLastChangeTime) at `marker`.
fn mib(neighbor: &'static str, serial: &'static str, marker: u32) -> Vec<(Vec<u32>, V)> {
    let mut m = basic_mib();
    let rem = |c: u32| [LLDP, &[1, 1, c, 0, 1, 1]].concat();
    m.extend([
        (rem(4), V::Int(7)),
        (rem(5), V::Str(neighbor)),
        (rem(6), V::Int(5)),
        (rem(7), V::Str("Ethernet1")),
        (rem(9), V::Str(neighbor)),
    ]);
    let loc = |c: u32| vec![1, 0, 8802, 1, 1, 2, 1, 3, 7, 1, c, 1];
    m.extend([
        (loc(2), V::Int(5)),
        (loc(3), V::Str("port1")),
        (loc(4), V::Str("port1")),
    ]);
    let ent = |c: u32| [ENTITY, &[1, 1, c, 1]].concat();
    m.extend([
        (ent(2), V::Str("chassis")),
        (ent(4), V::Int(0)),
        (ent(5), V::Int(3)),
        (ent(7), V::Str("Chassis")),
        (ent(11), V::Str(serial)),
        (ent(13), V::Str("FAKE-48")),
    ]);
    m.extend([
        (LLDP_CHANGED.to_vec(), V::Ticks(marker)),
        (ENT_CHANGED.to_vec(), V::Ticks(marker)),
    ]);
    m.sort_by(|a, b| a.0.cmp(&b.0));
    m
}

fn config(port: u16, community: &str) -> String {
    format!(
        "targets:\n  - name: sw\n    address: 127.0.0.1:{port}\n    snmp: {{community: {community}}}\n    \
         neighbors_interval: 1h\n    inventory_interval: 1h\n"
    )
}

struct Scrape {
    neighbor: Option<String>,
    serial: Option<String>,
    neighbors_age: Option<f64>,
    inventory_age: Option<f64>,
}

async fn scrape(server: &Server) -> Scrape {
    let (status, body) = server.get("/probe?target=sw", &[]).await;
    assert_eq!(status, 200, "{body}");
    let m = parse_exposition(&body);
    let label = |name: &str, label: &str| {
        m.iter()
            .find(|s| s.name == name)
            .and_then(|s| s.labels.get(label).cloned())
    };
    Scrape {
        neighbor: label("netgauge_neighbor_info", "remote_system"),
        serial: label("netgauge_inventory_info", "serial"),
        neighbors_age: value(
            &m,
            "netgauge_collector_cache_age_seconds",
            &[("collector", "snmp_neighbors")],
        ),
        inventory_age: value(
            &m,
            "netgauge_collector_cache_age_seconds",
            &[("collector", "snmp_inventory")],
        ),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_tables_are_refreshed_in_the_background_and_survive_a_reload() {
    let agent = FakeAgent::start(mib("n1", "SER-A", 100), Behaviour::default());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("netgauge.yml");
    std::fs::write(&file, config(agent.port, "public")).unwrap();
    let server = Server::start_files(std::slice::from_ref(&file)).await;

    // The first scrape walks inline: no age, the rows as the device has them.
    let first = scrape(&server).await;
    assert_eq!(first.neighbor.as_deref(), Some("n1"));
    assert_eq!(first.serial.as_deref(), Some("SER-A"));
    assert_eq!((first.neighbors_age, first.inventory_age), (None, None));
    let (lldp, entity) = (agent.requests_under(LLDP), agent.requests_under(ENTITY));
    assert!(lldp > 0 && entity > 0);

    // The next is served from the cache: an age, and not one request for the tables.
    let cached = scrape(&server).await;
    assert_eq!(cached.neighbor.as_deref(), Some("n1"));
    assert!(cached.neighbors_age.is_some() && cached.inventory_age.is_some());
    assert_eq!(
        (agent.requests_under(LLDP), agent.requests_under(ENTITY)),
        (lldp, entity),
        "a cached scrape walked"
    );

    // A new neighbor and a swapped chassis; both markers move. The scrape
    // that sees them move answers from the cache and refreshes behind it.
    agent.set_mib(mib("n2", "SER-B", 200));
    let stale = scrape(&server).await;
    assert_eq!(
        stale.neighbor.as_deref(),
        Some("n1"),
        "a stale table is served, not waited for"
    );
    assert_eq!(stale.serial.as_deref(), Some("SER-A"));
    let started = Instant::now();
    let refreshed = loop {
        let s = scrape(&server).await;
        if s.neighbor.as_deref() == Some("n2") && s.serial.as_deref() == Some("SER-B") {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(30), "no background refresh");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(refreshed.neighbors_age.is_some(), "served from the refreshed cache");

    // A reload that leaves the device alone keeps its cache…
    let (lldp, entity) = (agent.requests_under(LLDP), agent.requests_under(ENTITY));
    std::fs::write(
        &file,
        format!(
            "{}  - name: other\n    address: 127.0.0.1:9\n    snmp: {{community: x}}\n",
            config(agent.port, "public")
        ),
    )
    .unwrap();
    assert_eq!(server.request("POST", "/-/reload", &[]).await.0, 200);
    let kept = scrape(&server).await;
    assert_eq!(kept.neighbor.as_deref(), Some("n2"));
    assert!(
        kept.neighbors_age.is_some() && kept.inventory_age.is_some(),
        "the cache was dropped"
    );
    assert_eq!(
        (agent.requests_under(LLDP), agent.requests_under(ENTITY)),
        (lldp, entity)
    );

    // …one that changes its credentials walks again (the fake answers any community).
    std::fs::write(&file, config(agent.port, "private")).unwrap();
    assert_eq!(server.request("POST", "/-/reload", &[]).await.0, 200);
    let rewalked = scrape(&server).await;
    assert_eq!((rewalked.neighbors_age, rewalked.inventory_age), (None, None));
    assert!(agent.requests_under(LLDP) > lldp && agent.requests_under(ENTITY) > entity);
    server.stop().await;
}

/// Regression: every poll of a device without BGP walked its BGP tables
/// again (3–5 requests a poll across a fleet that mostly has none).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_without_bgp_is_not_asked_for_it_on_every_poll() {
    let agent = Snmpd::start();
    let server = Server::start(&format!(
        "targets:\n  - name: with\n    address: 127.0.0.1:{p}\n    snmp: {{community: {V2C_COMMUNITY}}}\n\
         \x20 - name: without\n    address: 127.0.0.1:{p}\n    snmp: {{community: {V2C_COMMUNITY}}}\n    collectors: {{bgp: false}}\n",
        p = agent.port
    ))
    .await;
    let requests = |d: &str| server.state.telemetry.snmp_requests(d);
    let poll_both = || async {
        for t in ["with", "without"] {
            let (status, body) = server.get(&format!("/probe?target={t}"), &[]).await;
            assert_eq!(status, 200, "{body}");
        }
    };
    poll_both().await;
    let (with, without) = (requests("with"), requests("without"));
    assert!(with > without, "the first poll looks for BGP: {with} vs {without}");
    for _ in 0..3 {
        poll_both().await;
    }
    assert_eq!(
        requests("with") - with,
        requests("without") - without,
        "later polls cost what a target with BGP off costs"
    );
    server.stop().await;
}
