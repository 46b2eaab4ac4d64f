//! The trap alerts netgauge holds: which are firing, which resolved, and
//! which each Alertmanager has not yet been told about.
//!
//! Pure state, no I/O: the receiver raises and clears alerts, the
//! resolver resolves interface alerts a poll saw recover, the pusher asks
//! what to send and marks what was delivered, the store saves and loads
//! it. Times are Unix seconds, so the state file means the same after a
//! restart.

use std::collections::{BTreeMap, HashMap, VecDeque};

use serde::{Deserialize, Serialize};

/// Down transitions counted for the `flaps` annotation.
pub const FLAP_WINDOW: f64 = 15.0 * 60.0;
/// A resolved alert is kept this long (for the flap count, and to tell
/// every Alertmanager), and until every Alertmanager has been told.
const KEEP_RESOLVED: f64 = FLAP_WINDOW;
/// Alerts held at most; beyond, the oldest go (resolved ones first).
pub const MAX_ALERTS: usize = 10_000;

/// One alert, as Alertmanager will see it, plus what netgauge needs to
/// resolve it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub starts_at: f64,
    /// Set once resolved.
    pub ends_at: Option<f64>,
    /// The last notification that raised it.
    pub last_seen: f64,
    /// When it resolves without a clearing notification (`traps.ttl`).
    pub expires_at: f64,
    /// Down transitions in the last [`FLAP_WINDOW`].
    pub flaps: VecDeque<f64>,
    pub device: String,
    /// For interface alerts a poll may resolve.
    pub if_index: Option<u64>,
    pub resolve_when_oper_up: bool,
    /// Bit i: Alertmanager i has this version of the alert.
    #[serde(skip)]
    pub delivered: u64,
}

impl Alert {
    pub fn firing(&self) -> bool {
        self.ends_at.is_none()
    }
}

/// What a notification did to the book.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Raised,
    /// Firing already: seen again (its ttl restarts).
    Refreshed,
    Resolved,
    /// A clear for an alert that was not firing.
    Nothing,
    /// A new alert, not kept: [`MAX_ALERTS`] are firing.
    Full,
}

#[derive(Debug, Default)]
pub struct Book {
    alerts: HashMap<String, Alert>,
    /// Alerts dropped to stay within [`MAX_ALERTS`].
    pub evicted: u64,
}

/// What identifies an alert: device, definition, interface and the
/// definition's labels. A clearing notification builds the same key.
pub fn key(device: &str, definition: &str, if_index: Option<u64>, labels: &[(String, String)]) -> String {
    let mut k = format!(
        "{device}\u{0}{definition}\u{0}{}",
        if_index.map(|i| i.to_string()).unwrap_or_default()
    );
    let mut sorted: Vec<&(String, String)> = labels.iter().collect();
    sorted.sort();
    for (n, v) in sorted {
        k.push('\u{0}');
        k.push_str(n);
        k.push('=');
        k.push_str(v);
    }
    k
}

/// A new alert's content, as the receiver built it.
pub struct Raise {
    pub key: String,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub device: String,
    pub if_index: Option<u64>,
    pub resolve_when_oper_up: bool,
}

impl Book {
    pub fn raise(&mut self, r: Raise, now: f64, ttl: f64) -> Change {
        let change = match self.alerts.get_mut(&r.key) {
            Some(a) => {
                let was_firing = a.firing();
                a.flaps.retain(|t| now - t < FLAP_WINDOW);
                if !was_firing {
                    a.flaps.push_back(now);
                    a.starts_at = now;
                    a.ends_at = None;
                }
                // A firing alert keeps the labels it was sent with: new ones
                // (a port name learnt, a label changed by a reload) would be
                // another alert to Alertmanager, and the first one would
                // never be resolved.
                if !was_firing {
                    a.labels = r.labels;
                }
                a.annotations = r.annotations;
                a.last_seen = now;
                a.expires_at = now + ttl;
                a.delivered = 0;
                if was_firing {
                    Change::Refreshed
                } else {
                    Change::Raised
                }
            }
            None => {
                if !self.make_room() {
                    return Change::Full;
                }
                self.alerts.insert(
                    r.key,
                    Alert {
                        labels: r.labels,
                        annotations: r.annotations,
                        starts_at: now,
                        ends_at: None,
                        last_seen: now,
                        expires_at: now + ttl,
                        flaps: VecDeque::from([now]),
                        device: r.device,
                        if_index: r.if_index,
                        resolve_when_oper_up: r.resolve_when_oper_up,
                        delivered: 0,
                    },
                );
                Change::Raised
            }
        };
        change
    }

