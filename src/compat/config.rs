//! snmp_exporter's `snmp.yml`, read as it is, in either layout:
//!
//! * current (snmp_exporter ≥ 0.23): `auths:` and `modules:` at the top,
//!   the auth chosen per request with `auth=`;
//! * older (≤ 0.22, e.g. the generated v0.21.0 file): every top-level key
//!   is a module carrying its own `version` and `auth`.
//!
//! Parsing is two-stage like netgauge's own config: serde reads the raw
//! shape (unknown keys rejected, as snmp_exporter's strict YAML does), then
//! `validate` checks what serde cannot — OIDs, type names, regexes, v3
//! settings — and reports every problem with file, line and field.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use serde_saphyr::{Location, Spanned};

use crate::collector::snmp::value::Oid;
use crate::config::{AuthProtocol, PrivProtocol, Problem, SecurityLevel, SnmpCredentials, V3Credentials};
use crate::secret::Secret;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    auths: Option<BTreeMap<String, Spanned<RawAuth>>>,
    modules: Option<BTreeMap<String, Spanned<RawModule>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAuth {
    community: Option<String>,
    security_level: Option<String>,
    username: Option<String>,
    password: Option<String>,
    auth_protocol: Option<String>,
    priv_protocol: Option<String>,
    priv_password: Option<String>,
    context_name: Option<String>,
    version: Option<u8>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModule {
    walk: Option<Vec<Spanned<String>>>,
    get: Option<Vec<Spanned<String>>>,
    metrics: Option<Vec<Spanned<RawMetric>>>,
    max_repetitions: Option<u32>,
    retries: Option<u32>,
    timeout: Option<Spanned<String>>,
    use_unconnected_udp_socket: Option<bool>,
    allow_nonincreasing_oids: Option<bool>,
    filters: Option<Vec<Spanned<RawFilter>>>,
    /// Older layout only.
    version: Option<u8>,
    /// Older layout only.
    auth: Option<Spanned<RawAuth>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetric {
    name: String,
    oid: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    help: String,
    #[serde(default)]
    indexes: Vec<RawIndex>,
    #[serde(default)]
    lookups: Vec<RawLookup>,
    #[serde(default)]
    regex_extracts: BTreeMap<String, Vec<RawRegexExtract>>,
    #[serde(default)]
    enum_values: BTreeMap<i64, String>,
    #[serde(default)]
    offset: f64,
    #[serde(default)]
    scale: f64,
    datetime_pattern: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndex {
    labelname: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    fixed_size: usize,
    #[serde(default)]
    implied: bool,
    #[serde(default)]
    enum_values: BTreeMap<i64, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLookup {
    #[serde(default)]
    labels: Vec<String>,
    labelname: String,
    #[serde(default)]
    oid: String,
    #[serde(rename = "type", default)]
    kind: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegexExtract {
    #[serde(default)]
    value: String,
    regex: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFilter {
    oid: String,
    #[serde(default)]
    targets: Vec<String>,
    #[serde(default)]
    values: Vec<String>,
}

/// How a value or an index is turned into a number or a label: snmp_exporter's type names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ty {
    Gauge,
    Counter,
    /// `Integer` / `Integer32`: index types only.
    Integer,
    Float,
    Double,
    DateAndTime,
    NtpTimeStamp,
    EnumAsInfo,
    EnumAsStateSet,
    Bits,
    DisplayString,
    OctetString,
    PhysAddress48,
    InetAddressIPv4,
    InetAddressIPv6,
    /// Address type from the preceding column (or index), then the address.
    InetAddress,
    /// As `InetAddress`, for agents that leave the length out of the index.
    InetAddressMissingSize,
    LldpPortId,
}

impl Ty {
    fn parse(s: &str) -> Option<Ty> {
        Some(match s {
            "gauge" => Ty::Gauge,
            "counter" => Ty::Counter,
            "Integer" | "Integer32" => Ty::Integer,
            "Float" => Ty::Float,
            "Double" => Ty::Double,
            "DateAndTime" => Ty::DateAndTime,
            "NTPTimeStamp" => Ty::NtpTimeStamp,
            "EnumAsInfo" => Ty::EnumAsInfo,
            "EnumAsStateSet" => Ty::EnumAsStateSet,
            "Bits" => Ty::Bits,
            "DisplayString" => Ty::DisplayString,
            "OctetString" => Ty::OctetString,
            "PhysAddress48" => Ty::PhysAddress48,
            "InetAddressIPv4" => Ty::InetAddressIPv4,
            "InetAddressIPv6" => Ty::InetAddressIPv6,
            "InetAddress" => Ty::InetAddress,
            "InetAddressMissingSize" => Ty::InetAddressMissingSize,
            "LldpPortId" => Ty::LldpPortId,
            _ => return None,
        })
    }

    fn usable_as_index(self) -> bool {
        !matches!(
            self,
            Ty::Float | Ty::Double | Ty::DateAndTime | Ty::NtpTimeStamp | Ty::EnumAsStateSet | Ty::Bits
        )
    }

    /// Types whose real type is named by the value one column (or index) before.
    pub fn combined(self) -> Option<&'static [(i64, Ty)]> {
        const INET: &[(i64, Ty)] = &[(1, Ty::InetAddressIPv4), (2, Ty::InetAddressIPv6)];
        const LLDP: &[(i64, Ty)] = &[
            (1, Ty::DisplayString),
            (2, Ty::DisplayString),
            (3, Ty::PhysAddress48),
            (5, Ty::DisplayString),
            (7, Ty::DisplayString),
        ];
        match self {
            Ty::InetAddress | Ty::InetAddressMissingSize => Some(INET),
            Ty::LldpPortId => Some(LLDP),
            _ => None,
        }
    }
}

const KNOWN_TYPES: &str = "gauge, counter, Float, Double, DateAndTime, NTPTimeStamp, EnumAsInfo, EnumAsStateSet, \
                           Bits, DisplayString, OctetString, PhysAddress48, InetAddressIPv4, InetAddressIPv6, \
                           InetAddress, InetAddressMissingSize, LldpPortId";

#[derive(Debug)]
pub struct Index {
    pub labelname: String,
    pub ty: Ty,
    pub fixed_size: usize,
    pub implied: bool,
    pub enum_values: BTreeMap<i64, String>,
}

#[derive(Debug)]
pub struct Lookup {
    /// Index labels whose OIDs, appended to `oid`, address the looked-up value.
    /// Empty: the lookup only removes `labelname`.
    pub labels: Vec<String>,
    pub labelname: String,
    pub oid: Oid,
    /// `None` when the lookup has no `type` (only `labels: []` lookups do).
    pub ty: Option<Ty>,
}

#[derive(Debug)]
pub struct RegexExtract {
    pub regex: regex::Regex,
    pub value: String,
}

#[derive(Debug)]
pub struct Metric {
    pub name: String,
    pub oid: Oid,
    pub ty: Ty,
    pub help: String,
    pub indexes: Vec<Index>,
    pub lookups: Vec<Lookup>,
    /// Suffix → alternatives, first match wins.
    pub regex_extracts: Vec<(String, Vec<RegexExtract>)>,
    pub enum_values: BTreeMap<i64, String>,
    pub offset: f64,
    pub scale: f64,
}

/// Walks `oid` first; indices whose value matches one of `values` are the
/// only ones fetched (by GET) from the `targets` columns.
#[derive(Debug)]
pub struct Filter {
    pub oid: Oid,
    pub targets: Vec<Oid>,
    pub values: Vec<regex::Regex>,
}

#[derive(Debug)]
pub struct Module {
    pub name: String,
    pub walk: Vec<Oid>,
    pub get: Vec<Oid>,
    pub metrics: Vec<Metric>,
    pub max_repetitions: u32,
    pub retries: u32,
    pub timeout: Duration,
    pub allow_nonincreasing_oids: bool,
    pub filters: Vec<Filter>,
    /// The module's own credentials, in the older layout.
    pub auth: Option<Arc<Auth>>,
    /// Which metric owns an OID, built once.
    pub tree: super::render::Tree,
    /// The requests, made once (modules with filters re-plan per scrape).
    pub plan: super::fetch::Plan,
}

#[derive(Debug)]
pub struct Auth {
    pub credentials: SnmpCredentials,
}

/// A validated `snmp.yml`.
#[derive(Debug, Default)]
pub struct SnmpYml {
    pub auths: BTreeMap<String, Arc<Auth>>,
    pub modules: BTreeMap<String, Arc<Module>>,
    /// The older layout: modules carry their own auth, and `auth=` is optional.
    pub legacy: bool,
}

/// snmp_exporter's defaults, kept so a file behaves as it did there.
mod defaults {
    use std::time::Duration;
    pub const MAX_REPETITIONS: u32 = 25;
    pub const RETRIES: u32 = 3;
    pub const TIMEOUT: Duration = Duration::from_secs(5);
    pub const COMMUNITY: &str = "public";
}

impl SnmpYml {
    pub fn load(path: &Path) -> Result<SnmpYml, crate::config::ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| crate::config::ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text).map_err(|problems| crate::config::ConfigError::Invalid { problems })
    }

    pub fn parse(path: &Path, text: &str) -> Result<SnmpYml, Vec<Problem>> {
        let raw = if is_current_layout(text) {
            serde_saphyr::from_str::<Option<RawFile>>(text).map(|f| (f.unwrap_or_default(), false))
        } else {
            serde_saphyr::from_str::<Option<BTreeMap<String, Spanned<RawModule>>>>(text).map(|m| {
                (
                    RawFile {
                        auths: None,
                        modules: m,
                    },
                    true,
                )
            })
        };
        let (raw, legacy) = raw.map_err(|e| vec![crate::config::yaml_problem(path, text, &e)])?;
        let mut v = Validator {
            path,
            problems: Vec::new(),
        };
        let yml = v.file(raw, legacy);
        if v.problems.is_empty() {
            Ok(yml)
        } else {
            v.problems.sort_by_key(|p| (p.line, p.column));
            Err(v.problems)
        }
    }
}

/// The current layout has `auths:` or `modules:` at the top; in the older
/// one those would be module names, which no generator produces.
fn is_current_layout(text: &str) -> bool {
    text.lines()
        .any(|l| l.starts_with("modules:") || l.starts_with("auths:"))
}

struct Validator<'a> {
    path: &'a Path,
    problems: Vec<Problem>,
}

impl Validator<'_> {
    fn problem(&mut self, at: Location, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            file: self.path.to_path_buf(),
            line: at.line(),
            column: at.column(),
            field: field.into(),
            message: message.into(),
        });
    }

    fn file(&mut self, raw: RawFile, legacy: bool) -> SnmpYml {
        let mut yml = SnmpYml {
            legacy,
            ..SnmpYml::default()
        };
        for (name, a) in raw.auths.unwrap_or_default() {
            if let Some(auth) = self.auth(&format!("auths.{name}"), a.referenced, &a.value, a.value.version) {
                yml.auths.insert(name, Arc::new(auth));
            }
        }
        let prefix = if legacy { "" } else { "modules." };
        for (name, m) in raw.modules.unwrap_or_default() {
            let field = format!("{prefix}{name}");
            if let Some(module) = self.module(&field, name.clone(), m, legacy) {
                yml.modules.insert(name, Arc::new(module));
            }
        }
        yml
    }

    fn auth(&mut self, field: &str, at: Location, a: &RawAuth, version: Option<u8>) -> Option<Auth> {
        let community = || Secret::new(a.community.clone().unwrap_or_else(|| defaults::COMMUNITY.into()));
        let credentials = match version.unwrap_or(2) {
            1 => SnmpCredentials::V1 { community: community() },
            2 => SnmpCredentials::V2c { community: community() },
            3 => SnmpCredentials::V3(self.v3(field, at, a)?),
            other => {
                self.problem(
                    at,
                    format!("{field}.version"),
                    format!("SNMP version must be 1, 2 or 3, not {other}"),
                );
                return None;
            }
        };
        Some(Auth { credentials })
    }

    fn v3(&mut self, field: &str, at: Location, a: &RawAuth) -> Option<V3Credentials> {
        let before = self.problems.len();
        let level = match a.security_level.as_deref().unwrap_or("noAuthNoPriv") {
            "noAuthNoPriv" => SecurityLevel::NoAuthNoPriv,
            "authNoPriv" => SecurityLevel::AuthNoPriv,
            "authPriv" => SecurityLevel::AuthPriv,
            other => {
                self.problem(
                    at,
                    format!("{field}.security_level"),
                    format!("'{other}' is not one of noAuthNoPriv, authNoPriv, authPriv"),
                );
                SecurityLevel::NoAuthNoPriv
            }
        };
        let username = a.username.clone().unwrap_or_default();
        if username.is_empty() {
            self.problem(at, format!("{field}.username"), "SNMPv3 needs a username");
        }
        let password = a.password.clone().unwrap_or_default();
        let priv_password = a.priv_password.clone().unwrap_or_default();
        if level != SecurityLevel::NoAuthNoPriv && password.is_empty() {
            self.problem(
                at,
                format!("{field}.password"),
                "authNoPriv and authPriv need a password",
            );
        }
        if level == SecurityLevel::AuthPriv && priv_password.is_empty() {
            self.problem(at, format!("{field}.priv_password"), "authPriv needs a priv_password");
        }
        let auth_protocol = match a.auth_protocol.as_deref().unwrap_or("MD5") {
            "MD5" => AuthProtocol::Md5,
            "SHA" => AuthProtocol::Sha,
            "SHA224" => AuthProtocol::Sha224,
            "SHA256" => AuthProtocol::Sha256,
            "SHA384" => AuthProtocol::Sha384,
            "SHA512" => AuthProtocol::Sha512,
            other => {
                self.problem(
                    at,
                    format!("{field}.auth_protocol"),
                    format!("'{other}' is not one of MD5, SHA, SHA224, SHA256, SHA384, SHA512"),
                );
                AuthProtocol::Md5
            }
        };
        let priv_protocol = match a.priv_protocol.as_deref().unwrap_or("DES") {
            "DES" => PrivProtocol::Des,
            "AES" => PrivProtocol::Aes,
            "AES192" => PrivProtocol::Aes192,
            "AES256" => PrivProtocol::Aes256,
            "AES192C" => PrivProtocol::Aes192C,
            "AES256C" => PrivProtocol::Aes256C,
            other => {
                self.problem(
                    at,
                    format!("{field}.priv_protocol"),
                    format!("'{other}' is not one of DES, AES, AES192, AES256, AES192C, AES256C"),
                );
                PrivProtocol::Des
            }
        };
        (self.problems.len() == before).then(|| V3Credentials {
            username,
            level,
            auth_protocol,
            auth_password: Secret::new(password),
            priv_protocol,
            priv_password: Secret::new(priv_password),
            context_name: a.context_name.clone().unwrap_or_default(),
        })
    }

    fn oid(&mut self, at: Location, field: &str, text: &str) -> Option<Oid> {
        match parse_oid(text) {
            Some(o) => Some(o),
            None => {
                self.problem(at, field, format!("'{text}' is not a numeric OID like 1.3.6.1.2.1.2.2"));
                None
            }
        }
    }

    fn module(&mut self, field: &str, name: String, m: Spanned<RawModule>, legacy: bool) -> Option<Module> {
        let before = self.problems.len();
        let at = m.referenced;
        let raw = m.value;
        let auth = if legacy {
            let (auth_at, raw_auth) = match &raw.auth {
                Some(a) => (a.referenced, &a.value),
                None => (at, &RawAuth::default()),
            };
            if raw_auth.version.is_some() {
                self.problem(
                    auth_at,
                    format!("{field}.auth.version"),
                    "in this layout the version is set on the module",
                );
            }
            self.auth(&format!("{field}.auth"), auth_at, raw_auth, raw.version)
                .map(Arc::new)
        } else {
            for (set, key) in [(raw.auth.is_some(), "auth"), (raw.version.is_some(), "version")] {
                if set {
                    self.problem(
                        at,
                        format!("{field}.{key}"),
                        format!("'{key}' belongs in an 'auths:' entry in this layout (chosen with auth= on /snmp)"),
                    );
                }
            }
            None
        };
        let mut walk = Vec::new();
        for (i, w) in raw.walk.iter().flatten().enumerate() {
            walk.extend(self.oid(w.referenced, &format!("{field}.walk[{i}]"), &w.value));
        }
        let mut get = Vec::new();
        for (i, g) in raw.get.iter().flatten().enumerate() {
            get.extend(self.oid(g.referenced, &format!("{field}.get[{i}]"), &g.value));
        }
        let timeout = match &raw.timeout {
            None => defaults::TIMEOUT,
            Some(t) => match parse_go_duration(&t.value) {
                Some(d) if !d.is_zero() => d,
                _ => {
                    self.problem(
                        t.referenced,
                        format!("{field}.timeout"),
                        format!("'{}' is not a duration like 500ms, 5s or 1m30s", t.value),
                    );
                    defaults::TIMEOUT
                }
            },
        };
        let mut metrics = Vec::new();
        for (i, rm) in raw.metrics.into_iter().flatten().enumerate() {
            let mfield = format!("{field}.metrics[{i}]");
            metrics.extend(self.metric(&mfield, rm.referenced, rm.value));
        }
        let mut filters = Vec::new();
        for (i, f) in raw.filters.into_iter().flatten().enumerate() {
            let ffield = format!("{field}.filters[{i}]");
            let oid = self.oid(f.referenced, &format!("{ffield}.oid"), &f.value.oid);
            let targets: Vec<Oid> = f
                .value
                .targets
                .iter()
                .filter_map(|t| self.oid(f.referenced, &format!("{ffield}.targets"), t))
                .collect();
            let mut values = Vec::new();
            for v in &f.value.values {
                // Dynamic filter values match anywhere in the string, as snmp_exporter's do.
                match regex::Regex::new(v) {
                    Ok(r) => values.push(r),
                    Err(e) => self.problem(
                        f.referenced,
                        format!("{ffield}.values"),
                        format!("bad regex '{v}': {e}"),
                    ),
                }
            }
            if let Some(oid) = oid {
                filters.push(Filter { oid, targets, values });
            }
        }
        if raw.use_unconnected_udp_socket == Some(true) {
            // snmp2 sockets are connected to the agent's address; a reply from another address is not heard.
            self.problem(
                at,
                format!("{field}.use_unconnected_udp_socket"),
                "not supported: netgauge only takes replies from the address it sent to",
            );
        }
        if self.problems.len() != before {
            return None;
        }
        let mut module = Module {
            name,
            tree: super::render::Tree::new(&metrics),
            walk,
            get,
            metrics,
            max_repetitions: raw.max_repetitions.unwrap_or(defaults::MAX_REPETITIONS),
            retries: raw.retries.unwrap_or(defaults::RETRIES),
            timeout,
            allow_nonincreasing_oids: raw.allow_nonincreasing_oids.unwrap_or(false),
            filters,
            auth,
            plan: super::fetch::Plan::default(),
        };
        module.plan = super::fetch::Plan::new(&module, &module.walk, &module.get);
        Some(module)
    }

    fn ty(&mut self, at: Location, field: &str, s: &str) -> Option<Ty> {
        let t = Ty::parse(s);
        if t.is_none() {
            let hint = if s == "ParseDateAndTime" {
                " (ParseDateAndTime with a datetime_pattern is not supported yet)"
            } else {
                ""
            };
            self.problem(at, field, format!("unknown type '{s}'{hint}; known: {KNOWN_TYPES}"));
        }
        t
    }

    fn metric(&mut self, field: &str, at: Location, m: RawMetric) -> Option<Metric> {
        let before = self.problems.len();
        let field = format!("{field} ({})", m.name);
        if !valid_metric_name(&m.name) {
            self.problem(at, format!("{field}.name"), "not a valid Prometheus metric name");
        }
        let oid = self.oid(at, &format!("{field}.oid"), &m.oid);
        let ty = self.ty(at, &format!("{field}.type"), &m.kind);
        if m.datetime_pattern.is_some() {
            self.problem(
                at,
                format!("{field}.datetime_pattern"),
                "ParseDateAndTime is not supported yet",
            );
        }
        let mut indexes = Vec::new();
        for (i, ix) in m.indexes.into_iter().enumerate() {
            let f = format!("{field}.indexes[{i}]");
            if !valid_label_name(&ix.labelname) {
                self.problem(
                    at,
                    format!("{f}.labelname"),
                    format!("'{}' is not a valid label name", ix.labelname),
                );
            }
            if let Some(t) = self.ty(at, &format!("{f}.type"), &ix.kind) {
                if !t.usable_as_index() {
                    self.problem(
                        at,
                        format!("{f}.type"),
                        format!("'{}' cannot be an index type", ix.kind),
                    );
                }
                indexes.push(Index {
                    labelname: ix.labelname,
                    ty: t,
                    fixed_size: ix.fixed_size,
                    implied: ix.implied,
                    enum_values: ix.enum_values,
                });
            }
        }
        let mut lookups = Vec::new();
        for (i, l) in m.lookups.into_iter().enumerate() {
            let f = format!("{field}.lookups[{i}]");
            if !valid_label_name(&l.labelname) {
                self.problem(
                    at,
                    format!("{f}.labelname"),
                    format!("'{}' is not a valid label name", l.labelname),
                );
            }
            let (oid, ty) = if l.labels.is_empty() {
                (Vec::new(), None)
            } else {
                (
                    self.oid(at, &format!("{f}.oid"), &l.oid).unwrap_or_default(),
                    self.ty(at, &format!("{f}.type"), &l.kind),
                )
            };
            lookups.push(Lookup {
                labels: l.labels,
                labelname: l.labelname,
                oid,
                ty,
            });
        }
        let mut regex_extracts = Vec::new();
        for (suffix, alternatives) in m.regex_extracts {
            let mut compiled = Vec::new();
            for (i, x) in alternatives.into_iter().enumerate() {
                // Anchored, as snmp_exporter anchors its config regexes.
                match regex::Regex::new(&format!("^(?:{})$", x.regex)) {
                    Ok(regex) => compiled.push(RegexExtract { regex, value: x.value }),
                    Err(e) => self.problem(
                        at,
                        format!("{field}.regex_extracts.{suffix}[{i}].regex"),
                        format!("bad regex '{}': {e}", x.regex),
                    ),
                }
            }
            if !valid_metric_name(&format!("{}{suffix}", m.name)) {
                self.problem(
                    at,
                    format!("{field}.regex_extracts.{suffix}"),
                    "name + suffix is not a valid metric name",
                );
            }
            regex_extracts.push((suffix, compiled));
        }
        if self.problems.len() != before {
            return None;
        }
        Some(Metric {
            name: m.name,
            oid: oid?,
            ty: ty?,
            help: m.help,
            indexes,
            lookups,
            regex_extracts,
            enum_values: m.enum_values,
            offset: m.offset,
            scale: m.scale,
        })
    }
}

