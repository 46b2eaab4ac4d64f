//! What to ask one agent for a module, and asking it.
//!
//! snmp_exporter walks every `walk` subtree whole, one after the other, and
//! keeps only what a metric owns. netgauge walks only the columns that a
//! metric or a lookup reads (under those same subtrees), several columns per
//! GETBULK and several GETBULKs at once, and GETs scalars instead of walking
//! them. The PDUs that reach the renderer are the same; the requests are
//! fewer, and a failed request costs only its own columns (partial results).

use std::collections::{BTreeSet, HashMap, HashSet};

use futures_util::stream::{self, StreamExt};
use tokio::time::{timeout_at, Instant};

use super::config::{Module, Ty};
use super::decode;
use crate::collector::snmp::client::{Client, SnmpError};
use crate::collector::snmp::value::{Oid, Val};
use crate::config::SnmpVersion;

/// The requests for one module (after its dynamic filters, if any).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Plan {
    /// The module's `get` OIDs.
    pub gets: Vec<Oid>,
    /// Metrics without indexes under a walked subtree: GET `<oid>.0`, and
    /// walk `<oid>` only if the agent has no `.0`.
    pub scalars: Vec<Oid>,
    /// Subtrees to walk, none inside another.
    pub columns: Vec<Oid>,
    /// Those of `columns` that lookups read: what the lookup cache may serve.
    pub lookup_columns: HashSet<Oid>,
}

impl Plan {
    pub fn new(module: &Module, walk: &[Oid], gets: &[Oid]) -> Plan {
        let mut lookup_columns = HashSet::new();
        let mut needed: BTreeSet<Oid> = BTreeSet::new();
        let mut scalar_candidates: HashSet<Oid> = HashSet::new();
        for m in &module.metrics {
            needed.insert(m.oid.clone());
            if m.indexes.is_empty() {
                scalar_candidates.insert(m.oid.clone());
            }
            if m.ty.combined().is_some() {
                needed.insert(previous_column(&m.oid));
            }
            for l in m.lookups.iter().filter(|l| !l.labels.is_empty()) {
                needed.insert(l.oid.clone());
                lookup_columns.insert(l.oid.clone());
                if l.ty.is_some_and(|t: Ty| t.combined().is_some()) {
                    needed.insert(previous_column(&l.oid));
                    lookup_columns.insert(previous_column(&l.oid));
                }
            }
        }
        let mut roots: BTreeSet<Oid> = BTreeSet::new();
        for w in walk {
            for n in &needed {
                if n.starts_with(w) {
                    roots.insert(n.clone());
                } else if w.starts_with(n) {
                    roots.insert(w.clone());
                }
            }
        }
        // Keep only the outermost: a subtree inside another is walked with it.
        let mut columns: Vec<Oid> = Vec::new();
        for r in roots {
            if !columns.last().is_some_and(|outer| r.starts_with(outer)) {
                columns.push(r);
            }
        }
        // A scalar that is a lookup column, or has columns under it, is walked.
        let (scalars, columns): (Vec<Oid>, Vec<Oid>) = columns.into_iter().partition(|c| {
            scalar_candidates.contains(c)
                && !lookup_columns.contains(c)
                && !needed.iter().any(|n| n.len() > c.len() && n.starts_with(c))
        });
        let lookup_columns = lookup_columns.into_iter().filter(|c| columns.contains(c)).collect();
        Plan {
            gets: gets.to_vec(),
            scalars,
            columns,
            lookup_columns,
        }
    }

    /// snmp_exporter's own plan: every `walk` subtree whole. For SNMPv1,
    /// which has no GETBULK, this is also the cheapest: a GETNEXT walk costs
    /// one request per value plus one per subtree, and walking columns
    /// separately would add one per column.
    pub fn subtrees(walk: &[Oid], gets: &[Oid]) -> Plan {
        let mut sorted: Vec<Oid> = walk.to_vec();
        sorted.sort();
        let mut columns: Vec<Oid> = Vec::new();
        for w in sorted {
            if !columns.last().is_some_and(|outer| w.starts_with(outer)) {
                columns.push(w);
            }
        }
        Plan {
            gets: gets.to_vec(),
            scalars: Vec::new(),
            columns,
            lookup_columns: HashSet::new(),
        }
    }

    /// The plan for `module` as `client` will run it.
    pub fn for_client(module: &Module, client: &Client<'_>, walk: &[Oid], gets: &[Oid]) -> Plan {
        if client.settings.version() == SnmpVersion::V1 {
            Plan::subtrees(walk, gets)
        } else {
            Plan::new(module, walk, gets)
        }
    }