    /// The flap count of an alert (down transitions in the last 15 minutes).
    pub fn flaps(&self, key: &str) -> usize {
        self.alerts.get(key).map_or(0, |a| a.flaps.len())
    }

    /// Sets an annotation without counting as a new version of the alert
    /// (used right after [`Book::raise`], before it was sent).
    pub fn annotate(&mut self, key: &str, name: &str, value: String) {
        if let Some(a) = self.alerts.get_mut(key) {
            a.annotations.insert(name.to_owned(), value);
        }
    }

    pub fn resolve(&mut self, key: &str, now: f64) -> Change {
        match self.alerts.get_mut(key) {
            Some(a) if a.firing() => {
                a.ends_at = Some(now);
                a.delivered = 0;
                Change::Resolved
            }
            _ => Change::Nothing,
        }
    }

    /// Resolves `device`'s interface alerts for which `is_up(if_index,
    /// last_seen)` says a poll after the alert saw the interface up.
    pub fn resolve_recovered(&mut self, device: &str, now: f64, is_up: impl Fn(u64, f64) -> bool) -> usize {
        let mut n = 0;
        for a in self.alerts.values_mut() {
            if a.device == device && a.firing() && a.resolve_when_oper_up {
                if let Some(i) = a.if_index {
                    if is_up(i, a.last_seen) {
                        a.ends_at = Some(now);
                        a.delivered = 0;
                        n += 1;
                    }
                }
            }
        }
        n
    }

    /// Resolves alerts past their ttl and forgets resolved ones every
    /// Alertmanager has been told about; returns how many resolved.
    pub fn expire(&mut self, now: f64, all_delivered: u64) -> usize {
        let mut n = 0;
        for a in self.alerts.values_mut() {
            if a.firing() && a.expires_at <= now {
                a.ends_at = Some(now);
                a.delivered = 0;
                n += 1;
            }
        }
        self.alerts.retain(|_, a| match a.ends_at {
            Some(end) => now - end < KEEP_RESOLVED || a.delivered & all_delivered != all_delivered,
            None => true,
        });
        n
    }

    /// Makes room for one more alert by forgetting the oldest resolved
    /// one; `false` when every alert held is firing (the new one is refused
    /// rather than a firing one silently forgotten).
    fn make_room(&mut self) -> bool {
        while self.alerts.len() >= MAX_ALERTS {
            let oldest = self
                .alerts
                .iter()
                .filter(|(_, a)| !a.firing())
                .min_by(|(_, a), (_, b)| a.last_seen.total_cmp(&b.last_seen))
                .map(|(k, _)| k.clone());
            match oldest {
                Some(k) => {
                    self.alerts.remove(&k);
                    self.evicted += 1;
                }
                None => return false,
            }
        }
        true
    }

    pub fn firing(&self) -> usize {
        self.alerts.values().filter(|a| a.firing()).count()
    }

    pub fn len(&self) -> usize {
        self.alerts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.alerts.is_empty()
    }

    /// Alerts Alertmanager `bit` has not got in their current version
    /// (`everything`: all of them, as the periodic resend does).
    pub fn pending(&self, bit: u64, everything: bool) -> Vec<(String, Alert)> {
        self.alerts
            .iter()
            .filter(|(_, a)| everything && a.firing() || a.delivered & bit == 0)
            .map(|(k, a)| (k.clone(), a.clone()))
            .collect()
    }

