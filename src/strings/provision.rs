//! What "Create it for me" says: why a kind of account is chosen or not (with what to do
//! instead), the progress of each step, and the problems met on the way.

pub use super::provision_kinds::{GUIDED, kind_flag, kind_name};
pub use super::provision_refusals::*;
use crate::gitlab::access::Role;
use crate::provision::{Kind, Stage};

// ---- Why a kind is possible ----

pub fn why_group_service_account(top: &str, caveat: Option<&str>) -> String {
    let mut s = format!(
        "A service account owned by the group {top}: it is no person's account (it stays when \
         people leave), it can join only {top}'s groups and projects, and {top}'s Owners manage it."
    );
    if let Some(c) = caveat {
        s.push(' ');
        s.push_str(c);
    }
    s
}

pub fn why_subgroup_service_account(group: &str, caveat: Option<&str>) -> String {
    let mut s = format!(
        "A service account owned by the subgroup {group} (GitLab 18.11): no person's account, it \
         can join only {group}'s own groups and projects (the narrowest group account), and \
         {group}'s Owners manage it."
    );
    if let Some(c) = caveat {
        s.push(' ');
        s.push_str(c);
    }
    s
}

pub fn not_owner_subgroup(group: &str, role: Option<Role>) -> String {
    format!(
        "Creating a subgroup service account needs the Owner role on {group}; you are {}. Ask one \
         of its Owners to run `gitlab-token create`, {GUIDED}.",
        role_words(role)
    )
}

pub fn why_instance_service_account() -> String {
    "A service account of the whole instance (you are an administrator): no person's account, and \
     it can join any group or project; administrators manage it."
        .into()
}

pub fn why_project_service_account(project: &str, caveat: Option<&str>) -> String {
    let mut s = format!(
        "A service account owned by the project {project}: the narrowest account, it can join only \
         this project, and the project's Maintainers manage it."
    );
    if let Some(c) = caveat {
        s.push(' ');
        s.push_str(c);
    }
    s
}

/// Why "Create it for me" makes a legacy token although the profile names fine-grained
/// permissions: GitLab's API takes `granular_scopes` only for the caller's own token
/// (`POST /user/personal_access_tokens`, lib/api/users.rb), never for a service account's
/// (lib/api/group_service_accounts.rb, project_service_accounts.rb, `POST /users/:id/
/// personal_access_tokens`: `requires :scopes`) nor for an access token.
pub fn legacy_because(kind: Kind) -> String {
    let what = match kind {
        Kind::GroupToken | Kind::ProjectToken => "access tokens",
        _ => "service accounts",
    };
    format!("legacy: GitLab's API makes fine-grained tokens for people, not {what}")
}

pub fn why_group_token(group: &str) -> String {
    format!(
        "A group access token: its own bot user with the role on {group} only. The integration is \
         bound to this one group (the bot cannot join another)."
    )
}

pub fn why_project_token(project: &str) -> String {
    format!(
        "A project access token: its own bot user with the role on {project} only. The integration \
         is bound to this one project."
    )
}

/// Said when the tier cannot be seen: GitLab's answer will tell.
pub const FREE_CAP_GITLAB_COM: &str = "On the Free tier a top-level group may have at most 100 \
     service accounts, its subgroups' and projects' included.";
pub const FREE_CAP_SELF_MANAGED: &str =
    "On the Free tier the instance may have at most 100 service accounts.";
pub const TIER_UNSEEN: &str = "Your GitLab tier is not visible to you; if it does not include service accounts, GitLab will say so.";

/// Said to a self-managed group Owner (not an administrator).
pub const IF_ADMIN_ALLOWS: &str = "On self-managed GitLab this works where the administrator allows \
     top-level group Owners to create service accounts (Admin > Settings > General > Account and limit).";

/// Said where a kind relies on the caller being an administrator and it is not known whether
/// this token may act as one.
pub const ADMIN_MODE_UNSURE: &str = "If Admin Mode is on, your token needs the admin_mode scope \
     for this (GitLab will refuse otherwise).";

pub const VERSION_UNSEEN: &str =
    "The GitLab version is not visible; project service accounts need GitLab 18.11 or later.";

// ---- Why a kind is not possible (each says what to do instead) ----

pub fn edition_ce() -> String {
    format!(
        "This GitLab is the Community Edition, which has no service accounts. A group or project \
         access token works on every edition; {GUIDED} with a person's token."
    )
}

/// A GitLab.com trial plan: group and project access tokens are not available with one
/// (group_access_tokens.md, project_access_tokens.md: "excluding trial licenses").
pub fn trial_no_access_tokens() -> String {
    format!(
        "The group's plan is a trial: GitLab.com has no group or project access tokens on trials. \
         Use a service account, or {GUIDED} with a person's token."
    )
}

/// Said of service accounts on a GitLab.com trial (older GitLab docs: "not available on trial
/// versions on GitLab.com"; the current page no longer says so).
pub const TRIAL_SERVICE_ACCOUNTS: &str = "The group's plan is a trial: older GitLab versions had no \
     service accounts on GitLab.com trials; if GitLab refuses, it will say so.";

