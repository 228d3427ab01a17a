//! "Create it for me" minting a fine-grained token of the caller's own account
//! (`create --kind own-token`, `POST /user/personal_access_tokens` with `granular_scopes`,
//! GitLab 19.2+ self-managed; tests/support/fake_own_tokens.rs): made with the profile's
//! permissions on exactly the targets, checked against GitLab's record before it is stored,
//! refused with the reason where GitLab cannot make it, repaired after a kill, and rotating
//! itself with its permissions kept. The built binary, the real Secret Service, the fake GitLab.
#![cfg(target_os = "linux")]

mod support;

use serde_json::{Value, json};
use support::provisioning::{OWNER, PROJECT, World, problem_kinds, world};

const OWN: [&str; 2] = ["--kind", "own-token"];

fn at(version: (u32, u32, u32)) -> World {
    let w = world();
    w.gitlab.set_knobs(|k| k.version = version);
    w
}

/// The owner's tokens but the one authorizing the run.
fn made_tokens(w: &World) -> Vec<(String, support::fake_gitlab::TokenRecord)> {
    w.gitlab
        .secrets_of(OWNER)
        .into_iter()
        .filter(|(s, _)| *s != w.owner)
        .collect()
}

fn permissions_of(scopes: &[Value], access: &str) -> Vec<String> {
    let mut v: Vec<String> = scopes
        .iter()
        .filter(|s| s["access"] == access)
        .flat_map(|s| s["permissions"].as_array().cloned().unwrap_or_default())
        .filter_map(|p| p.as_str().map(str::to_owned))
        .collect();
    v.sort();
    v.dedup();
    v
}

fn creates_own_token_at(version: (u32, u32, u32)) {
    let w = at(version);
    let out = w.create(&w.owner, &[PROJECT], &OWN);
    assert_eq!(out.code, Some(0), "{version:?}: {out:?}");
    let v = out.json();
    assert_eq!(v["ok"], json!(true), "{v}");
    assert_eq!(v["account"]["kind"], json!("own-token"), "{v}");
    assert_eq!(v["account"]["id"], json!(OWNER), "{v}");
    assert_eq!(v["account"]["created"], json!(false), "{v}");
    // No account was made and no membership added: the owner's own role stands.
    assert!(w.gitlab.accounts().is_empty());
    assert_eq!(v["memberships"][0]["created"], json!(false), "{v}");
    assert_eq!(v["memberships"][0]["access_level"], json!(50), "{v}");
    // What it holds is said (no empty scopes list).
    assert!(
        v["token"]["permissions"]
            .as_array()
            .is_some_and(|p| p.contains(&json!("download_code"))),
        "{v}"
    );

    let made = made_tokens(&w);
    assert_eq!(made.len(), 1, "{made:?}");
    let (secret, record) = &made[0];
    assert_eq!(w.stored().as_deref(), Some(secret.as_str()));
    w.home.watch(secret);
    assert!(record.scopes.is_empty(), "no legacy scopes: {record:?}");
    let scopes = record.granular.clone().expect("a fine-grained token");
    // Membership permissions only on the project asked for, never all memberships.
    let project_id = w.gitlab.project_id(PROJECT);
    assert!(
        scopes
            .iter()
            .filter(|s| s["access"] != "user")
            .all(|s| s["access"] == "selected_memberships" && s["project_id"] == project_id),
        "{scopes:?}"
    );
    let on_project = permissions_of(&scopes, "selected_memberships");
    assert!(
        on_project.contains(&"download_code".to_owned()),
        "{on_project:?}"
    );
    let user = permissions_of(&scopes, "user");
    for p in [
        "read_personal_access_token",
        "read_user",
        "rotate_personal_access_token",
    ] {
        assert!(user.contains(&p.to_owned()), "{p} in {user:?}");
    }

    // Stored as what it is: fine-grained, with the permissions GitLab showed.
    let metadata = w.home.metadata();
    let entry = metadata.find(&w.account()).expect("metadata entry");
    assert!(entry.fine_grained, "{entry:?}");
    assert!(entry.scopes.is_empty());
    let held = entry.permissions.as_ref().expect("permissions stored");
    assert_eq!(held.len(), scopes.len(), "{held:?}");
    let provisioned = entry.provisioned.as_ref().expect("[token.provisioned]");
    assert_eq!(provisioned.account_id, OWNER);
    w.home.assert_no_secret_in_files("create own-token");

    // It rotates itself (rotate_personal_access_token) and keeps its permissions.
    let url = w.gitlab.url();
    let host = url.trim_start_matches("https://");
    let out = w.home.run(
        &[
            "rotate", "--host", host, "--name", &w.name, "--yes", "--json",
        ],
        "",
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let r = out.json()[0].clone();
    assert_eq!(r["path"], json!("automatic"), "{r}");
    let after = made_tokens(&w);
    let live: Vec<_> = after
        .iter()
        .filter(|(_, r)| r.active && !r.revoked)
        .collect();
    assert_eq!(live.len(), 1, "{after:?}");
    assert_ne!(&live[0].0, secret);
    assert_eq!(
        live[0].1.granular.as_ref(),
        Some(&scopes),
        "permissions kept"
    );
    w.home.watch(&live[0].0);
    assert_eq!(w.stored().as_deref(), Some(live[0].0.as_str()));
}

/// 19.2 answers the create without `granular_scopes` (read back by id); 19.6 shows them.
#[test]
fn own_fine_grained_token_at_19_2() {
    creates_own_token_at((19, 2, 0));
}

#[test]
fn own_fine_grained_token_at_19_6() {
    creates_own_token_at((19, 6, 0));
}

#[test]
fn refused_with_the_reason_where_gitlab_cannot_make_it() {
    // Before 19.2.
    let w = at((19, 1, 0));
    let out = w.create(&w.owner, &[PROJECT], &OWN);
    assert_eq!(out.code, Some(1), "{out:?}");
    let v = out.json();
    assert!(
        problem_kinds(&v).contains(&"version_too_old".to_owned()),
        "{v}"
    );
    assert!(v.to_string().contains("19.2"), "{v}");
    assert!(made_tokens(&w).is_empty());

    // Someone who is not a member of the target: the token could do nothing there.
    let w = at((19, 2, 0));
    let out = w.create(&w.developer, &["acme"], &OWN);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        problem_kinds(&out.json()).contains(&"role_too_low".to_owned()),
        "{out:?}"
    );
}