/// `1.3.6.1.2.1.2.2` (a leading dot tolerated).
pub fn parse_oid(text: &str) -> Option<Oid> {
    let t = text.trim().strip_prefix('.').unwrap_or(text.trim());
    if t.is_empty() {
        return None;
    }
    t.split('.').map(|a| a.parse::<u32>().ok()).collect()
}

/// Go's `time.ParseDuration` forms: `5s`, `500ms`, `1m30s`, `1.5s`.
pub fn parse_go_duration(text: &str) -> Option<Duration> {
    let mut rest = text.trim();
    if rest == "0" {
        return Some(Duration::ZERO);
    }
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += n * scale;
        rest = &rest[unit_len..];
    }
    Duration::try_from_secs_f64(total).ok()
}

fn valid_metric_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == ':')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
}

fn valid_label_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shared_file() -> String {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/snmp_exporter/snmp.yml"
        ))
        .expect("the v0.21.0 snmp.yml fixture")
    }

    #[test]
    fn reads_the_generated_v0_21_file_whole() {
        let yml = SnmpYml::parse(Path::new("snmp.yml"), &shared_file()).unwrap();
        assert!(yml.legacy);
        assert_eq!(yml.modules.len(), 22);
        let if_mib = &yml.modules["if_mib"];
        assert_eq!((if_mib.walk.len(), if_mib.get.len()), (2, 1));
        assert_eq!(if_mib.max_repetitions, 25);
        assert_eq!(if_mib.retries, 3);
        assert_eq!(if_mib.timeout, Duration::from_secs(5));
        let oper = if_mib.metrics.iter().find(|m| m.name == "ifOperStatus").unwrap();
        assert_eq!(oper.oid, parse_oid("1.3.6.1.2.1.2.2.1.8").unwrap());
        assert_eq!(oper.ty, Ty::Gauge);
        assert_eq!(oper.indexes[0].labelname, "ifIndex");
        assert_eq!(oper.lookups.len(), 3);
        assert!(matches!(
            if_mib.auth.as_ref().unwrap().credentials,
            SnmpCredentials::V2c { ref community } if community.expose() == "public"
        ));
        let total_metrics: usize = yml.modules.values().map(|m| m.metrics.len()).sum();
        assert_eq!(total_metrics, 2926);
    }

    #[test]
    fn reads_the_current_layout_with_auths_and_filters() {
        let text = r#"
auths:
  public_v1:
    version: 1
  secure:
    version: 3
    username: u
    security_level: authPriv
    password: authpassword
    auth_protocol: SHA256
    priv_protocol: AES
    priv_password: privpassword
    context_name: ctx
modules:
  m:
    walk: [1.3.6.1.2.1.2.2.1.2]
    get: [1.3.6.1.2.1.1.3.0]
    max_repetitions: 10
    retries: 1
    timeout: 1m30s
    allow_nonincreasing_oids: true
    filters:
    - oid: 1.3.6.1.2.1.2.2.1.7
      targets: [1.3.6.1.2.1.2.2.1.10]
      values: ["1"]
    metrics:
    - name: hot
      oid: 1.3.6.1.2.1.2.2.1.10
      type: counter
      help: x
      scale: 8
      offset: -1
"#;
        let yml = SnmpYml::parse(Path::new("s.yml"), text).unwrap();
        assert!(!yml.legacy);
        assert!(matches!(yml.auths["public_v1"].credentials, SnmpCredentials::V1 { .. }));
        let SnmpCredentials::V3(ref v3) = yml.auths["secure"].credentials else {
            panic!("v3 expected")
        };
        assert_eq!(
            (v3.level, v3.auth_protocol, v3.priv_protocol),
            (SecurityLevel::AuthPriv, AuthProtocol::Sha256, PrivProtocol::Aes)
        );
        assert_eq!(v3.context_name, "ctx");
        let m = &yml.modules["m"];
        assert_eq!(
            (m.max_repetitions, m.retries, m.timeout),
            (10, 1, Duration::from_secs(90))
        );
        assert!(m.allow_nonincreasing_oids && m.auth.is_none());
        assert_eq!(m.filters[0].targets, vec![parse_oid("1.3.6.1.2.1.2.2.1.10").unwrap()]);
        assert_eq!((m.metrics[0].scale, m.metrics[0].offset), (8.0, -1.0));
    }

    #[test]
    fn every_problem_is_reported_with_its_line_and_field() {
        let text = "auths:\n  bad:\n    version: 3\n    security_level: authPriv\nmodules:\n  m:\n    walk: [1.3.x]\n    metrics:\n    - name: a\n      oid: 1.3.6\n      type: Gauge\n    - name: b\n      oid: 1.3.7\n      type: counter\n      regex_extracts:\n        X:\n        - regex: '(['\n";
        let problems = SnmpYml::parse(Path::new("s.yml"), text).unwrap_err();
        let text: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
        let all = text.join("\n");
        assert!(
            all.contains("s.yml:3:5: auths.bad.username: SNMPv3 needs a username"),
            "{all}"
        );
        assert!(all.contains("auths.bad.password"), "{all}");
        assert!(all.contains("auths.bad.priv_password"), "{all}");
        assert!(
            all.contains("s.yml:7:12: modules.m.walk[0]: '1.3.x' is not a numeric OID"),
            "{all}"
        );
        assert!(
            all.contains("modules.m.metrics[0] (a).type: unknown type 'Gauge'"),
            "{all}"
        );
        assert!(
            all.contains("s.yml:12:7: modules.m.metrics[1] (b).regex_extracts.X[0].regex: bad regex"),
            "{all}"
        );
    }

    #[test]
    fn unknown_keys_and_misplaced_auth_are_errors() {
        let e = SnmpYml::parse(Path::new("s.yml"), "modules:\n  m:\n    walkk: []\n").unwrap_err();
        assert_eq!(e[0].line, 3, "{e:?}");
        assert!(e[0].message.contains("walkk"), "{e:?}");
        let e = SnmpYml::parse(Path::new("s.yml"), "modules:\n  m:\n    version: 3\n").unwrap_err();
        assert!(
            e[0].to_string()
                .contains("modules.m.version: 'version' belongs in an 'auths:' entry"),
            "{e:?}"
        );
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_go_duration("5s"), Some(Duration::from_secs(5)));
        assert_eq!(parse_go_duration("1m30s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_go_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_go_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_go_duration("5"), None);
        assert_eq!(parse_go_duration("5 s"), None);
    }
}
