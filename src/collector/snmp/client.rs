//! SNMP requests with timeouts, retries and walks, on top of `snmp2`.
//!
//! SNMPv1/v2c requests go through [`super::community`] (small buffers;
//! replies to earlier requests are skipped and counted). SNMPv3 goes
//! through `snmp2`'s session, which neither retries nor skips late replies
//! (a reply to a timed-out request surfaces as a request-ID mismatch on the
//! next one), so a v3 session that timed out is dropped with its socket and
//! the retry goes out on a fresh one. Every v3 session starts from the
//! engine that [`super::engine`] discovered for the device, once, so polls
//! after the first skip engine discovery.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::time::Duration;

use snmp2::v3;
use snmp2::AsyncSession;

use super::community::{CommunitySession, Request};
use super::engine::{self, EngineCache};
use super::value::{dotted, oid_arcs, Oid, Val};
use crate::config::{
    AuthProtocol, PrivProtocol, SecurityLevel, SnmpCredentials, SnmpSettings, SnmpVersion, V3Credentials,
};
use crate::telemetry::{Anomaly, Event, FailureReason, Telemetry};

/// Why an SNMP operation failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SnmpError {
    #[error("no reply after {attempts} attempt(s) of {timeout:?}")]
    Timeout { attempts: u32, timeout: Duration },
    #[error("scrape deadline reached")]
    Deadline,
    #[error("SNMPv3 authentication failed: {0}")]
    Auth(String),
    #[error("cannot decode reply: {0}")]
    Decode(String),
    #[error("agent returned error-status {status} ({}) at varbind {index}", status_name(*status))]
    Agent { status: u32, index: u32 },
    #[error("{0}")]
    Network(String),
}

impl SnmpError {
    pub fn reason(&self) -> FailureReason {
        match self {
            SnmpError::Timeout { .. } | SnmpError::Deadline => FailureReason::Timeout,
            SnmpError::Auth(_) => FailureReason::AuthFailure,
            SnmpError::Decode(_) => FailureReason::DecodeError,
            SnmpError::Agent { .. } => FailureReason::AgentError,
            SnmpError::Network(_) => FailureReason::NetworkError,
        }
    }
}

fn status_name(s: u32) -> &'static str {
    match s {
        1 => "tooBig",
        2 => "noSuchName",
        3 => "badValue",
        4 => "readOnly",
        5 => "genErr",
        6 => "noAccess",
        16 => "authorizationError",
        _ => "other",
    }
}

fn classify(e: snmp2::Error, version: SnmpVersion) -> SnmpError {
    match e {
        snmp2::Error::AuthFailure(k) => SnmpError::Auth(k.to_string()),
        // An SNMPv3 agent answers bad credentials with a Report PDU instead of a Response.
        snmp2::Error::AsnWrongType if version == SnmpVersion::V3 => SnmpError::Auth(
            "agent sent a Report instead of a Response (unknown user, wrong password or wrong protocol)".into(),
        ),
        snmp2::Error::Send | snmp2::Error::Receive => SnmpError::Network(format!("socket error: {e}")),
        snmp2::Error::Crypto(m) => SnmpError::Auth(format!("crypto: {m}")),
        other => SnmpError::Decode(other.to_string()),
    }
}

/// A reply, owned.
#[derive(Debug)]
pub struct Reply {
    pub error_status: u32,
    pub error_index: u32,
    pub varbinds: Vec<(Oid, Val)>,
}

impl Reply {
    pub(crate) fn from_pdu(pdu: &snmp2::Pdu<'_>) -> Result<Reply, snmp2::Error> {
        let mut varbinds = Vec::new();
        for (oid, v) in pdu.varbinds.clone() {
            let arcs = oid_arcs(&oid).ok_or(snmp2::Error::AsnParse)?;
            varbinds.push((arcs, Val::from_snmp(&v)));
        }
        Ok(Reply {
            error_status: pdu.error_status,
            error_index: pdu.error_index,
            varbinds,
        })
    }
}

enum Op<'a> {
    Get(&'a [&'a [u32]]),
    GetNext(&'a [u32]),
    /// GETBULK of several columns at once: `max_repetitions` rows of each.
    GetBulk(&'a [&'a [u32]], u32),
}

fn to_snmp_oid(arcs: &[u32]) -> Result<snmp2::Oid<'static>, snmp2::Error> {
    let wide: Vec<u64> = arcs.iter().map(|&a| u64::from(a)).collect();
    snmp2::Oid::from(&wide).map_err(|_| snmp2::Error::AsnParse)
}

