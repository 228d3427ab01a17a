//! The fake GitLab's fine-grained tokens, as GitLab's source has them (mirror
//! `gitlabhq/gitlabhq`; see src/gitlab/granular.rs for the commits read):
//!
//! - the entity exposes `granular` (from the beta, 18.10; absent at 9874144, present at 3919ad7)
//!   and `granular_scopes` only where the endpoint passes `with_granular_scopes`: the list,
//!   `GET /personal_access_tokens/:id` and rotate by id (19.2, lib/api/personal_access_tokens.rb
//!   @e2e5ea3), never `/self` (self_information.rb @d66adcb) nor `/self/rotate`;
//! - a route checks its permission on its boundary (app/models/authz/granular_scope.rb): a
//!   `:user` route needs a `user` scope holding it; a project or group route an
//!   `all_memberships` scope, or a `selected_memberships` one on the namespace or an ancestor;
//! - a missing permission is 403 `insufficient_granular_scope` with GitLab's sentence
//!   (lib/api/api_guard.rb; the sentence's wording from the OAuth error format).

use serde_json::{Value, json};

use super::fake_gitlab::{State, TokenRecord};
use super::gitlab_bodies::json_reply;
use super::servers::Reply;

/// The release whose entity first has `granular` (the beta).
pub const GRANULAR_FIELD: (u32, u32) = (18, 10);
/// `granular_scopes` on get-by-id, list and rotate by id.
pub const SCOPES_BY_ID: (u32, u32) = (19, 2);

/// One `granular_scopes` entry.
pub fn scope(access: &str, permissions: &[&str]) -> Value {
    json!({"access": access, "permissions": permissions})
}

/// A `selected_memberships` entry on a project or group id.
pub fn selected(permissions: &[&str], project_id: Option<u64>, group_id: Option<u64>) -> Value {
    let mut s = scope("selected_memberships", permissions);
    if let Some(p) = project_id {
        s["project_id"] = json!(p);
    }
    if let Some(g) = group_id {
        s["group_id"] = json!(g);
    }
    s
}

/// The 403 GitLab answers a fine-grained token that lacks `what` (e.g. `Personal Access Token:
/// Read`) on a `boundary` (`user`, `project`, `group`).
pub fn denied(boundary: &str, what: &str) -> Reply {
    json_reply(
        403,
        json!({
            "error": "insufficient_granular_scope",
            "error_description": format!(
                "Access denied: This operation requires a fine-grained personal access token with the following {boundary} permissions: [{what}]."
            ),
        }),
    )
}

fn scopes(record: &TokenRecord) -> &[Value] {
    record.granular.as_deref().unwrap_or(&[])
}

fn holds(s: &Value, permission: &str) -> bool {
    s["permissions"]
        .as_array()
        .is_some_and(|p| p.iter().any(|p| p == permission))
}

/// A `:user` route's check.
pub fn user_allows(record: &TokenRecord, permission: &str) -> bool {
    scopes(record)
        .iter()
        .any(|s| s["access"] == "user" && holds(s, permission))
}

/// A project or group route's check on `path` (a project when `project`).
pub(super) fn namespace_allows(
    state: &mut State,
    record: &TokenRecord,
    permission: &str,
    project: bool,
    path: &str,
) -> bool {
    let project_id = project.then(|| state.provision.id_of(true, path));
    let parts: Vec<&str> = path.split('/').collect();
    let groups_end = if project {
        parts.len() - 1
    } else {
        parts.len()
    };
    let group_ids: Vec<u64> = (1..=groups_end)
        .map(|n| state.provision.id_of(false, &parts[..n].join("/")))
        .collect();
    scopes(record)
        .iter()
        .filter(|s| holds(s, permission))
        .any(|s| {
            s["access"] == "all_memberships"
                || (s["access"] == "selected_memberships"
                    && (project_id.is_some_and(|p| s["project_id"] == p)
                        || s["group_id"]
                            .as_u64()
                            .is_some_and(|g| group_ids.contains(&g))))
        })
}

/// The token's record as GitLab at `version` presents it; `with_scopes` where the endpoint
/// passes `with_granular_scopes` (from 19.2).
pub fn token_body(record: &TokenRecord, version: (u32, u32), with_scopes: bool) -> Value {
    let mut body = super::gitlab_bodies::token_json(record);
    if version >= GRANULAR_FIELD {
        body["granular"] = json!(record.granular.is_some());
    }
    if with_scopes && version >= SCOPES_BY_ID && record.granular.is_some() {
        body["granular_scopes"] = json!(scopes(record));
    }
    body
}
