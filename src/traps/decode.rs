//! Datagrams → notifications: SNMPv1 Trap-PDUs, SNMPv2 Trap and
//! InformRequest PDUs, and the Response that acknowledges an inform.
//!
//! Pure functions over bytes. Community messages are decoded by snmp2's
//! parser (the one the poller uses); SNMPv3 framing and USM are in
//! [`super::usm`], which hands its decrypted PDU to [`from_pdu_parts`] so
//! both paths produce the same [`Notification`]. SNMPv1 traps are
//! translated to the SNMPv2 form (RFC 3584 §3.1), so definitions name one
//! OID per notification whatever the version.

use std::net::Ipv4Addr;

use snmp2::{MessageType, Pdu, Varbinds};

use crate::collector::snmp::value::{oid_arcs, Oid, Val};
use crate::config::SnmpVersion;

/// sysUpTime.0 and snmpTrapOID.0: the first two varbinds of a v2 notification.
const SYS_UPTIME_0: [u32; 9] = [1, 3, 6, 1, 2, 1, 1, 3, 0];
const SNMP_TRAP_OID_0: [u32; 11] = [1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0];
/// snmpTrapAddress.0 (RFC 3584): the original agent, added by relays.
pub const SNMP_TRAP_ADDRESS_0: [u32; 10] = [1, 3, 6, 1, 6, 3, 18, 1, 3, 0];
/// snmpTraps: the generic traps' OIDs are this plus (generic-trap + 1).
const SNMP_TRAPS: [u32; 9] = [1, 3, 6, 1, 6, 3, 1, 1, 5];

/// Varbinds kept per notification; a device sending more is truncated.
pub const MAX_VARBINDS: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Trap,
    /// Acknowledged: the sender retries until it gets a Response.
    Inform,
}

/// One notification, whatever version carried it.
#[derive(Debug, Clone, PartialEq)]
pub struct Notification {
    pub version: SnmpVersion,
    pub kind: Kind,
    /// The community (v1/v2c) or the USM user name (v3), as sent.
    pub credential: Vec<u8>,
    pub request_id: i32,
    /// snmpTrapOID.0, or the translation of a v1 trap.
    pub trap_oid: Oid,
    /// sysUpTime.0 (v2) or the time-stamp (v1), in hundredths of a second.
    pub uptime: Option<u32>,
    /// The v1 agent-addr, or snmpTrapAddress.0: who a relay forwards for.
    pub agent_addr: Option<Ipv4Addr>,
    /// Every other varbind, in order (at most [`MAX_VARBINDS`]).
    pub varbinds: Vec<(Oid, Val)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("not an SNMP message")]
    NotSnmp,
    #[error("SNMP version {0} is not supported")]
    Version(i64),
    #[error("a {0} PDU is not a notification")]
    NotNotification(&'static str),
    #[error("the notification has no snmpTrapOID.0")]
    NoTrapOid,
}

/// The SNMP version field of a message, without decoding the rest:
/// 0 = v1, 1 = v2c, 3 = v3.
pub fn message_version(datagram: &[u8]) -> Option<i64> {
    let seq = snmp2::AsnReader::from_bytes(datagram)
        .read_raw(snmp2::asn1::TYPE_SEQUENCE)
        .ok()?;
    snmp2::AsnReader::from_bytes(seq).read_asn_integer().ok()
}

/// Decodes a v1 or v2c message.
pub fn decode_community(datagram: &[u8]) -> Result<Notification, DecodeError> {
    let pdu = Pdu::from_bytes(datagram).map_err(|_| match message_version(datagram) {
        Some(v) if v != 0 && v != 1 => DecodeError::Version(v),
        _ => DecodeError::NotSnmp,
    })?;
    let version = match pdu.version() {
        Ok(snmp2::Version::V1) => SnmpVersion::V1,
        Ok(snmp2::Version::V2C) => SnmpVersion::V2c,
        _ => return Err(DecodeError::NotSnmp),
    };
    if let Some(v1) = &pdu.v1_trap_info {
        let enterprise = oid_arcs(&v1.enterprise).ok_or(DecodeError::NotSnmp)?;
        let trap_oid = match v1.generic_trap {
            0..=5 => {
                let mut o = SNMP_TRAPS.to_vec();
                o.push(v1.generic_trap as u32 + 1);
                o
            }
            _ => {
                let mut o = enterprise;
                o.push(0);
                o.push(u32::try_from(v1.specific_trap).map_err(|_| DecodeError::NotSnmp)?);
                o
            }
        };
        let agent = match v1.agent_addr {
            std::net::IpAddr::V4(a) if !a.is_unspecified() => Some(a),
            _ => None,
        };
        let varbinds: Vec<(Oid, Val)> = owned(pdu.varbinds.clone());
        return Ok(Notification {
            version,
            kind: Kind::Trap,
            credential: pdu.community.to_vec(),
            request_id: 0,
            trap_oid,
            uptime: Some(v1.timestamp),
            agent_addr: agent.or_else(|| trap_address(&varbinds)),
            varbinds,
        });
    }
    from_pdu_parts(
        version,
        pdu.message_type,
        pdu.community,
        pdu.req_id,
        pdu.varbinds.clone(),
    )
}

