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
