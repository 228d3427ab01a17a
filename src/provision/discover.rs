//! Finding out what is possible: the caller, the instance, each target and the caller's role
//! there. Two rounds of concurrent calls: (`/user`, `/metadata`, every target as a group and as a
//! project, and its top-level group) then (the caller's roles, the tier).

use super::{
    AdminAccess, Caller, Discovery, Edition, Lookup, Note, ProvisionError, Request, TargetFacts,
    TargetKind, Tier, join_all,
};
use crate::gitlab::access::Role;
use crate::gitlab::accounts::Source;
use crate::gitlab::{ApiError, Client, oauth};
use crate::token::Token;

/// A target found, before the caller's roles are known.
struct Found {
    path: String,
    kind: TargetKind,
    id: u64,
    top_level: String,
    /// 0: a personal namespace (no group).
    top_level_id: u64,
}

pub(super) async fn discover(
    client: &Client,
    owner: &Token,
    request: &Request,
) -> Result<Discovery, ProvisionError> {
    let lookups = request
        .targets
        .iter()
        .map(|path| find(client, owner, path))
        .collect();
    // The token's own record tells its scopes (an OAuth token has none: its token info does).
    let (caller, metadata, found, own) = tokio::join!(
        client.caller(owner),
        client.metadata(owner),
        join_all(lookups),
        client.token_self(owner)
    );
    let caller = caller.map_err(|e| stopped(e, Lookup::Caller))?;
    let scopes = own.ok().map(|t| t.scopes);
    needs_api(scopes.as_deref())?;
    let found: Vec<Found> = found.into_iter().collect::<Result<_, _>>()?;
    let (version, edition) = match &metadata {
        Ok(m) => (
            crate::gitlab::version::parse(&m.version),
            edition(m.enterprise, &m.version),
        ),
        Err(_) => (None, Edition::Unknown),
    };
    let gitlab_com = client.instance().is_gitlab_com();

    let roles = found
        .iter()
        .map(|f| roles_of(client, owner, f, caller.id))
        .collect();
    let plan_of = found
        .iter()
        .find(|f| f.top_level_id != 0)
        .map(|f| f.top_level_id);
    let oauth_scopes = async {
        match scopes {
            Some(_) => None,
            None => oauth::token_info(client, owner).await.ok().map(|i| i.scope),
        }
    };
    let (roles, (plan, admin_call), oauth_scopes) = tokio::join!(
        join_all(roles),
        tier(client, owner, gitlab_com, caller.is_admin, edition, plan_of),
        oauth_scopes
    );
    let scopes = scopes.or(oauth_scopes);
    needs_api(scopes.as_deref())?;
    let admin_access = admin_access(caller.is_admin, scopes.as_deref(), admin_call);
    let targets = found
        .into_iter()
        .zip(roles)
        .map(|(f, roles)| {
            let (caller_role, top_level_role) = roles?;
            Ok(TargetFacts {
                path: f.path,
                kind: f.kind,
                id: f.id,
                top_level: f.top_level,
                top_level_id: f.top_level_id,
                caller_role,
                top_level_role,
            })
        })
        .collect::<Result<Vec<_>, ProvisionError>>()?;
    Ok(Discovery {
        caller: Caller {
            id: caller.id,
            username: caller.username,
            is_admin: matches!(admin_access, AdminAccess::Active | AdminAccess::Unconfirmed),
            admin_access,
        },
        gitlab_com,
        version,
        edition,
        tier: plan.as_deref().map_or(Tier::Unknown, tier_of),
        trial: plan.as_deref().is_some_and(is_trial),
        targets,
    })
}

fn stopped(error: ApiError, what: Lookup) -> ProvisionError {
    ProvisionError::Stopped(Box::new(Note::LookupFailed { what, error }))
}

