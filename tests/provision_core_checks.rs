//! The live checks right after minting (`bash tests/run.sh --test provision_core_checks`): each
//! target's membership is asked by its known kind and id, never "as a group, else as a
//! project" (a 404 and a second round trip per project).
#![cfg(target_os = "linux")]

mod support;

use support::provisioning::{PROJECT, world};

#[test]
fn memberships_are_checked_by_the_targets_known_kind() {
    let w = world();
    let out = w.create(&w.owner, &[PROJECT, "acme/tools"], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let sa = w.gitlab.accounts()[0].id;
    let asked: Vec<String> = w
        .gitlab
        .requests()
        .into_iter()
        .filter(|r| r.method == "GET" && r.path.contains(&format!("/members/all/{sa}")))
        .map(|r| r.path)
        .collect();
    // One question per target: the project as a project, the group as a group, by id.
    assert_eq!(asked.len(), 2, "{asked:?}");
    assert!(asked.iter().any(|p| p.contains("/projects/")), "{asked:?}");
    assert!(asked.iter().any(|p| p.contains("/groups/")), "{asked:?}");
    assert!(
        !asked.iter().any(|p| p.contains("%2F")),
        "asked by path, not by id: {asked:?}"
    );
}
