//! Issue 4, end to end: `add`, `status`, `get` and `forget` with the built binary against the
//! REAL Secret Service (gnome-keyring on tests/run.sh's private bus, cross-checked with
//! `secret-tool`), the kernel keyring (a fresh session keyring) and the explicit file store; what
//! happens with no Secret Service; concurrent `add`s. After every command, no file under the temp
//! home may contain a token (checked by `Home`).
//!
//! Run with `bash tests/run.sh -E 'binary(stored_tokens)'`. The Secret Service tests fail (never
//! skip) without run.sh's bus.
#![cfg(target_os = "linux")]

mod support;

use std::time::Duration;

use serde_json::Value;
use support::accounts::{
    self, BOT, BOT_ID, PROFILE, SCOPES, account, add, add_ok, deletes, host, problem_kinds, row,
    status_json, verified_at, verify,
};
use support::home::{DEAD_BUS, Home, eventually, unique_name};
use support::stores::{self, BareBus, require_secret_service, secret_tool_lookup};
use support::{FakeGitLab, Pki, TokenRecord, days_from_today};
use time::OffsetDateTime;

const CHECK_FAILED: i32 = 1;
const USAGE: i32 = 2;
const KEYCHAIN: i32 = 4;

#[test]
fn two_tokens_in_the_secret_service_status_get_and_secret_tool() {
    require_secret_service();
    let pki = Pki::new();
    let (one, two) = (
        FakeGitLab::start(&pki.valid()),
        FakeGitLab::start(&pki.valid()),
    );
    let home = Home::new();
    let (a, b) = (unique_name("scan-a"), unique_name("scan-b"));
    let secret_a = accounts::new_token(&home, &one, "scanner A");
    let secret_b = accounts::new_token(&home, &two, "scanner B");
    add_ok(&home, &one, &pki, &a, &secret_a, None);
    add_ok(&home, &two, &pki, &b, &secret_b, None);
    let (acc_a, acc_b) = (account(&a, &one), account(&b, &two));

    // Another client (libsecret) finds both under service gitlab-token, account NAME@HOST.
    assert_eq!(
        secret_tool_lookup(&acc_a).as_deref(),
        Some(secret_a.as_str())
    );
    assert_eq!(
        secret_tool_lookup(&acc_b).as_deref(),
        Some(secret_b.as_str())
    );

    let rows = status_json(&home, &[]);
    assert_eq!(rows.len(), 2, "{rows:?}");
    for (acc, name, gitlab, token_name) in [
        (&acc_a, &a, &one, "scanner A"),
        (&acc_b, &b, &two, "scanner B"),
    ] {
        let r = row(&rows, acc);
        assert_eq!(r["host"], host(gitlab), "{r}");
        assert_eq!(r["url"], gitlab.url(), "{r}");
        assert_eq!(r["name"], name.as_str(), "{r}");
        assert_eq!(r["profile"], PROFILE, "{r}");
        assert_eq!(r["username"], BOT, "{r}");
        assert_eq!(r["user_id"], BOT_ID, "{r}");
        assert_eq!(r["bot"], true, "{r}");
        assert_eq!(r["token_name"], token_name, "{r}");
        assert_eq!(r["scopes"], serde_json::json!(SCOPES), "{r}");
        assert_eq!(r["expires_at"], days_from_today(90), "{r}");
        assert_eq!(r["days_left"], 90, "{r}");
        assert_eq!(r["store"], "secret-service", "{r}");
        assert!(
            r["verified_at"].as_str().is_some_and(|s| !s.is_empty()),
            "{r}"
        );
        assert_eq!(
            r["verified_ok"],
            Value::Null,
            "not verified without --verify: {r}"
        );
    }

    // status reads only the metadata file: it works with no D-Bus session at all.
    let dead = [("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)];
    assert_eq!(status_json(&home, &dead), rows);
    let text = home.run_env(&["status"], "", &dead);
    assert_eq!(text.code, Some(0), "{text:?}");
    for needle in [&a, &b, &host(&one), &host(&two), "secret-service", BOT] {
        assert!(text.stdout.contains(needle), "{needle} missing: {text:?}");
    }

    // Two stored: `get` cannot choose, and says which ones there are.
    let out = home.run(&["get"], "");
    assert_eq!(out.code, Some(USAGE), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(
        out.stderr.contains(&acc_a) && out.stderr.contains(&acc_b),
        "{out:?}"
    );
    accounts::assert_no_secret_in_output(&out, &secret_a);
    accounts::assert_no_secret_in_output(&out, &secret_b);

    // --host and --name pick exactly one: the token and a newline, nothing else.
    let (host_a, host_b) = (host(&one), host(&two));
    let out = home.run(&["get", "--host", &host_a, "--name", &a], "");
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (Some(0), format!("{secret_a}\n").as_str())
    );
    assert!(out.stderr.is_empty(), "{out:?}");
    let out = home.run(&["get", "--host", &host_b, "--name", &b], "");
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (Some(0), format!("{secret_b}\n").as_str())
    );
    // The host as people type it (a URL) works too.
    let out = home.run(&["get", "--host", &two.url()], "");
    assert_eq!(out.stdout, format!("{secret_b}\n"), "{out:?}");

    // Reading a secret needs the keychain: with no D-Bus session, get and forget exit 4 with
    // the cause, and forget removes nothing.
    let out = home.run_env(&["get", "--name", &a], "", &dead);
    assert_eq!(out.code, Some(KEYCHAIN), "{out:?}");
    assert!(
        out.stdout.is_empty() && out.stderr.contains("No D-Bus session bus"),
        "{out:?}"
    );
    let out = home.run_env(&["forget", "--name", &a], "", &dead);
    assert_eq!(out.code, Some(KEYCHAIN), "{out:?}");
    assert_eq!(home.metadata().tokens.len(), 2);
    assert_eq!(
        secret_tool_lookup(&acc_a).as_deref(),
        Some(secret_a.as_str())
    );

    // Nothing matches: non-zero, nothing on stdout, a message on stderr.
    for args in [
        &["get", "--host", &host_a, "--name", "nobody"][..],
        &["get", "--host", "gitlab.invalid"][..],
    ] {
        let out = home.run(args, "");
        assert_eq!(out.code, Some(CHECK_FAILED), "{args:?}: {out:?}");
        assert!(out.stdout.is_empty(), "{out:?}");
        assert!(out.stderr.contains("no stored token matches"), "{out:?}");
    }
}

#[test]
fn one_stored_token_needs_no_flags_and_a_lost_secret_is_reported() {
    require_secret_service();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let name = unique_name("solo");
    let secret = accounts::new_token(&home, &gitlab, "solo");

    let out = home.run(&["get"], "");
    assert_eq!(out.code, Some(CHECK_FAILED), "nothing stored yet: {out:?}");
    assert!(out.stderr.contains("no token is stored"), "{out:?}");
    assert!(status_json(&home, &[]).is_empty());

    // Adding the same NAME@HOST again replaces the token: one entry, the new secret.
    let first = accounts::new_token(&home, &gitlab, "solo (old)");
    add_ok(&home, &gitlab, &pki, &name, &first, None);
    add_ok(&home, &gitlab, &pki, &name, &secret, None);
    let rows = status_json(&home, &[]);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["token_name"], "solo", "{rows:?}");
    let out = home.run(&["get"], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout, format!("{secret}\n"));
    assert!(out.stderr.is_empty(), "{out:?}");

    // The secret removed behind the program's back: get says so instead of printing nothing.
    let acc = account(&name, &gitlab);
    stores::secret_tool_clear(&acc);
    let out = home.run(&["get"], "");
    assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
    assert!(out.stdout.is_empty(), "{out:?}");
    assert!(
        out.stderr.contains(&acc) && out.stderr.contains("holds no token"),
        "{out:?}"
    );
}

