//! Choosing the kind of account (pure): the best one for the profile and targets, and why each
//! other one is or is not possible (GitLab's rules: doc/api/service_accounts.md,
//! group_access_tokens.md, project_access_tokens.md; summarised in the notes of issue 11).

use super::{
    AdminAccess, Candidate, Choice, Discovery, Edition, Kind, Refusal, Request, TargetFacts,
    TargetKind, Tier,
};
use crate::gitlab::access::Role;
use crate::problem::ProblemKind;
use crate::strings::provision as text;

/// Service accounts came with 16.1; Free tiers get them from 18.11; project service accounts
/// are GA in 18.11; self-managed group Owners may create them from 17.6 (when allowed).
const SERVICE_ACCOUNTS: (u32, u32) = (16, 1);
const FREE_SERVICE_ACCOUNTS: (u32, u32) = (18, 11);
const PROJECT_SERVICE_ACCOUNTS: (u32, u32) = (18, 11);
/// Subgroup service accounts: behind `allow_subgroups_to_create_service_accounts` in 18.10,
/// generally available in 18.11 (doc/user/profile/service_accounts.md; the GA version from the
/// 18.11 release notes, not seen in GitLab's source).
const SUBGROUP_SERVICE_ACCOUNTS: (u32, u32) = (18, 11);
const OWNERS_MAY_CREATE: (u32, u32) = (17, 6);

pub(super) fn choose(request: &Request, d: &Discovery) -> Choice {
    let mut kinds = order(d);
    if let Some(asked) = request.kind.filter(|k| !kinds.contains(k)) {
        kinds.push(asked);
    }
    let options: Vec<Candidate> = kinds
        .into_iter()
        .map(|kind| Candidate {
            kind,
            verdict: verdict(kind, request, d),
        })
        .collect();
    let best = match request.kind {
        Some(asked) => options
            .iter()
            .find(|c| c.kind == asked && c.verdict.is_ok())
            .map(|c| c.kind),
        None => options.iter().find(|c| c.verdict.is_ok()).map(|c| c.kind),
    };
    Choice { best, options }
}

/// Best first: the narrowest account that does the job. A subgroup's own account is listed only
/// for a subgroup (or when asked for by `--kind`, to say why not). One project: its own service account
/// first. Service accounts before access tokens (they can join several targets and are managed
/// as accounts); the instance's last of the service accounts (it needs an administrator).
fn order(d: &Discovery) -> Vec<Kind> {
    let one_project = d.targets.len() == 1 && d.targets[0].kind == TargetKind::Project;
    let one_subgroup = d.targets.len() == 1 && is_subgroup(&d.targets[0]);
    let mut kinds = Vec::with_capacity(6);
    if one_project {
        kinds.push(Kind::ProjectServiceAccount);
    }
    if one_subgroup {
        kinds.push(Kind::SubgroupServiceAccount);
    }
    kinds.push(Kind::GroupServiceAccount);
    if !one_project {
        kinds.push(Kind::ProjectServiceAccount);
    }
    kinds.extend([
        Kind::InstanceServiceAccount,
        Kind::GroupToken,
        Kind::ProjectToken,
    ]);
    // Last: it acts as a person. Listed where GitLab makes it (asked for, it says why not).
    if crate::gitlab::granular::available(d.version) && !d.gitlab_com {
        kinds.push(Kind::OwnToken);
    }
    kinds
}

fn refuse(kind: ProblemKind, reason: String) -> Refusal {
    Refusal { kind, reason }
}

pub(super) fn verdict(kind: Kind, request: &Request, d: &Discovery) -> Result<String, Refusal> {
    let v = by_rules(kind, request, d);
    // Admin Mode: a kind possible only as an administrator is refused (the token lacks the
    // admin_mode scope) or carries a caveat (not known whether it has it).
    let other_way = |is_admin: bool| {
        let mut other = d.clone();
        other.caller.is_admin = is_admin;
        by_rules(kind, request, &other)
    };
    match d.caller.admin_access {
        AdminAccess::NeedsAdminModeScope if v.is_err() && other_way(true).is_ok() => Err(refuse(
            ProblemKind::InsufficientScope,
            text::needs_admin_mode(kind),
        )),
        AdminAccess::Unconfirmed if v.is_ok() && other_way(false).is_err() => {
            v.map(|why| format!("{why} {}", text::ADMIN_MODE_UNSURE))
        }
        _ => v,
    }
}

