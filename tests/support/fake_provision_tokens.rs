//! Service accounts and the tokens provisioning mints, in the fake GitLab (doc/api/
//! service_accounts.md, personal_access_tokens.md, user_tokens.md, group_access_tokens.md,
//! project_access_tokens.md):
//!
//! - `GET`/`POST /service_accounts` (admins; self-managed), `/groups/:id/service_accounts`
//!   (admin, or the group's Owner on GitLab.com or where owners may, else a create is `400 ...
//!   in this namespace.`, as is a subgroup before 18.11; not licensed: 403), `/projects/:id/service_accounts` (18.11+; admin, or the
//!   project's Maintainer or Owner: the translated service_accounts.md of 18.11),
//! - a service account's tokens: `GET`/`POST .../service_accounts/:user_id/personal_access_tokens`,
//!   `DELETE .../:token_id` (204), `POST .../:token_id/rotate` (`expires_at`, else a week),
//! - the caller's own: `POST /user/personal_access_tokens` (`fake_own_tokens`),
//! - admins: `POST /users/:user_id/personal_access_tokens`, `GET /personal_access_tokens`
//!   (`user_id`; non-admins see only their own, another's `user_id` is a 401),
//!   `DELETE /personal_access_tokens/:id`, `POST /personal_access_tokens/:id/rotate`,
//! - `GET`/`POST /{groups,projects}/:id/access_tokens` (group: Owner; project: Maintainer; no
//!   higher `access_level` than the creator's), `DELETE`/`POST .../:token_id[/rotate]`.
//!
//! Every token minted is registered in the fake's token table, so it works on `/user`,
//! `/personal_access_tokens/self`, self-rotation and membership lookups.

// A refusal is a whole HTTP answer; these are test helpers, so no boxing.
#![allow(clippy::result_large_err)]

use serde_json::{Value, json};

use super::fake_access_tokens::respond as access_tokens;
use super::fake_gitlab::{FakeUser, State, TokenRecord, percent_decode};
use super::fake_minted::{list_tokens, mint, revoke, rotate};
use super::fake_provision::{
    Account, AccountKind, Edition, bad_request, caller_level, forbidden, message, not_found,
    param_str, params, resolve, visible,
};
use super::gitlab_bodies::json_reply;
use super::servers::{Reply, Req};

/// Who a minted token belongs to, for the list, revoke and rotate endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenOwner {
    /// A personal access token of a user (service accounts included).
    User,
    /// A group (`project == false`) or project access token at `access_level`.
    Resource {
        project: bool,
        path: String,
        access_level: u32,
    },
}

