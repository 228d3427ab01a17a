//! A fake GitLab (or what stands in front of it) answering wrongly: a catch-all portal, a proxy
//! that swallows DELETE, truncated and wrongly typed JSON, a garbage expiry date, escape
//! sequences and newlines in names; and tokens refused locally. Each with the message, the exit
//! code, and what is (not) stored. Run through `bash tests/run.sh --test hostile_answers`.

mod support;

use support::accounts::{self, account, add, add_ok, bot, host, problem_kinds};
use support::home::{Home, unique_name};
use support::hostile::{assert_no_control_characters, assert_within, run_limited, secs};
use support::stores::{require_secret_service, secret_tool_lookup};
use support::{FakeGitLab, FakeUser, Mode, Pki, TokenRecord, new_secret};

const CHECK_FAILED: i32 = 1;
const USAGE: i32 = 2;
const UNREACHABLE: i32 = 3;

/// `forget --revoke` of a freshly added token while `mode` stands in front of GitLab: the
/// revocation is not confirmed, so the token stays in the keychain and the metadata.
fn forget_revoke_keeps_the_token(mode: Mode, why: &str) {
    require_secret_service();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let name = unique_name("portal");
    let secret = accounts::new_token(&home, &gitlab, "behind a portal");
    add_ok(&home, &gitlab, &pki, &name, &secret, None);
    let acc = account(&name, &gitlab);

    gitlab.set_mode(mode);
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
    gitlab.set_mode(Mode::Normal);
    assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
    assert!(
        out.stderr.contains("could not be confirmed") && out.stderr.contains(why),
        "{out:?}"
    );
    assert!(out.stderr.contains("NOT removed"), "{out:?}");
    assert!(!out.stdout.contains("Revoked"), "{out:?}");
    assert!(!gitlab.token(&secret).expect("known").revoked);
    assert_eq!(secret_tool_lookup(&acc).as_deref(), Some(secret.as_str()));
    assert!(home.metadata().find(&acc).is_some());
}

#[test]
fn forget_revoke_behind_a_catch_all_200_keeps_the_token() {
    forget_revoke_keeps_the_token(Mode::catch_all(), "204 No Content");
}

#[test]
fn forget_revoke_behind_a_proxy_that_swallows_delete_keeps_the_token() {
    forget_revoke_keeps_the_token(Mode::SwallowDeletes, "still works");
}

/// `verify --json` of a token that `mode` answers for.
fn verify_under(mode: Mode) -> (support::Output, FakeGitLab) {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let secret = new_secret("odd");
    gitlab.add_token(&secret, TokenRecord::new(&bot(), &accounts::SCOPES));
    gitlab.set_mode(mode);
    let home = Home::new();
    (verify_limited(&home, &gitlab, &pki, &secret), gitlab)
}

/// `verify --json` of `secret` under the memory limit, within 10 s.
fn verify_limited(home: &Home, gitlab: &FakeGitLab, pki: &Pki, secret: &str) -> support::Output {
    let ca = pki.ca_file.to_str().expect("UTF-8 path");
    let url = gitlab.url();
    let (out, took) = run_limited(
        home,
        &["verify", "--host", &url, "--ca-file", ca, "--json"],
        &format!("{secret}\n"),
    );
    assert_within(took, secs(10), "verify");
    out
}

#[test]
fn wrongly_typed_and_truncated_json_are_unexpected_answers() {
    for body in [
        r#"{"id":"one","name":5}"#,
        r#"{"id":1,"name":"integration","scopes":["api"],"expi"#,
        r#"[1,2,3]"#,
        r#"{"status":"ok"}"#,
    ] {
        let (out, _gitlab) = verify_under(Mode::json(200, body));
        assert_eq!(out.code, Some(UNREACHABLE), "{body}: {out:?}");
        let report = out.json();
        assert_eq!(
            problem_kinds(&report),
            ["unexpected_answer"],
            "{body}: {report}"
        );
        let message = report["problems"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(message.contains("not like GitLab's"), "{message}");
    }
}

#[test]
fn a_garbage_expiry_date_is_a_problem_and_nothing_is_stored() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let secret = new_secret("date");
    let mut record = TokenRecord::new(&bot(), &accounts::SCOPES);
    record.expires_at = "garbage-date".into();
    gitlab.add_token(&secret, record);
    home.watch(&secret);

    let out = verify_limited(&home, &gitlab, &pki, &secret);
    assert_eq!(out.code, Some(UNREACHABLE), "{out:?}");
    let report = out.json();
    assert_eq!(problem_kinds(&report), ["unexpected_answer"], "{report}");
    assert!(
        report["problems"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("expires_at is not a date")),
        "{report}"
    );

    // `add` stores nothing (it fails before the keychain is touched).
    let name = unique_name("garbage");
    let out = add(&home, &gitlab, &pki, &name, &secret, Some("file"));
    assert_eq!(out.code, Some(UNREACHABLE), "{out:?}");
    assert!(out.stderr.contains("expires_at is not a date"), "{out:?}");
    assert!(home.metadata().find(&account(&name, &gitlab)).is_none());
    assert!(!home.secrets_toml().exists());
}

