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
fn version_and_help_use_prometheus_flag_names() {
    let out = netgauge().arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
    let help = String::from_utf8_lossy(&netgauge().arg("--help").output().unwrap().stdout).into_owned();
    for flag in ["--config.file", "--web.listen-address", "--log.level", "--log.format"] {
        assert!(help.contains(flag), "{flag} missing from --help");
    }
}
