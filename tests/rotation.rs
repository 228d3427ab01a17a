//! `gitlab-token rotate` end to end: the built binary, the REAL Secret Service (checked with
//! `secret-tool`), and the fake GitLab, which rotates like GitLab does (the old token is revoked
//! at once; reusing it revokes the new one too). Kills at each step of a rotation, a connection
//! that drops after GitLab rotated, refusals, the guided path and `--replace`, `--within`.
//! After every command, no token may be in its output or in any file under the temp home.
//!
//! Run with `bash tests/run.sh -E 'binary(rotation)'`; without run.sh's bus the tests fail.
#![cfg(target_os = "linux")]

mod support;

use serde_json::Value;
use support::rotating::{World, in_days};
use support::stores::require_secret_service;

const OK: i32 = 0;
const FAILED: i32 = 1;
const USAGE: i32 = 2;
const KEYCHAIN: i32 = 4;

/// Scopes of a token that may rotate itself (profile mr-reviewer).
const API: [&str; 3] = ["api", "read_api", "read_user"];

/// A world with one stored `mr-reviewer` token (scopes `api`...) expiring in 90 days.
fn with_api_token() -> (World, String) {
    require_secret_service();
    let w = World::new();
    let old = w.token(&API, 90);
    w.add("mr-reviewer", "reviewer", &old);
    (w, old)
}

fn one_report(out: &support::Output) -> Value {
    let all = out.json();
    let list = all.as_array().expect("a JSON array");
    assert_eq!(list.len(), 1, "{all}");
    list[0].clone()
}

