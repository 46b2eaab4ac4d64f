//! The state file: active trap alerts and netgauge's SNMP engine ID, so a
//! restart neither forgets a firing linkDown nor changes the engine ID
//! that v3 senders localized their keys to (written by [`crate::statefile`]).

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::alerts::Alert;
use crate::statefile::StateFileError;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Saved {
    pub version: u32,
    /// Hex.
    #[serde(default)]
    pub engine_id: String,
    /// How many times netgauge's engine has started (RFC 3414 snmpEngineBoots).
    #[serde(default)]
    pub engine_boots: i64,
    #[serde(default)]
    pub alerts: Vec<SavedAlert>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SavedAlert {
    pub key: String,
    #[serde(flatten)]
    pub alert: Alert,
}

/// The saved state; an absent file is an empty state.
pub fn load(path: &Path) -> Result<Saved, StateFileError> {
    crate::statefile::load(path, "trap")
}

pub fn save(path: &Path, saved: &Saved) -> Result<(), StateFileError> {
    crate::statefile::save(path, saved)
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| text.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_survives_a_save_and_load_and_a_missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("traps.json");
        assert!(load(&p).unwrap().alerts.is_empty());
        let saved = Saved {
            version: 1,
            engine_id: hex(&[0x80, 0, 0, 0, 5, 1]),
            engine_boots: 3,
            alerts: vec![],
        };
        save(&p, &saved).unwrap();
        let back = load(&p).unwrap();
        assert_eq!(unhex(&back.engine_id).unwrap(), vec![0x80, 0, 0, 0, 5, 1]);
        std::fs::write(&p, "{not json").unwrap();
        assert!(matches!(load(&p), Err(StateFileError::Parse { .. })));
    }
}
