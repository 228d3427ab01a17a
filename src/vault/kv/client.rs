//! One connection to the team's Vault: https (plain http only to this machine), no redirects
//! (the Vault token never follows one), every call bounded by the timeout, the Vault token held in
//! memory only, renewed before it runs out and obtained again by the login when it is gone.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde::Deserialize;
use tokio::sync::Mutex;
use zeroize::Zeroizing;

use super::config::{AuthMethod, Config};
use super::error::{Capability, KvError};
use crate::token::Token;

/// Answers larger than this are refused (a KV entry of this tool is a few kilobytes).
const MAX_ANSWER: usize = 1 << 20;

/// A Vault token this process obtained, and when it runs out.
struct Held {
    token: Token,
    /// `None` for a static token (its lifetime is the person's business).
    expires: Option<Instant>,
    ttl: Duration,
    renewable: bool,
}

/// A logged-in (lazily: at the first call) client of one Vault server.
pub struct Kv {
    config: Config,
    http: reqwest::Client,
    held: Mutex<Option<Held>>,
}

/// A status and a body read whole (zeroized when dropped: it may hold a secret).
pub(super) struct Answer {
    pub status: u16,
    pub body: Zeroizing<Vec<u8>>,
}

#[derive(Deserialize)]
struct AuthAnswer {
    auth: Option<AuthPart>,
}

#[derive(Deserialize)]
struct AuthPart {
    client_token: Token,
    #[serde(default)]
    lease_duration: u64,
    #[serde(default)]
    renewable: bool,
}

#[derive(Deserialize)]
struct Errors {
    #[serde(default)]
    errors: Vec<String>,
}

