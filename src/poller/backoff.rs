//! Backing off from devices that refuse netgauge's credentials.
//!
//! A device that rejects the password used to be logged into again on
//! every scrape: behind TACACS+ or RADIUS that locks the account and floods
//! the AAA logs. After an authentication failure (SSH, Telnet, SNMPv3) the
//! transport is left alone for a while, doubling from
//! [`AuthBackoff::FIRST`] up to `global.auth_failure_backoff`, and its polls
//! report `auth_failure` without contacting the device.
//!
//! The state outlives reloads (it lives in the app state, not the
//! poller), and each entry remembers a fingerprint of the credentials that
//! failed: a reload that changes them makes the next poll try at once,
//! while a reload of unrelated settings keeps the backoff.

use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crate::config::{CliSettings, SnmpCredentials, SnmpSettings};

/// Which transport of a target failed; each backs off on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transport {
    Snmp,
    Cli,
}

struct Entry {
    fingerprint: u64,
    failures: u32,
    until: Instant,
}

pub struct AuthBackoff {
    entries: Mutex<HashMap<(String, Transport), Entry>>,
    max: Mutex<Duration>,
}

/// A transport that is backing off: how long is left, after how many failures.
#[derive(Debug, PartialEq)]
pub struct Waiting {
    pub left: Duration,
    pub failures: u32,
}

impl Default for AuthBackoff {
    fn default() -> Self {
        AuthBackoff {
            entries: Mutex::new(HashMap::new()),
            max: Mutex::new(crate::config::defaults::AUTH_FAILURE_BACKOFF),
        }
    }
}

impl AuthBackoff {
    /// The first wait after a failure: about one scrape interval.
    pub const FIRST: Duration = Duration::from_secs(60);

    fn lock(&self) -> MutexGuard<'_, HashMap<(String, Transport), Entry>> {
        // Plain values: still consistent after a panic elsewhere.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The longest wait (`global.auth_failure_backoff`; zero turns backoff
    /// off), and the targets that still exist (others are forgotten).
    pub fn configure<'n>(&self, max: Duration, targets: impl IntoIterator<Item = &'n str>) {
        *self.max.lock().unwrap_or_else(PoisonError::into_inner) = max;
        let keep: std::collections::HashSet<&str> = targets.into_iter().collect();
        self.lock().retain(|(name, _), _| keep.contains(name.as_str()));
    }

    fn max(&self) -> Duration {
        *self.max.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `device`'s `transport` must not be contacted now, with
    /// credentials `fingerprint`. Different credentials end the backoff.
    pub fn waiting(&self, device: &str, transport: Transport, fingerprint: u64, now: Instant) -> Option<Waiting> {
        let mut entries = self.lock();
        let key = (device.to_owned(), transport);
        let e = entries.get(&key)?;
        if e.fingerprint != fingerprint {
            entries.remove(&key);
            return None;
        }
        (now < e.until).then(|| Waiting {
            left: e.until - now,
            failures: e.failures,
        })
    }

    /// Records an authentication failure; returns how long to wait now.
    pub fn failed(&self, device: &str, transport: Transport, fingerprint: u64, now: Instant) -> Duration {
        let max = self.max();
        if max.is_zero() {
            return Duration::ZERO;
        }
        let mut entries = self.lock();
        let e = entries.entry((device.to_owned(), transport)).or_insert(Entry {
            fingerprint,
            failures: 0,
            until: now,
        });
        if e.fingerprint != fingerprint {
            e.fingerprint = fingerprint;
            e.failures = 0;
        }
        e.failures = e.failures.saturating_add(1);
        let doubled = Self::FIRST.saturating_mul(1u32 << (e.failures - 1).min(20));
        let wait = doubled.min(max);
        e.until = now + wait;
        wait
    }

    /// The transport logged in (or answered): no more backoff.
    pub fn succeeded(&self, device: &str, transport: Transport) {
        let mut entries = self.lock();
        if !entries.is_empty() {
            entries.remove(&(device.to_owned(), transport));
        }
    }
}

/// A fingerprint of what a transport authenticates with, to tell whether a
/// reload changed it. Kept in memory only, never shown.
pub fn snmp_fingerprint(s: &SnmpSettings) -> u64 {
    let mut h = DefaultHasher::new();
    match &s.credentials {
        SnmpCredentials::V1 { community } | SnmpCredentials::V2c { community } => community.expose().hash(&mut h),
        SnmpCredentials::V3(v3) => {
            v3.username.hash(&mut h);
            format!("{:?}{:?}{:?}", v3.level, v3.auth_protocol, v3.priv_protocol).hash(&mut h);
            v3.auth_password.expose().hash(&mut h);
            v3.priv_password.expose().hash(&mut h);
        }
    }
    h.finish()
}

/// As [`snmp_fingerprint`], for a CLI login; a key file counts by its path
/// and modification time, so replacing the key in place ends the backoff too.
pub fn cli_fingerprint(s: &CliSettings) -> u64 {
    let mut h = DefaultHasher::new();
    s.username.hash(&mut h);
    s.password.as_ref().map(|p| p.expose()).hash(&mut h);
    s.passphrase.as_ref().map(|p| p.expose()).hash(&mut h);
    if let Some(k) = &s.key_file {
        k.hash(&mut h);
        std::fs::metadata(k).and_then(|m| m.modified()).ok().hash(&mut h);
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: Duration = Duration::from_secs(60);

    #[test]
    fn auth_failures_back_off_doubling_from_a_minute_to_the_maximum() {
        let b = AuthBackoff::default();
        b.configure(10 * M, ["sw1"]);
        let t0 = Instant::now();
        let waits: Vec<Duration> = (0..6).map(|_| b.failed("sw1", Transport::Cli, 7, t0)).collect();
        assert_eq!(waits, [M, 2 * M, 4 * M, 8 * M, 10 * M, 10 * M]);
        let w = b.waiting("sw1", Transport::Cli, 7, t0 + M).unwrap();
        assert_eq!((w.left, w.failures), (9 * M, 6));
        assert_eq!(b.waiting("sw1", Transport::Cli, 7, t0 + 10 * M), None, "waited out");
        assert_eq!(
            b.waiting("sw1", Transport::Snmp, 7, t0),
            None,
            "transports are separate"
        );
        b.succeeded("sw1", Transport::Cli);
        assert_eq!(b.failed("sw1", Transport::Cli, 7, t0), M, "a success starts over");
    }

    #[test]
    fn changed_credentials_end_the_backoff_at_once() {
        let b = AuthBackoff::default();
        let t0 = Instant::now();
        b.failed("sw1", Transport::Snmp, 1, t0);
        b.failed("sw1", Transport::Snmp, 1, t0);
        assert!(b.waiting("sw1", Transport::Snmp, 1, t0).is_some());
        assert_eq!(b.waiting("sw1", Transport::Snmp, 2, t0), None);
        assert_eq!(
            b.failed("sw1", Transport::Snmp, 2, t0),
            M,
            "the new credentials start at the first step"
        );
    }

    #[test]
    fn zero_maximum_turns_backoff_off_and_removed_targets_are_forgotten() {
        let b = AuthBackoff::default();
        let t0 = Instant::now();
        b.failed("gone", Transport::Cli, 1, t0);
        b.configure(Duration::ZERO, ["sw1"]);
        assert_eq!(b.waiting("gone", Transport::Cli, 1, t0), None);
        assert_eq!(b.failed("sw1", Transport::Cli, 1, t0), Duration::ZERO);
        assert_eq!(b.waiting("sw1", Transport::Cli, 1, t0), None);
    }
}
