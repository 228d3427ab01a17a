//! Never lose a credential to a key press or a signal, end to end: the BUILT binary in tmux
//! against the fake GitLab answering slowly, the real Secret Service from tests/run.sh. A quit key
//! or SIGTERM during `a`'s rotation waits until the new value is stored; `rotate --yes` sent
//! SIGTERM mid-call stores it too; every signal that ends the wizard leaves the terminal cooked;
//! Ctrl-C twice quits.
//!
//! Run with `bash tests/run.sh --test wizard_safety_e2e`.

mod e2e;
mod support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use e2e::{Tmux, files_containing, require_environment, secret_tool_clear, session_env, sh_quote};
use gitlab_token::vault::SERVICE;
use support::stores::secret_tool_lookup;
use support::{FakeGitLab, FakeUser, Pki, TokenRecord, new_secret};

const BIN: &str = env!("CARGO_BIN_EXE_gitlab-token");

/// After the program: `TTY:COOKED` or `TTY:RAW`, then `END`; the pane stays.
const AFTER: &str = r#"case " $(stty -a | tr '\n;' '  ') " in *" -icanon "*|*" -echo "*) echo TTY:RAW;; *) echo TTY:COOKED;; esac; echo END; exec sleep 600"#;

/// Stores `secret` with `gitlab-token add` (token on standard input) under `profile`.
fn add_as(dir: &Path, url: &str, ca: &Path, secret: &str, profile: &str) {
    let mut child = Command::new(BIN)
        .args(["add", "--host", url, "--profile", profile, "--ca-file"])
        .arg(ca)
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

/// A stored, self-rotating token (`api`) that expires in 3 days, on a GitLab that then answers
/// every request after `delay`.
struct Rotatable {
    /// Keeps the CA file alive.
    _pki: Pki,
    gitlab: FakeGitLab,
    dir: tempfile::TempDir,
    old: String,
    account: String,
}

fn rotatable(tag: &str, delay: Duration) -> Rotatable {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let alice = FakeUser::person(4242, "alice");
    let old = new_secret(tag);
    gitlab.add_token(
        &old,
        TokenRecord::new(&alice, &["api", "read_api", "read_user"]).expires_in(3),
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("work")).unwrap();
    let account = format!("mr-reviewer@localhost:{}", gitlab.port());
    add_as(dir.path(), &gitlab.url(), &pki.ca_file, &old, "mr-reviewer");
    gitlab.set_delay(delay);
    Rotatable {
        _pki: pki,
        gitlab,
        dir,
        old,
        account,
    }
}

impl Rotatable {
    /// After the rotation: the keychain holds GitLab's new token, which works; the old is revoked.
    fn assert_rotated_and_stored(&self) -> String {
        let new = self
            .gitlab
            .rotated_to(&self.old)
            .expect("GitLab rotated the token");
        assert_eq!(
            secret_tool_lookup(&self.account).as_deref(),
            Some(new.as_str()),
            "the new value is in the keychain"
        );
        let record = self.gitlab.token(&new).expect("GitLab knows the new token");
        assert!(!record.revoked, "the stored token works against GitLab");
        assert!(
            self.gitlab.token(&self.old).unwrap().revoked,
            "the old one is revoked"
        );
        assert_eq!(self.gitlab.rotate_calls(), 1);
        let metadata =
            std::fs::read_to_string(self.dir.path().join("config/gitlab-token/tokens.toml"))
                .unwrap();
        let expected = format!("expires_at = \"{}\"", support::days_from_today(90));
        assert!(metadata.contains(&expected), "recorded:\n{metadata}");
        new
    }

    fn start_wizard(&self) -> Tmux {
        let script = format!("{} --timeout 10; echo EXITED:$?; {AFTER}", sh_quote(BIN));
        Tmux::start(
            self.dir.path(),
            &self.dir.path().join("work"),
            &session_env(self.dir.path()),
            &script,
        )
    }

    /// `a`, `y`, and on until the rotate call is in flight on the slow GitLab.
    fn rotate_until_in_flight(&self, tmux: &mut Tmux) {
        tmux.wait_for("first screen", "a rotate it");
        tmux.keys(&["a"]);
        let asked = tmux.wait_for("asked", "Rotate now?");
        assert!(
            asked.contains("working at once, everywhere it is used"),
            "the rotate command's warning:\n{asked}"
        );
        assert_eq!(self.gitlab.rotate_started(), 0, "`a` alone rotates nothing");
        tmux.keys(&["y"]);
        let deadline = Instant::now() + e2e::WAIT;
        while self.gitlab.rotate_started() == 0 {
            assert!(Instant::now() < deadline, "the rotate call never came");
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(self.gitlab.rotate_calls(), 0, "still in flight");
        let screen = tmux.wait_for("rotating", "asking GitLab");
        assert!(
            screen.contains("q quits once"),
            "no plain quit offered:\n{screen}"
        );
    }

    fn finish(&self, tmux: &Tmux, new: &str) {
        tmux.assert_never_shown(&self.old);
        tmux.assert_never_shown(new);
        assert!(files_containing(self.dir.path(), &self.old).is_empty());
        assert!(files_containing(self.dir.path(), new).is_empty());
        secret_tool_clear(SERVICE, &self.account);
    }
}

/// The process id of `parent`'s only child (the binary under the pane's `sh`).
fn child_of(parent: u32) -> u32 {
    let deadline = Instant::now() + e2e::WAIT;
    loop {
        let children: Vec<u32> = std::fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
            .filter(|pid| {
                let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
                    return false;
                };
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
            Instant::now() < deadline,
            "children of {parent}: {children:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn kill(signal: &str, pid: u32) {
    let ok = Command::new("kill")
        .args([format!("-{signal}"), pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{signal} {pid}");
}

#[test]
fn q_during_a_slow_rotation_finishes_it_before_quitting() {
    require_environment();
    let r = rotatable("QROT", Duration::from_millis(1500));
    let mut tmux = r.start_wizard();
    r.rotate_until_in_flight(&mut tmux);
    tmux.keys(&["q"]);
    let waiting = tmux.wait_for("q pressed", "Quitting once the new value is stored");
    assert!(waiting.contains("finishing, then quitting"), "{waiting}");
    assert_eq!(tmux.pane("pane_dead"), "0");
    tmux.keys(&["C-c"]);
    tmux.keys(&["Escape"]);
    let after = tmux.wait_for("exited", "END");
    assert!(after.contains("TTY:COOKED"), "{after}");
    let new = r.assert_rotated_and_stored();
    r.finish(&tmux, &new);
}

#[test]
fn sigterm_twice_during_a_slow_rotation_finishes_it_before_exiting() {
    require_environment();
    let r = rotatable("TERMROT", Duration::from_millis(1500));
    let mut tmux = r.start_wizard();
    r.rotate_until_in_flight(&mut tmux);
    let wizard = child_of(tmux.pane("pane_pid").parse().unwrap());
    kill("TERM", wizard);
    tmux.wait_for("SIGTERM", "Quitting once the new value is stored");
    assert_eq!(tmux.pane("pane_dead"), "0");
    kill("TERM", wizard);
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        r.gitlab.rotate_calls() == 1 || tmux.capture("second SIGTERM").contains("Rotating"),
        "a second signal does not end it before the store"
    );
    let after = tmux.wait_for("exited", "END");
    assert!(after.contains("EXITED:143"), "{after}");
    assert!(after.contains("TTY:COOKED"), "{after}");
    let new = r.assert_rotated_and_stored();
    r.finish(&tmux, &new);
}

#[test]
fn rotate_yes_sent_sigterm_mid_call_stores_the_new_value_first() {
    require_environment();
    let r = rotatable("CLIROT", Duration::from_millis(1500));
    let child = Command::new(BIN)
        .args(["rotate", "--yes", "--timeout", "10", "--host"])
        .arg(r.gitlab.url())
        .args(["--name", "mr-reviewer"])
        .envs(session_env(r.dir.path()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run gitlab-token rotate");
    let deadline = Instant::now() + e2e::WAIT;
    while r.gitlab.rotate_started() == 0 {
        assert!(Instant::now() < deadline, "the rotate call never came");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(r.gitlab.rotate_calls(), 0, "in flight");
    kill("TERM", child.id());
    std::thread::sleep(Duration::from_millis(100));
    kill("INT", child.id());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "128 + SIGTERM: {stderr}");
    assert!(stderr.contains("finishing the rotation"), "{stderr}");
    let new = r.assert_rotated_and_stored();
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&new));
    assert!(!stderr.contains(&new));
    secret_tool_clear(SERVICE, &r.account);
}

#[test]
fn every_signal_that_ends_the_wizard_restores_the_terminal() {
    require_environment();
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let script = format!("{}; echo EXITED:$?; {AFTER}", sh_quote(BIN));
    let mut tmux = Tmux::start(dir.path(), &work, &session_env(dir.path()), &script);
    for (i, signal) in ["TERM", "INT", "HUP", "QUIT"].into_iter().enumerate() {
        if i > 0 {
            tmux.respawn(&work, &session_env(dir.path()), &script);
        }
        tmux.wait_for(signal, "What is the token for?");
        assert_eq!(tmux.pane("alternate_on"), "1");
        let wizard = child_of(tmux.pane("pane_pid").parse().unwrap());
        kill(signal, wizard);
        tmux.wait_for(&format!("after SIG{signal}"), "END");
        let after = tmux.capture_all(&format!("after SIG{signal}, whole pane"));
        assert!(
            after.contains("TTY:COOKED"),
            "SIG{signal} left it raw:\n{after}"
        );
        assert!(after.contains("EXITED:143"), "SIG{signal}:\n{after}");
        assert_eq!(
            tmux.pane("alternate_on"),
            "0",
            "SIG{signal}: alternate screen left"
        );
        assert_eq!(tmux.pane("cursor_flag"), "1", "SIG{signal}: cursor shown");
    }
}

#[test]
fn ctrl_c_twice_with_an_unsaved_token_quits() {
    require_environment();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let secret = new_secret("TWICE");
    gitlab.add_token(
        &secret,
        TokenRecord::new(
            &FakeUser::person(4242, "alice"),
            &["read_api", "read_repository"],
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let script = format!(
        "{} --profile repo-scanner --host {} --ca-file {} --timeout 5; echo EXITED:$?; {AFTER}",
        sh_quote(BIN),
        sh_quote(&gitlab.url()),
        sh_quote(pki.ca_file.to_str().unwrap())
    );
    let mut tmux = Tmux::start(dir.path(), &work, &session_env(dir.path()), &script);
    tmux.wait_for("reachable", "Reachable over valid TLS");
    tmux.keys(&["Enter"]);
    tmux.wait_for("owner", "Who owns the token?");
    tmux.keys(&["Down", "Enter"]);
    tmux.wait_for("role", "Grant the role");
    tmux.keys(&["Enter"]);
    tmux.wait_for("generate", "Create the token");
    tmux.keys(&["Enter"]);
    tmux.wait_for("paste", "Paste the token");
    tmux.paste(&secret);
    tmux.wait_for("pasted", &secret[secret.len() - 4..]);
    tmux.keys(&["C-c"]);
    tmux.wait_for("asked", "Quit anyway?");
    assert_eq!(tmux.pane("pane_dead"), "0");
    tmux.keys(&["C-c"]);
    let after = tmux.wait_for("exited", "END");
    assert!(after.contains("TTY:COOKED"), "{after}");
    assert!(after.contains("EXITED:"), "{after}");
    tmux.assert_never_shown(&secret);
}

/// Steps 1-6 with the keys a person presses (scanner profile, self-hosted URL, reachability, "My
/// own account", role, generate); ends on the paste screen.
fn walk_to_paste(tmux: &mut Tmux, url: &str) {
    tmux.wait_for("profile", "Read-only repository scanner");
    tmux.keys(&["Enter"]);
    tmux.wait_for("host", "Where does GitLab live?");
    tmux.type_text(url);
    tmux.wait_for("host typed", url);
    tmux.keys(&["Enter"]);
    tmux.wait_for("reachability", "Reachable over valid TLS");
    tmux.keys(&["Enter"]);
    tmux.wait_for("owner", "Who owns the token?");
    tmux.keys(&["Down"]);
    tmux.wait_until("my own account", "\"My own account\" selected", |s| {
        s.lines()
            .any(|l| l.contains('▸') && l.contains("My own account"))
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("role", "Grant the role");
    tmux.keys(&["Enter"]);
    tmux.wait_for("generate", "Create the token");
    tmux.keys(&["Enter"]);
    tmux.wait_for("paste", "Paste the token");
}

#[test]
fn a_stored_token_of_the_same_name_is_kept_when_another_name_is_chosen() {
    require_environment();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let scopes = ["read_api", "read_repository"];
    let bobs = new_secret("BOB");
    gitlab.add_token(
        &bobs,
        TokenRecord::new(&FakeUser::person(77, "bob"), &scopes).expires_in(12),
    );
    let alices = new_secret("ALICE");
    gitlab.add_token(
        &alices,
        TokenRecord::new(&FakeUser::person(4242, "alice"), &scopes),
    );
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let account = format!("repo-scanner@localhost:{}", gitlab.port());
    let renamed = format!("repo-scanner-2@localhost:{}", gitlab.port());
    add_as(
        dir.path(),
        &gitlab.url(),
        &pki.ca_file,
        &bobs,
        "repo-scanner",
    );

    let script = format!(
        "{} --ca-file {} --timeout 5; echo EXITED:$?; {AFTER}",
        sh_quote(BIN),
        sh_quote(pki.ca_file.to_str().unwrap())
    );
    let mut tmux = Tmux::start(dir.path(), &work, &session_env(dir.path()), &script);
    walk_to_paste(&mut tmux, &gitlab.url());
    let paste = tmux.wait_for("name taken", "already exists");
    assert!(
        paste.contains(&account) && paste.contains("bob's"),
        "{paste}"
    );
    tmux.paste(&alices);
    tmux.wait_for("pasted", &alices[alices.len() - 4..]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("validated", "All checks passed");
    tmux.keys(&["Enter"]);
    tmux.wait_for("asked", "Already stored");
    assert_eq!(secret_tool_lookup(&account).as_deref(), Some(bobs.as_str()));
    tmux.keys(&["n"]);
    tmux.wait_for("rename", "repo-scanner-2");
    tmux.keys(&["Enter"]);
    let done = tmux.wait_for("done", "step 10/10");
    assert!(done.contains(&renamed), "{done}");
    assert_eq!(
        secret_tool_lookup(&account).as_deref(),
        Some(bobs.as_str()),
        "bob's token is untouched"
    );
    assert_eq!(
        secret_tool_lookup(&renamed).as_deref(),
        Some(alices.as_str())
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for("exited", "END");
    tmux.assert_never_shown(&alices);
    tmux.assert_never_shown(&bobs);
    secret_tool_clear(SERVICE, &account);
    secret_tool_clear(SERVICE, &renamed);
}

#[test]
fn without_a_secret_service_the_first_screen_offers_the_file_and_the_token_is_saved_there() {
    require_environment();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let secret = new_secret("NOKEYCHAIN");
    gitlab.add_token(
        &secret,
        TokenRecord::new(
            &FakeUser::person(4242, "alice"),
            &["read_api", "read_repository"],
        ),
    );
    let bus = support::stores::BareBus::start();
    let dir = tempfile::tempdir().unwrap();
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    let mut env = session_env(dir.path());
    env.retain(|(k, _)| *k != "DBUS_SESSION_BUS_ADDRESS");
    env.push(("DBUS_SESSION_BUS_ADDRESS", bus.address.clone()));
    let script = format!(
        "{} --ca-file {} --timeout 5; echo EXITED:$?; {AFTER}",
        sh_quote(BIN),
        sh_quote(pki.ca_file.to_str().unwrap())
    );
    let mut tmux = Tmux::start(dir.path(), &work, &env, &script);
    let first = tmux.wait_for("first screen", "No usable keychain");
    assert!(first.contains("s save elsewhere"), "{first}");
    tmux.keys(&["s"]);
    tmux.wait_for("choices", "Save tokens where?");
    tmux.keys(&["Down", "Enter"]);
    tmux.wait_until("file chosen", "the notice to go", |s| {
        !s.contains("No usable keychain") && !s.contains("Save tokens where?")
    });
    walk_to_paste(&mut tmux, &gitlab.url());
    tmux.paste(&secret);
    tmux.wait_for("pasted", &secret[secret.len() - 4..]);
    tmux.keys(&["Enter"]);
    tmux.wait_for("validated", "All checks passed");
    tmux.keys(&["Enter"]);
    let done = tmux.wait_for("done", "step 10/10");
    assert!(done.contains("file"), "{done}");
    tmux.keys(&["Enter"]);
    let after = tmux.wait_for("exited", "END");
    assert!(after.contains("EXITED:0"), "{after}");
    let config = dir.path().join("config/gitlab-token");
    let metadata = std::fs::read_to_string(config.join("tokens.toml")).unwrap();
    assert!(metadata.contains("store = \"file\""), "{metadata}");
    let holding = files_containing(dir.path(), &secret);
    assert_eq!(holding.len(), 1, "only the chosen 0600 file: {holding:?}");
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&holding[0]).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    tmux.assert_never_shown(&secret);
}

#[test]
fn rotate_replace_sent_sigterm_mid_way_stores_the_replacement_and_revokes_the_old() {
    require_environment();
    let r = rotatable("REPLOLD", Duration::ZERO);
    let new = new_secret("REPLNEW");
    r.gitlab.add_token(
        &new,
        TokenRecord::new(
            &FakeUser::person(4242, "alice"),
            &["api", "read_api", "read_user"],
        )
        .expires_in(90),
    );
    r.gitlab.set_delay(Duration::from_millis(700));
    let before = r.gitlab.requests_started();
    let mut child = Command::new(BIN)
        .args([
            "rotate",
            "--replace",
            "--revoke-old",
            "--timeout",
            "10",
            "--host",
        ])
        .arg(r.gitlab.url())
        .args(["--name", "mr-reviewer"])
        .envs(session_env(r.dir.path()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run gitlab-token rotate --replace");
    use std::io::Write;
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(new.as_bytes()).unwrap();
    drop(stdin);
    let deadline = Instant::now() + e2e::WAIT;
    while r.gitlab.requests_started() == before {
        assert!(Instant::now() < deadline, "no request came");
        std::thread::sleep(Duration::from_millis(20));
    }
    kill("TERM", child.id());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(143), "{stderr}");
    assert!(stderr.contains("finishing"), "{stderr}");
    assert_eq!(
        secret_tool_lookup(&r.account).as_deref(),
        Some(new.as_str()),
        "the replacement is stored"
    );
    assert!(
        r.gitlab.token(&r.old).unwrap().revoked,
        "and the old one revoked"
    );
    secret_tool_clear(SERVICE, &r.account);
}
