//! Stage two of loading: raw config → validated [`Config`], or every
//! problem found, each with file, line, column and field.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde_saphyr::{Location, Spanned};

use super::raw::{RawConfig, RawSnmp, RawSsh, RawTarget, RawThresholds};
use super::*;
use crate::collector::snmp::health::Modules as HealthModules;
use crate::schema::RESERVED_LABELS;

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
        bad_auths: HashSet::new(),
    };
    let config = v.config(raws);
    if v.problems.is_empty() {
        Ok(config)
    } else {
        let order: Vec<&PathBuf> = sources.iter().map(|(p, _)| p).collect();
        v.problems
            .sort_by_key(|p| (order.iter().position(|f| **f == p.file), p.line, p.column));
        Err(ConfigError::Invalid { problems: v.problems })
    }
}

fn parse(path: &Path, text: &str) -> Result<RawConfig, Problem> {
    match serde_saphyr::from_str::<Option<RawConfig>>(text) {
        Ok(raw) => Ok(raw.unwrap_or_default()),
        Err(e) => Err(yaml_problem(path, text, &e)),
    }
}

/// A YAML syntax or type error as a [`Problem`]: position first, the key it
/// happened under as the field, and the parser's message in plainer words.
pub(crate) fn yaml_problem(path: &Path, text: &str, e: &serde_saphyr::Error) -> Problem {
    let plain = e.without_snippet();
    let (line, column) = plain.location().map(|l| (l.line(), l.column())).unwrap_or((0, 0));
    let message = plain
        .render_with_options(serde_saphyr::render_options! {
            snippets: serde_saphyr::SnippetMode::Off,
        })
        .to_string();
    Problem {
        file: path.to_path_buf(),
        line,
        column,
        field: key_at(text, line, column),
        message: friendlier(&strip_location_suffix(&message)),
    }
}

/// Makes relative `*_file` paths relative to the file that names them, so an
/// auth block keeps meaning the same file when a target in another file uses it.
fn absolutize(raw: &mut RawConfig, base: &Path) {
    let fix = |s: &mut RawSnmp| {
        for f in [&mut s.community_file, &mut s.password_file, &mut s.priv_password_file]
            .into_iter()
            .flatten()
        {
            if Path::new(&f.value).is_relative() {
                f.value = base.join(&f.value).to_string_lossy().into_owned();
            }
        }
    };
    raw.auths.values_mut().for_each(|a| fix(&mut a.value));
    if let Some(d) = raw.defaults.as_mut().and_then(|d| d.value.snmp.as_mut()) {
        fix(&mut d.value);
    }
    for t in &mut raw.targets {
        if let Some(s) = t.value.snmp.as_mut() {
            fix(&mut s.value);
        }
        for s in [t.value.ssh.as_mut(), t.value.telnet.as_mut()].into_iter().flatten() {
            let s = &mut s.value;
            for f in [
                &mut s.password_file,
                &mut s.key_file,
                &mut s.passphrase_file,
                &mut s.known_hosts,
            ]
            .into_iter()
            .flatten()
            {
                if Path::new(&f.value).is_relative() {
                    f.value = base.join(&f.value).to_string_lossy().into_owned();
                }
            }
        }
    }
}

/// The YAML key whose value starts at `line`:`column`, read from the source
/// line (`    retries: many` → `retries`), so type errors name their field.
fn key_at(text: &str, line: u64, column: u64) -> String {
    let Some(l) = text.lines().nth(line.saturating_sub(1) as usize) else {
        return String::new();
    };
    let upto: String = l.chars().take(column.saturating_sub(1) as usize).collect();
    let Some(colon) = upto.rfind(':') else {
        return String::new();
    };
    let before = &upto[..colon];
    let start = before
        .rfind(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '.'))
        .map_or(0, |i| i + 1);
    before[start..].to_owned()
}

/// Rewords the parser's terse type errors for people editing a config.
fn friendlier(message: &str) -> String {
    match message {
        "invalid u64" | "invalid u32" => "expected a whole number (0 or more)".to_owned(),
        m => m.to_owned(),
    }
}

