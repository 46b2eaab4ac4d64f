//! Topology from live LLDP: two Debian lldpd, each in a network namespace
//! of its own at either end of a veth pair, each serving LLDP-MIB over
//! AgentX to a net-snmp snmpd in its namespace (so that IF-MIB lists the
//! veth); netgauge, the real binary, polls both snmpd as two targets on
//! 127.0.0.1 and must see each device as the other's neighbor.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::*;

/// One end of the link.
struct Side {
    /// The netgauge target.
    target: &'static str,
    /// lldpd's system name, and the snmpd's sysName.
    system: &'static str,
    /// The veth end in this side's namespace, its MAC and IPv4 address.
    port: &'static str,
    mac: &'static str,
    address: &'static str,
    /// An ifAlias: lldpd then sends the name as port id and the alias as
    /// port description, where without one it sends the MAC and the name.
    alias: Option<&'static str>,
}

const LEFT: Side = Side {
    target: "left",
    system: "lldp-left",
    port: "ngA0",
    mac: "02:6e:67:00:00:0a",
    address: "192.0.2.1",
    alias: None,
};

const RIGHT: Side = Side {
    target: "right",
    system: "lldp-right",
    port: "ngB0",
    mac: "02:6e:67:00:00:0b",
    address: "192.0.2.2",
    alias: Some("uplink to left"),
};

/// lldpd's system description (the default names the kernel and build).
const DESCRIPTION: &str = "netgauge live LLDP test";

/// lldpLocSysName.0: served once lldpd's AgentX subagent is registered.
const LLDP_LOC_SYS_NAME: &str = "1.0.8802.1.1.2.1.3.3.0";

/// A device: snmpd in `ns` answering on 127.0.0.1 with sysName
/// `side.system`, and lldpd in `ns` serving LLDP-MIB to it over AgentX.
struct Device {
    _lldpd: Proc,
    snmpd: Snmpd,
    /// lldpd's control socket, for lldpcli.
    control: PathBuf,
}

fn device(ns: &Netns, side: &Side, dir: &Path) -> Device {
    let agentx = dir.join(format!("{}-agentx.sock", side.target));
    let snmpd = Snmpd::start_in(
        ns,
        &format!(
            "sysName {}\nmaster agentx\nagentXSocket {}\n",
            side.system,
            agentx.display()
        ),
    );
    // Read by lldpd's own lldpcli at start (-O), before the first LLDPDU.
    // The capabilities are pinned: by default lldpd enables `router` only
    // where the namespace forwards IPv4, else `station`.
    let config = dir.join(format!("{}-lldpd.conf", side.target));
    std::fs::write(
        &config,
        format!(
            "configure system hostname {}\nconfigure system description \"{DESCRIPTION}\"\n\
             configure system capabilities enabled router\nconfigure lldp tx-interval 1\n",
            side.system
        ),
    )
    .unwrap();
    let control = dir.join(format!("{}-lldpd.ctl", side.target));
    let lldpd = ns.spawn(
        &require("lldpd"),
        &[
            "-d".into(),
            "-x".into(),
            "-X".into(),
            agentx.display().to_string(),
            "-u".into(),
            control.display().to_string(),
            "-O".into(),
            config.display().to_string(),
        ],
        &[],
    );
    wait_for(
        &format!("{}'s lldpd to register LLDP-MIB with snmpd over AgentX", side.target),
        Duration::from_secs(20),
        || snmpget(snmpd.port, V2C_COMMUNITY, LLDP_LOC_SYS_NAME).is_some_and(|v| v.contains(side.system)),
    );
    Device {
        _lldpd: lldpd,
        snmpd,
        control,
    }
}