#[test]
fn escape_sequences_and_newlines_in_names_never_reach_the_terminal_or_the_files() {
    require_secret_service();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let evil = FakeUser {
        id: 66,
        username: "eve\u{1b}]0;pwned title\u{7}\nrole=admin".into(),
        name: "\r\u{1b}[2KEve \u{1b}[31mRed\u{1b}[0m \u{9b}2J".into(),
        bot: true,
    };
    let secret = new_secret("esc");
    let long_name = format!("\u{1b}[8m{}", "n".repeat(50_000));
    gitlab.add_token(
        &secret,
        TokenRecord::new(&evil, &accounts::SCOPES).named(&long_name),
    );
    home.watch(&secret);
    let name = unique_name("esc");
    let out = add(&home, &gitlab, &pki, &name, &secret, None);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_no_control_characters(&out);

    for args in [
        &["status"][..],
        &["status", "--json"],
        &["status", "--verify"],
    ] {
        let out = home.run(args, "");
        assert_eq!(out.code, Some(0), "{args:?}: {out:?}");
        assert_no_control_characters(&out);
        assert!(!out.stdout.contains("pwned"), "{args:?}: {out:?}");
    }
    let toml = std::fs::read_to_string(home.tokens_toml()).expect("tokens.toml");
    assert!(toml.contains("eve role=admin"), "{toml}");
    assert!(
        !toml.chars().any(|c| c.is_control() && c != '\n')
            && !toml.to_ascii_lowercase().contains("\\u001b")
            && !toml.contains("pwned"),
        "{toml}"
    );
    assert!(toml.len() < 4096, "names are capped: {} bytes", toml.len());
}

#[test]
fn a_token_with_inner_whitespace_is_refused_without_sending_it() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    for (pasted, what) in [
        ("glpat-abcdefgh ijklmnopqrst", "space, tab or line break"),
        (
            "glpat-abcdefgh\nglpat-ijklmnopqrst",
            "space, tab or line break",
        ),
        ("glpat-abcdefghijklmnop\u{201d}", "typographic quote"),
    ] {
        let out = verify_limited(&home, &gitlab, &pki, pasted);
        assert_eq!(out.code, Some(CHECK_FAILED), "{pasted:?}: {out:?}");
        let report = out.json();
        assert_eq!(problem_kinds(&report), ["token_malformed"], "{report}");
        let message = report["problems"][0]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(
            message.contains(what) && message.contains("not sent"),
            "{message}"
        );
    }
    assert!(
        gitlab.requests().iter().all(|r| !r.authorized),
        "a malformed token was sent"
    );
}

#[test]
fn more_than_64_kib_on_stdin_is_refused_not_cut() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let secret = new_secret("big");
    gitlab.add_token(&secret, TokenRecord::new(&bot(), &accounts::SCOPES));
    // A valid token in the first 64 KiB, then more: it used to be cut there and sent.
    let input = format!("{secret}{}", " ".repeat(70 * 1024));
    let ca = pki.ca_file.to_str().unwrap();
    let out = home.run(
        &["verify", "--host", &gitlab.url(), "--ca-file", ca, "--json"],
        &input,
    );
    assert_eq!(out.code, Some(USAGE), "{out:?}");
    assert!(out.stderr.contains("more than 64 KiB"), "{out:?}");
    assert!(gitlab.requests().is_empty(), "nothing may be sent");
}