/// A path as a group, else as a project, and its top-level group: asked all at once (a path
/// without `/` can only be a top-level group).
async fn find(client: &Client, owner: &Token, path: &str) -> Result<Found, ProvisionError> {
    let path = path.trim_matches('/');
    let top = path.split('/').next().unwrap_or(path).to_owned();
    let nested = path.contains('/');
    let what = || Lookup::Target(path.to_owned());
    let (group, project, top_group) = tokio::join!(
        client.group(owner, path),
        async {
            match nested {
                true => Some(client.project(owner, path).await),
                false => None,
            }
        },
        async {
            match nested {
                true => Some(client.group(owner, &top).await),
                false => None,
            }
        },
    );
    let (kind, id, top_id) = match (group, project) {
        (Ok(g), _) => (
            TargetKind::Group,
            g.id,
            g.parent_id.is_none().then_some(g.id),
        ),
        (Err(ApiError::NotFound), Some(Ok(p))) if p.namespace.kind == "user" => {
            (TargetKind::Project, p.id, Some(0))
        }
        (Err(ApiError::NotFound), Some(Ok(p))) => {
            let top_id = p.namespace.parent_id.is_none().then_some(p.namespace.id);
            (TargetKind::Project, p.id, top_id)
        }
        (Err(ApiError::NotFound), None | Some(Err(ApiError::NotFound))) => {
            return Err(ProvisionError::Stopped(Box::new(Note::TargetNotFound {
                target: path.to_owned(),
            })));
        }
        (Err(ApiError::NotFound), Some(Err(e))) | (Err(e), _) => {
            return Err(stopped(e, what()));
        }
    };
    let top_level_id = match (top_id, top_group) {
        (Some(id), _) => id,
        (None, Some(Ok(g))) => g.id,
        (None, Some(Err(e))) => return Err(stopped(e, what())),
        (None, None) => 0,
    };
    Ok(Found {
        path: path.to_owned(),
        kind,
        id,
        top_level: top,
        top_level_id,
    })
}

type Roles = Result<(Option<Role>, Option<Role>), ProvisionError>;

/// The caller's effective role on the target and on its top-level group.
async fn roles_of(client: &Client, owner: &Token, f: &Found, caller_id: u64) -> Roles {
    let source = match f.kind {
        TargetKind::Group => Source::Group(f.id),
        TargetKind::Project => Source::Project(f.id),
    };
    let on_top = async {
        match f.top_level_id {
            0 => Ok(None),
            id if id == f.id && f.kind == TargetKind::Group => Ok(None),
            id => client
                .effective_member(owner, Source::Group(id), caller_id)
                .await
                .map(|m| m.map(|m| m.access_level)),
        }
    };
    let (here, top) = tokio::join!(client.effective_member(owner, source, caller_id), on_top);
    let what = || Lookup::Role(f.path.clone());
    let here = here
        .map_err(|e| stopped(e, what()))?
        .and_then(|m| Role::from_access_level(m.access_level));
    let top = if f.top_level_id == f.id && f.kind == TargetKind::Group {
        here
    } else {
        top.map_err(|e| stopped(e, what()))?
            .and_then(Role::from_access_level)
    };
    Ok((here, top))
}

/// Stops discovery when the caller's own token is known to lack `api`: every call that creates
/// something needs it (a read-only token would fail at the first write).
fn needs_api(scopes: Option<&[String]>) -> Result<(), ProvisionError> {
    match scopes {
        Some(s) if !s.iter().any(|s| s == "api") => Err(ProvisionError::Stopped(Box::new(
            Note::OwnerTokenNeedsApi { scopes: s.to_vec() },
        ))),
        _ => Ok(()),
    }
}

/// What an administrator's token may do as one. `admin_call`: how GitLab answered the one
/// admin-only call discovery makes (`GET /license`): `Some(true)` answered, `Some(false)`
/// refused (403), `None` not made or not telling (CE has no `/license`).
fn admin_access(
    is_admin: bool,
    scopes: Option<&[String]>,
    admin_call: Option<bool>,
) -> AdminAccess {
    let scoped = scopes.is_some_and(|s| s.iter().any(|s| s == "admin_mode"));
    match (is_admin, admin_call) {
        (false, _) => AdminAccess::None,
        (true, Some(true)) => AdminAccess::Active,
        (true, _) if scoped => AdminAccess::Active,
        (true, Some(false)) => AdminAccess::NeedsAdminModeScope,
        (true, None) => AdminAccess::Unconfirmed,
    }
}

