//! A minimal BER writer for the messages the receiver sends (inform
//! Responses and Reports). Reading is snmp2's `AsnReader`.

/// A TLV with definite length.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 4);
    out.push(tag);
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n <= 0xff {
        out.extend([0x81, n as u8]);
    } else if n <= 0xffff {
        out.extend([0x82, (n >> 8) as u8, n as u8]);
    } else {
        out.extend([0x83, (n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(content);
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
    int_tagged(0x02, v)
}

pub fn int_tagged(tag: u8, v: i64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let mut start = 0;
    while start < 7
        && ((bytes[start] == 0 && bytes[start + 1] & 0x80 == 0)
            || (bytes[start] == 0xff && bytes[start + 1] & 0x80 != 0))
    {
        start += 1;
    }
    tlv(tag, &bytes[start..])
}

/// Counter32 (application 1), unsigned.
pub fn counter32(v: u32) -> Vec<u8> {
    let mut body = v.to_be_bytes().to_vec();
    while body.len() > 1 && body[0] == 0 && body[1] & 0x80 == 0 {
        body.remove(0);
    }
    if body[0] & 0x80 != 0 {
        body.insert(0, 0);
    }
    tlv(0x41, &body)
}

pub fn oid(arcs: &[u32]) -> Vec<u8> {
    let mut body = Vec::with_capacity(arcs.len() + 4);
    match arcs {
        [a, b, rest @ ..] => {
            push_arc(&mut body, a * 40 + b);
            for &x in rest {
                push_arc(&mut body, x);
            }
        }
        [a] => push_arc(&mut body, a * 40),
        [] => {}
    }
    tlv(0x06, &body)
}

fn push_arc(out: &mut Vec<u8>, a: u32) {
    let mut stack = [0u8; 5];
    let mut n = 0;
    let mut v = a;
    loop {
        stack[n] = (v & 0x7f) as u8;
        n += 1;
        v >>= 7;
        if v == 0 {
            break;
        }
    }
    for i in (0..n).rev() {
        out.push(stack[i] | if i > 0 { 0x80 } else { 0 });
    }
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
