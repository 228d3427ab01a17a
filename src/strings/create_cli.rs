//! Sentences of `gitlab-token create` and of the owner's authorization on the command line
//! (`create`, `rotate --owner-token-stdin | --oauth-app-id | --owner`). The library's reasons and
//! refusals come from `strings::provision`.

use crate::provision::{Kind, Stage};

/// Said on standard error before the owner's credential is read: it is never kept.
pub const NOT_KEPT: &str = "Your own credential authorizes this run only: it is held in memory, \
never stored, logged or printed, and forgotten when the command ends.";

/// Said when the device-flow token used for this run was revoked at the end.
pub const OAUTH_REVOKED: &str = "The browser sign-in used for this run was revoked on GitLab.";

pub fn oauth_not_revoked(detail: &str) -> String {
    format!(
        "The browser sign-in used for this run could not be revoked ({detail}); it stops working \
         by itself within {}, or revoke it under User settings > Applications.",
        super::signin::access_lifetime()
    )
}

pub const NEEDS_AUTHORIZATION: &str = "authorize this run with one of --owner-token-stdin (pipe your \
own token with the api scope), --oauth-app-id ID (sign in with the browser), or --owner NAME (a \
browser sign-in you stored with `gitlab-token login`)";

pub fn owner_not_found(account: &str) -> String {
    format!(
        "--owner: no browser sign-in is stored as {account}; sign in with `gitlab-token login \
         --host HOST --name NAME`, or use --owner-token-stdin or --oauth-app-id"
    )
}

pub fn owner_unusable(account: &str, detail: &str) -> String {
    format!("--owner: the sign-in {account} cannot be used: {detail}")
}

pub use super::provision::{kind_flag, kind_name};

pub fn plan_heading(account: &str) -> String {
    format!("Plan for {account}:")
}

pub fn chosen(kind: Kind, why: &str) -> String {
    format!("  > {} (chosen): {why}", kind_name(kind))
}

pub fn possible(kind: Kind, why: &str) -> String {
    format!("    {} (also possible): {why}", kind_name(kind))
}

pub fn not_possible(kind: Kind, why: &str) -> String {
    format!("    {} (not possible): {why}", kind_name(kind))
}

pub const NOTHING_POSSIBLE: &str = "Nothing was created: no kind of account can be made with \
this authorization (the reasons are above). The guided path (`gitlab-token setup`) still works: \
create the token on GitLab's page and paste it.";

pub const NOTHING_CREATED: &str = "nothing was created";

pub fn kind_refused(kind: Kind) -> String {
    format!(
        "Nothing was created: --kind {} is not possible here (the reason is above).",
        kind_flag(kind)
    )
}

pub fn self_rotate_reason() -> &'static str {
    "The token gets the self_rotate scope so it can rotate itself later without anyone's help \
(--no-self-rotate leaves it out)."
}

/// One progress line per stage, on standard error.
pub fn stage(stage: &Stage) -> String {
    match stage {
        Stage::Recovering => "Finishing an earlier, interrupted run ...".into(),
        Stage::Account => "Creating the account (or finding the one to reuse) ...".into(),
        Stage::Membership(target) => format!("Adding it to {target} ..."),
        Stage::Token => "Creating its token ...".into(),
        Stage::Checking => "Checking the new token live ...".into(),
        Stage::Storing => "Storing it ...".into(),
    }
}

pub fn account_line(username: &str, id: u64, kind: Kind, created: bool) -> String {
    let what = if created { "created" } else { "reused" };
    format!("Account: {username} (id {id}, {}, {what})", kind_name(kind))
}

pub fn membership_line(target: &str, level: u32, created: bool, pending: bool) -> String {
    let role = crate::gitlab::access::Role::from_access_level(level)
        .map_or_else(|| format!("level {level}"), |r| r.name().to_owned());
    let what = if pending {
        "waiting for an administrator's approval"
    } else if created {
        "added"
    } else {
        "kept"
    };
    format!("Member of {target} as {role} ({what})")
}

pub fn token_line(t: &crate::provision::TokenOutcome) -> String {
    let (id, expires_at, created) = (t.id, t.expires_at.as_deref(), t.created);
    let what = if created {
        "created"
    } else {
        "the stored one, still good"
    };
    format!(
        "Token: id {id}, {}, expires {} ({what})",
        super::provision_own::holds(t),
        expires_at.unwrap_or("never")
    )
}

pub fn stored_line(account: &str) -> String {
    format!("Stored as {account} (verified).")
}

pub fn nothing_new(account: &str) -> String {
    format!("Nothing new was needed: {account} is already set up and working.")
}

pub fn done_before_failure() -> &'static str {
    "What was done before it stopped (a re-run continues from here, creating nothing twice):"
}

/// A token a killed `create` made (or was asking for) and never stored.
pub fn orphan_line(o: &crate::provision::Orphan) -> String {
    let (account, name, page) = (&o.account, &o.token_name, &o.page);
    let of = o
        .gitlab_account
        .as_ref()
        .map(|u| format!(" of {u}"))
        .unwrap_or_default();
    match o.token_id {
        Some(id) => format!(
            "An earlier run for {account} created token {name:?}{of} (id {id}) but was stopped \
             before storing it: authorize a run to revoke it automatically, or revoke it at {page}"
        ),
        None => format!(
            "An earlier run for {account} was stopped while asking GitLab for token {name:?}{of}: \
             GitLab may have made it. Authorize a run to find and revoke it automatically, or \
             look for it and revoke it at {page}"
        ),
    }
}

pub fn signalled(account: &str) -> String {
    format!("Stopped by a signal after finishing the current step for {account}.")
}

pub const OWNER_ONE_HOST: &str =
    "the owner path rotates the tokens of one host at a time: add --host";

pub const OWNER_NOT_WITH_REPLACE: &str = "--replace takes the replacement on standard input; the \
owner path (--owner-token-stdin, --oauth-app-id, --owner) makes the replacement itself: use one or \
the other";