    /// The plan with the module's dynamic filters applied, as snmp_exporter
    /// applies them: each filter column is walked; the indices whose value
    /// matches are then fetched by GET from the filter's target columns,
    /// which are no longer walked whole.
    pub async fn filtered(module: &Module, client: &Client<'_>, deadline: Instant) -> (Plan, Vec<SnmpError>) {
        let mut walk = module.walk.clone();
        let mut gets = module.get.clone();
        let mut errors = Vec::new();
        for f in &module.filters {
            let rows = match timeout_at(deadline, client.walk(&f.oid)).await {
                Ok(Ok(w)) => w.rows,
                Ok(Err(e)) => {
                    // As snmp_exporter: a filter that cannot be read filters nothing.
                    errors.push(e);
                    continue;
                }
                Err(_) => {
                    errors.push(SnmpError::Deadline);
                    continue;
                }
            };
            let allowed: Vec<u32> = rows
                .iter()
                .filter(|(_, v)| {
                    let text = decode::text(v, Some(Ty::DisplayString));
                    f.values.iter().any(|r| r.is_match(&text))
                })
                // The last arc of the row's index, as snmp_exporter takes it.
                .filter_map(|(index, _)| index.last().copied())
                .collect();
            walk.retain(|w| !f.targets.contains(w));
            gets.retain(|g| !f.targets.iter().any(|t| g.starts_with(t)));
            for t in &f.targets {
                for index in &allowed {
                    let mut o = t.clone();
                    o.push(*index);
                    gets.push(o);
                }
            }
        }
        (Plan::for_client(module, client, &walk, &gets), errors)
    }
}

fn previous_column(oid: &[u32]) -> Oid {
    let mut p = oid.to_vec();
    if let Some(last) = p.last_mut() {
        *last = last.saturating_sub(1);
    }
    p
}

/// What one module's requests brought back.
#[derive(Default)]
pub struct Fetched {
    /// From GETs (module gets and scalars).
    pub pdus: Vec<(Oid, Val)>,
    /// Walked subtrees, by root.
    pub columns: HashMap<Oid, Vec<(Oid, Val)>>,
    /// Every request that failed; the rest of the module was still fetched.
    pub errors: Vec<SnmpError>,
}

impl Fetched {
    pub fn pdu_count(&self) -> usize {
        self.pdus.len() + self.columns.values().map(Vec::len).sum::<usize>()
    }
}

/// GETs `oids` in PDUs of at most `per_request`; OIDs the agent does not
/// have (noSuchObject, noSuchInstance, or v1's noSuchName) are left out.
async fn get_available(client: &Client<'_>, oids: &[Oid], per_request: usize) -> (Vec<(Oid, Val)>, Vec<SnmpError>) {
    let v1 = client.settings.version() == SnmpVersion::V1;
    let mut found = Vec::new();
    let mut errors = Vec::new();
    for chunk in oids.chunks(per_request.max(1)) {
        let mut pending: Vec<&[u32]> = chunk.iter().map(Vec::as_slice).collect();
        while !pending.is_empty() {
            let reply = match client.get_reply(&pending).await {
                Ok(r) => r,
                Err(e) => {
                    errors.push(e);
                    break;
                }
            };
            let index = reply.error_index as usize;
            match reply.error_status {
                0 => {}
                // SNMPv1 refuses the whole PDU for one unknown OID and says which: drop it, ask again.
                2 if v1 && (1..=pending.len()).contains(&index) => {
                    pending.remove(index - 1);
                    continue;
                }
                // v2c/v3 agents have noSuchObject for that; some (snmpsim among them) still set
                // noSuchName beside it. The varbinds say what exists.
                2 if !v1 => {}
                status => {
                    errors.push(SnmpError::Agent {
                        status,
                        index: reply.error_index,
                    });
                    break;
                }
            }
            found.extend(reply.varbinds.into_iter().filter(|(_, v)| !v.is_absent()));
            break;
        }
    }
    (found, errors)
}

/// Runs `plan` against `client` until `deadline`, skipping the columns in
/// `skip` (served from the lookup cache).
pub async fn fetch(client: &Client<'_>, plan: &Plan, skip: &HashSet<Oid>, deadline: Instant) -> Fetched {
    let settings = client.settings;
    // snmp_exporter's GET batch size: max_repetitions OIDs, one for SNMPv1.
    let per_get = if settings.version() == SnmpVersion::V1 {
        1
    } else {
        settings.max_repetitions.max(1) as usize
    };
    let gets = async {
        match timeout_at(deadline, get_available(client, &plan.gets, per_get)).await {
            Ok(r) => r,
            Err(_) => (Vec::new(), vec![SnmpError::Deadline]),
        }
    };
    let scalars = async {
        let instances: Vec<Oid> = plan
            .scalars
            .iter()
            .map(|o| {
                let mut i = o.clone();
                i.push(0);
                i
            })
            .collect();
        let (found, errors) = match timeout_at(deadline, get_available(client, &instances, per_get.max(16))).await {
            Ok(r) => r,
            Err(_) => (Vec::new(), vec![SnmpError::Deadline]),
        };
        // A scalar without a `.0` instance is walked, as snmp_exporter would have.
        let have: HashSet<&[u32]> = found.iter().map(|(o, _)| &o[..o.len() - 1]).collect();
        let missing: Vec<Oid> = plan
            .scalars
            .iter()
            .filter(|s| !have.contains(s.as_slice()))
            .cloned()
            .collect();
        (found, errors, missing)
    };
    let ((got, mut errors), (scalar_values, scalar_errors, missing)) = tokio::join!(gets, scalars);
    errors.extend(scalar_errors);
    let mut roots: Vec<Oid> = plan.columns.iter().filter(|c| !skip.contains(*c)).cloned().collect();
    roots.extend(missing);
    let (columns, walk_errors) = walk_columns(client, roots, deadline).await;
    errors.extend(walk_errors);
    let mut pdus = got;
    pdus.extend(scalar_values);
    Fetched { pdus, columns, errors }
}

