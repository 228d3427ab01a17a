//! Choosing the kind of account (pure): the best one for the profile and targets, and why each
//! other one is or is not possible (GitLab's rules: doc/api/service_accounts.md,
//! group_access_tokens.md, project_access_tokens.md; summarised in the notes of issue 11).

use super::{
    AdminAccess, Candidate, Caveat, Choice, Discovery, Edition, Fit, Kind, Refusal, Request,
    TargetFacts, TargetKind, Tier, Why,
};
use crate::gitlab::access::Role;

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

pub(super) fn verdict(kind: Kind, request: &Request, d: &Discovery) -> Result<Why, Refusal> {
    let v = by_rules(kind, request, d);
    // Admin Mode: a kind possible only as an administrator is refused (the token lacks the
    // admin_mode scope) or carries a caveat (not known whether it has it).
    let other_way = |is_admin: bool| {
        let mut other = d.clone();
        other.caller.is_admin = is_admin;
        by_rules(kind, request, &other)
    };
    match d.caller.admin_access {
        AdminAccess::NeedsAdminModeScope if v.is_err() && other_way(true).is_ok() => {
            Err(Refusal::NeedsAdminMode(kind))
        }
        AdminAccess::Unconfirmed if v.is_ok() && other_way(false).is_err() => v.map(|mut why| {
            why.caveats.push(Caveat::AdminModeUnsure);
            why
        }),
        _ => v,
    }
}

