//! What live validation found, as typed values: one [`Check`] per verdict line and one
//! [`Finding`] per problem. `strings::validation` turns them into sentences and fixes.

use crate::gitlab::ApiError;
use crate::gitlab::access::Role;
use crate::gitlab::granular::{Need, Verdict};
use crate::gitlab::types::{Metadata, User};
use crate::gitlab::version::Version;
use crate::instance::Instance;
use crate::problem::ProblemKind;
use crate::token::TokenKind;

use super::Status;
use super::granular::Unread;

/// One line of the verdict the wizard shows: how a check went, and what it saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub status: Status,
    pub check: Check,
}

/// What one check saw (the line's text, in `strings::validation::line`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Check {
    /// The token's prefix names another kind than a personal access token.
    Kind(TokenKind),
    Revoked,
    Expired {
        expires_at: Option<String>,
    },
    Inactive,
    Active {
        name: String,
        id: u64,
    },
    DaysLeft {
        days: i64,
        expires_at: Option<String>,
    },
    NoExpiry,
    ScopePresent(String),
    /// A scope the token gets from a wider one it holds (`by`).
    ScopeCovered {
        scope: String,
        by: String,
    },
    ScopeMissing(String),
    /// The token's own record could not be read.
    TokenUnread(ApiError),
    User(User),
    /// The account is a person where a service account was chosen (its username).
    HumanOwner(String),
    /// `/user` is outside the token's scopes or permissions.
    UserNeedsScope,
    UserUnread(ApiError),
    Version(Metadata),
    VersionUnread(ApiError),
    /// No group or project was given; the role needed.
    RoleNotChecked(Role),
    Role {
        target: String,
        role: Option<Role>,
        needed: Role,
    },
    NotMember(String),
    RoleUnread {
        target: String,
        error: ApiError,
    },
    /// An OAuth access token (browser sign-in) is active.
    OAuthActive,
    /// An OAuth access token's expiry: minutes left, where GitLab said.
    OAuthExpiry(Option<i64>),
    /// A fine-grained token: judged by its permissions.
    FineGrained,
    /// A fine-grained token against a profile naming legacy scopes only.
    PermissionsNotJudged,
    PermissionsUnread(Unread),
    Permission {
        verdict: Verdict,
        target: Option<String>,
    },
}

/// One problem validation found (its message and fix in `strings::validation::finding`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// The token's prefix names another kind than a personal access token.
    NotPersonalAccess(TokenKind),
    /// GitLab refused (401) a token whose prefix names another kind.
    KindRefused(TokenKind),
    /// A call failed.
    Api(ApiError),
    /// The token is expired or revoked (`error`), and the prefilled page for a new one is known.
    DeadToken {
        error: ApiError,
        page: TokenPage,
    },
    Inactive,
    /// The token expires in this many days.
    ExpiresSoon(i64),
    MissingScopes {
        missing: Vec<String>,
        granted: Vec<String>,
    },
    /// A fine-grained token's permissions missing or held outside the target.
    MissingPermissions {
        needs: Vec<Need>,
        target: Option<String>,
    },
    /// The token belongs to a person where a service account was chosen (its username).
    HumanOwner(String),
    RoleTooLow {
        target: String,
        role: Option<Role>,
        needed: Role,
    },
    NotMember {
        target: String,
        needed: Role,
    },
}

/// What the token page for a replacement is prefilled from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenPage {
    pub instance: Instance,
    /// The instance's version as far as it is known (`gitlab::version::for_links`).
    pub version: Option<Version>,
    pub scopes: Vec<String>,
}

impl Finding {
    /// The problem kind (exit codes, JSON `kind`, warnings).
    pub fn kind(&self) -> ProblemKind {
        match self {
            Finding::NotPersonalAccess(_) => ProblemKind::NotPersonalAccessToken,
            Finding::KindRefused(_) => ProblemKind::InvalidToken,
            Finding::Api(e) | Finding::DeadToken { error: e, .. } => e.kind(),
            Finding::Inactive => ProblemKind::TokenInactive,
            Finding::ExpiresSoon(_) => ProblemKind::TokenExpiresSoon,
            Finding::MissingScopes { .. } => ProblemKind::MissingScopes,
            Finding::MissingPermissions { .. } => ProblemKind::MissingPermissions,
            Finding::HumanOwner(_) => ProblemKind::NotServiceAccount,
            Finding::RoleTooLow { .. } => ProblemKind::RoleTooLow,
            Finding::NotMember { .. } => ProblemKind::NotFound,
        }
    }
}
