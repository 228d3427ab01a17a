//! The fake GitLab's provisioning side, as GitLab's docs (doc/api/service_accounts.md,
//! members.md, group_access_tokens.md, project_access_tokens.md, personal_access_tokens.md,
//! user_tokens.md, users.md, groups.md, projects.md, namespaces.md, license.md) and its API code
//! describe it:
//!
//! - `GET /groups/:id`, `/projects/:id` (numeric id or URL-encoded path; `404 Group Not Found` /
//!   `404 Project Not Found` for what the caller cannot see), `/namespaces/:id` (`plan` for its
//!   Owners and admins), `/license` (admins; 404 on CE; 200 `null` without a licence),
//! - members: `POST /{groups,projects}/:id/members` (201 member, `409 {"message":"Member already
//!   exists"}`, the approval-queue answer), `GET`/`PUT .../members/:user_id` (direct),
//! - service accounts, their tokens and access tokens: see `fake_provision_tokens`.
//!
//! Knobs ([`Knobs`]): edition, version, tier, GitLab.com-ness, "owners may create service
//! accounts", the approval queue, the service-account limit. Admins are users marked with
//! [`super::fake_gitlab::FakeGitLab::make_admin`]; `GET /user` then shows `"is_admin": true`.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use super::fake_gitlab::{FakeGitLab, FakeUser, State, TokenRecord, percent_decode};
use super::fake_provision_members::{
    add_member, direct_member, group_json, license, namespace_json, plan, project_json,
};
pub use super::fake_provision_tokens::TokenOwner;
use super::gitlab_bodies::{insufficient_scope, json_reply};
use super::servers::{Reply, Req};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    Ce,
    Ee,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    Free,
    Premium,
    Ultimate,
}

/// How the instance is set up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Knobs {
    pub edition: Edition,
    /// `major.minor.patch`.
    pub version: (u32, u32, u32),
    pub tier: Tier,
    /// GitLab.com rules: top-level group Owners may create group service accounts, no
    /// instance service accounts, access tokens need Premium.
    pub gitlab_com: bool,
    /// Self-managed admin setting "Allow top-level group owners to create service accounts".
    pub owners_may_create: bool,
    /// "Administrator approval for role promotions": a human without a billable role added
    /// above Guest by a non-admin is queued (self-managed Ultimate only; never a bot).
    pub approval_queue: bool,
    /// Most service accounts per top-level group (GitLab.com) or instance; `None`: the
    /// default (100 on Free, no limit on Premium/Ultimate).
    pub service_account_limit: Option<usize>,
    /// Self-managed 19.2+ "enforce fine-grained tokens": a person's legacy token is not rotated
    /// (app/services/personal_access_tokens/rotate_service.rb @41946e6; service accounts and
    /// bots are exempt @276ecd5).
    pub enforce_fine_grained: bool,
    /// A GitLab that gives a new own token more than was asked (all memberships): the tool
    /// must notice and revoke it. Not GitLab's behaviour; a test of trusting nothing unasked.
    pub widen_own_tokens: bool,
    /// A GitLab (or a proxy) that answers a token create with the caller's own token (record
    /// and secret) after making the one asked: not GitLab's behaviour; the tool must refuse it,
    /// store nothing and never revoke it.
    pub answer_callers_token: bool,
    /// A GitLab that makes a user's (service account's) token with `api` beside the scopes
    /// asked: not GitLab's behaviour; the tool must refuse and revoke it.
    pub widen_scopes: bool,
    /// A GitLab that answers a service-account create with this existing person's id (and the
    /// username asked), creating nothing: not GitLab's behaviour; the tool must refuse before
    /// any membership.
    pub account_answer_person: Option<u64>,
    /// A proxy that lets a user's token create reach GitLab (the token is made) and answers
    /// `502 Bad Gateway` itself: the answer is lost on its way back, as when `create` is killed
    /// with its request in flight.
    pub lose_token_answers: bool,
}

impl Default for Knobs {
    fn default() -> Self {
        Knobs {
            edition: Edition::Ee,
            version: (18, 6, 1),
            tier: Tier::Premium,
            gitlab_com: false,
            owners_may_create: false,
            approval_queue: false,
            service_account_limit: None,
            enforce_fine_grained: false,
            widen_own_tokens: false,
            answer_callers_token: false,
            widen_scopes: false,
            account_answer_person: None,
            lose_token_answers: false,
        }
    }
}

