//! The `netgauge` binary: `check` on valid and broken configs, `--version`.

use std::path::PathBuf;
use std::process::Command;

fn netgauge() -> Command {
    Command::new(env!("CARGO_BIN_EXE_netgauge"))
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn every_shipped_example_config_is_valid() {
    let mut n = 0;
    for entry in std::fs::read_dir(root().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !(name.starts_with("netgauge") && (name.ends_with(".yml") || name.ends_with(".yaml"))) {
            continue;
        }
        let out = netgauge()
            .arg("check")
            .arg(format!("--config.file={}", path.display()))
            .env("SNMP_AUTH_PASS", "example-auth-pass")
            .env("SNMP_COMMUNITY", "example-community")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        n += 1;
    }
    assert!(n >= 2, "expected example configs, found {n}");
}

/// Each file in tests/configs/invalid/ states the errors it must produce in
/// its leading `# expect: ` comment lines.
#[test]
fn every_invalid_config_fails_with_file_line_and_field() {
    let dir = root().join("tests/configs/invalid");
    let mut n = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let expected: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("# expect: ")).collect();
        assert!(!expected.is_empty(), "{} has no '# expect:' lines", path.display());
        let out = netgauge()
            .arg("check")
            .arg(format!("--config.file={}", path.display()))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{} must fail", path.display());
        let stderr = String::from_utf8_lossy(&out.stderr);
        for e in expected {
            let want = format!("{}:{e}", path.display());
            assert!(
                stderr.contains(&want),
                "{}:\nwanted: {want}\ngot:\n{stderr}",
                path.display()
            );
        }
        n += 1;
    }
    assert!(n >= 5);
}

#[test]
fn check_reports_a_missing_file_clearly() {
    let out = netgauge()
        .args(["check", "--config.file=/nonexistent/netgauge.yml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/nonexistent/netgauge.yml: cannot read config file"),
        "{stderr}"
    );
}

#[test]
fn check_warns_of_a_target_label_the_neighbor_and_inventory_series_rename() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("netgauge.yml");
    std::fs::write(
        &file,
        "targets:\n  - name: a\n    address: 192.0.2.1\n    snmp: {community: x}\n    labels: {class: access}\n",
    )
    .unwrap();
    let out = netgauge()
        .arg("check")
        .arg(format!("--config.file={}", file.display()))
        .output()
        .unwrap();
    // A warning, not an error: existing configs keep working.
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("{}:5", file.display()))
            && stderr.contains("targets[0].labels.class")
            && stderr.contains("'target_class'"),
        "{stderr}"
    );
}

#[test]
fn version_and_help_use_prometheus_flag_names() {
    let out = netgauge().arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
    let help = String::from_utf8_lossy(&netgauge().arg("--help").output().unwrap().stdout).into_owned();
    for flag in ["--config.file", "--web.listen-address", "--log.level", "--log.format"] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
}

#[test]
fn import_then_check_then_export_round_trips_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("devices.csv"),
        "name,address,auth,site,role\ncore-1,192.0.2.1,lab,jkt,core\nedge-1,[2001:db8::7]:1161,lab,sby,\"edge, \"\"north\"\"\"\n",
    )
    .unwrap();
    let out = netgauge().arg("import").arg(d.join("devices.csv")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    std::fs::write(d.join("targets.yml"), &out.stdout).unwrap();
    std::fs::write(
        d.join("settings.yml"),
        "auths:\n  lab: {community: very-secret-community}\n",
    )
    .unwrap();
    let files = [
        format!("--config.file={}", d.join("settings.yml").display()),
        format!("--config.file={}", d.join("targets.yml").display()),
    ];
    let check = netgauge().arg("check").args(&files).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));

    let csv = netgauge().arg("export").args(&files).output().unwrap();
    let csv = String::from_utf8_lossy(&csv.stdout);
    assert_eq!(
        csv,
        "name,address,transport,version,role,site\ncore-1,192.0.2.1,snmp,2c,core,jkt\nedge-1,[2001:db8::7]:1161,snmp,2c,\"edge, \"\"north\"\"\",sby\n"
    );
    let json = netgauge()
        .args(["export", "--format", "json"])
        .args(&files)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(json[1]["labels"]["role"], "edge, \"north\"");
    for text in [csv.to_string(), json.to_string()] {
        assert!(!text.contains("very-secret-community"));
    }
}

#[test]
fn import_reports_every_bad_row() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("devices.json");
    std::fs::write(
        &f,
        r#"[{"name":"a","address":"192.0.2.1"},{"name":"a","address":""},{"address":"h:0"}]"#,
    )
    .unwrap();
    let out = netgauge().arg("import").arg(&f).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "nothing is printed when anything is wrong");
    let stderr = String::from_utf8_lossy(&out.stderr);
    for want in [
        "device 2 (index 1): duplicate name 'a'",
        "device 2 (index 1): missing address",
        "device 3 (index 2): missing name",
        "device 3 (index 2): '0' is not a port number",
        "4 problem(s)",
    ] {
        assert!(stderr.contains(want), "{want:?} not in:\n{stderr}");
    }
}

#[test]
fn check_connect_reports_reachability_of_every_target() {
    let agent = crate::harness::Snmpd::start();
    let hole = crate::harness::BlackHole::new();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("n.yml");
    std::fs::write(
        &f,
        format!(
            "global: {{scrape_timeout: 2s}}\ntargets:\n  - {{name: up, address: '127.0.0.1:{}', snmp: {{community: {}}}}}\n  - {{name: silent, address: '127.0.0.1:{}', snmp: {{community: x, timeout: 300ms, retries: 1}}}}\n",
            agent.port,
            crate::harness::V2C_COMMUNITY,
            hole.port
        ),
    )
    .unwrap();
    let out = netgauge()
        .args(["check", "--connect"])
        .arg(format!("--config.file={}", f.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("ok    up (127.0.0.1:") && stdout.contains("net-snmp"),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL  silent (127.0.0.1:") && stdout.contains("no reply after 2 attempt(s)"),
        "{stdout}"
    );
    assert!(stdout.contains("1/2 target(s) reachable"), "{stdout}");
}

#[test]
fn the_open_files_soft_limit_is_raised_to_the_hard_limit() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("n.yml");
    std::fs::write(&f, "targets: []\n").unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Started with the usual soft limit far below its hard one.
    let _child = crate::harness::Proc(
        Command::new(crate::harness::require("prlimit"))
            .args(["--nofile=256:4096", "--"])
            .arg(env!("CARGO_BIN_EXE_netgauge"))
            .arg(format!("--config.file={}", f.display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let started = std::time::Instant::now();
    while std::net::TcpStream::connect(addr).is_err() {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "netgauge did not start"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let (_, body) = crate::harness::http_request(addr, "GET", "/metrics/exporter", &[]);
    let series = crate::harness::parse_exposition(&body);
    assert_eq!(crate::harness::value(&series, "process_max_fds", &[]), Some(4096.0));
}
