//! Live validation of a token: its own record, its user, the instance version and the role on a
//! group or project, fetched concurrently and judged against what the integration needs.

use serde::Serialize;
use time::Date;

use crate::gitlab::access::{Coverage, Role, coverage};
use crate::gitlab::types::{Metadata, TokenInfo, User};
use crate::gitlab::{ApiError, Client};
use crate::problem::Problem;
use crate::strings::validation as text;
use crate::token::{Token, TokenKind};

pub mod granular;

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

/// One line of the verdict the wizard shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub status: Status,
    pub text: String,
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
    pub problems: Vec<Problem>,
}

impl Validation {
    /// Every check passed (warnings allowed).
    pub fn ok(&self) -> bool {
        self.token.is_some() && self.problems.iter().all(|p| p.kind.is_warning())
    }

    /// The role on a group or project was checked (a target was given and answered).
    pub fn role_checked(&self) -> bool {
        self.role.is_some()
    }

    /// The failure is about reaching the host, not about the token.
    pub fn unreachable(&self) -> bool {
        self.problems.iter().any(|p| p.kind.is_reachability())
    }
}

/// The token's user and, when a target is named, the user's role there (one after the other: the
/// role needs the user's id); run beside the token's own record by both validations.
async fn user_and_role(
    client: &Client,
    token: &Token,
    needs: &Requirements,
) -> (
    Result<crate::gitlab::types::User, crate::gitlab::ApiError>,
    Option<Result<crate::gitlab::types::Member, crate::gitlab::ApiError>>,
) {
    let user = client.user(token).await;
    let role = match (&user, &needs.target) {
        (Ok(u), Some(target)) => Some(client.member(token, target, u.id).await),
        _ => None,
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
    let user_and_role = user_and_role(client, token, needs);
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
    use crate::strings::granular as gtext;
    let target = needs.target.as_deref();
    let mut add = |status, text: String| v.lines.push(Line { status, text });
    add(Status::Ok, gtext::FINE_GRAINED_LINE.into());
    if needs.permissions.is_empty() {
        add(Status::Unknown, gtext::NOT_JUDGED.into());
        return;
    }
    // Kept with the token's record, so what is stored says what it may.
    if let (Some(info), Ok(scopes)) = (v.token.as_mut(), &facts.scopes) {
        info.granular_scopes = Some(scopes.clone());
    }
    let verdicts = match granular::verdicts(needs, facts) {
        Ok(v) => v,
        Err(e) => {
            add(Status::Unknown, gtext::scopes_unread(&e));
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
        add(status, gtext::verdict_line(verdict, target));
    }
    let uncovered = granular::uncovered(&verdicts);
    if !uncovered.is_empty() {
        v.problems.push(gtext::missing(&uncovered, target));
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
    let user_and_role = user_and_role(client, token, needs);
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
    let kind_line = text::kind_line(kind);
    let kind_problem = text::kind_problem(kind).kind;
    v.lines
        .retain(|l| l.text != kind_line || l.status != Status::Warn);
    v.problems.retain(|p| p.kind != kind_problem);
    if let Some(active) = v.token.as_ref().map(text::active_line) {
        for line in v.lines.iter_mut().filter(|l| l.text == active) {
            line.text = text::OAUTH_ACTIVE.into();
        }
    }
    for line in v.lines.iter_mut().filter(|l| l.text == text::NO_EXPIRY) {
        *line = Line {
            status: Status::Ok,
            text: text::oauth_expiry_line(minutes),
        };
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
    let today = time::OffsetDateTime::now_utc().date();
    match Client::new(instance, &crate::tls::Trust::with_ca_file(ca_file), timeout) {
        Ok(client) => {
            let mut v = validate(&client, token, needs, today).await;
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
    use crate::problem::ProblemKind::{TokenExpired, TokenRevoked};
    // A dead token gets no `/metadata`; a version learnt anyway (GitLab.com) picks the page.
    let answered = v
        .metadata
        .as_ref()
        .and_then(|m| crate::gitlab::version::parse(&m.version));
    let version = crate::gitlab::version::for_links(instance.is_gitlab_com(), answered);
    let form = crate::gitlab::links::personal_token_form(
        instance,
        version,
        text::NEW_TOKEN_NAME,
        text::NEW_TOKEN_DESCRIPTION,
        &needs.scopes,
    );
    for p in v
        .problems
        .iter_mut()
        .filter(|p| matches!(p.kind, TokenExpired | TokenRevoked))
    {
        p.fix = text::dead_token_fix(Some((form.primary(), form.before_18_9())));
    }
}

/// The pure half of [`validate`]: turns the answers into lines and problems.
pub fn judge(
    token: &Token,
    needs: &Requirements,
    today: Date,
    info: Result<TokenInfo, ApiError>,
    user: Result<User, ApiError>,
    access_level: Option<Result<u32, ApiError>>,
    metadata: Result<Metadata, ApiError>,
) -> Validation {
    let mut v = Validation {
        token: None,
        user: None,
        metadata: None,
        role: None,
        days_left: None,
        missing_scopes: Vec::new(),
        missing_permissions: Vec::new(),
        lines: Vec::new(),
        problems: Vec::new(),
    };
    let add = |v: &mut Validation, status, text: String, problem: Option<Problem>| {
        v.lines.push(Line { status, text });
        if let Some(p) = problem
            && !v.problems.iter().any(|q| q.kind == p.kind)
        {
            v.problems.push(p);
        }
    };

    let kind = token.kind();
    if kind != TokenKind::PersonalAccess {
        add(
            &mut v,
            Status::Warn,
            text::kind_line(kind),
            Some(text::kind_problem(kind)),
        );
    }

    match info {
        Ok(info) => {
            let days = info.days_left(today);
            v.days_left = days;
            if info.revoked {
                add(
                    &mut v,
                    Status::Fail,
                    text::REVOKED.into(),
                    Some(text::api_problem(&ApiError::TokenRevoked)),
                );
            } else if days.is_some_and(crate::gitlab::types::is_expired) {
                add(
                    &mut v,
                    Status::Fail,
                    text::expired_line(&info),
                    Some(text::api_problem(&ApiError::TokenExpired)),
                );
            } else if !info.active {
                add(
                    &mut v,
                    Status::Fail,
                    text::INACTIVE.into(),
                    Some(text::inactive()),
                );
            } else {
                add(&mut v, Status::Ok, text::active_line(&info), None);
                match days {
                    Some(d) if d <= EXPIRY_WARNING_DAYS => add(
                        &mut v,
                        Status::Warn,
                        text::days_line(d, &info),
                        Some(text::expires_soon(d)),
                    ),
                    Some(d) => add(&mut v, Status::Ok, text::days_line(d, &info), None),
                    None => add(&mut v, Status::Warn, text::NO_EXPIRY.into(), None),
                }
            }
            // A fine-grained token holds permissions, not scopes: `judge_granular` judges them.
            for scope in needs.scopes.iter().filter(|_| !info.granular) {
                if let Some(how) = coverage(scope, &info.scopes) {
                    let line = match how {
                        Coverage::Present => text::scope_present(scope),
                        Coverage::CoveredBy(wider) => text::scope_covered(scope, wider),
                    };
                    add(&mut v, Status::Ok, line, None);
                } else {
                    v.missing_scopes.push(scope.clone());
                    add(&mut v, Status::Fail, text::scope_missing(scope), None);
                }
            }
            if !v.missing_scopes.is_empty() {
                let p = text::missing_scopes(&v.missing_scopes, &info.scopes);
                v.problems.push(p);
            }
            v.token = Some(info);
        }
        Err(e) => {
            let mut p = text::api_problem(&e);
            // A deploy, runner, trigger… token is not an API token: its own fix says what to use.
            if matches!(e, ApiError::InvalidToken(_)) && text::kind_specific(kind) {
                p = text::kind_refused(kind);
            }
            add(&mut v, Status::Fail, text::token_line_error(&e), Some(p));
        }
    }

    match user {
        Ok(user) => {
            add(&mut v, Status::Ok, text::user_line(&user), None);
            if needs.service_account && !user.bot {
                add(
                    &mut v,
                    Status::Warn,
                    text::human_owner_line(&user),
                    Some(text::human_owner(&user)),
                );
            }
            v.user = Some(user);
        }
        Err(ApiError::InsufficientScope(_) | ApiError::MissingPermission(_)) => {
            add(&mut v, Status::Unknown, text::USER_NEEDS_SCOPE.into(), None)
        }
        Err(e) => add(
            &mut v,
            Status::Fail,
            text::user_line_error(&e),
            Some(text::api_problem(&e)),
        ),
    }

    match metadata {
        Ok(m) => {
            add(&mut v, Status::Ok, text::version_line(&m), None);
            v.metadata = Some(m);
        }
        Err(e) => add(&mut v, Status::Unknown, text::version_line_error(&e), None),
    }

    if needs.target.is_none() && v.token.is_some() {
        add(
            &mut v,
            Status::Unknown,
            text::role_not_checked(needs.role),
            None,
        );
    }
    if let (Some(target), Some(level)) = (&needs.target, access_level) {
        match level {
            Ok(level) => {
                let role = Role::from_access_level(level);
                v.role = role;
                if role.is_some_and(|r| r >= needs.role) {
                    add(
                        &mut v,
                        Status::Ok,
                        text::role_line(target, role, needs.role),
                        None,
                    );
                } else {
                    add(
                        &mut v,
                        Status::Fail,
                        text::role_line(target, role, needs.role),
                        Some(text::role_too_low(target, role, needs.role)),
                    );
                }
            }
            Err(ApiError::NotFound) => add(
                &mut v,
                Status::Fail,
                text::not_member_line(target),
                Some(text::not_member(target, needs.role)),
            ),
            Err(e) => add(
                &mut v,
                Status::Unknown,
                text::role_line_error(target, &e),
                None,
            ),
        }
    }
    v
}
