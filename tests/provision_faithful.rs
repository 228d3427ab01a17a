//! `gitlab-token create` and the owner-path `rotate` against GitLab's real answers where a review
//! found the fake had them wrong (/work/notes/fact-review.md): what the user is told, and that
//! nothing is lost or left behind (`bash tests/run.sh --test provision_faithful`).
#![cfg(target_os = "linux")]

mod support;

use serde_json::{Value, json};
use support::accounts::host;
use support::days_from_today;
use support::provisioning::{PROJECT, world};

fn messages(v: &Value) -> String {
    v["problems"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p["message"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

#[test]
fn an_expiry_past_the_instance_limit_is_told_with_gitlabs_422_message() {
    let w = world();
    w.gitlab.set_max_lifetime_days(30);
    let out = w.create(&w.owner, &[PROJECT], &[]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let v = out.json();
    let max = days_from_today(30);
    assert!(
        messages(&v).contains(&format!("Expiration date must be before {max}")),
        "{out:?}"
    );
    let accounts = w.gitlab.accounts();
    assert_eq!(
        accounts.len(),
        1,
        "the account was made before: {accounts:?}"
    );
    assert!(w.gitlab.tokens_of(accounts[0].id).is_empty());
    assert_eq!(w.stored(), None);
}

/// An Owner who lost the role gets GitLab's `401 Unauthorized` from the access token's rotate
/// route (lib/api/resource_access_tokens.rb: `unauthorized!` when the token cannot be found by
/// someone who may not manage tokens): nothing changes, the stored token keeps working.
#[test]
fn an_owner_who_lost_the_role_cannot_rotate_a_group_token_and_nothing_changes() {
    let w = world();
    let out = w.create(
        &w.owner,
        &["acme"],
        &["--kind", "group-token", "--no-self-rotate"],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let bot = w.gitlab.accounts()[0].id;
    let old = w.stored().expect("stored");
    w.home.watch(&old);
    w.gitlab
        .group_member("acme", support::provisioning::OWNER, 40);
    let h = host(&w.gitlab);
    let args = [
        "rotate",
        "--host",
        &h,
        "--name",
        &w.name,
        "--yes",
        "--json",
        "--owner-token-stdin",
    ];
    let out = w.home.run(&args, &w.owner);
    w.assert_no_owner_secret(&out);
    assert_eq!(out.code, Some(1), "{out:?}");
    let report = &out.json()[0];
    assert_eq!(report["ok"], json!(false), "{out:?}");
    assert_eq!(w.stored().as_deref(), Some(old.as_str()));
    let active = w.active_tokens(bot);
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].0, old, "the token still works");
}

/// `POST path` on the fake as `token` (a plain client, as another tool would call GitLab).
fn post(w: &support::provisioning::World, path: &str, token: &str) -> (u16, Value) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(
                support::client::trusting(&w.pki)
                    .client_config(&[b"http/1.1"])
                    .unwrap(),
            )
            .build()
            .unwrap();
        let answer = http
            .post(format!("{}/api/v4/{path}", w.gitlab.url()))
            .header("PRIVATE-TOKEN", token)
            .send()
            .await
            .expect("answer");
        let status = answer.status().as_u16();
        (status, answer.json().await.unwrap_or(Value::Null))
    })
}

/// GitLab revokes a token's whole family when a revoked one is rotated (reuse detection): a
/// stored token that someone else rotated meanwhile is never rotated by id, so the newer token
/// (theirs) keeps working and the user is sent to the guided path.
#[test]
fn a_stored_token_rotated_elsewhere_is_not_rotated_again_and_its_successor_survives() {
    let w = world();
    let out = w.create(&w.owner, &[PROJECT], &["--no-self-rotate"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let sa = w.gitlab.accounts()[0].id;
    let old = w.stored().expect("stored");
    w.home.watch(&old);
    let old_id = w.gitlab.token(&old).unwrap().id;
    let group = w.gitlab.group_id("acme");
    let rotate =
        format!("groups/{group}/service_accounts/{sa}/personal_access_tokens/{old_id}/rotate");
    let (status, theirs) = post(&w, &rotate, &w.owner);
    assert_eq!(status, 200, "{theirs}");
    let theirs = theirs["token"].as_str().unwrap().to_owned();
    w.home.watch(&theirs);

    let h = host(&w.gitlab);
    let args = [
        "rotate",
        "--host",
        &h,
        "--name",
        &w.name,
        "--yes",
        "--json",
        "--owner-token-stdin",
    ];
    let out = w.home.run(&args, &w.owner);
    w.assert_no_owner_secret(&out);
    assert_eq!(out.code, Some(1), "{out:?}");
    let active = w.active_tokens(sa);
    assert_eq!(active.len(), 1, "{active:?}");
    assert_eq!(active[0].0, theirs, "the successor still works");
}
