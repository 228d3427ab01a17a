//! Sinks end to end: the built binary, the REAL Secret Service, and the fake GitLab with its
//! CI/CD variable endpoints (tests/support/fake_variables.rs). A rotation delivers the new value
//! to a project or group variable (flags kept) and to a command's standard input (never argv or
//! environment); a failing sink is reported, stays pending and is delivered by the next run; a
//! kill between rotation and delivery leaves it pending for the next run.
//!
//! Run with `bash tests/run.sh --test sinks_delivery`; without run.sh's bus the tests fail.
#![cfg(target_os = "linux")]

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use support::fake_variables::FakeVariable;
use support::rotating::World;
use support::stores::require_secret_service;

const OK: i32 = 0;
const FAILED: i32 = 1;
const USAGE: i32 = 2;

const API: [&str; 3] = ["api", "read_api", "read_user"];
const MAINTAINER: u32 = 40;
const OWNER: u32 = 50;
const DEVELOPER: u32 = 30;

fn with_api_token() -> (World, String) {
    require_secret_service();
    let w = World::new();
    let old = w.token(&API, 90);
    w.add("mr-reviewer", "reviewer", &old);
    (w, old)
}

fn sink_add(w: &World, args: &[&str]) -> support::Output {
    let account = w.account("reviewer");
    let mut all = vec!["sink", "add", account.as_str()];
    all.extend(args);
    w.run(&all, "")
}

fn rotate_json(w: &World) -> (support::Output, Value) {
    let out = w.rotate("reviewer", &["--yes", "--json"], "");
    let all = out.json();
    (out, all)
}

/// `rotate --within 0`: nothing is due, so only pending sinks are delivered.
fn retry(w: &World) -> support::Output {
    w.run(&["rotate", "--within", "0", "--yes", "--json"], "")
}

fn new_secret(w: &World, old: &str) -> String {
    w.gitlab
        .rotated_to(old)
        .expect("the fake rotated the token")
}

fn sink_states(w: &World) -> Vec<Value> {
    let out = w.run(&["sink", "list", "--json"], "");
    assert_eq!(out.code, Some(OK), "{out:?}");
    out.json().as_array().cloned().unwrap_or_default()
}

fn variable(w: &World, project: bool, path: &str, key: &str) -> FakeVariable {
    w.gitlab
        .variables(project, path)
        .into_iter()
        .find(|v| v.key == key)
        .unwrap_or_else(|| panic!("no variable {key} on {path}"))
}

