//! The rotation journal, `<config dir>/gitlab-token/rotation.toml`: which tokens are being
//! rotated, and how far each got (one `[[rotation]]` entry per account; concurrent rotations of
//! one process share the file). An entry is written atomically before GitLab is called, updated
//! after each step, removed at the end (the file with its last entry). It NEVER holds a token:
//! only ids, dates and the step.
//!
//! A rotating process holds `rotation.lock` (an exclusive file lock) from start to end, so a
//! journal whose lock can be taken belongs to a process that died: it is safe to repair. Only the
//! holder writes the file, through [`RotationLock::save`] and [`RotationLock::remove`], which
//! take turns; the holder also hands out the store's writer lock to its concurrent rotations
//! ([`RotationLock::writer`]) and one keychain write at a time ([`RotationLock::store_turn`]).

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

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

/// The file's form: every rotation in progress.
#[derive(Debug, Serialize, Deserialize)]
struct Journals {
    rotation: Vec<Journal>,
}

impl Journal {
    /// Every rotation the journal file names (none when there is no file). An older version's
    /// file, one journal at the top level, is read as one entry.
    pub fn load_all(path: &Path) -> Result<Vec<Journal>, JournalError> {
        let Some(table) = load_toml::<toml::Table>(path)? else {
            return Ok(Vec::new());
        };
        let parse = |message: String| JournalError::Parse {
            path: path.to_owned(),
            message,
        };
        if table.contains_key("rotation") {
            let all: Journals = table.try_into().map_err(|e| parse(e.to_string()))?;
            Ok(all.rotation)
        } else {
            let one: Journal = table.try_into().map_err(|e| parse(e.to_string()))?;
            Ok(vec![one])
        }
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
    /// The store's writer lock, shared by this process's rotations (`writer`).
    writers: WriterGate,
    /// One edit of the journal file at a time.
    edits: Mutex<()>,
    /// One keychain write (preflight or new value) at a time.
    store: tokio::sync::Mutex<()>,
    /// One change of the sinks' pending deliveries at a time (`deliveries.toml`).
    deliveries: tokio::sync::Mutex<()>,
}

/// `vault.lock`, taken once for every rotation of this process that is between its preflight
/// and its stored value, and released when the last of them is done.
#[derive(Debug, Default)]
struct WriterGate {
    /// Serializes taking the file lock.
    taking: tokio::sync::Mutex<()>,
    /// How many rotations hold it, and the locked file while any does.
    held: Mutex<(usize, Option<File>)>,
}

/// One rotation's share of the store's writer lock; dropping the last share releases it.
#[derive(Debug)]
pub struct WriterShare<'a> {
    gate: &'a WriterGate,
}

impl Drop for WriterShare<'_> {
    fn drop(&mut self) {
        let mut held = self.gate.held.lock().unwrap_or_else(|e| e.into_inner());
        held.0 = held.0.saturating_sub(1);
        if held.0 == 0 {
            held.1 = None;
        }
    }
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
                writers: WriterGate::default(),
                edits: Mutex::new(()),
                store: tokio::sync::Mutex::new(()),
                deliveries: tokio::sync::Mutex::new(()),
            })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(write_err(e)),
        }
    }
}

impl RotationLock {
    /// Records `journal` in the journal file (replacing the entry of its account), atomically.
    pub fn save(&self, journal: &Journal) -> Result<(), JournalError> {
        let _turn = self.edits.lock().unwrap_or_else(|e| e.into_inner());
        let mut all = Journal::load_all(&self.journal)?;
        all.retain(|j| j.account != journal.account);
        all.push(journal.clone());
        save_toml(&Journals { rotation: all }, &self.journal)
    }

    /// Drops the entry of `account`; the file goes with its last entry.
    pub fn remove(&self, account: &str) -> Result<(), JournalError> {
        let _turn = self.edits.lock().unwrap_or_else(|e| e.into_inner());
        let mut all = match Journal::load_all(&self.journal) {
            Ok(all) => all,
            // An unreadable file cannot be edited; only its own entry was in it if this process
            // wrote it, and recovery reports one it did not write.
            Err(_) => return Journal::remove(&self.journal),
        };
        all.retain(|j| j.account != account);
        if all.is_empty() {
            Journal::remove(&self.journal)
        } else {
            save_toml(&Journals { rotation: all }, &self.journal)
        }
    }

