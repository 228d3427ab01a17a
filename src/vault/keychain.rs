//! The OS keychain through keyring-rs stores, every call off the async loop and under a timeout.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use keyring_core::{CredentialStore, Entry};
use serde::{Deserialize, Serialize};

use super::file_store;
pub use super::store_error::VaultError;
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
    /// A 0600 file, only when asked for by name (`--store file`).
    File,
    /// The team's Vault or OpenBao (KV v2): the secret and its facts in one secret at
    /// `MOUNT/PREFIX/HOST/NAME`, nothing on this machine (`vault::team`).
    Vault,
}

impl StoreKind {
    /// The store a token goes to unless `--store` says otherwise. Which platform gets which:
    /// tests/platform_store.rs (macOS, Windows, run by CI) and tests/keychain.rs (Linux).
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
            StoreKind::File => "plain file (mode 0600)",
            StoreKind::Vault => "team Vault (KV v2)",
        }
    }

    pub fn short_name(self) -> &'static str {
        match self {
            StoreKind::SecretService => "secret-service",
            StoreKind::Keyutils => "keyutils",
            StoreKind::MacosKeychain => "macos-keychain",
            StoreKind::WindowsCredentialManager => "windows",
            StoreKind::File => "file",
            StoreKind::Vault => "vault",
        }
    }

    /// Whether the store is on this machine (the keychain or the file, described by tokens.toml);
    /// `false` for the team's Vault, which holds the facts itself.
    pub fn is_local(self) -> bool {
        self != StoreKind::Vault
    }
}

/// A handle on one credential store.
#[derive(Clone)]
pub struct Keychain {
    backend: Backend,
    kind: StoreKind,
    timeout: Duration,
}

#[derive(Clone)]
enum Backend {
    Keyring(Arc<CredentialStore>),
    File(PathBuf),
}

impl Keychain {
    /// Connects to the store (for the Secret Service, this opens the D-Bus session).
    pub async fn open(kind: StoreKind, timeout: Duration) -> Result<Keychain, VaultError> {
        let backend = match kind {
            StoreKind::File => Backend::File(file_store::default_path().ok_or_else(|| {
                VaultError::Other("no config directory for the token file".into())
            })?),
            _ => Backend::Keyring(blocking(timeout, move || open_store(kind)).await?),
        };
        Ok(Keychain {
            backend,
            kind,
            timeout,
        })
    }

    /// The store a stored token was saved in.
    pub async fn open_for(
        entry: &super::StoredToken,
        timeout: Duration,
    ) -> Result<Keychain, VaultError> {
        Keychain::open(entry.store, timeout).await
    }

    pub fn kind(&self) -> StoreKind {
        self.kind
    }

    pub async fn set(&self, account: &str, token: &Token) -> Result<(), VaultError> {
        let token = token.clone();
        match &self.backend {
            Backend::File(path) => {
                let (path, account) = (path.clone(), account.to_owned());
                blocking(self.timeout, move || {
                    file_store::set(&path, &account, &token)
                })
                .await
            }
            Backend::Keyring(_) => {
                let entry = self.entry(account)?;
                blocking(self.timeout, move || {
                    entry
                        .set_password(token.expose())
                        .map_err(|e| classify(e, ""))
                })
                .await
            }
        }
    }

    pub async fn get(&self, account: &str) -> Result<Token, VaultError> {
        let account = account.to_owned();
        match &self.backend {
            Backend::File(path) => {
                let path = path.clone();
                blocking(self.timeout, move || file_store::get(&path, &account)).await
            }
            Backend::Keyring(_) => {
                let entry = self.entry(&account)?;
                blocking(self.timeout, move || {
                    entry
                        .get_password()
                        .map(Token::new)
                        .map_err(|e| classify(e, &account))
                })
                .await
            }
        }
    }

    pub async fn delete(&self, account: &str) -> Result<(), VaultError> {
        let account = account.to_owned();
        match &self.backend {
            Backend::File(path) => {
                let path = path.clone();
                blocking(self.timeout, move || file_store::delete(&path, &account)).await
            }
            Backend::Keyring(_) => {
                let entry = self.entry(&account)?;
                blocking(self.timeout, move || {
                    entry.delete_credential().map_err(|e| classify(e, &account))
                })
                .await
            }
        }
    }

    /// Writes the token and reads it back: `Ok` only when the keychain really holds it.
    pub async fn store_verified(&self, account: &str, token: &Token) -> Result<(), VaultError> {
        self.set(account, token).await?;
        match self.get(account).await {
            Ok(read) if read == *token => Ok(()),
            // Another value: someone else wrote after this process. It is not this process's
            // to delete (that would lose their token): leave it and say so.
            Ok(_) => Err(VaultError::Mismatch),
            // Written but not readable (e.g. the kernel keyring without a session keyring):
            // take it out again, so "nothing was stored" stays true, or say it may remain.
            Err(e) => match self.delete(account).await {
                Ok(()) | Err(VaultError::NotFound(_)) => Err(e),
                Err(_) => Err(VaultError::Unreadable(e.to_string())),
            },
        }
    }