/// Walks `roots`, `columns_per_request` per GETBULK and `walk_concurrency`
/// GETBULK chains at once; a chain that fails loses only its own columns.
pub async fn walk_columns(
    client: &Client<'_>,
    roots: Vec<Oid>,
    deadline: Instant,
) -> (HashMap<Oid, Vec<(Oid, Val)>>, Vec<SnmpError>) {
    let groups: Vec<Vec<Oid>> = roots
        .chunks(client.settings.columns_per_request.max(1))
        .map(<[_]>::to_vec)
        .collect();
    let mut results = stream::iter(groups)
        .map(|group| async move {
            let walked = timeout_at(deadline, client.walk_many(&group))
                .await
                .unwrap_or(Err(SnmpError::Deadline));
            (group, walked)
        })
        .buffer_unordered(client.settings.walk_concurrency.max(1));
    let mut columns = HashMap::new();
    let mut errors = Vec::new();
    while let Some((group, walked)) = results.next().await {
        match walked {
            Ok(walks) => {
                for (root, w) in group.into_iter().zip(walks) {
                    let rows = w
                        .rows
                        .into_iter()
                        .map(|(index, v)| {
                            let mut oid = Vec::with_capacity(root.len() + index.len());
                            oid.extend_from_slice(&root);
                            oid.extend_from_slice(&index);
                            (oid, v)
                        })
                        .collect();
                    columns.insert(root, rows);
                }
            }
            Err(e) => errors.push(e),
        }
    }
    (columns, errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compat::config::{parse_oid, SnmpYml};
    use std::path::Path;

    fn o(s: &str) -> Oid {
        parse_oid(s).unwrap()
    }

    #[test]
    fn if_mib_walks_only_the_columns_it_reads_and_gets_its_scalar() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/snmp_exporter/snmp.yml"
        ))
        .unwrap();
        let yml = SnmpYml::parse(Path::new("snmp.yml"), &text).unwrap();
        let m = &yml.modules["if_mib"];
        let plan = Plan::new(m, &m.walk, &m.get);
        // ifNumber is a scalar under the walked `interfaces` group.
        assert_eq!(plan.scalars, vec![o("1.3.6.1.2.1.2.1")]);
        assert!(plan.columns.contains(&o("1.3.6.1.2.1.2.2.1.10")));
        assert!(plan.columns.contains(&o("1.3.6.1.2.1.31.1.1.1.6")));
        // Every column a metric or a lookup reads (ifDescr, ifName and ifAlias
        // are lookups only in this module), and nothing twice.
        let mut expected: BTreeSet<Oid> = m
            .metrics
            .iter()
            .filter(|x| !x.indexes.is_empty())
            .map(|x| x.oid.clone())
            .collect();
        expected.extend(m.metrics.iter().flat_map(|x| x.lookups.iter().map(|l| l.oid.clone())));
        assert_eq!(plan.columns.iter().cloned().collect::<BTreeSet<_>>(), expected);
        assert_eq!(plan.columns.len(), 41);
        for (a, b) in plan.columns.iter().zip(plan.columns.iter().skip(1)) {
            assert!(!b.starts_with(a), "{a:?} contains {b:?}");
        }
        let lookups: HashSet<Oid> = [
            "1.3.6.1.2.1.31.1.1.1.18",
            "1.3.6.1.2.1.2.2.1.2",
            "1.3.6.1.2.1.31.1.1.1.1",
        ]
        .iter()
        .map(|s| o(s))
        .collect();
        assert_eq!(plan.lookup_columns, lookups);
        assert_eq!(plan.gets, m.get);
    }

    #[test]
    fn a_walk_inside_a_metric_is_kept_and_a_walk_with_no_metric_is_dropped() {
        let yml = SnmpYml::parse(
            Path::new("t.yml"),
            "modules:\n  m:\n    walk: [1.3.6.1.4.1.9.1.5, 1.3.6.1.4.1.77]\n    metrics:\n    - {name: a, oid: 1.3.6.1.4.1.9.1, type: gauge, help: A, indexes: [{labelname: i, type: gauge}]}\n",
        )
        .unwrap();
        let m = &yml.modules["m"];
        let plan = Plan::new(m, &m.walk, &m.get);
        assert_eq!(plan.columns, vec![o("1.3.6.1.4.1.9.1.5")]);
        assert!(plan.scalars.is_empty());
    }
}