impl Knobs {
    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        (self.version.0, self.version.1) >= (major, minor)
    }

    pub fn version_string(&self) -> String {
        let (a, b, c) = self.version;
        match self.edition {
            Edition::Ee => format!("{a}.{b}.{c}-ee"),
            Edition::Ce => format!("{a}.{b}.{c}"),
        }
    }

    /// Service accounts are licensed: EE, Premium or Ultimate, or Free from 18.11.
    pub fn service_accounts_licensed(&self) -> bool {
        self.edition == Edition::Ee && (self.tier >= Tier::Premium || self.at_least(18, 11))
    }

    pub fn limit(&self) -> Option<usize> {
        self.service_account_limit
            .or((self.tier == Tier::Free).then_some(100))
    }
}

/// Where a service account or bot user lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountKind {
    Instance,
    /// A group service account of this top-level group path.
    Group(String),
    Project(String),
    /// The bot user of a group access token (group path).
    GroupBot(String),
    ProjectBot(String),
}

/// A service account or an access token's bot user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: u64,
    pub username: String,
    pub name: String,
    pub email: String,
    pub kind: AccountKind,
}

impl Account {
    pub fn user(&self) -> FakeUser {
        FakeUser {
            id: self.id,
            username: self.username.clone(),
            name: self.name.clone(),
            bot: true,
        }
    }

    pub(super) fn json(&self) -> Value {
        json!({"id": self.id, "username": self.username, "name": self.name, "email": self.email})
    }
}

/// Extra facts of a token made through these endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenMeta {
    pub owner: TokenOwner,
    pub description: Option<String>,
}

/// The provisioning side's state (a field of the fake's state).
#[derive(Debug, Default)]
pub struct ProvisionState {
    pub knobs: Knobs,
    pub admins: HashSet<u64>,
    /// Numeric ids of groups (`false`) and projects (`true`) by path, given on first use.
    pub(super) ids: HashMap<(bool, String), u64>,
    pub accounts: Vec<Account>,
    /// By token id.
    pub meta: HashMap<u64, TokenMeta>,
    pub(super) next_object: u64,
}

impl ProvisionState {
    pub fn is_admin(&self, user_id: u64) -> bool {
        self.admins.contains(&user_id)
    }

    /// The numeric id of a group (`project == false`) or project, given on first use.
    pub fn id_of(&mut self, project: bool, path: &str) -> u64 {
        let next = &mut self.next_object;
        *self
            .ids
            .entry((project, path.to_owned()))
            .or_insert_with(|| {
                *next = (*next).max(1000) + 1;
                *next
            })
    }

    pub(super) fn new_user_id(&mut self) -> u64 {
        self.next_object = self.next_object.max(1000) + 1;
        self.next_object
    }
}

/// Test-side knobs and views of the provisioning side.
impl FakeGitLab {
    /// Reads or sets the provisioning knobs and state.
    pub fn provision<R>(&self, f: impl FnOnce(&mut ProvisionState) -> R) -> R {
        f(&mut self.state().provision)
    }

    /// Marks `user_id` as an administrator of the instance.
    pub fn make_admin(&self, user_id: u64) {
        self.provision(|p| p.admins.insert(user_id));
    }

    pub fn set_knobs(&self, f: impl FnOnce(&mut Knobs)) {
        self.provision(|p| f(&mut p.knobs));
    }

    pub fn group_id(&self, path: &str) -> u64 {
        self.provision(|p| p.id_of(false, path))
    }

    pub fn project_id(&self, path: &str) -> u64 {
        self.provision(|p| p.id_of(true, path))
    }

    /// Service accounts and bot users made so far.
    pub fn accounts(&self) -> Vec<Account> {
        self.provision(|p| p.accounts.clone())
    }

    /// Every token of `user_id` (active or not), oldest first.
    pub fn tokens_of(&self, user_id: u64) -> Vec<TokenRecord> {
        let state = self.state();
        let mut all: Vec<TokenRecord> = state
            .tokens
            .values()
            .filter(|r| r.user.id == user_id)
            .cloned()
            .collect();
        all.sort_by_key(|r| r.id);
        all
    }