fn kinds(report: &Value) -> Vec<String> {
    report["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems in {report}"))
        .iter()
        .map(|p| p["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn the_automatic_path_stores_the_new_token_and_the_old_one_stops_working() {
    let (w, old) = with_api_token();
    let old_id = w.entry("reviewer").token_id;
    let out = w.rotate("reviewer", &["--yes", "--json", "--expires-in", "30"], "");
    assert_eq!(out.code, Some(OK), "{out:?}");
    let report = one_report(&out);
    assert_eq!(report["account"], w.account("reviewer"));
    assert_eq!(report["path"], "automatic");
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(report["old_expires_at"], in_days(90));
    assert_eq!(report["new_expires_at"], in_days(30));
    assert_eq!(kinds(&report), Vec::<String>::new());

    let new = w.gitlab.rotated_to(&old).expect("GitLab rotated the token");
    assert_eq!(w.keychain("reviewer").as_deref(), Some(new.as_str()));
    assert!(w.rejected(&old), "the old token still works");
    let live = w.live(&new).expect("the new token works");
    let entry = w.entry("reviewer");
    assert_eq!(entry.token_id, live.id);
    assert_ne!(entry.token_id, old_id);
    assert_eq!(entry.expires_at.as_deref(), Some(in_days(30).as_str()));
    assert_eq!(entry.scopes, API.map(String::from).to_vec());
    assert!(!w.journal().exists(), "the journal was left behind");
    assert_eq!(w.rotate_calls(), 1);
    // The stored token is the one `get` hands to scripts.
    let get = w
        .home
        .run(&["get", "--host", &w.host(), "--name", "reviewer"], "");
    assert_eq!(get.stdout.trim(), new);
}

#[test]
fn a_token_with_only_self_rotate_rotates_itself_and_text_output_says_so() {
    require_secret_service();
    let w = World::new();
    let old = w.token(&["read_api", "self_rotate"], 20);
    w.add("mr-tracker", "tracker", &old);
    let out = w.rotate("tracker", &["--yes"], "");
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert!(out.stdout.contains("Rotated "), "{out:?}");
    assert!(
        out.stdout.contains(&in_days(90)),
        "default lifetime: {out:?}"
    );
    let new = w.gitlab.rotated_to(&old).expect("rotated");
    assert_eq!(w.keychain("tracker").as_deref(), Some(new.as_str()));
    assert!(w.works(&new) && w.rejected(&old));
}

/// Kills `rotate` right after `step`; returns the world, the old secret and the first run.
fn killed_at(step: &str) -> (World, String) {
    let (w, old) = with_api_token();
    let host = w.host();
    let args = [
        "rotate",
        "--host",
        &host,
        "--name",
        "reviewer",
        "--yes",
        "--expires-in",
        "45",
    ];
    let out = w.run_aborting(&args, step);
    assert_eq!(out.code, None, "the hook did not abort at {step}: {out:?}");
    assert!(w.journal().exists(), "no journal after a kill at {step}");
    assert_eq!(w.rotate_calls(), 1);
    (w, old)
}

fn assert_finished_after_kill(step: &str) {
    let (w, old) = killed_at(step);
    let new = w.gitlab.rotated_to(&old).expect("GitLab rotated");
    assert_eq!(w.keychain("reviewer").as_deref(), Some(new.as_str()));

    let out = w.run(&["status", "--json"], "");
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert!(
        out.stderr.contains("Finished an interrupted rotation of"),
        "{out:?}"
    );
    let live = w.live(&new).expect("the stored token works");
    let entry = w.entry("reviewer");
    assert_eq!(entry.token_id, live.id);
    assert_eq!(entry.expires_at.as_deref(), Some(in_days(45).as_str()));
    assert!(!w.journal().exists());
    // Nothing left to finish: the next command says nothing, and rotate was never called again.
    let again = w.run(&["status"], "");
    assert!(!again.stderr.contains("interrupted"), "{again:?}");
    assert_eq!(w.rotate_calls(), 1);
    assert!(w.works(&new));
}

#[test]
fn killed_after_the_keychain_write_the_next_start_finishes_the_rotation() {
    assert_finished_after_kill("after-keychain");
}

#[test]
fn killed_after_verifying_the_next_start_finishes_the_rotation() {
    assert_finished_after_kill("after-verify");
}

#[test]
fn killed_right_after_gitlab_rotated_the_next_start_says_the_new_token_was_lost() {
    let (w, old) = killed_at("after-api");
    let new = w.gitlab.rotated_to(&old).expect("GitLab rotated");
    // The new value never reached the store: it still holds the old, revoked token.
    assert_eq!(w.keychain("reviewer").as_deref(), Some(old.as_str()));

    let out = w.run(
        &["rotate", "--host", &w.host(), "--name", "reviewer", "--yes"],
        "",
    );
    assert!(
        out.stderr.contains("GitLab revoked the old token")
            && out.stderr.contains("was lost")
            && out.stderr.contains("gitlab-token setup --replace"),
        "{out:?}"
    );
    // It then refuses to rotate a dead token and points to the guided path: the token is a
    // service account's, so its replacement is made on the service accounts page.
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    assert!(
        out.stdout
            .contains("/admin/application_settings/service_accounts"),
        "{out:?}"
    );
    assert!(!w.journal().exists());
    let entry = w.entry("reviewer");
    assert!(
        entry.expires_at.as_deref() < Some(in_days(0).as_str()),
        "not marked: {entry:?}"
    );
    // Never rotated again with the old token: GitLab's reuse detection did not fire.
    assert_eq!(w.rotate_calls(), 1);
    assert!(w.works(&new), "the lost token was revoked by a reuse");
}

#[test]
fn a_journal_that_cannot_be_checked_is_kept_for_the_next_command() {
    let (w, _old) = killed_at("after-keychain");
    w.gitlab.set_mode(support::Mode::ServerError);
    let out = w.run(&["status"], "");
    assert!(out.stderr.contains("could not be checked"), "{out:?}");
    assert!(
        w.journal().exists(),
        "dropped without knowing what happened"
    );
    w.gitlab.set_mode(support::Mode::Normal);
    let out = w.run(&["status"], "");
    assert!(
        out.stderr.contains("Finished an interrupted rotation"),
        "{out:?}"
    );
    assert!(!w.journal().exists());
}

#[test]
fn a_dropped_connection_after_gitlab_rotated_is_reported_and_never_retried() {
    let (w, old) = with_api_token();
    w.gitlab.drop_rotate_body();
    let out = w.rotate("reviewer", &["--yes"], "");
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    assert!(
        out.stderr.contains("the old token (id")
            && out.stderr.contains("revoked on the server")
            && out.stderr.contains("gitlab-token setup --replace"),
        "{out:?}"
    );
    assert_eq!(w.rotate_calls(), 1, "rotate was retried");
    let new = w.gitlab.rotated_to(&old).expect("GitLab rotated");
    assert!(w.works(&new), "a retry revoked the new token");
    assert!(w.rejected(&old));
    assert!(!w.journal().exists());
    let entry = w.entry("reviewer");
    assert!(entry.expires_at.as_deref() < Some(in_days(0).as_str()));
}

#[test]
fn more_than_365_days_is_refused_before_calling_gitlab() {
    let (w, old) = with_api_token();
    let out = w.rotate("reviewer", &["--yes", "--expires-in", "400"], "");
    assert_eq!(out.code, Some(USAGE), "{out:?}");
    assert!(out.stderr.contains("at most 365 days"), "{out:?}");
    assert_eq!(w.rotate_calls(), 0);
    assert_eq!(w.keychain("reviewer").as_deref(), Some(old.as_str()));
    assert!(w.works(&old));
}

#[test]
fn gitlabs_400_for_a_too_distant_expiry_changes_nothing_and_names_the_limit() {
    let (w, old) = with_api_token();
    w.gitlab.set_max_lifetime_days(30);
    let before = w.entry("reviewer");
    let out = w.rotate("reviewer", &["--yes", "--json", "--expires-in", "90"], "");
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    let report = one_report(&out);
    assert_eq!(report["ok"], false);
    assert_eq!(kinds(&report), ["expiry_rejected"]);
    let problem = &report["problems"][0];
    let message = problem["message"].as_str().unwrap();
    assert!(
        message.contains("Expiration date must be before"),
        "{report}"
    );
    assert!(message.contains("old token still works"), "{report}");
    assert!(problem["fix"].as_str().unwrap().contains("--expires-in 29"));
    assert_eq!(w.keychain("reviewer").as_deref(), Some(old.as_str()));
    assert!(w.works(&old));
    assert_eq!(w.entry("reviewer"), before);
    assert!(!w.journal().exists());
    // The limit it named works.
    let out = w.rotate("reviewer", &["--yes", "--expires-in", "29"], "");
    assert_eq!(out.code, Some(OK), "{out:?}");
}

/// A world with a stored repo-scanner token (no api, no self_rotate), with `scopes`.
fn with_read_only_token(scopes: &[&str]) -> (World, String) {
    require_secret_service();
    let w = World::new();
    let old = w.token(scopes, 10);
    w.add("repo-scanner", "scanner", &old);
    (w, old)
}

#[test]
fn a_token_that_cannot_rotate_itself_gets_the_guided_path_and_replace_swaps_it() {
    let (w, old) = with_read_only_token(&["read_api", "read_repository"]);
    let old_id = w.entry("scanner").token_id;
    let out = w.rotate("scanner", &[], "");
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    assert!(out.stderr.contains("cannot rotate itself"), "{out:?}");
    // The token belongs to a service account: its replacement is made on the service accounts
    // page (the personal token page would make one for the person signed in), named as before.
    let link = format!(
        "{}/admin/application_settings/service_accounts",
        w.gitlab.url()
    );
    assert!(out.stdout.contains(&link), "{out:?}");
    assert!(!out.stdout.contains("personal_access_tokens"), "{out:?}");
    assert!(
        out.stdout
            .contains("name it \"rotation test\" with the scopes read_api, read_repository"),
        "{out:?}"
    );
    let json = one_report(&w.rotate("scanner", &["--json"], ""));
    assert_eq!(json["path"], "guided");
    assert_eq!(kinds(&json), ["needs_guided_rotation"]);
    assert!(json["link"].as_str().unwrap().starts_with(&link));
    assert_eq!(w.rotate_calls(), 0);

    let new = w.token(&["read_api", "read_repository"], 90);
    let out = w.rotate(
        "scanner",
        &["--replace", "--revoke-old"],
        &format!("{new}\n"),
    );
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert!(out.stdout.contains("Replaced "), "{out:?}");
    assert!(out.stdout.contains("Revoked the old token"), "{out:?}");
    assert_eq!(w.keychain("scanner").as_deref(), Some(new.as_str()));
    let entry = w.entry("scanner");
    assert_eq!(entry.token_id, w.live(&new).expect("works").id);
    assert_ne!(entry.token_id, old_id);
    assert_eq!(entry.expires_at.as_deref(), Some(in_days(90).as_str()));
    assert!(w.rejected(&old), "the old token was not revoked");
    assert!(w.works(&new));
}

#[test]
fn a_replacement_missing_an_old_scope_is_refused_and_nothing_changes() {
    let (w, old) = with_read_only_token(&["read_api", "read_repository", "read_user"]);
    let before = w.entry("scanner");
    // Enough for the profile (read_api, read_repository), not for what the old token had.
    let narrower = w.token(&["read_api", "read_repository"], 90);
    let out = w.rotate(
        "scanner",
        &["--replace", "--revoke-old", "--json"],
        &format!("{narrower}\n"),
    );
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    let report = one_report(&out);
    assert_eq!(kinds(&report), ["scopes_not_covered"]);
    assert!(
        report["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("read_user")
    );
    assert_eq!(w.keychain("scanner").as_deref(), Some(old.as_str()));
    assert_eq!(w.entry("scanner"), before);
    assert!(w.works(&old), "the old token was revoked anyway");
}

#[test]
fn a_replacement_of_another_account_is_refused() {
    let (w, old) = with_read_only_token(&["read_api", "read_repository"]);
    let stranger = support::new_secret("other");
    let record = support::TokenRecord::new(
        &support::FakeUser::person(99, "someone-else"),
        &["read_api", "read_repository"],
    );
    w.gitlab.add_token(&stranger, record);
    w.home.watch(&stranger);
    let out = w.rotate("scanner", &["--replace"], &format!("{stranger}\n"));
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    assert!(out.stderr.contains("@someone-else"), "{out:?}");
    assert!(!out.stdout.contains(&stranger) && !out.stderr.contains(&stranger));
    assert_eq!(w.keychain("scanner").as_deref(), Some(old.as_str()));
}

#[test]
fn within_rotates_only_the_tokens_that_expire_soon() {
    require_secret_service();
    let w = World::new();
    let soon = w.token(&["read_api", "self_rotate"], 10);
    let later = w.token(&["read_api", "self_rotate"], 60);
    w.add("mr-tracker", "soon", &soon);
    w.add("mr-tracker", "later", &later);
    let out = w.run(&["rotate", "--within", "14", "--yes", "--json"], "");
    assert_eq!(out.code, Some(OK), "{out:?}");
    let report = one_report(&out);
    assert_eq!(report["account"], w.account("soon"));
    assert_eq!(report["ok"], true);
    let new = w.gitlab.rotated_to(&soon).expect("rotated");
    assert_eq!(w.keychain("soon").as_deref(), Some(new.as_str()));
    assert_eq!(w.keychain("later").as_deref(), Some(later.as_str()));
    assert!(w.works(&later) && w.gitlab.rotated_to(&later).is_none());
    assert_eq!(w.rotate_calls(), 1);
    // Nothing is due any more.
    let out = w.run(&["rotate", "--within", "14", "--yes", "--json"], "");
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert_eq!(out.json(), serde_json::json!([]));
    assert_eq!(w.rotate_calls(), 1);
}

#[test]
fn without_a_terminal_or_yes_nothing_is_rotated() {
    let (w, old) = with_api_token();
    let out = w.rotate("reviewer", &[], "");
    assert_eq!(out.code, Some(USAGE), "{out:?}");
    assert!(out.stderr.contains("--yes"), "{out:?}");
    assert_eq!(w.rotate_calls(), 0);
    assert!(w.works(&old));
}

#[test]
fn a_store_that_cannot_be_written_is_found_before_gitlab_rotates() {
    // The explicit file store, whose lock file cannot be created: reads work, writes fail.
    let w = World::new();
    let old = w.token(&API, 90);
    w.home.allow_secrets_in(&w.home.secrets_toml());
    let url = w.gitlab.url();
    let ca = w.ca();
    let args = [
        "add",
        "--host",
        &url,
        "--ca-file",
        &ca,
        "--profile",
        "mr-reviewer",
        "--name",
        "filed",
        "--store",
        "file",
    ];
    let out = w.run(&args, &format!("{old}\n"));
    assert_eq!(out.code, Some(OK), "{out:?}");
    let lock = w.home.secrets_toml().with_file_name("secrets.lock");
    let _ = std::fs::remove_file(&lock);
    std::fs::create_dir(&lock).expect("a directory where the lock file goes");
    let out = w.rotate("filed", &["--yes", "--json"], "");
    assert_eq!(out.code, Some(KEYCHAIN), "{out:?}");
    let report = one_report(&out);
    assert_eq!(kinds(&report), ["keychain_unavailable"]);
    assert!(
        report["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("NOT rotated")
    );
    assert_eq!(w.rotate_calls(), 0);
    assert!(w.works(&old));
    assert!(!w.journal().exists());
}

#[test]
fn a_second_rotate_while_one_runs_changes_nothing() {
    let (w, old) = with_api_token();
    let dir = w.home.path().join("config/gitlab-token");
    let lock = std::fs::File::create(dir.join("rotation.lock")).unwrap();
    lock.lock().unwrap();
    let out = w.rotate("reviewer", &["--yes"], "");
    assert_eq!(out.code, Some(FAILED), "{out:?}");
    assert!(
        out.stderr.contains("Another gitlab-token process"),
        "{out:?}"
    );
    assert_eq!(w.rotate_calls(), 0);
    assert!(w.works(&old));
}

#[tokio::test]
async fn the_library_recovery_the_wizard_calls_finishes_an_interrupted_rotation() {
    use gitlab_token::rotation::{Context, Resolution, recover};
    let (w, old) = tokio::task::spawn_blocking(|| killed_at("after-verify"))
        .await
        .unwrap();
    let ctx = Context {
        metadata_path: w.home.tokens_toml(),
        timeout: std::time::Duration::from_secs(5),
        keychain_timeout: std::time::Duration::from_secs(10),
    };
    let found = recover(&ctx).await.pop().expect("an interrupted rotation");
    assert_eq!(found.account, w.account("reviewer"));
    let new = w.gitlab.rotated_to(&old).expect("rotated");
    let id = w.gitlab.token(&new).expect("on the fake").id;
    assert!(
        matches!(&found.resolution, Resolution::Finished { id: got, .. } if *got == id),
        "{found:?}"
    );
    let message = gitlab_token::strings::rotation::recovered(&found);
    assert!(message.contains("Finished an interrupted rotation"));
    assert!(
        gitlab_token::strings::rotation::recovered_fix(&found).is_none() && !found.token_lost()
    );
    assert_eq!(w.entry("reviewer").token_id, id);
    assert!(recover(&ctx).await.is_empty(), "the journal is gone");
}

/// A person's token that cannot rotate itself is replaced on the token form of the instance's
/// version, learnt when the token was stored (`add` reads `/metadata`): the old page before
/// 18.9, the legacy form from 18.9 (gitlab::links::personal_token_form), in the text and in
/// `--json`'s `link`.
#[test]
fn the_replacement_link_is_the_form_of_the_instances_version() {
    require_secret_service();
    for (version, path) in [
        ((17, 11, 2), "personal_access_tokens?name="),
        ((18, 8, 0), "personal_access_tokens?name="),
        ((18, 9, 0), "personal_access_tokens/legacy/new?name="),
        ((19, 3, 1), "personal_access_tokens/legacy/new?name="),
    ] {
        let mut w = World::new();
        w.user = support::fake_gitlab::FakeUser::person(8, "dana");
        w.gitlab.set_knobs(|k| k.version = version);
        let old = w.token(&["read_api", "read_repository"], 10);
        w.add("repo-scanner", "scanner", &old);
        let v = format!("{}.{}.{}", version.0, version.1, version.2);
        let recorded = w.entry("scanner").gitlab_version.unwrap_or_default();
        assert!(recorded.starts_with(&v), "{v}: recorded {recorded}");
        let link = format!("{}/-/user_settings/{path}rotation+test", w.gitlab.url());
        let out = w.rotate("scanner", &[], "");
        assert!(out.stdout.contains(&link), "{v}: {out:?}");
        assert!(!out.stdout.contains("before 18.9"), "{v}: {out:?}");
        let json = one_report(&w.rotate("scanner", &["--json"], ""));
        assert!(
            json["link"].as_str().unwrap().starts_with(&link),
            "{v}: {json}"
        );
        assert!(json.get("link_before_18_9").is_none(), "{v}: {json}");
        assert_eq!(w.rotate_calls(), 0);
    }
}

/// A run log that is a symbolic link (to a file the user can write, or as root to any) is never
/// written through: the rotation still happens, the target is left as it was, and the run says
/// why it kept no log line.
#[test]
fn a_run_log_that_is_a_symbolic_link_is_never_written_through() {
    let (w, old) = with_api_token();
    let target = w.home.path().join("passwd");
    std::fs::write(&target, "root:x:0:0:root:/root:/bin/sh\n").unwrap();
    let log = w.home.path().join("config/gitlab-token/runs.jsonl");
    let _ = std::fs::remove_file(&log);
    std::os::unix::fs::symlink(&target, &log).unwrap();
    let out = w.rotate("reviewer", &["--yes", "--json"], "");
    assert_eq!(out.code, Some(OK), "{out:?}");
    assert!(w.gitlab.rotated_to(&old).is_some());
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "root:x:0:0:root:/root:/bin/sh\n"
    );
    assert!(
        std::fs::symlink_metadata(&log)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(out.stderr.contains("symbolic link"), "{out:?}");
}
