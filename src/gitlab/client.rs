//! A small async client for the token-related GitLab endpoints, with GitLab's error bodies decoded.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER, WWW_AUTHENTICATE};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use thiserror::Error;

use super::types::{Member, Metadata, Rotated, TokenInfo, User};
use crate::instance::Instance;
use crate::problem::ProblemKind;
use crate::tls::{TlsSetupError, Trust, classify, find_rustls_error};
use crate::token::Token;

/// What went wrong talking to GitLab. Never holds the token.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum ApiError {
    #[error("the token is not valid here (401: {0})")]
    InvalidToken(String),
    #[error("the token has expired (401)")]
    TokenExpired,
    #[error("the token has been revoked (401)")]
    TokenRevoked,
    #[error("the token lacks a scope this call needs (403 insufficient_scope, needs {0})")]
    InsufficientScope(String),
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
    #[error("no answer within {0} seconds")]
    Timeout(u64),
    #[error("{0}")]
    Setup(String),
}

/// A client bound to one GitLab instance.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    instance: Instance,
    timeout: Duration,
}

impl Client {
    /// Builds a client that sends the token only to `instance` (same scheme, host and port),
    /// never follows a redirect elsewhere, and gives up after `timeout`.
    pub fn new(
        instance: &Instance,
        trust: &Trust,
        timeout: Duration,
    ) -> Result<Self, TlsSetupError> {
        let tls = trust.client_config(&[b"http/1.1"])?;
        let origin = instance.clone();
        let policy = reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() < 5 && origin.same_origin(attempt.url()) {
                attempt.follow()
            } else {
                attempt.stop()
            }
        });
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(policy)
            .https_only(!instance.is_loopback())
            .connect_timeout(timeout)
            .timeout(timeout)
            .user_agent(concat!("gitlab-token/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TlsSetupError::BadCaCert {
                path: Default::default(),
                message: e.to_string(),
            })?;
        Ok(Client {
            http,
            instance: instance.clone(),
            timeout,
        })
    }

    pub fn instance(&self) -> &Instance {
        &self.instance
    }

    pub async fn token_self(&self, token: &Token) -> Result<TokenInfo, ApiError> {
        self.call(Method::GET, "/personal_access_tokens/self", Some(token))
            .await
    }

    pub async fn user(&self, token: &Token) -> Result<User, ApiError> {
        self.call(Method::GET, "/user", Some(token)).await
    }

    /// Version and edition: `/metadata` (GitLab 15.2+), falling back to `/version`.
    pub async fn metadata(&self, token: &Token) -> Result<Metadata, ApiError> {
        match self.call(Method::GET, "/metadata", Some(token)).await {
            Err(ApiError::NotFound) => self.call(Method::GET, "/version", Some(token)).await,
            other => other,
        }
    }

    /// The user's effective role on a group or project path (inherited membership included).
    pub async fn member(
        &self,
        token: &Token,
        path: &str,
        user_id: u64,
    ) -> Result<Member, ApiError> {
        let id = url::form_urlencoded::byte_serialize(path.trim_matches('/').as_bytes())
            .collect::<String>();
        let group = format!("/groups/{id}/members/all/{user_id}");
        match self.call(Method::GET, &group, Some(token)).await {
            Err(ApiError::NotFound) => {
                self.call(
                    Method::GET,
                    &format!("/projects/{id}/members/all/{user_id}"),
                    Some(token),
                )
                .await
            }
            other => other,
        }
    }

    /// Rotates the token that authenticates the call; the old one stops working at once.
    pub async fn rotate_self(&self, token: &Token, expires_at: &str) -> Result<Rotated, ApiError> {
        let rel = format!("/personal_access_tokens/self/rotate?expires_at={expires_at}");
        self.call(Method::POST, &rel, Some(token)).await
    }

    /// Revokes the token that authenticates the call.
    pub async fn revoke_self(&self, token: &Token) -> Result<(), ApiError> {
        let response = self
            .send(Method::DELETE, "/personal_access_tokens/self", Some(token))
            .await?;
        if response.status().is_success() {
            return Ok(());
        }
        Err(error_from(response).await)
    }

    /// An unauthenticated GET, for "does this answer like GitLab".
    pub async fn get_unauthenticated(&self, rel: &str) -> Result<reqwest::Response, ApiError> {
        self.send(Method::GET, rel, None).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        rel: &str,
        token: Option<&Token>,
    ) -> Result<T, ApiError> {
        let response = self.send(method, rel, token).await?;
        if !response.status().is_success() {
            return Err(error_from(response).await);
        }
        let status = response.status().as_u16();
        let content_type = content_type(&response);
        let body = response.bytes().await.map_err(|e| self.transport(&e))?;
        serde_json::from_slice(&body).map_err(|_| ApiError::NotJson {
            status,
            looks_like_login: looks_like_login(&body),
            content_type,
        })
    }

    async fn send(
        &self,
        method: Method,
        rel: &str,
        token: Option<&Token>,
    ) -> Result<reqwest::Response, ApiError> {
        let mut request = self.http.request(method, self.instance.api(rel));
        if let Some(token) = token {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                    ApiError::InvalidToken("the token contains characters a token never has".into())
                })?;
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        let response = request.send().await.map_err(|e| self.transport(&e))?;
        if response.status().is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let other_host = url::Url::parse(&location)
                .map(|u| !self.instance.same_origin(&u))
                .unwrap_or(false);
            return Err(ApiError::Redirect {
                location,
                other_host,
            });
        }
        Ok(response)
    }

    fn transport(&self, e: &reqwest::Error) -> ApiError {
        if let Some(tls) = find_rustls_error(e) {
            return ApiError::Tls {
                kind: classify(tls),
                detail: tls.to_string(),
            };
        }
        if e.is_timeout() {
            return ApiError::Timeout(self.timeout.as_secs().max(1));
        }
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(e);
        while let Some(s) = source {
            detail = s.to_string();
            source = s.source();
        }
        ApiError::Connect(detail)
    }
}

