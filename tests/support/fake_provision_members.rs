//! Groups, projects, namespaces, the licence and members in the fake GitLab (doc/api/groups.md,
//! projects.md, namespaces.md, license.md, members.md): what a caller may see and change.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::fake_gitlab::{FakeUser, State};
use super::fake_provision::{
    Edition, Knobs, Tier, caller_level, forbidden, known_user, level, message, missing, not_found,
    param_u64, params, resolve, visible,
};
use super::gitlab_bodies::{json_reply, user_json};
use super::servers::{Reply, Req};

fn member_json(user: &FakeUser, level: u32) -> Value {
    let mut body = user_json(user);
    body["access_level"] = json!(level);
    body["created_at"] = json!("2026-01-05T09:30:00.000Z");
    body["expires_at"] = Value::Null;
    body["membership_state"] = json!("active");
    body
}

pub(super) fn plan(knobs: &Knobs) -> &'static str {
    match knobs.tier {
        Tier::Free => "free",
        Tier::Premium => "premium",
        Tier::Ultimate => "ultimate",
    }
}

pub(super) fn license(state: &State, caller: &FakeUser) -> Reply {
    let knobs = &state.provision.knobs;
    if knobs.edition == Edition::Ce {
        return json_reply(404, json!({"error": "404 Not Found"}));
    }
    if !state.provision.is_admin(caller.id) {
        return forbidden();
    }
    if knobs.tier == Tier::Free {
        // EE without a licence: ee/lib/api/license.rb presents `License.current`, which is nil,
        // so GitLab answers 200 with the JSON `null`.
        return json_reply(200, Value::Null);
    }
    json_reply(
        200,
        json!({
            "id": 2,
            "plan": plan(knobs),
            "created_at": "2025-12-01T10:00:00.000Z",
            "starts_at": "2025-12-01",
            "expires_at": "2026-12-31",
            "historical_max": 10,
            "maximum_user_count": 10,
            "expired": false,
            "overage": 0,
            "user_limit": 100,
            "active_users": 10,
            "licensee": {"Name": "Test", "Company": "Example", "Email": "admin@example.com"},
            "add_ons": {},
        }),
    )
}

/// `GET /groups/:id`'s body (the fields provisioning reads).
pub(super) fn group_json(state: &mut State, path: &str) -> Value {
    let id = state.provision.id_of(false, path);
    let parent_id = path
        .rsplit_once('/')
        .map(|(parent, _)| state.provision.id_of(false, parent));
    let name = path.rsplit('/').next().unwrap_or(path);
    json!({
        "id": id,
        "name": name,
        "path": name,
        "full_name": path.replace('/', " / "),
        "full_path": path,
        "parent_id": parent_id,
        "visibility": "private",
        "web_url": format!("https://gitlab.example.com/groups/{path}"),
    })
}

pub(super) fn namespace_json(state: &mut State, path: &str) -> Value {
    let mut body = group_json(state, path);
    body["kind"] = json!("group");
    body
}

pub(super) fn project_json(state: &mut State, path: &str, caller: &FakeUser) -> Value {
    let id = state.provision.id_of(true, path);
    let (namespace, name) = path.rsplit_once('/').unwrap_or(("", path));
    let mut ns = namespace_json(state, namespace);
    if ns["parent_id"].is_null() {
        ns["parent_id"] = Value::Null;
    }
    let direct = state
        .projects
        .get(path)
        .and_then(|m| m.get(&caller.id).copied());
    let group = level(state, false, namespace, caller.id);
    json!({
        "id": id,
        "name": name,
        "path": name,
        "path_with_namespace": path,
        "name_with_namespace": path.replace('/', " / "),
        "namespace": ns,
        "visibility": "private",
        "web_url": format!("https://gitlab.example.com/{path}"),
        "permissions": {
            "project_access": direct.map(|l| json!({"access_level": l, "notification_level": 3})),
            "group_access": group.map(|l| json!({"access_level": l, "notification_level": 3})),
        },
    })
}

/// Group members are managed by Owners, project members by Maintainers (admins: anywhere).
fn may_manage_members(state: &State, caller: &FakeUser, project: bool, path: &str) -> bool {
    caller_level(state, project, path, caller) >= if project { 40 } else { 50 }
}

