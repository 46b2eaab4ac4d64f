//! The SNMP collector: system group, IF-MIB interfaces, health, optics,
//! BGP, LLDP/CDP neighbors and the hardware inventory, over v1/v2c/v3.
//!
//! Layout: [`client`] sends requests and walks (timeouts, retries, session
//! reuse); [`oids`] names what is read; [`value`] owns decoded values;
//! [`cache`] keeps tables walked on their own interval (neighbors, and
//! [`entity`], the ENTITY-MIB snapshot the others place things by);
//! [`system`], [`interfaces`], [`health`], [`optics`], [`bgp`],
//! [`neighbors`] and [`inventory`] map values to report records and are
//! pure.

pub mod bgp;
pub mod client;
pub mod community;
pub mod engine;
pub mod entity;
pub mod health;
pub mod interfaces;
pub mod inventory;
pub mod neighbors;
pub mod oids;
pub mod optics;
pub mod system;
pub mod value;

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use futures_util::stream::{self, StreamExt};
use tokio::time::timeout_at;

use self::client::{Client, SnmpError};
use self::engine::EngineCache;
use self::health::Modules;
use self::interfaces::Tables;
use self::oids::Column;
use self::value::Val;
use crate::collector::cache;
use crate::config::{SnmpSettings, SnmpVersion, Target};
use crate::report::{CollectorRun, DeviceReport};
use crate::telemetry::{Event, FailureReason, Telemetry};

pub const SYSTEM: &str = "snmp_system";
pub const INTERFACES: &str = "snmp_interfaces";
pub const HEALTH: &str = "snmp_health";
pub const BGP: &str = "snmp_bgp";
pub const OPTICS: &str = "snmp_optics";
pub const NEIGHBORS: &str = "snmp_neighbors";
pub const INVENTORY: &str = "snmp_inventory";

/// Shared across polls. Owned (`Arc`) where a background refresh of a
/// cached table needs it after the poll that started it has answered.
pub struct SnmpContext<'a> {
    pub telemetry: &'a Arc<Telemetry>,
    pub engines: &'a Arc<EngineCache>,
    pub sockets: &'a Arc<tokio::sync::Semaphore>,
    pub health: &'a Modules,
    pub caches: &'a Arc<cache::Caches>,
    /// `global.neighbors_interval` and `global.inventory_interval`.
    pub neighbors_interval: std::time::Duration,
    pub inventory_interval: std::time::Duration,
    pub limits: client::Limits,
}

