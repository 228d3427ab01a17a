//! The two steps before the token: the account (found again or created) and its memberships.

use super::journal::Journal;
use super::{Discovery, Kind, MembershipOutcome, Note, Refusal, Request, TargetFacts, TargetKind};
use crate::gitlab::access::Role;
use crate::gitlab::accounts::{AccountHome, Added, Source};
use crate::gitlab::{ApiError, Client};
use crate::token::Token;
use crate::vault::StoredToken;

/// The service account used.
#[derive(Debug, Clone)]
pub(super) struct Account {
    pub id: u64,
    pub username: String,
    pub created: bool,
}

/// Where a service account of `kind` lives, and that place's path.
pub(super) fn account_home(kind: Kind, d: &Discovery) -> Option<(AccountHome, Option<String>)> {
    let first = d.targets.first()?;
    match kind {
        Kind::GroupServiceAccount => Some((
            AccountHome::Group(first.top_level_id),
            Some(first.top_level.clone()),
        )),
        Kind::ProjectServiceAccount => {
            Some((AccountHome::Project(first.id), Some(first.path.clone())))
        }
        Kind::SubgroupServiceAccount => {
            Some((AccountHome::Group(first.id), Some(first.path.clone())))
        }
        Kind::InstanceServiceAccount => Some((AccountHome::Instance, None)),
        Kind::GroupToken | Kind::ProjectToken | Kind::OwnToken => None,
    }
}

/// The username made when none is given: `<top-level group>-<profile>` (a project service
/// account: `<project path>-<profile>`), in GitLab's username characters. Deterministic, so a
/// later run finds the same account.
pub(super) fn default_username(kind: Kind, d: &Discovery, profile: &str) -> String {
    let base = match (kind, d.targets.first()) {
        (Kind::ProjectServiceAccount | Kind::SubgroupServiceAccount, Some(t)) => t.path.clone(),
        (_, Some(t)) => t.top_level.clone(),
        (_, None) => "gitlab-token".into(),
    };
    let raw = format!("{base}-{profile}").to_ascii_lowercase();
    let mut name: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') {
                c
            } else {
                '-'
            }
        })
        .collect();
    name.truncate(60);
    let trimmed = name.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    trimmed.to_owned()
}

/// The token's name on GitLab: how a killed run's token is found again (`recover`).
pub(super) fn token_name(profile: &str) -> String {
    format!("{profile} (gitlab-token)")
}

/// The token's description on GitLab.
pub(super) fn token_description(profile: &str, host: &str) -> String {
    format!("For the {profile} integration on {host}; made by `gitlab-token create`.")
}

/// The service account's display name on GitLab.
fn account_display_name(profile: &str) -> String {
    format!("{profile} (gitlab-token)")
}

/// Finds the account to reuse (the metadata's or a killed run's id, else the username in the
/// list), or creates it.
pub(super) async fn account(
    client: &Client,
    owner: &Token,
    request: &Request,
    d: &Discovery,
    kind: Kind,
    known: Option<u64>,
) -> Result<Account, Note> {
    let Some((home, _)) = account_home(kind, d) else {
        return Err(problem_of(kind, &ApiError::NotFound, d));
    };
    let username = request
        .service_account
        .clone()
        .unwrap_or_else(|| default_username(kind, d, &request.profile.id));
    let name = account_display_name(&request.profile.id);
    // A first run (no account known) creates at once: one round trip less. A 400 (the username
    // taken, a limit reached) may mean the account is already there: the list tells.
    let mut refused = None;
    if known.is_none() {
        match client
            .create_service_account(owner, home, &username, &name)
            .await
        {
            Ok(a) => {
                return Ok(Account {
                    id: a.id,
                    username: a.username,
                    created: true,
                });
            }
            Err(e @ ApiError::BadRequest(_)) => refused = Some(e),
            Err(e) => return Err(problem_of(kind, &e, d)),
        }
    }
    let listed = match client.service_accounts(owner, home).await {
        Ok(all) => all,
        // Before 17.1 there is no list.
        Err(ApiError::NotFound | ApiError::Http { status: 405, .. }) => Vec::new(),
        // The create's refusal, when there was one, says why (the list may answer 403 to an
        // Owner the create refused with 400).
        Err(e) => return Err(problem_of(kind, refused.as_ref().unwrap_or(&e), d)),
    };
    let found = known
        .and_then(|id| listed.iter().find(|a| a.id == id))
        .or_else(|| listed.iter().find(|a| a.username == username));
    if let Some(a) = found {
        return Ok(Account {
            id: a.id,
            username: a.username.clone(),
            created: false,
        });
    }
    let created = match refused {
        Some(e) => Err(e),
        None => {
            client
                .create_service_account(owner, home, &username, &name)
                .await
        }
    };
    match created {
        Ok(a) => Ok(Account {
            id: a.id,
            username: a.username,
            created: true,
        }),
        Err(ApiError::BadRequest(m)) if m.contains("taken") || m.contains("already") => {
            Err(Note::UsernameTaken { username })
        }
        Err(e) => Err(problem_of(kind, &e, d)),
    }
}

