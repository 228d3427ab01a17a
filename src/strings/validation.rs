//! What live validation says: one line per check, and each problem with its fix.

use crate::gitlab::ApiError;
use crate::gitlab::access::Role;
use crate::gitlab::types::{Metadata, User};
use crate::problem::{Problem, ProblemKind};
use crate::token::TokenKind;
use crate::validation::{Check, Finding, Line, Status, TokenPage, Validation};

/// The text of one verdict line.
pub fn line(check: &Check) -> String {
    use super::granular as g;
    match check {
        Check::Kind(kind) => kind_line(*kind),
        Check::Revoked => REVOKED.into(),
        Check::Expired { expires_at } => {
            format!("Token expired on {}", expires_at.as_deref().unwrap_or("?"))
        }
        Check::Inactive => INACTIVE.into(),
        Check::Active { name, id } => active(name, *id),
        Check::DaysLeft { days, expires_at } => format!(
            "{days} days left (expires {})",
            expires_at.as_deref().unwrap_or("?")
        ),
        Check::NoExpiry => NO_EXPIRY.into(),
        Check::ScopePresent(scope) => scope_present(scope),
        Check::ScopeCovered { scope, by } => scope_covered(scope, by),
        Check::ScopeMissing(scope) => scope_missing(scope),
        Check::TokenUnread(e) => token_line_error(e),
        Check::User(user) => user_line(user),
        Check::HumanOwner(username) => human_owner_line(username),
        Check::UserNeedsScope => USER_NEEDS_SCOPE.into(),
        Check::UserUnread(e) => user_line_error(e),
        Check::Version(m) => version_line(m),
        Check::VersionUnread(e) => version_line_error(e),
        Check::RoleNotChecked(needed) => role_not_checked(*needed),
        Check::Role {
            target,
            role,
            needed,
        } => role_line(target, *role, *needed),
        Check::NotMember(target) => not_member_line(target),
        Check::RoleUnread { target, error } => role_line_error(target, error),
        Check::OAuthActive => OAUTH_ACTIVE.into(),
        Check::OAuthExpiry(minutes) => oauth_expiry_line(*minutes),
        Check::FineGrained => g::FINE_GRAINED_LINE.into(),
        Check::PermissionsNotJudged => g::NOT_JUDGED.into(),
        Check::PermissionsUnread(why) => g::scopes_unread(why),
        Check::Permission { verdict, target } => g::verdict_line(verdict, target.as_deref()),
    }
}

/// Each verdict line with its text.
pub fn lines(v: &Validation) -> Vec<(Status, String)> {
    v.lines.iter().map(shown_line).collect()
}

fn shown_line(l: &Line) -> (Status, String) {
    (l.status, line(&l.check))
}

/// A finding's message and fix.
pub fn finding(f: &Finding) -> Problem {
    let p = match f {
        Finding::NotPersonalAccess(kind) => kind_problem(*kind),
        Finding::KindRefused(kind) => kind_refused(*kind),
        Finding::Api(e) => api_problem(e),
        Finding::DeadToken { error, page } => Problem {
            fix: dead_token_page_fix(page),
            ..api_problem(error)
        },
        Finding::Inactive => inactive(),
        Finding::ExpiresSoon(days) => expires_soon(*days),
        Finding::MissingScopes { missing, granted } => missing_scopes(missing, granted),
        Finding::MissingPermissions { needs, target } => {
            super::granular::missing(needs, target.as_deref())
        }
        Finding::HumanOwner(username) => human_owner(username),
        Finding::RoleTooLow {
            target,
            role,
            needed,
        } => role_too_low(target, *role, *needed),
        Finding::NotMember { target, needed } => not_member(target, *needed),
    };
    debug_assert_eq!(p.kind, f.kind(), "{f:?}");
    p
}

/// Every finding of `v`, with its message and fix.
pub fn problems(v: &Validation) -> Vec<Problem> {
    v.problems.iter().map(finding).collect()
}

/// The fix of a dead token: the token page prefilled for a new one.
fn dead_token_page_fix(page: &TokenPage) -> String {
    let form = crate::gitlab::links::personal_token_form(
        &page.instance,
        page.version,
        NEW_TOKEN_NAME,
        NEW_TOKEN_DESCRIPTION,
        &page.scopes,
    );
    dead_token_fix(Some((form.primary(), form.before_18_9())))
}

