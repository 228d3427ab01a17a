//! Guided rotation end to end: a stored token about to expire is replaced in the wizard, in a
//! real terminal (tmux), with a pasted replacement; the new token is swapped into the real Secret
//! Service and the old one is revoked on the fake GitLab at the end, after the swap.
//!
//! Run with `bash tests/run.sh --test rotation_e2e`.

mod e2e;
mod support;

use std::path::Path;
use std::process::{Command, Stdio};

use e2e::{Tmux, files_containing, require_environment, secret_tool_clear, session_env, sh_quote};
use gitlab_token::vault::SERVICE;
use support::stores::secret_tool_lookup;
use support::{FakeGitLab, FakeUser, Pki, TokenRecord, new_secret};

const BIN: &str = env!("CARGO_BIN_EXE_gitlab-token");

/// No screen showed a token, and no file under `dir` holds one.
fn assert_no_leak(tmux: &Tmux, dir: &Path, secrets: &[&str]) {
    for secret in secrets {
        tmux.assert_never_shown(secret);
        assert!(
            files_containing(dir, secret).is_empty(),
            "a file holds a token"
        );
    }
}

/// Stores `secret` the scriptable way: `gitlab-token add`, the token on standard input.
fn add(dir: &Path, url: &str, ca: &Path, secret: &str) {
    add_as(dir, url, ca, secret, "repo-scanner");
}

fn add_as(dir: &Path, url: &str, ca: &Path, secret: &str, profile: &str) {
    let mut child = Command::new(BIN)
        .args([
            "add",
            "--host",
            url,
            "--profile",
            profile,
            "--ca-file",
            ca.to_str().unwrap(),
        ])
        .envs(session_env(dir))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run gitlab-token add");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(secret.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "add: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_pasted_replacement_is_swapped_in_and_the_old_token_revoked_after() {
    require_environment();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let alice = FakeUser::person(4242, "alice");
    let old = new_secret("OLD");
    let new = new_secret("NEW");
    gitlab.add_token(
        &old,
        TokenRecord::new(&alice, &["read_api", "read_repository"]).expires_in(5),
    );
    let new_id = gitlab.add_token(
        &new,
        TokenRecord::new(&alice, &["read_api", "read_repository"]).expires_in(90),
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("work")).unwrap();
    let account = format!("repo-scanner@localhost:{}", gitlab.port());
    add(dir.path(), &gitlab.url(), &pki.ca_file, &old);
    assert_eq!(secret_tool_lookup(&account).as_deref(), Some(old.as_str()));

    let script = format!(
        "{} setup --replace {} --timeout 5; echo EXITED:$?; echo END; exec sleep 600",
        sh_quote(BIN),
        sh_quote(&account)
    );
    let mut tmux = Tmux::start(
        dir.path(),
        &dir.path().join("work"),
        &session_env(dir.path()),
        &script,
    );
    let generate = tmux.wait_for("generate", "stays in place until the new one is saved");
    assert!(
        generate.contains(&format!("Replacing {account}")),
        "{generate}"
    );
    assert!(
        generate.contains("/-/user_settings/personal_access_tokens?name="),
        "prefilled link:\n{generate}"
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for("paste", "Paste the token");
    tmux.paste(&old);
    tmux.wait_for("pasted the old one", &old[old.len() - 4..]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("refused", "That is the token being replaced");
    tmux.keys(&["C-u"]);
    tmux.paste(&new);
    tmux.wait_for("pasted", &new[new.len() - 4..]);
    tmux.keys(&["Enter"]);
    let checked = tmux.wait_until("validate", "the validation", |s| {
        s.contains("All checks passed") || s.contains("does not work")
    });
    assert!(checked.contains("All checks passed"), "{checked}");
    tmux.keys(&["Enter"]);
    let done = tmux.wait_for("done", "step 10/10");
    assert!(done.contains("Press r to revoke the old token"), "{done}");
    assert_eq!(
        secret_tool_lookup(&account).as_deref(),
        Some(new.as_str()),
        "swapped before any revoke"
    );
    assert!(
        !gitlab.token(&old).unwrap().revoked,
        "the old token still works until asked"
    );

    tmux.keys(&["r"]);
    let revoked = tmux.wait_until("revoke", "the revocation", |s| {
        s.contains("is revoked") || s.contains("failed")
    });
    assert!(revoked.contains("The old token is revoked"), "{revoked}");
    assert!(gitlab.token(&old).unwrap().revoked, "revoked on GitLab");
    assert!(!gitlab.token(&new).unwrap().revoked);
    tmux.keys(&["Enter"]);
    let after = tmux.wait_for("exited", "END");
    assert!(after.contains("EXITED:0"), "{after}");

    let metadata =
        std::fs::read_to_string(dir.path().join("config/gitlab-token/tokens.toml")).unwrap();
    assert!(
        metadata.contains(&format!("token_id = {new_id}")),
        "{metadata}"
    );
    assert_no_leak(&tmux, dir.path(), &[&old, &new]);
    secret_tool_clear(SERVICE, &account);
}

#[test]
fn a_token_that_can_rotate_itself_is_rotated_from_the_first_screen() {
    require_environment();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let alice = FakeUser::person(4242, "alice");
    let old = new_secret("SELF");
    gitlab.add_token(
        &old,
        TokenRecord::new(&alice, &["api", "read_api", "read_user"]).expires_in(3),
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("work")).unwrap();
    let account = format!("mr-reviewer@localhost:{}", gitlab.port());
    add_as(dir.path(), &gitlab.url(), &pki.ca_file, &old, "mr-reviewer");

    let script = format!(
        "{} --timeout 5; echo EXITED:$?; echo END; exec sleep 600",
        sh_quote(BIN)
    );
    let mut tmux = Tmux::start(
        dir.path(),
        &dir.path().join("work"),
        &session_env(dir.path()),
        &script,
    );
    let first = tmux.wait_for("first screen", "a rotate it");
    assert!(
        first.contains(&format!("{account} expires in 3 days")),
        "{first}"
    );
    tmux.keys(&["a"]);
    tmux.wait_for("asked first", "Rotate now?");
    tmux.keys(&["y"]);
    let rotated = tmux.wait_until("rotated", "the rotation", |s| {
        s.contains("Rotated ") || s.contains("Fix") || s.contains("not rotated")
    });
    assert!(rotated.contains(&format!("Rotated {account}")), "{rotated}");
    let new = gitlab.rotated_to(&old).expect("GitLab rotated the token");
    assert_eq!(
        secret_tool_lookup(&account).as_deref(),
        Some(new.as_str()),
        "the new value is in the keychain"
    );
    assert!(
        gitlab.token(&old).unwrap().revoked,
        "GitLab revoked the old one"
    );
    assert_eq!(gitlab.rotate_calls(), 1);
    tmux.keys(&["q"]);
    let after = tmux.wait_for("exited", "END");
    assert!(after.contains("EXITED:"), "{after}");
    let metadata =
        std::fs::read_to_string(dir.path().join("config/gitlab-token/tokens.toml")).unwrap();
    let expected = format!("expires_at = \"{}\"", support::days_from_today(90));
    assert!(
        metadata.contains(&expected),
        "the new expiry is recorded:\n{metadata}"
    );
    assert_no_leak(&tmux, dir.path(), &[&old, &new]);
    secret_tool_clear(SERVICE, &account);
}
