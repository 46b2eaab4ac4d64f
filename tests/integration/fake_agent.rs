//! A scripted SNMPv2c agent for the misbehaviour real agents only show in
//! the field: non-increasing OIDs, duplicated (late) replies, error statuses.
//! net-snmp cannot be made to do these on demand; everything else is tested
//! against the real snmpd and snmpsim.
//!
//! Requests are decoded with `snmp2`; replies are encoded here with a
//! minimal BER writer so that they can be wrong on purpose.

use std::net::UdpSocket;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum V {
    Int(i64),
    Str(&'static str),
    Oid(Vec<u32>),
    Counter32(u32),
    Gauge32(u32),
    Ticks(u32),
    Counter64(u64),
    /// A Counter64 that grows by this much per second of wall-clock time:
    /// traffic at an exact, known rate, whatever else the machine does.
    Rate(u64),
}

#[derive(Clone, Default)]
pub struct Behaviour {
    /// A GETBULK under this column answers rows 1, 2 and then 1 again.
    pub non_increasing_under: Option<Vec<u32>>,
    /// Every reply is sent twice; the copy is read as the answer to the next request.
    pub duplicate_replies: bool,
    /// Requests for OIDs under this prefix get error-status genErr.
    pub gen_err_under: Option<Vec<u32>>,
    /// Every reply waits this long (a slow agent: a busy core switch).
    pub delay: Option<Duration>,
    /// This many datagrams of noise go before every reply.
    pub garbage_before_reply: usize,
    /// This column never ends: every row is followed by another, each
    /// value 1 KiB (an agent bug, or a hostile agent).
    pub endless_under: Option<Vec<u32>>,
}

/// (OID, value) rows, sorted by OID.
pub type Mib = Vec<(Vec<u32>, V)>;

pub struct FakeAgent {
    pub port: u16,
    /// What it answers from; [`FakeAgent::set_mib`] replaces it (a device
    /// that learns a neighbor, or gets a new module).
    mib: Arc<RwLock<Mib>>,
    /// The first OID of every request it answered, in order.
    requested: Arc<Mutex<Vec<Vec<u32>>>>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for FakeAgent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A small, well-formed MIB: system group and a three-port ifTable.
pub fn basic_mib() -> Vec<(Vec<u32>, V)> {
    let mut m = vec![
        (vec![1, 3, 6, 1, 2, 1, 1, 1, 0], V::Str("Fake agent")),
        (vec![1, 3, 6, 1, 2, 1, 1, 2, 0], V::Oid(vec![1, 3, 6, 1, 4, 1, 9, 1, 1])),
        (vec![1, 3, 6, 1, 2, 1, 1, 3, 0], V::Ticks(12_345)),
        (vec![1, 3, 6, 1, 2, 1, 1, 5, 0], V::Str("fake")),
    ];
    for i in 1..=3u32 {
        let name: &'static str = ["", "port1", "port2", "port3"][i as usize];
        m.push((vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 2, i], V::Str(name)));
        m.push((vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 5, i], V::Gauge32(1_000_000_000)));
        m.push((vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 8, i], V::Int(1)));
        m.push((vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 10, i], V::Counter32(1000 * i)));
        m.push((
            vec![1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 6, i],
            V::Counter64(5_000_000_000 * u64::from(i)),
        ));
    }
    m.sort_by(|a, b| a.0.cmp(&b.0));
    m
}

