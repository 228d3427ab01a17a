//! What a token made by `create` says about its rotation (`bash tests/run.sh --test
//! provision_renewal`): without `self_rotate` the summary, `status` and `rotate`'s failure name
//! the owner path (`rotate --owner-token-stdin`, `--owner`, `--oauth-app-id`), never a bare
//! `gitlab-token rotate` that would fail, nor say the daily rotation renews it; an access
//! token's replacement page is its project's access tokens page, never a service accounts page.
#![cfg(target_os = "linux")]

mod support;

use serde_json::json;
use support::accounts::host;
use support::provisioning::{PROJECT, world};

#[test]
fn a_service_account_token_without_self_rotate_names_the_owner_path_everywhere() {
    let w = world();
    let out = w.create_text(&w.owner, &[PROJECT], &["--no-self-rotate"]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let h = host(&w.gitlab);
    let owner_path = "--owner-token-stdin";
    assert!(out.stdout.contains(owner_path), "{out:?}");
    assert!(out.stdout.contains("cannot rotate itself"), "{out:?}");
    assert!(out.stdout.contains("an Owner of its group"), "{out:?}");
    let old = w.stored().expect("stored");
    w.home.watch(&old);

    let status = w.home.run(&["status"], "");
    assert_eq!(status.code, Some(0), "{status:?}");
    // The renewal block is wrapped to the terminal: read it as one line.
    let line = status
        .stdout
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        line.contains("cannot rotate itself"),
        "no renewal line: {status:?}"
    );
    assert!(line.contains(owner_path), "{line}");
    assert!(
        line.contains("the daily rotation cannot renew it"),
        "{line}"
    );
    let json = w.home.run(&["status", "--json"], "");
    let rows: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(
        rows[0]["renewal"],
        json!({"by": "with_owner", "kind": "group-service-account"}),
        "{rows}"
    );

    // A bare rotate fails, and its fix is the owner path, not itself again.
    let out = w
        .home
        .run(&["rotate", "--host", &h, "--name", &w.name, "--yes"], "");
    assert_eq!(out.code, Some(1), "{out:?}");
    let fix = out
        .stderr
        .lines()
        .find(|l| l.trim_start().starts_with("fix:"))
        .unwrap_or_else(|| panic!("no fix: {out:?}"));
    assert!(fix.contains(owner_path), "{fix}");
    // The account lives in a group: its own Settings > Service accounts, not the Admin area.
    let page = format!("{}/groups/acme/-/settings/service_accounts", w.gitlab.url());
    assert!(out.stdout.contains(&page), "{out:?}");
    assert!(!out.stdout.contains("/admin/"), "{out:?}");
    assert_eq!(w.stored().as_deref(), Some(old.as_str()), "nothing changed");
}

#[test]
fn a_project_access_tokens_replacement_is_made_on_its_access_tokens_page() {
    let w = world();
    let out = w.create(
        &w.maintainer,
        &[PROJECT],
        &["--kind", "project-token", "--no-self-rotate"],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let old = w.stored().expect("stored");
    w.home.watch(&old);
    let h = host(&w.gitlab);
    let out = w
        .home
        .run(&["rotate", "--host", &h, "--name", &w.name, "--yes"], "");
    assert_eq!(out.code, Some(1), "{out:?}");
    let page = format!("{}/{PROJECT}/-/settings/access_tokens", w.gitlab.url());
    assert!(out.stdout.contains(&page), "{out:?}");
    assert!(!out.stdout.contains("service_accounts"), "{out:?}");
    assert!(!out.stdout.contains("service account"), "{out:?}");
    assert!(out.stdout.contains("It is an access token"), "{out:?}");
    assert!(
        out.stderr.contains("a Maintainer or Owner of its project"),
        "{out:?}"
    );
    let json = w.home.run(
        &["rotate", "--host", &h, "--name", &w.name, "--yes", "--json"],
        "",
    );
    let report: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(report[0]["link"], json!(page), "{report}");
}

#[test]
fn a_token_with_self_rotate_rotates_itself_and_status_adds_nothing() {
    let w = world();
    let out = w.create_text(&w.owner, &[PROJECT], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout
            .contains("It rotates itself: gitlab-token rotate"),
        "{out:?}"
    );
    assert!(!out.stdout.contains("--owner-token-stdin"), "{out:?}");
    let status = w.home.run(&["status"], "");
    assert!(
        !status.stdout.contains("cannot rotate itself"),
        "{status:?}"
    );
    let json = w.home.run(&["status", "--json"], "");
    let rows: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(rows[0]["renewal"], json!({"by": "it_self"}), "{rows}");
}
