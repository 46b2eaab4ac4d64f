//! snmp_exporter compatibility: `/snmp?target=…&module=…&auth=…` serves the
//! modules of an snmp_exporter `snmp.yml` (`--snmp.config.file`) with the
//! series snmp_exporter would give, so a site can switch without
//! regenerating anything. Differences are deliberate and listed in
//! `docs/snmp_exporter.md`.
//!
//! Layout, in the order data flows: [`config`] reads the file; [`mod@fetch`]
//! plans and sends the requests for one module; [`mod@render`] turns the PDUs
//! into series, with [`decode`] for values and indexes.

pub mod config;
pub mod decode;
pub mod fetch;
pub mod render;

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use self::config::{Auth, Module, SnmpYml};
use self::fetch::{fetch, walk_columns, Fetched, Plan};
use self::render::{render, Output, Pdus};
use crate::collector::snmp::client::{Client, SnmpError};
use crate::collector::snmp::engine::EngineCache;
use crate::collector::snmp::value::{Oid, Val};
use crate::config::{defaults, Address, Config, SnmpCredentials, SnmpSettings};
use crate::telemetry::{Event, Telemetry};

/// The collector name netgauge's own counters use for `/snmp` scrapes.
pub const COLLECTOR: &str = "snmp_exporter_module";

/// How `/snmp` was switched on, from the command line.
#[derive(Debug, Clone)]
pub struct Options {
    pub path: PathBuf,
    /// Poll any host, as snmp_exporter does; otherwise only hosts in netgauge's target list.
    pub allow_any_target: bool,
    /// Wrap Counter64 values at 2^53 (snmp_exporter's `--snmp.wrap-large-counters`).
    pub wrap_counters: bool,
    /// Serve lookup columns (ifName, ifAlias, ifDescr…) from a cache this old at most; zero: off.
    pub lookup_cache_ttl: Duration,
}

/// A module to scrape, the name of the auth to use, and that auth.
type Chosen<'a> = (&'a Arc<Module>, String, Arc<Auth>);

/// A walked column's rows.
type Rows = Arc<Vec<(Oid, Val)>>;

/// One device's cached columns, each with when it was walked.
type Columns = HashMap<Oid, (Instant, Rows)>;

/// A loaded `snmp.yml` and what `/snmp` keeps between scrapes.
pub struct Compat {
    pub yml: SnmpYml,
    pub options: Options,
    cache: LookupCache,
    /// SNMPv3 engines discovered, per auth (the keys are the user's), so
    /// scrapes after the first do not start with engine discovery.
    engines: Mutex<HashMap<String, Arc<EngineCache>>>,
}

/// Why a `/snmp` request was refused before anything was sent.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
}

/// A `/snmp` request, parsed.
#[derive(Debug, PartialEq)]
pub struct Request {
    pub target: String,
    pub modules: Vec<String>,
    pub auth: Option<String>,
    pub context: Option<String>,
}

impl Request {
    pub fn parse(query: &str) -> Result<Request, RequestError> {
        let mut target = None;
        let mut auth = None;
        let mut context = None;
        let mut modules = Vec::new();
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let once = |slot: &mut Option<String>, name: &str| {
                if slot.is_some() {
                    return Err(RequestError::BadRequest(format!(
                        "'{name}' parameter must only be specified once"
                    )));
                }
                *slot = Some(v.to_string());
                Ok(())
            };
            match k.as_ref() {
                "target" => once(&mut target, "target")?,
                "auth" => once(&mut auth, "auth")?,
                "snmp_context" => once(&mut context, "snmp_context")?,
                "module" => modules.extend(v.split(',').map(str::trim).filter(|m| !m.is_empty()).map(String::from)),
                _ => {}
            }
        }
        let target = target
            .filter(|t| !t.is_empty())
            .ok_or_else(|| RequestError::BadRequest("'target' parameter must be specified once".into()))?;
        if modules.is_empty() {
            modules.push("if_mib".into());
        }
        let mut seen = HashSet::new();
        modules.retain(|m| seen.insert(m.clone()));
        Ok(Request {
            target,
            modules,
            auth,
            context,
        })
    }
}

/// What netgauge shares with `/snmp` scrapes.
pub struct Shared<'a> {
    pub telemetry: &'a Telemetry,
    pub sockets: &'a tokio::sync::Semaphore,
    pub limits: crate::collector::snmp::client::Limits,
}

