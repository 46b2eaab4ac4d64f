//! Fetched PDUs → series, by a module's metric definitions, with
//! snmp_exporter's rules: the first metric on a PDU's OID path owns it, the
//! rest of the OID is its index, indexes become labels, lookups add labels
//! from other columns, and the metric's type decides the value.
//!
//! Pure: [`render`] takes the PDUs and writes into an [`Output`]; nothing
//! here talks to the network.
//!
//! It is also the hot path of `/snmp` (a 1,000-interface `if_mib` is 41,000
//! PDUs), hence: PDUs in one sorted vector searched by bisection instead of
//! a hash map of OIDs; one label set per (index, lookup recipe), shared by
//! every column of the row; label strings behind `Arc`; duplicate detection
//! by hash; series written in OID order, so nothing is sorted at the end.

use std::collections::hash_map::RandomState;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::Arc;

use super::config::{Metric, Module, Ty};
use super::decode;
use crate::collector::snmp::value::{Oid, Val};

/// Every PDU of one scrape, sorted by OID, one per OID.
#[derive(Debug, Default)]
pub struct Pdus {
    rows: Vec<(Oid, Val)>,
}

impl Pdus {
    /// Sorts `rows` by OID and keeps the first of any repeated OID.
    pub fn new(mut rows: Vec<(Oid, Val)>) -> Pdus {
        // Stable: the walked columns arrive as sorted runs, which a merge sort takes in linear passes.
        rows.sort_by(|a, b| a.0.cmp(&b.0));
        rows.dedup_by(|later, earlier| later.0 == earlier.0);
        Pdus { rows }
    }

    pub fn get(&self, oid: &[u32]) -> Option<&Val> {
        self.rows
            .binary_search_by(|(o, _)| o.as_slice().cmp(oid))
            .ok()
            .map(|i| &self.rows[i].1)
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Drops every PDU under `root` (a cached column about to be replaced).
    pub fn remove_subtree(&mut self, root: &[u32]) {
        self.rows.retain(|(oid, _)| !oid.starts_with(root));
    }

    /// Adds rows, keeping the order and the first of any repeated OID.
    pub fn extend(&mut self, rows: Vec<(Oid, Val)>) {
        let mut all = std::mem::take(&mut self.rows);
        all.extend(rows);
        *self = Pdus::new(all);
    }
}

impl FromIterator<(Oid, Val)> for Pdus {
    fn from_iter<I: IntoIterator<Item = (Oid, Val)>>(iter: I) -> Self {
        Pdus::new(iter.into_iter().collect())
    }
}

/// Metric OIDs as a trie: a PDU belongs to the first metric on its OID's path.
#[derive(Debug, Default)]
pub struct Tree {
    nodes: Vec<Node>,
    /// Per metric: the first metric with the same indexes and lookups, so
    /// the columns of one table share their rows' label sets.
    recipes: Vec<usize>,
}

#[derive(Debug, Default)]
struct Node {
    metric: Option<usize>,
    children: HashMap<u32, usize>,
}

impl Tree {
    pub fn new(metrics: &[Metric]) -> Tree {
        let mut t = Tree {
            nodes: vec![Node::default()],
            recipes: Vec::with_capacity(metrics.len()),
        };
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, m) in metrics.iter().enumerate() {
            let mut at = 0;
            for &arc in &m.oid {
                at = match t.nodes[at].children.get(&arc) {
                    Some(&next) => next,
                    None => {
                        t.nodes.push(Node::default());
                        let next = t.nodes.len() - 1;
                        t.nodes[at].children.insert(arc, next);
                        next
                    }
                };
            }
            // A later metric with the same OID replaces the earlier, as in snmp_exporter.
            t.nodes[at].metric = Some(i);
            let recipe = format!("{:?}{:?}", m.indexes, m.lookups);
            t.recipes.push(*seen.entry(recipe).or_insert(i));
        }
        t
    }

