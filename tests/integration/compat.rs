//! `/snmp` against snmp_exporter itself. Debian's `prometheus-snmp-exporter`
//! (0.21) and netgauge read the same generated v0.21.0 `snmp.yml`, scrape
//! the same agent (net-snmp's snmpd, and snmpsim playing recordings of real
//! devices) with the same module, and must give the same series — names,
//! labels and values — apart from the differences `docs/snmp_exporter.md`
//! lists (the `snmp_scrape_*` meta-metrics and netgauge's own `netgauge_*`).
//!
//! Then what netgauge does beyond it: refusing unknown hosts, partial
//! results, the lookup cache and SNMPv3 engine reuse.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::fake_agent::{basic_mib, Behaviour, FakeAgent};
use crate::harness::*;
use crate::snmpsim::Sim;

const SNMP_YML: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/snmp_exporter/snmp.yml");

/// Go's snmp_exporter, as Debian packages it, on a free loopback port.
struct SnmpExporter {
    addr: SocketAddr,
    _proc: Proc,
}

impl SnmpExporter {
    fn spawn(config: &Path) -> SnmpExporter {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(require("prometheus-snmp-exporter"))
            .arg(format!("--config.file={}", config.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg("--log.level=error")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start prometheus-snmp-exporter");
        let proc = Proc(child);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "snmp_exporter did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        SnmpExporter {
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
            _proc: proc,
        }
    }
}

/// The v0.21.0 file's top-level modules, as (name, body lines).
fn modules_of_shared_file() -> Vec<(String, Vec<String>)> {
    let text = std::fs::read_to_string(SNMP_YML).unwrap();
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        if let Some(name) = line.strip_suffix(':').filter(|_| !line.starts_with(' ')) {
            out.push((name.to_owned(), Vec::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push(line.to_owned());
        }
    }
    out
}

/// An snmp.yml (older layout, as 0.21 reads) holding, for each
/// `(module, variant, community)`, a copy of `module` named
/// `{module}__{variant}` whose auth is that community.
fn variants_yml(variants: &[(&str, String, String)]) -> String {
    let modules = modules_of_shared_file();
    let mut yml = String::new();
    for (module, variant, community) in variants {
        let (_, body) = modules
            .iter()
            .find(|(n, _)| n == module)
            .unwrap_or_else(|| panic!("no module {module}"));
        yml.push_str(&format!("{module}__{variant}:\n  auth:\n    community: {community}\n"));
        let mut in_auth = false;
        for line in body {
            // The module's own auth block is replaced by the one above.
            if line == "  auth:" {
                in_auth = true;
                continue;
            }
            if in_auth && line.starts_with("    ") {
                continue;
            }
            in_auth = false;
            yml.push_str(line);
            yml.push('\n');
        }
    }
    yml
}

type SeriesMap = BTreeMap<(String, BTreeMap<String, String>), f64>;

/// The series both exporters are expected to agree on: everything but the
/// meta-metrics each adds about its own scrape.
fn comparable(body: &str) -> SeriesMap {
    parse_exposition(body)
        .into_iter()
        .filter(|s| !s.name.starts_with("snmp_scrape_") && !s.name.starts_with("netgauge_"))
        .map(|s| ((s.name, s.labels), s.value))
        .collect()
}

/// Same series; each netgauge value equal to snmp_exporter's, or between
/// its values from just before and just after (counters and uptimes move).
fn assert_same(what: &str, before: &str, ours: &str, after: &str) -> usize {
    let (a, b, c) = (comparable(before), comparable(ours), comparable(after));
    let only_theirs: Vec<_> = a.keys().filter(|k| !b.contains_key(*k)).take(5).collect();
    let only_ours: Vec<_> = b.keys().filter(|k| !a.contains_key(*k)).take(5).collect();
    assert!(
        only_theirs.is_empty() && only_ours.is_empty(),
        "{what}: series differ\n only snmp_exporter: {only_theirs:?}\n only netgauge: {only_ours:?}"
    );
    for (k, v) in &b {
        let (lo, hi) = (
            a[k].min(c.get(k).copied().unwrap_or(a[k])),
            a[k].max(c.get(k).copied().unwrap_or(a[k])),
        );
        assert!(
            (lo..=hi).contains(v) || (v.is_nan() && a[k].is_nan()),
            "{what}: {k:?} is {v} in netgauge, {} then {} in snmp_exporter",
            a[k],
            c.get(k).copied().unwrap_or(f64::NAN)
        );
    }
    b.len()
}

fn get(addr: SocketAddr, path: &str) -> (u16, String) {
    http_request(addr, "GET", path, &[])
}

fn empty_netgauge_config(dir: &Path) -> PathBuf {
    let p = dir.join("netgauge.yml");
    std::fs::write(&p, "targets: []\n").unwrap();
    p
}

#[test]
fn every_module_of_the_generated_file_matches_snmp_exporter_against_snmpd() {
    let snmpd = Snmpd::start();
    let dir = tempfile::tempdir().unwrap();
    let variants: Vec<(&str, String, String)> = modules_of_shared_file()
        .iter()
        .map(|(m, _)| (leak(m), "snmpd".to_owned(), V2C_COMMUNITY.to_owned()))
        .collect();
    assert_eq!(variants.len(), 22);
    let yml = dir.path().join("snmp.yml");
    // And if_mib over SNMPv3, authPriv (SHA-256/AES) and authNoPriv (SHA), in the older layout's words.
    let (_, if_mib) = modules_of_shared_file()
        .into_iter()
        .find(|(n, _)| n == "if_mib")
        .unwrap();
    let v3 = |name: &str, auth: &str| format!("{name}:\n  version: 3\n  auth:\n{auth}{}\n", if_mib.join("\n"));
    let v3_yml = v3(
        "if_mib__v3priv",
        &format!(
            "    username: {V3_USER}\n    security_level: authPriv\n    auth_protocol: SHA256\n    password: {V3_AUTH_PASS}\n    priv_protocol: AES\n    priv_password: {V3_PRIV_PASS}\n"
        ),
    ) + &v3(
        "if_mib__v3auth",
        &format!("    username: {V3_AUTHONLY_USER}\n    security_level: authNoPriv\n    auth_protocol: SHA\n    password: {V3_AUTH_PASS}\n"),
    );
    std::fs::write(&yml, variants_yml(&variants) + &v3_yml).unwrap();
    let theirs = SnmpExporter::spawn(&yml);
    let ours = Netgauge::spawn(&[
        format!("--config.file={}", empty_netgauge_config(dir.path()).display()),
        format!("--snmp.config.file={}", yml.display()),
        "--snmp.allow-any-target".into(),
    ]);
    let mut total = 0;
    for (module, variant, _) in &variants {
        let path = format!("/snmp?target=127.0.0.1:{}&module={module}__{variant}", snmpd.port);
        let (s1, before) = get(theirs.addr, &path);
        let (s2, body) = get(ours.addr(), &path);
        let (_, after) = get(theirs.addr, &path);
        assert_eq!((s1, s2), (200, 200), "{module}:\n{before}\n{body}");
        promtool_parses(&body);
        total += assert_same(module, &before, &body, &after);
    }
    for module in ["if_mib__v3priv", "if_mib__v3auth"] {
        let path = format!("/snmp?target=127.0.0.1:{}&module={module}", snmpd.port);
        let (s1, before) = get(theirs.addr, &path);
        let (s2, body) = get(ours.addr(), &path);
        let (_, after) = get(theirs.addr, &path);
        assert_eq!((s1, s2), (200, 200), "{module}:\n{before}\n{body}");
        assert!(assert_same(module, &before, &body, &after) > 50, "{module}");
    }
    // if_mib alone is some 150 series on snmpd; several modules read HOST-RESOURCES and UCD too.
    assert!(total > 500, "only {total} series compared");
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

/// (module, recording): modules of the file against recordings of the devices they are for.
const PAIRS: &[(&str, &str)] = &[
    ("if_mib", "network/switch/cisco-c3560"),
    ("if_mib", "network/switch/cisco-n5000"),
    ("if_mib", "network/router/huawei-s5720"),
    ("if_mib", "network/router/juniper-mx960-13-3r9-13"),
    // 395 interfaces, 32-bit counters only.
    ("if_mib", "network/router/ruijie-n18010"),
    ("arista_sw", "cloud/arista-dcs-7150s-52-cl"),
    ("cisco_wlc", "network/appliance/cisco-controller"),
    ("ubiquiti_airmax", "network/wifi/ubiquiti-m5"),
    ("eaton_epdu", "UPS/eaton-93e-80"),
    ("liebert_pdu", "UPS/emerson-network-power"),
    ("apcups", "UPS/apc-8932"),
    ("mikrotik", "fixtures/mikrotik-ccr"),
];

#[test]
fn modules_match_snmp_exporter_on_recordings_of_real_devices() {
    let mut recordings: Vec<&str> = PAIRS.iter().map(|p| p.1).collect();
    recordings.push("network/firewall/paloalto-pa-5000");
    recordings.dedup();
    let sim = Sim::start(&recordings);
    let dir = tempfile::tempdir().unwrap();
    let community = |rec: &str| rec.rsplit('/').next().unwrap().to_owned();
    let variant = |rec: &str| community(rec).replace(['-', '.'], "_");
    let mut variants: Vec<(&str, String, String)> = PAIRS.iter().map(|(m, r)| (*m, variant(r), community(r))).collect();
    variants.push(("paloalto_fw", "pa".into(), "paloalto-pa-5000".into()));
    let yml = dir.path().join("snmp.yml");
    std::fs::write(&yml, variants_yml(&variants)).unwrap();
    let theirs = SnmpExporter::spawn(&yml);
    let ours = Netgauge::spawn(&[
        format!("--config.file={}", empty_netgauge_config(dir.path()).display()),
        format!("--snmp.config.file={}", yml.display()),
        "--snmp.allow-any-target".into(),
    ]);
    let mut compared = BTreeMap::new();
    for (module, variant, _) in variants.iter().filter(|v| v.0 != "paloalto_fw") {
        let path = format!("/snmp?target=127.0.0.1:{}&module={module}__{variant}", sim.port);
        let (s1, theirs_body) = get(theirs.addr, &path);
        let (s2, body) = get(ours.addr(), &path);
        assert_eq!((s1, s2), (200, 200), "{module} {variant}:\n{theirs_body}\n{body}");
        promtool_parses(&body);
        // Recordings do not move: the values must be equal, not just close.
        let n = assert_same(&format!("{module} on {variant}"), &theirs_body, &body, &theirs_body);
        assert!(n > 0, "{module} on {variant}: nothing to compare");
        compared.insert(format!("{module}__{variant}"), n);
    }
    assert!(compared["if_mib__ruijie_n18010"] > 395 * 20, "{compared:?}");

    // Palo Alto: the module names PAN-COMMON-MIB columns like IF-MIB ones (ifDescr,
    // ifIndex…) with other help texts, and snmp_exporter fails the whole scrape
    // (HTTP 500). netgauge serves both, under the first help text: a documented difference.
    let path = format!("/snmp?target=127.0.0.1:{}&module=paloalto_fw__pa", sim.port);
    let (s1, theirs_body) = get(theirs.addr, &path);
    assert_eq!(s1, 500, "{theirs_body}");
    assert!(theirs_body.contains("has help"), "{theirs_body}");
    let (s2, body) = get(ours.addr(), &path);
    assert_eq!(s2, 200);
    promtool_parses(&body);
    let series = parse_exposition(&body);
    assert!(series.iter().filter(|s| s.name == "ifDescr").count() > 10);
    assert!(
        series.iter().any(|s| s.name.starts_with("panSys")),
        "no PAN-COMMON-MIB series"
    );
}

fn compat_server_config(dir: &Path, yml: &str, targets: &str) -> (PathBuf, PathBuf) {
    let snmp = dir.join("snmp.yml");
    std::fs::write(&snmp, yml).unwrap();
    let ng = dir.join("netgauge.yml");
    std::fs::write(&ng, targets).unwrap();
    (ng, snmp)
}

const CURRENT_LAYOUT: &str = "auths:
  test_v2:
    community: ng-test-community
  test_v3:
    version: 3
    username: ngpriv
    security_level: authPriv
    auth_protocol: SHA256
    password: auth-pass-123
    priv_protocol: AES
    priv_password: priv-pass-456
modules:
  sys:
    get: [1.3.6.1.2.1.1.3.0]
    metrics:
    - {name: sysUpTime, oid: 1.3.6.1.2.1.1.3, type: gauge, help: Uptime.}
";

#[test]
fn snmp_endpoint_refuses_hosts_modules_and_auths_it_does_not_know() {
    let snmpd = Snmpd::start();
    let dir = tempfile::tempdir().unwrap();
    let (ng, snmp) = compat_server_config(
        dir.path(),
        CURRENT_LAYOUT,
        &format!(
            "targets:\n  - name: agent\n    address: 127.0.0.1:{}\n    snmp: {{community: {V2C_COMMUNITY}}}\n",
            snmpd.port
        ),
    );
    let ours = Netgauge::spawn(&[
        format!("--config.file={}", ng.display()),
        format!("--snmp.config.file={}", snmp.display()),
    ]);
    let port = snmpd.port;
    let ok = get(
        ours.addr(),
        &format!("/snmp?target=127.0.0.1:{port}&module=sys&auth=test_v2"),
    );
    assert_eq!(ok.0, 200, "{}", ok.1);
    assert!(value(&parse_exposition(&ok.1), "sysUpTime", &[]).unwrap() > 0.0);
    for (path, code, says) in [
        // Not in netgauge's target list, and no --snmp.allow-any-target.
        (
            "/snmp?target=127.0.0.2:161&module=sys&auth=test_v2" as &str,
            403,
            "--snmp.allow-any-target",
        ),
        (
            &format!("/snmp?target=127.0.0.1:{port}&module=nope&auth=test_v2"),
            400,
            "unknown module 'nope'",
        ),
        (
            &format!("/snmp?target=127.0.0.1:{port}&module=sys&auth=nope"),
            400,
            "unknown auth 'nope'",
        ),
        ("/snmp?module=sys", 400, "'target' parameter"),
        ("/snmp?target=a&target=b", 400, "only be specified once"),
        (
            &format!("/snmp?target=tcp://127.0.0.1:{port}&module=sys&auth=test_v2"),
            400,
            "not supported",
        ),
    ] {
        let (status, body) = get(ours.addr(), path);
        assert_eq!(status, code, "{path}: {body}");
        assert!(body.contains(says), "{path}: {body}");
    }
    // Without --snmp.config.file there is no /snmp at all.
    let plain = Netgauge::spawn(&[format!("--config.file={}", ng.display())]);
    let (status, body) = get(plain.addr(), "/snmp?target=127.0.0.1");
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("--snmp.config.file"), "{body}");
}

#[test]
fn snmp_endpoint_refuses_ports_not_in_the_config() {
    let snmpd = Snmpd::start();
    let other = BlackHole::new();
    let dir = tempfile::tempdir().unwrap();
    let (ng, snmp) = compat_server_config(
        dir.path(),
        CURRENT_LAYOUT,
        &format!(
            "targets:\n  - name: agent\n    address: 127.0.0.1:{}\n    snmp: {{community: {V2C_COMMUNITY}}}\n\
             \x20 - name: cli-only\n    address: 127.0.0.1:{}\n    \
             ssh: {{platform: cisco_ios, username: u, password: p, insecure_ignore_host_key: true}}\n",
            snmpd.port, other.port
        ),
    );
    let ours = Netgauge::spawn(&[
        format!("--config.file={}", ng.display()),
        format!("--snmp.config.file={}", snmp.display()),
    ]);
    // The configured host on another port, the default port, DNS's port, and
    // the port of a target that has no SNMP: refused before any packet.
    for target in [
        format!("127.0.0.1:{}", other.port),
        "127.0.0.1".to_owned(),
        "127.0.0.1:53".to_owned(),
        format!("udp://127.0.0.1:{}", other.port),
    ] {
        let (status, body) = get(ours.addr(), &format!("/snmp?target={target}&module=sys&auth=test_v2"));
        assert_eq!(status, 403, "{target}: {body}");
        assert!(body.contains("--snmp.allow-any-target"), "{target}: {body}");
    }
    assert_eq!(other.datagrams(), 0, "a refused /snmp request sent packets");
    // The configured pair, in another spelling, is allowed.
    let (status, body) = get(
        ours.addr(),
        &format!("/snmp?target=udp://127.0.0.1:{}&module=sys&auth=test_v2", snmpd.port),
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn snmp_target_spelling_does_not_create_new_device_series() {
    let snmpd = Snmpd::start();
    let dir = tempfile::tempdir().unwrap();
    let (ng, snmp) = compat_server_config(
        dir.path(),
        CURRENT_LAYOUT,
        &format!(
            "global: {{max_unknown_devices: 5}}\ntargets:\n  - name: agent\n    address: 127.0.0.1:{}\n    \
             snmp: {{community: {V2C_COMMUNITY}}}\n",
            snmpd.port
        ),
    );
    let ours = Netgauge::spawn(&[
        format!("--config.file={}", ng.display()),
        format!("--snmp.config.file={}", snmp.display()),
        "--snmp.allow-any-target".to_owned(),
    ]);
    let port = snmpd.port;
    // Stray spaces and another spelling of the address: all one configured device.
    for k in 0..20 {
        let target = format!("{}127.0.0.1:{port}", "%20".repeat(k));
        let (status, body) = get(ours.addr(), &format!("/snmp?target={target}&module=sys&auth=test_v2"));
        assert_eq!(status, 200, "{body}");
    }
    // Hosts outside the config (any-target on): at most 5 keep series, the rest are dropped and counted.
    let dead: Vec<BlackHole> = (0..12).map(|_| BlackHole::new()).collect();
    let addr = ours.addr();
    std::thread::scope(|scope| {
        for d in &dead {
            scope.spawn(move || {
                let path = format!("/snmp?target=127.0.0.1:{}&module=sys&auth=test_v2", d.port);
                let short = [("X-Prometheus-Scrape-Timeout-Seconds".to_owned(), "1".to_owned())];
                http_request(addr, "GET", &path, &short)
            });
        }
    });
    let (_, body) = get(ours.addr(), "/metrics/exporter");
    let series = parse_exposition(&body);
    let devices: std::collections::BTreeSet<String> = series
        .iter()
        .filter(|s| s.name == "netgauge_snmp_requests_total")
        .filter_map(|s| s.labels.get("device").cloned())
        .collect();
    assert!(devices.contains("agent"), "{devices:?}");
    assert_eq!(
        devices.len(),
        6,
        "the target and the 5 newest unknown hosts: {devices:?}"
    );
    assert!(devices.iter().all(|d| !d.starts_with(' ')), "{devices:?}");
    assert_eq!(value(&series, "netgauge_unknown_devices_dropped_total", &[]), Some(7.0));
}

#[test]
fn a_failing_column_costs_only_its_own_series_and_a_dead_agent_is_http_500() {
    // genErr for everything under ifXTable: ifTable's series must still come.
    let agent = FakeAgent::start(
        basic_mib(),
        Behaviour {
            gen_err_under: Some(vec![1, 3, 6, 1, 2, 1, 31, 1, 1]),
            ..Behaviour::default()
        },
    );
    let dead = BlackHole::new();
    let dir = tempfile::tempdir().unwrap();
    let yml = dir.path().join("snmp.yml");
    std::fs::write(
        &yml,
        variants_yml(&[("if_mib", "fake".into(), "public".into())]).replace(
            "  auth:\n    community: public\n",
            "  timeout: 500ms\n  retries: 0\n  auth:\n    community: public\n",
        ),
    )
    .unwrap();
    let ours = Netgauge::spawn(&[
        format!("--config.file={}", empty_netgauge_config(dir.path()).display()),
        format!("--snmp.config.file={}", yml.display()),
        "--snmp.allow-any-target".into(),
    ]);
    let (status, body) = get(
        ours.addr(),
        &format!("/snmp?target=127.0.0.1:{}&module=if_mib__fake", agent.port),
    );
    assert_eq!(status, 200, "{body}");
    let s = parse_exposition(&body);
    assert_eq!(
        value(&s, "netgauge_snmp_scrape_success", &[("module", "if_mib__fake")]),
        Some(0.0)
    );
    assert_eq!(value(&s, "ifInOctets", &[("ifIndex", "2")]), Some(2000.0));
    assert_eq!(value(&s, "ifOperStatus", &[("ifIndex", "3")]), Some(1.0));
    assert!(
        !s.iter().any(|x| x.name == "ifHCInOctets"),
        "ifXTable failed, yet came back"
    );

    // Nothing answers: snmp_exporter's 500, so Prometheus's `up` says the device is gone,
    // and within the scrape timeout Prometheus announces, not the module's 5 s × retries.
    let started = Instant::now();
    let (status, body) = http_request(
        ours.addr(),
        "GET",
        &format!("/snmp?target=127.0.0.1:{}&module=if_mib__fake", dead.port),
        &[("X-Prometheus-Scrape-Timeout-Seconds".into(), "2".into())],
    );
    assert_eq!(status, 500, "{body}");
    assert!(body.contains("error scraping target"), "{body}");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

/// A dead SNMPv3 agent: `/snmp` starts its GETs and walks at once, and all
/// of them need the engine. One discovery is tried (with its retries) and its
/// failure answers the others, instead of each trying in turn until the
/// scrape deadline.
#[test]
fn a_dead_v3_agent_costs_one_discovery_not_one_per_request() {
    let dead = BlackHole::new();
    let dir = tempfile::tempdir().unwrap();
    let yml = if_mib_in_current_layout("timeout: 300ms\nretries: 1\n");
    let (ng, snmp) = compat_server_config(dir.path(), &yml, "targets: []\n");
    let ours = Netgauge::spawn(&[
        format!("--config.file={}", ng.display()),
        format!("--snmp.config.file={}", snmp.display()),
        "--snmp.allow-any-target".into(),
    ]);
    let (status, body) = http_request(
        ours.addr(),
        "GET",
        &format!("/snmp?target=127.0.0.1:{}&module=if_mib&auth=test_v3", dead.port),
        &[("X-Prometheus-Scrape-Timeout-Seconds".into(), "20".into())],
    );
    assert_eq!(status, 500, "{body}");
    let (_, exporter) = get(ours.addr(), "/metrics/exporter");
    let sent: f64 = parse_exposition(&exporter)
        .iter()
        .filter(|x| x.name == "netgauge_snmp_requests_total")
        .map(|x| x.value)
        .sum();
    assert_eq!(sent, 2.0, "one discovery, sent once and retried once\n{exporter}");
}

/// `CURRENT_LAYOUT`'s auths with the v0.21.0 `if_mib` module, its
/// `settings` (YAML lines, e.g. `timeout: 300ms`) in place of its own.
fn if_mib_in_current_layout(settings: &str) -> String {
    let (_, body) = modules_of_shared_file()
        .into_iter()
        .find(|(n, _)| n == "if_mib")
        .unwrap();
    let replaced: Vec<String> = settings
        .lines()
        .filter_map(|l| l.split(':').next())
        .map(|k| format!("  {k}:"))
        .collect();
    let mut yml = CURRENT_LAYOUT.to_owned();
    yml.push_str("  if_mib:\n");
    for setting in settings.lines() {
        yml.push_str("    ");
        yml.push_str(setting);
        yml.push('\n');
    }
    // The module's own lines are indented by two under its name already.
    for line in body
        .iter()
        .filter(|l| !replaced.iter().any(|k| l.starts_with(k.as_str())))
    {
        yml.push_str("  ");
        yml.push_str(line);
        yml.push('\n');
    }
    yml
}

fn meta(body: &str, name: &str, module: &str) -> f64 {
    value(&parse_exposition(body), name, &[("module", module)]).unwrap_or_else(|| panic!("no {name}"))
}

#[test]
fn the_lookup_cache_skips_lookup_columns_and_v3_sessions_skip_engine_discovery() {
    let snmpd = Snmpd::start();
    let dir = tempfile::tempdir().unwrap();
    let yml = if_mib_in_current_layout("");
    let (ng, snmp) = compat_server_config(dir.path(), &yml, "targets: []\n");
    let ours = Netgauge::spawn(&[
        format!("--config.file={}", ng.display()),
        format!("--snmp.config.file={}", snmp.display()),
        "--snmp.allow-any-target".into(),
        "--snmp.lookup-cache-ttl=10m".into(),
    ]);
    let path = |auth: &str| format!("/snmp?target=127.0.0.1:{}&module=if_mib&auth={auth}", snmpd.port);

    let (s1, first) = get(ours.addr(), &path("test_v2"));
    let (s2, second) = get(ours.addr(), &path("test_v2"));
    assert_eq!((s1, s2), (200, 200), "{first}\n{second}");
    assert_eq!(meta(&first, "netgauge_snmp_lookup_cache_columns", "if_mib"), 0.0);
    // ifDescr, ifName and ifAlias: read only by lookups in this module.
    assert_eq!(meta(&second, "netgauge_snmp_lookup_cache_columns", "if_mib"), 3.0);
    assert!(
        meta(&second, "snmp_scrape_pdus_returned", "if_mib") < meta(&first, "snmp_scrape_pdus_returned", "if_mib"),
        "the cached columns were walked again"
    );
    // Same series, same labels from the cache.
    let keys = |b: &str| {
        comparable(b)
            .into_keys()
            .filter(|k| k.0 != "sysUpTime")
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&first), keys(&second));

    // SNMPv3: the first scrape discovers the engine; the next reuse it.
    let (s1, v3_first) = get(ours.addr(), &path("test_v3"));
    let (s2, v3_second) = get(ours.addr(), &path("test_v3"));
    assert_eq!((s1, s2), (200, 200), "{v3_first}\n{v3_second}");
    assert_eq!(meta(&v3_second, "netgauge_snmp_scrape_success", "if_mib"), 1.0);
    let sent = |b: &str| meta(b, "snmp_scrape_packets_sent", "if_mib");
    // The same requests as v2c, plus engine discovery on the first scrape only.
    assert!(
        sent(&v3_first) > sent(&first),
        "v3 {} v2c {}",
        sent(&v3_first),
        sent(&first)
    );
    assert_eq!(
        sent(&v3_second),
        sent(&second),
        "the second v3 scrape discovered the engine again"
    );
    assert_eq!(keys(&v3_second), keys(&second), "v3 and v2c see the same agent");
}

/// `snmpwalk -v2c -On -Oqv`-style: (last arc, value) of every row under `oid`.
fn walk_rows(port: u16, oid: &str) -> Vec<(u32, String)> {
    let out = Command::new(require("snmpwalk"))
        .args(["-v2c", "-c", V2C_COMMUNITY, "-On", "-Oq", "-Oe", "-t", "2", "-r", "1"])
        .arg(format!("127.0.0.1:{port}"))
        .arg(oid)
        .env("MIBS", "")
        .env("MIBDIRS", "/nonexistent")
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| {
            let (o, v) = l.split_once(' ')?;
            Some((o.rsplit('.').next()?.parse().ok()?, v.trim().to_owned()))
        })
        .collect()
}

#[test]
fn dynamic_filters_fetch_only_the_matching_rows() {
    let snmpd = Snmpd::start();
    let dir = tempfile::tempdir().unwrap();
    // ifInOctets only for interfaces whose ifType is softwareLoopback(24), as
    // snmp_exporter's `filters` does: the target column is then read by GET.
    let yml = format!(
        "{CURRENT_LAYOUT}  filtered:
    walk: [1.3.6.1.2.1.2.2.1.10, 1.3.6.1.2.1.2.2.1.2]
    filters:
    - oid: 1.3.6.1.2.1.2.2.1.3
      targets: [1.3.6.1.2.1.2.2.1.10]
      values: ['^24$']
    metrics:
    - name: ifInOctets
      oid: 1.3.6.1.2.1.2.2.1.10
      type: counter
      help: In.
      indexes: [{{labelname: ifIndex, type: gauge}}]
    - name: ifDescr
      oid: 1.3.6.1.2.1.2.2.1.2
      type: DisplayString
      help: Descr.
      indexes: [{{labelname: ifIndex, type: gauge}}]
"
    );
    let (ng, snmp) = compat_server_config(dir.path(), &yml, "targets: []\n");
    let ours = Netgauge::spawn(&[
        format!("--config.file={}", ng.display()),
        format!("--snmp.config.file={}", snmp.display()),
        "--snmp.allow-any-target".into(),
    ]);
    let (status, body) = get(
        ours.addr(),
        &format!("/snmp?target=127.0.0.1:{}&module=filtered&auth=test_v2", snmpd.port),
    );
    assert_eq!(status, 200, "{body}");
    let series = parse_exposition(&body);
    let types = walk_rows(snmpd.port, "1.3.6.1.2.1.2.2.1.3");
    assert!(!types.is_empty(), "snmpwalk saw no interfaces");
    let loopbacks: Vec<String> = types
        .iter()
        .filter(|(_, t)| t == "24")
        .map(|(i, _)| i.to_string())
        .collect();
    assert!(!loopbacks.is_empty(), "no loopback interface: {types:?}");
    let mut got: Vec<String> = series
        .iter()
        .filter(|s| s.name == "ifInOctets")
        .map(|s| s.labels["ifIndex"].clone())
        .collect();
    got.sort();
    assert_eq!(got, loopbacks, "filtered rows");
    // The unfiltered column is still walked whole.
    assert_eq!(series.iter().filter(|s| s.name == "ifDescr").count(), types.len());
}
