//! BGP against a real BGP speaker: two FRRouting bgpd peering over the
//! loopback of a network namespace the test makes, one of them serving
//! BGP4-MIB to net-snmp's snmpd over AgentX, and its vtysh (with zebra for
//! the interfaces) behind a real OpenSSH sshd; netgauge polls both from
//! inside the namespace (`netgauge probe`).

use std::path::Path;
use std::time::Duration;

use crate::harness::*;

const BGPD: &str = "/usr/lib/frr/bgpd";
const ZEBRA: &str = "/usr/lib/frr/zebra";
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn bgpd_config(
    me: &str,
    asn: u32,
    peer: &str,
    peer_asn: u32,
    peer_port: u16,
    networks: &[&str],
    agentx: bool,
) -> String {
    let mut c = format!(
        "frr defaults traditional\nhostname bgpd-{me}\nlog stdout\n{}\
         route-map NEXT-HOP permit 10\n set ip next-hop 192.0.2.1\nexit\n\
         router bgp {asn}\n bgp router-id {me}\n no bgp ebgp-requires-policy\n no bgp network import-check\n\
         neighbor {peer} remote-as {peer_asn}\n neighbor {peer} port {peer_port}\n neighbor {peer} update-source {me}\n\
         neighbor {peer} timers 3 9\n neighbor {peer} timers connect 1\n\
         address-family ipv4 unicast\n",
        if agentx { "agentx\n" } else { "" }
    );
    for n in networks {
        c.push_str(&format!("  network {n}\n"));
    }
    c.push_str(&format!(
        "  neighbor {peer} route-map NEXT-HOP out\n exit-address-family\nexit\n"
    ));
    c
}

fn probe_target(ns: &Netns, config: &Path, target: &str) -> Vec<Series> {
    let out = ns
        .command(Path::new(env!("CARGO_BIN_EXE_netgauge")))
        .args(["probe", &format!("--config.file={}", config.display()), target])
        .output()
        .unwrap();
    parse_exposition(&String::from_utf8_lossy(&out.stdout))
}

fn probe(ns: &Netns, config: &Path) -> Vec<Series> {
    probe_target(ns, config, "r1")
}