/// Polls `target` over SNMP until `deadline` at the latest.
pub async fn collect(
    target: &Target,
    settings: &SnmpSettings,
    deadline: Instant,
    ctx: &SnmpContext<'_>,
) -> DeviceReport {
    let mut report = DeviceReport::default();
    let started = Instant::now();
    let deadline = tokio::time::Instant::from_std(deadline);
    let outcome = Outcome { target, ctx };

    let opened = timeout_at(deadline, open(target, settings, ctx))
        .await
        .unwrap_or(Err(SnmpError::Deadline));
    let (client, sys) = match opened {
        Ok(opened) => opened,
        Err(e) => {
            // Unreachable or refusing us: walking tables would only burn the deadline.
            report.auth_failed = e.reason() == FailureReason::AuthFailure;
            outcome.failed(&mut report, SYSTEM, started, &e);
            return report;
        }
    };
    report.up = true;
    let mut info = sys.info;
    if let Some(v) = &target.vendor {
        info.vendor.clone_from(v);
    }
    let defs = ctx.health.for_vendor(&info.vendor);
    let optic_roots = if target.collectors.optics {
        optics::roots(&info.vendor)
    } else {
        Vec::new()
    };
    let vendor = info.vendor.clone();
    report.info = Some(info);
    report.uptime_seconds = Some(sys.uptime_seconds);
    outcome.succeeded(&mut report, SYSTEM, started);
    let sys_uptime_ticks = sys.sys_uptime_ticks;
    let plan = health::plan(&defs);
    // Health labels sensors by entity name and leaves optics' sensors to
    // the optics collector; optics places modules by entity.
    let want_entities = plan.entity_names || !optic_roots.is_empty() || target.collectors.inventory;
    let key = cache::key(&target.address, crate::poller::backoff::snmp_fingerprint(settings));
    let entity_cache = Cached {
        key,
        marker: sys.entity_marker,
        interval: target.inventory_interval.unwrap_or(ctx.inventory_interval),
        collector: entity_reader(target.collectors.inventory, plan.entity_names),
    };
    let neighbor_cache = Cached {
        key,
        marker: sys.lldp_marker,
        interval: target.neighbors_interval.unwrap_or(ctx.neighbors_interval),
        collector: NEIGHBORS,
    };

    // The walks start together; what needs the entity snapshot or the
    // interfaces is built once they are in.
    let walks_started = Instant::now();
    let (if_result, entities, health_result, optics_result, bgp_result, neighbors_result) = tokio::join!(
        timeout_at(deadline, walk_columns(&client)),
        timeout_at(deadline, async {
            if want_entities {
                cached::<entity::Entities>(&client, entity_cache, ctx).await
            } else {
                Ok(Served {
                    value: Arc::default(),
                    age: None,
                })
            }
        }),
        timeout_at(deadline, health_walk(&client, &plan)),
        timeout_at(deadline, optics_walk(&client, &optic_roots)),
        timeout_at(deadline, async {
            if target.collectors.bgp {
                bgp_peers(&client, &vendor, ctx, neighbor_cache).await
            } else {
                Ok(Vec::new())
            }
        }),
        timeout_at(deadline, async {
            if target.collectors.neighbors {
                cached::<Vec<neighbors::Found>>(&client, neighbor_cache, ctx)
                    .await
                    .map(Some)
            } else {
                Ok(None)
            }
        }),
    );
    let entities = entities.unwrap_or(Err(SnmpError::Deadline));
    match if_result.unwrap_or(Err(SnmpError::Deadline)) {
        Ok(tables) => {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| d.as_secs_f64())
                .unwrap_or(0.0);
            let (ifs, quirks) = interfaces::build(&tables, sys_uptime_ticks, now);
            for (kind, count) in quirks.counts {
                ctx.telemetry.event(Event::Anomaly {
                    device: &target.name,
                    kind,
                    count,
                    detail: "IF-MIB",
                });
            }
            report.interfaces = ifs;
            outcome.succeeded(&mut report, INTERFACES, walks_started);
        }
        Err(e) => outcome.failed(&mut report, INTERFACES, walks_started, &e),
    }
    if target.collectors.inventory {
        match &entities {
            Ok(snapshot) => {
                report.inventory = inventory::items(&snapshot.value);
                outcome.served(&mut report, INVENTORY, walks_started, snapshot.age);
            }
            Err(e) => outcome.failed(&mut report, INVENTORY, walks_started, e),
        }
    }
    match neighbors_result.unwrap_or(Err(SnmpError::Deadline)) {
        Ok(None) => {}
        Ok(Some(found)) => {
            report.neighbors = neighbors::place(&found.value, &report.interfaces);
            outcome.served(&mut report, NEIGHBORS, walks_started, found.age);
        }
        // An agent that refuses the subtrees has neither MIB.
        Err(SnmpError::Agent { .. }) => {}
        Err(e) => outcome.failed(&mut report, NEIGHBORS, walks_started, &e),
    }
    let entities = entities.map(|s| s.value);
    if !defs.is_empty() {
        let evaluated = health_result
            .unwrap_or(Err(SnmpError::Deadline))
            .and_then(|mut walked| {
                if plan.entity_names {
                    let e = entities.as_ref().map_err(Clone::clone)?;
                    walked.entity_names = e.names();
                    walked.skip_entities = e.transceiver_sensors();
                }
                Ok(health::evaluate(&defs, &walked))
            });
        match evaluated {
            Ok(readings) => {
                report.health = readings;
                outcome.succeeded(&mut report, HEALTH, walks_started);
            }
            Err(e) => outcome.failed(&mut report, HEALTH, walks_started, &e),
        }
    }
    if !optic_roots.is_empty() {
        let built = optics_result.unwrap_or(Err(SnmpError::Deadline)).and_then(|walked| {
            if walked.columns.values().all(BTreeMap::is_empty) {
                return Ok(Vec::new());
            }
            let e = entities.as_ref().map_err(Clone::clone)?;
            Ok(optics::build(&walked, Some(e), &report.interfaces))
        });
        match built {
            // No diagnostics tables, or no module in any cage: nothing to report.
            Ok(t) if t.is_empty() => {}
            Ok(t) => {
                report.transceivers = t;
                outcome.succeeded(&mut report, OPTICS, walks_started);
            }
            Err(e) => outcome.failed(&mut report, OPTICS, walks_started, &e),
        }
    }
    match bgp_result.unwrap_or(Err(SnmpError::Deadline)) {
        // No BGP4-MIB rows: a device without BGP, and no collector to report.
        Ok(peers) if peers.is_empty() => {}
        Ok(peers) => {
            report.bgp_peers = peers;
            outcome.succeeded(&mut report, BGP, walks_started);
        }
        // An agent that refuses the subtree has no BGP4-MIB either.
        Err(SnmpError::Agent { .. }) => {}
        Err(e) => outcome.failed(&mut report, BGP, walks_started, &e),
    }
    report
}

