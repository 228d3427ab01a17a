//! The fake GitLab's OAuth 2.0 provider (Doorkeeper, as GitLab runs it; see doc/api/oauth2.md):
//!
//! - `POST /oauth/authorize_device` (`client_id`, `scope`): `device_code`, `user_code`,
//!   `verification_uri`, `verification_uri_complete`, `expires_in`, `interval`;
//! - `POST /oauth/token` with `grant_type=urn:ietf:params:oauth:grant-type:device_code` (polls:
//!   `authorization_pending`, `slow_down`, `expired_token`, `access_denied`, all 400) and
//!   `grant_type=refresh_token` (a new pair; the old access AND refresh token stop working);
//! - `GET /oauth/token/info` (Bearer): `resource_owner_id`, `scope` (array), `expires_in`,
//!   `application.uid`, `created_at`; 401 `invalid_token` otherwise;
//! - `POST /oauth/revoke` (`token`, `client_id`): 200 `{}` (also for unknown tokens, RFC 7009).
//!
//! An unknown `client_id` is 401 `invalid_client`. In Doorkeeper the access and the refresh
//! token are one row: revoking either revokes both. Access tokens also authenticate the API
//! (`/api/v4/...`) as Bearer with their scopes (see [`OAuthState::api_record`]).
//! Knobs: approval after N polls, denial, `slow_down` on chosen polls, short access-token
//! lifetime, short code lifetime, a refresh token that is rejected, the device endpoint
//! answering 404 like GitLab before 17.2.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::fake_gitlab::{FakeUser, TokenRecord};
use super::gitlab_bodies::GITLAB_404_PAGE;
use super::servers::{Reply, Req, reply};

/// One issued pair (Doorkeeper's `oauth_access_tokens` row).
#[derive(Debug, Clone)]
pub struct Grant {
    pub access: String,
    pub refresh: String,
    pub app: String,
    pub scopes: Vec<String>,
    pub user: FakeUser,
    pub expires: Instant,
    pub lifetime: Duration,
    pub created_at: i64,
    pub revoked: bool,
}

#[derive(Debug, Clone)]
struct Device {
    user_code: String,
    app: String,
    scopes: Vec<String>,
    polls: u32,
    issued: Instant,
    expires_in: Duration,
}

/// The knobs and the state of the provider.
#[derive(Debug)]
pub struct OAuthState {
    /// Registered public applications: uid → scopes the application may ask for.
    pub apps: HashMap<String, Vec<String>>,
    /// The person who approves in the browser.
    pub user: FakeUser,
    /// The device grant is approved on this poll (1 = the first poll).
    pub approve_on_poll: u32,
    /// The person denies instead of approving (on the poll that would approve).
    pub deny: bool,
    /// Polls (1-based) answered with `slow_down`.
    pub slow_down_on: Vec<u32>,
    /// `interval` in the device answer (seconds).
    pub interval: u64,
    /// How long device codes live.
    pub code_lifetime: Duration,
    /// How long access tokens live (GitLab: 2 hours).
    pub access_lifetime: Duration,
    /// `POST /oauth/authorize_device` answers GitLab's 404 page (GitLab before 17.2).
    pub device_endpoint_missing: bool,
    /// Every refresh token is rejected with `invalid_grant`.
    pub reject_refresh: bool,
    /// A pause inside each successful refresh (to widen race windows).
    pub refresh_delay: Duration,
    /// The next refreshes revoke the old pair (Doorkeeper's `before_successful_response` has
    /// committed) and then fail to answer: a 500 or a connection cut in the body.
    pub refresh_fault: Option<RefreshFault>,
    /// The device answer names its pages on this site instead of the instance's (a hostile
    /// or rewritten answer).
    pub foreign_verification: Option<String>,
    devices: HashMap<String, Device>,
    pub grants: Vec<Grant>,
    /// Successful refresh grants.
    pub refreshes: usize,
    /// Every `POST /oauth/token` with `grant_type=refresh_token`, answered or not.
    pub refresh_attempts: usize,
    /// Device-grant polls received.
    pub polls: usize,
    /// Times between consecutive polls of a device code.
    pub poll_times: Vec<Instant>,
    /// Tokens named in `POST /oauth/revoke`.
    pub revoked: Vec<String>,
    counter: u64,
}