/// The words of GitLab's 400 when the caller may not create a service account there.
const NO_PERMISSION: &str = "does not have permission to create a service account";

/// GitLab's "no permission" 400, as the reason: a caller below the role the kind needs is told
/// so; a self-managed top-level Owner (not an administrator) is told about the admin setting.
fn no_permission(kind: Kind, m: &str, d: &Discovery) -> Option<Note> {
    let t = d.targets.first()?;
    if d.caller.is_admin {
        return None;
    }
    let disabled = || Note::OwnerCreationDisabled {
        gitlab: m.to_owned(),
    };
    let refused = match kind {
        Kind::GroupServiceAccount if t.top_level_role != Some(Role::Owner) => {
            Refusal::NotOwnerTop {
                top: t.top_level.clone(),
                role: t.top_level_role,
            }
        }
        Kind::GroupServiceAccount if !d.gitlab_com => return Some(disabled()),
        Kind::SubgroupServiceAccount if t.caller_role != Some(Role::Owner) => {
            Refusal::NotOwnerSubgroup {
                group: t.path.clone(),
                role: t.caller_role,
            }
        }
        Kind::SubgroupServiceAccount if !d.gitlab_com => return Some(disabled()),
        Kind::ProjectServiceAccount if t.caller_role < Some(Role::Maintainer) => {
            Refusal::NotMaintainerProject {
                kind,
                project: t.path.clone(),
                role: t.caller_role,
            }
        }
        _ => return None,
    };
    Some(Note::Refused(refused))
}

/// GitLab's refusal of an account, as the problem that says what to do.
fn problem_of(kind: Kind, e: &ApiError, d: &Discovery) -> Note {
    let failed = || Note::AccountFailed {
        kind,
        error: e.clone(),
    };
    match e {
        ApiError::BadRequest(m) if m.contains("seat") || m.contains("limit") => {
            Note::LimitReached { gitlab: m.clone() }
        }
        // GitLab answers 400 "User does not have permission to create a service account in this
        // namespace." (EE spec API::GroupServiceAccounts, "when allow top level setting is
        // deactivated"; also a subgroup before 18.11 and a caller below the role needed).
        ApiError::BadRequest(m) if m.contains(NO_PERMISSION) => {
            no_permission(kind, m, d).unwrap_or_else(failed)
        }
        // GitLab answers 403 to a service-account create only when the feature is not licensed
        // (EE spec API::GroupServiceAccounts, "when the feature is not licensed").
        ApiError::Forbidden(m)
            if matches!(
                kind,
                Kind::GroupServiceAccount
                    | Kind::SubgroupServiceAccount
                    | Kind::ProjectServiceAccount
            ) =>
        {
            Note::NotLicensed { gitlab: m.clone() }
        }
        _ => failed(),
    }
}

fn source_of(t: &TargetFacts) -> Source {
    match t.kind {
        TargetKind::Group => Source::Group(t.id),
        TargetKind::Project => Source::Project(t.id),
    }
}

/// Adds the account to one target with `role`: a new membership, an existing one kept (a lower
/// one reported, or raised when asked), or one queued for an administrator's approval.
pub(super) async fn membership(
    client: &Client,
    owner: &Token,
    t: &TargetFacts,
    user_id: u64,
    role: Role,
    raise: bool,
) -> Result<(MembershipOutcome, Option<Note>), Note> {
    let source = source_of(t);
    let needed = role.access_level();
    let outcome = |access_level, created, pending_approval| MembershipOutcome {
        target: t.path.clone(),
        access_level,
        created,
        pending_approval,
    };
    let failed = |e: &ApiError| Note::MembershipFailed {
        target: t.path.clone(),
        error: e.clone(),
    };
    let existing = match client.add_member(owner, source, user_id, needed).await {
        Ok(Added::Member(m)) => return Ok((outcome(m.access_level, true, false), None)),
        Ok(Added::Queued(message)) => {
            let p = Note::MembershipPending {
                target: t.path.clone(),
                gitlab: message,
            };
            return Ok((outcome(needed, true, true), Some(p)));
        }
        Ok(Added::AlreadyMember) => client.direct_member(owner, source, user_id).await,
        // An inherited membership of a higher role makes GitLab refuse a lower direct one.
        Err(ApiError::BadRequest(m)) if m.contains("inherited") => {
            client.effective_member(owner, source, user_id).await
        }
        Err(e) => return Err(failed(&e)),
    };
    let level = match existing {
        Ok(Some(m)) => m.access_level,
        Ok(None) => client
            .effective_member(owner, source, user_id)
            .await
            .map_err(|e| failed(&e))?
            .map_or(0, |m| m.access_level),
        Err(e) => return Err(failed(&e)),
    };
    if level >= needed {
        return Ok((outcome(level, false, false), None));
    }
    if raise {
        let m = client
            .raise_member(owner, source, user_id, needed)
            .await
            .map_err(|e| failed(&e))?;
        return Ok((outcome(m.access_level, false, false), None));
    }
    let p = Note::MembershipLower {
        target: t.path.clone(),
        has: level,
        needs: role,
    };
    Ok((outcome(level, false, false), Some(p)))
}

