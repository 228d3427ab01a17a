//! Group and project access tokens in the fake GitLab (doc/api/group_access_tokens.md,
//! project_access_tokens.md): a group's need its Owner, a project's its Maintainer, no higher
//! `access_level` than the creator's; each gets its own bot user, a member at that level. On
//! GitLab.com they need Premium. Refusals as lib/api/resource_access_tokens.rb gives them (see
//! [`respond`]).

#![allow(clippy::result_large_err)]

use serde_json::Value;

use super::fake_gitlab::{FakeUser, State};
use super::fake_minted::{by_id, mint, record_json, revoke, rotate};
use super::fake_provision::{
    Account, AccountKind, TokenMeta, bad_request, caller_level, message, missing, not_found,
    param_list, param_str, param_u64, params, resolve, visible,
};
use super::fake_provision_tokens::TokenOwner;
use super::gitlab_bodies::json_reply;
use super::servers::{Reply, Req};

/// Group access tokens need Owner, project access tokens Maintainer (admins: anywhere). On
/// GitLab.com they need Premium (`resource_access_token_feature_available`).
fn may_manage(state: &State, caller: &FakeUser, project: bool, path: &str) -> bool {
    let knobs = &state.provision.knobs;
    let licensed = !knobs.gitlab_com || knobs.tier >= super::fake_provision::Tier::Premium;
    licensed && caller_level(state, project, path, caller) >= if project { 40 } else { 50 }
}

fn word(project: bool) -> &'static str {
    if project { "project" } else { "group" }
}

/// The `/{groups,projects}/:id/access_tokens[/:token_id[/rotate]]` routes, as
/// lib/api/resource_access_tokens.rb answers them: the group or project must be visible (404
/// `Group Not Found`); then list and get need the right to read them (else `401 Unauthorized`),
/// create is refused by the service (`400 ... - User does not have permission to create group
/// access token`), revoke by its service (`400 ... - <name> cannot delete <bot>`), and rotate
/// answers `401` to whoever may not manage them or names a token that is not there (`404` to
/// administrators).
pub(super) fn respond(
    state: &mut State,
    caller: &FakeUser,
    project: bool,
    raw: &str,
    token: Option<u64>,
    rotating: bool,
    req: &Req,
) -> Reply {
    let Some(path) = resolve(state, project, raw) else {
        return not_found(project);
    };
    if !visible(state, project, &path, caller) {
        return not_found(project);
    }
    let may = may_manage(state, caller, project, &path);
    let found = token.and_then(|id| access_token_of(state, project, &path, id));
    let token_not_found = || {
        message(
            404,
            &format!("404 {} Access Token Not Found", word(project)),
        )
    };
    match (req.method.as_str(), token) {
        _ if rotating => match found {
            Some(id) if may => rotate(state, id, req, |_| true),
            _ if state.provision.is_admin(caller.id) => message(404, "404 Not found"),
            _ => unauthorized(),
        },
        ("GET", None) if may => list_access_tokens(state, project, &path),
        ("GET", _) if !may => unauthorized(),
        ("GET", Some(_)) => match found {
            Some(id) => json_reply(200, access_token_json(state, id)),
            None => token_not_found(),
        },
        ("DELETE", Some(_)) => match found {
            None => token_not_found(),
            Some(id) if may => revoke(state, id, |_| true),
            Some(id) => {
                let bot = by_id(state, id)
                    .map(|(_, r)| r.user.name)
                    .unwrap_or_default();
                bad_request(&format!("{} cannot delete {bot}", caller.name))
            }
        },
        ("POST", None) if !may => bad_request(&format!(
            "User does not have permission to create {} access token",
            word(project)
        )),
        ("POST", None) => create_access_token(state, caller, project, &path, req),
        _ => message(405, "405 Method Not Allowed"),
    }
}

fn unauthorized() -> Reply {
    message(401, "401 Unauthorized")
}

fn access_token_of(state: &State, project: bool, path: &str, token_id: u64) -> Option<u64> {
    match state.provision.meta.get(&token_id)? {
        TokenMeta {
            owner:
                TokenOwner::Resource {
                    project: p,
                    path: q,
                    ..
                },
            ..
        } if *p == project && q == path => Some(token_id),
        _ => None,
    }
}

fn access_token_json(state: &State, id: u64) -> Value {
    by_id(state, id)
        .map(|(_, r)| record_json(state, &r))
        .unwrap_or(Value::Null)
}

fn list_access_tokens(state: &State, project: bool, path: &str) -> Reply {
    let mut ids: Vec<u64> = state
        .provision
        .meta
        .keys()
        .copied()
        .filter(|id| access_token_of(state, project, path, *id).is_some())
        .collect();
    ids.sort();
    let body: Vec<Value> = ids.iter().map(|id| access_token_json(state, *id)).collect();
    json_reply(200, Value::Array(body))
}

fn create_access_token(
    state: &mut State,
    caller: &FakeUser,
    project: bool,
    path: &str,
    req: &Req,
) -> Reply {
    let p = params(req);
    let access_level = param_u64(&p, "access_level").unwrap_or(40) as u32;
    let mine = caller_level(state, project, path, caller);
    if project && access_level == 50 && mine < 50 {
        return bad_request("Could not provision owner access to project access token");
    }
    if access_level > mine {
        return bad_request(
            "Access level of the token can't be greater the access level of the user who created the token",
        );
    }
    // Validate before making the bot user (GitLab's service does too).
    if param_str(&p, "name").is_none_or(|n| n.is_empty()) {
        return missing("name");
    }
    if param_list(&p, "scopes").is_none_or(|s| s.is_empty()) {
        return missing("scopes");
    }
    let resource_id = state.provision.id_of(project, path);
    let id = state.provision.new_user_id();
    let kind_word = if project { "project" } else { "group" };
    let account = Account {
        id,
        username: format!("{kind_word}_{resource_id}_bot_{id:032x}"),
        name: param_str(&p, "name").unwrap_or_default(),
        email: format!("{kind_word}_{resource_id}_bot_{id:x}@noreply.gitlab.example.com"),
        kind: if project {
            AccountKind::ProjectBot(path.to_owned())
        } else {
            AccountKind::GroupBot(path.to_owned())
        },
    };
    let user = account.user();
    let answer = mint(
        state,
        user,
        TokenOwner::Resource {
            project,
            path: path.to_owned(),
            access_level,
        },
        req,
    );
    if answer.status() == 201 {
        state.provision.accounts.push(account);
        let members = if project {
            &mut state.projects
        } else {
            &mut state.groups
        };
        members
            .entry(path.to_owned())
            .or_default()
            .insert(id, access_level);
    }
    answer
}