/// The veth pair between the two namespaces, made in them (never in the
/// test's own namespace, so its names cannot clash), addressed and up.
fn link(a: (&Netns, &Side), b: (&Netns, &Side)) {
    let ip = |args: &[&str]| {
        let status = Command::new(require("ip")).args(args).status().unwrap();
        assert!(status.success(), "ip {}", args.join(" "));
    };
    ip(&[
        "link", "add", a.1.port, "address", a.1.mac, "netns", &a.0 .0, "type", "veth", "peer", "name", b.1.port,
        "address", b.1.mac, "netns", &b.0 .0,
    ]);
    for (ns, side) in [a, b] {
        ns.ip(&["addr", "add", &format!("{}/30", side.address), "dev", side.port]);
        if let Some(alias) = side.alias {
            ns.ip(&["link", "set", side.port, "alias", alias]);
        }
        ns.ip(&["link", "set", side.port, "up"]);
    }
}

/// `device`'s one neighbor_info series.
fn neighbor<'a>(series: &'a [Series], device: &str) -> Option<&'a Series> {
    series
        .iter()
        .find(|s| s.name == "netgauge_neighbor_info" && s.labels.get("device").map(String::as_str) == Some(device))
}

/// What each lldpd itself sees and what netgauge served, for a failure.
fn diagnostics(devices: &[&Device], exposition: &str, log: &Path) -> String {
    let mut out = String::new();
    for d in devices {
        let o = Command::new(require("lldpcli"))
            .arg("-u")
            .arg(&d.control)
            .args(["show", "neighbors", "details"])
            .output()
            .unwrap();
        out.push_str(&format!(
            "lldpcli -u {}:\n{}{}\n",
            d.control.display(),
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ));
    }
    out.push_str("netgauge's neighbor series:\n");
    for l in exposition.lines().filter(|l| l.starts_with("netgauge_neighbor")) {
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(&format!(
        "netgauge's log:\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    ));
    out
}

#[test]
fn lldpd_peers_in_two_namespaces_see_each_other_through_snmp() {
    require("lldpcli");
    let (ns_left, ns_right) = (Netns::new("ngtopo"), Netns::new("ngtopo"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Debian's lldpcli is setuid _lldpd, and lldpd runs it on its -O file
    // at start: it must reach the control sockets in here.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    link((&ns_left, &LEFT), (&ns_right, &RIGHT));
    let left = device(&ns_left, &LEFT, d);
    let right = device(&ns_right, &RIGHT, d);

    let config = d.join("netgauge.yml");
    let mut yaml = String::from("targets:\n");
    for (side, dev) in [(&LEFT, &left), (&RIGHT, &right)] {
        yaml.push_str(&format!(
            "  - name: {}\n    address: 127.0.0.1:{}\n    snmp: {{community: {V2C_COMMUNITY}, timeout: 1s, retries: 1}}\n    neighbors_interval: 30s\n",
            side.target, dev.snmpd.port
        ));
    }
    std::fs::write(&config, yaml).unwrap();
    let log = d.join("netgauge.log");
    let netgauge = Netgauge::spawn_logging(&[format!("--config.file={}", config.display())], Some(&log));

    // Neighbors are walked on the first scrape and again when
    // lldpStatsRemTablesLastChangeTime moves: a neighbor lldpd learns
    // after the first walk shows up on the scrape after.
    let scrape = || {
        let (status, body) = http_request(netgauge.addr(), "GET", "/metrics", &[]);
        assert_eq!(status, 200, "{body}");
        body
    };
    let sees = |series: &[Series], me: &Side, peer: &Side| {
        neighbor(series, me.target)
            .is_some_and(|n| n.labels.get("remote_system").map(String::as_str) == Some(peer.system))
    };
    let started = Instant::now();
    let body = loop {
        let body = scrape();
        let series = parse_exposition(&body);
        if sees(&series, &LEFT, &RIGHT) && sees(&series, &RIGHT, &LEFT) {
            break body;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the two devices did not see each other within 60 s\n{}",
            diagnostics(&[&left, &right], &body, &log)
        );
        std::thread::sleep(Duration::from_secs(1));
    };
    promtool_check(&body);
    let series = parse_exposition(&body);

    for (me, peer) in [(&LEFT, &RIGHT), (&RIGHT, &LEFT)] {
        assert_eq!(
            value(
                &series,
                "netgauge_neighbors",
                &[("device", me.target), ("protocol", "lldp")]
            ),
            Some(1.0),
            "{} has one LLDP neighbor",
            me.target
        );
        let n = neighbor(&series, me.target).unwrap();
        let got = |label: &str| n.labels.get(label).map(String::as_str);
        // What lldpd 1.0.16 sends from a veth: the chassis id is the MAC of
        // its (only) interface; the port id is the MAC and the port
        // description the name, unless the interface has an alias: then
        // the name and the alias. Management addresses: the IPv4 one, and
        // the IPv6 link-local once DAD is done (netgauge shows IPv4 first).
        let (remote_port, remote_port_description) = match peer.alias {
            None => (peer.mac, peer.port),
            Some(alias) => (peer.port, alias),
        };
        for (label, want) in [
            ("interface", me.port),
            ("protocol", "lldp"),
            ("remote_system", peer.system),
            ("remote_port", remote_port),
            ("remote_port_description", remote_port_description),
            ("remote_chassis_id", peer.mac),
            ("remote_platform", DESCRIPTION),
            ("remote_address", peer.address),
            ("remote_capabilities", "router"),
        ] {
            assert_eq!(got(label), Some(want), "{label} of {}'s neighbor: {n:?}", me.target);
        }
        // Each is the other's target: lldpd's chassis id is its veth's MAC,
        // which the other side reads as lldpLocChassisId. Both ends name the
        // link alike, though one sends its port as a MAC (resolved through
        // its description) and the other by name.
        assert_eq!(got("remote_device"), Some(peer.target), "{n:?}");
        assert_eq!(got("link"), Some("left:ngA0 -- right:ngB0"), "{n:?}");
    }

    // A real Prometheus scrapes netgauge; the Topology dashboard's map
    // queries, with its variables expanded, draw the two devices up and
    // one edge between them, labelled with both ports.
    let prometheus = Prometheus::start(netgauge.addr(), d);
    let (nodes, edges) = map_queries();
    let started = Instant::now();
    let (nodes, edges) = loop {
        let (n, e) = (prometheus.query(&nodes), prometheus.query(&edges));
        if n.len() == 2 && !e.is_empty() {
            break (n, e);
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no map from Prometheus within 60 s: nodes {n:?}, edges {e:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    let label = |r: &serde_json::Value, l: &str| r["metric"][l].as_str().unwrap_or_default().to_owned();
    let mut drawn: Vec<(String, String)> = nodes.iter().map(|r| (label(r, "id"), label(r, "color"))).collect();
    drawn.sort();
    assert_eq!(
        drawn,
        [
            ("left".to_owned(), "green".to_owned()),
            ("right".to_owned(), "green".to_owned())
        ]
    );
    assert_eq!(edges.len(), 1, "one edge per cable: {edges:?}");
    let e = &edges[0];
    assert_eq!(
        ["source", "target", "mainstat", "secondarystat"].map(|l| label(e, l)),
        ["left", "right", "ngA0", "ngB0"],
        "{e}"
    );
}

/// The Topology dashboard's Node Graph queries (nodes, edges), with the
/// dashboard variables expanded to "all".
fn map_queries() -> (String, String) {
    let board: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards/topology.json")).unwrap(),
    )
    .unwrap();
    let panel = board["panels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["type"] == "nodeGraph")
        .expect("a Node Graph panel");
    let expr = |ref_id: &str| {
        let t = panel["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["refId"] == ref_id)
            .unwrap_or_else(|| panic!("no {ref_id} query"));
        t["expr"]
            .as_str()
            .unwrap()
            .replace("$__rate_interval", "20s")
            .replace("$job", ".*")
            .replace("$instance", ".*")
            .replace("$device", ".*")
    };
    (expr("nodes"), expr("edges"))
}
