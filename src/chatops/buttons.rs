//! What the bot remembers of the alert messages it sent: each button's
//! action under a short random id (Telegram allows 64 bytes of
//! `callback_data`; an alert's labels do not fit), each notification
//! group's messages (to edit them when it resolves), and which
//! notifications it already delivered (an HA pair of Alertmanagers sends
//! each one twice).
//!
//! Everything here expires (`chatops.button_ttl` for buttons and message
//! links, [`DEDUPE_WINDOW`] for deliveries) and the whole is bounded, so a
//! flood of notifications cannot grow it without limit. It is written to
//! `chatops.state_file`, so buttons keep working across a restart.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rand::Rng;
use serde::{Deserialize, Serialize};

use super::core::Front;

/// How long a delivered notification is remembered, to drop the copy the
/// other Alertmanager of an HA pair sends (within seconds; their
/// `repeat_interval` reminders, hours apart, are delivered).
pub const DEDUPE_WINDOW: f64 = 300.0;
/// The most buttons kept; past it the oldest go first.
pub const MAX_BUTTONS: usize = 50_000;
/// The most notification groups and deliveries kept.
pub const MAX_GROUPS: usize = 20_000;
/// Length of a button id: 12 characters of 62, ~71 bits.
const ID_LEN: usize = 12;

/// What pressing a button does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Action {
    /// Silence alerts with exactly these labels (equality matchers) for
    /// `seconds`. `fingerprint`: the one alert the button was for.
    Silence {
        matchers: BTreeMap<String, String>,
        seconds: u64,
        #[serde(default)]
        fingerprint: Option<String>,
    },
    /// A `/graph` of this interface.
    Graph { device: String, interface: String },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Button {
    pub action: Action,
    /// Unix time after which it answers "expired".
    pub expires: f64,
}

/// One sent alert message: the chat (a Telegram chat id, a Slack
/// channel id) and the message (a Telegram message id, a Slack `ts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posted {
    pub front: Front,
    pub chat: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Group {
    pub messages: Vec<Posted>,
    pub expires: f64,
}

/// A notification's delivery to one chat.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Delivery {
    /// When it was claimed.
    at: f64,
    /// Sent; else a sender is at it now.
    done: bool,
}

/// What [`Store::claim`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Not sent there yet: the caller sends it now.
    New,
    /// Another copy of it is being sent there now.
    Pending,
    /// Already sent there.
    Done,
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Store {
    #[serde(default)]
    pub version: u32,
    #[serde(default)]
    buttons: HashMap<String, Button>,
    /// Alertmanager's `groupKey` → its messages.
    #[serde(default)]
    groups: HashMap<String, Group>,
    /// Notification digest and chat → its delivery there.
    #[serde(default)]
    delivered: HashMap<String, Delivery>,
    /// Changed since the state file was written.
    #[serde(skip)]
    pub dirty: bool,
}

impl Store {
    /// Keeps `action` for `ttl` seconds from `now`; returns its id.
    pub fn add(&mut self, action: Action, now: f64, ttl: f64) -> String {
        if self.buttons.len() >= MAX_BUTTONS {
            self.expire(now);
        }
        while self.buttons.len() >= MAX_BUTTONS {
            let Some(oldest) = self
                .buttons
                .iter()
                .min_by(|a, b| a.1.expires.total_cmp(&b.1.expires))
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            self.buttons.remove(&oldest);
        }
        let mut rng = rand::rng();
        let id: String = (0..ID_LEN)
            .map(|_| char::from(rng.sample(rand::distr::Alphanumeric)))
            .collect();
        self.buttons.insert(
            id.clone(),
            Button {
                action,
                expires: now + ttl,
            },
        );
        self.dirty = true;
        id
    }

    /// The live button `id`, or `None` when unknown or expired.
    pub fn get(&self, id: &str, now: f64) -> Option<&Button> {
        self.buttons.get(id).filter(|b| b.expires > now)
    }

    /// Claims the delivery of notification `digest` to `chat` (within the
    /// dedupe window). Claimed before sending, so two copies arriving
    /// together (an HA pair) post once; [`Store::confirm`] once sent,
    /// [`Store::release`] when it failed.
    pub fn claim(&mut self, digest: &str, chat: &str, now: f64) -> Claim {
        let key = format!("{digest}/{chat}");
        match self.delivered.get(&key).filter(|d| now - d.at < DEDUPE_WINDOW) {
            Some(d) if d.done => return Claim::Done,
            Some(_) => return Claim::Pending,
            None => {}
        }
        if self.delivered.len() >= MAX_GROUPS {
            self.expire(now);
        }
        self.delivered.insert(key, Delivery { at: now, done: false });
        Claim::New
    }

    /// A claimed delivery was sent.
    pub fn confirm(&mut self, digest: &str, chat: &str) {
        if let Some(d) = self.delivered.get_mut(&format!("{digest}/{chat}")) {
            d.done = true;
            self.dirty = true;
        }
    }

    /// Gives up a claim whose delivery failed, so a retry sends it.
    pub fn release(&mut self, digest: &str, chat: &str) {
        self.delivered.remove(&format!("{digest}/{chat}"));
    }