fn by_rules(kind: Kind, request: &Request, d: &Discovery) -> Result<String, Refusal> {
    match kind {
        Kind::GroupServiceAccount => group_service_account(d),
        Kind::SubgroupServiceAccount => subgroup_service_account(d),
        Kind::InstanceServiceAccount => instance_service_account(d),
        Kind::ProjectServiceAccount => project_service_account(d),
        Kind::GroupToken => group_token(d),
        Kind::ProjectToken => project_token(request, d),
        Kind::OwnToken => own_token(request, d),
    }
}

/// The caller's own fine-grained token: `POST /user/personal_access_tokens` with
/// `granular_scopes` (19.2; doc/api/user_tokens.md offers it on self-managed and Dedicated
/// only). The token can do no more than its user, so the caller needs the profile's role on
/// every target (a selected membership GitLab answers 404 for a non-member,
/// lib/api/helpers/personal_access_tokens_helpers.rb `resource_scope_attrs`).
fn own_token(request: &Request, d: &Discovery) -> Result<String, Refusal> {
    use crate::strings::provision_own as own;
    if d.gitlab_com {
        return Err(refuse(
            ProblemKind::NotOnGitlabCom,
            own::own_token_not_on_gitlab_com(),
        ));
    }
    if !crate::gitlab::granular::available(d.version) {
        return Err(refuse(
            ProblemKind::VersionTooOld,
            own::own_token_version(d.version),
        ));
    }
    if request.profile.custom || request.profile.permission_needs().is_empty() {
        return Err(refuse(
            ProblemKind::MissingPermissions,
            own::own_token_no_permissions(&request.profile.id),
        ));
    }
    let needed = request.profile.role;
    if let Some(t) = d
        .targets
        .iter()
        .find(|t| t.caller_role.is_none_or(|r| r < needed))
    {
        return Err(refuse(
            ProblemKind::RoleTooLow,
            own::own_token_role(&t.path, needed, t.caller_role),
        ));
    }
    let paths: Vec<String> = d.targets.iter().map(|t| t.path.clone()).collect();
    Ok(own::why_own_token(&paths))
}

/// What every kind of service account needs: EE, a tier that has them, a version that has them.
fn service_accounts_exist(d: &Discovery) -> Result<(), Refusal> {
    if !d.gitlab_com && d.edition == Edition::Ce {
        return Err(refuse(ProblemKind::EditionUnavailable, text::edition_ce()));
    }
    if let Some(v) = d.version.filter(|v| *v < SERVICE_ACCOUNTS) {
        let reason = text::version_too_old(Kind::GroupServiceAccount, SERVICE_ACCOUNTS, v);
        return Err(refuse(ProblemKind::VersionTooOld, reason));
    }
    // Free has them from 18.11; an unknown version on a Free tier is not assumed new enough.
    if d.tier == Tier::Free && d.version.is_none_or(|v| v < FREE_SERVICE_ACCOUNTS) {
        return Err(refuse(
            ProblemKind::TierUnavailable,
            text::tier_free(d.gitlab_com),
        ));
    }
    Ok(())
}

fn tier_caveat(d: &Discovery) -> Option<&'static str> {
    match (d.tier, d.gitlab_com && d.trial) {
        (Tier::Unknown, _) => Some(text::TIER_UNSEEN),
        (_, true) => Some(text::TRIAL_SERVICE_ACCOUNTS),
        // Free has them from 18.11, capped (service_accounts.md, 18.11: per top-level group on
        // GitLab.com, subgroups' and projects' included; per instance on self-managed).
        (Tier::Free, _) if d.gitlab_com => Some(text::FREE_CAP_GITLAB_COM),
        (Tier::Free, _) => Some(text::FREE_CAP_SELF_MANAGED),
        _ => None,
    }
}

