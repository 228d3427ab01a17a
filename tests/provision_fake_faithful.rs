//! Self-tests of the fake GitLab on the points a review checked against GitLab's docs and code
//! (/work/notes/fact-review.md): refusal codes and bodies, the approval queue, subgroup service
//! accounts, the Free limit, the unlicensed `/license`, reuse detection on rotate.

mod support;

use serde_json::json;
use support::fake_api::*;
use support::fake_provision::Tier;

/// The status and the raw body (to tell a JSON `null` from an empty body).
async fn raw(w: &World, method: &str, path: &str, token: &str) -> (u16, String) {
    let url = format!("{}/api/v4/{path}", w.gitlab.url());
    let answer = w
        .http
        .request(method.parse().unwrap(), url)
        .header("PRIVATE-TOKEN", token)
        .send()
        .await
        .expect("answer");
    (answer.status().as_u16(), answer.text().await.unwrap())
}

#[tokio::test]
async fn an_unlicensed_enterprise_edition_answers_license_with_null() {
    let w = world();
    w.gitlab.set_knobs(|k| k.tier = Tier::Free);
    // ee/lib/api/license.rb presents License.current, nil without a licence.
    assert_eq!(
        raw(&w, "GET", "license", &w.admin).await,
        (200, "null".to_owned())
    );
    assert_eq!(raw(&w, "GET", "license", &w.owner).await.0, 403);
}

#[tokio::test]
async fn a_refused_expiry_is_422_on_user_tokens_and_400_on_access_tokens() {
    let w = world();
    w.gitlab.set_knobs(|k| k.owners_may_create = true);
    w.gitlab.set_max_lifetime_days(30);
    let too_late = json!({"name": "ci", "scopes": ["read_api"],
        "expires_at": support::days_from_today(60)});
    let max = support::days_from_today(30);
    let model = json!({"message": format!("Expiration date must be before {max}")});
    // A group service account's token: the model's error as a 422 with the bare message.
    let (_, sa) = create_sa(&w, &w.owner, "acme").await;
    let sa = sa["id"].as_u64().unwrap();
    let path = format!("groups/acme/service_accounts/{sa}/personal_access_tokens");
    let refused = w
        .call("POST", &path, &w.owner, Some(too_late.clone()))
        .await;
    assert_eq!(refused, (422, model.clone()));
    // An administrator's POST /users/:id/personal_access_tokens: the same.
    let path = format!("users/{sa}/personal_access_tokens");
    let refused = w
        .call("POST", &path, &w.admin, Some(too_late.clone()))
        .await;
    assert_eq!(refused, (422, model));
    assert!(w.gitlab.tokens_of(sa).is_empty());
    // A group access token: bad_request!, 400 with its prefix.
    let refused = w
        .call(
            "POST",
            "groups/acme/access_tokens",
            &w.owner,
            Some(too_late),
        )
        .await;
    assert_eq!(
        refused,
        (
            400,
            json!({"message": format!("400 Bad request - Expiration date must be before {max}")})
        )
    );
}

#[tokio::test]
async fn access_tokens_refuse_as_resource_access_tokens_rb_does() {
    let w = world();
    let path = format!("projects/{}/access_tokens", enc("acme/tools/scanner"));
    let body = json!({"name": "scanner", "scopes": ["read_api"], "access_level": 20});
    let (status, made) = w.call("POST", &path, &w.maintainer, Some(body)).await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_u64().unwrap();
    let bot = made["user_id"].as_u64().unwrap();
    let unauthorized = (401, json!({"message": "401 Unauthorized"}));
    // A Developer sees the project but may not read or manage its tokens.
    assert_eq!(w.call("GET", &path, &w.developer, None).await, unauthorized);
    let one = format!("{path}/{id}");
    assert_eq!(w.call("GET", &one, &w.developer, None).await, unauthorized);
    let rotate = format!("{one}/rotate");
    assert_eq!(
        w.call("POST", &rotate, &w.developer, None).await,
        unauthorized
    );
    assert_eq!(
        w.call("DELETE", &one, &w.developer, None).await,
        (
            400,
            json!({"message": "400 Bad request - carol (person) cannot delete scanner"})
        )
    );
    // A token that is not there: 404 to readers, and for rotate 401 unless an administrator.
    let gone = format!("{path}/999999");
    assert_eq!(
        w.call("GET", &gone, &w.maintainer, None).await,
        (
            404,
            json!({"message": "404 project Access Token Not Found"})
        )
    );
    assert_eq!(
        w.call("POST", &format!("{gone}/rotate"), &w.maintainer, None)
            .await,
        unauthorized
    );
    assert_eq!(
        w.call("POST", &format!("{gone}/rotate"), &w.admin, None)
            .await,
        (404, json!({"message": "404 Not found"}))
    );
    // Nothing was changed by the refusals.
    let active: Vec<_> = w
        .gitlab
        .tokens_of(bot)
        .into_iter()
        .filter(|r| r.active && !r.revoked)
        .collect();
    assert_eq!(active.len(), 1);
    // Someone who cannot see the project at all: 404 everywhere.
    assert_eq!(
        w.call("GET", &path, &w.stranger, None).await,
        (404, json!({"message": "404 Project Not Found"}))
    );
}

