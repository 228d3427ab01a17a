//! Finishing or repairing a rotation that a crash (or a kill) interrupted.
//!
//! Run at the start of every command that touches stored tokens (and by the wizard at start-up),
//! for each rotation the journal names. With a journal present and its lock free (its owner is dead), the token in the store is asked
//! about with `GET /personal_access_tokens/self` — never with `rotate`:
//! - the journal's old id, active: GitLab never rotated → the journal is dropped;
//! - another id, active: the new token was stored → the metadata is updated, the journal dropped;
//! - 401: the old token is revoked and the new value was lost → the entry is marked expired, the
//!   journal dropped, and the guided path is named;
//! - no answer: the journal stays, and the next command tries again.

use std::path::Path;

use super::journal::{self, Journal, RotationLock, Step};
use super::{Context, client_for, is_gone, mark_unusable, record_new_token};
use crate::gitlab::ApiError;
use crate::vault::{Keychain, Metadata, StoredToken, VaultError};

/// What was found and done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// GitLab never rotated: the stored token still works.
    NeverRotated { id: u64 },
    /// The new token was already stored: the metadata now describes it.
    Finished { id: u64, expires_at: Option<String> },
    /// The old token is revoked, and the new token's value was lost.
    Lost { old_id: u64 },
    /// The stored token no longer works (a guided replacement was interrupted).
    Dead,
    /// GitLab (or the store) could not be asked; the journal stays for the next command.
    Unresolved { why: Unchecked },
    /// Another process is rotating right now.
    Busy,
    /// The token is no longer stored; the journal was dropped.
    Forgotten,
    /// The journal cannot be read.
    Broken { error: String, path: String },
}

/// Why an interrupted rotation could not be checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unchecked {
    /// The metadata file could not be read (its error).
    Metadata(String),
    /// The stored token could not be read.
    Store(VaultError),
    /// GitLab could not be asked.
    Api(ApiError),
    /// The new token's facts could not be recorded (the metadata file's error).
    NotRecorded(String),
}

/// An interrupted rotation, and what became of it (`strings::rotation::recovered` says it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovered {
    pub account: String,
    pub host: String,
    pub name: String,
    pub resolution: Resolution,
}

impl Recovered {
    /// The stored token no longer works.
    pub fn token_lost(&self) -> bool {
        matches!(self.resolution, Resolution::Lost { .. } | Resolution::Dead)
    }
}

/// Resumes or repairs every interrupted rotation the journal beside `ctx.metadata_path` names,
/// in the journal's order. Cheap when there is none (one file lookup, no keychain, no network).
pub async fn recover(ctx: &Context) -> Vec<Recovered> {
    let path = journal::path_for(&ctx.metadata_path);
    if !path.exists() {
        return Vec::new();
    }
    match RotationLock::try_acquire(&ctx.metadata_path) {
        Ok(Some(lock)) => recover_locked(ctx, &lock).await,
        Ok(None) => Journal::load_all(&path)
            .unwrap_or_default()
            .iter()
            .map(|j| recovered(&j.account, None, Resolution::Busy))
            .collect(),
        Err(e) => vec![broken(&e.to_string(), &path)],
    }
}

/// [`recover`] for a caller that already holds the rotation lock.
pub(crate) async fn recover_locked(ctx: &Context, lock: &RotationLock) -> Vec<Recovered> {
    let journals = match Journal::load_all(&lock.journal) {
        Ok(j) => j,
        Err(e) => return vec![broken(&e.to_string(), &lock.journal)],
    };
    let mut found = Vec::new();
    for journal in journals {
        found.push(recover_one(ctx, lock, &journal).await);
    }
    found
}

/// One interrupted rotation: asks GitLab about the stored token, then finishes or repairs.
async fn recover_one(ctx: &Context, lock: &RotationLock, journal: &Journal) -> Recovered {
    let account = journal.account.clone();
    let meta_path = ctx.metadata_path.clone();
    let meta = tokio::task::spawn_blocking(move || Metadata::load(&meta_path)).await;
    let entry = match meta {
        Ok(Ok(m)) => m.find(&account).cloned(),
        Ok(Err(e)) => return unresolved(&account, None, Unchecked::Metadata(e.to_string())),
        Err(e) => return unresolved(&account, None, Unchecked::Metadata(e.to_string())),
    };
    let Some(entry) = entry else {
        let _ = lock.remove(&account);
        return recovered(&account, None, Resolution::Forgotten);
    };
    let found = Some(&entry);
    let stored = match Keychain::open_for(&entry, ctx.keychain_timeout).await {
        Ok(k) => k.get(&account).await,
        Err(e) => Err(e),
    };
    let token = match stored {
        Ok(t) => t,
        Err(e) => return unresolved(&account, found, Unchecked::Store(e)),
    };
    let client = match client_for(&entry, ctx.timeout) {
        Ok(c) => c,
        Err(e) => return unresolved(&account, found, Unchecked::Api(e)),
    };
    let resolution = match client.token_self(&token).await {
        Ok(info) if info.active && !info.revoked && info.id == journal.old_token_id => {
            Resolution::NeverRotated { id: info.id }
        }
        Ok(info) if info.active && !info.revoked => {
            if let Err(detail) = record_new_token(ctx, &account, &info).await {
                let why = Unchecked::NotRecorded(detail);
                return unresolved(&account, found, why);
            }
            // The new value is stored: its sinks wait for it (the next `rotate` delivers them).
            let _ = super::deliveries::mark_pending(ctx, &account);
            Resolution::Finished {
                id: info.id,
                expires_at: info.expires_at,
            }
        }
        Ok(_) => dead(ctx, &account, journal).await,
        Err(e) if is_gone(&e) => dead(ctx, &account, journal).await,
        Err(e) => return unresolved(&account, found, Unchecked::Api(e)),
    };
    let _ = lock.remove(&account);
    recovered(&account, found, resolution)
}

async fn dead(ctx: &Context, account: &str, journal: &Journal) -> Resolution {
    let _ = mark_unusable(ctx, account).await;
    if journal.step == Step::Replacing {
        Resolution::Dead
    } else {
        Resolution::Lost {
            old_id: journal.old_token_id,
        }
    }
}

fn recovered(account: &str, entry: Option<&StoredToken>, resolution: Resolution) -> Recovered {
    let (host, name) = match entry {
        Some(e) => (e.host.clone(), e.name.clone()),
        None => {
            let (name, host) = account.split_once('@').unwrap_or((account, ""));
            (host.to_owned(), name.to_owned())
        }
    };
    Recovered {
        account: account.to_owned(),
        host,
        name,
        resolution,
    }
}

fn unresolved(account: &str, entry: Option<&StoredToken>, why: Unchecked) -> Recovered {
    recovered(account, entry, Resolution::Unresolved { why })
}

fn broken(error: &str, path: &Path) -> Recovered {
    let resolution = Resolution::Broken {
        error: error.to_owned(),
        path: path.display().to_string(),
    };
    recovered("", None, resolution)
}
