//! Self-tests of the fake GitLab's provisioning side (tests/support/fake_provision*.rs) with plain
//! reqwest over real TLS: who may see groups and projects, service accounts and their tokens, the
//! admin token endpoints. Members and access tokens: tests/provision_fake_members.rs.

mod support;

use serde_json::json;
use support::fake_api::*;
use support::fake_provision::{Edition, Tier};

#[tokio::test]
async fn user_shows_is_admin_only_to_admins() {
    let w = world();
    let (status, body) = w.call("GET", "user", &w.admin, None).await;
    assert_eq!((status, body["is_admin"].clone()), (200, json!(true)));
    let (_, body) = w.call("GET", "user", &w.owner, None).await;
    assert!(body.get("is_admin").is_none(), "{body}");
}

#[tokio::test]
async fn groups_projects_namespaces_and_license() {
    let w = world();
    let (status, group) = w.call("GET", "groups/acme%2Ftools", &w.owner, None).await;
    assert_eq!(status, 200);
    let acme = w.gitlab.group_id("acme");
    assert_eq!(group["parent_id"], json!(acme));
    assert_eq!(group["full_path"], json!("acme/tools"));
    let by_id = w
        .call("GET", &format!("groups/{acme}"), &w.owner, None)
        .await;
    assert_eq!(by_id.1["full_path"], json!("acme"));
    // A member of a project below sees the group; someone with no role under it does not.
    let (status, _) = w.call("GET", "groups/acme", &w.developer, None).await;
    assert_eq!(status, 200);
    // Not a member: private groups are not found.
    let hidden = w.call("GET", "groups/acme", &w.stranger, None).await;
    assert_eq!(hidden, (404, json!({"message": "404 Group Not Found"})));

    let (status, project) = w
        .call(
            "GET",
            &format!("projects/{}", enc("acme/tools/scanner")),
            &w.owner,
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(project["namespace"]["full_path"], json!("acme/tools"));
    assert_eq!(
        project["permissions"]["group_access"]["access_level"],
        json!(50)
    );

    let (_, ns) = w.call("GET", "namespaces/acme", &w.owner, None).await;
    assert_eq!(ns["plan"], json!("premium"));
    let (_, ns) = w.call("GET", "namespaces/acme", &w.maintainer, None).await;
    assert!(ns.get("plan").is_none(), "only Owners see the plan: {ns}");

    assert_eq!(w.call("GET", "license", &w.owner, None).await.0, 403);
    let (status, license) = w.call("GET", "license", &w.admin, None).await;
    assert_eq!((status, license["plan"].clone()), (200, json!("premium")));
    w.gitlab.set_knobs(|k| k.edition = Edition::Ce);
    assert_eq!(w.call("GET", "license", &w.admin, None).await.0, 404);
    let (_, meta) = w.call("GET", "metadata", &w.admin, None).await;
    assert_eq!(
        (meta["enterprise"].clone(), meta["version"].clone()),
        (json!(false), json!("18.6.1"))
    );
}

#[tokio::test]
async fn group_service_accounts_by_caller() {
    let w = world();
    // Self-managed: an Owner may not until the admin allows it.
    assert_eq!(
        create_sa(&w, &w.owner, "acme").await,
        (403, json!({"message": "403 Forbidden"}))
    );
    assert_eq!(
        create_sa(&w, &w.maintainer, "acme").await.0,
        403,
        "sees acme (a member below it), may not"
    );
    let (status, made) = create_sa(&w, &w.admin, "acme").await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["name"], json!("ci bot"));
    assert!(
        made["email"]
            .as_str()
            .unwrap()
            .ends_with("@noreply.gitlab.example.com")
    );
    w.gitlab.set_knobs(|k| k.owners_may_create = true);
    let (status, _) = create_sa(&w, &w.owner, "acme").await;
    assert_eq!(status, 201);
    // The same username again.
    let again = create_sa(&w, &w.owner, "acme").await;
    assert_eq!(
        again,
        (
            400,
            json!({"message": "400 Bad request - Username has already been taken"})
        )
    );
    // A subgroup: GitLab's service refuses it.
    let sub = create_sa(&w, &w.admin, "acme/tools").await;
    assert_eq!(
        sub,
        (
            400,
            json!({"message": "400 Bad request - User does not have permission to create a service account in this namespace."})
        )
    );
    let (status, list) = w
        .call("GET", "groups/acme/service_accounts", &w.owner, None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 2);
    // Free before 18.11: not licensed; from 18.11 it is, with at most 100.
    w.gitlab.set_knobs(|k| k.tier = Tier::Free);
    assert_eq!(create_sa(&w, &w.admin, "acme").await.0, 403);
    w.gitlab.set_knobs(|k| {
        k.version = (18, 11, 0);
        k.service_account_limit = Some(2);
    });
    let full = w
        .call(
            "POST",
            "groups/acme/service_accounts",
            &w.admin,
            Some(json!({})),
        )
        .await;
    assert_eq!(
        full,
        (
            400,
            json!({"message": "400 Bad request - No more seats are available to create Service Account User"})
        )
    );
    // CE has no such endpoint.
    w.gitlab.set_knobs(|k| k.edition = Edition::Ce);
    assert_eq!(create_sa(&w, &w.admin, "acme").await.0, 404);
}