    /// The metric owning `oid`, and how many arcs its own OID has.
    pub fn find(&self, oid: &[u32]) -> Option<(usize, usize)> {
        let mut at = 0;
        for (depth, arc) in oid.iter().enumerate() {
            at = *self.nodes[at].children.get(arc)?;
            if let Some(m) = self.nodes[at].metric {
                return Some((m, depth + 1));
            }
        }
        None
    }
}

/// Label pairs; the strings are shared between the series of one row.
pub type Labels = Vec<(Arc<str>, Arc<str>)>;

fn set_label(labels: &mut Labels, name: &str, value: Arc<str>) {
    match labels.iter_mut().find(|(k, _)| &**k == name) {
        Some(slot) => slot.1 = value,
        None => labels.push((Arc::from(name), value)),
    }
}

struct Family {
    help: String,
    counter: bool,
    samples: Vec<(Labels, f64)>,
    /// Label-set hash → samples with it, to find duplicates without keeping a second copy.
    by_hash: HashMap<u64, Vec<u32>>,
}

/// Series grouped by family; families sorted by name, series in the order written.
#[derive(Default)]
pub struct Output {
    families: BTreeMap<String, Family>,
    hasher: RandomState,
    /// Series dropped because an earlier one had the same name and labels
    /// (snmp_exporter fails the whole scrape with HTTP 500 instead).
    pub duplicates: u64,
    /// Values that could not be read as their type (e.g. a malformed DateAndTime).
    pub unreadable: u64,
}

impl Output {
    pub fn push(&mut self, name: &str, help: &str, counter: bool, mut labels: Labels, value: f64) {
        labels.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        if !self.families.contains_key(name) {
            self.families.insert(
                name.to_owned(),
                Family {
                    help: help.to_owned(),
                    counter,
                    samples: Vec::new(),
                    by_hash: HashMap::new(),
                },
            );
        }
        let Some(fam) = self.families.get_mut(name) else {
            return;
        };
        let hash = self.hasher.hash_one(&labels);
        let same = fam.by_hash.entry(hash).or_default();
        if same.iter().any(|&i| fam.samples[i as usize].0 == labels) {
            self.duplicates += 1;
            return;
        }
        same.push(fam.samples.len() as u32);
        fam.samples.push((labels, value));
    }

