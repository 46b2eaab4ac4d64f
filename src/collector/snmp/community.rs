//! SNMPv1/v2c requests over a UDP socket, without `snmp2`'s session.
//!
//! Why not `snmp2::AsyncSession` here: it allocates 128 KiB of send and
//! receive buffers per session, zero-filled, and a fleet scrape opens
//! thousands of sessions — that was a quarter of the heap at 2,000 devices.
//! Community requests are small and simple, so they are encoded here (BER,
//! RFC 1157 / RFC 3416) and the replies are still decoded by `snmp2`'s
//! `Pdu::from_bytes`, straight from a per-thread receive buffer. SNMPv3
//! requests (USM security) stay on `snmp2`'s session; its engine discovery
//! ([`super::engine`]) uses the socket, receive and BER helpers here.

use std::net::SocketAddr;

use tokio::net::UdpSocket;

/// Largest UDP payload over IPv4.
const MAX_DATAGRAM: usize = 65_507;

thread_local! {
    /// Where datagrams land before they are decoded: one per worker thread,
    /// not one per request in flight. A reply is decoded into owned values
    /// before the buffer is used again (no `.await` in between), so 128
    /// requests waiting no longer hold 128 × 64 KiB.
    static RECEIVE_BUFFER: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; MAX_DATAGRAM]);
}

/// What one datagram on a request's socket was.
enum Datagram {
    /// The answer to this request (or the agent's error for it).
    Answer(Result<super::client::Reply, snmp2::Error>),
    /// A reply to an earlier, timed-out request.
    Earlier,
    /// Not an SNMP message at all: noise, a truncated or corrupted
    /// datagram. Skipped, so the real reply can still arrive in time.
    Undecodable,
}

fn read_reply(datagram: &[u8], id: i32) -> Datagram {
    let Ok(pdu) = snmp2::Pdu::from_bytes(datagram) else {
        return Datagram::Undecodable;
    };
    if pdu.req_id != id {
        return Datagram::Earlier;
    }
    if pdu.message_type != snmp2::MessageType::Response {
        return Datagram::Answer(Err(snmp2::Error::AsnWrongType));
    }
    Datagram::Answer(super::client::Reply::from_pdu(&pdu))
}

pub enum Request<'a> {
    Get(&'a [&'a [u32]]),
    GetNext(&'a [u32]),
    /// Several columns, `max_repetitions` rows each.
    GetBulk(&'a [&'a [u32]], u32),
}

/// A connected socket speaking one community and version to one agent.
pub struct CommunitySession {
    socket: UdpSocket,
    /// 0 for SNMPv1, 1 for SNMPv2c (the wire values).
    version: i64,
    community: Vec<u8>,
    next_id: i32,
    /// Replies to earlier (timed-out) requests read and skipped.
    pub late_replies: u64,
    /// Datagrams that were not SNMP messages, read and skipped.
    pub undecodable: u64,
}

impl CommunitySession {
    pub async fn open(addr: SocketAddr, v1: bool, community: &[u8], first_id: i32) -> std::io::Result<Self> {
        Ok(CommunitySession {
            socket: connected_socket(addr).await?,
            version: if v1 { 0 } else { 1 },
            community: community.to_vec(),
            next_id: first_id,
            late_replies: 0,
            undecodable: 0,
        })
    }

    /// Sends `req` and waits for the reply that carries its request ID
    /// (the caller bounds the wait); replies to earlier requests are skipped.
    pub async fn send(&mut self, req: &Request<'_>) -> Result<super::client::Reply, snmp2::Error> {
        let id = self.next_id;
        self.next_id = self.next_id.wrapping_add(1) & 0x7fff_ffff;
        let msg = encode(self.version, &self.community, id, req);
        self.socket.send(&msg).await.map_err(|_| snmp2::Error::Send)?;
        let (late, undecodable) = (&mut self.late_replies, &mut self.undecodable);
        receive(&self.socket, |datagram| match read_reply(datagram, id) {
            Datagram::Answer(a) => Some(a),
            Datagram::Earlier => {
                *late += 1;
                None
            }
            Datagram::Undecodable => {
                *undecodable += 1;
                None
            }
        })
        .await
    }
}

/// A UDP socket of `addr`'s family, connected to it: datagrams from any
/// other address are not ours and never reach us.
pub(super) async fn connected_socket(addr: SocketAddr) -> std::io::Result<UdpSocket> {
    let local: SocketAddr = if addr.is_ipv4() {
        ([0u8; 4], 0).into()
    } else {
        ([0u16; 8], 0).into()
    };
    let socket = UdpSocket::bind(local).await?;
    socket.connect(addr).await?;
    Ok(socket)
}

/// Waits for datagrams on `socket` and hands each to `read` until it returns
/// an answer (`None`: not ours, keep waiting; the caller bounds the wait).
pub(super) async fn receive<T>(
    socket: &UdpSocket,
    mut read: impl FnMut(&[u8]) -> Option<Result<T, snmp2::Error>>,
) -> Result<T, snmp2::Error> {
    loop {
        socket.readable().await.map_err(|_| snmp2::Error::Receive)?;
        let answer = RECEIVE_BUFFER.with(|buf| {
            let mut buf = buf.borrow_mut();
            match socket.try_recv(&mut buf[..]) {
                Ok(n) => read(&buf[..n]),
                // Readiness can be spurious: wait again.
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => None,
                Err(_) => Some(Err(snmp2::Error::Receive)),
            }
        });
        if let Some(answer) = answer {
            return answer;
        }
    }
}

