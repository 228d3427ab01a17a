//! A fake GitLab over real TLS, answering the token endpoints with GitLab's documented bodies,
//! status codes and headers (see /tmp/research/gitlab-api.md and the shared notes):
//!
//! - `GET /api/v4/personal_access_tokens/self` (any scope), `DELETE` of it (204, revoked after),
//!   `POST .../self/rotate?expires_at=` (`api` or `self_rotate`; at most 365 days ahead; a revoked
//!   token used on any rotate route revokes its whole family, and rotating a revoked token by id
//!   does too before the 400),
//! - `GET /api/v4/user` (`read_user`, `read_api`, `api`), `GET /api/v4/metadata` and `/version`,
//! - `GET /api/v4/{groups,projects}/:id/members/all/:user_id` (URL-encoded path ids, inherited
//!   membership from ancestor groups, the highest level wins).
//!
//! Tokens come in `Authorization: Bearer` or `PRIVATE-TOKEN`. Whole-server or per-token modes
//! answer 429, 500, a sign-in page, or redirect to another host. Every request is logged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use gitlab_token::gitlab::types::{format_date, parse_date};
use serde_json::{Value, json};
use time::{Date, OffsetDateTime};

use super::certs::Leaf;
use super::fake_granular;
use super::fake_oauth::{Answer as OAuthAnswer, OAuthState};
use super::fake_provision::{ProvRoute, ProvisionState};
use super::fake_variables::{FakeVariable, VarRoute, Variables};
pub use super::gitlab_bodies::SIGN_IN_PAGE;
use super::gitlab_bodies::{
    GITLAB_404_PAGE, insufficient_scope, invalid_token, json_reply, mode_reply, token_json,
    unauthorized, user_json,
};
use super::servers::{self, Alpn, Handler, Reply, Req, Server, reply};

pub const VERSION: &str = "18.6.1-ee";
pub const REVISION: &str = "4c5d7a1b2e3";
/// GitLab's maximum token lifetime in days.
pub const MAX_LIFETIME_DAYS: i64 = 365;

/// The account behind a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeUser {
    pub id: u64,
    pub username: String,
    pub name: String,
    pub bot: bool,
}

impl FakeUser {
    pub fn person(id: u64, username: &str) -> Self {
        FakeUser {
            id,
            username: username.into(),
            name: format!("{username} (person)"),
            bot: false,
        }
    }

    /// A service account (GitLab reports `"bot": true`).
    pub fn service_account(id: u64, username: &str) -> Self {
        FakeUser {
            id,
            username: username.into(),
            name: format!("{username} (service account)"),
            bot: true,
        }
    }
}

/// How the server (or one token) answers instead of normally.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Mode {
    #[default]
    Normal,
    /// 429, `Retry-After: 30`, plain-text body `Retry later`.
    RateLimited,
    /// 500 `{"message":"500 Internal Server Error"}`.
    ServerError,
    /// 200 text/html: GitLab's sign-in page (an SSO proxy in front of the API).
    LoginPage,
    /// 302 to the same path on this base URL (another host).
    RedirectTo(String),
    /// This exact answer to every request, whatever the path or method: a portal or a broken
    /// proxy in front of GitLab (e.g. a catch-all `200 {"status":"ok"}`, or truncated JSON).
    Answer {
        status: u16,
        content_type: String,
        body: String,
    },
    /// A proxy that answers every DELETE itself with `204 No Content` (GitLab never sees it)
    /// and passes everything else through to GitLab.
    SwallowDeletes,
}

impl Mode {
    /// A catch-all portal: `200 application/json {"status":"ok"}` for every path and method.
    pub fn catch_all() -> Mode {
        Mode::json(200, r#"{"status":"ok"}"#)
    }

    /// `status` with `body` as `application/json` for every request.
    pub fn json(status: u16, body: &str) -> Mode {
        Mode::Answer {
            status,
            content_type: "application/json".into(),
            body: body.into(),
        }
    }
}

/// A personal access token as GitLab stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    /// Assigned by [`FakeGitLab::add_token`].
    pub id: u64,
    pub name: String,
    pub scopes: Vec<String>,
    /// `YYYY-MM-DD`; the token stops working at midnight UTC starting that day.
    pub expires_at: String,
    pub revoked: bool,
    pub active: bool,
    pub user: FakeUser,
    pub mode: Mode,
    /// The successor's secret, once rotated.
    pub rotated_to: Option<String>,
    /// When GitLab made it (RFC 3339, UTC): the moment the record is made, as GitLab reports.
    pub created_at: String,
    /// A fine-grained token's `granular_scopes` (`fake_granular`); `None`: a legacy token.
    pub granular: Option<Vec<Value>>,
}

