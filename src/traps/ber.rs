//! BER for the messages the receiver sends (inform Responses and Reports),
//! as whole TLVs: thin wrappers over the encoder the SNMP client already
//! uses for its requests ([`crate::collector::snmp::community`]). Reading
//! is snmp2's `AsnReader`.

use crate::collector::snmp::community::{int_bytes, oid_bytes};

/// A TLV with definite length.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 4);
    crate::collector::snmp::community::tlv(&mut out, tag, content);
    out
}

pub fn sequence(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

pub fn octets(bytes: &[u8]) -> Vec<u8> {
    tlv(0x04, bytes)
}

/// An INTEGER in the fewest octets (two's complement).
pub fn int(v: i64) -> Vec<u8> {
    tlv(0x02, &int_bytes(v))
}

/// Counter32 (application 1), unsigned.
pub fn counter32(v: u32) -> Vec<u8> {
    tlv(0x41, &int_bytes(i64::from(v)))
}

pub fn oid(arcs: &[u32]) -> Vec<u8> {
    tlv(0x06, &oid_bytes(arcs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_oids_and_lengths_encode_as_x690_says() {
        assert_eq!(int(0), [2, 1, 0]);
        assert_eq!(int(127), [2, 1, 127]);
        assert_eq!(int(128), [2, 2, 0, 128]);
        assert_eq!(int(-1), [2, 1, 0xff]);
        assert_eq!(counter32(u32::MAX), [0x41, 5, 0, 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(oid(&[1, 3, 6, 1, 4, 1, 2636]), [6, 7, 0x2b, 6, 1, 4, 1, 0x94, 0x4c]);
        assert_eq!(tlv(4, &[0; 200])[..3], [4, 0x81, 200]);
        assert_eq!(tlv(4, &[0; 300])[..4], [4, 0x82, 1, 44]);
    }
}
