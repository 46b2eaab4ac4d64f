//! `--web.config.file`: TLS (server and mutual) and basic auth, through the
//! binary, with a test CA made by openssl and curl as the client.

use std::path::Path;
use std::process::Command;

use crate::harness::*;

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new(require("openssl"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A CA, a server certificate for 127.0.0.1 and a client certificate.
fn make_pki(dir: &Path) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    openssl(
        dir,
        &[
            &["req", "-x509"][..],
            &ec,
            &[
                "-keyout",
                "ca.key",
                "-out",
                "ca.crt",
                "-days",
                "2",
                "-subj",
                "/CN=netgauge test CA",
            ],
        ]
        .concat(),
    );
    std::fs::write(
        dir.join("server.ext"),
        "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    std::fs::write(dir.join("client.ext"), "extendedKeyUsage=clientAuth\n").unwrap();
    for who in ["server", "client"] {
        let (key, csr, crt, ext) = (
            format!("{who}.key"),
            format!("{who}.csr"),
            format!("{who}.crt"),
            format!("{who}.ext"),
        );
        openssl(
            dir,
            &[
                &["req"][..],
                &ec,
                &["-keyout", &key, "-out", &csr, "-subj", &format!("/CN={who}")],
            ]
            .concat(),
        );
        openssl(
            dir,
            &[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-out",
                &crt,
                "-days",
                "2",
                "-extfile",
                &ext,
            ],
        );
    }
}

fn start(dir: &Path, web_yaml: &str) -> Netgauge {
    std::fs::write(dir.join("web.yml"), web_yaml).unwrap();
    std::fs::write(
        dir.join("netgauge.yml"),
        "targets:\n  - {name: a, address: 192.0.2.1, snmp: {community: x}}\n",
    )
    .unwrap();
    Netgauge::spawn(&[
        format!("--config.file={}", dir.join("netgauge.yml").display()),
        format!("--web.config.file={}", dir.join("web.yml").display()),
    ])
}

/// curl's HTTP status (0 when the connection or handshake failed).
fn curl(dir: &Path, port: u16, args: &[&str]) -> u16 {
    let out = Command::new(require("curl"))
        .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "10"])
        .args(args)
        .arg(format!("https://127.0.0.1:{port}/-/healthy"))
        .current_dir(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().parse().unwrap_or(0)
}

#[test]
fn tls_with_basic_auth() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    make_pki(d);
    let hash = bcrypt::hash("scrape-pass", 4).unwrap();
    let web = format!(
        "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  min_version: TLS12\n\
         basic_auth_users:\n  prometheus: '{hash}'\n\
         http_server_config:\n  headers:\n    X-Content-Type-Options: nosniff\n"
    );
    let n = start(d, &web);
    assert_eq!(curl(d, n.port, &["--cacert", "ca.crt"]), 401, "no credentials");
    assert_eq!(curl(d, n.port, &["--cacert", "ca.crt", "-u", "prometheus:wrong"]), 401);
    assert_eq!(
        curl(d, n.port, &["--cacert", "ca.crt", "-u", "prometheus:scrape-pass"]),
        200
    );
    assert_eq!(
        curl(d, n.port, &["-u", "prometheus:scrape-pass"]),
        0,
        "an unknown CA must fail the handshake"
    );
    let headers = Command::new(require("curl"))
        .args([
            "-s",
            "-D",
            "-",
            "-o",
            "/dev/null",
            "--cacert",
            "ca.crt",
            "-u",
            "prometheus:scrape-pass",
        ])
        .arg(format!("https://127.0.0.1:{}/metrics/exporter", n.port))
        .current_dir(d)
        .output()
        .unwrap();
    let headers = String::from_utf8_lossy(&headers.stdout).to_ascii_lowercase();
    assert!(headers.contains("x-content-type-options: nosniff"), "{headers}");
    // Plain HTTP to a TLS port gets nowhere.
    let (status, _) =
        std::panic::catch_unwind(|| http_request(format!("127.0.0.1:{}", n.port).parse().unwrap(), "GET", "/", &[]))
            .unwrap_or((0, String::new()));
    assert_ne!(status, 200);
}

#[test]
fn mutual_tls_requires_a_client_certificate_from_the_ca() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    make_pki(d);
    let web = "tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n";
    let n = start(d, web);
    assert_eq!(curl(d, n.port, &["--cacert", "ca.crt"]), 0, "no client certificate");
    assert_eq!(
        curl(
            d,
            n.port,
            &["--cacert", "ca.crt", "--cert", "client.crt", "--key", "client.key"]
        ),
        200
    );
}

#[test]
fn a_broken_web_config_stops_startup_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("web.yml"), "basic_auth_users:\n  u: not-a-hash\n").unwrap();
    std::fs::write(dir.path().join("n.yml"), "targets: []\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_netgauge"))
        .arg(format!("--config.file={}", dir.path().join("n.yml").display()))
        .arg(format!("--web.config.file={}", dir.path().join("web.yml").display()))
        .arg("--web.listen-address=127.0.0.1:0")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("web.yml: basic_auth_users.u: not a bcrypt hash"),
        "{stderr}"
    );
}

#[test]
fn sighup_reloads_the_web_config_too() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let users = |name: &str| {
        format!(
            "basic_auth_users:\n  {name}: '{}'\n",
            bcrypt::hash("pw-123456", 4).unwrap()
        )
    };
    let n = start(d, &users("alpha"));
    let auth = |user: &str| {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:pw-123456"));
        http_request(
            n.addr(),
            "GET",
            "/-/healthy",
            &[("Authorization".into(), format!("Basic {token}"))],
        )
        .0
    };
    assert_eq!((auth("alpha"), auth("beta")), (200, 401));
    std::fs::write(d.join("web.yml"), users("beta")).unwrap();
    assert!(Command::new("kill")
        .args(["-HUP", &n.pid.to_string()])
        .status()
        .unwrap()
        .success());
    let started = std::time::Instant::now();
    while auth("beta") != 200 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(10),
            "web config not reloaded"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(auth("alpha"), 401, "the old user is gone");
    // A broken web config is rejected and the running one stays.
    std::fs::write(d.join("web.yml"), "basic_auth_users:\n  x: not-a-hash\n").unwrap();
    assert!(Command::new("kill")
        .args(["-HUP", &n.pid.to_string()])
        .status()
        .unwrap()
        .success());
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(auth("beta"), 200);
}