#[test]
fn status_verify_revalidates_concurrently_and_reports_a_revoked_token() {
    require_secret_service();
    let pki = Pki::new();
    let (one, two) = (
        FakeGitLab::start(&pki.valid()),
        FakeGitLab::start(&pki.valid()),
    );
    let home = Home::new();
    let (a, b) = (unique_name("ver-a"), unique_name("ver-b"));
    let secret_a = accounts::new_token(&home, &one, "verify A");
    let secret_b = accounts::new_token(&home, &two, "verify B");
    add_ok(&home, &one, &pki, &a, &secret_a, None);
    add_ok(&home, &two, &pki, &b, &secret_b, None);
    let (acc_a, acc_b) = (account(&a, &one), account(&b, &two));
    let before_a = verified_at(&home, &acc_a);
    let before_b = verified_at(&home, &acc_b);

    // Slow answers make overlapping requests visible when the two checks run at once.
    let (seen_one, seen_two) = (one.requests().len(), two.requests().len());
    one.set_delay(Duration::from_millis(250));
    two.set_delay(Duration::from_millis(250));
    let started = OffsetDateTime::now_utc();
    let out = home.run(&["status", "--verify", "--json"], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    let rows = out.json().as_array().expect("array").clone();
    for acc in [&acc_a, &acc_b] {
        let r = row(&rows, acc);
        assert_eq!(r["verified_ok"], true, "{r}");
        assert_eq!(r["problems"], serde_json::json!([]), "{r}");
    }
    let (after_a, after_b) = (verified_at(&home, &acc_a), verified_at(&home, &acc_b));
    assert!(
        after_a > before_a && after_a >= started,
        "{before_a} -> {after_a}"
    );
    assert!(
        after_b > before_b && after_b >= started,
        "{before_b} -> {after_b}"
    );
    let (log_one, log_two) = (&one.requests()[seen_one..], &two.requests()[seen_two..]);
    assert!(
        !log_one.is_empty() && !log_two.is_empty(),
        "both were checked live"
    );
    let overlap = log_one.iter().any(|x| {
        log_two
            .iter()
            .any(|y| x.started < y.finished && y.started < x.finished)
    });
    assert!(overlap, "the two tokens were checked one after the other");
    one.set_delay(Duration::ZERO);
    two.set_delay(Duration::ZERO);

    // B is revoked on GitLab: --verify reports it for B only, exits 1, keeps B's verified_at.
    two.add_token(
        &secret_b,
        TokenRecord::new(&accounts::bot(), &SCOPES)
            .named("verify B")
            .revoked(),
    );
    let out = home.run(&["status", "--verify", "--json"], "");
    assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
    let rows = out.json().as_array().expect("array").clone();
    assert_eq!(row(&rows, &acc_a)["verified_ok"], true);
    let rb = row(&rows, &acc_b);
    assert_eq!(rb["verified_ok"], false, "{rb}");
    let problems = rb["problems"].as_array().expect("problems");
    assert!(
        problems
            .iter()
            .any(|p| p.as_str().is_some_and(|p| p.starts_with("token_revoked"))),
        "{rb}"
    );
    assert!(verified_at(&home, &acc_a) > after_a);
    assert_eq!(
        verified_at(&home, &acc_b),
        after_b,
        "a failed check is not 'verified'"
    );

    let out = home.run(&["status", "--verify"], "");
    assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
    assert!(out.stdout.contains("token_revoked"), "{out:?}");
}

#[test]
fn forget_revokes_on_request_and_removes_from_keychain_and_metadata() {
    require_secret_service();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let (gone, kept) = (unique_name("revoke"), unique_name("keep"));
    let secret_gone = accounts::new_token(&home, &gitlab, "to revoke");
    let secret_kept = accounts::new_token(&home, &gitlab, "to keep");
    add_ok(&home, &gitlab, &pki, &gone, &secret_gone, None);
    add_ok(&home, &gitlab, &pki, &kept, &secret_kept, None);
    let (acc_gone, acc_kept) = (account(&gone, &gitlab), account(&kept, &gitlab));
    let h = host(&gitlab);

    // GitLab fails the revocation: nothing is removed.
    gitlab.set_mode(support::Mode::ServerError);
    let out = home.run(&["forget", "--host", &h, "--name", &gone, "--revoke"], "");
    gitlab.set_mode(support::Mode::Normal);
    assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
    assert!(out.stderr.contains("NOT removed"), "{out:?}");
    assert_eq!(
        secret_tool_lookup(&acc_gone).as_deref(),
        Some(secret_gone.as_str())
    );
    assert!(home.metadata().find(&acc_gone).is_some());

    // --revoke: DELETE on GitLab (the token then answers 401), then gone from both places.
    let out = home.run(&["forget", "--host", &h, "--name", &gone, "--revoke"], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    accounts::assert_no_secret_in_output(&out, &secret_gone);
    assert_eq!(deletes(&gitlab), 2, "one failed and one real DELETE");
    assert!(gitlab.token(&secret_gone).expect("known").revoked);
    let report = verify(&home, &gitlab, &pki, &secret_gone);
    assert_eq!(report.code, Some(CHECK_FAILED), "{report:?}");
    assert_eq!(
        problem_kinds(&report.json()),
        ["token_revoked"],
        "{report:?}"
    );
    assert_eq!(secret_tool_lookup(&acc_gone), None);
    assert!(home.metadata().find(&acc_gone).is_none());
    assert!(
        !std::fs::read_to_string(home.tokens_toml())
            .unwrap()
            .contains(&gone)
    );

    // Without --revoke: removed here, still valid on GitLab.
    let out = home.run(&["forget", "--name", &kept], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(deletes(&gitlab), 2, "no DELETE without --revoke");
    assert!(!gitlab.token(&secret_kept).expect("known").revoked);
    let report = verify(&home, &gitlab, &pki, &secret_kept);
    assert_eq!(report.code, Some(0), "{report:?}");
    assert_eq!(secret_tool_lookup(&acc_kept), None);
    assert!(home.metadata().tokens.is_empty(), "{:?}", home.metadata());

    let out = home.run(&["get"], "");
    assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
    let out = home.run(&["forget", "--name", &kept], "");
    assert_eq!(out.code, Some(CHECK_FAILED), "forgetting twice: {out:?}");
}

#[test]
fn the_kernel_keyring_in_a_fresh_session_keyring() {
    // Every command below inherits this new, empty session keyring. No D-Bus at all: the
    // Secret Service cannot be what answers.
    stores::join_fresh_session_keyring();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new().with_env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS);
    let name = unique_name("kernel");
    let secret = accounts::new_token(&home, &gitlab, "kernel");
    let acc = account(&name, &gitlab);
    let description = stores::keyutils_description(&acc);
    assert!(!stores::proc_keys_lists(&description));

    add_ok(&home, &gitlab, &pki, &name, &secret, Some("keyutils"));
    assert!(
        stores::proc_keys_lists(&description),
        "no key {description} in /proc/keys"
    );
    let rows = status_json(&home, &[]);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(row(&rows, &acc)["store"], "keyutils");
    let text = home.run(&["status"], "");
    assert!(text.stdout.contains("keyutils"), "{text:?}");

    let out = home.run(&["get"], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout, format!("{secret}\n"));
    let out = home.run(&["get", "--host", &host(&gitlab), "--name", &name], "");
    assert_eq!(out.stdout, format!("{secret}\n"), "{out:?}");

    let out = home.run(&["forget"], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(out.stdout.contains("Linux kernel keyring"), "{out:?}");
    assert!(
        eventually(Duration::from_secs(5), || !stores::proc_keys_lists(
            &description
        )),
        "the key is still in the kernel keyring"
    );
    assert!(home.metadata().tokens.is_empty());
    assert!(!gitlab.token(&secret).expect("known").revoked);
}

#[test]
fn the_explicit_file_store_is_private_and_warned_about() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new().with_env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS);
    home.allow_secrets_in(&home.secrets_toml());
    let name = unique_name("plain");
    let secret = accounts::new_token(&home, &gitlab, "plain");
    let acc = account(&name, &gitlab);

    add_ok(&home, &gitlab, &pki, &name, &secret, Some("file"));
    let path = home.secrets_toml();
    let stored: toml::Table = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        stored.get(&acc).and_then(|v| v.as_str()),
        Some(secret.as_str())
    );
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} has mode {mode:o}", path.display());
    }
    assert_eq!(status_json(&home, &[])[0]["store"], "file");
    let text = home.run(&["status"], "");
    assert_eq!(text.code, Some(0), "{text:?}");
    assert!(
        text.stdout.contains("stored in a plain file (mode 0600)"),
        "{text:?}"
    );

    let out = home.run(&["get"], "");
    assert_eq!(out.stdout, format!("{secret}\n"), "{out:?}");
    let out = home.run(&["forget"], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    let left = std::fs::read_to_string(&path).unwrap();
    assert!(!left.contains(&secret) && !left.contains(&acc), "{left}");
    assert!(home.metadata().tokens.is_empty());
}

