//! The wizard end to end, as a person uses it: the BUILT binary in a real terminal (tmux, 100x30),
//! against the fake GitLab over real TLS (a private CA passed with `--ca-file`), saving into the
//! real Secret Service that tests/run.sh starts. Every screen is captured and kept, so the tests
//! can check the token never appeared on any of them.
//!
//! Run with `bash tests/run.sh --test wizard_e2e`.

mod e2e;
mod support;

use std::path::Path;

use e2e::{Tmux, files_containing, require_environment, secret_tool_clear, session_env, sh_quote};
use gitlab_token::vault::SERVICE;
use support::stores::secret_tool_lookup;
use support::{FakeGitLab, FakeUser, Pki, TokenRecord, new_secret};

const BIN: &str = env!("CARGO_BIN_EXE_gitlab-token");

/// A fake GitLab on localhost that knows `secret`: alice's token with the scanner's scopes.
fn gitlab_with_token(pki: &Pki, secret: &str) -> FakeGitLab {
    let gitlab = FakeGitLab::start(&pki.valid());
    let alice = FakeUser::person(4242, "alice");
    gitlab.add_token(
        secret,
        TokenRecord::new(&alice, &["read_api", "read_repository"])
            .named("repo-scanner (gitlab-token)"),
    );
    gitlab
}

/// Starts the wizard in tmux: `sh -c 'BIN --ca-file CA --timeout 5; echo EXITED:$?; AFTER'`, in
/// `dir/work` (no git remote there) with `XDG_CONFIG_HOME=dir/config` and tests/run.sh's bus.
fn start_wizard(dir: &Path, ca_file: &Path) -> Tmux {
    let work = dir.join("work");
    let config = dir.join("config");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&config).unwrap();
    let script = format!(
        "{} --ca-file {} --timeout 5; echo EXITED:$?; {AFTER}",
        sh_quote(BIN),
        sh_quote(ca_file.to_str().expect("UTF-8 path"))
    );
    Tmux::start(dir, &work, &session_env(dir), &script)
}

/// Run after the wizard: prints `TTY:COOKED` when the terminal is back in its normal (canonical,
/// echoing) mode and `TTY:RAW` when the program left it raw, then `END`, and keeps the pane alive
/// (tmux hides the cursor of a dead pane, so the cursor is checked while this sleeps).
const AFTER: &str = r#"case " $(stty -a | tr '\n;' '  ') " in *" -icanon "*|*" -echo "*) echo TTY:RAW;; *) echo TTY:COOKED;; esac; echo END; exec sleep 600"#;

