//! Why a store could not be used (`VaultError`): shared by the keychain and the file store,
//! below both. Each has its own message and fix (`strings::vault`).

use thiserror::Error;

/// Why the keychain could not be used. Each has its own message and fix (`strings::vault`).
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum VaultError {
    #[error("no D-Bus session bus: {0}")]
    NoSession(String),
    #[error("no Secret Service provider on the session bus: {0}")]
    NoProvider(String),
    #[error("the keyring is locked: {0}")]
    Locked(String),
    #[error("access to the keychain was denied: {0}")]
    AccessDenied(String),
    #[error("no token stored for {0}")]
    NotFound(String),
    #[error("the keychain did not answer within {0} seconds")]
    Timeout(u64),
    #[error("the token read back from the keychain differs from the one written")]
    Mismatch,
    #[error("the token was written but cannot be read back or removed: {0}")]
    Unreadable(String),
    #[error("the token's name is not valid: {0}")]
    InvalidName(String),
    #[error("{0} is not available on this platform")]
    Unsupported(&'static str),
    #[error("keychain error: {0}")]
    Other(String),
}
