//! Self-tests of the fake GitLab's provisioning side (tests/support/fake_provision*.rs) with plain
//! reqwest over real TLS: status codes and bodies per kind of caller, as GitLab documents them.

mod support;

use serde_json::{Value, json};
use support::client::trusting;
use support::fake_provision::{Edition, Tier};
use support::{FakeGitLab, FakeUser, Pki, TokenRecord, new_secret};

struct World {
    _pki: Pki,
    gitlab: FakeGitLab,
    http: reqwest::Client,
    admin: String,
    owner: String,
    maintainer: String,
    developer: String,
    stranger: String,
}

const ADMIN: u64 = 1;
const OWNER: u64 = 7;
const MAINTAINER: u64 = 8;
const DEVELOPER: u64 = 9;
const STRANGER: u64 = 10;

/// Group `acme` (subgroup `acme/tools`, project `acme/tools/scanner`): alice Owner of `acme`,
/// bob Maintainer and carol Developer of the project, dave a member of nothing, root an admin.
fn world() -> World {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let token = |id: u64, name: &str| {
        let secret = new_secret(name);
        gitlab.add_token(
            &secret,
            TokenRecord::new(&FakeUser::person(id, name), &["api"]),
        );
        secret
    };
    let w = World {
        admin: token(ADMIN, "root"),
        owner: token(OWNER, "alice"),
        maintainer: token(MAINTAINER, "bob"),
        developer: token(DEVELOPER, "carol"),
        stranger: token(STRANGER, "dave"),
        http: reqwest::Client::builder()
            .tls_backend_preconfigured(trusting(&pki).client_config(&[b"http/1.1"]).unwrap())
            .build()
            .unwrap(),
        gitlab,
        _pki: pki,
    };
    w.gitlab.make_admin(ADMIN);
    w.gitlab.add_group("acme/tools");
    w.gitlab.group_member("acme", OWNER, 50);
    w.gitlab
        .project_member("acme/tools/scanner", MAINTAINER, 40);
    w.gitlab.project_member("acme/tools/scanner", DEVELOPER, 30);
    w
}

impl World {
    async fn call(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let url = format!("{}/api/v4/{path}", self.gitlab.url());
        let mut req = self
            .http
            .request(method.parse().unwrap(), url)
            .header("PRIVATE-TOKEN", token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        let answer = req.send().await.expect("answer");
        let status = answer.status().as_u16();
        let text = answer.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

async fn create_sa(w: &World, token: &str, group: &str) -> (u16, Value) {
    let body = json!({"name": "ci bot", "username": format!("bot-{}", token.len() + group.len())});
    w.call(
        "POST",
        &format!("groups/{}/service_accounts", enc(group)),
        token,
        Some(body),
    )
    .await
}

async fn add(w: &World, id: u64, token: &str, level: u32) -> (u16, Value) {
    let project = enc("acme/tools/scanner");
    let body = json!({"user_id": id, "access_level": level});
    w.call(
        "POST",
        &format!("projects/{project}/members"),
        token,
        Some(body),
    )
    .await
}

fn enc(path: &str) -> String {
    path.replace('/', "%2F")
}

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
