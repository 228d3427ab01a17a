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
            format!(
                "The keyring is locked or was never created, and no unlock prompt was accepted ({d})."
            ),
            "Unlock it (log in to the desktop and accept the unlock prompt, or `gnome-keyring-daemon --unlock` over SSH) and retry; or choose another store with --store keyutils|file.",
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
        VaultError::InvalidName(why) => (
            format!("The token's name is not valid: {why}."),
            "Choose a name of 1 to 64 ASCII letters, digits, `.`, `_` or `-`, starting with a letter or a digit (e.g. `--name repo-scanner`).",
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

/// The name rules, for a refused name.
pub const NAME_RULES: &str =
    "a name is 1 to 64 ASCII letters, digits, `.`, `_` or `-`, starting with a letter or a digit";

pub fn metadata_failed(detail: &str) -> String {
    format!(
        "The facts about the token could not be written ({detail}), so nothing was stored: the keychain is as it was. \
         Fix the config directory (permissions, or a broken tokens.toml) and save again."
    )
}

pub const METADATA_FIX: &str =
    "Check that the config directory (gitlab-token beside tokens.toml) is writable, then retry.";

/// Start-up repairs (`vault::reconcile`), one sentence each.
pub fn temps_removed(n: usize) -> String {
    format!("removed {n} temp file(s) left by an interrupted gitlab-token")
}

pub fn forget_finished(account: &str) -> String {
    format!("finished forgetting {account} (an earlier `forget` was interrupted)")
}

pub fn save_finished(account: &str) -> String {
    format!("finished saving {account} (an earlier save was interrupted after it was recorded)")
}

pub fn save_undone(account: &str) -> String {
    format!(
        "an earlier save of {account} was interrupted before the new token reached the keychain; \
         the keychain and tokens.toml are as they were: save it again"
    )
}

pub fn save_kept(account: &str) -> String {
    format!(
        "an earlier save of {account} was interrupted after the new token reached the keychain; \
         it is kept and listed: check it with `gitlab-token status --verify`, or remove it with `gitlab-token forget`"
    )
}

pub fn reconcile_failed(account: &str, why: &str) -> String {
    format!(
        "an interrupted save or forget of {account} could not be finished yet ({why}); the next command tries again"
    )
}

/// git-credential: a request or an answer that could forge attributes.
pub const CREDENTIAL_REQUEST_REFUSED: &str =
    "git's request holds a carriage return or a NUL (or is larger than 64 KiB); not answered";
pub const CREDENTIAL_ANSWER_REFUSED: &str = "the stored username or token holds a newline, a carriage return or a NUL, which git's protocol cannot carry safely; not answered (check the token with `gitlab-token status --verify`)";

/// setup-git for an instance under a relative root.
pub fn git_use_http_path(origin: &str, key: &str) -> String {
    format!(
        "credential.https://{origin}.useHttpPath = true: git now sends the repository's path, and the token is given only for paths under https://{key}/."
    )
}

/// What `vault::reconcile` repaired, in one sentence.
pub fn repair(r: &crate::vault::Repair) -> String {
    use crate::vault::Repair;
    match r {
        Repair::TempsRemoved(n) => temps_removed(*n),
        Repair::ForgetFinished(account) => forget_finished(account),
        Repair::SaveFinished(account) => save_finished(account),
        Repair::SaveUndone(account) => save_undone(account),
        Repair::SaveKept(account) => save_kept(account),
        Repair::Failed { account, why } => reconcile_failed(account, why),
    }
}
