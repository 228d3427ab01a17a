//! A caller who lost the role that managing a group's or project's access tokens needs
//! (`bash tests/run.sh --test provision_core_roles`): GitLab answers such a rotation with 401
//! (lib/api/resource_access_tokens.rb `unauthorized!`), which is said as the lost role, never
//! as "your token is invalid", and nothing changes.
#![cfg(target_os = "linux")]

mod support;

use serde_json::json;
use support::accounts::host;
use support::provisioning::{MAINTAINER, PROJECT, world};

#[test]
fn a_maintainer_who_lost_the_role_is_told_so_when_rotating_a_project_token() {
    let w = world();
    let out = w.create(
        &w.maintainer,
        &[PROJECT],
        &["--kind", "project-token", "--no-self-rotate"],
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    let old = w.stored().expect("stored");
    w.home.watch(&old);
    // Bob is now a Developer of the project.
    w.gitlab.project_member(PROJECT, MAINTAINER, 30);
    let h = host(&w.gitlab);
    let args = [
        "rotate",
        "--host",
        &h,
        "--name",
        &w.name,
        "--yes",
        "--json",
        "--owner-token-stdin",
    ];
    let out = w.home.run(&args, &w.maintainer);
    w.assert_no_owner_secret(&out);
    assert_eq!(out.code, Some(1), "{out:?}");
    let report = &out.json()[0];
    assert_eq!(report["ok"], json!(false), "{report}");
    let text = report["problems"].to_string();
    assert!(
        text.contains("may no longer have the Maintainer or Owner role"),
        "{text}"
    );
    assert!(text.contains(PROJECT), "{text}");
    assert!(!text.contains("not valid"), "{text}");
    assert_eq!(w.stored().as_deref(), Some(old.as_str()), "nothing changed");
    let check = w.home.run(&["verify", "--host", &h, "--name", &w.name], "");
    assert_eq!(
        check.code,
        Some(0),
        "the stored token still works: {check:?}"
    );
}