    /// Every token of `user_id` with its secret, oldest first.
    pub fn secrets_of(&self, user_id: u64) -> Vec<(String, TokenRecord)> {
        let state = self.state();
        let mut all: Vec<(String, TokenRecord)> = state
            .tokens
            .iter()
            .filter(|(_, r)| r.user.id == user_id)
            .map(|(s, r)| (s.clone(), r.clone()))
            .collect();
        all.sort_by_key(|(_, r)| r.id);
        all
    }

    /// The direct access level of `user_id` in group or project `path`.
    pub fn direct_level(&self, project: bool, path: &str, user_id: u64) -> Option<u32> {
        let state = self.state();
        let map = if project {
            &state.projects
        } else {
            &state.groups
        };
        map.get(path)?.get(&user_id).copied()
    }
}

/// A provisioning route (`None`: not one of ours).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProvRoute {
    /// `GET /groups?search=` (lib/api/groups.rb): the caller's groups whose name matches.
    Groups,
    Group(String),
    Project(String),
    Namespace(String),
    License,
    /// `POST /{groups,projects}/:id/members`.
    AddMember {
        project: bool,
        id: String,
    },
    /// `GET`/`PUT /{groups,projects}/:id/members/:user_id`.
    DirectMember {
        project: bool,
        id: String,
        user_id: u64,
    },
    /// `GET /users/:id` (lib/api/users.rb: Entities::User, with `bot`).
    User(u64),
    Tokens(super::fake_provision_tokens::TokenRoute),
}

impl ProvRoute {
    pub fn parse(method: &str, api: &str) -> Option<ProvRoute> {
        let segments: Vec<&str> = api.split('/').collect();
        let kind = |k: &str| k == "projects";
        Some(match (method, segments.as_slice()) {
            ("GET", ["groups"]) => ProvRoute::Groups,
            ("GET", ["groups", id]) => ProvRoute::Group(percent_decode(id)?),
            ("GET", ["projects", id]) => ProvRoute::Project(percent_decode(id)?),
            ("GET", ["namespaces", id]) => ProvRoute::Namespace(percent_decode(id)?),
            ("GET", ["license"]) => ProvRoute::License,
            ("GET", ["users", id]) => ProvRoute::User(id.parse().ok()?),
            ("POST", [k @ ("groups" | "projects"), id, "members"]) => ProvRoute::AddMember {
                project: kind(k),
                id: percent_decode(id)?,
            },
            ("GET" | "PUT", [k @ ("groups" | "projects"), id, "members", user_id]) => {
                ProvRoute::DirectMember {
                    project: kind(k),
                    id: percent_decode(id)?,
                    user_id: user_id.parse().ok()?,
                }
            }
            _ => ProvRoute::Tokens(super::fake_provision_tokens::TokenRoute::parse(
                method, &segments,
            )?),
        })
    }

    /// GET: `api` or `read_api`; everything else: `api`.
    fn scopes(&self, method: &str) -> &'static [&'static str] {
        if method == "GET" {
            &["api", "read_api"]
        } else {
            &["api"]
        }
    }
}

/// Query, form and JSON parameters (Grape merges them). `scopes[]` and JSON arrays become
/// arrays.
pub(super) fn params(req: &Req) -> HashMap<String, Value> {
    let mut all: HashMap<String, Value> = HashMap::new();
    let mut pairs = |text: &str| {
        for (k, v) in url::form_urlencoded::parse(text.as_bytes()) {
            let k = k.into_owned();
            let v = v.into_owned();
            if let Some(base) = k.strip_suffix("[]") {
                let entry = all
                    .entry(base.to_owned())
                    .or_insert_with(|| Value::Array(vec![]));
                if let Value::Array(a) = entry {
                    a.push(Value::String(v));
                }
            } else {
                all.insert(k, Value::String(v));
            }
        }
    };
    if let Some(q) = &req.query {
        pairs(q);
    }
    let json = req
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.contains("json"));
    if json {
        if let Ok(Value::Object(map)) = serde_json::from_slice::<Value>(&req.body) {
            all.extend(map);
        }
    } else if let Ok(text) = std::str::from_utf8(&req.body) {
        pairs(text);
    }
    all
}

