//! Where tokens live: the OS keychain for the secret, a metadata file for the facts about it.

pub mod file_store;
pub mod keychain;
pub mod metadata;

pub use keychain::{Keychain, SERVICE, StoreKind, VaultError};
pub use metadata::{Metadata, MetadataError, StoredToken};

/// The keychain account for a token: `NAME@HOST` (HOST is `host[:port][/path]`).
pub fn account(name: &str, host_key: &str) -> String {
    format!("{name}@{host_key}")
}
