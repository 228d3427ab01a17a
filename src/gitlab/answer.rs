//! How GitLab's answers are read: bodies capped at [`MAX_BODY`], transport failures by what they
//! mean, and GitLab's error bodies decoded (server text cleaned).

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, RETRY_AFTER, WWW_AUTHENTICATE};

use super::api_error::{ApiError, MAX_BODY};
use crate::sanitize::{MESSAGE_MAX, SHORT_MAX, clean};
use crate::tls::{classify, find_rustls_error};

/// A transport failure by what it means: TLS, a timeout, an answer too large (headers past
/// hyper's limit), an answer cut short, or no connection at all.
pub(super) fn transport(e: &reqwest::Error, timeout: Duration) -> ApiError {
    if let Some(tls) = find_rustls_error(e) {
        return ApiError::Tls {
            kind: classify(tls),
            detail: tls.to_string(),
        };
    }
    if e.is_timeout() {
        return ApiError::Timeout(timeout.as_secs().max(1));
    }
    let mut detail = e.to_string();
    let mut hyper_error = None;
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        detail = s.to_string();
        // rustls: "peer closed connection without sending TLS close_notify" (an
        // `UnexpectedEof`), said plainly rather than with its wording and docs link.
        if s.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::UnexpectedEof)
        {
            return ApiError::Dropped;
        }
        if let Some(h) = s.downcast_ref::<hyper::Error>() {
            // `is_parse_too_large` needs hyper's server feature; its message is stable.
            let too_large = h.is_parse() && h.to_string().contains("too large");
            hyper_error = Some((too_large, h.is_incomplete_message()));
        }
        source = s.source();
    }
    let detail = clean(&detail, MESSAGE_MAX);
    match hyper_error {
        Some((true, _)) => ApiError::TooLarge { limit: MAX_BODY },
        Some((_, true)) => ApiError::Incomplete(detail),
        // A body that breaks off after the headers arrived.
        _ if e.is_body() || e.is_decode() => ApiError::Incomplete(detail),
        _ => ApiError::Connect(detail),
    }
}

/// The body, read chunk by chunk, refused past [`MAX_BODY`] (or a larger `Content-Length`).
/// `timeout` is the client's, for the message when the whole call runs out of time mid-body.
pub async fn read_capped(
    mut response: reqwest::Response,
    timeout: Duration,
) -> Result<Vec<u8>, ApiError> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_BODY as u64)
    {
        return Err(ApiError::TooLarge { limit: MAX_BODY });
    }
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(ApiError::TooLarge { limit: MAX_BODY });
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => {
                // A slow body is a timeout; a body that breaks off is incomplete.
                return Err(match transport(&e, timeout) {
                    ApiError::Connect(detail) => ApiError::Incomplete(detail),
                    other => other,
                });
            }
        }
    }
}

/// Why a body did not decode: not JSON at all (another server, a sign-in page), or JSON that is
/// cut short, wrongly typed or holds a bad value (a broken or impostor API).
pub(super) fn decode_error(
    e: &serde_json::Error,
    status: u16,
    content_type: String,
    body: &[u8],
) -> ApiError {
    use serde_json::error::Category;
    let json_like = content_type.contains("json")
        || body
            .trim_ascii_start()
            .first()
            .is_some_and(|b| matches!(b, b'{' | b'['));
    match e.classify() {
        Category::Data | Category::Eof if json_like => ApiError::BadAnswer {
            status,
            detail: clean(&e.to_string(), MESSAGE_MAX),
        },
        _ => ApiError::NotJson {
            status,
            looks_like_login: looks_like_login(body),
            content_type,
        },
    }
}

pub(super) fn content_type(response: &reqwest::Response) -> String {
    clean(
        response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none"),
        SHORT_MAX,
    )
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

pub(super) async fn error_from(response: reqwest::Response, timeout: Duration) -> ApiError {
    let status = response.status();
    let headers = response.headers().clone();
    let content_type = content_type(&response);
    let body = match read_capped(response, timeout).await {
        Ok(body) => body,
        Err(e @ (ApiError::TooLarge { .. } | ApiError::Timeout(_))) => return e,
        // The status line arrived; a cut-off error body still tells the status.
        Err(_) => Vec::new(),
    };
    error_from_body(status, &headers, content_type, &body)
}

/// [`error_from`] for an answer whose body was already read (within the cap).
pub(super) fn error_from_body(
    status: StatusCode,
    headers: &reqwest::header::HeaderMap,
    content_type: String,
    body: &[u8],
) -> ApiError {
    let parsed: Option<ErrorBody> = serde_json::from_slice(body).ok();
    let Some(parsed) = parsed else {
        if status.is_server_error() {
            return ApiError::Server {
                status: status.as_u16(),
            };
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            return ApiError::RateLimited {
                retry_after_secs: retry_after(headers),
            };
        }
        return ApiError::NotJson {
            status: status.as_u16(),
            content_type,
            looks_like_login: looks_like_login(body),
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
    // Server text: shown to people, so no escape sequences and no novels.
    let message = clean(&message, MESSAGE_MAX);
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
            ApiError::InsufficientScope(clean(&parsed.scope.unwrap_or_default(), MESSAGE_MAX))
        }
        StatusCode::FORBIDDEN if parsed.error.as_deref() == Some("insufficient_granular_scope") => {
            ApiError::MissingPermission(message)
        }
        StatusCode::FORBIDDEN => ApiError::Forbidden(message),
        StatusCode::NOT_FOUND => ApiError::NotFound,
        StatusCode::BAD_REQUEST => ApiError::BadRequest(message),
        StatusCode::TOO_MANY_REQUESTS => ApiError::RateLimited {
            retry_after_secs: retry_after(headers),
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
