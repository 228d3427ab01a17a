//! The OS keychain through keyring-rs stores, every call off the async loop and under a timeout.

use std::sync::Arc;
use std::time::Duration;

use keyring_core::{CredentialStore, Entry};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::token::Token;

/// The keychain service name; the account is `NAME@HOST`.
pub const SERVICE: &str = "gitlab-token";

/// Which credential store holds a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum StoreKind {
    /// Linux/BSD desktop keyrings (GNOME Keyring, KWallet) over D-Bus.
    SecretService,
    /// The Linux kernel keyring: gone at logout or reboot.
    Keyutils,
    MacosKeychain,
    WindowsCredentialManager,
}

impl StoreKind {
    pub fn platform_default() -> StoreKind {
        if cfg!(target_os = "macos") {
            StoreKind::MacosKeychain
        } else if cfg!(target_os = "windows") {
            StoreKind::WindowsCredentialManager
        } else {
            StoreKind::SecretService
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            StoreKind::SecretService => "Secret Service (GNOME Keyring / KWallet)",
            StoreKind::Keyutils => "Linux kernel keyring",
            StoreKind::MacosKeychain => "macOS Keychain",
            StoreKind::WindowsCredentialManager => "Windows Credential Manager",
        }
    }
}

/// Why the keychain could not be used. Each has its own message and fix (`strings::vault`).
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum VaultError {
    #[error("no D-Bus session bus: {0}")]
    NoSession(String),
    #[error("no Secret Service provider on the session bus: {0}")]
    NoProvider(String),
    #[error("the keyring is locked: {0}")]
    Locked(String),
    #[error("the unlock prompt was dismissed: {0}")]
    PromptDismissed(String),
    #[error("access to the keychain was denied: {0}")]
    AccessDenied(String),
    #[error("no token stored for {0}")]
    NotFound(String),
    #[error("the keychain did not answer within {0} seconds")]
    Timeout(u64),
    #[error("the token read back from the keychain differs from the one written")]
    Mismatch,
    #[error("{0} is not available on this platform")]
    Unsupported(&'static str),
    #[error("keychain error: {0}")]
    Other(String),
}

/// A handle on one credential store.
#[derive(Clone)]
pub struct Keychain {
    store: Arc<CredentialStore>,
    kind: StoreKind,
    timeout: Duration,
}

impl Keychain {
    /// Connects to the store (for the Secret Service, this opens the D-Bus session).
    pub async fn open(kind: StoreKind, timeout: Duration) -> Result<Keychain, VaultError> {
        let store = blocking(timeout, move || open_store(kind)).await?;
        Ok(Keychain { store, kind, timeout })
    }

    pub fn kind(&self) -> StoreKind {
        self.kind
    }

    pub async fn set(&self, account: &str, token: &Token) -> Result<(), VaultError> {
        let entry = self.entry(account)?;
        let token = token.clone();
        blocking(self.timeout, move || entry.set_password(token.expose()).map_err(|e| classify(e, ""))).await
    }

    pub async fn get(&self, account: &str) -> Result<Token, VaultError> {
        let entry = self.entry(account)?;
        let account = account.to_owned();
        blocking(self.timeout, move || entry.get_password().map(Token::new).map_err(|e| classify(e, &account))).await
    }

    pub async fn delete(&self, account: &str) -> Result<(), VaultError> {
        let entry = self.entry(account)?;
        let account = account.to_owned();
        blocking(self.timeout, move || entry.delete_credential().map_err(|e| classify(e, &account))).await
    }

    /// Writes the token and reads it back: `Ok` only when the keychain really holds it.
    pub async fn store_verified(&self, account: &str, token: &Token) -> Result<(), VaultError> {
        self.set(account, token).await?;
        if self.get(account).await? == *token { Ok(()) } else { Err(VaultError::Mismatch) }
    }

    fn entry(&self, account: &str) -> Result<Entry, VaultError> {
        self.store.build(SERVICE, account, None).map_err(|e| classify(e, account))
    }
}

/// Runs a blocking keychain call on tokio's blocking pool, bounded by `timeout`.
async fn blocking<T: Send + 'static>(
    timeout: Duration,
    call: impl FnOnce() -> Result<T, VaultError> + Send + 'static,
) -> Result<T, VaultError> {
    match tokio::time::timeout(timeout, tokio::task::spawn_blocking(call)).await {
        Ok(Ok(result)) => result,
        Ok(Err(join)) => Err(VaultError::Other(format!("the keychain call failed: {join}"))),
        Err(_) => Err(VaultError::Timeout(timeout.as_secs().max(1))),
    }
}

fn open_store(kind: StoreKind) -> Result<Arc<CredentialStore>, VaultError> {
    match kind {
        #[cfg(target_os = "linux")]
        StoreKind::SecretService => {
            let store: Arc<CredentialStore> =
                zbus_secret_service_keyring_store::Store::new().map_err(|e| classify(e, ""))?;
            Ok(store)
        }
        #[cfg(target_os = "linux")]
        StoreKind::Keyutils => {
            let store: Arc<CredentialStore> = linux_keyutils_keyring_store::Store::new().map_err(|e| classify(e, ""))?;
            Ok(store)
        }
        #[cfg(target_os = "macos")]
        StoreKind::MacosKeychain => {
            let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new().map_err(|e| classify(e, ""))?;
            Ok(store)
        }
        #[cfg(target_os = "windows")]
        StoreKind::WindowsCredentialManager => {
            let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new().map_err(|e| classify(e, ""))?;
            Ok(store)
        }
        #[allow(unreachable_patterns)]
        other => Err(VaultError::Unsupported(other.name())),
    }
}

/// Maps keyring errors (and the platform texts behind them) to causes a person can act on.
fn classify(e: keyring_core::Error, account: &str) -> VaultError {
    use keyring_core::Error as K;
    let text = match &e {
        K::NoEntry => return VaultError::NotFound(account.to_owned()),
        K::PlatformFailure(inner) | K::NoStorageAccess(inner) => inner.to_string(),
        other => other.to_string(),
    };
    let lower = text.to_ascii_lowercase();
    if lower.contains("serviceunknown") || lower.contains("org.freedesktop.secrets") {
        VaultError::NoProvider(text)
    } else if lower.contains("failed to connect") || lower.contains("dbus_session_bus_address") || lower.contains("no such file") {
        VaultError::NoSession(text)
    } else if lower.contains("prompt") {
        VaultError::PromptDismissed(text)
    } else if lower.contains("locked") || lower.contains("result not returned") || lower.contains("collection") {
        VaultError::Locked(text)
    } else if lower.contains("denied") || lower.contains("permission") {
        VaultError::AccessDenied(text)
    } else if matches!(e, K::NoStorageAccess(_)) {
        VaultError::Locked(text)
    } else {
        VaultError::Other(text)
    }
}