    /// Links a sent message to its notification group.
    pub fn posted(&mut self, group: &str, posted: Posted, now: f64, ttl: f64) {
        if self.groups.len() >= MAX_GROUPS && !self.groups.contains_key(group) {
            self.expire(now);
            if self.groups.len() >= MAX_GROUPS {
                if let Some(oldest) = self
                    .groups
                    .iter()
                    .min_by(|a, b| a.1.expires.total_cmp(&b.1.expires))
                    .map(|(k, _)| k.clone())
                {
                    self.groups.remove(&oldest);
                }
            }
        }
        let g = self.groups.entry(group.to_owned()).or_default();
        // The most recent messages of a group are the ones worth editing.
        if g.messages.len() >= 20 {
            g.messages.remove(0);
        }
        g.messages.push(posted);
        g.expires = now + ttl;
        self.dirty = true;
    }

    /// The messages of `group` that `front` sent (to edit once it
    /// resolves), forgotten here.
    pub fn take_group(&mut self, group: &str, front: Front) -> Vec<Posted> {
        let Some(g) = self.groups.get_mut(group) else {
            return Vec::new();
        };
        let (taken, kept): (Vec<Posted>, Vec<Posted>) = std::mem::take(&mut g.messages)
            .into_iter()
            .partition(|p| p.front == front);
        g.messages = kept;
        if g.messages.is_empty() {
            self.groups.remove(group);
        }
        if !taken.is_empty() {
            self.dirty = true;
        }
        taken
    }

    /// Drops what expired by `now`.
    pub fn expire(&mut self, now: f64) {
        let before = self.buttons.len() + self.groups.len() + self.delivered.len();
        self.buttons.retain(|_, b| b.expires > now);
        self.groups.retain(|_, g| g.expires > now);
        self.delivered.retain(|_, d| now - d.at < DEDUPE_WINDOW);
        if self.buttons.len() + self.groups.len() + self.delivered.len() != before {
            self.dirty = true;
        }
    }

    pub fn len(&self) -> usize {
        self.buttons.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buttons.is_empty()
    }

    pub fn load(path: &Path) -> Result<Store, crate::statefile::StateFileError> {
        let mut store: Store = crate::statefile::load(path, "chatops")?;
        // A send in progress when the process stopped did not finish.
        store.delivered.retain(|_, d| d.done);
        Ok(store)
    }

    pub fn save(&self, path: &Path) -> Result<(), crate::statefile::StateFileError> {
        crate::statefile::save(path, self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn silence() -> Action {
        Action::Silence {
            matchers: [
                ("alertname".to_owned(), "InterfaceDown".to_owned()),
                ("device".into(), "core-sw1".into()),
            ]
            .into_iter()
            .collect(),
            seconds: 3600,
            fingerprint: None,
        }
    }

    #[test]
    fn a_button_id_fits_telegrams_callback_data_and_expires() {
        let mut s = Store::default();
        let id = s.add(silence(), 1000.0, 60.0);
        assert!(id.len() <= 64 && id.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(s.get(&id, 1059.0).map(|b| &b.action), Some(&silence()));
        assert!(s.get(&id, 1060.0).is_none(), "expired");
        assert!(s.get("nope", 1000.0).is_none());
        let other = s.add(silence(), 1000.0, 60.0);
        assert_ne!(id, other);
    }

    #[test]
    fn buttons_are_bounded_whatever_arrives() {
        let mut s = Store::default();
        for i in 0..(MAX_BUTTONS + 100) {
            s.add(silence(), 1000.0 + i as f64, 86_400.0);
        }
        assert_eq!(s.len(), MAX_BUTTONS);
    }

    #[test]
    fn the_same_notification_twice_is_delivered_once_per_chat_within_the_window() {
        let mut s = Store::default();
        assert_eq!(s.claim("abc", "-1", 1000.0), Claim::New);
        assert_eq!(
            s.claim("abc", "-1", 1001.0),
            Claim::Pending,
            "the HA copy, while the first is sent"
        );
        s.confirm("abc", "-1");
        assert_eq!(s.claim("abc", "-1", 1010.0), Claim::Done);
        assert_eq!(s.claim("abc", "C2", 1010.0), Claim::New, "another chat still gets it");
        assert_eq!(
            s.claim("abc", "-1", 1000.0 + DEDUPE_WINDOW),
            Claim::New,
            "a reminder later is sent"
        );
        s.release("abc", "C2");
        assert_eq!(s.claim("abc", "C2", 1020.0), Claim::New, "a failed delivery is retried");
    }

    #[test]
    fn the_store_survives_a_restart_through_its_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("chatops.json");
        let mut s = Store::default();
        let id = s.add(silence(), 1000.0, 600.0);
        let posted = Posted {
            front: Front::Telegram,
            chat: "-5".into(),
            message: "7".into(),
        };
        s.posted("{}:{alertname=\"X\"}", posted.clone(), 1000.0, 600.0);
        s.save(&path).unwrap();
        let mut back = Store::load(&path).unwrap();
        assert_eq!(back.get(&id, 1001.0).map(|b| &b.action), Some(&silence()));
        assert!(back.take_group("{}:{alertname=\"X\"}", Front::Slack).is_empty());
        assert_eq!(back.take_group("{}:{alertname=\"X\"}", Front::Telegram), vec![posted]);
        assert!(Store::load(&dir.path().join("absent.json")).unwrap().is_empty());
    }
}
