//! What `rotate` and the recovery of an interrupted rotation say, and what to do. `report`
//! words rotation's typed outcomes with these sentences.

mod report;
mod team;
pub use team::TEAM_ONLY_AUTOMATIC;

pub use report::{
    note, notes, outcomes, problems, recovered, recovered_fix, replacement_link, replacement_steps,
    shown, trouble, undelivered,
};

use crate::gitlab::ApiError;
use crate::rotation::{Problem, kind};

/// A sentence as a clause inside parentheses: no final period, and a lower-case start unless
/// the first word is a name (`GitLab`, `TLS`).
fn clause(s: &str) -> String {
    let s = s.trim().trim_end_matches('.');
    let first_word = s.split(' ').next().unwrap_or_default();
    let mut chars = first_word.chars();
    let plain_word = chars.next().is_some_and(char::is_uppercase)
        && chars.clone().next().is_some()
        && chars.all(|c| !c.is_uppercase());
    match s.chars().next() {
        Some(first) if plain_word => first
            .to_lowercase()
            .chain(s[first.len_utf8()..].chars())
            .collect(),
        _ => s.to_owned(),
    }
}

/// Why an answer never arrived, in a few words.
pub fn reason(e: &ApiError) -> String {
    match e {
        ApiError::Connect(_) => "the connection closed before the answer arrived".into(),
        ApiError::Timeout(s) => format!("no answer within {s} s"),
        ApiError::Server { status } => format!("GitLab answered {status}"),
        ApiError::NotJson { status, .. } => format!("the answer ({status}) was not GitLab's JSON"),
        other => clause(&other.to_string()),
    }
}

/// How to get a replacement when a token cannot be rotated (or rotating it lost the new value).
pub fn guided_fix(account: &str, host: &str, name: &str) -> String {
    format!(
        "Create a replacement with the guided path: `gitlab-token setup --replace {account}`; or create \
         it on GitLab from the prefilled link and pipe it: \
         `gitlab-token rotate --host {host} --name {name} --replace --revoke-old`."
    )
}

/// A service account's replacement is made on its page, where nothing can be prefilled.
pub fn service_account_replacement(username: &str, name: &str, scopes: &[String]) -> String {
    format!(
        // doc/user/profile/service_accounts.md: ⋮ > Manage access tokens > Add new token.
        "@{username} is a service account: as a top-level group Owner (or an admin), open the \
         service accounts page below, choose @{username}'s ⋮ > Manage access tokens > Add new \
         token, and name it \"{name}\" with the scopes {}.",
        scopes.join(", ")
    )
}

/// An access token's replacement is made on its group's or project's access tokens page.
pub fn access_token_replacement(name: &str, scopes: &[String]) -> String {
    format!(
        // doc/user/project/settings/project_access_tokens.md: Settings > Access tokens > Add new token.
        "It is an access token: as an Owner of its group (a Maintainer of its project), open the \
         access tokens page below, choose Add new token, and name it \"{name}\" with the same \
         role and the scopes {}.",
        scopes.join(", ")
    )
}

pub fn description(old_id: u64) -> String {
    format!("Replaces token id {old_id} (rotated with gitlab-token)")
}

// --- the automatic path -------------------------------------------------------------------------

pub fn confirm(account: &str, expires_at: &str) -> String {
    format!(
        "Rotate {account} now? GitLab replaces it with a new token expiring {expires_at}; the current \
         one stops working at once, everywhere it is used. [y/N] "
    )
}

pub fn not_confirmed(account: &str) -> String {
    format!("Not rotated: {account} (nothing changed).")
}

pub const NEEDS_YES: &str =
    "rotating without a terminal to confirm on needs --yes; nothing was changed";

pub fn rotated(account: &str, old_id: u64, new_id: u64, expires: &str) -> String {
    format!(
        "Rotated {account}: the new token (id {new_id}) is stored and verified, and expires {expires}. \
         The old token (id {old_id}) no longer works."
    )
}

pub fn guided_link(link: &str, before_18_9: Option<&str>) -> String {
    match before_18_9 {
        None => format!("Create the replacement (same name and scopes) here:\n  {link}"),
        Some(old) => format!(
            "Create the replacement (same name and scopes) here (GitLab 18.9 or later):\n  {link}\n  on GitLab before 18.9 (the version is not known yet):\n  {old}"
        ),
    }
}

