//! Rotating a fine-grained token (GitLab 19.2+): it rotates itself with
//! `rotate_personal_access_token` and keeps its kind and permissions (GitLab's RotateService
//! copies them; the tool checks it); without that permission the guided path, no call made.
//! The built binary, the real Secret Service and the fake GitLab (tests/support/fake_granular.rs).
#![cfg(target_os = "linux")]

mod support;

use serde_json::Value;
use support::fake_granular::scope;
use support::rotating::World;
use support::stores::require_secret_service;

const TRACKER: [&str; 3] = ["read_project", "read_merge_request", "read_pipeline"];

fn world(user: &[&str]) -> (World, String) {
    require_secret_service();
    let w = World::new();
    w.gitlab.set_knobs(|k| k.version = (19, 2, 0));
    let old = w.fine_grained_token(
        vec![scope("user", user), scope("all_memberships", &TRACKER)],
        10,
    );
    w.add("mr-tracker", "tracker", &old);
    (w, old)
}

fn report(out: &support::Output) -> Value {
    out.json().as_array().expect("a JSON array")[0].clone()
}

#[test]
fn a_fine_grained_token_rotates_itself_and_keeps_its_permissions() {
    let (w, old) = world(&[
        "read_personal_access_token",
        "read_user",
        "rotate_personal_access_token",
    ]);
    let before = w.entry("tracker");
    assert!(before.fine_grained);
    let held = before
        .permissions
        .clone()
        .expect("permissions read by id at 19.2");
    assert_eq!(held.len(), 2);

    let out = w.rotate("tracker", &["--yes", "--json", "--expires-in", "30"], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    let r = report(&out);
    assert_eq!(r["path"], "automatic", "{r}");
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["problems"], serde_json::json!([]), "{r}");
    let new = w.gitlab.rotated_to(&old).expect("rotated");
    assert!(w.rejected(&old));
    let after = w.entry("tracker");
    assert!(after.fine_grained);
    assert_ne!(after.token_id, before.token_id);
    assert_eq!(
        after.permissions.as_ref(),
        Some(&held),
        "the same permissions, read again"
    );
    assert!(after.scopes.is_empty());
    assert_eq!(w.keychain("tracker").as_deref(), Some(new.as_str()));
    w.assert_secret_free(&out, "rotate");
}

#[test]
fn without_the_rotate_permission_the_guided_path_is_taken_and_nothing_is_called() {
    let (w, _old) = world(&["read_personal_access_token", "read_user"]);
    let out = w.rotate("tracker", &["--yes", "--json"], "");
    let r = report(&out);
    assert_eq!(r["path"], "guided", "{r}");
    let message = r["problems"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("rotate_personal_access_token"), "{r}");
    assert_eq!(w.rotate_calls(), 0);
    let status = w.home.run(&["status", "--json"], "");
    assert!(
        status.stdout.contains("\"fine_grained\":true")
            || status.stdout.contains("\"fine_grained\": true"),
        "{}",
        status.stdout
    );
}

/// Where the instance enforces fine-grained tokens (self-managed 19.2+), GitLab refuses to
/// rotate a person's legacy token: nothing changes, and the guided path links the fine-grained
/// form, saying why.
#[test]
fn an_instance_enforcing_fine_grained_tokens_leads_a_legacy_one_to_the_fine_grained_form() {
    require_secret_service();
    let mut w = World::new();
    w.user = support::FakeUser::person(9, "alice");
    w.gitlab.set_knobs(|k| {
        k.version = (19, 2, 0);
        k.enforce_fine_grained = true;
    });
    let old = w.token(&["api", "read_api"], 10);
    w.add("mr-tracker", "tracker", &old);
    let out = w.rotate("tracker", &["--yes", "--json"], "");
    let r = report(&out);
    assert_eq!(r["path"], "guided", "{r}");
    assert_eq!(r["ok"], false, "{r}");
    let message = r["problems"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("accepts only fine-grained tokens"), "{r}");
    assert!(
        r["link"]
            .as_str()
            .is_some_and(|l| l.ends_with("/-/user_settings/personal_access_tokens/granular/new")),
        "{r}"
    );
    assert!(w.works(&old), "nothing changed");
    assert_eq!(w.keychain("tracker").as_deref(), Some(old.as_str()));
}
