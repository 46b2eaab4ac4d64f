//! A real Alertmanager for tests: trap alerts go to it, the chat bot reads
//! alerts and sets silences through its API.

use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::Duration;

use super::{http_request, require, wait_for, Proc};

/// A real Alertmanager on `addr`, with a route that notifies nobody.
pub struct Alertmanager {
    pub addr: SocketAddr,
    _proc: Proc,
    _dir: tempfile::TempDir,
}

impl Alertmanager {
    /// With a route that notifies nobody.
    pub fn start(addr: SocketAddr) -> Alertmanager {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("alertmanager.yml"),
            "route: {receiver: none, group_wait: 1s}\nreceivers: [{name: none}]\n",
        )
        .unwrap();
        Self::run(addr, dir)
    }

    /// With `dir/alertmanager.yml` (and whatever it refers to beside it).
    pub fn run(addr: SocketAddr, dir: tempfile::TempDir) -> Alertmanager {
        let child = Command::new(require("prometheus-alertmanager"))
            .args([
                format!("--config.file={}", dir.path().join("alertmanager.yml").display()),
                format!("--storage.path={}", dir.path().join("data").display()),
                format!("--web.listen-address={addr}"),
                "--cluster.listen-address=".into(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let am = Alertmanager {
            addr,
            _proc: Proc(child),
            _dir: dir,
        };
        wait_for("alertmanager to be ready", Duration::from_secs(20), || {
            std::net::TcpStream::connect(addr).is_ok() && http_request(addr, "GET", "/-/ready", &[]).0 == 200
        });
        am
    }

    /// The alerts it holds that are not resolved.
    pub fn alerts(&self) -> Vec<serde_json::Value> {
        let (status, body) = http_request(self.addr, "GET", "/api/v2/alerts", &[]);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<Vec<serde_json::Value>>(&body).unwrap()
    }

    pub fn named(&self, alertname: &str) -> Vec<serde_json::Value> {
        self.alerts()
            .into_iter()
            .filter(|a| a["labels"]["alertname"] == alertname)
            .collect()
    }
}
