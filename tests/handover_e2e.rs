//! The hand-over to the integration, end to end: the BUILT wizard in tmux (80x24) against the
//! fake GitLab, the real Secret Service. On the Done screen `c` copies the token once into a
//! tmux paste buffer of its own (never on screen), a countdown runs, and leaving (q, or Ctrl-C)
//! clears it: no tmux buffer holds the token afterwards.
//!
//! Run with `bash tests/run.sh --test handover_e2e`.

mod e2e;
mod support;

use e2e::{Tmux, require_environment, secret_tool_clear, session_env, sh_quote};
use gitlab_token::vault::SERVICE;
use support::{FakeGitLab, FakeUser, Pki, TokenRecord, new_secret};

const BIN: &str = env!("CARGO_BIN_EXE_gitlab-token");

/// Every tmux paste buffer: (name, content).
fn buffers(tmux: &Tmux) -> Vec<(String, String)> {
    let names = tmux.run(&["list-buffers", "-F", "#{buffer_name}"]);
    String::from_utf8_lossy(&names.stdout)
        .lines()
        .map(|name| {
            let shown = tmux.run(&["show-buffer", "-b", name]);
            (
                name.to_owned(),
                String::from_utf8_lossy(&shown.stdout).into_owned(),
            )
        })
        .collect()
}

/// The wizard through to its Done screen with a pasted, validated, saved token.
fn to_done(quit_key: &str) {
    require_environment();
    let pki = Pki::new();
    let secret = new_secret("HANDOVER");
    let gitlab = FakeGitLab::start(&pki.valid());
    let alice = FakeUser::person(4242, "alice");
    gitlab.add_token(
        &secret,
        TokenRecord::new(&alice, &["read_api", "read_repository"])
            .named("repo-scanner (gitlab-token)"),
    );
    let url = gitlab.url();
    let account = format!("repo-scanner@localhost:{}", gitlab.port());
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let script = format!(
        "{} --ca-file {} --timeout 5; echo EXITED:$?; echo END; exec sleep 600",
        sh_quote(BIN),
        sh_quote(pki.ca_file.to_str().expect("UTF-8 path"))
    );
    let mut tmux = Tmux::start(dir.path(), &work, &session_env(dir.path()), &script);

    tmux.wait_for("profile", "Read-only repository scanner");
    tmux.keys(&["Enter"]);
    tmux.wait_for("host", "Where does GitLab live?");
    tmux.type_text(&url);
    tmux.wait_for("host typed", &url);
    tmux.keys(&["Enter"]);
    tmux.wait_for("reachability", "Reachable over valid TLS");
    tmux.keys(&["Enter"]);
    tmux.wait_for("owner", "Who owns the token?");
    tmux.keys(&["Down"]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("role", "Grant the role");
    tmux.keys(&["Enter"]);
    tmux.wait_for("generate", "Create the token");
    tmux.keys(&["Enter"]);
    tmux.wait_for("paste", "Paste the token");
    tmux.paste(&secret);
    tmux.wait_for("pasted", &secret[secret.len() - 4..]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("validated", "All checks passed");
    tmux.keys(&["Enter"]);
    let done = tmux.wait_for("done", "c copy the token");
    assert!(done.contains("Connect GitLab"), "{done}");
    assert!(
        buffers(&tmux).iter().all(|(_, b)| !b.contains(&secret)),
        "no buffer holds it before c"
    );

    tmux.keys(&["c"]);
    let counting = tmux.wait_for("copied", "Cleared in");
    assert!(counting.contains("clipboard manager"), "{counting}");
    assert!(
        !counting.contains("c copy the token"),
        "copied once only:\n{counting}"
    );
    // tmux is asked off the wizard's loop: the buffer lands a moment after the screen says so.
    let holding = || -> Vec<(String, String)> {
        buffers(&tmux)
            .into_iter()
            .filter(|(_, b)| b == &secret)
            .collect()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut held = holding();
    while held.is_empty() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
        held = holding();
    }
    assert_eq!(held.len(), 1, "one buffer holds the token");
    assert!(held[0].0.starts_with("gitlab-token-"), "{held:?}");
    // The count goes down, a second at a time.
    let first = counting.clone();
    let later = tmux.wait_until("counting down", "the count to change", |s| {
        s.contains("Cleared in") && s != first
    });
    assert!(later.contains("Cleared in 4"), "{later}");

    tmux.keys(&[quit_key]);
    if quit_key == "C-c" {
        tmux.keys(&[quit_key]);
    }
    tmux.wait_for("exited", "END");
    let after = tmux.capture_all("after exit");
    secret_tool_clear(SERVICE, &account);
    assert!(after.contains("EXITED:0"), "{after}");
    let left = buffers(&tmux);
    assert!(
        left.iter()
            .all(|(n, b)| !b.contains(&secret) && !n.starts_with("gitlab-token-")),
        "a buffer still holds the token after leaving: {:?}",
        left.iter().map(|(n, _)| n).collect::<Vec<_>>()
    );
    tmux.assert_never_shown(&secret);
}

#[test]
fn the_token_is_copied_once_counted_down_and_cleared_on_quit() {
    to_done("q");
}

#[test]
fn ctrl_c_during_the_countdown_clears_it_too() {
    to_done("C-c");
}