pub fn needs_guided(account: &str, scopes: &[String], host: &str, name: &str) -> Problem {
    Problem::new(
        kind::NEEDS_GUIDED,
        format!(
            "{account} cannot rotate itself: that needs the api or self_rotate scope, and it has {}.",
            if scopes.is_empty() {
                "none".to_owned()
            } else {
                scopes.join(", ")
            }
        ),
        guided_fix(account, host, name),
    )
}

/// A fine-grained token without `rotate_personal_access_token` on its `user` scope.
pub fn fine_grained_needs_guided(account: &str, host: &str, name: &str) -> Problem {
    Problem::new(
        kind::NEEDS_GUIDED,
        format!(
            "{account} cannot rotate itself: a fine-grained token needs the \
             rotate_personal_access_token permission (user) for that, and it lacks it."
        ),
        guided_fix(account, host, name),
    )
}

/// The instance enforces fine-grained tokens: a legacy one is no longer rotated.
pub fn legacy_disabled(account: &str, why: &str, host: &str, name: &str) -> Problem {
    let why = clause(why);
    Problem::new(
        kind::NEEDS_GUIDED,
        format!(
            "GitLab does not rotate {account}: this instance now accepts only fine-grained tokens \
             ({why}). Nothing changed; the old token works until it expires or is revoked."
        ),
        format!(
            "Make a fine-grained token instead: `gitlab-token setup --replace {account}` lists \
             its permissions and links GitLab's fine-grained form; or make it on that form (the \
             link below) and pipe it: `gitlab-token rotate --host {host} --name {name} \
             --replace --revoke-old`."
        ),
    )
}

pub fn refused_by_gitlab(account: &str, why: &str, host: &str, name: &str) -> Problem {
    let why = clause(why);
    Problem::new(
        kind::NEEDS_GUIDED,
        format!("GitLab does not let {account} rotate itself ({why}). Nothing changed."),
        guided_fix(account, host, name),
    )
}

pub fn stored_dead(account: &str, why: &str, host: &str, name: &str) -> Problem {
    let why = clause(why);
    Problem::new(
        kind::STORED_TOKEN_DEAD,
        format!("The stored token {account} no longer works ({why}), so it cannot rotate itself."),
        guided_fix(account, host, name),
    )
}

pub fn preflight_failed(account: &str, store: &str, why: &str, fix: &str) -> Problem {
    let why = clause(why);
    Problem::new(
        crate::problem::ProblemKind::KeychainUnavailable,
        format!(
            "The {store} cannot be written ({why}), so {account} was NOT rotated: the new token would \
             have nowhere to go. Nothing changed."
        ),
        fix,
    )
}

pub fn journal_failed(detail: &str) -> Problem {
    let detail = clause(detail);
    Problem::new(
        kind::METADATA,
        format!("The rotation journal could not be written ({detail}); nothing was rotated."),
        "Fix the config directory's permissions and retry.",
    )
}

pub fn expiry_rejected(account: &str, date: &str, gitlab: &str, max_days: Option<i64>) -> Problem {
    let gitlab = clause(gitlab);
    Problem::new(
        kind::EXPIRY_REJECTED,
        format!(
            "GitLab refused the expiry date {date} for {account} ({gitlab}). Nothing changed: the old \
             token still works."
        ),
        match max_days {
            Some(days) if days >= 1 => {
                format!("This instance allows at most {days} days: retry with --expires-in {days}.")
            }
            _ => "Retry with a shorter --expires-in.".to_owned(),
        },
    )
}

pub fn rotation_refused(account: &str, gitlab: &str, host: &str, name: &str) -> Problem {
    let gitlab = clause(gitlab);
    Problem::new(
        kind::ROTATION_REFUSED,
        format!(
            "GitLab refused to rotate {account} ({gitlab}). Nothing changed: the old token still works."
        ),
        guided_fix(account, host, name),
    )
}

pub fn not_reached(account: &str, why: &str, fix: &str) -> Problem {
    Problem::new(
        crate::problem::ProblemKind::Unreachable,
        format!(
            "Could not rotate {account}: {why} GitLab did not rotate it, so nothing changed and the \
             old token still works."
        ),
        fix,
    )
}

