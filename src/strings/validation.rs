//! What live validation says: one line per check, and each problem with its fix.

use crate::gitlab::ApiError;
use crate::gitlab::access::Role;
use crate::gitlab::types::{Metadata, TokenInfo, User};
use crate::problem::{Problem, ProblemKind};
use crate::token::TokenKind;

pub const REVOKED: &str = "Token revoked";
pub const INACTIVE: &str = "Token inactive";
pub const NO_EXPIRY: &str =
    "Token never expires (allowed on some service accounts; consider an expiry)";
pub const USER_NEEDS_SCOPE: &str =
    "User: not readable with these scopes (needs read_user, read_api or api)";

pub fn kind_line(kind: TokenKind) -> String {
    format!("Token kind: {}", kind_name(kind))
}

pub fn kind_name(kind: TokenKind) -> &'static str {
    match kind {
        TokenKind::PersonalAccess => "personal or service-account access token (glpat-)",
        TokenKind::Deploy => "deploy token (gldt-)",
        TokenKind::Runner | TokenKind::RunnerRegistration => "runner token (glrt-)",
        TokenKind::PipelineTrigger => "pipeline trigger token (glptt-)",
        TokenKind::Feed => "feed token (glft-)",
        TokenKind::CiJob => "CI/CD job token (glcbt-)",
        TokenKind::OAuthSecret => "OAuth application secret (gloas-)",
        TokenKind::OAuthAccess => "OAuth access token",
        TokenKind::Scim => "SCIM token (glsoat-)",
        TokenKind::IncomingMail => "incoming mail token (glimt-)",
        TokenKind::Agent => "Kubernetes agent token (glagent-)",
        TokenKind::Workspace => "workspace token (glwt-)",
        TokenKind::FeatureFlagsClient => "feature flags client token (glffct-)",
        TokenKind::Unknown => "unrecognised prefix (an old token, or an instance-specific prefix)",
    }
}

pub fn kind_problem(kind: TokenKind) -> Problem {
    Problem::new(
        ProblemKind::NotPersonalAccessToken,
        format!(
            "This looks like a {}, not a personal access token.",
            kind_name(kind)
        ),
        "Create a personal access token (or a service account's token) on the token page and paste that instead.",
    )
}

pub fn active_line(info: &TokenInfo) -> String {
    format!("Token \"{}\" (id {}) is active", info.name, info.id)
}

pub fn expired_line(info: &TokenInfo) -> String {
    format!(
        "Token expired on {}",
        info.expires_at.as_deref().unwrap_or("?")
    )
}

pub fn days_line(days: i64, info: &TokenInfo) -> String {
    format!(
        "{days} days left (expires {})",
        info.expires_at.as_deref().unwrap_or("?")
    )
}

pub fn expires_soon(days: i64) -> Problem {
    Problem::new(
        ProblemKind::TokenExpiresSoon,
        format!("The token expires in {days} days."),
        "Rotate it soon: gitlab-token rotate.",
    )
}

pub fn inactive() -> Problem {
    Problem::new(
        ProblemKind::TokenInactive,
        "GitLab reports the token as inactive.",
        "Create a new token; an inactive token cannot be used again.",
    )
}

pub fn scope_present(scope: &str) -> String {
    format!("Scope {scope}: present")
}

pub fn scope_missing(scope: &str) -> String {
    format!("Scope {scope}: MISSING")
}

pub fn missing_scopes(missing: &[String], granted: &[String]) -> Problem {
    Problem::new(
        ProblemKind::MissingScopes,
        format!(
            "The token lacks {} (it has {}).",
            missing.join(", "),
            granted.join(", ")
        ),
        "Scopes cannot be added to an existing token: create a new one with the scopes listed, then paste it.",
    )
}

pub fn user_line(user: &User) -> String {
    let who = if user.bot {
        "service account (bot user)"
    } else {
        "personal account"
    };
    format!("User @{} (id {}): {who}", user.username, user.id)
}

pub fn version_line(m: &Metadata) -> String {
    let edition = match m.enterprise {
        Some(true) => ", Enterprise Edition",
        Some(false) => ", Community Edition",
        None => "",
    };
    format!("GitLab {}{edition}", m.version)
}

pub fn version_line_error(e: &ApiError) -> String {
    format!("GitLab version: not readable ({e})")
}

pub fn token_line_error(e: &ApiError) -> String {
    format!("Token: {e}")
}

pub fn user_line_error(e: &ApiError) -> String {
    format!("User: {e}")
}

pub fn role_line(target: &str, role: Option<Role>, needed: Role) -> String {
    let has = role.map_or("below Guest", Role::name);
    format!(
        "Role on {target}: {has} (needs {} or higher)",
        needed.name()
    )
}

pub fn role_line_error(target: &str, e: &ApiError) -> String {
    format!("Role on {target}: not readable ({e})")
}

