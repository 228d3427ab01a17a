//! What `create --json` and `status` tell about provisioning (`bash tests/run.sh --test
//! provision_core_output`): the token's `created` and each membership's `pending_approval` in the
//! JSON; a token a killed run made but never stored is a problem line of `status`.
#![cfg(target_os = "linux")]

mod support;

use serde_json::json;
use support::provisioning::{PROJECT, world};

#[test]
fn create_json_says_whether_the_token_was_made_now() {
    let w = world();
    let first = w.create(&w.owner, &[PROJECT], &[]).json();
    assert_eq!(first["token"]["created"], json!(true), "{first}");
    assert_eq!(
        first["memberships"][0]["pending_approval"],
        json!(false),
        "{first}"
    );
    let again = w.create(&w.owner, &[PROJECT], &[]).json();
    assert_eq!(again["token"]["created"], json!(false), "{again}");
    assert_eq!(again["token"]["id"], first["token"]["id"]);
}

#[test]
fn status_names_a_token_a_killed_run_left_behind() {
    let w = world();
    let out = w.create_env(
        &w.owner,
        &[PROJECT],
        &[],
        &[("GITLAB_TOKEN_TEST_ABORT_AT", "provision-token-created")],
    );
    assert_eq!(out.code, None, "{out:?}");
    let sa = w.gitlab.accounts()[0].id;
    let orphan = w.gitlab.secrets_of(sa)[0].1.clone();
    let status = w.home.run(&["status"], "");
    assert_eq!(status.code, Some(0), "{status:?}");
    let line = status
        .stdout
        .lines()
        .find(|l| l.contains("orphan_token_left"))
        .unwrap_or_else(|| panic!("no orphan line: {status:?}"));
    assert!(line.contains(&format!("id {}", orphan.id)), "{line}");
    assert!(line.contains(&orphan.name), "{line}");
    assert!(
        line.contains(&format!("revoke it at {}/", w.gitlab.url())),
        "{line}"
    );
}

#[test]
fn an_expiry_past_the_instance_limit_says_how_many_days_are_allowed() {
    let w = world();
    w.gitlab.set_max_lifetime_days(30);
    let out = w.create(&w.owner, &[PROJECT], &[]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let v = out.json();
    let message = v["problems"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("--expires-in 29"), "{message}");
    assert!(message.contains("no token was made"), "{message}");
    assert!(!message.contains("Check the address"), "{message}");
    assert_eq!(w.stored(), None);
}