#[test]
fn a_rotation_updates_a_project_variable_keeping_its_flags_and_creates_a_group_one() {
    let (w, old) = with_api_token();
    w.gitlab.project_member("team/app", w.user.id, MAINTAINER);
    w.gitlab.set_variable(
        true,
        "team/app",
        FakeVariable::new("REVIEW_TOKEN", &old)
            .masked()
            .protected()
            .scoped("production"),
    );
    w.gitlab.set_variable(
        true,
        "team/app",
        FakeVariable::new("REVIEW_TOKEN", "staging-value-unchanged").scoped("staging"),
    );
    w.gitlab.group_member("ops", w.user.id, OWNER);
    let out = sink_add(
        &w,
        &[
            "gitlab-variable",
            "--project",
            "team/app",
            "--key",
            "REVIEW_TOKEN",
            "--environment-scope",
            "production",
        ],
    );
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert!(out.stdout.contains("Added sink 1"), "{out:?}");
    let out = sink_add(
        &w,
        &["gitlab-variable", "--group", "ops", "--key", "OPS_TOKEN"],
    );
    assert_eq!(out.code, Some(OK), "{out:?}");

    let (out, all) = rotate_json(&w);
    assert_eq!(out.code, Some(OK), "{out:?}");
    let new = new_secret(&w, &old);
    let sinks = all[0]["sinks"].as_array().expect("sinks in the report");
    assert_eq!(sinks.len(), 2, "{all}");
    for s in sinks {
        assert_eq!(s["kind"], "gitlab-variable", "{s}");
        assert_eq!(s["ok"], true, "{s}");
    }
    assert!(sinks[0]["target"].as_str().unwrap().contains("team/app"));

    let production = w
        .gitlab
        .variables(true, "team/app")
        .into_iter()
        .find(|v| v.environment_scope == "production")
        .expect("production variable");
    assert_eq!(production.value, new, "the variable holds the new token");
    assert!(production.masked && production.protected, "{production:?}");
    let staging = w
        .gitlab
        .variables(true, "team/app")
        .into_iter()
        .find(|v| v.environment_scope == "staging")
        .expect("staging variable");
    assert_eq!(staging.value, "staging-value-unchanged");

    let created = variable(&w, false, "ops", "OPS_TOKEN");
    assert_eq!(created.value, new);
    assert!(created.masked, "created masked: {created:?}");
    assert!(!created.protected);
    assert_eq!(created.environment_scope, "*");
    // The variable calls went out with the new token, to the variable endpoints.
    let calls: Vec<String> = w
        .gitlab
        .requests()
        .iter()
        .filter(|r| r.path.contains("/variables"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert!(
        calls
            .iter()
            .any(|c| c.starts_with("PUT ")
                && c.contains("/projects/team%2Fapp/variables/REVIEW_TOKEN")),
        "{calls:?}"
    );
    assert!(
        calls
            .iter()
            .any(|c| c == "POST /api/v4/groups/ops/variables"),
        "{calls:?}"
    );
    assert!(sink_states(&w).iter().all(|s| s["pending"] == false));
}

#[test]
fn without_the_role_the_sink_fails_loudly_stays_pending_and_the_next_run_delivers_it() {
    let (w, old) = with_api_token();
    w.gitlab.project_member("team/app", w.user.id, DEVELOPER);
    w.gitlab
        .set_variable(true, "team/app", FakeVariable::new("REVIEW_TOKEN", &old));
    let out = sink_add(
        &w,
        &[
            "gitlab-variable",
            "--project",
            "team/app",
            "--key",
            "REVIEW_TOKEN",
        ],
    );
    assert_eq!(out.code, Some(OK), "{out:?}");

    let (out, all) = rotate_json(&w);
    assert_eq!(
        out.code,
        Some(FAILED),
        "a failed sink is a failure: {out:?}"
    );
    let report = &all[0];
    assert_eq!(
        report["ok"], true,
        "the rotation itself succeeded: {report}"
    );
    let new = new_secret(&w, &old);
    assert_eq!(w.keychain("reviewer").as_deref(), Some(new.as_str()));
    assert_eq!(report["sinks"][0]["ok"], false, "{report}");
    let message = report["sinks"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("403") && message.contains("Maintainer"),
        "{message}"
    );
    assert!(
        report["problems"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["kind"] == "sink_failed"),
        "{report}"
    );
    assert_eq!(variable(&w, true, "team/app", "REVIEW_TOKEN").value, old);
    let states = sink_states(&w);
    assert_eq!(states[0]["pending"], true, "{states:?}");
    assert_eq!(states[0]["attempts"], 1, "{states:?}");
    let status = w.run(&["status"], "");
    assert!(status.stdout.contains("PENDING"), "{status:?}");
    let status = w.run(&["status", "--json"], "");
    let row = &status.json()[0];
    assert_eq!(row["sinks"][0]["pending"], true, "{row}");
    assert!(
        row["sinks"][0]["last_error"]
            .as_str()
            .is_some_and(|e| e.contains("403")),
        "{row}"
    );

    // Still refused: still pending, nothing rotated again.
    let out = retry(&w);
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    assert_eq!(out.json()[0]["path"], "delivery", "{out:?}");
    assert_eq!(w.rotate_calls(), 1);

    w.gitlab.project_member("team/app", w.user.id, MAINTAINER);
    let out = retry(&w);
    assert_eq!(out.code, Some(OK), "{out:?}");
    let all = out.json();
    assert_eq!(all[0]["path"], "delivery", "{all}");
    assert_eq!(all[0]["sinks"][0]["ok"], true, "{all}");
    assert_eq!(variable(&w, true, "team/app", "REVIEW_TOKEN").value, new);
    assert_eq!(w.rotate_calls(), 1, "a retry never rotates again");
    assert_eq!(sink_states(&w)[0]["pending"], false);
    let status = w.run(&["status"], "");
    assert!(!status.stdout.contains("PENDING"), "{status:?}");
    assert!(status.stdout.contains("REVIEW_TOKEN"), "{status:?}");
    // Nothing pending: the next run delivers nothing.
    let out = retry(&w);
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert_eq!(out.json(), Value::Array(vec![]));
}

/// A sink script in a directory outside the watched home: it reads the token from stdin, copies
/// its own environment, and writes what it read to `received` (only when `ready` exists).
fn script(dir: &Path) -> PathBuf {
    let path = dir.join("deliver.sh");
    let body = format!(
        "#!/bin/sh\n\
         read -r token\n\
         cat /proc/$$/environ > '{d}/environ'\n\
         cat /proc/$$/cmdline > '{d}/cmdline'\n\
         if [ ! -e '{d}/ready' ]; then echo 'deploy target not ready' >&2; exit 7; fi\n\
         sleep 0.5\n\
         printf '%s' \"$token\" > '{d}/received'\n",
        d = dir.display()
    );
    std::fs::write(&path, body).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// Every process's command line and environment, as text.
fn proc_snapshot() -> Vec<(String, Vec<u8>)> {
    let mut seen = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        for file in ["cmdline", "environ"] {
            if let Ok(bytes) = std::fs::read(entry.path().join(file)) {
                seen.push((format!("/proc/{name}/{file}"), bytes));
            }
        }
    }
    seen
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn a_command_sink_reads_the_token_on_stdin_never_in_argv_or_environment() {
    let (w, old) = with_api_token();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ready"), "").unwrap();
    let script = script(dir.path());
    let script = script.to_str().unwrap();
    let out = sink_add(
        &w,
        &["command", "--timeout", "20", "--", script, "--name", "ci"],
    );
    assert_eq!(out.code, Some(OK), "{out:?}");

    let running = w.home.spawn(
        &["rotate", "--host", &w.host(), "--name", "reviewer", "--yes"],
        "",
    );
    let mut scans = 0;
    let mut saw_script = false;
    while !dir.path().join("received").exists() && scans < 2000 {
        let secrets = w.all_secrets();
        for (file, bytes) in proc_snapshot() {
            if contains(&bytes, script) {
                saw_script = true;
            }
            for s in &secrets {
                assert!(!contains(&bytes, s), "a token is in {file}");
            }
        }
        scans += 1;
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = w.home.wait(running);
    w.assert_secret_free(&out, "rotate with a command sink");
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert!(saw_script, "the scan ran while the command was running");
    let new = new_secret(&w, &old);
    let received = std::fs::read_to_string(dir.path().join("received")).unwrap();
    assert_eq!(received, new, "the command read the new token on stdin");
    let environ = std::fs::read(dir.path().join("environ")).unwrap();
    let cmdline = std::fs::read(dir.path().join("cmdline")).unwrap();
    assert!(contains(&cmdline, "--name"), "the configured argv");
    for s in [&old, &new] {
        assert!(
            !contains(&environ, s),
            "the token is in the command's environment"
        );
        assert!(!contains(&cmdline, s), "the token is in the command's argv");
    }
    assert!(out.stdout.contains("Delivered the token"), "{out:?}");
}

#[test]
fn a_failing_command_sink_is_retried_by_the_next_run_and_then_succeeds() {
    let (w, old) = with_api_token();
    let dir = tempfile::tempdir().unwrap();
    let script = script(dir.path());
    let out = sink_add(&w, &["command", "--", script.to_str().unwrap()]);
    assert_eq!(out.code, Some(OK), "{out:?}");

    let out = w.rotate("reviewer", &["--yes"], "");
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    assert!(out.stderr.contains("exit code 7"), "{out:?}");
    assert!(out.stderr.contains("deploy target not ready"), "{out:?}");
    assert!(out.stderr.contains("stays pending"), "{out:?}");
    let new = new_secret(&w, &old);
    assert_eq!(w.keychain("reviewer").as_deref(), Some(new.as_str()));
    assert!(!dir.path().join("received").exists());

    std::fs::write(dir.path().join("ready"), "").unwrap();
    let out = retry(&w);
    assert_eq!(out.code, Some(OK), "{out:?}");
    let received = std::fs::read_to_string(dir.path().join("received")).unwrap();
    assert_eq!(received, new);
    assert_eq!(w.rotate_calls(), 1);
    assert_eq!(sink_states(&w)[0]["pending"], false);
}

#[test]
fn a_kill_between_rotation_and_delivery_leaves_the_sink_pending_for_the_next_run() {
    for step in ["before-sinks", "after-keychain"] {
        let (w, old) = with_api_token();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ready"), "").unwrap();
        let script = script(dir.path());
        let out = sink_add(&w, &["command", "--", script.to_str().unwrap()]);
        assert_eq!(out.code, Some(OK), "{out:?}");
        let host = w.host();
        let out = w.run_aborting(
            &["rotate", "--host", &host, "--name", "reviewer", "--yes"],
            step,
        );
        assert_ne!(out.code, Some(OK), "{step}: {out:?}");
        let new = new_secret(&w, &old);
        assert_eq!(
            w.keychain("reviewer").as_deref(),
            Some(new.as_str()),
            "{step}"
        );
        assert!(!dir.path().join("received").exists(), "{step}");
        let states = sink_states(&w);
        assert_eq!(states[0]["pending"], true, "{step}: {states:?}");
        let list = w.run(&["sink", "list"], "");
        assert!(list.stdout.contains("PENDING"), "{step}: {list:?}");

        let out = retry(&w);
        assert_eq!(out.code, Some(OK), "{step}: {out:?}");
        let received = std::fs::read_to_string(dir.path().join("received")).unwrap();
        assert_eq!(received, new, "{step}");
        assert_eq!(w.rotate_calls(), 1, "{step}");
        assert_eq!(sink_states(&w)[0]["pending"], false, "{step}");
    }
}

#[test]
fn sink_add_refuses_what_cannot_work_and_list_and_remove_round_trip() {
    require_secret_service();
    let w = World::new();
    let read_only = w.token(&["read_api", "read_user", "read_repository"], 90);
    w.add("repo-scanner", "scanner", &read_only);
    let account = w.account("scanner");
    let add = |args: &[&str]| {
        let mut all = vec!["sink", "add", account.as_str()];
        all.extend(args);
        w.run(&all, "")
    };
    let out = add(&["gitlab-variable", "--project", "team/app", "--key", "T"]);
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    assert!(out.stderr.contains("api"), "{out:?}");
    let out = add(&[
        "gitlab-variable",
        "--project",
        "team/app",
        "--key",
        "BAD-KEY",
    ]);
    assert_eq!(out.code, Some(USAGE), "{out:?}");
    let out = add(&["gitlab-variable", "--key", "T"]);
    assert_eq!(out.code, Some(USAGE), "{out:?}");
    let out = add(&["command", "--", "/nonexistent/deliver"]);
    assert_eq!(out.code, Some(USAGE), "{out:?}");
    let out = add(&["command"]);
    assert_eq!(out.code, Some(USAGE), "{out:?}");
    let out = w.run(
        &[
            "sink",
            "add",
            "nobody@nowhere",
            "command",
            "--",
            "/bin/true",
        ],
        "",
    );
    assert_eq!(out.code, Some(FAILED), "{out:?}");

    let out = add(&["command", "--", "/bin/true", "x y"]);
    assert_eq!(out.code, Some(OK), "{out:?}");
    let again = add(&["command", "--", "/bin/true", "x y"]);
    assert_eq!(again.code, Some(OK), "{again:?}");
    assert!(again.stdout.contains("already"), "{again:?}");
    let list = w.run(&["sink", "list", &account], "");
    assert!(
        list.stdout.contains("sink 1: command /bin/true \"x y\""),
        "{list:?}"
    );
    let text = std::fs::read_to_string(w.home.tokens_toml()).unwrap();
    assert!(
        text.contains("[[sink]]") && text.contains("kind = \"command\""),
        "{text}"
    );
    let out = w.run(&["sink", "remove", &account, "2"], "");
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    let out = w.run(&["sink", "remove", &account, "1"], "");
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert!(sink_states(&w).is_empty());
}

#[test]
fn when_the_pending_list_cannot_be_written_the_sinks_still_get_the_new_value_and_it_is_said() {
    let (w, old) = with_api_token();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ready"), "").unwrap();
    let script = script(dir.path());
    let out = sink_add(&w, &["command", "--", script.to_str().unwrap()]);
    assert_eq!(out.code, Some(OK), "{out:?}");
    // A directory where the pending list goes: it can be neither read nor written.
    std::fs::create_dir_all(w.home.path().join("config/gitlab-token/deliveries.toml/x")).unwrap();

    let (out, all) = rotate_json(&w);
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    let report = &all[0];
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["sinks"][0]["ok"], true, "{report}");
    let message = report["problems"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("could not be recorded"), "{report}");
    let received = std::fs::read_to_string(dir.path().join("received")).unwrap();
    assert_eq!(received, new_secret(&w, &old));
}

/// Issue 21.12: `rotate --host H --name B` delivers every pending sink (another token's too) but
/// exits by the asked token's outcome only; without --host/--name the failure counts.
#[test]
fn another_tokens_pending_sink_is_said_but_does_not_decide_a_named_rotate() {
    let (w, _old) = with_api_token();
    let dir = tempfile::tempdir().unwrap();
    let script = script(dir.path());
    let out = sink_add(&w, &["command", "--", script.to_str().unwrap()]);
    assert_eq!(out.code, Some(OK), "{out:?}");
    let out = w.rotate("reviewer", &["--yes"], "");
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    let other = w.token(&API, 90);
    w.add("mr-reviewer", "other", &other);

    let host = w.host();
    let named = [
        "rotate", "--host", &host, "--name", "other", "--within", "0", "--yes",
    ];
    let out = w.run(&named, "");
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert!(
        out.stderr.contains("exit code 7"),
        "the retry is still said: {out:?}"
    );
    assert!(out.stderr.contains("stays pending"), "{out:?}");

    let out = retry(&w);
    assert_eq!(out.code, Some(FAILED), "every token asked: {out:?}");
    assert_eq!(w.rotate_calls(), 1);
}
