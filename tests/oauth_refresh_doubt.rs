//! A refresh that fails halfway (GitLab revoked the old pair, then a 500 or a cut connection)
//! and a refresh killed at each step: no dead token is handed out, the journal tells the next
//! run what happened, and `status` says it (issue 21, items 4 and 5). Against the fake GitLab's
//! OAuth provider and the REAL Secret Service (`bash tests/run.sh --test oauth_refresh_doubt`).
#![cfg(target_os = "linux")]

mod support;

use std::time::Duration;

use support::accounts::{account, host};
use support::fake_oauth::RefreshFault;
use support::home::{Home, unique_name};
use support::stores::{require_secret_service, secret_tool_lookup};
use support::{FakeGitLab, Output, Pki};

const APP: &str = "8d3c0a1f5b2e4d6c";

fn gitlab(pki: &Pki) -> FakeGitLab {
    let gitlab = FakeGitLab::start(&pki.valid());
    gitlab.oauth(|o| o.add_app(APP, &["api", "read_api", "read_user", "read_repository"]));
    gitlab
}

fn home() -> Home {
    require_secret_service();
    Home::new().with_env("GITLAB_TOKEN_TEST_OAUTH_INTERVAL_MS", "30")
}

/// Signs in as `name` with an access token inside the refresh margin (60 s left), so the next
/// `get` refreshes.
fn signed_in_due(home: &Home, gitlab: &FakeGitLab, pki: &Pki, name: &str) {
    gitlab.oauth(|o| o.access_lifetime = Duration::from_secs(60));
    let ca = pki.ca_file.to_str().expect("UTF-8 temp path");
    let url = gitlab.url();
    let args = [
        "login",
        "--host",
        &url,
        "--ca-file",
        ca,
        "--name",
        name,
        "--timeout",
        "5",
        "--oauth-app-id",
        APP,
    ];
    let out = home.run(&args, "");
    assert_eq!(out.code, Some(0), "{out:?}");
    gitlab.oauth(|o| o.access_lifetime = Duration::from_secs(7200));
    watch_all(home, gitlab);
}

fn watch_all(home: &Home, gitlab: &FakeGitLab) {
    for g in gitlab.oauth(|o| o.grants.clone()) {
        home.watch(&g.access);
        home.watch(&g.refresh);
    }
}

fn get(home: &Home, gitlab: &FakeGitLab, name: &str) -> Output {
    home.run(&["get", "--host", &host(gitlab), "--name", name], "")
}

fn get_env(home: &Home, gitlab: &FakeGitLab, name: &str, env: &[(&str, &str)]) -> Output {
    home.run_env(&["get", "--host", &host(gitlab), "--name", name], "", env)
}

fn facts(home: &Home, gitlab: &FakeGitLab, name: &str) -> gitlab_token::vault::OAuthFacts {
    home.metadata()
        .find(&account(name, gitlab))
        .and_then(|e| e.oauth.clone())
        .expect("an oauth entry")
}

fn refresh_fails_after_revoking(fault: RefreshFault) {
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let home = home();
    let name = unique_name("doubt");
    signed_in_due(&home, &gitlab, &pki, &name);
    let first = gitlab.oauth(|o| o.grants.last().cloned()).unwrap();
    gitlab.oauth(|o| o.refresh_fault = Some(fault));

    let out = get(&home, &gitlab, &name);
    watch_all(&home, &gitlab);
    assert_ne!(out.code, Some(0), "{fault:?}: {out:?}");
    assert!(
        out.stdout.is_empty(),
        "the dead access token is never printed: {out:?}"
    );
    assert!(out.stderr.contains("got no usable answer"), "{out:?}");
    assert!(out.stderr.contains("gitlab-token login --host"), "{out:?}");
    assert!(facts(&home, &gitlab, &name).in_doubt(), "journalled");

    let status = home.run(&["status"], "");
    assert!(
        status.stdout.contains("may need sign-in"),
        "status says the pair may be dead: {status:?}"
    );
    assert!(!status.stdout.contains("refreshes itself"), "{status:?}");
    assert!(status.stdout.contains("gitlab-token login"), "{status:?}");

    // GitLab is well again. The next use (git's helper here) tries the refresh once more,
    // GitLab refuses the revoked refresh token, and the sign-in is reported lost: git gets no
    // password, and a line saying to sign in again.
    gitlab.oauth(|o| o.refresh_fault = None);
    let attempts = gitlab.oauth(|o| o.refresh_attempts);
    let request = format!("protocol=https\nhost={}\n\n", host(&gitlab));
    let git = home.run(&["git-credential", "get"], &request);
    assert_eq!(git.code, Some(0), "{git:?}");
    assert!(!git.stdout.contains("password="), "{git:?}");
    assert!(!git.stdout.contains(&first.access), "{git:?}");
    assert!(git.stderr.contains("was lost"), "{git:?}");
    assert!(git.stderr.contains("gitlab-token login --host"), "{git:?}");
    assert_eq!(gitlab.oauth(|o| o.refresh_attempts), attempts + 1);
    let out = get(&home, &gitlab, &name);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(out.stderr.contains("gitlab-token login --host"), "{out:?}");
    let f = facts(&home, &gitlab, &name);
    assert!(f.needs_sign_in && !f.in_doubt(), "{f:?}");
    let out = get(&home, &gitlab, &name);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(
        gitlab.oauth(|o| o.refresh_attempts),
        attempts + 1,
        "not tried again"
    );
}

