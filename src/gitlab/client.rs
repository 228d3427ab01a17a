//! A small async client for the token-related GitLab endpoints, with GitLab's error bodies decoded.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

pub use super::answer::read_capped;
use super::answer::{content_type, decode_error, error_from, transport};
pub use super::api_error::{ApiError, MAX_BODY};
use super::types::{Member, Metadata, Rotated, TokenInfo, User};
use crate::instance::Instance;
use crate::sanitize::redact_url;
use crate::tls::{TlsSetupError, Trust};
use crate::token::Token;

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

    /// The HTTP client (same-origin redirects only, https unless loopback), for `gitlab::oauth`.
    pub(super) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// The timeout of each call.
    pub(super) fn timeout(&self) -> Duration {
        self.timeout
    }

    pub async fn token_self(&self, token: &Token) -> Result<TokenInfo, ApiError> {
        self.call(Method::GET, "/personal_access_tokens/self", Some(token))
            .await
    }

    /// A fine-grained token's `granular_scopes` from `GET /personal_access_tokens/:id`, which,
    /// unlike `/self`, shows them (lib/api/personal_access_tokens.rb, `with_granular_scopes:
    /// true`, 19.2); `None` where GitLab answered without them. An answer for another token, or
    /// a legacy one, is refused.
    pub async fn token_permissions(
        &self,
        token: &Token,
        id: u64,
    ) -> Result<Option<Vec<super::granular::Scope>>, ApiError> {
        let rel = format!("/personal_access_tokens/{id}");
        let t: TokenInfo = self.call(Method::GET, &rel, Some(token)).await?;
        if t.id != id || !t.granular {
            return Err(ApiError::BadAnswer {
                status: 200,
                detail: format!(
                    "asked for fine-grained token {id}, GitLab answered token {}",
                    t.id
                ),
            });
        }
        Ok(t.granular_scopes)
    }

    pub async fn user(&self, token: &Token) -> Result<User, ApiError> {
        self.call(Method::GET, "/user", Some(token)).await
    }

    /// `GET /users/:id` (lib/api/users.rb: Entities::User, or UserDetailsWithAdmin for an
    /// administrator; both expose `bot`, lib/api/entities/user.rb).
    pub async fn user_by_id(&self, token: &Token, id: u64) -> Result<User, ApiError> {
        self.call(Method::GET, &format!("/users/{id}"), Some(token))
            .await
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
        let (group, project) = member_paths(path, user_id);
        match self.call(Method::GET, &group, Some(token)).await {
            Err(ApiError::NotFound) => self.call(Method::GET, &project, Some(token)).await,
            other => other,
        }
    }

    /// [`Client::member`] in one round trip: the group and the project lookups at once.
    pub async fn member_at_once(
        &self,
        token: &Token,
        path: &str,
        user_id: u64,
    ) -> Result<Member, ApiError> {
        // lib/api/members.rb `GET :id/members/all/:user_id` for both sources: a path names a group
        // or a project, never both (one routes table), so both are asked at once and the group's
        // answer wins unless it is 404 (as the one-after-the-other lookup did). A project answer
        // that comes first is kept; one still running when the group answers is dropped.
        let (group, project) = member_paths(path, user_id);
        let group = self.call::<Member>(Method::GET, &group, Some(token));
        let project = self.call::<Member>(Method::GET, &project, Some(token));
        tokio::pin!(group, project);
        let mut early = None;
        let from_group = loop {
            tokio::select! {
                biased;
                g = &mut group => break g,
                p = &mut project, if early.is_none() => early = Some(p),
            }
        };
        match (from_group, early) {
            (Err(ApiError::NotFound), Some(p)) => p,
            (Err(ApiError::NotFound), None) => project.await,
            (other, _) => other,
        }
    }

    /// Rotates the token that authenticates the call; the old one stops working at once.
    pub async fn rotate_self(&self, token: &Token, expires_at: &str) -> Result<Rotated, ApiError> {
        let rel = format!("/personal_access_tokens/self/rotate?expires_at={expires_at}");
        self.call(Method::POST, &rel, Some(token)).await
    }

    /// Revokes the token that authenticates the call, and confirms it: GitLab answers exactly
    /// 204 No Content, and the token then gets 401 on `GET .../self`. Anything else (a portal's
    /// 200, a token that still works) is [`ApiError::RevokeUnconfirmed`].
    pub async fn revoke_self(&self, token: &Token) -> Result<(), ApiError> {
        let response = self
            .send(Method::DELETE, "/personal_access_tokens/self", Some(token))
            .await?;
        let status = response.status();
        if !status.is_success() {
            return Err(error_from(response, self.timeout).await);
        }
        // The body (none is expected) is still read within the cap, so the connection is reusable.
        read_capped(response, self.timeout).await?;
        if status != StatusCode::NO_CONTENT {
            return Err(ApiError::RevokeUnconfirmed(format!(
                "the server answered {status} where GitLab answers 204 No Content"
            )));
        }
        match self.token_self(token).await {
            Err(ApiError::InvalidToken(_) | ApiError::TokenRevoked | ApiError::TokenExpired) => {
                Ok(())
            }
            Ok(_) => Err(ApiError::RevokeUnconfirmed(
                "the token still works after the server said it was revoked".into(),
            )),
            Err(e) => Err(ApiError::RevokeUnconfirmed(format!(
                "checking the token afterwards failed: {e}"
            ))),
        }
    }

    /// An unauthenticated GET, for "does this answer like GitLab". Read its body only with
    /// [`read_capped`] (never `bytes()`/`text()`: a hostile server's body has no end).
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
            return Err(error_from(response, self.timeout).await);
        }
        let status = response.status().as_u16();
        let content_type = content_type(&response);
        let body = read_capped(response, self.timeout).await?;
        serde_json::from_slice(&body).map_err(|e| decode_error(&e, status, content_type, &body))
    }

    /// A call with an optional JSON body, its answer decoded (the typed calls of
    /// `gitlab::accounts`); a non-2xx answer is mapped to [`ApiError`] like every other call.
    pub(super) async fn call_json<T: DeserializeOwned>(
        &self,
        method: Method,
        rel: &str,
        token: &Token,
        body: Option<&serde_json::Value>,
    ) -> Result<T, ApiError> {
        let response = self.send_json(method, rel, Some(token), body).await?;
        if !response.status().is_success() {
            return Err(error_from(response, self.timeout).await);
        }
        let status = response.status().as_u16();
        let content_type = content_type(&response);
        let body = read_capped(response, self.timeout).await?;
        serde_json::from_slice(&body).map_err(|e| decode_error(&e, status, content_type, &body))
    }

    async fn send(
        &self,
        method: Method,
        rel: &str,
        token: Option<&Token>,
    ) -> Result<reqwest::Response, ApiError> {
        self.send_json(method, rel, token, None).await
    }

    /// [`Self::send`] with an optional JSON body (the CI/CD variable calls of `gitlab::variables`).
    pub(super) async fn send_json(
        &self,
        method: Method,
        rel: &str,
        token: Option<&Token>,
        body: Option<&serde_json::Value>,
    ) -> Result<reqwest::Response, ApiError> {
        let mut request = self.http.request(method, self.instance.api(rel));
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(token) = token {
            if let Some(problem) = token.format_problem() {
                return Err(ApiError::MalformedToken(problem));
            }
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", token.expose())).map_err(|_| {
                    ApiError::InvalidToken("the token contains characters a token never has".into())
                })?;
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        let response = request
            .send()
            .await
            .map_err(|e| transport(&e, self.timeout))?;
        if response.status().is_redirection() {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let other_host = url::Url::parse(location)
                .map(|u| !self.instance.same_origin(&u))
                .unwrap_or(false);
            return Err(ApiError::Redirect {
                location: redact_url(location),
                other_host,
            });
        }
        Ok(response)
    }
}

/// The group and the project membership lookups of a path (`lib/api/members.rb`
/// `GET :id/members/all/:user_id`, the path URL-encoded as the `:id`).
fn member_paths(path: &str, user_id: u64) -> (String, String) {
    let id =
        url::form_urlencoded::byte_serialize(path.trim_matches('/').as_bytes()).collect::<String>();
    (
        format!("/groups/{id}/members/all/{user_id}"),
        format!("/projects/{id}/members/all/{user_id}"),
    )
}