/// Records a collector's run in the report and emits its event: the one
/// place a collector's success or failure is told.
struct Outcome<'a> {
    target: &'a Target,
    ctx: &'a SnmpContext<'a>,
}

impl Outcome<'_> {
    /// A cached table's collector: walked now (`age` none), or served from
    /// the cache, which is no poll (a run of zero seconds, and its age).
    fn served(&self, report: &mut DeviceReport, collector: &'static str, started: Instant, age: Option<f64>) {
        match age {
            None => self.succeeded(report, collector, started),
            Some(age) => report.served_from_cache(collector, age),
        }
    }

    fn succeeded(&self, report: &mut DeviceReport, collector: &'static str, started: Instant) {
        report.collectors.push(run(collector, started, true));
        self.ctx.telemetry.event(Event::PollFinished {
            device: &self.target.name,
            collector,
            ok: true,
        });
    }

    fn failed(&self, report: &mut DeviceReport, collector: &'static str, started: Instant, e: &SnmpError) {
        self.ctx.telemetry.event(Event::PollFailed {
            device: &self.target.name,
            collector,
            reason: e.reason(),
            detail: &e.to_string(),
        });
        report.collectors.push(run(collector, started, false));
    }
}

/// The BGP peer tables (BGP4-MIB, and the vendor's), walked on every poll.
/// The device's BGP sessions. A device whose tables have only ever been
/// empty (no BGP configured: most of a fleet) is not asked again before
/// its neighbors interval, as that cost 3–5 requests a poll; a session
/// configured since shows up within the interval. A device that has had
/// sessions is walked on every poll: an empty walk there is news (or a
/// glitch), never a reason to look away.
async fn bgp_peers(
    client: &Client<'_>,
    vendor: &str,
    ctx: &SnmpContext<'_>,
    how: Cached,
) -> Result<Vec<crate::report::BgpPeer>, SnmpError> {
    let seen = &ctx.caches.bgp;
    let had_sessions = match seen.lookup(client.device, how.key, None, how.interval) {
        cache::Lookup::Fresh(had, _) if !*had => return Ok(Vec::new()),
        cache::Lookup::Fresh(had, _) | cache::Lookup::Stale(had, _, _) => *had,
        cache::Lookup::Missing => false,
    };
    let mut walked = bgp::Walked::default();
    let result = walk_in_groups(client, bgp::roots(vendor), |root, walk| {
        walked.columns.insert(root, walk.rows);
    })
    .await;
    let peers = match result {
        Ok(()) => bgp::build(&walked),
        // An agent that refuses the subtree has no BGP4-MIB either.
        Err(e @ SnmpError::Agent { .. }) => {
            if !had_sessions {
                seen.put(client.device, how.key, None, Arc::new(false));
            }
            return Err(e);
        }
        Err(e) => return Err(e),
    };
    if !peers.is_empty() {
        seen.put(client.device, how.key, None, Arc::new(true));
    } else if !had_sessions {
        seen.put(client.device, how.key, None, Arc::new(false));
    }
    Ok(peers)
}

/// How a cached table is kept for this device.
#[derive(Clone, Copy)]
struct Cached {
    key: u64,
    marker: Option<u64>,
    interval: std::time::Duration,
    /// The collector a background refresh's outcome is counted against:
    /// the one the target runs that reads the table (the ENTITY snapshot
    /// serves inventory, health and optics, and inventory may be off).
    collector: &'static str,
}

/// Which collector the ENTITY snapshot is read for first: inventory when
/// it runs, else health (sensor names), else optics (module places).
fn entity_reader(inventory: bool, health_names: bool) -> &'static str {
    if inventory {
        INVENTORY
    } else if health_names {
        HEALTH
    } else {
        OPTICS
    }
}

/// A table walked on its own interval and cached between.
trait CachedTable: Sized + Send + Sync + 'static {
    fn cache(caches: &cache::Caches) -> &cache::TableCache<Self>;
    /// Walks the table. An agent without its MIBs has an empty one.
    fn walk(client: &Client<'_>) -> impl std::future::Future<Output = Result<Self, SnmpError>> + Send;
}

