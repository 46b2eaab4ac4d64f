//! Stage two of loading: raw config → validated [`Config`], or every
//! problem found, each with file, line, column and field.
//!
//! One module per section of the config, each adding its checks to the one
//! `Validator` that collects every problem: `source` reads the YAML,
//! `targets` the target list, `snmp` and `cli` each transport's settings,
//! `values` the value kinds every section shares (secrets, durations,
//! ranges, label names).

mod chatops;
mod cli;
mod snmp;
mod source;
mod targets;
mod traps;
mod values;

use snmp::transport_keys;
pub(crate) use source::yaml_problem;
use source::{absolutize, parse};
#[cfg(test)]
pub(crate) use values::expand_env;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_saphyr::{Location, Spanned};

use super::raw::{RawConfig, RawSnmp};
use super::*;
use crate::collector::snmp::health::Modules as HealthModules;
use crate::traps::definitions::Definitions as TrapDefinitions;

/// Parses and validates one or more files as one config. Syntax and type
/// errors stop at the first one in their file (the YAML parser cannot go on);
/// every other problem, in every file, is collected.
pub(super) fn load(sources: &[(PathBuf, String)]) -> Result<Config, ConfigError> {
    let mut problems = Vec::new();
    let mut raws = Vec::new();
    for (path, text) in sources {
        match parse(path, text) {
            Ok(mut raw) => {
                absolutize(&mut raw, path.parent().unwrap_or(Path::new("")));
                raws.push((path.clone(), raw));
            }
            Err(p) => problems.push(p),
        }
    }
    let mut v = Validator {
        file: PathBuf::new(),
        problems,
        warnings: Vec::new(),
        bad_auths: HashSet::new(),
        scrape_timeout: Global::default().scrape_timeout,
        default_collectors: Collectors::default(),
    };
    let mut config = v.config(raws);
    if v.problems.is_empty() {
        config.warnings = v.warnings;
        Ok(config)
    } else {
        let order: Vec<&PathBuf> = sources.iter().map(|(p, _)| p).collect();
        v.problems
            .sort_by_key(|p| (order.iter().position(|f| **f == p.file), p.line, p.column));
        Err(ConfigError::Invalid { problems: v.problems })
    }
}

struct Validator {
    /// The file whose nodes are being checked; problems are attributed to it.
    file: PathBuf,
    problems: Vec<Problem>,
    /// Valid but probably not meant (a timeout the scrape deadline cuts first).
    warnings: Vec<Problem>,
    /// Auth blocks with problems of their own (already reported).
    bad_auths: HashSet<String>,
    /// `global.scrape_timeout`, once read: per-target timeouts are compared with it.
    scrape_timeout: Duration,
    /// `defaults.collectors`, once read.
    default_collectors: Collectors,
}

