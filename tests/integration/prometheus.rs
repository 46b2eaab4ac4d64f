//! The shipped Prometheus examples, checked by promtool and run for real:
//! a Prometheus server discovers devices through netgauge's `/targets` and
//! shards the probes between two netgauge instances with `hashmod`.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::*;

#[test]
fn every_example_prometheus_config_passes_promtool() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/prometheus");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let out = Command::new(require("promtool"))
            .args(["check", "config"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Prometheus's hashmod: the last 8 bytes of the MD5 of the value, big-endian, modulo.
fn hashmod(value: &str, modulus: u64) -> u64 {
    let out = Command::new("python3")
        .args(["-c", "import hashlib,sys; print(int.from_bytes(hashlib.md5(sys.argv[1].encode()).digest()[8:], 'big') % int(sys.argv[2]))"])
        .arg(value)
        .arg(modulus.to_string())
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
}

fn api(addr: std::net::SocketAddr, path: &str) -> serde_json::Value {
    let (status, body) = http_request(addr, "GET", path, &[]);
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_discovers_and_shards_devices_through_http_sd() {
    let agent = Snmpd::start();
    let names = ["core-sw1", "core-sw2", "edge-rt1", "edge-rt2", "access-1", "access-2"];
    let mut yaml = String::from("targets:\n");
    for n in names {
        yaml.push_str(&format!(
            "  - name: {n}\n    address: 127.0.0.1:{}\n    labels: {{site: lab}}\n    snmp: {{community: {V2C_COMMUNITY}}}\n",
            agent.port
        ));
    }
    let shards = [Server::start(&yaml).await, Server::start(&yaml).await];

    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/prometheus/sharded.yml")).unwrap();
    let config = example
        .replace("netgauge-0:9742", &shards[0].addr.to_string())
        .replace("netgauge-1:9742", &shards[1].addr.to_string())
        .replace("scrape_interval: 60s", "scrape_interval: 1s")
        .replace("scrape_timeout: 30s", "scrape_timeout: 1s")
        .replace("refresh_interval: 5m", "refresh_interval: 1s");
    let dir = tempfile::tempdir().unwrap();
    let prometheus = Prometheus::start_with(&config, dir.path());
    let prom_addr = prometheus.addr;
    // Wait (bounded) until every device and both exporters have been scraped successfully.
    let targets = tokio::task::spawn_blocking(move || {
        let started = Instant::now();
        loop {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "Prometheus never saw every target up"
            );
            std::thread::sleep(Duration::from_millis(500));
            let Ok(_) = std::net::TcpStream::connect(prom_addr) else {
                continue;
            };
            let v = api(prom_addr, "/api/v1/targets?state=active");
            let active = v["data"]["activeTargets"].as_array().cloned().unwrap_or_default();
            if active.len() == names.len() + 2 && active.iter().all(|t| t["health"] == "up") {
                return active;
            }
        }
    })
    .await
    .unwrap();

    for t in targets.iter().filter(|t| t["labels"]["job"] == "netgauge-devices") {
        let device = t["labels"]["instance"].as_str().unwrap();
        let url = t["scrapeUrl"].as_str().unwrap();
        let shard = &shards[hashmod(device, 2) as usize];
        assert!(
            url.starts_with(&format!("http://{}/probe?", shard.addr)),
            "{device} scraped at {url}"
        );
        assert!(url.contains(&format!("target={device}")), "{url}");
        assert_eq!(t["discoveredLabels"]["__meta_netgauge_label_site"], "lab");
    }
    let q = tokio::task::spawn_blocking(move || api(prom_addr, "/api/v1/query?query=netgauge_device_up"))
        .await
        .unwrap();
    let results = q["data"]["result"].as_array().unwrap();
    assert_eq!(results.len(), names.len());
    for r in results {
        assert_eq!(r["value"][1], "1", "{r}");
        assert_eq!(
            r["metric"]["instance"], r["metric"]["device"],
            "instance relabelled to the device name"
        );
    }
    for s in shards {
        s.stop().await;
    }
}