impl TokenRecord {
    /// An active token of `user` with `scopes`, expiring in 90 days.
    pub fn new(user: &FakeUser, scopes: &[&str]) -> Self {
        TokenRecord {
            id: 0,
            name: "integration".into(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            expires_at: days_from_today(90),
            revoked: false,
            active: true,
            user: user.clone(),
            mode: Mode::Normal,
            rotated_to: None,
            created_at: super::gitlab_bodies::now_rfc3339(),
            granular: None,
        }
    }

    /// A fine-grained token of `user` with these `granular_scopes` (and no scopes).
    pub fn fine_grained(user: &FakeUser, scopes: Vec<Value>) -> Self {
        TokenRecord {
            scopes: Vec::new(),
            granular: Some(scopes),
            ..TokenRecord::new(user, &[])
        }
    }

    pub fn named(mut self, name: &str) -> Self {
        self.name = name.into();
        self
    }

    /// Expires `days` from today (0 or less: already expired).
    pub fn expires_in(mut self, days: i64) -> Self {
        self.expires_at = days_from_today(days);
        self
    }

    pub fn revoked(mut self) -> Self {
        self.revoked = true;
        self.active = false;
        self
    }

    pub fn with_mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    fn expired(&self, today: Date) -> bool {
        parse_date(&self.expires_at).is_some_and(|d| d <= today)
    }
}

/// One request the server answered.
#[derive(Debug, Clone)]
pub struct Logged {
    pub method: String,
    /// Path and query as received (relative root included).
    pub path: String,
    /// An `Authorization` or `PRIVATE-TOKEN` header was present.
    pub authorized: bool,
    pub started: Instant,
    pub finished: Instant,
}

/// The longest chain of requests in `log` where each starts after the one before it finished:
/// the dependent round trips a run really took (benchmarks report it beside the count).
pub fn observed_chain(log: &[Logged]) -> usize {
    let mut sorted: Vec<&Logged> = log.iter().collect();
    sorted.sort_by_key(|r| r.started);
    let mut depth = vec![1usize; sorted.len()];
    for i in 0..sorted.len() {
        for j in 0..i {
            if sorted[j].finished <= sorted[i].started {
                depth[i] = depth[i].max(depth[j] + 1);
            }
        }
    }
    depth.into_iter().max().unwrap_or(0)
}

#[derive(Default)]
pub(super) struct State {
    pub(super) tokens: HashMap<String, TokenRecord>,
    pub(super) groups: HashMap<String, HashMap<u64, u32>>,
    pub(super) projects: HashMap<String, HashMap<u64, u32>>,
    log: Vec<Logged>,
    mode: Mode,
    delay: Duration,
    /// A pause before each answer to a request that carries a token (unauthenticated ones,
    /// like the reachability probe's, are answered at once).
    auth_delay: Duration,
    pub(super) next_id: u64,
    /// Rotations happen, but the answer's body never arrives (the connection drops).
    drop_rotate_body: bool,
    /// Rotations happen, but the answer names this user as the new token's owner (a hostile or
    /// broken server: the client must not store it).
    rotate_answer_user: Option<u64>,
    /// The instance's maximum token lifetime in days (`None`: GitLab's default, 365).
    pub(super) max_lifetime_days: Option<i64>,
    /// `self/rotate` calls received, counted before any delay (answered or not yet).
    rotate_started: usize,
    /// Every request received, counted before any delay.
    requests_started: usize,
    /// CI/CD variables of projects and groups (tests/support/fake_variables.rs).
    variables: Variables,
    /// The OAuth provider (`/oauth/...`), see `fake_oauth`.
    oauth: OAuthState,
    /// Service accounts, memberships and minted tokens (`fake_provision`).
    pub(super) provision: ProvisionState,
}

/// The fake instance. Dropping it stops the server.
pub struct FakeGitLab {
    server: Server,
    state: Arc<Mutex<State>>,
    root: String,
}

impl FakeGitLab {
    /// GitLab at the root of `https://localhost:PORT`, presenting `leaf`, offering HTTP/2 and
    /// HTTP/1.1 like GitLab's bundled nginx.
    pub fn start(leaf: &Leaf) -> Self {
        Self::start_with(leaf, "", Alpn::H2AndHttp1)
    }

