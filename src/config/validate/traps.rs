//! The `traps:` section, each target's `trap_sources`, and the check that
//! no two targets would receive notifications from the same address.

use std::collections::HashMap;
use std::net::IpAddr;

use serde_saphyr::{Location, Spanned};

use super::super::raw::{RawRateLimit, RawTraps};
use super::super::*;
use super::Validator;

impl Validator {
    pub(super) fn traps(&mut self, raw: &Spanned<RawTraps>) -> Option<TrapsConfig> {
        let before = self.problems.len();
        let r = &raw.value;
        let listen = match &r.listen {
            Some(l) => match l.value.trim().parse::<std::net::SocketAddr>() {
                Ok(a) => Some(a),
                Err(_) => {
                    self.problem(
                        l.referenced,
                        "traps.listen",
                        format!(
                            "{} is not an address and port like [::]:162 or 0.0.0.0:1162",
                            crate::echo::quoted(&l.value)
                        ),
                    );
                    None
                }
            },
            None => defaults::TRAPS_LISTEN.parse().ok(),
        };
        if r.alertmanager_urls.as_ref().is_none_or(|l| l.value.is_empty()) {
            self.problem(
                r.alertmanager_urls.as_ref().map_or(raw.referenced, |l| l.referenced),
                "traps.alertmanager_urls",
                "missing: the Alertmanager(s) trap alerts are sent to (at least one URL)",
            );
        }
        let urls = self.urls("traps.alertmanager_urls", r.alertmanager_urls.as_ref());
        let resend_interval = match &r.resend_interval {
            Some(d) => self.duration("traps.resend_interval", d, Duration::from_secs(1)),
            None => Some(defaults::TRAPS_RESEND_INTERVAL),
        };
        let ttl = match &r.ttl {
            // A week at most: longer, an alert whose clear was lost lingers for ages.
            Some(d) => self.duration_up_to("traps.ttl", d, Duration::from_secs(1), Duration::from_secs(7 * 86_400)),
            None => Some(defaults::TRAPS_TTL),
        };
        let state_file = r.state_file.as_ref().map(|f| PathBuf::from(&f.value));
        let (rate_per_second, burst) = match &r.rate_limit {
            Some(rl) => self.rate_limit(&rl.value),
            None => (defaults::TRAPS_RATE_PER_SECOND, defaults::TRAPS_BURST),
        };
        let mut relays = Vec::new();
        for (i, a) in r.relays.iter().flat_map(|l| l.value.iter()).enumerate() {
            if let Some(ip) = self.ip(&format!("traps.relays[{i}]"), a) {
                relays.push(ip);
            }
        }
        let community = self.secret(
            "traps",
            "community",
            r.community.as_ref(),
            r.community_file.as_ref(),
            raw.referenced,
        );
        let engine_id = r.engine_id.as_ref().and_then(|e| match engine_id(&e.value) {
            Ok(id) => Some(id),
            Err(msg) => {
                self.problem(e.referenced, "traps.engine_id", msg);
                None
            }
        });
        if self.problems.len() > before {
            return None;
        }
        Some(TrapsConfig {
            listen: listen?,
            alertmanager_urls: urls,
            resend_interval: resend_interval?,
            ttl: ttl?,
            state_file,
            accept_unknown_sources: r.accept_unknown_sources.as_ref().is_some_and(|b| b.value),
            rate_per_second,
            burst,
            relays,
            community,
            engine_id,
            page_undescribed_interfaces: r.page_undescribed_interfaces.as_ref().is_some_and(|b| b.value),
        })
    }

    fn rate_limit(&mut self, raw: &RawRateLimit) -> (f64, u32) {
        let mut rate = defaults::TRAPS_RATE_PER_SECOND;
        let mut burst = defaults::TRAPS_BURST;
        if let Some(p) = &raw.per_device {
            match per_second(&p.value) {
                Some(r) => rate = r,
                None => self.problem(
                    p.referenced,
                    "traps.rate_limit.per_device",
                    format!(
                        "{} is not a rate like 200/s or 600/m (more than 0)",
                        crate::echo::quoted(&p.value)
                    ),
                ),
            }
        }
        if let Some(b) = &raw.burst {
            if let Some(b) = self.range("traps.rate_limit.burst", b, 1, 1_000_000) {
                burst = b as u32;
            }
        }
        (rate, burst)
    }

