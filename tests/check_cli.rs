//! `gitlab-token check` as an admin runs it: JSON shape, exit codes, the readable report, and the
//! version and edition with `--token-stdin`. The probe's classifications are in tests/probe.rs.

mod support;

use support::{FakeGitLab, FakeUser, Pki, TokenRecord, new_secret, run_bin, servers};

fn check(url: &str, pki: &Pki, extra: &[&str]) -> support::Output {
    let ca = pki.ca_file.display().to_string();
    let mut args = vec!["check", url, "--ca-file", ca.as_str()];
    args.extend_from_slice(extra);
    run_bin(&args, "")
}

#[test]
fn healthy_instance_json_and_exit_zero() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let out = check(&gitlab.url(), &pki, &["--json"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let report = out.json();
    assert_eq!(report["ok"], true);
    assert_eq!(report["url"], gitlab.url());
    let stages: Vec<&str> = report["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["stage"].as_str().unwrap())
        .collect();
    assert_eq!(stages, ["url", "proxy", "dns", "tcp", "tls", "http"]);
    assert!(
        report["stages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["ok"] == true && s["ms"].is_u64())
    );
    let cert = &report["certificate"];
    assert!(
        cert["sans"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n == "localhost"),
        "{cert}"
    );
    assert!(
        cert["days_left"].as_i64().unwrap() > 30,
        "not expiring soon: {cert}"
    );
    assert_eq!(cert["self_signed"], false);
    assert_eq!(cert["chain_len"], 1);
    for field in ["subject", "issuer", "not_before", "not_after"] {
        assert!(
            cert[field].as_str().is_some_and(|s| !s.is_empty()),
            "{field}: {cert}"
        );
    }
    assert_eq!(report["problems"], serde_json::json!([]));
    assert!(report["gitlab"].is_null(), "no token, no version");
}

#[test]
fn problems_exit_one_with_kinds_and_fixes() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.expired());
    let out = check(&gitlab.url(), &pki, &["--json"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let report = out.json();
    assert_eq!(report["ok"], false);
    assert_eq!(report["problems"][0]["kind"], "tls_expired");
    assert!(
        report["problems"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("renew")
    );
}

#[test]
fn an_unusable_address_is_reported_as_invalid_url() {
    let pki = Pki::new();
    let out = check("http://gitlab.example.com", &pki, &["--json"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(out.json()["problems"][0]["kind"], "invalid_url");
}

#[test]
fn usage_errors_exit_two() {
    let pki = Pki::new();
    assert_eq!(run_bin(&["check"], "").code, Some(2));
    assert_eq!(
        check("https://localhost:1", &pki, &["--timeout", "soon"]).code,
        Some(2)
    );
    let missing = run_bin(
        &[
            "check",
            "https://localhost:1",
            "--ca-file",
            "/nonexistent/ca.pem",
        ],
        "",
    );
    assert_eq!(missing.code, Some(2), "{missing:?}");
    assert!(missing.stderr.contains("/nonexistent/ca.pem"));
    let empty = run_bin(&["check", "https://localhost:1", "--token-stdin"], "");
    assert_eq!(empty.code, Some(2), "{empty:?}");
}

#[test]
fn readable_report_is_plain_when_piped() {
    let pki = Pki::new();
    let nginx = servers::not_gitlab(&pki.valid());
    let out = check(&nginx.https_url(), &pki, &[]);
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(
        !out.stdout.contains('\u{1b}'),
        "no colour codes when piped: {}",
        out.stdout
    );
    for expected in [
        "Checking ",
        "✓ TLS",
        "✗ HTTP",
        "Certificate",
        "Problems",
        "not_gitlab:",
        "fix: ",
    ] {
        assert!(
            out.stdout.contains(expected),
            "missing {expected:?} in:\n{}",
            out.stdout
        );
    }
}

#[test]
fn token_stdin_adds_version_and_edition_without_showing_the_token() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let secret = new_secret("check");
    gitlab.add_token(
        &secret,
        TokenRecord::new(&FakeUser::person(3, "admin"), &["read_api"]),
    );
    let out = run_check_with_token(&gitlab.url(), &pki, &secret);
    assert_eq!(out.code, Some(0), "{out:?}");
    let report = out.json();
    assert!(
        report["gitlab"]["version"]
            .as_str()
            .is_some_and(|v| !v.is_empty()),
        "{report}"
    );
    assert!(report["gitlab"]["enterprise"].is_boolean(), "{report}");
    assert!(!out.stdout.contains(&secret) && !out.stderr.contains(&secret));
    let text = run_bin_text(&gitlab.url(), &pki, &secret);
    assert!(
        text.contains("Instance") && text.contains("GitLab "),
        "{text}"
    );
}

fn run_check_with_token(url: &str, pki: &Pki, secret: &str) -> support::Output {
    let ca = pki.ca_file.display().to_string();
    run_bin(
        &["check", url, "--ca-file", &ca, "--json", "--token-stdin"],
        secret,
    )
}

fn run_bin_text(url: &str, pki: &Pki, secret: &str) -> String {
    let ca = pki.ca_file.display().to_string();
    run_bin(&["check", url, "--ca-file", &ca, "--token-stdin"], secret).stdout
}
