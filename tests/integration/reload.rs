//! Reloading the config (POST /-/reload and SIGHUP) and split config files.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::*;

fn target(name: &str, port: u16) -> String {
    format!("  - name: {name}\n    address: 127.0.0.1:{port}\n    snmp: {{community: {V2C_COMMUNITY}}}\n")
}

#[tokio::test]
async fn reload_swaps_targets_and_a_broken_file_keeps_the_old_config() {
    let agent = Snmpd::start();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("netgauge.yml");
    std::fs::write(&file, format!("targets:\n{}", target("first", agent.port))).unwrap();
    let server = Server::start_files(std::slice::from_ref(&file)).await;
    assert_eq!(server.get("/probe?target=first", &[]).await.0, 200);

    std::fs::write(&file, format!("targets:\n{}", target("second", agent.port))).unwrap();
    let (status, body) = server.request("POST", "/-/reload", &[]).await;
    assert_eq!((status, body.as_str()), (200, "config reloaded: 1 target(s)\n"));
    assert_eq!(server.get("/probe?target=first", &[]).await.0, 404);
    assert_eq!(server.get("/probe?target=second", &[]).await.0, 200);

    // A broken file: 500 naming file, line and field; the old config serves on.
    std::fs::write(
        &file,
        format!("targets:\n{}    snmp: {{retries: lots}}\n", target("third", agent.port)),
    )
    .unwrap();
    let (status, body) = server.request("POST", "/-/reload", &[]).await;
    assert_eq!(status, 500);
    assert!(
        body.contains(&format!("{}:", file.display())) && body.contains("the previous one keeps running"),
        "{body}"
    );
    let (status, body) = server.get("/probe?target=second", &[]).await;
    assert_eq!(status, 200);
    assert!(body.contains("netgauge_device_up{device=\"second\"} 1"));

    let (_, metrics) = server.get("/metrics", &[]).await;
    let m = parse_exposition(&metrics);
    assert_eq!(value(&m, "netgauge_config_last_reload_successful", &[]), Some(0.0));
    assert_eq!(
        value(&m, "netgauge_config_reloads_total", &[("result", "success")]),
        Some(1.0)
    );
    assert_eq!(
        value(&m, "netgauge_config_reloads_total", &[("result", "failure")]),
        Some(1.0)
    );
    assert!(value(&m, "netgauge_config_last_reload_success_timestamp_seconds", &[]).unwrap() > 1.7e9);
    assert_eq!(server.get("/-/reload", &[]).await.0, 405, "GET must not reload");
    server.stop().await;
}

#[tokio::test]
async fn split_config_directory_with_shared_auths() {
    let agent = Snmpd::start();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("00-settings.yml"),
        format!("auths:\n  lab: {{community: {V2C_COMMUNITY}}}\ndefaults:\n  snmp: {{auth: lab}}\n"),
    )
    .unwrap();
    std::fs::write(
        d.join("10-inventory.yaml"),
        format!("targets:\n  - {{name: a, address: '127.0.0.1:{}'}}\n", agent.port),
    )
    .unwrap();
    std::fs::write(d.join("README.txt"), "not yaml, ignored").unwrap();
    let server = Server::start_files(&[d.to_path_buf()]).await;
    let (status, body) = server.get("/probe?target=a", &[]).await;
    assert_eq!(status, 200);
    assert!(body.contains("netgauge_device_up{device=\"a\"} 1"), "{body}");
    server.stop().await;

    // The same name in two files: both files named in the error.
    std::fs::write(d.join("20-more.yml"), "targets:\n  - {name: a, address: 192.0.2.1}\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_netgauge"))
        .arg("check")
        .arg(format!("--config.file={}", d.display()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let want = format!(
        "{}:2:12: targets[0].name: duplicate target name 'a' (first defined at {}:2)",
        d.join("20-more.yml").display(),
        d.join("10-inventory.yaml").display()
    );
    assert!(stderr.contains(&want), "wanted {want}\ngot {stderr}");
}

#[test]
fn sighup_reloads_the_running_binary() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("netgauge.yml");
    std::fs::write(
        &file,
        "targets:\n  - {name: a, address: 192.0.2.1, snmp: {community: x}}\n",
    )
    .unwrap();
    let netgauge = Netgauge::spawn(&[format!("--config.file={}", file.display())]);
    let (pid, addr) = (netgauge.pid, netgauge.addr());
    let landing = |want: &str| {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if http_request(addr, "GET", "/", &[]).1.contains(want) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    };
    assert!(landing("/probe?target=a"));
    std::fs::write(
        &file,
        "targets:\n  - {name: b, address: 192.0.2.2, snmp: {community: x}}\n",
    )
    .unwrap();
    let status = Command::new("kill").args(["-HUP", &pid.to_string()]).status().unwrap();
    assert!(status.success());
    assert!(landing("/probe?target=b"), "SIGHUP did not reload");
}

