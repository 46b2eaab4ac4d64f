//! Turns for sending: a chat platform allows so many messages a second
//! overall and so many per chat, and answers 429 past them. A [`Pacer`]
//! books each message's turn in its chat, then a slot of the overall pace
//! when that turn has come, and moves a chat back after a 429. Both front
//! ends send through one.
//!
//! Nothing is queued here: a sender waits for its turn (its task holds the
//! message), and the number of senders is bounded by the front end.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Chats whose turns are remembered; past it, turns in the past are dropped.
const MAX_CHATS: usize = 4096;

struct Turns<K> {
    next_global: Instant,
    next_chat: HashMap<K, Instant>,
}

pub struct Pacer<K> {
    global_gap: Duration,
    turns: Mutex<Turns<K>>,
}

impl<K: Hash + Eq + Clone> Pacer<K> {
    pub fn new(global_gap: Duration) -> Pacer<K> {
        Pacer {
            global_gap,
            turns: Mutex::new(Turns {
                next_global: Instant::now(),
                next_chat: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Turns<K>> {
        self.turns.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Books `chat`'s next free turn, not before `not_before`, `gap` after
    /// the one before it; returns when it is.
    pub fn book(&self, chat: &K, gap: Duration, not_before: Instant) -> Instant {
        let mut t = self.lock();
        let now = Instant::now();
        if t.next_chat.len() >= MAX_CHATS {
            t.next_chat.retain(|_, at| *at > now);
        }
        let at = not_before.max(t.next_chat.get(chat).copied().unwrap_or(now)).max(now);
        t.next_chat.insert(chat.clone(), at + gap);
        at
    }

    /// The next free slot of the overall pace, taken when a message's chat
    /// turn has come (booked ahead, a chat waiting out a 429 would hold
    /// every other chat back).
    pub fn global_slot(&self) -> Instant {
        let mut t = self.lock();
        let at = t.next_global.max(Instant::now());
        t.next_global = at + self.global_gap;
        at
    }

    /// Pushes `chat`'s next turn back to `until` (after a 429).
    pub fn back_off(&self, chat: &K, until: Instant) {
        let mut t = self.lock();
        let entry = t.next_chat.entry(chat.clone()).or_insert(until);
        *entry = (*entry).max(until);
    }

    /// How long a message sent now would wait for its turn (the longest
    /// chat wait): while it grows, the bot is not delivering.
    pub fn backlog(&self) -> Duration {
        let t = self.lock();
        let now = Instant::now();
        t.next_chat
            .values()
            .map(|at| at.saturating_duration_since(now))
            .max()
            .unwrap_or_default()
            .max(t.next_global.saturating_duration_since(now))
    }

    /// Waits for `chat`'s turn and then a global slot.
    pub async fn wait_turn(&self, chat: &K, gap: Duration, not_before: Instant) {
        tokio::time::sleep_until(self.book(chat, gap, not_before).into()).await;
        tokio::time::sleep_until(self.global_slot().into()).await;
    }

    #[cfg(test)]
    fn remembered(&self) -> usize {
        self.lock().next_chat.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GAP: Duration = Duration::from_secs(1);

    #[test]
    fn turns_keep_the_per_chat_and_the_overall_pace() {
        let p: Pacer<i64> = Pacer::new(Duration::from_millis(34));
        let t0 = Instant::now();
        let a1 = p.book(&1, GAP, t0);
        let a2 = p.book(&1, GAP, t0);
        let b1 = p.book(&2, GAP, t0);
        assert!(a2.duration_since(a1) >= GAP);
        assert!(b1 < a1 + GAP, "another chat does not wait for chat 1's gap");
        assert!(p.backlog() >= GAP - Duration::from_millis(50));
        let (s1, s2) = (p.global_slot(), p.global_slot());
        assert!(s2.duration_since(s1) >= Duration::from_millis(34));
    }

    #[test]
    fn a_429_moves_the_chats_next_turn_back_and_no_other() {
        let p: Pacer<i64> = Pacer::new(Duration::from_millis(34));
        let t0 = Instant::now();
        p.back_off(&7, t0 + Duration::from_secs(30));
        assert!(p.book(&7, GAP, t0) >= t0 + Duration::from_secs(30));
        assert!(p.book(&8, GAP, t0) < t0 + Duration::from_secs(1));
    }

    #[test]
    fn turns_in_the_past_are_forgotten_once_many_chats_are_remembered() {
        // Turns in the future belong to senders waiting (bounded by the
        // front end's concurrency); past ones are dropped past MAX_CHATS.
        let p: Pacer<i64> = Pacer::new(Duration::from_millis(34));
        let past = Instant::now() - Duration::from_secs(10);
        for chat in 0..MAX_CHATS as i64 {
            p.lock().next_chat.insert(chat, past);
        }
        p.book(&-1, GAP, Instant::now());
        assert_eq!(p.remembered(), 1);
    }
}
