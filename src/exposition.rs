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
#[derive(Default)]
pub struct FamilyWriter {
    families: Vec<(Desc, String)>,
    index: HashMap<&'static str, usize>,
}

impl Sink for FamilyWriter {
    fn sample(&mut self, desc: &Desc, base: &[(&str, &str)], extra: &[(&str, &str)], value: f64) {
        let i = match self.index.get(desc.name) {
            Some(&i) => i,
            None => {
                let mut text = String::with_capacity(4096);
                header(&mut text, desc);
                self.families.push((*desc, text));
                self.index.insert(desc.name, self.families.len() - 1);
                self.families.len() - 1
            }
        };
        line(&mut self.families[i].1, desc.name, base, extra, value);
    }
}

impl FamilyWriter {
    /// The encoded families, in first-seen order, as body chunks.
    pub fn into_chunks(self) -> Vec<Bytes> {
        self.families.into_iter().map(|(_, text)| Bytes::from(text)).collect()
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
    fn special_values() {
        let mut s = String::new();
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -2.0, 0.25, 1e15] {
            write_value(&mut s, v);
            s.push(' ');
        }
        assert_eq!(s, "NaN +Inf -Inf -2 0.25 1e15 ");
    }
}