    fn entry(&self, account: &str) -> Result<Entry, VaultError> {
        match &self.backend {
            Backend::Keyring(store) => {
                // The label people see in Seahorse / KWallet (other stores take no label).
                let label = label(account);
                let modifiers = std::collections::HashMap::from([("label", label.as_str())]);
                let modifiers = (self.kind == StoreKind::SecretService).then_some(&modifiers);
                store
                    .build(SERVICE, account, modifiers)
                    .map_err(|e| classify(e, account))
            }
            Backend::File(_) => Err(VaultError::Unsupported("a keyring entry in the file store")),
        }
    }
}

/// The keychain item's label: "GitLab token NAME@HOST".
pub fn label(account: &str) -> String {
    format!("GitLab token {account}")
}

/// Runs a blocking keychain call on tokio's blocking pool, bounded by `timeout`.
async fn blocking<T: Send + 'static>(
    timeout: Duration,
    call: impl FnOnce() -> Result<T, VaultError> + Send + 'static,
) -> Result<T, VaultError> {
    match tokio::time::timeout(timeout, tokio::task::spawn_blocking(call)).await {
        Ok(Ok(result)) => result,
        Ok(Err(join)) => Err(VaultError::Other(format!(
            "the keychain call failed: {join}"
        ))),
        Err(_) => Err(VaultError::Timeout(timeout.as_secs().max(1))),
    }
}

fn open_store(kind: StoreKind) -> Result<Arc<CredentialStore>, VaultError> {
    match kind {
        // Checked on Linux by tests/keychain.rs and the e2e tests against a real gnome-keyring
        // on a private D-Bus (tests/run.sh), and seen from outside with `secret-tool`.
        #[cfg(target_os = "linux")]
        StoreKind::SecretService => {
            let store: Arc<CredentialStore> =
                zbus_secret_service_keyring_store::Store::new().map_err(|e| classify(e, ""))?;
            Ok(store)
        }
        // Checked on Linux by tests/stored_tokens.rs in a fresh session keyring (/proc/keys).
        #[cfg(target_os = "linux")]
        StoreKind::Keyutils => {
            let store: Arc<CredentialStore> =
                linux_keyutils_keyring_store::Store::new().map_err(|e| classify(e, ""))?;
            Ok(store)
        }
        // macOS: not run here (Linux only). Checked against apple-native-keyring-store 1.0.2's
        // own sources and tests (src/keychain.rs, src/keychain_test.rs): `Store::new()` uses the
        // user's default keychain (`SecKeychain::default_for_domain(User)`), an item is a generic
        // password with service "gitlab-token" and account NAME@HOST, and errSecItemNotFound
        // (-25300) is `NoEntry` (our NotFound). Built and run by .github/workflows/ci.yml
        // (tests/platform_store.rs, in a temporary default keychain made with `security`).
        #[cfg(target_os = "macos")]
        StoreKind::MacosKeychain => {
            let store: Arc<CredentialStore> =
                apple_native_keyring_store::keychain::Store::new().map_err(|e| classify(e, ""))?;
            Ok(store)
        }
        // Windows: not run here. Checked against windows-native-keyring-store 1.1.0's sources
        // and tests (src/lib.rs, src/store.rs, src/tests.rs): `Store::new()` names the generic
        // credential "NAME@HOST.gitlab-token" (user, ".", service), and ERROR_NOT_FOUND is
        // `NoEntry`. Built and run by .github/workflows/ci.yml (tests/platform_store.rs, which
        // also finds the entry with `cmdkey /list:`).
        #[cfg(target_os = "windows")]
        StoreKind::WindowsCredentialManager => {
            let store: Arc<CredentialStore> =
                windows_native_keyring_store::Store::new().map_err(|e| classify(e, ""))?;
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
    } else if lower.contains("failed to connect")
        || lower.contains("dbus_session_bus_address")
        || lower.contains("no such file")
        // secret-service's `Unavailable`: the session bus address cannot be used.
        || lower.contains("dbus session")
    {
        VaultError::NoSession(text)
    } else if lower.contains("locked")
        // A locked collection asks for an unlock prompt; with no desktop to show it on, the
        // Secret Service reports the prompt as dismissed: the cause to act on is the lock.
        || lower.contains("prompt")
        || lower.contains("result not returned")
        || lower.contains("collection")
    {
        VaultError::Locked(text)
    } else if lower.contains("denied") || lower.contains("permission") {
        VaultError::AccessDenied(text)
    } else if matches!(e, K::NoStorageAccess(_)) {
        VaultError::Locked(text)
    } else {
        VaultError::Other(text)
    }
}
