//! GitLab as an OAuth 2.0 provider: the device authorization grant (RFC 8628), refresh, token
//! info and revocation. Pure HTTP and types; no UI, no storage (see `vault::credential`).
//!
//! # The contract
//!
//! 1. [`start_device`] asks `POST /oauth/authorize_device` for a [`DeviceCode`]. Show the person
//!    [`DeviceCode::user_code`] and [`DeviceCode::verification_uri`] (and, when GitLab sent it,
//!    [`DeviceCode::verification_uri_complete`], which carries the code: good for a QR code or
//!    a browser). GitLab older than 17.2, or with the grant switched off, is
//!    [`OAuthError::NotSupported`]: offer the access-token path instead.
//! 2. [`wait_for_approval`] polls `POST /oauth/token` until the person approves (an
//!    [`OAuthPair`]), denies ([`OAuthError::AccessDenied`]) or the code runs out
//!    ([`OAuthError::ExpiredToken`]). It waits [`DeviceCode::interval`] before each poll and
//!    reports each wait through `on_event` ([`DevicePoll`]), for a countdown. `slow_down` widens
//!    the interval by 5 seconds (RFC 8628 §3.5). `authorization_pending` never escapes as an
//!    error. To cancel (Ctrl-C, Esc), drop the future: nothing is left running.
//! 3. Access tokens live 2 hours. [`refresh`] trades the refresh token for a **new pair**; GitLab
//!    then invalidates both old tokens, so store the new pair before using it, and never refresh
//!    the same pair twice (the vault serializes this across processes).
//! 4. [`token_info`] describes an access token (`GET /oauth/token/info`); [`revoke`] revokes an
//!    access or a refresh token (`POST /oauth/revoke`).
//!
//! Every call uses the [`Client`]'s limits: its timeout, same-origin redirects only, https only
//! (loopback excepted), bodies capped. Secrets ([`Token`]) never appear in `Debug` or errors.

/// The name an OAuth access token is recorded and shown under (GitLab gives it none).
pub const OAUTH_TOKEN_NAME: &str = "OAuth access token (browser sign-in)";

use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde::Deserialize;

use super::client::{ApiError, Client};
pub use super::oauth_types::{ACCESS_LIFETIME, OAuthError, OAuthPair};
use super::oauth_wire::{
    DeviceAnswer, PollError, TokenAnswer, bad_answer, checked_url, decode, pair_from, post_form,
};
use crate::sanitize::{SHORT_MAX, clean};
use crate::token::Token;

/// `grant_type` of a device-code poll (RFC 8628 §3.4).
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// What RFC 8628 §3.5 adds to the interval on `slow_down`.
pub const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);
/// The interval RFC 8628 §3.2 prescribes when the answer has none.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// A code that never expires would poll forever: at most this long is waited.
const MAX_CODE_LIFETIME: Duration = Duration::from_secs(30 * 60);

/// A device code: what the person needs to approve the sign-in. The `device_code` itself (the
/// secret the poll sends) is private and zeroized on drop.
#[derive(Clone)]
pub struct DeviceCode {
    /// The short code the person types (or sees prefilled), e.g. `0A44L90H`.
    pub user_code: String,
    /// Where to type it, e.g. `https://gitlab.example.com/oauth/device`.
    pub verification_uri: String,
    /// The same page with the code filled in (for a browser or a QR code), when GitLab sent it.
    pub verification_uri_complete: Option<String>,
    /// The page GitLab named when it was on another site than the instance: never shown as
    /// the place to enter the code (the instance's own `/oauth/device` is shown instead), only
    /// named in a warning.
    pub foreign_page: Option<String>,
    /// How long the code is valid, counted from [`DeviceCode::issued_at`].
    pub expires_in: Duration,
    /// The wait before each poll (grows by 5 s on each `slow_down`).
    pub interval: Duration,
    /// When the answer arrived (the code's clock starts here).
    pub issued_at: Instant,
    device_code: Token,
    slow_down_step: Duration,
}

impl DeviceCode {
    /// When the code stops being valid.
    pub fn deadline(&self) -> Instant {
        self.issued_at + self.expires_in
    }

    /// Time left before the code expires (zero once it has).
    pub fn remaining(&self) -> Duration {
        self.deadline().saturating_duration_since(Instant::now())
    }

