//! A hostile server's answers that would exhaust memory or time: endless and huge bodies, a gzip
//! bomb, a 1 MiB header, an answer cut off in the middle. `verify` (the API client) and `check`
//! (the probe) run as the built binary under `prlimit --as` (1 GiB), each with a bound on time,
//! and must name the problem: response_too_large, incomplete_answer, not_gitlab.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::home::Home;
use support::hostile::{
    HUGE, Hostile, assert_no_control_characters, assert_within, run_limited, secs, serve,
};
use support::{Output, Pki, Server, new_secret};

const UNREACHABLE: i32 = 3;
const CHECK_FAILED: i32 = 1;

/// `verify --json --timeout 8` of a token on `server`, limited; the output and its duration.
fn verify(server: &Server, pki: &Pki) -> (Output, Duration) {
    verify_within(server, pki, "8")
}

/// `verify --json --timeout SECONDS`, limited.
fn verify_within(server: &Server, pki: &Pki, timeout: &str) -> (Output, Duration) {
    let home = Home::new();
    let url = server.https_url();
    let ca = pki.ca_file.to_str().expect("UTF-8 path");
    let secret = new_secret("hostile");
    let args = [
        "verify",
        "--host",
        &url,
        "--ca-file",
        ca,
        "--json",
        "--timeout",
        timeout,
    ];
    let (out, took) = run_limited(&home, &args, &format!("{secret}\n"));
    assert!(!out.stdout.contains(&secret) && !out.stderr.contains(&secret));
    (out, took)
}

/// `check URL --json --timeout 8`, limited.
fn check(server: &Server, pki: &Pki) -> (Output, Duration) {
    let home = Home::new();
    let url = server.https_url();
    let ca = pki.ca_file.to_str().expect("UTF-8 path");
    run_limited(
        &home,
        &["check", &url, "--ca-file", ca, "--json", "--timeout", "8"],
        "",
    )
}

fn kinds(report: &Value) -> Vec<String> {
    report["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems in {report}"))
        .iter()
        .map(|p| p["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The first problem's message.
fn message(report: &Value) -> String {
    report["problems"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn verify_reports(how: Hostile, kind: &str, within: Duration) -> Value {
    let pki = Pki::new();
    let server = serve(&pki.valid(), how.clone());
    let (out, took) = verify(&server, &pki);
    assert_eq!(out.code, Some(UNREACHABLE), "{how:?}: {out:?}");
    let report = out.json();
    assert_eq!(kinds(&report), [kind], "{how:?}: {report}");
    assert_within(took, within, &format!("verify against {how:?}"));
    assert_no_control_characters(&out);
    report
}

fn check_reports(how: Hostile, kind: &str, within: Duration) -> Value {
    let pki = Pki::new();
    let server = serve(&pki.valid(), how.clone());
    let (out, took) = check(&server, &pki);
    assert_eq!(out.code, Some(CHECK_FAILED), "{how:?}: {out:?}");
    let report = out.json();
    assert_eq!(kinds(&report), [kind], "{how:?}: {report}");
    let http = report["stages"]
        .as_array()
        .and_then(|s| s.last())
        .cloned()
        .unwrap_or_default();
    assert_eq!(http["stage"], "http", "{report}");
    assert_eq!(http["ok"], false, "{report}");
    assert_within(took, within, &format!("check against {how:?}"));
    report
}

#[test]
fn an_endless_body_stops_at_the_cap() {
    let report = verify_reports(Hostile::EndlessBody, "response_too_large", secs(6));
    assert!(message(&report).contains("1024 KiB"), "{report}");
    check_reports(Hostile::EndlessBody, "response_too_large", secs(6));
}

#[test]
fn a_huge_body_is_refused_by_its_length_or_as_it_streams() {
    verify_reports(
        Hostile::HugeBody { bytes: HUGE },
        "response_too_large",
        secs(6),
    );
    verify_reports(
        Hostile::HugeBodyUntilClose { bytes: HUGE },
        "response_too_large",
        secs(6),
    );
    check_reports(
        Hostile::HugeBodyUntilClose { bytes: HUGE },
        "response_too_large",
        secs(6),
    );
}

#[test]
fn a_one_mebibyte_header_is_refused() {
    verify_reports(Hostile::HugeHeader, "response_too_large", secs(6));
    check_reports(Hostile::HugeHeader, "response_too_large", secs(6));
}

/// reqwest is built without gzip: the bomb's bytes stay bytes (530 KiB, under the client's
/// 1 MiB cap), never 512 MiB. The probe reads at most 64 KiB of any body.
#[test]
fn a_gzip_bomb_is_never_inflated() {
    let report = verify_reports(Hostile::GzipBomb, "not_gitlab", secs(6));
    assert!(message(&report).contains("application/json"), "{report}");
    let report = check_reports(Hostile::GzipBomb, "response_too_large", secs(6));
    assert!(message(&report).contains("64 KiB"), "{report}");
}

#[test]
fn a_close_in_mid_answer_is_an_incomplete_answer_not_cannot_connect() {
    let report = verify_reports(Hostile::CloseMidBody, "incomplete_answer", secs(6));
    assert!(
        message(&report).contains("closed the connection"),
        "{report}"
    );
    check_reports(Hostile::CloseMidBody, "incomplete_answer", secs(6));
    verify_reports(Hostile::CloseMidHead, "incomplete_answer", secs(6));
    check_reports(Hostile::CloseMidHead, "incomplete_answer", secs(6));
}

#[test]
fn a_body_that_drips_for_ever_is_a_timeout() {
    let pki = Pki::new();
    let server = serve(&pki.valid(), Hostile::SlowDrip);
    let (out, took) = verify_within(&server, &pki, "2");
    assert_eq!(out.code, Some(UNREACHABLE), "{out:?}");
    let report = out.json();
    assert_eq!(kinds(&report), ["timeout"], "{report}");
    assert_within(took, secs(4), "verify --timeout 2 against a dripping body");
}

/// A server that reads the request and drops the connection (no TLS close_notify): said as what
/// it is, without rustls' wording or its docs.rs link.
#[test]
fn a_connection_dropped_without_an_answer_is_said_plainly() {
    let pki = Pki::new();
    let server = serve(&pki.valid(), Hostile::CloseWithoutNotify);
    let (out, _) = verify(&server, &pki);
    assert_eq!(out.code, Some(UNREACHABLE), "{out:?}");
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        !all.contains("close_notify") && !all.contains("docs.rs"),
        "{all}"
    );
    assert!(
        all.contains("closed the connection without answering"),
        "{all}"
    );
    assert_no_control_characters(&out);
}
