//! `gitlab-token sink deliver NAME@HOST`: the current value reaches the sinks now (after `sink add`),
//! without a rotation; what fails stays pending for the next `rotate`.
//!
//! Run with `bash tests/run.sh --test sinks_deliver_now`.
#![cfg(target_os = "linux")]

mod support;

use support::rotating::World;
use support::stores::require_secret_service;

#[test]
fn sink_deliver_pushes_the_current_value_now_and_leaves_a_failure_pending() {
    require_secret_service();
    let w = World::new();
    let current = w.token(&["api", "read_api", "read_user"], 90);
    w.add("mr-reviewer", "reviewer", &current);
    let account = w.account("reviewer");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display().to_string();
    let script = dir.path().join("push.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nread -r t\n[ -e '{d}/ready' ] || {{ echo 'not yet' >&2; exit 4; }}\n\
             printf '%s' \"$t\" > '{d}/received'\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = w.run(
        &[
            "sink",
            "add",
            &account,
            "command",
            "--",
            script.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(out.code, Some(0), "{out:?}");

    let out = w.run(&["sink", "deliver", &account, "--json"], "");
    assert_eq!(out.code, Some(1), "{out:?}");
    assert_eq!(out.json()[0]["ok"], false, "{out:?}");
    let list = w.run(&["sink", "list", "--json"], "");
    assert_eq!(list.json()[0]["pending"], true, "{list:?}");

    std::fs::write(dir.path().join("ready"), "").unwrap();
    let out = w.run(&["sink", "deliver", &account], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("Delivered the token"), "{out:?}");
    let received = std::fs::read_to_string(dir.path().join("received")).unwrap();
    assert_eq!(received, current, "the stored value, unchanged");
    assert_eq!(w.rotate_calls(), 0, "no rotation");
    let list = w.run(&["sink", "list", "--json"], "");
    assert_eq!(list.json()[0]["pending"], false, "{list:?}");

    let out = w.run(&["sink", "deliver", "nobody@nowhere"], "");
    assert_eq!(out.code, Some(1), "{out:?}");
}
