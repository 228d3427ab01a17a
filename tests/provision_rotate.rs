//! Owner-path rotation (`rotate --owner-token-stdin`): a read-only token made by `create`
//! without `self_rotate` cannot rotate itself; the Owner's one-run authorization rotates it
//! through the service account's rotate endpoint, stored first
//! (`bash tests/run.sh --test provision_rotate`).
#![cfg(target_os = "linux")]

mod support;

use serde_json::json;
use support::accounts::host;
use support::provisioning::{PROJECT, world};

#[test]
fn a_read_only_token_is_rotated_with_the_owners_authorization() {
    let w = world();
    let out = w.create(&w.owner, &[PROJECT], &["--no-self-rotate"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let scopes = out.json()["token"]["scopes"].clone();
    assert!(
        !scopes.as_array().unwrap().contains(&json!("self_rotate")),
        "{scopes}"
    );
    let sa = w.gitlab.accounts()[0].id;
    let old = w.stored().expect("stored");
    w.home.watch(&old);

    // Without the owner it cannot rotate itself: the guided path.
    let h = host(&w.gitlab);
    let out = w.home.run(
        &["rotate", "--host", &h, "--name", &w.name, "--yes", "--json"],
        "",
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(w.stored().as_deref(), Some(old.as_str()));

    let out = w.home.run(
        &[
            "rotate",
            "--host",
            &h,
            "--name",
            &w.name,
            "--yes",
            "--json",
            "--expires-in",
            "60",
            "--owner-token-stdin",
        ],
        &w.owner,
    );
    w.assert_no_owner_secret(&out);
    assert_eq!(out.code, Some(0), "{out:?}");
    let report = &out.json()[0];
    assert_eq!(report["path"], json!("owner"), "{report}");
    assert_eq!(report["ok"], json!(true), "{report}");
    let new = w.stored().expect("stored");
    w.home.watch(&new);
    assert_ne!(new, old);
    let active = w.active_tokens(sa);
    assert_eq!(active.len(), 1, "{active:?}");
    assert_eq!(active[0].0, new);
    assert_eq!(active[0].1.scopes, ["read_api", "read_repository"]);
    assert_eq!(active[0].1.expires_at, support::days_from_today(60));
    w.home.assert_no_secret_in_files("owner-path rotation");
}

#[test]
fn someone_who_may_not_rotate_it_changes_nothing() {
    let w = world();
    let out = w.create(&w.owner, &[PROJECT], &["--no-self-rotate"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let sa = w.gitlab.accounts()[0].id;
    let old = w.stored().expect("stored");
    w.home.watch(&old);
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
    let out = w.home.run(&args, &w.developer);
    w.assert_no_owner_secret(&out);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(out.json()[0]["ok"], json!(false), "{out:?}");
    assert_eq!(w.stored().as_deref(), Some(old.as_str()));
    let active = w.active_tokens(sa);
    assert_eq!(active.len(), 1);
    assert_eq!(active[0].0, old, "the token still works");
    // --replace reads the replacement on stdin: not with the owner path.
    let out = w.home.run(
        &[
            "rotate",
            "--host",
            &h,
            "--name",
            &w.name,
            "--replace",
            "--owner-token-stdin",
        ],
        &w.owner,
    );
    assert_eq!(out.code, Some(2), "{out:?}");
}

#[test]
fn a_browser_sign_in_authorizes_an_owner_path_rotation_and_is_revoked_after_it() {
    let w = world();
    let out = w.create(&w.owner, &[PROJECT], &["--no-self-rotate"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let old = w.stored().expect("stored");
    w.home.watch(&old);
    let h = host(&w.gitlab);
    let args = [
        "rotate",
        "--host",
        &h,
        "--name",
        &w.name,
        "--yes",
        "--json",
        "--oauth-app-id",
        support::provisioning::OAUTH_APP,
    ];
    let out = w.home.run(&args, "");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.json()[0]["path"], json!("owner"));
    let new = w.stored().expect("stored");
    w.home.watch(&new);
    assert_ne!(new, old);
    let grants = w.gitlab.oauth(|o| o.grants.clone());
    assert_eq!(grants.len(), 1);
    assert!(grants[0].revoked, "the run's sign-in is revoked");
    w.home.watch(&grants[0].access);
    w.home.watch(&grants[0].refresh);
    w.home
        .assert_no_secret_in_files("owner-path rotation by browser sign-in");
}
