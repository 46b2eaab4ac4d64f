//! SNMPv3 notifications: the message framing, the User-based Security
//! Model checks, and the answers an inform sender expects.
//!
//! Two engines can be authoritative (RFC 3414 §1.5.2): for a **trap** it is
//! the sender, so its user's keys are localized to the sender's engine ID
//! (on first sight, then cached) and its clock is tracked to refuse
//! replays; for an **inform** it is netgauge, so the sender first discovers
//! netgauge's engine ID and clock through a Report, then signs with keys
//! localized to it, and gets a signed Response back.

pub mod crypto;

use std::collections::HashMap;
use std::time::Instant;

use snmp2::asn1::TYPE_SEQUENCE;
use snmp2::{AsnReader, MessageType, Varbinds};

use super::ber;
use super::decode::{self, Kind, Notification};
use crate::config::{AuthProtocol, PrivProtocol, SecurityLevel, SnmpCredentials, SnmpVersion, Target, V3Credentials};
use crate::secret::constant_time_eq;
use crate::telemetry::TrapDrop;

const FLAG_AUTH: u8 = 0x01;
const FLAG_PRIV: u8 = 0x02;
const FLAG_REPORTABLE: u8 = 0x04;
/// RFC 3414 §3.2.7: how far a sender's clock may be from what we expect.
const TIME_WINDOW: i64 = 150;
/// usmStats counters named in Reports.
const UNKNOWN_ENGINE_IDS: [u32; 11] = [1, 3, 6, 1, 6, 3, 15, 1, 1, 4, 0];
const NOT_IN_TIME_WINDOWS: [u32; 11] = [1, 3, 6, 1, 6, 3, 15, 1, 1, 2, 0];
/// Localized keys and sender clocks kept; beyond, they start over.
const MAX_CACHED: usize = 100_000;

/// What to do with a v3 datagram.
#[derive(Debug)]
pub enum UsmOutcome {
    /// Authentic (and decrypted); with the Response to send for an inform.
    Notification(Notification, Option<Vec<u8>>),
    /// Send this Report back (engine discovery, or a clock out of the window).
    Report(Vec<u8>),
    Dropped(TrapDrop, String),
}

/// The parts of a v3 message, borrowed from the datagram.
struct Message<'a> {
    msg_id: i64,
    flags: u8,
    engine_id: &'a [u8],
    boots: i64,
    time: i64,
    user: &'a [u8],
    auth_params: &'a [u8],
    /// Where `auth_params` starts in the datagram (zeroed to check the MAC).
    auth_at: usize,
    priv_params: &'a [u8],
    /// A plaintext scopedPDU, or the encrypted one.
    data: &'a [u8],
}

fn parse(datagram: &[u8]) -> Option<Message<'_>> {
    let outer = AsnReader::from_bytes(datagram).read_raw(TYPE_SEQUENCE).ok()?;
    let mut r = AsnReader::from_bytes(outer);
    if r.read_asn_integer().ok()? != 3 {
        return None;
    }
    let mut global = AsnReader::from_bytes(r.read_raw(TYPE_SEQUENCE).ok()?);
    let msg_id = global.read_asn_integer().ok()?;
    let _max_size = global.read_asn_integer().ok()?;
    let flags = *global.read_asn_octetstring().ok()?.first()?;
    if global.read_asn_integer().ok()? != 3 {
        return None; // not USM
    }
    let sec = r.read_asn_octetstring().ok()?;
    let mut s = AsnReader::from_bytes(AsnReader::from_bytes(sec).read_raw(TYPE_SEQUENCE).ok()?);
    let engine_id = s.read_asn_octetstring().ok()?;
    // RFC 3411: an engine ID is 5 to 32 bytes (empty only in discovery);
    // boots and time are 0 to 2^31-1.
    if !engine_id.is_empty() && !(5..=32).contains(&engine_id.len()) {
        return None;
    }
    let in_range = |v: i64| (0..=i64::from(i32::MAX)).contains(&v);
    let boots = s.read_asn_integer().ok().filter(|v| in_range(*v))?;
    let time = s.read_asn_integer().ok().filter(|v| in_range(*v))?;
    let user = s.read_asn_octetstring().ok()?;
    let auth_params = s.read_asn_octetstring().ok()?;
    let priv_params = s.read_asn_octetstring().ok()?;
    let data = if flags & FLAG_PRIV != 0 {
        r.read_asn_octetstring().ok()?
    } else {
        // The whole SEQUENCE, tag included, as it will be re-read.
        let begin = outer.len() - r.bytes_left();
        r.read_raw(TYPE_SEQUENCE).ok()?;
        let end = outer.len() - r.bytes_left();
        &outer[begin..end]
    };
    // Offsets into the datagram: the slices point into it.
    let auth_at = (auth_params.as_ptr() as usize).checked_sub(datagram.as_ptr() as usize)?;
    Some(Message {
        msg_id,
        flags,
        engine_id,
        boots,
        time,
        user,
        auth_params,
        auth_at,
        priv_params,
        data,
    })
}

