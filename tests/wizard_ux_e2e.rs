//! What the user sees, end to end: the BUILT wizard in tmux against the fake GitLab over real
//! TLS and the real Secret Service. A link is copied with `c` (OSC 52 lands in tmux's buffer),
//! `g` on the Done screen configures git, and a summary stays on the terminal after exit.
//!
//! Run with `bash tests/run.sh --test wizard_ux_e2e`.

mod e2e;
mod support;

use std::path::Path;

use e2e::{Tmux, require_environment, secret_tool_clear, session_env, sh_quote};
use gitlab_token::vault::SERVICE;
use support::{FakeGitLab, FakeUser, Pki, TokenRecord, new_secret};

const BIN: &str = env!("CARGO_BIN_EXE_gitlab-token");

/// The wizard in tmux, then `EXITED:<status>` and `END`; git's global config is a file of the
/// test's own (`GIT_CONFIG_GLOBAL`), never the user's.
fn start_wizard(dir: &Path, ca_file: &Path) -> Tmux {
    let work = dir.join("work");
    let config = dir.join("config");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(&config).unwrap();
    let script = format!(
        "{} --ca-file {} --timeout 5; echo EXITED:$?; echo END; exec sleep 600",
        sh_quote(BIN),
        sh_quote(ca_file.to_str().expect("UTF-8 path"))
    );
    let mut env = session_env(dir);
    env.push((
        "GIT_CONFIG_GLOBAL",
        dir.join("gitconfig").display().to_string(),
    ));
    // OSC 8 on (tmux 3.3 drops the sequences): the link must still read right on screen.
    env.push(("GITLAB_TOKEN_HYPERLINKS", "1".into()));
    let tmux = Tmux::start(dir, &work, &env, &script);
    // Let applications set tmux's buffer through OSC 52 (the default only forwards it).
    tmux.run(&["set-option", "-s", "set-clipboard", "on"]);
    tmux
}