    /// Tests only: poll every `interval` and widen by `slow_down_step` (instead of GitLab's
    /// seconds and RFC 8628's 5 s), so a test of a slow approval takes milliseconds.
    #[doc(hidden)]
    pub fn with_test_timing(mut self, interval: Duration, slow_down_step: Duration) -> Self {
        self.interval = interval;
        self.slow_down_step = slow_down_step;
        self
    }
}

impl std::fmt::Debug for DeviceCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCode")
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("verification_uri_complete", &self.verification_uri_complete)
            .field("expires_in", &self.expires_in)
            .field("interval", &self.interval)
            .field("device_code", &self.device_code)
            .finish()
    }
}

/// What [`wait_for_approval`] is doing, for a countdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DevicePoll {
    /// Not approved yet; the next poll is in `next_in`.
    Pending { next_in: Duration },
    /// GitLab asked to poll less often; polls now wait `interval`.
    SlowDown { interval: Duration },
}

/// `GET /oauth/token/info`: Doorkeeper's description of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct OAuthTokenInfo {
    /// The user the token acts for.
    pub resource_owner_id: u64,
    /// The scopes (an array here, unlike `/oauth/token`'s string).
    #[serde(default, deserialize_with = "super::oauth_wire::scope_list")]
    pub scope: Vec<String>,
    /// Seconds left; `null` for a token that never expires (none since GitLab 15.0).
    #[serde(default)]
    pub expires_in: Option<i64>,
    #[serde(default)]
    pub application: Option<Application>,
    /// Unix seconds.
    #[serde(default)]
    pub created_at: Option<i64>,
}

/// The application a token was issued to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Application {
    #[serde(deserialize_with = "super::oauth_wire::short")]
    pub uid: String,
}

/// Asks GitLab for a device code for application `app_id` (its "Application ID") and `scopes`.
pub async fn start_device(
    client: &Client,
    app_id: &str,
    scopes: &[String],
) -> Result<DeviceCode, OAuthError> {
    let scope = scopes.join(" ");
    let answer = post_form(
        client,
        "/oauth/authorize_device",
        &[("client_id", app_id), ("scope", &scope)],
    )
    .await
    .map_err(OAuthError::from);
    let body: DeviceAnswer = match answer {
        Err(OAuthError::Api(ApiError::NotFound | ApiError::NotJson { status: 404, .. })) => {
            return Err(OAuthError::NotSupported);
        }
        other => other?,
    };
    let issued_at = Instant::now();
    let (verification_uri, verification_uri_complete, foreign_page) = pages(client, &body)?;
    let user_code = clean(&body.user_code, SHORT_MAX);
    if user_code.is_empty() || body.device_code.format_problem().is_some() {
        return Err(bad_answer(200, "the device code or user code is missing or malformed").into());
    }
    let expires_in = Duration::from_secs(body.expires_in.unwrap_or(300)).min(MAX_CODE_LIFETIME);
    let interval = body
        .interval
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_INTERVAL)
        .clamp(Duration::from_secs(1), Duration::from_secs(60));
    Ok(DeviceCode {
        user_code,
        verification_uri,
        verification_uri_complete,
        foreign_page,
        expires_in,
        interval,
        issued_at,
        device_code: body.device_code,
        slow_down_step: SLOW_DOWN_STEP,
    })
}

/// The pages to show for a device code: GitLab's own, or, when the answer names a page on
/// another site (a proxy's rewrite, a hostile answer), the instance's own `/oauth/device` (the
/// route `use_doorkeeper_device_authorization_grant` draws in GitLab's `config/routes.rb`)
/// without the prefilled link, and the foreign page for a warning.
fn pages(
    client: &Client,
    body: &DeviceAnswer,
) -> Result<(String, Option<String>, Option<String>), OAuthError> {
    let uri = checked_url(&body.verification_uri, "verification_uri")?;
    let complete = match body.verification_uri_complete.as_deref() {
        Some(u) if !u.is_empty() => Some(checked_url(u, "verification_uri_complete")?),
        _ => None,
    };
    let own = |u: &str| {
        url::Url::parse(u)
            .map(|u| client.instance().same_origin(&u))
            .unwrap_or(false)
    };
    if !own(&uri) {
        let page = client.instance().url("/oauth/device");
        return Ok((page, None, Some(crate::sanitize::redact_url(&uri))));
    }
    match complete {
        Some(c) if !own(&c) => Ok((uri, None, Some(crate::sanitize::redact_url(&c)))),
        complete => Ok((uri, complete, None)),
    }
}

