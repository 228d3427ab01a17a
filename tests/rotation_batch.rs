//! `gitlab-token rotate --within` with several due tokens: they are rotated side by side (a
//! bounded number at a time), each in its own order of steps, with the reports in the order the
//! tokens are listed; a kill with several rotations under way leaves one journal entry each,
//! which the next command finishes or repairs. The built binary, the REAL Secret Service, and
//! the fake GitLab adding a delay to each answer (so calls that overlap are seen to).
//!
//! Run with `bash tests/run.sh -E 'binary(rotation_batch)'`; without run.sh's bus the tests fail.
#![cfg(target_os = "linux")]

mod support;

use std::time::Duration;

use support::rotating::{World, in_days};
use support::stores::require_secret_service;

/// Scopes of a token that may rotate itself (profile mr-reviewer).
const API: [&str; 3] = ["api", "read_api", "read_user"];
const NAMES: [&str; 5] = ["one", "two", "three", "four", "five"];

/// Five stored `mr-reviewer` tokens expiring in 10 days, in the order of `NAMES`.
fn five_due() -> (World, Vec<String>) {
    require_secret_service();
    let w = World::new();
    let olds: Vec<String> = NAMES
        .iter()
        .map(|name| {
            let old = w.token(&API, 10);
            w.add("mr-reviewer", name, &old);
            old
        })
        .collect();
    (w, olds)
}

fn rotate_due(w: &World) -> support::Output {
    w.run(
        &[
            "rotate",
            "--within",
            "30",
            "--yes",
            "--json",
            "--timeout",
            "10",
        ],
        "",
    )
}

#[test]
fn due_tokens_are_rotated_side_by_side_and_reported_in_their_order() {
    let (w, olds) = five_due();
    let before = w.gitlab.requests().len();
    w.gitlab.set_delay(Duration::from_millis(150));
    let out = rotate_due(&w);
    w.gitlab.set_delay(Duration::ZERO);
    let log = w.gitlab.requests().split_off(before);
    assert_eq!(out.code, Some(0), "{out:?}");

    let reports = out.json();
    let accounts: Vec<&str> = reports
        .as_array()
        .expect("a JSON array")
        .iter()
        .map(|r| r["account"].as_str().unwrap_or_default())
        .collect();
    let listed: Vec<String> = NAMES.iter().map(|n| w.account(n)).collect();
    assert_eq!(accounts, listed, "not in the order the tokens are listed");
    for (report, (name, old)) in reports
        .as_array()
        .unwrap()
        .iter()
        .zip(NAMES.iter().zip(&olds))
    {
        assert_eq!(report["ok"], true, "{report}");
        let new = w.gitlab.rotated_to(old).expect("GitLab rotated the token");
        assert_eq!(w.keychain(name).as_deref(), Some(new.as_str()), "{name}");
        assert!(w.rejected(old), "{name}: the old token still works");
        assert_eq!(
            w.entry(name).expires_at.as_deref(),
            Some(in_days(90).as_str())
        );
    }
    assert!(!w.journal().exists(), "a journal entry was left behind");
    assert_eq!(w.rotate_calls(), 5);

    // Each token's own calls still come one after another (check, rotate, verify), but the
    // tokens' calls overlap: one after another, no two requests are ever in flight at once.
    // (Not the length of the dependent chain: the keychain writes take turns, and under load
    // they stretch it.)
    let most = log
        .iter()
        .map(|r| {
            log.iter()
                .filter(|o| o.started < r.finished && r.started < o.finished)
                .count()
        })
        .max()
        .unwrap_or(0);
    let chain = support::fake_gitlab::observed_chain(&log);
    let t0 = log.iter().map(|r| r.started).min().expect("requests");
    let timeline: Vec<String> = log
        .iter()
        .map(|r| {
            let (a, b) = (r.started - t0, r.finished - t0);
            format!(
                "{:>5}..{:>5} ms {} {}",
                a.as_millis(),
                b.as_millis(),
                r.method,
                r.path
            )
        })
        .collect();
    assert!(
        most >= 2,
        "at most {most} requests in flight at once (dependent chain {chain} of {}): the tokens \
         were not rotated side by side\n{}",
        log.len(),
        timeline.join("\n")
    );
}

#[test]
fn a_kill_with_several_rotations_under_way_is_repaired_for_each() {
    let (w, olds) = five_due();
    w.gitlab.set_delay(Duration::from_millis(100));
    let out = w.run_aborting(
        &["rotate", "--within", "30", "--yes", "--timeout", "10"],
        "after-keychain",
    );
    w.gitlab.set_delay(Duration::ZERO);
    assert_ne!(out.code, Some(0), "{out:?}");
    assert!(w.journal().exists(), "no journal after the kill");
    let text = std::fs::read_to_string(w.journal()).expect("journal");
    assert!(
        text.matches("[[rotation]]").count() >= 2,
        "one entry per rotation under way: {text}"
    );

    let out = w.run(&["status"], "");
    assert!(
        !w.journal().exists(),
        "the journal was not resolved: {out:?}"
    );
    // Every token stored now works, or its entry says it is lost (never a silent dead token).
    for (name, old) in NAMES.iter().zip(&olds) {
        let stored = w.keychain(name).expect("still stored");
        let entry = w.entry(name);
        if w.works(&stored) {
            assert_eq!(w.live(&stored).expect("live").id, entry.token_id, "{name}");
        } else {
            assert!(w.rejected(old), "{name}");
            assert_eq!(
                entry.expires_at.as_deref(),
                Some(in_days(-1).as_str()),
                "{name}"
            );
        }
    }
    // The next `rotate` finishes the rest.
    let out = rotate_due(&w);
    assert!(!w.journal().exists(), "{out:?}");
}
