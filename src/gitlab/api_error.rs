//! What went wrong talking to GitLab (`ApiError`, never holding the token) and the most an
//! answer body may hold; shared by the client and the answer decoder, below both.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::problem::ProblemKind;
use crate::token::FormatProblem;

/// The most any answer body may hold: GitLab's JSON answers here are a few KiB. Bodies are read
/// in chunks and the read stops at this size. (No `Content-Encoding` is decoded: reqwest is built
/// without its gzip, brotli, deflate and zstd features, so a compressed bomb stays small bytes.)
pub const MAX_BODY: usize = 1024 * 1024;

/// What went wrong talking to GitLab. Never holds the token. Serialized only where a failure is
/// kept for later (a pending sink delivery's `last_error`).
#[derive(Debug, Clone, Error, PartialEq, Eq, Serialize, Deserialize)]
pub enum ApiError {
    #[error("the token is not valid here (401: {0})")]
    InvalidToken(String),
    #[error("the token has expired (401)")]
    TokenExpired,
    #[error("the token has been revoked (401)")]
    TokenRevoked,
    #[error("the token lacks a scope this call needs (403 insufficient_scope, needs {0})")]
    InsufficientScope(String),
    /// A fine-grained token without a permission the call needs: GitLab's sentence naming it
    /// (403 `insufficient_granular_scope`, lib/api/api_guard.rb).
    #[error("the fine-grained token lacks a permission this call needs (403: {0})")]
    MissingPermission(String),
    #[error("forbidden (403: {0})")]
    Forbidden(String),
    #[error("not found (404)")]
    NotFound,
    #[error("bad request (400: {0})")]
    BadRequest(String),
    #[error("rate limited (429)")]
    RateLimited { retry_after_secs: Option<u64> },
    #[error("GitLab answered {status} (server error)")]
    Server { status: u16 },
    #[error("the answer was not GitLab's JSON ({status}, {content_type})")]
    NotJson {
        status: u16,
        content_type: String,
        looks_like_login: bool,
    },
    #[error("GitLab answered {status}: {message}")]
    Http { status: u16, message: String },
    #[error("redirected to {location}")]
    Redirect { location: String, other_host: bool },
    #[error("TLS: {detail}")]
    Tls { kind: ProblemKind, detail: String },
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The connection ended before any answer (TLS with no close_notify, a reset): a proxy or
    /// a server that drops this client.
    #[error("the server closed the connection without answering")]
    Dropped,
    #[error("no answer within {0} seconds")]
    Timeout(u64),
    #[error("{0}")]
    Setup(String),
    #[error("the answer is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the connection closed before the answer was complete: {0}")]
    Incomplete(String),
    #[error("GitLab's answer ({status}) could not be read: {detail}")]
    BadAnswer { status: u16, detail: String },
    #[error(
        "the value is not a GitLab token (a space, line break or odd character inside); it was not sent"
    )]
    MalformedToken(FormatProblem),
    #[error("the revocation could not be confirmed: {0}")]
    RevokeUnconfirmed(String),
}

impl ApiError {
    /// The problem kind for `verify --json` and the wizard.
    pub fn kind(&self) -> ProblemKind {
        match self {
            ApiError::InvalidToken(_) => ProblemKind::InvalidToken,
            ApiError::TokenExpired => ProblemKind::TokenExpired,
            ApiError::TokenRevoked => ProblemKind::TokenRevoked,
            ApiError::InsufficientScope(_) | ApiError::MissingPermission(_) => {
                ProblemKind::InsufficientScope
            }
            ApiError::Forbidden(_) => ProblemKind::Forbidden,
            ApiError::NotFound => ProblemKind::NotFound,
            ApiError::BadRequest(_) | ApiError::Http { .. } => ProblemKind::HttpError,
            ApiError::RateLimited { .. } => ProblemKind::RateLimited,
            ApiError::Server { .. } => ProblemKind::ServerError,
            ApiError::NotJson {
                looks_like_login: true,
                ..
            } => ProblemKind::LoginPage,
            ApiError::NotJson { .. } => ProblemKind::NotGitlab,
            ApiError::Redirect { .. } => ProblemKind::Redirect,
            ApiError::Tls { kind, .. } => *kind,
            ApiError::Connect(detail) if detail.contains("refused") => {
                ProblemKind::ConnectionRefused
            }
            ApiError::Connect(detail)
                if detail.contains("dns")
                    || detail.contains("resolve")
                    || detail.contains("lookup") =>
            {
                ProblemKind::DnsFailed
            }
            ApiError::Connect(_) | ApiError::Setup(_) => ProblemKind::Unreachable,
            ApiError::Timeout(_) => ProblemKind::Timeout,
            ApiError::TooLarge { .. } => ProblemKind::ResponseTooLarge,
            ApiError::Incomplete(_) | ApiError::Dropped => ProblemKind::IncompleteAnswer,
            ApiError::BadAnswer { .. } => ProblemKind::UnexpectedAnswer,
            ApiError::MalformedToken(_) => ProblemKind::TokenMalformed,
            ApiError::RevokeUnconfirmed(_) => ProblemKind::RevokeUnconfirmed,
        }
    }
}
