//! `gitlab-token verify --json` end to end: the built binary, the token on standard input, the fake
//! GitLab over real TLS. Checks the JSON report, the exit code, and that the token never shows.

mod support;

use serde_json::{Value, json};
use support::{
    FakeGitLab, FakeUser, Mode, Output, Pki, TokenRecord, days_from_today, new_secret, run_bin,
    servers,
};

const PASS: i32 = 0;
const CHECK_FAILED: i32 = 1;
const USAGE: i32 = 2;
const UNREACHABLE: i32 = 3;

/// `verify --host HOST --json --timeout 5 [--ca-file CA] EXTRA...` with `token` on stdin.
fn verify(host: &str, pki: Option<&Pki>, extra: &[&str], token: &str) -> Output {
    let ca = pki.map(|p| p.ca_file.to_str().expect("UTF-8 temp path").to_owned());
    let mut args = vec!["verify", "--host", host, "--json", "--timeout", "5"];
    if let Some(ca) = &ca {
        args.extend(["--ca-file", ca.as_str()]);
    }
    args.extend(extra);
    let out = run_bin(&args, &format!("{token}\n"));
    assert!(
        !out.stdout.contains(token) && !out.stderr.contains(token),
        "the token was printed:\n{out:?}"
    );
    out
}

fn kinds(report: &Value) -> Vec<String> {
    report["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems array in {report}"))
        .iter()
        .map(|p| p["kind"].as_str().expect("kind").to_owned())
        .collect()
}

/// Exit code `code`, `ok: false`, and every problem (at least one) of `kind`.
fn assert_fails_with(out: &Output, code: i32, kind: &str) -> Value {
    let report = out.json();
    assert_eq!(out.code, Some(code), "{out:?}");
    assert_eq!(report["ok"], false, "{report}");
    let kinds = kinds(&report);
    assert!(
        !kinds.is_empty() && kinds.iter().all(|k| k == kind),
        "expected only {kind}, got {kinds:?}"
    );
    report
}

fn alice() -> FakeUser {
    FakeUser::person(7, "alice")
}

/// A fake GitLab presenting a valid certificate, with one token; returns the server and the secret.
fn gitlab_with(pki: &Pki, record: TokenRecord) -> (FakeGitLab, String) {
    let gitlab = FakeGitLab::start(&pki.valid());
    let secret = new_secret("cli");
    gitlab.add_token(&secret, record);
    (gitlab, secret)
}

#[test]
fn a_good_token_passes() {
    let pki = Pki::new();
    let (gitlab, secret) = gitlab_with(
        &pki,
        TokenRecord::new(&alice(), &["api", "read_user"]).named("reviewer"),
    );
    let out = verify(
        &gitlab.url(),
        Some(&pki),
        &["--profile", "mr-reviewer"],
        &secret,
    );
    assert_eq!(out.code, Some(PASS), "{out:?}");
    let report = out.json();
    assert_eq!(report["ok"], true);
    assert_eq!(report["host"], gitlab.url());
    assert_eq!(
        report["user"],
        json!({"id": 7, "username": "alice", "bot": false})
    );
    let id = gitlab.token(&secret).unwrap().id;
    assert_eq!(
        report["token"],
        json!({"id": id, "name": "reviewer", "scopes": ["api", "read_user"], "expires_at": days_from_today(90),
               "days_left": 90, "active": true, "revoked": false, "fine_grained": false, "permissions": null})
    );
    assert_eq!(report["missing_scopes"], json!([]));
    assert_eq!(report["problems"], json!([]));
    assert!(gitlab.requests().iter().all(|r| r.authorized));
}

#[test]
fn a_service_account_token_expiring_soon_passes_with_a_warning() {
    let pki = Pki::new();
    let bot = FakeUser::service_account(41, "scanner-bot");
    let (gitlab, secret) = gitlab_with(
        &pki,
        TokenRecord::new(&bot, &["read_api", "read_repository"]).expires_in(5),
    );
    let out = verify(
        &gitlab.url(),
        Some(&pki),
        &["--profile", "repo-scanner"],
        &secret,
    );
    assert_eq!(out.code, Some(PASS), "{out:?}");
    let report = out.json();
    assert_eq!(
        (report["ok"].clone(), report["user"]["bot"].clone()),
        (json!(true), json!(true))
    );
    assert_eq!(report["token"]["days_left"], 5);
    assert_eq!(kinds(&report), ["token_expires_soon"]);
}

