//! The wire side of `gitlab::oauth`: form-encoded requests, GitLab's (Doorkeeper's) answers and
//! error codes read by meaning, and the checks on what the server sent.

use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use time::OffsetDateTime;

use super::answer::{content_type, decode_error, error_from_body, read_capped, transport};
use super::client::{ApiError, Client};
use super::oauth_types::{ACCESS_LIFETIME, OAuthError, OAuthPair};
use crate::sanitize::{MESSAGE_MAX, NAME_MAX, SHORT_MAX, clean};
use crate::token::Token;

#[derive(Deserialize)]
pub(super) struct DeviceAnswer {
    pub(super) device_code: Token,
    pub(super) user_code: String,
    pub(super) verification_uri: String,
    #[serde(default)]
    pub(super) verification_uri_complete: Option<String>,
    #[serde(default)]
    pub(super) expires_in: Option<u64>,
    #[serde(default)]
    pub(super) interval: Option<u64>,
}

#[derive(Deserialize)]
pub(super) struct TokenAnswer {
    pub(super) access_token: Token,
    #[serde(default)]
    pub(super) refresh_token: Option<Token>,
    #[serde(default)]
    pub(super) expires_in: Option<u64>,
    #[serde(default)]
    pub(super) scope: Option<String>,
}

/// Doorkeeper's error body: `{"error": "...", "error_description": "..."}`.
#[derive(Deserialize)]
pub(super) struct OAuthErrorBody {
    error: String,
    #[serde(default)]
    error_description: Option<String>,
}

/// A poll's outcome other than success; `Pending` and `SlowDown` stay inside this module.
pub(super) enum PollError {
    Pending,
    SlowDown,
    Failed(OAuthError),
}

impl From<PollError> for OAuthError {
    fn from(e: PollError) -> Self {
        match e {
            PollError::Failed(e) => e,
            // Outside a device poll these answers make no sense.
            PollError::Pending | PollError::SlowDown => {
                OAuthError::Api(bad_answer(400, "a device-flow answer to another request"))
            }
        }
    }
}

pub(super) fn pair_from(body: TokenAnswer) -> Result<OAuthPair, OAuthError> {
    let refresh = body
        .refresh_token
        .ok_or_else(|| bad_answer(200, "the answer holds no refresh_token"))?;
    if body.access_token.format_problem().is_some() || refresh.format_problem().is_some() {
        return Err(bad_answer(200, "the tokens in the answer are malformed").into());
    }
    // GitLab issues access tokens for 2 hours (`access_token_expires_in 7200` in
    // config/initializers/doorkeeper.rb): a longer claim is not believed, so the token is
    // refreshed on GitLab's schedule rather than used until a 401.
    let lifetime = body
        .expires_in
        .map(Duration::from_secs)
        .unwrap_or(ACCESS_LIFETIME)
        .min(ACCESS_LIFETIME);
    Ok(OAuthPair {
        access: body.access_token,
        refresh,
        expires_at: OffsetDateTime::now_utc() + lifetime,
        scopes: body
            .scope
            .unwrap_or_default()
            .split_whitespace()
            .take(64)
            .map(|s| clean(s, SHORT_MAX))
            .collect(),
    })
}

pub(super) fn bad_answer(status: u16, detail: &str) -> ApiError {
    ApiError::BadAnswer {
        status,
        detail: detail.into(),
    }
}

/// An `http(s)` URL without control characters, or the answer is refused.
pub(super) fn checked_url(raw: &str, field: &str) -> Result<String, OAuthError> {
    let cleaned = clean(raw, NAME_MAX);
    match url::Url::parse(raw) {
        Ok(u) if matches!(u.scheme(), "https" | "http") && cleaned == raw => Ok(u.to_string()),
        _ => Err(bad_answer(200, &format!("{field} is not a web address")).into()),
    }
}

pub(super) async fn post_form<T: serde::de::DeserializeOwned>(
    client: &Client,
    rel: &str,
    fields: &[(&str, &str)],
) -> Result<T, PollError> {
    // Built before any await: the serializer is not `Send`, and these futures must be.
    let body = {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in fields {
            form.append_pair(k, v);
        }
        zeroize::Zeroizing::new(form.finish())
    };
    let request = client
        .http()
        .request(Method::POST, client.instance().url(rel))
        .header(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        )
        .body(body.as_str().to_owned());
    decode(client, request).await
}

