//! The command line's conveniences with the REAL Secret Service (run with tests/run.sh):
//! `verify` and `get` need no `--host`/`--name` when one stored token matches, `verify` with an
//! empty pipe verifies the stored token, and `add` warns about a token expiring within 14 days.
#![cfg(target_os = "linux")]

mod support;

use support::accounts::{self, SCOPES, account, add, add_ok, bot};
use support::home::{Home, unique_name};
use support::stores::require_secret_service;
use support::{FakeGitLab, Pki, TokenRecord};

const OK: i32 = 0;
const USAGE: i32 = 2;

#[test]
fn verify_and_get_find_the_one_stored_token_without_flags() {
    require_secret_service();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let name = unique_name("only");
    let secret = accounts::new_token(&home, &gitlab, "only one");
    add_ok(&home, &gitlab, &pki, &name, &secret, None);

    // From a script: stdin is a pipe, and empty. The stored token (and its CA file) is used.
    for stdin in ["", "\n"] {
        let out = home.run(&["verify", "--json"], stdin);
        assert_eq!(out.code, Some(OK), "{stdin:?}: {out:?}");
        let report = out.json();
        assert_eq!(report["ok"], true, "{report}");
        assert_eq!(report["host"], gitlab.url());
        assert_eq!(report["token"]["name"], "only one");
    }
    // The same token piped, still without --host: checked against the stored token's instance.
    let out = home.run(&["verify", "--json"], &format!("{secret}\n"));
    assert_eq!(out.code, Some(OK), "{out:?}");
    // get, with no flags at all.
    let out = home.run(&["get"], "");
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert_eq!(out.stdout.trim_end(), secret);
    // By name alone, too.
    let out = home.run(&["verify", "--name", &name, "--json"], "");
    assert_eq!(out.code, Some(OK), "{out:?}");
}

#[test]
fn with_two_stored_tokens_verify_asks_which() {
    require_secret_service();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let (a, b) = (unique_name("a"), unique_name("b"));
    let secret_a = accounts::new_token(&home, &gitlab, "A");
    let secret_b = accounts::new_token(&home, &gitlab, "B");
    add_ok(&home, &gitlab, &pki, &a, &secret_a, None);
    add_ok(&home, &gitlab, &pki, &b, &secret_b, None);
    let out = home.run(&["verify", "--json"], "");
    assert_eq!(out.code, Some(USAGE), "{out:?}");
    assert!(out.stderr.contains("several tokens are stored"), "{out:?}");
    assert!(out.stderr.contains(&account(&a, &gitlab)), "{out:?}");
    let out = home.run(&["verify", "--name", &b, "--json"], "");
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert_eq!(out.json()["token"]["name"], "B");
}

#[test]
fn add_warns_about_a_token_expiring_within_14_days() {
    require_secret_service();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let (soon, later) = (unique_name("soon"), unique_name("later"));
    let secret = support::new_secret("st");
    gitlab.add_token(&secret, TokenRecord::new(&bot(), &SCOPES).expires_in(10));
    home.watch(&secret);
    let out = add(&home, &gitlab, &pki, &soon, &secret, None);
    assert_eq!(out.code, Some(OK), "{out:?}");
    let expected = format!("warning: {} expires in 10 days", account(&soon, &gitlab));
    assert!(out.stderr.contains(&expected), "{out:?}");
    assert!(out.stderr.contains("gitlab-token rotate --host"), "{out:?}");
    assert!(!out.stdout.contains("warning"), "warnings go to stderr: {out:?}");

    let fresh = accounts::new_token(&home, &gitlab, "fresh");
    let out = add(&home, &gitlab, &pki, &later, &fresh, None);
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert!(!out.stderr.contains("expires"), "{out:?}");
}
