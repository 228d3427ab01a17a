//! `gitlab-token create` killed after each step (`GITLAB_TOKEN_TEST_ABORT_AT`): the next run
//! finishes or repairs without a second account or membership and without an orphan token
//! (`bash tests/run.sh --test provision_kill`). Without an authorization, the orphan is named.
#![cfg(target_os = "linux")]

mod support;

use std::time::Duration;

use serde_json::json;
use support::fake_provision::AccountKind;
use support::home::eventually;
use support::provisioning::{PROJECT, World, world};

const ABORT: &str = "GITLAB_TOKEN_TEST_ABORT_AT";

/// Killed at `step`, then run again: one account, one membership, one working token (stored).
fn killed_then_rerun(step: &str) -> World {
    let w = world();
    let out = w.create_env(&w.owner, &[PROJECT], &[], &[(ABORT, step)]);
    assert_eq!(out.code, None, "aborted at {step}: {out:?}");
    let out = w.create(&w.owner, &[PROJECT], &[]);
    assert_eq!(out.code, Some(0), "after a kill at {step}: {out:?}");
    let v = out.json();
    assert_eq!(v["ok"], json!(true), "{v}");
    let accounts = w.gitlab.accounts();
    assert_eq!(
        accounts.len(),
        1,
        "no second account after {step}: {accounts:?}"
    );
    assert_eq!(accounts[0].kind, AccountKind::Group("acme".into()));
    let sa = accounts[0].id;
    assert_eq!(v["account"]["id"], json!(sa));
    assert_eq!(w.gitlab.direct_level(true, PROJECT, sa), Some(20));
    let active = w.active_tokens(sa);
    assert_eq!(active.len(), 1, "no orphan token after {step}: {active:?}");
    assert_eq!(w.stored().as_deref(), Some(active[0].0.as_str()));
    w.home.watch(&active[0].0);
    w.home.assert_no_secret_in_files(step);
    w
}

#[test]
fn killed_after_the_account_was_created() {
    let w = killed_then_rerun("provision-account-created");
    assert_eq!(w.gitlab.secrets_of(w.gitlab.accounts()[0].id).len(), 1);
}

#[test]
fn killed_after_the_membership_was_added() {
    killed_then_rerun("provision-membership-added");
}

#[test]
fn killed_after_the_token_was_created_revokes_that_token() {
    let w = killed_then_rerun("provision-token-created");
    let sa = w.gitlab.accounts()[0].id;
    let all = w.gitlab.secrets_of(sa);
    assert_eq!(all.len(), 2, "the orphan and its replacement: {all:?}");
    assert!(all[0].1.revoked, "the orphan was revoked");
}

#[test]
fn killed_after_storing_keeps_the_stored_token() {
    let w = killed_then_rerun("provision-stored");
    let sa = w.gitlab.accounts()[0].id;
    assert_eq!(w.gitlab.secrets_of(sa).len(), 1, "nothing new was minted");
}

#[test]
fn without_an_authorization_the_orphan_is_named_with_its_page() {
    let w = world();
    let out = w.create_env(
        &w.owner,
        &[PROJECT],
        &[],
        &[(ABORT, "provision-token-created")],
    );
    assert_eq!(out.code, None, "{out:?}");
    let sa = w.gitlab.accounts()[0].id;
    let orphan = w.gitlab.secrets_of(sa)[0].1.id;
    // No --owner-token-stdin, --oauth-app-id or --owner: a usage error that names the orphan.
    let url = w.gitlab.url();
    let ca = w.pki.ca_file.to_str().unwrap().to_owned();
    let out = w.home.run(
        &[
            "create",
            "--host",
            &url,
            "--ca-file",
            &ca,
            "--profile",
            "repo-scanner",
            "--name",
            &w.name,
            "--target",
            PROJECT,
        ],
        "",
    );
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains(&format!("id {orphan}")), "{out:?}");
    assert!(out.stderr.contains("--owner-token-stdin"), "{out:?}");
}

