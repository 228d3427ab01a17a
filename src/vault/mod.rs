//! Where tokens live: the OS keychain for the secret, a metadata file for the facts about it.
//!
//! INVARIANT: after any command has started (and reconciled, `reconcile`), every token this tool
//! stored is described by exactly one metadata entry and the keychain holds exactly the value
//! that entry describes; no value is in the keychain without an entry (an "orphan"), and no
//! temp file is left. Every change keeps it, even when killed at any instruction:
//! - SAVE (`save::save`, under the writer lock `vault.lock`): (1) announce it in the metadata
//!   (`[[pending]]`, which also proves tokens.toml can be read and written; if not, nothing is
//!   touched); (2) copy the current value (or a "none" mark) to the scratch entry
//!   `#previous.NAME@HOST`; (3) write the new value and read it back; (4) record the entry and
//!   mark the announcement done, in one atomic write; (5) delete the scratch entry; (6) drop the
//!   announcement. A failure in 2-4 puts the previous value back. A kill before 4 is undone on
//!   the next start (the keychain compared with the scratch entry tells whether 3 happened; a new
//!   value found there is kept and listed, never deleted); a kill after 4 is finished. When the
//!   entry moves to another store, step 4 also announces a forget of the old store's secret,
//!   which is carried out right after (or by the next start), so no orphan stays there.
//! - FORGET (`save::forget`): announce, delete the secret, remove the entry and the announcement
//!   in one write. A kill after the announcement is finished on the next start.
//! - RECONCILE (`reconcile`) runs before every command that touches stored tokens and when the
//!   wizard starts; it takes the writer lock without waiting (a live writer is left alone).
//! - ROTATION's store: covered by the rotation journal (`rotation::journal`), written before
//!   GitLab is called and resolved by `rotation::recover` on the next start.
//! - A value that this process did not write is never deleted: the read-back check reports a
//!   mismatch and leaves the keychain as it found it.

pub mod credential;
pub mod file_store;
pub mod inventory;
pub mod keychain;
pub mod kv;
pub mod metadata;
pub mod names;
pub mod reconcile;
pub mod records;
pub mod save;
pub mod store_error;
pub mod team;

pub use keychain::{Keychain, SERVICE, StoreKind, VaultError};
pub use metadata::{CredentialKind, Metadata, MetadataError, OAuthFacts, RefreshSent, StoredToken};
pub use reconcile::{Repair, reconcile};
pub use save::{SaveError, Saved, forget, save, save_under_lock};

/// Replaces `path` with `bytes` atomically: a private temp file beside it (created with mode 0600,
/// named `.FILE.tmpXXXXXX`), synced, renamed over it, then the directory synced, so a crash leaves
/// the old file or the new one, never half. The caller holds the file's lock, so any other temp
/// file of the same name is a dead writer's: it is removed first.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir)?;
    let prefix = temp_prefix(path);
    remove_temps(dir, |name| name.starts_with(&prefix));
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o600));
    }
    let mut tmp = builder.tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    abort_point(&format!(
        "temp-written:{}",
        path.file_name().unwrap_or_default().to_string_lossy()
    ));
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// `.FILE.tmp`: how the temp files of `path` are named.
pub(crate) fn temp_prefix(path: &std::path::Path) -> String {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    format!(".{name}.tmp")
}

/// Removes the files of `dir` whose name `matches` (best effort).
pub(crate) fn remove_temps(dir: &std::path::Path, matches: impl Fn(&str) -> bool) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter(|e| matches(&e.file_name().to_string_lossy()))
        .filter(|e| std::fs::remove_file(e.path()).is_ok())
        .count()
}

/// The files whose temp files this tool writes beside the metadata, and the lock each is written
/// under.
const LOCKED_FILES: [(&str, &str); 3] = [
    ("tokens.toml", "tokens.lock"),
    ("secrets.toml", "secrets.lock"),
    ("rotation.toml", "rotation.lock"),
];

/// Whether `name` is a temp file of this tool: `.FILE.tmpXXXXXX`, or `.tmpXXXXXX` as written
/// before temp files were named after their file.
fn is_temp_name(name: &str) -> bool {
    let legacy = name.len() == 10 && name.starts_with(".tmp");
    legacy
        || LOCKED_FILES
            .iter()
            .any(|(file, _)| name.starts_with(&format!(".{file}.tmp")))
}

/// The temp files in `dir` (nothing is removed).
pub(crate) fn remove_temps_dry(dir: &std::path::Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_temp_name(n))
        .collect()
}

/// Removes the temp files dead writers left in `dir`: each file's only while its lock is free
/// (a live writer's temp file is left alone); the old unnamed ones only when every lock is free.
pub(crate) fn remove_stale_temps(dir: &std::path::Path) -> usize {
    let mut held = Vec::new();
    let mut removed = 0;
    for (file, lock) in LOCKED_FILES {
        let Ok(lock) = crate::files::open_lock_file(&dir.join(lock)) else {
            continue;
        };
        if lock.try_lock().is_err() {
            continue;
        }
        let prefix = temp_prefix(&dir.join(file));
        removed += remove_temps(dir, |name| name.starts_with(&prefix));
        held.push(lock);
    }
    if held.len() == LOCKED_FILES.len() {
        removed += remove_temps(dir, |name| name.len() == 10 && name.starts_with(".tmp"));
    }
    removed
}

/// Aborts the process when `GITLAB_TOKEN_TEST_ABORT_AT` names this point (the kill tests' hook).
/// It only aborts; it never changes what the program does otherwise.
pub(crate) fn abort_point(step: &str) {
    if std::env::var_os("GITLAB_TOKEN_TEST_ABORT_AT").is_some_and(|v| v == step) {
        std::process::abort();
    }
}

/// Takes an exclusive lock on `file`, waiting at most a few seconds for another gitlab-token
/// process to finish writing (never forever).
pub(crate) fn lock_briefly(file: &std::fs::File) -> std::io::Result<()> {
    lock_within(file, std::time::Duration::from_secs(5))
}

/// Takes an exclusive lock on `file`, waiting at most `wait`.
pub(crate) fn lock_within(file: &std::fs::File, wait: std::time::Duration) -> std::io::Result<()> {
    let deadline = std::time::Instant::now() + wait;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(std::io::Error::other(format!(
                    "another gitlab-token process has held the file lock for {} s; try again",
                    wait.as_secs()
                )));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

/// Now, RFC 3339 (UTC).
pub(crate) fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// The keychain account for a token: `NAME@HOST` (HOST is `host[:port][/path]`).
pub fn account(name: &str, host_key: &str) -> String {
    format!("{name}@{host_key}")
}