/// One request message, BER-encoded.
pub fn encode(version: i64, community: &[u8], id: i32, req: &Request<'_>) -> Vec<u8> {
    let (tag, a, b, oids): (u8, i64, i64, Vec<&[u32]>) = match req {
        Request::Get(oids) => (0xa0, 0, 0, oids.to_vec()),
        Request::GetNext(oid) => (0xa1, 0, 0, vec![*oid]),
        // non-repeaters 0, max-repetitions n.
        Request::GetBulk(oids, n) => (0xa5, 0, i64::from(*n), oids.to_vec()),
    };
    let mut varbinds = Vec::new();
    for oid in oids {
        let mut vb = Vec::new();
        tlv(&mut vb, 0x06, &oid_bytes(oid));
        tlv(&mut vb, 0x05, &[]);
        tlv(&mut varbinds, 0x30, &vb);
    }
    let mut pdu = Vec::new();
    tlv(&mut pdu, 0x02, &int_bytes(i64::from(id)));
    tlv(&mut pdu, 0x02, &int_bytes(a));
    tlv(&mut pdu, 0x02, &int_bytes(b));
    tlv(&mut pdu, 0x30, &varbinds);
    let mut body = Vec::new();
    tlv(&mut body, 0x02, &int_bytes(version));
    tlv(&mut body, 0x04, community);
    tlv(&mut body, tag, &pdu);
    let mut msg = Vec::with_capacity(body.len() + 4);
    tlv(&mut msg, 0x30, &body);
    msg
}

pub(crate) fn tlv(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes = n.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
}

/// Minimal two's-complement big-endian encoding.
pub(crate) fn int_bytes(v: i64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let mut start = 0;
    while start < 7 {
        let (b, next) = (bytes[start], bytes[start + 1]);
        // A leading byte is redundant when it only repeats the next byte's sign bit.
        if (b == 0x00 && next & 0x80 == 0) || (b == 0xff && next & 0x80 != 0) {
            start += 1;
        } else {
            break;
        }
    }
    bytes[start..].to_vec()
}

/// An OBJECT IDENTIFIER's content octets.
pub(crate) fn oid_bytes(arcs: &[u32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(arcs.len() + 4);
    let (first, rest) = match arcs {
        [a, b, rest @ ..] => (u64::from(*a) * 40 + u64::from(*b), rest),
        [a] => (u64::from(*a) * 40, &[][..]),
        [] => (0, &[][..]),
    };
    base128(&mut out, first);
    for &a in rest {
        base128(&mut out, u64::from(a));
    }
    out
}

fn base128(out: &mut Vec<u8>, v: u64) {
    let mut groups = [0u8; 10];
    let mut n = 0;
    let mut v = v;
    loop {
        groups[n] = (v & 0x7f) as u8;
        n += 1;
        v >>= 7;
        if v == 0 {
            break;
        }
    }
    for i in (0..n).rev() {
        out.push(groups[i] | if i > 0 { 0x80 } else { 0 });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::collector::snmp::value::oid_arcs;

    #[test]
    fn integers_take_the_fewest_octets() {
        assert_eq!(int_bytes(0), [0]);
        assert_eq!(int_bytes(127), [0x7f]);
        assert_eq!(int_bytes(128), [0x00, 0x80]);
        assert_eq!(int_bytes(-1), [0xff]);
        assert_eq!(int_bytes(-129), [0xff, 0x7f]);
        assert_eq!(int_bytes(0x7fff_ffff), [0x7f, 0xff, 0xff, 0xff]);
    }

    #[test]
    fn oids_and_long_lengths() {
        assert_eq!(oid_bytes(&[1, 3, 6, 1, 4, 1, 2021]), [0x2b, 6, 1, 4, 1, 0x8f, 0x65]);
        // 2^32 - 1 takes five base-128 octets.
        assert_eq!(oid_bytes(&[1, 3, 6, 1, 2, 1, 4294967295]).len(), 1 + 4 + 5);
        let mut out = Vec::new();
        tlv(&mut out, 0x04, &[7u8; 300]);
        assert_eq!(&out[..4], &[0x04, 0x82, 0x01, 0x2c]);
    }

    #[test]
    fn requests_decode_as_snmp2_reads_them() {
        let cols: [&[u32]; 2] = [
            &[1, 3, 6, 1, 2, 1, 2, 2, 1, 10],
            &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 4294967295],
        ];
        let msg = encode(1, b"s3cret", 0x1234_5678, &Request::GetBulk(&cols, 25));
        let pdu = snmp2::Pdu::from_bytes(&msg).unwrap();
        assert_eq!(pdu.message_type, snmp2::MessageType::GetBulkRequest);
        assert_eq!((pdu.req_id, pdu.community), (0x1234_5678, &b"s3cret"[..]));
        // For GETBULK the two integers are non-repeaters and max-repetitions.
        assert_eq!((pdu.error_status, pdu.error_index), (0, 25));
        let oids: Vec<Vec<u32>> = pdu.varbinds.map(|(o, _)| oid_arcs(&o).unwrap()).collect();
        assert_eq!(oids, cols.iter().map(|c| c.to_vec()).collect::<Vec<_>>());

        let one: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 3, 0];
        let msg = encode(0, b"public", 7, &Request::Get(&[one]));
        let pdu = snmp2::Pdu::from_bytes(&msg).unwrap();
        assert_eq!(
            (pdu.message_type, pdu.version().unwrap()),
            (snmp2::MessageType::GetRequest, snmp2::Version::V1)
        );
        let msg = encode(1, b"public", 8, &Request::GetNext(one));
        assert_eq!(
            snmp2::Pdu::from_bytes(&msg).unwrap().message_type,
            snmp2::MessageType::GetNextRequest
        );
    }
}