pub fn tier_free(gitlab_com: bool) -> String {
    if gitlab_com {
        format!(
            "The group's plan is Free: service accounts and access tokens on GitLab.com need Premium \
             or Ultimate (service accounts come to Free with GitLab 18.11). Ask an Owner to upgrade, \
             {GUIDED} with a person's token."
        )
    } else {
        format!(
            "This GitLab's licence is Free: service accounts need Premium or Ultimate before GitLab \
             18.11 (Free from 18.11, at most 100). Use a group or project access token instead, \
             {GUIDED}."
        )
    }
}

pub fn version_too_old(kind: Kind, need: (u32, u32), have: (u32, u32)) -> String {
    format!(
        "A {} needs GitLab {}.{} or later; this GitLab is {}.{}. Choose another kind, {GUIDED}.",
        kind_name(kind),
        need.0,
        need.1,
        have.0,
        have.1
    )
}

pub fn not_owner_top(top: &str, role: Option<Role>) -> String {
    format!(
        "Creating a group service account needs the Owner role on the top-level group {top}; you \
         are {}. Ask one of {top}'s Owners to run `gitlab-token create`, {GUIDED}.",
        role_words(role)
    )
}

pub fn not_owner_group(group: &str, role: Option<Role>) -> String {
    format!(
        "Creating a group access token needs the Owner role on {group}; you are {}. Ask one of its \
         Owners, {GUIDED}.",
        role_words(role)
    )
}

pub fn not_maintainer_project(kind: Kind, project: &str, role: Option<Role>) -> String {
    format!(
        "Creating a {} needs the Maintainer or Owner role on {project}; you are {}. Ask one of its \
         Maintainers, {GUIDED}.",
        kind_name(kind),
        role_words(role)
    )
}

pub fn role_above_caller(project: &str, needed: Role, caller: Role) -> String {
    format!(
        "A project access token cannot have a higher role than its creator: the integration needs \
         {} on {project} and you are {}. Ask an Owner, {GUIDED}.",
        needed.name(),
        caller.name()
    )
}

pub fn not_admin_instance() -> String {
    format!(
        "Only an administrator may create an instance service account. A top-level group Owner can \
         create a group service account instead, {GUIDED}."
    )
}

pub fn not_admin_old_self_managed(have: (u32, u32)) -> String {
    format!(
        "On self-managed GitLab before 17.6 only administrators may create group service accounts \
         (this GitLab is {}.{}). Ask an administrator, {GUIDED}.",
        have.0, have.1
    )
}

pub fn not_on_gitlab_com() -> String {
    "GitLab.com has no instance service accounts: a top-level group Owner creates a group service \
     account instead."
        .into()
}

pub fn personal_namespace(project: &str) -> String {
    format!(
        "{project} is in a person's own namespace, not a group: there is no group to own a service \
         account. Use a project service account or a project access token, {GUIDED}."
    )
}

pub fn different_top_levels(tops: &[String]) -> String {
    format!(
        "The targets are in different top-level groups ({}): a group service account joins only its \
         own group's groups and projects. Create one per top-level group (one `gitlab-token create` \
         each), or ask an administrator for an instance service account.",
        tops.join(", ")
    )
}

pub fn one_target_only(kind: Kind, count: usize) -> String {
    format!(
        "A {} belongs to exactly one {}; {count} targets were given. Name one target, or choose a \
         service account, which can join several.",
        kind_name(kind),
        one_target_word(kind)
    )
}

pub fn wrong_target_kind(kind: Kind, target: &str) -> String {
    format!(
        "A {} belongs to a {}, and {target} is not one. Choose another kind.",
        kind_name(kind),
        one_target_word(kind)
    )
}

fn one_target_word(kind: Kind) -> &'static str {
    match kind {
        Kind::GroupToken => "group",
        Kind::SubgroupServiceAccount => "subgroup",
        _ => "project",
    }
}

fn role_words(role: Option<Role>) -> String {
    match role {
        Some(r) => format!("{} there", r.name()),
        None => "not a member there".into(),
    }
}

/// No kind is possible: the guided path.
pub fn nothing_possible() -> String {
    format!("None of the kinds of account can be created with this authorization: {GUIDED}.")
}

// ---- Progress ----

pub fn stage_label(stage: &Stage) -> String {
    match stage {
        Stage::Recovering => "Finishing an interrupted earlier run".into(),
        Stage::Account => "Creating the account (or finding the one to reuse)".into(),
        Stage::Membership(target) => format!("Adding it to {target}"),
        Stage::Token => "Creating its token".into(),
        Stage::Checking => "Checking the new token live".into(),
        Stage::Storing => "Saving it in the keychain".into(),
    }
}

/// Why `self_rotate` is added.
pub const SELF_ROTATE_WHY: &str = "The token also gets the self_rotate scope, so it can rotate itself later without anyone's help.";

// ---- Problems on the way ----

pub fn target_not_found(target: &str) -> String {
    format!(
        "{target} was not found: check the path (as in its URL, e.g. group/subgroup/project), and \
         that your account can see it."
    )
}

