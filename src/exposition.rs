//! The Prometheus text exposition format, version 0.0.4.
//!
//! Why not the `prometheus-client` crate's encoder: it writes only
//! OpenMetrics, which `promtool check metrics` (2.42, Debian's) rejects for
//! `info` families, and netgauge's series are produced fresh on every scrape
//! rather than registered once. The format is small and specified; this file
//! is all of it that netgauge needs.

use std::collections::HashMap;
use std::fmt::Write;

use hyper::body::Bytes;

use crate::metrics::{Desc, Kind, MetricSet, Sink};

pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Encodes every family in `set`, in order.
pub fn encode(set: &MetricSet) -> String {
    let mut out = String::with_capacity(64 * 1024);
    for fam in set.families() {
        if fam.samples.is_empty() {
            continue;
        }
        header(&mut out, &fam.desc);
        for s in &fam.samples {
            let labels: Vec<(&str, &str)> = s.labels.iter().map(|(k, v)| (k.as_ref(), v.as_str())).collect();
            line(&mut out, fam.desc.name, &labels, &[], s.value);
        }
    }
    out
}

fn header(out: &mut String, d: &Desc) {
    out.push_str("# HELP ");
    out.push_str(d.name);
    out.push(' ');
    escape_help(out, d.help);
    out.push_str("\n# TYPE ");
    out.push_str(d.name);
    out.push_str(match d.kind {
        Kind::Counter => " counter\n",
        Kind::Gauge | Kind::Info => " gauge\n",
    });
}

pub(crate) fn line(out: &mut String, name: &str, base: &[(&str, &str)], extra: &[(&str, &str)], value: f64) {
    out.push_str(name);
    if !base.is_empty() || !extra.is_empty() {
        out.push('{');
        for (i, (k, v)) in base.iter().chain(extra).enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(k);
            out.push_str("=\"");
            escape_label_value(out, v);
            out.push('"');
        }
        out.push('}');
    }
    out.push(' ');
    write_value(out, value);
    out.push('\n');
}

/// Encodes samples as they arrive, one text buffer per family, so no
/// sample is ever held as a structure: the memory of a `/metrics` scrape
/// is its text, not ten times that in label strings.
///
/// Made with [`FamilyWriter::gzip`], it also compresses each family's text
/// in chunks as it grows, so a fleet's 133 MB of text is held as its ~7 MB
/// of gzip instead: each chunk is an independent raw-deflate segment ended
/// by a sync flush, and segments concatenate into one valid deflate stream,
/// which [`FamilyWriter::into_body`] wraps in a single gzip member.
#[derive(Default)]
pub struct FamilyWriter {
    families: Vec<(Desc, Staged)>,
    index: HashMap<&'static str, usize>,
    deflater: Option<Deflater>,
}

/// One family's text: all of it, or (gzip) the compressed chunks and the text not yet compressed.
#[derive(Default)]
struct Staged {
    text: String,
    chunks: Vec<Chunk>,
}

struct Chunk {
    deflated: Vec<u8>,
    /// CRC-32 and length of the chunk's text, for the gzip trailer.
    crc: flate2::Crc,
}

/// One compressor, reset for every chunk (its state is ~300 KiB: one per family would add up).
struct Deflater {
    compress: flate2::Compress,
}

/// Text staged per family before it is compressed. A family's buffer is
/// compressed once it is within a line of this, so it grows (by doubling
/// from 4 KiB) to exactly this capacity and no further: every family of a
/// fleet scrape holds one such buffer at once.
const CHUNK: usize = 64 * 1024;
const CHUNK_FLUSH_AT: usize = CHUNK - 1024;

impl Deflater {
    fn new() -> Self {
        Deflater {
            compress: flate2::Compress::new(flate2::Compression::fast(), false),
        }
    }

    fn chunk(&mut self, text: &[u8]) -> Chunk {
        let mut crc = flate2::Crc::new();
        crc.update(text);
        self.compress.reset();
        let mut out = Vec::with_capacity(text.len() / 8 + 64);
        let mut consumed = 0;
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(out.capacity().max(4096));
            }
            let before = self.compress.total_in();
            // Raw deflate into a Vec cannot fail; an error would only truncate this chunk.
            if self
                .compress
                .compress_vec(&text[consumed..], &mut out, flate2::FlushCompress::Sync)
                .is_err()
            {
                break;
            }
            consumed += (self.compress.total_in() - before) as usize;
            // Done when all input is in and the flush did not fill the output.
            if consumed >= text.len() && out.len() < out.capacity() {
                break;
            }
        }
        // The estimate above is ~2.5x what fast deflate needs for exposition
        // text; a fleet's body is thousands of chunks kept until the end.
        out.shrink_to_fit();
        Chunk { deflated: out, crc }
    }
}

impl Sink for FamilyWriter {
    fn sample(&mut self, desc: &Desc, base: &[(&str, &str)], extra: &[(&str, &str)], value: f64) {
        let i = match self.index.get(desc.name) {
            Some(&i) => i,
            None => {
                let mut staged = Staged {
                    text: String::with_capacity(4096),
                    chunks: Vec::new(),
                };
                header(&mut staged.text, desc);
                self.families.push((*desc, staged));
                self.index.insert(desc.name, self.families.len() - 1);
                self.families.len() - 1
            }
        };
        let staged = &mut self.families[i].1;
        line(&mut staged.text, desc.name, base, extra, value);
        if let Some(d) = &mut self.deflater {
            if staged.text.len() >= CHUNK_FLUSH_AT {
                staged.chunks.push(d.chunk(staged.text.as_bytes()));
                staged.text.clear();
            }
        }
    }
}

