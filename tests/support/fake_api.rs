//! A fake GitLab with people of each role around group `acme` and a plain reqwest client, for
//! the fake's own self-tests (tests/provision_fake*.rs): status codes and bodies per caller.

use serde_json::{Value, json};

use super::client::trusting;
use super::{FakeGitLab, FakeUser, Pki, TokenRecord, new_secret};

pub struct World {
    pub _pki: Pki,
    pub gitlab: FakeGitLab,
    pub http: reqwest::Client,
    pub admin: String,
    pub owner: String,
    pub maintainer: String,
    pub developer: String,
    pub stranger: String,
}

pub const ADMIN: u64 = 1;
pub const OWNER: u64 = 7;
pub const MAINTAINER: u64 = 8;
pub const DEVELOPER: u64 = 9;
pub const STRANGER: u64 = 10;

/// Group `acme` (subgroup `acme/tools`, project `acme/tools/scanner`): alice Owner of `acme`,
/// bob Maintainer and carol Developer of the project, dave a member of nothing, root an admin.
pub fn world() -> World {
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
    pub async fn call(
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

pub async fn create_sa(w: &World, token: &str, group: &str) -> (u16, Value) {
    let body = json!({"name": "ci bot", "username": format!("bot-{}", token.len() + group.len())});
    w.call(
        "POST",
        &format!("groups/{}/service_accounts", enc(group)),
        token,
        Some(body),
    )
    .await
}

pub async fn add(w: &World, id: u64, token: &str, level: u32) -> (u16, Value) {
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

pub fn enc(path: &str) -> String {
    path.replace('/', "%2F")
}