#[test]
fn bgp4_mib_peers_from_a_real_frr_session_go_down_when_the_peer_stops() {
    let (snmpd, bgpd, zebra, sshd) = (require("snmpd"), Path::new(BGPD), Path::new(ZEBRA), require("sshd"));
    assert!(
        bgpd.exists() && zebra.exists(),
        "{BGPD} or {ZEBRA} not found: run `sudo scripts/install-test-deps.sh` first (frr, frr-snmp)"
    );
    let ns = Netns::new("ngbgp");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (a, b) = (d.join("a"), d.join("b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    // zebra runs as FRR's own user (its vty group must hold the user it
    // runs as) and puts its socket beside bgpd's, where vtysh finds both.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&a, std::fs::Permissions::from_mode(0o777)).unwrap();
    // A port beside the loopback, for zebra to list.
    ns.ip(&["link", "add", "port1", "type", "ifb"]);
    ns.ip(&["link", "set", "port1", "up"]);
    let sock = d.join("agentx.sock");
    std::fs::write(
        d.join("snmpd.conf"),
        format!(
            "agentaddress udp:127.0.0.1:16161\nrocommunity public 127.0.0.1\nmaster agentx\nagentXSocket {}\n",
            sock.display()
        ),
    )
    .unwrap();
    // bgpd's AgentX subagent reads SNMPCONFPATH/frr.conf for the socket.
    std::fs::write(a.join("frr.conf"), format!("agentXSocket {}\n", sock.display())).unwrap();
    std::fs::write(
        a.join("bgpd.conf"),
        bgpd_config("127.0.0.1", 65001, "127.0.0.2", 65002, 17902, &["192.0.2.0/25"], true),
    )
    .unwrap();
    std::fs::write(
        b.join("bgpd.conf"),
        bgpd_config(
            "127.0.0.2",
            65002,
            "127.0.0.1",
            65001,
            17901,
            &["198.51.100.0/24", "203.0.113.0/24", "192.0.2.128/25"],
            false,
        ),
    )
    .unwrap();
    let _snmpd = ns.spawn(
        &snmpd,
        &[
            "-f".into(),
            "-Lo".into(),
            "-C".into(),
            "-c".into(),
            d.join("snmpd.conf").display().to_string(),
        ],
        &[],
    );
    std::thread::sleep(Duration::from_millis(500));
    let bgpd_args = |dir: &Path, addr: &str, port: u16, snmp: bool| {
        let mut v: Vec<String> = vec![
            "-Z".into(),
            "-n".into(),
            "-S".into(),
            "-u".into(),
            "root".into(),
            "-g".into(),
            "root".into(),
            "-l".into(),
            addr.into(),
            "-p".into(),
            port.to_string(),
            "-P".into(),
            "0".into(),
            "-f".into(),
            dir.join("bgpd.conf").display().to_string(),
            "-i".into(),
            dir.join("bgpd.pid").display().to_string(),
            "--vty_socket".into(),
            dir.display().to_string(),
        ];
        if snmp {
            v.extend(["-M".into(), "snmp".into()]);
        }
        v
    };
    let _a = ns.spawn(bgpd, &bgpd_args(&a, "127.0.0.1", 17901, true), &[("SNMPCONFPATH", &a)]);
    std::fs::write(a.join("zebra.conf"), "hostname r1\n").unwrap();
    let _zebra = ns.spawn(
        zebra,
        &[
            "-u",
            "frr",
            "-g",
            "frr",
            "-P",
            "0",
            "-f",
            &a.join("zebra.conf").display().to_string(),
            "-i",
            &a.join("zebra.pid").display().to_string(),
            "-z",
            &a.join("zserv.api").display().to_string(),
            "--vty_socket",
            &a.display().to_string(),
        ]
        .map(String::from),
        &[],
    );
    // r1's CLI: a real sshd whose sessions are answered by FRR's vtysh.
    let (s, control) = (d.join("sshd"), d.join("control"));
    std::fs::create_dir_all(&s).unwrap();
    std::fs::create_dir_all(&control).unwrap();
    std::fs::write(control.join("vtysh"), a.display().to_string()).unwrap();
    let ssh_port = 17922;
    let sshd_config = sshd_files(
        &s,
        ssh_port,
        &format!(
            "/usr/bin/python3 {ROOT}/tests/fixtures/fake-cli.py frr {}",
            control.display()
        ),
    );
    let _sshd = ns.spawn(
        &sshd,
        &["-D".into(), "-e".into(), "-f".into(), sshd_config.display().to_string()],
        &[],
    );
    let host_key = std::fs::read_to_string(s.join("host_key.pub")).unwrap();
    std::fs::write(s.join("known_hosts"), format!("[127.0.0.1]:{ssh_port} {host_key}")).unwrap();
    let mut peer_b = Some(ns.spawn(bgpd, &bgpd_args(&b, "127.0.0.2", 17902, false), &[]));

    let config = d.join("netgauge.yml");
    let user = std::env::var("USER").unwrap_or_else(|_| "root".into());
    std::fs::write(
        &config,
        format!(
            "targets:\n  - name: r1\n    address: 127.0.0.1:16161\n    labels: {{vrf: red}}\n    snmp: {{community: public, timeout: 1s, retries: 1}}\n\
             \x20 - name: r1-cli\n    address: 127.0.0.1\n    ssh: {{platform: frr, port: {ssh_port}, username: {user}, key_file: {}, known_hosts: {}, timeout: 5s}}\n",
            s.join("client_key").display(),
            s.join("known_hosts").display()
        ),
    )
    .unwrap();
    let up = |s: &[Series]| value(s, "netgauge_bgp_peer_up", &[("peer", "127.0.0.2")]);
    wait_for(
        "the session to be established and served over AgentX",
        Duration::from_secs(90),
        || up(&probe(&ns, &config)) == Some(1.0),
    );
    let id = [
        ("peer", "127.0.0.2"),
        ("remote_as", "65002"),
        ("vrf", "default"),
        ("local_address", "127.0.0.1"),
    ];
    // The routes (and End-of-RIB markers) follow the session up: UPDATEs
    // counted both ways. Both are waited for: each side sends its own when
    // its update timer fires, so one may arrive a moment after the other
    // (under load, after the probe that saw the first).
    wait_for("UPDATE messages both ways", Duration::from_secs(30), || {
        let s = probe(&ns, &config);
        let counted = |name| value(&s, name, &id).is_some_and(|n| n >= 1.0);
        counted("netgauge_bgp_peer_updates_received_total") && counted("netgauge_bgp_peer_updates_sent_total")
    });
    let s = probe(&ns, &config);
    assert_eq!(value(&s, "netgauge_bgp_peer_state", &id), Some(6.0));
    assert_eq!(value(&s, "netgauge_bgp_peer_admin_up", &id), Some(1.0));
    assert_eq!(value(&s, "netgauge_bgp_peer_transitions_total", &id), Some(1.0));
    assert!(value(&s, "netgauge_bgp_peer_established_seconds", &id).is_some());
    // The target's own `vrf` label does not clash with the BGP one.
    assert_eq!(
        value(&s, "netgauge_bgp_peer_up", &[("vrf", "default"), ("target_vrf", "red")]),
        Some(1.0)
    );
    let info = s
        .iter()
        .find(|x| x.name == "netgauge_bgp_peer_info")
        .expect("info series");
    assert_eq!(
        info.labels.get("remote_router_id").map(String::as_str),
        Some("127.0.0.2")
    );
    promtool_parses(&String::from_utf8_lossy(
        &ns.command(Path::new(env!("CARGO_BIN_EXE_netgauge")))
            .args(["probe", &format!("--config.file={}", config.display()), "r1"])
            .output()
            .unwrap()
            .stdout,
    ));

    // Over the CLI (platform frr): r1's vtysh behind sshd, through the whole
    // CLI collector: the prefixes received are exactly the three the peer
    // announces, the interfaces are zebra's.
    let cli = |s: &[Series], name: &str| {
        value(
            s,
            name,
            &[
                ("peer", "127.0.0.2"),
                ("vrf", "default"),
                ("afi", "ipv4"),
                ("safi", "unicast"),
            ],
        )
    };
    wait_for("the three announced prefixes over SSH", Duration::from_secs(30), || {
        cli(
            &probe_target(&ns, &config, "r1-cli"),
            "netgauge_bgp_peer_prefixes_received",
        ) == Some(3.0)
    });
    let s = probe_target(&ns, &config, "r1-cli");
    let id = [("peer", "127.0.0.2"), ("remote_as", "65002"), ("vrf", "default")];
    assert_eq!(value(&s, "netgauge_bgp_peer_up", &id), Some(1.0));
    assert_eq!(value(&s, "netgauge_bgp_peer_state", &id), Some(6.0));
    // Identity from vtysh's own `show version` ("FRRouting 8.4.4 (host)").
    let info = s
        .iter()
        .find(|x| x.name == "netgauge_device_info")
        .expect("device info over SSH");
    assert_eq!(info.labels.get("vendor").map(String::as_str), Some("frrouting"));
    assert!(
        info.labels
            .get("os_version")
            .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit())),
        "{info:?}"
    );
    for port in ["lo", "port1"] {
        assert_eq!(
            value(&s, "netgauge_interface_oper_up", &[("interface", port)]),
            Some(1.0),
            "{port} from zebra"
        );
    }

    // The peer stops: within the 9 s hold time the session is down.
    drop(peer_b.take());
    wait_for("the session to go down", Duration::from_secs(40), || {
        up(&probe(&ns, &config)) == Some(0.0)
    });
    wait_for("the session to go down over SSH", Duration::from_secs(20), || {
        up(&probe_target(&ns, &config, "r1-cli")) == Some(0.0)
    });
    let s = probe(&ns, &config);
    assert!(value(&s, "netgauge_bgp_peer_state", &[("peer", "127.0.0.2")]).is_some_and(|v| v < 6.0));
    assert_eq!(
        value(&s, "netgauge_bgp_peer_established_seconds", &[("peer", "127.0.0.2")]),
        None
    );
}
