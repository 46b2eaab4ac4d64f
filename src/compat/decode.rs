//! Values and index OIDs turned into numbers and label text, the way
//! snmp_exporter does it, so the same agent gives the same series.
//!
//! Pure functions: every rule here is pinned by a unit test.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::config::Ty;
use crate::collector::snmp::value::{dotted, Val};

/// 2^53: Counter64 values are wrapped here (snmp_exporter's default
/// `--snmp.wrap-large-counters`) so a float64 holds them exactly and
/// `rate()` sees an ordinary counter reset instead of rounding noise.
const FLOAT64_MANTISSA: u64 = 1 << 53;

/// An Opaque-wrapped float or double (net-snmp's extension), if that is what it holds.
fn opaque_float(bytes: &[u8]) -> Option<f64> {
    match bytes {
        [0x9f, 0x78, 0x04, b @ ..] if b.len() == 4 => Some(f64::from(f32::from_be_bytes([b[0], b[1], b[2], b[3]]))),
        [0x9f, 0x79, 0x08, b @ ..] if b.len() == 8 => {
            Some(f64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]]))
        }
        _ => None,
    }
}

/// The number a value stands for; strings and other non-numbers are 0.
pub fn number(v: &Val, wrap_counters: bool) -> f64 {
    match v {
        Val::Int(i) => *i as f64,
        Val::Counter32(u) | Val::Unsigned32(u) | Val::Timeticks(u) => f64::from(*u),
        Val::Counter64(u) if wrap_counters => (u % FLOAT64_MANTISSA) as f64,
        Val::Counter64(u) => *u as f64,
        Val::Opaque(b) => opaque_float(b).unwrap_or(0.0),
        _ => 0.0,
    }
}

/// The integer a looked-up value stands for, when it indexes the next lookup of a chain.
pub fn integer(v: &Val) -> i64 {
    match v {
        Val::Int(i) => *i,
        Val::Counter32(u) | Val::Unsigned32(u) | Val::Timeticks(u) => i64::from(*u),
        Val::Counter64(u) => *u as i64,
        _ => 0,
    }
}

/// A value as label text, read as type `ty`.
pub fn text(v: &Val, ty: Option<Ty>) -> String {
    match v {
        Val::Int(i) => i.to_string(),
        Val::Counter32(u) | Val::Unsigned32(u) | Val::Timeticks(u) => u.to_string(),
        Val::Counter64(u) => u.to_string(),
        Val::Oid(o) => dotted(o),
        Val::IpAddress(a) => format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]),
        // Shortest text at the value's own precision, as Go's FormatFloat(…, 32 or 64) writes it.
        Val::Opaque(b) => match b.as_slice() {
            [0x9f, 0x78, 0x04, x @ ..] if x.len() == 4 => f32::from_be_bytes([x[0], x[1], x[2], x[3]]).to_string(),
            _ => match opaque_float(b) {
                Some(f) => f.to_string(),
                None => bytes_text(b, ty),
            },
        },
        Val::Str(b) => bytes_text(b, ty),
        _ => String::new(),
    }
}

fn bytes_text(b: &[u8], ty: Option<Ty>) -> String {
    let ty = match ty {
        None | Some(Ty::Bits) => Ty::OctetString,
        // Only meaningful for numbers; read the bytes as an OctetString rather than fail.
        Some(Ty::DateAndTime | Ty::NtpTimeStamp | Ty::Float | Ty::Double | Ty::EnumAsStateSet) => Ty::OctetString,
        Some(t) => t,
    };
    let mut parts: Vec<u32> = Vec::with_capacity(b.len() + 1);
    if matches!(ty, Ty::OctetString | Ty::DisplayString) {
        // An index states the length; a value has it implicitly.
        parts.push(b.len() as u32);
    }
    parts.extend(b.iter().map(|&x| u32::from(x)));
    index(&parts, ty, 0, false, &BTreeMap::new()).0
}