    /// Adds `other`'s series (a second module's); duplicates are dropped and counted.
    pub fn merge(&mut self, other: Output) {
        self.duplicates += other.duplicates;
        self.unreadable += other.unreadable;
        for (name, fam) in other.families {
            let fam = match self.families.entry(name) {
                // A family only `other` has (the usual case): moved whole, nothing rehashed.
                std::collections::btree_map::Entry::Vacant(slot) => {
                    slot.insert(fam);
                    continue;
                }
                std::collections::btree_map::Entry::Occupied(slot) => (slot.key().clone(), fam),
            };
            let (name, fam) = fam;
            for (labels, value) in fam.samples {
                self.push(&name, &fam.help, fam.counter, labels, value);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.families.is_empty()
    }

    pub fn series(&self) -> usize {
        self.families.values().map(|f| f.samples.len()).sum()
    }

    /// The text format.
    pub fn encode(self, out: &mut String) {
        for (name, fam) in &self.families {
            out.push_str("# HELP ");
            out.push_str(name);
            out.push(' ');
            crate::exposition::escape_help(out, &fam.help);
            out.push_str("\n# TYPE ");
            out.push_str(name);
            out.push_str(if fam.counter { " counter\n" } else { " gauge\n" });
            let mut pairs: Vec<(&str, &str)> = Vec::new();
            for (labels, value) in &fam.samples {
                pairs.clear();
                pairs.extend(labels.iter().map(|(k, v)| (&**k, &**v)));
                crate::exposition::line(out, name, &pairs, &[], *value);
            }
        }
    }

    /// The value of the series `name` whose labels include all of `want` (tests).
    pub fn find(&self, name: &str, want: &[(&str, &str)]) -> Option<f64> {
        self.families.get(name)?.samples.iter().find_map(|(labels, v)| {
            want.iter()
                .all(|(k, wv)| labels.iter().any(|(lk, lv)| &**lk == *k && &**lv == *wv))
                .then_some(*v)
        })
    }
}

/// What rendering learnt about the lookups it made.
#[derive(Debug, Default)]
pub struct Lookups {
    /// Lookup columns that had no value for some index: a cached copy of
    /// such a column is stale (a new interface, say) and must be re-read.
    pub missed: HashSet<Oid>,
}

/// Renders every PDU that a metric of `module` owns.
pub fn render(module: &Module, pdus: &Pdus, wrap_counters: bool, out: &mut Output) -> Lookups {
    let mut lookups = Lookups::default();
    // (recipe, index arcs) → labels: a row's labels are made once for all its columns.
    let mut memo: HashMap<(usize, &[u32]), Labels> = HashMap::new();
    // PDUs come in OID order, so consecutive ones mostly belong to the same metric.
    let mut last: Option<(usize, usize)> = None;
    for (oid, val) in &pdus.rows {
        let owner = match last {
            Some((m, depth)) if oid.len() > depth && oid.starts_with(&module.metrics[m].oid) => Some((m, depth)),
            _ => module.tree.find(oid),
        };
        last = owner;
        let Some((m, depth)) = owner else { continue };
        let metric = &module.metrics[m];
        let index = &oid[depth..];
        let recipe = module.tree.recipes[m];
        let labels = match memo.get(&(recipe, index)) {
            Some(l) => l.clone(),
            None => {
                let l = labels_for(metric, index, pdus, &mut lookups);
                memo.insert((recipe, index), l.clone());
                l
            }
        };
        samples(metric, index, val, labels, pdus, wrap_counters, out);
    }
    lookups
}

/// The OID of the column before `oid` (its last arc minus one): where
/// `InetAddress`-like columns keep their address type.
fn previous_column(oid: &[u32]) -> Oid {
    let mut p = oid.to_vec();
    if let Some(last) = p.last_mut() {
        *last = last.saturating_sub(1);
    }
    p
}

/// The concrete type of a combined type (`InetAddress`, `LldpPortId`), read
/// from the previous column at `prev`; `OctetString` when it cannot be told.
fn resolve_combined(ty: Ty, prev: &[u32], pdus: &Pdus) -> Option<Ty> {
    let mapping = ty.combined()?;
    let resolved = pdus.get(prev).and_then(|v| {
        let code = decode::number(v, true) as i64;
        mapping.iter().find(|(k, _)| *k == code).map(|(_, t)| *t)
    });
    Some(resolved.unwrap_or(Ty::OctetString))
}

fn labels_for(metric: &Metric, index_oids: &[u32], pdus: &Pdus, lookups: &mut Lookups) -> Labels {
    let mut labels = Labels::with_capacity(metric.indexes.len() + metric.lookups.len() + 1);
    // `None`: a chained value that cannot be an OID arc, so lookups through it miss.
    let mut label_oids: Vec<(&str, Option<Vec<u32>>)> = Vec::new();
    let mut rest = index_oids;
    for ix in &metric.indexes {
        let (text, used, remaining) = decode::index(rest, ix.ty, ix.fixed_size, ix.implied, &ix.enum_values);
        set_label(&mut labels, &ix.labelname, Arc::from(text));
        label_oids.push((&ix.labelname, Some(used)));
        rest = remaining;
    }
    for lk in &metric.lookups {
        if lk.labels.is_empty() {
            labels.retain(|(k, _)| **k != *lk.labelname);
            continue;
        }
        let mut key = lk.oid.clone();
        let mut resolvable = true;
        for l in &lk.labels {
            // The latest value of a label name counts, as in snmp_exporter's map.
            match label_oids.iter().rev().find(|(n, _)| n == l) {
                Some((_, Some(arcs))) => key.extend(arcs),
                _ => resolvable = false,
            }
        }
        match pdus.get(&key).filter(|_| resolvable) {
            Some(v) => {
                let mut ty = lk.ty;
                if let Some(t) = lk.ty.filter(|t| t.combined().is_some()) {
                    let mut prev = previous_column(&lk.oid);
                    prev.extend_from_slice(&key[lk.oid.len()..]);
                    // Unlike a metric's, a lookup keeps its declared type when the type column is missing.
                    if pdus.get(&prev).is_some() {
                        ty = resolve_combined(t, &prev, pdus)
                            .filter(|r| *r != Ty::OctetString)
                            .or(ty);
                    }
                }
                set_label(&mut labels, &lk.labelname, Arc::from(decode::text(v, ty)));
                let chained = u32::try_from(decode::integer(v)).ok().map(|a| vec![a]);
                label_oids.push((&lk.labelname, chained));
            }
            None => {
                set_label(&mut labels, &lk.labelname, Arc::from(""));
                lookups.missed.insert(lk.oid.clone());
            }
        }
    }
    labels
}

fn samples(
    metric: &Metric,
    index_oids: &[u32],
    val: &Val,
    mut labels: Labels,
    pdus: &Pdus,
    wrap_counters: bool,
    out: &mut Output,
) {
    let value = decode::number(val, wrap_counters);
    let scaled = |v: f64| {
        let v = if metric.scale != 0.0 { v * metric.scale } else { v };
        v + metric.offset
    };
    let name_label = || -> Arc<str> { Arc::from(metric.name.as_str()) };
    match metric.ty {
        Ty::Counter => out.push(&metric.name, &metric.help, true, labels, scaled(value)),
        Ty::Gauge | Ty::Float | Ty::Double | Ty::Integer => {
            out.push(&metric.name, &metric.help, false, labels, scaled(value))
        }
        Ty::DateAndTime | Ty::NtpTimeStamp => {
            let parsed = if metric.ty == Ty::DateAndTime {
                decode::date_and_time(val)
            } else {
                decode::ntp_timestamp(val)
            };
            match parsed {
                Ok(t) => out.push(&metric.name, &metric.help, false, labels, t),
                Err(e) => {
                    tracing::debug!(metric = %metric.name, error = %e, "value not readable as its type");
                    out.unreadable += 1;
                }
            }
        }
        Ty::EnumAsInfo => {
            let code = value as i64;
            let state = metric
                .enum_values
                .get(&code)
                .cloned()
                .unwrap_or_else(|| code.to_string());
            labels.push((name_label(), Arc::from(state)));
            out.push(
                &format!("{}_info", metric.name),
                &format!("{} (EnumAsInfo)", metric.help),
                false,
                labels,
                1.0,
            );
        }
        Ty::EnumAsStateSet => {
            let code = value as i64;
            let help = format!("{} (EnumAsStateSet)", metric.help);
            let current = metric
                .enum_values
                .get(&code)
                .cloned()
                .unwrap_or_else(|| code.to_string());
            let with = |state: &str| {
                let mut l = labels.clone();
                l.push((name_label(), Arc::from(state)));
                l
            };
            out.push(&metric.name, &help, false, with(&current), 1.0);
            for (k, state) in &metric.enum_values {
                if *k != code {
                    out.push(&metric.name, &help, false, with(state), 0.0);
                }
            }
        }
        Ty::Bits => {
            let Val::Str(bytes) = val else {
                tracing::debug!(metric = %metric.name, "BITS value is not an OCTET STRING");
                out.unreadable += 1;
                return;
            };
            let help = format!("{} (Bits)", metric.help);
            for (k, name) in &metric.enum_values {
                // Bit 0 is the most significant bit of the first octet.
                let set = usize::try_from(*k)
                    .ok()
                    .filter(|k| *k < bytes.len() * 8)
                    .is_some_and(|k| bytes[k / 8] & (0x80 >> (k % 8)) != 0);
                let mut l = labels.clone();
                l.push((name_label(), Arc::from(name.as_str())));
                out.push(&metric.name, &help, false, l, if set { 1.0 } else { 0.0 });
            }
        }
        Ty::DisplayString
        | Ty::OctetString
        | Ty::PhysAddress48
        | Ty::InetAddressIPv4
        | Ty::InetAddressIPv6
        | Ty::InetAddress
        | Ty::InetAddressMissingSize
        | Ty::LldpPortId => {
            let mut ty = metric.ty;
            if ty.combined().is_some() {
                let mut prev = previous_column(&metric.oid);
                prev.extend_from_slice(index_oids);
                ty = resolve_combined(ty, &prev, pdus).unwrap_or(Ty::OctetString);
            }
            let text = decode::text(val, Some(ty));
            if !metric.regex_extracts.is_empty() {
                regex_extracts(metric, &text, &labels, out);
                return;
            }
            // A string that is also an index label is already there.
            if !labels.iter().any(|(k, _)| **k == *metric.name) {
                labels.push((name_label(), Arc::from(text)));
            }
            out.push(&metric.name, &metric.help, false, labels, 1.0);
        }
    }
}

fn regex_extracts(metric: &Metric, text: &str, labels: &Labels, out: &mut Output) {
    let help = format!("{} (regex extracted)", metric.help);
    for (suffix, alternatives) in &metric.regex_extracts {
        for alt in alternatives {
            let Some(caps) = alt.regex.captures(text) else {
                continue;
            };
            let mut expanded = String::new();
            caps.expand(&alt.value, &mut expanded);
            // An alternative whose result is not a number gives way to the next one.
            if let Ok(v) = expanded.trim().parse::<f64>() {
                out.push(&format!("{}{suffix}", metric.name), &help, false, labels.clone(), v);
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compat::config::SnmpYml;
    use std::path::Path;

    fn module(yaml: &str) -> std::sync::Arc<Module> {
        let text = format!("modules:\n  m:\n{yaml}");
        let yml = SnmpYml::parse(Path::new("t.yml"), &text).unwrap_or_else(|e| panic!("{e:?}"));
        yml.modules["m"].clone()
    }

    fn oid(s: &str) -> Oid {
        crate::compat::config::parse_oid(s).unwrap()
    }

    fn run(m: &Module, pdus: &[(&str, Val)]) -> (Output, Lookups) {
        let pdus = Pdus::new(pdus.iter().map(|(o, v)| (oid(o), v.clone())).collect());
        let mut out = Output::default();
        let l = render(m, &pdus, true, &mut out);
        (out, l)
    }

    fn text(out: Output) -> String {
        let mut s = String::new();
        out.encode(&mut s);
        s
    }

    const IF_MIB: &str = r#"
    walk: [1.3.6.1.2.1.2.2, 1.3.6.1.2.1.31.1.1]
    metrics:
    - name: ifInOctets
      oid: 1.3.6.1.2.1.2.2.1.10
      type: counter
      help: In.
      indexes: [{labelname: ifIndex, type: gauge}]
      lookups:
      - {labels: [ifIndex], labelname: ifName, oid: 1.3.6.1.2.1.31.1.1.1.1, type: DisplayString}
    - name: ifName
      oid: 1.3.6.1.2.1.31.1.1.1.1
      type: DisplayString
      help: Name.
      indexes: [{labelname: ifIndex, type: gauge}]
      lookups:
      - {labels: [ifIndex], labelname: ifName, oid: 1.3.6.1.2.1.31.1.1.1.1, type: DisplayString}
    - name: ifType
      oid: 1.3.6.1.2.1.2.2.1.3
      type: EnumAsInfo
      help: Type.
      indexes: [{labelname: ifIndex, type: gauge}]
      enum_values: {6: ethernetCsmacd, 24: softwareLoopback}
"#;

    #[test]
    fn counters_strings_lookups_and_enums_as_snmp_exporter_writes_them() {
        let m = module(IF_MIB);
        let (out, lookups) = run(
            &m,
            &[
                ("1.3.6.1.2.1.2.2.1.10.1", Val::Counter32(100)),
                ("1.3.6.1.2.1.2.2.1.10.2", Val::Counter32(200)),
                ("1.3.6.1.2.1.31.1.1.1.1.1", Val::Str(b"lo".to_vec())),
                ("1.3.6.1.2.1.2.2.1.3.1", Val::Int(24)),
                ("1.3.6.1.2.1.2.2.1.3.2", Val::Int(99)),
                ("1.3.6.1.2.1.2.2.1.99.1", Val::Int(1)),
            ],
        );
        assert_eq!(
            text(out),
            "# HELP ifInOctets In.\n# TYPE ifInOctets counter\n\
             ifInOctets{ifIndex=\"1\",ifName=\"lo\"} 100\nifInOctets{ifIndex=\"2\",ifName=\"\"} 200\n\
             # HELP ifName Name.\n# TYPE ifName gauge\nifName{ifIndex=\"1\",ifName=\"lo\"} 1\n\
             # HELP ifType_info Type. (EnumAsInfo)\n# TYPE ifType_info gauge\n\
             ifType_info{ifIndex=\"1\",ifType=\"softwareLoopback\"} 1\nifType_info{ifIndex=\"2\",ifType=\"99\"} 1\n"
        );
        // ifIndex 2 had no ifName: a cached ifName column would be stale.
        assert!(lookups.missed.contains(&oid("1.3.6.1.2.1.31.1.1.1.1")));
    }

    #[test]
    fn state_sets_and_bits() {
        let m = module(
            r#"
    metrics:
    - name: st
      oid: 1.3.6.1.4.1.9.1
      type: EnumAsStateSet
      help: S.
      enum_values: {1: up, 2: down, 3: testing}
    - name: flags
      oid: 1.3.6.1.4.1.9.2
      type: Bits
      help: F.
      enum_values: {0: a, 1: b, 9: j, 20: beyond}
"#,
        );
        let (out, _) = run(
            &m,
            &[
                ("1.3.6.1.4.1.9.1.0", Val::Int(2)),
                ("1.3.6.1.4.1.9.2.0", Val::Str(vec![0b0100_0000, 0b0100_0000])),
            ],
        );
        assert_eq!(out.find("st", &[("st", "down")]), Some(1.0));
        assert_eq!(out.find("st", &[("st", "up")]), Some(0.0));
        assert_eq!(out.find("st", &[("st", "testing")]), Some(0.0));
        assert_eq!(out.find("flags", &[("flags", "a")]), Some(0.0));
        assert_eq!(out.find("flags", &[("flags", "b")]), Some(1.0));
        assert_eq!(out.find("flags", &[("flags", "j")]), Some(1.0));
        assert_eq!(out.find("flags", &[("flags", "beyond")]), Some(0.0));
    }

    #[test]
    fn chained_lookups_and_label_removal() {
        // entry → port number (chain) → port name; the raw index label is dropped.
        let m = module(
            r#"
    metrics:
    - name: fdbStatus
      oid: 1.3.6.1.2.1.17.4.3.1.3
      type: gauge
      help: S.
      indexes: [{labelname: mac, type: PhysAddress48}]
      lookups:
      - {labels: [mac], labelname: port, oid: 1.3.6.1.2.1.17.4.3.1.2, type: gauge}
      - {labels: [port], labelname: portName, oid: 1.3.6.1.2.1.31.1.1.1.1, type: DisplayString}
      - {labels: [], labelname: port}
"#,
        );
        let (out, _) = run(
            &m,
            &[
                ("1.3.6.1.2.1.17.4.3.1.3.0.26.43.60.77.94", Val::Int(3)),
                ("1.3.6.1.2.1.17.4.3.1.2.0.26.43.60.77.94", Val::Int(7)),
                ("1.3.6.1.2.1.31.1.1.1.1.7", Val::Str(b"Gi0/7".to_vec())),
            ],
        );
        assert_eq!(
            text(out),
            "# HELP fdbStatus S.\n# TYPE fdbStatus gauge\nfdbStatus{mac=\"00:1A:2B:3C:4D:5E\",portName=\"Gi0/7\"} 3\n"
        );
    }

    #[test]
    fn inet_address_values_take_their_type_from_the_previous_column() {
        let m = module(
            r#"
    metrics:
    - name: peerAddr
      oid: 1.3.6.1.4.1.9.5.1.3
      type: InetAddress
      help: A.
      indexes: [{labelname: peer, type: gauge}]
"#,
        );
        let (out, _) = run(
            &m,
            &[
                ("1.3.6.1.4.1.9.5.1.2.1", Val::Int(1)),
                ("1.3.6.1.4.1.9.5.1.3.1", Val::Str(vec![192, 0, 2, 1])),
                ("1.3.6.1.4.1.9.5.1.3.2", Val::Str(vec![192, 0, 2, 2])),
            ],
        );
        assert_eq!(out.find("peerAddr", &[("peerAddr", "192.0.2.1")]), Some(1.0));
        // No type column for peer 2: the bytes, as hex.
        assert_eq!(
            out.find("peerAddr", &[("peer", "2"), ("peerAddr", "0xC0000202")]),
            Some(1.0)
        );
    }

    #[test]
    fn regex_extracts_scale_offset_and_datetime() {
        let m = module(
            r#"
    metrics:
    - name: temp
      oid: 1.3.6.1.4.1.9.6
      type: DisplayString
      help: T.
      regex_extracts:
        Celsius:
        - {regex: '(\d+)C', value: '$1'}
        - {regex: 'n/a', value: 'x'}
        - {regex: '.*', value: '-1'}
    - name: volts
      oid: 1.3.6.1.4.1.9.7
      type: gauge
      help: V.
      scale: 0.001
      offset: 1
    - name: boot
      oid: 1.3.6.1.4.1.9.8
      type: DateAndTime
      help: B.
"#,
        );
        let (out, _) = run(
            &m,
            &[
                ("1.3.6.1.4.1.9.6.0", Val::Str(b"41C".to_vec())),
                ("1.3.6.1.4.1.9.7.0", Val::Int(12_000)),
                ("1.3.6.1.4.1.9.8.0", Val::Str(vec![0x07, 0xe7, 5, 6, 7, 8, 9, 0])),
            ],
        );
        assert_eq!(out.find("tempCelsius", &[]), Some(41.0));
        assert_eq!(out.find("temp", &[]), None);
        assert_eq!(out.find("volts", &[]), Some(13.0));
        assert_eq!(out.find("boot", &[]), Some(1_683_356_889.0));
        // Unparseable alternatives fall through to the next.
        let (out, _) = run(&m, &[("1.3.6.1.4.1.9.6.0", Val::Str(b"n/a".to_vec()))]);
        assert_eq!(out.find("tempCelsius", &[]), Some(-1.0));
    }

    #[test]
    fn duplicate_series_are_dropped_and_counted() {
        let m = module(
            r#"
    metrics:
    - name: x
      oid: 1.3.6.1.4.1.9.9
      type: gauge
      help: X.
"#,
        );
        let (out, _) = run(
            &m,
            &[("1.3.6.1.4.1.9.9.0", Val::Int(1)), ("1.3.6.1.4.1.9.9.1", Val::Int(2))],
        );
        assert_eq!((out.series(), out.duplicates), (1, 1));
    }

    #[test]
    fn the_shortest_metric_prefix_owns_a_pdu() {
        let m = module(
            r#"
    metrics:
    - name: outer
      oid: 1.3.6.1.4.1.9
      type: gauge
      help: O.
      indexes: [{labelname: a, type: gauge}, {labelname: b, type: gauge}]
    - name: inner
      oid: 1.3.6.1.4.1.9.1
      type: gauge
      help: I.
"#,
        );
        let (out, _) = run(&m, &[("1.3.6.1.4.1.9.1.5", Val::Int(4))]);
        assert_eq!(out.find("outer", &[("a", "1"), ("b", "5")]), Some(4.0));
        assert_eq!(out.find("inner", &[]), None);
    }
}
