//! `POST /user/personal_access_tokens` in the fake GitLab: the caller's own token.
//!
//! As GitLab's source and docs have it (mirror `gitlabhq/gitlabhq`):
//! - legacy `scopes` only `k8s_proxy` and `self_rotate` (doc/api/user_tokens.md "Create a
//!   personal access token"); before 19.2 `scopes` is required, so a fine-grained body is
//!   `400 scopes is missing`;
//! - from 19.2 `granular_scopes` (lib/api/helpers/personal_access_tokens_helpers.rb
//!   `granular_scope_params`): each `access`, `permissions`, `project_ids`, `group_ids`;
//!   `selected_memberships` makes one scope per group or project, 404 when the caller is not a
//!   member of it (`resource_scope_attrs`); no scope at all: "At least one granular scope must
//!   be provided" (`Authn::PersonalAccessTokens::CreateGranularService`);
//! - the answer shows `granular_scopes` from 19.6 (doc/api/user_tokens.md history).
//!
//! Not modelled: the privilege-escalation check for a fine-grained calling token
//! (`Authz::Tokens::PrivilegeEscalationCheck`; its answer's status is not in the docs).

#![allow(clippy::result_large_err)]

use serde_json::{Value, json};

use super::fake_gitlab::{FakeUser, State};
use super::fake_minted::mint_record;
use super::fake_provision::{bad_request, level, message, missing, param_list, params, resolve};
use super::gitlab_bodies::json_reply;
use super::servers::{Reply, Req};

const GRANULAR_CREATE: (u32, u32) = (19, 2);
const SCOPES_IN_ANSWER: (u32, u32) = (19, 6);
const ACCESS: &[&str] = &[
    "user",
    "instance",
    "all_memberships",
    "personal_projects",
    "selected_memberships",
];

pub(super) fn create(state: &mut State, caller: &FakeUser, req: &Req) -> Reply {
    let p = params(req);
    let granular = p.get("granular_scopes").cloned();
    let knobs = state.provision.knobs.clone();
    let granular_here = knobs.at_least(GRANULAR_CREATE.0, GRANULAR_CREATE.1);
    let Some(Value::Array(inputs)) = granular.filter(|_| granular_here) else {
        // The legacy form: `scopes` required, only k8s_proxy and self_rotate.
        let Some(scopes) = param_list(&p, "scopes").filter(|s| !s.is_empty()) else {
            return missing("scopes");
        };
        if scopes
            .iter()
            .any(|s| s != "k8s_proxy" && s != "self_rotate")
        {
            return json_reply(400, json!({"error": "scopes does not have a valid value"}));
        }
        return mint_record(state, caller.clone(), req, &scopes, None, false);
    };
    // Never both (the docs: "never together"; Grape's wording for exclusive parameters).
    if p.contains_key("scopes") {
        return json_reply(
            400,
            json!({"error": "scopes, granular_scopes are mutually exclusive"}),
        );
    }
    let mut stored: Vec<Value> = Vec::new();
    for input in &inputs {
        let access = input["access"].as_str().unwrap_or_default();
        if !ACCESS.contains(&access) {
            return json_reply(
                400,
                json!({"error": "granular_scopes[access] does not have a valid value"}),
            );
        }
        let Some(perms) = input["permissions"].as_array().filter(|a| !a.is_empty()) else {
            return missing("granular_scopes[permissions]");
        };
        let base = json!({"access": access, "permissions": perms});
        if access != "selected_memberships" {
            stored.push(base);
            continue;
        }
        for (project, key) in [(true, "project_ids"), (false, "group_ids")] {
            for id in input[key].as_array().into_iter().flatten() {
                let raw = id.as_u64().map(|n| n.to_string()).unwrap_or_default();
                let Some(path) = resolve(state, project, &raw) else {
                    return message(404, "404 Not Found");
                };
                if level(state, project, &path, caller.id).is_none() {
                    return message(404, "404 Not Found");
                }
                let mut s = base.clone();
                let field = if project { "project_id" } else { "group_id" };
                s[field] = json!(state.provision.id_of(project, &path));
                stored.push(s);
            }
        }
    }
    if knobs.widen_own_tokens {
        stored.push(json!({"access": "all_memberships", "permissions": ["download_code"]}));
    }
    if stored.is_empty() {
        return bad_request("At least one granular scope must be provided");
    }
    let show = knobs.at_least(SCOPES_IN_ANSWER.0, SCOPES_IN_ANSWER.1);
    mint_record(state, caller.clone(), req, &[], Some(stored), show)
}