#[tokio::test]
async fn service_account_tokens_work_like_any_token() {
    let w = world();
    w.gitlab.set_knobs(|k| k.owners_may_create = true);
    let (_, sa) = w
        .call(
            "POST",
            "groups/acme/service_accounts",
            &w.owner,
            Some(json!({"username": "acme-ci"})),
        )
        .await;
    let sa_id = sa["id"].as_u64().unwrap();
    let tokens = format!("groups/acme/service_accounts/{sa_id}/personal_access_tokens");
    let missing = w
        .call("POST", &tokens, &w.owner, Some(json!({"name": "x"})))
        .await;
    assert_eq!(missing, (400, json!({"error": "scopes is missing"})));
    let body = json!({"name": "ci (gitlab-token)", "scopes": ["read_api", "self_rotate"],
        "description": "made by gitlab-token create", "expires_at": support::days_from_today(30)});
    let (status, made) = w.call("POST", &tokens, &w.owner, Some(body)).await;
    assert_eq!(status, 201, "{made}");
    let secret = made["token"].as_str().unwrap().to_owned();
    assert_eq!(made["user_id"], json!(sa_id));
    assert_eq!(made["description"], json!("made by gitlab-token create"));
    // The new token knows itself, its user, and can rotate itself (self_rotate).
    let (_, me) = w.call("GET", "user", &secret, None).await;
    assert_eq!(
        (me["username"].clone(), me["bot"].clone()),
        (json!("acme-ci"), json!(true))
    );
    let (_, own) = w
        .call("GET", "personal_access_tokens/self", &secret, None)
        .await;
    assert_eq!(own["id"], made["id"]);
    // A member of acme: its membership is visible through its own token.
    let acme = w.gitlab.group_id("acme");
    let add = w
        .call(
            "POST",
            &format!("groups/{acme}/members"),
            &w.owner,
            Some(json!({"user_id": sa_id, "access_level": 20})),
        )
        .await;
    assert_eq!(add.0, 201, "{}", add.1);
    let (status, m) = w
        .call(
            "GET",
            &format!("projects/{}/members/all/{sa_id}", enc("acme/tools/scanner")),
            &secret,
            None,
        )
        .await;
    assert_eq!((status, m["access_level"].clone()), (200, json!(20)));
    let (status, rotated) = w
        .call("POST", "personal_access_tokens/self/rotate", &secret, None)
        .await;
    assert_eq!(status, 200);
    let newest = rotated["token"].as_str().unwrap().to_owned();
    // The owner lists, rotates by id and revokes.
    let (_, list) = w
        .call("GET", &format!("{tokens}?state=active"), &w.owner, None)
        .await;
    let ids: Vec<u64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [rotated["id"].as_u64().unwrap()]);
    let id = ids[0];
    let (status, by_owner) = w
        .call(
            "POST",
            &format!("{tokens}/{id}/rotate"),
            &w.owner,
            Some(json!({"expires_at": support::days_from_today(60)})),
        )
        .await;
    assert_eq!(
        (status, by_owner["expires_at"].clone()),
        (200, json!(support::days_from_today(60)))
    );
    assert_eq!(w.call("GET", "user", &newest, None).await.0, 401);
    let last = by_owner["id"].as_u64().unwrap();
    assert_eq!(
        w.call("DELETE", &format!("{tokens}/{last}"), &w.maintainer, None)
            .await
            .0,
        403
    );
    assert_eq!(
        w.call("DELETE", &format!("{tokens}/{last}"), &w.owner, None)
            .await
            .0,
        204
    );
    let gone = by_owner["token"].as_str().unwrap();
    assert_eq!(w.call("GET", "user", gone, None).await.0, 401);
}

#[tokio::test]
async fn instance_service_accounts_and_admin_token_endpoints() {
    let w = world();
    assert_eq!(
        w.call("POST", "service_accounts", &w.owner, Some(json!({})))
            .await
            .0,
        403
    );
    let (status, sa) = w
        .call("POST", "service_accounts", &w.admin, Some(json!({})))
        .await;
    assert_eq!(status, 201);
    assert!(
        sa["username"]
            .as_str()
            .unwrap()
            .starts_with("service_account_")
    );
    let id = sa["id"].as_u64().unwrap();
    let mint = json!({"name": "scanner", "scopes": ["api"]});
    let path = format!("users/{id}/personal_access_tokens");
    assert_eq!(
        w.call("POST", &path, &w.owner, Some(mint.clone())).await.0,
        403
    );
    let (status, made) = w.call("POST", &path, &w.admin, Some(mint)).await;
    assert_eq!(status, 201);
    // Default expiry: the maximum lifetime.
    assert_eq!(made["expires_at"], json!(support::days_from_today(365)));
    let token_id = made["id"].as_u64().unwrap();
    let (_, list) = w
        .call(
            "GET",
            &format!("personal_access_tokens?user_id={id}"),
            &w.admin,
            None,
        )
        .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // Non-admins see only their own tokens, whatever they ask.
    let (_, theirs) = w
        .call(
            "GET",
            &format!("personal_access_tokens?user_id={id}"),
            &w.owner,
            None,
        )
        .await;
    assert!(
        theirs
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["user_id"] == json!(OWNER))
    );
    let (status, rotated) = w
        .call(
            "POST",
            &format!("personal_access_tokens/{token_id}/rotate"),
            &w.admin,
            None,
        )
        .await;
    assert_eq!(
        (status, rotated["expires_at"].clone()),
        (200, json!(support::days_from_today(7)))
    );
    let new_id = rotated["id"].as_u64().unwrap();
    assert_eq!(
        w.call(
            "DELETE",
            &format!("personal_access_tokens/{new_id}"),
            &w.owner,
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        w.call(
            "DELETE",
            &format!("personal_access_tokens/{new_id}"),
            &w.admin,
            None
        )
        .await
        .0,
        204
    );
    // GitLab.com has no instance service accounts.
    w.gitlab.set_knobs(|k| k.gitlab_com = true);
    assert_eq!(
        w.call("POST", "service_accounts", &w.admin, Some(json!({})))
            .await
            .0,
        403
    );
}