#[test]
fn copy_a_link_set_up_git_and_keep_a_summary_after_exit() {
    require_environment();
    let pki = Pki::new();
    let secret = new_secret("UXE2E");
    let gitlab = FakeGitLab::start(&pki.valid());
    let alice = FakeUser::person(4242, "alice");
    gitlab.add_token(
        &secret,
        TokenRecord::new(&alice, &["read_api", "read_repository"])
            .named("repo-scanner (gitlab-token)"),
    );
    let url = gitlab.url();
    let host = format!("localhost:{}", gitlab.port());
    let account = format!("repo-scanner@{host}");
    let dir = tempfile::tempdir().unwrap();
    let mut tmux = start_wizard(dir.path(), &pki.ca_file);

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
    tmux.wait_until("owner: me", "\"My own account\" selected", |s| {
        s.lines()
            .any(|l| l.contains('▸') && l.contains("My own account"))
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("role", "Grant the role");
    tmux.keys(&["Enter"]);
    let generate = tmux.wait_for("generate", "c copy link");

    // The link starts a row at the first column: selecting the rows gives it back whole.
    // The wizard cannot know the fake's version before a token exists: the 18.9+ form comes
    // first (gitlab::links::personal_token_form), the older page under it.
    let link_start = format!("{url}/-/user_settings/personal_access_tokens/legacy/new?");
    assert!(
        generate.lines().any(|l| l.starts_with(&link_start)),
        "the link does not start at the first column:\n{generate}"
    );
    tmux.keys(&["c"]);
    tmux.wait_for("copied", "clipboard");
    let buffer = tmux.run(&["show-buffer"]);
    let copied = String::from_utf8_lossy(&buffer.stdout).into_owned();
    assert!(
        copied.starts_with(&link_start) && copied.contains("scopes=read_api,read_repository"),
        "tmux's buffer after c: {copied:?}"
    );
    let rows: Vec<&str> = generate.lines().collect();
    let first = rows
        .iter()
        .position(|l| l.starts_with(&link_start))
        .unwrap();
    let joined: String = rows[first..]
        .iter()
        .take_while(|l| !l.trim().is_empty() && !l.starts_with(' '))
        .copied()
        .collect();
    assert_eq!(joined.trim_end(), copied, "the rows rejoin to the link");

    tmux.keys(&["Enter"]);
    tmux.wait_for("paste", "Paste the token");
    tmux.paste(&secret);
    tmux.wait_for("pasted", &secret[secret.len() - 4..]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("validated", "All checks passed");
    tmux.keys(&["Enter"]);
    let done = tmux.wait_for("done", "g set up git");
    assert!(done.contains(&account), "{done}");

    tmux.keys(&["g"]);
    let configured = tmux.wait_until("git set up", "git to be configured", |s| {
        s.contains("git now asks") || s.contains("failed")
    });
    assert!(
        configured.contains("git now asks gitlab-token for https://localhost"),
        "{configured}"
    );
    let gitconfig = std::fs::read_to_string(dir.path().join("gitconfig")).unwrap();
    assert!(
        gitconfig.contains(&format!("[credential \"https://{host}\"]"))
            && gitconfig.contains("git-credential --name 'repo-scanner'"),
        "{gitconfig}"
    );
    assert!(!gitconfig.contains(&secret));

    tmux.keys(&["Enter"]);
    tmux.wait_for("exited", "END");
    let after = tmux.capture_all("after exit");
    secret_tool_clear(SERVICE, &account);
    assert!(after.contains("EXITED:0"), "{after}");
    for needle in [
        format!("gitlab-token: saved {account}."),
        "In the Secret Service".to_owned(),
        format!("gitlab-token get --host {host} --name repo-scanner"),
        format!("gitlab-token rotate --host {host} --name repo-scanner"),
        format!("git uses it for https://{host}."),
    ] {
        assert!(
            after.contains(&needle),
            "missing {needle:?} after exit:\n{after}"
        );
    }
    tmux.assert_never_shown(&secret);
}

#[test]
fn quitting_leaves_a_line_saying_nothing_was_saved() {
    require_environment();
    let pki = Pki::new();
    let dir = tempfile::tempdir().unwrap();
    let mut tmux = start_wizard(dir.path(), &pki.ca_file);
    tmux.wait_for("profile", "Read-only repository scanner");
    tmux.keys(&["Enter"]);
    tmux.wait_for("host", "Where does GitLab live?");
    tmux.keys(&["C-c"]);
    tmux.wait_for("exited", "END");
    let after = tmux.capture_all("after quit");
    assert!(
        after.contains("gitlab-token: setup stopped at step 2/10, choosing the GitLab address.")
            && after.contains("Nothing was saved."),
        "{after}"
    );
    assert!(
        after.contains("Start again with: gitlab-token setup"),
        "{after}"
    );
}

#[test]
fn an_unknown_issuer_is_fixed_on_the_reachability_screen_with_a_ca_file() {
    require_environment();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let url = gitlab.url();
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    // No --ca-file: the private CA is unknown at first.
    let script = format!(
        "{} --host {} --profile repo-scanner --timeout 5; echo EXITED:$?; echo END; exec sleep 600",
        sh_quote(BIN),
        sh_quote(&url)
    );
    let mut tmux = Tmux::start(dir.path(), &work, &session_env(dir.path()), &script);
    let failed = tmux.wait_for("unknown issuer", "f use a CA file");
    assert!(failed.contains("does not trust"), "{failed}");
    tmux.keys(&["f"]);
    tmux.wait_for("prompt", "CA file (PEM):");
    // A file that is not a certificate: the check says so, and f is offered again.
    let bogus = dir.path().join("not-a-cert.pem");
    std::fs::write(&bogus, "hello\n").unwrap();
    tmux.paste(bogus.to_str().unwrap());
    tmux.wait_for("bogus typed", "not-a-cert.pem");
    tmux.keys(&["Enter"]);
    let bad = tmux.wait_for("bad CA file", "holds no PEM certificate");
    assert!(bad.contains("f use a CA file"), "{bad}");
    tmux.keys(&["f"]);
    tmux.wait_for("prompt again", "CA file (PEM):");
    tmux.keys(&["C-u"]);
    tmux.paste(pki.ca_file.to_str().unwrap());
    tmux.keys(&["Enter"]);
    let ok = tmux.wait_for("trusted", "Reachable over valid TLS");
    assert!(ok.contains("Trusting the CA file"), "{ok}");
    assert!(ok.contains("Enter next"), "{ok}");
    tmux.keys(&["q"]);
    tmux.wait_for("exited", "END");
}