/// An open session: community-based (our own transport, see [`super::community`])
/// or SNMPv3 (snmp2's, which does the USM security).
enum Session {
    Community(CommunitySession),
    /// Boxed: a v3 session is large, and most sessions are community ones.
    Usm(Box<AsyncSession>, engine::Started),
}

async fn send(s: &mut Session, op: &Op<'_>) -> Result<Reply, snmp2::Error> {
    match s {
        Session::Community(c) => {
            let req = match op {
                Op::Get(oids) => Request::Get(oids),
                Op::GetNext(oid) => Request::GetNext(oid),
                Op::GetBulk(oids, n) => Request::GetBulk(oids, *n),
            };
            c.send(&req).await
        }
        Session::Usm(a, _) => send_usm(a, op).await,
    }
}

async fn send_usm(s: &mut AsyncSession, op: &Op<'_>) -> Result<Reply, snmp2::Error> {
    match op {
        Op::Get(oids) => {
            let owned = oids.iter().map(|o| to_snmp_oid(o)).collect::<Result<Vec<_>, _>>()?;
            let refs: Vec<&snmp2::Oid<'_>> = owned.iter().collect();
            Reply::from_pdu(&s.get_many(&refs).await?)
        }
        Op::GetNext(oid) => Reply::from_pdu(&s.getnext(&to_snmp_oid(oid)?).await?),
        Op::GetBulk(oids, n) => {
            let owned = oids.iter().map(|o| to_snmp_oid(o)).collect::<Result<Vec<_>, _>>()?;
            let refs: Vec<&snmp2::Oid<'_>> = owned.iter().collect();
            Reply::from_pdu(&s.getbulk(&refs, 0, *n).await?)
        }
    }
}

/// The state of a poll's SNMPv3 engine discovery.
#[derive(Default)]
pub enum Discovery {
    #[default]
    NotYet,
    Found(Box<v3::Security>),
    Failed(SnmpError),
}

/// Request IDs start at a different point per process so that two netgauge
/// restarts do not reuse each other's IDs against the same agent.
fn next_request_id() -> i32 {
    static NEXT: AtomicI32 = AtomicI32::new(0);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as i32 & 0x3fff_ffff)
        .unwrap_or(1);
    let _ = NEXT.compare_exchange(0, seed.max(1), Ordering::Relaxed, Ordering::Relaxed);
    NEXT.fetch_add(1 << 16, Ordering::Relaxed) & 0x7fff_ffff
}

/// One device's SNMP endpoint, for the duration of one poll.
pub struct Client<'a> {
    pub device: &'a str,
    pub addr: SocketAddr,
    pub settings: &'a SnmpSettings,
    pub telemetry: &'a Telemetry,
    /// The device's SNMPv3 engine, discovered once and kept between polls.
    pub engines: &'a EngineCache,
    /// This poll's engine discovery, made once: the parallel requests of a
    /// first poll wait for it instead of each making their own, and share
    /// its failure too (a dead v3 device would otherwise cost one full
    /// discovery per waiting request).
    pub discovery: tokio::sync::Mutex<Discovery>,
    /// Caps SNMP requests in flight process-wide: each holds a socket (and,
    /// for SNMPv3, an snmp2 session with 128 KiB of buffers), and thousands
    /// of devices × parallel walks would otherwise hold them all at once.
    pub sockets: &'a tokio::sync::Semaphore,
    /// Requests sent and re-sent, reported to telemetry once, on drop.
    pub sent: AtomicU64,
    pub retried: AtomicU64,
    /// What this poll may collect, and what it has so far.
    pub limits: Limits,
    pub collected: Collected,
}

/// Bounds on what one poll collects: an agent whose table never ends (or
/// that answers every GETBULK with a new row) must cost bounded memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_rows_per_table: usize,
    pub max_bytes_per_device: usize,
}

