//! The caller's own token at discovery (`bash tests/run.sh --test provision_core_scopes`): a
//! token without `api` is told at once that THEIR token needs it, before anything is created.
#![cfg(target_os = "linux")]

mod support;

use support::fake_gitlab::{FakeUser, TokenRecord, new_secret};
use support::provisioning::{OWNER, problem_kinds, world};

#[test]
fn an_owner_token_without_api_is_told_about_its_own_scope_before_anything_is_made() {
    let w = world();
    let read_only = new_secret("alice-read");
    w.gitlab.add_token(
        &read_only,
        TokenRecord::new(&FakeUser::person(OWNER, "alice"), &["read_api"]),
    );
    w.home.watch(&read_only);
    let out = w.create(&read_only, &["acme"], &[]);
    assert_ne!(out.code, Some(0), "{out:?}");
    let v = out.json();
    assert_eq!(
        problem_kinds(&v),
        vec!["insufficient_scope".to_owned()],
        "{v}"
    );
    let message = v["problems"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("Your own token"), "{message}");
    assert!(message.contains("has read_api"), "{message}");
    assert!(w.gitlab.accounts().is_empty(), "nothing created");
    assert!(w.stored().is_none());
}