/// The answer to a `/snmp` scrape.
pub enum Scrape {
    /// Series, possibly partial (some requests failed: see `netgauge_snmp_scrape_success`).
    Body(String),
    /// Nothing at all came back: snmp_exporter's HTTP 500, so `up` keeps meaning "the device answered".
    Failed(String),
}

impl Compat {
    pub fn load(options: Options) -> Result<Compat, crate::config::ConfigError> {
        let yml = SnmpYml::load(&options.path)?;
        Ok(Compat::new(yml, options))
    }

    pub fn new(yml: SnmpYml, options: Options) -> Compat {
        Compat {
            cache: LookupCache::new(options.lookup_cache_ttl),
            yml,
            options,
            engines: Mutex::new(HashMap::new()),
        }
    }

    fn engines(&self, auth: &str) -> Arc<EngineCache> {
        let mut engines = lock(&self.engines);
        engines.entry(auth.to_owned()).or_default().clone()
    }

    /// Checks the request against the file and the target list; returns
    /// where to send, the `device` label to count it under, and what to scrape.
    fn resolve<'s>(
        &'s self,
        req: &Request,
        config: &Config,
    ) -> Result<(Address, String, Vec<Chosen<'s>>), RequestError> {
        let target = match req.target.split_once("://") {
            Some(("udp", rest)) => rest,
            Some((scheme, _)) => {
                return Err(RequestError::BadRequest(format!(
                    "transport {} is not supported; SNMP goes over UDP",
                    crate::echo::quoted(scheme)
                )))
            }
            None => req.target.as_str(),
        };
        // The parser's message repeats the value: only the bounded echo goes back.
        let address = Address::parse(target).map_err(|_| {
            RequestError::BadRequest(format!(
                "bad target {}: expected host, host:port, [IPv6] or [IPv6]:port",
                crate::echo::quoted(target)
            ))
        })?;
        let endpoint = Endpoint::of(&address.host, address.port.unwrap_or(defaults::SNMP_PORT));
        // The exact host and SNMP port of a configured target: a port the
        // config does not name (another agent, DNS on 53) is never polled.
        let configured = config.targets.iter().find(|t| {
            t.snmp_port()
                .is_some_and(|port| Endpoint::of(&t.address.host, port) == endpoint)
        });
        if configured.is_none() && !self.options.allow_any_target {
            return Err(RequestError::Forbidden(format!(
                "target {endpoint} is not an SNMP host and port in netgauge's target list; start netgauge \
                 with --snmp.allow-any-target to let /snmp poll any host"
            )));
        }
        // Never the raw parameter: " 10.0.0.1" and "10.0.0.1" are one device, not two series.
        let label = configured.map_or_else(|| endpoint.to_string(), |t| t.name.clone());
        let mut chosen = Vec::new();
        for name in &req.modules {
            let module = self
                .yml
                .modules
                .get(name)
                .ok_or_else(|| RequestError::BadRequest(format!("unknown module {}", crate::echo::quoted(name))))?;
            let (auth_name, auth) = self.auth_for(req.auth.as_deref(), module)?;
            chosen.push((module, auth_name, auth));
        }
        Ok((address, label, chosen))
    }

    fn auth_for(&self, requested: Option<&str>, module: &Module) -> Result<(String, Arc<Auth>), RequestError> {
        if let Some(name) = requested {
            if let Some(a) = self.yml.auths.get(name) {
                return Ok((name.to_owned(), a.clone()));
            }
        }
        match (requested, &module.auth) {
            // The older layout: the module's own auth, as snmp_exporter ≤ 0.22 used.
            (None, Some(a)) => Ok((format!("module:{}", module.name), a.clone())),
            (Some(name), Some(_)) if self.yml.legacy => Err(RequestError::BadRequest(format!(
                "unknown auth {}: this snmp.yml has the older layout, where each module has its own auth",
                crate::echo::quoted(name)
            ))),
            (requested, _) => {
                let name = requested.unwrap_or("public_v2");
                // The two auths snmp_exporter's own snmp.yml defines, when this one does not.
                let community = crate::secret::Secret::new("public");
                let credentials = match name {
                    "public_v2" => SnmpCredentials::V2c { community },
                    "public_v1" => SnmpCredentials::V1 { community },
                    _ => {
                        return Err(RequestError::BadRequest(format!(
                            "unknown auth {}",
                            crate::echo::quoted(name)
                        )))
                    }
                };
                Ok((name.to_owned(), Arc::new(Auth { credentials })))
            }
        }
    }

    /// Scrapes the requested modules of one target, all at once, each until `deadline`.
    pub async fn scrape(
        &self,
        req: &Request,
        config: &Config,
        shared: &Shared<'_>,
        deadline: Instant,
    ) -> Result<Scrape, RequestError> {
        let (address, device, modules) = self.resolve(req, config)?;
        let host_port = address.with_port(defaults::SNMP_PORT);
        let addr = match tokio::time::timeout_at(
            tokio::time::Instant::from_std(deadline),
            crate::collector::snmp::resolve(&host_port),
        )
        .await
        .unwrap_or(Err(SnmpError::Deadline))
        {
            Ok(a) => a,
            Err(e) => return Ok(Scrape::Failed(format!("error scraping target {device}: {e}"))),
        };
        let scrapes = modules.iter().map(|(module, auth_name, auth)| {
            self.scrape_module(
                &device,
                addr,
                auth_name,
                auth,
                req.context.as_deref(),
                module,
                shared,
                deadline,
            )
        });
        let results = futures_util::future::join_all(scrapes).await;
        let mut out = Output::default();
        let mut pdus = 0;
        let mut errors = Vec::new();
        for r in results {
            pdus += r.pdus;
            errors.extend(r.errors.iter().map(|e| format!("{}: {e}", r.module)));
            r.write_into(&mut out);
        }
        if pdus == 0 && !errors.is_empty() {
            return Ok(Scrape::Failed(format!(
                "error scraping target {device}: {}",
                errors.join("; ")
            )));
        }
        let mut body = String::with_capacity(64 * 1024);
        out.encode(&mut body);
        Ok(Scrape::Body(body))
    }

    #[allow(clippy::too_many_arguments)]
    async fn scrape_module(
        &self,
        target: &str,
        addr: SocketAddr,
        auth_name: &str,
        auth: &Auth,
        context: Option<&str>,
        module: &Module,
        shared: &Shared<'_>,
        deadline: Instant,
    ) -> ModuleScrape {
        let started = Instant::now();
        let mut credentials = auth.credentials.clone();
        if let (SnmpCredentials::V3(v3), Some(ctx)) = (&mut credentials, context) {
            ctx.clone_into(&mut v3.context_name);
        }
        let settings = SnmpSettings {
            port: addr.port(),
            credentials,
            timeout: module.timeout,
            retries: module.retries,
            max_repetitions: module.max_repetitions,
            walk_concurrency: defaults::SNMP_WALK_CONCURRENCY,
            columns_per_request: defaults::SNMP_COLUMNS_PER_REQUEST,
            allow_nonincreasing_oids: module.allow_nonincreasing_oids,
        };
        let engines = self.engines(&format!("{auth_name}/{}", context.unwrap_or("")));
        let client = Client::new(
            target,
            addr,
            &settings,
            shared.telemetry,
            &engines,
            shared.sockets,
            shared.limits,
        );
        let deadline = tokio::time::Instant::from_std(deadline);
        let (plan, mut errors) = if !module.filters.is_empty() {
            Plan::filtered(module, &client, deadline).await
        } else if settings.version() == crate::config::SnmpVersion::V1 {
            (Plan::subtrees(&module.walk, &module.get), Vec::new())
        } else {
            (module.plan.clone(), Vec::new())
        };
        let cache_key = format!(
            "{target}\u{0}{auth_name}\u{0}{}\u{0}{}",
            context.unwrap_or(""),
            module.name
        );
        let cached = self.cache.fresh(&cache_key, &plan.lookup_columns);
        let skip: HashSet<Oid> = cached.keys().cloned().collect();
        let mut fetched = fetch(&client, &plan, &skip, deadline).await;
        let walked_at = started.elapsed();
        self.cache.store(&cache_key, &plan.lookup_columns, &fetched.columns);
        let mut pdu_count = fetched.pdu_count();
        let mut out = Output::default();
        let mut pdus = assemble(&mut fetched, &cached);
        let lookups = render(module, &pdus, self.options.wrap_counters, &mut out);
        // A lookup that missed in a cached column (a new interface, say): read those columns now.
        let stale = stale_columns(&lookups.missed, &cached);
        let mut refreshed = 0;
        if !stale.is_empty() {
            let (columns, walk_errors) = walk_columns(&client, stale.clone(), deadline).await;
            errors.extend(walk_errors);
            refreshed = columns.len();
            self.cache.store(&cache_key, &plan.lookup_columns, &columns);
            for root in &stale {
                pdus.remove_subtree(root);
            }
            let fresh: Vec<(Oid, Val)> = columns.into_values().flatten().collect();
            pdu_count += fresh.len();
            pdus.extend(fresh);
            out = Output::default();
            render(module, &pdus, self.options.wrap_counters, &mut out);
        }
        errors.append(&mut fetched.errors);
        match errors.first() {
            Some(e) => shared.telemetry.event(Event::PollFailed {
                device: target,
                collector: COLLECTOR,
                reason: e.reason(),
                detail: &format!("module {}: {} request(s) failed, first: {e}", module.name, errors.len()),
            }),
            None => shared.telemetry.event(Event::PollFinished {
                device: target,
                collector: COLLECTOR,
                ok: true,
            }),
        }
        ModuleScrape {
            module: module.name.clone(),
            out,
            pdus: pdu_count,
            errors,
            walked: walked_at,
            total: started.elapsed(),
            sent: client.sent.load(std::sync::atomic::Ordering::Relaxed),
            retried: client.retried.load(std::sync::atomic::Ordering::Relaxed),
            cached_columns: skip.len() - refreshed.min(skip.len()),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // What the lock guards (idle sessions, cached rows) stays valid after a panic elsewhere.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A host and port as `/snmp` compares and labels them: an IP address in
/// its canonical spelling (IPv6 in any spelling is one address), a name in
/// lower case without a trailing dot.
#[derive(Debug, PartialEq)]
struct Endpoint {
    host: String,
    port: u16,
}

impl Endpoint {
    fn of(host: &str, port: u16) -> Endpoint {
        let host = match host.parse::<std::net::IpAddr>() {
            Ok(ip) => ip.to_string(),
            Err(_) => host.trim_end_matches('.').to_ascii_lowercase(),
        };
        Endpoint { host, port }
    }
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// Cached lookup columns that a lookup missed in, and so may be out of
/// date (a new interface, say). A column that was empty when cached is not
/// stale: the agent simply does not have it.
fn stale_columns(missed: &HashSet<Oid>, cached: &HashMap<Oid, Rows>) -> Vec<Oid> {
    let mut stale: Vec<Oid> = missed
        .iter()
        .filter(|c| cached.get(*c).is_some_and(|rows| !rows.is_empty()))
        .cloned()
        .collect();
    stale.sort();
    stale
}

/// One PDU map from the walked columns, the GETs and the cached columns.
fn assemble(fetched: &mut Fetched, cached: &HashMap<Oid, Rows>) -> Pdus {
    let mut rows = std::mem::take(&mut fetched.pdus);
    // Columns in OID order, each already sorted: the sort in `Pdus::new` then has little to do.
    let mut columns: Vec<(Oid, Vec<(Oid, Val)>)> = std::mem::take(&mut fetched.columns).into_iter().collect();
    columns.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, walked) in columns {
        rows.extend(walked);
    }
    for cached_rows in cached.values() {
        rows.extend(cached_rows.iter().cloned());
    }
    Pdus::new(rows)
}

struct ModuleScrape {
    module: String,
    out: Output,
    pdus: usize,
    errors: Vec<SnmpError>,
    walked: Duration,
    total: Duration,
    sent: u64,
    retried: u64,
    cached_columns: usize,
}

impl ModuleScrape {
    /// The module's series and its own scrape metrics, snmp_exporter's
    /// names with a `module` label (as snmp_exporter ≥ 0.24 writes them).
    fn write_into(self, out: &mut Output) {
        let module: std::sync::Arc<str> = std::sync::Arc::from(self.module.as_str());
        let m = || vec![(std::sync::Arc::from("module"), module.clone())];
        let meta: [(&str, &str, f64); 5] = [
            (
                "snmp_scrape_walk_duration_seconds",
                "Time SNMP walk/bulkwalk took.",
                self.walked.as_secs_f64(),
            ),
            (
                "snmp_scrape_duration_seconds",
                "Total SNMP time scrape took (walk and processing).",
                self.total.as_secs_f64(),
            ),
            (
                "snmp_scrape_pdus_returned",
                "PDUs returned from get, bulkget, and walk.",
                self.pdus as f64,
            ),
            (
                "snmp_scrape_packets_sent",
                "Packets sent for get, bulkget, and walk; including retries.",
                self.sent as f64,
            ),
            (
                "snmp_scrape_packets_retried",
                "Packets retried for get, bulkget, and walk.",
                self.retried as f64,
            ),
        ];
        for (name, help, v) in meta {
            out.push(name, help, false, m(), v);
        }
        out.push(
            "netgauge_snmp_scrape_success",
            "1 if every SNMP request of the module succeeded; 0 if some failed and the series are partial.",
            false,
            m(),
            if self.errors.is_empty() { 1.0 } else { 0.0 },
        );
        out.push(
            "netgauge_snmp_lookup_cache_columns",
            "Lookup columns served from the lookup cache instead of walked (--snmp.lookup-cache-ttl).",
            false,
            m(),
            self.cached_columns as f64,
        );
        for (reason, n) in [("duplicate", self.out.duplicates), ("unreadable", self.out.unreadable)] {
            let mut l = m();
            l.push((std::sync::Arc::from("reason"), std::sync::Arc::from(reason)));
            out.push(
                "netgauge_snmp_series_dropped",
                "Series not written: a duplicate of an earlier series, or a value unreadable as its type.",
                false,
                l,
                n as f64,
            );
        }
        out.merge(self.out);
    }
}

/// Lookup columns by (target, auth, module), each with when it was walked.
struct LookupCache {
    ttl: Duration,
    entries: Mutex<HashMap<String, Columns>>,
}

impl LookupCache {
    fn new(ttl: Duration) -> Self {
        LookupCache {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn fresh(&self, key: &str, columns: &HashSet<Oid>) -> HashMap<Oid, Rows> {
        if self.ttl.is_zero() || columns.is_empty() {
            return HashMap::new();
        }
        let entries = lock(&self.entries);
        let Some(cols) = entries.get(key) else {
            return HashMap::new();
        };
        cols.iter()
            .filter(|(oid, (at, _))| columns.contains(*oid) && at.elapsed() < self.ttl)
            .map(|(oid, (_, rows))| (oid.clone(), rows.clone()))
            .collect()
    }

    fn store(&self, key: &str, lookup_columns: &HashSet<Oid>, walked: &HashMap<Oid, Vec<(Oid, Val)>>) {
        if self.ttl.is_zero() {
            return;
        }
        let now = Instant::now();
        let mut entries = lock(&self.entries);
        if entries.len() > 10_000 {
            // Any-target deployments: forget devices whose every column has expired.
            let ttl = self.ttl;
            entries.retain(|_, cols| cols.values().any(|(at, _)| at.elapsed() < ttl));
        }
        let cols = entries.entry(key.to_owned()).or_default();
        for (oid, rows) in walked.iter().filter(|(oid, _)| lookup_columns.contains(*oid)) {
            cols.insert(oid.clone(), (now, Arc::new(rows.clone())));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_parameters_as_snmp_exporter_reads_them() {
        let r = Request::parse("target=10.0.0.1%3A1161&module=if_mib,cisco_wlc&module=if_mib&auth=v3").unwrap();
        assert_eq!(r.target, "10.0.0.1:1161");
        assert_eq!(r.modules, ["if_mib", "cisco_wlc"]);
        assert_eq!(r.auth.as_deref(), Some("v3"));
        assert_eq!(Request::parse("target=x").unwrap().modules, ["if_mib"]);
        assert!(Request::parse("module=if_mib").is_err());
        assert!(Request::parse("target=a&target=b").is_err());
        assert!(Request::parse("target=a&auth=x&auth=y").is_err());
    }

    #[test]
    fn a_lookup_miss_makes_only_a_non_empty_cached_column_stale() {
        let if_name = vec![1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1];
        let if_alias = vec![1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 18];
        let if_descr = vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 2];
        let cached: HashMap<Oid, Rows> = HashMap::from([
            (
                if_name.clone(),
                Arc::new(vec![([if_name.clone(), vec![1]].concat(), Val::Str(b"lo".to_vec()))]),
            ),
            (if_alias.clone(), Arc::new(Vec::new())),
        ]);
        let missed: HashSet<Oid> = [if_name.clone(), if_alias, if_descr].into_iter().collect();
        // ifAlias was cached empty; ifDescr was walked this scrape, not cached.
        assert_eq!(stale_columns(&missed, &cached), vec![if_name]);
    }

    #[test]
    fn endpoints_compare_as_addresses_or_names_with_their_port() {
        assert_eq!(Endpoint::of("::1", 161), Endpoint::of("0:0:0:0:0:0:0:1", 161));
        assert_eq!(
            Endpoint::of("Switch1.example.", 161),
            Endpoint::of("switch1.example", 161)
        );
        assert_ne!(Endpoint::of("10.0.0.1", 161), Endpoint::of("10.0.0.2", 161));
        assert_ne!(Endpoint::of("10.0.0.1", 161), Endpoint::of("10.0.0.1", 16161));
        assert_eq!(Endpoint::of("::1", 161).to_string(), "[::1]:161");
    }
}
