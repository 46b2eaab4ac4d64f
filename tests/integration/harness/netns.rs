//! Network namespaces for tests with real peers on links of their own.

use std::path::Path;
use std::process::{Command, Stdio};

use super::{require, Proc};

/// A network namespace with its loopback up, deleted on drop. A namespace
/// outlives its name while processes run in it: hold them in variables
/// declared after it, so that they are stopped first.
pub struct Netns(pub String);

impl Netns {
    /// Named `prefix`, this process's id and a counter: unique per test run.
    pub fn new(prefix: &str) -> Netns {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let name = format!(
            "{prefix}{}x{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        );
        let ip = require("ip");
        assert!(
            Command::new(&ip)
                .args(["netns", "add", &name])
                .status()
                .unwrap()
                .success(),
            "ip netns add (needs root)"
        );
        let ns = Netns(name);
        ns.ip(&["link", "set", "lo", "up"]);
        ns
    }

    /// Runs `ip -n NAME ARGS`, which must succeed.
    pub fn ip(&self, args: &[&str]) {
        let status = Command::new(require("ip"))
            .args(["-n", &self.0])
            .args(args)
            .status()
            .unwrap();
        assert!(status.success(), "ip -n {} {}", self.0, args.join(" "));
    }

    /// `program` to be run inside the namespace (`ip netns exec` execs it:
    /// the child's pid is the program's).
    pub fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(require("ip"));
        c.args(["netns", "exec", &self.0]).arg(program);
        c
    }

    pub fn spawn(&self, program: &Path, args: &[String], env: &[(&str, &Path)]) -> Proc {
        let mut c = self.command(program);
        c.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            c.env(k, v);
        }
        Proc(c.spawn().unwrap())
    }
}

impl Drop for Netns {
    fn drop(&mut self) {
        let _ = Command::new("ip").args(["netns", "del", &self.0]).status();
    }
}
