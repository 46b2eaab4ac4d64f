//! The `targets:` list: names, addresses, labels, thresholds, and which
//! transports each target uses.

use std::collections::BTreeMap;

use serde_saphyr::Spanned;

use super::super::raw::{RawSnmp, RawTarget, RawThresholds};
use super::super::*;
use super::values::check_label_name;
use super::Validator;

impl Validator {
    pub(super) fn target(
        &mut self,
        field: &str,
        t: &Spanned<RawTarget>,
        defaults_snmp: Option<(&std::path::Path, &Spanned<RawSnmp>)>,
        auths: &BTreeMap<String, Spanned<RawSnmp>>,
        default_thresholds: &Thresholds,
    ) -> Option<Target> {
        let raw = &t.value;
        let before = self.problems.len();
        let name = match &raw.name {
            None => {
                self.problem(
                    t.referenced,
                    format!("{field}.name"),
                    "missing field (every target needs a unique name)",
                );
                String::new()
            }
            Some(n) => {
                let v = n.value.trim();
                if v.is_empty() {
                    self.problem(n.referenced, format!("{field}.name"), "must not be empty");
                } else if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    self.problem(
                        n.referenced,
                        format!("{field}.name"),
                        format!("'{v}' contains whitespace or control characters"),
                    );
                }
                v.to_owned()
            }
        };
        let address = match &raw.address {
            None => {
                self.problem(t.referenced, format!("{field}.address"), "missing field");
                None
            }
            Some(a) => match Address::parse(&a.value) {
                Ok(a) => Some(a),
                Err(e) => {
                    self.problem(a.referenced, format!("{field}.address"), e);
                    None
                }
            },
        };
        let mut labels = Vec::new();
        if let Some(l) = &raw.labels {
            for (k, v) in &l.value {
                if let Err(e) = check_label_name(k) {
                    self.problem(l.referenced, format!("{field}.labels.{k}"), e);
                } else {
                    if let Some(series) = crate::schema::shadowed_label(k) {
                        self.warning(
                            l.referenced,
                            format!("{field}.labels.{k}"),
                            format!("{series} set a '{k}' label of their own: this target label is exported as 'target_{k}' on them"),
                        );
                    }
                    labels.push((k.clone(), v.clone()));
                }
            }
        }
        let cli = match (&raw.ssh, &raw.telnet) {
            (Some(own), None) => self.cli(&format!("{field}.ssh"), own, auths, CliTransport::Ssh),
            (None, Some(own)) => self.cli(&format!("{field}.telnet"), own, auths, CliTransport::Telnet),
            (Some(_), Some(t)) => {
                self.problem(t.referenced, format!("{field}.telnet"), "give ssh or telnet, not both");
                None
            }
            (None, None) => None,
        };
        let has_cli = raw.ssh.is_some() || raw.telnet.is_some();
        // A target polls SNMP when it says `snmp:`, or when it names no
        // transport at all and there are SNMP defaults to inherit.
        let snmp = match (&raw.snmp, defaults_snmp) {
            (Some(own), d) => self.snmp(&format!("{field}.snmp"), Some(own), d, auths),
            (None, Some(d)) if !has_cli => self.snmp(&format!("{field}.snmp"), None, Some(d), auths),
            (None, _) if has_cli => None,
            (None, _) => {
                self.problem(
                    t.referenced,
                    format!("{field}.snmp"),
                    "target has no transport: add an `snmp:` or `ssh:` block (or `defaults.snmp`)",
                );
                None
            }
        };
        // The port in `address` is the port of the target's only transport:
        // `address: host:2222` on an SSH-only target used to be taken as an
        // SNMP port and SSH silently went to 22.
        let mut cli = cli;
        let own = raw
            .ssh
            .as_ref()
            .map(|s| ("ssh", s))
            .or(raw.telnet.as_ref().map(|t| ("telnet", t)));
        if let (None, Some(c), Some(port), Some((key, own))) =
            (&snmp, cli.as_mut(), address.as_ref().and_then(|a| a.port), own)
        {
            match &own.value.port {
                Some(p) if p.value != u64::from(port) => self.problem(
                    p.referenced,
                    format!("{field}.{key}.port"),
                    format!(
                        "{} disagrees with the port {port} in `address`; give the port in one place",
                        p.value
                    ),
                ),
                _ => c.port = port,
            }
        }
        let mut thresholds = default_thresholds.clone();
        if let Some(t) = &raw.thresholds {
            self.thresholds(&format!("{field}.thresholds"), &t.value, &mut thresholds, false);
        }
        let mut interface_thresholds = Vec::new();
        for (ifname, t) in raw.interface_thresholds.iter().flatten() {
            let mut own = Thresholds(Vec::new());
            self.thresholds(
                &format!("{field}.interface_thresholds.{ifname}"),
                &t.value,
                &mut own,
                true,
            );
            interface_thresholds.push((ifname.clone(), own));
        }
        let trap_sources = self.trap_sources(field, raw.trap_sources.as_ref());
        let neighbors_interval = raw
            .neighbors_interval
            .as_ref()
            .and_then(|d| self.interval(&format!("{field}.neighbors_interval"), d));
        let inventory_interval = raw
            .inventory_interval
            .as_ref()
            .and_then(|d| self.interval(&format!("{field}.inventory_interval"), d));
        if self.problems.len() > before {
            return None;
        }
        let vendor = raw
            .vendor
            .as_ref()
            .map(|v| v.value.trim().to_ascii_lowercase())
            .filter(|v| !v.is_empty());
        Some(Target {
            name,
            address: address?,
            labels,
            vendor,
            snmp,
            cli,
            thresholds,
            interface_thresholds,
            trap_sources,
            collectors: match &raw.collectors {
                Some(c) => super::apply_collectors(self.default_collectors, &c.value),
                None => self.default_collectors,
            },
            neighbors_interval,
            inventory_interval,
        })
    }

    /// Applies the thresholds set in `raw` onto `into`, checking ranges.
    pub(super) fn thresholds(&mut self, field: &str, raw: &RawThresholds, into: &mut Thresholds, interface_only: bool) {
        for (key, v) in raw.set() {
            let value = v.value;
            if interface_only && !key.starts_with("interface_") && !key.starts_with("transceiver_") {
                self.problem(
                    v.referenced,
                    format!("{field}.{key}"),
                    "only interface_* and transceiver_* thresholds can be set per interface",
                );
            } else if key.ends_with("_dbm") && !(-40.0..=10.0).contains(&value) {
                // −40 dBm is what netgauge reports for no light; optics transmit under +10.
                self.problem(
                    v.referenced,
                    format!("{field}.{key}"),
                    format!("{value} must be a power in dBm, -40 to 10"),
                );
            } else if !key.ends_with("_dbm") && (!value.is_finite() || value < 0.0) {
                self.problem(
                    v.referenced,
                    format!("{field}.{key}"),
                    format!("{value} must be a number, 0 or more"),
                );
            } else if key.ends_with("_ratio") && value > 1.0 {
                self.problem(
                    v.referenced,
                    format!("{field}.{key}"),
                    format!("{value} is a ratio: 0 to 1 (0.8 means 80%)"),
                );
            } else {
                into.set(key, value);
            }
        }
    }
}
