//! The wizard's "Create it for me" screens: every sentence they show. The library's reasons (why a
//! kind is or is not possible, what went wrong) come from `strings::provision`.

use crate::provision::{Kind, Stage};

/// The two ways under "A service account" on the owner step.
pub const SUB_CREATE: &str = "Create it for me (I am a group Owner or an administrator)";
pub const SUB_GUIDE: &str = "Guide me through GitLab's pages";
pub const TARGETS_FIELD: &str = "Group path(s)";
pub const TARGETS_HINT: &str =
    "the groups or projects it works on, separated by commas (acme, acme/tools/scanner)";
pub const TARGETS_NEEDED: &str = "Type the group or project path(s) the integration works on: the account is made a member there.";

/// What "Create it for me" does, on the owner step.
pub fn create_steps() -> Vec<&'static str> {
    vec![
        "With your own authorization (browser sign-in or a token of yours, used for this run only), gitlab-token finds the least-privileged kind of account, shows the plan, then creates the service account, makes it a member with the profile's role, makes its token, checks it and stores it.",
        "Re-running never duplicates anything. You need to be an Owner of the group (or an administrator).",
    ]
}

/// The register screen's last step when the sign-in authorizes "Create it for me".
pub const APP_ID_NOT_KEPT: &str = "Save, then paste the Application ID here (this one-time sign-in keeps nothing; pass --oauth-app-id or set GITLAB_TOKEN_OAUTH_APP_ID to skip this next time).";

/// Under the browser sign-in's code, when it authorizes "Create it for me".
pub const SIGNIN_NOTE: &str =
    "This sign-in is used for this run only: never saved, and revoked at the end.";

pub const TITLE: &str = "Create it for me";
pub fn header(number: usize, what: &str) -> String {
    format!("{TITLE} {number}/4  {what}")
}
pub const H_AUTHORIZE: &str = "Authorize";
pub const H_PLAN: &str = "Plan";
pub const H_CREATE: &str = "Create";
pub const H_DONE: &str = "Done";

pub const AUTHORIZE_INTRO: &str = "gitlab-token needs your own GitLab credential (scope api) to create the account, grant its role and make its token.";
pub const NOT_KEPT: &str = "It is held in memory for this run only: never saved to a file or the keychain, never shown. A browser sign-in is revoked when this ends.";
pub const M_BROWSER: &str = "Sign in with the browser (a one-time sign-in, revoked at the end)";
pub const M_PASTE: &str = "Paste a token of my own (scope api; not kept)";
pub fn m_stored(account: &str) -> String {
    format!("Use my saved browser sign-in {account} (not changed)")
}
pub const NO_APP_NOTE: &str =
    "The browser sign-in needs an OAuth application on this GitLab; it asks for its id first.";
pub const PASTE_FIELD: &str = "Your token";
pub const PASTE_HINT: &str =
    "A personal access token of yours with scope api. Paste it (it is masked), then Enter.";
pub const PASTE_NOT_KEPT: &str =
    "It is held in memory for this run only: never saved to a file or the keychain, never shown.";
pub const HELD: &str = "Your credential is still held in memory for a retry; it is dropped when you leave (a browser sign-in is revoked).";
pub const PASTE_FIRST: &str = "Paste your token first.";
pub const LOADING_STORED: &str = "Reading your saved sign-in…";
pub const DISCOVERING: &str =
    "Finding out who you are, what this GitLab allows and your role on each target…";
pub const K_AUTHORIZE: &str = "authorize";
pub const K_USE_IT: &str = "use it";
pub const K_DO_IT: &str = "create it";
/// Enter on a plan whose account and token an earlier run made: nothing new unless it is gone.
pub const K_REUSE_IT: &str = "check and reuse it";
pub const K_OTHER_KIND: &str = "other kind";
pub const K_GUIDE_ME: &str = "guide me instead";
pub const K_RETRY: &str = "retry";
pub const K_CREATE_OR_GUIDE: &str = "create for me / guide me";
pub const K_FINISH: &str = "finish";

/// The kind's name, as the plan lists it.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::GroupServiceAccount => "Group service account",
        Kind::SubgroupServiceAccount => "Subgroup service account",
        Kind::InstanceServiceAccount => "Instance service account",
        Kind::ProjectServiceAccount => "Project service account",
        Kind::GroupToken => "Group access token",
        Kind::ProjectToken => "Project access token",
        Kind::OwnToken => "Your own fine-grained token",
    }
}

