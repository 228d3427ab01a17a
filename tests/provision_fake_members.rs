//! Self-tests of the fake GitLab's members, group and project access tokens and project service
//! accounts, with plain reqwest over real TLS (status codes and bodies per caller).

mod support;

use serde_json::json;
use support::fake_api::*;
use support::fake_provision::Tier;

#[tokio::test]
async fn members_add_conflict_queue_and_raise() {
    let w = world();
    let (_, sa) = w
        .call(
            "POST",
            "service_accounts",
            &w.admin,
            Some(json!({"username": "scan"})),
        )
        .await;
    let id = sa["id"].as_u64().unwrap();
    let project = enc("acme/tools/scanner");
    assert_eq!(
        add(&w, id, &w.developer, 20).await,
        (403, json!({"message": "403 Forbidden"}))
    );
    assert_eq!(
        add(&w, id, &w.maintainer, 50).await.0,
        403,
        "a Maintainer cannot make an Owner"
    );
    let (status, member) = add(&w, id, &w.maintainer, 20).await;
    assert_eq!(
        (
            status,
            member["access_level"].clone(),
            member["username"].clone()
        ),
        (201, json!(20), json!("scan"))
    );
    assert_eq!(
        add(&w, id, &w.maintainer, 20).await,
        (409, json!({"message": "Member already exists"}))
    );
    let direct = format!("projects/{project}/members/{id}");
    assert_eq!(
        w.call("GET", &direct, &w.developer, None).await.1["access_level"],
        json!(20)
    );
    let (status, raised) = w
        .call(
            "PUT",
            &direct,
            &w.maintainer,
            Some(json!({"access_level": 40})),
        )
        .await;
    assert_eq!((status, raised["access_level"].clone()), (200, json!(40)));
    assert_eq!(
        w.gitlab.direct_level(true, "acme/tools/scanner", id),
        Some(40)
    );
    // Direct only: inherited membership is not a direct member.
    assert_eq!(
        w.call(
            "GET",
            &format!("groups/acme%2Ftools/members/{OWNER}"),
            &w.owner,
            None
        )
        .await
        .0,
        404
    );
    // With administrator approval for promotions, the answer is the queue message.
    w.gitlab.set_knobs(|k| k.approval_queue = true);
    let (status, queued) = w
        .call(
            "POST",
            "groups/acme/members",
            &w.owner,
            Some(json!({"user_id": id, "access_level": 30})),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(
        queued,
        json!({"message": {"scan": "Request queued for administrator approval."}})
    );
    assert_eq!(w.gitlab.direct_level(false, "acme", id), None);
}

#[tokio::test]
async fn group_and_project_access_tokens() {
    let w = world();
    let body =
        |level: u32| json!({"name": "scanner", "scopes": ["read_api"], "access_level": level});
    // Group access tokens: Owners only.
    assert_eq!(
        w.call(
            "POST",
            "groups/acme/access_tokens",
            &w.maintainer,
            Some(body(20))
        )
        .await
        .0,
        403
    );
    let (status, made) = w
        .call(
            "POST",
            "groups/acme/access_tokens",
            &w.owner,
            Some(body(20)),
        )
        .await;
    assert_eq!((status, made["access_level"].clone()), (201, json!(20)));
    let secret = made["token"].as_str().unwrap().to_owned();
    let (_, bot) = w.call("GET", "user", &secret, None).await;
    assert!(bot["username"].as_str().unwrap().starts_with("group_"));
    assert_eq!(bot["bot"], json!(true));
    // Project access tokens: Maintainers, no higher than themselves.
    let project = enc("acme/tools/scanner");
    let path = format!("projects/{project}/access_tokens");
    assert_eq!(
        w.call("POST", &path, &w.developer, Some(body(20))).await.0,
        403
    );
    assert_eq!(
        w.call("POST", &path, &w.maintainer, Some(body(50))).await,
        (
            400,
            json!({"message": "400 Bad request - Could not provision owner access to project access token"})
        )
    );
    let (status, made) = w.call("POST", &path, &w.maintainer, Some(body(40))).await;
    assert_eq!(status, 201);
    let id = made["id"].as_u64().unwrap();
    let bot_id = made["user_id"].as_u64().unwrap();
    assert_eq!(
        w.gitlab.direct_level(true, "acme/tools/scanner", bot_id),
        Some(40)
    );
    let (_, list) = w.call("GET", &path, &w.maintainer, None).await;
    assert_eq!(list[0]["id"], json!(id));
    let (status, rotated) = w
        .call(
            "POST",
            &format!("{path}/{id}/rotate"),
            &w.maintainer,
            Some(json!({"expires_at": support::days_from_today(90)})),
        )
        .await;
    assert_eq!((status, rotated["access_level"].clone()), (200, json!(40)));
    let new_id = rotated["id"].as_u64().unwrap();
    assert_eq!(
        w.call("DELETE", &format!("{path}/{new_id}"), &w.maintainer, None)
            .await
            .0,
        204
    );
    // GitLab.com: Premium or higher.
    w.gitlab.set_knobs(|k| {
        k.gitlab_com = true;
        k.tier = Tier::Free;
    });
    assert_eq!(
        w.call(
            "POST",
            "groups/acme/access_tokens",
            &w.owner,
            Some(body(20))
        )
        .await
        .0,
        403
    );
}

#[tokio::test]
async fn project_service_accounts_from_18_11() {
    let w = world();
    let path = format!("projects/{}/service_accounts", enc("acme/tools/scanner"));
    assert_eq!(
        w.call("POST", &path, &w.admin, Some(json!({}))).await.0,
        404
    );
    w.gitlab.set_knobs(|k| k.version = (18, 11, 0));
    assert_eq!(
        w.call("POST", &path, &w.developer, Some(json!({}))).await.0,
        403
    );
    let (status, sa) = w.call("POST", &path, &w.maintainer, Some(json!({}))).await;
    assert_eq!(status, 201);
    let pid = w.gitlab.project_id("acme/tools/scanner");
    assert!(
        sa["username"]
            .as_str()
            .unwrap()
            .starts_with(&format!("service_account_project_{pid}_"))
    );
}
