//! CI/CD variables in the fake GitLab, as GitLab's `doc/api/project_level_variables.md`,
//! `group_level_variables.md` and `lib/api/ci/variables.rb` describe them:
//!
//! - `GET /{projects,groups}/:id/variables/:key[?filter[environment_scope]=…]` (200, or
//!   `404 {"message":"404 Variable Not Found"}`; `409` when several share the key and no filter),
//! - `PUT` of the same (only the attributes given change; 404 when missing),
//! - `POST /{projects,groups}/:id/variables` (201; `400 {"message":{"key":["(KEY) has already
//!   been taken"]}}` for a taken key and scope; masked values need 8+ characters, no spaces).
//!
//! A project needs the Maintainer role (`admin_build`), a group the Owner role
//! (`admin_cicd_variables`): `403 {"message":"403 Forbidden"}` below it; a project or group the
//! user is not a member of is `404 Project Not Found` / `404 Group Not Found`. GET accepts the
//! `api` or `read_api` scope, writes only `api`. Parameters come as JSON, a form, or the query.

use std::collections::HashMap;

use serde_json::{Value, json};

use super::fake_gitlab::TokenRecord;
use super::gitlab_bodies::{insufficient_scope, json_reply};
use super::servers::{Reply, Req};

/// A variable as GitLab stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeVariable {
    pub key: String,
    pub value: String,
    pub variable_type: String,
    pub protected: bool,
    pub masked: bool,
    pub hidden: bool,
    pub raw: bool,
    pub environment_scope: String,
    pub description: Option<String>,
}

impl FakeVariable {
    /// An `env_var` in scope `*`, not protected, not masked.
    pub fn new(key: &str, value: &str) -> Self {
        FakeVariable {
            key: key.into(),
            value: value.into(),
            variable_type: "env_var".into(),
            protected: false,
            masked: false,
            hidden: false,
            raw: false,
            environment_scope: "*".into(),
            description: None,
        }
    }

    pub fn protected(mut self) -> Self {
        self.protected = true;
        self
    }

    pub fn masked(mut self) -> Self {
        self.masked = true;
        self
    }

    pub fn scoped(mut self, scope: &str) -> Self {
        self.environment_scope = scope.into();
        self
    }

    fn json(&self) -> Value {
        json!({
            "variable_type": self.variable_type,
            "key": self.key,
            "value": if self.hidden { Value::Null } else { Value::String(self.value.clone()) },
            "protected": self.protected,
            "masked": self.masked,
            "hidden": self.hidden,
            "raw": self.raw,
            "environment_scope": self.environment_scope,
            "description": self.description,
        })
    }
}

/// Every project's and group's variables, by (`project`?, full path).
#[derive(Debug, Default)]
pub struct Variables {
    by_owner: HashMap<(bool, String), Vec<FakeVariable>>,
}

impl Variables {
    /// Adds (or replaces, same key and scope) a variable of project or group `path`.
    pub fn set(&mut self, project: bool, path: &str, variable: FakeVariable) {
        let list = self.by_owner.entry((project, path.to_owned())).or_default();
        list.retain(|v| {
            !(v.key == variable.key && v.environment_scope == variable.environment_scope)
        });
        list.push(variable);
    }

    /// The variables of project or group `path`.
    pub fn of(&self, project: bool, path: &str) -> Vec<FakeVariable> {
        self.by_owner
            .get(&(project, path.to_owned()))
            .cloned()
            .unwrap_or_default()
    }
}

/// A request to the variable endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarRoute {
    project: bool,
    id: String,
    /// `None`: the collection (`POST`).
    key: Option<String>,
    method: String,
}

impl VarRoute {
    pub fn parse(method: &str, api: &str) -> Option<VarRoute> {
        let segments: Vec<&str> = api.split('/').collect();
        let (kind, id, key) = match (method, segments.as_slice()) {
            ("GET" | "PUT" | "DELETE", [kind, id, "variables", key]) => (kind, id, Some(key)),
            ("POST", [kind, id, "variables"]) => (kind, id, None),
            _ => return None,
        };
        let project = match *kind {
            "projects" => true,
            "groups" => false,
            _ => return None,
        };
        Some(VarRoute {
            project,
            id: decode(id)?,
            key: match key {
                Some(k) => Some(decode(k)?),
                None => None,
            },
            method: method.to_owned(),
        })
    }
}