    /// A share of the store's writer lock (`vault::save::writer_lock`, waiting at most `wait`
    /// for another process): one writer of the store per process, so an `add` or a `forget`
    /// elsewhere never interleaves with a rotation's stored value, while this process's
    /// rotations run side by side (each also takes [`RotationLock::store_turn`] to write).
    pub async fn writer(
        &self,
        metadata_path: &Path,
        wait: std::time::Duration,
    ) -> Result<WriterShare<'_>, String> {
        let gate = &self.writers;
        let _taking = gate.taking.lock().await;
        {
            // Checked and counted in one step: a share dropped meanwhile cannot release it.
            let mut held = gate.held.lock().unwrap_or_else(|e| e.into_inner());
            if held.0 > 0 {
                held.0 += 1;
                return Ok(WriterShare { gate });
            }
        }
        let file = crate::vault::save::writer_lock(metadata_path, wait).await?;
        *gate.held.lock().unwrap_or_else(|e| e.into_inner()) = (1, Some(file));
        Ok(WriterShare { gate })
    }

    /// The turn to write the keychain (a preflight's scratch entry, or a new value).
    pub async fn store_turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.store.lock().await
    }

    /// The turn to change the sinks' pending deliveries (`deliveries.toml`).
    pub async fn deliveries_turn(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.deliveries.lock().await
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
        let lock = RotationLock::try_acquire(&meta).unwrap().unwrap();
        let path = path_for(&meta);
        assert_eq!(Journal::load_all(&path).unwrap(), vec![]);
        let mut j = sample();
        lock.save(&j).unwrap();
        assert_eq!(Journal::load_all(&path).unwrap(), vec![j.clone()]);
        j.step = Step::Stored;
        j.new_token_id = Some(42);
        lock.save(&j).unwrap();
        let text = fs::read_to_string(&path).unwrap();
        assert!(text.contains("step = \"stored\""), "{text}");
        assert_eq!(Journal::load_all(&path).unwrap(), vec![j.clone()]);
        lock.remove(&j.account).unwrap();
        lock.remove(&j.account).unwrap();
        assert_eq!(Journal::load_all(&path).unwrap(), vec![]);
        assert!(!path.exists());
    }

    #[test]
    fn concurrent_rotations_keep_one_entry_each() {
        let dir = tempfile::tempdir().unwrap();
        let meta = dir.path().join("tokens.toml");
        let lock = RotationLock::try_acquire(&meta).unwrap().unwrap();
        let a = sample();
        let b = Journal {
            account: "deploy@gitlab.example.com".into(),
            old_token_id: 7,
            ..sample()
        };
        lock.save(&a).unwrap();
        lock.save(&b).unwrap();
        assert_eq!(
            Journal::load_all(&lock.journal).unwrap(),
            vec![a.clone(), b.clone()]
        );
        lock.remove(&a.account).unwrap();
        assert_eq!(Journal::load_all(&lock.journal).unwrap(), vec![b.clone()]);
        lock.remove(&b.account).unwrap();
        assert!(!lock.journal.exists());
    }

    #[test]
    fn an_older_versions_single_journal_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rotation.toml");
        save_toml(&sample(), &path).unwrap();
        assert_eq!(Journal::load_all(&path).unwrap(), vec![sample()]);
    }

    #[tokio::test]
    async fn one_writer_lock_is_shared_by_the_holders_rotations() {
        let dir = tempfile::tempdir().unwrap();
        let meta = dir.path().join("tokens.toml");
        let lock = RotationLock::try_acquire(&meta).unwrap().unwrap();
        let wait = std::time::Duration::from_millis(50);
        let first = lock.writer(&meta, wait).await.unwrap();
        let second = lock.writer(&meta, wait).await.unwrap();
        // Another writer (another process, or `vault::save`) waits while any share is held.
        assert!(crate::vault::save::writer_lock(&meta, wait).await.is_err());
        drop(first);
        assert!(crate::vault::save::writer_lock(&meta, wait).await.is_err());
        drop(second);
        let other = crate::vault::save::writer_lock(&meta, wait).await.unwrap();
        assert!(lock.writer(&meta, wait).await.is_err());
        drop(other);
        assert!(lock.writer(&meta, wait).await.is_ok());
    }

    #[test]
    fn a_broken_journal_is_an_error_not_a_missing_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rotation.toml");
        fs::write(&path, "account = 3").unwrap();
        assert!(matches!(
            Journal::load_all(&path),
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
