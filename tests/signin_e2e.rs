//! Signing in with the browser end to end: the BUILT binary in a real terminal (tmux), against
//! the fake GitLab's OAuth provider over real TLS (approval on the second poll), storing into the
//! real Secret Service that tests/run.sh starts. Every screen is kept and checked: neither the
//! access nor the refresh token ever appears on one, nor in a file.
//!
//! Run with `bash tests/run.sh --test signin_e2e`.
#![cfg(target_os = "linux")]

mod e2e;
mod support;

use std::path::Path;

use e2e::{
    TARGET, Tmux, files_containing, require_environment, secret_tool_clear, session_env, sh_quote,
};
use gitlab_token::vault::SERVICE;
use support::stores::secret_tool_lookup;
use support::{FakeGitLab, Pki};

const BIN: &str = env!("CARGO_BIN_EXE_gitlab-token");
const APP: &str = "5e2f7c1a9b3d4e60";

/// Run after the program: the terminal's mode (`TTY:COOKED` or `TTY:RAW`), then `END`.
const AFTER: &str = r#"case " $(stty -a | tr '\n;' '  ') " in *" -icanon "*|*" -echo "*) echo TTY:RAW;; *) echo TTY:COOKED;; esac; echo END; exec sleep 600"#;

fn gitlab(pki: &Pki) -> FakeGitLab {
    let gitlab = FakeGitLab::start(&pki.valid());
    gitlab.oauth(|o| {
        o.add_app(APP, &["api", "read_api", "read_user", "read_repository"]);
        o.approve_on_poll = 2;
        o.interval = 1;
    });
    gitlab
}

/// Starts `BIN ARGS; echo EXITED:$?; AFTER` in tmux, resized to 80x24, in `dir/work`.
fn start(dir: &Path, args: &str) -> Tmux {
    let work = dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(dir.join("config")).unwrap();
    let script = format!("{} {args}; echo EXITED:$?; {AFTER}", sh_quote(BIN));
    let tmux = Tmux::start(dir, &work, &session_env(dir), &script);
    tmux.run(&["resize-window", "-t", TARGET, "-x", "80", "-y", "24"]);
    tmux
}

fn assert_restored(tmux: &mut Tmux, code: u8) -> String {
    tmux.wait_for("exited", "END");
    let after = tmux.capture_all("after exit");
    assert!(
        after.contains(&format!("EXITED:{code}")),
        "exit status {code}:\n{after}"
    );
    assert!(
        after.contains("TTY:COOKED"),
        "the terminal was left raw:\n{after}"
    );
    assert_eq!(
        tmux.pane("alternate_on"),
        "0",
        "the alternate screen was left on"
    );
    assert_eq!(tmux.pane("cursor_flag"), "1", "the cursor is hidden");
    after
}

/// Neither token of any grant the fake issued on any screen, in any file under `dir`.
fn assert_tokens_nowhere(tmux: &Tmux, gitlab: &FakeGitLab, dir: &Path) {
    let grants = gitlab.oauth(|o| o.grants.clone());
    assert!(!grants.is_empty(), "no grant was issued");
    for g in grants {
        for secret in [&g.access, &g.refresh] {
            tmux.assert_never_shown(secret);
            let found = files_containing(dir, secret);
            assert!(found.is_empty(), "a token is in {found:?}");
        }
    }
}

#[test]
fn login_draws_the_code_and_qr_at_80x24_then_stores_the_approved_pair() {
    require_environment();
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let dir = tempfile::tempdir().unwrap();
    let account = format!("e2e-login@localhost:{}", gitlab.port());
    let args = format!(
        "login --host {} --ca-file {} --oauth-app-id {APP} --name e2e-login --timeout 5",
        sh_quote(&gitlab.url()),
        sh_quote(pki.ca_file.to_str().unwrap())
    );
    let mut tmux = start(dir.path(), &args);

    let screen = tmux.wait_for("device screen", "The code expires in");
    let device = format!("{}/oauth/device", gitlab.url());
    assert!(
        screen.lines().any(|l| l.trim_end() == device),
        "the verification URL whole, on a row of its own, unindented:\n{screen}"
    );
    assert!(
        screen
            .lines()
            .any(|l| l.starts_with(&format!("{device}?user_code="))),
        "the complete URL:\n{screen}"
    );
    assert!(
        screen.contains('█') && screen.contains('▀'),
        "the code large and the QR code:\n{screen}"
    );
    assert!(
        !screen.contains("QR code hidden"),
        "the QR code fits 80x24:\n{screen}"
    );
    assert!(
        screen.contains("o open browser") && screen.contains("c copy link"),
        "{screen}"
    );
    // No display in tmux: `o` says so instead of starting a text browser in this terminal.
    tmux.keys(&["o"]);
    tmux.wait_for("no browser here", "Could not open a browser");

    let after = assert_restored(&mut tmux, 0);
    assert!(
        after.contains("e2e-login@"),
        "login names the account:\n{after}"
    );
    assert_eq!(gitlab.oauth(|o| o.polls), 2, "approved on the second poll");

    let sealed = secret_tool_lookup(&account).expect("the pair is in the keychain");
    let grant = gitlab.oauth(|o| o.grants.last().cloned()).unwrap();
    assert!(sealed.contains(&grant.access) && sealed.contains(&grant.refresh));
    secret_tool_clear(SERVICE, &account);
    assert_tokens_nowhere(&tmux, &gitlab, dir.path());
}

