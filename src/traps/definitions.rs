//! Trap definitions: which notifications become alerts, with which labels,
//! and which notification clears which.
//!
//! The same idea as the health modules: a YAML file shipped in the binary
//! (`definitions.yml`), which `global.trap_definitions` can extend or
//! override by name. Everything here is pure: a definition is matched and
//! its labels extracted from a decoded notification, no sockets involved.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use crate::collector::snmp::value::{dotted, Oid, Val};

const BUILTIN: &str = include_str!("definitions.yml");

/// Labels a definition may not set: the alert's own.
const RESERVED: [&str; 7] = [
    "alertname",
    "device",
    "interface",
    "severity",
    "source",
    "trap",
    "if_index",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Where in a varbind a value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum From {
    /// The varbind's value.
    Value,
    /// The OID arcs after the prefix (a table row's index).
    Index,
}

/// A value taken from the first varbind under one of `oids`.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub oids: Vec<Oid>,
    pub from: From,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub name: String,
    pub oids: Vec<Oid>,
    pub alertname: Option<String>,
    /// `None`: the notification only clears other definitions' alerts.
    pub severity: Option<Severity>,
    /// Where the ifIndex is, for notifications about one interface.
    pub interface: Option<Source>,
    pub labels: Vec<(String, Source)>,
    /// Names of the definitions this one resolves.
    pub clears: Vec<String>,
    /// A varbind whose value, when one of these, makes the notification a
    /// recovery of its own definition.
    pub ok_when: Option<(Oid, Vec<i64>)>,
    pub summary: Option<String>,
    /// A poll that sees the interface oper-up resolves the alert (a lost
    /// linkUp must not leave linkDown firing until its ttl).
    pub resolve_when_oper_up: bool,
}