/// `add` with no usable Secret Service: exit 4, the cause and a fix, and no file written.
fn add_without_keychain(bus: &str, cause: &str, fix: &str) {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new().with_env("DBUS_SESSION_BUS_ADDRESS", bus);
    let secret = accounts::new_token(&home, &gitlab, "nowhere");
    let out = add(&home, &gitlab, &pki, &unique_name("nowhere"), &secret, None);
    assert_eq!(out.code, Some(KEYCHAIN), "{out:?}");
    assert!(out.stderr.contains(cause), "no `{cause}`: {out:?}");
    assert!(
        out.stderr.contains("fix: ") && out.stderr.contains(fix),
        "no fix: {out:?}"
    );
    assert!(out.stderr.contains("nothing was stored"), "{out:?}");
    accounts::assert_no_secret_in_output(&out, &secret);
    assert!(
        !gitlab.requests().is_empty(),
        "the token was validated first"
    );
    assert_eq!(
        home.files(),
        Vec::<std::path::PathBuf>::new(),
        "files were written"
    );
}

#[test]
fn no_session_bus_means_exit_4_and_nothing_written() {
    add_without_keychain(DEAD_BUS, "No D-Bus session bus", "dbus-run-session");
}

#[test]
fn a_bus_without_a_secret_service_means_exit_4_and_nothing_written() {
    let bus = BareBus::start();
    add_without_keychain(
        &bus.address,
        "The session bus has no Secret Service provider",
        "gnome-keyring",
    );
}

