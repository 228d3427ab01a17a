//! The life of a minted token in the fake GitLab: made (registered in the token table with its
//! description and owner), listed (`state`, `revoked`, `search`), revoked (204; again: 400) and
//! rotated by id (a revoked one: its family revoked, then 400; else the old one revoked, the new one expiring on `expires_at`, else in a week). A refused
//! expiry: 422 `{"message":…}` for users' and service accounts' tokens, 400 for access tokens.

#![allow(clippy::result_large_err)]

use serde_json::{Value, json};

use super::fake_gitlab::{
    FakeUser, MAX_LIFETIME_DAYS, State, TokenRecord, new_secret, revoke_family, today,
};
use super::fake_provision::{
    TokenMeta, bad_request, message, missing, param_list, param_str, params,
};
use super::fake_provision_tokens::TokenOwner;
use super::gitlab_bodies::{json_reply, token_json};
use super::servers::{Reply, Req, reply};
use gitlab_token::gitlab::types::{format_date, parse_date};

/// The expiry asked for (`None`: the parameter is absent), or the refusal of a bad one:
/// GitLab's model error through `refuse` (a 400 `bad_request!` or a 422, by endpoint).
pub(super) fn expiry(
    state: &State,
    value: Option<String>,
    refuse: fn(&str) -> Reply,
) -> Result<Option<time::Date>, Reply> {
    let today = today();
    let max = today + time::Duration::days(state.max_lifetime_days.unwrap_or(MAX_LIFETIME_DAYS));
    let Some(value) = value else {
        return Ok(None);
    };
    let Some(date) = parse_date(&value) else {
        return Err(json_reply(400, json!({"error": "expires_at is invalid"})));
    };
    if date > max {
        return Err(refuse(&format!(
            "Expiration date must be before {}",
            format_date(max)
        )));
    }
    if date <= today {
        return Err(refuse("Expiration date must be in the future"));
    }
    Ok(Some(date))
}

/// Scopes GitLab knows (`self_rotate` from 17.9).
pub(super) fn valid_scopes(state: &State, scopes: &[String]) -> bool {
    const KNOWN: &[&str] = &[
        "api",
        "read_api",
        "read_user",
        "create_runner",
        "manage_runner",
        "k8s_proxy",
        "read_repository",
        "write_repository",
        "read_registry",
        "write_registry",
        "read_virtual_registry",
        "write_virtual_registry",
        "ai_features",
        "read_service_ping",
        "sudo",
        "admin_mode",
    ];
    scopes.iter().all(|s| {
        KNOWN.contains(&s.as_str()) || (s == "self_rotate" && state.provision.knobs.at_least(17, 9))
    })
}

/// GitLab's answer when a personal access token's model refuses it on the service-account and
/// admin create routes: `render_api_error!(message, :unprocessable_entity)`, i.e. 422 with the
/// bare message (EE `API::GroupServiceAccounts` spec "when an error is thrown by the model";
/// lib/api/users.rb `POST /users/:id/personal_access_tokens`).
pub(super) fn unprocessable(text: &str) -> Reply {
    message(422, text)
}

/// Makes a token of `user`: registers it in the token table and answers 201 with its secret.
/// A refused expiry is a 422 for a user's (service account's) token and a 400 `bad_request!`
/// for an access token (lib/api/resource_access_tokens.rb).
pub(super) fn mint(state: &mut State, user: FakeUser, owner: TokenOwner, req: &Req) -> Reply {
    let p = params(req);
    let Some(scopes) = param_list(&p, "scopes").filter(|s| !s.is_empty()) else {
        return missing("scopes");
    };
    if !valid_scopes(state, &scopes) {
        return json_reply(400, json!({"error": "scopes does not have a valid value"}));
    }
    let mut scopes = scopes;
    if state.provision.knobs.widen_scopes && matches!(owner, TokenOwner::User) {
        scopes.push("api".into());
    }
    let answer = made(state, user, owner, req, &scopes, None, false);
    if state.provision.knobs.lose_token_answers && answer.status() == 201 {
        return super::fake_provision::message(502, "502 Bad Gateway");
    }
    if !state.provision.knobs.answer_callers_token || answer.status() != 201 {
        return answer;
    }
    // The caller's own token instead of the one made (which stays, active, on the account).
    let Some(secret) = super::fake_gitlab::credentials(req) else {
        return answer;
    };
    let Some(record) = state.tokens.get(&secret).cloned() else {
        return answer;
    };
    let mut body = record_json(state, &record);
    body["token"] = Value::String(secret);
    json_reply(201, body)
}

/// The caller's own token (`fake_own_tokens`): legacy `scopes`, or fine-grained `granular`
/// (then `show_granular` puts them in the answer).
pub(super) fn mint_record(
    state: &mut State,
    user: FakeUser,
    req: &Req,
    scopes: &[String],
    granular: Option<Vec<Value>>,
    show_granular: bool,
) -> Reply {
    made(
        state,
        user,
        TokenOwner::User,
        req,
        scopes,
        granular,
        show_granular,
    )
}

