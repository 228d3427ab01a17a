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
    assert!(
        !out.stdout.contains("warning"),
        "warnings go to stderr: {out:?}"
    );

    let fresh = accounts::new_token(&home, &gitlab, "fresh");
    let out = add(&home, &gitlab, &pki, &later, &fresh, None);
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert!(!out.stderr.contains("expires"), "{out:?}");
}

#[test]
fn status_fits_80_columns_and_uses_200() {
    require_secret_service();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let (a, b) = (unique_name("scanner"), unique_name("reviewer"));
    let secret_a = accounts::new_token(&home, &gitlab, "repo-scanner (gitlab-token)");
    let secret_b = accounts::new_token(&home, &gitlab, "mr-reviewer (gitlab-token)");
    add_ok(&home, &gitlab, &pki, &a, &secret_a, None);
    add_ok(&home, &gitlab, &pki, &b, &secret_b, None);

    let narrow = home.run_env(&["status"], "", &[("COLUMNS", "80")]);
    assert_eq!(narrow.code, Some(OK), "{narrow:?}");
    for line in narrow.stdout.lines() {
        assert!(line.chars().count() <= 80, "{line:?} in\n{}", narrow.stdout);
    }
    for acc in [account(&a, &gitlab), account(&b, &gitlab)] {
        assert!(
            narrow.stdout.contains(&format!("{acc}\n")),
            "{}",
            narrow.stdout
        );
    }
    assert!(
        narrow
            .stdout
            .contains("  scopes:   read_api, read_repository\n")
    );

    let wide = home.run_env(&["status"], "", &[("COLUMNS", "200")]);
    let lines: Vec<&str> = wide.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        3,
        "a header and a row per token:\n{}",
        wide.stdout
    );
    assert!(lines[0].starts_with("HOST  "), "{}", wide.stdout);
    let at = |l: &str, s: &str| l.find(s).unwrap_or_else(|| panic!("{s} not in {l}"));
    // Columns line up under their headings, at least two spaces apart.
    let store = at(lines[0], "STORE");
    assert_eq!(at(lines[1], "secret-service"), store, "{}", wide.stdout);
    assert_eq!(at(lines[2], "secret-service"), store, "{}", wide.stdout);
    assert!(lines[1][..store].ends_with("  "), "{}", wide.stdout);
    for line in &lines {
        assert!(line.chars().count() <= 200, "{line}");
    }
    // No terminal and no COLUMNS: the 80-column layout.
    let plain = home.run(&["status"], "");
    assert_eq!(plain.stdout, narrow.stdout);
}