    /// GitLab under a relative URL root such as `/gitlab`.
    pub fn start_under(leaf: &Leaf, root: &str) -> Self {
        Self::start_with(leaf, root, Alpn::H2AndHttp1)
    }

    /// GitLab under `root` (may be empty), offering `alpn`.
    pub fn start_with(leaf: &Leaf, root: &str, alpn: Alpn) -> Self {
        let root = match root.trim_matches('/') {
            "" => String::new(),
            r => format!("/{r}"),
        };
        let state = Arc::new(Mutex::new(State {
            next_id: 100,
            ..State::default()
        }));
        let handler: Handler = {
            let state = state.clone();
            let root: Arc<str> = root.clone().into();
            Arc::new(move |req| Box::pin(handle(state.clone(), root.clone(), req)))
        };
        FakeGitLab {
            server: servers::https_with(leaf, alpn, handler),
            state,
            root,
        }
    }

    pub(super) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("fake GitLab state")
    }

    /// Reads or sets the OAuth provider's knobs and counters (see `fake_oauth`).
    pub fn oauth<R>(&self, f: impl FnOnce(&mut OAuthState) -> R) -> R {
        f(&mut self.state().oauth)
    }

    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// `https://localhost:PORT[/root]`.
    pub fn url(&self) -> String {
        format!("https://localhost:{}{}", self.port(), self.root)
    }

    /// `https://127.0.0.1:PORT[/root]`: another host name for the same server.
    pub fn url_ip(&self) -> String {
        format!("https://127.0.0.1:{}{}", self.port(), self.root)
    }

    /// Registers `secret`; returns the token's id.
    pub fn add_token(&self, secret: &str, mut record: TokenRecord) -> u64 {
        let mut state = self.state();
        state.next_id += 1;
        record.id = state.next_id;
        state.tokens.insert(secret.to_owned(), record);
        state.next_id
    }

    pub fn token(&self, secret: &str) -> Option<TokenRecord> {
        self.state().tokens.get(secret).cloned()
    }

    /// Makes `user_id` a direct member of group `path` (created if new) with `access_level`.
    pub fn group_member(&self, path: &str, user_id: u64, access_level: u32) {
        self.state()
            .groups
            .entry(path.to_owned())
            .or_default()
            .insert(user_id, access_level);
    }

    /// Makes `user_id` a direct member of project `path` (created if new) with `access_level`.
    pub fn project_member(&self, path: &str, user_id: u64, access_level: u32) {
        self.state()
            .projects
            .entry(path.to_owned())
            .or_default()
            .insert(user_id, access_level);
    }

    pub fn add_group(&self, path: &str) {
        self.state().groups.entry(path.to_owned()).or_default();
    }

    pub fn add_project(&self, path: &str) {
        self.state().projects.entry(path.to_owned()).or_default();
    }

    /// Adds (or replaces) a CI/CD variable of project `path` (`project`) or group `path`.
    pub fn set_variable(&self, project: bool, path: &str, variable: FakeVariable) {
        self.state().variables.set(project, path, variable);
    }

    /// The CI/CD variables of project (`project`) or group `path`.
    pub fn variables(&self, project: bool, path: &str) -> Vec<FakeVariable> {
        self.state().variables.of(project, path)
    }

    /// How every request is answered from now on.
    pub fn set_mode(&self, mode: Mode) {
        self.state().mode = mode;
    }

    /// A pause before each answer (to observe concurrent requests).
    pub fn set_delay(&self, delay: Duration) {
        self.state().delay = delay;
    }

    /// A pause before each answer to an authenticated request only.
    pub fn set_auth_delay(&self, delay: Duration) {
        self.state().auth_delay = delay;
    }

    /// From now on, `self/rotate` rotates the token (the old one is revoked, the new one exists)
    /// but the connection drops after the status line and headers, before the body: the client
    /// never learns the new secret.
    pub fn drop_rotate_body(&self) {
        self.state().drop_rotate_body = true;
    }