impl FakeAgent {
    pub fn start(mib: Vec<(Vec<u32>, V)>, behaviour: Behaviour) -> FakeAgent {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
        let port = socket.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let stop2 = stop.clone();
        let mib = Arc::new(RwLock::new(mib));
        let requested = Arc::new(Mutex::new(Vec::new()));
        let (mib2, requested2) = (mib.clone(), requested.clone());
        let thread = std::thread::spawn(move || {
            let mut buf = [0u8; 65535];
            while !stop2.load(Ordering::Relaxed) {
                let Ok((n, peer)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                let Some(reply) = answer(&buf[..n], &mib2.read().unwrap(), &behaviour) else {
                    continue;
                };
                if let Some(first) = first_oid(&buf[..n]) {
                    requested2.lock().unwrap().push(first);
                }
                if let Some(d) = behaviour.delay {
                    std::thread::sleep(d);
                }
                for i in 0..behaviour.garbage_before_reply {
                    // Not BER at all, a truncated reply, and a sequence that claims more than it holds.
                    let noise: Vec<u8> = match i % 3 {
                        0 => b"\x00\xffnot snmp".to_vec(),
                        1 => reply[..reply.len() / 2].to_vec(),
                        _ => vec![0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x02, 0x01],
                    };
                    let _ = socket.send_to(&noise, peer);
                }
                let _ = socket.send_to(&reply, peer);
                if behaviour.duplicate_replies {
                    let _ = socket.send_to(&reply, peer);
                }
            }
        });
        FakeAgent {
            port,
            mib,
            requested,
            stop,
            thread: Some(thread),
        }
    }
}

impl FakeAgent {
    /// Answers from `mib` (sorted here) from now on.
    pub fn set_mib(&self, mut mib: Vec<(Vec<u32>, V)>) {
        mib.sort_by(|a, b| a.0.cmp(&b.0));
        *self.mib.write().unwrap() = mib;
    }

