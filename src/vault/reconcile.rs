//! On start: finishes or undoes the saves and forgets a killed process left announced in the
//! metadata, and removes the temp files dead writers left, so the `vault` invariant holds again.

use std::path::Path;
use std::time::Duration;

use super::metadata::{Pending, PendingOp, PendingStep};
use super::save::{
    finish_forget, is_no_previous, previous_account, restore, unannounce, update, writer_lock,
};
use super::{Keychain, VaultError};

/// One thing repaired (or that could not be), for `strings::vault::repair` to say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repair {
    /// Temp files of dead writers removed.
    TempsRemoved(usize),
    /// A killed forget of this account finished.
    ForgetFinished(String),
    /// A killed save of this account had only its tidying left: done.
    SaveFinished(String),
    /// A killed save of this account was undone (the previous value kept or put back).
    SaveUndone(String),
    /// A killed save's new value reached the keychain: kept and described.
    SaveKept(String),
    /// The announced change of this account could not be finished or undone.
    Failed { account: String, why: String },
}

/// What was repaired.
pub type Notes = Vec<Repair>;

/// Repairs what dead writers left beside `metadata_path`. Cheap when there is nothing to do (one
/// directory listing and one small file read; no lock, no keychain). Skipped while another
/// process writes (it holds the writer lock).
pub async fn reconcile(metadata_path: &Path, keychain_timeout: Duration) -> Notes {
    let mut notes = Notes::new();
    let dir = metadata_path.parent().unwrap_or(Path::new(".")).to_owned();
    let path = metadata_path.to_owned();
    let (stale_temps, pending) = tokio::task::spawn_blocking(move || {
        let temps = !super::remove_temps_dry(&dir).is_empty();
        let pending = super::Metadata::load(&path)
            .map(|m| m.pending)
            .unwrap_or_default();
        (temps, pending)
    })
    .await
    .unwrap_or_default();
    if !stale_temps && pending.is_empty() {
        return notes;
    }
    // A live writer holds the lock for a few seconds at most; do not wait for it.
    let Ok(_writer) = writer_lock(metadata_path, Duration::ZERO).await else {
        return notes;
    };
    if stale_temps {
        let dir = metadata_path.parent().unwrap_or(Path::new(".")).to_owned();
        let removed = tokio::task::spawn_blocking(move || super::remove_stale_temps(&dir))
            .await
            .unwrap_or(0);
        if removed > 0 {
            notes.push(Repair::TempsRemoved(removed));
        }
    }
    // Read again under the lock: a writer may have finished meanwhile.
    let path = metadata_path.to_owned();
    let pending = tokio::task::spawn_blocking(move || super::Metadata::load(&path))
        .await
        .ok()
        .and_then(Result::ok)
        .map(|m| m.pending)
        .unwrap_or_default();
    for p in pending {
        match resolve(metadata_path, keychain_timeout, &p).await {
            Ok(note) => notes.push(note),
            Err(why) => notes.push(Repair::Failed {
                account: p.entry.account.clone(),
                why,
            }),
        }
    }
    notes
}

/// Finishes or undoes one announced change.
async fn resolve(path: &Path, timeout: Duration, p: &Pending) -> Result<Repair, String> {
    let account = &p.entry.account;
    let keychain = Keychain::open_for(&p.entry, timeout)
        .await
        .map_err(|e| e.to_string())?;
    if p.op == PendingOp::Forget {
        match keychain.delete(account).await {
            Ok(()) | Err(VaultError::NotFound(_)) => {}
            Err(e) => return Err(e.to_string()),
        }
        finish_forget(path, account, p.entry.store).await?;
        return Ok(Repair::ForgetFinished(account.clone()));
    }
    let scratch = previous_account(account);
    if p.step == PendingStep::Written {
        // The entry was recorded: only the tidying up was left.
        delete_quietly(&keychain, &scratch).await?;
        unannounce(path, account, PendingOp::Save).await?;
        return Ok(Repair::SaveFinished(account.clone()));
    }
    let previous = match keychain.get(&scratch).await {
        Ok(v) => Some(v),
        Err(VaultError::NotFound(_)) => None,
        Err(e) => return Err(e.to_string()),
    };
    let current = match keychain.get(account).await {
        Ok(v) => Some(v),
        Err(VaultError::NotFound(_)) => None,
        Err(e) => return Err(e.to_string()),
    };
    let note = match (previous, current) {
        // Killed before the account was touched.
        (None, _) => Repair::SaveUndone(account.clone()),
        (Some(prev), None) if is_no_previous(&prev) => Repair::SaveUndone(account.clone()),
        (Some(prev), Some(cur)) if !is_no_previous(&prev) && prev == cur => {
            Repair::SaveUndone(account.clone())
        }
        // The account lost its value mid-write: put the previous one back.
        (Some(prev), None) => {
            restore(&keychain, account, Some(prev))
                .await
                .map_err(|e| e.to_string())?;
            Repair::SaveUndone(account.clone())
        }
        // The new value reached the keychain: keep it (never delete a token) and describe it.
        (Some(_), Some(_)) => {
            let entry = p.entry.clone();
            update(path, move |m| {
                m.tokens.retain(|t| t.account != entry.account);
                m.tokens.push(entry);
            })
            .await?;
            Repair::SaveKept(account.clone())
        }
    };
    delete_quietly(&keychain, &scratch).await?;
    unannounce(path, account, PendingOp::Save).await?;
    Ok(note)
}

async fn delete_quietly(keychain: &Keychain, account: &str) -> Result<(), String> {
    match keychain.delete(account).await {
        Ok(()) | Err(VaultError::NotFound(_)) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}