/// The first `count` arcs (zero-padded: some agents drop trailing zeros) and the rest.
fn split(oids: &[u32], count: usize) -> (Vec<u32>, &[u32]) {
    let mut head = vec![0; count];
    let n = count.min(oids.len());
    head[..n].copy_from_slice(&oids[..n]);
    (head, &oids[n..])
}

/// Index arcs as label text: the text, the arcs it used (for lookups), and
/// the arcs left for the next index.
pub fn index<'a>(
    oids: &'a [u32],
    ty: Ty,
    fixed_size: usize,
    implied: bool,
    enums: &BTreeMap<i64, String>,
) -> (String, Vec<u32>, &'a [u32]) {
    if let Some(mapping) = ty.combined() {
        let missing_size = ty == Ty::InetAddressMissingSize;
        let (sub, values) = split(oids, if missing_size { 1 } else { 2 });
        if let Some((_, t)) = mapping.iter().find(|(k, _)| *k == i64::from(sub[0])) {
            let (s, used, rest) = index(values, *t, 0, false, enums);
            let mut all = sub;
            all.extend(used);
            return (s, all, rest);
        }
        if missing_size {
            // The size is unknown: everything left is the address.
            return index(oids, Ty::OctetString, 0, true, enums);
        }
        // The second arc is the length.
        return index(oids, Ty::OctetString, sub[1] as usize + 2, false, enums);
    }
    match ty {
        Ty::PhysAddress48 => {
            let (sub, rest) = split(oids, 6);
            let s = sub.iter().map(|o| format!("{o:02X}")).collect::<Vec<_>>().join(":");
            (s, sub, rest)
        }
        Ty::OctetString | Ty::DisplayString => {
            let mut used = Vec::new();
            let mut rest = oids;
            let mut length = if implied { rest.len() } else { fixed_size };
            if length == 0 {
                let (len, r) = split(rest, 1);
                length = len[0] as usize;
                used.extend(len);
                rest = r;
            }
            // A length beyond what is there is a broken index, not a reason to allocate gigabytes.
            let length = length.min(rest.len().max(64));
            let (content, rest) = split(rest, length);
            used.extend(&content);
            let bytes: Vec<u8> = content.iter().map(|&o| o as u8).collect();
            let s = if ty == Ty::DisplayString {
                String::from_utf8_lossy(&bytes).into_owned()
            } else if bytes.is_empty() {
                String::new()
            } else {
                let mut s = String::with_capacity(2 + 2 * bytes.len());
                s.push_str("0x");
                for b in &bytes {
                    let _ = write!(s, "{b:02X}");
                }
                s
            };
            (s, used, rest)
        }
        Ty::InetAddressIPv4 => {
            let (sub, rest) = split(oids, 4);
            let s = sub.iter().map(u32::to_string).collect::<Vec<_>>().join(".");
            (s, sub, rest)
        }
        Ty::InetAddressIPv6 => {
            let (sub, rest) = split(oids, 16);
            let mut s = String::with_capacity(39);
            for (i, o) in sub.iter().enumerate() {
                if i > 0 && i % 2 == 0 {
                    s.push(':');
                }
                let _ = write!(s, "{o:02X}");
            }
            (s, sub, rest)
        }
        Ty::EnumAsInfo => {
            let (sub, rest) = split(oids, 1);
            let s = enums
                .get(&i64::from(sub[0]))
                .cloned()
                .unwrap_or_else(|| sub[0].to_string());
            (s, sub, rest)
        }
        // Integer-like (gauge, counter, Integer) and anything else: one arc as a number.
        _ => {
            let (sub, rest) = split(oids, 1);
            (sub[0].to_string(), sub, rest)
        }
    }
}