    /// How many requests so far began with an OID under `prefix`.
    pub fn requests_under(&self, prefix: &[u32]) -> usize {
        self.requested
            .lock()
            .unwrap()
            .iter()
            .filter(|o| o.starts_with(prefix))
            .count()
    }
}

fn first_oid(req: &[u8]) -> Option<Vec<u32>> {
    let pdu = snmp2::Pdu::from_bytes(req).ok()?;
    let (oid, _) = pdu.varbinds.clone().next()?;
    oid.iter().map(|it| it.map(|a| a as u32).collect())
}

/// The reply to one request datagram (`None`: no reply). `mib` must be sorted.
pub fn answer(req: &[u8], mib: &[(Vec<u32>, V)], b: &Behaviour) -> Option<Vec<u8>> {
    let pdu = snmp2::Pdu::from_bytes(req).ok()?;
    let community = pdu.community.to_vec();
    let oids: Vec<Vec<u32>> = pdu
        .varbinds
        .clone()
        .map(|(o, _)| o.iter().map(|it| it.map(|a| a as u32).collect()).unwrap_or_default())
        .collect();
    let under = |p: &Option<Vec<u32>>, o: &[u32]| p.as_ref().is_some_and(|p| o.starts_with(p));
    if oids.iter().any(|o| under(&b.gen_err_under, o)) {
        let vbs: Vec<(Vec<u32>, Option<V>)> = oids.iter().map(|o| (o.clone(), None)).collect();
        return Some(response(&community, pdu.req_id, 5, 1, &vbs, Tail::Null));
    }
    let next_after = |o: &[u32]| mib.get(mib.partition_point(|(k, _)| k.as_slice() <= o)).cloned();
    let mut vbs: Vec<(Vec<u32>, Option<V>)> = Vec::new();
    match pdu.message_type {
        snmp2::MessageType::GetRequest => {
            for o in &oids {
                let v = mib.binary_search_by(|(k, _)| k.cmp(o)).ok().map(|i| mib[i].1.clone());
                vbs.push((o.clone(), v));
            }
            let tail = Tail::NoSuchObject;
            return Some(response(&community, pdu.req_id, 0, 0, &vbs, tail));
        }
        snmp2::MessageType::GetNextRequest => {
            for o in &oids {
                match next_after(o) {
                    Some((k, v)) => vbs.push((k, Some(v))),
                    None => vbs.push((o.clone(), None)),
                }
            }
        }
        snmp2::MessageType::GetBulkRequest => {
            // Rows come repetition by repetition, one varbind per requested column.
            let max_rep = pdu.error_index.max(1) as usize;
            let mut cursors = oids.clone();
            let mut scripted = vec![0usize; cursors.len()];
            for _ in 0..max_rep {
                for (j, cur) in cursors.iter_mut().enumerate() {
                    if let Some(col) = b.endless_under.as_ref().filter(|p| cur.starts_with(p)) {
                        let mut o = col.clone();
                        o.push(cur.get(col.len()).map_or(1, |n| n + 1));
                        vbs.push((o.clone(), Some(V::Str(KIB))));
                        *cur = o;
                        continue;
                    }
                    if let Some(col) = b.non_increasing_under.as_ref().filter(|p| cur.starts_with(p)) {
                        // This column answers rows 1, 2 and then 1 again.
                        let mut o = col.clone();
                        o.push([1u32, 2, 1][scripted[j] % 3]);
                        scripted[j] += 1;
                        vbs.push((o.clone(), Some(V::Str("again"))));
                        *cur = o;
                        continue;
                    }
                    match next_after(cur) {
                        Some((k, v)) => {
                            cur.clone_from(&k);
                            vbs.push((k, Some(v)));
                        }
                        None => vbs.push((cur.clone(), None)),
                    }
                }
            }
        }
        _ => return None,
    }
    Some(response(&community, pdu.req_id, 0, 0, &vbs, Tail::EndOfMibView))
}

/// A 1 KiB string value.
const KIB: &str = match std::str::from_utf8(&[b'x'; 1024]) {
    Ok(s) => s,
    Err(_) => "",
};

/// What a missing value is encoded as.
enum Tail {
    Null,
    NoSuchObject,
    EndOfMibView,
}

fn response(
    community: &[u8],
    req_id: i32,
    status: i64,
    index: i64,
    vbs: &[(Vec<u32>, Option<V>)],
    tail: Tail,
) -> Vec<u8> {
    let mut list = Vec::new();
    for (oid, v) in vbs {
        let value = match v {
            Some(V::Int(i)) => tlv(0x02, &int(*i)),
            Some(V::Str(s)) => tlv(0x04, s.as_bytes()),
            Some(V::Oid(o)) => tlv(0x06, &oid_bytes(o)),
            Some(V::Counter32(c)) => tlv(0x41, &uint(u64::from(*c))),
            Some(V::Gauge32(c)) => tlv(0x42, &uint(u64::from(*c))),
            Some(V::Ticks(c)) => tlv(0x43, &uint(u64::from(*c))),
            Some(V::Counter64(c)) => tlv(0x46, &uint(*c)),
            Some(V::Rate(per_second)) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_secs_f64();
                tlv(0x46, &uint((now * *per_second as f64) as u64))
            }
            None => match tail {
                Tail::Null => tlv(0x05, &[]),
                Tail::NoSuchObject => tlv(0x80, &[]),
                Tail::EndOfMibView => tlv(0x82, &[]),
            },
        };
        let mut vb = tlv(0x06, &oid_bytes(oid));
        vb.extend(value);
        list.extend(tlv(0x30, &vb));
    }
    let mut pdu = tlv(0x02, &int(i64::from(req_id)));
    pdu.extend(tlv(0x02, &int(status)));
    pdu.extend(tlv(0x02, &int(index)));
    pdu.extend(tlv(0x30, &list));
    let mut msg = tlv(0x02, &int(1));
    msg.extend(tlv(0x04, community));
    msg.extend(tlv(0xa2, &pdu));
    tlv(0x30, &msg)
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 128 {
        out.push(n as u8);
    } else if n < 256 {
        out.extend([0x81, n as u8]);
    } else {
        out.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn int(i: i64) -> Vec<u8> {
    let bytes = i.to_be_bytes();
    let mut start = 0;
    while start < 7
        && ((bytes[start] == 0 && bytes[start + 1] & 0x80 == 0)
            || (bytes[start] == 0xff && bytes[start + 1] & 0x80 != 0))
    {
        start += 1;
    }
    bytes[start..].to_vec()
}

fn uint(u: u64) -> Vec<u8> {
    let mut v: Vec<u8> = u.to_be_bytes().iter().copied().skip_while(|&b| b == 0).collect();
    if v.is_empty() || v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    v
}

fn oid_bytes(o: &[u32]) -> Vec<u8> {
    let mut out = vec![(o[0] * 40 + o[1]) as u8];
    for &a in &o[2..] {
        let mut stack = vec![(a & 0x7f) as u8];
        let mut a = a >> 7;
        while a > 0 {
            stack.push((a & 0x7f) as u8 | 0x80);
            a >>= 7;
        }
        out.extend(stack.iter().rev());
    }
    out
}
