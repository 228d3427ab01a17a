//! Where tokens live: the OS keychain for the secret, a metadata file for the facts about it.

use std::path::PathBuf;

pub mod file_store;
pub mod keychain;
pub mod metadata;

pub use keychain::{Keychain, SERVICE, StoreKind, VaultError};
pub use metadata::{Metadata, MetadataError, StoredToken};

/// What was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub account: String,
    pub store: String,
    pub metadata_path: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveError {
    /// Nothing was stored.
    Keychain(VaultError),
    /// The token is in the keychain, but the metadata file could not be written.
    Metadata(String),
}

/// Stores the token in `store`, reads it back, then records the facts in the metadata file.
/// The metadata is written only once the secret is safely stored.
pub async fn save(
    store: StoreKind,
    timeout: std::time::Duration,
    metadata_path: &std::path::Path,
    token: &crate::token::Token,
    mut entry: StoredToken,
) -> Result<Saved, SaveError> {
    let keychain = Keychain::open(store, timeout)
        .await
        .map_err(SaveError::Keychain)?;
    keychain
        .store_verified(&entry.account, token)
        .await
        .map_err(SaveError::Keychain)?;
    entry.store = keychain.kind();
    let account = entry.account.clone();
    let path = metadata_path.to_owned();
    let write_path = path.clone();
    tokio::task::spawn_blocking(move || Metadata::upsert(&write_path, entry))
        .await
        .map_err(|e| SaveError::Metadata(e.to_string()))?
        .map_err(|e| SaveError::Metadata(e.to_string()))?;
    Ok(Saved {
        account,
        store: keychain.kind().name().to_owned(),
        metadata_path: path,
    })
}

/// Replaces `path` with `bytes` atomically: a private (0600) temp file beside it, synced, renamed
/// over it, then the directory synced, so a crash leaves the old file or the new one, never half.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(std::path::Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Takes an exclusive lock on `file`, waiting at most a few seconds for another gitlab-token
/// process to finish writing (never forever).
pub(crate) fn lock_briefly(file: &std::fs::File) -> std::io::Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(std::io::Error::other(
                    "another gitlab-token process has held the file lock for 5 s; try again",
                ));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
    }
}

/// The keychain account for a token: `NAME@HOST` (HOST is `host[:port][/path]`).
pub fn account(name: &str, host_key: &str) -> String {
    format!("{name}@{host_key}")
}
