//! Who sent a notification, whether they may, and whether they are
//! sending too much: the source address → target map (with relays), the
//! community check, and a token bucket per device.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use crate::config::{Config, SnmpCredentials, Target, TrapsConfig};
use crate::ratelimit::Limiter;

/// Whom a notification is attributed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// `config.targets[i]`.
    Target(usize),
    /// No target has this address (accepted only with `accept_unknown_sources`).
    Stranger(IpAddr),
}

#[derive(Debug, Default)]
pub struct Sources {
    by_ip: HashMap<IpAddr, usize>,
    relays: HashSet<IpAddr>,
}

impl Sources {
    /// The map for `config`: each target's `trap_sources`, else its
    /// address; host names are resolved now (at start and on reload).
    pub async fn build(config: &Config) -> Sources {
        let mut by_ip = HashMap::new();
        let mut names = Vec::new();
        for (i, t) in config.targets.iter().enumerate() {
            if !t.trap_sources.is_empty() {
                for ip in &t.trap_sources {
                    by_ip.entry(ip.to_canonical()).or_insert(i);
                }
                continue;
            }
            match t.address.host.parse::<IpAddr>() {
                Ok(ip) => {
                    by_ip.entry(ip.to_canonical()).or_insert(i);
                }
                Err(_) => names.push((i, t.address.host.clone())),
            }
        }
        // Names resolve together, under one bound: a dead resolver costs
        // seconds at a reload, not seconds per target.
        let lookups = names.into_iter().map(|(i, host)| async move {
            let found = tokio::time::timeout(Duration::from_secs(5), tokio::net::lookup_host((host.as_str(), 0))).await;
            match found {
                Ok(Ok(addrs)) => addrs.map(|a| (a.ip().to_canonical(), i)).collect::<Vec<_>>(),
                _ => {
                    tracing::warn!(
                        host,
                        "cannot resolve a target's name: traps from it are not recognised (give trap_sources)"
                    );
                    Vec::new()
                }
            }
        });
        for found in futures_util::future::join_all(lookups).await {
            for (ip, i) in found {
                by_ip.entry(ip).or_insert(i);
            }
        }
        let relays = config
            .traps
            .as_ref()
            .map(|t| t.relays.iter().map(|r| r.to_canonical()).collect())
            .unwrap_or_default();
        Sources { by_ip, relays }
    }

    /// The sender of a datagram from `source` carrying `agent` (the v1
    /// agent-addr or snmpTrapAddress.0). A relay speaks for the agent it
    /// names; anyone else speaks for themselves.
    pub fn identify(&self, source: IpAddr, agent: Option<Ipv4Addr>) -> Who {
        let source = source.to_canonical();
        let speaker = match (self.relays.contains(&source), agent) {
            (true, Some(a)) => IpAddr::V4(a),
            _ => source,
        };
        match self.by_ip.get(&speaker) {
            Some(&i) => Who::Target(i),
            None => Who::Stranger(speaker),
        }
    }
}

/// Whether a v1/v2c notification carries the right community:
/// `traps.community` when set, else the target's own. A target polled over
/// SNMPv3 has no community: its v1/v2c traps need `traps.community`. A
/// stranger (with `accept_unknown_sources`) passes unless
/// `traps.community` says otherwise.
pub fn community_ok(traps: &TrapsConfig, target: Option<&Target>, community: &[u8]) -> bool {
    if let Some(c) = &traps.community {
        return c.matches(community);
    }
    let Some(target) = target else { return true };
    match target.snmp.as_ref().map(|s| &s.credentials) {
        Some(SnmpCredentials::V1 { community: c } | SnmpCredentials::V2c { community: c }) => c.matches(community),
        _ => false,
    }
}

/// A token bucket per device: `burst` at once, then `rate` a second.
pub struct Buckets(Limiter<String>);

/// Devices with a bucket of their own; strangers beyond this share one.
const MAX_BUCKETS: usize = 100_000;

impl Buckets {
    pub fn new(rate: f64, burst: u32) -> Buckets {
        Buckets(Limiter::new(rate, burst, MAX_BUCKETS))
    }

    pub fn admit(&mut self, device: &str, now: Instant) -> bool {
        self.0.take(device, 1.0, now).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn sources(yaml: &str) -> Sources {
        let c = Config::from_yaml(std::path::Path::new("t.yml"), yaml).unwrap();
        Sources::build(&c).await
    }

    #[tokio::test]
    async fn a_relay_speaks_for_the_agent_it_names_and_mapped_v4_is_v4() {
        let s = sources(
            "traps: {alertmanager_urls: ['http://127.0.0.1:1'], relays: [10.0.0.9]}\n\
             targets:\n  - {name: a, address: 192.0.2.1, snmp: {community: c}}\n  - {name: b, address: '192.0.2.2:1161', trap_sources: [198.51.100.7], snmp: {community: c}}\n",
        )
        .await;
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(s.identify(ip("192.0.2.1"), None), Who::Target(0));
        assert_eq!(s.identify(ip("::ffff:192.0.2.1"), None), Who::Target(0));
        assert_eq!(s.identify(ip("198.51.100.7"), None), Who::Target(1));
        assert_eq!(s.identify(ip("192.0.2.2"), None), Who::Stranger(ip("192.0.2.2")));
        assert_eq!(
            s.identify(ip("10.0.0.9"), Some(Ipv4Addr::new(192, 0, 2, 1))),
            Who::Target(0)
        );
        // Only a relay's agent-addr counts: anyone else cannot claim to be a target.
        assert_eq!(
            s.identify(ip("10.0.0.8"), Some(Ipv4Addr::new(192, 0, 2, 1))),
            Who::Stranger(ip("10.0.0.8"))
        );
    }

    #[test]
    fn a_flood_is_cut_to_the_burst_then_the_rate() {
        let mut b = Buckets::new(10.0, 5);
        let t0 = Instant::now();
        assert_eq!((0..20).filter(|_| b.admit("x", t0)).count(), 5);
        assert!(b.admit("y", t0), "another device has its own bucket");
        assert_eq!(
            (0..20)
                .filter(|_| b.admit("x", t0 + Duration::from_millis(500)))
                .count(),
            5
        );
    }
}
