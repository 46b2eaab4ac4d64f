//! The SSH collector against a real OpenSSH sshd on loopback, whose forced
//! command (tests/fixtures/fake-cli.py) plays a device CLI replaying real
//! captured output.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use netgauge::collector::cli::parse::Platform;
use netgauge::telemetry::FailureReason;

use crate::harness::*;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// sshd on a free loopback port, key-only login for the current user, with
/// the fake CLI of `platform` as its forced command.
struct Sshd {
    port: u16,
    dir: tempfile::TempDir,
    _proc: Proc,
}

/// The BGP summary each platform's fake device answers with.
fn bgp_capture(platform: Platform) -> Option<&'static str> {
    Some(match platform {
        Platform::CiscoIos => "show_ip_bgp_summary/cisco_ios_show_ip_bgp_summary_all.raw",
        Platform::CiscoNxos => "show_ip_bgp_summary_vrf/cisco_nxos_show_ip_bgp_all_summary_vrf.raw",
        Platform::HuaweiVrp => "display_bgp_peer/huawei_vrp_display_bgp_peer.raw",
        Platform::JuniperJunos => "show_bgp_summary/show_bgp_summary.raw",
        Platform::Frr => "show_bgp_vrf_all_summary_json/frr_established.json",
        Platform::MikrotikRouteros => return None,
    })
}

/// The transceiver output each platform's fake device answers with; the
/// others reject the command, which must cost nothing but the optics.
fn optics_capture(platform: Platform) -> Option<&'static str> {
    Some(match platform {
        Platform::CiscoIos => "show_interface_transceiver/cisco_ios_show_interface_transceiver_iosxe.raw",
        Platform::CiscoNxos => "show_interface_transceiver_details/cisco_nxos_show_interface_transceiver_details.raw",
        _ => return None,
    })
}

/// The neighbor outputs (CDP, LLDP) and the inventory each platform's fake
/// device answers with.
fn table_captures(platform: Platform) -> (Option<&'static str>, Option<&'static str>, Option<&'static str>) {
    match platform {
        Platform::CiscoIos => (
            Some("show_cdp_neighbors_detail/cisco_ios_show_cdp_neighbors_detail.raw"),
            Some("show_lldp_neighbors_detail/cisco_ios_show_lldp_neighbors_detail1.raw"),
            Some("show_inventory/cisco_ios_show_inventory.raw"),
        ),
        Platform::CiscoNxos => (
            Some("show_cdp_neighbors_detail/cisco_nxos_show_cdp_neighbors_detail.raw"),
            Some("show_lldp_neighbors_detail/cisco_nxos_show_lldp_neighbors_detail.raw"),
            Some("show_inventory/cisco_nxos_show_inventory.raw"),
        ),
        Platform::HuaweiVrp => (
            None,
            Some("display_lldp_neighbor/huawei_vrp_display_lldp_neighbor.raw"),
            Some("display_device/huawei_vrp_display_device.raw"),
        ),
        Platform::JuniperJunos => (
            None,
            Some("show_lldp_neighbors/juniper_junos_show_lldp_neighbors.raw"),
            Some("show_chassis_hardware/juniper_junos_show_chassis_hardware.raw"),
        ),
        Platform::Frr | Platform::MikrotikRouteros => (None, None, None),
    }
}