fn one_target_file(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let file = dir.join("netgauge.yml");
    std::fs::write(&file, format!("targets:\n{}", target(name, 1161))).unwrap();
    file
}

#[tokio::test]
async fn reload_endpoint_is_closed_without_web_enable_lifecycle() {
    let dir = tempfile::tempdir().unwrap();
    let file = one_target_file(dir.path(), "first");
    let config = netgauge::config::Config::load_all(std::slice::from_ref(&file)).unwrap();
    let options = netgauge::state::Options {
        sources: vec![file.clone()],
        ..Default::default()
    };
    let server = Server::start_state(netgauge::state::AppState::with_options(config, options)).await;
    std::fs::write(&file, format!("targets:\n{}", target("second", 1161))).unwrap();
    let (status, body) = server.request("POST", "/-/reload", &[]).await;
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("--web.enable-lifecycle"), "{body}");
    assert!(
        server.state.live().config.target("first").is_some(),
        "nothing was reloaded"
    );
    // SIGHUP's path (the state's own reload) still works.
    assert_eq!(server.state.reload().await.unwrap(), 1);
    assert!(server.state.live().config.target("second").is_some());
    server.stop().await;
}

#[tokio::test]
async fn cross_site_reload_requests_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = one_target_file(dir.path(), "first");
    let server = Server::start_files(std::slice::from_ref(&file)).await;
    let host = server.addr.to_string();
    for headers in [
        vec![("Origin", "http://attacker.example")],
        vec![("Origin", "null")],
        vec![("Sec-Fetch-Site", "cross-site"), ("Origin", "http://attacker.example")],
        vec![("Sec-Fetch-Site", "same-site")],
    ] {
        let (status, body) = server.request("POST", "/-/reload", &headers).await;
        assert_eq!(status, 403, "{headers:?}: {body}");
        assert!(body.contains("cross-site"), "{body}");
    }
    let reloads = |m: &str| {
        value(
            &parse_exposition(m),
            "netgauge_config_reloads_total",
            &[("result", "success")],
        )
    };
    let (_, m) = server.get("/metrics/exporter", &[]).await;
    assert_eq!(reloads(&m), None, "a refused request must not reload");
    // The page's own origin, a fetch the user typed, and curl (no headers) are let through.
    let own = format!("http://{host}");
    for headers in [
        vec![("Origin", own.as_str())],
        vec![("Sec-Fetch-Site", "same-origin")],
        vec![],
    ] {
        let (status, body) = server.request("POST", "/-/reload", &headers).await;
        assert_eq!(status, 200, "{headers:?}: {body}");
    }
    server.stop().await;
}

#[tokio::test]
async fn http_reloads_beyond_a_burst_are_refused_with_429() {
    let dir = tempfile::tempdir().unwrap();
    let file = one_target_file(dir.path(), "first");
    let server = Server::start_files(std::slice::from_ref(&file)).await;
    let mut codes = Vec::new();
    for _ in 0..10 {
        codes.push(server.request("POST", "/-/reload", &[]).await.0);
    }
    let ok = codes.iter().filter(|c| **c == 200).count();
    assert!(
        (3..=4).contains(&ok),
        "a burst of 3 (and perhaps one refilled): {codes:?}"
    );
    assert!(codes.iter().all(|c| *c == 200 || *c == 429), "{codes:?}");
    let (_, m) = server.get("/metrics/exporter", &[]).await;
    let done = value(
        &parse_exposition(&m),
        "netgauge_config_reloads_total",
        &[("result", "success")],
    );
    assert_eq!(done, Some(ok as f64), "a refused reload reads no file");
    server.stop().await;
}