/// The parser appends " at line X column Y"; we print the position first.
fn strip_location_suffix(message: &str) -> String {
    let m = message.trim();
    match m.rfind(" at line ") {
        Some(i) if m[i..].contains("column") => m[..i].to_owned(),
        _ => m.to_owned(),
    }
}

struct Validator {
    /// The file whose nodes are being checked; problems are attributed to it.
    file: PathBuf,
    problems: Vec<Problem>,
    /// Auth blocks with problems of their own (already reported).
    bad_auths: HashSet<String>,
}

impl Validator {
    fn problem(&mut self, at: Location, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.file.clone(),
            line: at.line(),
            column: at.column(),
            field: field.into(),
            message: message.into(),
        });
    }

    fn config(&mut self, raws: Vec<(PathBuf, RawConfig)>) -> Config {
        // `global` and `defaults` may be set in one file only: two files
        // disagreeing silently would be worse than an error.
        let mut global = Global::default();
        let mut global_from: Option<PathBuf> = None;
        let mut health = None;
        let mut defaults: Option<(PathBuf, Spanned<RawSnmp>)> = None;
        let mut default_thresholds = Thresholds::builtin();
        let mut defaults_from: Option<PathBuf> = None;
        for (file, raw) in &raws {
            self.file.clone_from(file);
            if let Some(g) = &raw.global {
                match &global_from {
                    Some(first) => self.problem(
                        g.referenced,
                        "global",
                        format!("already set in {}; set it in one file only", first.display()),
                    ),
                    None => {
                        global = self.global(Some(g));
                        global_from = Some(file.clone());
                        if let Some(h) = &g.value.health_modules {
                            let path = file.parent().unwrap_or(Path::new("")).join(&h.value);
                            match HealthModules::load_over_builtin(&path) {
                                Ok(m) => health = Some(m),
                                Err(e) => self.problem(h.referenced, "global.health_modules", e),
                            }
                        }
                    }
                }
            }
            if let Some(d) = &raw.defaults {
                match &defaults_from {
                    Some(first) => self.problem(
                        d.referenced,
                        "defaults",
                        format!("already set in {}; set it in one file only", first.display()),
                    ),
                    None => {
                        defaults_from = Some(file.clone());
                        defaults = d.value.snmp.clone().map(|s| (file.clone(), s));
                        if let Some(t) = &d.value.thresholds {
                            self.thresholds("defaults.thresholds", &t.value, &mut default_thresholds, false);
                        }
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
            let defaults_snmp = defaults.as_ref().map(|(_, d)| d);
            for (i, t) in raw.targets.iter().enumerate() {
                if let Some(target) =
                    self.target(&format!("targets[{i}]"), t, defaults_snmp, &auths, &default_thresholds)
                {
                    targets.push(Arc::new(target));
                }
            }
        }
        Config {
            global,
            targets,
            health: Arc::new(health.unwrap_or_else(HealthModules::builtin)),
        }
    }

    fn global(&mut self, raw: Option<&Spanned<super::raw::RawGlobal>>) -> Global {
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
        g
    }

    fn target(
        &mut self,
        field: &str,
        t: &Spanned<RawTarget>,
        defaults_snmp: Option<&Spanned<RawSnmp>>,
        auths: &BTreeMap<String, Spanned<RawSnmp>>,
        default_thresholds: &Thresholds,
    ) -> Option<Target> {
        let raw = &t.value;
        let before = self.problems.len();
        let name = match &raw.name {
            None => {
                self.problem(
                    t.referenced,
                    format!("{field}.name"),
                    "missing field (every target needs a unique name)",
                );
                String::new()
            }
            Some(n) => {
                let v = n.value.trim();
                if v.is_empty() {
                    self.problem(n.referenced, format!("{field}.name"), "must not be empty");
                } else if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    self.problem(
                        n.referenced,
                        format!("{field}.name"),
                        format!("'{v}' contains whitespace or control characters"),
                    );
                }
                v.to_owned()
            }
        };
        let address = match &raw.address {
            None => {
                self.problem(t.referenced, format!("{field}.address"), "missing field");
                None
            }
            Some(a) => match Address::parse(&a.value) {
                Ok(a) => Some(a),
                Err(e) => {
                    self.problem(a.referenced, format!("{field}.address"), e);
                    None
                }
            },
        };
        let mut labels = Vec::new();
        if let Some(l) = &raw.labels {
            for (k, v) in &l.value {
                if let Err(e) = check_label_name(k) {
                    self.problem(l.referenced, format!("{field}.labels.{k}"), e);
                } else {
                    labels.push((k.clone(), v.clone()));
                }
            }
        }
        let cli = match (&raw.ssh, &raw.telnet) {
            (Some(own), None) => self.cli(&format!("{field}.ssh"), own, auths, CliTransport::Ssh),
            (None, Some(own)) => self.cli(&format!("{field}.telnet"), own, auths, CliTransport::Telnet),
            (Some(_), Some(t)) => {
                self.problem(t.referenced, format!("{field}.telnet"), "give ssh or telnet, not both");
                None
            }
            (None, None) => None,
        };
        let has_cli = raw.ssh.is_some() || raw.telnet.is_some();
        // A target polls SNMP when it says `snmp:`, or when it names no
        // transport at all and there are SNMP defaults to inherit.
        let snmp = match (&raw.snmp, defaults_snmp) {
            (Some(own), d) => self.snmp(&format!("{field}.snmp"), Some(own), d, auths),
            (None, Some(d)) if !has_cli => self.snmp(&format!("{field}.snmp"), None, Some(d), auths),
            (None, _) if has_cli => None,
            (None, _) => {
                self.problem(
                    t.referenced,
                    format!("{field}.snmp"),
                    "target has no transport: add an `snmp:` or `ssh:` block (or `defaults.snmp`)",
                );
                None
            }
        };
        let mut thresholds = default_thresholds.clone();
        if let Some(t) = &raw.thresholds {
            self.thresholds(&format!("{field}.thresholds"), &t.value, &mut thresholds, false);
        }
        let mut interface_thresholds = Vec::new();
        for (ifname, t) in raw.interface_thresholds.iter().flatten() {
            let mut own = Thresholds(Vec::new());
            self.thresholds(
                &format!("{field}.interface_thresholds.{ifname}"),
                &t.value,
                &mut own,
                true,
            );
            interface_thresholds.push((ifname.clone(), own));
        }
        if self.problems.len() > before {
            return None;
        }
        let vendor = raw
            .vendor
            .as_ref()
            .map(|v| v.value.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty());
        Some(Target {
            name,
            address: address?,
            labels,
            vendor,
            snmp,
            cli,
            thresholds,
            interface_thresholds,
        })
    }

    /// `ssh:` or `telnet:` (the same keys; Telnet has no keys or host keys).
    fn cli(
        &mut self,
        field: &str,
        own: &Spanned<RawSsh>,
        auths: &BTreeMap<String, Spanned<RawSnmp>>,
        transport: CliTransport,
    ) -> Option<CliSettings> {
        let before = self.problems.len();
        let s = &own.value;
        let at = own.referenced;
        let block = s.auth.as_ref().and_then(|a| match auths.get(&a.value) {
            Some(b) => Some(&b.value),
            None => {
                self.problem(
                    a.referenced,
                    format!("{field}.auth"),
                    format!("no auth block named '{}'", a.value),
                );
                None
            }
        });
        let platform = match &s.platform {
            None => {
                self.problem(
                    at,
                    format!("{field}.platform"),
                    "missing field (cisco_ios, cisco_nxos, huawei_vrp, juniper_junos, mikrotik_routeros)",
                );
                None
            }
            Some(p) => {
                let found = crate::collector::cli::parse::Platform::from_name(p.value.trim());
                if found.is_none() {
                    self.problem(
                        p.referenced,
                        format!("{field}.platform"),
                        format!(
                            "'{}' is not one of cisco_ios, cisco_nxos, huawei_vrp, juniper_junos, mikrotik_routeros",
                            p.value
                        ),
                    );
                }
                found
            }
        };
        let username = match s.username.as_ref().or(block.and_then(|b| b.username.as_ref())) {
            Some(u) => self.expand(&format!("{field}.username"), u).unwrap_or_default(),
            None => {
                self.problem(at, format!("{field}.username"), "missing field");
                String::new()
            }
        };
        let (pw, pw_file) = if s.password.is_some() || s.password_file.is_some() {
            (s.password.as_ref(), s.password_file.as_ref())
        } else {
            (
                block.and_then(|b| b.password.as_ref()),
                block.and_then(|b| b.password_file.as_ref()),
            )
        };
        let password = self.secret(field, "password", pw, pw_file, at);
        let passphrase = self.secret(
            field,
            "passphrase",
            s.passphrase.as_ref(),
            s.passphrase_file.as_ref(),
            at,
        );
        let key_file = s.key_file.as_ref().map(|k| PathBuf::from(&k.value));
        if let (Some(k), Some(path)) = (&s.key_file, &key_file) {
            if !path.is_file() {
                self.problem(
                    k.referenced,
                    format!("{field}.key_file"),
                    format!("{} is not a readable file", path.display()),
                );
            }
        }
        if transport == CliTransport::Telnet {
            let ssh_only: [(&str, Option<Location>); 6] = [
                ("key_file", s.key_file.as_ref().map(|v| v.referenced)),
                ("passphrase", s.passphrase.as_ref().map(|v| v.referenced)),
                ("passphrase_file", s.passphrase_file.as_ref().map(|v| v.referenced)),
                ("known_hosts", s.known_hosts.as_ref().map(|v| v.referenced)),
                (
                    "insecure_ignore_host_key",
                    s.insecure_ignore_host_key.as_ref().map(|v| v.referenced),
                ),
                ("legacy_algorithms", s.legacy_algorithms.as_ref().map(|v| v.referenced)),
            ];
            for (key, at) in ssh_only {
                if let Some(at) = at {
                    self.problem(
                        at,
                        format!("{field}.{key}"),
                        "an SSH setting; Telnet has no keys or host keys",
                    );
                }
            }
            if password.is_none() {
                self.problem(
                    at,
                    format!("{field}.password"),
                    "give a password (password or password_file)",
                );
            }
        } else if password.is_none() && key_file.is_none() {
            self.problem(
                at,
                format!("{field}.password"),
                "give a password (password or password_file) or a key_file",
            );
        }
        let insecure = s.insecure_ignore_host_key.as_ref().is_some_and(|b| b.value);
        let known_hosts = s.known_hosts.as_ref().map(|k| PathBuf::from(&k.value));
        if transport == CliTransport::Ssh && known_hosts.is_none() && !insecure {
            self.problem(
                at,
                format!("{field}.known_hosts"),
                "host keys are verified: set known_hosts, or insecure_ignore_host_key: true to opt out",
            );
        }
        let port = match &s.port {
            Some(p) => self.range(&format!("{field}.port"), p, 1, 65535).unwrap_or(0) as u16,
            None if transport == CliTransport::Telnet => defaults::TELNET_PORT,
            None => defaults::SSH_PORT,
        };
        let timeout = match &s.timeout {
            Some(d) => self
                .duration(&format!("{field}.timeout"), d, Duration::from_millis(100))
                .unwrap_or_default(),
            None => defaults::SSH_TIMEOUT,
        };
        let idle_timeout = match &s.idle_timeout {
            Some(d) => self
                .duration(&format!("{field}.idle_timeout"), d, Duration::from_secs(1))
                .unwrap_or_default(),
            None => defaults::SSH_IDLE_TIMEOUT,
        };
        if self.problems.len() > before {
            return None;
        }
        Some(CliSettings {
            transport,
            platform: platform?,
            port,
            username,
            password,
            key_file,
            passphrase,
            known_hosts: if insecure { None } else { known_hosts },
            legacy_algorithms: s.legacy_algorithms.as_ref().is_some_and(|b| b.value),
            timeout,
            idle_timeout,
        })
    }

    /// Applies the thresholds set in `raw` onto `into`, checking ranges.
    fn thresholds(&mut self, field: &str, raw: &RawThresholds, into: &mut Thresholds, interface_only: bool) {
        for (key, v) in raw.set() {
            let value = v.value;
            if interface_only && !key.starts_with("interface_") {
                self.problem(
                    v.referenced,
                    format!("{field}.{key}"),
                    "only interface_* thresholds can be set per interface",
                );
            } else if !value.is_finite() || value < 0.0 {
                self.problem(
                    v.referenced,
                    format!("{field}.{key}"),
                    format!("{value} must be a number, 0 or more"),
                );
            } else if key.ends_with("_ratio") && value > 1.0 {
                self.problem(
                    v.referenced,
                    format!("{field}.{key}"),
                    format!("{value} is a ratio: 0 to 1 (0.8 means 80%)"),
                );
            } else {
                into.set(key, value);
            }
        }
    }

    /// Effective SNMP settings: defaults ⊕ the named auth block ⊕ the target's own keys.
    fn snmp(
        &mut self,
        field: &str,
        own: Option<&Spanned<RawSnmp>>,
        defaults: Option<&Spanned<RawSnmp>>,
        auths: &BTreeMap<String, Spanned<RawSnmp>>,
    ) -> Option<SnmpSettings> {
        let anchor = own.or(defaults).map(|s| s.referenced)?;
        let auth_ref = own
            .and_then(|o| o.value.auth.clone())
            .or_else(|| defaults.and_then(|d| d.value.auth.clone()));
        let mut merged = defaults.map(|d| d.value.clone()).unwrap_or_default();
        if let Some(name) = &auth_ref {
            if self.bad_auths.contains(&name.value) {
                return None;
            }
            match auths.get(&name.value) {
                Some(block) => overlay(&mut merged, &block.value),
                // Reported, then validation goes on without it to find further problems.
                None => {
                    let known: Vec<&str> = auths.keys().map(String::as_str).collect();
                    self.problem(
                        name.referenced,
                        format!("{field}.auth"),
                        format!(
                            "no auth block named '{}' (known: {})",
                            name.value,
                            if known.is_empty() {
                                "none".into()
                            } else {
                                known.join(", ")
                            }
                        ),
                    );
                }
            }
        }
        if let Some(o) = own {
            overlay(&mut merged, &o.value);
        }
        self.snmp_settings(field, anchor, &merged)
    }

    fn snmp_settings(&mut self, field: &str, anchor: Location, s: &RawSnmp) -> Option<SnmpSettings> {
        let before = self.problems.len();
        let version = match &s.version {
            None if s.username.is_some() => SnmpVersion::V3,
            None => SnmpVersion::V2c,
            Some(v) => match v.value.0.trim().to_ascii_lowercase().as_str() {
                "1" | "v1" => SnmpVersion::V1,
                "2" | "2c" | "v2c" => SnmpVersion::V2c,
                "3" | "v3" => SnmpVersion::V3,
                other => {
                    self.problem(
                        v.referenced,
                        format!("{field}.version"),
                        format!("'{other}' is not an SNMP version (1, 2c or 3)"),
                    );
                    SnmpVersion::V2c
                }
            },
        };
        let credentials = match version {
            SnmpVersion::V1 | SnmpVersion::V2c => {
                for (key, at) in v3_keys(s) {
                    self.problem(
                        at,
                        format!("{field}.{key}"),
                        format!("only meaningful with version 3 (this target uses version {version})"),
                    );
                }
                let community = self
                    .secret(
                        field,
                        "community",
                        s.community.as_ref(),
                        s.community_file.as_ref(),
                        anchor,
                    )
                    .unwrap_or_else(|| Secret::new("public"));
                if version == SnmpVersion::V1 {
                    SnmpCredentials::V1 { community }
                } else {
                    SnmpCredentials::V2c { community }
                }
            }
            SnmpVersion::V3 => {
                if let Some(c) = s.community.as_ref().or(s.community_file.as_ref()) {
                    self.problem(
                        c.referenced,
                        format!("{field}.community"),
                        "communities are for versions 1 and 2c; version 3 uses username/password",
                    );
                }
                let username = match &s.username {
                    Some(u) => self.expand(&format!("{field}.username"), u).unwrap_or_default(),
                    None => {
                        self.problem(
                            anchor,
                            format!("{field}.username"),
                            "missing field (required for version 3)",
                        );
                        String::new()
                    }
                };
                let auth_password =
                    self.secret(field, "password", s.password.as_ref(), s.password_file.as_ref(), anchor);
                let priv_password = self.secret(
                    field,
                    "priv_password",
                    s.priv_password.as_ref(),
                    s.priv_password_file.as_ref(),
                    anchor,
                );
                let level = match &s.security_level {
                    Some(l) => match l.value.to_ascii_lowercase().as_str() {
                        "noauthnopriv" => SecurityLevel::NoAuthNoPriv,
                        "authnopriv" => SecurityLevel::AuthNoPriv,
                        "authpriv" => SecurityLevel::AuthPriv,
                        other => {
                            self.problem(
                                l.referenced,
                                format!("{field}.security_level"),
                                format!("'{other}' is not one of noAuthNoPriv, authNoPriv, authPriv"),
                            );
                            SecurityLevel::NoAuthNoPriv
                        }
                    },
                    None if priv_password.is_some() => SecurityLevel::AuthPriv,
                    None if auth_password.is_some() => SecurityLevel::AuthNoPriv,
                    None => SecurityLevel::NoAuthNoPriv,
                };
                let at = s.security_level.as_ref().map_or(anchor, |l| l.referenced);
                if level != SecurityLevel::NoAuthNoPriv && auth_password.is_none() {
                    self.problem(
                        at,
                        format!("{field}.password"),
                        "security level needs an auth password (password or password_file)",
                    );
                }
                if level == SecurityLevel::AuthPriv && priv_password.is_none() {
                    self.problem(
                        at,
                        format!("{field}.priv_password"),
                        "authPriv needs a privacy password (priv_password or priv_password_file)",
                    );
                }
                for (pw, key) in [(&auth_password, "password"), (&priv_password, "priv_password")] {
                    if let Some(p) = pw {
                        if level != SecurityLevel::NoAuthNoPriv && p.expose().len() < 8 {
                            self.problem(
                                at,
                                format!("{field}.{key}"),
                                "SNMPv3 passwords must be at least 8 characters (RFC 3414)",
                            );
                        }
                    }
                }
                let auth_protocol = match &s.auth_protocol {
                    None => AuthProtocol::Md5,
                    Some(p) => match p.value.to_ascii_uppercase().replace('-', "").as_str() {
                        "MD5" => AuthProtocol::Md5,
                        "SHA" | "SHA1" => AuthProtocol::Sha,
                        "SHA224" => AuthProtocol::Sha224,
                        "SHA256" => AuthProtocol::Sha256,
                        "SHA384" => AuthProtocol::Sha384,
                        "SHA512" => AuthProtocol::Sha512,
                        other => {
                            self.problem(
                                p.referenced,
                                format!("{field}.auth_protocol"),
                                format!("'{other}' is not one of MD5, SHA, SHA224, SHA256, SHA384, SHA512"),
                            );
                            AuthProtocol::Md5
                        }
                    },
                };
                let priv_protocol = match &s.priv_protocol {
                    None => PrivProtocol::Des,
                    Some(p) => match p.value.to_ascii_uppercase().replace('-', "").as_str() {
                        "DES" => PrivProtocol::Des,
                        "AES" | "AES128" => PrivProtocol::Aes,
                        "AES192" => PrivProtocol::Aes192,
                        "AES256" => PrivProtocol::Aes256,
                        "AES192C" => PrivProtocol::Aes192C,
                        "AES256C" => PrivProtocol::Aes256C,
                        other => {
                            self.problem(
                                p.referenced,
                                format!("{field}.priv_protocol"),
                                format!("'{other}' is not one of DES, AES, AES192, AES256, AES192C, AES256C"),
                            );
                            PrivProtocol::Des
                        }
                    },
                };
                let context_name = match &s.context_name {
                    Some(c) => self.expand(&format!("{field}.context_name"), c).unwrap_or_default(),
                    None => String::new(),
                };
                SnmpCredentials::V3(V3Credentials {
                    username,
                    level,
                    auth_protocol,
                    auth_password: auth_password.unwrap_or_default(),
                    priv_protocol,
                    priv_password: priv_password.unwrap_or_default(),
                    context_name,
                })
            }
        };
        let port = match &s.port {
            Some(p) => self.range(&format!("{field}.port"), p, 1, 65535).unwrap_or(0) as u16,
            None => defaults::SNMP_PORT,
        };
        let timeout = match &s.timeout {
            Some(d) => self
                .duration(&format!("{field}.timeout"), d, Duration::from_millis(10))
                .unwrap_or_default(),
            None => defaults::SNMP_TIMEOUT,
        };
        let retries = match &s.retries {
            Some(n) => self.range(&format!("{field}.retries"), n, 0, 10).unwrap_or(0) as u32,
            None => defaults::SNMP_RETRIES,
        };
        let max_repetitions = match &s.max_repetitions {
            Some(n) => self.range(&format!("{field}.max_repetitions"), n, 1, 500).unwrap_or(1) as u32,
            None => defaults::SNMP_MAX_REPETITIONS,
        };
        let walk_concurrency = match &s.walk_concurrency {
            Some(n) => self.range(&format!("{field}.walk_concurrency"), n, 1, 64).unwrap_or(1) as usize,
            None => defaults::SNMP_WALK_CONCURRENCY,
        };
        let columns_per_request = match &s.columns_per_request {
            Some(n) => self
                .range(&format!("{field}.columns_per_request"), n, 1, 64)
                .unwrap_or(1) as usize,
            None => defaults::SNMP_COLUMNS_PER_REQUEST,
        };
        if self.problems.len() > before {
            return None;
        }
        Some(SnmpSettings {
            columns_per_request,
            allow_nonincreasing_oids: false,
            port,
            credentials,
            timeout,
            retries,
            max_repetitions,
            walk_concurrency,
        })
    }

    /// A secret given inline (with `${ENV}` expansion) or as `<key>_file`.
    fn secret(
        &mut self,
        field: &str,
        key: &str,
        inline: Option<&Spanned<String>>,
        file: Option<&Spanned<String>>,
        _anchor: Location,
    ) -> Option<Secret> {
        match (inline, file) {
            (Some(_), Some(f)) => {
                self.problem(
                    f.referenced,
                    format!("{field}.{key}_file"),
                    format!("give either {key} or {key}_file, not both"),
                );
                None
            }
            (Some(v), None) => self.expand(&format!("{field}.{key}"), v).map(Secret::new),
            (None, Some(f)) => {
                let path = PathBuf::from(&f.value);
                match std::fs::read_to_string(&path) {
                    // Secret files conventionally end with a newline that is not part of the secret.
                    Ok(s) => {
                        let s = s
                            .strip_suffix('\n')
                            .map_or(s.as_str(), |t| t.strip_suffix('\r').unwrap_or(t));
                        Some(Secret::new(s))
                    }
                    Err(e) => {
                        self.problem(
                            f.referenced,
                            format!("{field}.{key}_file"),
                            format!("cannot read {}: {e}", path.display()),
                        );
                        None
                    }
                }
            }
            (None, None) => None,
        }
    }

    /// Expands `${NAME}` from the environment; `$$` is a literal `$`.
    fn expand(&mut self, field: &str, v: &Spanned<String>) -> Option<String> {
        match expand_env(&v.value, |k| std::env::var(k).ok()) {
            Ok(s) => Some(s),
            Err(e) => {
                self.problem(v.referenced, field, e);
                None
            }
        }
    }

    fn duration(&mut self, field: &str, d: &Spanned<String>, min: Duration) -> Option<Duration> {
        match humantime::parse_duration(d.value.trim()) {
            Ok(v) if v >= min && v <= Duration::from_secs(3600) => Some(v),
            Ok(_) => {
                self.problem(
                    d.referenced,
                    field,
                    format!("'{}' is out of range ({:?} to 1h)", d.value, min),
                );
                None
            }
            Err(e) => {
                self.problem(
                    d.referenced,
                    field,
                    format!("'{}' is not a duration like 500ms, 5s or 1m: {e}", d.value),
                );
                None
            }
        }
    }

    fn range(&mut self, field: &str, n: &Spanned<u64>, min: u64, max: u64) -> Option<u64> {
        if (min..=max).contains(&n.value) {
            Some(n.value)
        } else {
            self.problem(
                n.referenced,
                field,
                format!("{} is out of range ({min} to {max})", n.value),
            );
            None
        }
    }
}

/// Later `Some`s win, field by field.
fn overlay(base: &mut RawSnmp, top: &RawSnmp) {
    macro_rules! take {
        ($($f:ident),*) => { $( if top.$f.is_some() { base.$f = top.$f.clone(); } )* };
    }
    take!(
        auth,
        version,
        community,
        community_file,
        security_level,
        username,
        password,
        password_file,
        auth_protocol,
        priv_protocol,
        priv_password,
        priv_password_file,
        context_name,
        port,
        timeout,
        retries,
        max_repetitions,
        walk_concurrency,
        columns_per_request
    );
    // An inline secret replaces a file from a lower layer and vice versa.
    macro_rules! exclusive {
        ($a:ident, $b:ident) => {
            if top.$a.is_some() && top.$b.is_none() {
                base.$b = None;
            }
            if top.$b.is_some() && top.$a.is_none() {
                base.$a = None;
            }
        };
    }
    exclusive!(community, community_file);
    exclusive!(password, password_file);
    exclusive!(priv_password, priv_password_file);
}

fn transport_keys(s: &RawSnmp) -> Vec<(&'static str, Location)> {
    let mut out = Vec::new();
    if let Some(v) = &s.port {
        out.push(("port", v.referenced));
    }
    if let Some(v) = &s.timeout {
        out.push(("timeout", v.referenced));
    }
    if let Some(v) = &s.retries {
        out.push(("retries", v.referenced));
    }
    if let Some(v) = &s.max_repetitions {
        out.push(("max_repetitions", v.referenced));
    }
    if let Some(v) = &s.walk_concurrency {
        out.push(("walk_concurrency", v.referenced));
    }
    if let Some(v) = &s.columns_per_request {
        out.push(("columns_per_request", v.referenced));
    }
    out
}

fn v3_keys(s: &RawSnmp) -> Vec<(&'static str, Location)> {
    let mut out = Vec::new();
    let keys: [(&'static str, &Option<Spanned<String>>); 9] = [
        ("security_level", &s.security_level),
        ("username", &s.username),
        ("password", &s.password),
        ("password_file", &s.password_file),
        ("auth_protocol", &s.auth_protocol),
        ("priv_protocol", &s.priv_protocol),
        ("priv_password", &s.priv_password),
        ("priv_password_file", &s.priv_password_file),
        ("context_name", &s.context_name),
    ];
    for (k, v) in keys {
        if let Some(v) = v {
            out.push((k, v.referenced));
        }
    }
    out
}

fn check_label_name(k: &str) -> Result<(), String> {
    let mut chars = k.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(format!(
            "'{k}' is not a valid Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)"
        ));
    }
    if k.starts_with("__") {
        return Err(format!("'{k}': names starting with __ are reserved by Prometheus"));
    }
    if RESERVED_LABELS.contains(&k) {
        return Err(format!("'{k}' is a label netgauge sets itself; pick another name"));
    }
    Ok(())
}

/// `${NAME}` → the variable's value; `$$` → `$`. Unset variables are errors:
/// an empty community or password would fail later and far less clearly.
pub(crate) fn expand_env(s: &str, get: impl Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some(r) = after.strip_prefix('{') {
            let end = r.find('}').ok_or("unterminated ${ (write $$ for a literal $)")?;
            let name = &r[..end];
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(format!("'${{{name}}}' is not a valid environment variable reference"));
            }
            out.push_str(&get(name).ok_or_else(|| format!("environment variable {name} is not set"))?);
            rest = &r[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok(out)
}
