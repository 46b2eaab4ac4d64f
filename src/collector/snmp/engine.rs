//! SNMPv3 engines: discovering an agent's engine (RFC 3414 §4) and
//! remembering it between polls.
//!
//! Discovery is an unauthenticated request that the agent answers with a
//! Report carrying its engine ID, boots and time. `snmp2` reads that Report
//! into a [`v3::Security`], localizes the user's keys to the engine (a
//! megabyte of hashing per password) and from then on advances the engine
//! time by its own clock. Keeping that `Security` per device lets every
//! later poll open its sessions already synchronized: no discovery round
//! trip, no key localization, and a few hundred bytes per device kept
//! between scrapes where keeping whole `snmp2` sessions held 128 KiB of
//! buffers each (500 MB at 2,000 devices).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use snmp2::v3;

use super::community::{connected_socket, int_bytes, receive, tlv};

/// Discovered engines by device (and address), ready to start sessions from.
#[derive(Default)]
pub struct EngineCache {
    engines: Mutex<HashMap<String, Known>>,
}

struct Known {
    security: v3::Security,
    learned: Instant,
    used: Instant,
}

/// An engine no poll has asked for in this long is dropped when another is
/// learned: `/snmp` with `--snmp.allow-any-target` may be asked about any
/// number of hosts, and one-off ones should not stay forever.
const UNUSED_FOR: Duration = Duration::from_secs(3600);

impl EngineCache {
    /// The engine as it should be now: its time moved on by the time since
    /// it was learned. snmp2 checks each reply's engine time against the last
    /// one it knows, with a 150 s window, so a copy left at the time of
    /// discovery would fail every poll once the window had passed.
    pub fn get(&self, key: &str) -> Option<v3::Security> {
        self.get_at(key, Instant::now())
    }

    fn get_at(&self, key: &str, now: Instant) -> Option<v3::Security> {
        let mut engines = self.engines.lock().ok()?;
        let known = engines.get_mut(key)?;
        known.used = now;
        let elapsed = now.saturating_duration_since(known.learned).as_secs();
        let time = known
            .security
            .engine_time()
            .saturating_add(i64::try_from(elapsed).unwrap_or(i64::MAX));
        let boots = known.security.engine_boots();
        Some(known.security.clone().with_engine_boots_and_time(boots, time))
    }

    /// Keeps `security` for `key` unless an engine is kept for it already
    /// (every session of a first poll offers the same one).
    pub fn put(&self, key: &str, security: v3::Security) {
        self.put_at(key, security, Instant::now());
    }

    fn put_at(&self, key: &str, security: v3::Security, now: Instant) {
        if let Ok(mut engines) = self.engines.lock() {
            if engines.contains_key(key) {
                return;
            }
            engines.retain(|_, k| now.saturating_duration_since(k.used) < UNUSED_FOR);
            let known = Known {
                security,
                learned: now,
                used: now,
            };
            engines.insert(key.to_owned(), known);
        }
    }