impl Validator {
    pub(super) fn problem(&mut self, at: Location, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.clone(),
            line: at.line(),
            column: at.column(),
            field: field.into(),
            message: message.into(),
        });
    }

    pub(super) fn warning(&mut self, at: Location, field: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Problem {
            file: self.file.clone(),
            line: at.line(),
            column: at.column(),
            field: field.into(),
            message: message.into(),
        });
    }

    /// Whether a section that may be set in one file only is set for the
    /// first time here (and remembers `file`); a second time is a problem.
    fn first_of(&mut self, from: &mut Option<PathBuf>, file: &Path, at: Location, field: &str) -> bool {
        if let Some(first) = from {
            let msg = format!("already set in {}; set it in one file only", first.display());
            self.problem(at, field, msg);
            return false;
        }
        *from = Some(file.to_path_buf());
        true
    }

    pub(super) fn config(&mut self, raws: Vec<(PathBuf, RawConfig)>) -> Config {
        // `global` and `defaults` may be set in one file only: two files
        // disagreeing silently would be worse than an error.
        let mut global = Global::default();
        let mut global_from: Option<PathBuf> = None;
        let mut health = None;
        let mut trap_definitions = None;
        let mut traps: Option<TrapsConfig> = None;
        let mut traps_from: Option<PathBuf> = None;
        let mut chatops: Option<ChatopsConfig> = None;
        let mut chatops_from: Option<PathBuf> = None;
        let mut defaults: Option<(PathBuf, Spanned<RawSnmp>)> = None;
        let mut default_thresholds = Thresholds::builtin();
        let mut defaults_from: Option<PathBuf> = None;
        for (file, raw) in &raws {
            self.file.clone_from(file);
            if let Some(g) = &raw.global {
                if self.first_of(&mut global_from, file, g.referenced, "global") {
                    global = self.global(Some(g));
                    self.scrape_timeout = global.scrape_timeout;
                    if let Some(h) = &g.value.health_modules {
                        let path = file.parent().unwrap_or(Path::new("")).join(&h.value);
                        match HealthModules::load_over_builtin(&path) {
                            Ok(m) => health = Some(m),
                            Err(e) => self.problem(h.referenced, "global.health_modules", e),
                        }
                    }
                    if let Some(t) = &g.value.trap_definitions {
                        let path = file.parent().unwrap_or(Path::new("")).join(&t.value);
                        match TrapDefinitions::load_over_builtin(&path) {
                            Ok(d) => trap_definitions = Some(d),
                            Err(e) => self.problem(t.referenced, "global.trap_definitions", e.message),
                        }
                    }
                }
            }
            if let Some(t) = &raw.traps {
                if self.first_of(&mut traps_from, file, t.referenced, "traps") {
                    traps = self.traps(t);
                }
            }
            if let Some(c) = &raw.chatops {
                if self.first_of(&mut chatops_from, file, c.referenced, "chatops") {
                    chatops = self.chatops(c);
                }
            }
            if let Some(d) = &raw.defaults {
                if self.first_of(&mut defaults_from, file, d.referenced, "defaults") {
                    defaults = d.value.snmp.clone().map(|s| (file.clone(), s));
                    if let Some(t) = &d.value.thresholds {
                        self.thresholds("defaults.thresholds", &t.value, &mut default_thresholds, false);
                    }
                    if let Some(c) = &d.value.collectors {
                        self.default_collectors = apply_collectors(Collectors::default(), &c.value);
                    }
                }
            }
        }

        let mut auths: BTreeMap<String, Spanned<RawSnmp>> = BTreeMap::new();
        let mut auth_files: HashMap<String, PathBuf> = HashMap::new();
        for (file, raw) in &raws {
            self.file.clone_from(file);
            for (name, block) in &raw.auths {
                let field = format!("auths.{name}");
                if let Some(first) = auth_files.get(name) {
                    let msg = format!("auth block '{name}' is already defined in {}", first.display());
                    self.problem(block.referenced, field, msg);
                    continue;
                }
                // An auth block is a complete credential set, checked once here
                // rather than once per target that uses it.
                let before = self.problems.len();
                let _ = self.snmp_settings(&field, block.referenced, &block.value);
                for (key, at) in transport_keys(&block.value) {
                    self.problem(
                        at,
                        format!("{field}.{key}"),
                        "not allowed in an auth block (set it in defaults.snmp or the target's snmp)",
                    );
                }
                if let Some(a) = &block.value.auth {
                    self.problem(
                        a.referenced,
                        format!("{field}.auth"),
                        "auth blocks cannot refer to other auth blocks",
                    );
                }
                if self.problems.len() > before {
                    self.bad_auths.insert(name.clone());
                }
                auth_files.insert(name.clone(), file.clone());
                auths.insert(name.clone(), block.clone());
            }
        }

        // Duplicate names are checked on the raw names, so they are reported
        // even when the targets carrying them have other problems too.
        let mut seen: HashMap<String, (PathBuf, Location)> = HashMap::new();
        let mut targets = Vec::new();
        for (file, raw) in &raws {
            self.file.clone_from(file);
            for (i, t) in raw.targets.iter().enumerate() {
                let Some(n) = &t.value.name else { continue };
                let name = n.value.trim();
                match seen.get(name) {
                    Some((first_file, first)) => {
                        let place = if first_file == file {
                            format!("line {}", first.line())
                        } else {
                            format!("{}:{}", first_file.display(), first.line())
                        };
                        let msg = format!("duplicate target name '{name}' (first defined at {place})");
                        self.problem(n.referenced, format!("targets[{i}].name"), msg);
                    }
                    None => {
                        seen.insert(name.to_owned(), (file.clone(), n.referenced));
                    }
                }
            }
            let defaults_snmp = defaults.as_ref().map(|(f, d)| (f.as_path(), d));
            for (i, t) in raw.targets.iter().enumerate() {
                if let Some(target) =
                    self.target(&format!("targets[{i}]"), t, defaults_snmp, &auths, &default_thresholds)
                {
                    targets.push((file.clone(), t.referenced, format!("targets[{i}]"), Arc::new(target)));
                }
            }
        }
        if traps_from.is_some() {
            self.ambiguous_trap_sources(&targets);
        }
        Config {
            global,
            targets: targets.into_iter().map(|(_, _, _, t)| t).collect(),
            health: Arc::new(health.unwrap_or_else(HealthModules::builtin)),
            warnings: Vec::new(),
            traps,
            chatops,
            trap_definitions: Arc::new(trap_definitions.unwrap_or_else(TrapDefinitions::builtin)),
        }
    }

    pub(super) fn global(&mut self, raw: Option<&Spanned<super::raw::RawGlobal>>) -> Global {
        let mut g = Global::default();
        let Some(raw) = raw else { return g };
        let raw = &raw.value;
        if let Some(d) = &raw.scrape_timeout {
            if let Some(d) = self.duration("global.scrape_timeout", d, Duration::from_millis(10)) {
                g.scrape_timeout = d;
            }
        }
        if let Some(d) = &raw.scrape_timeout_offset {
            if let Some(d) = self.duration("global.scrape_timeout_offset", d, Duration::ZERO) {
                g.scrape_timeout_offset = d;
            }
        }
        if let Some(n) = &raw.max_snmp_sockets {
            if let Some(n) = self.range("global.max_snmp_sockets", n, 1, 65536) {
                g.max_snmp_sockets = n as usize;
            }
        }
        if let Some(n) = &raw.max_concurrent_polls {
            if let Some(n) = self.range("global.max_concurrent_polls", n, 1, 1_000_000) {
                g.max_concurrent_polls = n as usize;
            }
        }
        if let Some(n) = &raw.max_unknown_devices {
            if let Some(n) = self.range("global.max_unknown_devices", n, 0, 1_000_000) {
                g.max_unknown_devices = n as usize;
            }
        }
        if let Some(n) = &raw.max_rows_per_table {
            if let Some(n) = self.range("global.max_rows_per_table", n, 1, 100_000_000) {
                g.max_rows_per_table = n as usize;
            }
        }
        if let Some(n) = &raw.max_bytes_per_device {
            if let Some(n) = self.range("global.max_bytes_per_device", n, 64 << 10, 16 << 30) {
                g.max_bytes_per_device = n as usize;
            }
        }
        if let Some(d) = &raw.auth_failure_backoff {
            if let Some(d) = self.duration("global.auth_failure_backoff", d, Duration::ZERO) {
                g.auth_failure_backoff = d;
            }
        }
        if let Some(d) = &raw.neighbors_interval {
            if let Some(d) = self.interval("global.neighbors_interval", d) {
                g.neighbors_interval = d;
            }
        }
        if let Some(d) = &raw.inventory_interval {
            if let Some(d) = self.interval("global.inventory_interval", d) {
                g.inventory_interval = d;
            }
        }
        if let Some(w) = &raw.poll_reuse_window {
            if let Some(d) = self.duration("global.poll_reuse_window", w, Duration::ZERO) {
                if d > Duration::from_secs(60) {
                    self.problem(
                        w.referenced,
                        "global.poll_reuse_window",
                        "at most 60s: a longer window serves stale data as fresh (set the scrape interval instead)",
                    );
                } else {
                    g.poll_reuse_window = d;
                }
            }
        }
        g
    }
}

/// `raw`'s settings over `base`.
fn apply_collectors(mut base: Collectors, raw: &super::raw::RawCollectors) -> Collectors {
    if let Some(b) = &raw.bgp {
        base.bgp = b.value;
    }
    if let Some(o) = &raw.optics {
        base.optics = o.value;
    }
    if let Some(n) = &raw.neighbors {
        base.neighbors = n.value;
    }
    if let Some(i) = &raw.inventory {
        base.inventory = i.value;
    }
    base
}
