//! The OAuth values both the flows (`oauth`) and the wire decoding (`oauth_wire`) use: the
//! error, the token pair, GitLab's access-token lifetime. Below both, so neither imports the other.

use std::time::Duration;

use thiserror::Error;
use time::OffsetDateTime;

use super::api_error::ApiError;
use crate::problem::ProblemKind;
use crate::token::Token;

/// GitLab's access-token lifetime (2 hours, not configurable), assumed when an answer lacks
/// `expires_in`.
pub const ACCESS_LIFETIME: Duration = Duration::from_secs(7200);

/// What went wrong in an OAuth call. Never holds a token.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum OAuthError {
    /// The person denied the request in the browser (`access_denied`).
    #[error("the sign-in was denied in the browser")]
    AccessDenied,
    /// The device code ran out before it was approved (`expired_token`, or our own deadline).
    #[error("the code expired before it was approved")]
    ExpiredToken,
    /// GitLab knows no (public) application with this id (`invalid_client`, 401): it must be
    /// registered on this instance, with "Confidential" unticked.
    #[error("GitLab knows no OAuth application with this id ({0})")]
    InvalidClient(String),
    /// The refresh token (or device code) was rejected (`invalid_grant`): sign in again.
    #[error("GitLab rejected the refresh token ({0})")]
    InvalidGrant(String),
    /// The application may not ask for these scopes (`invalid_scope`).
    #[error("the application may not ask for these scopes ({0})")]
    InvalidScope(String),
    /// The device endpoint answered 404 (GitLab older than 17.2) or GitLab refused the grant
    /// type (`unsupported_grant_type`, the grant switched off): use an access token instead.
    #[error("this GitLab does not offer the device sign-in (GitLab 17.2 or later needed)")]
    NotSupported,
    /// Anything else: transport, TLS, a server error, an answer that is not GitLab's.
    #[error(transparent)]
    Api(#[from] ApiError),
}

impl OAuthError {
    /// The problem kind for `--json` output and the screens.
    pub fn kind(&self) -> ProblemKind {
        match self {
            OAuthError::AccessDenied => ProblemKind::OauthAccessDenied,
            OAuthError::ExpiredToken => ProblemKind::OauthCodeExpired,
            OAuthError::InvalidClient(_) => ProblemKind::OauthUnknownApplication,
            OAuthError::InvalidGrant(_) => ProblemKind::OauthSignInAgain,
            OAuthError::InvalidScope(_) => ProblemKind::OauthInvalidScope,
            OAuthError::NotSupported => ProblemKind::OauthNotSupported,
            OAuthError::Api(e) => e.kind(),
        }
    }

    /// Whether GitLab may have acted on a refresh that ended in this error, invalidating the
    /// pair it was sent for. Doorkeeper checks the refresh token, the client and the scope
    /// before it changes anything (`validate :token`, `:client`, `:scope` in
    /// doorkeeper `lib/doorkeeper/oauth/refresh_token_request.rb`), and answers those with a
    /// 4xx error; a connection never made or refused before the request (TLS, a redirect from a
    /// proxy, a 429 throttle) changed nothing either. A server error, a cut or unreadable
    /// answer, or no answer in time may come after `before_successful_response` revoked the
    /// old pair: unknown.
    pub fn pair_may_be_replaced(&self) -> bool {
        let OAuthError::Api(e) = self else {
            return false;
        };
        let answered_ok_or_failed = |status: u16| !(300..500).contains(&status);
        match e {
            ApiError::Server { .. }
            | ApiError::Dropped
            | ApiError::Incomplete(_)
            | ApiError::Timeout(_)
            | ApiError::TooLarge { .. } => true,
            ApiError::BadAnswer { status, .. }
            | ApiError::NotJson { status, .. }
            | ApiError::Http { status, .. } => answered_ok_or_failed(*status),
            _ => false,
        }
    }
}

/// An access token with its refresh token. `Debug` shows neither secret.
#[derive(Clone, Debug, PartialEq)]
pub struct OAuthPair {
    /// Sent as `Authorization: Bearer`, or as the password with username `oauth2` for Git.
    pub access: Token,
    /// Trades for the next pair once (see [`refresh`]).
    pub refresh: Token,
    /// When the access token stops working (by this machine's clock: now + `expires_in`).
    pub expires_at: OffsetDateTime,
    /// The scopes granted (GitLab's space-separated `scope`, split).
    pub scopes: Vec<String>,
}

impl OAuthPair {
    /// Time left before the access token expires (negative once expired).
    pub fn time_left(&self, now: OffsetDateTime) -> time::Duration {
        self.expires_at - now
    }
}