impl CachedTable for entity::Entities {
    fn cache(caches: &cache::Caches) -> &cache::TableCache<Self> {
        &caches.entities
    }

    async fn walk(client: &Client<'_>) -> Result<Self, SnmpError> {
        let mut roots: Vec<Vec<u32>> = entity::COLUMNS
            .iter()
            .map(|c| [entity::ENT_PHYSICAL_ENTRY, &[*c]].concat())
            .collect();
        roots.push(entity::ENT_ALIAS_MAPPING_IDENTIFIER.to_vec());
        let mut columns: BTreeMap<u32, BTreeMap<value::Oid, Val>> = BTreeMap::new();
        let mut aliases = Vec::new();
        walk_in_groups(client, roots, |root, walk| {
            if root == entity::ENT_ALIAS_MAPPING_IDENTIFIER {
                aliases = walk.rows;
            } else if let Some(c) = root.last() {
                columns.insert(*c, walk.rows.into_iter().collect());
            }
        })
        .await
        .or_else(|e| match e {
            // An agent that refuses the subtree has no ENTITY-MIB.
            SnmpError::Agent { .. } => Ok(()),
            e => Err(e),
        })?;
        Ok(entity::build(&columns, &aliases))
    }
}

impl CachedTable for Vec<neighbors::Found> {
    fn cache(caches: &cache::Caches) -> &cache::TableCache<Self> {
        &caches.neighbors
    }

    async fn walk(client: &Client<'_>) -> Result<Self, SnmpError> {
        let mut walked = value::Walked::default();
        walk_in_groups(client, neighbors::roots(), |root, walk| {
            walked.columns.insert(root, walk.rows.into_iter().collect());
        })
        .await?;
        Ok(neighbors::build(&walked))
    }
}

/// A cached table as one poll has it: from the cache (with its age) or
/// walked now (age `None`).
struct Served<T> {
    value: Arc<T>,
    age: Option<f64>,
}

/// A cached table for this poll: served from the cache while fresh; when
/// stale (older than its interval, or its marker moved) served too, while a
/// background task walks it again; walked now when there is none.
async fn cached<T: CachedTable>(
    client: &Client<'_>,
    how: Cached,
    ctx: &SnmpContext<'_>,
) -> Result<Served<T>, SnmpError> {
    let cache = T::cache(ctx.caches);
    let (value, age) = match cache.lookup(client.device, how.key, how.marker, how.interval) {
        cache::Lookup::Fresh(value, age) => (value, age),
        cache::Lookup::Stale(value, age, refresh) => {
            if let Some(r) = refresh {
                refresh_in_background::<T>(client, how, ctx, r);
            }
            (value, age)
        }
        cache::Lookup::Missing => {
            let value = Arc::new(T::walk(client).await?);
            cache.put(client.device, how.key, how.marker, value.clone());
            return Ok(Served { value, age: None });
        }
    };
    Ok(Served {
        value,
        age: Some(age.as_secs_f64()),
    })
}

/// Walks `T` again on a task of its own, with its own client (the poll's
/// borrows end with the poll): the scrape that found it stale has answered
/// from the cache already. `refresh` is held until the walk ends, so one
/// refresh per device and table runs at a time.
fn refresh_in_background<T: CachedTable>(
    client: &Client<'_>,
    how: Cached,
    ctx: &SnmpContext<'_>,
    refresh: cache::Refresh,
) {
    let device = client.device.to_owned();
    let addr = client.addr;
    let settings = client.settings.clone();
    let (telemetry, engines, sockets, caches) = (
        ctx.telemetry.clone(),
        ctx.engines.clone(),
        ctx.sockets.clone(),
        ctx.caches.clone(),
    );
    let limits = ctx.limits;
    tokio::spawn(async move {
        let _refresh = refresh;
        let client = Client::new(&device, addr, &settings, &telemetry, &engines, &sockets, limits);
        let walked = tokio::time::timeout(cache::REFRESH_DEADLINE, T::walk(&client))
            .await
            .unwrap_or(Err(SnmpError::Deadline));
        match walked {
            Ok(value) => {
                T::cache(&caches).put(&device, how.key, how.marker, Arc::new(value));
                telemetry.event(Event::PollFinished {
                    device: &device,
                    collector: how.collector,
                    ok: true,
                });
            }
            // The stale rows stay served; the next scrape tries again.
            Err(e) => telemetry.event(Event::PollFailed {
                device: &device,
                collector: how.collector,
                reason: e.reason(),
                detail: &format!("background refresh: {e}"),
            }),
        }
    });
}

