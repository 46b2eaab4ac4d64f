//! The UDP listener: each datagram is decoded, attributed to a target,
//! checked (community or USM), rate limited, acknowledged when it is an
//! inform, and turned into an alert change in the [`Book`](super::alerts::Book).
//!
//! One task owns the socket and does all of this inline: decoding and
//! matching cost microseconds, and one owner keeps each device's
//! notifications in the order they arrived (a linkUp never overtakes its
//! linkDown). The only wait is the on-demand poll of a device whose
//! ifIndex is not known yet, and that runs in its own task while the
//! device's later notifications queue behind it.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use super::alerts::{key, Raise};
use super::decode::{self, Kind, Notification};
use super::definitions::{value_text, Definition};
use super::sources::{community_ok, Buckets, Sources, Who};
use super::usm::{Usm, UsmOutcome};
use super::{unix_now, Shared};
use crate::collector::snmp::value::dotted;
use crate::config::{SnmpVersion, TrapsConfig};
use crate::state::{AppState, Live};
use crate::telemetry::{Event, TrapDrop};

/// Notifications held per device while its interfaces are polled.
const MAX_QUEUED: usize = 1000;
/// A device whose ifIndex was not found is polled for it at most this often.
const REPOLL_EVERY: Duration = Duration::from_secs(60);
/// Longest on-demand poll.
const ON_DEMAND_BUDGET: Duration = Duration::from_secs(10);
/// Inform request ids remembered per source, and sources remembered.
const RECENT_INFORMS: usize = 64;
const MAX_INFORM_SOURCES: usize = 10_000;
/// The raw varbinds annotation, at most.
const MAX_VARBINDS_TEXT: usize = 2000;

/// Runs until the process stops: binds `traps.listen` when the config has
/// a `traps:` section, and rebinds when a reload changes it.
pub async fn run(state: Arc<AppState>, shared: Arc<Shared>) {
    loop {
        // Not listening until bound (again, after a reload or a restart).
        shared.set_listening(false);
        let live = state.live();
        let Some(tc) = live.config.traps.clone() else {
            drop(live);
            tokio::time::sleep(Duration::from_secs(1)).await;
            continue;
        };
        let socket = match bind(tc.listen) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(address = %tc.listen, error = %e, "cannot listen for SNMP notifications (port 162 needs CAP_NET_BIND_SERVICE); retrying");
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        tracing::info!(address = %tc.listen, alertmanagers = tc.alertmanager_urls.len(), "receiving SNMP notifications");
        state.telemetry.traps_started();
        shared.set_listening(true);
        let (resume_tx, mut resume_rx) = mpsc::channel(256);
        let mut r = Receiver {
            sources: Sources::build(&live.config).await,
            buckets: Buckets::new(tc.rate_per_second, tc.burst),
            usm: Usm::new(shared.engine_id()),
            tc,
            live,
            state: state.clone(),
            shared: shared.clone(),
            queued: HashMap::new(),
            polled: HashMap::new(),
            resume_tx,
            informs: HashMap::new(),
        };
        let mut buf = vec![0u8; 65_536];
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                got = socket.recv_from(&mut buf) => match got {
                    Ok((n, from)) => r.handle(&buf[..n], from, &socket).await,
                    // ICMP errors from earlier sends surface here on some systems; keep going.
                    Err(e) => tracing::debug!(error = %e, "trap socket receive error"),
                },
                Some(device) = resume_rx.recv() => r.resume(&device),
                _ = tick.tick() => {
                    let now = state.live();
                    if !Arc::ptr_eq(&now.config, &r.live.config) {
                        match &now.config.traps {
                            Some(t) if t.listen == r.tc.listen => r.reconfigure(now).await,
                            // Turned off, or another address: start over,
                            // after what waits for a poll (acknowledged informs among it).
                            _ => {
                                r.flush_queued();
                                break;
                            }
                        }
                    }
                }
            }
        }
        tracing::info!("trap receiver reconfigured");
    }
}

/// A UDP socket with a receive buffer large enough for a burst (a core
/// switch reloading sends hundreds of linkDowns at once).
fn bind(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    let domain = socket2::Domain::for_address(addr);
    let s = socket2::Socket::new(domain, socket2::Type::DGRAM, Some(socket2::Protocol::UDP))?;
    if addr.is_ipv6() {
        // [::] takes IPv4 too, as IPv4-mapped addresses.
        let _ = s.set_only_v6(false);
    }
    let _ = s.set_recv_buffer_size(8 << 20);
    s.set_nonblocking(true)?;
    s.bind(&addr.into())?;
    UdpSocket::from_std(s.into())
}

