//! Subgroup service accounts (GitLab 18.11; `bash tests/run.sh --test provision_subgroup`): a
//! subgroup's Owner who owns nothing above it gets a service account of that subgroup (the
//! narrowest group account), made on `POST /groups/:subgroup_id/service_accounts`, joined to
//! the subgroup, with a token that rotates through the subgroup's endpoint; before 18.11, or for
//! a Maintainer, it is refused with the reason.
#![cfg(target_os = "linux")]

mod support;

use serde_json::json;
use support::accounts::host;
use support::fake_gitlab::{FakeUser, TokenRecord, new_secret};
use support::fake_provision::AccountKind;
use support::provisioning::{World, world};

const SUBGROUP: &str = "acme/tools";
const DANA: u64 = 10;

/// Dana: `level` on the subgroup acme/tools only (nothing on acme), and her token.
fn dana(w: &World, level: u32) -> String {
    let secret = new_secret("dana");
    w.gitlab.add_token(
        &secret,
        TokenRecord::new(&FakeUser::person(DANA, "dana"), &["api"]),
    );
    w.home.watch(&secret);
    w.gitlab.group_member(SUBGROUP, DANA, level);
    secret
}

#[test]
fn a_subgroup_owner_creates_a_subgroup_service_account_and_rotates_its_token() {
    let w = world();
    w.gitlab.set_knobs(|k| k.version = (18, 11, 0));
    let owner = dana(&w, 50);
    let plan = w.create_text(&owner, &[SUBGROUP], &["--no-self-rotate"]);
    assert_eq!(plan.code, Some(0), "{plan:?}");
    assert!(
        plan.stdout.contains("> subgroup service account (chosen)"),
        "{plan:?}"
    );
    assert!(
        plan.stdout.contains("group service account (not possible)"),
        "{plan:?}"
    );
    let accounts = w.gitlab.accounts();
    assert_eq!(accounts.len(), 1, "{accounts:?}");
    assert_eq!(accounts[0].kind, AccountKind::Group(SUBGROUP.into()));
    let sa = accounts[0].id;
    let meta = w.home.metadata();
    let entry = meta
        .tokens
        .iter()
        .find(|t| t.name == w.name)
        .expect("stored entry");
    let made = entry.provisioned.clone().expect("provisioned");
    assert_eq!(made.lives_in.as_deref(), Some(SUBGROUP));
    assert_eq!(
        serde_json::to_value(made.kind).unwrap(),
        json!("subgroup-service-account")
    );
    // Its rotation needs the subgroup's Owner: said so, with its own page.
    assert!(plan.stdout.contains("an Owner of its subgroup"), "{plan:?}");
    let old = w.stored().expect("stored");
    w.home.watch(&old);
    let h = host(&w.gitlab);
    let bare = w
        .home
        .run(&["rotate", "--host", &h, "--name", &w.name, "--yes"], "");
    assert_eq!(bare.code, Some(1), "{bare:?}");
    let page = format!(
        "{}/groups/{SUBGROUP}/-/settings/service_accounts",
        w.gitlab.url()
    );
    assert!(bare.stdout.contains(&page), "{bare:?}");

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
    let out = w.home.run(&args, &owner);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.json()[0]["path"], json!("owner"));
    let new = w.stored().expect("stored");
    w.home.watch(&new);
    assert_ne!(new, old);
    let active = w.active_tokens(sa);
    assert_eq!(active.len(), 1, "{active:?}");
    assert_eq!(active[0].0, new);
}

#[test]
fn before_18_11_or_below_owner_a_subgroup_account_is_refused_with_the_reason() {
    let w = world();
    w.gitlab.set_knobs(|k| k.version = (18, 10, 2));
    let owner = dana(&w, 50);
    let out = w.create(&owner, &[SUBGROUP], &["--kind", "subgroup-service-account"]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let problems = out.json()["problems"].to_string();
    assert!(problems.contains("18.11"), "{problems}");
    assert!(w.gitlab.accounts().is_empty());

    let w = world();
    w.gitlab.set_knobs(|k| k.version = (19, 2, 0));
    let maintainer = dana(&w, 40);
    let out = w.create(
        &maintainer,
        &[SUBGROUP],
        &["--kind", "subgroup-service-account"],
    );
    assert_eq!(out.code, Some(1), "{out:?}");
    let problems = out.json()["problems"].to_string();
    assert!(problems.contains("Owner role on acme/tools"), "{problems}");
    assert!(w.gitlab.accounts().is_empty());
}
