//! Records the git revision and the compiler version for `--version` and
//! `netgauge_build_info`. Outside a git checkout (e.g. a Docker build
//! context without `.git`) the revision is "unknown".

use std::process::Command;

fn main() {
    let revision = std::env::var("NETGAUGE_GIT_REVISION")
        .ok()
        .filter(|s| !s.is_empty())
        .or_else(|| {
            let out = Command::new("git")
                .args(["rev-parse", "--short=12", "HEAD"])
                .output()
                .ok()?;
            out.status
                .success()
                .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
        });
    println!(
        "cargo:rustc-env=NETGAUGE_GIT_REVISION={}",
        revision.unwrap_or_else(|| "unknown".into())
    );
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .nth(1)
                .unwrap_or("unknown")
                .to_owned()
        })
        .unwrap_or_else(|| "unknown".into());
    println!("cargo:rustc-env=NETGAUGE_RUSTC_VERSION={version}");
    println!("cargo:rerun-if-env-changed=NETGAUGE_GIT_REVISION");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
}