/// Walks what the health modules for this device ask for. A table the agent
/// does not have is simply empty; only a failing request fails the collector.
async fn health_walk(client: &Client<'_>, plan: &health::Plan) -> Result<health::Walked, SnmpError> {
    let mut walked = health::Walked::default();
    if plan.columns.is_empty() && plan.scalars.is_empty() {
        return Ok(walked);
    }
    walk_in_groups(client, plan.columns.iter().cloned().collect(), |root, walk| {
        walked.columns.insert(root, walk.rows.into_iter().collect());
    })
    .await?;
    for oid in &plan.scalars {
        // One GET each: SNMPv1 fails a whole GET over one unknown OID.
        match client.get(&[oid]).await {
            Ok(vbs) => walked.scalars.extend(vbs),
            Err(SnmpError::Agent { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(walked)
}

/// Walks the transceiver diagnostics tables for this device's vendor.
async fn optics_walk(client: &Client<'_>, roots: &[value::Oid]) -> Result<optics::Walked, SnmpError> {
    let mut walked = optics::Walked::default();
    if roots.is_empty() {
        return Ok(walked);
    }
    walk_in_groups(client, roots.to_vec(), |root, walk| {
        walked.columns.insert(root, walk.rows.into_iter().collect());
    })
    .await
    .or_else(|e| match e {
        // v1 agents answer a walk past their MIB view with noSuchName.
        SnmpError::Agent { .. } => Ok(()),
        e => Err(e),
    })?;
    Ok(walked)
}

/// Reads only the system group: is the device there, and what is it?
/// For `netgauge check --connect`.
pub async fn identify(
    target: &Target,
    settings: &SnmpSettings,
    deadline: Instant,
    ctx: &SnmpContext<'_>,
) -> Result<crate::report::DeviceInfo, SnmpError> {
    let deadline = tokio::time::Instant::from_std(deadline);
    let opened = timeout_at(deadline, open(target, settings, ctx))
        .await
        .unwrap_or(Err(SnmpError::Deadline));
    opened.map(|(_, sys)| sys.info)
}

/// Resolves the device and reads its system group: the first contact of every poll.
async fn open<'a>(
    target: &'a Target,
    settings: &'a SnmpSettings,
    ctx: &SnmpContext<'a>,
) -> Result<(Client<'a>, System), SnmpError> {
    let addr = resolve(&target.address.with_port(target.snmp_port().unwrap_or(settings.port))).await?;
    let client = Client::new(
        &target.name,
        addr,
        settings,
        ctx.telemetry,
        ctx.engines,
        ctx.sockets,
        ctx.limits,
    );
    let sys = system(&client).await?;
    Ok((client, sys))
}

fn run(collector: &'static str, started: Instant, success: bool) -> CollectorRun {
    CollectorRun {
        collector,
        duration: started.elapsed(),
        success,
    }
}

pub(crate) async fn resolve(host_port: &str) -> Result<SocketAddr, SnmpError> {
    let mut addrs = tokio::net::lookup_host(host_port)
        .await
        .map_err(|e| SnmpError::Network(format!("cannot resolve {host_port}: {e}")))?;
    addrs
        .next()
        .ok_or_else(|| SnmpError::Network(format!("{host_port} resolves to no address")))
}

struct System {
    info: crate::report::DeviceInfo,
    uptime_seconds: f64,
    sys_uptime_ticks: Option<u64>,
    /// entLastChangeTime and lldpStatsRemTablesLastChangeTime: when they
    /// move, the cached inventory or neighbors are walked again.
    entity_marker: Option<u64>,
    lldp_marker: Option<u64>,
}

async fn system(client: &Client<'_>) -> Result<System, SnmpError> {
    let mut oids: Vec<&[u32]> = vec![oids::SYS_DESCR, oids::SYS_OBJECT_ID, oids::SYS_UPTIME, oids::SYS_NAME];
    // v1 fails the whole GET if one OID is unknown, and old agents lack this one.
    if client.settings.version() != SnmpVersion::V1 {
        oids.extend([
            oids::SNMP_ENGINE_TIME,
            oids::ENT_LAST_CHANGE_TIME,
            oids::LLDP_REM_LAST_CHANGE,
            oids::LLDP_LOC_CHASSIS_ID_SUBTYPE,
            oids::LLDP_LOC_CHASSIS_ID,
        ]);
    }
    let vbs = client.get(&oids).await?;
    let find = |oid: &[u32]| {
        vbs.iter()
            .find(|(o, _)| o == oid)
            .map(|(_, v)| v)
            .filter(|v| !v.is_absent())
    };
    let descr = find(oids::SYS_DESCR).and_then(Val::as_text).unwrap_or_default();
    let name = find(oids::SYS_NAME).and_then(Val::as_text).unwrap_or_default();
    let object_id = match find(oids::SYS_OBJECT_ID) {
        Some(Val::Oid(o)) => o.clone(),
        _ => Vec::new(),
    };
    let ticks = find(oids::SYS_UPTIME).and_then(Val::as_u64);
    let engine_time = find(oids::SNMP_ENGINE_TIME).and_then(Val::as_u64);
    // sysUpTime wraps after 497 days; snmpEngineTime (seconds) does not. The larger is right.
    let uptime_seconds = match (ticks, engine_time) {
        (Some(t), Some(e)) => (t as f64 / 100.0).max(e as f64),
        (Some(t), None) => t as f64 / 100.0,
        (None, Some(e)) => e as f64,
        (None, None) => 0.0,
    };
    let mut info = system::device_info(&object_id, &descr, &name);
    if let Some(id) = find(oids::LLDP_LOC_CHASSIS_ID) {
        let subtype = find(oids::LLDP_LOC_CHASSIS_ID_SUBTYPE).and_then(Val::as_u64);
        info.chassis_id = neighbors::chassis_id(subtype, id);
    }
    Ok(System {
        info,
        uptime_seconds,
        sys_uptime_ticks: ticks,
        entity_marker: find(oids::ENT_LAST_CHANGE_TIME).and_then(Val::as_u64),
        lldp_marker: find(oids::LLDP_REM_LAST_CHANGE).and_then(Val::as_u64),
    })
}

/// Walks every IF-MIB column: `columns_per_request` columns per GETBULK,
/// `walk_concurrency` such walks at a time.
async fn walk_columns(client: &Client<'_>) -> Result<Tables, SnmpError> {
    let v1 = client.settings.version() == SnmpVersion::V1;
    let columns: Vec<Column> = Column::ALL.iter().copied().filter(|c| !(v1 && c.is_64bit())).collect();
    let by_oid: HashMap<Vec<u32>, Column> = columns.iter().map(|c| (c.oid(), *c)).collect();
    let mut tables: Tables = columns.iter().map(|c| (*c, BTreeMap::new())).collect();
    walk_in_groups(client, columns.iter().map(|c| c.oid()).collect(), |root, walk| {
        let Some(table) = by_oid.get(&root).and_then(|c| tables.get_mut(c)) else {
            return;
        };
        // ifTable and ifXTable are indexed by ifIndex alone.
        table.extend(walk.rows.into_iter().filter_map(|(index, val)| match index[..] {
            [i] => Some((i, val)),
            _ => None,
        }));
    })
    .await?;
    Ok(tables)
}

/// Walks `roots` in groups of `columns_per_request`, `walk_concurrency`
/// groups at a time, handing each root's walk to `take` as soon as its group
/// is done: a device's memory is then its tables as `take` keeps them, not
/// also every walk's raw rows until the last group answers.
async fn walk_in_groups(
    client: &Client<'_>,
    roots: Vec<Vec<u32>>,
    mut take: impl FnMut(Vec<u32>, client::Walk),
) -> Result<(), SnmpError> {
    let groups: Vec<Vec<Vec<u32>>> = roots
        .chunks(client.settings.columns_per_request.max(1))
        .map(<[_]>::to_vec)
        .collect();
    let mut results = stream::iter(groups)
        .map(|group| async move {
            let walks = client.walk_many(&group).await?;
            Ok::<_, SnmpError>(group.into_iter().zip(walks).collect::<Vec<_>>())
        })
        .buffer_unordered(client.settings.walk_concurrency);
    while let Some(r) = results.next().await {
        for (root, walk) in r? {
            take(root, walk);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_entity_refresh_is_not_counted_against_inventory_when_inventory_is_off() {
        assert_eq!(entity_reader(true, true), INVENTORY);
        assert_eq!(entity_reader(false, true), HEALTH);
        assert_eq!(entity_reader(false, false), OPTICS);
    }
}
