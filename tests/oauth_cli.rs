//! `gitlab-token login` without a terminal, and the stored OAuth credential in `get`,
//! `git-credential`, `verify`, `status` and `forget --revoke`, against the fake GitLab's OAuth
//! provider and the REAL Secret Service (run with `bash tests/run.sh --test oauth_cli`).
#![cfg(target_os = "linux")]

mod support;

use std::time::Duration;

use gitlab_token::token::Token;
use support::accounts::{account, host};
use support::client::{client, trusting};
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

fn login_args(gitlab: &FakeGitLab, pki: &Pki, name: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "login",
        "--host",
        &gitlab.url(),
        "--ca-file",
        pki.ca_file.to_str().expect("UTF-8 temp path"),
        "--name",
        name,
        "--timeout",
        "5",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    args
}

fn login(home: &Home, gitlab: &FakeGitLab, pki: &Pki, name: &str, extra: &[&str]) -> Output {
    let args = login_args(gitlab, pki, name, extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    home.run(&args, "")
}

/// Signs in as `name` (approved on the second poll); every token issued is watched from then on.
fn signed_in(home: &Home, gitlab: &FakeGitLab, pki: &Pki, name: &str) -> Output {
    let out = login(home, gitlab, pki, name, &["--oauth-app-id", APP]);
    assert_eq!(out.code, Some(0), "{out:?}");
    watch_all(home, gitlab);
    out
}

/// Every access and refresh token the fake ever issued: never in a file under the home.
fn watch_all(home: &Home, gitlab: &FakeGitLab) {
    for g in gitlab.oauth(|o| o.grants.clone()) {
        home.watch(&g.access);
        home.watch(&g.refresh);
    }
    home.assert_no_secret_in_files("watching the issued tokens");
}

fn get(home: &Home, gitlab: &FakeGitLab, name: &str) -> Output {
    home.run(&["get", "--host", &host(gitlab), "--name", name], "")
}

fn current_grant(gitlab: &FakeGitLab) -> support::fake_oauth::Grant {
    gitlab
        .oauth(|o| o.grants.last().cloned())
        .expect("a grant was issued")
}

/// No access or refresh token in `out` (only `get` and `git-credential` may print the access
/// token, on stdout).
fn assert_no_tokens(out: &Output, gitlab: &FakeGitLab, except_stdout: Option<&str>) {
    for g in gitlab.oauth(|o| o.grants.clone()) {
        assert!(
            !out.stderr.contains(&g.access) && !out.stderr.contains(&g.refresh),
            "{out:?}"
        );
        assert!(!out.stdout.contains(&g.refresh), "{out:?}");
        if except_stdout != Some(g.access.as_str()) {
            assert!(!out.stdout.contains(&g.access), "{out:?}");
        }
    }
}

#[test]
fn login_polls_until_approved_stores_one_entry_and_get_prints_the_access_token() {
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let home = home();
    let name = unique_name("oa");
    let out = signed_in(&home, &gitlab, &pki, &name);
    assert_eq!(gitlab.oauth(|o| o.polls), 2, "pending, then approved");
    let grant = current_grant(&gitlab);
    // The code and both URLs on stderr; the result on stdout.
    assert!(
        out.stderr
            .contains(&format!("{}/oauth/device", gitlab.url())),
        "{out:?}"
    );
    assert!(out.stderr.contains("oauth/device?user_code="), "{out:?}");
    assert!(out.stdout.contains("Signed in as ada"), "{out:?}");
    assert_no_tokens(&out, &gitlab, None);

    let meta = home.metadata();
    let entry = meta.find(&account(&name, &gitlab)).expect("one entry");
    assert!(entry.is_oauth());
    assert_eq!(entry.username, "ada");
    assert_eq!(entry.scopes, ["read_api"]);
    let facts = entry.oauth.as_ref().expect("oauth facts");
    assert_eq!(facts.app_id, APP);
    assert!(!facts.needs_sign_in);
    let toml = std::fs::read_to_string(home.tokens_toml()).unwrap();
    assert!(toml.contains("kind = \"oauth\""), "{toml}");

    // One keychain entry holds both tokens.
    let stored = secret_tool_lookup(&account(&name, &gitlab)).expect("keychain entry");
    assert!(stored.contains(&grant.access) && stored.contains(&grant.refresh));

    let out = get(&home, &gitlab, &name);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout.trim(), grant.access);
    assert_eq!(gitlab.oauth(|o| o.refresh_attempts), 0, "fresh: no refresh");
}

