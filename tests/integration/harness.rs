//! Test harness: real peers started on free loopback ports, stopped on drop.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use netgauge::config::Config;
use netgauge::state::AppState;

mod alertmanager;
mod netns;
pub mod slack;
pub mod telegram;
pub use alertmanager::Alertmanager;
pub use netns::Netns;

/// A program the tests need. Missing is a hard failure with the fix in the
/// message: a suite that silently skips its real-peer tests proves nothing.
pub fn require(program: &str) -> PathBuf {
    for dir in [
        "/usr/sbin",
        "/usr/bin",
        "/usr/local/bin",
        "/usr/local/sbin",
        "/sbin",
        "/bin",
    ] {
        let p = Path::new(dir).join(program);
        if p.exists() {
            return p;
        }
    }
    panic!("`{program}` not found: run `sudo scripts/install-test-deps.sh` first");
}

pub fn snmpsim_responder() -> PathBuf {
    let venv = std::env::var("NETGAUGE_TEST_VENV").unwrap_or_else(|_| "/opt/netgauge-test/venv".into());
    let p = Path::new(&venv).join("bin/snmpsim-command-responder");
    assert!(
        p.exists(),
        "{} not found: run `sudo scripts/install-test-deps.sh` first",
        p.display()
    );
    p
}

/// Directory of the snmpsim-data-lextudio recordings.
pub fn snmpsim_data_dir() -> PathBuf {
    let venv = std::env::var("NETGAUGE_TEST_VENV").unwrap_or_else(|_| "/opt/netgauge-test/venv".into());
    let out = Command::new(Path::new(&venv).join("bin/python"))
        .args([
            "-c",
            "import snmpsim_data, os; print(os.path.join(os.path.dirname(snmpsim_data.__file__), 'data'))",
        ])
        .output()
        .expect("run the snmpsim venv's python");
    assert!(
        out.status.success(),
        "snmpsim-data-lextudio is not installed: run scripts/install-test-deps.sh"
    );
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// A UDP port free right now on 127.0.0.1.
pub fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A child process killed (and reaped) on drop.
pub struct Proc(pub Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A real Prometheus scraping one netgauge's `/metrics` every second.
pub struct Prometheus {
    pub addr: SocketAddr,
    _proc: Proc,
}

impl Prometheus {
    /// Starts it with its config and data in `dir`, and waits until it answers.
    pub fn start(netgauge: SocketAddr, dir: &Path) -> Prometheus {
        Prometheus::start_with(
            &format!(
                "global: {{scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}}\n\
                 scrape_configs:\n  - job_name: netgauge\n    static_configs: [{{targets: ['{netgauge}']}}]\n"
            ),
            dir,
        )
    }

    /// Starts it with the config `yaml`, written to `dir` with its data.
    pub fn start_with(yaml: &str, dir: &Path) -> Prometheus {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        Prometheus::start_on(format!("127.0.0.1:{port}").parse().unwrap(), yaml, dir)
    }

    /// Like [`Prometheus::start_with`], on `addr` (chosen before, for a
    /// config that names it).
    pub fn start_on(addr: SocketAddr, yaml: &str, dir: &Path) -> Prometheus {
        let config = dir.join("prometheus.yml");
        std::fs::write(&config, yaml).unwrap();
        let proc = Proc(
            Command::new(require("prometheus"))
                .arg(format!("--config.file={}", config.display()))
                .arg(format!("--storage.tsdb.path={}", dir.join("prometheus-data").display()))
                .arg(format!("--web.listen-address={addr}"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        wait_for("Prometheus to answer", Duration::from_secs(30), || {
            std::net::TcpStream::connect(addr).is_ok()
        });
        Prometheus { addr, _proc: proc }
    }

    /// The result vector of an instant query.
    pub fn query(&self, expr: &str) -> Vec<serde_json::Value> {
        let q: String = form_urlencoded::byte_serialize(expr.as_bytes()).collect();
        let (status, body) = http_request(self.addr, "GET", &format!("/api/v1/query?query={q}"), &[]);
        assert_eq!(status, 200, "{expr}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["status"], "success", "{expr}: {v}");
        v["data"]["result"].as_array().cloned().unwrap_or_default()
    }
}

/// Polls `cond` every 250 ms until it holds; panics after `within`.
pub fn wait_for(what: &str, within: Duration, mut cond: impl FnMut() -> bool) {
    let started = Instant::now();
    while !cond() {
        assert!(started.elapsed() < within, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(250));
    }
}

pub const V2C_COMMUNITY: &str = "ng-test-community";
pub const V3_USER: &str = "ngpriv";
pub const V3_AUTH_PASS: &str = "auth-pass-123";
pub const V3_PRIV_PASS: &str = "priv-pass-456";
pub const V3_AUTHONLY_USER: &str = "ngauth";

/// A real net-snmp agent on 127.0.0.1 with a v1/v2c community and two v3 users.
pub struct Snmpd {
    pub port: u16,
    conf: std::path::PathBuf,
    /// The network namespace it runs in, when not the test's own.
    netns: Option<String>,
    _dir: tempfile::TempDir,
    proc: Option<Proc>,
}

impl Snmpd {
    pub fn start() -> Snmpd {
        Self::launch("sysName netgauge-test-agent\nsysLocation loopback\n", None)
    }

    /// Like [`Snmpd::start`], run inside `ns`, so that its IF-MIB lists that
    /// namespace's interfaces, while it still answers on 127.0.0.1 of the
    /// test's own: it is handed a socket bound here, the way systemd's
    /// socket activation does (`LISTEN_FDS`; Debian's net-snmp is built
    /// `--with-systemd`). `config`: more snmpd.conf lines (sysName, AgentX).
    pub fn start_in(ns: &Netns, config: &str) -> Snmpd {
        Self::launch(config, Some(ns.0.clone()))
    }

    fn launch(config: &str, netns: Option<String>) -> Snmpd {
        let dir = tempfile::tempdir().unwrap();
        let persist = dir.path().join("persist");
        std::fs::create_dir(&persist).unwrap();
        let conf = dir.path().join("snmpd.conf");
        std::fs::write(
            &conf,
            format!(
                "[snmp] persistentDir {persist}\n\
                 rocommunity {V2C_COMMUNITY} 127.0.0.1\n\
                 createUser {V3_USER} SHA-256 \"{V3_AUTH_PASS}\" AES \"{V3_PRIV_PASS}\"\n\
                 createUser {V3_AUTHONLY_USER} SHA \"{V3_AUTH_PASS}\"\n\
                 rouser {V3_USER} priv\n\
                 rouser {V3_AUTHONLY_USER} auth\n\
                 {config}",
                persist = persist.display()
            ),
        )
        .unwrap();
        // The port can be taken between choosing and binding; try a few.
        for _ in 0..5 {
            let port = free_udp_port();
            if let Some(proc) = Self::spawn(&conf, port, None, netns.as_deref()) {
                return Snmpd {
                    port,
                    conf,
                    netns,
                    _dir: dir,
                    proc: Some(proc),
                };
            }
        }
        match netns {
            None => panic!("snmpd did not come up"),
            Some(ns) => panic!(
                "snmpd did not come up in network namespace {ns} (it takes its socket through \
                 LISTEN_FDS: net-snmp must be built --with-systemd, as Debian's is)"
            ),
        }
    }

    /// `state`: read the engine ID and boots an earlier run saved there;
    /// without it (`-C`), every start is a new engine. `netns`: run there,
    /// on a socket bound in the test's own namespace.
    fn spawn(conf: &std::path::Path, port: u16, state: Option<&std::path::Path>, netns: Option<&str>) -> Option<Proc> {
        let mut cmd = match netns {
            None => Command::new(require("snmpd")),
            Some(ns) => {
                let socket = UdpSocket::bind(("127.0.0.1", port)).ok()?;
                // The socket as fd 3 and LISTEN_PID the shell's own pid,
                // which `ip netns exec` and snmpd keep: both exec.
                let mut c = Command::new(require("sh"));
                c.args(["-c", "exec 3<&0 </dev/null; export LISTEN_PID=$$; exec \"$@\"", "sh"])
                    .arg(require("ip"))
                    .args(["netns", "exec", ns])
                    .arg(require("snmpd"))
                    .env("LISTEN_FDS", "1")
                    .stdin(std::os::fd::OwnedFd::from(socket));
                c
            }
        };
        match state {
            Some(dir) => cmd
                .args(["-f", "-Lo", "-c"])
                .env("SNMPCONFPATH", dir)
                .env("SNMP_PERSISTENT_DIR", dir),
            None => cmd.args(["-f", "-Lo", "-C", "-c"]),
        };
        cmd.arg(conf)
            .arg(format!("udp:127.0.0.1:{port}"))
            .env("MIBS", "")
            .env("MIBDIRS", "/nonexistent")
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if netns.is_none() {
            cmd.stdin(Stdio::null());
        }
        let child = cmd.spawn().expect("start snmpd");
        let proc = Proc(child);
        wait_for_agent(port, V2C_COMMUNITY, Duration::from_secs(10)).then_some(proc)
    }

    /// Stops the agent and starts it again on the same port from its saved
    /// state, as a reboot does: the same engine ID, engineBoots + 1.
    pub fn reboot(&mut self) {
        self.stop();
        let state = self._dir.path().join("persist");
        self.proc = Some(
            Self::spawn(&self.conf, self.port, Some(&state), self.netns.as_deref())
                .expect("snmpd came back after a reboot"),
        );
    }

    /// Stops the agent and starts a new one on the same port: another
    /// engine ID, as when a device is replaced and keeps its address.
    pub fn replace(&mut self) {
        self.stop();
        self.proc = Some(Self::spawn(&self.conf, self.port, None, self.netns.as_deref()).expect("a new snmpd came up"));
    }

    fn stop(&mut self) {
        if let Some(mut old) = self.proc.take() {
            // SIGTERM and wait, so snmpd saves its engineBoots.
            let _ = Command::new("kill").arg(old.0.id().to_string()).status();
            let _ = old.0.wait();
        }
    }
}

/// Polls with `snmpget` until the agent answers.
pub fn wait_for_agent(port: u16, community: &str, within: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < within {
        if snmpget(port, community, "1.3.6.1.2.1.1.3.0").is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    false
}

/// `snmpget -v2c`, value only, as the net-snmp tool prints it.
pub fn snmpget(port: u16, community: &str, oid: &str) -> Option<String> {
    let out = Command::new(require("snmpget"))
        .args(["-v2c", "-c", community, "-On", "-Oqv", "-Ot", "-t", "0.5", "-r", "0"])
        .arg(format!("127.0.0.1:{port}"))
        .arg(oid)
        .env("MIBS", "")
        .env("MIBDIRS", "/nonexistent")
        .output()
        .ok()?;
    let v = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    (out.status.success() && !v.is_empty() && !v.starts_with("No Such")).then_some(v)
}

/// A UDP socket that reads and never answers: a device that is down
/// without saying so (no ICMP port-unreachable either).
pub struct BlackHole {
    pub port: u16,
    _socket: UdpSocket,
}

impl BlackHole {
    pub fn new() -> BlackHole {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        BlackHole {
            port: socket.local_addr().unwrap().port(),
            _socket: socket,
        }
    }

    /// Datagrams received since the last call.
    pub fn datagrams(&self) -> usize {
        self._socket.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 65536];
        let mut n = 0;
        while self._socket.recv_from(&mut buf).is_ok() {
            n += 1;
        }
        n
    }
}

/// netgauge's HTTP server, in-process on a free port.
pub struct Server {
    pub addr: SocketAddr,
    pub state: Arc<AppState>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    pub async fn start(yaml: &str) -> Server {
        let config =
            Config::from_yaml(Path::new("test.yml"), yaml).unwrap_or_else(|e| panic!("test config invalid:\n{e}"));
        Self::start_state(AppState::new(config)).await
    }

    /// From config files, so that `/-/reload` re-reads them.
    pub async fn start_files(paths: &[PathBuf]) -> Server {
        let config = Config::load_all(paths).unwrap_or_else(|e| panic!("test config invalid:\n{e}"));
        let options = netgauge::state::Options {
            sources: paths.to_vec(),
            lifecycle: true,
            ..Default::default()
        };
        Self::start_state(AppState::with_options(config, options)).await
    }

    pub async fn start_state(state: Arc<AppState>) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let s = state.clone();
        let task = tokio::spawn(async move {
            netgauge::server::run(listener, s, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        // A trap sent before the receiver's socket is bound is lost: the
        // server is started when `/-/ready` would say so.
        let started = Instant::now();
        while state.live().config.traps.is_some() && !state.traps.listening() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the trap receiver did not start"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Server {
            addr,
            state,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// GET `path`; returns (status, body).
    pub async fn get(&self, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
        self.request("GET", path, headers).await
    }

    pub async fn request(&self, method: &str, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
        let addr = self.addr;
        let (method, path) = (method.to_owned(), path.to_owned());
        let headers: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        tokio::task::spawn_blocking(move || http_request(addr, &method, &path, &headers))
            .await
            .unwrap()
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            tokio::time::timeout(Duration::from_secs(15), t)
                .await
                .expect("server stops")
                .unwrap();
        }
    }
}

/// A minimal HTTP/1.1 client, so the tests need no HTTP client crate.
pub fn http_request(addr: SocketAddr, method: &str, path: &str, headers: &[(String, String)]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: 0\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        return (status, dechunk(body));
    }
    (status, body.to_owned())
}

/// A chunked (`Transfer-Encoding: chunked`) body's bytes, unframed.
pub fn dechunk_bytes(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = body.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&body[..eol]).unwrap_or("0");
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.extend_from_slice(&body[eol + 2..eol + 2 + n]);
        body = &body[eol + 2 + n + 2..];
    }
    out
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}

/// One parsed exposition line.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub name: String,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

/// Parses the text format (enough of it for netgauge's own output).
pub fn parse_exposition(text: &str) -> Vec<Series> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (name_labels, value) = line.rsplit_once(' ').expect("sample line has a value");
        let value: f64 = match value {
            "NaN" => f64::NAN,
            "+Inf" => f64::INFINITY,
            "-Inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("bad value in {line:?}")),
        };
        let (name, labels) = match name_labels.split_once('{') {
            None => (name_labels.to_owned(), BTreeMap::new()),
            Some((n, rest)) => (
                n.to_owned(),
                parse_labels(rest.strip_suffix('}').expect("closing brace")),
            ),
        };
        out.push(Series { name, labels, value });
    }
    out
}

fn parse_labels(s: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut chars = s.chars().peekable();
    loop {
        let key: String = chars.by_ref().take_while(|&c| c != '=').collect();
        if key.is_empty() {
            break;
        }
        assert_eq!(chars.next(), Some('"'));
        let mut val = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some('n') => val.push('\n'),
                    Some(o) => val.push(o),
                    None => break,
                },
                '"' => break,
                c => val.push(c),
            }
        }
        out.insert(key.trim_start_matches(',').to_owned(), val);
        if chars.peek() == Some(&',') {
            chars.next();
        }
    }
    out
}

