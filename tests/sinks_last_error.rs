//! A pending delivery's `last_error` in `deliveries.toml`: written typed since sinks return typed
//! outcomes, but a file from before (the sentence itself) still loads and shows that sentence,
//! and a shape this version does not know keeps the delivery pending. The built binary, the REAL
//! Secret Service (`bash tests/run.sh --test sinks_last_error`).
#![cfg(target_os = "linux")]

mod support;

use std::path::{Path, PathBuf};

use serde_json::Value;
use support::rotating::World;
use support::stores::require_secret_service;

const OK: i32 = 0;

/// A command sink that always fails with exit code 7.
fn failing_script(dir: &Path) -> PathBuf {
    let path = dir.join("push.sh");
    std::fs::write(
        &path,
        "#!/bin/sh\nread -r token\necho 'target not ready' >&2\nexit 7\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

fn world_with_a_command_sink(dir: &Path) -> (World, String) {
    require_secret_service();
    let w = World::new();
    let token = w.token(&["api", "read_api", "read_user"], 90);
    w.add("mr-reviewer", "reviewer", &token);
    let account = w.account("reviewer");
    let script = failing_script(dir);
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
    assert_eq!(out.code, Some(OK), "{out:?}");
    (w, account)
}

fn deliveries_file(w: &World) -> PathBuf {
    w.home.path().join("config/gitlab-token/deliveries.toml")
}

fn write_pending(w: &World, account: &str, last_error: &str) {
    let text = format!(
        "[[delivery]]\naccount = \"{account}\"\nsink_id = 1\nsince = \"2026-11-27T08:00:00Z\"\n\
         attempts = 2\n{last_error}\n"
    );
    std::fs::write(deliveries_file(w), text).unwrap();
}

fn listed(w: &World) -> (String, Value) {
    let text = w.run(&["sink", "list"], "");
    assert_eq!(text.code, Some(OK), "{text:?}");
    let json = w.run(&["sink", "list", "--json"], "");
    assert_eq!(json.code, Some(OK), "{json:?}");
    (text.stdout, json.json()[0].clone())
}

#[test]
fn an_old_file_with_a_sentence_loads_and_shows_that_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let (w, account) = world_with_a_command_sink(dir.path());
    let sentence = "`/opt/push` failed (exit code 7); it said: target not ready";
    write_pending(&w, &account, &format!("last_error = {sentence:?}"));

    let (text, row) = listed(&w);
    assert!(
        text.contains(&format!("PENDING, not delivered yet ({sentence})")),
        "{text}"
    );
    assert_eq!(row["pending"], true, "{row}");
    assert_eq!(row["attempts"], 2, "{row}");
    assert_eq!(row["last_error"], sentence, "{row}");

    // A retry that fails again records the typed failure, said the same way as before.
    let out = w.run(&["sink", "deliver", &account], "");
    assert_ne!(out.code, Some(OK), "{out:?}");
    let (text, row) = listed(&w);
    let said = row["last_error"].as_str().unwrap_or_default().to_owned();
    assert!(
        said.contains("failed (exit code 7); it said: target not ready"),
        "{row}"
    );
    assert!(
        text.contains(&format!("PENDING, not delivered yet ({said})")),
        "{text}"
    );
    let file = std::fs::read_to_string(deliveries_file(&w)).unwrap();
    assert!(file.contains("command_failed"), "{file}");
}

#[test]
fn a_last_error_of_an_unknown_shape_keeps_the_delivery_pending() {
    let dir = tempfile::tempdir().unwrap();
    let (w, account) = world_with_a_command_sink(dir.path());
    write_pending(
        &w,
        &account,
        "[delivery.last_error]\nkind = \"from_a_later_version\"\ncode = 3",
    );
    let (text, row) = listed(&w);
    assert_eq!(row["pending"], true, "{row}");
    assert_eq!(row["attempts"], 2, "{row}");
    assert!(
        row["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("another version")),
        "{row}"
    );
    assert!(text.contains("PENDING"), "{text}");
}