pub fn not_member_line(target: &str) -> String {
    format!("Role on {target}: not a member (or no such group or project)")
}

pub fn role_too_low(target: &str, role: Option<Role>, needed: Role) -> Problem {
    Problem::new(
        ProblemKind::RoleTooLow,
        format!(
            "The account is {} on {target}; the integration needs {}.",
            role.map_or("below Guest", Role::name),
            needed.name()
        ),
        format!(
            "An Owner of {target} can raise it on the Members page (Manage → Members) to {}.",
            needed.name()
        ),
    )
}

pub fn not_member(target: &str, needed: Role) -> Problem {
    Problem::new(
        ProblemKind::NotFound,
        format!("The account is not a member of {target}, or the path does not exist."),
        format!(
            "Check the path, then add the account on {target}'s Members page with the {} role.",
            needed.name()
        ),
    )
}

/// Cause and fix for each API failure.
pub fn api_problem(e: &ApiError) -> Problem {
    let kind = e.kind();
    let (message, fix): (String, String) = match e {
        ApiError::InvalidToken(_) => (
            "GitLab does not recognise this token (401).".into(),
            "Check you pasted the whole token for this GitLab instance; tokens from another instance never work here.".into(),
        ),
        ApiError::TokenExpired => ("The token has expired (401).".into(), "Create a new token, or rotate: gitlab-token rotate.".into()),
        ApiError::TokenRevoked => ("The token has been revoked (401).".into(), "Create a new token; a revoked token cannot come back.".into()),
        ApiError::InsufficientScope(scope) => (
            format!("The token's scopes do not allow this call (403 insufficient_scope{}).", if scope.is_empty() { String::new() } else { format!(", needs {scope}") }),
            "Create a new token that includes the scopes listed for this integration.".into(),
        ),
        ApiError::Forbidden(m) => (format!("GitLab refused the call (403: {m})."), "Check the account is not blocked and has access.".into()),
        ApiError::NotFound => (
            "GitLab answered 404 for the token endpoint.".into(),
            "The instance may be older than GitLab 15.5, or the address points at the wrong path.".into(),
        ),
        ApiError::RateLimited { retry_after_secs } => (
            format!("GitLab is rate limiting requests (429){}.", retry_after_secs.map(|s| format!("; retry after {s} s")).unwrap_or_default()),
            "Wait and try again.".into(),
        ),
        ApiError::Server { status } => (format!("GitLab had an internal error ({status})."), "Try again in a minute; if it persists, tell the GitLab admin.".into()),
        ApiError::NotJson { status, content_type, looks_like_login } if *looks_like_login => (
            format!("The API answered with a sign-in page ({status}, {content_type}) instead of JSON."),
            "An SSO or proxy login sits in front of GitLab; ask the admin to let /api/v4 through.".into(),
        ),
        ApiError::NotJson { status, content_type, .. } => (
            format!("The answer was not GitLab's JSON ({status}, {content_type})."),
            "Check the address points at GitLab (and its relative URL root, if any).".into(),
        ),
        ApiError::BadRequest(m) | ApiError::Http { message: m, .. } => (format!("GitLab refused the request: {e} ({m})."), "Check the address and the token.".into()),
        ApiError::Redirect { location, other_host } => (
            format!("The API redirects to {location}{}.", if *other_host { " (another host)" } else { "" }),
            "Use the address GitLab itself lives at; the token is never sent through a redirect.".into(),
        ),
        ApiError::Tls { detail, .. } => (format!("TLS failed: {detail}."), tls_fix(kind).into()),
        ApiError::Connect(d) => (format!("Cannot connect: {d}."), "Check the address, the VPN and any proxy (HTTPS_PROXY).".into()),
        ApiError::Timeout(s) => (format!("No answer within {s} s."), "Check the VPN or proxy, or try again.".into()),
        ApiError::Setup(m) => (m.clone(), "Check --ca-file.".into()),
        ApiError::TooLarge { .. }
        | ApiError::Incomplete(_)
        | ApiError::BadAnswer { .. }
        | ApiError::MalformedToken(_)
        | ApiError::RevokeUnconfirmed(_) => super::net::api_text(e),
    };
    Problem::new(kind, message, fix)
}

fn tls_fix(kind: ProblemKind) -> &'static str {
    match kind {
        ProblemKind::TlsUnknownIssuer | ProblemKind::TlsSelfSigned => {
            "Pass your company's CA certificate with --ca-file PATH (run gitlab-token check for details)."
        }
        ProblemKind::TlsExpired => "The GitLab admin must renew the certificate.",
        ProblemKind::TlsHostnameMismatch => "Use the host name the certificate names.",
        _ => "Run gitlab-token check HOST for a detailed diagnosis.",
    }
}
