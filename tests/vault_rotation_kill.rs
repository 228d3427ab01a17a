//! Issue 20 item 3: machine A is killed at each step of a Vault-held rotation
//! (`GITLAB_TOKEN_TEST_ABORT_AT`, a lease of 2 s so it runs out soon); machine B's `rotate`
//! then finishes or repairs it from the journal A left in the lease. Never a second GitLab
//! rotation with the old token; the case "GitLab rotated, new value lost" ends in the guided
//! path's message (exit 1, as the local journal's), never a silent success.
#![cfg(target_os = "linux")]

mod support;

#[path = "support/openbao.rs"]
mod openbao;
#[path = "support/team_world.rs"]
mod team_world;

use support::home::Home;
use team_world::{TeamWorld, in_days};

const OK: i32 = 0;
const CHECK_FAILED: i32 = 1;

/// A team token stored by A, A killed at `step`: (world, A, B, name, old secret). A's lease
/// is left behind unreleased.
fn killed_at(step: &str) -> (TeamWorld, Home, Home, String, String) {
    let w = TeamWorld::new();
    let (a, b) = (w.machine(), w.machine());
    let (name, old) = w.team_token(&a, 10);
    let out = w.rotate_aborting(&a, &name, step, "2");
    assert_ne!(out.code, Some(OK), "A was not killed at {step}: {out:?}");
    let lease = w.lease(&name).expect("A's lease");
    assert_eq!(lease["released"], false, "{step}: {lease}");
    (w, a, b, name, old)
}

#[test]
fn killed_after_taking_the_lease_the_other_machine_rotates_once_it_runs_out() {
    let (w, a, b, name, old) = killed_at("team-leased");
    assert!(w.lease(&name).unwrap()["journal"].is_null());
    assert_eq!(w.rotate_calls(), 0);
    let out = w.rotate(&b, &name, &[], &[]);
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert!(out.stdout.contains("Rotated"), "{out:?}");
    assert_eq!(w.rotate_calls(), 1);
    let new = w.gitlab.rotated_to(&old).expect("rotated");
    assert_eq!(w.get(&a, &name), new);
    assert_eq!(w.get(&b, &name), new);
    assert_eq!(w.lease(&name).unwrap()["released"], true);
}

#[test]
fn killed_after_the_journal_the_other_machine_finds_gitlab_never_rotated_and_rotates() {
    let (w, a, b, name, old) = killed_at("team-journal");
    let journal = &w.lease(&name).unwrap()["journal"];
    assert_eq!(journal["read_version"], 1, "{journal}");
    assert_eq!(w.rotate_calls(), 0);
    let out = w.rotate(&b, &name, &[], &[]);
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert!(
        out.stdout.contains("stopped before it reached GitLab"),
        "{out:?}"
    );
    assert_eq!(w.rotate_calls(), 1);
    let new = w.gitlab.rotated_to(&old).expect("rotated");
    assert_eq!(w.get(&a, &name), new);
    assert!(w.works(&new));
    let lease = w.lease(&name).unwrap();
    assert!(
        lease["released"] == true && lease["journal"].is_null(),
        "{lease}"
    );
}

#[test]
fn killed_after_gitlab_rotated_the_other_machine_says_the_value_is_lost_and_guides() {
    let (w, a, b, name, old) = killed_at("team-after-api");
    assert_eq!(w.rotate_calls(), 1);
    assert!(!w.works(&old), "GitLab revoked the old token");
    let out = w.rotate(&b, &name, &[], &[]);
    assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
    // Never rotated again with the old token (GitLab would revoke the family).
    assert_eq!(w.rotate_calls(), 1);
    assert!(out.stderr.contains("revoked by GitLab"), "{out:?}");
    assert!(out.stderr.contains("never reached Vault"), "{out:?}");
    assert!(
        out.stderr.contains(&format!(
            "add --host {} --name {name} --store vault",
            w.host()
        )),
        "{out:?}"
    );
    // The replacement's prefilled link, and the record marked expired for every machine.
    assert!(out.stdout.contains("https://"), "{out:?}");
    let entry = &w.record(&name)["data"]["entry"];
    assert_eq!(entry["expires_at"], in_days(-1), "{entry}");
    let lease = w.lease(&name).unwrap();
    assert!(
        lease["released"] == true && lease["journal"].is_null(),
        "{lease}"
    );
    // Resolved once: a second run says the stored token no longer works (no repair again).
    let again = w.rotate(&a, &name, &[], &[]);
    assert_eq!(again.code, Some(CHECK_FAILED), "{again:?}");
    assert!(!again.stderr.contains("never reached Vault"), "{again:?}");
    assert_eq!(w.rotate_calls(), 1);
}

#[test]
fn killed_after_the_write_the_other_machine_only_checks_the_new_value() {
    let (w, a, b, name, old) = killed_at("team-stored");
    assert_eq!(w.rotate_calls(), 1);
    let new = w.gitlab.rotated_to(&old).expect("rotated");
    assert_eq!(w.stored(&name), new);
    let out = w.rotate(&b, &name, &[], &[]);
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert!(
        out.stdout.contains("rotated meanwhile by another run"),
        "{out:?}"
    );
    assert_eq!(w.rotate_calls(), 1);
    assert_eq!(w.get(&a, &name), new);
    assert_eq!(w.get(&b, &name), new);
    let lease = w.lease(&name).unwrap();
    assert!(
        lease["released"] == true && lease["journal"].is_null(),
        "{lease}"
    );
}