/// A scopedPDU's parts.
struct Scoped<'a> {
    context_engine: &'a [u8],
    context_name: &'a [u8],
    tag: u8,
    request_id: i64,
    varbinds: &'a [u8],
}

fn parse_scoped(bytes: &[u8]) -> Option<Scoped<'_>> {
    let mut r = AsnReader::from_bytes(AsnReader::from_bytes(bytes).read_raw(TYPE_SEQUENCE).ok()?);
    let context_engine = r.read_asn_octetstring().ok()?;
    let context_name = r.read_asn_octetstring().ok()?;
    let tag = r.peek_byte().ok()?;
    let mut pdu = AsnReader::from_bytes(r.read_raw(tag).ok()?);
    let request_id = pdu.read_asn_integer().ok()?;
    let _status = pdu.read_asn_integer().ok()?;
    let _index = pdu.read_asn_integer().ok()?;
    let varbinds = pdu.read_raw(TYPE_SEQUENCE).ok()?;
    Some(Scoped {
        context_engine,
        context_name,
        tag,
        request_id,
        varbinds,
    })
}

/// One user's keys for one engine.
#[derive(Clone)]
struct Keys {
    auth: Vec<u8>,
    privacy: Vec<u8>,
}

/// netgauge's side of USM.
pub struct Usm {
    engine_id: Vec<u8>,
    boots: i64,
    started: Instant,
    /// (user, engine, credential fingerprint) → localized keys.
    keys: HashMap<(Vec<u8>, Vec<u8>, u64), Keys>,
    /// Credential fingerprint → (Ku of the auth password, Ku of the privacy password).
    ku: HashMap<u64, (Vec<u8>, Vec<u8>)>,
    /// Sender engine → (boots, time, when we saw it): their clock, for traps.
    clocks: HashMap<Vec<u8>, (i64, i64, Instant)>,
    unknown_engine_reports: u32,
    time_window_reports: u32,
}

impl Usm {
    /// netgauge's engine: its ID, boot count and when it started (its
    /// clock counts from there; a rebound socket keeps the clock).
    pub fn new((engine_id, boots, started): (Vec<u8>, i64, Instant)) -> Usm {
        Usm {
            engine_id,
            boots: boots.max(1),
            started,
            keys: HashMap::new(),
            ku: HashMap::new(),
            clocks: HashMap::new(),
            unknown_engine_reports: 0,
            time_window_reports: 0,
        }
    }

    fn now_time(&self) -> i64 {
        i64::try_from(self.started.elapsed().as_secs()).unwrap_or(i64::MAX)
    }

