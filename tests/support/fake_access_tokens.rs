//! Group and project access tokens in the fake GitLab (doc/api/group_access_tokens.md,
//! project_access_tokens.md): a group's need its Owner, a project's its Maintainer, no higher
//! `access_level` than the creator's; each gets its own bot user, a member at that level. On
//! GitLab.com they need Premium.

#![allow(clippy::result_large_err)]

use serde_json::Value;

use super::fake_gitlab::{FakeUser, State};
use super::fake_minted::{by_id, mint, record_json};
use super::fake_provision::{
    Account, AccountKind, TokenMeta, bad_request, caller_level, forbidden, missing, not_found,
    param_list, param_str, param_u64, params, resolve, visible,
};
use super::fake_provision_tokens::TokenOwner;
use super::gitlab_bodies::json_reply;
use super::servers::{Reply, Req};

/// Group access tokens need Owner, project access tokens Maintainer (admins: anywhere). On
/// GitLab.com they need Premium.
pub(super) fn check_resource(
    state: &mut State,
    caller: &FakeUser,
    project: bool,
    raw: &str,
) -> Result<String, Reply> {
    let Some(path) = resolve(state, project, raw) else {
        return Err(not_found(project));
    };
    let level = caller_level(state, project, &path, caller);
    if !visible(state, project, &path, caller) {
        return Err(not_found(project));
    }
    let knobs = &state.provision.knobs;
    let licensed = !knobs.gitlab_com || knobs.tier >= super::fake_provision::Tier::Premium;
    if level < if project { 40 } else { 50 } || !licensed {
        return Err(forbidden());
    }
    Ok(path)
}

pub(super) fn access_token_of(
    state: &State,
    project: bool,
    path: &str,
    token_id: u64,
) -> Option<u64> {
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

pub(super) fn access_token_json(state: &State, id: u64) -> Value {
    by_id(state, id)
        .map(|(_, r)| record_json(state, &r))
        .unwrap_or(Value::Null)
}

pub(super) fn list_access_tokens(state: &State, project: bool, path: &str) -> Reply {
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

pub(super) fn create_access_token(
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