struct Receiver {
    tc: TrapsConfig,
    live: Arc<Live>,
    state: Arc<AppState>,
    shared: Arc<Shared>,
    sources: Sources,
    buckets: Buckets,
    usm: Usm,
    /// Devices waiting for an on-demand poll, with what they sent meanwhile.
    queued: HashMap<String, VecDeque<(Option<usize>, Notification, IpAddr)>>,
    /// When each device was last polled on demand.
    polled: HashMap<String, Instant>,
    resume_tx: mpsc::Sender<String>,
    /// Request ids of the last informs from each source.
    informs: HashMap<IpAddr, VecDeque<i32>>,
}

impl Receiver {
    async fn reconfigure(&mut self, live: Arc<Live>) {
        let Some(tc) = live.config.traps.clone() else { return };
        self.sources = Sources::build(&live.config).await;
        self.buckets = Buckets::new(tc.rate_per_second, tc.burst);
        self.flush_queued();
        self.tc = tc;
        self.live = live;
    }

    /// Applies every notification waiting for an on-demand poll now, under
    /// the config it arrived with (they name targets by its indexes).
    fn flush_queued(&mut self) {
        let waiting: Vec<String> = self.queued.keys().cloned().collect();
        for device in waiting {
            self.resume(&device);
        }
    }

    fn dropped(&self, reason: TrapDrop, source: IpAddr, detail: &str) {
        self.state
            .telemetry
            .event(Event::TrapDropped { reason, source, detail });
    }

    async fn handle(&mut self, datagram: &[u8], from: SocketAddr, socket: &UdpSocket) {
        let ip = from.ip().to_canonical();
        let (n, who) = match decode::message_version(datagram) {
            Some(0 | 1) => {
                let n = match decode::decode_community(datagram) {
                    Ok(n) => n,
                    Err(e) => return self.dropped(TrapDrop::DecodeError, ip, &e.to_string()),
                };
                let who = self.sources.identify(ip, n.agent_addr);
                let target = match who {
                    Who::Target(i) => self.live.config.targets.get(i).map(|t| &**t),
                    Who::Stranger(_) => None,
                };
                if matches!(who, Who::Stranger(_)) && !self.tc.accept_unknown_sources {
                    return self.dropped(
                        TrapDrop::UnknownSource,
                        ip,
                        "no target has this address (trap_sources, traps.relays)",
                    );
                }
                if !community_ok(&self.tc, target, &n.credential) {
                    return self.dropped(TrapDrop::AuthFailure, ip, "wrong community");
                }
                (n, who)
            }
            Some(3) => {
                // USM needs the user first, so the sender is identified by its address alone.
                let who = self.sources.identify(ip, None);
                let target = match who {
                    Who::Target(i) => self.live.config.targets.get(i).cloned(),
                    Who::Stranger(_) => None,
                };
                if target.is_none() && !self.tc.accept_unknown_sources {
                    return self.dropped(TrapDrop::UnknownSource, ip, "no target has this address (trap_sources)");
                }
                match self.usm.receive(datagram, target.as_deref()) {
                    UsmOutcome::Notification(n, response) => {
                        if let Some(resp) = response {
                            if self.admitted(&who, ip) {
                                let _ = socket.send_to(&resp, from).await;
                                self.process(who, n, ip);
                            } else {
                                self.dropped(TrapDrop::RateLimited, ip, "over traps.rate_limit");
                            }
                            return;
                        }
                        (n, who)
                    }
                    UsmOutcome::Report(report) => {
                        // Engine discovery or an out-of-time inform: the sender
                        // learns and retries. Rate limited like everything a
                        // source sends: a spoofed source cannot bounce a flood off us.
                        if self.admitted(&who, ip) {
                            let _ = socket.send_to(&report, from).await;
                        }
                        return;
                    }
                    UsmOutcome::Dropped(reason, detail) => return self.dropped(reason, ip, &detail),
                }
            }
            Some(v) => return self.dropped(TrapDrop::DecodeError, ip, &format!("SNMP version {v} is not supported")),
            None => return self.dropped(TrapDrop::DecodeError, ip, "not an SNMP message"),
        };
        if !self.admitted(&who, ip) {
            return self.dropped(TrapDrop::RateLimited, ip, "over traps.rate_limit");
        }
        if n.kind == Kind::Inform && n.version != SnmpVersion::V3 {
            // Acknowledged once accepted: a sender that gets no Response retries.
            if let Some(resp) = decode::community_inform_response(datagram) {
                let _ = socket.send_to(&resp, from).await;
            }
        }
        self.process(who, n, ip);
    }