/// RFC 2579 DateAndTime (8 or 11 octets) as a Unix time.
pub fn date_and_time(v: &Val) -> Result<f64, String> {
    let Val::Str(b) = v else {
        return Err(format!("DateAndTime is not an OCTET STRING: {v:?}"));
    };
    let offset_secs = match b.len() {
        8 => 0,
        11 => {
            let sign = match b[8] {
                b'+' => 1,
                b'-' => -1,
                other => return Err(format!("bad time zone direction {other:#x}")),
            };
            if b[9] > 13 || b[10] > 59 {
                return Err(format!("bad time zone offset {}:{}", b[9], b[10]));
            }
            sign * (i64::from(b[9]) * 3600 + i64::from(b[10]) * 60)
        }
        n => return Err(format!("DateAndTime must be 8 or 11 octets, not {n}")),
    };
    let year = i64::from(u16::from_be_bytes([b[0], b[1]]));
    let (month, day) = (i64::from(b[2]), i64::from(b[3]));
    let (hour, minute, second) = (i64::from(b[4]), i64::from(b[5]), i64::from(b[6]));
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return Err(format!("DateAndTime out of range: {b:?}"));
    }
    let days = days_from_civil(year, month, day);
    let local = days * 86_400 + hour * 3600 + minute * 60 + second;
    // Deci-seconds are dropped, as snmp_exporter's Unix() drops them.
    Ok((local - offset_secs) as f64)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An NTP timestamp (RFC 5905: seconds since 1900, then a 32-bit fraction) as a Unix time.