fn by_rules(kind: Kind, request: &Request, d: &Discovery) -> Result<Why, Refusal> {
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
fn own_token(request: &Request, d: &Discovery) -> Result<Why, Refusal> {
    if d.gitlab_com {
        return Err(Refusal::OwnTokenNotOnGitlabCom);
    }
    if !crate::gitlab::granular::available(d.version) {
        return Err(Refusal::OwnTokenVersion { have: d.version });
    }
    if request.profile.custom || request.profile.permission_needs().is_empty() {
        return Err(Refusal::OwnTokenNoPermissions {
            profile: request.profile.id.clone(),
        });
    }
    let needed = request.profile.role;
    if let Some(t) = d
        .targets
        .iter()
        .find(|t| t.caller_role.is_none_or(|r| r < needed))
    {
        return Err(Refusal::OwnTokenRole {
            path: t.path.clone(),
            needed,
            have: t.caller_role,
        });
    }
    let targets: Vec<String> = d.targets.iter().map(|t| t.path.clone()).collect();
    Ok(Why::new(Fit::OwnToken { targets }, Vec::new()))
}

/// What every kind of service account needs: EE, a tier that has them, a version that has them.
fn service_accounts_exist(d: &Discovery) -> Result<(), Refusal> {
    if !d.gitlab_com && d.edition == Edition::Ce {
        return Err(Refusal::EditionCe);
    }
    if let Some(v) = d.version.filter(|v| *v < SERVICE_ACCOUNTS) {
        return Err(Refusal::VersionTooOld {
            kind: Kind::GroupServiceAccount,
            need: SERVICE_ACCOUNTS,
            have: v,
        });
    }
    // Free has them from 18.11; an unknown version on a Free tier is not assumed new enough.
    if d.tier == Tier::Free && d.version.is_none_or(|v| v < FREE_SERVICE_ACCOUNTS) {
        return Err(Refusal::TierFree {
            gitlab_com: d.gitlab_com,
        });
    }
    Ok(())
}

fn tier_caveat(d: &Discovery) -> Option<Caveat> {
    match (d.tier, d.gitlab_com && d.trial) {
        (Tier::Unknown, _) => Some(Caveat::TierUnseen),
        (_, true) => Some(Caveat::TrialServiceAccounts),
        // Free has them from 18.11, capped (service_accounts.md, 18.11: per top-level group on
        // GitLab.com, subgroups' and projects' included; per instance on self-managed).
        (Tier::Free, _) if d.gitlab_com => Some(Caveat::FreeCapGitlabCom),
        (Tier::Free, _) => Some(Caveat::FreeCapSelfManaged),
        _ => None,
    }
}

fn group_service_account(d: &Discovery) -> Result<Why, Refusal> {
    service_accounts_exist(d)?;
    if let Some(p) = d.targets.iter().find(|t| t.top_level_id == 0) {
        return Err(Refusal::PersonalNamespace {
            project: p.path.clone(),
        });
    }
    let mut tops: Vec<String> = d.targets.iter().map(|t| t.top_level.clone()).collect();
    tops.sort();
    tops.dedup();
    if tops.len() > 1 {
        return Err(Refusal::DifferentTopLevels { tops });
    }
    let Some(first) = d.targets.first() else {
        return Err(Refusal::NothingPossible);
    };
    let top = first.top_level.clone();
    let owner = first.top_level_role == Some(Role::Owner);
    let not_owner = || Refusal::NotOwnerTop {
        top: top.clone(),
        role: first.top_level_role,
    };
    let fits =
        |caveats: Vec<Caveat>| Why::new(Fit::GroupServiceAccount { top: top.clone() }, caveats);
    if d.gitlab_com {
        return if owner {
            Ok(fits(tier_caveat(d).into_iter().collect()))
        } else {
            Err(not_owner())
        };
    }
    if d.caller.is_admin {
        return Ok(fits(tier_caveat(d).into_iter().collect()));
    }
    if let Some(v) = d.version.filter(|v| *v < OWNERS_MAY_CREATE) {
        return Err(Refusal::NotAdminOldSelfManaged { have: v });
    }
    if !owner {
        return Err(not_owner());
    }
    let mut caveats = vec![Caveat::IfAdminAllows];
    caveats.extend(tier_caveat(d));
    Ok(fits(caveats))
}

/// A group below the top level.
fn is_subgroup(t: &TargetFacts) -> bool {
    t.kind == TargetKind::Group && t.path.trim_matches('/').contains('/')
}

/// A subgroup service account: one subgroup target, GitLab 18.11, and its Owner (GitLab.com),
/// or on self-managed an administrator, or its Owner where the administrator lets group Owners
/// create service accounts (doc/user/profile/service_accounts.md: the same setting).
fn subgroup_service_account(d: &Discovery) -> Result<Why, Refusal> {
    let kind = Kind::SubgroupServiceAccount;
    let group = single(kind, d, TargetKind::Group)?;
    if !is_subgroup(group) {
        return Err(Refusal::WrongTargetKind {
            kind,
            target: group.path.clone(),
        });
    }
    service_accounts_exist(d)?;
    if let Some(v) = d.version.filter(|v| *v < SUBGROUP_SERVICE_ACCOUNTS) {
        return Err(Refusal::VersionTooOld {
            kind,
            need: SUBGROUP_SERVICE_ACCOUNTS,
            have: v,
        });
    }
    let owner = group.caller_role == Some(Role::Owner);
    let admin = d.caller.is_admin && !d.gitlab_com;
    if !owner && !admin {
        return Err(Refusal::NotOwnerSubgroup {
            group: group.path.clone(),
            role: group.caller_role,
        });
    }
    let mut caveats = Vec::new();
    if d.version.is_none() {
        caveats.push(Caveat::VersionUnseen);
    }
    if !d.gitlab_com && !admin {
        caveats.push(Caveat::IfAdminAllows);
    }
    caveats.extend(tier_caveat(d));
    let group = group.path.clone();
    Ok(Why::new(Fit::SubgroupServiceAccount { group }, caveats))
}

fn instance_service_account(d: &Discovery) -> Result<Why, Refusal> {
    if d.gitlab_com {
        return Err(Refusal::NotOnGitlabCom);
    }
    service_accounts_exist(d)?;
    if !d.caller.is_admin {
        return Err(Refusal::NotAdminInstance);
    }
    Ok(Why::new(Fit::InstanceServiceAccount, Vec::new()))
}

/// The one target of a kind bound to one group or project.
fn single(kind: Kind, d: &Discovery, want: TargetKind) -> Result<&TargetFacts, Refusal> {
    let [only] = d.targets.as_slice() else {
        return Err(Refusal::OneTargetOnly {
            kind,
            count: d.targets.len(),
        });
    };
    if only.kind != want {
        return Err(Refusal::WrongTargetKind {
            kind,
            target: only.path.clone(),
        });
    }
    Ok(only)
}

fn maintainer_or_admin(d: &Discovery, t: &TargetFacts) -> bool {
    (d.caller.is_admin && !d.gitlab_com) || t.caller_role.is_some_and(|r| r >= Role::Maintainer)
}

fn not_maintainer(kind: Kind, project: &TargetFacts) -> Refusal {
    Refusal::NotMaintainerProject {
        kind,
        project: project.path.clone(),
        role: project.caller_role,
    }
}

fn project_service_account(d: &Discovery) -> Result<Why, Refusal> {
    let kind = Kind::ProjectServiceAccount;
    let project = single(kind, d, TargetKind::Project)?;
    service_accounts_exist(d)?;
    if let Some(v) = d.version.filter(|v| *v < PROJECT_SERVICE_ACCOUNTS) {
        return Err(Refusal::VersionTooOld {
            kind,
            need: PROJECT_SERVICE_ACCOUNTS,
            have: v,
        });
    }
    if !maintainer_or_admin(d, project) {
        return Err(not_maintainer(kind, project));
    }
    let mut caveats = Vec::new();
    if d.version.is_none() {
        caveats.push(Caveat::VersionUnseen);
    }
    caveats.extend(tier_caveat(d));
    let project = project.path.clone();
    Ok(Why::new(Fit::ProjectServiceAccount { project }, caveats))
}

/// Access tokens: any tier on self-managed (CE too), Premium or Ultimate on GitLab.com, not on a
/// GitLab.com trial.
fn access_tokens_exist(d: &Discovery) -> Result<(), Refusal> {
    if d.gitlab_com && d.tier == Tier::Free {
        return Err(Refusal::TierFree { gitlab_com: true });
    }
    if d.gitlab_com && d.trial {
        return Err(Refusal::TrialNoAccessTokens);
    }
    Ok(())
}

fn group_token(d: &Discovery) -> Result<Why, Refusal> {
    let group = single(Kind::GroupToken, d, TargetKind::Group)?;
    access_tokens_exist(d)?;
    let admin = d.caller.is_admin && !d.gitlab_com;
    if !admin && group.caller_role != Some(Role::Owner) {
        return Err(Refusal::NotOwnerGroup {
            group: group.path.clone(),
            role: group.caller_role,
        });
    }
    let group = group.path.clone();
    Ok(Why::new(Fit::GroupToken { group }, Vec::new()))
}

fn project_token(request: &Request, d: &Discovery) -> Result<Why, Refusal> {
    let kind = Kind::ProjectToken;
    let project = single(kind, d, TargetKind::Project)?;
    access_tokens_exist(d)?;
    if !maintainer_or_admin(d, project) {
        return Err(not_maintainer(kind, project));
    }
    let needed = request.profile.role;
    let admin = d.caller.is_admin && !d.gitlab_com;
    if let Some(role) = project.caller_role.filter(|r| *r < needed && !admin) {
        return Err(Refusal::RoleAboveCaller {
            project: project.path.clone(),
            needed,
            caller: role,
        });
    }
    let project = project.path.clone();
    Ok(Why::new(Fit::ProjectToken { project }, Vec::new()))
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "plan_admin_tests.rs"]
mod admin_tests;
