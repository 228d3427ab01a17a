//! Issue 9 item 5, the wizard's side: a `forget` killed half way is finished when the wizard
//! starts (the same reconciling as every command), and the first screen says so. The built
//! binary in tmux, against the real Secret Service from tests/run.sh.
//!
//! Run with `bash tests/run.sh --test vault_wizard_e2e`.
#![cfg(target_os = "linux")]

mod e2e;
mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use e2e::{Tmux, require_environment, session_env, sh_quote};
use support::stores::secret_tool_lookup;
use support::{FakeGitLab, FakeUser, Pki, TokenRecord, new_secret};

const BIN: &str = env!("CARGO_BIN_EXE_gitlab-token");

fn run(dir: &std::path::Path, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Option<i32> {
    let mut child = Command::new(BIN)
        .args(args)
        .envs(session_env(dir))
        .envs(env.iter().copied())
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start gitlab-token");
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait().expect("wait").code()
}

#[test]
fn the_wizard_finishes_a_killed_forget_and_says_so() {
    require_environment();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let secret = new_secret("wiz");
    let bot = FakeUser::service_account(7, "scanner-bot");
    gitlab.add_token(
        &secret,
        TokenRecord::new(&bot, &["read_api", "read_repository"]),
    );
    let dir = tempfile::tempdir().unwrap();
    let ca = pki.ca_file.to_str().unwrap();
    let name = format!("wiz-{}", std::process::id());
    let account = format!("{name}@{}", gitlab.url().trim_start_matches("https://"));
    let url = gitlab.url();
    let add = [
        "add",
        "--host",
        &url,
        "--ca-file",
        ca,
        "--profile",
        "repo-scanner",
        "--name",
        &name,
    ];
    assert_eq!(run(dir.path(), &add, &format!("{secret}\n"), &[]), Some(0));
    let killed = run(
        dir.path(),
        &["forget", "--name", &name],
        "",
        &[("GITLAB_TOKEN_TEST_ABORT_AT", "forget-announced")],
    );
    assert_eq!(killed, None, "the hook did not abort");
    let tokens = dir.path().join("config/gitlab-token/tokens.toml");
    assert!(
        std::fs::read_to_string(&tokens)
            .unwrap()
            .contains("[[pending]]")
    );

    let script = format!(
        "{} --ca-file {} --timeout 5; echo EXITED:$?; exec sleep 600",
        sh_quote(BIN),
        sh_quote(ca)
    );
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let mut tmux = Tmux::start(dir.path(), &work, &session_env(dir.path()), &script);
    tmux.wait_for("first screen", "finished forgetting");
    let text = std::fs::read_to_string(&tokens).unwrap();
    assert!(
        !text.contains("[[pending]]") && !text.contains(&account),
        "{text}"
    );
    assert_eq!(secret_tool_lookup(&account), None);
    tmux.assert_never_shown(&secret);
}