    pub fn receive(&mut self, datagram: &[u8], target: Option<&Target>) -> UsmOutcome {
        let Some(m) = parse(datagram) else {
            return UsmOutcome::Dropped(TrapDrop::DecodeError, "malformed SNMPv3 message".into());
        };
        let ours = m.engine_id == self.engine_id.as_slice();
        // Discovery: an inform sender asks who we are with an empty engine ID.
        if m.engine_id.is_empty() || (!ours && m.flags & FLAG_AUTH == 0 && m.flags & FLAG_REPORTABLE != 0) {
            if m.flags & FLAG_REPORTABLE == 0 {
                return UsmOutcome::Dropped(TrapDrop::DecodeError, "no engine ID in a notification".into());
            }
            let request_id = parse_scoped(m.data).map_or(0, |s| s.request_id);
            self.unknown_engine_reports = self.unknown_engine_reports.wrapping_add(1);
            let counter = self.unknown_engine_reports;
            return UsmOutcome::Report(self.report(&m, request_id, &UNKNOWN_ENGINE_IDS, counter, None));
        }
        let Some(creds) = target.and_then(v3_credentials) else {
            return UsmOutcome::Dropped(
                TrapDrop::AuthFailure,
                "no SNMPv3 user configured for this source".into(),
            );
        };
        if m.user != creds.username.as_bytes() {
            return UsmOutcome::Dropped(TrapDrop::AuthFailure, "unknown SNMPv3 user".into());
        }
        let wants_auth = creds.level != SecurityLevel::NoAuthNoPriv;
        let wants_priv = creds.level == SecurityLevel::AuthPriv;
        let has_auth = m.flags & FLAG_AUTH != 0;
        let has_priv = m.flags & FLAG_PRIV != 0;
        if has_auth != wants_auth || has_priv != wants_priv || (has_priv && !has_auth) {
            return UsmOutcome::Dropped(
                TrapDrop::AuthFailure,
                "security level differs from the target's snmp.security_level".into(),
            );
        }
        let keys = if wants_auth {
            let (k, cached) = self.keys_for(creds, m.engine_id);
            let mut copy = datagram.to_vec();
            let n = m.auth_params.len();
            if n != crypto::mac_len(creds.auth_protocol) {
                return UsmOutcome::Dropped(TrapDrop::AuthFailure, "wrong signature length".into());
            }
            copy[m.auth_at..m.auth_at + n].fill(0);
            let mac = crypto::sign(creds.auth_protocol, &k.auth, &copy);
            if !constant_time_eq(&mac, m.auth_params) {
                return UsmOutcome::Dropped(
                    TrapDrop::AuthFailure,
                    "signature does not verify (wrong password or protocol)".into(),
                );
            }
            // Cached only once authentic: forged engine IDs cost nothing kept.
            if !cached {
                self.remember(creds, m.engine_id, &k);
            }
            Some(k)
        } else {
            None
        };
        // Clocks (authenticated messages only, RFC 3414 §3.2.7): ours for
        // informs, the sender's for traps.
        let in_window = if !wants_auth {
            true
        } else if ours {
            m.boots == self.boots && m.time.abs_diff(self.now_time()) <= TIME_WINDOW as u64
        } else {
            self.sender_clock_ok(m.engine_id, m.boots, m.time, wants_auth)
        };
        let plain = match (&keys, has_priv) {
            (Some(k), true) => {
                let (boots, time) = (u32::try_from(m.boots).unwrap_or(0), u32::try_from(m.time).unwrap_or(0));
                match crypto::decrypt(creds.priv_protocol, &k.privacy, m.priv_params, boots, time, m.data) {
                    Ok(p) => p,
                    Err(e) => return UsmOutcome::Dropped(TrapDrop::AuthFailure, format!("cannot decrypt: {e}")),
                }
            }
            _ => m.data.to_vec(),
        };
        let Some(scoped) = parse_scoped(&plain) else {
            return UsmOutcome::Dropped(
                TrapDrop::DecodeError,
                if has_priv {
                    "decrypted PDU does not decode (wrong privacy password or protocol)".into()
                } else {
                    "malformed scoped PDU".into()
                },
            );
        };
        if !in_window {
            if ours && m.flags & FLAG_REPORTABLE != 0 {
                self.time_window_reports = self.time_window_reports.wrapping_add(1);
                let counter = self.time_window_reports;
                return UsmOutcome::Report(self.report(
                    &m,
                    scoped.request_id,
                    &NOT_IN_TIME_WINDOWS,
                    counter,
                    keys.as_ref().map(|k| (creds, k)),
                ));
            }
            return UsmOutcome::Dropped(
                TrapDrop::AuthFailure,
                "outside the time window (replayed or stale)".into(),
            );
        }
        let message_type = match scoped.tag {
            0xA7 => MessageType::Trap,
            0xA6 => MessageType::InformRequest,
            0xA8 => MessageType::Report,
            0xA2 => MessageType::Response,
            _ => MessageType::GetRequest,
        };
        let Ok(request_id) = i32::try_from(scoped.request_id) else {
            return UsmOutcome::Dropped(TrapDrop::DecodeError, "request id out of range".into());
        };
        let n = match decode::from_pdu_parts(
            SnmpVersion::V3,
            message_type,
            m.user,
            request_id,
            Varbinds::from_bytes(scoped.varbinds),
        ) {
            Ok(n) => n,
            Err(e) => return UsmOutcome::Dropped(TrapDrop::DecodeError, e.to_string()),
        };
        let response = if n.kind == Kind::Inform {
            if !ours {
                // Signed for an engine ID netgauge no longer has (a restart
                // without state_file): tell the sender, which rediscovers.
                if m.flags & FLAG_REPORTABLE == 0 {
                    return UsmOutcome::Dropped(TrapDrop::AuthFailure, "an inform for another engine ID".into());
                }
                self.unknown_engine_reports = self.unknown_engine_reports.wrapping_add(1);
                let counter = self.unknown_engine_reports;
                return UsmOutcome::Report(self.report(&m, scoped.request_id, &UNKNOWN_ENGINE_IDS, counter, None));
            }
            Some(self.response(&m, &scoped, creds, keys.as_ref()))
        } else {
            None
        };
        UsmOutcome::Notification(n, response)
    }

