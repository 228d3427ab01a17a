//! A keychain name that already holds another token (`bash tests/run.sh --test
//! provision_core_name`): `create` never replaces it silently; it refuses before anything is
//! created on GitLab and says to pass another --name.
#![cfg(target_os = "linux")]

mod support;

use serde_json::json;
use support::fake_gitlab::{FakeUser, TokenRecord, new_secret};
use support::provisioning::{PROJECT, World, problem_kinds, world};

/// `add` stores a person's own token (dave's, a Developer of the project) under the world's NAME.
fn add_own_token(w: &World) -> String {
    let secret = new_secret("dave");
    let dave = FakeUser::person(12, "dave");
    w.gitlab.add_token(
        &secret,
        TokenRecord::new(&dave, &["read_api", "read_repository"]),
    );
    w.gitlab.project_member(PROJECT, 12, 30);
    let ca = w.pki.ca_file.to_str().expect("UTF-8 temp path").to_owned();
    let url = w.gitlab.url();
    let args = [
        "add",
        "--host",
        &url,
        "--ca-file",
        &ca,
        "--profile",
        "repo-scanner",
        "--name",
        &w.name,
    ];
    let out = w.home.run(&args, &format!("{secret}\n"));
    assert_eq!(out.code, Some(0), "{out:?}");
    w.stored().expect("stored")
}

fn assert_refused(w: &World, targets: &[&str], extra: &[&str], before: &str, accounts: usize) {
    let out = w.create(&w.owner, targets, extra);
    assert_ne!(out.code, Some(0), "{out:?}");
    let v = out.json();
    assert_eq!(problem_kinds(&v)[0], "name_taken", "{v}");
    let message = v["problems"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("--name OTHER"), "{message}");
    assert!(message.contains(&w.name), "{message}");
    assert_eq!(w.gitlab.accounts().len(), accounts, "nothing created");
    assert_eq!(
        w.stored().as_deref(),
        Some(before),
        "the stored token is left as it is"
    );
}

#[test]
fn a_token_not_made_by_create_is_never_replaced() {
    let w = world();
    let own = add_own_token(&w);
    assert_refused(&w, &["acme"], &[], &own, 0);
    // Under another name it goes ahead.
    let other = format!("{}-2", w.name);
    let mut args = w.create_args(&["acme"], &[], true);
    let at = args.iter().position(|a| a == "--name").expect("--name") + 1;
    args[at] = other;
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = w.home.run(&args, &w.owner);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(w.stored().as_deref(), Some(own.as_str()));
}

#[test]
fn a_token_made_for_another_account_is_never_replaced_but_a_rerun_is_fine() {
    let w = world();
    let out = w.create(&w.owner, &["acme"], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let made = w.stored().expect("stored");
    // The same account and place again: nothing new, no refusal.
    let again = w.create(&w.owner, &["acme"], &[]);
    assert_eq!(again.code, Some(0), "{again:?}");
    assert_eq!(again.json()["token"]["id"], out.json()["token"]["id"]);
    // Another kind in another place under the same name: refused before anything is made.
    let tokens_before = w.gitlab.accounts().len();
    assert_refused(
        &w,
        &[PROJECT],
        &["--kind", "project-token"],
        &made,
        tokens_before,
    );
    let v = w
        .create(&w.owner, &[PROJECT], &["--kind", "project-token"])
        .json();
    assert_eq!(v["ok"], json!(false), "{v}");
}