/// A finished exposition body.
pub enum Body {
    Plain(Vec<Bytes>),
    Gzip(Vec<Bytes>),
}

impl FamilyWriter {
    /// A writer that compresses as it goes; its body is gzip.
    pub fn gzip() -> Self {
        FamilyWriter {
            deflater: Some(Deflater::new()),
            ..FamilyWriter::default()
        }
    }

    /// The families in first-seen order, then `tail` (already encoded text).
    pub fn into_body(mut self, tail: &str) -> Body {
        let Some(mut d) = self.deflater.take() else {
            let mut chunks: Vec<Bytes> = self.families.into_iter().map(|(_, s)| Bytes::from(s.text)).collect();
            chunks.push(Bytes::from(tail.to_owned()));
            return Body::Plain(chunks);
        };
        const HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
        let mut out = vec![Bytes::from_static(&HEADER)];
        let mut crc = flate2::Crc::new();
        let mut emit = |c: Chunk, out: &mut Vec<Bytes>| {
            crc.combine(&c.crc);
            out.push(Bytes::from(c.deflated));
        };
        for (_, staged) in self.families {
            for c in staged.chunks {
                emit(c, &mut out);
            }
            if !staged.text.is_empty() {
                emit(d.chunk(staged.text.as_bytes()), &mut out);
            }
        }
        if !tail.is_empty() {
            emit(d.chunk(tail.as_bytes()), &mut out);
        }
        // An empty final block (fixed Huffman: BFINAL=1, BTYPE=01, end-of-block), then CRC-32 and length.
        let mut trailer = vec![0x03, 0x00];
        trailer.extend_from_slice(&crc.sum().to_le_bytes());
        trailer.extend_from_slice(&crc.amount().to_le_bytes());
        out.push(Bytes::from(trailer));
        Body::Gzip(out)
    }
}

pub(crate) fn escape_help(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

fn escape_label_value(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

fn write_value(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v.is_infinite() {
        out.push_str(if v > 0.0 { "+Inf" } else { "-Inf" });
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        // Exact integers print without a fraction or exponent.
        let _ = write!(out, "{}", v as i64);
    } else if v.abs() >= 1e15 {
        let _ = write!(out, "{v:e}");
    } else {
        let _ = write!(out, "{v}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::Desc;
    use std::borrow::Cow;

    const G: Desc = Desc {
        name: "x_bytes",
        help: "Some \\ help\nnext",
        kind: Kind::Gauge,
    };
    const C: Desc = Desc {
        name: "y_total",
        help: "Count.",
        kind: Kind::Counter,
    };

    #[test]
    fn groups_families_and_escapes() {
        let mut set = MetricSet::new();
        set.push(&G, vec![(Cow::Borrowed("device"), "a\"b\\c\nd".into())], 1.5);
        set.push(&C, vec![], 18446744073709551615.0);
        set.push(&G, vec![(Cow::Borrowed("device"), "z".into())], 3.0);
        let text = encode(&set);
        assert_eq!(
            text,
            "# HELP x_bytes Some \\\\ help\\nnext\n# TYPE x_bytes gauge\n\
             x_bytes{device=\"a\\\"b\\\\c\\nd\"} 1.5\nx_bytes{device=\"z\"} 3\n\
             # HELP y_total Count.\n# TYPE y_total counter\ny_total 1.8446744073709552e19\n"
        );
    }

    #[test]
    fn gzip_writer_makes_one_member_that_inflates_to_the_plain_text() {
        use std::io::Read;
        let g = Desc {
            name: "big_bytes",
            help: "Many.",
            kind: Kind::Gauge,
        };
        let (mut plain, mut gz) = (FamilyWriter::default(), FamilyWriter::gzip());
        // Enough to cross several chunk boundaries, interleaving two families.
        for i in 0..20_000 {
            let v = i.to_string();
            for w in [&mut plain as &mut dyn Sink, &mut gz] {
                w.sample(&g, &[("device", "sw1")], &[("port", &v)], f64::from(i));
                w.sample(&C, &[("device", "sw1")], &[("port", &v)], 1.0);
            }
        }
        let tail = "# HELP own Own.\n# TYPE own gauge\nown 1\n";
        let Body::Plain(p) = plain.into_body(tail) else {
            panic!("plain")
        };
        let Body::Gzip(z) = gz.into_body(tail) else {
            panic!("gzip")
        };
        let text: Vec<u8> = p.iter().flat_map(|b| b.to_vec()).collect();
        let zipped: Vec<u8> = z.iter().flat_map(|b| b.to_vec()).collect();
        assert!(zipped.len() * 5 < text.len(), "{} vs {}", zipped.len(), text.len());
        let mut out = Vec::new();
        // A single-member decoder: the body must be one gzip member, not several.
        flate2::read::GzDecoder::new(&zipped[..]).read_to_end(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), String::from_utf8(text).unwrap());
        let Body::Gzip(empty) = FamilyWriter::gzip().into_body("") else {
            panic!("gzip")
        };
        let empty: Vec<u8> = empty.iter().flat_map(|b| b.to_vec()).collect();
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&empty[..]).read_to_end(&mut out).unwrap();
        assert!(out.is_empty());
    }

    #[test]
    fn special_values() {
        let mut s = String::new();
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -2.0, 0.25, 1e15] {
            write_value(&mut s, v);
            s.push(' ');
        }
        assert_eq!(s, "NaN +Inf -Inf -2 0.25 1e15 ");
    }
}
