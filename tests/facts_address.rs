//! Addresses as people paste them: a project's browser or clone URL becomes the host (with a
//! note), a real relative URL root is kept, and "answered 404" names the path once.

mod support;

use support::{Pki, run_bin, servers};

fn check(url: &str, pki: &Pki) -> support::Output {
    let ca = pki.ca_file.display().to_string();
    run_bin(&["check", url, "--ca-file", ca.as_str(), "--json"], "")
}

#[test]
fn a_relative_root_that_answers_404_is_named_once() {
    let pki = Pki::new();
    let nginx = servers::not_gitlab(&pki.valid());
    let url = format!("{}/gitlab", nginx.https_url());
    let out = check(&url, &pki);
    assert_eq!(out.code, Some(1), "{out:?}");
    let report = out.json();
    assert_eq!(
        report["url"], url,
        "a one-segment path is a relative URL root"
    );
    let problem = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "not_gitlab")
        .cloned()
        .unwrap_or_else(|| panic!("{report}"));
    let message = problem["message"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("{}/gitlab/api/v4/", nginx.https_url())),
        "{message}"
    );
    assert_eq!(message.matches("/gitlab").count(), 1, "{message}");
}

#[test]
fn a_projects_browser_url_is_checked_at_the_host_with_a_note() {
    let pki = Pki::new();
    let nginx = servers::not_gitlab(&pki.valid());
    for pasted in [
        "acme/platform",
        "acme/platform/-/merge_requests/7",
        "acme/platform.git",
    ] {
        let url = format!("{}/{pasted}", nginx.https_url());
        let out = check(&url, &pki);
        let report = out.json();
        assert_eq!(report["url"], nginx.https_url(), "{pasted}: {report}");
        assert!(
            out.stderr
                .contains("Read as a project or group address (acme/platform)"),
            "{out:?}"
        );
    }
}