/// The value of the one series called `name` whose labels include `want`.
pub fn value(series: &[Series], name: &str, want: &[(&str, &str)]) -> Option<f64> {
    let found: Vec<&Series> = series
        .iter()
        .filter(|s| {
            s.name == name
                && want
                    .iter()
                    .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
        })
        .collect();
    assert!(found.len() <= 1, "{name} {want:?} matches {} series", found.len());
    found.first().map(|s| s.value)
}

/// Runs `promtool check metrics` on an exposition; panics with its complaints.
pub fn promtool_check(text: &str) {
    let mut child = Command::new(require("promtool"))
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    assert_quiet_success(&child.wait_with_output().unwrap(), "promtool check metrics");
}

/// Runs `promtool check metrics` and accepts its naming lints: for
/// expositions whose names are not netgauge's (snmp_exporter modules name
/// series after MIB objects, in camelCase, counters without `_total`).
/// The text must still parse.
pub fn promtool_parses(text: &str) {
    let mut child = Command::new(require("promtool"))
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !said.contains("error while linting") && !said.contains("parsing error"),
        "promtool:\n{said}"
    );
}

/// Asserts that a checker exited 0 and printed nothing (its warnings count as failures).
pub fn assert_quiet_success(out: &std::process::Output, what: &str) {
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success() && said.trim().is_empty(), "{what}:\n{said}");
}