/// A v2-style notification from its parts (v2c, and v3 after USM).
pub fn from_pdu_parts(
    version: SnmpVersion,
    message_type: MessageType,
    credential: &[u8],
    request_id: i32,
    varbinds: Varbinds<'_>,
) -> Result<Notification, DecodeError> {
    let kind = match message_type {
        MessageType::Trap => Kind::Trap,
        MessageType::InformRequest => Kind::Inform,
        other => return Err(DecodeError::NotNotification(type_name(other))),
    };
    let mut uptime = None;
    let mut trap_oid = None;
    let mut rest = Vec::new();
    for (oid, val) in owned(varbinds) {
        if oid == SYS_UPTIME_0 && uptime.is_none() {
            uptime = val.as_u64().and_then(|v| u32::try_from(v).ok());
        } else if oid == SNMP_TRAP_OID_0 && trap_oid.is_none() {
            match val {
                // An OID has two arcs at least; an empty one names nothing.
                Val::Oid(o) if o.len() >= 2 => trap_oid = Some(o),
                _ => return Err(DecodeError::NoTrapOid),
            }
        } else {
            rest.push((oid, val));
        }
    }
    let trap_oid = trap_oid.ok_or(DecodeError::NoTrapOid)?;
    Ok(Notification {
        version,
        kind,
        credential: credential.to_vec(),
        request_id,
        trap_oid,
        uptime,
        agent_addr: trap_address(&rest),
        varbinds: rest,
    })
}

/// The Response that acknowledges a v2c inform: the same request id and
/// varbinds, no error (RFC 3416 §4.2.7).
pub fn community_inform_response(datagram: &[u8]) -> Option<Vec<u8>> {
    let mut pdu = Pdu::from_bytes(datagram).ok()?;
    if pdu.message_type != MessageType::InformRequest {
        return None;
    }
    pdu.message_type = MessageType::Response;
    pdu.error_status = 0;
    pdu.error_index = 0;
    pdu.to_bytes().ok()
}

fn trap_address(varbinds: &[(Oid, Val)]) -> Option<Ipv4Addr> {
    varbinds.iter().find_map(|(oid, val)| match val {
        Val::IpAddress(a) if *oid == SNMP_TRAP_ADDRESS_0 => Some(Ipv4Addr::from(*a)),
        _ => None,
    })
}

fn owned(varbinds: Varbinds<'_>) -> Vec<(Oid, Val)> {
    varbinds
        .take(MAX_VARBINDS + 2)
        .filter_map(|(oid, val)| Some((oid_arcs(&oid)?, Val::from_snmp(&val))))
        .collect()
}