impl Kv {
    pub fn new(config: Config) -> Result<Kv, KvError> {
        let trust = crate::tls::Trust::with_ca_file(config.ca_file.clone());
        let tls = trust
            .client_config(&[b"http/1.1"])
            .map_err(|e| KvError::Tls(e.to_string()))?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(!crate::instance::is_loopback(&config.addr))
            .connect_timeout(config.timeout)
            .timeout(config.timeout)
            .user_agent(concat!("gitlab-token/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| KvError::Tls(e.to_string()))?;
        Ok(Kv {
            config,
            http,
            held: Mutex::new(None),
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Sends `method path` (relative to `/v1/`) with the Vault token. A 403 with a token this
    /// process logged in for is answered by one new login and one retry; a 403 that stays is a
    /// policy without `capability` on `path`, or a dead static token (`auth/token/lookup-self`
    /// tells which).
    pub(super) async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&[u8]>,
        capability: Capability,
    ) -> Result<Answer, KvError> {
        let token = self.vault_token().await?;
        let answer = self.send(method.clone(), path, body, Some(&token)).await?;
        if answer.status != 403 {
            return self.checked(path, answer);
        }
        if self.config.auth.can_log_in_again() {
            *self.held.lock().await = None;
            let token = self.vault_token().await?;
            let again = self.send(method, path, body, Some(&token)).await?;
            if again.status != 403 {
                return self.checked(path, again);
            }
        }
        let token = self.vault_token().await?;
        let me = self
            .send(Method::GET, "auth/token/lookup-self", None, Some(&token))
            .await?;
        if me.status == 403 {
            return Err(KvError::TokenInvalid {
                method: self.config.auth.name(),
            });
        }
        Err(KvError::PermissionDenied {
            path: path.to_owned(),
            capability,
        })
    }

    /// Passes 2xx and 404 (the caller decides what absent means); says sealed, redirected and
    /// every other status with Vault's own errors.
    fn checked(&self, path: &str, answer: Answer) -> Result<Answer, KvError> {
        match answer.status {
            200..=299 | 404 => Ok(answer),
            status => Err(KvError::Status {
                path: path.to_owned(),
                status,
                errors: errors_of(&answer.body),
            }),
        }
    }

    /// The Vault token to send now: the held one while it has more than a third of its life
    /// left, else renewed, else obtained again by logging in.
    async fn vault_token(&self) -> Result<Token, KvError> {
        let mut held = self.held.lock().await;
        if let Some(h) = held.as_ref() {
            match h.expires {
                None => return Ok(h.token.clone()),
                Some(at) if at.saturating_duration_since(Instant::now()) > h.ttl / 3 => {
                    return Ok(h.token.clone());
                }
                _ => {}
            }
            if h.renewable
                && let Ok(renewed) = self.renew(&h.token).await
            {
                let token = renewed.token.clone();
                *held = Some(renewed);
                return Ok(token);
            }
        }
        let fresh = self.login().await?;
        let token = fresh.token.clone();
        *held = Some(fresh);
        Ok(token)
    }

    async fn renew(&self, token: &Token) -> Result<Held, KvError> {
        let answer = self
            .send(
                Method::POST,
                "auth/token/renew-self",
                Some(b"{}"),
                Some(token),
            )
            .await?;
        if answer.status != 200 {
            return Err(KvError::TokenInvalid {
                method: self.config.auth.name(),
            });
        }
        held_from(&answer.body, "auth/token/renew-self")
    }

    /// Logs in by the configured method (a static token is only taken as it is).
    async fn login(&self) -> Result<Held, KvError> {
        let (path, body): (String, Zeroizing<Vec<u8>>) = match &self.config.auth {
            AuthMethod::Token { token, .. } => {
                return Ok(Held {
                    token: token.clone(),
                    expires: None,
                    ttl: Duration::ZERO,
                    renewable: false,
                });
            }
            AuthMethod::Jwt { path, role, jwt } => (
                path.clone(),
                json_body(&serde_json::json!({"role": role, "jwt": jwt.expose()})),
            ),
            AuthMethod::AppRole {
                path,
                role_id,
                secret_id,
            } => (
                path.clone(),
                json_body(
                    &serde_json::json!({"role_id": role_id, "secret_id": secret_id.expose()}),
                ),
            ),
        };
        let login_path = format!("auth/{}/login", path.trim_matches('/'));
        let answer = self
            .send(Method::POST, &login_path, Some(&body), None)
            .await?;
        if answer.status != 200 {
            return Err(KvError::LoginFailed {
                method: self.config.auth.name(),
                path,
                status: answer.status,
                detail: errors_of(&answer.body).join("; "),
            });
        }
        held_from(&answer.body, &login_path)
    }

    /// One HTTP exchange, its body read whole up to `MAX_ANSWER`.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&[u8]>,
        token: Option<&Token>,
    ) -> Result<Answer, KvError> {
        let url = self
            .config
            .addr
            .join(&format!("v1/{path}"))
            .map_err(|e| self.bad(path, e.to_string()))?;
        let mut request = self
            .http
            .request(method, url)
            .header("X-Vault-Request", "true");
        if let Some(ns) = self.config.namespace.as_deref().filter(|n| !n.is_empty()) {
            request = request.header("X-Vault-Namespace", ns);
        }
        if let Some(token) = token {
            let mut value =
                reqwest::header::HeaderValue::from_str(token.expose()).map_err(|_| {
                    KvError::TokenInvalid {
                        method: self.config.auth.name(),
                    }
                })?;
            value.set_sensitive(true);
            request = request.header("X-Vault-Token", value);
        }
        if let Some(body) = body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let mut response = request.send().await.map_err(|e| self.unreachable(e))?;
        let status = response.status().as_u16();
        if (300..400).contains(&status) {
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            return Err(KvError::Redirected {
                addr: self.config.addr.to_string(),
                location,
            });
        }
        let mut bytes = Zeroizing::new(Vec::new());
        while let Some(chunk) = response.chunk().await.map_err(|e| self.unreachable(e))? {
            if bytes.len() + chunk.len() > MAX_ANSWER {
                return Err(self.bad(path, format!("answer larger than {MAX_ANSWER} bytes")));
            }
            bytes.extend_from_slice(&chunk);
        }
        if status == 503 && errors_of(&bytes).iter().any(|e| e.contains("sealed")) {
            return Err(KvError::Sealed {
                addr: self.config.addr.to_string(),
            });
        }
        Ok(Answer {
            status,
            body: bytes,
        })
    }

    fn unreachable(&self, e: reqwest::Error) -> KvError {
        let addr = self.config.addr.to_string();
        if e.is_timeout() {
            return KvError::Timeout {
                addr,
                seconds: self.config.timeout.as_secs(),
            };
        }
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            detail = s.to_string();
            source = s.source();
        }
        KvError::Unreachable { addr, detail }
    }

    pub(super) fn bad(&self, path: &str, detail: String) -> KvError {
        KvError::BadAnswer {
            path: path.to_owned(),
            detail,
        }
    }
}

/// A JSON body in a buffer that is zeroized when dropped.
pub(super) fn json_body(value: &serde_json::Value) -> Zeroizing<Vec<u8>> {
    Zeroizing::new(serde_json::to_vec(value).unwrap_or_default())
}

/// Vault's `errors` list, or nothing when the body has none.
pub(super) fn errors_of(body: &[u8]) -> Vec<String> {
    serde_json::from_slice::<Errors>(body)
        .map(|e| e.errors)
        .unwrap_or_default()
}

fn held_from(body: &[u8], path: &str) -> Result<Held, KvError> {
    let auth = serde_json::from_slice::<AuthAnswer>(body)
        .ok()
        .and_then(|a| a.auth)
        .filter(|a| !a.client_token.is_empty())
        .ok_or_else(|| KvError::BadAnswer {
            path: path.to_owned(),
            detail: "no auth.client_token".into(),
        })?;
    let ttl = Duration::from_secs(auth.lease_duration);
    Ok(Held {
        token: auth.client_token,
        expires: (auth.lease_duration > 0).then(|| Instant::now() + ttl),
        ttl,
        renewable: auth.renewable,
    })
}