#[test]
fn expired_revoked_and_unknown_tokens_fail_the_check() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let expired = new_secret("expired");
    gitlab.add_token(
        &expired,
        TokenRecord::new(&alice(), &["api"]).expires_in(-1),
    );
    let revoked = new_secret("revoked");
    gitlab.add_token(&revoked, TokenRecord::new(&alice(), &["api"]).revoked());
    let unknown = new_secret("unknown");
    for (secret, kind) in [
        (expired, "token_expired"),
        (revoked, "token_revoked"),
        (unknown, "invalid_token"),
    ] {
        let out = verify(&gitlab.url(), Some(&pki), &[], &secret);
        let report = assert_fails_with(&out, CHECK_FAILED, kind);
        assert_eq!(
            (report["token"].clone(), report["user"].clone()),
            (Value::Null, Value::Null),
            "{kind}"
        );
    }
}

#[test]
fn missing_scopes_fail_the_check() {
    let pki = Pki::new();
    let (gitlab, secret) = gitlab_with(&pki, TokenRecord::new(&alice(), &["read_api"]));
    let out = verify(
        &gitlab.url(),
        Some(&pki),
        &["--profile", "mr-reviewer"],
        &secret,
    );
    let report = assert_fails_with(&out, CHECK_FAILED, "missing_scopes");
    assert_eq!(report["missing_scopes"], json!(["api", "read_user"]));
    assert_eq!(report["token"]["scopes"], json!(["read_api"]));
    assert_eq!(report["user"]["username"], "alice");

    // A token that cannot even read /user (403 insufficient_scope there).
    let narrow = new_secret("narrow");
    gitlab.add_token(&narrow, TokenRecord::new(&alice(), &["read_repository"]));
    let out = verify(
        &gitlab.url(),
        Some(&pki),
        &["--profile", "mr-reviewer"],
        &narrow,
    );
    let report = assert_fails_with(&out, CHECK_FAILED, "missing_scopes");
    assert_eq!(
        report["missing_scopes"],
        json!(["api", "read_api", "read_user"])
    );
    assert_eq!(report["user"], Value::Null);
}