/// The name and description prefilled on the token page for a replacement of a dead token.
pub const NEW_TOKEN_NAME: &str = "gitlab-token";
pub const NEW_TOKEN_DESCRIPTION: &str = "Replaces an expired or revoked token (gitlab-token)";
/// The wizard's verdict when every check passed but no group or project was given.
pub const VALID_ROLE_UNCHECKED: &str = "All checks passed, but the role was not checked (no group or project given). Press Enter to save it to the keychain.";
pub const REVOKED: &str = "Token revoked";
pub const INACTIVE: &str = "Token inactive";
pub const NO_EXPIRY: &str =
    "Token never expires (allowed on some service accounts; consider an expiry)";
pub const USER_NEEDS_SCOPE: &str =
    "User: not readable with these scopes (needs read_user, read_api or api)";

pub use crate::gitlab::oauth::OAUTH_TOKEN_NAME;

/// The token line of an OAuth access token (it has no name or id on GitLab).
pub const OAUTH_ACTIVE: &str = "OAuth access token (browser sign-in) is active";

/// The expiry line of an OAuth access token: it lives 2 hours and is refreshed when used.
pub fn oauth_expiry_line(minutes_left: Option<i64>) -> String {
    match minutes_left {
        Some(m) => format!("Access token valid for {m} more minutes; it refreshes itself"),
        None => "Access token refreshes itself".into(),
    }
}

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

const MAKE_PAT: &str = "Create a personal access token (or a service account's token) on the token page and paste that instead.";

/// What a token of `kind` is for, and so why it cannot stand in for an access token. The kinds
/// and prefixes: GitLab's doc/security/tokens/_index.md.
fn kind_purpose(kind: TokenKind) -> Option<&'static str> {
    Some(match kind {
        TokenKind::PersonalAccess | TokenKind::Unknown => return None,
        TokenKind::Deploy => {
            "A deploy token only clones and pulls (or pushes) repositories and registry images; it cannot call the API."
        }
        TokenKind::Runner | TokenKind::RunnerRegistration => {
            "A runner token registers or authenticates a GitLab Runner; it cannot call the API."
        }
        TokenKind::PipelineTrigger => {
            "A pipeline trigger token only starts pipelines; it cannot call the rest of the API."
        }
        TokenKind::Feed => {
            "A feed token only reads RSS and Atom feeds and calendars; it cannot call the API."
        }
        TokenKind::CiJob => {
            "A CI/CD job token works only while its job runs, and only for a few endpoints."
        }
        TokenKind::OAuthSecret => {
            "An OAuth application secret identifies an application, not a user; it cannot call the API."
        }
        TokenKind::OAuthAccess => {
            "An OAuth access token expires after two hours and cannot be stored for an integration."
        }
        TokenKind::Scim => "A SCIM token only provisions users from an identity provider.",
        TokenKind::IncomingMail => "An incoming mail token only creates issues by email.",
        TokenKind::Agent => "A Kubernetes agent token only connects an agent for Kubernetes.",
        TokenKind::Workspace => "A workspace token only serves a remote development workspace.",
        TokenKind::FeatureFlagsClient => {
            "A feature flags client token only reads a project's feature flags."
        }
    })
}

/// Whether `kind` has its own explanation (an unknown prefix may be an old personal token).
pub fn kind_specific(kind: TokenKind) -> bool {
    kind_purpose(kind).is_some()
}

pub fn kind_problem(kind: TokenKind) -> Problem {
    let fix = match kind_purpose(kind) {
        Some(purpose) => format!("{purpose} {MAKE_PAT}"),
        None => MAKE_PAT.to_owned(),
    };
    Problem::new(
        ProblemKind::NotPersonalAccessToken,
        format!(
            "This looks like a {}, not a personal access token.",
            kind_name(kind)
        ),
        fix,
    )
}

/// GitLab refused a token of another kind (401): the kind explains why.
pub fn kind_refused(kind: TokenKind) -> Problem {
    Problem::new(
        ProblemKind::InvalidToken,
        format!(
            "GitLab does not accept this {} for the API (401).",
            kind_name(kind)
        ),
        kind_problem(kind).fix,
    )
}

/// The warning the paste screen shows before the check, for a token of another kind.
pub fn kind_warning(kind: TokenKind) -> Option<String> {
    kind_purpose(kind).map(|purpose| {
        format!(
            "This looks like a {}. {purpose} The check will most likely fail.",
            kind_name(kind)
        )
    })
}