pub(super) fn param_str(p: &HashMap<String, Value>, name: &str) -> Option<String> {
    match p.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn param_u64(p: &HashMap<String, Value>, name: &str) -> Option<u64> {
    param_str(p, name)?.parse().ok()
}

/// A list parameter: an array, or a comma-separated string (`scopes[]=api,read_user`).
pub(super) fn param_list(p: &HashMap<String, Value>, name: &str) -> Option<Vec<String>> {
    let list: Vec<String> = match p.get(name)? {
        Value::Array(a) => a
            .iter()
            .filter_map(|v| v.as_str())
            .flat_map(|s| s.split(','))
            .map(|s| s.trim().to_owned())
            .collect(),
        Value::String(s) => s.split(',').map(|s| s.trim().to_owned()).collect(),
        _ => return None,
    };
    Some(list.into_iter().filter(|s| !s.is_empty()).collect())
}

pub(super) fn message(status: u16, text: &str) -> Reply {
    json_reply(status, json!({"message": text}))
}

pub(super) fn forbidden() -> Reply {
    message(403, "403 Forbidden")
}

pub(super) fn not_found(project: bool) -> Reply {
    message(
        404,
        if project {
            "404 Project Not Found"
        } else {
            "404 Group Not Found"
        },
    )
}

pub(super) fn bad_request(text: &str) -> Reply {
    message(400, &format!("400 Bad request - {text}"))
}

/// Grape's parameter error: `400 {"error":"name is missing"}`.
pub(super) fn missing(name: &str) -> Reply {
    json_reply(400, json!({"error": format!("{name} is missing")}))
}

/// The path of group (`project == false`) or project `raw` (a numeric id or a path), if it
/// exists.
pub(super) fn resolve(state: &mut State, project: bool, raw: &str) -> Option<String> {
    let exists = |state: &State, path: &str| {
        if project {
            state.projects.contains_key(path)
        } else {
            state.groups.contains_key(path)
        }
    };
    if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) {
        let id: u64 = raw.parse().ok()?;
        let path = state
            .provision
            .ids
            .iter()
            .find(|((p, _), v)| *p == project && **v == id)
            .map(|((_, path), _)| path.clone())?;
        return exists(state, &path).then_some(path);
    }
    exists(state, raw).then(|| raw.to_owned())
}

/// `user_id`'s effective level in a group or project: direct, or inherited from ancestor
/// groups; the highest wins.
pub(super) fn level(state: &State, project: bool, path: &str, user_id: u64) -> Option<u32> {
    let direct = if project {
        state.projects.get(path)
    } else {
        state.groups.get(path)
    }
    .and_then(|m| m.get(&user_id).copied());
    let parts: Vec<&str> = path.split('/').collect();
    let inherited = (1..parts.len()).filter_map(|n| {
        state
            .groups
            .get(&parts[..n].join("/"))?
            .get(&user_id)
            .copied()
    });
    direct.into_iter().chain(inherited).max()
}

/// Whether `user` sees private group `path`: a member of it, of an ancestor, or of any group or
/// project below it (GitLab's GroupPolicy `has_projects` and descendant-membership rules), or
/// an admin.
pub(super) fn sees_group(state: &State, path: &str, user: &FakeUser) -> bool {
    if caller_level(state, false, path, user) > 0 {
        return true;
    }
    let below = format!("{path}/");
    let member_below = |map: &HashMap<String, HashMap<u64, u32>>| {
        map.iter()
            .any(|(p, m)| p.starts_with(&below) && m.contains_key(&user.id))
    };
    member_below(&state.groups) || member_below(&state.projects)
}

/// Whether `user` may see group or project `path` at all (else GitLab answers 404).
pub(super) fn visible(state: &State, project: bool, path: &str, user: &FakeUser) -> bool {
    if project {
        caller_level(state, true, path, user) > 0
    } else {
        sees_group(state, path, user)
    }
}

/// The caller's level, admins counting as Owner everywhere.
pub(super) fn caller_level(state: &State, project: bool, path: &str, user: &FakeUser) -> u32 {
    if state.provision.is_admin(user.id) {
        return 50;
    }
    level(state, project, path, user.id).unwrap_or(0)
}