fn decode(s: &str) -> Option<String> {
    let s = s.replace('+', " ");
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

/// Query, form and JSON parameters together (GitLab's Grape merges them), as strings or bools.
fn params(req: &Req) -> HashMap<String, Value> {
    let mut all = HashMap::new();
    let mut pairs = |text: &str| {
        for pair in text.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            if let (Some(k), Some(v)) = (decode(k), decode(v)) {
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

fn boolean(v: Option<&Value>) -> Option<bool> {
    match v? {
        Value::Bool(b) => Some(*b),
        Value::String(s) => Some(s == "true" || s == "1"),
        _ => None,
    }
}

fn string(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// The role the user has on the project or group (inherited from ancestor groups; the highest
/// wins): `None` when it does not exist, `Some(0)` when the user is no member.
fn level(
    groups: &HashMap<String, HashMap<u64, u32>>,
    projects: &HashMap<String, HashMap<u64, u32>>,
    project: bool,
    id: &str,
    user_id: u64,
) -> Option<u32> {
    let direct = if project {
        projects.get(id)?
    } else {
        groups.get(id)?
    };
    let parts: Vec<&str> = id.split('/').collect();
    let inherited =
        (1..parts.len()).filter_map(|n| groups.get(&parts[..n].join("/"))?.get(&user_id).copied());
    Some(
        direct
            .get(&user_id)
            .copied()
            .into_iter()
            .chain(inherited)
            .max()
            .unwrap_or(0),
    )
}

/// Answers a variable request by `record`'s user (already authenticated).
pub fn respond(
    variables: &mut Variables,
    groups: &HashMap<String, HashMap<u64, u32>>,
    projects: &HashMap<String, HashMap<u64, u32>>,
    record: &TokenRecord,
    route: &VarRoute,
    req: &Req,
) -> Reply {
    let allowed: &[&str] = if route.method == "GET" {
        &["api", "read_api"]
    } else {
        &["api"]
    };
    if !allowed.iter().any(|s| record.scopes.iter().any(|g| g == s)) {
        return insufficient_scope(allowed);
    }
    let not_found = if route.project {
        "404 Project Not Found"
    } else {
        "404 Group Not Found"
    };
    let Some(role) = level(groups, projects, route.project, &route.id, record.user.id) else {
        return json_reply(404, json!({"message": not_found}));
    };
    // Guests and non-members cannot see a private project at all; reporters and up can.
    if role < 10 {
        return json_reply(404, json!({"message": not_found}));
    }
    let needed = if route.project { 40 } else { 50 };
    if role < needed {
        return json_reply(403, json!({"message": "403 Forbidden"}));
    }
    let p = params(req);
    let list = variables
        .by_owner
        .entry((route.project, route.id.clone()))
        .or_default();
    let Some(key) = &route.key else {
        return create(list, &p);
    };
    let scope = string(p.get("filter[environment_scope]"));
    let matches: Vec<usize> = (0..list.len())
        .filter(|&i| {
            list[i].key == *key
                && scope
                    .as_ref()
                    .is_none_or(|s| &list[i].environment_scope == s)
        })
        .collect();
    let i = match matches.as_slice() {
        [] => return json_reply(404, json!({"message": "404 Variable Not Found"})),
        [i] => *i,
        _ => {
            let m = "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'";
            return json_reply(409, json!({"message": m}));
        }
    };
    match route.method.as_str() {
        "GET" => json_reply(200, list[i].json()),
        "DELETE" => {
            list.remove(i);
            super::servers::reply(204, &[], "")
        }
        _ => update(&mut list[i], &p),
    }
}

fn masked_value_ok(value: &str) -> bool {
    value.len() >= 8 && !value.chars().any(char::is_whitespace)
}

fn update(v: &mut FakeVariable, p: &HashMap<String, Value>) -> Reply {
    let mut next = v.clone();
    if let Some(value) = string(p.get("value")) {
        next.value = value;
    }
    if let Some(b) = boolean(p.get("protected")) {
        next.protected = b;
    }
    if let Some(b) = boolean(p.get("masked")) {
        next.masked = b;
    }
    if let Some(b) = boolean(p.get("raw")) {
        next.raw = b;
    }
    if let Some(s) = string(p.get("environment_scope")) {
        next.environment_scope = s;
    }
    if let Some(s) = string(p.get("variable_type")) {
        next.variable_type = s;
    }
    if next.masked && !masked_value_ok(&next.value) {
        return json_reply(400, json!({"message": {"value": ["is invalid"]}}));
    }
    *v = next;
    json_reply(200, v.json())
}

fn create(list: &mut Vec<FakeVariable>, p: &HashMap<String, Value>) -> Reply {
    let (Some(key), Some(value)) = (string(p.get("key")), string(p.get("value"))) else {
        return json_reply(400, json!({"error": "key is missing, value is missing"}));
    };
    if key.is_empty()
        || key.len() > 255
        || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        let m = "can contain only letters, digits and '_'.";
        return json_reply(400, json!({"message": {"key": [m]}}));
    }
    let mut v = FakeVariable::new(&key, &value);
    v.protected = boolean(p.get("protected")).unwrap_or(false);
    v.masked = boolean(p.get("masked")).unwrap_or(false);
    v.raw = boolean(p.get("raw")).unwrap_or(false);
    if let Some(s) = string(p.get("environment_scope")) {
        v.environment_scope = s;
    }
    if let Some(s) = string(p.get("variable_type")) {
        v.variable_type = s;
    }
    if v.masked && !masked_value_ok(&v.value) {
        return json_reply(400, json!({"message": {"value": ["is invalid"]}}));
    }
    if list
        .iter()
        .any(|x| x.key == v.key && x.environment_scope == v.environment_scope)
    {
        let m = format!("({}) has already been taken", v.key);
        return json_reply(400, json!({"message": {"key": [m]}}));
    }
    let body = v.json();
    list.push(v);
    json_reply(201, body)
}