impl Limits {
    pub fn of(g: &crate::config::Global) -> Limits {
        Limits {
            max_rows_per_table: g.max_rows_per_table,
            max_bytes_per_device: g.max_bytes_per_device,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::of(&crate::config::Global::default())
    }
}

/// Bytes one poll has collected, and whether it already hit its limit
/// (reported once per poll, not once per column).
#[derive(Default)]
pub struct Collected {
    bytes: AtomicU64,
    over: std::sync::atomic::AtomicBool,
}

/// About what a row costs held in memory: its index, its value, and the
/// vectors' own headers.
fn row_bytes(index: &[u32], val: &Val) -> u64 {
    let value = match val {
        Val::Str(b) | Val::Opaque(b) => b.len(),
        Val::Oid(o) => o.len() * 4,
        _ => 8,
    };
    (index.len() * 4 + value + 56) as u64
}

impl Drop for Client<'_> {
    fn drop(&mut self) {
        let (sent, retried) = (*self.sent.get_mut(), *self.retried.get_mut());
        if sent > 0 {
            self.telemetry.event(Event::SnmpRequests {
                device: self.device,
                sent,
                retried,
            });
        }
    }
}

/// The rows of one walked subtree, in agent order.
#[derive(Debug, Default)]
pub struct Walk {
    /// (the OID's arcs after the walked root, value): the root is not
    /// repeated in every row, which at thousands of devices is memory.
    pub rows: Vec<(Oid, Val)>,
    /// The agent returned an OID not after the previous one; the walk stopped there.
    pub non_increasing: bool,
    /// A limit on what one poll collects stopped the walk (the rows so far are kept).
    pub truncated: bool,
}

impl<'a> Client<'a> {
    /// A client for one poll (or one background refresh) of `device`.
    pub fn new(
        device: &'a str,
        addr: SocketAddr,
        settings: &'a SnmpSettings,
        telemetry: &'a Telemetry,
        engines: &'a EngineCache,
        sockets: &'a tokio::sync::Semaphore,
        limits: Limits,
    ) -> Self {
        Client {
            device,
            addr,
            settings,
            telemetry,
            engines,
            discovery: Default::default(),
            sockets,
            sent: Default::default(),
            retried: Default::default(),
            limits,
            collected: Default::default(),
        }
    }

    fn count_request(&self, retry: bool) {
        self.sent.fetch_add(1, Ordering::Relaxed);
        if retry {
            self.retried.fetch_add(1, Ordering::Relaxed);
        }
    }