#[test]
fn no_app_id_explains_registration_and_a_saved_one_is_reused() {
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let home = home();
    let out = login(&home, &gitlab, &pki, "first", &[]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("oauth_no_application"), "{out:?}");
    assert!(
        out.stderr
            .contains(&format!("{}/-/user_settings/applications", gitlab.url())),
        "{out:?}"
    );
    assert!(out.stderr.contains("Confidential"), "{out:?}");
    assert_eq!(gitlab.oauth(|o| o.polls), 0);
    // From the environment, then saved for the host.
    let args = login_args(&gitlab, &pki, "first", &[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = home.run_env(&args, "", &[("GITLAB_TOKEN_OAUTH_APP_ID", APP)]);
    assert_eq!(out.code, Some(0), "{out:?}");
    watch_all(&home, &gitlab);
    let out = login(&home, &gitlab, &pki, "second", &[]);
    assert_eq!(out.code, Some(0), "the app id saved for the host: {out:?}");
}

#[test]
fn unknown_app_old_gitlab_denied_and_expired_end_clearly_and_store_nothing() {
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let home = home();
    let out = login(
        &home,
        &gitlab,
        &pki,
        "x",
        &["--oauth-app-id", "not-registered"],
    );
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(out.stderr.contains("oauth_unknown_application"), "{out:?}");
    assert!(
        out.stderr.contains("/-/user_settings/applications"),
        "{out:?}"
    );

    gitlab.oauth(|o| o.device_endpoint_missing = true);
    let out = login(&home, &gitlab, &pki, "x", &["--oauth-app-id", APP]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("oauth_not_supported"), "{out:?}");
    assert!(out.stderr.contains("17.2"), "{out:?}");
    assert!(
        out.stderr.contains("gitlab-token setup"),
        "the token path: {out:?}"
    );

    gitlab.oauth(|o| {
        o.device_endpoint_missing = false;
        o.deny = true;
    });
    let out = login(&home, &gitlab, &pki, "x", &["--oauth-app-id", APP]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("oauth_access_denied"), "{out:?}");

    gitlab.oauth(|o| {
        o.deny = false;
        o.approve_on_poll = 1000;
        o.code_lifetime = Duration::from_millis(200);
    });
    let out = login(&home, &gitlab, &pki, "x", &["--oauth-app-id", APP]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("oauth_code_expired"), "{out:?}");
    assert!(home.metadata().tokens.is_empty());
}

#[test]
fn an_access_token_near_expiry_is_refreshed_once_and_the_new_pair_stored() {
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let home = home();
    let name = unique_name("oa");
    // Three minutes left: inside the five-minute margin.
    gitlab.oauth(|o| o.access_lifetime = Duration::from_secs(180));
    signed_in(&home, &gitlab, &pki, &name);
    let first = current_grant(&gitlab);
    gitlab.oauth(|o| o.access_lifetime = Duration::from_secs(7200));
    let out = get(&home, &gitlab, &name);
    assert_eq!(out.code, Some(0), "{out:?}");
    watch_all(&home, &gitlab);
    let second = current_grant(&gitlab);
    assert_ne!(second.access, first.access);
    assert_eq!(out.stdout.trim(), second.access);
    assert_eq!(gitlab.oauth(|o| o.refreshes), 1);
    let stored = secret_tool_lookup(&account(&name, &gitlab)).unwrap();
    assert!(stored.contains(&second.refresh) && !stored.contains(&first.refresh));
    // Fresh now: no second refresh.
    assert_eq!(get(&home, &gitlab, &name).stdout.trim(), second.access);
    assert_eq!(gitlab.oauth(|o| o.refresh_attempts), 1);
}

#[test]
fn ten_concurrent_gets_after_expiry_cause_one_refresh_and_print_one_working_token() {
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let home = home();
    let name = unique_name("oa");
    // Sixty seconds left by our clock (inside the margin), and already expired by GitLab's.
    gitlab.oauth(|o| o.access_lifetime = Duration::from_secs(60));
    signed_in(&home, &gitlab, &pki, &name);
    gitlab.oauth(|o| {
        o.expire_access_tokens();
        o.access_lifetime = Duration::from_secs(7200);
        // A slow refresh keeps the others waiting on the lock meanwhile.
        o.refresh_delay = Duration::from_millis(300);
    });
    let args = ["get", "--host", &host(&gitlab), "--name", &name];
    let running: Vec<_> = (0..10).map(|_| home.spawn(&args, "")).collect();
    let outs: Vec<Output> = running.into_iter().map(|r| home.wait(r)).collect();
    watch_all(&home, &gitlab);
    for out in &outs {
        assert_eq!(out.code, Some(0), "{out:?}");
    }
    assert_eq!(
        gitlab.oauth(|o| o.refresh_attempts),
        1,
        "exactly one refresh"
    );
    let token = outs[0].stdout.trim().to_owned();
    assert!(outs.iter().all(|o| o.stdout.trim() == token), "{outs:?}");
    assert_eq!(token, current_grant(&gitlab).access);
    let api = client(&gitlab.url(), &trusting(&pki));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let user = rt
        .block_on(api.user(&Token::new(token)))
        .expect("the token works");
    assert_eq!(user.username, "ada");
}

#[test]
fn a_rejected_refresh_token_asks_for_sign_in_once_and_is_not_retried() {
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let home = home();
    let name = unique_name("oa");
    gitlab.oauth(|o| o.access_lifetime = Duration::from_secs(60));
    signed_in(&home, &gitlab, &pki, &name);
    gitlab.oauth(|o| {
        o.expire_access_tokens();
        o.reject_refresh = true;
    });
    let out = get(&home, &gitlab, &name);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("gitlab-token login --host"), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    let entry = home
        .metadata()
        .find(&account(&name, &gitlab))
        .cloned()
        .unwrap();
    assert!(entry.oauth.unwrap().needs_sign_in);
    let out = get(&home, &gitlab, &name);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(gitlab.oauth(|o| o.refresh_attempts), 1, "not retried");
    let status = home.run(&["status"], "");
    assert!(status.stdout.contains("needs sign-in"), "{status:?}");
    // Signing in again clears it.
    gitlab.oauth(|o| {
        o.reject_refresh = false;
        o.access_lifetime = Duration::from_secs(7200);
    });
    let before = current_grant(&gitlab);
    signed_in(&home, &gitlab, &pki, &name);
    let out = get(&home, &gitlab, &name);
    assert_eq!(out.stdout.trim(), current_grant(&gitlab).access, "{out:?}");
    // The replaced sign-in was revoked on GitLab.
    assert!(gitlab.oauth(|o| o.revoked.contains(&before.refresh)));
}

#[test]
fn git_verify_status_and_forget_revoke_work_with_the_oauth_credential() {
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let home = home();
    let name = unique_name("oa");
    signed_in(&home, &gitlab, &pki, &name);
    let grant = current_grant(&gitlab);

    let request = format!("protocol=https\nhost={}\n\n", host(&gitlab));
    let out = home.run(&["git-credential", "get"], &request);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("username=oauth2\n"), "{out:?}");
    assert!(
        out.stdout.contains(&format!("password={}\n", grant.access)),
        "{out:?}"
    );
    let expiry: i64 = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("password_expiry_utc="))
        .expect("password_expiry_utc")
        .parse()
        .unwrap();
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    assert!(
        (now + 7100..=now + 7200).contains(&expiry),
        "{expiry} vs {now}"
    );
    assert_no_tokens(&out, &gitlab, Some(&grant.access));

    let out = home.run(&["verify", "--host", &host(&gitlab), "--name", &name], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("refreshes itself"), "{out:?}");
    assert_no_tokens(&out, &gitlab, None);
    let out = home.run(&["status", "--verify"], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout.contains("refreshes itself") && out.stdout.contains("ada"),
        "{out:?}"
    );
    assert_no_tokens(&out, &gitlab, None);

    // Nothing to rotate: the stored pair is never sent as a personal access token.
    let requests = gitlab.requests().len();
    let out = home.run(
        &["rotate", "--host", &host(&gitlab), "--name", &name, "--yes"],
        "",
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stderr.contains("refreshes itself"), "{out:?}");
    assert_eq!(gitlab.requests().len(), requests, "no request to GitLab");
    assert_eq!(gitlab.rotate_calls(), 0);

    let out = home.run(
        &[
            "forget",
            "--host",
            &host(&gitlab),
            "--name",
            &name,
            "--revoke",
        ],
        "",
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let revoked = gitlab.oauth(|o| o.revoked.clone());
    assert!(revoked.contains(&grant.access) && revoked.contains(&grant.refresh));
    assert!(gitlab.oauth(|o| o.grants.iter().all(|g| g.revoked)));
    assert_eq!(secret_tool_lookup(&account(&name, &gitlab)), None);
    assert!(home.metadata().tokens.is_empty());
    assert_no_tokens(&out, &gitlab, None);
}

#[test]
fn login_json_reports_the_result_on_stdout() {
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let home = home();
    let name = unique_name("oa");
    let out = login(
        &home,
        &gitlab,
        &pki,
        &name,
        &[
            "--oauth-app-id",
            APP,
            "--json",
            "--scopes",
            "read_api,read_repository",
        ],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    watch_all(&home, &gitlab);
    let json = out.json();
    assert_eq!(json["ok"], true);
    assert_eq!(json["kind"], "oauth");
    assert_eq!(json["username"], "ada");
    assert_eq!(
        json["scopes"],
        serde_json::json!(["read_api", "read_repository"])
    );
    assert_no_tokens(&out, &gitlab, None);
}

#[test]
fn ctrl_c_during_the_wait_stops_cleanly_and_stores_nothing() {
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let home = home();
    gitlab.oauth(|o| o.approve_on_poll = 1000);
    let args = login_args(&gitlab, &pki, "stopped", &["--oauth-app-id", APP]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let running = home.spawn(&args, "");
    assert!(
        support::home::eventually(Duration::from_secs(10), || gitlab.oauth(|o| o.polls) >= 2),
        "polling started"
    );
    let pid = running.pid() as libc::pid_t;
    // SAFETY: signalling our own child process by its id.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let out = home.wait(running);
    assert_eq!(out.code, Some(130), "{out:?}");
    assert!(
        out.stderr.contains("nothing was approved or stored"),
        "{out:?}"
    );
    assert!(home.metadata().tokens.is_empty());
    let polls = gitlab.oauth(|o| o.polls);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(gitlab.oauth(|o| o.polls), polls, "no poll after the stop");
}

#[test]
fn the_rotation_library_leaves_an_oauth_sign_in_alone() {
    use gitlab_token::rotation::{self, Context};
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let home = home();
    let name = unique_name("oa");
    signed_in(&home, &gitlab, &pki, &name);
    let entry = home
        .metadata()
        .find(&account(&name, &gitlab))
        .cloned()
        .unwrap();
    let ctx = Context {
        metadata_path: home.tokens_toml(),
        timeout: Duration::from_secs(5),
        keychain_timeout: Duration::from_secs(5),
    };
    let requests = gitlab.requests().len();
    let rt = tokio::runtime::Runtime::new().unwrap();
    match rt.block_on(rotation::plan(&ctx, &entry)) {
        rotation::Plan::Done(report) => {
            assert!(report.ok, "nothing to do is not a failure");
            let notes = gitlab_token::strings::rotation::notes(&report);
            assert!(notes.iter().any(|n| n.contains("refreshes itself")));
        }
        rotation::Plan::Automatic(_) => panic!("an OAuth pair must never be rotated as a PAT"),
    }
    assert_eq!(
        gitlab.requests().len(),
        requests,
        "the pair was not sent anywhere"
    );
}

#[test]
fn ctrl_c_during_a_refresh_waits_until_the_new_pair_is_stored() {
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let home = home();
    let name = unique_name("oa");
    gitlab.oauth(|o| o.access_lifetime = Duration::from_secs(60));
    signed_in(&home, &gitlab, &pki, &name);
    gitlab.oauth(|o| {
        o.access_lifetime = Duration::from_secs(7200);
        o.refresh_delay = Duration::from_millis(800);
    });
    let running = home.spawn(&["get", "--host", &host(&gitlab), "--name", &name], "");
    assert!(
        support::home::eventually(Duration::from_secs(10), || gitlab
            .oauth(|o| o.refresh_attempts)
            == 1),
        "the refresh started"
    );
    // GitLab has already replaced the pair; the answer is still on its way.
    let pid = running.pid() as libc::pid_t;
    // SAFETY: signalling our own child process by its id.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let out = home.wait(running);
    watch_all(&home, &gitlab);
    assert_eq!(out.code, Some(130), "{out:?}");
    assert!(out.stdout.is_empty(), "stopped: no token printed: {out:?}");
    let new = current_grant(&gitlab);
    let stored = secret_tool_lookup(&account(&name, &gitlab)).unwrap();
    assert!(stored.contains(&new.refresh), "the new pair was stored");
    let out = get(&home, &gitlab, &name);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout.trim(), new.access);
    assert_eq!(gitlab.oauth(|o| o.refresh_attempts), 1);
}

#[test]
fn login_never_replaces_a_pasted_access_token_of_the_same_name() {
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let home = home();
    let name = unique_name("pat");
    let secret = support::accounts::new_token(&home, &gitlab, "pasted");
    support::accounts::add_ok(&home, &gitlab, &pki, &name, &secret, None);
    let out = login(&home, &gitlab, &pki, &name, &["--oauth-app-id", APP]);
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr.contains("already holds an access token"),
        "{out:?}"
    );
    assert_eq!(gitlab.oauth(|o| o.polls), 0, "nobody was asked to approve");
    assert_eq!(
        secret_tool_lookup(&account(&name, &gitlab)).as_deref(),
        Some(secret.as_str())
    );
    assert!(
        !home
            .metadata()
            .find(&account(&name, &gitlab))
            .unwrap()
            .is_oauth()
    );
}

#[test]
fn a_failed_check_after_login_keeps_the_sign_in_and_says_to_sign_in_again() {
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let home = home();
    let name = unique_name("oa");
    // GitLab issues an access token that is already dead by its clock.
    gitlab.oauth(|o| o.access_lifetime = Duration::ZERO);
    let out = login(&home, &gitlab, &pki, &name, &["--oauth-app-id", APP]);
    watch_all(&home, &gitlab);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("token_expired"), "{out:?}");
    assert!(
        out.stderr.contains("Sign in again: `gitlab-token login"),
        "{out:?}"
    );
    assert!(!out.stderr.contains("Access tokens page"), "{out:?}");
    assert_no_tokens(&out, &gitlab, None);
    // Stored: the refresh token still works, so the next `get` refreshes.
    gitlab.oauth(|o| o.access_lifetime = Duration::from_secs(7200));
    let out = get(&home, &gitlab, &name);
    watch_all(&home, &gitlab);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout.trim(), current_grant(&gitlab).access);
}