    /// From now on, `self/rotate` rotates the token but its answer's `user_id` is `user_id`.
    pub fn answer_rotate_as_user(&self, user_id: u64) {
        self.state().rotate_answer_user = Some(user_id);
    }

    /// An instance whose admin limited token lifetimes to `days` (self-managed setting).
    pub fn set_max_lifetime_days(&self, days: i64) {
        self.state().max_lifetime_days = Some(days);
    }

    /// The secret of the token that replaced `secret` by rotation, if it was rotated.
    pub fn rotated_to(&self, secret: &str) -> Option<String> {
        self.state().tokens.get(secret)?.rotated_to.clone()
    }

    /// How many `self/rotate` calls arrived, counted at once (before a `set_delay` pause): the
    /// call is in flight when this is ahead of `rotate_calls`.
    pub fn rotate_started(&self) -> usize {
        self.state().rotate_started
    }

    /// How many requests arrived, counted at once (before a `set_delay` pause).
    pub fn requests_started(&self) -> usize {
        self.state().requests_started
    }

    /// How many `self/rotate` calls reached the server (answered or not).
    pub fn rotate_calls(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| {
                r.method == "POST" && r.path.contains("/personal_access_tokens/self/rotate")
            })
            .count()
    }

    /// Every request answered so far, in order of completion.
    pub fn requests(&self) -> Vec<Logged> {
        self.state().log.clone()
    }
}

/// A fresh token secret that looks like a personal access token: `glpat-<tag><24 hex>`.
pub fn new_secret(tag: &str) -> String {
    use std::hash::{BuildHasher, RandomState};
    let a = RandomState::new().hash_one(tag);
    let b = RandomState::new().hash_one(a);
    format!("glpat-{tag}{a:016x}{:08x}", b as u32)
}

pub fn today() -> Date {
    OffsetDateTime::now_utc().date()
}

/// Today (UTC) plus `days`, as `YYYY-MM-DD`.
pub fn days_from_today(days: i64) -> String {
    format_date(today() + time::Duration::days(days))
}

async fn handle(state: Arc<Mutex<State>>, root: Arc<str>, req: Req) -> Reply {
    let started = Instant::now();
    if req.method == "POST"
        && req
            .path_and_query()
            .contains("/personal_access_tokens/self/rotate")
    {
        state.lock().expect("state").rotate_started += 1;
    }
    state.lock().expect("state").requests_started += 1;
    let authorized =
        req.headers.contains_key("authorization") || req.headers.contains_key("private-token");
    let delay = {
        let state = state.lock().expect("state");
        state.delay
            + if authorized {
                state.auth_delay
            } else {
                Duration::ZERO
            }
    };
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(answer) = oauth_answer(&state, &root, &req, authorized, started) {
        return match answer {
            OAuthAnswer::Now(reply) => reply,
            OAuthAnswer::Later(delay, reply) => {
                tokio::time::sleep(delay).await;
                reply
            }
        };
    }
    let mut state = state.lock().expect("state");
    let answer = respond(&mut state, &root, &req);
    state.log.push(Logged {
        method: req.method.to_string(),
        path: req.path_and_query(),
        authorized,
        started,
        finished: Instant::now(),
    });
    answer
}