    async fn socket(&self) -> Result<tokio::sync::SemaphorePermit<'_>, SnmpError> {
        self.sockets
            .acquire()
            .await
            .map_err(|_| SnmpError::Network("shutting down".into()))
    }

    fn engine_key(&self) -> String {
        format!("{}@{}", self.device, self.addr)
    }

    fn version(&self) -> SnmpVersion {
        self.settings.version()
    }

    async fn open(&self) -> Result<Session, SnmpError> {
        let net = |e: std::io::Error| SnmpError::Network(format!("cannot open UDP socket: {e}"));
        match &self.settings.credentials {
            SnmpCredentials::V1 { community } | SnmpCredentials::V2c { community } => {
                let v1 = self.version() == SnmpVersion::V1;
                CommunitySession::open(self.addr, v1, community.expose().as_bytes(), next_request_id())
                    .await
                    .map(Session::Community)
                    .map_err(net)
            }
            SnmpCredentials::V3(c) => {
                let (security, from_cache) = match self.engines.get(&self.engine_key()) {
                    Some(known) => (known, true),
                    None => {
                        let mut discovery = self.discovery.lock().await;
                        let found = match &*discovery {
                            Discovery::Found(found) => Ok((**found).clone()),
                            Discovery::Failed(e) => Err(e.clone()),
                            Discovery::NotYet => {
                                let result = self.discover(c).await;
                                *discovery = match &result {
                                    Ok(found) => Discovery::Found(Box::new(found.clone())),
                                    Err(e) => Discovery::Failed(e.clone()),
                                };
                                result
                            }
                        };
                        (found?, false)
                    }
                };
                let started = engine::Started::new(&security, from_cache, c.level == SecurityLevel::NoAuthNoPriv);
                AsyncSession::new_v3(self.addr, next_request_id(), security)
                    .await
                    .map(|s| Session::Usm(Box::new(s), started))
                    .map_err(net)
            }
        }
    }

    /// Learns the device's engine (ID, boots, time). It is kept for later
    /// polls once a request made with it has been answered.
    async fn discover(&self, c: &V3Credentials) -> Result<v3::Security, SnmpError> {
        let attempts = self.settings.retries + 1;
        let mut security = security(c);
        for attempt in 0..attempts {
            self.count_request(attempt > 0);
            let sent = engine::discover(self.addr, next_request_id(), &mut security);
            match tokio::time::timeout(self.settings.timeout, sent).await {
                Ok(Ok(())) => return Ok(security),
                Ok(Err(e)) => return Err(classify(e, SnmpVersion::V3)),
                Err(_) => continue,
            }
        }
        Err(SnmpError::Timeout {
            attempts,
            timeout: self.settings.timeout,
        })
    }

    async fn request(&self, session: &mut Option<Session>, op: Op<'_>) -> Result<Reply, SnmpError> {
        let attempts = self.settings.retries + 1;
        let mut attempt = 0;
        let mut resynced = false;
        // The refusal that made us discover the engine again, reported if that fails too.
        let mut refused: Option<SnmpError> = None;
        while attempt < attempts {
            let s = match session {
                Some(s) => s,
                None => match self.open().await {
                    Ok(opened) => session.insert(opened),
                    Err(e) => return Err(refused.unwrap_or(e)),
                },
            };
            self.count_request(attempt > 0);
            let result = tokio::time::timeout(self.settings.timeout, send(s, &op)).await;
            if let Session::Community(c) = s {
                if c.late_replies > 0 {
                    self.telemetry.event(Event::Anomaly {
                        device: self.device,
                        kind: Anomaly::LateReply,
                        count: std::mem::take(&mut c.late_replies),
                        detail: "reply to an earlier request",
                    });
                }
                if c.undecodable > 0 {
                    self.telemetry.event(Event::Anomaly {
                        device: self.device,
                        kind: Anomaly::UndecodableReply,
                        count: std::mem::take(&mut c.undecodable),
                        detail: "datagram that is not an SNMP message, skipped",
                    });
                }
            }
            match result {
                Ok(Ok(reply)) => {
                    if let Session::Usm(_, started) = s {
                        if let Some(engine) = started.to_keep.take() {
                            self.engines.put(&self.engine_key(), *engine);
                        }
                    }
                    return Ok(reply);
                }
                // The agent corrected our idea of its engine (it rebooted, or its
                // clock jumped): send again once, at no retry cost, and let the
                // next session discover it afresh rather than repeat this.
                Ok(Err(snmp2::Error::AuthUpdated)) if !resynced => {
                    if let Session::Usm(_, started) = s {
                        self.engines.forget_if(&self.engine_key(), started);
                    }
                    resynced = true;
                }
                // snmp2's v3 session gives up on a datagram it cannot parse:
                // count it and ask again (one retry), rather than fail the request.
                Ok(Err(
                    snmp2::Error::AsnParse
                    | snmp2::Error::AsnInvalidLen
                    | snmp2::Error::AsnEof
                    | snmp2::Error::AsnUnsupportedType
                    | snmp2::Error::AsnIntOverflow,
                )) if matches!(s, Session::Usm(..)) && attempt + 1 < attempts => {
                    self.telemetry.event(Event::Anomaly {
                        device: self.device,
                        kind: Anomaly::UndecodableReply,
                        count: 1,
                        detail: "datagram that is not an SNMP message; asked again",
                    });
                    *session = None;
                    attempt += 1;
                }
                Ok(Err(snmp2::Error::RequestIdMismatch)) => {
                    self.telemetry.event(Event::Anomaly {
                        device: self.device,
                        kind: Anomaly::LateReply,
                        count: 1,
                        detail: "reply to an earlier request",
                    });
                    *session = None;
                    attempt += 1;
                }
                Ok(Err(e)) => {
                    let kept_engine = match s {
                        Session::Usm(_, started) if started.from_cache => Some(started.clone()),
                        _ => None,
                    };
                    *session = None;
                    let e = classify(e, self.version());
                    if let (SnmpError::Auth(_), Some(started), None) = (&e, kept_engine, &refused) {
                        // The engine we kept may no longer be the agent's (it
                        // was replaced, or re-keyed, under the same address):
                        // discover it and ask once more before failing. An
                        // engine discovered in this poll is not doubted.
                        self.engines.forget_if(&self.engine_key(), &started);
                        refused = Some(e);
                        continue;
                    }
                    return Err(e);
                }
                Err(_elapsed) => {
                    // Drop the socket so a late reply cannot be mistaken for the next answer.
                    *session = None;
                    attempt += 1;
                }
            }
        }
        Err(SnmpError::Timeout {
            attempts,
            timeout: self.settings.timeout,
        })
    }

    /// GET of several scalars in one PDU.
    pub async fn get(&self, oids: &[&[u32]]) -> Result<Vec<(Oid, Val)>, SnmpError> {
        let reply = self.get_reply(oids).await?;
        if reply.error_status != 0 {
            return Err(SnmpError::Agent {
                status: reply.error_status,
                index: reply.error_index,
            });
        }
        Ok(reply.varbinds)
    }

    /// GET of several OIDs in one PDU; the reply as it came, error status included.
    pub async fn get_reply(&self, oids: &[&[u32]]) -> Result<Reply, SnmpError> {
        let _socket = self.socket().await?;
        let mut session = None;
        let reply = self.request(&mut session, Op::Get(oids)).await?;
        Ok(reply)
    }

    /// Walks the subtree under `root`: GETBULK for v2c/v3, GETNEXT for v1.
    pub async fn walk(&self, root: &[u32]) -> Result<Walk, SnmpError> {
        let mut walks = self.walk_many(&[root.to_vec()]).await?;
        Ok(walks.pop().unwrap_or_default())
    }

    /// Walks several subtrees (table columns) together: one GETBULK carries
    /// the next rows of every column still going, so a table of C columns
    /// costs about rows / max_repetitions round trips instead of C times that.
    /// SNMPv1 has no GETBULK: its columns are walked one after the other.
    pub async fn walk_many(&self, roots: &[Oid]) -> Result<Vec<Walk>, SnmpError> {
        let _socket = self.socket().await?;
        let mut session = None;
        let mut walks: Vec<Walk> = roots.iter().map(|_| Walk::default()).collect();
        if self.version() == SnmpVersion::V1 {
            for (root, walk) in roots.iter().zip(&mut walks) {
                self.walk_v1(&mut session, root, walk).await?;
            }
        } else {
            self.walk_bulk(&mut session, roots, &mut walks).await?;
        }
        Ok(walks)
    }

    async fn walk_v1(&self, session: &mut Option<Session>, root: &[u32], walk: &mut Walk) -> Result<(), SnmpError> {
        let mut cursor: Oid = root.to_vec();
        loop {
            let reply = self.request(session, Op::GetNext(&cursor)).await?;
            match reply.error_status {
                0 => {}
                // v1 signals the end of the MIB view this way.
                2 => return Ok(()),
                status => {
                    return Err(SnmpError::Agent {
                        status,
                        index: reply.error_index,
                    })
                }
            }
            let Some((oid, val)) = reply.varbinds.into_iter().next() else {
                return Ok(());
            };
            match self.accept(root, &cursor, &oid, &val, walk) {
                Step::Take => {
                    cursor.clone_from(&oid);
                    walk.rows.push((index_after(oid, root.len()), val));
                }
                Step::Done => return Ok(()),
            }
        }
    }

    async fn walk_bulk(
        &self,
        session: &mut Option<Session>,
        roots: &[Oid],
        walks: &mut [Walk],
    ) -> Result<(), SnmpError> {
        let mut cursors: Vec<Oid> = roots.to_vec();
        let mut done = vec![false; roots.len()];
        let mut max_rep = self.settings.max_repetitions;
        loop {
            let active: Vec<usize> = (0..roots.len()).filter(|i| !done[*i]).collect();
            if active.is_empty() {
                return Ok(());
            }
            let oids: Vec<&[u32]> = active.iter().map(|i| cursors[*i].as_slice()).collect();
            let reply = self.request(session, Op::GetBulk(&oids, max_rep)).await?;
            match reply.error_status {
                0 => {}
                // The answer would not fit in one datagram: ask for fewer rows.
                1 if max_rep > 1 => {
                    max_rep = (max_rep / 2).max(1);
                    continue;
                }
                status => {
                    return Err(SnmpError::Agent {
                        status,
                        index: reply.error_index,
                    })
                }
            }
            if reply.varbinds.is_empty() {
                return Ok(());
            }
            // Varbinds come row by row: the k-th belongs to the (k mod active)-th column.
            // An agent may send fewer rows than asked: the rest is asked for next time.
            let mut progressed = false;
            for (k, (oid, val)) in reply.varbinds.into_iter().enumerate() {
                let i = active[k % active.len()];
                if done[i] {
                    continue;
                }
                match self.accept(&roots[i], &cursors[i], &oid, &val, &mut walks[i]) {
                    Step::Take => {
                        // The decoded OID becomes the row's index in place, and the
                        // cursor reuses its own buffer: no allocation per varbind
                        // beyond the decode (this loop sees every value of a walk).
                        cursors[i].clone_from(&oid);
                        walks[i].rows.push((index_after(oid, roots[i].len()), val));
                        progressed = true;
                    }
                    Step::Done => {
                        done[i] = true;
                        progressed = true;
                    }
                }
            }
            if !progressed {
                return Ok(());
            }
        }
    }

    /// Whether a returned varbind continues its column's walk.
    fn accept(&self, root: &[u32], cursor: &[u32], oid: &[u32], val: &Val, walk: &mut Walk) -> Step {
        if *val == Val::EndOfMibView || !oid.starts_with(root) {
            return Step::Done;
        }
        if walk.rows.len() >= self.limits.max_rows_per_table {
            walk.truncated = true;
            self.telemetry.event(Event::Anomaly {
                device: self.device,
                kind: Anomaly::WalkLimit,
                count: 1,
                detail: &format!(
                    "{} has more than {} rows (global.max_rows_per_table); the walk stopped there",
                    dotted(root),
                    self.limits.max_rows_per_table
                ),
            });
            return Step::Done;
        }
        let bytes = self
            .collected
            .bytes
            .fetch_add(row_bytes(&oid[root.len()..], val), Ordering::Relaxed);
        if bytes > self.limits.max_bytes_per_device as u64 {
            walk.truncated = true;
            if !self.collected.over.swap(true, Ordering::Relaxed) {
                self.telemetry.event(Event::Anomaly {
                    device: self.device,
                    kind: Anomaly::WalkLimit,
                    count: 1,
                    detail: &format!(
                        "this poll collected more than {} bytes (global.max_bytes_per_device); its walks stopped",
                        self.limits.max_bytes_per_device
                    ),
                });
            }
            return Step::Done;
        }
        if oid <= cursor {
            // Tolerated when asked to, but an OID seen before would loop forever.
            let index = &oid[root.len()..];
            if self.settings.allow_nonincreasing_oids && !walk.rows.iter().any(|(seen, _)| seen == index) {
                return Step::Take;
            }
            walk.non_increasing = true;
            self.telemetry.event(Event::Anomaly {
                device: self.device,
                kind: Anomaly::NonIncreasingOid,
                count: 1,
                detail: &format!("{} after {}", dotted(oid), dotted(cursor)),
            });
            return Step::Done;
        }
        Step::Take
    }
}