    /// Marks the alerts sent to Alertmanager `bit` as delivered, unless
    /// they changed since (then they are still pending).
    pub fn delivered(&mut self, bit: u64, sent: &[(String, Alert)]) {
        for (k, was) in sent {
            if let Some(a) = self.alerts.get_mut(k) {
                if a.ends_at == was.ends_at && a.last_seen == was.last_seen && a.annotations == was.annotations {
                    a.delivered |= bit;
                }
            }
        }
    }

    /// Every Alertmanager is to be sent everything again (the set of
    /// Alertmanagers changed).
    pub fn forget_deliveries(&mut self) {
        for a in self.alerts.values_mut() {
            a.delivered = 0;
        }
    }

    pub fn alerts(&self) -> impl Iterator<Item = (&String, &Alert)> {
        self.alerts.iter()
    }

    /// Puts back alerts loaded from the state file; every Alertmanager
    /// gets them again.
    pub fn restore(&mut self, alerts: Vec<(String, Alert)>) {
        for (k, mut a) in alerts.into_iter().take(MAX_ALERTS) {
            a.delivered = 0;
            self.alerts.insert(k, a);
        }
    }
}

/// Alertmanager API v2 `postableAlert`s. A firing alert says when it ends
/// if it is not sent again (`valid_for` from now, or its ttl if sooner), so
/// Alertmanager resolves it by itself should netgauge stop.
pub fn postable(alerts: &[(String, Alert)], now: f64, valid_for: f64) -> serde_json::Value {
    let list: Vec<serde_json::Value> = alerts
        .iter()
        .map(|(_, a)| {
            let ends = a
                .ends_at
                .unwrap_or_else(|| (now + valid_for).min(a.expires_at.max(now)));
            serde_json::json!({
                "labels": a.labels,
                "annotations": a.annotations,
                "startsAt": rfc3339(a.starts_at),
                "endsAt": rfc3339(ends),
            })
        })
        .collect();
    serde_json::Value::Array(list)
}

