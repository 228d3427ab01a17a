//! The fixed vocabulary of problems that `verify`, `check` and the wizard report, each with a fix.

use serde::{Deserialize, Serialize};

/// A machine-readable problem kind. The README documents every value; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    InvalidUrl,
    DnsFailed,
    ConnectionRefused,
    ConnectTimeout,
    Unreachable,
    TlsUnknownIssuer,
    TlsExpired,
    TlsNotYetValid,
    TlsHostnameMismatch,
    TlsSelfSigned,
    TlsIncompleteChain,
    TlsHandshakeFailed,
    CertExpiresSoon,
    NotGitlab,
    LoginPage,
    HttpError,
    Redirect,
    Timeout,
    InvalidToken,
    TokenExpired,
    TokenRevoked,
    TokenInactive,
    TokenExpiresSoon,
    InsufficientScope,
    Forbidden,
    MissingScopes,
    MissingPermissions,
    RoleTooLow,
    NotFound,
    RateLimited,
    ServerError,
    NotPersonalAccessToken,
    KeychainUnavailable,
    NeedsGuidedRotation,
    ExpiryRejected,
    RotationRefused,
    NewTokenLost,
    NewTokenNotSaved,
    RotationOutcomeUnknown,
    StoredTokenUnusable,
    ScopesNotCovered,
    DifferentUser,
    SameToken,
    RevokeFailed,
    MetadataWriteFailed,
    RotationInProgress,
    NewTokenNotVerified,
    ResponseTooLarge,
    IncompleteAnswer,
    UnexpectedAnswer,
    /// GitLab's answer is not what was asked: another user's token, other scopes, a person
    /// where a service account was made.
    AnswerNotAsked,
    TokenMalformed,
    RevokeUnconfirmed,
    NotServiceAccount,
    /// A sink (a CI/CD variable, a command) did not receive the new value after a rotation.
    SinkFailed,
    OauthAccessDenied,
    OauthCodeExpired,
    OauthUnknownApplication,
    OauthSignInAgain,
    OauthInvalidScope,
    OauthNotSupported,
    OauthNoApplication,
    NotOwner,
    NotAdmin,
    TierUnavailable,
    EditionUnavailable,
    VersionTooOld,
    TopLevelGroupRequired,
    OwnerCreationDisabled,
    MembershipPendingApproval,
    MembershipLower,
    OrphanTokenRevoked,
    OrphanTokenLeft,
    /// A journal (deliveries, an interrupted `create`) that cannot be read: reported, kept.
    UnreadableFile,
    ServiceAccountLimit,
    TargetNotFound,
    OneTargetOnly,
    NotOnGitlabCom,
    ProvisionInProgress,
    NameTaken,
}

