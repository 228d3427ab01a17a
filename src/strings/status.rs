//! What `status`, `get`, `forget` and the git credential helper say.

pub const NONE: &str = "No tokens stored. Run `gitlab-token setup` to add one.";
pub const NEVER: &str = "never expires";
pub const NO_SECRET: &str = "the secret could not be read from its store";
pub const VERIFIED_NOW: &str = "verified just now";
pub const FILE_STORE_WARNING: &str = "stored in a plain file (mode 0600) at your request: anyone with your account's file access can read it";

/// The table's column headings (`status` on a wide terminal).
pub const HEADINGS: [&str; 8] = [
    "HOST", "NAME", "USER", "TOKEN", "SCOPES", "EXPIRES", "VERIFIED", "STORE",
];

/// The field labels of a token's block (`status` on a narrow terminal), after `NAME@HOST`.
pub const BLOCK_LABELS: [&str; 6] = ["user", "token", "scopes", "expires", "verified", "store"];

pub fn service_account_user(username: &str) -> String {
    format!("{username} (service account)")
}

/// The expiry date and the days left.
pub fn expires_on(date: &str, days: i64) -> String {
    format!("{date} ({})", days_left(days))
}

/// An RFC 3339 time as `YYYY-MM-DD HH:MM`.
pub fn verified_at(at: &str) -> String {
    at.get(..16).unwrap_or(at).replace('T', " ")
}

pub fn days_left(days: i64) -> String {
    format!("{days} days left")
}

pub fn expired(date: &str) -> String {
    format!("EXPIRED {date}")
}

pub fn removed(account: &str, store: &str) -> String {
    format!("Removed {account} from the {store} and from the metadata file.")
}

pub fn revoked(account: &str) -> String {
    format!("Revoked {account} on GitLab: it no longer works anywhere.")
}

pub fn revoke_failed(account: &str, why: &str) -> String {
    format!(
        "Could not revoke {account} on GitLab ({why}); it was NOT removed. Fix that and retry, or run without --revoke."
    )
}

/// What git uses for a host now, in words (`None`: nothing, or this very token).
pub fn git_before(before: &crate::wizard::GitBefore) -> Option<String> {
    use crate::wizard::GitBefore as Before;
    match before {
        Before::Nothing | Before::This => None,
        Before::OtherToken(name) => Some(format!("gitlab-token's stored token {name}")),
        Before::OtherHelper(helper) => Some(format!("the credential helper `{helper}`")),
    }
}

/// `setup-git` on a terminal, when git uses something else for the host.
pub fn git_repoint_question(host: &str, before: &str, name: &str) -> String {
    format!(
        "git uses {before} for https://{host} now. Point it at the token {name} instead? [y/N] "
    )
}

/// `setup-git` without a terminal (or answered no), when git uses something else for the host.
pub fn git_left_as_it_was(host: &str, before: &str, name: &str) -> String {
    format!(
        "git uses {before} for https://{host}; it was left as it is. To point it at the token \
         {name} instead, run `gitlab-token setup-git --host {host} --name {name} --yes`."
    )
}

/// After re-pointing: what git used before.
pub fn git_used_before(before: &str) -> String {
    format!("Before, git used {before}.")
}

pub fn git_configured(host: &str, helper: &str) -> String {
    format!(
        "git now asks gitlab-token for https://{host} only (credential.https://{host}.helper = {helper})."
    )
}

/// `verify` without `--host`, and no single stored token to take it from.
pub fn needs_host(why: &str) -> String {
    format!("give --host (and pipe a token, or name a stored one): {why}")
}

/// `verify` of a stored token without a name, and no single stored token matches.
pub fn needs_name(why: &str) -> String {
    format!(
        "name the stored token with --name or --profile, or pipe a token on standard input: {why}"
    )
}

/// `add` stored a token that expires within the warning window (still a success).
pub fn expires_soon_after_add(account: &str, host: &str, name: &str, days: i64) -> String {
    let when = match days {
        0 => "today".to_owned(),
        1 => "tomorrow".to_owned(),
        d => format!("in {d} days"),
    };
    format!(
        "{account} expires {when}. Rotate it before then: gitlab-token rotate --host {host} --name {name} \
         (or create a longer-lived token and add it again)."
    )
}

/// The file and the reason in a journal error.
fn file_and_why(e: &crate::rotation::JournalError) -> (String, String) {
    use crate::rotation::JournalError as J;
    match e {
        J::Read { path, source } | J::Write { path, source } => {
            (path.display().to_string(), source.to_string())
        }
        J::Parse { path, message } => (path.display().to_string(), message.clone()),
    }
}

/// `status` on a `deliveries.toml` it cannot read: which file, that nothing in it is dropped,
/// and what to do.
pub fn unreadable_deliveries(e: &crate::rotation::JournalError) -> String {
    let (file, why) = file_and_why(e);
    format!(
        "cannot read {file} ({why}): the sink deliveries it holds are kept, not dropped, but \
         cannot be retried. Fix: repair the file, or move it aside and run \
         `gitlab-token sink deliver --name NAME` for each token with sinks."
    )
}

/// `status` on a `create` journal it cannot read: it may point at a token left on GitLab.
pub fn unreadable_create_journal(e: &crate::rotation::JournalError) -> String {
    let (file, why) = file_and_why(e);
    format!(
        "cannot read {file} ({why}), the journal of an interrupted `create`: it may name a \
         token made on GitLab and never stored. Fix: read the file, revoke on GitLab any token \
         of that account you do not use, then remove the file."
    )
}