pub fn lost(account: &str, old_id: u64, why: &str, host: &str, name: &str) -> Problem {
    let why = clause(why);
    Problem::new(
        kind::NEW_TOKEN_LOST,
        format!(
            "GitLab rotated {account}: the old token (id {old_id}) is revoked on the server, but the \
             new token's value never arrived ({why}), so it is lost and {account} no longer works. \
             It is marked as expired. Rotating again is not possible (it would need the old token)."
        ),
        guided_fix(account, host, name),
    )
}

pub fn outcome_unknown(account: &str, why: &str) -> Problem {
    let why = clause(why);
    Problem::new(
        kind::OUTCOME_UNKNOWN,
        format!(
            "The rotation call for {account} got no answer, and GitLab cannot be asked now whether it \
             rotated the token ({why}). The journal is kept: the next gitlab-token command checks again."
        ),
        "Run `gitlab-token status` once GitLab is reachable; do not rotate this token meanwhile.",
    )
}

pub fn not_saved(account: &str, store: &str, attempts: u32, why: &str, revealed: bool) -> Problem {
    let why = clause(why);
    let (what, fix) = if revealed {
        (
            "The new token was shown once on this terminal; it is not stored anywhere.",
            "Store it once the keychain works: pipe it to `gitlab-token add` with the same --host, \
             --profile and --name. If you did not save it, create a replacement with `gitlab-token setup`."
                .to_owned(),
        )
    } else {
        (
            "It was not printed (no terminal to show it on), so the new value is lost.",
            format!(
                "Once the keychain works, create a replacement with the guided path: \
                 `gitlab-token setup --replace {account}`."
            ),
        )
    };
    Problem::new(
        kind::NEW_TOKEN_NOT_SAVED,
        format!(
            "GitLab rotated {account} (the old token is revoked on the server), but the {store} would \
             not take the new token after {attempts} attempts ({why}). {what}"
        ),
        fix,
    )
}

pub fn reveal_prompt(masked: &str) -> String {
    format!(
        "The keychain would not take the new token, and it exists nowhere else. It is {masked}.\n\
         Press Enter to show it on this terminal, so you can save it somewhere safe."
    )
}

/// The rotated successor of a fine-grained token came back a legacy one.
pub fn kind_changed(account: &str) -> Problem {
    Problem::new(
        kind::NOT_VERIFIED,
        format!(
            "{account} was a fine-grained token, but GitLab reports its successor as a legacy one."
        ),
        "The new token is stored and works; check its permissions on GitLab's token page, and \
         replace it with a fine-grained one if it holds more than the integration needs.",
    )
}

/// The rotated successor's permissions differ from the old token's.
pub fn permissions_changed(account: &str) -> Problem {
    Problem::new(
        kind::NOT_VERIFIED,
        format!("The new token for {account} holds other permissions than the token it replaced."),
        "The new token is stored; run `gitlab-token verify` to see whether it still covers the \
         integration, and `gitlab-token status` for what it holds.",
    )
}

pub fn not_verified(why: &str) -> Problem {
    let why = clause(why);
    Problem::new(
        kind::NOT_VERIFIED,
        format!(
            "The new token is stored, but GitLab could not confirm it just now ({why}); its facts come \
             from the rotation answer."
        ),
        "Run `gitlab-token status --verify` later.",
    )
}

pub fn metadata_failed(account: &str, detail: &str) -> Problem {
    let detail = clause(detail);
    Problem::new(
        kind::METADATA,
        format!(
            "The new token for {account} is stored, but the metadata file could not be updated \
             ({detail}). The next gitlab-token command finishes it."
        ),
        "Fix the config directory's permissions, then run `gitlab-token status`.",
    )
}

pub fn busy() -> Problem {
    Problem::new(
        kind::BUSY,
        "Another gitlab-token process is rotating a token right now; nothing was changed.",
        "Wait for it to finish, then retry.",
    )
}

pub fn store_busy() -> Problem {
    Problem::new(
        kind::BUSY,
        "Another gitlab-token process is writing to the token store (an add, a forget or a \
         rotation); nothing was changed.",
        "Wait for it to finish, then retry.",
    )
}

pub fn nothing_due(days: i64) -> String {
    format!("No stored token expires within {days} days; nothing to rotate.")
}

pub const EXPIRES_IN_RANGE: &str =
    "GitLab allows at most 365 days (an admin may allow fewer): use a number of days from 1 to 365";

// --- the guided replacement ---------------------------------------------------------------------