enum Step {
    Take,
    Done,
}

/// `oid` without its first `root_len` arcs, in `oid`'s own allocation
/// (shrunk: walks keep their rows until the poll ends).
fn index_after(mut oid: Oid, root_len: usize) -> Oid {
    oid.drain(..root_len.min(oid.len()));
    oid.shrink_to_fit();
    oid
}

fn security(c: &V3Credentials) -> v3::Security {
    let auth_protocol = match c.auth_protocol {
        AuthProtocol::Md5 => v3::AuthProtocol::Md5,
        AuthProtocol::Sha => v3::AuthProtocol::Sha1,
        AuthProtocol::Sha224 => v3::AuthProtocol::Sha224,
        AuthProtocol::Sha256 => v3::AuthProtocol::Sha256,
        AuthProtocol::Sha384 => v3::AuthProtocol::Sha384,
        AuthProtocol::Sha512 => v3::AuthProtocol::Sha512,
    };
    let (cipher, extension) = match c.priv_protocol {
        PrivProtocol::Des => (v3::Cipher::Des, None),
        PrivProtocol::Aes => (v3::Cipher::Aes128, None),
        PrivProtocol::Aes192 => (v3::Cipher::Aes192, Some(v3::KeyExtension::Blumenthal)),
        PrivProtocol::Aes256 => (v3::Cipher::Aes256, Some(v3::KeyExtension::Blumenthal)),
        PrivProtocol::Aes192C => (v3::Cipher::Aes192, Some(v3::KeyExtension::Reeder)),
        PrivProtocol::Aes256C => (v3::Cipher::Aes256, Some(v3::KeyExtension::Reeder)),
    };
    let auth = match c.level {
        SecurityLevel::NoAuthNoPriv => v3::Auth::NoAuthNoPriv,
        SecurityLevel::AuthNoPriv => v3::Auth::AuthNoPriv,
        SecurityLevel::AuthPriv => v3::Auth::AuthPriv {
            cipher,
            privacy_password: c.priv_password.expose().as_bytes().to_vec(),
        },
    };
    let mut s = v3::Security::new(c.username.as_bytes(), c.auth_password.expose().as_bytes())
        .with_auth_protocol(auth_protocol)
        .with_auth(auth)
        .with_context_name(&c.context_name);
    if let (Some(ext), SecurityLevel::AuthPriv) = (extension, c.level) {
        s = s.with_key_extension_method(ext);
    }
    s
}
