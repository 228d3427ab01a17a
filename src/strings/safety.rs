//! Sentences about irreversible work in flight: the rotation's progress, "finishing before
//! quitting", and the question before `a` rotates (its text is `rotation::confirm`, shared with
//! `gitlab-token rotate`).

use crate::rotation::automatic::Stage;

/// Which irreversible step is running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InFlight {
    Rotation,
    Save,
    Revocation,
    /// "Create it for me" is creating the account, memberships and token, and storing it.
    Creation,
    /// The owner's one-time browser sign-in (for "Create it for me") is being revoked.
    SignInRevocation,
}

/// Said when a quit key or a signal arrives during an irreversible step.
pub fn finishing(what: InFlight) -> &'static str {
    match what {
        InFlight::Rotation => {
            "Finishing the rotation first (GitLab may already have replaced the token): the new \
             value is stored before the wizard quits."
        }
        InFlight::Save => "Finishing the save to the keychain first; the wizard quits after it.",
        InFlight::Revocation => {
            "Finishing the revocation on GitLab first; the wizard quits after it."
        }
        InFlight::Creation => super::create_wizard::FINISHING_CREATION,
        InFlight::SignInRevocation => super::create_wizard::FINISHING_REVOKE,
    }
}

/// Said after the stage while a quit waits for the rotation.
pub const QUIT_AFTER_ROTATION: &str =
    "Quitting once the new value is stored (quitting now would lose it).";

/// One line for the rotation's current stage (shown with a spinner).
pub fn rotation_stage(account: &str, stage: Stage) -> String {
    let doing = match stage {
        Stage::Checking => "checking the token and that the keychain takes new values",
        Stage::Rotating => "asking GitLab to rotate it (the old value stops working now)",
        Stage::Storing => "storing the new value in the keychain and reading it back",
        Stage::Verifying => "verifying the new value with GitLab",
    };
    format!("Rotating {account}: {doing}…")
}

/// The stages in order, for the progress line (checking → rotating → storing → verifying).
pub fn stage_trail(stage: Stage) -> String {
    let all = [
        (Stage::Checking, "checking"),
        (Stage::Rotating, "rotating"),
        (Stage::Storing, "storing"),
        (Stage::Verifying, "verifying"),
    ];
    all.iter()
        .map(|(s, name)| {
            if *s == stage {
                format!("[{name}]")
            } else {
                (*name).to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(" → ")
}

pub const ROTATE_CONFIRM_TITLE: &str = " Rotate now? ";
pub const ROTATE_CONFIRM_KEYS: &str = "y rotate  n/Esc keep it";

/// The CLI's line on standard error when a signal arrives between the API call and the write.
pub const CLI_FINISHING: &str = "gitlab-token rotate: signal received; finishing the rotation \
     (storing the new token) before exiting…";

/// Whose a stored token is and how long it has left, e.g. "scanner-bot's, 12 days left".
fn whose(username: &str, days_left: Option<i64>) -> String {
    match days_left {
        Some(d) if crate::gitlab::types::is_expired(d) => format!("{username}'s, expired"),
        Some(d) => format!("{username}'s, {d} days left"),
        None => format!("{username}'s, no expiry"),
    }
}

/// On the paste and validate screens when NAME@HOST is already stored.
pub fn exists(account: &str, username: &str, days_left: Option<i64>) -> String {
    format!(
        "{account} already exists ({}): saving asks before replacing it. Ctrl-N picks another name.",
        whose(username, days_left)
    )
}

pub const REPLACE_TITLE: &str = " Already stored ";

/// The question before overwriting a stored token.
pub fn replace_question(account: &str, username: &str, days_left: Option<i64>) -> String {
    format!(
        "{account} already holds a token ({}). Replace it with this one? The stored value is \
         overwritten here (on GitLab it keeps working until it expires or is revoked).",
        whose(username, days_left)
    )
}

pub const REPLACE_KEYS: &str = "y replace  n another name  Esc back";
pub const RENAME_TITLE: &str = " Another name ";
pub const RENAME_FIELD: &str = "Name";
pub const BAD_NAME: &str =
    "A name needs 1 to 64 characters, without spaces, `@` or control characters.";

/// On the first screen when the keychain cannot be used: the way out first (a long cause may be
/// clipped at 80x24), then what is wrong.
pub fn store_unusable(store: &str, problem: &str) -> String {
    format!(
        "No usable keychain ({store}): press s to save elsewhere (kernel keyring or 0600 file), \
         or fix it and start again. {}",
        problem.trim_end_matches('.').to_owned() + "."
    )
}

/// On the save screen after the store refused the token (nothing was stored).
pub const SAVE_ELSEWHERE: &str =
    "Or press s to save it elsewhere: the kernel keyring (gone at logout) or a 0600 file.";

pub const STORE_TITLE: &str = " Save tokens where? ";
pub const STORE_KEYS: &str = "↑↓ choose  Enter use it  Esc cancel";

/// One row of the store dialog.
pub fn store_choice(kind: crate::vault::StoreKind) -> &'static str {
    use crate::vault::StoreKind;
    match kind {
        StoreKind::Keyutils => "Linux kernel keyring (--store keyutils): gone at logout or reboot",
        StoreKind::File => {
            "A 0600 file beside the metadata (--store file): readable by anyone who can read your files"
        }
        _ => kind.name(),
    }
}

// Key help labels of the dialogs above (the line itself is built by `ui::help`).
pub const K_ROTATE: &str = "rotate";
pub const K_KEEP_IT: &str = "keep it";
pub const K_TYPE_NAME: &str = "type a name";
pub const K_USE_IT: &str = "use it";
pub const K_REPLACE: &str = "replace";
pub const K_ANOTHER_NAME: &str = "another name";
pub const K_SAVE_ELSEWHERE: &str = "save elsewhere";
pub const K_NEXT_TOKEN: &str = "next token";
/// While an irreversible step runs, quitting waits for it.
pub const NOTE_IN_FLIGHT: &str = "working…  q quits once the credential is safe";
/// The first screen while its rotation runs.
pub const NOTE_ROTATING: &str = "q quits once the rotation is done";
/// While a quit waits for the step to finish.
pub const NOTE_QUITTING: &str = "finishing, then quitting…";