/// The plan: a top-level group's on GitLab.com (its Owners see it), the licence's on
/// self-managed (administrators see it); Free for the Community Edition; `None` when not seen.
/// With it, how GitLab answered the admin-only `GET /license` (see [`admin_access`]).
async fn tier(
    client: &Client,
    owner: &Token,
    gitlab_com: bool,
    admin: bool,
    edition: Edition,
    top_level_id: Option<u64>,
) -> (Option<String>, Option<bool>) {
    if edition == Edition::Ce && !gitlab_com {
        return (Some("free".into()), None);
    }
    match (gitlab_com, admin, top_level_id) {
        (true, _, Some(id)) => (client.namespace_plan(owner, id).await.ok().flatten(), None),
        (false, true, _) => match client.license_plan(owner).await {
            Ok(plan) => (plan, Some(true)),
            Err(ApiError::Forbidden(_) | ApiError::InsufficientScope(_)) => (None, Some(false)),
            Err(_) => (None, None),
        },
        _ => (None, None),
    }
}

/// GitLab's plan names (namespaces.md, license.md): `free`/`default`, `premium`, `ultimate`,
/// their `_trial` forms, and the older `silver`/`gold`; `opensource` is Ultimate.
pub(super) fn tier_of(plan: &str) -> Tier {
    let plan = plan.to_ascii_lowercase();
    if plan.contains("ultimate") || plan.contains("gold") || plan == "opensource" {
        Tier::Ultimate
    } else if plan.contains("premium") || plan.contains("silver") {
        Tier::Premium
    } else if plan == "free" || plan == "default" {
        Tier::Free
    } else {
        Tier::Unknown
    }
}

/// GitLab's trial plans: `ultimate_trial`, `premium_trial` (and older `*_trial` names).
pub(super) fn is_trial(plan: &str) -> bool {
    plan.to_ascii_lowercase().ends_with("_trial")
}

fn edition(enterprise: Option<bool>, version: &str) -> Edition {
    match enterprise {
        Some(true) => Edition::Ee,
        Some(false) => Edition::Ce,
        None if version.ends_with("-ee") => Edition::Ee,
        None => Edition::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_plans_and_editions_are_read_as_gitlab_writes_them() {
        assert_eq!(tier_of("ultimate_trial"), Tier::Ultimate);
        assert!(is_trial("ultimate_trial") && is_trial("Premium_Trial"));
        assert!(!is_trial("ultimate") && !is_trial("free"));
        assert_eq!(tier_of("premium"), Tier::Premium);
        assert_eq!(tier_of("default"), Tier::Free);
        assert_eq!(tier_of("opensource"), Tier::Ultimate);
        assert_eq!(tier_of("starter"), Tier::Unknown);
        assert_eq!(edition(None, "16.0.0-ee"), Edition::Ee);
        assert_eq!(edition(Some(false), "18.0.0"), Edition::Ce);
    }
}

#[cfg(test)]
mod admin_tests {
    use super::*;

    fn s(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn is_admin_counts_only_when_the_token_may_act_as_one() {
        let api = s(&["api"]);
        let both = s(&["api", "admin_mode"]);
        // `/license` refused: Admin Mode is on and the token lacks the scope.
        let a = admin_access(true, Some(&api), Some(false));
        assert_eq!(a, AdminAccess::NeedsAdminModeScope);
        assert_eq!(
            admin_access(true, Some(&api), Some(true)),
            AdminAccess::Active
        );
        assert_eq!(admin_access(true, Some(&both), None), AdminAccess::Active);
        // No admin-only answer (CE has no /license), scopes unknown or without admin_mode.
        assert_eq!(admin_access(true, None, None), AdminAccess::Unconfirmed);
        assert_eq!(
            admin_access(true, Some(&api), None),
            AdminAccess::Unconfirmed
        );
        assert_eq!(
            admin_access(false, Some(&both), Some(true)),
            AdminAccess::None
        );
    }

    #[test]
    fn an_owner_token_without_api_is_stopped_with_words_about_that_token() {
        let Err(ProvisionError::Stopped(p)) = needs_api(Some(&s(&["read_api", "read_user"])))
        else {
            panic!("not stopped");
        };
        assert_eq!(p.kind(), crate::problem::ProblemKind::InsufficientScope);
        // Its words: `strings::provision_notes`'s tests.
        let scopes = s(&["read_api", "read_user"]);
        assert_eq!(*p, Note::OwnerTokenNeedsApi { scopes });
        assert!(needs_api(Some(&s(&["api"]))).is_ok());
        assert!(needs_api(None).is_ok(), "unknown scopes: GitLab will tell");
    }
}
