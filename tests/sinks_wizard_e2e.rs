//! The wizard's rotation delivers to the token's sinks too, and says so when one fails: a real
//! terminal (tmux), the real Secret Service, the fake GitLab; then `rotate` delivers the pending
//! sink.
//!
//! Run with `bash tests/run.sh --test sinks_wizard_e2e`.

mod e2e;
mod support;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use e2e::{Tmux, require_environment, secret_tool_clear, session_env, sh_quote};
use gitlab_token::vault::SERVICE;
use support::stores::secret_tool_lookup;
use support::{FakeGitLab, FakeUser, Pki, TokenRecord, new_secret};

const BIN: &str = env!("CARGO_BIN_EXE_gitlab-token");

fn run(dir: &Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(BIN)
        .args(args)
        .envs(session_env(dir))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run gitlab-token");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn one_line(screen: &str) -> String {
    screen
        .split(|c: char| c.is_whitespace() || c == '│')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_sink_that_fails_after_the_wizards_rotation_is_shown_and_delivered_by_the_next_rotate() {
    require_environment();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let alice = FakeUser::person(4243, "alice");
    let old = new_secret("SINK");
    gitlab.add_token(
        &old,
        TokenRecord::new(&alice, &["api", "read_api", "read_user"]).expires_in(3),
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("work")).unwrap();
    let out = run(
        dir.path(),
        &[
            "add",
            "--host",
            &gitlab.url(),
            "--profile",
            "mr-reviewer",
            "--ca-file",
            pki.ca_file.to_str().unwrap(),
        ],
        &old,
    );
    assert!(out.status.success(), "{out:?}");
    let account = format!("mr-reviewer@localhost:{}", gitlab.port());

    // The sink script lives outside the config dir; it fails until `ready` exists.
    let outside = tempfile::tempdir().unwrap();
    let d = outside.path().display().to_string();
    let script = outside.path().join("push.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nread -r t\n[ -e '{d}/ready' ] || {{ echo 'vault sealed' >&2; exit 7; }}\n\
             printf '%s' \"$t\" > '{d}/received'\n"
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = run(
        dir.path(),
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
    assert!(out.status.success(), "{out:?}");

    let line = format!(
        "{} --timeout 5; echo EXITED:$?; echo END; exec sleep 600",
        sh_quote(BIN)
    );
    let mut tmux = Tmux::start(
        dir.path(),
        &dir.path().join("work"),
        &session_env(dir.path()),
        &line,
    );
    tmux.wait_for("first screen", "a rotate it");
    tmux.keys(&["a"]);
    tmux.wait_for("asked first", "Rotate now?");
    tmux.keys(&["y"]);
    let shown = tmux.wait_until("rotated", "the rotation and its sink", |s| {
        one_line(s).contains("did not get it") || s.contains("not rotated")
    });
    let shown = one_line(&shown);
    assert!(shown.contains(&format!("Rotated {account}")), "{shown}");
    assert!(shown.contains("exit code 7"), "{shown}");
    let new = gitlab.rotated_to(&old).expect("GitLab rotated the token");
    assert_eq!(secret_tool_lookup(&account).as_deref(), Some(new.as_str()));
    tmux.assert_never_shown(&new);
    tmux.assert_never_shown(&old);
    tmux.keys(&["q"]);
    tmux.wait_for("exited", "END");

    std::fs::write(outside.path().join("ready"), "").unwrap();
    let out = run(dir.path(), &["rotate", "--within", "0", "--yes"], "");
    assert!(out.status.success(), "{out:?}");
    let received = std::fs::read_to_string(outside.path().join("received")).unwrap();
    assert_eq!(received, new, "the next rotate delivered the pending sink");
    assert_eq!(gitlab.rotate_calls(), 1);
    secret_tool_clear(SERVICE, &account);
}