impl Default for OAuthState {
    fn default() -> Self {
        OAuthState {
            apps: HashMap::new(),
            user: FakeUser::person(7, "ada"),
            approve_on_poll: 2,
            deny: false,
            slow_down_on: Vec::new(),
            interval: 1,
            code_lifetime: Duration::from_secs(300),
            access_lifetime: Duration::from_secs(7200),
            device_endpoint_missing: false,
            reject_refresh: false,
            refresh_delay: Duration::ZERO,
            refresh_fault: None,
            foreign_verification: None,
            devices: HashMap::new(),
            grants: Vec::new(),
            refreshes: 0,
            refresh_attempts: 0,
            polls: 0,
            poll_times: Vec::new(),
            revoked: Vec::new(),
            counter: 0,
        }
    }
}

/// How a refresh fails after GitLab revoked the old pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshFault {
    /// GitLab's 500 page (an exception after the transaction committed).
    ServerError,
    /// The status and headers arrive, then the connection closes mid-body.
    CutConnection,
}

/// What `/oauth/token` does after the state lock is released (a delay, then the answer).
pub enum Answer {
    Now(Reply),
    /// A refresh that sleeps `delay` before answering with the new pair.
    Later(Duration, Reply),
}

impl OAuthState {
    /// Registers a public application `uid` allowed `scopes`.
    pub fn add_app(&mut self, uid: &str, scopes: &[&str]) {
        self.apps
            .insert(uid.into(), scopes.iter().map(|s| (*s).into()).collect());
    }

    /// Issues a pair directly (as if a sign-in had happened), for tests of stored credentials.
    pub fn issue(&mut self, app: &str, scopes: &[String], lifetime: Duration) -> Grant {
        self.counter += 1;
        let grant = Grant {
            access: hex64(&format!("access{}", self.counter)),
            refresh: hex64(&format!("refresh{}", self.counter)),
            app: app.into(),
            scopes: scopes.to_vec(),
            user: self.user.clone(),
            expires: Instant::now() + lifetime,
            lifetime,
            created_at: time::OffsetDateTime::now_utc().unix_timestamp(),
            revoked: false,
        };
        self.grants.push(grant.clone());
        grant
    }

    /// Every access token issued so far expires now (GitLab's clock; the client's stored
    /// expiry is unchanged).
    pub fn expire_access_tokens(&mut self) {
        let now = Instant::now();
        for g in &mut self.grants {
            g.expires = g.expires.min(now);
        }
    }

    fn by_access(&self, token: &str) -> Option<&Grant> {
        self.grants.iter().find(|g| g.access == token)
    }