fn active(name: &str, id: u64) -> String {
    format!("Token \"{name}\" (id {id}) is active")
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

/// A scope the token does not hold itself but gets from a wider one (`api` covers `read_user`).
pub fn scope_covered(scope: &str, wider: &str) -> String {
    format!("Scope {scope}: covered by {wider}")
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
    format!("GitLab version: not readable ({})", api_error_text(e))
}

/// An API error in a few words, without GitLab's "401 Unauthorized" repeating the status.
fn api_error_text(e: &ApiError) -> String {
    match e {
        ApiError::InvalidToken(m) if m.trim().is_empty() || m.trim().starts_with("401") => {
            "the token is not valid here (401 Unauthorized)".into()
        }
        other => other.to_string(),
    }
}

pub fn token_line_error(e: &ApiError) -> String {
    format!("Token: {}", api_error_text(e))
}

pub fn user_line_error(e: &ApiError) -> String {
    format!("User: {}", api_error_text(e))
}

/// The person chose a service account, but the token belongs to a human account.
pub fn human_owner_line(username: &str) -> String {
    format!("Owner: @{username} is a person, not the service account you chose")
}

pub fn human_owner(username: &str) -> Problem {
    Problem::new(
        ProblemKind::NotServiceAccount,
        format!(
            "The token belongs to @{username}, a personal account, but you chose a service account: the \
             integration would act as that person and stop working when they leave."
        ),
        // doc/user/profile/service_accounts.md: Settings > Service accounts, ⋮ > Manage access
        // tokens > Add new token (a top-level group Owner, or an admin on self-managed).
        "As a top-level group Owner (or an admin), open Settings > Service accounts, choose the \
         service account's ⋮ > Manage access tokens > Add new token, then paste that token.",
    )
}

/// No group or project was given, so membership and role were not checked.
pub fn role_not_checked(needed: Role) -> String {
    format!(
        "Role: not checked (no group or project given; the integration needs {} or higher)",
        needed.name()
    )
}

pub fn role_line(target: &str, role: Option<Role>, needed: Role) -> String {
    let has = role.map_or("below Guest", Role::name);
    format!(
        "Role on {target}: {has} (needs {} or higher)",
        needed.name()
    )
}

pub fn role_line_error(target: &str, e: &ApiError) -> String {
    format!("Role on {target}: not readable ({})", api_error_text(e))
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
        // doc/user/permissions.md: Maintainers add and manage members too (up to their own role).
        if needed >= Role::Owner {
            format!(
                "An Owner of {target} can raise it on the Members page (Manage → Members) to {}.",
                needed.name()
            )
        } else {
            format!(
                "A Maintainer or Owner of {target} can raise it on the Members page (Manage → Members) to {}.",
                needed.name()
            )
        },
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
        ApiError::TokenExpired => ("The token has expired (401).".into(), dead_token_fix(None)),
        ApiError::TokenRevoked => ("The token has been revoked (401).".into(), dead_token_fix(None)),
        ApiError::InsufficientScope(scope) => (
            format!("The token's scopes do not allow this call (403 insufficient_scope{}).", if scope.is_empty() { String::new() } else { format!(", needs {scope}") }),
            "Create a new token that includes the scopes listed for this integration.".into(),
        ),
        ApiError::MissingPermission(m) => (
            format!("The fine-grained token lacks a permission this call needs (403: {m})."),
            "Add the permission GitLab names to the token on its page (or make a new fine-grained token with it), then validate again.".into(),
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
        ApiError::Dropped => (
            "The server closed the connection without answering.".into(),
            "A proxy or load balancer in front of GitLab may drop this client: check the address and any proxy (HTTPS_PROXY), or try again.".into(),
        ),
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

/// How to replace an expired or revoked token: it can no longer be rotated (rotating needs a
/// working token), so a new one is made on the token page, prefilled when `link` is known.
/// `link`: the prefilled token page, and the one for GitLab before 18.9 when the version is
/// not known.
pub fn dead_token_fix(link: Option<(&str, Option<&str>)>) -> String {
    match link {
        Some((link, None)) => format!(
            "It cannot be rotated or brought back: create a new token with the same scopes and store it with gitlab-token setup (or add). The token page, prefilled: {link}"
        ),
        Some((link, Some(old))) => format!(
            "It cannot be rotated or brought back: create a new token with the same scopes and store it with gitlab-token setup (or add). The token page, prefilled: {link} (GitLab 18.9 or later; before 18.9: {old})"
        ),
        None => "It cannot be rotated or brought back: create a new token with the same scopes on GitLab's Access tokens page, then store it with gitlab-token setup (or add).".into(),
    }
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
