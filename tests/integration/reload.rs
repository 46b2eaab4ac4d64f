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