#[test]
fn sigterm_while_creating_waits_for_the_creation_to_be_stored_then_exits_143() {
    let w = world();
    w.gitlab.set_delay(Duration::from_millis(150));
    let args = w.create_args(&[PROJECT], &[], true);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let running = w.home.spawn(&args, &w.owner);
    let pid = running.pid() as i32;
    // The service account exists: from here something is being created on GitLab.
    let created = eventually(Duration::from_secs(20), || {
        w.gitlab
            .requests()
            .iter()
            .any(|r| r.method == "POST" && r.path.ends_with("/service_accounts"))
    });
    assert!(created, "the account was never created");
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let out = w.home.wait(running);
    w.assert_no_owner_secret(&out);
    assert_eq!(out.code, Some(143), "{out:?}");
    // Finished, not abandoned: the token was made, checked and stored.
    let sa = w.gitlab.accounts()[0].id;
    let active = w.active_tokens(sa);
    assert_eq!(active.len(), 1, "{active:?}");
    assert_eq!(w.stored().as_deref(), Some(active[0].0.as_str()));
    assert_eq!(w.gitlab.direct_level(true, PROJECT, sa), Some(20));
    w.home.watch(&active[0].0);
    assert_eq!(out.json()["ok"], json!(true), "{out:?}");
}

/// What `status` says of a run stopped with its token request journalled and unanswered: the
/// run (NAME@HOST), the service account, the page to revoke on; on stdout under the table, on
/// stderr beside `--json` (whose stdout stays the rows' array).
fn assert_status_names_the_request(w: &World) {
    let username = w.gitlab.accounts()[0].username.clone();
    let page = format!("{}/groups/acme/-/settings/service_accounts", w.gitlab.url());
    let table = w.home.run(&["status"], "");
    assert_eq!(table.code, Some(0), "{table:?}");
    let json = w.home.run(&["status", "--json"], "");
    assert_eq!(json.code, Some(0), "{json:?}");
    serde_json::from_str::<serde_json::Value>(&json.stdout).expect("the rows' JSON");
    for said in [&table.stdout, &json.stderr] {
        assert!(said.contains("orphan_token_left"), "{table:?} {json:?}");
        assert!(said.contains(&w.account()), "the run: {said}");
        assert!(said.contains(&username), "the account: {said}");
        assert!(said.contains(&page), "the page: {said}");
        assert!(said.contains("while asking GitLab"), "{said}");
    }
}

/// Killed right after the token request was journalled, before it was sent: `status` names
/// it; the next run finds no token of that name on the account and finishes with one.
#[test]
fn killed_before_the_token_request_was_sent_is_named_then_finished() {
    let w = world();
    let out = w.create_env(
        &w.owner,
        &[PROJECT],
        &[],
        &[(ABORT, "provision-token-requested")],
    );
    assert_eq!(out.code, None, "{out:?}");
    let sa = w.gitlab.accounts()[0].id;
    assert!(w.gitlab.secrets_of(sa).is_empty(), "nothing was asked yet");
    assert_status_names_the_request(&w);
    let out = w.create(&w.owner, &[PROJECT], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let active = w.active_tokens(sa);
    assert_eq!(active.len(), 1, "{active:?}");
    assert_eq!(w.stored().as_deref(), Some(active[0].0.as_str()));
    w.home.watch(&active[0].0);
    let status = w.home.run(&["status"], "");
    assert!(!status.stdout.contains("orphan_token_left"), "{status:?}");
}

/// GitLab made the token but its answer never came back (a proxy's 502; as a kill in flight):
/// `status` names the run, the account and the page; the next run finds the token by its name
/// and revokes it (`orphan_token_revoked`), then makes and stores a new one.
#[test]
fn a_token_made_but_unanswered_is_named_by_status_then_revoked() {
    let w = world();
    w.gitlab.set_knobs(|k| k.lose_token_answers = true);
    let out = w.create(&w.owner, &[PROJECT], &[]);
    assert!(out.code.is_some_and(|c| c != 0), "{out:?}");
    let sa = w.gitlab.accounts()[0].id;
    let made = w.gitlab.secrets_of(sa);
    assert_eq!(made.len(), 1, "GitLab made it: {made:?}");
    w.home.watch(&made[0].0);
    assert!(w.stored().is_none());
    assert_status_names_the_request(&w);
    w.gitlab.set_knobs(|k| k.lose_token_answers = false);
    let out = w.create(&w.owner, &[PROJECT], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let v = out.json();
    assert!(
        support::provisioning::problem_kinds(&v).contains(&"orphan_token_revoked".to_owned()),
        "{v}"
    );
    let all = w.gitlab.secrets_of(sa);
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(
        all[0].1.revoked,
        "the unanswered token was revoked: {all:?}"
    );
    let active = w.active_tokens(sa);
    assert_eq!(active.len(), 1, "{active:?}");
    assert_eq!(w.stored().as_deref(), Some(active[0].0.as_str()));
    w.home.watch(&active[0].0);
}