fn made(
    state: &mut State,
    user: FakeUser,
    owner: TokenOwner,
    req: &Req,
    scopes: &[String],
    granular: Option<Vec<Value>>,
    show_granular: bool,
) -> Reply {
    let p = params(req);
    let Some(name) = param_str(&p, "name").filter(|n| !n.is_empty()) else {
        return missing("name");
    };
    let refuse = match owner {
        TokenOwner::User => unprocessable,
        TokenOwner::Resource { .. } => bad_request,
    };
    let expires = match expiry(state, param_str(&p, "expires_at"), refuse) {
        Ok(d) => d.unwrap_or_else(|| {
            today() + time::Duration::days(state.max_lifetime_days.unwrap_or(MAX_LIFETIME_DAYS))
        }),
        Err(reply) => return reply,
    };
    let scope_refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let mut record = TokenRecord::new(&user, &scope_refs).named(&name);
    record.granular = granular;
    record.expires_at = format_date(expires);
    state.next_id += 1;
    record.id = state.next_id;
    let secret = new_secret("minted");
    state.provision.meta.insert(
        record.id,
        TokenMeta {
            owner,
            description: param_str(&p, "description"),
        },
    );
    state.tokens.insert(secret.clone(), record.clone());
    let mut body = record_json(state, &record);
    if show_granular {
        body["granular_scopes"] = json!(record.granular);
    }
    body["token"] = Value::String(secret);
    json_reply(201, body)
}

/// A token's record as the list and create endpoints show it (description and, for access
/// tokens, `access_level`).
pub(super) fn record_json(state: &State, record: &TokenRecord) -> Value {
    let mut body = token_json(record);
    let v = state.provision.knobs.version;
    if (v.0, v.1) >= super::fake_granular::GRANULAR_FIELD {
        body["granular"] = json!(record.granular.is_some());
    }
    let meta = state.provision.meta.get(&record.id);
    body["description"] = json!(meta.and_then(|m| m.description.clone()));
    if let Some(TokenMeta {
        owner: TokenOwner::Resource { access_level, .. },
        ..
    }) = meta
    {
        body["access_level"] = json!(access_level);
    }
    body
}

pub(super) fn by_id(state: &State, id: u64) -> Option<(String, TokenRecord)> {
    state
        .tokens
        .iter()
        .find(|(_, r)| r.id == id)
        .map(|(s, r)| (s.clone(), r.clone()))
}

pub(super) fn list_tokens(state: &State, req: &Req, keep: impl Fn(&TokenRecord) -> bool) -> Reply {
    let wanted_state = req.query_param("state");
    let revoked = req.query_param("revoked");
    let search = req.query_param("search").map(|s| {
        url::form_urlencoded::parse(format!("s={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    });
    let today = today();
    let mut list: Vec<&TokenRecord> = state
        .tokens
        .values()
        .filter(|r| keep(r))
        .filter(|r| {
            let active =
                r.active && !r.revoked && parse_date(&r.expires_at).is_none_or(|d| d > today);
            match wanted_state.as_deref() {
                Some("active") => active,
                Some("inactive") => !active,
                _ => true,
            }
        })
        .filter(|r| match revoked.as_deref() {
            Some("true") => r.revoked,
            Some("false") => !r.revoked,
            _ => true,
        })
        .filter(|r| search.as_ref().is_none_or(|s| r.name.contains(s.as_str())))
        .collect();
    list.sort_by_key(|r| r.id);
    let body: Vec<Value> = list.iter().map(|r| record_json(state, r)).collect();
    json_reply(200, Value::Array(body))
}

pub(super) fn revoke(state: &mut State, id: u64, allowed: impl Fn(&TokenRecord) -> bool) -> Reply {
    let Some((secret, record)) = by_id(state, id) else {
        return message(404, "404 Not Found");
    };
    if !allowed(&record) {
        return message(404, "404 Not Found");
    }
    if record.revoked {
        return bad_request("Token already revoked");
    }
    if let Some(r) = state.tokens.get_mut(&secret) {
        r.revoked = true;
        r.active = false;
    }
    reply(204, &[("cache-control", "no-cache")], "")
}

/// Rotation by id: the old token is revoked, a new one with the same name, scopes and owner
/// expires on `expires_at` (else in a week, as GitLab does when the token needs an expiry).
pub(super) fn rotate(
    state: &mut State,
    id: u64,
    req: &Req,
    allowed: impl Fn(&TokenRecord) -> bool,
) -> Reply {
    let Some((secret, record)) = by_id(state, id) else {
        return message(404, "404 Not Found");
    };
    if !allowed(&record) {
        return message(404, "404 Not Found");
    }
    if record.revoked || !record.active {
        // Reuse detection ("Automatic reuse detection", personal_access_tokens.md; the rotate
        // route's description in lib/api/resource_access_tokens.rb): the active tokens of the
        // same family are revoked, then RotateService's "Token already revoked".
        revoke_family(state, &secret);
        return bad_request("Token already revoked");
    }
    let p = params(req);
    let expires = match expiry(state, param_str(&p, "expires_at"), bad_request) {
        Ok(d) => d.unwrap_or_else(|| today() + time::Duration::days(7)),
        Err(reply) => return reply,
    };
    let new = new_secret("rotated");
    state.next_id += 1;
    let successor = TokenRecord {
        id: state.next_id,
        expires_at: format_date(expires),
        rotated_to: None,
        created_at: super::gitlab_bodies::now_rfc3339(),
        ..record
    };
    if let Some(meta) = state.provision.meta.get(&id).cloned() {
        state.provision.meta.insert(successor.id, meta);
    }
    if let Some(old) = state.tokens.get_mut(&secret) {
        old.revoked = true;
        old.active = false;
        old.rotated_to = Some(new.clone());
    }
    state.tokens.insert(new.clone(), successor.clone());
    let mut body = record_json(state, &successor);
    // Rotate by id passes `with_granular_scopes` (19.2, lib/api/personal_access_tokens.rb).
    let v = state.provision.knobs.version;
    if successor.granular.is_some() && (v.0, v.1) >= super::fake_granular::SCOPES_BY_ID {
        body["granular_scopes"] = json!(successor.granular);
    }
    body["token"] = Value::String(new);
    json_reply(200, body)
}
