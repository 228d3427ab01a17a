//! The provisioning journal, `provision-<NAME@HOST>.toml` beside the metadata: what a run of
//! "Create it for me" has done, written before each irreversible call (the intent) and after it
//! (the result). NEVER a secret: ids, usernames, paths, dates and the step. A run holds
//! `provision-<NAME@HOST>.lock` from start to end, so a journal whose lock is free belongs to a
//! run that died: the next run (or [`super::orphans`]) may read and repair it.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{Kind, MembershipOutcome};
use crate::rotation::JournalError;

/// How far a run got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// About to create (or look up) the account.
    Account,
    /// The account exists; adding it to the targets.
    Memberships,
    /// About to create the token: from here one may exist on GitLab that is not stored.
    Token,
    /// The token exists on GitLab (`token_id`); it is being checked and stored.
    TokenCreated,
    /// The token is stored: nothing is left to repair.
    Stored,
}

/// A run in progress (or killed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Journal {
    /// `NAME@HOST`, the keychain account being made.
    pub account: String,
    /// The instance's base URL (for the page where an orphan token is revoked).
    pub url: String,
    pub kind: Kind,
    pub step: Step,
    /// RFC 3339.
    pub started_at: String,
    pub targets: Vec<String>,
    /// Where the account or access token lives (path and id); none for an instance account.
    #[serde(default)]
    pub lives_in: Option<String>,
    #[serde(default)]
    pub lives_in_id: Option<u64>,
    /// The service account (once created or found) or the access token's bot user.
    #[serde(default)]
    pub account_id: Option<u64>,
    #[serde(default)]
    pub account_username: Option<String>,
    #[serde(default)]
    pub account_created: bool,
    #[serde(default)]
    pub memberships: Vec<MembershipOutcome>,
    /// The token's name, written before it is created (to find it if the run dies mid-call).
    #[serde(default)]
    pub token_name: Option<String>,
    /// The token's id, written as soon as GitLab answers, before it is stored.
    #[serde(default)]
    pub token_id: Option<u64>,
}

/// `provision-<NAME@HOST>.toml` beside the metadata (characters other than letters, digits,
/// `.`, `_`, `-` and `@` become `_`).
pub fn path_for(metadata_path: &Path, account: &str) -> PathBuf {
    dir_of(metadata_path).join(format!("provision-{}.toml", file_part(account)))
}

fn lock_path(metadata_path: &Path, account: &str) -> PathBuf {
    dir_of(metadata_path).join(format!("provision-{}.lock", file_part(account)))
}

fn dir_of(metadata_path: &Path) -> &Path {
    metadata_path.parent().unwrap_or(Path::new("."))
}

fn file_part(account: &str) -> String {
    account
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Every journal beside the metadata.
pub fn all(metadata_path: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir_of(metadata_path)) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("provision-") && n.ends_with(".toml"))
        })
        .collect();
    paths.sort();
    paths
}

impl Journal {
    pub fn load(path: &Path) -> Result<Option<Journal>, JournalError> {
        crate::rotation::journal::load_toml(path)
    }

    /// Writes it atomically (temp file 0600, fsync, rename).
    pub fn save(&self, path: &Path) -> Result<(), JournalError> {
        crate::rotation::journal::save_toml(self, path)
    }

    pub fn remove(path: &Path) -> Result<(), JournalError> {
        crate::rotation::Journal::remove(path)
    }
}

/// The exclusive right to provision one `NAME@HOST`: released when dropped or when the process dies.
#[derive(Debug)]
pub struct ProvisionLock {
    _file: File,
    pub journal: PathBuf,
}

impl ProvisionLock {
    /// `Ok(None)` when another process holds it.
    pub fn try_acquire(
        metadata_path: &Path,
        account: &str,
    ) -> Result<Option<ProvisionLock>, JournalError> {
        let lock = lock_path(metadata_path, account);
        let write_err = |source| JournalError::Write {
            path: lock.clone(),
            source,
        };
        std::fs::create_dir_all(dir_of(metadata_path)).map_err(write_err)?;
        let file = crate::files::open_lock_file(&lock).map_err(write_err)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(ProvisionLock {
                _file: file,
                journal: path_for(metadata_path, account),
            })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(write_err(e)),
        }
    }
}

/// Whether the run that wrote the journal of `account` is still alive (its lock is held).
pub fn is_live(metadata_path: &Path, account: &str) -> bool {
    matches!(ProvisionLock::try_acquire(metadata_path, account), Ok(None))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Journal {
        Journal {
            account: "repo-scanner@gitlab.example.com".into(),
            url: "https://gitlab.example.com".into(),
            kind: Kind::GroupServiceAccount,
            step: Step::Token,
            started_at: "2026-11-27T10:00:00Z".into(),
            targets: vec!["acme".into(), "acme/tools".into()],
            lives_in: Some("acme".into()),
            lives_in_id: Some(3),
            account_id: Some(57),
            account_username: Some("acme-repo-scanner".into()),
            account_created: true,
            memberships: vec![MembershipOutcome {
                target: "acme".into(),
                access_level: 20,
                created: true,
                pending_approval: false,
            }],
            token_name: Some("repo-scanner (gitlab-token)".into()),
            token_id: None,
        }
    }

    #[test]
    fn round_trips_and_holds_no_secret() {
        let dir = tempfile::tempdir().unwrap();
        let meta = dir.path().join("tokens.toml");
        let path = path_for(&meta, "repo-scanner@gitlab.example.com:8443/x");
        assert!(path.ends_with("provision-repo-scanner@gitlab.example.com_8443_x.toml"));
        assert_eq!(Journal::load(&path).unwrap(), None);
        let mut j = sample();
        j.save(&path).unwrap();
        assert_eq!(Journal::load(&path).unwrap(), Some(j.clone()));
        j.step = Step::TokenCreated;
        j.token_id = Some(4242);
        j.save(&path).unwrap();
        assert_eq!(Journal::load(&path).unwrap(), Some(j));
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("step = \"token-created\""), "{text}");
        // Only these keys are ever written: none of them can hold a token.
        let keys: Vec<&str> = text
            .lines()
            .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
            .collect();
        for k in &keys {
            assert!(
                [
                    "account",
                    "url",
                    "kind",
                    "step",
                    "started_at",
                    "targets",
                    "lives_in",
                    "lives_in_id",
                    "account_id",
                    "account_username",
                    "account_created",
                    "target",
                    "access_level",
                    "created",
                    "pending_approval",
                    "token_name",
                    "token_id"
                ]
                .contains(k),
                "unexpected key {k} in {text}"
            );
        }
        assert!(!text.contains("glpat-"), "{text}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
        assert_eq!(all(&meta), vec![path.clone()]);
        Journal::remove(&path).unwrap();
        assert!(all(&meta).is_empty());
    }

    #[test]
    fn one_run_per_account_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let meta = dir.path().join("tokens.toml");
        let a = "repo-scanner@gitlab.example.com";
        let first = ProvisionLock::try_acquire(&meta, a).unwrap();
        assert!(first.is_some());
        assert!(is_live(&meta, a));
        assert!(
            ProvisionLock::try_acquire(&meta, "other@gitlab.example.com")
                .unwrap()
                .is_some()
        );
        drop(first);
        assert!(!is_live(&meta, a));
    }
}
