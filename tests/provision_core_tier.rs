//! The tier as discovery reads it (`bash tests/run.sh --test provision_core_tier`): an
//! administrator on an unlicensed Enterprise Edition gets `GET /license` 200 `null`
//! (ee/lib/api/license.rb), which is the Free tier, not "tier unknown".
#![cfg(target_os = "linux")]

mod support;

use serde_json::json;
use support::fake_provision::Tier;
use support::provisioning::world;

#[test]
fn an_unlicensed_enterprise_edition_is_free_for_the_plan() {
    let w = world();
    w.gitlab.set_knobs(|k| k.tier = Tier::Free);
    // GitLab 18.6: no service accounts on Free; a group access token is the way.
    let out = w.create(&w.admin, &["acme"], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let v = out.json();
    assert_eq!(v["account"]["kind"], json!("group-token"), "{v}");
}

/// From 18.11 the Free tier has service accounts, at most 100 on a self-managed instance: the
/// plan offers one and says the cap.
#[test]
fn from_18_11_the_free_tier_gets_a_service_account_and_the_plan_names_the_cap() {
    let w = world();
    w.gitlab.set_knobs(|k| {
        k.tier = Tier::Free;
        k.version = (18, 11, 0);
    });
    let out = w.create_text(&w.admin, &["acme"], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout.contains("> group service account (chosen)"),
        "{out:?}"
    );
    assert!(
        out.stdout
            .contains("the instance may have at most 100 service accounts"),
        "{out:?}"
    );
}
