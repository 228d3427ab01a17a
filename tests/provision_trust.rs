//! `create` checks what GitLab hands back against what it asked (`provision::trust`): a token
//! answer naming another user (the Owner's own `api` token) or holding other scopes, and an
//! account answer naming a person, are refused with `answer_not_asked`; nothing is stored, no
//! membership is given to the person, the Owner's token is never revoked. The fake GitLab
//! misbehaves on request (`Knobs::answer_callers_token`, `widen_scopes`,
//! `account_answer_person`; tests/support/fake_provision.rs). The built binary, the real
//! Secret Service (`bash tests/run.sh --test provision_trust`).
#![cfg(target_os = "linux")]

mod support;

use serde_json::json;
use support::provisioning::{DEVELOPER, OWNER, PROJECT, problem_kinds, world};

/// The Owner's own `api` token handed back for the service account's: refused, not stored
/// (`assert_no_owner_secret` looks in the keychain and every file), not revoked, not ok.
#[test]
fn another_users_token_is_refused_and_never_stored_nor_revoked() {
    let w = world();
    w.gitlab.set_knobs(|k| k.answer_callers_token = true);
    let out = w.create(&w.owner, &[PROJECT], &[]);
    assert!(out.code.is_some_and(|c| c != 0), "{out:?}");
    let v = out.json();
    assert_eq!(v["ok"], json!(false), "{v}");
    assert_eq!(problem_kinds(&v)[0], "answer_not_asked", "{v}");
    let text = v.to_string();
    assert!(text.contains(&format!("token of user {OWNER}")), "{v}");
    assert!(text.contains("not revoked"), "{v}");
    assert!(w.stored().is_none(), "nothing stored");
    let owners = w.gitlab.secrets_of(OWNER);
    assert!(
        owners
            .iter()
            .any(|(s, r)| *s == w.owner && r.active && !r.revoked),
        "the Owner's token is untouched: {owners:?}"
    );
    // The token GitLab really made on the account is found by the next run and revoked.
    w.gitlab.set_knobs(|k| k.answer_callers_token = false);
    let out = w.create(&w.owner, &[PROJECT], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let v = out.json();
    assert!(
        problem_kinds(&v).contains(&"orphan_token_revoked".to_owned()),
        "{v}"
    );
    let sa = w.gitlab.accounts()[0].id;
    let active = w.active_tokens(sa);
    assert_eq!(active.len(), 1, "{active:?}");
    assert_eq!(w.stored().as_deref(), Some(active[0].0.as_str()));
    w.home.watch(&active[0].0);
}

/// The account's token, but with `api` beside the scopes asked: refused and revoked.
#[test]
fn a_token_with_other_scopes_is_refused_and_revoked() {
    let w = world();
    w.gitlab.set_knobs(|k| k.widen_scopes = true);
    let out = w.create(&w.owner, &[PROJECT], &[]);
    assert!(out.code.is_some_and(|c| c != 0), "{out:?}");
    let v = out.json();
    assert_eq!(v["ok"], json!(false), "{v}");
    assert_eq!(problem_kinds(&v)[0], "answer_not_asked", "{v}");
    assert!(v.to_string().contains("not the ones asked"), "{v}");
    assert!(w.stored().is_none(), "nothing stored");
    let sa = w.gitlab.accounts()[0].id;
    let all = w.gitlab.secrets_of(sa);
    assert_eq!(all.len(), 1, "{all:?}");
    assert!(all[0].1.revoked, "the widened token was revoked: {all:?}");
}

/// The service-account create answers with a person (the Developer, under the username asked):
/// refused before any membership is asked for, nothing stored.
#[test]
fn an_account_answer_naming_a_person_gets_no_membership() {
    let w = world();
    w.gitlab
        .set_knobs(|k| k.account_answer_person = Some(DEVELOPER));
    let out = w.create(&w.owner, &[PROJECT], &[]);
    assert!(out.code.is_some_and(|c| c != 0), "{out:?}");
    let v = out.json();
    assert_eq!(v["ok"], json!(false), "{v}");
    assert_eq!(problem_kinds(&v)[0], "answer_not_asked", "{v}");
    assert!(v.to_string().contains("a person"), "{v}");
    let members: Vec<_> = w
        .gitlab
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET" && r.path.contains("/members"))
        .collect();
    // (Discovery reads the caller's own roles with GETs; nothing else touches members.)
    assert!(members.is_empty(), "no membership asked for: {members:?}");
    let tokens: Vec<_> = w
        .gitlab
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.contains("personal_access_tokens"))
        .collect();
    assert!(tokens.is_empty(), "no token asked for: {tokens:?}");
    assert!(w.stored().is_none());
    assert_eq!(
        w.gitlab.direct_level(true, PROJECT, DEVELOPER),
        Some(30),
        "the person's role is untouched"
    );
}