pub fn discovery_failed(what: &str, why: &str, fix: &str) -> String {
    format!("Could not find out {what}: {why}. {fix}")
}

pub fn membership_lower(target: &str, has: u32, needs: Role) -> String {
    format!(
        "The account is already a member of {target} with a lower role ({}) than the integration \
         needs ({}); it was left as it is. Run again with `--raise-role` (or confirm in the wizard) \
         to raise it.",
        level_name(has),
        needs.name()
    )
}

pub fn membership_pending(target: &str, message: &str) -> String {
    format!(
        "GitLab queued the membership on {target} for an administrator's approval ({message}). The \
         token works on {target} once an administrator approves it (Admin > Users > Role promotions)."
    )
}

pub fn orphan_revoked(token_id: u64, account: &str) -> String {
    format!(
        "An interrupted earlier run for {account} had created token {token_id} without saving it; \
         it was revoked, and a new one made."
    )
}

pub fn orphan_left(token_id: u64, account: &str, page: &str) -> String {
    format!(
        "An interrupted run for {account} created token {token_id} on GitLab but never saved it. \
         Revoke it on {page}, or run the same `gitlab-token create` again (it revokes it for you)."
    )
}

pub fn orphan_not_revoked(token_id: u64, why: &str, page: &str) -> String {
    format!(
        "Token {token_id}, left by an interrupted earlier run, could not be revoked ({why}); \
         revoke it on {page}."
    )
}

pub fn orphan_search_failed(why: &str, page: &str) -> String {
    format!(
        "An interrupted earlier run may have created a token without saving it, and looking for it \
         failed ({why}); nothing new was made. Run again, or check the tokens on {page}."
    )
}

pub fn account_failed(kind: Kind, why: &str, fix: &str) -> String {
    format!(
        "Creating the {} failed: {why}. {fix} Nothing else was created.",
        kind_name(kind)
    )
}

pub fn owner_creation_disabled(why: &str) -> String {
    format!(
        "GitLab refused to create the service account ({why}): on self-managed GitLab the \
         administrator must allow top-level group Owners to create service accounts (Admin > \
         Settings > General > Account and limit), or create it as an administrator; {GUIDED}."
    )
}

pub fn limit_reached(why: &str) -> String {
    format!(
        "GitLab refused a new service account ({why}): the limit of service accounts is reached. \
         Reuse one with `--service-account USERNAME`, or delete one that is no longer used."
    )
}

pub fn username_taken(username: &str) -> String {
    format!(
        "The username {username} is taken by an account this group (or instance) does not own. \
         Choose another with `--service-account USERNAME`."
    )
}

pub fn membership_failed(target: &str, why: &str, fix: &str) -> String {
    format!(
        "Adding the account to {target} failed: {why}. {fix} The account stays and is reused by the \
         next run."
    )
}

pub fn token_failed(why: &str, fix: &str) -> String {
    format!(
        "Creating the token failed: {why}. {fix} The account and its memberships stay and are \
         reused by the next run."
    )
}

pub fn checks_failed(first: &str) -> String {
    format!(
        "The new token did not pass the live checks ({first}); it was revoked and nothing was \
         saved. Run again once the cause is fixed."
    )
}

pub fn store_failed(why: &str, token_id: u64) -> String {
    format!(
        "The new token could not be saved ({why}); it was revoked on GitLab (id {token_id}), so \
         nothing is left behind. Fix the store and run again."
    )
}

pub fn store_failed_not_revoked(why: &str, token_id: u64, page: &str) -> String {
    format!(
        "The new token could not be saved ({why}), and revoking it failed too: revoke token \
         {token_id} on {page}, or run again (the next run revokes it)."
    )
}

pub fn busy(account: &str) -> String {
    format!(
        "Another gitlab-token process is creating {account} right now; wait for it, then run again."
    )
}

pub fn journal_failed(detail: &str) -> String {
    format!(
        "The provisioning journal cannot be written ({detail}); nothing was created. Check the \
         config directory's permissions."
    )
}

pub fn not_provisioned(account: &str) -> String {
    format!(
        "{account} was not made by `gitlab-token create`, so gitlab-token does not know where its \
         account lives: rotate it with the guided path (`gitlab-token setup --replace {account}`)."
    )
}

fn level_name(level: u32) -> String {
    Role::from_access_level(level)
        .map(|r| r.name().to_owned())
        .unwrap_or_else(|| format!("access level {level}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_says_what_to_do_instead() {
        let all = [
            edition_ce(),
            tier_free(true),
            tier_free(false),
            not_owner_top("acme", Some(Role::Maintainer)),
            not_owner_group("acme", None),
            not_admin_instance(),
            not_admin_old_self_managed((17, 2)),
            personal_namespace("alice/app"),
            one_target_only(Kind::GroupToken, 2),
        ];
        for s in all {
            assert!(
                s.contains("guided") || s.contains("Choose") || s.contains("Name one"),
                "{s}"
            );
        }
    }
}