fn group_service_account(d: &Discovery) -> Result<String, Refusal> {
    service_accounts_exist(d)?;
    if let Some(p) = d.targets.iter().find(|t| t.top_level_id == 0) {
        return Err(refuse(
            ProblemKind::TopLevelGroupRequired,
            text::personal_namespace(&p.path),
        ));
    }
    let mut tops: Vec<String> = d.targets.iter().map(|t| t.top_level.clone()).collect();
    tops.sort();
    tops.dedup();
    if tops.len() > 1 {
        return Err(refuse(
            ProblemKind::TopLevelGroupRequired,
            text::different_top_levels(&tops),
        ));
    }
    let Some(first) = d.targets.first() else {
        return Err(refuse(
            ProblemKind::TargetNotFound,
            text::nothing_possible(),
        ));
    };
    let top = first.top_level.as_str();
    let owner = first.top_level_role == Some(Role::Owner);
    if d.gitlab_com {
        return if owner {
            Ok(text::why_group_service_account(top, tier_caveat(d)))
        } else {
            Err(refuse(
                ProblemKind::NotOwner,
                text::not_owner_top(top, first.top_level_role),
            ))
        };
    }
    if d.caller.is_admin {
        return Ok(text::why_group_service_account(top, tier_caveat(d)));
    }
    if let Some(v) = d.version.filter(|v| *v < OWNERS_MAY_CREATE) {
        return Err(refuse(
            ProblemKind::NotAdmin,
            text::not_admin_old_self_managed(v),
        ));
    }
    if !owner {
        return Err(refuse(
            ProblemKind::NotOwner,
            text::not_owner_top(top, first.top_level_role),
        ));
    }
    let caveat = match tier_caveat(d) {
        Some(t) => format!("{} {t}", text::IF_ADMIN_ALLOWS),
        None => text::IF_ADMIN_ALLOWS.to_owned(),
    };
    Ok(text::why_group_service_account(top, Some(&caveat)))
}

/// A group below the top level.
fn is_subgroup(t: &TargetFacts) -> bool {
    t.kind == TargetKind::Group && t.path.trim_matches('/').contains('/')
}

/// A subgroup service account: one subgroup target, GitLab 18.11, and its Owner (GitLab.com),
/// or on self-managed an administrator, or its Owner where the administrator lets group Owners
/// create service accounts (doc/user/profile/service_accounts.md: the same setting).
fn subgroup_service_account(d: &Discovery) -> Result<String, Refusal> {
    let kind = Kind::SubgroupServiceAccount;
    let group = single(kind, d, TargetKind::Group)?;
    if !is_subgroup(group) {
        return Err(refuse(
            ProblemKind::OneTargetOnly,
            text::wrong_target_kind(kind, &group.path),
        ));
    }
    service_accounts_exist(d)?;
    if let Some(v) = d.version.filter(|v| *v < SUBGROUP_SERVICE_ACCOUNTS) {
        let reason = text::version_too_old(kind, SUBGROUP_SERVICE_ACCOUNTS, v);
        return Err(refuse(ProblemKind::VersionTooOld, reason));
    }
    let owner = group.caller_role == Some(Role::Owner);
    let admin = d.caller.is_admin && !d.gitlab_com;
    if !owner && !admin {
        return Err(refuse(
            ProblemKind::NotOwner,
            text::not_owner_subgroup(&group.path, group.caller_role),
        ));
    }
    let mut caveats: Vec<&str> = Vec::new();
    if d.version.is_none() {
        caveats.push(text::VERSION_UNSEEN);
    }
    if !d.gitlab_com && !admin {
        caveats.push(text::IF_ADMIN_ALLOWS);
    }
    caveats.extend(tier_caveat(d));
    let caveat = (!caveats.is_empty()).then(|| caveats.join(" "));
    Ok(text::why_subgroup_service_account(
        &group.path,
        caveat.as_deref(),
    ))
}

