//! Owned SNMP values, detached from the reply buffer they were decoded from.

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
    let mut arcs: Oid = o.iter()?.map(|a| u32::try_from(a).ok()).collect::<Option<_>>()?;
    // asn1-rs reads the one-octet encoding of 0.0 (zeroDotZero, e.g. ifSpecific) as "0";
    // every encoded OID has at least two arcs.
    if arcs.len() == 1 {
        arcs.push(0);
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
