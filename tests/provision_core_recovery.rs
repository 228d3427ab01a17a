//! Recovery of a run killed INSIDE the call that creates the token (no token id journaled yet):
//! the next run finds the token by its name and creation time and revokes it, so no orphan is
//! left (`bash tests/run.sh --test provision_core_recovery`). Against the fake GitLab over TLS
//! and the REAL Secret Service.
#![cfg(target_os = "linux")]

mod support;

use serde_json::json;
use support::provisioning::{PROJECT, problem_kinds, world};

#[test]
fn a_token_created_by_a_call_whose_answer_never_arrived_is_found_and_revoked() {
    let w = world();
    let out = w.create_env(
        &w.owner,
        &[PROJECT],
        &[],
        &[("GITLAB_TOKEN_TEST_ABORT_AT", "provision-token-created")],
    );
    assert_eq!(out.code, None, "{out:?}");
    // Make the journal look as if the process died before GitLab's answer was read: the step
    // is "token" and no id is known.
    let dir = w.home.tokens_toml().parent().unwrap().to_owned();
    let journal = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            let n = p.file_name().unwrap().to_string_lossy().into_owned();
            n.starts_with("provision-") && n.ends_with(".toml")
        })
        .expect("the killed run's journal");
    let text = std::fs::read_to_string(&journal).unwrap();
    assert!(text.contains("step = \"token-created\""), "{text}");
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("token_id"))
        .map(|l| l.replace("step = \"token-created\"", "step = \"token\""))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&journal, text).unwrap();
    let sa = w.gitlab.accounts()[0].id;
    let orphan = w.gitlab.secrets_of(sa)[0].1.id;

    let out = w.create(&w.owner, &[PROJECT], &[]);
    assert_eq!(out.code, Some(0), "{out:?}");
    let v = out.json();
    assert_eq!(v["ok"], json!(true), "{v}");
    assert!(
        problem_kinds(&v).contains(&"orphan_token_revoked".to_owned()),
        "{v}"
    );
    let all = w.gitlab.secrets_of(sa);
    assert_eq!(all.len(), 2, "the orphan and its replacement: {all:?}");
    assert!(
        all.iter().any(|(_, r)| r.id == orphan && r.revoked),
        "{all:?}"
    );
    let active = w.active_tokens(sa);
    assert_eq!(active.len(), 1, "{active:?}");
    assert_eq!(w.stored().as_deref(), Some(active[0].0.as_str()));
    assert!(!journal.exists(), "the journal is gone once done");
}