fn content_type(response: &reqwest::Response) -> String {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("none")
        .to_owned()
}

fn looks_like_login(body: &[u8]) -> bool {
    let text = String::from_utf8_lossy(&body[..body.len().min(64 * 1024)]).to_ascii_lowercase();
    ["sign_in", "sign in", "log in", "login", "password"]
        .iter()
        .any(|w| text.contains(w))
}

/// GitLab's error bodies: `{"message": ...}` or OAuth-style `{"error": ..., "error_description": ...}`.
#[derive(serde::Deserialize, Default)]
struct ErrorBody {
    #[serde(default)]
    message: Option<serde_json::Value>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
    #[serde(default)]
    scope: Option<String>,
}

async fn error_from(response: reqwest::Response) -> ApiError {
    let status = response.status();
    let headers = response.headers().clone();
    let content_type = content_type(&response);
    let body = response.bytes().await.unwrap_or_default();
    let parsed: Option<ErrorBody> = serde_json::from_slice(&body).ok();
    let Some(parsed) = parsed else {
        if status.is_server_error() {
            return ApiError::Server {
                status: status.as_u16(),
            };
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            return ApiError::RateLimited {
                retry_after_secs: retry_after(&headers),
            };
        }
        return ApiError::NotJson {
            status: status.as_u16(),
            content_type,
            looks_like_login: looks_like_login(&body),
        };
    };
    let message = match &parsed.message {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
        None => parsed
            .error_description
            .clone()
            .or(parsed.error.clone())
            .unwrap_or_default(),
    };
    let www = headers
        .get(WWW_AUTHENTICATE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let description = parsed
        .error_description
        .clone()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match status {
        StatusCode::UNAUTHORIZED if description.contains("expired") || www.contains("expired") => {
            ApiError::TokenExpired
        }
        StatusCode::UNAUTHORIZED if description.contains("revoked") || www.contains("revoked") => {
            ApiError::TokenRevoked
        }
        StatusCode::UNAUTHORIZED => ApiError::InvalidToken(message),
        StatusCode::FORBIDDEN if parsed.error.as_deref() == Some("insufficient_scope") => {
            ApiError::InsufficientScope(parsed.scope.unwrap_or_default())
        }
        StatusCode::FORBIDDEN => ApiError::Forbidden(message),
        StatusCode::NOT_FOUND => ApiError::NotFound,
        StatusCode::BAD_REQUEST => ApiError::BadRequest(message),
        StatusCode::TOO_MANY_REQUESTS => ApiError::RateLimited {
            retry_after_secs: retry_after(&headers),
        },
        s if s.is_server_error() => ApiError::Server { status: s.as_u16() },
        s => ApiError::Http {
            status: s.as_u16(),
            message,
        },
    }
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<u64> {
    headers.get(RETRY_AFTER)?.to_str().ok()?.trim().parse().ok()
}

impl ApiError {
    /// The problem kind for `verify --json` and the wizard.
    pub fn kind(&self) -> ProblemKind {
        match self {
            ApiError::InvalidToken(_) => ProblemKind::InvalidToken,
            ApiError::TokenExpired => ProblemKind::TokenExpired,
            ApiError::TokenRevoked => ProblemKind::TokenRevoked,
            ApiError::InsufficientScope(_) => ProblemKind::InsufficientScope,
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
        }
    }
}
