//! Records the git revision and the compiler version for `--version` and
//! `netgauge_build_info`. Outside a git checkout (e.g. a Docker build
//! context without `.git`) the revision is "unknown".
//!
//! Also lists the ChatOps message catalogs (`src/chatops/catalogs/*.yml`),
//! so a new language is a new file and nothing else.

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
    catalogs();
    println!("cargo:rerun-if-env-changed=NETGAUGE_GIT_REVISION");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
}

/// Writes `$OUT_DIR/catalogs.rs`: every catalog file, embedded, by language.
fn catalogs() {
    let dir =
        std::path::Path::new(&std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets it")).join("src/chatops/catalogs");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut found: Vec<(String, std::path::PathBuf)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "yml"))
                .filter_map(|p| Some((p.file_stem()?.to_str()?.to_owned(), p.clone())))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    let mut out = String::from(
        "/// Languages with a catalog, by tag, and each catalog's text.\npub const CATALOGS: &[(&str, &str)] = &[\n",
    );
    for (lang, path) in &found {
        out.push_str(&format!(
            "    ({lang:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n/// The tags alone, for the config's `language:` check.\npub const LANGUAGES: &[&str] = &[");
    out.push_str(
        &found
            .iter()
            .map(|(l, _)| format!("{l:?}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    out.push_str("];\n");
    let target = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets it")).join("catalogs.rs");
    std::fs::write(target, out).expect("write catalogs.rs");
}