    /// The agent disagreed with the engine a session started from (it
    /// rebooted, or its engine changed): the next session discovers it
    /// again. Only if the kept engine is still that one: a session that
    /// started before a rediscovery must not throw away the new engine.
    pub fn forget_if(&self, key: &str, started: &Started) {
        if let Ok(mut engines) = self.engines.lock() {
            if engines.get(key).is_some_and(|k| started.is(&k.security)) {
                engines.remove(key);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.engines.lock().map(|e| e.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Which engine a session started from.
#[derive(Debug, Clone)]
pub struct Started {
    /// From the cache (learned in an earlier poll), not discovered in this one.
    pub from_cache: bool,
    engine_id: Vec<u8>,
    boots: i64,
    /// An engine discovered in this poll, to keep once a request made with
    /// it is answered: a wrong password or user then never fills the cache
    /// (nor costs a rediscovery on every later poll).
    pub to_keep: Option<Box<v3::Security>>,
}

impl Started {
    pub fn new(security: &v3::Security, from_cache: bool, no_auth: bool) -> Self {
        // An agent may leave boots and time out of its discovery Report, to be
        // learned from the refusal of the first authenticated request. snmp2
        // learns them inside the session and cannot hand them back, so such
        // an engine is not kept: each session synchronizes itself, as it
        // would without the cache.
        let complete = security.engine_boots() > 0 || no_auth;
        Started {
            from_cache,
            engine_id: security.engine_id().to_vec(),
            boots: security.engine_boots(),
            to_keep: (!from_cache && complete).then(|| Box::new(security.clone())),
        }
    }

    fn is(&self, security: &v3::Security) -> bool {
        security.engine_id() == self.engine_id && security.engine_boots() == self.boots
    }
}

/// Asks the agent at `addr` for its engine and fills `security` with it.
/// The caller bounds the wait and retries.
pub async fn discover(addr: SocketAddr, msg_id: i32, security: &mut v3::Security) -> Result<(), snmp2::Error> {
    let socket = connected_socket(addr).await.map_err(|_| snmp2::Error::Send)?;
    socket
        .send(&discovery_message(msg_id))
        .await
        .map_err(|_| snmp2::Error::Send)?;
    security.reset_engine_id();
    security.reset_engine_counters();
    receive(&socket, |datagram| {
        // snmp2 reports a Report that taught it the engine as "AuthUpdated".
        match snmp2::Pdu::from_bytes_with_security(datagram, Some(&mut *security)) {
            Ok(_) | Err(snmp2::Error::AuthUpdated) => Some(Ok(())),
            // Noise on the socket: keep waiting for the Report until the timeout.
            Err(
                snmp2::Error::AsnParse
                | snmp2::Error::AsnInvalidLen
                | snmp2::Error::AsnEof
                | snmp2::Error::AsnUnsupportedType
                | snmp2::Error::AsnIntOverflow,
            ) => None,
            Err(e) => Some(Err(e)),
        }
    })
    .await?;
    if security.engine_id().is_empty() {
        return Err(snmp2::Error::AuthFailure(v3::AuthErrorKind::NotAuthenticated));
    }
    Ok(())
}

/// The discovery request: SNMPv3, noAuthNoPriv and reportable, with an
/// empty engine ID, user and context, carrying a GET of nothing.
fn discovery_message(msg_id: i32) -> Vec<u8> {
    const MAX_SIZE: i64 = 65_507;
    const FLAGS_REPORTABLE: u8 = 0x04;
    const USM: i64 = 3;
    let int = |out: &mut Vec<u8>, v: i64| tlv(out, 0x02, &int_bytes(v));

    let mut global = Vec::new();
    int(&mut global, i64::from(msg_id));
    int(&mut global, MAX_SIZE);
    tlv(&mut global, 0x04, &[FLAGS_REPORTABLE]);
    int(&mut global, USM);

    // UsmSecurityParameters: engine ID, boots, time, user, auth and priv parameters, all empty.
    let mut usm = Vec::new();
    tlv(&mut usm, 0x04, &[]);
    int(&mut usm, 0);
    int(&mut usm, 0);
    for _ in 0..3 {
        tlv(&mut usm, 0x04, &[]);
    }
    let mut usm_seq = Vec::new();
    tlv(&mut usm_seq, 0x30, &usm);

    let mut pdu = Vec::new();
    int(&mut pdu, i64::from(msg_id));
    int(&mut pdu, 0);
    int(&mut pdu, 0);
    tlv(&mut pdu, 0x30, &[]);
    let mut scoped = Vec::new();
    tlv(&mut scoped, 0x04, &[]);
    tlv(&mut scoped, 0x04, &[]);
    tlv(&mut scoped, 0xa0, &pdu);

    let mut body = Vec::new();
    int(&mut body, 3);
    tlv(&mut body, 0x30, &global);
    tlv(&mut body, 0x04, &usm_seq);
    tlv(&mut body, 0x30, &scoped);
    let mut msg = Vec::with_capacity(body.len() + 4);
    tlv(&mut msg, 0x30, &body);
    msg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_discovery_request_is_what_rfc_3414_describes() {
        let msg = discovery_message(0x1234);
        // SEQUENCE { version 3, SEQUENCE { msgID, maxSize 65507, flags 0x04, model 3 },
        //            OCTET STRING { SEQUENCE { "", 0, 0, "", "", "" } },
        //            SEQUENCE { "", "", GetRequest { id, 0, 0, {} } } }
        let expected: Vec<u8> = [
            &[0x30, 0x3a, 0x02, 0x01, 0x03][..],
            &[
                0x30, 0x0f, 0x02, 0x02, 0x12, 0x34, 0x02, 0x03, 0x00, 0xff, 0xe3, 0x04, 0x01, 0x04, 0x02, 0x01, 0x03,
            ],
            &[
                0x04, 0x10, 0x30, 0x0e, 0x04, 0x00, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00, 0x04,
                0x00,
            ],
            &[
                0x30, 0x12, 0x04, 0x00, 0x04, 0x00, 0xa0, 0x0c, 0x02, 0x02, 0x12, 0x34, 0x02, 0x01, 0x00, 0x02, 0x01,
                0x00, 0x30, 0x00,
            ],
        ]
        .concat();
        assert_eq!(msg, expected);
    }

    #[test]
    fn a_kept_engine_comes_back_with_its_time_moved_on() {
        let cache = EngineCache::default();
        let learned = Instant::now();
        let engine = v3::Security::new(b"u", b"p").with_engine_boots_and_time(7, 1_000);
        cache.put_at("sw1@127.0.0.1:161", engine, learned);
        let later = cache
            .get_at("sw1@127.0.0.1:161", learned + Duration::from_secs(600))
            .unwrap();
        assert_eq!(later.engine_boots(), 7);
        // Ten minutes later the agent's clock reads 1,600: far outside the
        // 150 s window around the 1,000 seen at discovery.
        assert_eq!(later.engine_time(), 1_600);
    }

    #[test]
    fn engines_unused_for_an_hour_make_way() {
        let cache = EngineCache::default();
        let t0 = Instant::now();
        let engine = || v3::Security::new(b"u", b"p");
        cache.put_at("once", engine(), t0);
        cache.put_at("polled", engine(), t0);
        assert!(cache.get_at("polled", t0 + Duration::from_secs(3000)).is_some());
        cache.put_at("new", engine(), t0 + Duration::from_secs(3700));
        assert!(cache.get_at("once", t0 + Duration::from_secs(3700)).is_none());
        assert!(cache.get_at("polled", t0 + Duration::from_secs(3700)).is_some());
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn a_forgotten_engine_is_gone() {
        let cache = EngineCache::default();
        cache.put("sw1@127.0.0.1:161", v3::Security::new(b"u", b"p"));
        assert!(cache.get("sw1@127.0.0.1:161").is_some());
        assert!(cache.get("sw2@127.0.0.1:161").is_none());
        let stale = Started::new(
            &v3::Security::new(b"u", b"p").with_engine_boots_and_time(3, 0),
            true,
            false,
        );
        cache.forget_if("sw1@127.0.0.1:161", &stale);
        assert!(
            !cache.is_empty(),
            "a session that started from another engine forgets nothing"
        );
        let started = Started::new(&cache.get("sw1@127.0.0.1:161").unwrap(), true, false);
        cache.forget_if("sw1@127.0.0.1:161", &started);
        assert!(cache.is_empty());
    }
}
