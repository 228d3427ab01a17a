//! Live validation of a token: its own record, its user, the instance version and the role on a
//! group or project, fetched concurrently and judged against what the integration needs.

use serde::Serialize;
use time::Date;

use crate::gitlab::access::Role;
use crate::gitlab::types::{Metadata, TokenInfo, User};
use crate::gitlab::{ApiError, Client};
use crate::token::Token;

mod findings;
pub mod granular;
mod judge;

pub use findings::{Check, Finding, Line, TokenPage};
pub use judge::judge;

/// Tokens expiring within this many days are flagged (and offered for rotation).
pub const EXPIRY_WARNING_DAYS: i64 = 14;

/// What the integration needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirements {
    pub scopes: Vec<String>,
    /// The same needs as fine-grained permissions (`Profile::permission_needs`); empty: a
    /// fine-grained token's permissions are not judged.
    pub permissions: Vec<crate::gitlab::granular::Need>,
    pub role: Role,
    /// A group or project path to check the role on.
    pub target: Option<String>,
    /// The person chose a service account to own the token: a token of a human account is
    /// worth a warning.
    pub service_account: bool,
}

impl Requirements {
    /// What `profile` needs (nothing but the Reporter role without one), checked on `target`.
    pub fn for_profile(profile: Option<&crate::profile::Profile>, target: Option<String>) -> Self {
        Requirements {
            scopes: profile
                .map(crate::profile::Profile::scope_names)
                .unwrap_or_default(),
            permissions: profile
                .map(crate::profile::Profile::permission_needs)
                .unwrap_or_default(),
            role: profile.map_or(Role::Reporter, |p| p.role),
            target,
            service_account: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Ok,
    Warn,
    Fail,
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    pub token: Option<TokenInfo>,
    pub user: Option<User>,
    pub metadata: Option<Metadata>,
    pub role: Option<Role>,
    pub days_left: Option<i64>,
    pub missing_scopes: Vec<String>,
    /// A fine-grained token's permissions that are missing or outside the target.
    pub missing_permissions: Vec<crate::gitlab::granular::Need>,
    pub lines: Vec<Line>,
    pub problems: Vec<Finding>,
}

impl Validation {
    /// Every check passed (warnings allowed).
    pub fn ok(&self) -> bool {
        self.token.is_some() && self.problems.iter().all(|p| p.kind().is_warning())
    }

    /// The role on a group or project was checked (a target was given and answered).
    pub fn role_checked(&self) -> bool {
        self.role.is_some()
    }

    /// The failure is about reaching the host, not about the token.
    pub fn unreachable(&self) -> bool {
        self.problems.iter().any(|p| p.kind().is_reachability())
    }
}

/// The token's user and, when a target is named, the user's role there; run beside the token's
/// own record by both validations. The role needs the user's id: with none known it waits for
/// `/user` (a second round trip). With `known_user` (the id stored with the token) the role is
/// asked at once, beside `/user`, and kept only when `/user` answers that same id; otherwise it is
/// asked again with the id `/user` gave, so the result is the one the sequential lookup gives.
async fn user_and_role(
    client: &Client,
    token: &Token,
    needs: &Requirements,
    known_user: Option<u64>,
) -> (
    Result<crate::gitlab::types::User, crate::gitlab::ApiError>,
    Option<Result<crate::gitlab::types::Member, crate::gitlab::ApiError>>,
) {
    let Some(target) = &needs.target else {
        return (client.user(token).await, None);
    };
    let (user, guessed) = match known_user {
        Some(id) => {
            let (user, role) =
                tokio::join!(client.user(token), client.member_at_once(token, target, id));
            (user, Some((id, role)))
        }
        None => (client.user(token).await, None),
    };
    let role = match (&user, guessed) {
        (Ok(u), Some((id, role))) if u.id == id => Some(role),
        (Ok(u), _) => Some(client.member_at_once(token, target, u.id).await),
        (Err(_), _) => None,
    };
    (user, role)
}

/// Runs the checks concurrently and judges them.
pub async fn validate(
    client: &Client,
    token: &Token,
    needs: &Requirements,
    today: Date,
) -> Validation {
    validate_known(client, token, needs, today, None).await
}

/// [`validate`] for a token whose user's id is remembered (`known_user`, e.g. the stored
/// record's `user_id`): the role on the target is asked in the first round trip, beside the
/// rest, and confirmed against `/user`'s answer (see [`user_and_role`]).
pub async fn validate_known(
    client: &Client,
    token: &Token,
    needs: &Requirements,
    today: Date,
    known_user: Option<u64>,
) -> Validation {
    let user_and_role = user_and_role(client, token, needs, known_user);
    // A fine-grained token's permissions (and the target's ids) are read as soon as its record
    // says it is one, beside the user and role calls.
    let record = async {
        let info = client.token_self(token).await;
        let facts = match &info {
            Ok(i) => granular::read(client, token, i, needs).await,
            Err(_) => None,
        };
        (info, facts)
    };
    let ((info, facts), (user, member), metadata) =
        tokio::join!(record, user_and_role, client.metadata(token));
    let mut v = judge(
        token,
        needs,
        today,
        info,
        user,
        member.map(|m| m.map(|m| m.access_level)),
        metadata,
    );
    if let Some(facts) = facts {
        judge_granular(&mut v, needs, &facts);
    }
    v
}

/// Adds a fine-grained token's permission lines and problem to `v` (the pure half, beside
/// [`judge`], which leaves such a token's empty `scopes` unjudged).
pub fn judge_granular(v: &mut Validation, needs: &Requirements, facts: &granular::Facts) {
    let target = needs.target.clone();
    let mut add = |status, check| v.lines.push(Line { status, check });
    add(Status::Ok, Check::FineGrained);
    if needs.permissions.is_empty() {
        add(Status::Unknown, Check::PermissionsNotJudged);
        return;
    }
    // Kept with the token's record, so what is stored says what it may.
    if let (Some(info), Ok(scopes)) = (v.token.as_mut(), &facts.scopes) {
        info.granular_scopes = Some(scopes.clone());
    }
    let verdicts = match granular::verdicts(needs, facts) {
        Ok(v) => v,
        Err(e) => {
            v.lines.push(Line {
                status: Status::Unknown,
                check: Check::PermissionsUnread(e),
            });
            return;
        }
    };
    for verdict in &verdicts {
        let status = match verdict {
            crate::gitlab::granular::Verdict::Covered { .. } => Status::Ok,
            crate::gitlab::granular::Verdict::Unconfirmed { .. } => Status::Unknown,
            _ if verdict.need().optional => Status::Warn,
            _ => Status::Fail,
        };
        v.lines.push(Line {
            status,
            check: Check::Permission {
                verdict: verdict.clone(),
                target: target.clone(),
            },
        });
    }
    let uncovered = granular::uncovered(&verdicts);
    if !uncovered.is_empty() {
        v.problems.push(Finding::MissingPermissions {
            needs: uncovered.clone(),
            target,
        });
        v.missing_permissions = uncovered;
    }
}

/// [`validate`] for an OAuth access token: its record is `GET /oauth/token/info` (an OAuth token
/// has no `/personal_access_tokens/self`); the same [`Validation`], so screens need no change.
/// The token line says it refreshes itself instead of counting days.
pub async fn validate_oauth(
    client: &Client,
    token: &Token,
    needs: &Requirements,
    today: Date,
) -> Validation {
    let user_and_role = user_and_role(client, token, needs, None);
    let (info, (user, member), metadata) = tokio::join!(
        crate::gitlab::oauth::token_info(client, token),
        user_and_role,
        client.metadata(token)
    );
    let minutes = info
        .as_ref()
        .ok()
        .and_then(|i| i.expires_in)
        .map(|s| s / 60);
    let info = info
        .map(|i| TokenInfo {
            id: 0,
            name: crate::gitlab::oauth::OAUTH_TOKEN_NAME.into(),
            revoked: false,
            active: true,
            scopes: i.scope,
            user_id: i.resource_owner_id,
            created_at: None,
            last_used_at: None,
            expires_at: None,
            granular: false,
            granular_scopes: None,
        })
        .map_err(|e| match e {
            crate::gitlab::oauth::OAuthError::Api(api) => api,
            other => ApiError::InvalidToken(other.to_string()),
        });
    let mut v = judge(
        token,
        needs,
        today,
        info,
        user,
        member.map(|m| m.map(|m| m.access_level)),
        metadata,
    );
    // An OAuth token has no prefix and no expiry date: neither is worth a warning.
    let kind = token.kind();
    v.lines
        .retain(|l| l.check != Check::Kind(kind) || l.status != Status::Warn);
    v.problems
        .retain(|p| p.kind() != crate::problem::ProblemKind::NotPersonalAccessToken);
    for line in v.lines.iter_mut() {
        match line.check {
            Check::Active { .. } => line.check = Check::OAuthActive,
            Check::NoExpiry => {
                *line = Line {
                    status: Status::Ok,
                    check: Check::OAuthExpiry(minutes),
                }
            }
            _ => {}
        }
    }
    v
}

/// [`validate`] with a fresh client for `instance`, trusting `ca_file` too; a client that cannot
/// be built is reported like any other failure.
pub async fn validate_at(
    instance: &crate::instance::Instance,
    ca_file: Option<std::path::PathBuf>,
    token: &Token,
    needs: &Requirements,
    timeout: std::time::Duration,
) -> Validation {
    validate_at_known(instance, ca_file, token, needs, timeout, None).await
}

/// [`validate_at`] with the user's id remembered (see [`validate_known`]).
pub async fn validate_at_known(
    instance: &crate::instance::Instance,
    ca_file: Option<std::path::PathBuf>,
    token: &Token,
    needs: &Requirements,
    timeout: std::time::Duration,
    known_user: Option<u64>,
) -> Validation {
    let today = time::OffsetDateTime::now_utc().date();
    match Client::new(instance, &crate::tls::Trust::with_ca_file(ca_file), timeout) {
        Ok(client) => {
            let mut v = validate_known(&client, token, needs, today, known_user).await;
            link_dead_token_fix(&mut v, instance, needs);
            v
        }
        Err(e) => {
            let err = ApiError::Setup(e.to_string());
            let (a, b) = (Err(err.clone()), Err(err.clone()));
            judge(token, needs, today, a, b, None, Err(err))
        }
    }
}

/// An expired or revoked token cannot rotate: its fix points to the prefilled token page.
pub fn link_dead_token_fix(
    v: &mut Validation,
    instance: &crate::instance::Instance,
    needs: &Requirements,
) {
    // A dead token gets no `/metadata`; a version learnt anyway (GitLab.com) picks the page.
    let answered = v
        .metadata
        .as_ref()
        .and_then(|m| crate::gitlab::version::parse(&m.version));
    let version = crate::gitlab::version::for_links(instance.is_gitlab_com(), answered);
    for p in v.problems.iter_mut() {
        if let Finding::Api(e @ (ApiError::TokenExpired | ApiError::TokenRevoked)) = p {
            *p = Finding::DeadToken {
                error: e.clone(),
                page: TokenPage {
                    instance: instance.clone(),
                    version,
                    scopes: needs.scopes.clone(),
                },
            };
        }
    }
}