pub fn replace_needs_pipe(account: &str) -> String {
    format!(
        "pipe the new token on standard input (never as an argument); for the interactive guided \
         path, run `gitlab-token setup --replace {account}`"
    )
}

pub fn replaced(account: &str, new_id: u64, expires: &str) -> String {
    format!(
        "Replaced {account}: the new token (id {new_id}) passed every check, is stored, and expires {expires}."
    )
}

pub fn old_revoked(old_id: u64) -> String {
    format!("Revoked the old token (id {old_id}) on GitLab: it no longer works anywhere.")
}

pub fn old_already_gone(old_id: u64) -> String {
    format!("The old token (id {old_id}) was already unusable; nothing to revoke.")
}

pub fn old_kept(old_id: u64, expires: &str) -> String {
    format!(
        "The old token (id {old_id}) was not revoked and keeps working until {expires}; add \
         --revoke-old to revoke it, or revoke it on GitLab."
    )
}

pub fn old_unreadable(why: &str) -> String {
    let why = clause(why);
    format!("The old token could not be read from its store ({why}), so it cannot be revoked here.")
}

pub fn revoke_failed(old_id: u64, why: &str, page: &str) -> Problem {
    let why = clause(why);
    Problem::new(
        kind::REVOKE_FAILED,
        format!(
            "The replacement is stored, but the old token (id {old_id}) could not be revoked ({why})."
        ),
        format!("Revoke it on GitLab: {page}"),
    )
}

pub fn scopes_not_covered(missing: &[String], old: &[String]) -> Problem {
    Problem::new(
        kind::SCOPES_NOT_COVERED,
        format!(
            "The new token lacks scopes the old one had: {}. Nothing changed.",
            missing.join(", ")
        ),
        format!(
            "Create it again with the scopes {} (the prefilled link selects them).",
            old.join(", ")
        ),
    )
}

pub fn other_user(new: &str, old: &str) -> Problem {
    Problem::new(
        kind::OTHER_USER,
        format!("The new token belongs to @{new}, the stored one to @{old}. Nothing changed."),
        format!(
            "Create the replacement for @{old}; to store another account's token, use `gitlab-token add`."
        ),
    )
}

pub fn same_token(id: u64) -> Problem {
    Problem::new(
        kind::SAME_TOKEN,
        format!("That is the stored token itself (id {id}). Nothing changed."),
        "Create a new token from the prefilled link, then pipe that one.",
    )
}

pub const NOTHING_CHANGED: &str = "Nothing changed: the stored token was kept.";

// --- recovery of an interrupted rotation --------------------------------------------------------

pub fn recovered_never(account: &str, id: u64) -> String {
    format!(
        "An interrupted rotation of {account} never reached GitLab: the stored token (id {id}) still \
         works. Nothing changed."
    )
}

pub fn recovered_finished(account: &str, id: u64, expires: &str) -> String {
    format!(
        "Finished an interrupted rotation of {account}: the stored token is the new one (id {id}, \
         expires {expires}); the metadata is updated."
    )
}

pub fn recovered_lost(account: &str, old_id: u64) -> String {
    format!(
        "An interrupted rotation of {account}: GitLab revoked the old token (id {old_id}), and the new \
         token's value was lost before it could be stored, so {account} no longer works. It is \
         marked as expired."
    )
}

pub fn recovered_unresolved(account: &str, why: &str) -> String {
    let why = clause(why);
    format!(
        "An interrupted rotation of {account} could not be checked ({why}); the next gitlab-token \
         command tries again."
    )
}

pub fn recovered_busy(account: &str) -> String {
    format!("Another gitlab-token process is rotating {account} right now.")
}

pub fn recovered_forgotten(account: &str) -> String {
    format!(
        "Dropped the journal of an interrupted rotation of {account}: that token is no longer stored."
    )
}

pub fn recovered_broken(error: &str, path: &str) -> String {
    format!(
        "{error}. Remove {path} once `gitlab-token status --verify` shows every stored token working."
    )
}

pub const RECOVERY_METADATA_FAILED: &str = "the metadata file could not be updated";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_keep_names_and_drop_the_period() {
        assert_eq!(
            clause("The token has been revoked (401)."),
            "the token has been revoked (401)"
        );
        assert_eq!(
            clause("GitLab had an internal error (500)."),
            "GitLab had an internal error (500)"
        );
        assert_eq!(clause("TLS: bad"), "TLS: bad");
        assert_eq!(clause(""), "");
    }
}
