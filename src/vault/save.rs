//! Saving and forgetting a token so that the keychain and the metadata change together or not at
//! all, one writer at a time (the order of the steps, and why, is in the `vault` module doc).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::metadata::{Pending, PendingOp, PendingStep};
use super::{Keychain, Metadata, StoreKind, StoredToken, VaultError, abort_point, names};
use crate::token::Token;

/// What was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub account: String,
    pub store: String,
    pub metadata_path: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveError {
    /// Nothing was stored (the keychain is as it was).
    Keychain(VaultError),
    /// The metadata file cannot be read or written: nothing was stored (the keychain is as it was,
    /// unless the detail says otherwise).
    Metadata(String),
}

/// What the scratch entry holds when the account had no value before the save.
const NO_PREVIOUS: &str = "\u{0}gitlab-token: no previous value";

/// The scratch entry that keeps an account's previous value during a save:
/// `#previous.NAME@HOST` (no user's name can start with `#`).
pub(crate) fn previous_account(account: &str) -> String {
    format!("#previous.{account}")
}

/// How long a writer waits for another one (each holds the lock for a few keychain calls).
fn writer_wait(keychain_timeout: Duration) -> Duration {
    (keychain_timeout * 6).max(Duration::from_secs(10))
}

/// The writer lock, `vault.lock` beside the metadata: held by one `save`, `forget` or
/// reconciliation at a time, released when dropped (or when the process dies).
pub async fn writer_lock(metadata_path: &Path, wait: Duration) -> Result<std::fs::File, String> {
    let dir = metadata_path.parent().unwrap_or(Path::new(".")).to_owned();
    tokio::task::spawn_blocking(move || {
        std::fs::create_dir_all(&dir)?;
        let file = crate::files::open_lock_file(&dir.join("vault.lock"))?;
        super::lock_within(&file, wait)?;
        Ok::<_, std::io::Error>(file)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("{}: {e}", metadata_path.display()))
}

/// Changes the metadata off the async loop.
pub(crate) async fn update(
    path: &Path,
    change: impl FnOnce(&mut Metadata) + Send + 'static,
) -> Result<(), String> {
    let path = path.to_owned();
    tokio::task::spawn_blocking(move || Metadata::update(&path, change).map(|_| ()))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

/// Drops the announcement of `op` for `account`.
pub(crate) async fn unannounce(path: &Path, account: &str, op: PendingOp) -> Result<(), String> {
    let account = account.to_owned();
    update(path, move |m| {
        m.pending
            .retain(|p| !(p.op == op && p.entry.account == account))
    })
    .await
}

/// Stores the token in `store` and records the facts in the metadata file, or changes nothing.
pub async fn save(
    store: StoreKind,
    timeout: Duration,
    metadata_path: &Path,
    token: &Token,
    entry: StoredToken,
) -> Result<Saved, SaveError> {
    // The store first: when it cannot be used, not even a lock file is written.
    let keychain = open_for(store, timeout, &entry).await?;
    let _writer = writer_lock(metadata_path, writer_wait(timeout))
        .await
        .map_err(SaveError::Metadata)?;
    write_locked(keychain, timeout, metadata_path, token, entry).await
}

/// [`save`] for a caller that already holds the writer lock ([`writer_lock`]): provisioning
/// holds it from before GitLab mints the token until the token is stored, as rotation does.
pub async fn save_under_lock(
    store: StoreKind,
    timeout: Duration,
    metadata_path: &Path,
    token: &Token,
    entry: StoredToken,
    _writer: &std::fs::File,
) -> Result<Saved, SaveError> {
    let keychain = open_for(store, timeout, &entry).await?;
    write_locked(keychain, timeout, metadata_path, token, entry).await
}

/// The store `entry` is saved to, once its name is valid and its entry can be read (or is absent).
async fn open_for(
    store: StoreKind,
    timeout: Duration,
    entry: &StoredToken,
) -> Result<Keychain, SaveError> {
    if let Err(e) = names::check_name(&entry.name) {
        return Err(SaveError::Keychain(VaultError::InvalidName(e.to_string())));
    }
    let keychain = Keychain::open(store, timeout)
        .await
        .map_err(SaveError::Keychain)?;
    match keychain.get(&entry.account).await {
        Ok(_) | Err(VaultError::NotFound(_)) => Ok(keychain),
        Err(e) => Err(SaveError::Keychain(e)),
    }
}

/// Steps 1 to 6 of a save, under the writer lock.
async fn write_locked(
    keychain: Keychain,
    timeout: Duration,
    metadata_path: &Path,
    token: &Token,
    mut entry: StoredToken,
) -> Result<Saved, SaveError> {
    entry.store = keychain.kind();
    let account = entry.account.clone();
    let path = metadata_path.to_owned();

    // 1. Announce: proves the metadata can be read and written before the keychain is touched.
    let pending = Pending {
        op: PendingOp::Save,
        step: PendingStep::Writing,
        started_at: super::now_rfc3339(),
        entry: entry.clone(),
    };
    update(&path, move |m| {
        m.pending
            .retain(|p| p.entry.account != pending.entry.account);
        m.pending.push(pending);
    })
    .await
    .map_err(SaveError::Metadata)?;
    abort_point("save-announced");

    // 2. Keep the previous value (or the mark that there was none) in the scratch entry.
    let previous = match keychain.get(&account).await {
        Ok(t) => Some(t),
        Err(VaultError::NotFound(_)) => None,
        Err(e) => return Err(undo(&keychain, &path, &account, None, e).await),
    };
    let mark = previous
        .clone()
        .unwrap_or_else(|| Token::new(NO_PREVIOUS.to_owned()));
    if let Err(e) = keychain.set(&previous_account(&account), &mark).await {
        return Err(undo(&keychain, &path, &account, None, e).await);
    }
    abort_point("save-previous-kept");

    // 3. Write and read back. Under the writer lock, a different value read back was written by
    // another program: it is left alone (never deleted), and reported.
    if let Err(e) = keychain.set(&account, token).await {
        return Err(undo(&keychain, &path, &account, Some(previous), e).await);
    }
    abort_point("save-keychain-written");
    match keychain.get(&account).await {
        Ok(read) if read == *token => {}
        Ok(_) => {
            return Err(undo(&keychain, &path, &account, None, VaultError::Mismatch).await);
        }
        Err(e) => return Err(undo(&keychain, &path, &account, Some(previous), e).await),
    }

    // 4. Record the entry and mark the announcement done, in one atomic write. An entry it
    // replaces in ANOTHER store is announced as forgotten there in the same write, so its old
    // secret is removed (now, or by the next start) instead of staying behind as an orphan.
    let recorded = entry.clone();
    let written = update(&path, move |m| record_entry(m, recorded)).await;
    if let Err(detail) = written {
        let put_back = restore(&keychain, &account, previous).await;
        let _ = keychain.delete(&previous_account(&account)).await;
        let detail = match put_back {
            Ok(()) => detail,
            Err(e) => {
                format!("{detail}; and the keychain's previous value could not be put back: {e}")
            }
        };
        return Err(SaveError::Metadata(detail));
    }
    abort_point("save-recorded");

    // 5 and 6. Tidy up; a failure here is finished by the next start.
    if keychain.delete(&previous_account(&account)).await.is_ok() {
        let _ = unannounce(&path, &account, PendingOp::Save).await;
    }
    forget_in_other_stores(&path, &account, keychain.kind(), timeout).await;
    Ok(Saved {
        account,
        store: keychain.kind().name().to_owned(),
        metadata_path: path,
    })
}

/// Step 4's one write: the entry recorded, its announcement marked done, and an entry it
/// replaces in another store announced as forgotten there.
fn record_entry(m: &mut Metadata, recorded: StoredToken) {
    let moved: Vec<StoredToken> = m
        .tokens
        .iter()
        .filter(|t| t.account == recorded.account && t.store != recorded.store)
        .cloned()
        .collect();
    for old in moved {
        m.pending.push(Pending {
            op: PendingOp::Forget,
            step: PendingStep::Writing,
            started_at: super::now_rfc3339(),
            entry: old,
        });
    }
    m.tokens.retain(|t| t.account != recorded.account);
    for p in m.pending.iter_mut() {
        if p.op == PendingOp::Save && p.entry.account == recorded.account {
            p.step = PendingStep::Written;
        }
    }
    m.tokens.push(recorded);
}

/// Removes the old secret of an entry that moved to `store` (announced in step 4); best effort,
/// the next start finishes what is left.
async fn forget_in_other_stores(path: &Path, account: &str, store: StoreKind, timeout: Duration) {
    let path_owned = path.to_owned();
    let Ok(Ok(meta)) = tokio::task::spawn_blocking(move || Metadata::load(&path_owned)).await
    else {
        return;
    };
    let moved = meta
        .pending
        .iter()
        .filter(|p| p.op == PendingOp::Forget && p.entry.account == account)
        .filter(|p| p.entry.store != store);
    for p in moved {
        let Ok(old) = Keychain::open_for(&p.entry, timeout).await else {
            continue;
        };
        if matches!(
            old.delete(account).await,
            Ok(()) | Err(VaultError::NotFound(_))
        ) {
            let _ = finish_forget(path, account, p.entry.store).await;
        }
    }
}

/// Puts the previous value back (`Some(None)`: there was none), drops the scratch entry and the
/// announcement, and returns `e` as the save's error.
async fn undo(
    keychain: &Keychain,
    path: &Path,
    account: &str,
    previous: Option<Option<Token>>,
    e: VaultError,
) -> SaveError {
    let mut e = e;
    if let Some(previous) = previous
        && let Err(also) = restore(keychain, account, previous).await
    {
        e = VaultError::Unreadable(format!(
            "{e}; putting the previous value back failed: {also}"
        ));
    }
    let _ = keychain.delete(&previous_account(account)).await;
    let _ = unannounce(path, account, PendingOp::Save).await;
    SaveError::Keychain(e)
}

/// Writes `previous` back to `account`, or removes the account when there was none.
pub(crate) async fn restore(
    keychain: &Keychain,
    account: &str,
    previous: Option<Token>,
) -> Result<(), VaultError> {
    match previous {
        Some(value) => keychain.set(account, &value).await,
        None => match keychain.delete(account).await {
            Ok(()) | Err(VaultError::NotFound(_)) => Ok(()),
            Err(e) => Err(e),
        },
    }
}

/// Whether a scratch value means "the account had no value".
pub(crate) fn is_no_previous(value: &Token) -> bool {
    value.expose() == NO_PREVIOUS
}

/// Why `forget` did not finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForgetError {
    /// Nothing was removed: the metadata cannot be read or written.
    Metadata(String),
    /// Nothing was removed: the keychain refused.
    Keychain(VaultError),
    /// The secret is gone but the entry could not be removed; the next start finishes it.
    Unfinished(String),
}

/// Removes a stored token: the secret, then its metadata entry, or nothing.
pub async fn forget(
    entry: &StoredToken,
    timeout: Duration,
    metadata_path: &Path,
) -> Result<(), ForgetError> {
    let keychain = Keychain::open_for(entry, timeout)
        .await
        .map_err(ForgetError::Keychain)?;
    let _writer = writer_lock(metadata_path, writer_wait(timeout))
        .await
        .map_err(ForgetError::Metadata)?;
    let pending = Pending {
        op: PendingOp::Forget,
        step: PendingStep::Writing,
        started_at: super::now_rfc3339(),
        entry: entry.clone(),
    };
    update(metadata_path, move |m| m.pending.push(pending))
        .await
        .map_err(ForgetError::Metadata)?;
    abort_point("forget-announced");
    match keychain.delete(&entry.account).await {
        Ok(()) | Err(VaultError::NotFound(_)) => {}
        Err(e) => {
            let _ = unannounce(metadata_path, &entry.account, PendingOp::Forget).await;
            return Err(ForgetError::Keychain(e));
        }
    }
    abort_point("forget-keychain-deleted");
    finish_forget(metadata_path, &entry.account, entry.store)
        .await
        .map_err(ForgetError::Unfinished)
}

/// Removes the entry in `store` and the announcement of its forget, in one write (an entry of
/// the same account in another store, where a save just moved it, stays).
pub(crate) async fn finish_forget(
    path: &Path,
    account: &str,
    store: StoreKind,
) -> Result<(), String> {
    let account = account.to_owned();
    update(path, move |m| {
        m.tokens
            .retain(|t| !(t.account == account && t.store == store));
        m.pending.retain(|p| {
            !(p.op == PendingOp::Forget && p.entry.account == account && p.entry.store == store)
        });
    })
    .await
}