    /// The API's view of an OAuth access token: `Some(Ok(record))` with its scopes and user,
    /// `Some(Err(description))` when expired or revoked, `None` when not an OAuth token.
    pub fn api_record(&self, token: &str) -> Option<Result<TokenRecord, &'static str>> {
        let g = self.by_access(token)?;
        Some(if g.revoked {
            Err("Token was revoked. You have to re-authorize from the user.")
        } else if Instant::now() >= g.expires {
            Err("Token has expired.")
        } else {
            let scopes: Vec<&str> = g.scopes.iter().map(String::as_str).collect();
            Ok(TokenRecord::new(&g.user, &scopes).named("oauth"))
        })
    }

    /// Answers a request under `/oauth/` (`inside` is the path without the relative root).
    pub fn respond(&mut self, inside: &str, req: &Req, base_url: &str) -> Option<Answer> {
        let method = req.method.as_str();
        Some(Answer::Now(match (method, inside) {
            ("POST", "/oauth/authorize_device") => self.authorize_device(req, base_url),
            ("POST", "/oauth/token") => return Some(self.token(req)),
            ("GET", "/oauth/token/info") => self.token_info(req),
            ("POST", "/oauth/revoke") => self.revoke(req),
            _ => return None,
        }))
    }

    fn authorize_device(&mut self, req: &Req, base_url: &str) -> Reply {
        if self.device_endpoint_missing {
            return reply(
                404,
                &[("content-type", "text/html; charset=utf-8")],
                GITLAB_404_PAGE,
            );
        }
        let Some(allowed) = req
            .form_param("client_id")
            .and_then(|id| self.apps.get(&id).cloned())
        else {
            return invalid_client();
        };
        let scopes: Vec<String> = req
            .form_param("scope")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_owned)
            .collect();
        if scopes.iter().any(|s| !allowed.contains(s)) {
            return oauth_error(
                400,
                "invalid_scope",
                "The requested scope is invalid, unknown, or malformed.",
            );
        }
        self.counter += 1;
        let device_code = format!("dc{}{}", self.counter, &hex64("device")[..38]);
        let user_code = format!("{:08X}", 0x0A44_0000u64 + self.counter);
        self.devices.insert(
            device_code.clone(),
            Device {
                user_code: user_code.clone(),
                app: req.form_param("client_id").unwrap_or_default(),
                scopes,
                polls: 0,
                issued: Instant::now(),
                expires_in: self.code_lifetime,
            },
        );
        let base_url = self.foreign_verification.as_deref().unwrap_or(base_url);
        doorkeeper_json(
            200,
            json!({
                "device_code": device_code,
                "user_code": user_code,
                "verification_uri": format!("{base_url}/oauth/device"),
                "verification_uri_complete": format!("{base_url}/oauth/device?user_code={user_code}"),
                "expires_in": self.code_lifetime.as_secs(),
                "interval": self.interval,
            }),
        )
    }

    fn token(&mut self, req: &Req) -> Answer {
        let app = req.form_param("client_id").unwrap_or_default();
        if !self.apps.contains_key(&app) {
            return Answer::Now(invalid_client());
        }
        match req.form_param("grant_type").as_deref() {
            Some("urn:ietf:params:oauth:grant-type:device_code") => {
                Answer::Now(self.poll(req, &app))
            }
            Some("refresh_token") => self.refresh(req, &app),
            _ => Answer::Now(oauth_error(
                400,
                "unsupported_grant_type",
                "The authorization grant type is not supported by the authorization server.",
            )),
        }
    }

    fn poll(&mut self, req: &Req, app: &str) -> Reply {
        self.polls += 1;
        self.poll_times.push(Instant::now());
        let code = req.form_param("device_code").unwrap_or_default();
        let Some(device) = self.devices.get_mut(&code).filter(|d| d.app == app) else {
            return invalid_grant();
        };
        if device.issued.elapsed() >= device.expires_in {
            return oauth_error(400, "expired_token", "The device code has expired.");
        }
        device.polls += 1;
        let n = device.polls;
        if self.slow_down_on.contains(&n) {
            return oauth_error(400, "slow_down", "The client is polling too quickly.");
        }
        if n < self.approve_on_poll {
            return oauth_error(
                400,
                "authorization_pending",
                "The authorization request is still pending as the end user hasn't yet completed the user-interaction steps.",
            );
        }
        let device = self.devices.remove(&code).expect("found above");
        let _ = &device.user_code;
        if self.deny {
            return oauth_error(
                400,
                "access_denied",
                "The resource owner or authorization server denied the request.",
            );
        }
        let grant = self.issue(app, &device.scopes, self.access_lifetime);
        doorkeeper_json(200, pair_json(&grant))
    }

    fn refresh(&mut self, req: &Req, app: &str) -> Answer {
        self.refresh_attempts += 1;
        let token = req.form_param("refresh_token").unwrap_or_default();
        let found = self
            .grants
            .iter_mut()
            .find(|g| g.refresh == token && g.app == app && !g.revoked);
        let Some(old) = found else {
            return Answer::Now(invalid_grant());
        };
        if self.reject_refresh {
            return Answer::Now(invalid_grant());
        }
        // The old access token and refresh token stop working at once.
        old.revoked = true;
        let scopes = old.scopes.clone();
        let grant = self.issue(app, &scopes, self.access_lifetime);
        self.refreshes += 1;
        let answer = match self.refresh_fault {
            None => doorkeeper_json(200, pair_json(&grant)),
            Some(RefreshFault::ServerError) => reply(
                500,
                &[("content-type", "application/json")],
                json!({"message": "500 Internal Server Error"}).to_string(),
            ),
            Some(RefreshFault::CutConnection) => {
                let text = pair_json(&grant).to_string();
                let length = text.len().to_string();
                reply(
                    200,
                    &[
                        ("content-type", "application/json; charset=utf-8"),
                        ("content-length", length.as_str()),
                    ],
                    text.as_bytes()[..12].to_vec(),
                )
            }
        };
        if self.refresh_delay.is_zero() {
            Answer::Now(answer)
        } else {
            Answer::Later(self.refresh_delay, answer)
        }
    }

    fn token_info(&self, req: &Req) -> Reply {
        let token = req
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .unwrap_or_default();
        let Some(g) = self.by_access(token) else {
            return invalid_token("The access token is invalid");
        };
        if g.revoked {
            return invalid_token("The access token was revoked");
        }
        let left = g.expires.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return invalid_token("The access token expired");
        }
        doorkeeper_json(
            200,
            json!({
                "resource_owner_id": g.user.id,
                "scope": g.scopes,
                "expires_in": left.as_secs(),
                "application": {"uid": g.app},
                "created_at": g.created_at,
                "scopes": g.scopes,
                "expires_in_seconds": left.as_secs(),
            }),
        )
    }

    fn revoke(&mut self, req: &Req) -> Reply {
        let token = req.form_param("token").unwrap_or_default();
        self.revoked.push(token.clone());
        for g in self
            .grants
            .iter_mut()
            .filter(|g| g.access == token || g.refresh == token)
        {
            g.revoked = true;
        }
        doorkeeper_json(200, json!({}))
    }
}