/// All definitions, indexed by notification OID.
#[derive(Debug, Clone)]
pub struct Definitions {
    defs: Vec<Definition>,
    by_oid: HashMap<Oid, usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct DefinitionsError {
    pub message: String,
}

fn error(message: impl Into<String>) -> DefinitionsError {
    DefinitionsError {
        message: message.into(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    definitions: Vec<RawDefinition>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefinition {
    name: String,
    oids: Vec<String>,
    alertname: Option<String>,
    severity: Option<Severity>,
    interface: Option<RawSource>,
    #[serde(default)]
    labels: BTreeMap<String, RawSource>,
    #[serde(default)]
    clears: Vec<String>,
    ok_when: Option<RawOkWhen>,
    summary: Option<String>,
    #[serde(default)]
    resolve_when_oper_up: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    oid: OneOrMany,
    from: From,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOkWhen {
    oid: String,
    values: Vec<i64>,
}

/// `1.3.6.1.2.1` (a leading dot tolerated), two arcs at least.
pub fn parse_oid(text: &str) -> Option<Oid> {
    crate::compat::config::parse_oid(text).filter(|a| a.len() >= 2)
}

fn oid_of(def: &str, what: &str, text: &str) -> Result<Oid, DefinitionsError> {
    parse_oid(text).ok_or_else(|| {
        error(format!(
            "definition {def}: {what}: '{text}' is not an OID like 1.3.6.1.2.1"
        ))
    })
}

fn source(def: &str, what: &str, raw: RawSource) -> Result<Source, DefinitionsError> {
    let texts = match raw.oid {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    };
    if texts.is_empty() {
        return Err(error(format!("definition {def}: {what}: needs at least one oid")));
    }
    let oids = texts
        .iter()
        .map(|t| oid_of(def, what, t))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Source { oids, from: raw.from })
}

fn valid_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Definition {
    fn from_raw(raw: RawDefinition) -> Result<Definition, DefinitionsError> {
        let name = raw.name.trim().to_owned();
        if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(error(format!("definition '{name}': a name without spaces is required")));
        }
        if raw.oids.is_empty() {
            return Err(error(format!("definition {name}: oids: at least one is required")));
        }
        let oids = raw
            .oids
            .iter()
            .map(|o| oid_of(&name, "oids", o))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(a) = &raw.alertname {
            if !valid_name(a) {
                return Err(error(format!(
                    "definition {name}: alertname '{a}' must be letters, digits and _"
                )));
            }
        }
        if raw.severity.is_none() && raw.clears.is_empty() {
            return Err(error(format!(
                "definition {name}: give a severity (it raises an alert) or clears (it resolves others)"
            )));
        }
        if raw.severity.is_none() && (raw.alertname.is_some() || raw.ok_when.is_some()) {
            return Err(error(format!(
                "definition {name}: alertname and ok_when need a severity (this definition raises no alert)"
            )));
        }
        let mut labels = Vec::new();
        for (label, src) in raw.labels {
            if !valid_name(&label) || label.starts_with("__") {
                return Err(error(format!("definition {name}: '{label}' is not a valid label name")));
            }
            if RESERVED.contains(&label.as_str()) {
                return Err(error(format!(
                    "definition {name}: label '{label}' is set by netgauge itself"
                )));
            }
            labels.push((label.clone(), source(&name, &format!("labels.{label}"), src)?));
        }
        let interface = raw.interface.map(|s| source(&name, "interface", s)).transpose()?;
        if raw.resolve_when_oper_up && (interface.is_none() || raw.severity.is_none()) {
            return Err(error(format!(
                "definition {name}: resolve_when_oper_up needs an interface and a severity"
            )));
        }
        let ok_when = match raw.ok_when {
            Some(o) => Some((oid_of(&name, "ok_when.oid", &o.oid)?, o.values)),
            None => None,
        };
        Ok(Definition {
            name,
            oids,
            alertname: raw.alertname,
            severity: raw.severity,
            interface,
            labels,
            clears: raw.clears,
            ok_when,
            summary: raw.summary,
            resolve_when_oper_up: raw.resolve_when_oper_up,
        })
    }

    /// The alert's name: its own, or the generic one.
    pub fn alertname(&self) -> &str {
        self.alertname.as_deref().unwrap_or("NetgaugeTrap")
    }

    /// The ifIndex the notification is about, if this definition names one.
    pub fn if_index(&self, varbinds: &[(Oid, Val)]) -> Option<u64> {
        let src = self.interface.as_ref()?;
        let (oid, val, prefix) = src.find(varbinds)?;
        match src.from {
            From::Value => val.as_u64(),
            From::Index => match &oid[prefix..] {
                [one] => Some(u64::from(*one)),
                _ => None,
            },
        }
    }

    /// The labels this definition takes from the varbinds; a label whose
    /// varbind is missing is left out.
    pub fn extract_labels(&self, varbinds: &[(Oid, Val)]) -> Vec<(String, String)> {
        self.labels
            .iter()
            .filter_map(|(name, src)| src.text(varbinds).map(|v| (name.clone(), v)))
            .collect()
    }

    /// Whether this notification reports recovery (`ok_when` matched).
    pub fn is_recovery(&self, varbinds: &[(Oid, Val)]) -> bool {
        let Some((prefix, values)) = &self.ok_when else {
            return false;
        };
        varbinds
            .iter()
            .any(|(oid, val)| oid.starts_with(prefix) && matches!(val, Val::Int(i) if values.contains(i)))
    }
}

impl Source {
    /// The first varbind under one of the prefixes, and the prefix length.
    fn find<'v>(&self, varbinds: &'v [(Oid, Val)]) -> Option<(&'v Oid, &'v Val, usize)> {
        for prefix in &self.oids {
            for (oid, val) in varbinds {
                let long_enough = match self.from {
                    From::Value => oid.len() >= prefix.len(),
                    From::Index => oid.len() > prefix.len(),
                };
                if long_enough && oid.starts_with(prefix) {
                    return Some((oid, val, prefix.len()));
                }
            }
        }
        None
    }

    /// The value as label text, bounded: a label is for grouping and
    /// matching, not for carrying a device's whole message.
    pub fn text(&self, varbinds: &[(Oid, Val)]) -> Option<String> {
        let (oid, val, prefix) = self.find(varbinds)?;
        let text = match self.from {
            From::Index => dotted(&oid[prefix..]),
            From::Value => value_text(val)?,
        };
        Some(text)
    }
}

/// A varbind value as text: strings cleaned of control characters,
/// numbers in decimal, addresses dotted; at most 128 characters.
pub fn value_text(val: &Val) -> Option<String> {
    let s = match val {
        Val::Str(_) | Val::Opaque(_) => val
            .as_text()?
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect::<String>()
            .trim()
            .to_owned(),
        Val::Int(i) => i.to_string(),
        Val::IpAddress(a) => std::net::Ipv4Addr::from(*a).to_string(),
        Val::Oid(o) => dotted(o),
        Val::Counter32(v) | Val::Unsigned32(v) | Val::Timeticks(v) => v.to_string(),
        Val::Counter64(v) => v.to_string(),
        _ => return None,
    };
    Some(s.chars().take(128).collect())
}

impl Definitions {
    /// The definitions shipped in the binary.
    pub fn builtin() -> Definitions {
        // A unit test parses the shipped file: an invalid one cannot be released.
        Self::parse(BUILTIN).unwrap_or(Definitions {
            defs: Vec::new(),
            by_oid: HashMap::new(),
        })
    }

    /// Parses and checks a definitions file on its own.
    pub fn parse(text: &str) -> Result<Definitions, DefinitionsError> {
        Self::from_list(Self::parse_list(text)?)
    }

    fn parse_list(text: &str) -> Result<Vec<Definition>, DefinitionsError> {
        let raw: RawFile = serde_saphyr::from_str(text).map_err(|e| {
            let e = e.without_snippet();
            let at = e
                .location()
                .map(|l| format!("{}:{}: ", l.line(), l.column()))
                .unwrap_or_default();
            error(format!(
                "{at}{}",
                e.render_with_options(serde_saphyr::render_options! { snippets: serde_saphyr::SnippetMode::Off })
            ))
        })?;
        raw.definitions.into_iter().map(Definition::from_raw).collect()
    }

    /// The built-in definitions with those in `path` replacing same-named
    /// ones and added after.
    pub fn load_over_builtin(path: &Path) -> Result<Definitions, DefinitionsError> {
        let text = std::fs::read_to_string(path).map_err(|e| error(format!("cannot read {}: {e}", path.display())))?;
        let user = Self::parse_list(&text).map_err(|e| error(format!("{}: {}", path.display(), e.message)))?;
        let mut merged = Self::builtin().defs;
        for d in user {
            match merged.iter_mut().find(|b| b.name == d.name) {
                Some(slot) => *slot = d,
                None => merged.push(d),
            }
        }
        Self::from_list(merged).map_err(|e| error(format!("{}: {}", path.display(), e.message)))
    }

    /// Checks what only the whole set can tell: unique names and OIDs, and
    /// that every `clears` names a definition it can match.
    fn from_list(defs: Vec<Definition>) -> Result<Definitions, DefinitionsError> {
        let mut by_oid = HashMap::new();
        let mut names: HashMap<&str, usize> = HashMap::new();
        for (i, d) in defs.iter().enumerate() {
            if names.insert(&d.name, i).is_some() {
                return Err(error(format!("definition {}: defined twice", d.name)));
            }
            for oid in &d.oids {
                if let Some(other) = by_oid.insert(oid.clone(), i) {
                    return Err(error(format!(
                        "definition {}: oid {} already belongs to {}",
                        d.name,
                        dotted(oid),
                        defs[other].name
                    )));
                }
            }
        }
        for d in &defs {
            for c in &d.clears {
                let Some(&j) = names.get(c.as_str()) else {
                    return Err(error(format!(
                        "definition {}: clears '{c}', which is not defined",
                        d.name
                    )));
                };
                let cleared = &defs[j];
                if cleared.severity.is_none() {
                    return Err(error(format!(
                        "definition {}: clears '{c}', which raises no alert",
                        d.name
                    )));
                }
                if cleared.interface.is_some() && d.interface.is_none() {
                    return Err(error(format!(
                        "definition {}: clears '{c}', which is per interface: give `interface` too",
                        d.name
                    )));
                }
                for (label, _) in &cleared.labels {
                    if !d.labels.iter().any(|(l, _)| l == label) {
                        return Err(error(format!(
                            "definition {}: clears '{c}', which is told apart by label '{label}': take it too",
                            d.name
                        )));
                    }
                }
            }
        }
        Ok(Definitions { defs, by_oid })
    }

    /// The definition of a notification OID.
    pub fn lookup(&self, trap_oid: &[u32]) -> Option<&Definition> {
        self.by_oid.get(trap_oid).map(|&i| &self.defs[i])
    }

    pub fn get(&self, name: &str) -> Option<&Definition> {
        self.defs.iter().find(|d| d.name == name)
    }

    pub fn len(&self) -> usize {
        self.defs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.defs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_definitions_parse_and_cover_the_standard_traps() {
        let d = Definitions::parse(BUILTIN).expect("shipped definitions.yml is valid");
        assert!(d.len() >= 20, "{}", d.len());
        let down = d.lookup(&parse_oid("1.3.6.1.6.3.1.1.5.3").unwrap()).unwrap();
        assert_eq!(down.alertname(), "NetgaugeTrapLinkDown");
        let up = d.lookup(&parse_oid("1.3.6.1.6.3.1.1.5.4").unwrap()).unwrap();
        assert_eq!(up.clears, ["linkDown"]);
        for name in [
            "jnxFanOK",
            "jnxPowerSupplyOK",
            "hwBoardFailResume",
            "hwOpticalInvalidResume",
            "bgpEstablished",
        ] {
            assert!(d.get(name).is_some_and(|x| !x.clears.is_empty()), "{name}");
        }
    }

    #[test]
    fn labels_and_the_interface_come_from_values_or_indexes() {
        let d = Definitions::builtin();
        let down = d.get("linkDown").unwrap();
        let vb = vec![
            (parse_oid("1.3.6.1.2.1.2.2.1.1.7").unwrap(), Val::Int(7)),
            (parse_oid("1.3.6.1.2.1.2.2.1.7.7").unwrap(), Val::Int(1)),
        ];
        assert_eq!(down.if_index(&vb), Some(7));
        let bgp = d.get("bgpBackwardTransition").unwrap();
        let vb = vec![(parse_oid("1.3.6.1.2.1.15.3.1.2.192.0.2.1").unwrap(), Val::Int(3))];
        assert_eq!(
            bgp.extract_labels(&vb),
            vec![("peer".to_owned(), "192.0.2.1".to_owned())]
        );
        let fan = d.get("ciscoEnvMonFanNotification").unwrap();
        let vb = vec![
            (
                parse_oid("1.3.6.1.4.1.9.9.13.1.4.1.2.1").unwrap(),
                Val::Str(b"Fan 1\x07\n".to_vec()),
            ),
            (parse_oid("1.3.6.1.4.1.9.9.13.1.4.1.3.1").unwrap(), Val::Int(1)),
        ];
        assert_eq!(fan.extract_labels(&vb), vec![("fan".to_owned(), "Fan 1".to_owned())]);
        assert!(fan.is_recovery(&vb), "state normal(1) is a recovery");
    }

    #[test]
    fn vendor_fault_and_recovery_traps_take_the_same_labels_so_one_clears_the_other() {
        let d = Definitions::builtin();
        let descr = |col: &str| parse_oid(col).unwrap();
        for (fault, ok, varbinds) in [
            (
                "jnxFanFailure",
                "jnxFanOK",
                vec![(
                    descr("1.3.6.1.4.1.2636.3.1.8.1.6.4.1.1.0"),
                    Val::Str(b"Fan Tray 1".to_vec()),
                )],
            ),
            (
                "jnxPowerSupplyFailure",
                "jnxPowerSupplyOK",
                vec![(descr("1.3.6.1.4.1.2636.3.1.8.1.6.2.1.0.0"), Val::Str(b"PEM 0".to_vec()))],
            ),
            (
                "hwOpticalInvalid",
                "hwOpticalInvalidResume",
                vec![
                    (descr("1.3.6.1.4.1.2011.5.25.219.1.1"), Val::Int(16_842_752)),
                    (
                        descr("1.3.6.1.2.1.47.1.1.1.1.7.16842752"),
                        Val::Str(b"GigabitEthernet0/0/1".to_vec()),
                    ),
                ],
            ),
            (
                "hwBoardFail",
                "hwBoardFailResume",
                vec![(descr("1.3.6.1.2.1.47.1.1.1.1.7.9"), Val::Str(b"Board 1".to_vec()))],
            ),
        ] {
            let (f, o) = (d.get(fault).unwrap(), d.get(ok).unwrap());
            assert_eq!(o.clears, [fault]);
            let labels = f.extract_labels(&varbinds);
            assert_eq!(labels.len(), 1, "{fault}: {labels:?}");
            assert_eq!(labels, o.extract_labels(&varbinds), "{fault}");
        }
    }

    #[test]
    fn a_definition_that_clears_without_the_labels_that_tell_alerts_apart_is_refused() {
        let text = "definitions:\n  - {name: a, oids: [1.3.6.1.4.1.1.1], severity: warning, labels: {x: {oid: 1.3.6.1.4.1.1.2, from: value}}}\n  - {name: b, oids: [1.3.6.1.4.1.1.3], clears: [a]}\n";
        let e = Definitions::parse(text).unwrap_err();
        assert!(e.message.contains("label 'x'"), "{e}");
        let e =
            Definitions::parse("definitions:\n  - {name: b, oids: [1.3.6.1.4.1.1.3], clears: [nope]}\n").unwrap_err();
        assert!(e.message.contains("not defined"), "{e}");
        let e =
            Definitions::parse("definitions:\n  - {name: b, oids: [1.3.6.1.4.1.1.3], severity: loud}\n").unwrap_err();
        assert!(e.message.starts_with("2:"), "{e}");
    }

    #[test]
    fn user_definitions_replace_by_name_and_add() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("t.yml");
        std::fs::write(
            &p,
            "definitions:\n  - {name: coldStart, oids: [1.3.6.1.6.3.1.1.5.1], severity: info}\n  - {name: mine, oids: [1.3.6.1.4.1.99.0.1], severity: critical}\n",
        )
        .unwrap();
        let d = Definitions::load_over_builtin(&p).unwrap();
        assert_eq!(d.get("coldStart").unwrap().severity, Some(Severity::Info));
        assert_eq!(d.get("mine").unwrap().alertname(), "NetgaugeTrap");
        assert_eq!(d.len(), Definitions::builtin().len() + 1);
    }
}