/// Steps 1-6 with the keys a person presses: scanner profile, self-hosted URL, reachability,
/// "My own account", role, generate; ends on the paste screen.
fn walk_to_paste(tmux: &mut Tmux, url: &str) {
    tmux.wait_for("profile", "Read-only repository scanner");
    tmux.keys(&["Enter"]);
    tmux.wait_for("host", "Where does GitLab live?");
    tmux.type_text(url);
    tmux.wait_for("host typed", url);
    tmux.keys(&["Enter"]);
    let reach = tmux.wait_until("reachability", "the reachability check to finish", |s| {
        s.contains("Reachable over valid TLS") || s.contains("Fix:")
    });
    assert!(
        reach.contains("Reachable over valid TLS, and it answers like GitLab."),
        "reachability failed:\n{reach}"
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for("owner", "Who owns the token?");
    tmux.keys(&["Down"]);
    tmux.wait_until(
        "owner: my own account",
        "\"My own account\" selected",
        |s| {
            s.lines()
                .any(|l| l.contains('▸') && l.contains("My own account"))
        },
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for("role", "Grant the role");
    tmux.keys(&["Enter"]);
    // Wait for the whole screen (a capture can land in the middle of a redraw), then check it.
    let generate = tmux.wait_until("generate", "the scopes to create", |s| {
        s.contains("Create the token") && s.contains("copy it.") && s.contains("+/- expiry")
    });
    assert!(
        generate.contains("read_api, read_repository"),
        "the scopes to create:\n{generate}"
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for("paste", "Paste the token");
}

#[test]
fn wizard_saves_a_verified_token_in_the_keychain_and_never_shows_it() {
    require_environment();
    let pki = Pki::new();
    let secret = new_secret("E2E");
    let gitlab = gitlab_with_token(&pki, &secret);
    let url = gitlab.url();
    let account = format!("repo-scanner@localhost:{}", gitlab.port());
    let dir = tempfile::tempdir().unwrap();
    let mut tmux = start_wizard(dir.path(), &pki.ca_file);

    walk_to_paste(&mut tmux, &url);
    tmux.paste(&secret);
    let tail = &secret[secret.len() - 4..];
    let pasted = tmux.wait_for("pasted", tail);
    assert!(
        pasted.contains(&format!("({} characters)", secret.len())),
        "the masked token:\n{pasted}"
    );
    tmux.keys(&["Enter"]);
    let checked = tmux.wait_until("validate", "the validation to finish", |s| {
        s.contains("All checks passed") || s.contains("does not work")
    });
    assert!(
        checked.contains("All checks passed"),
        "validation failed:\n{checked}"
    );
    assert!(
        checked.contains("alice"),
        "the validation names the account:\n{checked}"
    );
    tmux.keys(&["Enter"]);
    let done = tmux.wait_until("done", "the Done screen", |s| {
        s.contains("step 10/10") || s.contains("r to retry")
    });
    assert!(done.contains("step 10/10"), "saving failed:\n{done}");
    assert!(
        done.contains(&account),
        "the Done screen names the account:\n{done}"
    );
    tmux.keys(&["Enter"]);

    tmux.wait_for("exited", "END");
    let after = tmux.capture_all("after exit");
    assert!(
        after.contains("EXITED:0"),
        "the wizard exits with 0 after saving:\n{after}"
    );
    assert!(
        after.contains("TTY:COOKED"),
        "the terminal left raw mode:\n{after}"
    );
    assert_eq!(
        tmux.pane("alternate_on"),
        "0",
        "the terminal left the alternate screen"
    );
    assert_eq!(tmux.pane("cursor_flag"), "1", "the cursor is visible again");

    // The keychain holds it, as another client (libsecret) sees it.
    let stored = secret_tool_lookup(&account);
    assert_eq!(
        stored.as_deref(),
        Some(secret.as_str()),
        "secret-tool lookup service {SERVICE} username {account}"
    );

    // `verify` with a terminal on stdin reads the stored token back from the keychain and passes.
    let verify = format!(
        "{} verify --host {} --profile repo-scanner --ca-file {} --timeout 5; echo VERIFIED:$?",
        sh_quote(BIN),
        sh_quote(&url),
        sh_quote(pki.ca_file.to_str().unwrap())
    );
    tmux.respawn(&dir.path().join("work"), &session_env(dir.path()), &verify);
    tmux.wait_for("verify the stored token", "VERIFIED:");
    let verified = tmux.capture_all("verify output");
    secret_tool_clear(SERVICE, &account);
    assert!(
        verified.contains("VERIFIED:0"),
        "verify of the stored token:\n{verified}"
    );
    assert!(
        verified.contains("Scope read_repository: present"),
        "{verified}"
    );

    // The metadata file has the facts and not the secret.
    let metadata_path = dir.path().join("config/gitlab-token/tokens.toml");
    let metadata = std::fs::read_to_string(&metadata_path).expect("tokens.toml written");
    assert!(
        metadata.contains(&format!("account = \"{account}\"")),
        "{metadata}"
    );
    assert!(
        metadata.contains(&format!("host = \"localhost:{}\"", gitlab.port())),
        "{metadata}"
    );
    assert!(metadata.contains("username = \"alice\""), "{metadata}");
    assert!(
        metadata.contains("profile = \"repo-scanner\""),
        "{metadata}"
    );
    assert!(
        !metadata.contains(&secret),
        "tokens.toml holds the token:\n{metadata}"
    );

    // Nowhere on screen, nowhere on disk.
    tmux.assert_never_shown(&secret);
    assert_eq!(
        files_containing(dir.path(), &secret),
        Vec::<std::path::PathBuf>::new()
    );
    if let Some(run_dir) = std::env::var_os("GITLAB_TOKEN_TEST_DIR") {
        // tests/run.sh's XDG dirs, where gnome-keyring keeps its (encrypted) keyring.
        assert_eq!(
            files_containing(Path::new(&run_dir), &secret),
            Vec::<std::path::PathBuf>::new()
        );
    }

    // It really asked GitLab, with the token.
    let requests = gitlab.requests();
    assert!(
        requests
            .iter()
            .any(|r| r.path.starts_with("/api/v4/personal_access_tokens/self") && r.authorized),
        "{requests:?}"
    );
}

/// The process id of `parent`'s only child (the binary under the pane's `sh`).
fn child_of(parent: u32) -> u32 {
    let deadline = std::time::Instant::now() + e2e::WAIT;
    loop {
        let children: Vec<u32> = std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                    return false;
                };
                // "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
                let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
                rest.split_whitespace()
                    .nth(1)
                    .and_then(|p| p.parse::<u32>().ok())
                    == Some(parent)
            })
            .collect();
        if let [only] = children.as_slice() {
            return *only;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "children of {parent}: {children:?}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn ctrl_c_with_an_unsaved_token_asks_first_and_sigterm_restores_the_terminal() {
    require_environment();
    let pki = Pki::new();
    let secret = new_secret("QUIT");
    let gitlab = gitlab_with_token(&pki, &secret);
    let account = format!("repo-scanner@localhost:{}", gitlab.port());
    let dir = tempfile::tempdir().unwrap();
    let mut tmux = start_wizard(dir.path(), &pki.ca_file);

    walk_to_paste(&mut tmux, &gitlab.url());
    tmux.paste(&secret);
    tmux.wait_for("pasted", &secret[secret.len() - 4..]);
    assert_eq!(
        tmux.pane("alternate_on"),
        "1",
        "the wizard runs on the alternate screen"
    );

    tmux.keys(&["C-c"]);
    tmux.wait_for("quit confirmation", "Quit anyway? (y / n)");
    tmux.keys(&["n"]);
    let stayed = tmux.wait_until("stayed", "the confirmation to go away", |s| {
        !s.contains("Quit anyway?")
    });
    assert!(
        stayed.contains("Paste the token"),
        "still on the paste screen:\n{stayed}"
    );
    assert!(
        stayed.contains(&secret[secret.len() - 4..]),
        "the pasted token is kept:\n{stayed}"
    );
    assert_eq!(tmux.pane("pane_dead"), "0", "`n` does not quit");

    let sh: u32 = tmux.pane("pane_pid").parse().unwrap();
    let wizard = child_of(sh);
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &wizard.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());

    tmux.wait_for("after SIGTERM", "END");
    let after = tmux.capture_all("after SIGTERM, whole pane");
    assert!(
        after.contains("EXITED:143"),
        "the wizard exits with 143 on SIGTERM:\n{after}"
    );
    assert!(
        after.contains("TTY:COOKED"),
        "the terminal left raw mode:\n{after}"
    );
    assert_eq!(tmux.pane("cursor_flag"), "1", "the cursor is visible again");
    assert_eq!(
        tmux.pane("alternate_on"),
        "0",
        "the terminal left the alternate screen:\n{after}"
    );
    assert!(
        !after.contains("Paste the token"),
        "the wizard's screen is gone (normal screen back):\n{after}"
    );

    // Nothing was saved, and the token never showed.
    assert_eq!(secret_tool_lookup(&account), None);
    assert!(!dir.path().join("config/gitlab-token/tokens.toml").exists());
    tmux.assert_never_shown(&secret);
    assert_eq!(
        files_containing(dir.path(), &secret),
        Vec::<std::path::PathBuf>::new()
    );
}
