//! What "Create it for me" says when GitLab or the keychain refuses a step for a reason the
//! person can act on (their token's scopes or role, the licence, the expiry, a taken name).

use super::provision_kinds::{GUIDED, kind_name};
use crate::provision::Kind;

/// An administrator whose token cannot act as one: the kind would be possible with it.
pub fn needs_admin_mode(kind: Kind) -> String {
    format!(
        "You are an administrator, but your token needs the admin_mode scope (Admin Mode is on) \
         to create a {} as one: authorize with a token that has the api and admin_mode scopes, \
         or choose another kind.",
        kind_name(kind)
    )
}

/// The caller's own token (the one authorizing `create`) lacks `api`.
pub fn owner_token_needs_api(scopes: &[String]) -> String {
    let has = match scopes {
        [] => "no scopes".to_owned(),
        s => s.join(", "),
    };
    format!(
        "Your own token (the one you authorize with) has {has}; creating accounts, memberships and \
         tokens needs the api scope on YOUR token. Authorize with a personal access token that \
         has the api scope (or sign in with the browser); the integration's token is not made yet."
    )
}

/// GitLab answered 401 on a group's or project's access-token route although the caller's own
/// token works: the caller may not manage that place's tokens (lib/api/resource_access_tokens.rb
/// answers `unauthorized!` to a user without the right, not only to a bad token).
pub fn may_not_manage_tokens(group: bool, place: &str) -> String {
    let role = match group {
        true => "the Owner role",
        false => "the Maintainer or Owner role",
    };
    format!(
        "GitLab refused to let you manage the access tokens of {place} (401), although your own \
         token works: you may no longer have {role} there. Ask one of its Owners to do it, or to \
         give you that role back; nothing was changed."
    )
}

/// A service-account create refused with 403: the licence does not include them.
pub fn not_licensed(why: &str) -> String {
    format!(
        "GitLab refused to create the service account ({why}): this GitLab's licence does not \
         include service accounts (Premium or Ultimate; Free from GitLab 18.11). Use a group or \
         project access token instead (--kind group-token or project-token), {GUIDED}."
    )
}

/// GitLab refused the token's expiry date (the instance's maximum lifetime).
pub fn expiry_refused(date: &str, gitlab: &str, max_days: Option<i64>) -> String {
    let gitlab = gitlab
        .trim_start_matches("400 Bad request - ")
        .trim_end_matches('.');
    let fix = match max_days {
        Some(days) if days >= 1 => {
            format!("This instance allows at most {days} days: run again with --expires-in {days}.")
        }
        _ => "Run again with a shorter --expires-in.".to_owned(),
    };
    format!("GitLab refused the expiry date {date} ({gitlab}); no token was made. {fix}")
}

/// NAME@HOST already holds a token this run did not make.
pub fn name_taken(account: &str, username: &str, name: &str) -> String {
    format!(
        "{account} already holds a token (of {username}) that `gitlab-token create` did not make \
         for this account; it was left as it is and nothing was created. Pass --name OTHER to \
         store the new token under another name (or remove the stored one first: `gitlab-token \
         forget --name {name}`)."
    )
}
