//! Owned SNMP values, detached from the reply buffer they were decoded from.

use std::collections::{BTreeMap, HashMap};

use snmp2::Value;

/// An OID as its arcs; `Vec`'s ordering is OID ordering.
pub type Oid = Vec<u32>;

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Int(i64),
    Str(Vec<u8>),
    Oid(Oid),
    IpAddress([u8; 4]),
    Counter32(u32),
    /// Gauge32 / Unsigned32.
    Unsigned32(u32),
    Timeticks(u32),
    Counter64(u64),
    Opaque(Vec<u8>),
    Null,
    NoSuchObject,
    NoSuchInstance,
    EndOfMibView,
    /// A type netgauge never asks for (e.g. a nested PDU).
    Unsupported,
}

impl Val {
    pub fn from_snmp(v: &Value<'_>) -> Val {
        match v {
            Value::Integer(i) => Val::Int(*i),
            Value::OctetString(s) => Val::Str(s.to_vec()),
            Value::ObjectIdentifier(o) => oid_arcs(o).map_or(Val::Unsupported, Val::Oid),
            Value::IpAddress(a) => Val::IpAddress(*a),
            Value::Counter32(c) => Val::Counter32(*c),
            Value::Unsigned32(c) => Val::Unsigned32(*c),
            Value::Timeticks(t) => Val::Timeticks(*t),
            Value::Counter64(c) => Val::Counter64(*c),
            Value::Opaque(o) => Val::Opaque(o.to_vec()),
            Value::Null => Val::Null,
            Value::NoSuchObject => Val::NoSuchObject,
            Value::NoSuchInstance => Val::NoSuchInstance,
            Value::EndOfMibView => Val::EndOfMibView,
            _ => Val::Unsupported,
        }
    }

    /// Any unsigned or non-negative integer type, widened.
    pub fn as_u64(&self) -> Option<u64> {
        match *self {
            Val::Int(i) if i >= 0 => Some(i as u64),
            Val::Counter32(v) | Val::Unsigned32(v) | Val::Timeticks(v) => Some(u64::from(v)),
            Val::Counter64(v) => Some(v),
            _ => None,
        }
    }

    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Val::Str(s) | Val::Opaque(s) => Some(s),
            _ => None,
        }
    }

    /// A DisplayString as text: invalid UTF-8 replaced, trailing NULs and
    /// surrounding whitespace dropped (some agents pad with either).
    pub fn as_text(&self) -> Option<String> {
        let b = self.as_bytes()?;
        let s = String::from_utf8_lossy(b);
        Some(s.trim_end_matches('\0').trim().to_owned())
    }

    /// The agent has no value here (as opposed to a value of zero).
    pub fn is_absent(&self) -> bool {
        matches!(
            self,
            Val::Null | Val::NoSuchObject | Val::NoSuchInstance | Val::EndOfMibView
        )
    }
}

pub fn oid_arcs(o: &snmp2::Oid<'_>) -> Option<Oid> {
    decode_oid(o.as_bytes())
}

/// The arcs of an OBJECT IDENTIFIER from its BER contents (X.690 §8.19),
/// into one allocation sized for the worst case: this runs for every
/// varbind of every reply, and collecting asn1-rs's arc iterator grew each
/// OID's vector three times. `None` when an arc exceeds 32 bits (SNMP's
/// limit) or the last arc is cut short.
pub fn decode_oid(bytes: &[u8]) -> Option<Oid> {
    let mut arcs = Vec::with_capacity(bytes.len() + 1);
    let mut v: u64 = 0;
    for &b in bytes {
        v = (v << 7) | u64::from(b & 0x7f);
        // The first subidentifier is 40·X + Y, so it may exceed 32 bits by 80.
        if v > u64::from(u32::MAX) + 80 {
            return None;
        }
        if b & 0x80 != 0 {
            continue;
        }
        if arcs.is_empty() {
            let (x, y) = match v {
                0..=39 => (0, v),
                40..=79 => (1, v - 40),
                _ => (2, v - 80),
            };
            arcs.push(x);
            arcs.push(u32::try_from(y).ok()?);
        } else {
            arcs.push(u32::try_from(v).ok()?);
        }
        v = 0;
    }
    if bytes.last().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    Some(arcs)
}

/// Dotted form, e.g. `1.3.6.1.2.1.1.1.0`.
pub fn dotted(oid: &[u32]) -> String {
    let mut s = String::with_capacity(oid.len() * 4);
    for (i, a) in oid.iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        s.push_str(&a.to_string());
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(arcs: &[u64]) -> Vec<u8> {
        snmp2::Oid::from(arcs).unwrap().as_bytes().to_vec()
    }

    #[test]
    fn oids_decode_to_the_arcs_they_were_encoded_from() {
        let cases: [&[u64]; 5] = [
            &[1, 3, 6, 1, 2, 1, 2, 2, 1, 10, 1],
            &[1, 3, 6, 1, 4, 1, 9, 9, 109, 1, 1, 1, 1, 8, 4294967295],
            &[1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 1, 128, 16383, 16384, 2097151, 2097152],
            &[0, 39],
            &[1, 0],
        ];
        for arcs in cases {
            let want: Vec<u32> = arcs.iter().map(|&a| a as u32).collect();
            assert_eq!(decode_oid(&encoded(arcs)), Some(want), "{arcs:?}");
        }
        // 2.999.3: the first subidentifier (2·40 + 999 = 1079) takes two octets,
        // which asn1-rs neither writes nor reads.
        assert_eq!(decode_oid(&[0x88, 0x37, 0x03]), Some(vec![2, 999, 3]));
    }

    #[test]
    fn zero_dot_zero_is_two_arcs() {
        // zeroDotZero (e.g. ifSpecific) is the single octet 0.
        assert_eq!(decode_oid(&[0]), Some(vec![0, 0]));
        let o = snmp2::Oid::from(&[0u64, 0][..]).unwrap();
        assert_eq!(oid_arcs(&o), Some(vec![0, 0]));
    }

    #[test]
    fn arcs_past_32_bits_and_cut_encodings_are_refused() {
        assert_eq!(decode_oid(&encoded(&[1, 3, 6, 4294967296])), None);
        // The last octet still says "more follows".
        assert_eq!(decode_oid(&[0x2b, 0x06, 0x81]), None);
        assert_eq!(decode_oid(&[]), Some(vec![]));
    }
}

/// Walked table columns: column OID → row index → value. What a
/// collector's walks give its pure `build`.
#[derive(Debug, Default)]
pub struct Walked {
    pub columns: HashMap<Oid, BTreeMap<Oid, Val>>,
}

impl Walked {
    pub fn column(&self, entry: &[u32], col: u32) -> Option<&BTreeMap<Oid, Val>> {
        let mut o = entry.to_vec();
        o.push(col);
        self.columns.get(&o)
    }

    pub fn get(&self, entry: &[u32], col: u32, idx: &Oid) -> Option<&Val> {
        self.column(entry, col)?.get(idx).filter(|v| !v.is_absent())
    }

    pub fn int(&self, entry: &[u32], col: u32, idx: &Oid) -> Option<i64> {
        match self.get(entry, col, idx)? {
            Val::Int(i) => Some(*i),
            v => v.as_u64().and_then(|u| i64::try_from(u).ok()),
        }
    }

    pub fn text(&self, entry: &[u32], col: u32, idx: &Oid) -> String {
        self.get(entry, col, idx).and_then(Val::as_text).unwrap_or_default()
    }

    pub fn rows(&self, entry: &[u32], col: u32) -> Vec<Oid> {
        self.column(entry, col)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }
}
