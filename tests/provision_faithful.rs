//! `gitlab-token create` and the owner-path `rotate` against GitLab's real answers where a review
//! found the fake had them wrong (/work/notes/fact-review.md): what the user is told, and that
//! nothing is lost or left behind (`bash tests/run.sh --test provision_faithful`).
#![cfg(target_os = "linux")]

mod support;

use serde_json::Value;
use support::days_from_today;
use support::provisioning::{PROJECT, world};

fn messages(v: &Value) -> String {
    v["problems"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p["message"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

#[test]
fn an_expiry_past_the_instance_limit_is_told_with_gitlabs_422_message() {
    let w = world();
    w.gitlab.set_max_lifetime_days(30);
    let out = w.create(&w.owner, &[PROJECT], &[]);
    assert_eq!(out.code, Some(1), "{out:?}");
    let v = out.json();
    let max = days_from_today(30);
    assert!(
        messages(&v).contains(&format!("Expiration date must be before {max}")),
        "{out:?}"
    );
    let accounts = w.gitlab.accounts();
    assert_eq!(
        accounts.len(),
        1,
        "the account was made before: {accounts:?}"
    );
    assert!(w.gitlab.tokens_of(accounts[0].id).is_empty());
    assert_eq!(w.stored(), None);
}