    /// RFC 3414 §3.2.7 b, for a non-authoritative receiver: a sender's
    /// message is stale if its boots went back, or its time is more than
    /// the window behind what it last said (plus the time since).
    fn sender_clock_ok(&mut self, engine: &[u8], boots: i64, time: i64, authentic: bool) -> bool {
        if !authentic {
            return true; // noAuthNoPriv carries no trustworthy clock
        }
        if boots >= i64::from(i32::MAX) {
            return false;
        }
        let now = Instant::now();
        match self.clocks.get_mut(engine) {
            None => {
                if self.clocks.len() >= MAX_CACHED {
                    self.clocks.clear();
                }
                self.clocks.insert(engine.to_vec(), (boots, time, now));
                true
            }
            Some((b, t, at)) => {
                let expected = *t + i64::try_from(at.elapsed().as_secs()).unwrap_or(0);
                if boots < *b || (boots == *b && time < expected - TIME_WINDOW) {
                    return false;
                }
                if boots > *b || time > expected {
                    *b = boots;
                    *t = time;
                    *at = now;
                }
                true
            }
        }
    }

    /// The user's keys for `engine`, and whether they came from the cache.
    fn keys_for(&mut self, creds: &V3Credentials, engine: &[u8]) -> (Keys, bool) {
        let fp = fingerprint(creds);
        let id = (creds.username.as_bytes().to_vec(), engine.to_vec(), fp);
        if let Some(k) = self.keys.get(&id) {
            return (k.clone(), true);
        }
        let (auth_ku, priv_ku) = self
            .ku
            .entry(fp)
            .or_insert_with(|| {
                (
                    crypto::password_to_key(creds.auth_protocol, creds.auth_password.expose().as_bytes()),
                    crypto::password_to_key(creds.auth_protocol, creds.priv_password.expose().as_bytes()),
                )
            })
            .clone();
        let k = Keys {
            auth: crypto::localize(creds.auth_protocol, &auth_ku, engine),
            privacy: crypto::priv_key(creds.auth_protocol, creds.priv_protocol, &priv_ku, engine),
        };
        (k, false)
    }

    fn remember(&mut self, creds: &V3Credentials, engine: &[u8], k: &Keys) {
        if self.keys.len() >= MAX_CACHED {
            self.keys.clear();
        }
        let id = (creds.username.as_bytes().to_vec(), engine.to_vec(), fingerprint(creds));
        self.keys.insert(id, k.clone());
    }

    /// A Report naming `counter_oid`, from our engine. Signed with the
    /// user's keys when given (an authentic request out of its window);
    /// unsigned for discovery.
    fn report(
        &self,
        m: &Message<'_>,
        request_id: i64,
        counter_oid: &[u32],
        counter: u32,
        signer: Option<(&V3Credentials, &Keys)>,
    ) -> Vec<u8> {
        let varbinds = ber::sequence(&[&ber::sequence(&[&ber::oid(counter_oid), &ber::counter32(counter)])]);
        let pdu = ber::tlv(
            0xA8,
            &[ber::int(request_id), ber::int(0), ber::int(0), varbinds].concat(),
        );
        let scoped = ber::sequence(&[&ber::octets(&self.engine_id), &ber::octets(b""), &pdu]);
        let flags = if signer.is_some() { FLAG_AUTH } else { 0 };
        self.message(
            m.msg_id,
            flags,
            m.user,
            &scoped,
            signer.map(|(c, k)| (c.auth_protocol, k)),
            None,
        )
    }