pub fn authorized_as(username: &str, admin: bool) -> String {
    if admin {
        format!("Authorized as @{username} (administrator).")
    } else {
        format!("Authorized as @{username}.")
    }
}
pub const BEST: &str = "Will create";
/// The plan's heading when an earlier run made this account and token (`provision::made_before`).
pub const REUSES: &str = "Will reuse";
pub const CHOSEN: &str = "You picked";
pub const ALSO: &str = "Also possible (↑↓ to pick)";
pub const NOT_POSSIBLE: &str = "Not possible";
pub const L_ACCOUNT: &str = "Account";
pub const L_TARGETS: &str = "Member of";
pub const L_SCOPES: &str = "Token scopes";
pub const L_EXPIRES: &str = "Expires";
pub const L_STORED: &str = "Stored as";
pub const L_TOKEN: &str = "Token";
pub fn account_plan(kind: Kind, username: Option<&str>) -> String {
    match (kind, username) {
        (Kind::GroupToken | Kind::ProjectToken, _) => "its own bot user, made by GitLab".into(),
        (Kind::OwnToken, _) => "yours: no new account, no new membership".into(),
        (_, Some(name)) => format!("{name} (reused if it exists)"),
        (_, None) => "new, for this profile (reused if made before)".into(),
    }
}
/// The plan's account line when an earlier run made it for this name.
pub fn account_made_before(username: &str) -> String {
    format!("{username} (made by an earlier run: reused)")
}
pub fn role_on(role: &str, targets: &[String]) -> String {
    format!("{role} on {}", targets.join(", "))
}
pub const SELF_ROTATE_WHY: &str = "self_rotate: it can rotate itself, without anyone's help";

/// The plan's line for a token made without `self_rotate` (GitLab before 17.9, or not asked).
pub fn no_self_rotate(kind: Kind) -> String {
    format!(
        "no self_rotate: each rotation needs {} (rotate --owner-token-stdin)",
        super::renewal::who_authorizes(kind)
    )
}
pub fn expires_on(date: &str, days: u32) -> String {
    format!("{date} ({days} days)")
}
pub fn replaces(account: &str) -> String {
    format!(
        "{account} already holds the token made here for it: kept while it works (nothing is made twice)."
    )
}
/// The name holds a token `create` did not make for this account: Enter asks first.
pub fn holds_another(account: &str, username: &str) -> String {
    format!(
        "{account} already holds another token ({username}'s). Enter asks before replacing it; Ctrl-N takes another name."
    )
}
/// The person answered "replace it" for this name.
pub fn replace_agreed(account: &str) -> String {
    format!(
        "{account} already holds another token; you agreed to replace it (on GitLab it keeps working until it expires or is revoked)."
    )
}
/// The summary's line when the person agreed to replace the token stored under the name.
pub fn replaced_before(account: &str) -> String {
    format!(
        "It replaced the token stored before as {account} (as you agreed); on GitLab that one keeps working until it expires or is revoked."
    )
}
pub const NOTHING_POSSIBLE: &str = "Nothing can be created for you here:";
pub const GUIDE_OFFER: &str = "Press g to follow GitLab's pages instead (someone who may can create the account), or Esc to authorize as someone else.";
pub const DISCOVERY_FAILED: &str = "Could not find out what is possible:";

pub fn stage(stage: &Stage) -> String {
    match stage {
        Stage::Recovering => "Finishing an earlier run that was interrupted".into(),
        Stage::Account => "Creating the account (or finding the one to reuse)".into(),
        Stage::Membership(target) => format!("Adding it to {target}"),
        Stage::Token => "Making its token".into(),
        Stage::Checking => "Checking the new token live (scopes, role on each target)".into(),
        Stage::Storing => "Storing it and reading it back".into(),
    }
}
pub const IRREVERSIBLE: &str = "This creates things on GitLab: quitting now waits until the token is stored, so nothing is left half-made.";
pub const STARTING: &str = "Starting…";

pub const CREATED: &str = "Created and stored.";
pub const NOTHING_NEW: &str =
    "Everything was already in place: nothing new was created, the stored token is kept.";
pub const FAILED: &str = "Stopped before the end:";
pub const DONE_SO_FAR: &str = "Done so far (kept; a re-run reuses it):";
pub const PROBLEMS: &str = "To look at";
pub fn made(created: bool) -> &'static str {
    if created { "created" } else { "reused" }
}
pub fn membership(target: &str, role: &str, created: bool, pending: bool) -> String {
    let how = match (created, pending) {
        (_, true) => "waiting for an administrator's approval",
        (true, false) => "added",
        (false, false) => "kept (already a member)",
    };
    format!("{target}: {role}, {how}")
}
pub fn token_line(id: u64) -> String {
    format!("id {id}")
}
pub const REVOKING: &str = "Revoking your browser sign-in…";
pub const REVOKED: &str = "Your browser sign-in was revoked; nothing of yours was kept.";
pub fn revoke_failed(e: &str) -> String {
    format!(
        "Could not revoke your browser sign-in ({e}); it expires by itself within {}, or revoke it under Preferences → Applications.",
        super::signin::access_lifetime()
    )
}
pub const DROPPED: &str =
    "Your token was only held in memory and is dropped now; nothing of yours was kept.";
