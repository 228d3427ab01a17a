//! What the keychain and the metadata file say when they fail, and what to do.

use crate::problem::{Problem, ProblemKind};
use crate::vault::VaultError;

pub fn problem(e: &VaultError) -> Problem {
    let (message, fix) = match e {
        VaultError::NoSession(d) => (
            format!("No D-Bus session bus, so no keychain can be reached ({d})."),
            "Run inside a desktop session, or start one: `dbus-run-session -- gitlab-token`, with gnome-keyring or KeePassXC running. Nothing was written to disk.",
        ),
        VaultError::NoProvider(d) => (
            format!("The session bus has no Secret Service provider ({d})."),
            "Install and start one: `apt install gnome-keyring` (or enable KeePassXC's Secret Service integration), then retry.",
        ),
        VaultError::Locked(d) => (
            format!("The keyring is locked or was never created ({d})."),
            "Unlock it (log in to the desktop, or `gnome-keyring-daemon --unlock`) and retry.",
        ),
        VaultError::PromptDismissed(d) => (
            format!("The keyring's unlock prompt was dismissed ({d})."),
            "Retry and accept the prompt to unlock the keyring.",
        ),
        VaultError::AccessDenied(d) => (
            format!("The keychain denied access ({d})."),
            "Allow gitlab-token to use the keychain (macOS: Keychain Access) and retry. With --store keyutils, \
             this session has no usable session keyring: run inside one (`keyctl session - gitlab-token ...`, \
             or log in through PAM with pam_keyinit).",
        ),
        VaultError::NotFound(account) => (
            format!("No token is stored for {account}."),
            "Run `gitlab-token setup` to store one.",
        ),
        VaultError::Timeout(s) => (
            format!("The keychain did not answer within {s} s."),
            "A prompt may be waiting on another screen, or the keyring daemon hangs; restart it and retry.",
        ),
        VaultError::Unreadable(d) => (
            format!(
                "The token was written to the store but can be neither read back nor removed ({d}). It may remain there."
            ),
            "With --store keyutils, run inside a session keyring (`keyctl session -`); find it with `keyctl show @u` and remove it with `keyctl unlink ID`; or use another store.",
        ),
        VaultError::Mismatch => (
            "The keychain returned a different value than was written.".into(),
            "Another program may manage this entry; retry, and check the keychain for duplicate entries.",
        ),
        VaultError::Unsupported(name) => (
            format!("{name} is not available on this platform."),
            "Use the platform's default store.",
        ),
        VaultError::Other(d) => (
            format!("The keychain failed: {d}."),
            "Retry; if it persists, check the keychain daemon's log.",
        ),
    };
    Problem::new(ProblemKind::KeychainUnavailable, message, fix)
}

pub fn metadata_failed(detail: &str) -> String {
    format!(
        "The token is safely in the keychain, but the facts about it could not be written: {detail}. \
         Fix the config directory's permissions and save again."
    )
}

pub const METADATA_FIX: &str =
    "Check that the config directory (gitlab-token beside tokens.toml) is writable, then retry.";