/// Sends `request` and reads the answer: the JSON body on success, Doorkeeper's error codes
/// by meaning, GitLab's other errors as [`ApiError`].
pub(super) async fn decode<T: serde::de::DeserializeOwned>(
    client: &Client,
    request: reqwest::RequestBuilder,
) -> Result<T, PollError> {
    let failed = |e: ApiError| PollError::Failed(OAuthError::Api(e));
    let timeout = client.timeout();
    let response = request
        .send()
        .await
        .map_err(|e| failed(sent_or_not(&e, timeout)))?;
    let status = response.status();
    if status.is_redirection() {
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let other_host = url::Url::parse(location)
            .map(|u| !client.instance().same_origin(&u))
            .unwrap_or(false);
        return Err(failed(ApiError::Redirect {
            location: crate::sanitize::redact_url(location),
            other_host,
        }));
    }
    let headers = response.headers().clone();
    let content_type = content_type(&response);
    let body = read_capped(response, timeout).await.map_err(failed)?;
    if status.is_success() {
        return serde_json::from_slice(&body)
            .map_err(|e| failed(decode_error(&e, status.as_u16(), content_type, &body)));
    }
    if let Some(e) = oauth_error(status, &body) {
        return Err(e);
    }
    Err(failed(error_from_body(
        status,
        &headers,
        content_type,
        &body,
    )))
}

/// A transport failure, with one distinction the refresh needs: a connection that was made and
/// then lost (the request may have reached GitLab) is [`ApiError::Dropped`], never `Connect`,
/// which means no connection at all (nothing was sent).
fn sent_or_not(e: &reqwest::Error, timeout: Duration) -> ApiError {
    match transport(e, timeout) {
        ApiError::Connect(_) if !e.is_connect() => ApiError::Dropped,
        other => other,
    }
}

/// Doorkeeper's error codes (RFC 6749 §5.2, RFC 8628 §3.5) by meaning; `None` for the rest.
pub(super) fn oauth_error(status: StatusCode, body: &[u8]) -> Option<PollError> {
    let parsed: OAuthErrorBody = serde_json::from_slice(body).ok()?;
    let detail = clean(
        parsed.error_description.as_deref().unwrap_or(&parsed.error),
        MESSAGE_MAX,
    );
    Some(match parsed.error.as_str() {
        "authorization_pending" => PollError::Pending,
        "slow_down" => PollError::SlowDown,
        "access_denied" => PollError::Failed(OAuthError::AccessDenied),
        "expired_token" => PollError::Failed(OAuthError::ExpiredToken),
        "invalid_client" | "unauthorized_client" => {
            PollError::Failed(OAuthError::InvalidClient(detail))
        }
        "invalid_grant" => PollError::Failed(OAuthError::InvalidGrant(detail)),
        "invalid_scope" => PollError::Failed(OAuthError::InvalidScope(detail)),
        "unsupported_grant_type" => PollError::Failed(OAuthError::NotSupported),
        // `invalid_token` (token/info) and others: GitLab's usual reading (401 expired/revoked).
        _ if status == StatusCode::UNAUTHORIZED => return None,
        _ => PollError::Failed(OAuthError::Api(ApiError::Http {
            status: status.as_u16(),
            message: detail,
        })),
    })
}

pub(super) fn scope_list<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let all = Vec::<String>::deserialize(d)?;
    Ok(all.iter().take(64).map(|s| clean(s, SHORT_MAX)).collect())
}

pub(super) fn short<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    String::deserialize(d).map(|s| clean(&s, SHORT_MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doorkeeper_errors_by_meaning() {
        let read = |status: u16, body: &str| {
            oauth_error(StatusCode::from_u16(status).unwrap(), body.as_bytes())
        };
        assert!(matches!(
            read(
                400,
                r#"{"error":"authorization_pending","error_description":"x"}"#
            ),
            Some(PollError::Pending)
        ));
        assert!(matches!(
            read(400, r#"{"error":"slow_down"}"#),
            Some(PollError::SlowDown)
        ));
        assert!(matches!(
            read(401, r#"{"error":"invalid_client","error_description":"Client authentication failed"}"#),
            Some(PollError::Failed(OAuthError::InvalidClient(d))) if d == "Client authentication failed"
        ));
        assert!(matches!(
            read(400, r#"{"error":"invalid_grant"}"#),
            Some(PollError::Failed(OAuthError::InvalidGrant(_)))
        ));
        assert!(read(401, r#"{"error":"invalid_token"}"#).is_none());
        assert!(read(500, "<html>").is_none());
    }

    #[test]
    fn urls_with_escapes_or_odd_schemes_are_refused() {
        assert!(checked_url("https://gitlab.example.com/oauth/device", "v").is_ok());
        assert!(checked_url("javascript:alert(1)", "v").is_err());
        assert!(checked_url("https://x.example/\u{1b}[2J", "v").is_err());
    }
}
