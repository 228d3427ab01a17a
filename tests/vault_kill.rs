//! Issue 9 items 5 and 8: `add`, `forget` and `rotate` killed at every step (the test hook
//! GITLAB_TOKEN_TEST_ABORT_AT) and at random moments (SIGKILL after a random delay, bounded loops)
//! leave the keychain and tokens.toml consistent once the next command has started: the value in
//! the keychain is the token tokens.toml describes, nothing is half done, no orphan secret, no
//! scratch entry, no temp file. The explicit file store's temp files are 0600 from the start and
//! are removed on the next start.
//!
//! Run with `bash tests/run.sh --test vault_kill` (the real Secret Service on a private bus).
#![cfg(target_os = "linux")]

mod support;

use std::time::Duration;

use support::FakeGitLab;
use support::Pki;
use support::accounts::{self, account, add_args, add_ok};
use support::home::{Home, unique_name};
use support::rotating::World;
use support::stores::{require_secret_service, secret_tool_lookup};
use support::vault::{assert_consistent, temp_files};

const ADD_STEPS: [&str; 4] = [
    "save-announced",
    "save-previous-kept",
    "save-keychain-written",
    "save-recorded",
];

struct Setup {
    pki: Pki,
    gitlab: FakeGitLab,
    home: Home,
}

fn setup() -> Setup {
    require_secret_service();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    Setup {
        pki,
        gitlab,
        home: Home::new(),
    }
}

/// `add NAME` with `secret`, killed by the hook at `step`.
fn add_killed(s: &Setup, name: &str, secret: &str, step: &str) {
    let args = add_args(&s.gitlab, &s.pki, name, None);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = s.home.run_env(
        &args,
        &format!("{secret}\n"),
        &[("GITLAB_TOKEN_TEST_ABORT_AT", step)],
    );
    assert_eq!(out.code, None, "the hook did not abort at {step}: {out:?}");
}