fn members_mut<'a>(state: &'a mut State, project: bool, path: &str) -> &'a mut HashMap<u64, u32> {
    let map = if project {
        &mut state.projects
    } else {
        &mut state.groups
    };
    map.entry(path.to_owned()).or_default()
}

pub(super) fn add_member(
    state: &mut State,
    caller: &FakeUser,
    project: bool,
    raw: &str,
    req: &Req,
) -> Reply {
    let Some(path) = resolve(state, project, raw) else {
        return not_found(project);
    };
    if !visible(state, project, &path, caller) {
        return not_found(project);
    }
    if !may_manage_members(state, caller, project, &path) {
        return forbidden();
    }
    let p = params(req);
    let Some(user_id) = param_u64(&p, "user_id") else {
        return missing("user_id");
    };
    let Some(access_level) = param_u64(&p, "access_level") else {
        return missing("access_level");
    };
    let access_level = access_level as u32;
    if ![5, 10, 15, 20, 30, 40, 50].contains(&access_level) {
        return json_reply(
            400,
            json!({"error": "access_level does not have a valid value"}),
        );
    }
    if members_mut(state, project, &path).contains_key(&user_id) {
        return message(409, "Member already exists");
    }
    let Some(user) = known_user(state, user_id) else {
        return message(404, "404 User Not Found");
    };
    // A project Maintainer cannot make someone Owner.
    if access_level > caller_level(state, project, &path, caller) {
        return forbidden();
    }
    if queued(state, caller, &user, access_level) {
        // members.md: "Example of queueing a single user". The status is not documented (201
        // here is a guess); nothing is added until an administrator approves.
        return json_reply(
            201,
            json!({"message": {user.username.clone(): "Request queued for administrator approval."}}),
        );
    }
    members_mut(state, project, &path).insert(user_id, access_level);
    json_reply(201, member_json(&user, access_level))
}

/// Whether "Administrator approval for role promotions" holds this membership back
/// (GitlabSubscriptions::MemberManagement::PromotionManagementUtils): only on self-managed (not
/// GitLab.com) with an Ultimate licence (`exclude_guests_from_active_count?`), only for a human
/// (`User.non_billable_users_for_billable_management` is `active.without_bots`; service accounts
/// and access-token bots are bots) who holds no billable role yet, only for a billable role
/// (above Guest), and never when an administrator adds them.
fn queued(state: &State, caller: &FakeUser, user: &FakeUser, access_level: u32) -> bool {
    let knobs = &state.provision.knobs;
    let billable = |level: u32| level > 10;
    let already_billable = state
        .groups
        .values()
        .chain(state.projects.values())
        .any(|m| m.get(&user.id).is_some_and(|l| billable(*l)));
    knobs.approval_queue
        && !knobs.gitlab_com
        && knobs.edition == Edition::Ee
        && knobs.tier == Tier::Ultimate
        && !user.bot
        && !already_billable
        && billable(access_level)
        && !state.provision.is_admin(caller.id)
}

pub(super) fn direct_member(
    state: &mut State,
    caller: &FakeUser,
    project: bool,
    raw: &str,
    user_id: u64,
    req: &Req,
) -> Reply {
    let Some(path) = resolve(state, project, raw) else {
        return not_found(project);
    };
    if !visible(state, project, &path, caller) {
        return not_found(project);
    }
    let Some(current) = members_mut(state, project, &path).get(&user_id).copied() else {
        return message(404, "404 Member Not Found");
    };
    let user = known_user(state, user_id)
        .unwrap_or_else(|| FakeUser::person(user_id, &format!("user{user_id}")));
    if req.method == "GET" {
        return json_reply(200, member_json(&user, current));
    }
    if !may_manage_members(state, caller, project, &path) {
        return forbidden();
    }
    let p = params(req);
    let Some(access_level) = param_u64(&p, "access_level") else {
        return missing("access_level");
    };
    let access_level = access_level as u32;
    if access_level > caller_level(state, project, &path, caller) {
        return forbidden();
    }
    members_mut(state, project, &path).insert(user_id, access_level);
    json_reply(200, member_json(&user, access_level))
}