impl Sshd {
    fn start(platform: Platform, version: &str, interfaces: &str) -> Sshd {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let control = d.join("control");
        std::fs::create_dir(&control).unwrap();
        let fixtures = Path::new(ROOT).join("tests/fixtures/cli").join(platform.name());
        std::fs::copy(fixtures.join(version), control.join("version")).unwrap();
        std::fs::copy(fixtures.join(interfaces), control.join("interfaces")).unwrap();
        let cpu = fixtures.join(format!("show_processes_cpu/{}_show_processes_cpu.raw", platform.name()));
        if cpu.exists() {
            std::fs::copy(cpu, control.join("cpu")).unwrap();
        }
        if platform == Platform::JuniperJunos {
            let uptime = fixtures.join("show_system_uptime/juniper_junos_show_system_uptime.raw");
            std::fs::copy(uptime, control.join("uptime")).unwrap();
        }
        if let Some(bgp) = bgp_capture(platform) {
            std::fs::copy(fixtures.join(bgp), control.join("bgp")).unwrap();
        }
        if let Some(optics) = optics_capture(platform) {
            std::fs::copy(fixtures.join(optics), control.join("optics")).unwrap();
        }
        let (cdp, lldp, inventory) = table_captures(platform);
        for (capture, name) in [(cdp, "cdp"), (lldp, "lldp"), (inventory, "inventory")] {
            if let Some(c) = capture {
                std::fs::copy(fixtures.join(c), control.join(name)).unwrap();
            }
        }
        for _ in 0..5 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .unwrap()
                .local_addr()
                .unwrap()
                .port();
            let config = sshd_files(
                d,
                port,
                &format!(
                    "/usr/bin/python3 {ROOT}/tests/fixtures/fake-cli.py {} {}",
                    platform.name(),
                    control.display()
                ),
            );
            let child = Command::new(require("sshd"))
                .args(["-D", "-e", "-f"])
                .arg(&config)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap();
            let proc = Proc(child);
            let started = Instant::now();
            while started.elapsed() < Duration::from_secs(5) {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Sshd { port, dir, _proc: proc };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("sshd did not start");
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A known_hosts file holding this server's real key.
    fn known_hosts(&self) -> PathBuf {
        let key = std::fs::read_to_string(self.path("host_key.pub")).unwrap();
        let path = self.path("known_hosts");
        std::fs::write(&path, format!("[127.0.0.1]:{} {}", self.port, key)).unwrap();
        path
    }

    fn target(&self, name: &str, platform: Platform, extra: &str) -> String {
        let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
        format!(
            "  - name: {name}\n    address: 127.0.0.1\n    ssh:\n      platform: {}\n      port: {}\n      username: {user}\n      \
             key_file: {}\n      known_hosts: {}\n      timeout: 3s\n{extra}",
            platform.name(),
            self.port,
            self.path("client_key").display(),
            self.known_hosts().display()
        )
    }
}

async fn probe(server: &Server, name: &str) -> Vec<Series> {
    let (status, body) = server.get(&format!("/probe?target={name}"), &[]).await;
    assert_eq!(status, 200, "{body}");
    promtool_check(&body);
    parse_exposition(&body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_platform_over_a_real_sshd_matches_its_parser() {
    let cases = [
        (
            Platform::CiscoIos,
            "show_version/cisco_ios_show_version.raw",
            "show_interfaces/cisco_ios_show_interfaces.raw",
        ),
        (
            Platform::CiscoNxos,
            "show_version/cisco_nxos_show_version.raw",
            "show_interface/cisco_nxos_show_interface.raw",
        ),
        (
            Platform::HuaweiVrp,
            "display_version/huawei_vrp_display_version.raw",
            "display_interface/huawei_vrp_display_interface.raw",
        ),
        (
            Platform::JuniperJunos,
            "show_version/juniper_junos_show_version.raw",
            "show_interfaces/juniper_junos_show_interfaces.raw",
        ),
        (
            Platform::Frr,
            "show_version/frr_show_version.raw",
            "show_interface_json/frr_show_interface.json",
        ),
        // MikroTik is not in this loop: netgauge logs in as `USER+ct` (RouterOS's
        // no-colour, no-terminal-detection suffix), a user sshd cannot have.
        // Its parsers are tested on the captures, its prompt in session.rs.
    ];
    for (platform, version, interfaces) in cases {
        let sshd = Sshd::start(platform, version, interfaces);
        let server = Server::start(&format!("targets:\n{}", sshd.target("dev", platform, ""))).await;
        let s = probe(&server, "dev").await;
        let p = platform.name();
        assert_eq!(value(&s, "netgauge_device_up", &[("device", "dev")]), Some(1.0), "{p}");
        // What came over SSH is exactly the capture: netgauge's series equal its parser's result on the file.
        let raw = std::fs::read_to_string(Path::new(ROOT).join("tests/fixtures/cli").join(p).join(interfaces)).unwrap();
        let mut expected = platform.parse_interfaces(&raw).value;
        netgauge::collector::cli::parse::dedupe_names(&mut expected);
        let got = s.iter().filter(|x| x.name == "netgauge_interface_info").count();
        assert_eq!(got, expected.len(), "{p}: interface count");
        for ifc in &expected {
            let l = [("device", "dev"), ("interface", ifc.name.as_str())];
            assert_eq!(
                value(&s, "netgauge_interface_oper_up", &l),
                ifc.oper_up.map(|b| if b { 1.0 } else { 0.0 }),
                "{p} {}",
                ifc.name
            );
            assert_eq!(
                value(&s, "netgauge_interface_receive_bytes_total", &l),
                ifc.receive.bytes.map(|b| b as f64),
                "{p} {}",
                ifc.name
            );
        }
        let info = s
            .iter()
            .find(|x| x.name == "netgauge_device_info")
            .expect("device info");
        assert_eq!(info.labels["vendor"], platform.vendor(), "{p}");
        // BGP sessions too: the series equal the parser's peers on the capture.
        let capture = bgp_capture(platform).expect("capture");
        let raw = std::fs::read_to_string(Path::new(ROOT).join("tests/fixtures/cli").join(p).join(capture)).unwrap();
        let mut peers = platform.parse_bgp(&raw).value;
        assert!(!peers.is_empty(), "{p}");
        // One series set per (peer, vrf): the Junos capture lists one peer twice.
        let mut seen = std::collections::HashSet::new();
        peers.retain(|x| seen.insert((x.peer.clone(), x.vrf.clone())));
        let got = s.iter().filter(|x| x.name == "netgauge_bgp_peer_info").count();
        assert_eq!(got, peers.len(), "{p}: BGP peers");
        for peer in &peers {
            let l = [
                ("device", "dev"),
                ("peer", peer.peer.as_str()),
                ("vrf", peer.vrf.as_str()),
            ];
            assert_eq!(
                value(&s, "netgauge_bgp_peer_state", &l),
                peer.state.map(f64::from),
                "{p} {}",
                peer.peer
            );
        }
        // Optics likewise, named as the interface series name them.
        let optics = match optics_capture(platform) {
            Some(capture) => {
                let raw =
                    std::fs::read_to_string(Path::new(ROOT).join("tests/fixtures/cli").join(p).join(capture)).unwrap();
                let t = netgauge::collector::cli::parse::optics::place(platform.parse_optics(&raw).value, &expected);
                assert!(!t.is_empty(), "{p}");
                t
            }
            None => Vec::new(),
        };
        let got = s.iter().filter(|x| x.name == "netgauge_transceiver_info").count();
        assert_eq!(got, optics.len(), "{p}: transceivers");
        for t in &optics {
            for r in t
                .readings
                .iter()
                .filter(|r| r.measure == netgauge::report::OpticMeasure::ReceivePower)
            {
                let lane = r.lane.map(|l| l.to_string()).unwrap_or_default();
                let mut l = vec![("device", "dev"), ("interface", t.interface.as_str())];
                if r.lane.is_some() {
                    l.push(("lane", lane.as_str()));
                }
                assert_eq!(
                    value(&s, "netgauge_transceiver_receive_power_dbm", &l),
                    Some(r.value),
                    "{p} {} {lane}",
                    t.interface
                );
            }
        }
        // Neighbors and inventory likewise: the parsers' rows on the
        // captures, the local ports placed on the interface series' names.
        let (cdp, lldp, inventory) = table_captures(platform);
        let read = |c: Option<&str>| {
            c.map(|c| std::fs::read_to_string(Path::new(ROOT).join("tests/fixtures/cli").join(p).join(c)).unwrap())
                .unwrap_or_default()
        };
        let neighbors = netgauge::collector::cli::parse::neighbors::place(
            &platform
                .parse_neighbors(&format!("{}\n{}", read(cdp), read(lldp)))
                .value,
            &expected,
        );
        let got: Vec<&Series> = s.iter().filter(|x| x.name == "netgauge_neighbor_info").collect();
        assert_eq!(got.len(), neighbors.len(), "{p}: neighbors");
        assert_eq!(neighbors.is_empty(), lldp.is_none(), "{p}");
        for n in &neighbors {
            assert!(
                got.iter().any(|x| x.labels["interface"] == n.interface
                    && x.labels["remote_system"] == n.remote_system
                    && x.labels["remote_port"] == n.remote_port
                    && x.labels["protocol"] == n.protocol.label()),
                "{p}: no series for {n:?}"
            );
        }
        if !neighbors.is_empty() {
            assert!(
                neighbors.iter().any(|n| expected.iter().any(|i| i.name == n.interface)),
                "{p}: no neighbor placed on an interface"
            );
        }
        let items = platform.parse_inventory(&read(inventory)).value;
        assert_eq!(
            s.iter().filter(|x| x.name == "netgauge_inventory_info").count(),
            items.len(),
            "{p}: inventory"
        );
        for i in items.iter().filter(|i| !i.serial.is_empty()) {
            assert!(
                s.iter().any(|x| x.name == "netgauge_inventory_info"
                    && x.labels["serial"] == i.serial
                    && x.labels["model"] == i.model),
                "{p}: no series for {i:?}"
            );
        }
        server.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_neighbors_and_inventory_are_cached_and_refreshed_in_the_background() {
    let sshd = Sshd::start(
        Platform::CiscoIos,
        "show_version/cisco_ios_show_version.raw",
        "show_interfaces/cisco_ios_show_interfaces.raw",
    );
    let extra = "    neighbors_interval: 30s\n    inventory_interval: 1h\n";
    let server = Server::start(&format!("targets:\n{}", sshd.target("dev", Platform::CiscoIos, extra))).await;
    let log = sshd.path("control/commands.log");
    let ran = |cmd: &str| {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|l| *l == cmd)
            .count()
    };
    let age = |s: &[Series], collector: &str| {
        value(
            s,
            "netgauge_collector_cache_age_seconds",
            &[("device", "dev"), ("collector", collector)],
        )
    };
    let count = |s: &[Series]| s.iter().filter(|x| x.name == "netgauge_neighbor_info").count();

    let first = probe(&server, "dev").await;
    let neighbors = count(&first);
    assert!(neighbors > 0);
    assert_eq!(
        (age(&first, "ssh_neighbors"), age(&first, "ssh_inventory")),
        (None, None)
    );
    assert_eq!((ran("show lldp neighbors detail"), ran("show inventory")), (1, 1));

    // Cached: the same rows, their age, and not one more command.
    let cached = probe(&server, "dev").await;
    assert_eq!(count(&cached), neighbors);
    assert!(age(&cached, "ssh_neighbors").is_some() && age(&cached, "ssh_inventory").is_some());
    assert_eq!(
        (
            ran("show cdp neighbors detail"),
            ran("show lldp neighbors detail"),
            ran("show inventory")
        ),
        (1, 1, 1)
    );

    // Past the neighbors interval: the stale rows are served at once and
    // the commands run again after the scrape, on the same session.
    tokio::time::sleep(Duration::from_secs(31)).await;
    let stale = probe(&server, "dev").await;
    assert_eq!(count(&stale), neighbors);
    assert!(age(&stale, "ssh_neighbors").unwrap() >= 30.0);
    let started = Instant::now();
    loop {
        let s = probe(&server, "dev").await;
        if ran("show lldp neighbors detail") == 2 && age(&s, "ssh_neighbors").is_some_and(|a| a < 30.0) {
            assert_eq!(count(&s), neighbors);
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "no background refresh");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(ran("show inventory"), 1, "the inventory was not due");
    let (_, metrics) = server.get("/metrics", &[]).await;
    let m = parse_exposition(&metrics);
    assert_eq!(
        value(
            &m,
            "netgauge_cli_logins_total",
            &[("device", "dev"), ("transport", "ssh")]
        ),
        Some(1.0),
        "the refresh used the scrape's session"
    );
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_login_serves_many_scrapes_and_a_dropped_session_reconnects() {
    let platform = Platform::HuaweiVrp;
    let sshd = Sshd::start(
        platform,
        "display_version/huawei_vrp_display_version.raw",
        "display_interface/huawei_vrp_display_interface.raw",
    );
    let server = Server::start(&format!("targets:\n{}", sshd.target("dev", platform, ""))).await;
    for _ in 0..3 {
        let s = probe(&server, "dev").await;
        assert_eq!(value(&s, "netgauge_device_up", &[("device", "dev")]), Some(1.0));
    }
    assert_eq!(
        server.state.telemetry.cli_logins("dev"),
        1,
        "steady state: no handshake per scrape"
    );

    // The device drops the session (its CLI process ends) between scrapes.
    let killed = Command::new("pkill")
        .args(["-f", &sshd.path("control").display().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let s = probe(&server, "dev").await;
    assert_eq!(
        value(&s, "netgauge_device_up", &[("device", "dev")]),
        Some(1.0),
        "reconnected within the same scrape"
    );
    assert_eq!(server.state.telemetry.cli_logins("dev"), 2);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_sessions_are_closed() {
    let platform = Platform::CiscoIos;
    let sshd = Sshd::start(
        platform,
        "show_version/cisco_ios_show_version.raw",
        "show_interfaces/cisco_ios_show_interfaces.raw",
    );
    let server = Server::start(&format!(
        "targets:\n{}",
        sshd.target("dev", platform, "      idle_timeout: 1s\n")
    ))
    .await;
    probe(&server, "dev").await;
    let live = server.state.live();
    assert_eq!(live.poller.cli_sessions(), 1);
    let (_, m) = server.get("/metrics/exporter", &[]).await;
    assert_eq!(
        value(&parse_exposition(&m), "netgauge_cli_sessions_open", &[]),
        Some(1.0)
    );
    assert_eq!(
        live.poller.close_idle_cli_sessions().await,
        0,
        "not idle long enough yet"
    );
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(live.poller.close_idle_cli_sessions().await, 1);
    assert_eq!(live.poller.cli_sessions(), 0);
    // The next scrape logs in again.
    let s = probe(&server, "dev").await;
    assert_eq!(value(&s, "netgauge_device_up", &[("device", "dev")]), Some(1.0));
    assert_eq!(server.state.telemetry.cli_logins("dev"), 2);
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_unknown_host_key_and_a_device_that_stops_mid_output() {
    let platform = Platform::CiscoIos;
    let sshd = Sshd::start(
        platform,
        "show_version/cisco_ios_show_version.raw",
        "show_interfaces/cisco_ios_show_interfaces.raw",
    );
    // Password logins are off on this sshd: a password is a wrong credential.
    let wrong_pw = format!(
        "  - name: badpw\n    address: 127.0.0.1\n    ssh: {{platform: cisco_ios, port: {}, username: root, password: not-the-password, known_hosts: {}, timeout: 3s}}\n",
        sshd.port,
        sshd.known_hosts().display()
    );
    // A known_hosts entry with another key for this host:port.
    keygen(&sshd.path("other_key"));
    let other = std::fs::read_to_string(sshd.path("other_key.pub")).unwrap();
    std::fs::write(
        sshd.path("wrong_known_hosts"),
        format!("[127.0.0.1]:{} {}", sshd.port, other),
    )
    .unwrap();
    let bad_host = sshd.target("badhost", platform, "").replace(
        &sshd.known_hosts().display().to_string(),
        &sshd.path("wrong_known_hosts").display().to_string(),
    );
    let server = Server::start(&format!(
        "targets:\n{}{}{}",
        sshd.target("dev", platform, ""),
        wrong_pw,
        bad_host
    ))
    .await;

    let s = probe(&server, "badpw").await;
    assert_eq!(value(&s, "netgauge_device_up", &[("device", "badpw")]), Some(0.0));
    assert_eq!(server.state.telemetry.failures("badpw", FailureReason::AuthFailure), 1);
    // The next scrape does not log in again (TACACS lockouts, AAA log floods): it reports the backoff.
    let s = probe(&server, "badpw").await;
    assert_eq!(value(&s, "netgauge_device_up", &[("device", "badpw")]), Some(0.0));
    assert_eq!(server.state.telemetry.failures("badpw", FailureReason::AuthFailure), 2);
    assert_eq!(
        server.state.telemetry.cli_logins("badpw"),
        1,
        "one login attempt for two scrapes"
    );

    let s = probe(&server, "badhost").await;
    assert_eq!(value(&s, "netgauge_device_up", &[("device", "badhost")]), Some(0.0));
    assert_eq!(
        server.state.telemetry.failures("badhost", FailureReason::AuthFailure),
        1,
        "a changed host key is refused"
    );

    // Stops answering half-way through `show interfaces`: the scrape ends at the command timeout.
    std::fs::write(sshd.path("control/hang"), "").unwrap();
    let s = probe(&server, "dev").await;
    assert_eq!(value(&s, "netgauge_device_up", &[("device", "dev")]), Some(0.0));
    assert_eq!(server.state.telemetry.failures("dev", FailureReason::Timeout), 1);
    let took = value(&s, "netgauge_scrape_duration_seconds", &[("collector", "ssh_system")]).unwrap();
    assert!(
        took < 10.0,
        "bounded by the 3 s command timeout, not the device: {took}"
    );
    // Answering again: the next scrape logs in afresh and succeeds.
    std::fs::remove_file(sshd.path("control/hang")).unwrap();
    let s = probe(&server, "dev").await;
    assert_eq!(value(&s, "netgauge_device_up", &[("device", "dev")]), Some(1.0));
    server.stop().await;
}

/// Telnet (legacy gear): the same CLI and parsers behind a Telnet login.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telnet_login_commands_and_a_refused_password() {
    let dir = tempfile::tempdir().unwrap();
    let control = dir.path().join("control");
    std::fs::create_dir(&control).unwrap();
    let fixtures = Path::new(ROOT).join("tests/fixtures/cli/cisco_ios");
    std::fs::copy(
        fixtures.join("show_version/cisco_ios_show_version.raw"),
        control.join("version"),
    )
    .unwrap();
    let interfaces = fixtures.join("show_interfaces/cisco_ios_show_interfaces2.raw");
    std::fs::copy(&interfaces, control.join("interfaces")).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let _telnetd = Proc(
        Command::new("/usr/bin/python3")
            .arg(Path::new(ROOT).join("tests/fixtures/fake-telnetd.py"))
            .args([&port.to_string(), "netops", "telnet-pass", "cisco_ios"])
            .arg(&control)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "fake telnetd did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let yaml = format!(
        "targets:\n  - name: old\n    address: 127.0.0.1\n    telnet: {{platform: cisco_ios, port: {port}, username: netops, password: telnet-pass, timeout: 3s}}\n\
         \x20 - name: badpw\n    address: 127.0.0.1\n    telnet: {{platform: cisco_ios, port: {port}, username: netops, password: wrong, timeout: 3s}}\n"
    );
    let server = Server::start(&yaml).await;
    for _ in 0..2 {
        let s = probe(&server, "old").await;
        assert_eq!(value(&s, "netgauge_device_up", &[("device", "old")]), Some(1.0));
        assert_eq!(
            value(&s, "netgauge_scrape_success", &[("collector", "telnet_interfaces")]),
            Some(1.0)
        );
        let mut expected = Platform::CiscoIos
            .parse_interfaces(&std::fs::read_to_string(&interfaces).unwrap())
            .value;
        netgauge::collector::cli::parse::dedupe_names(&mut expected);
        assert_eq!(
            s.iter().filter(|x| x.name == "netgauge_interface_info").count(),
            expected.len()
        );
    }
    assert_eq!(
        server.state.telemetry.cli_logins("old"),
        1,
        "one Telnet login for both scrapes"
    );
    let s = probe(&server, "badpw").await;
    assert_eq!(value(&s, "netgauge_device_up", &[("device", "badpw")]), Some(0.0));
    assert_eq!(server.state.telemetry.failures("badpw", FailureReason::AuthFailure), 1);
    server.stop().await;
}

#[tokio::test]
async fn a_slow_login_banner_waits_for_the_prompt_up_to_the_configured_timeout() {
    let platform = Platform::CiscoIos;
    let sshd = Sshd::start(
        platform,
        "show_version/cisco_ios_show_version.raw",
        "show_interfaces/cisco_ios_show_interfaces.raw",
    );
    // Silent for 3.5 s after login, as behind a slow AAA server; the timeout is 8 s.
    std::fs::write(sshd.path("control/banner_delay"), "3.5").unwrap();
    let target = sshd.target("slow", platform, "").replace("timeout: 3s", "timeout: 8s");
    let server = Server::start(&format!("targets:\n{target}")).await;
    let s = probe(&server, "slow").await;
    assert_eq!(value(&s, "netgauge_device_up", &[("device", "slow")]), Some(1.0));
    server.stop().await;
}

#[tokio::test]
async fn a_login_slower_than_the_scrape_finishes_in_the_background_and_the_response_is_on_time() {
    let platform = Platform::CiscoIos;
    let sshd = Sshd::start(
        platform,
        "show_version/cisco_ios_show_version.raw",
        "show_interfaces/cisco_ios_show_interfaces.raw",
    );
    std::fs::write(sshd.path("control/banner_delay"), "5").unwrap();
    let target = sshd.target("slow", platform, "").replace("timeout: 3s", "timeout: 15s");
    let server = Server::start(&format!("targets:\n{target}")).await;
    // Prometheus gives up after 4 s: the answer must be complete before that.
    let started = Instant::now();
    let (status, body) = server
        .get("/probe?target=slow", &[("X-Prometheus-Scrape-Timeout-Seconds", "4")])
        .await;
    let took = started.elapsed();
    assert_eq!(status, 200);
    assert!(
        took < Duration::from_secs(4),
        "answered after {took:?}, past Prometheus's timeout"
    );
    assert_eq!(
        value(&parse_exposition(&body), "netgauge_device_up", &[("device", "slow")]),
        Some(0.0)
    );
    // The login went on; once it is done the next scrape uses its session.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let s = probe(&server, "slow").await;
    assert_eq!(value(&s, "netgauge_device_up", &[("device", "slow")]), Some(1.0));
    assert_eq!(
        server.state.telemetry.cli_logins("slow"),
        1,
        "the background login's session was kept"
    );
    server.stop().await;
}

#[test]
fn check_connect_logs_in_to_ssh_targets() {
    let platform = Platform::CiscoIos;
    let sshd = Sshd::start(
        platform,
        "show_version/cisco_ios_show_version.raw",
        "show_interfaces/cisco_ios_show_interfaces.raw",
    );
    let file = sshd.path("netgauge.yml");
    std::fs::write(&file, format!("targets:\n{}", sshd.target("edge", platform, ""))).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_netgauge"))
        .args(["check", "--connect"])
        .arg(format!("--config.file={}", file.display()))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("ok    edge (127.0.0.1): cisco"), "{stdout}");
    assert!(!stdout.contains("no transport configured"), "{stdout}");
}