    fn device_name(&self, who: &Who) -> String {
        match who {
            Who::Target(i) => self
                .live
                .config
                .targets
                .get(*i)
                .map(|t| t.name.clone())
                .unwrap_or_default(),
            Who::Stranger(ip) => ip.to_string(),
        }
    }

    fn admitted(&mut self, who: &Who, _ip: IpAddr) -> bool {
        let device = self.device_name(who);
        self.buckets.admit(&device, Instant::now())
    }

    /// Whether `n` is an inform already processed: a sender whose
    /// Response was lost sends it again, and a linkDown re-sent after its
    /// linkUp must not fire again. Acknowledged either way.
    fn repeated_inform(&mut self, from: IpAddr, n: &Notification) -> bool {
        if n.kind != Kind::Inform {
            return false;
        }
        if !self.informs.contains_key(&from) && self.informs.len() >= MAX_INFORM_SOURCES {
            self.informs.clear();
        }
        let seen = self.informs.entry(from).or_default();
        if seen.contains(&n.request_id) {
            return true;
        }
        if seen.len() >= RECENT_INFORMS {
            seen.pop_front();
        }
        seen.push_back(n.request_id);
        false
    }

    fn process(&mut self, who: Who, n: Notification, from: IpAddr) {
        if self.repeated_inform(from, &n) {
            return;
        }
        let device = self.device_name(&who);
        let target = match who {
            Who::Target(i) => Some(i),
            Who::Stranger(_) => None,
        };
        let defs = self.live.config.trap_definitions.clone();
        let def = defs.lookup(&n.trap_oid);
        self.state.telemetry.event(Event::TrapReceived {
            device: &device,
            trap: def.map_or("other", |d| d.name.as_str()),
        });
        let Some(def) = def else { return };
        if let Some(q) = self.queued.get_mut(&device) {
            if q.len() < MAX_QUEUED {
                q.push_back((target, n, from));
            } else {
                // Applying it now would put it before the queued ones (a
                // linkUp overtaking its linkDown): dropped, and counted.
                self.dropped(
                    TrapDrop::RateLimited,
                    from,
                    "too many notifications waiting for the device's poll",
                );
            }
            return;
        }
        if let (Some(i), Some(t)) = (def.if_index(&n.varbinds), target) {
            if self.needs_poll(t, &device, i) {
                self.queued
                    .entry(device.clone())
                    .or_default()
                    .push_back((target, n, from));
                self.poll_on_demand(t, device);
                return;
            }
        }
        self.apply(target, &device, def, &n, from);
    }

    /// Whether the interface is unknown and a poll could tell.
    fn needs_poll(&self, target: usize, device: &str, if_index: u64) -> bool {
        let Some(t) = self.live.config.targets.get(target) else {
            return false;
        };
        t.snmp.is_some()
            && self.state.kept.directory.port(device, if_index).is_none()
            && self.polled.get(device).is_none_or(|at| at.elapsed() >= REPOLL_EVERY)
    }

    fn poll_on_demand(&mut self, target: usize, device: String) {
        self.polled.insert(device.clone(), Instant::now());
        let Some(t) = self.live.config.targets.get(target).cloned() else {
            return;
        };
        let live = self.live.clone();
        let tx = self.resume_tx.clone();
        let budget = live.config.global.scrape_timeout.min(ON_DEMAND_BUDGET);
        tokio::spawn(async move {
            tracing::debug!(device = %t.name, "polling a device for the interface its trap names");
            // The poll refreshes the directory on its way (and shares a poll in flight).
            let _ = live.poller.poll(&t, budget).await;
            let _ = tx.send(device).await;
        });
    }

    /// A device's on-demand poll finished: its queued notifications, in order.
    fn resume(&mut self, device: &str) {
        let Some(q) = self.queued.remove(device) else { return };
        let defs = self.live.config.trap_definitions.clone();
        for (target, n, from) in q {
            if let Some(def) = defs.lookup(&n.trap_oid) {
                self.apply(target, device, def, &n, from);
            }
        }
    }