impl ProblemKind {
    /// Every kind, in declaration order (the man page and the README table list them all;
    /// tests/ship_docs.rs checks that none is missing here).
    pub const ALL: &[ProblemKind] = &[
        ProblemKind::InvalidUrl,
        ProblemKind::DnsFailed,
        ProblemKind::ConnectionRefused,
        ProblemKind::ConnectTimeout,
        ProblemKind::Unreachable,
        ProblemKind::TlsUnknownIssuer,
        ProblemKind::TlsExpired,
        ProblemKind::TlsNotYetValid,
        ProblemKind::TlsHostnameMismatch,
        ProblemKind::TlsSelfSigned,
        ProblemKind::TlsIncompleteChain,
        ProblemKind::TlsHandshakeFailed,
        ProblemKind::CertExpiresSoon,
        ProblemKind::NotGitlab,
        ProblemKind::LoginPage,
        ProblemKind::HttpError,
        ProblemKind::Redirect,
        ProblemKind::Timeout,
        ProblemKind::InvalidToken,
        ProblemKind::TokenExpired,
        ProblemKind::TokenRevoked,
        ProblemKind::TokenInactive,
        ProblemKind::TokenExpiresSoon,
        ProblemKind::InsufficientScope,
        ProblemKind::Forbidden,
        ProblemKind::MissingScopes,
        ProblemKind::MissingPermissions,
        ProblemKind::RoleTooLow,
        ProblemKind::NotFound,
        ProblemKind::RateLimited,
        ProblemKind::ServerError,
        ProblemKind::NotPersonalAccessToken,
        ProblemKind::KeychainUnavailable,
        ProblemKind::NeedsGuidedRotation,
        ProblemKind::ExpiryRejected,
        ProblemKind::RotationRefused,
        ProblemKind::NewTokenLost,
        ProblemKind::NewTokenNotSaved,
        ProblemKind::RotationOutcomeUnknown,
        ProblemKind::StoredTokenUnusable,
        ProblemKind::ScopesNotCovered,
        ProblemKind::DifferentUser,
        ProblemKind::SameToken,
        ProblemKind::RevokeFailed,
        ProblemKind::MetadataWriteFailed,
        ProblemKind::RotationInProgress,
        ProblemKind::NewTokenNotVerified,
        ProblemKind::ResponseTooLarge,
        ProblemKind::IncompleteAnswer,
        ProblemKind::UnexpectedAnswer,
        ProblemKind::AnswerNotAsked,
        ProblemKind::TokenMalformed,
        ProblemKind::RevokeUnconfirmed,
        ProblemKind::NotServiceAccount,
        ProblemKind::SinkFailed,
        ProblemKind::OauthAccessDenied,
        ProblemKind::OauthCodeExpired,
        ProblemKind::OauthUnknownApplication,
        ProblemKind::OauthSignInAgain,
        ProblemKind::OauthInvalidScope,
        ProblemKind::OauthNotSupported,
        ProblemKind::OauthNoApplication,
        ProblemKind::NotOwner,
        ProblemKind::NotAdmin,
        ProblemKind::TierUnavailable,
        ProblemKind::EditionUnavailable,
        ProblemKind::VersionTooOld,
        ProblemKind::TopLevelGroupRequired,
        ProblemKind::OwnerCreationDisabled,
        ProblemKind::MembershipPendingApproval,
        ProblemKind::MembershipLower,
        ProblemKind::OrphanTokenRevoked,
        ProblemKind::OrphanTokenLeft,
        ProblemKind::UnreadableFile,
        ProblemKind::ServiceAccountLimit,
        ProblemKind::TargetNotFound,
        ProblemKind::OneTargetOnly,
        ProblemKind::NotOnGitlabCom,
        ProblemKind::ProvisionInProgress,
        ProblemKind::NameTaken,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::InvalidUrl => "invalid_url",
            ProblemKind::DnsFailed => "dns_failed",
            ProblemKind::ConnectionRefused => "connection_refused",
            ProblemKind::ConnectTimeout => "connect_timeout",
            ProblemKind::Unreachable => "unreachable",
            ProblemKind::TlsUnknownIssuer => "tls_unknown_issuer",
            ProblemKind::TlsExpired => "tls_expired",
            ProblemKind::TlsNotYetValid => "tls_not_yet_valid",
            ProblemKind::TlsHostnameMismatch => "tls_hostname_mismatch",
            ProblemKind::TlsSelfSigned => "tls_self_signed",
            ProblemKind::TlsIncompleteChain => "tls_incomplete_chain",
            ProblemKind::TlsHandshakeFailed => "tls_handshake_failed",
            ProblemKind::CertExpiresSoon => "cert_expires_soon",
            ProblemKind::NotGitlab => "not_gitlab",
            ProblemKind::LoginPage => "login_page",
            ProblemKind::HttpError => "http_error",
            ProblemKind::Redirect => "redirect",
            ProblemKind::Timeout => "timeout",
            ProblemKind::InvalidToken => "invalid_token",
            ProblemKind::TokenExpired => "token_expired",
            ProblemKind::TokenRevoked => "token_revoked",
            ProblemKind::TokenInactive => "token_inactive",
            ProblemKind::TokenExpiresSoon => "token_expires_soon",
            ProblemKind::InsufficientScope => "insufficient_scope",
            ProblemKind::Forbidden => "forbidden",
            ProblemKind::MissingScopes => "missing_scopes",
            ProblemKind::MissingPermissions => "missing_permissions",
            ProblemKind::RoleTooLow => "role_too_low",
            ProblemKind::NotFound => "not_found",
            ProblemKind::RateLimited => "rate_limited",
            ProblemKind::ServerError => "server_error",
            ProblemKind::NotPersonalAccessToken => "not_personal_access_token",
            ProblemKind::KeychainUnavailable => "keychain_unavailable",
            ProblemKind::NeedsGuidedRotation => "needs_guided_rotation",
            ProblemKind::ExpiryRejected => "expiry_rejected",
            ProblemKind::RotationRefused => "rotation_refused",
            ProblemKind::NewTokenLost => "new_token_lost",
            ProblemKind::NewTokenNotSaved => "new_token_not_saved",
            ProblemKind::RotationOutcomeUnknown => "rotation_outcome_unknown",
            ProblemKind::StoredTokenUnusable => "stored_token_unusable",
            ProblemKind::ScopesNotCovered => "scopes_not_covered",
            ProblemKind::DifferentUser => "different_user",
            ProblemKind::SameToken => "same_token",
            ProblemKind::RevokeFailed => "revoke_failed",
            ProblemKind::MetadataWriteFailed => "metadata_write_failed",
            ProblemKind::RotationInProgress => "rotation_in_progress",
            ProblemKind::NewTokenNotVerified => "new_token_not_verified",
            ProblemKind::ResponseTooLarge => "response_too_large",
            ProblemKind::IncompleteAnswer => "incomplete_answer",
            ProblemKind::UnexpectedAnswer => "unexpected_answer",
            ProblemKind::AnswerNotAsked => "answer_not_asked",
            ProblemKind::TokenMalformed => "token_malformed",
            ProblemKind::RevokeUnconfirmed => "revoke_unconfirmed",
            ProblemKind::NotServiceAccount => "not_service_account",
            ProblemKind::SinkFailed => "sink_failed",
            ProblemKind::OauthAccessDenied => "oauth_access_denied",
            ProblemKind::OauthCodeExpired => "oauth_code_expired",
            ProblemKind::OauthUnknownApplication => "oauth_unknown_application",
            ProblemKind::OauthSignInAgain => "oauth_sign_in_again",
            ProblemKind::OauthInvalidScope => "oauth_invalid_scope",
            ProblemKind::OauthNotSupported => "oauth_not_supported",
            ProblemKind::OauthNoApplication => "oauth_no_application",
            ProblemKind::NotOwner => "not_owner",
            ProblemKind::NotAdmin => "not_admin",
            ProblemKind::TierUnavailable => "tier_unavailable",
            ProblemKind::EditionUnavailable => "edition_unavailable",
            ProblemKind::VersionTooOld => "version_too_old",
            ProblemKind::TopLevelGroupRequired => "top_level_group_required",
            ProblemKind::OwnerCreationDisabled => "owner_creation_disabled",
            ProblemKind::MembershipPendingApproval => "membership_pending_approval",
            ProblemKind::MembershipLower => "membership_lower",
            ProblemKind::OrphanTokenRevoked => "orphan_token_revoked",
            ProblemKind::OrphanTokenLeft => "orphan_token_left",
            ProblemKind::UnreadableFile => "unreadable_file",
            ProblemKind::ServiceAccountLimit => "service_account_limit",
            ProblemKind::TargetNotFound => "target_not_found",
            ProblemKind::OneTargetOnly => "one_target_only",
            ProblemKind::NotOnGitlabCom => "not_on_gitlab_com",
            ProblemKind::ProvisionInProgress => "provision_in_progress",
            ProblemKind::NameTaken => "name_taken",
        }
    }

    /// Worth saying, but not a failure.
    pub fn is_warning(self) -> bool {
        matches!(
            self,
            ProblemKind::CertExpiresSoon
                | ProblemKind::TokenExpiresSoon
                | ProblemKind::NotPersonalAccessToken
                | ProblemKind::NewTokenNotVerified
                | ProblemKind::NotServiceAccount
                | ProblemKind::MembershipPendingApproval
                | ProblemKind::MembershipLower
                | ProblemKind::OrphanTokenRevoked
        )
    }

    /// Problems of reaching the host or of GitLab being unavailable (exit code 3 for `verify`),
    /// as opposed to problems of the token: a script must not replace a good token over them.
    pub fn is_reachability(self) -> bool {
        use ProblemKind::*;
        matches!(
            self,
            InvalidUrl
                | DnsFailed
                | ConnectionRefused
                | ConnectTimeout
                | Unreachable
                | TlsUnknownIssuer
                | TlsExpired
                | TlsNotYetValid
                | TlsHostnameMismatch
                | TlsSelfSigned
                | TlsIncompleteChain
                | TlsHandshakeFailed
                | NotGitlab
                | LoginPage
                | Redirect
                | Timeout
                | RateLimited
                | ServerError
                | ResponseTooLarge
                | IncompleteAnswer
                | UnexpectedAnswer
        )
    }
}

/// One thing wrong, what it means, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub kind: ProblemKind,
    pub message: String,
    pub fix: String,
}

impl Problem {
    pub fn new(kind: ProblemKind, message: impl Into<String>, fix: impl Into<String>) -> Self {
        Problem {
            kind,
            message: message.into(),
            fix: fix.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_the_json() {
        for kind in [
            ProblemKind::TlsUnknownIssuer,
            ProblemKind::MissingScopes,
            ProblemKind::NotGitlab,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }
}