fn instance_service_account(d: &Discovery) -> Result<String, Refusal> {
    if d.gitlab_com {
        return Err(refuse(
            ProblemKind::NotOnGitlabCom,
            text::not_on_gitlab_com(),
        ));
    }
    service_accounts_exist(d)?;
    if !d.caller.is_admin {
        return Err(refuse(ProblemKind::NotAdmin, text::not_admin_instance()));
    }
    Ok(text::why_instance_service_account())
}

/// The one target of a kind bound to one group or project.
fn single(kind: Kind, d: &Discovery, want: TargetKind) -> Result<&TargetFacts, Refusal> {
    let [only] = d.targets.as_slice() else {
        return Err(refuse(
            ProblemKind::OneTargetOnly,
            text::one_target_only(kind, d.targets.len()),
        ));
    };
    if only.kind != want {
        return Err(refuse(
            ProblemKind::OneTargetOnly,
            text::wrong_target_kind(kind, &only.path),
        ));
    }
    Ok(only)
}

fn maintainer_or_admin(d: &Discovery, t: &TargetFacts) -> bool {
    (d.caller.is_admin && !d.gitlab_com) || t.caller_role.is_some_and(|r| r >= Role::Maintainer)
}

fn project_service_account(d: &Discovery) -> Result<String, Refusal> {
    let kind = Kind::ProjectServiceAccount;
    let project = single(kind, d, TargetKind::Project)?;
    service_accounts_exist(d)?;
    if let Some(v) = d.version.filter(|v| *v < PROJECT_SERVICE_ACCOUNTS) {
        let reason = text::version_too_old(kind, PROJECT_SERVICE_ACCOUNTS, v);
        return Err(refuse(ProblemKind::VersionTooOld, reason));
    }
    if !maintainer_or_admin(d, project) {
        let reason = text::not_maintainer_project(kind, &project.path, project.caller_role);
        return Err(refuse(ProblemKind::NotOwner, reason));
    }
    let caveat = match (d.version.is_none(), tier_caveat(d)) {
        (true, Some(t)) => Some(format!("{} {t}", text::VERSION_UNSEEN)),
        (true, None) => Some(text::VERSION_UNSEEN.to_owned()),
        (false, t) => t.map(str::to_owned),
    };
    Ok(text::why_project_service_account(
        &project.path,
        caveat.as_deref(),
    ))
}

/// Access tokens: any tier on self-managed (CE too), Premium or Ultimate on GitLab.com, not on a
/// GitLab.com trial.
fn access_tokens_exist(d: &Discovery) -> Result<(), Refusal> {
    if d.gitlab_com && d.tier == Tier::Free {
        return Err(refuse(ProblemKind::TierUnavailable, text::tier_free(true)));
    }
    if d.gitlab_com && d.trial {
        return Err(refuse(
            ProblemKind::TierUnavailable,
            text::trial_no_access_tokens(),
        ));
    }
    Ok(())
}

fn group_token(d: &Discovery) -> Result<String, Refusal> {
    let group = single(Kind::GroupToken, d, TargetKind::Group)?;
    access_tokens_exist(d)?;
    let admin = d.caller.is_admin && !d.gitlab_com;
    if !admin && group.caller_role != Some(Role::Owner) {
        return Err(refuse(
            ProblemKind::NotOwner,
            text::not_owner_group(&group.path, group.caller_role),
        ));
    }
    Ok(text::why_group_token(&group.path))
}

fn project_token(request: &Request, d: &Discovery) -> Result<String, Refusal> {
    let kind = Kind::ProjectToken;
    let project = single(kind, d, TargetKind::Project)?;
    access_tokens_exist(d)?;
    if !maintainer_or_admin(d, project) {
        let reason = text::not_maintainer_project(kind, &project.path, project.caller_role);
        return Err(refuse(ProblemKind::NotOwner, reason));
    }
    let needed = request.profile.role;
    let admin = d.caller.is_admin && !d.gitlab_com;
    if let Some(role) = project.caller_role.filter(|r| *r < needed && !admin) {
        let reason = text::role_above_caller(&project.path, needed, role);
        return Err(refuse(ProblemKind::NotOwner, reason));
    }
    Ok(text::why_project_token(&project.path))
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "plan_admin_tests.rs"]
mod admin_tests;