/// The next start: any command that touches stored tokens reconciles first.
fn next_start(home: &Home) -> String {
    let out = home.run(&["status", "--json"], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    out.stderr
}

#[test]
fn add_killed_at_every_step_is_undone_or_finished_on_the_next_start() {
    let s = setup();
    for step in ADD_STEPS {
        for replacing in [false, true] {
            let name = unique_name("kill");
            let acc = account(&name, &s.gitlab);
            let old = accounts::new_token(&s.home, &s.gitlab, "old");
            if replacing {
                add_ok(&s.home, &s.gitlab, &s.pki, &name, &old, None);
            }
            let new = accounts::new_token(&s.home, &s.gitlab, "new");
            add_killed(&s, &name, &new, step);
            let said = next_start(&s.home);
            let what = format!("{step}, replacing: {replacing}");
            assert_consistent(&s.home, &s.gitlab, std::slice::from_ref(&acc), &what);
            assert!(
                said.contains(&acc),
                "{what}: the repair was not reported: {said}"
            );
            // Before the new value reached the keychain the save is undone; after, it is kept.
            let reached = matches!(step, "save-keychain-written" | "save-recorded");
            let expected = match (reached, replacing) {
                (true, _) => Some(new.as_str()),
                (false, true) => Some(old.as_str()),
                (false, false) => None,
            };
            assert_eq!(secret_tool_lookup(&acc).as_deref(), expected, "{what}");
        }
    }
}

#[test]
fn forget_killed_at_every_step_is_finished_on_the_next_start() {
    let s = setup();
    for step in ["forget-announced", "forget-keychain-deleted"] {
        let name = unique_name("forget");
        let acc = account(&name, &s.gitlab);
        let secret = accounts::new_token(&s.home, &s.gitlab, "forget me");
        add_ok(&s.home, &s.gitlab, &s.pki, &name, &secret, None);
        let out = s.home.run_env(
            &["forget", "--name", &name],
            "",
            &[("GITLAB_TOKEN_TEST_ABORT_AT", step)],
        );
        assert_eq!(out.code, None, "the hook did not abort at {step}: {out:?}");
        next_start(&s.home);
        assert_consistent(&s.home, &s.gitlab, std::slice::from_ref(&acc), step);
        assert!(
            s.home.metadata().find(&acc).is_none(),
            "{step}: still listed"
        );
        assert_eq!(
            secret_tool_lookup(&acc),
            None,
            "{step}: still in the keychain"
        );
    }
}

/// A small deterministic generator (the seed is printed on failure).
struct Rng(u64);

impl Rng {
    fn seeded() -> Rng {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64);
        Rng(nanos | 1)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

#[test]
fn add_and_forget_killed_at_random_moments_stay_consistent() {
    let s = setup();
    let mut rng = Rng::seeded();
    let seed = rng.0;
    let name = unique_name("random");
    let acc = account(&name, &s.gitlab);
    for round in 0..12 {
        let secret = accounts::new_token(&s.home, &s.gitlab, &format!("random {round}"));
        let forget = round % 3 == 2;
        let delay = Duration::from_millis(rng.below(250));
        let running = if forget {
            s.home.spawn(&["forget", "--name", &name], "")
        } else {
            let args = add_args(&s.gitlab, &s.pki, &name, None);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            s.home.spawn(&args, &format!("{secret}\n"))
        };
        std::thread::sleep(delay);
        let _ = running.kill_now();
        next_start(&s.home);
        let what = format!("seed {seed}, round {round} (forget: {forget}, {delay:?})");
        assert_consistent(&s.home, &s.gitlab, std::slice::from_ref(&acc), &what);
    }
}

#[test]
fn rotate_killed_at_random_moments_stays_consistent() {
    require_secret_service();
    let w = World::new();
    let mut rng = Rng::seeded();
    let seed = rng.0;
    let old = w.token(&["api", "read_api", "read_user"], 90);
    w.add("mr-reviewer", "reviewer", &old);
    let acc = w.account("reviewer");
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
    for round in 0..8 {
        let delay = Duration::from_millis(rng.below(300));
        let running = w.home.spawn(&args, "");
        std::thread::sleep(delay);
        let _ = running.kill_now();
        // The next start finishes or repairs the rotation (it asks GitLab about the stored token).
        let out = w.home.run(&["status", "--json"], "");
        assert_eq!(out.code, Some(0), "{out:?}");
        w.all_secrets();
        let what = format!("seed {seed}, round {round} ({delay:?})");
        assert_consistent(&w.home, &w.gitlab, std::slice::from_ref(&acc), &what);
        if w.journal().exists() {
            panic!("{what}: the journal is left: {out:?}");
        }
        // A rotation that lost its new value leaves a dead token: store a working one again.
        let stored = secret_tool_lookup(&acc).expect("stored");
        if !w.works(&stored) {
            let fresh = w.token(&["api", "read_api", "read_user"], 90);
            w.add("mr-reviewer", "reviewer", &fresh);
        }
    }
}

#[test]
fn the_file_stores_temp_files_are_private_and_removed_on_the_next_start() {
    let s = setup();
    let name = unique_name("file");
    let old = accounts::new_token(&s.home, &s.gitlab, "file old");
    s.home.allow_secrets_in(&s.home.secrets_toml());
    add_ok(&s.home, &s.gitlab, &s.pki, &name, &old, Some("file"));
    // Killed while the file store's temp file holds plaintext (the previous value being kept).
    let new = accounts::new_token(&s.home, &s.gitlab, "file new");
    let args = add_args(&s.gitlab, &s.pki, &name, Some("file"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut command = s.home.command(env!("CARGO_BIN_EXE_gitlab-token"));
    command
        .args(&args)
        .env("GITLAB_TOKEN_TEST_ABORT_AT", "temp-written:secrets.toml");
    let out = support::bin::start(command, &format!("{new}\n"), "add aborting".into()).finish();
    assert_eq!(out.code, None, "{out:?}");
    let temps = temp_files(&s.home);
    assert_eq!(temps.len(), 1, "{temps:?}");
    let temp = s.home.path().join("config/gitlab-token").join(&temps[0]);
    assert!(temps[0].starts_with(".secrets.toml.tmp"), "{temps:?}");
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&temp).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the temp file was created readable by others");
    }
    // The next start removes it (it holds a token), and the save is undone.
    next_start(&s.home);
    assert!(temp_files(&s.home).is_empty(), "{:?}", temp_files(&s.home));
    s.home.assert_no_secret_in_files("the next start");
    let out = s.home.run(&["get", "--name", &name], "");
    assert_eq!(out.stdout.trim(), old, "{out:?}");
    // `forget` then leaves no plaintext anywhere.
    let out = s.home.run(&["forget", "--name", &name], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    let secrets = std::fs::read_to_string(s.home.secrets_toml()).unwrap_or_default();
    assert!(
        !secrets.contains(&old) && !secrets.contains(&new),
        "{secrets}"
    );
}