/// The account a stored token or a killed run points to, for `kind` in the same place.
pub(super) fn known_account(
    kind: Kind,
    lives_in_id: Option<u64>,
    stored: Option<&StoredToken>,
    prior: Option<&Journal>,
) -> Option<u64> {
    let from_stored = stored
        .and_then(|s| s.provisioned.as_ref())
        .filter(|p| p.kind == kind && p.lives_in_id == lives_in_id)
        .map(|p| p.account_id);
    let from_journal = prior
        .filter(|j| j.kind == kind && j.lives_in_id == lives_in_id)
        .and_then(|j| j.account_id);
    from_stored.or(from_journal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provision::{Caller, Edition, Tier};

    fn discovery(gitlab_com: bool, is_admin: bool, top: Option<Role>) -> Discovery {
        Discovery {
            caller: Caller {
                id: 1,
                username: "o".into(),
                is_admin,
                admin_access: match is_admin {
                    true => crate::provision::AdminAccess::Active,
                    false => crate::provision::AdminAccess::None,
                },
            },
            gitlab_com,
            version: Some((18, 6)),
            edition: Edition::Ee,
            tier: Tier::Premium,
            trial: false,
            targets: vec![TargetFacts {
                path: "Acme/Tools App".into(),
                kind: TargetKind::Project,
                id: 5,
                top_level: "Acme".into(),
                top_level_id: 3,
                caller_role: top,
                top_level_role: top,
            }],
        }
    }

    #[test]
    fn the_default_username_is_stable_and_valid() {
        let d = discovery(true, false, None);
        assert_eq!(
            default_username(Kind::GroupServiceAccount, &d, "repo-scanner"),
            "acme-repo-scanner"
        );
        assert_eq!(
            default_username(Kind::ProjectServiceAccount, &d, "repo-scanner"),
            "acme-tools-app-repo-scanner"
        );
    }

    /// GitLab's answer when the admin setting is off or the caller is below Owner (EE spec
    /// API::GroupServiceAccounts): 400, not 403.
    const REFUSED: &str = "400 Bad request - User does not have permission to create a service account in this namespace.";

    #[test]
    fn a_self_managed_owner_refused_with_400_is_told_about_the_admin_setting() {
        use crate::problem::ProblemKind;
        let e = ApiError::BadRequest(REFUSED.into());
        let group = Kind::GroupServiceAccount;
        let p = problem_of(group, &e, &discovery(false, false, Some(Role::Owner)));
        assert_eq!(p.kind(), ProblemKind::OwnerCreationDisabled, "{p:?}");
        // Its words (the admin setting, "Account and limit"): `strings::provision_notes`.
        assert!(matches!(p, Note::OwnerCreationDisabled { .. }), "{p:?}");
        // Not the Owner: told which role is needed, on GitLab.com and self-managed alike.
        for com in [true, false] {
            let p = problem_of(group, &e, &discovery(com, false, Some(Role::Maintainer)));
            assert_eq!(p.kind(), ProblemKind::NotOwner, "{p:?}");
            let top = Refusal::NotOwnerTop {
                top: "Acme".into(),
                role: Some(Role::Maintainer),
            };
            assert_eq!(p, Note::Refused(top));
        }
        // A project service account: the Maintainer role on the project.
        let d = discovery(false, false, Some(Role::Developer));
        let p = problem_of(Kind::ProjectServiceAccount, &e, &d);
        assert_eq!(p.kind(), ProblemKind::NotOwner, "{p:?}");
        let project = Refusal::NotMaintainerProject {
            kind: Kind::ProjectServiceAccount,
            project: "Acme/Tools App".into(),
            role: Some(Role::Developer),
        };
        assert_eq!(p, Note::Refused(project));
        // An administrator refused: GitLab's own words, no guessed reason.
        let p = problem_of(group, &e, &discovery(false, true, Some(Role::Owner)));
        assert!(!matches!(
            p.kind(),
            ProblemKind::OwnerCreationDisabled | ProblemKind::NotOwner
        ));
        assert_eq!(
            p,
            Note::AccountFailed {
                kind: group,
                error: e
            }
        );
        // 403 to a create: the feature is not licensed (not the admin setting).
        let e = ApiError::Forbidden("403 Forbidden".into());
        let p = problem_of(group, &e, &discovery(false, false, Some(Role::Owner)));
        assert_eq!(p.kind(), ProblemKind::TierUnavailable, "{p:?}");
    }
}
