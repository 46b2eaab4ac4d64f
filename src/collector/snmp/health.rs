//! Vendor health over SNMP: CPU, memory, temperature, fans, power supplies.
//!
//! What to read lives in data, not code: `health_modules.yml` (shipped in
//! the binary, overridable per module) says which table or scalar gives
//! which reading for which vendor. This file parses those definitions and
//! turns walked values into readings; it does no I/O.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::path::Path;

use serde::de::{self, Deserializer};
use serde::Deserialize;

use super::value::{dotted, Oid, Val};
pub use crate::report::{HealthKind as Kind, HealthReading as Reading};

const BUILTIN: &str = include_str!("health_modules.yml");

/// A dotted OID written in YAML, e.g. `1.3.6.1.2.1.25.3.3.1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DottedOid(pub Oid);

impl<'de> Deserialize<'de> for DottedOid {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let arcs: Result<Vec<u32>, _> = s.trim().trim_start_matches('.').split('.').map(str::parse).collect();
        match arcs {
            Ok(a) if a.len() >= 2 => Ok(DottedOid(a)),
            _ => Err(de::Error::custom(format!(
                "'{s}' is not a dotted OID like 1.3.6.1.2.1.1"
            ))),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Modules {
    pub modules: Vec<Module>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Module {
    pub name: String,
    pub vendors: Vec<String>,
    pub metrics: Vec<MetricDef>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricDef {
    pub kind: Kind,
    pub table: Option<DottedOid>,
    pub oid: Option<DottedOid>,
    pub value: ValueDef,
    pub label: Option<LabelDef>,
    #[serde(default)]
    pub filter: Vec<FilterDef>,
    #[serde(default)]
    pub ok: Vec<i64>,
    #[serde(default)]
    pub absent: Vec<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueDef {
    pub column: Option<u32>,
    pub sum: Option<Vec<u32>>,
    pub product: Option<Vec<u32>>,
    #[serde(default = "one")]
    pub scale: f64,
    pub divide_by_power10_column: Option<u32>,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelDef {
    pub column: Option<u32>,
    pub entity_column: Option<u32>,
    #[serde(default)]
    pub entity_index: bool,
    #[serde(default)]
    pub index: bool,
    pub text: Option<String>,
    /// The row's position among the rows read, after this prefix: `cpu `
    /// gives `cpu 0`, `cpu 1`… for tables whose index means nothing to a
    /// person (hrProcessorTable's is hrDeviceIndex: `196608`).
    pub ordinal: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FilterDef {
    pub column: Option<u32>,
    pub equals: Option<String>,
    pub above: Option<f64>,
    pub index_prefix: Option<Vec<u32>>,
}

/// Why a modules file was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModulesError {
    pub line: u64,
    pub column: u64,
    pub message: String,
}

impl fmt::Display for ModulesError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

impl Modules {
    /// The modules shipped in the binary.
    pub fn builtin() -> Modules {
        // Checked by a unit test; an invalid shipped file cannot be released.
        Self::parse(BUILTIN).unwrap_or(Modules { modules: Vec::new() })
    }

    /// Parses and checks a modules file.
    pub fn parse(text: &str) -> Result<Modules, ModulesError> {
        let m: Modules = serde_saphyr::from_str(text).map_err(|e| {
            let e = e.without_snippet();
            let (line, column) = e.location().map(|l| (l.line(), l.column())).unwrap_or((0, 0));
            ModulesError {
                line,
                column,
                message: e
                    .render_with_options(serde_saphyr::render_options! { snippets: serde_saphyr::SnippetMode::Off }),
            }
        })?;
        for module in &m.modules {
            for (i, def) in module.metrics.iter().enumerate() {
                def.check().map_err(|message| ModulesError {
                    line: 0,
                    column: 0,
                    message: format!("module {}, metrics[{i}]: {message}", module.name),
                })?;
            }
        }
        Ok(m)
    }

    /// The built-in modules with `user`'s replacing same-named ones and added after.
    pub fn load_over_builtin(path: &Path) -> Result<Modules, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let user = Self::parse(&text).map_err(|e| format!("{}:{e}", path.display()))?;
        let mut merged = Self::builtin();
        for m in user.modules {
            match merged.modules.iter_mut().find(|b| b.name == m.name) {
                Some(slot) => *slot = m,
                None => merged.modules.push(m),
            }
        }
        Ok(merged)
    }

    /// The metric definitions that apply to `vendor`: its own modules first,
    /// then the ones for every vendor.
    pub fn for_vendor(&self, vendor: &str) -> Vec<&MetricDef> {
        let own = self
            .modules
            .iter()
            .filter(|m| m.vendors.iter().any(|v| v.eq_ignore_ascii_case(vendor)));
        let all = self.modules.iter().filter(|m| m.vendors.iter().any(|v| v == "*"));
        own.chain(all).flat_map(|m| m.metrics.iter()).collect()
    }
}

impl MetricDef {
    fn check(&self) -> Result<(), String> {
        match (&self.table, &self.oid) {
            (Some(_), None) => {
                let forms = [
                    self.value.column.is_some(),
                    self.value.sum.is_some(),
                    self.value.product.is_some(),
                ];
                if forms.iter().filter(|b| **b).count() != 1 {
                    return Err("a table metric's value needs exactly one of column, sum, product".into());
                }
            }
            (None, Some(_)) => {
                if self.value.column.is_some() || self.value.sum.is_some() || self.value.product.is_some() {
                    return Err("a scalar (oid) metric's value takes only scale".into());
                }
                if self
                    .filter
                    .iter()
                    .any(|f| f.column.is_some() || f.index_prefix.is_some())
                {
                    return Err("filters on columns or indexes need a table".into());
                }
            }
            _ => return Err("give exactly one of table or oid".into()),
        }
        if let Some(l) = &self.label {
            let forms = [
                l.column.is_some(),
                l.entity_column.is_some(),
                l.entity_index,
                l.index,
                l.text.is_some(),
                l.ordinal.is_some(),
            ];
            if forms.iter().filter(|b| **b).count() != 1 {
                return Err(
                    "label needs exactly one of column, entity_column, entity_index, index, text, ordinal".into(),
                );
            }
            if self.oid.is_some() && l.text.is_none() {
                return Err("a scalar metric's label must be text".into());
            }
        }
        for f in &self.filter {
            let forms = [f.equals.is_some(), f.above.is_some(), f.index_prefix.is_some()];
            if forms.iter().filter(|b| **b).count() != 1 || (f.index_prefix.is_none() != f.column.is_some()) {
                return Err("each filter is {column, equals}, {column, above} or {index_prefix}".into());
            }
        }
        if matches!(self.kind, Kind::Fan | Kind::PowerSupply) && self.ok.is_empty() {
            return Err("fan and power_supply need the status values that mean ok".into());
        }
        Ok(())
    }

    /// Columns of its table this metric reads.
    fn columns(&self) -> BTreeSet<u32> {
        let v = &self.value;
        let mut c: BTreeSet<u32> = v.column.into_iter().chain(v.sum.iter().flatten().copied()).collect();
        c.extend(v.product.iter().flatten().copied());
        c.extend(v.divide_by_power10_column);
        if let Some(l) = &self.label {
            c.extend(l.column);
            c.extend(l.entity_column);
        }
        c.extend(self.filter.iter().filter_map(|f| f.column));
        c
    }

    fn uses_entities(&self) -> bool {
        self.label
            .as_ref()
            .is_some_and(|l| l.entity_column.is_some() || l.entity_index)
    }
}

/// What a device must be asked for the given definitions.
#[derive(Debug, Default, PartialEq)]
pub struct Plan {
    /// Full OIDs of table columns to walk.
    pub columns: BTreeSet<Oid>,
    pub scalars: BTreeSet<Oid>,
    pub entity_names: bool,
}

pub fn plan(defs: &[&MetricDef]) -> Plan {
    let mut p = Plan::default();
    for d in defs {
        if let Some(t) = &d.table {
            for c in d.columns() {
                let mut o = t.0.clone();
                o.push(c);
                p.columns.insert(o);
            }
        }
        if let Some(o) = &d.oid {
            p.scalars.insert(o.0.clone());
        }
        p.entity_names |= d.uses_entities();
    }
    p
}

/// The values read for a [`Plan`].
#[derive(Debug, Default)]
pub struct Walked {
    /// Column OID → row index → value.
    pub columns: HashMap<Oid, BTreeMap<Oid, Val>>,
    pub scalars: HashMap<Oid, Val>,
    pub entity_names: HashMap<u32, String>,
    /// Entities whose rows are not health's: a transceiver's sensors.
    pub skip_entities: HashSet<u32>,
}

/// Turns walked values into readings. The first definition to produce a
/// (kind, label) wins, so vendor modules take precedence over generic ones.
pub fn evaluate(defs: &[&MetricDef], w: &Walked) -> Vec<Reading> {
    let mut out = Vec::new();
    let mut seen: HashSet<(Kind, String)> = HashSet::new();
    let mut push = |r: Reading, out: &mut Vec<Reading>| {
        if seen.insert((r.kind, r.label.clone())) {
            out.push(r);
        }
    };
    for d in defs {
        if let Some(o) = &d.oid {
            let Some(v) = w.scalars.get(&o.0).filter(|v| !v.is_absent()).and_then(number) else {
                continue;
            };
            let label = d
                .label
                .as_ref()
                .and_then(|l| l.text.clone())
                .unwrap_or_else(|| dotted(&o.0));
            if let Some(value) = finish(d, scaled(v, d.value.scale)) {
                push(
                    Reading {
                        kind: d.kind,
                        label,
                        value,
                    },
                    &mut out,
                );
            }
            continue;
        }
        let Some(table) = &d.table else { continue };
        let col = |c: u32| {
            let mut o = table.0.clone();
            o.push(c);
            w.columns.get(&o)
        };
        let get = |c: u32, idx: &Oid| col(c).and_then(|m| m.get(idx)).filter(|v| !v.is_absent());
        // Rows: the indexes of the first column the value reads.
        let first = d
            .value
            .column
            .or_else(|| d.value.sum.as_ref().and_then(|s| s.first().copied()));
        let first = first.or_else(|| d.value.product.as_ref().and_then(|s| s.first().copied()));
        let Some(rows) = first.and_then(col) else { continue };
        let mut ordinal = 0usize;
        let by_entity = d.label.as_ref().is_some_and(|l| l.entity_index);
        'rows: for idx in rows.keys() {
            if by_entity && idx.first().is_some_and(|i| w.skip_entities.contains(i)) {
                continue;
            }
            for f in &d.filter {
                let pass = match (&f.index_prefix, f.column) {
                    (Some(p), _) => idx.starts_with(p),
                    (None, Some(c)) => match get(c, idx) {
                        None => false,
                        Some(v) => match (&f.equals, f.above) {
                            (Some(e), _) => text(v) == *e,
                            (None, Some(a)) => number(v).is_some_and(|n| n > a),
                            _ => false,
                        },
                    },
                    _ => false,
                };
                if !pass {
                    continue 'rows;
                }
            }
            let raw = if let Some(c) = d.value.column {
                get(c, idx).and_then(number)
            } else if let Some(cs) = &d.value.sum {
                cs.iter().map(|c| get(*c, idx).and_then(number)).sum::<Option<f64>>()
            } else if let Some(cs) = &d.value.product {
                cs.iter()
                    .map(|c| get(*c, idx).and_then(number))
                    .product::<Option<f64>>()
            } else {
                None
            };
            let Some(mut value) = raw else { continue };
            value = scaled(value, d.value.scale);
            if let Some(c) = d.value.divide_by_power10_column {
                let p = get(c, idx).and_then(number).unwrap_or(0.0);
                value /= 10f64.powi(p as i32);
            }
            let label = match d.label.as_ref().and_then(|l| l.ordinal.as_ref()) {
                Some(prefix) => format!("{prefix}{ordinal}"),
                None => label(d.label.as_ref(), idx, |c| get(c, idx), &w.entity_names),
            };
            ordinal += 1;
            if let Some(value) = finish(d, value) {
                push(
                    Reading {
                        kind: d.kind,
                        label,
                        value,
                    },
                    &mut out,
                );
            }
        }
    }
    out
}

/// Status kinds become 1/0 (or nothing when the part is absent).
fn finish(d: &MetricDef, value: f64) -> Option<f64> {
    match d.kind {
        Kind::Fan | Kind::PowerSupply => {
            let status = value as i64;
            if d.absent.contains(&status) {
                None
            } else {
                Some(if d.ok.contains(&status) { 1.0 } else { 0.0 })
            }
        }
        // Byte counts are whole; percent-of-size arithmetic is not.
        Kind::MemoryUsed | Kind::MemoryTotal => value.is_finite().then_some(value.round()),
        _ => value.is_finite().then_some(value),
    }
}

fn label<'a>(
    def: Option<&LabelDef>,
    idx: &Oid,
    get: impl Fn(u32) -> Option<&'a Val>,
    entities: &HashMap<u32, String>,
) -> String {
    let index = dotted(idx);
    let Some(l) = def else { return index };
    let entity = |n: Option<u64>| {
        n.and_then(|n| u32::try_from(n).ok())
            .and_then(|n| entities.get(&n))
            .cloned()
    };
    let found = if let Some(c) = l.column {
        get(c).and_then(Val::as_text)
    } else if let Some(c) = l.entity_column {
        entity(get(c).and_then(Val::as_u64))
    } else if l.entity_index {
        entity(idx.first().map(|i| u64::from(*i)))
    } else {
        l.text.clone()
    };
    // An empty or missing name would merge rows: fall back to the index.
    found.filter(|s| !s.is_empty()).unwrap_or(index)
}

/// `v × scale`, dividing when the scale is one over a whole number: a
/// device's 57 % then reads 0.57, not 57 × 0.01 = 0.5700000000000001.
fn scaled(v: f64, scale: f64) -> f64 {
    let inverse = 1.0 / scale;
    if scale != 0.0 && scale.abs() < 1.0 && (inverse - inverse.round()).abs() < 1e-9 {
        v / inverse.round()
    } else {
        v * scale
    }
}

fn number(v: &Val) -> Option<f64> {
    match v {
        Val::Int(i) => Some(*i as f64),
        other => other.as_u64().map(|u| u as f64),
    }
}

fn text(v: &Val) -> String {
    match v {
        Val::Oid(o) => dotted(o),
        Val::Int(i) => i.to_string(),
        other => other
            .as_u64()
            .map(|u| u.to_string())
            .or_else(|| other.as_text())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walked(rows: &[(&[u32], Val)]) -> Walked {
        let mut w = Walked::default();
        // Split each full OID at the column: tests use 2-arc indexes at most, marked by a 0 separator.
        for (oid, v) in rows {
            let sep = oid.iter().position(|a| *a == 0).unwrap();
            let (col, idx) = (oid[..sep].to_vec(), oid[sep + 1..].to_vec());
            w.columns.entry(col).or_default().insert(idx, v.clone());
        }
        w
    }

    #[test]
    fn builtin_modules_parse_and_cover_the_vendors() {
        let m = Modules::parse(BUILTIN).unwrap();
        for v in ["cisco", "huawei", "juniper", "mikrotik", "net-snmp"] {
            assert!(!m.for_vendor(v).is_empty(), "{v}");
        }
        // Generic modules come after the vendor's own.
        let cisco = m.for_vendor("cisco");
        assert_eq!(cisco[0].kind, Kind::Cpu);
        assert!(cisco
            .last()
            .unwrap()
            .table
            .as_ref()
            .unwrap()
            .0
            .starts_with(&[1, 3, 6, 1, 2, 1, 99]));
    }

    #[test]
    fn cisco_cpu_memory_and_envmon() {
        let m = Modules::builtin();
        let defs: Vec<&MetricDef> = m.for_vendor("cisco");
        let w = {
            let mut w = walked(&[
                (&[1, 3, 6, 1, 4, 1, 9, 9, 109, 1, 1, 1, 1, 7, 0, 1], Val::Unsigned32(58)),
                (&[1, 3, 6, 1, 4, 1, 9, 9, 109, 1, 1, 1, 1, 2, 0, 1], Val::Int(1001)),
                (
                    &[1, 3, 6, 1, 4, 1, 9, 9, 48, 1, 1, 1, 2, 0, 1],
                    Val::Str(b"Processor".to_vec()),
                ),
                (&[1, 3, 6, 1, 4, 1, 9, 9, 48, 1, 1, 1, 5, 0, 1], Val::Unsigned32(25)),
                (&[1, 3, 6, 1, 4, 1, 9, 9, 48, 1, 1, 1, 6, 0, 1], Val::Unsigned32(75)),
                (
                    &[1, 3, 6, 1, 4, 1, 9, 9, 13, 1, 4, 1, 2, 0, 7],
                    Val::Str(b"Fan 1".to_vec()),
                ),
                (&[1, 3, 6, 1, 4, 1, 9, 9, 13, 1, 4, 1, 3, 0, 7], Val::Int(3)),
                (
                    &[1, 3, 6, 1, 4, 1, 9, 9, 13, 1, 4, 1, 2, 0, 8],
                    Val::Str(b"Fan 2".to_vec()),
                ),
                (&[1, 3, 6, 1, 4, 1, 9, 9, 13, 1, 4, 1, 3, 0, 8], Val::Int(5)),
            ]);
            w.entity_names.insert(1001, "CPU of Switch 1".into());
            w
        };
        let r = evaluate(&defs, &w);
        let find = |k: Kind| r.iter().filter(|x| x.kind == k).cloned().collect::<Vec<_>>();
        assert_eq!(
            find(Kind::Cpu),
            vec![Reading {
                kind: Kind::Cpu,
                label: "CPU of Switch 1".into(),
                value: 0.58
            }]
        );
        assert_eq!(find(Kind::MemoryUsed)[0].value, 25.0);
        assert_eq!(find(Kind::MemoryTotal)[0].value, 100.0);
        // A critical fan is 0; a not-present one has no series.
        assert_eq!(
            find(Kind::Fan),
            vec![Reading {
                kind: Kind::Fan,
                label: "Fan 1".into(),
                value: 0.0
            }]
        );
    }

    #[test]
    fn percent_scales_read_as_the_device_said_them() {
        assert_eq!(scaled(57.0, 0.01).to_string(), "0.57");
        assert_eq!(scaled(3.0, 0.1).to_string(), "0.3");
        assert_eq!(scaled(5.0, 2.5), 12.5);
        assert_eq!(scaled(5.0, 1.0), 5.0);
    }

    #[test]
    fn filters_scales_and_fallback_labels() {
        let m = Modules::builtin();
        let defs = m.for_vendor("net-snmp");
        let storage = |c: u32, i: u32| -> Vec<u32> { vec![1, 3, 6, 1, 2, 1, 25, 2, 3, 1, c, 0, i] };
        let w = walked(&[
            (&storage(2, 1), Val::Oid(vec![1, 3, 6, 1, 2, 1, 25, 2, 1, 2])),
            (&storage(3, 1), Val::Str(b"Physical memory".to_vec())),
            (&storage(4, 1), Val::Int(1024)),
            (&storage(5, 1), Val::Int(1000)),
            (&storage(6, 1), Val::Int(250)),
            // Not RAM: filtered out.
            (&storage(2, 31), Val::Oid(vec![1, 3, 6, 1, 2, 1, 25, 2, 1, 4])),
            (&storage(3, 31), Val::Str(b"/".to_vec())),
            (&storage(4, 31), Val::Int(4096)),
            (&storage(5, 31), Val::Int(1000)),
            (&storage(6, 31), Val::Int(999)),
            (&[1, 3, 6, 1, 2, 1, 25, 3, 3, 1, 2, 0, 196608], Val::Int(17)),
            (&[1, 3, 6, 1, 2, 1, 25, 3, 3, 1, 2, 0, 196609], Val::Int(57)),
            // ENTITY-SENSOR: 415 with precision 1 = 41.5 °C; entity 9 has no name, so its index labels it.
            (&[1, 3, 6, 1, 2, 1, 99, 1, 1, 1, 1, 0, 9], Val::Int(8)),
            (&[1, 3, 6, 1, 2, 1, 99, 1, 1, 1, 3, 0, 9], Val::Int(1)),
            (&[1, 3, 6, 1, 2, 1, 99, 1, 1, 1, 4, 0, 9], Val::Int(415)),
        ]);
        let r = evaluate(&defs, &w);
        assert_eq!(
            r,
            vec![
                // hrDeviceIndex means nothing to a person: numbered in row order.
                Reading {
                    kind: Kind::Cpu,
                    label: "cpu 0".into(),
                    value: 0.17
                },
                Reading {
                    kind: Kind::Cpu,
                    label: "cpu 1".into(),
                    value: 0.57
                },
                Reading {
                    kind: Kind::MemoryUsed,
                    label: "Physical memory".into(),
                    value: 256000.0
                },
                Reading {
                    kind: Kind::MemoryTotal,
                    label: "Physical memory".into(),
                    value: 1024000.0
                },
                Reading {
                    kind: Kind::Temperature,
                    label: "9".into(),
                    value: 41.5
                },
            ]
        );
        let p = plan(&defs);
        assert!(p.entity_names);
        assert!(p.columns.contains(&vec![1, 3, 6, 1, 2, 1, 25, 2, 3, 1, 6]));
    }

    #[test]
    fn bad_definitions_are_rejected_with_their_place() {
        let e = Modules::parse(
            "modules:\n  - name: x\n    vendors: [a]\n    metrics:\n      - {kind: cpu, table: 1.3.6, value: {}}\n",
        )
        .unwrap_err();
        assert!(
            e.message
                .contains("module x, metrics[0]: a table metric's value needs exactly one"),
            "{e}"
        );
        let e = Modules::parse(
            "modules:\n  - name: x\n    vendors: [a]\n    metrics:\n      - {kind: gpu, oid: 1.3, value: {}}\n",
        )
        .unwrap_err();
        assert_eq!((e.line, e.column > 0), (5, true), "{e}");
        let e = Modules::parse(
            "modules:\n  - name: x\n    vendors: [a]\n    metrics:\n      - {kind: fan, oid: 1.3, value: {}}\n",
        )
        .unwrap_err();
        assert!(e.message.contains("need the status values"), "{e}");
    }
}