pub fn kept(account: &str) -> String {
    format!(
        "Your saved sign-in {account} was used as it is and stays saved; nothing was added to it."
    )
}
pub const LEAVING: &str = "Revoking your browser sign-in, then back…";
/// The "finishing" line when a quit waits.
pub const FINISHING_CREATION: &str = "Finishing the creation first (it cannot be stopped half-way): the token is stored, then the wizard quits.";
pub const FINISHING_REVOKE: &str =
    "Revoking your browser sign-in first; the wizard quits after it.";

/// What stays on the terminal after the wizard ends in "Create it for me".
pub fn summary(
    c: &crate::wizard::Creating,
    signalled: bool,
    git: &Option<Result<crate::wizard::GitOutcome, String>>,
) -> Vec<String> {
    use super::shell::command;
    let mut out = Vec::new();
    let host_name = c
        .request
        .as_ref()
        .map(|r| (r.instance.key(), r.name.clone()));
    match (c.execution.result.as_ref(), host_name) {
        (Some(Ok(o)), Some((host, name))) => {
            let nothing_new =
                !o.account.created && !o.token.created && o.memberships.iter().all(|m| !m.created);
            let what = if nothing_new {
                "nothing new was created; kept"
            } else {
                "created and stored"
            };
            out.push(format!(
                "gitlab-token: {what} {} ({} @{}).",
                o.stored_as,
                kind_name(o.account.kind),
                o.account.username
            ));
            for m in &o.memberships {
                let role = crate::gitlab::access::Role::from_access_level(m.access_level)
                    .map_or_else(|| m.access_level.to_string(), |r| r.name().to_owned());
                out.push(format!(
                    "  {}",
                    membership(&m.target, &role, m.created, m.pending_approval)
                ));
            }
            out.push(format!(
                "  Token id {}, {}, expires {}.",
                o.token.id,
                crate::strings::provision_own::holds(&o.token),
                o.token.expires_at.as_deref().unwrap_or("never")
            ));
            if c.request.as_ref().is_some_and(|r| r.replace_existing) {
                out.push(format!("  {}", replaced_before(&o.stored_as)));
            }
            for p in &o.problems {
                out.push(format!("  ! {}", super::provision_notes::note(p)));
            }
            out.push("  Use it in scripts:".into());
            out.push(format!("    {}", command("get", &host, &name)));
            out.push("  Rotate it before it expires:".into());
            let renewal = o.renewal();
            if let Some(cmd) = super::renewal::renewal_command(renewal, &host, &name) {
                out.push(format!("    {cmd}"));
            }
            if !renewal.unattended() {
                let line = super::renewal::renewal_line(renewal, &o.stored_as, &host, &name);
                out.push(format!("  {line}"));
            }
            if !matches!(git, Some(Ok(crate::wizard::GitOutcome::Done))) {
                out.push("  Let git use it for HTTPS:".into());
                out.push(format!("    {}", command("setup-git", &host, &name)));
            }
        }
        (Some(Err(f)), _) => {
            let why = f
                .problems
                .first()
                .map_or_else(String::new, super::provision_notes::note);
            out.push(format!("gitlab-token: Create it for me stopped: {why}"));
            out.push(
                "  What was made is kept; run gitlab-token setup again (or gitlab-token create) \
                 to finish: nothing is duplicated."
                    .into(),
            );
        }
        _ => {
            let how = if signalled {
                "interrupted by a signal"
            } else {
                "stopped"
            };
            out.push(format!(
                "gitlab-token: Create it for me was {how} before anything was created. Nothing was saved."
            ));
            out.push("  Start again with: gitlab-token setup".into());
        }
    }
    out.extend(credential_lines(c).into_iter().map(|l| format!("  {l}")));
    out
}

/// Where the person's own credential is now: a browser sign-in revoked (or why not), a pasted or
/// saved one dropped, or still held for a retry.
pub fn credential_lines(c: &crate::wizard::Creating) -> Vec<String> {
    let mut lines = Vec::new();
    match &c.revoke.result {
        Some(Ok(())) => lines.push(REVOKED.to_owned()),
        Some(Err(e)) => lines.push(revoke_failed(e)),
        None => {}
    }
    if let Some(account) = &c.kept {
        lines.push(kept(account));
    }
    if c.authority.is_some() {
        lines.push(HELD.to_owned());
    } else if c.dropped || lines.is_empty() {
        lines.push(DROPPED.to_owned());
    }
    lines
}

/// What "Create it for me" is for, as the help (`?`) says it.
pub const HELP_PURPOSE: &str = "Create it for me: with your authorization (a browser sign-in or a token of yours, used for this run only), gitlab-token makes the service account, its membership and its token through GitLab's API, and stores the token.";