#[test]
fn rate_limit_and_server_error_are_not_the_tokens_fault() {
    let pki = Pki::new();
    let (gitlab, secret) = gitlab_with(&pki, TokenRecord::new(&alice(), &["api"]));
    gitlab.set_mode(Mode::RateLimited);
    let report = assert_fails_with(
        &verify(&gitlab.url(), Some(&pki), &[], &secret),
        UNREACHABLE,
        "rate_limited",
    );
    assert!(
        report["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("retry after 30 s"),
        "{report}"
    );
    gitlab.set_mode(Mode::ServerError);
    assert_fails_with(
        &verify(&gitlab.url(), Some(&pki), &[], &secret),
        UNREACHABLE,
        "server_error",
    );
}

#[test]
fn answers_that_are_not_gitlab_mean_unreachable() {
    let pki = Pki::new();
    let (gitlab, secret) = gitlab_with(&pki, TokenRecord::new(&alice(), &["api"]));
    gitlab.set_mode(Mode::LoginPage);
    assert_fails_with(
        &verify(&gitlab.url(), Some(&pki), &[], &secret),
        UNREACHABLE,
        "login_page",
    );

    let elsewhere = FakeGitLab::start(&pki.valid());
    gitlab.set_mode(Mode::RedirectTo(elsewhere.url_ip()));
    assert_fails_with(
        &verify(&gitlab.url(), Some(&pki), &[], &secret),
        UNREACHABLE,
        "redirect",
    );
    assert!(elsewhere.requests().is_empty(), "the redirect was followed");

    let nginx = servers::not_gitlab(&pki.valid());
    assert_fails_with(
        &verify(&nginx.https_url(), Some(&pki), &[], &secret),
        UNREACHABLE,
        "not_gitlab",
    );
}

#[test]
fn tls_failures_mean_unreachable() {
    let pki = Pki::new();
    let token = new_secret("tls");
    let good = FakeGitLab::start(&pki.valid());
    let out = verify(&good.url(), None, &[], &token);
    assert_fails_with(&out, UNREACHABLE, "tls_unknown_issuer");
    let expired = FakeGitLab::start(&pki.expired());
    assert_fails_with(
        &verify(&expired.url(), Some(&pki), &[], &token),
        UNREACHABLE,
        "tls_expired",
    );
    let wrong = FakeGitLab::start(&pki.wrong_host());
    assert_fails_with(
        &verify(&wrong.url(), Some(&pki), &[], &token),
        UNREACHABLE,
        "tls_hostname_mismatch",
    );
    for server in [&good, &expired, &wrong] {
        assert!(server.requests().is_empty());
    }
}

#[test]
fn network_failures_mean_unreachable() {
    let token = new_secret("net");
    let refused = format!("https://127.0.0.1:{}", servers::closed_port());
    assert_fails_with(
        &verify(&refused, None, &[], &token),
        UNREACHABLE,
        "connection_refused",
    );
    assert_fails_with(
        &verify("https://nonexistent.invalid", None, &[], &token),
        UNREACHABLE,
        "dns_failed",
    );

    let silent = servers::silent();
    let out = run_bin(
        &[
            "verify",
            "--host",
            &silent.https_url(),
            "--json",
            "--timeout",
            "1",
        ],
        &token,
    );
    assert_fails_with(&out, UNREACHABLE, "timeout");
}

#[test]
fn relative_url_root_works() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start_under(&pki.valid(), "/gitlab");
    let secret = new_secret("root");
    gitlab.add_token(&secret, TokenRecord::new(&alice(), &["api", "read_user"]));
    let out = verify(
        &gitlab.url(),
        Some(&pki),
        &["--profile", "mr-reviewer"],
        &secret,
    );
    assert_eq!(out.code, Some(PASS), "{out:?}");
    assert_eq!(out.json()["host"], gitlab.url());
    assert!(
        gitlab
            .requests()
            .iter()
            .all(|r| r.path.starts_with("/gitlab/api/v4/"))
    );
}

#[test]
fn role_on_the_target() {
    let pki = Pki::new();
    let (gitlab, secret) = gitlab_with(&pki, TokenRecord::new(&alice(), &["api", "read_user"]));
    gitlab.group_member("acme", 7, 40);
    gitlab.group_member("small", 7, 20);
    gitlab.add_group("strangers");
    let run = |target: &str| {
        verify(
            &gitlab.url(),
            Some(&pki),
            &["--profile", "mr-reviewer", "--target", target],
            &secret,
        )
    };

    let out = run("acme");
    assert_eq!(out.code, Some(PASS), "{out:?}");
    assert_fails_with(&run("small"), CHECK_FAILED, "role_too_low");
    assert_fails_with(&run("strangers"), CHECK_FAILED, "not_found");
}

#[test]
fn usage_errors() {
    let pki = Pki::new();
    let (gitlab, secret) = gitlab_with(&pki, TokenRecord::new(&alice(), &["api"]));
    for host in [
        "ftp://gitlab.example.com",
        "http://gitlab.example.com",
        "https://user:pw@gitlab.example.com",
    ] {
        let out = verify(host, Some(&pki), &[], &secret);
        assert_eq!(out.code, Some(USAGE), "{host}: {out:?}");
        assert!(out.stderr.contains("--host"), "{host}: {out:?}");
        assert!(out.stdout.is_empty());
    }
    let out = verify(
        &gitlab.url(),
        Some(&pki),
        &["--profile", "no-such-profile"],
        &secret,
    );
    assert_eq!(out.code, Some(USAGE), "{out:?}");
    for empty in ["", "\n", "  \r\n"] {
        let out = run_bin(&["verify", "--host", &gitlab.url(), "--json"], empty);
        assert_eq!(out.code, Some(USAGE), "{empty:?}: {out:?}");
        assert!(out.stderr.contains("no token"), "{out:?}");
    }
    // None of these reached GitLab.
    assert!(gitlab.requests().is_empty());
}