fn type_name(t: MessageType) -> &'static str {
    match t {
        MessageType::GetRequest => "GetRequest",
        MessageType::GetNextRequest => "GetNextRequest",
        MessageType::GetBulkRequest => "GetBulkRequest",
        MessageType::Response => "Response",
        MessageType::SetRequest => "SetRequest",
        MessageType::InformRequest => "InformRequest",
        MessageType::Trap => "SNMPv2-Trap",
        MessageType::TrapV1 => "Trap",
        MessageType::Report => "Report",
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    use crate::traps::ber::{int, oid, tlv};

    pub fn varbind(name: &[u32], value: Vec<u8>) -> Vec<u8> {
        tlv(0x30, &[oid(name), value].concat())
    }

    /// A v2c notification (`pdu_tag` 0xA7 trap, 0xA6 inform).
    pub fn v2c(community: &str, pdu_tag: u8, request_id: i64, trap: &[u32], extra: &[Vec<u8>]) -> Vec<u8> {
        let mut vbs = vec![
            varbind(&SYS_UPTIME_0, tlv(0x43, &[0x01, 0x00])),
            varbind(&SNMP_TRAP_OID_0, oid(trap)),
        ];
        vbs.extend_from_slice(extra);
        let pdu = tlv(
            pdu_tag,
            &[int(request_id), int(0), int(0), tlv(0x30, &vbs.concat())].concat(),
        );
        tlv(0x30, &[int(1), tlv(0x04, community.as_bytes()), pdu].concat())
    }

    const LINK_DOWN: [u32; 10] = [1, 3, 6, 1, 6, 3, 1, 1, 5, 3];

    #[test]
    fn a_v2c_trap_decodes_to_its_trap_oid_and_the_other_varbinds() {
        let ifindex = varbind(&[1, 3, 6, 1, 2, 1, 2, 2, 1, 1, 3], int(3));
        let msg = v2c("public", 0xA7, 42, &LINK_DOWN, &[ifindex]);
        let n = decode_community(&msg).unwrap();
        assert_eq!(n.version, SnmpVersion::V2c);
        assert_eq!(n.kind, Kind::Trap);
        assert_eq!(n.credential, b"public");
        assert_eq!(n.trap_oid, LINK_DOWN);
        assert_eq!(n.uptime, Some(256));
        assert_eq!(n.varbinds, vec![(vec![1, 3, 6, 1, 2, 1, 2, 2, 1, 1, 3], Val::Int(3))]);
    }

    #[test]
    fn a_v1_trap_is_translated_to_the_v2_trap_oid() {
        // Generic linkDown(2) and an enterprise-specific trap 17 of enterprise 1.3.6.1.4.1.9.
        for (generic, specific, want) in [(2, 0, LINK_DOWN.to_vec()), (6, 17, vec![1, 3, 6, 1, 4, 1, 9, 0, 17])] {
            let pdu = tlv(
                0xA4,
                &[
                    oid(&[1, 3, 6, 1, 4, 1, 9]),
                    tlv(0x40, &[192, 0, 2, 7]),
                    int(generic),
                    int(specific),
                    tlv(0x43, &[0x10]),
                    tlv(0x30, &varbind(&[1, 3, 6, 1, 2, 1, 2, 2, 1, 1, 2], int(2))),
                ]
                .concat(),
            );
            let msg = tlv(0x30, &[int(0), tlv(0x04, b"c"), pdu].concat());
            let n = decode_community(&msg).unwrap();
            assert_eq!(n.version, SnmpVersion::V1);
            assert_eq!(n.trap_oid, want);
            assert_eq!(n.agent_addr, Some(Ipv4Addr::new(192, 0, 2, 7)));
            assert_eq!(n.uptime, Some(16));
        }
    }

    #[test]
    fn an_inform_is_answered_with_a_response_of_the_same_request_id_and_varbinds() {
        let msg = v2c("public", 0xA6, 7, &LINK_DOWN, &[]);
        assert_eq!(decode_community(&msg).unwrap().kind, Kind::Inform);
        let resp = community_inform_response(&msg).unwrap();
        let pdu = Pdu::from_bytes(&resp).unwrap();
        assert_eq!(pdu.message_type, MessageType::Response);
        assert_eq!(pdu.req_id, 7);
        assert_eq!(pdu.varbinds.count(), 2);
        assert!(community_inform_response(&v2c("public", 0xA7, 7, &LINK_DOWN, &[])).is_none());
    }

    /// Found by the property tests: a zero-length OID as snmpTrapOID.0.
    #[test]
    fn a_notification_whose_trap_oid_is_empty_is_refused() {
        let vbs = [
            varbind(&SYS_UPTIME_0, tlv(0x43, &[1])),
            varbind(&SNMP_TRAP_OID_0, tlv(0x06, &[])),
        ]
        .concat();
        let pdu = tlv(0xA7, &[int(1), int(0), int(0), tlv(0x30, &vbs)].concat());
        let msg = tlv(0x30, &[int(1), tlv(0x04, b"c"), pdu].concat());
        assert_eq!(decode_community(&msg), Err(DecodeError::NoTrapOid));
    }

    #[test]
    fn requests_garbage_and_missing_trap_oids_are_errors_not_panics() {
        let get = v2c("public", 0xA0, 1, &LINK_DOWN, &[]);
        assert_eq!(decode_community(&get), Err(DecodeError::NotNotification("GetRequest")));
        assert_eq!(decode_community(b"\x00\x01garbage"), Err(DecodeError::NotSnmp));
        assert_eq!(decode_community(&[]), Err(DecodeError::NotSnmp));
        let v9 = tlv(0x30, &[int(9), tlv(0x04, b"c")].concat());
        assert_eq!(decode_community(&v9), Err(DecodeError::Version(9)));
        let pdu = tlv(0xA7, &[int(1), int(0), int(0), tlv(0x30, &[])].concat());
        let no_oid = tlv(0x30, &[int(1), tlv(0x04, b"c"), pdu].concat());
        assert_eq!(decode_community(&no_oid), Err(DecodeError::NoTrapOid));
    }
}