/// The netgauge binary serving on a free loopback port, stopped on drop.
pub struct Netgauge {
    pub port: u16,
    pub pid: u32,
    _proc: Proc,
}

impl Netgauge {
    /// Starts `netgauge ARGS --web.listen-address=127.0.0.1:PORT` and waits
    /// (at most 10 s) until it is ready.
    pub fn spawn(args: &[String]) -> Netgauge {
        Self::spawn_logging(args, None)
    }

    /// Like [`Netgauge::spawn`], with its log written to `log` (for a
    /// failing test to show).
    pub fn spawn_logging(args: &[String], log: Option<&Path>) -> Netgauge {
        Self::start(args, log, true)
    }

    /// Starts netgauge and waits only until it accepts connections.
    pub fn spawn_unready(args: &[String]) -> Netgauge {
        Self::start(args, None, false)
    }

    fn start(args: &[String], log: Option<&Path>, ready: bool) -> Netgauge {
        let stderr = match log {
            Some(p) => Stdio::from(std::fs::File::create(p).unwrap()),
            None => Stdio::null(),
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_netgauge"))
            .args(args)
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let pid = child.id();
        let proc = Proc(child);
        // Ready, not just accepting connections: with `traps:`, that is
        // once the trap receiver listens (a trap sent sooner is lost). A
        // TLS or basic-auth listener answers this plain request otherwise
        // than 503: accepting connections is all it can tell.
        let started = Instant::now();
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        while TcpStream::connect(addr).is_err() || (ready && http_request(addr, "GET", "/-/ready", &[]).0 == 503) {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "netgauge did not become ready"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Netgauge { port, pid, _proc: proc }
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }
}

/// An ed25519 key pair at `path` and `path.pub`.
pub fn keygen(path: &Path) {
    let out = Command::new(require("ssh-keygen"))
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// Host and client keys and an `sshd_config` in `dir` for an OpenSSH sshd
/// on 127.0.0.1:`port`: key-only login (`dir/client_key`) for the current
/// user, every session running `force_command`. Returns the config's path.
pub fn sshd_files(dir: &Path, port: u16, force_command: &str) -> PathBuf {
    if !dir.join("host_key").exists() {
        keygen(&dir.join("host_key"));
        keygen(&dir.join("client_key"));
        std::fs::copy(dir.join("client_key.pub"), dir.join("authorized_keys")).unwrap();
    }
    // sshd refuses to start without its privilege-separation directory.
    let _ = std::fs::create_dir_all("/run/sshd");
    let config = dir.join("sshd_config");
    std::fs::write(
        &config,
        format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host_key\nPidFile {d}/sshd.pid\n\
             AuthorizedKeysFile {d}/authorized_keys\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nPubkeyAuthentication yes\nPermitRootLogin prohibit-password\n\
             UsePAM no\nStrictModes no\nPrintMotd no\nPrintLastLog no\nForceCommand {force_command}\n",
            d = dir.display(),
        ),
    )
    .unwrap();
    config
}