/// Unix seconds as RFC 3339 UTC with milliseconds.
pub fn rfc3339(t: f64) -> String {
    let d = std::time::UNIX_EPOCH + std::time::Duration::from_secs_f64(t.max(0.0));
    humantime::format_rfc3339_millis(d).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raise(book: &mut Book, if_index: u64, now: f64) -> Change {
        let k = key("sw1", "linkDown", Some(if_index), &[]);
        book.raise(
            Raise {
                key: k,
                labels: BTreeMap::from([("alertname".into(), "NetgaugeTrapLinkDown".into())]),
                annotations: BTreeMap::new(),
                device: "sw1".into(),
                if_index: Some(if_index),
                resolve_when_oper_up: true,
            },
            now,
            3600.0,
        )
    }

    #[test]
    fn a_flapping_port_is_one_alert_that_counts_its_flaps() {
        let mut b = Book::default();
        let k = key("sw1", "linkDown", Some(3), &[]);
        assert_eq!(raise(&mut b, 3, 100.0), Change::Raised);
        assert_eq!(raise(&mut b, 3, 101.0), Change::Refreshed);
        assert_eq!(b.resolve(&k, 102.0), Change::Resolved);
        assert_eq!(b.resolve(&k, 103.0), Change::Nothing);
        assert_eq!(raise(&mut b, 3, 110.0), Change::Raised);
        b.resolve(&k, 111.0);
        raise(&mut b, 3, 120.0);
        assert_eq!(b.len(), 1);
        assert_eq!(b.flaps(&k), 3);
        // Down transitions older than 15 minutes no longer count.
        b.resolve(&k, 130.0);
        raise(&mut b, 3, 100.0 + FLAP_WINDOW + 15.0);
        assert_eq!(b.flaps(&k), 2);
    }

    #[test]
    fn a_resolved_alert_is_kept_until_every_alertmanager_has_it() {
        let mut b = Book::default();
        let k = key("sw1", "linkDown", Some(3), &[]);
        raise(&mut b, 3, 100.0);
        b.resolve(&k, 101.0);
        let sent = b.pending(0b01, false);
        assert_eq!(sent.len(), 1);
        b.delivered(0b01, &sent);
        b.expire(101.0 + KEEP_RESOLVED + 1.0, 0b11);
        assert_eq!(b.len(), 1, "the second Alertmanager has not been told");
        let sent = b.pending(0b10, false);
        b.delivered(0b10, &sent);
        assert!(b.pending(0b10, false).is_empty());
        b.expire(101.0 + KEEP_RESOLVED + 1.0, 0b11);
        assert_eq!(b.len(), 0);
    }

    #[test]
    fn an_alert_without_a_clear_resolves_at_its_ttl() {
        let mut b = Book::default();
        raise(&mut b, 3, 100.0);
        assert_eq!(b.expire(100.0 + 3599.0, 1), 0);
        assert_eq!(b.expire(100.0 + 3600.0, 1), 1);
        assert_eq!(b.firing(), 0);
    }

    #[test]
    fn a_poll_resolves_only_alerts_it_saw_recover_after_they_fired() {
        let mut b = Book::default();
        raise(&mut b, 3, 100.0);
        raise(&mut b, 4, 100.0);
        assert_eq!(b.resolve_recovered("sw1", 105.0, |i, since| i == 3 && since < 104.0), 1);
        assert_eq!(b.firing(), 1);
        assert_eq!(b.resolve_recovered("other", 105.0, |_, _| true), 0);
    }

    #[test]
    fn a_change_after_sending_keeps_the_alert_pending() {
        let mut b = Book::default();
        let k = key("sw1", "linkDown", Some(3), &[]);
        raise(&mut b, 3, 100.0);
        let sent = b.pending(1, false);
        b.resolve(&k, 101.0);
        b.delivered(1, &sent);
        assert_eq!(b.pending(1, false).len(), 1, "the resolve was not delivered");
    }

    #[test]
    fn postable_alerts_carry_rfc3339_times_and_a_bounded_end() {
        let mut b = Book::default();
        raise(&mut b, 3, 1_700_000_000.0);
        let all = b.pending(1, true);
        let v = postable(&all, 1_700_000_000.0, 240.0);
        assert_eq!(v[0]["startsAt"], "2023-11-14T22:13:20.000Z");
        assert_eq!(v[0]["endsAt"], "2023-11-14T22:17:20.000Z");
        assert_eq!(v[0]["labels"]["alertname"], "NetgaugeTrapLinkDown");
    }

    #[test]
    fn the_book_never_holds_more_than_its_limit_and_never_forgets_a_firing_alert_for_room() {
        let mut b = Book::default();
        for i in 0..MAX_ALERTS as u64 {
            assert_eq!(raise(&mut b, i, i as f64), Change::Raised);
        }
        assert_eq!(raise(&mut b, u64::MAX, 1e9), Change::Full);
        assert_eq!(b.len(), MAX_ALERTS);
        b.resolve(&key("sw1", "linkDown", Some(7), &[]), 1e9);
        assert_eq!(
            raise(&mut b, u64::MAX, 1e9),
            Change::Raised,
            "the resolved one made room"
        );
        assert_eq!((b.len(), b.evicted), (MAX_ALERTS, 1));
    }

    #[test]
    fn a_firing_alert_keeps_the_labels_it_was_sent_with() {
        let mut b = Book::default();
        raise(&mut b, 3, 100.0);
        let k = key("sw1", "linkDown", Some(3), &[]);
        b.raise(
            Raise {
                key: k.clone(),
                labels: BTreeMap::from([("alertname".into(), "Renamed".into())]),
                annotations: BTreeMap::new(),
                device: "sw1".into(),
                if_index: Some(3),
                resolve_when_oper_up: true,
            },
            101.0,
            3600.0,
        );
        assert_eq!(b.pending(1, true)[0].1.labels["alertname"], "NetgaugeTrapLinkDown");
    }
}