/// A user known to the instance: a service account, a bot, or the owner of a token.
pub(super) fn known_user(state: &State, id: u64) -> Option<FakeUser> {
    state
        .provision
        .accounts
        .iter()
        .find(|a| a.id == id)
        .map(Account::user)
        .or_else(|| {
            state
                .tokens
                .values()
                .map(|r| r.user.clone())
                .find(|u| u.id == id)
        })
}

/// A fine-grained token on the routes offered to it here (the rest answer 404):
/// `GET /groups` is a `:user` route of read_group, `GET /groups/:id` and `/projects/:id` are
/// `:group` / `:project` routes of read_group / read_project (lib/api/groups.rb, projects.rb
/// @e2e5ea3).
fn granular_refusal(state: &mut State, record: &TokenRecord, route: &ProvRoute) -> Option<Reply> {
    use super::fake_granular::{denied, namespace_allows, user_allows};
    let (project, raw, permission, what) = match route {
        ProvRoute::Groups if user_allows(record, "read_group") => return None,
        ProvRoute::Groups => return Some(denied("user", "Group: Read")),
        ProvRoute::Group(raw) => (false, raw, "read_group", "Group: Read"),
        ProvRoute::Project(raw) => (true, raw, "read_project", "Project: Read"),
        _ => return Some(not_found(false)),
    };
    let Some(path) = resolve(state, project, raw) else {
        return Some(not_found(project));
    };
    let boundary = if project { "project" } else { "group" };
    (!namespace_allows(state, record, permission, project, &path)).then(|| denied(boundary, what))
}

/// The provisioning side's answer, after authentication (`record` is the caller's token).
pub(super) fn respond(
    state: &mut State,
    record: &TokenRecord,
    route: ProvRoute,
    req: &Req,
) -> Reply {
    let method = req.method.as_str();
    let allowed = route.scopes(method);
    if record.granular.is_some() {
        if let Some(refused) = granular_refusal(state, record, &route) {
            return refused;
        }
    } else if !allowed.iter().any(|s| record.scopes.iter().any(|g| g == s)) {
        return insufficient_scope(allowed);
    }
    let caller = &record.user;
    match route {
        ProvRoute::Groups => {
            let search = req.query_param("search").unwrap_or_default();
            let mut paths: Vec<String> = state
                .groups
                .keys()
                .filter(|p| p.rsplit('/').next().is_some_and(|n| n.contains(&search)))
                .filter(|p| sees_group(state, p, caller))
                .cloned()
                .collect();
            paths.sort();
            let body: Vec<Value> = paths.iter().map(|p| group_json(state, p)).collect();
            json_reply(200, Value::Array(body))
        }
        ProvRoute::Group(raw) => match resolve(state, false, &raw) {
            Some(path) if sees_group(state, &path, caller) => {
                json_reply(200, group_json(state, &path))
            }
            _ => not_found(false),
        },
        ProvRoute::Project(raw) => match resolve(state, true, &raw) {
            Some(path) if caller_level(state, true, &path, caller) > 0 => {
                json_reply(200, project_json(state, &path, caller))
            }
            _ => not_found(true),
        },
        ProvRoute::Namespace(raw) => match resolve(state, false, &raw) {
            Some(path) if sees_group(state, &path, caller) => {
                let mut body = namespace_json(state, &path);
                if caller_level(state, false, &path, caller) >= 50 {
                    body["plan"] = json!(plan(&state.provision.knobs));
                }
                json_reply(200, body)
            }
            _ => message(404, "404 Namespace Not Found"),
        },
        ProvRoute::License => license(state, caller),
        // lib/api/users.rb `get ":id"`: `not_found!('User')` for an unknown id.
        ProvRoute::User(id) => match known_user(state, id) {
            Some(u) => json_reply(200, super::gitlab_bodies::user_json(&u)),
            None => message(404, "404 User Not Found"),
        },
        ProvRoute::AddMember { project, id } => add_member(state, caller, project, &id, req),
        ProvRoute::DirectMember {
            project,
            id,
            user_id,
        } => direct_member(state, caller, project, &id, user_id, req),
        ProvRoute::Tokens(t) => super::fake_provision_tokens::respond(state, record, t, req),
    }
}
