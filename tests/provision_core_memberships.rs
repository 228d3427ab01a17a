//! The library's membership rules against the fake GitLab over TLS and the REAL Secret Service
//! (`bash tests/run.sh --test provision_core_memberships`): an existing lower membership is
//! reported and left alone unless `--raise-role`, an administrator's approval queue is reported
//! and the token still saved, and a second run with everything in place creates nothing.
#![cfg(target_os = "linux")]

mod support;

use serde_json::json;
use support::provisioning::{World, problem_kinds, world};

/// The service account "Create it for me" made (the only one).
fn service_account(w: &World) -> u64 {
    let accounts = w.gitlab.accounts();
    assert_eq!(accounts.len(), 1, "{accounts:?}");
    accounts[0].id
}

#[test]
fn a_lower_membership_is_reported_and_raised_only_when_asked() {
    let w = world();
    let first = w.create(&w.owner, &["acme"], &[]);
    assert_eq!(first.code, Some(0), "{first:?}");
    let sa = service_account(&w);
    assert_eq!(w.gitlab.direct_level(false, "acme", sa), Some(20));
    let stored = w.stored().expect("stored");

    // Someone lowers it to Guest; the next run says so and leaves it.
    w.gitlab.group_member("acme", sa, 10);
    let again = w.create(&w.owner, &["acme"], &[]);
    let v = again.json();
    assert!(
        problem_kinds(&v).contains(&"membership_lower".to_owned()),
        "{v}"
    );
    assert_eq!(
        v["memberships"],
        json!([{"target": "acme", "access_level": 10, "created": false, "pending_approval": false}])
    );
    assert_eq!(v["account"]["created"], json!(false), "{v}");
    assert_eq!(w.gitlab.direct_level(false, "acme", sa), Some(10));
    assert_eq!(w.stored().as_deref(), Some(stored.as_str()), "nothing new");

    // With --raise-role it is raised to the profile's role, still without a new token.
    let raised = w.create(&w.owner, &["acme"], &["--raise-role"]);
    let v = raised.json();
    assert!(
        !problem_kinds(&v).contains(&"membership_lower".to_owned()),
        "{v}"
    );
    assert_eq!(w.gitlab.direct_level(false, "acme", sa), Some(20));
    assert_eq!(w.stored().as_deref(), Some(stored.as_str()));
    assert_eq!(w.active_tokens(sa).len(), 1);
}

/// GitLab's approval queue for role promotions holds back only humans (service accounts are
/// bots), and only on self-managed Ultimate: with it on, the service account is added at once.
#[test]
fn the_approval_queue_never_holds_the_service_account() {
    let w = world();
    w.gitlab.set_knobs(|k| {
        k.approval_queue = true;
        k.tier = support::fake_provision::Tier::Ultimate;
    });
    let out = w.create(&w.owner, &["acme"], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let v = out.json();
    assert!(
        !problem_kinds(&v).contains(&"membership_pending_approval".to_owned()),
        "{v}"
    );
    let sa = service_account(&w);
    assert_eq!(w.gitlab.direct_level(false, "acme", sa), Some(20));
    let active = w.active_tokens(sa);
    assert_eq!(active.len(), 1, "{active:?}");
    assert_eq!(w.stored().as_deref(), Some(active[0].0.as_str()));
}