/// The OAuth provider's answer to a request under `/oauth/` (logged), or `None`.
fn oauth_answer(
    state: &Mutex<State>,
    root: &str,
    req: &Req,
    authorized: bool,
    started: Instant,
) -> Option<OAuthAnswer> {
    let mut state = state.lock().expect("state");
    if state.mode != Mode::Normal {
        return None;
    }
    let inside = req.path.strip_prefix(root)?;
    if !inside.starts_with("/oauth/") {
        return None;
    }
    let host = req
        .headers
        .get("host")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("localhost");
    let base_url = format!("https://{host}{root}");
    let answer = state.oauth.respond(inside, req, &base_url)?;
    state.log.push(Logged {
        method: req.method.to_string(),
        path: req.path_and_query(),
        authorized,
        started,
        finished: Instant::now(),
    });
    Some(answer)
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Route {
    Version,
    Metadata,
    TokenSelf,
    TokenById(u64),
    RevokeSelf,
    RotateSelf,
    User,
    Member {
        project: bool,
        id: String,
        user_id: u64,
    },
}

impl Route {
    fn parse(method: &str, api: &str) -> Option<Route> {
        let segments: Vec<&str> = api.split('/').collect();
        Some(match (method, segments.as_slice()) {
            ("GET", ["version"]) => Route::Version,
            ("GET", ["metadata"]) => Route::Metadata,
            ("GET", ["personal_access_tokens", "self"]) => Route::TokenSelf,
            ("DELETE", ["personal_access_tokens", "self"]) => Route::RevokeSelf,
            ("GET", ["personal_access_tokens", id]) => Route::TokenById(id.parse().ok()?),
            ("POST", ["personal_access_tokens", "self", "rotate"]) => Route::RotateSelf,
            ("GET", ["user"]) => Route::User,
            (
                "GET",
                [
                    kind @ ("groups" | "projects"),
                    id,
                    "members",
                    "all",
                    user_id,
                ],
            ) => Route::Member {
                project: *kind == "projects",
                id: percent_decode(id)?,
                user_id: user_id.parse().ok()?,
            },
            _ => return None,
        })
    }

    /// The scopes that may call the route (`None`: any scope).
    fn scopes(&self) -> Option<&'static [&'static str]> {
        match self {
            Route::TokenSelf | Route::RevokeSelf | Route::TokenById(_) => None,
            Route::RotateSelf => Some(&["api", "self_rotate"]),
            Route::User => Some(&["api", "read_api", "read_user"]),
            Route::Version | Route::Metadata => {
                Some(&["api", "read_api", "read_user", "ai_features"])
            }
            Route::Member { .. } => Some(&["api", "read_api"]),
        }
    }
}

pub(super) fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        if b == b'%' {
            let hex = std::str::from_utf8(tail.get(..2)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            rest = &tail[2..];
        } else {
            out.push(b);
            rest = tail;
        }
    }
    String::from_utf8(out).ok()
}

pub(super) fn credentials(req: &Req) -> Option<String> {
    let header = |name: &str| {
        req.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(token) = header("private-token") {
        return Some(token.to_owned());
    }
    let auth = header("authorization")?;
    let (scheme, token) = auth.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_owned())
}