#[test]
fn login_quit_keys_end_cleanly_and_store_nothing() {
    require_environment();
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    gitlab.oauth(|o| o.approve_on_poll = 1000);
    for (keys, label) in [
        (&["q"][..], "q"),
        (&["Escape"][..], "Esc"),
        (&["C-c"][..], "Ctrl-C"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let name = "e2e-quit";
        let args = format!(
            "login --host {} --ca-file {} --oauth-app-id {APP} --name {name} --timeout 5",
            sh_quote(&gitlab.url()),
            sh_quote(pki.ca_file.to_str().unwrap())
        );
        let mut tmux = start(dir.path(), &args);
        tmux.wait_for(label, "The code expires in");
        tmux.keys(keys);
        let after = assert_restored(&mut tmux, 130);
        assert!(
            after.contains("nothing"),
            "{label}: says nothing was stored:\n{after}"
        );
        let account = format!("{name}@localhost:{}", gitlab.port());
        assert_eq!(
            secret_tool_lookup(&account),
            None,
            "{label}: something was stored"
        );
    }
}

#[test]
fn wizard_signs_in_with_the_browser_checks_and_saves() {
    require_environment();
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let dir = tempfile::tempdir().unwrap();
    let url = gitlab.url();
    let account = format!("repo-scanner@localhost:{}", gitlab.port());
    let args = format!(
        "--ca-file {} --oauth-app-id {APP} --timeout 5",
        sh_quote(pki.ca_file.to_str().unwrap())
    );
    let mut tmux = start(dir.path(), &args);

    tmux.wait_for("profile", "Read-only repository scanner");
    tmux.keys(&["Enter"]);
    tmux.wait_for("host", "Where does GitLab live?");
    tmux.type_text(&url);
    tmux.wait_for("host typed", &url);
    tmux.keys(&["Enter"]);
    tmux.wait_for("reachability", "Reachable over valid TLS");
    tmux.keys(&["Enter"]);
    tmux.wait_for("owner", "Who owns the token?");
    tmux.keys(&["Up"]);
    tmux.wait_until(
        "owner: browser",
        "\"Sign in with the browser\" selected",
        |s| {
            s.lines()
                .any(|l| l.contains('▸') && l.contains("Sign in with the browser"))
        },
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for("role", "Grant the role");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("device screen", "The code expires in");
    assert!(screen.contains("Sign in with the browser"), "{screen}");
    assert!(
        screen
            .lines()
            .any(|l| l.trim_end() == format!("{url}/oauth/device")),
        "{screen}"
    );
    let checked = tmux.wait_until("checked", "the live checks after approval", |s| {
        s.contains("All checks passed") || s.contains("does not work") || s.contains("✗")
    });
    assert!(checked.contains("All checks passed"), "{checked}");
    assert!(
        checked.contains("ada"),
        "the checks name the account:\n{checked}"
    );
    tmux.keys(&["Enter"]);
    let done = tmux.wait_until("done", "the Done screen", |s| {
        s.contains("step 10/10") || s.contains("r to retry")
    });
    assert!(
        done.contains("step 10/10") && done.contains(&account),
        "{done}"
    );
    tmux.keys(&["Enter"]);
    assert_restored(&mut tmux, 0);

    let metadata = std::fs::read_to_string(dir.path().join("config/gitlab-token/tokens.toml"))
        .expect("tokens.toml written");
    assert!(metadata.contains("kind = \"oauth\""), "{metadata}");
    assert!(
        metadata.contains(&format!("app_id = \"{APP}\"")),
        "{metadata}"
    );
    assert!(
        metadata.contains("username = \"ada\""),
        "the user is recorded:\n{metadata}"
    );
    let sealed = secret_tool_lookup(&account).expect("the pair is in the keychain");
    let grant = gitlab.oauth(|o| o.grants.last().cloned()).unwrap();
    assert!(sealed.contains(&grant.access) && sealed.contains(&grant.refresh));

    // `get` hands out the stored access token (no refresh needed: it is fresh).
    let get = format!(
        "{} get --host {} --name repo-scanner; echo GOT:$?",
        sh_quote(BIN),
        sh_quote(&format!("localhost:{}", gitlab.port()))
    );
    tmux.respawn(&dir.path().join("work"), &session_env(dir.path()), &get);
    // Read without keeping it as a screen capture: `get`'s output is the token, by design.
    let deadline = std::time::Instant::now() + e2e::WAIT;
    let printed = loop {
        let out = tmux.run(&["capture-pane", "-p", "-S", "-", "-t", TARGET]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        if text.contains("GOT:") || std::time::Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(printed.contains("GOT:0"), "get failed");
    assert!(
        printed.contains(&grant.access),
        "get prints the stored access token"
    );
    tmux.run(&["clear-history", "-t", TARGET]);
    secret_tool_clear(SERVICE, &account);
    assert_tokens_nowhere(&tmux, &gitlab, dir.path());
}