pub fn ntp_timestamp(v: &Val) -> Result<f64, String> {
    let Val::Str(b) = v else {
        return Err(format!("NTPTimeStamp is not an OCTET STRING: {v:?}"));
    };
    if b.len() != 8 {
        return Err(format!("NTPTimeStamp must be 8 octets, not {}", b.len()));
    }
    let secs = f64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    let frac = f64::from(u32::from_be_bytes([b[4], b[5], b[6], b[7]])) / 4_294_967_296.0;
    Ok(secs - 2_208_988_800.0 + frac)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none() -> BTreeMap<i64, String> {
        BTreeMap::new()
    }

    #[test]
    fn integer_index_takes_one_arc() {
        let (s, used, rest) = index(&[5, 7], Ty::Gauge, 0, false, &none());
        assert_eq!((s.as_str(), used, rest), ("5", vec![5], &[7][..]));
    }

    #[test]
    fn missing_trailing_arcs_are_zeros() {
        let (s, used, rest) = index(&[10, 0, 0], Ty::InetAddressIPv4, 0, false, &none());
        assert_eq!((s.as_str(), used.len(), rest.len()), ("10.0.0.0", 4, 0));
    }

    #[test]
    fn string_indexes_with_length_fixed_and_implied() {
        assert_eq!(
            index(&[3, 97, 98, 99, 9], Ty::DisplayString, 0, false, &none()).0,
            "abc"
        );
        assert_eq!(index(&[3, 97, 98, 99, 9], Ty::DisplayString, 0, false, &none()).2, &[9]);
        assert_eq!(index(&[97, 98], Ty::DisplayString, 0, true, &none()).0, "ab");
        assert_eq!(index(&[1, 171, 2], Ty::OctetString, 2, false, &none()).0, "0x01AB");
        assert_eq!(index(&[0], Ty::OctetString, 0, false, &none()).0, "");
    }

    #[test]
    fn mac_and_ipv6() {
        assert_eq!(
            index(&[0, 26, 43, 60, 77, 255], Ty::PhysAddress48, 0, false, &none()).0,
            "00:1A:2B:3C:4D:FF"
        );
        let v6: Vec<u32> = vec![32, 1, 13, 184, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
        assert_eq!(
            index(&v6, Ty::InetAddressIPv6, 0, false, &none()).0,
            "2001:0DB8:0000:0000:0000:0000:0000:0001"
        );
    }

    #[test]
    fn inet_address_index_reads_its_type_and_length() {
        // ipv4(1), length 4, 192.0.2.1, then an ifIndex.
        let (s, used, rest) = index(&[1, 4, 192, 0, 2, 1, 7], Ty::InetAddress, 0, false, &none());
        assert_eq!((s.as_str(), used.len(), rest), ("192.0.2.1", 6, &[7][..]));
        // Without the length (some Juniper tables).
        let (s, _, rest) = index(&[1, 192, 0, 2, 1, 7], Ty::InetAddressMissingSize, 0, false, &none());
        assert_eq!((s.as_str(), rest), ("192.0.2.1", &[7][..]));
        // An unknown address type (dns(16)): the bytes, as hex.
        assert_eq!(
            index(&[16, 2, 97, 98], Ty::InetAddress, 0, false, &none()).0,
            "0x10026162"
        );
    }

    #[test]
    fn enum_index_uses_its_names() {
        let enums = BTreeMap::from([(1, "up".to_owned())]);
        assert_eq!(index(&[1], Ty::EnumAsInfo, 0, false, &enums).0, "up");
        assert_eq!(index(&[4], Ty::EnumAsInfo, 0, false, &enums).0, "4");
    }

    #[test]
    fn value_text_by_type() {
        let mac = Val::Str(vec![0, 0x1a, 0x2b, 0x3c, 0x4d, 0x5e]);
        assert_eq!(text(&mac, Some(Ty::PhysAddress48)), "00:1A:2B:3C:4D:5E");
        assert_eq!(text(&mac, Some(Ty::OctetString)), "0x001A2B3C4D5E");
        assert_eq!(text(&mac, None), "0x001A2B3C4D5E");
        assert_eq!(text(&Val::Str(b"eth0".to_vec()), Some(Ty::DisplayString)), "eth0");
        assert_eq!(text(&Val::Str(vec![0xff, b'a']), Some(Ty::DisplayString)), "\u{fffd}a");
        assert_eq!(text(&Val::Str(vec![]), Some(Ty::OctetString)), "");
        assert_eq!(
            text(&Val::Str(vec![192, 0, 2, 9]), Some(Ty::InetAddressIPv4)),
            "192.0.2.9"
        );
        assert_eq!(text(&Val::Int(-3), Some(Ty::DisplayString)), "-3");
        assert_eq!(text(&Val::Oid(vec![1, 3, 6, 1]), None), "1.3.6.1");
        assert_eq!(text(&Val::IpAddress([10, 1, 2, 3]), None), "10.1.2.3");
        assert_eq!(text(&Val::Null, Some(Ty::DisplayString)), "");
    }

    #[test]
    fn numbers_and_counter64_wrapping() {
        assert_eq!(number(&Val::Int(-5), true), -5.0);
        assert_eq!(number(&Val::Counter32(u32::MAX), true), 4_294_967_295.0);
        assert_eq!(number(&Val::Counter64((1 << 53) + 7), true), 7.0);
        assert_eq!(number(&Val::Counter64((1 << 53) + 8), false), 9_007_199_254_741_000.0);
        assert_eq!(number(&Val::Str(b"12".to_vec()), true), 0.0);
        let f = [0x9f, 0x78, 0x04, 0x40, 0x49, 0x0f, 0xdb];
        assert!((number(&Val::Opaque(f.to_vec()), true) - std::f64::consts::PI).abs() < 1e-6);
    }

    #[test]
    fn date_and_time_with_and_without_zone() {
        // 2023-05-06 07:08:09.5 UTC
        let utc = Val::Str(vec![0x07, 0xe7, 5, 6, 7, 8, 9, 5]);
        assert_eq!(date_and_time(&utc).unwrap(), 1_683_356_889.0);
        // The same instant written as 09:08:09 at +02:00.
        let plus2 = Val::Str(vec![0x07, 0xe7, 5, 6, 9, 8, 9, 5, b'+', 2, 0]);
        assert_eq!(date_and_time(&plus2).unwrap(), 1_683_356_889.0);
        assert!(date_and_time(&Val::Str(vec![1, 2, 3])).is_err());
        assert!(date_and_time(&Val::Int(1)).is_err());
    }

    #[test]
    fn ntp_timestamps() {
        let v = Val::Str(vec![0xe8, 0x0b, 0x2e, 0x80, 0x80, 0, 0, 0]);
        assert_eq!(
            ntp_timestamp(&v).unwrap(),
            f64::from(0xe80b_2e80_u32) - 2_208_988_800.0 + 0.5
        );
    }
}