/// Whether `secret` still works on `GET /user`.
async fn works(w: &World, secret: &str) -> bool {
    w.call("GET", "user", secret, None).await.0 == 200
}

#[tokio::test]
async fn rotating_a_revoked_token_by_id_revokes_its_family_then_answers_400() {
    let w = world();
    w.gitlab.set_knobs(|k| k.owners_may_create = true);
    let (_, sa) = create_sa(&w, &w.owner, "acme").await;
    let sa = sa["id"].as_u64().unwrap();
    let base = format!("groups/acme/service_accounts/{sa}/personal_access_tokens");
    let (_, made) = w
        .call(
            "POST",
            &base,
            &w.owner,
            Some(json!({"name": "ci", "scopes": ["read_api"]})),
        )
        .await;
    let first = made["id"].as_u64().unwrap();
    let (status, second) = w
        .call("POST", &format!("{base}/{first}/rotate"), &w.owner, None)
        .await;
    assert_eq!(status, 200);
    let newest = second["token"].as_str().unwrap().to_owned();
    assert!(works(&w, &newest).await);
    // The old id again: reuse. The family's active token is revoked too.
    let again = w
        .call("POST", &format!("{base}/{first}/rotate"), &w.owner, None)
        .await;
    assert_eq!(
        again,
        (
            400,
            json!({"message": "400 Bad request - Token already revoked"})
        )
    );
    assert!(!works(&w, &newest).await, "the family is revoked");

    // The same on an access token's rotate route and the administrators' one.
    let path = "groups/acme/access_tokens";
    let body = json!({"name": "t", "scopes": ["read_api"], "access_level": 20});
    let (_, made) = w.call("POST", path, &w.owner, Some(body)).await;
    let old = made["id"].as_u64().unwrap();
    let (_, rotated) = w
        .call("POST", &format!("{path}/{old}/rotate"), &w.owner, None)
        .await;
    let newest = rotated["token"].as_str().unwrap().to_owned();
    let again = w
        .call("POST", &format!("{path}/{old}/rotate"), &w.owner, None)
        .await;
    assert_eq!(again.0, 400);
    assert!(!works(&w, &newest).await);

    let mint = json!({"name": "scanner", "scopes": ["api"]});
    let (_, made) = w
        .call(
            "POST",
            &format!("users/{sa}/personal_access_tokens"),
            &w.admin,
            Some(mint),
        )
        .await;
    let old = made["id"].as_u64().unwrap();
    let rotate = format!("personal_access_tokens/{old}/rotate");
    let (_, rotated) = w.call("POST", &rotate, &w.admin, None).await;
    let newest = rotated["token"].as_str().unwrap().to_owned();
    assert_eq!(w.call("POST", &rotate, &w.admin, None).await.0, 400);
    assert!(!works(&w, &newest).await);
}

#[tokio::test]
async fn a_revoked_token_used_on_a_rotate_route_revokes_its_family() {
    let w = world();
    // Gitlab::Auth::AuthFinders: a revoked token authenticating `access_tokens/:id/rotate`.
    let path = "groups/acme/access_tokens";
    let body = json!({"name": "t", "scopes": ["api"], "access_level": 20});
    let (_, made) = w.call("POST", path, &w.owner, Some(body)).await;
    let old_id = made["id"].as_u64().unwrap();
    let old = made["token"].as_str().unwrap().to_owned();
    let (_, rotated) = w
        .call("POST", &format!("{path}/{old_id}/rotate"), &w.owner, None)
        .await;
    let newest = rotated["token"].as_str().unwrap().to_owned();
    assert!(works(&w, &newest).await);
    // Used elsewhere, a revoked token is only refused.
    assert_eq!(w.call("GET", "user", &old, None).await.0, 401);
    assert!(works(&w, &newest).await);
    // Used on a rotate route, it takes its family with it.
    let own = w
        .call("POST", &format!("{path}/{old_id}/rotate"), &old, None)
        .await;
    assert_eq!(own.0, 401);
    assert!(!works(&w, &newest).await);
}

#[tokio::test]
async fn the_free_limit_counts_per_top_level_group_on_gitlab_com_and_per_instance_elsewhere() {
    let w = world();
    w.gitlab.add_group("other");
    w.gitlab.group_member("other", OWNER, 50);
    w.gitlab.set_knobs(|k| {
        k.tier = Tier::Free;
        k.version = (18, 11, 0);
        k.gitlab_com = true;
        k.service_account_limit = Some(2);
    });
    let full = (
        400,
        json!({"message": "400 Bad request - No more seats are available to create Service Account User"}),
    );
    let project = format!("projects/{}/service_accounts", enc("acme/tools/scanner"));
    // GitLab.com: a project account and a group account of acme fill acme's two.
    let made = w
        .call("POST", &project, &w.maintainer, Some(json!({})))
        .await;
    assert_eq!(made.0, 201, "{made:?}");
    assert_eq!(create_sa(&w, &w.owner, "acme").await.0, 201);
    assert_eq!(create_sa(&w, &w.admin, "acme").await, full);
    assert_eq!(
        w.call("POST", &project, &w.maintainer, Some(json!({})))
            .await,
        full
    );
    // Another top-level group has its own two.
    assert_eq!(create_sa(&w, &w.owner, "other").await.0, 201);
    // Self-managed: one count for the whole instance.
    w.gitlab.set_knobs(|k| {
        k.gitlab_com = false;
        k.service_account_limit = Some(3);
    });
    let (status, body) = w
        .call("POST", "service_accounts", &w.admin, Some(json!({})))
        .await;
    assert_eq!((status, body), full);
}