fn respond(state: &mut State, root: &str, req: &Req) -> Reply {
    match &state.mode {
        Mode::Normal => {}
        Mode::SwallowDeletes if req.method == hyper::Method::DELETE => {
            return reply(204, &[], "");
        }
        Mode::SwallowDeletes => {}
        other => return mode_reply(&other.clone(), req),
    }
    let Some(inside) = req.path.strip_prefix(root) else {
        return reply(404, &[("content-type", "text/html")], servers::NGINX_404);
    };
    let Some(api) = inside.strip_prefix("/api/v4/") else {
        return match inside {
            "/users/sign_in" => reply(
                200,
                &[("content-type", "text/html; charset=utf-8")],
                SIGN_IN_PAGE,
            ),
            _ => reply(
                404,
                &[("content-type", "text/html; charset=utf-8")],
                GITLAB_404_PAGE,
            ),
        };
    };
    let route = Route::parse(req.method.as_str(), api);
    let variables = VarRoute::parse(req.method.as_str(), api);
    let provision = if route.is_none() && variables.is_none() {
        ProvRoute::parse(req.method.as_str(), api)
    } else {
        None
    };
    if route.is_none() && variables.is_none() && provision.is_none() {
        return json_reply(404, json!({"error": "404 Not Found"}));
    }
    let Some(secret) = credentials(req) else {
        return unauthorized();
    };
    let record = match state.tokens.get(&secret).cloned() {
        Some(record) => record,
        None => match state.oauth.api_record(&secret) {
            // An OAuth access token: not a personal access token, so the `self` endpoints
            // do not know it.
            Some(Ok(_))
                if matches!(
                    route,
                    Some(Route::TokenSelf | Route::RevokeSelf | Route::RotateSelf)
                ) =>
            {
                return json_reply(404, json!({"message": "404 Not Found"}));
            }
            Some(Ok(record)) => record,
            Some(Err(description)) => return invalid_token(description),
            None => return unauthorized(),
        },
    };
    let today = today();
    // GitLab's AccessTokenValidationService: expired, then revoked, then scopes.
    if record.expired(today) {
        return invalid_token("Token has expired.");
    }
    if record.revoked {
        // Reuse detection (Gitlab::Auth::AuthFinders#revoke_token_family): a revoked token used
        // on any rotate route (`access_tokens/(\d+|self)/rotate$`) revokes its whole family.
        if rotation_request(api) {
            revoke_family(state, &secret);
        }
        return invalid_token("Token has been revoked.");
    }
    if record.mode != Mode::Normal {
        return mode_reply(&record.mode, req);
    }
    if let Some(v) = variables {
        let s = &mut *state;
        return super::fake_variables::respond(
            &mut s.variables,
            &s.groups,
            &s.projects,
            &record,
            &v,
            req,
        );
    }
    if let Some(p) = provision {
        return super::fake_provision::respond(state, &record, p, req);
    }
    let Some(route) = route else {
        return json_reply(404, json!({"error": "404 Not Found"}));
    };
    if record.granular.is_some() {
        if let Some(denied) = granular_denied(&record, &route) {
            return denied;
        }
    } else if let Some(allowed) = route.scopes()
        && !allowed.iter().any(|s| record.scopes.iter().any(|g| g == s))
    {
        return insufficient_scope(allowed);
    }
    let version = state.provision.knobs.version;
    let version = (version.0, version.1);
    match route {
        Route::Version => json_reply(
            200,
            json!({"version": state.provision.knobs.version_string(), "revision": REVISION}),
        ),
        Route::Metadata => json_reply(
            200,
            json!({
                "version": state.provision.knobs.version_string(),
                "revision": REVISION,
                "kas": {"enabled": false, "externalUrl": null, "externalK8sProxyUrl": null, "version": null},
                "enterprise": state.provision.knobs.edition == super::fake_provision::Edition::Ee,
            }),
        ),
        Route::TokenSelf => json_reply(200, fake_granular::token_body(&record, version, false)),
        // lib/api/personal_access_tokens.rb: a user reads their own tokens by id (an
        // administrator any); another's is 404.
        Route::TokenById(id) => match state.tokens.values().find(|t| t.id == id) {
            Some(t) if t.user.id == record.user.id => {
                json_reply(200, fake_granular::token_body(t, version, true))
            }
            _ => json_reply(404, json!({"message": "404 Not Found"})),
        },
        Route::User => {
            // users.md: administrators see `is_admin` in their own record.
            let mut body = user_json(&record.user);
            if state.provision.is_admin(record.user.id) {
                body["is_admin"] = json!(true);
            }
            json_reply(200, body)
        }
        Route::RevokeSelf => {
            if let Some(r) = state.tokens.get_mut(&secret) {
                r.revoked = true;
                r.active = false;
            }
            reply(204, &[("cache-control", "no-cache")], "")
        }
        Route::RotateSelf => rotate(state, &secret, record, req, today),
        Route::Member {
            project,
            id,
            user_id,
        } => {
            let id = super::fake_provision::resolve(state, project, &id).unwrap_or(id);
            member(state, project, &id, user_id)
        }
    }
}

/// A fine-grained token's check on the core routes (`fake_granular`): the token's own record
/// and its rotation, and `/user`, are `:user` routes. The members route's permission is not
/// read (lib/api/members.rb's newest version is not in the mirror): it is let through.
fn granular_denied(record: &TokenRecord, route: &Route) -> Option<Reply> {
    let (permission, what) = match route {
        Route::TokenSelf | Route::TokenById(_) => {
            ("read_personal_access_token", "Personal Access Token: Read")
        }
        Route::RotateSelf => (
            "rotate_personal_access_token",
            "Personal Access Token: Rotate",
        ),
        Route::User => ("read_user", "User: Read"),
        _ => return None,
    };
    (!fake_granular::user_allows(record, permission)).then(|| fake_granular::denied("user", what))
}

