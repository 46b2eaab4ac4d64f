//! Metric families and samples: the data shape between the schema and the encoder.
//!
//! A [`MetricSet`] groups samples by family in first-seen order, so a
//! `/metrics` response that merges many devices still writes each family
//! once, as the text format requires.

use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Gauge,
    Counter,
    /// An `_info` metric: a gauge that is always 1, carrying labels.
    Info,
}

/// A metric's fixed description.
#[derive(Debug, Clone, Copy)]
pub struct Desc {
    pub name: &'static str,
    pub help: &'static str,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Label pairs in output order. The name is `'static` because every label
    /// name comes from the schema or the validated config.
    pub labels: Vec<(std::borrow::Cow<'static, str>, String)>,
    pub value: f64,
}

#[derive(Debug, Clone)]
pub struct Family {
    pub desc: Desc,
    pub samples: Vec<Sample>,
}

/// Where the schema writes samples: a [`MetricSet`] (owned, inspectable) or
/// an encoder that writes text as samples arrive
/// ([`crate::exposition::FamilyWriter`]), which is how `/metrics` stays small
/// for thousands of devices. Labels are `base` (the device's) then `extra`.
pub trait Sink {
    fn sample(&mut self, desc: &Desc, base: &[(&str, &str)], extra: &[(&str, &str)], value: f64);
}

impl Sink for MetricSet {
    fn sample(&mut self, desc: &Desc, base: &[(&str, &str)], extra: &[(&str, &str)], value: f64) {
        let labels = base
            .iter()
            .chain(extra)
            .map(|(k, v)| (std::borrow::Cow::Owned((*k).to_owned()), (*v).to_owned()))
            .collect();
        self.push(desc, labels, value);
    }
}

#[derive(Debug, Default)]
pub struct MetricSet {
    families: Vec<Family>,
    by_name: HashMap<&'static str, usize>,
}

impl MetricSet {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, desc: &Desc, labels: Vec<(std::borrow::Cow<'static, str>, String)>, value: f64) {
        let i = match self.by_name.get(desc.name) {
            Some(&i) => i,
            None => {
                self.families.push(Family {
                    desc: *desc,
                    samples: Vec::new(),
                });
                self.by_name.insert(desc.name, self.families.len() - 1);
                self.families.len() - 1
            }
        };
        self.families[i].samples.push(Sample { labels, value });
    }

    pub fn families(&self) -> &[Family] {
        &self.families
    }

    /// Appends every family of `other`, merging same-named ones.
    pub fn extend(&mut self, other: MetricSet) {
        for fam in other.families {
            for s in fam.samples {
                self.push(&fam.desc, s.labels, s.value);
            }
        }
    }

    /// The value of the first sample of `name` whose labels include all `want`.
    /// For tests and the `probe` command.
    pub fn find(&self, name: &str, want: &[(&str, &str)]) -> Option<f64> {
        let fam = self.families.iter().find(|f| f.desc.name == name)?;
        fam.samples
            .iter()
            .find(|s| {
                want.iter()
                    .all(|(k, v)| s.labels.iter().any(|(lk, lv)| lk == k && lv == v))
            })
            .map(|s| s.value)
    }
}