#[tokio::test]
async fn subgroup_service_accounts_from_18_11() {
    let w = world();
    w.gitlab.set_knobs(|k| k.version = (18, 10, 2));
    let refused = (
        400,
        json!({"message": "400 Bad request - User does not have permission to create a service account in this namespace."}),
    );
    assert_eq!(create_sa(&w, &w.admin, "acme/tools").await, refused);
    w.gitlab.set_knobs(|k| k.version = (18, 11, 0));
    let (status, made) = create_sa(&w, &w.admin, "acme/tools").await;
    assert_eq!(status, 201, "{made}");
    let id = made["id"].as_u64().unwrap();
    let (_, list) = w
        .call(
            "GET",
            "groups/acme%2Ftools/service_accounts",
            &w.admin,
            None,
        )
        .await;
    assert_eq!(list[0]["id"], json!(id));
    let (_, top) = w
        .call("GET", "groups/acme/service_accounts", &w.admin, None)
        .await;
    assert_eq!(
        top,
        json!([]),
        "the subgroup's account is not the top group's"
    );
    // Its tokens live under the subgroup.
    let tokens = format!("groups/acme%2Ftools/service_accounts/{id}/personal_access_tokens");
    let body = json!({"name": "ci", "scopes": ["read_api"]});
    assert_eq!(w.call("POST", &tokens, &w.admin, Some(body)).await.0, 201);
}

/// A person known to the fake (the owner of a token), returned by id.
fn person(w: &World, id: u64, name: &str) -> u64 {
    let record = support::TokenRecord::new(&support::FakeUser::person(id, name), &["api"]);
    w.gitlab.add_token(&support::new_secret(name), record);
    id
}

#[tokio::test]
async fn the_approval_queue_holds_only_humans_on_self_managed_ultimate() {
    let w = world();
    let add = |token: &str, user: u64, level: u32| {
        let token = token.to_owned();
        let w = &w;
        async move {
            let body = json!({"user_id": user, "access_level": level});
            w.call("POST", "groups/acme/members", &token, Some(body))
                .await
        }
    };
    let queued = |v: &serde_json::Value| {
        v["message"].as_object().is_some_and(|m| {
            m.values()
                .all(|t| t == "Request queued for administrator approval.")
        })
    };
    w.gitlab.set_knobs(|k| k.approval_queue = true);
    // Premium: the setting does nothing.
    let (status, body) = add(&w.owner, person(&w, 20, "erin"), 30).await;
    assert_eq!((status, queued(&body)), (201, false), "{body}");
    // GitLab.com Ultimate: no such queue either.
    w.gitlab.set_knobs(|k| {
        k.tier = Tier::Ultimate;
        k.gitlab_com = true;
    });
    let (status, body) = add(&w.owner, person(&w, 21, "frank"), 30).await;
    assert_eq!((status, queued(&body)), (201, false), "{body}");
    // Self-managed Ultimate: a human new to billable roles is queued, nothing added...
    w.gitlab.set_knobs(|k| k.gitlab_com = false);
    let gina = person(&w, 22, "gina");
    let (status, body) = add(&w.owner, gina, 30).await;
    assert_eq!(
        (status, body),
        (
            201,
            json!({"message": {"gina": "Request queued for administrator approval."}})
        )
    );
    assert_eq!(w.gitlab.direct_level(false, "acme", gina), None);
    // ...unless an administrator adds them, the role is Guest, or they are billable already.
    let (status, body) = add(&w.admin, gina, 30).await;
    assert_eq!((status, queued(&body)), (201, false), "{body}");
    let (status, body) = add(&w.owner, person(&w, 23, "hal"), 10).await;
    assert_eq!((status, queued(&body)), (201, false), "{body}");
    assert_eq!(
        add(&w.owner, DEVELOPER, 30).await.0,
        201,
        "carol is a Developer already"
    );
    // A service account is a bot: never queued.
    let (_, sa) = w
        .call("POST", "service_accounts", &w.admin, Some(json!({})))
        .await;
    let sa = sa["id"].as_u64().unwrap();
    let (status, body) = add(&w.owner, sa, 30).await;
    assert_eq!(
        (status, body["access_level"].clone()),
        (201, json!(30)),
        "{body}"
    );
    assert_eq!(w.gitlab.direct_level(false, "acme", sa), Some(30));
}