/// Polls until the code is approved, denied or expired (see the module's contract). Waits
/// `code.interval` before each poll, calling `on_event` before each wait.
pub async fn wait_for_approval(
    client: &Client,
    app_id: &str,
    code: &DeviceCode,
    on_event: &mut (dyn FnMut(DevicePoll) + Send),
) -> Result<OAuthPair, OAuthError> {
    let mut interval = code.interval;
    on_event(DevicePoll::Pending { next_in: interval });
    loop {
        let left = code.remaining();
        if left.is_zero() {
            return Err(OAuthError::ExpiredToken);
        }
        tokio::time::sleep(interval.min(left)).await;
        if code.remaining().is_zero() {
            return Err(OAuthError::ExpiredToken);
        }
        let answer = post_form(
            client,
            "/oauth/token",
            &[
                ("grant_type", DEVICE_GRANT),
                ("device_code", code.device_code.expose()),
                ("client_id", app_id),
            ],
        )
        .await;
        match answer {
            Ok(body) => return pair_from(body),
            Err(PollError::Pending) => on_event(DevicePoll::Pending { next_in: interval }),
            Err(PollError::SlowDown) => {
                interval += code.slow_down_step;
                on_event(DevicePoll::SlowDown { interval });
            }
            Err(PollError::Failed(e)) => return Err(e),
        }
    }
}

/// Trades `refresh_token` for a new pair. GitLab invalidates the old access **and** refresh
/// tokens at once: store the new pair before using it. A rejected refresh token is
/// [`OAuthError::InvalidGrant`] (sign in again; do not retry).
pub async fn refresh(
    client: &Client,
    app_id: &str,
    refresh_token: &Token,
) -> Result<OAuthPair, OAuthError> {
    if let Some(p) = refresh_token.format_problem() {
        return Err(OAuthError::Api(ApiError::MalformedToken(p)));
    }
    let body: TokenAnswer = post_form(
        client,
        "/oauth/token",
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
            ("client_id", app_id),
        ],
    )
    .await?;
    pair_from(body)
}

/// Describes `access` (`GET /oauth/token/info`). An expired, revoked or unknown token is
/// `Api(TokenExpired | TokenRevoked | InvalidToken)`.
pub async fn token_info(client: &Client, access: &Token) -> Result<OAuthTokenInfo, OAuthError> {
    if let Some(p) = access.format_problem() {
        return Err(OAuthError::Api(ApiError::MalformedToken(p)));
    }
    let mut value = HeaderValue::from_str(&format!("Bearer {}", access.expose()))
        .map_err(|_| ApiError::InvalidToken("the token has characters a token never has".into()))?;
    value.set_sensitive(true);
    let request = client
        .http()
        .request(Method::GET, client.instance().url("/oauth/token/info"))
        .header(AUTHORIZATION, value);
    Ok(decode(client, request).await?)
}

/// Revokes `token` (an access or a refresh token) issued to `app_id` (`POST /oauth/revoke`).
/// GitLab answers 200 `{}`, also for a token it does not know (RFC 7009 §2.2): this confirms
/// the request, not that the token existed.
pub async fn revoke(client: &Client, app_id: &str, token: &Token) -> Result<(), OAuthError> {
    if let Some(p) = token.format_problem() {
        return Err(OAuthError::Api(ApiError::MalformedToken(p)));
    }
    let _: serde_json::Value = post_form(
        client,
        "/oauth/revoke",
        &[("token", token.expose()), ("client_id", app_id)],
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The futures oauth-ui spawns on tokio must be `Send`.
    #[allow(dead_code)]
    fn futures_are_send(client: &Client, code: &DeviceCode, token: &Token) {
        fn send<T: Send>(_: T) {}
        send(start_device(client, "app", &[]));
        send(wait_for_approval(client, "app", code, &mut |_| {}));
        send(refresh(client, "app", token));
        send(token_info(client, token));
        send(revoke(client, "app", token));
    }

    #[test]
    fn debug_never_shows_secrets() {
        let pair = OAuthPair {
            access: Token::new("a".repeat(64)),
            refresh: Token::new("r".repeat(64)),
            expires_at: time::OffsetDateTime::UNIX_EPOCH,
            scopes: vec!["read_api".into()],
        };
        let text = format!("{pair:?}");
        assert!(!text.contains("aaaa") && !text.contains("rrrr"), "{text}");
    }
}