fn pair_json(g: &Grant) -> Value {
    json!({
        "access_token": g.access,
        "token_type": "Bearer",
        "expires_in": g.lifetime.as_secs(),
        "refresh_token": g.refresh,
        "scope": g.scopes.join(" "),
        "created_at": g.created_at,
    })
}

/// 64 hex characters, unpredictable (GitLab's OAuth tokens have no prefix).
fn hex64(tag: &str) -> String {
    use std::hash::{BuildHasher, RandomState};
    (0..4)
        .map(|i| format!("{:016x}", RandomState::new().hash_one((tag, i))))
        .collect()
}

/// Doorkeeper's JSON answers: `no-store` and `no-cache` as RFC 6749 §5.1 asks.
fn doorkeeper_json(status: u16, body: Value) -> Reply {
    reply(
        status,
        &[
            ("content-type", "application/json; charset=utf-8"),
            ("cache-control", "no-store"),
            ("pragma", "no-cache"),
        ],
        body.to_string(),
    )
}

fn oauth_error(status: u16, error: &str, description: &str) -> Reply {
    doorkeeper_json(
        status,
        json!({"error": error, "error_description": description}),
    )
}

fn invalid_grant() -> Reply {
    oauth_error(
        400,
        "invalid_grant",
        "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
    )
}

fn invalid_client() -> Reply {
    let description = "Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.";
    let www = format!(
        "Bearer realm=\"Doorkeeper\", error=\"invalid_client\", error_description=\"{description}\""
    );
    reply(
        401,
        &[
            ("content-type", "application/json; charset=utf-8"),
            ("cache-control", "no-store"),
            ("www-authenticate", &www),
        ],
        json!({"error": "invalid_client", "error_description": description}).to_string(),
    )
}

fn invalid_token(description: &str) -> Reply {
    let www = format!(
        "Bearer realm=\"Doorkeeper\", error=\"invalid_token\", error_description=\"{description}\""
    );
    reply(
        401,
        &[
            ("content-type", "application/json; charset=utf-8"),
            ("www-authenticate", &www),
        ],
        json!({"error": "invalid_token", "error_description": description}).to_string(),
    )
}