fn rotate(state: &mut State, secret: &str, record: TokenRecord, req: &Req, today: Date) -> Reply {
    if state.provision.knobs.enforce_fine_grained && record.granular.is_none() && !record.user.bot {
        // `bad_request!(response.message)`: Grape's "400 Bad request - " before the service's
        // message.
        let message = "400 Bad request - Rotation of legacy personal access tokens is disabled. \
                       Use a fine-grained token instead.";
        return json_reply(400, json!({ "message": message }));
    }
    let max = today + time::Duration::days(state.max_lifetime_days.unwrap_or(MAX_LIFETIME_DAYS));
    let expires = match req.query_param("expires_at") {
        None => today + time::Duration::days(7),
        Some(value) => match parse_date(&value) {
            Some(date) => date,
            None => return json_reply(400, json!({"error": "expires_at is invalid"})),
        },
    };
    if expires > max {
        let message = format!(
            "400 Bad request - Expiration date must be before {}",
            format_date(max)
        );
        return json_reply(400, json!({"message": message}));
    }
    let new_secret = new_secret("rotated");
    state.next_id += 1;
    let successor = TokenRecord {
        id: state.next_id,
        expires_at: format_date(expires),
        rotated_to: None,
        created_at: super::gitlab_bodies::now_rfc3339(),
        ..record
    };
    let version = state.provision.knobs.version;
    let mut body = fake_granular::token_body(&successor, (version.0, version.1), false);
    body["token"] = Value::String(new_secret.clone());
    if let Some(old) = state.tokens.get_mut(secret) {
        old.revoked = true;
        old.active = false;
        old.rotated_to = Some(new_secret.clone());
    }
    state.tokens.insert(new_secret, successor);
    if let Some(user) = state.rotate_answer_user {
        body["user_id"] = json!(user);
    }
    if state.drop_rotate_body {
        return truncated_json(body);
    }
    json_reply(200, body)
}

/// A 200 whose `content-length` promises the whole body but only its first bytes are sent: the server
/// then closes the connection, so the client gets the status and headers, never the body.
fn truncated_json(body: Value) -> Reply {
    let text = body.to_string();
    let length = text.len().to_string();
    let half = text.as_bytes()[..text.len().min(8)].to_vec();
    reply(
        200,
        &[
            ("content-type", "application/json"),
            ("content-length", length.as_str()),
        ],
        half,
    )
}

/// Whether `api` (the path after `/api/v4/`) is a rotate route in GitLab's sense:
/// `access_tokens/(\d+|self)/rotate$` (personal, service-account, group and project tokens).
fn rotation_request(api: &str) -> bool {
    let path = api.split('?').next().unwrap_or(api);
    let parts: Vec<&str> = path.split('/').collect();
    matches!(
        parts.as_slice(),
        [.., kind, id, "rotate"]
            if kind.ends_with("access_tokens")
                && (*id == "self" || id.bytes().all(|b| b.is_ascii_digit()))
    )
}

/// Reuse of a rotated token: every later token of the family is revoked too
/// (PersonalAccessTokens::RevokeTokenFamilyService).
pub(super) fn revoke_family(state: &mut State, secret: &str) {
    let mut next = state.tokens.get(secret).and_then(|r| r.rotated_to.clone());
    while let Some(s) = next {
        next = state.tokens.get_mut(&s).and_then(|r| {
            r.revoked = true;
            r.active = false;
            r.rotated_to.clone()
        });
    }
}

fn member(state: &State, project: bool, id: &str, user_id: u64) -> Reply {
    let direct = if project {
        state.projects.get(id)
    } else {
        state.groups.get(id)
    };
    let Some(direct) = direct else {
        let message = if project {
            "404 Project Not Found"
        } else {
            "404 Group Not Found"
        };
        return json_reply(404, json!({"message": message}));
    };
    // Inherited from ancestor groups too; the highest level wins.
    let parts: Vec<&str> = id.split('/').collect();
    let inherited = (1..parts.len()).filter_map(|n| {
        state
            .groups
            .get(&parts[..n].join("/"))?
            .get(&user_id)
            .copied()
    });
    let Some(level) = direct
        .get(&user_id)
        .copied()
        .into_iter()
        .chain(inherited)
        .max()
    else {
        return json_reply(404, json!({"message": "404 Not found"}));
    };
    let user = super::fake_provision::known_user(state, user_id)
        .unwrap_or_else(|| FakeUser::person(user_id, &format!("user{user_id}")));
    let mut body = user_json(&user);
    body["access_level"] = json!(level);
    body["expires_at"] = Value::Null;
    body["membership_state"] = json!("active");
    json_reply(200, body)
}