#[test]
fn concurrent_adds_keep_every_entry() {
    require_secret_service();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let mut stored = Vec::new();
    for round in 0..4 {
        let pair: Vec<(String, String)> = (0..2)
            .map(|i| {
                let name = unique_name(&format!("race{round}{i}"));
                (name, accounts::new_token(&home, &gitlab, "race"))
            })
            .collect();
        let args: Vec<Vec<String>> = pair
            .iter()
            .map(|(name, _)| accounts::add_args(&gitlab, &pki, name, None))
            .collect();
        let running: Vec<_> = args
            .iter()
            .zip(&pair)
            .map(|(args, (_, secret))| {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                home.spawn(&args, &format!("{secret}\n"))
            })
            .collect();
        for out in running.into_iter().map(|r| home.wait(r)) {
            assert_eq!(out.code, Some(0), "round {round}: {out:?}");
        }
        stored.extend(pair);
        let meta = home.metadata();
        assert_eq!(meta.tokens.len(), stored.len(), "round {round}: {meta:?}");
        for (name, secret) in &stored {
            let acc = account(name, &gitlab);
            assert!(
                meta.find(&acc).is_some(),
                "round {round}: {acc} lost: {meta:?}"
            );
            assert_eq!(secret_tool_lookup(&acc).as_deref(), Some(secret.as_str()));
        }
    }
    for (name, _) in &stored {
        let out = home.run(&["forget", "--name", name], "");
        assert_eq!(out.code, Some(0), "{out:?}");
    }
}