    /// The Response to an inform: same msgID, request id and varbinds,
    /// at the request's security level.
    fn response(&self, m: &Message<'_>, s: &Scoped<'_>, creds: &V3Credentials, keys: Option<&Keys>) -> Vec<u8> {
        let vb = ber::tlv(TYPE_SEQUENCE, s.varbinds);
        let pdu = ber::tlv(0xA2, &[ber::int(s.request_id), ber::int(0), ber::int(0), vb].concat());
        let scoped = ber::sequence(&[&ber::octets(s.context_engine), &ber::octets(s.context_name), &pdu]);
        let flags = m.flags & (FLAG_AUTH | FLAG_PRIV);
        let privacy = (flags & FLAG_PRIV != 0).then_some(creds.priv_protocol);
        self.message(
            m.msg_id,
            flags,
            m.user,
            &scoped,
            keys.map(|k| (creds.auth_protocol, k)),
            privacy,
        )
    }

    /// A whole v3 message from our engine: encrypted and signed as asked.
    fn message(
        &self,
        msg_id: i64,
        flags: u8,
        user: &[u8],
        scoped: &[u8],
        auth: Option<(AuthProtocol, &Keys)>,
        privacy: Option<PrivProtocol>,
    ) -> Vec<u8> {
        let boots = self.boots;
        let time = self.now_time();
        let (data, salt) = match (privacy, auth) {
            (Some(cipher), Some((_, keys))) => {
                let salt: [u8; 8] = rand::random();
                let (b, t) = (u32::try_from(boots).unwrap_or(0), u32::try_from(time).unwrap_or(0));
                match crypto::encrypt(cipher, &keys.privacy, &salt, b, t, scoped) {
                    Ok(c) => (ber::octets(&c), salt.to_vec()),
                    Err(_) => (scoped.to_vec(), Vec::new()),
                }
            }
            _ => (scoped.to_vec(), Vec::new()),
        };
        let mac_len = auth.map_or(0, |(p, _)| crypto::mac_len(p));
        let sec = ber::sequence(&[
            &ber::octets(&self.engine_id),
            &ber::int(boots),
            &ber::int(time),
            &ber::octets(user),
            &ber::octets(&vec![0u8; mac_len]),
            &ber::octets(&salt),
        ]);
        let global = ber::sequence(&[
            &ber::int(msg_id),
            &ber::int(65_507),
            &ber::octets(&[flags]),
            &ber::int(3),
        ]);
        let mut msg = ber::sequence(&[&ber::int(3), &global, &ber::octets(&sec), &data]);
        if let Some((p, keys)) = auth {
            // The MAC covers the message with zeros where it goes.
            if let Some(at) = find_placeholder(&msg, mac_len) {
                let mac = crypto::sign(p, &keys.auth, &msg);
                msg[at..at + mac_len].copy_from_slice(&mac);
            }
        }
        msg
    }
}

/// Where the zeroed authentication parameters of a message we built are.
fn find_placeholder(msg: &[u8], mac_len: usize) -> Option<usize> {
    let m = parse(msg)?;
    (m.auth_params.len() == mac_len).then_some(m.auth_at)
}

fn v3_credentials(t: &Target) -> Option<&V3Credentials> {
    match t.snmp.as_ref().map(|s| &s.credentials) {
        Some(SnmpCredentials::V3(c)) => Some(c),
        _ => None,
    }
}

/// Tells credentials apart in the key cache without keeping them in the key.
fn fingerprint(c: &V3Credentials) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    c.username.hash(&mut h);
    c.auth_password.expose().hash(&mut h);
    c.priv_password.expose().hash(&mut h);
    format!("{:?}{:?}{:?}", c.level, c.auth_protocol, c.priv_protocol).hash(&mut h);
    h.finish()
}

/// A new engine ID for netgauge: RFC 3411 format 5 (administratively
/// assigned octets) under enterprise 0, with 12 random bytes.
pub fn new_engine_id() -> Vec<u8> {
    let mut id = vec![0x80, 0x00, 0x00, 0x00, 0x05];
    id.extend_from_slice(&rand::random::<[u8; 12]>());
    id
}

#[cfg(test)]
mod tests;
