//! The wizard's exit status says whether it did what was asked, end to end in tmux: 0 after
//! "Check my instance" passed, 1 when that check failed or the user quit with nothing done.
//!
//! Run with `bash tests/run.sh --test wizard_exit_e2e`.

mod e2e;
mod support;

use e2e::{Tmux, require_environment, session_env, sh_quote};
use support::{FakeGitLab, Pki};

const BIN: &str = env!("CARGO_BIN_EXE_gitlab-token");

/// Runs the wizard with `args`, picks "Check my instance", checks `url`, and returns the screen
/// after it exited (with `EXITED:<status>`).
fn check_my_instance(args: &str, url: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let script = format!(
        "{} {args} --timeout 5; echo EXITED:$?; echo END; exec sleep 600",
        sh_quote(BIN)
    );
    let mut tmux = Tmux::start(dir.path(), &work, &session_env(dir.path()), &script);
    tmux.wait_for("profile", "Check my instance");
    for _ in 0..4 {
        tmux.keys(&["Down"]);
    }
    tmux.keys(&["Enter"]);
    tmux.wait_for("host", "Address");
    tmux.type_text(url);
    tmux.keys(&["Enter"]);
    tmux.wait_for("checked", "Enter done");
    tmux.keys(&["Enter"]);
    tmux.wait_for("exited", "END");
    tmux.capture_all("after exit")
}

#[test]
fn check_my_instance_exits_0_when_the_check_passes() {
    require_environment();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let ca = sh_quote(pki.ca_file.to_str().expect("UTF-8 path"));
    let after = check_my_instance(&format!("--ca-file {ca}"), &gitlab.url());
    assert!(after.contains("Reachable over valid TLS"), "{after}");
    assert!(after.contains("EXITED:0"), "{after}");
}

#[test]
fn check_my_instance_exits_1_when_the_check_fails() {
    require_environment();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    // Without the private CA the certificate is not trusted.
    let after = check_my_instance("", &gitlab.url());
    assert!(after.contains("EXITED:1"), "{after}");
}

#[test]
fn quitting_with_nothing_done_exits_1() {
    require_environment();
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let script = format!(
        "{}; echo EXITED:$?; echo END; exec sleep 600",
        sh_quote(BIN)
    );
    let mut tmux = Tmux::start(dir.path(), &work, &session_env(dir.path()), &script);
    tmux.wait_for("profile", "Check my instance");
    tmux.keys(&["q"]);
    tmux.wait_for("exited", "END");
    let after = tmux.capture_all("after quit");
    assert!(after.contains("EXITED:1"), "{after}");
}