    /// Raises or resolves the alerts `n` means.
    fn apply(&mut self, target: Option<usize>, device: &str, def: &Definition, n: &Notification, from: IpAddr) {
        let now = unix_now();
        let if_index = def.if_index(&n.varbinds);
        let labels = def.extract_labels(&n.varbinds);
        let defs = self.live.config.trap_definitions.clone();
        let mut book = self.shared.book();
        let mut changed = false;
        if def.severity.is_some() && def.is_recovery(&n.varbinds) {
            changed |= book.resolve(&key(device, &def.name, if_index, &labels), now) == super::alerts::Change::Resolved;
        }
        for c in &def.clears {
            let Some(cleared) = defs.get(c) else { continue };
            let own: Vec<(String, String)> = labels
                .iter()
                .filter(|(l, _)| cleared.labels.iter().any(|(n, _)| n == l))
                .cloned()
                .collect();
            let idx = if cleared.interface.is_some() { if_index } else { None };
            changed |= book.resolve(&key(device, c, idx, &own), now) == super::alerts::Change::Resolved;
        }
        if let (Some(severity), false) = (def.severity, def.is_recovery(&n.varbinds)) {
            let port = if_index.and_then(|i| self.state.kept.directory.port(device, i));
            let undescribed = port.as_ref().is_some_and(|p| p.description.is_empty());
            if def.interface.is_some() && undescribed && !self.tc.page_undescribed_interfaces {
                // Counted above; only ports an operator described page (as NetgaugeInterfaceDown).
                drop(book);
                return self.finish(changed);
            }
            let mut all = BTreeMap::new();
            if let Some(t) = target.and_then(|i| self.live.config.targets.get(i)) {
                for (k, v) in &t.labels {
                    all.insert(k.clone(), v.clone());
                }
            }
            all.insert("alertname".to_owned(), def.alertname().to_owned());
            all.insert("device".to_owned(), device.to_owned());
            all.insert("severity".to_owned(), severity.as_str().to_owned());
            all.insert("source".to_owned(), "trap".to_owned());
            all.insert("trap".to_owned(), def.name.clone());
            let interface = match (&port, if_index) {
                (Some(p), _) => Some(p.name.clone()),
                (None, Some(i)) => Some(format!("ifIndex {i}")),
                (None, None) => None,
            };
            if let Some(i) = &interface {
                all.insert("interface".to_owned(), i.clone());
            }
            for (k, v) in &labels {
                all.insert(k.clone(), v.clone());
            }
            let mut annotations = BTreeMap::new();
            let summary = def
                .summary
                .clone()
                .unwrap_or_else(|| format!("{{device}}: {}", def.name));
            annotations.insert("summary".to_owned(), fill(&summary, &all));
            if let Some(p) = port.as_ref().filter(|p| !p.description.is_empty()) {
                annotations.insert("description".to_owned(), p.description.clone());
            }
            annotations.insert("varbinds".to_owned(), varbinds_text(n));
            annotations.insert("sender".to_owned(), from.to_string());
            let k = key(device, &def.name, if_index, &labels);
            let outcome = book.raise(
                Raise {
                    key: k.clone(),
                    labels: all,
                    annotations,
                    device: device.to_owned(),
                    if_index,
                    resolve_when_oper_up: def.resolve_when_oper_up,
                },
                now,
                self.tc.ttl.as_secs_f64(),
            );
            if outcome == super::alerts::Change::Full {
                drop(book);
                self.dropped(
                    TrapDrop::AlertLimit,
                    from,
                    "10,000 trap alerts are firing; this one was not kept",
                );
                return self.finish(changed);
            }
            let flaps = book.flaps(&k);
            book.annotate(&k, "flaps", flaps.to_string());
            changed = true;
        }
        drop(book);
        self.finish(changed);
    }

    fn finish(&self, changed: bool) {
        if changed {
            self.shared.changed();
        }
    }
}

/// `{name}` placeholders filled from the alert's labels.
fn fill(template: &str, labels: &BTreeMap<String, String>) -> String {
    let mut out = template.to_owned();
    for (k, v) in labels {
        out = out.replace(&format!("{{{k}}}"), v);
    }
    out
}

/// The varbinds as `oid = value` lines, bounded.
fn varbinds_text(n: &Notification) -> String {
    let mut out = String::new();
    for (oid, val) in &n.varbinds {
        let line = format!(
            "{} = {}\n",
            dotted(oid),
            value_text(val).unwrap_or_else(|| format!("{val:?}"))
        );
        if out.len() + line.len() > MAX_VARBINDS_TEXT {
            out.push('…');
            break;
        }
        out.push_str(&line);
    }
    out.trim_end().to_owned()
}
