//! `gitlab-token create` end to end against the fake GitLab over TLS and the REAL Secret Service
//! (`bash tests/run.sh --test provision_create`): each kind of account made from nothing by the
//! right caller, refused with the reason for the wrong one, a second run creating nothing, and
//! the owner's credential in no file, keychain entry or output afterwards.
#![cfg(target_os = "linux")]

mod support;

use serde_json::json;
use support::days_from_today;
use support::fake_provision::{AccountKind, Edition};
use support::provisioning::{OAUTH_APP, PROJECT, World, keychain_dump, problem_kinds, world};

/// The one service account or bot user made, and its one working token (the stored one).
fn made(w: &World, kind: AccountKind) -> u64 {
    let accounts = w.gitlab.accounts();
    assert_eq!(accounts.len(), 1, "{accounts:?}");
    assert_eq!(accounts[0].kind, kind);
    let id = accounts[0].id;
    let active = w.active_tokens(id);
    assert_eq!(active.len(), 1, "{active:?}");
    assert_eq!(w.stored().as_deref(), Some(active[0].0.as_str()));
    id
}

#[test]
fn group_service_account_by_the_owner_then_a_second_run_creates_nothing() {
    let w = world();
    let out = w.create(&w.owner, &[PROJECT], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let v = out.json();
    assert_eq!(v["ok"], json!(true), "{v}");
    assert_eq!(v["account"]["kind"], json!("group-service-account"));
    assert_eq!(v["account"]["created"], json!(true));
    assert_eq!(
        v["memberships"],
        json!([{"target": PROJECT, "access_level": 20, "created": true, "pending_approval": false}])
    );
    let scopes = v["token"]["scopes"].as_array().unwrap();
    for s in ["read_api", "read_repository", "self_rotate"] {
        assert!(scopes.contains(&json!(s)), "{v}");
    }
    assert_eq!(v["token"]["expires_at"], json!(days_from_today(90)));
    assert_eq!(v["stored_as"], json!(w.account()));
    let sa = made(&w, AccountKind::Group("acme".into()));
    assert_eq!(v["account"]["id"], json!(sa));
    assert_eq!(w.gitlab.direct_level(true, PROJECT, sa), Some(20));
    // The stored token works on its own (it is the service account, with its role).
    let stored = w.stored().unwrap();
    w.home.watch(&stored);
    let entry = w.home.metadata();
    let entry = entry.find(&w.account()).expect("metadata entry");
    let provisioned = entry.provisioned.as_ref().expect("[token.provisioned]");
    assert_eq!(provisioned.account_id, sa);

    // Again: the same account, membership and token; nothing new on GitLab.
    let before = w.gitlab.secrets_of(sa).len();
    let out = w.create(&w.owner, &[PROJECT], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let v = out.json();
    assert_eq!(v["account"]["created"], json!(false), "{v}");
    assert_eq!(v["memberships"][0]["created"], json!(false), "{v}");
    assert_eq!(w.gitlab.secrets_of(sa).len(), before, "no new token");
    made(&w, AccountKind::Group("acme".into()));
    assert_eq!(w.stored().as_deref(), Some(stored.as_str()));
}

#[test]
fn the_plan_names_the_choice_and_why_not_the_others() {
    let w = world();
    let out = w.create_text(&w.owner, &[PROJECT], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout.contains("group service account (chosen)"),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("project service account (not possible)"),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("instance service account (not possible)"),
        "{out:?}"
    );
    assert!(out.stdout.contains("self_rotate"), "{out:?}");
    assert!(
        out.stdout.contains(&format!("Stored as {}", w.account())),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("never stored"),
        "the credential is not kept: {out:?}"
    );
    assert!(
        out.stderr.contains("Creating its token"),
        "progress: {out:?}"
    );
}

#[test]
fn wrong_callers_are_refused_with_the_reason_and_nothing_is_created() {
    let w = world();
    // A Developer can make nothing.
    let out = w.create(&w.developer, &[PROJECT], &[]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let v = out.json();
    assert_eq!(v["ok"], json!(false));
    assert!(problem_kinds(&v).contains(&"not_owner".to_owned()), "{v}");
    // A Maintainer cannot make a group service account.
    let out = w.create(
        &w.maintainer,
        &[PROJECT],
        &["--kind", "group-service-account"],
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(problem_kinds(&out.json()), ["not_owner"]);
    // An Owner cannot make an instance service account.
    let out = w.create(
        &w.owner,
        &[PROJECT],
        &["--kind", "instance-service-account"],
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(problem_kinds(&out.json()), ["not_admin"]);
    assert!(w.gitlab.accounts().is_empty());
    assert!(w.stored().is_none());
}

#[test]
fn owners_not_allowed_by_the_admin_are_told_so() {
    let w = world();
    w.gitlab.set_knobs(|k| k.owners_may_create = false);
    let out = w.create(&w.owner, &[PROJECT], &["--kind", "group-service-account"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(
        problem_kinds(&out.json()),
        ["owner_creation_disabled"],
        "{out:?}"
    );
    assert!(w.gitlab.accounts().is_empty());
}

#[test]
fn instance_service_account_by_an_admin() {
    let w = world();
    let out = w.create(
        &w.admin,
        &[PROJECT],
        &["--kind", "instance-service-account"],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(
        out.json()["account"]["kind"],
        json!("instance-service-account")
    );
    let id = made(&w, AccountKind::Instance);
    assert_eq!(w.gitlab.direct_level(true, PROJECT, id), Some(20));
}

#[test]
fn project_service_account_from_18_11_by_a_maintainer() {
    let w = world();
    w.gitlab.set_knobs(|k| k.version = (18, 11, 0));
    let out = w.create(&w.maintainer, &[PROJECT], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(
        out.json()["account"]["kind"],
        json!("project-service-account")
    );
    let id = made(&w, AccountKind::Project(PROJECT.into()));
    assert_eq!(w.gitlab.direct_level(true, PROJECT, id), Some(20));
}

#[test]
fn group_and_project_access_tokens() {
    let w = world();
    let out = w.create(&w.owner, &["acme/tools"], &["--kind", "group-token"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let v = out.json();
    assert_eq!(v["account"]["kind"], json!("group-token"));
    let bot = made(&w, AccountKind::GroupBot("acme/tools".into()));
    assert_eq!(w.gitlab.direct_level(false, "acme/tools", bot), Some(20));

    let w = world();
    let out = w.create(&w.maintainer, &[PROJECT], &["--kind", "project-token"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let bot = made(&w, AccountKind::ProjectBot(PROJECT.into()));
    assert_eq!(w.gitlab.direct_level(true, PROJECT, bot), Some(20));
}

#[test]
fn community_edition_falls_back_to_a_project_access_token() {
    let w = world();
    w.gitlab.set_knobs(|k| k.edition = Edition::Ce);
    let out = w.create_text(&w.owner, &[PROJECT], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout.contains("project access token (chosen)"),
        "{out:?}"
    );
    made(&w, AccountKind::ProjectBot(PROJECT.into()));
}

#[test]
fn a_browser_sign_in_authorizes_one_run_and_is_revoked_after_it() {
    let w = world();
    let out = w.create("", &[PROJECT], &["--oauth-app-id", OAUTH_APP]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stderr.contains("oauth/device"),
        "the code on stderr: {out:?}"
    );
    made(&w, AccountKind::Group("acme".into()));
    let grants = w.gitlab.oauth(|o| o.grants.clone());
    assert_eq!(grants.len(), 1);
    assert!(grants[0].revoked, "the run's sign-in is revoked at the end");
    for g in &grants {
        assert!(!out.stdout.contains(&g.access) && !out.stderr.contains(&g.access));
        assert!(!keychain_dump().contains(&g.access));
        w.home.watch(&g.access);
        w.home.watch(&g.refresh);
    }
    w.home
        .assert_no_secret_in_files("the browser-authorized create");
}

#[test]
fn before_17_9_the_token_gets_no_self_rotate_and_the_plan_does_not_promise_it() {
    let w = world();
    w.gitlab.set_knobs(|k| k.version = (17, 8, 2));
    let out = w.create_text(&w.owner, &[PROJECT], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(!out.stdout.contains("self_rotate"), "{out:?}");
    let sa = made(&w, AccountKind::Group("acme".into()));
    assert_eq!(
        w.active_tokens(sa)[0].1.scopes,
        ["read_api", "read_repository"]
    );
}

/// Administrator approval for role promotions (self-managed Ultimate) holds back humans only:
/// the service account is a bot, so its membership is made at once and nothing is pending.
#[test]
fn with_the_approval_queue_on_the_service_account_is_added_at_once() {
    let w = world();
    w.gitlab.set_knobs(|k| {
        k.approval_queue = true;
        k.tier = support::fake_provision::Tier::Ultimate;
    });
    let out = w.create(&w.owner, &[PROJECT], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let v = out.json();
    assert_eq!(problem_kinds(&v), Vec::<String>::new(), "{out:?}");
    assert_eq!(
        v["memberships"],
        json!([{"target": PROJECT, "access_level": 20, "created": true, "pending_approval": false}])
    );
    let sa = made(&w, AccountKind::Group("acme".into()));
    assert_eq!(w.gitlab.direct_level(true, PROJECT, sa), Some(20));
}

#[test]
fn a_stored_browser_sign_in_authorizes_with_owner_name_and_stays_stored() {
    let w = world();
    let url = w.gitlab.url();
    let ca = w.pki.ca_file.to_str().unwrap().to_owned();
    let signin = format!("{}-owner", w.name);
    let out = w.home.run(
        &[
            "login",
            "--host",
            &url,
            "--ca-file",
            &ca,
            "--name",
            &signin,
            "--timeout",
            "5",
            "--oauth-app-id",
            OAUTH_APP,
            "--scopes",
            "api",
        ],
        "",
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let grant = w.gitlab.oauth(|o| o.grants[0].clone());
    w.home.watch(&grant.refresh);
    let out = w.create("", &[PROJECT], &["--owner", &signin]);
    assert_eq!(out.code, Some(0), "{out:?}");
    made(&w, AccountKind::Group("acme".into()));
    assert!(!out.stdout.contains(&grant.access) && !out.stderr.contains(&grant.access));
    assert!(
        !w.gitlab.oauth(|o| o.grants[0].revoked),
        "their own sign-in stays"
    );
    // A name with no stored sign-in is a usage error that says how to sign in.
    let out = w.create("", &[PROJECT], &["--owner", "nobody"]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("gitlab-token login"), "{out:?}");
}

#[test]
fn service_account_and_expires_in_are_honoured() {
    let w = world();
    // An existing service account of acme, made earlier by someone else.
    let existing = w.gitlab.provision(|p| {
        let id = 4242;
        p.accounts.push(support::fake_provision::Account {
            id,
            username: "scanner-ci".into(),
            name: "Scanner CI".into(),
            email: "scanner-ci@noreply.gitlab.example.com".into(),
            kind: AccountKind::Group("acme".into()),
        });
        id
    });
    let out = w.create(
        &w.owner,
        &[PROJECT],
        &["--service-account", "scanner-ci", "--expires-in", "30"],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let v = out.json();
    assert_eq!(v["account"]["id"], json!(existing), "{v}");
    assert_eq!(v["account"]["username"], json!("scanner-ci"));
    assert_eq!(v["account"]["created"], json!(false));
    assert_eq!(v["token"]["expires_at"], json!(days_from_today(30)));
    assert_eq!(w.gitlab.accounts().len(), 1, "no new account");
    assert_eq!(w.active_tokens(existing).len(), 1);
}

#[test]
fn unreachable_and_keychain_failures_use_the_exit_codes_of_add() {
    let w = world();
    // GitLab unreachable: 3.
    let closed = format!("https://localhost:{}", support::servers::closed_port());
    let args = w.create_args(&[PROJECT], &[], true);
    let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
    let url = w.gitlab.url();
    let at = args.iter().position(|a| *a == url).unwrap();
    args[at] = &closed;
    let out = w.home.run(&args, &w.owner);
    w.assert_no_owner_secret(&out);
    assert_eq!(out.code, Some(3), "{out:?}");
    assert_eq!(out.json()["ok"], json!(false));
    // No keychain: 4, checked before the credential is read or anything created.
    let out = w.create_env(
        &w.owner,
        &[PROJECT],
        &[],
        &[("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")],
    );
    assert_eq!(out.code, Some(4), "{out:?}");
    assert!(w.gitlab.requests().is_empty(), "nothing asked of GitLab");
}

#[test]
fn an_unknown_owner_token_creates_nothing_and_says_why() {
    let w = world();
    let out = w.create("glpat-not-a-token-anyone-knows", &[PROJECT], &[]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let v = out.json();
    assert_eq!(v["ok"], json!(false));
    assert!(!problem_kinds(&v).is_empty(), "{v}");
    assert!(w.gitlab.accounts().is_empty());
    assert!(w.stored().is_none());
    assert!(!out.stdout.contains("glpat-not-a-token") && !out.stderr.contains("glpat-not-a-token"));
}

/// Where fine-grained tokens exist (19.2+) the plan says why create's token is a legacy one:
/// GitLab's API takes `granular_scopes` only for a person's own token (lib/api/users.rb), never
/// for a service account's (lib/api/group_service_accounts.rb `requires :scopes`).
#[test]
fn from_19_2_the_plan_says_why_the_token_is_legacy() {
    let w = world();
    w.gitlab.set_knobs(|k| k.version = (19, 2, 0));
    let out = w.create_text(&w.owner, &[PROJECT], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout.contains(
            "legacy: GitLab's API makes fine-grained tokens for people, not service accounts"
        ),
        "{}",
        out.stdout
    );
    let w = world();
    w.gitlab.set_knobs(|k| k.version = (19, 1, 0));
    let out = w.create_text(&w.owner, &[PROJECT], &[]);
    assert!(!out.stdout.contains("fine-grained"), "{}", out.stdout);
}