/// Without `--kind` it is listed last, after the service accounts: it acts as a person.
/// (GitLab.com's refusal is judged by host, in `provision::plan`'s tests.)
#[test]
fn the_plan_lists_it_last_and_says_why() {
    let w = at((19, 2, 0));
    let out = w.create_text(&w.owner, &[PROJECT], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout.contains("project service account (chosen)"),
        "{}",
        out.stdout
    );
    let own = out
        .stdout
        .find("fine-grained token of your own account")
        .expect("listed");
    assert!(
        out.stdout
            .find("group access token")
            .is_none_or(|g| g < own)
    );
    assert!(out.stdout.contains("It acts as you"), "{}", out.stdout);
    // Before 19.2 it is not listed at all.
    let w = at((19, 1, 0));
    let out = w.create_text(&w.owner, &[PROJECT], &[]);
    assert!(!out.stdout.contains("your own account"), "{}", out.stdout);
}

/// GitLab's record holding more than was asked (all memberships): revoked, nothing stored.
#[test]
fn a_token_with_more_than_was_asked_is_revoked() {
    let w = at((19, 2, 0));
    w.gitlab.set_knobs(|k| k.widen_own_tokens = true);
    let out = w.create(&w.owner, &[PROJECT], &OWN);
    assert!(out.code.is_some_and(|c| c != 0), "{out:?}");
    let v = out.json();
    assert_eq!(v["ok"], json!(false), "{v}");
    assert!(v.to_string().contains("beyond what was asked"), "{v}");
    let made = made_tokens(&w);
    assert_eq!(made.len(), 1);
    assert!(made[0].1.revoked, "the widened token was revoked");
    assert!(w.stored().is_none());
}

/// Killed after GitLab made the token, before it was stored: the next run revokes that one and
/// makes a new one; the authorizing token is never touched.
#[test]
fn killed_after_the_token_was_made_the_next_run_repairs() {
    let w = at((19, 2, 0));
    let out = w.create_env(
        &w.owner,
        &[PROJECT],
        &OWN,
        &[("GITLAB_TOKEN_TEST_ABORT_AT", "provision-token-created")],
    );
    assert_eq!(out.code, None, "{out:?}");
    let out = w.create(&w.owner, &[PROJECT], &OWN);
    assert_eq!(out.code, Some(0), "{out:?}");
    let made = made_tokens(&w);
    assert_eq!(made.len(), 2, "{made:?}");
    assert!(made[0].1.revoked, "the orphan was revoked");
    assert!(!made[1].1.revoked);
    w.home.watch(&made[1].0);
    assert_eq!(w.stored().as_deref(), Some(made[1].0.as_str()));
    let authorizing = w.gitlab.secrets_of(OWNER);
    assert!(
        authorizing
            .iter()
            .any(|(s, r)| *s == w.owner && r.active && !r.revoked)
    );
}