#[test]
fn a_refresh_answered_500_after_revoking_hands_out_no_token_and_status_says_so() {
    refresh_fails_after_revoking(RefreshFault::ServerError);
}

#[test]
fn a_refresh_cut_after_revoking_hands_out_no_token_and_status_says_so() {
    refresh_fails_after_revoking(RefreshFault::CutConnection);
}

#[test]
fn an_interrupted_refresh_that_gitlab_never_acted_on_is_finished_by_the_next_run() {
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let home = home();
    let name = unique_name("doubt");
    signed_in_due(&home, &gitlab, &pki, &name);
    // Killed after the journal, before the request left.
    let out = get_env(
        &home,
        &gitlab,
        &name,
        &[("GITLAB_TOKEN_TEST_ABORT_AT", "oauth-refresh-journalled")],
    );
    assert_ne!(out.code, Some(0), "{out:?}");
    assert_eq!(gitlab.oauth(|o| o.refresh_attempts), 0);
    assert!(facts(&home, &gitlab, &name).in_doubt());
    let status = home.run(&["status"], "");
    assert!(status.stdout.contains("may need sign-in"), "{status:?}");
    // The next run sends the refresh with the stored (still valid) refresh token.
    let out = get(&home, &gitlab, &name);
    watch_all(&home, &gitlab);
    assert_eq!(out.code, Some(0), "{out:?}");
    let new = gitlab.oauth(|o| o.grants.last().cloned()).unwrap();
    assert_eq!(out.stdout.trim(), new.access);
    assert!(!facts(&home, &gitlab, &name).in_doubt());
}

#[test]
fn a_kill_after_the_new_pair_was_stored_is_told_by_the_next_run_without_a_refresh() {
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let home = home();
    let name = unique_name("doubt");
    signed_in_due(&home, &gitlab, &pki, &name);
    let out = get_env(
        &home,
        &gitlab,
        &name,
        &[("GITLAB_TOKEN_TEST_ABORT_AT", "oauth-refresh-stored")],
    );
    watch_all(&home, &gitlab);
    assert_ne!(out.code, Some(0), "{out:?}");
    assert!(
        facts(&home, &gitlab, &name).in_doubt(),
        "the journal is left"
    );
    let new = gitlab.oauth(|o| o.grants.last().cloned()).unwrap();
    let stored = secret_tool_lookup(&account(&name, &gitlab)).unwrap();
    assert!(stored.contains(&new.refresh));
    let out = get(&home, &gitlab, &name);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout.trim(), new.access);
    assert_eq!(gitlab.oauth(|o| o.refresh_attempts), 1, "no second refresh");
    assert!(!facts(&home, &gitlab, &name).in_doubt(), "journal cleared");
}

#[test]
fn a_kill_between_gitlabs_answer_and_the_keychain_says_sign_in_again() {
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let home = home();
    let name = unique_name("doubt");
    signed_in_due(&home, &gitlab, &pki, &name);
    let out = get_env(
        &home,
        &gitlab,
        &name,
        &[("GITLAB_TOKEN_TEST_ABORT_AT", "oauth-refreshed")],
    );
    watch_all(&home, &gitlab);
    assert_ne!(out.code, Some(0), "{out:?}");
    let status = home.run(&["status"], "");
    assert!(status.stdout.contains("may need sign-in"), "{status:?}");
    let out = get(&home, &gitlab, &name);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(out.stderr.contains("was lost"), "{out:?}");
    let status = home.run(&["status"], "");
    assert!(status.stdout.contains("needs sign-in"), "{status:?}");
}
