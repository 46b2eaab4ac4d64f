//! Token buckets by key: `burst` at once, then `rate` a second. One
//! implementation for every limit netgauge sets on what others send it:
//! traps per device, `POST /-/reload`, and chat commands per user and per
//! chat (where expensive commands cost more than one token).
//!
//! Memory is bounded whatever the senders do: a bucket that has refilled
//! is the same as no bucket, so such buckets are dropped once the map has
//! grown past what it held after the last sweep (amortised O(1) per take);
//! and past `max_keys` live buckets a new key is refused a bucket of its
//! own and shares one overflow bucket, so a flood of distinct senders
//! neither grows the map nor gets a fresh burst each.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::time::{Duration, Instant};

/// Why a take was refused.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Denied {
    /// When the tokens asked for will be there.
    pub retry_after: Duration,
    /// The first refusal since this key last got through: the one to
    /// answer ("slow down, retry in N s"); later ones are dropped quietly.
    pub first: bool,
}

struct Bucket {
    tokens: f64,
    at: Instant,
    /// Refused since the last take that got through.
    refused: bool,
}

pub struct Limiter<K> {
    rate: f64,
    burst: f64,
    max_keys: usize,
    buckets: HashMap<K, Bucket>,
    /// Shared by keys that arrive while `max_keys` buckets are live.
    overflow: Bucket,
    /// Buckets held after the last sweep: the next sweep is at twice that.
    swept_to: usize,
}

impl<K: Hash + Eq> Limiter<K> {
    /// `rate` tokens a second, up to `burst`, for at most `max_keys` keys
    /// with buckets of their own.
    pub fn new(rate: f64, burst: u32, max_keys: usize) -> Limiter<K> {
        let burst = f64::from(burst.max(1));
        let now = Instant::now();
        Limiter {
            rate,
            burst,
            max_keys: max_keys.max(1),
            buckets: HashMap::new(),
            overflow: Bucket {
                tokens: burst,
                at: now,
                refused: false,
            },
            swept_to: 0,
        }
    }

    /// Takes `cost` tokens from `key`'s bucket at `now`, or says when they
    /// will be there. A cost above the burst is capped at the burst (else
    /// it could never pass).
    pub fn take<Q>(&mut self, key: &Q, cost: f64, now: Instant) -> Result<(), Denied>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        let (rate, burst) = (self.rate, self.burst);
        if !self.buckets.contains_key(key) {
            if self.buckets.len() >= self.swept_to.saturating_mul(2).max(64) {
                self.sweep(now);
            }
            if self.buckets.len() < self.max_keys {
                self.buckets.insert(
                    key.to_owned(),
                    Bucket {
                        tokens: burst,
                        at: now,
                        refused: false,
                    },
                );
            }
        }
        let bucket = match self.buckets.get_mut(key) {
            Some(b) => b,
            None => &mut self.overflow,
        };
        bucket.take(cost.min(burst), rate, burst, now)
    }

    /// Drops the buckets that have refilled: they are no different from none.
    fn sweep(&mut self, now: Instant) {
        let (rate, burst) = (self.rate, self.burst);
        self.buckets.retain(|_, b| b.level(rate, burst, now) < burst);
        self.swept_to = self.buckets.len();
    }

    /// Keys holding a bucket of their own now.
    pub fn keys(&self) -> usize {
        self.buckets.len()
    }
}

impl Bucket {
    fn level(&self, rate: f64, burst: f64, now: Instant) -> f64 {
        (self.tokens + now.saturating_duration_since(self.at).as_secs_f64() * rate).min(burst)
    }

    fn take(&mut self, cost: f64, rate: f64, burst: f64, now: Instant) -> Result<(), Denied> {
        self.tokens = self.level(rate, burst, now);
        self.at = now;
        if self.tokens >= cost {
            self.tokens -= cost;
            self.refused = false;
            return Ok(());
        }
        let first = !self.refused;
        self.refused = true;
        let missing = cost - self.tokens;
        Err(Denied {
            retry_after: if rate > 0.0 {
                Duration::from_secs_f64(missing / rate)
            } else {
                Duration::MAX
            },
            first,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate_and_a_retry_time_that_is_true() {
        let mut l: Limiter<String> = Limiter::new(10.0, 5, 100);
        let t0 = Instant::now();
        assert_eq!((0..20).filter(|_| l.take("x", 1.0, t0).is_ok()).count(), 5);
        assert!(l.take("y", 1.0, t0).is_ok(), "another key has its own bucket");
        let denied = l.take("x", 1.0, t0).unwrap_err();
        assert_eq!(denied.retry_after, Duration::from_millis(100));
        assert!(l.take("x", 1.0, t0 + denied.retry_after).is_ok());
        let later = t0 + Duration::from_millis(600);
        assert_eq!((0..20).filter(|_| l.take("x", 1.0, later).is_ok()).count(), 5);
    }

    #[test]
    fn only_the_first_refusal_in_a_row_is_to_be_answered() {
        let mut l: Limiter<u64> = Limiter::new(1.0, 1, 100);
        let t0 = Instant::now();
        assert!(l.take(&7, 1.0, t0).is_ok());
        assert!(l.take(&7, 1.0, t0).unwrap_err().first);
        assert!(!l.take(&7, 1.0, t0).unwrap_err().first);
        assert!(l.take(&7, 1.0, t0 + Duration::from_secs(1)).is_ok());
        assert!(
            l.take(&7, 1.0, t0 + Duration::from_secs(1)).unwrap_err().first,
            "a new run"
        );
    }

    #[test]
    fn an_expensive_take_costs_more_and_never_more_than_the_burst() {
        let mut l: Limiter<u64> = Limiter::new(1.0, 5, 100);
        let t0 = Instant::now();
        assert!(l.take(&1, 3.0, t0).is_ok());
        assert_eq!(l.take(&1, 3.0, t0).unwrap_err().retry_after, Duration::from_secs(1));
        assert!(
            l.take(&1, 1000.0, t0 + Duration::from_secs(10)).is_ok(),
            "capped at the burst"
        );
    }

    #[test]
    fn ten_thousand_senders_leave_only_the_buckets_still_refilling() {
        let mut l: Limiter<u64> = Limiter::new(1.0, 2, 1_000_000);
        let t0 = Instant::now();
        for id in 0..10_000u64 {
            // Each sender once a millisecond apart; a bucket refills in a second.
            let _ = l.take(&id, 1.0, t0 + Duration::from_millis(id));
        }
        assert!(l.keys() <= 2_100, "{} buckets kept", l.keys());
    }

    #[test]
    fn past_max_keys_new_senders_share_one_bucket() {
        let mut l: Limiter<u64> = Limiter::new(0.001, 1, 10);
        let t0 = Instant::now();
        let admitted = (0..1_000u64).filter(|id| l.take(id, 1.0, t0).is_ok()).count();
        assert_eq!(admitted, 11, "ten own buckets and the overflow's one token");
        assert_eq!(l.keys(), 10);
    }
}
