//! The rotation journal, `<config dir>/gitlab-token/rotation.toml`: which token is being
//! rotated, and how far it got. Written atomically before GitLab is called, updated after each
//! step, removed at the end. It NEVER holds a token: only ids, dates and the step.
//!
//! A rotation holds `rotation.lock` (an exclusive file lock) from start to end, so a journal
//! whose lock can be taken belongs to a process that died: it is safe to repair.

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// How far a rotation got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// About to call (or calling) `self/rotate`; the store still holds the old token.
    Rotating,
    /// The new token is in the store (read back).
    Stored,
    /// The new token answered GitLab; the metadata is next.
    Verified,
    /// A guided replacement: a new token made by hand is being swapped in.
    Replacing,
}

/// One unfinished rotation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    /// `NAME@HOST`, the keychain account.
    pub account: String,
    /// The id of the token being replaced.
    pub old_token_id: u64,
    pub step: Step,
    /// RFC 3339.
    pub started_at: String,
    /// The expiry asked for, `YYYY-MM-DD` (none for a guided replacement).
    #[serde(default)]
    pub expires_at: Option<String>,
    /// The new token's id, once known.
    #[serde(default)]
    pub new_token_id: Option<u64>,
}

#[derive(Debug, Error)]
pub enum JournalError {
    #[error("cannot read the rotation journal {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the rotation journal {path} is not valid ({message})")]
    Parse { path: PathBuf, message: String },
    #[error("cannot write the rotation journal {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// `rotation.toml` beside the metadata file.
pub fn path_for(metadata_path: &Path) -> PathBuf {
    dir_of(metadata_path).join("rotation.toml")
}

/// A journal file (rotation's or provisioning's), if there is one: TOML, a regular file of
/// bounded size.
pub(crate) fn load_toml<T: serde::de::DeserializeOwned>(
    path: &Path,
) -> Result<Option<T>, JournalError> {
    match crate::files::read_regular_text(path, crate::files::MAX_FILE_BYTES) {
        Ok(text) => toml::from_str(&text)
            .map(Some)
            .map_err(|e| JournalError::Parse {
                path: path.to_owned(),
                message: e.message().to_owned(),
            }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(JournalError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Writes a journal file atomically (its directory made first; temp file 0600, fsync, rename).
pub(crate) fn save_toml<T: Serialize>(value: &T, path: &Path) -> Result<(), JournalError> {
    let write_err = |source| JournalError::Write {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(write_err)?;
    let text = toml::to_string_pretty(value).map_err(|e| JournalError::Parse {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    crate::vault::write_atomically(path, text.as_bytes()).map_err(write_err)?;
    Ok(())
}

fn dir_of(metadata_path: &Path) -> &Path {
    metadata_path.parent().unwrap_or(Path::new("."))
}

impl Journal {
    /// The journal, if there is one.
    pub fn load(path: &Path) -> Result<Option<Journal>, JournalError> {
        load_toml(path)
    }

    /// Writes the journal atomically (temp file, fsync, rename, fsync of the directory).
    pub fn save(&self, path: &Path) -> Result<(), JournalError> {
        save_toml(self, path)
    }

    /// Removes the journal (a missing one is fine).
    pub fn remove(path: &Path) -> Result<(), JournalError> {
        match fs::remove_file(path) {
            Ok(()) => {
                sync_dir(path.parent().unwrap_or(Path::new(".")));
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(source) => Err(JournalError::Write {
                path: path.to_owned(),
                source,
            }),
        }
    }
}

/// Makes a rename or removal durable (best effort: not every platform can open a directory).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// The exclusive right to rotate: held by one process at a time, released when dropped (or when
/// the process dies).
#[derive(Debug)]
pub struct RotationLock {
    _file: File,
    /// The journal this lock guards.
    pub journal: PathBuf,
}

impl RotationLock {
    /// Takes the lock beside `metadata_path`; `Ok(None)` when another process holds it.
    pub fn try_acquire(metadata_path: &Path) -> Result<Option<RotationLock>, JournalError> {
        let dir = dir_of(metadata_path);
        let lock_path = dir.join("rotation.lock");
        let write_err = |source| JournalError::Write {
            path: lock_path.clone(),
            source,
        };
        fs::create_dir_all(dir).map_err(write_err)?;
        let file = crate::files::open_lock_file(&lock_path).map_err(write_err)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(RotationLock {
                _file: file,
                journal: path_for(metadata_path),
            })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(write_err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Journal {
        Journal {
            account: "scanner@gitlab.example.com".into(),
            old_token_id: 41,
            step: Step::Rotating,
            started_at: "2026-11-23T12:00:00Z".into(),
            expires_at: Some("2027-02-21".into()),
            new_token_id: None,
        }
    }

    #[test]
    fn saves_loads_and_removes() {
        let dir = tempfile::tempdir().unwrap();
        let meta = dir.path().join("gitlab-token").join("tokens.toml");
        let path = path_for(&meta);
        assert_eq!(Journal::load(&path).unwrap(), None);
        let mut j = sample();
        j.save(&path).unwrap();
        assert_eq!(Journal::load(&path).unwrap(), Some(j.clone()));
        j.step = Step::Stored;
        j.new_token_id = Some(42);
        j.save(&path).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("step = \"stored\""), "{text}");
        assert_eq!(Journal::load(&path).unwrap(), Some(j));
        Journal::remove(&path).unwrap();
        Journal::remove(&path).unwrap();
        assert_eq!(Journal::load(&path).unwrap(), None);
    }

    #[test]
    fn a_broken_journal_is_an_error_not_a_missing_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rotation.toml");
        fs::write(&path, "account = 3").unwrap();
        assert!(matches!(
            Journal::load(&path),
            Err(JournalError::Parse { .. })
        ));
    }

    #[test]
    fn one_holder_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let meta = dir.path().join("tokens.toml");
        let first = RotationLock::try_acquire(&meta).unwrap();
        assert!(first.is_some());
        assert!(RotationLock::try_acquire(&meta).unwrap().is_none());
        drop(first);
        assert!(RotationLock::try_acquire(&meta).unwrap().is_some());
    }
}
