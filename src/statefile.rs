//! State files: JSON that a subsystem keeps across restarts (the trap
//! receiver's alerts and engine ID, the chat bot's buttons), read whole at
//! start and written atomically (a temporary file beside it, flushed, then
//! renamed), so a crash mid-write leaves the previous state, never half of one.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    #[error("cannot read {}: {source}", path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{} is not a netgauge {what} state file: {source}", path.display())]
    Parse {
        path: PathBuf,
        what: &'static str,
        source: serde_json::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write { path: PathBuf, source: std::io::Error },
}

/// The saved state of `what` (for messages); an absent file is the default.
pub fn load<T: serde::de::DeserializeOwned + Default>(path: &Path, what: &'static str) -> Result<T, StateFileError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(T::default()),
        Err(source) => {
            return Err(StateFileError::Read {
                path: path.to_owned(),
                source,
            })
        }
    };
    serde_json::from_str(&text).map_err(|source| StateFileError::Parse {
        path: path.to_owned(),
        what,
        source,
    })
}

pub fn save<T: serde::Serialize>(path: &Path, state: &T) -> Result<(), StateFileError> {
    let err = |source| StateFileError::Write {
        path: path.to_owned(),
        source,
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let body = serde_json::to_vec(state).map_err(|e| err(std::io::Error::other(e)))?;
    let mut f = std::fs::File::create(&tmp).map_err(err)?;
    f.write_all(&body).map_err(err)?;
    f.sync_all().map_err(err)?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(err)
}

/// Moves an unreadable state file aside (`.corrupt`) for inspection, so a
/// fresh one can be written; `Err` when even that fails (then nothing
/// should overwrite it).
pub fn move_aside(path: &Path) -> std::io::Result<PathBuf> {
    let mut aside = path.as_os_str().to_owned();
    aside.push(".corrupt");
    let aside = PathBuf::from(aside);
    std::fs::rename(path, &aside).map(|()| aside)
}