    pub(super) fn ip(&mut self, field: &str, a: &Spanned<String>) -> Option<IpAddr> {
        match a.value.trim().parse::<IpAddr>() {
            Ok(ip) => Some(ip.to_canonical()),
            Err(_) => {
                self.problem(
                    a.referenced,
                    field,
                    format!(
                        "{} is not an IP address (names are not resolved here)",
                        crate::echo::quoted(&a.value)
                    ),
                );
                None
            }
        }
    }

    pub(super) fn trap_sources(&mut self, field: &str, raw: Option<&Spanned<Vec<Spanned<String>>>>) -> Vec<IpAddr> {
        let mut out = Vec::new();
        for (i, a) in raw.iter().flat_map(|l| l.value.iter()).enumerate() {
            if let Some(ip) = self.ip(&format!("{field}.trap_sources[{i}]"), a) {
                out.push(ip);
            }
        }
        out
    }

    /// Two targets that would receive notifications from one address: the
    /// receiver could not tell which device spoke.
    pub(super) fn ambiguous_trap_sources(&mut self, targets: &[(PathBuf, Location, String, Arc<Target>)]) {
        let mut seen: HashMap<String, &str> = HashMap::new();
        for (file, at, field, t) in targets {
            for source in source_keys(t) {
                match seen.get(&source) {
                    Some(first) => {
                        self.file.clone_from(file);
                        let msg = format!(
                            "target {} also sends traps from {source}: the receiver cannot tell them apart \
                             (give one of them `trap_sources`)",
                            first
                        );
                        self.problem(*at, format!("{field}.trap_sources"), msg);
                    }
                    None => {
                        seen.insert(source, &t.name);
                    }
                }
            }
        }
    }
}

/// Where a target's notifications come from, as compared: its
/// `trap_sources`, else its address (an IP, or a name compared as written).
fn source_keys(t: &Target) -> Vec<String> {
    if !t.trap_sources.is_empty() {
        return t.trap_sources.iter().map(IpAddr::to_string).collect();
    }
    match t.address.host.parse::<IpAddr>() {
        Ok(ip) => vec![ip.to_canonical().to_string()],
        Err(_) => vec![t.address.host.to_ascii_lowercase()],
    }
}

/// `200/s`, `600/m`, `3600/h` → per second.
pub(super) fn per_second(text: &str) -> Option<f64> {
    let (n, unit) = text.trim().split_once('/')?;
    let n: f64 = n.trim().parse().ok()?;
    let per = match unit.trim() {
        "s" | "sec" | "second" => 1.0,
        "m" | "min" | "minute" => 60.0,
        "h" | "hour" => 3600.0,
        _ => return None,
    };
    (n.is_finite() && n > 0.0).then_some(n / per)
}

/// An HTTP(S) base URL (Alertmanager, Prometheus, a chat API), without a
/// trailing slash.
pub(super) fn http_url(text: &str) -> Result<String, String> {
    let t = text.trim().trim_end_matches('/');
    let rest = t
        .strip_prefix("http://")
        .or_else(|| t.strip_prefix("https://"))
        .ok_or_else(|| format!("{} must start with http:// or https://", crate::echo::quoted(text)))?;
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || host.contains('@') || rest.contains(['?', '#']) || rest.chars().any(char::is_whitespace) {
        return Err(format!(
            "{} is not a URL like http://alertmanager:9093 (no credentials, query or fragment)",
            crate::echo::quoted(text)
        ));
    }
    Ok(t.to_owned())
}

/// An SNMP engine ID in hex (`80001f8880…`, colons allowed): 5 to 32 bytes (RFC 3411).
fn engine_id(text: &str) -> Result<Vec<u8>, String> {
    let hex: String = text
        .trim()
        .trim_start_matches("0x")
        .chars()
        .filter(|c| *c != ':')
        .collect();
    match crate::traps::store::unhex(&hex) {
        Some(b) if (5..=32).contains(&b.len()) => Ok(b),
        _ => Err("an engine ID is 5 to 32 bytes in hex, like 80001f888056565656".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_urls_and_engine_ids_parse_or_say_why_not() {
        assert_eq!(per_second("200/s"), Some(200.0));
        assert_eq!(per_second("600/m"), Some(10.0));
        assert_eq!(per_second("0/s"), None);
        assert_eq!(per_second("fast"), None);
        assert_eq!(http_url("http://am:9093/").unwrap(), "http://am:9093");
        assert!(http_url("am:9093").is_err());
        assert!(http_url("http://user:pw@am:9093").is_err());
        assert_eq!(engine_id("80:00:1f:88:80").unwrap(), vec![0x80, 0, 0x1f, 0x88, 0x80]);
        assert!(engine_id("8000").is_err());
        assert!(engine_id("zz00112233").is_err());
    }
}
