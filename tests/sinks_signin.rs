//! A `gitlab-variable` sink written by a browser sign-in (`sink add ... --authorized-by
//! NAME@HOST`, issue 12 item 4's second authorization): the built binary, the REAL Secret
//! Service, and the fake GitLab with its OAuth provider and CI/CD variable endpoints.
//!
//! Run with `bash tests/run.sh --test sinks_signin`; without run.sh's bus the tests fail.
#![cfg(target_os = "linux")]

mod support;

use support::FakeUser;
use support::fake_variables::FakeVariable;
use support::rotating::World;
use support::stores::require_secret_service;

const OK: i32 = 0;
const FAILED: i32 = 1;
const APP: &str = "8d3c0a1f5b2e4d6c";
const MAINTAINER: u32 = 40;
const DEVELOPER: u32 = 30;

/// A world with a rotatable token `reviewer` (its account only a Developer on team/app) and a
/// browser sign-in `owner` of another person, a Maintainer there.
fn world() -> (World, String) {
    require_secret_service();
    let w = World::new();
    let old = w.token(&["api", "read_api", "read_user"], 90);
    w.add("mr-reviewer", "reviewer", &old);
    let maintainer = FakeUser::person(8, "ada");
    w.gitlab.oauth(|o| {
        o.add_app(APP, &["api", "read_api", "read_user"]);
        o.user = maintainer.clone();
        // Three minutes left at sign-in: inside the five-minute refresh margin.
        o.access_lifetime = std::time::Duration::from_secs(180);
    });
    let url = w.gitlab.url();
    let ca = w.ca();
    let login = [
        "login",
        "--host",
        &url,
        "--ca-file",
        &ca,
        "--name",
        "owner",
        "--timeout",
        "5",
        "--oauth-app-id",
        APP,
        "--scopes",
        "api",
    ];
    let out = w.run_env(&login, "", &[("GITLAB_TOKEN_TEST_OAUTH_INTERVAL_MS", "30")]);
    assert_eq!(out.code, Some(OK), "{out:?}");
    w.gitlab
        .oauth(|o| o.access_lifetime = std::time::Duration::from_secs(7200));
    w.gitlab.project_member("team/app", w.user.id, DEVELOPER);
    w.gitlab
        .project_member("team/app", maintainer.id, MAINTAINER);
    w.gitlab.set_variable(
        true,
        "team/app",
        FakeVariable::new("REVIEW_TOKEN", &old).masked().protected(),
    );
    (w, old)
}

/// No access or refresh token of any grant in `out`.
fn assert_no_oauth_tokens(w: &World, out: &support::Output) {
    for g in w.gitlab.oauth(|o| o.grants.clone()) {
        for secret in [&g.access, &g.refresh] {
            assert!(
                !out.stdout.contains(secret.as_str()) && !out.stderr.contains(secret.as_str()),
                "{out:?}"
            );
            w.home.watch(secret);
        }
    }
    w.home.assert_no_secret_in_files("the sign-in's tokens");
}

#[test]
fn a_sign_in_of_a_maintainer_writes_the_variable_the_rotated_token_may_not() {
    let (w, old) = world();
    let account = w.account("reviewer");
    let owner = w.account("owner");
    let add = |extra: &[&str]| {
        let mut args = vec![
            "sink",
            "add",
            account.as_str(),
            "gitlab-variable",
            "--project",
            "team/app",
            "--key",
            "REVIEW_TOKEN",
        ];
        args.extend(extra);
        w.run(&args, "")
    };
    let out = add(&["--authorized-by", &owner]);
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert!(out.stdout.contains(&format!("as {owner}")), "{out:?}");

    // The sign-in's access token is due for a refresh by the time of the rotation.
    let refreshes = w.gitlab.oauth(|o| o.refreshes);
    let out = w.rotate("reviewer", &["--yes", "--json"], "");
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert_no_oauth_tokens(&w, &out);
    let all = out.json();
    assert_eq!(all[0]["sinks"][0]["ok"], true, "{all}");
    let new = w.gitlab.rotated_to(&old).expect("rotated");
    let var = w
        .gitlab
        .variables(true, "team/app")
        .into_iter()
        .find(|v| v.key == "REVIEW_TOKEN")
        .expect("the variable");
    assert_eq!(var.value, new);
    assert!(var.masked && var.protected, "{var:?}");
    assert_eq!(w.gitlab.oauth(|o| o.refreshes), refreshes + 1);
    w.home.watch(&new);
    w.home.assert_no_secret_in_files("the delivered value");

    // The signed-in person loses the role: the failure names the sign-in and what to do.
    w.gitlab.project_member("team/app", 8, DEVELOPER);
    let out = w.run(&["sink", "deliver", &account, "--json"], "");
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    assert!(
        out.stdout
            .contains(&format!("written as the sign-in {owner}"))
            && out.stdout.contains("Maintainer role on project team/app"),
        "{out:?}"
    );
    assert_no_oauth_tokens(&w, &out);

    // The same sink without the sign-in: the Developer's own token is refused (403), pending.
    let out = w.run(&["sink", "remove", &account, "1"], "");
    assert_eq!(out.code, Some(OK), "{out:?}");
    let out = add(&[]);
    assert_eq!(out.code, Some(OK), "{out:?}");
    let out = w.rotate("reviewer", &["--yes", "--json", "--within", "400"], "");
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    assert!(out.stdout.contains("403"), "{out:?}");
}

#[test]
fn authorized_by_takes_only_a_stored_sign_in_with_api() {
    let (w, _old) = world();
    let account = w.account("reviewer");
    let add = |by: &str| {
        w.run(
            &[
                "sink",
                "add",
                &account,
                "gitlab-variable",
                "--group",
                "team",
                "--key",
                "K",
                "--authorized-by",
                by,
            ],
            "",
        )
    };
    // A pasted token is never used for this; an unknown name is refused.
    let out = add(&account);
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    assert!(out.stderr.contains("is not a browser sign-in"), "{out:?}");
    let out = add(&w.account("nobody"));
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    // A sign-in without api (read_api only) cannot write variables: refused at once.
    let (url, ca) = (w.gitlab.url(), w.ca());
    let login = [
        "login",
        "--host",
        &url,
        "--ca-file",
        &ca,
        "--name",
        "reader",
        "--timeout",
        "5",
        "--oauth-app-id",
        APP,
        "--scopes",
        "read_api",
    ];
    let out = w.run_env(&login, "", &[("GITLAB_TOKEN_TEST_OAUTH_INTERVAL_MS", "30")]);
    assert_eq!(out.code, Some(OK), "{out:?}");
    let out = add(&w.account("reader"));
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    assert!(out.stderr.contains("needs api"), "{out:?}");
    let out = w.run(&["sink", "list", "--json"], "");
    assert_eq!(out.json().as_array().map(Vec::len), Some(0), "{out:?}");

    // A sign-in removed after `sink add` makes the delivery fail loudly and stay pending.
    let owner = w.account("owner");
    let out = add(&owner);
    assert_eq!(out.code, Some(OK), "{out:?}");
    let out = w.run(&["forget", "--host", &w.host(), "--name", "owner"], "");
    assert_eq!(out.code, Some(OK), "{out:?}");
    let out = w.run(&["sink", "deliver", &account, "--json"], "");
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    assert!(out.stdout.contains("no browser sign-in"), "{out:?}");
}
