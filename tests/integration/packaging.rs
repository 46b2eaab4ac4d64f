//! The shipped packaging, checked with the tools that can run here (no
//! Docker engine and no Kubernetes cluster on CI machines): hadolint for the
//! Dockerfile, systemd-analyze for the unit, structure and `netgauge check`
//! for the Kubernetes manifests, and the `healthcheck` command the image uses.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::*;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn venv_bin(name: &str) -> PathBuf {
    let venv = std::env::var("NETGAUGE_TEST_VENV").unwrap_or_else(|_| "/opt/netgauge-test/venv".into());
    let p = Path::new(&venv).join("bin").join(name);
    assert!(p.exists(), "{} missing: run scripts/install-test-deps.sh", p.display());
    p
}

#[test]
fn dockerfile_passes_hadolint() {
    let out = Command::new(venv_bin("hadolint"))
        .arg("--no-color")
        .arg(root().join("Dockerfile"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "hadolint:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn systemd_unit_verifies_without_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let unit = std::fs::read_to_string(root().join("examples/systemd/netgauge.service")).unwrap();
    let unit = unit.replace("/usr/local/bin/netgauge", env!("CARGO_BIN_EXE_netgauge"));
    let path = dir.path().join("netgauge.service");
    std::fs::write(&path, unit).unwrap();
    let out = Command::new(require("systemd-analyze"))
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    assert_quiet_success(&out, "systemd-analyze verify");
}

fn yaml(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn kubernetes_manifests_fit_together_and_carry_a_valid_config() {
    let dir = root().join("examples/kubernetes");
    let mut docs = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let v = yaml(&path);
        for key in ["apiVersion", "kind"] {
            assert!(v[key].is_string(), "{}: no {key}", path.display());
        }
        assert_eq!(v["metadata"]["namespace"], "monitoring", "{}", path.display());
        assert!(v["metadata"]["name"].is_string(), "{}", path.display());
        docs.insert(v["kind"].as_str().unwrap().to_owned(), v);
    }
    for kind in [
        "ConfigMap",
        "Secret",
        "Deployment",
        "Service",
        "ServiceMonitor",
        "ScrapeConfig",
    ] {
        assert!(docs.contains_key(kind), "no {kind} manifest");
    }
    let dep = &docs["Deployment"];
    let pod_labels = &dep["spec"]["template"]["metadata"]["labels"];
    assert_eq!(&dep["spec"]["selector"]["matchLabels"], pod_labels);
    assert_eq!(&docs["Service"]["spec"]["selector"], pod_labels);
    let container = &dep["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    assert_eq!(dep["spec"]["template"]["spec"]["securityContext"]["runAsNonRoot"], true);
    assert_eq!(
        container["envFrom"][0]["secretRef"]["name"],
        docs["Secret"]["metadata"]["name"]
    );
    assert_eq!(
        dep["spec"]["template"]["spec"]["volumes"][0]["configMap"]["name"],
        docs["ConfigMap"]["metadata"]["name"]
    );
    let port = docs["ServiceMonitor"]["spec"]["endpoints"][0]["port"].clone();
    assert!(docs["Service"]["spec"]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == port));

    // The ConfigMap's config, with the Secret's values in the environment, is valid.
    let tmp = tempfile::tempdir().unwrap();
    let config = docs["ConfigMap"]["data"]["netgauge.yml"].as_str().unwrap();
    std::fs::write(tmp.path().join("netgauge.yml"), config).unwrap();
    let env = docs["Secret"]["stringData"].as_object().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_netgauge"))
        .arg("check")
        .arg(format!("--config.file={}", tmp.path().display()))
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str().unwrap())))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn healthcheck_command_tells_a_live_server_from_a_dead_one() {
    let health = |port: u16| {
        Command::new(env!("CARGO_BIN_EXE_netgauge"))
            .args(["healthcheck", &format!("--web.listen-address=127.0.0.1:{port}")])
            .output()
            .unwrap()
    };
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    assert!(!health(free).status.success(), "nothing listens there");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("n.yml"), "targets: []\n").unwrap();
    let server = Netgauge::spawn(&[format!("--config.file={}", dir.path().join("n.yml").display())]);
    let out = health(server.port);
    assert!(out.status.success() && String::from_utf8_lossy(&out.stdout).contains("healthy"));
}

#[test]
fn compose_stack_is_consistent() {
    let compose = root().join("examples/compose");
    let out = Command::new(require("docker-compose"))
        .arg("-f")
        .arg(compose.join("docker-compose.yml"))
        .arg("config")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "docker-compose config: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Its Prometheus config, with the rules at their in-container path mapped back to the repo.
    let tmp = tempfile::tempdir().unwrap();
    let prom = std::fs::read_to_string(compose.join("prometheus.yml"))
        .unwrap()
        .replace("/etc/prometheus/alerts", &root().join("alerts").display().to_string());
    std::fs::write(tmp.path().join("prometheus.yml"), prom).unwrap();
    let out = Command::new(require("promtool"))
        .args(["check", "config"])
        .arg(tmp.path().join("prometheus.yml"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Its netgauge config, with the environment the compose file gives it.
    let out = Command::new(env!("CARGO_BIN_EXE_netgauge"))
        .arg("check")
        .arg(format!("--config.file={}", compose.join("netgauge.yml").display()))
        .env("SNMP_COMMUNITY", "public")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Everything the services mount exists.
    for p in [
        "examples/alertmanager/alertmanager.yml",
        "examples/alertmanager/templates/netgauge.tmpl",
        "examples/compose/grafana/provisioning/datasources/prometheus.yml",
        "examples/compose/grafana/provisioning/dashboards/netgauge.yml",
        "dashboards/fleet.json",
        "alerts/netgauge.rules.yml",
    ] {
        assert!(root().join(p).exists(), "{p} missing");
    }
}