/// Where the service accounts of a route live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    Instance,
    Group(String),
    Project(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenRoute {
    /// `GET`/`POST` the service accounts of a scope.
    Accounts(Scope),
    /// `GET`/`POST .../service_accounts/:user_id/personal_access_tokens`.
    AccountTokens(Scope, u64),
    /// `DELETE .../personal_access_tokens/:token_id`.
    RevokeAccountToken(Scope, u64, u64),
    RotateAccountToken(Scope, u64, u64),
    /// `POST /users/:user_id/personal_access_tokens` (admins).
    UserTokens(u64),
    /// `POST /user/personal_access_tokens`: the caller's own (`fake_own_tokens`).
    OwnTokens,
    /// `GET /personal_access_tokens`.
    ListTokens,
    RevokeToken(u64),
    RotateToken(u64),
    /// `GET`/`POST /{groups,projects}/:id/access_tokens`.
    AccessTokens(bool, String),
    /// `GET`/`DELETE .../access_tokens/:token_id`.
    AccessToken(bool, String, u64),
    RotateAccessToken(bool, String, u64),
}

impl TokenRoute {
    pub fn parse(method: &str, segments: &[&str]) -> Option<TokenRoute> {
        let scope = |k: &str, id: &str| -> Option<Scope> {
            let id = percent_decode(id)?;
            Some(if k == "projects" {
                Scope::Project(id)
            } else {
                Scope::Group(id)
            })
        };
        let n = |s: &str| s.parse::<u64>().ok();
        Some(match (method, segments) {
            ("GET" | "POST", ["service_accounts"]) => TokenRoute::Accounts(Scope::Instance),
            ("GET" | "POST", [k @ ("groups" | "projects"), id, "service_accounts"]) => {
                TokenRoute::Accounts(scope(k, id)?)
            }
            (
                "GET" | "POST",
                [
                    k @ ("groups" | "projects"),
                    id,
                    "service_accounts",
                    user,
                    "personal_access_tokens",
                ],
            ) => TokenRoute::AccountTokens(scope(k, id)?, n(user)?),
            (
                "DELETE",
                [
                    k @ ("groups" | "projects"),
                    id,
                    "service_accounts",
                    user,
                    "personal_access_tokens",
                    token,
                ],
            ) => TokenRoute::RevokeAccountToken(scope(k, id)?, n(user)?, n(token)?),
            (
                "POST",
                [
                    k @ ("groups" | "projects"),
                    id,
                    "service_accounts",
                    user,
                    "personal_access_tokens",
                    token,
                    "rotate",
                ],
            ) => TokenRoute::RotateAccountToken(scope(k, id)?, n(user)?, n(token)?),
            ("POST", ["users", user, "personal_access_tokens"]) => TokenRoute::UserTokens(n(user)?),
            ("POST", ["user", "personal_access_tokens"]) => TokenRoute::OwnTokens,
            ("GET", ["personal_access_tokens"]) => TokenRoute::ListTokens,
            ("DELETE", ["personal_access_tokens", id]) => TokenRoute::RevokeToken(n(id)?),
            ("POST", ["personal_access_tokens", id, "rotate"]) => TokenRoute::RotateToken(n(id)?),
            ("GET" | "POST", [k @ ("groups" | "projects"), id, "access_tokens"]) => {
                TokenRoute::AccessTokens(*k == "projects", percent_decode(id)?)
            }
            ("GET" | "DELETE", [k @ ("groups" | "projects"), id, "access_tokens", token]) => {
                TokenRoute::AccessToken(*k == "projects", percent_decode(id)?, n(token)?)
            }
            (
                "POST",
                [
                    k @ ("groups" | "projects"),
                    id,
                    "access_tokens",
                    token,
                    "rotate",
                ],
            ) => TokenRoute::RotateAccessToken(*k == "projects", percent_decode(id)?, n(token)?),
            _ => return None,
        })
    }
}

/// The create service's refusal (EE `Namespaces::ServiceAccounts::CreateService`).
const NO_PERMISSION: &str =
    "User does not have permission to create a service account in this namespace.";

fn not_found_json() -> Reply {
    json_reply(404, json!({"error": "404 Not Found"}))
}

pub(super) fn respond(
    state: &mut State,
    record: &TokenRecord,
    route: TokenRoute,
    req: &Req,
) -> Reply {
    let caller = record.user.clone();
    let get = req.method == "GET";
    match route {
        TokenRoute::Accounts(scope) => {
            let scope = match check_scope(state, &caller, scope, !get) {
                Ok(scope) => scope,
                Err(reply) => return reply,
            };
            if get {
                list_accounts(state, &scope)
            } else {
                create_account(state, &caller, &scope, req)
            }
        }
        TokenRoute::AccountTokens(scope, user_id) => {
            let scope = match check_scope(state, &caller, scope, false) {
                Ok(scope) => scope,
                Err(reply) => return reply,
            };
            if !account_in(state, &scope, user_id) {
                return message(404, "404 User Not Found");
            }
            if get {
                if !state.provision.knobs.at_least(17, 11) {
                    return not_found_json();
                }
                list_tokens(state, req, |r| r.user.id == user_id)
            } else {
                create_pat(state, user_id, req)
            }
        }
        TokenRoute::RevokeAccountToken(scope, user_id, token_id) => {
            if !state.provision.knobs.at_least(17, 11) {
                return not_found_json();
            }
            let scope = match check_scope(state, &caller, scope, false) {
                Ok(scope) => scope,
                Err(reply) => return reply,
            };
            if !account_in(state, &scope, user_id) {
                return message(404, "404 User Not Found");
            }
            revoke(state, token_id, |r| r.user.id == user_id)
        }
        TokenRoute::RotateAccountToken(scope, user_id, token_id) => {
            let scope = match check_scope(state, &caller, scope, false) {
                Ok(scope) => scope,
                Err(reply) => return reply,
            };
            if !account_in(state, &scope, user_id) {
                return message(404, "404 User Not Found");
            }
            rotate(state, token_id, req, |r| r.user.id == user_id)
        }
        TokenRoute::UserTokens(user_id) => {
            if !state.provision.is_admin(caller.id) {
                return forbidden();
            }
            if super::fake_provision::known_user(state, user_id).is_none() {
                return message(404, "404 User Not Found");
            }
            create_pat(state, user_id, req)
        }
        TokenRoute::OwnTokens => super::fake_own_tokens::create(state, &caller, req),
        TokenRoute::ListTokens => {
            let admin = state.provision.is_admin(caller.id);
            let wanted = req
                .query_param("user_id")
                .and_then(|v| v.parse::<u64>().ok());
            // personal_access_tokens.md: non-administrators "cannot use the `user_id` parameter
            // to filter on any user except themselves, otherwise they receive a 401".
            if !admin && wanted.is_some_and(|id| id != caller.id) {
                return message(401, "401 Unauthorized");
            }
            list_tokens(state, req, |r| match wanted {
                Some(id) if admin => r.user.id == id,
                _ if admin => true,
                _ => r.user.id == caller.id,
            })
        }
        TokenRoute::RevokeToken(id) => {
            let admin = state.provision.is_admin(caller.id);
            revoke(state, id, |r| admin || r.user.id == caller.id)
        }
        TokenRoute::RotateToken(id) => {
            let admin = state.provision.is_admin(caller.id);
            rotate(state, id, req, |r| admin || r.user.id == caller.id)
        }
        TokenRoute::AccessTokens(project, raw) => {
            access_tokens(state, &caller, project, &raw, None, false, req)
        }
        TokenRoute::AccessToken(project, raw, token_id) => {
            access_tokens(state, &caller, project, &raw, Some(token_id), false, req)
        }
        TokenRoute::RotateAccessToken(project, raw, token_id) => {
            access_tokens(state, &caller, project, &raw, Some(token_id), true, req)
        }
    }
}

/// Who may manage the service accounts of `scope`, and whether they exist here. `creating`: the
/// `POST` that creates a group's service account, whose refusal is the create service's 400.
fn check_scope(
    state: &mut State,
    caller: &FakeUser,
    scope: Scope,
    creating: bool,
) -> Result<Scope, Reply> {
    let knobs = state.provision.knobs.clone();
    let admin = state.provision.is_admin(caller.id);
    if knobs.edition == Edition::Ce {
        return Err(not_found_json());
    }
    match scope {
        Scope::Instance => {
            if knobs.gitlab_com || !admin || !knobs.service_accounts_licensed() {
                return Err(forbidden());
            }
            Ok(Scope::Instance)
        }
        Scope::Group(raw) => {
            let Some(path) = resolve(state, false, &raw) else {
                return Err(not_found(false));
            };
            let level = caller_level(state, false, &path, caller);
            if !visible(state, false, &path, caller) {
                return Err(not_found(false));
            }
            let owner_may = level >= 50 && (knobs.gitlab_com || knobs.owners_may_create);
            // EE spec API::GroupServiceAccounts: "when the feature is not licensed" 403; "when
            // allow top level setting is deactivated" (and for a caller below Owner) the create
            // service's bad_request!, 400. The list keeps 403 (the spec's Maintainer case).
            if !knobs.service_accounts_licensed() {
                return Err(forbidden());
            }
            if !(admin || owner_may) {
                return Err(if creating {
                    bad_request(NO_PERMISSION)
                } else {
                    forbidden()
                });
            }
            // Subgroups: service_accounts.md, "introduced in GitLab 18.10 with a flag named
            // `allow_subgroups_to_create_service_accounts`", generally available in 18.11.
            if path.contains('/') && !knobs.at_least(18, 11) {
                return Err(bad_request(NO_PERMISSION));
            }
            Ok(Scope::Group(path))
        }
        Scope::Project(raw) => {
            if !knobs.at_least(18, 11) {
                return Err(not_found_json());
            }
            let Some(path) = resolve(state, true, &raw) else {
                return Err(not_found(true));
            };
            let level = caller_level(state, true, &path, caller);
            if level == 0 {
                return Err(not_found(true));
            }
            // service_accounts.md (the French and Korean translations, 18.11): "the Maintainer
            // or Owner role for the project", or an administrator on self-managed.
            if level < 40 || !knobs.service_accounts_licensed() {
                return Err(forbidden());
            }
            Ok(Scope::Project(path))
        }
    }
}

fn kind_of(scope: &Scope) -> AccountKind {
    match scope {
        Scope::Instance => AccountKind::Instance,
        Scope::Group(p) => AccountKind::Group(p.clone()),
        Scope::Project(p) => AccountKind::Project(p.clone()),
    }
}

fn account_in(state: &State, scope: &Scope, user_id: u64) -> bool {
    let kind = kind_of(scope);
    state
        .provision
        .accounts
        .iter()
        .any(|a| a.id == user_id && a.kind == kind)
}

fn list_accounts(state: &State, scope: &Scope) -> Reply {
    let kind = kind_of(scope);
    let mut list: Vec<&Account> = state
        .provision
        .accounts
        .iter()
        .filter(|a| a.kind == kind)
        .collect();
    // GitLab's default: `order_by=id`, `sort=desc`.
    list.sort_by_key(|a| std::cmp::Reverse(a.id));
    let body: Vec<Value> = list.iter().map(|a| a.json()).collect();
    json_reply(200, Value::Array(body))
}

fn create_account(state: &mut State, caller: &FakeUser, scope: &Scope, req: &Req) -> Reply {
    let _ = caller;
    let kind = kind_of(scope);
    let knobs = state.provision.knobs.clone();
    if let Some(limit) = knobs.limit() {
        // service_accounts.md (18.11): on GitLab.com, per top-level group, "including service
        // accounts created in subgroups or projects"; on self-managed, per instance whatever way
        // they are provisioned (instance, group or project). Access-token bots do not count.
        let top = |k: &AccountKind| match k {
            AccountKind::Group(p) | AccountKind::Project(p) => {
                p.split('/').next().map(str::to_owned)
            }
            _ => None,
        };
        let counted = state
            .provision
            .accounts
            .iter()
            .filter(|a| match &a.kind {
                AccountKind::Instance | AccountKind::Group(_) | AccountKind::Project(_) => {
                    !knobs.gitlab_com || (top(&a.kind).is_some() && top(&a.kind) == top(&kind))
                }
                AccountKind::GroupBot(_) | AccountKind::ProjectBot(_) => false,
            })
            .count();
        if counted >= limit {
            return bad_request("No more seats are available to create Service Account User");
        }
    }
    let p = params(req);
    if let Some(person) = knobs.account_answer_person {
        let username = param_str(&p, "username").unwrap_or_default();
        return json_reply(
            201,
            serde_json::json!({"id": person, "username": username, "name": "Service account user"}),
        );
    }
    let id = state.provision.new_user_id();
    let prefix = match scope {
        Scope::Instance => "service_account".to_owned(),
        Scope::Group(path) => format!(
            "service_account_group_{}",
            state.provision.id_of(false, path)
        ),
        Scope::Project(path) => {
            format!(
                "service_account_project_{}",
                state.provision.id_of(true, path)
            )
        }
    };
    let username = param_str(&p, "username")
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| format!("{prefix}_{id:032x}"));
    let taken = state
        .provision
        .accounts
        .iter()
        .any(|a| a.username == username)
        || state.tokens.values().any(|r| r.user.username == username);
    if taken {
        return bad_request("Username has already been taken");
    }
    let account = Account {
        id,
        email: param_str(&p, "email")
            .unwrap_or_else(|| format!("{username}@noreply.gitlab.example.com")),
        name: param_str(&p, "name").unwrap_or_else(|| "Service account user".into()),
        username,
        kind,
    };
    let body = account.json();
    state.provision.accounts.push(account);
    json_reply(201, body)
}

fn create_pat(state: &mut State, user_id: u64, req: &Req) -> Reply {
    let Some(user) = super::fake_provision::known_user(state, user_id) else {
        return message(404, "404 User Not Found");
    };
    mint(state, user, TokenOwner::User, req)
}
