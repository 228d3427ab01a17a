//! "Create it for me" end to end: the BUILT wizard in a real terminal (tmux, 80x24) authorized by
//! the browser device flow against the fake GitLab over real TLS (a group Owner), storing into
//! the real Secret Service that tests/run.sh starts. The service account, its membership and its
//! token are made on the fake; the stored token works; the owner's sign-in is revoked at the end
//! and is in no file, keychain entry or screen; `q` and SIGTERM during the creation wait for it.
//!
//! Run with `bash tests/run.sh --test create_e2e`.
#![cfg(target_os = "linux")]

mod e2e;
mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use e2e::{TARGET, Tmux, files_containing, require_environment, session_env, sh_quote};
use support::fake_provision::AccountKind;
use support::provisioning::keychain_dump;
use support::stores::secret_tool_lookup;
use support::{FakeGitLab, Pki};

const BIN: &str = env!("CARGO_BIN_EXE_gitlab-token");
const APP: &str = "5a9d0c3e1b7f2468";
/// The fake OAuth provider's user: Owner of `acme`.
const OWNER_ID: u64 = 7;
const PROJECT: &str = "acme/tools/scanner";

const AFTER: &str = r#"case " $(stty -a | tr '\n;' '  ') " in *" -icanon "*|*" -echo "*) echo TTY:RAW;; *) echo TTY:COOKED;; esac; echo END; exec sleep 600"#;

/// Self-managed EE 18.6 Premium where Owners may create service accounts; the sign-in's user is
/// Owner of `acme`, which holds the project.
fn gitlab(pki: &Pki) -> FakeGitLab {
    let gitlab = FakeGitLab::start(&pki.valid());
    gitlab.add_group("acme/tools");
    gitlab.group_member("acme", OWNER_ID, 50);
    gitlab.project_member(PROJECT, 8, 40);
    gitlab.set_knobs(|k| k.owners_may_create = true);
    gitlab.oauth(|o| {
        o.add_app(APP, &["api", "read_api", "read_user", "read_repository"]);
        o.approve_on_poll = 2;
    });
    gitlab
}

/// How the run is authorized.
#[derive(Clone, Copy)]
enum How<'a> {
    Browser,
    /// The saved sign-in of this keychain account.
    Saved(&'a str),
    /// A token of one's own, pasted.
    Paste(&'a str),
}

struct Run {
    dir: tempfile::TempDir,
    tmux: Tmux,
    name: String,
    account: String,
}

/// The wizard at 80x24, through "Create it for me" up to the plan screen.
fn to_plan(gitlab: &FakeGitLab, pki: &Pki, tag: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let name = support::home::unique_name(tag);
    to_plan_in(gitlab, pki, dir, name, How::Browser)
}

/// The same, in `dir` (its config dir) for the keychain name `name`.
fn to_plan_in(
    gitlab: &FakeGitLab,
    pki: &Pki,
    dir: tempfile::TempDir,
    name: String,
    how: How<'_>,
) -> Run {
    let work = dir.path().join("work");
    std::fs::create_dir_all(&work).unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    let account = format!("{name}@localhost:{}", gitlab.port());
    let script = format!(
        "{} --ca-file {} --oauth-app-id {APP} --name {name} --timeout 5; echo EXITED:$?; {AFTER}",
        sh_quote(BIN),
        sh_quote(pki.ca_file.to_str().unwrap()),
    );
    let mut env = session_env(dir.path());
    env.push(("GITLAB_TOKEN_TEST_OAUTH_INTERVAL_MS", "50".into()));
    // A tmux server of its own per run (a second run in the same dir must not meet the first's
    // socket while that server is still going away).
    let socket = dir.path().join(support::home::unique_name("tmux"));
    std::fs::create_dir_all(&socket).unwrap();
    let mut tmux = Tmux::start(&socket, &work, &env, &script);
    tmux.run(&["resize-window", "-t", TARGET, "-x", "80", "-y", "24"]);

    let url = gitlab.url();
    tmux.wait_for("profile", "Read-only repository scanner");
    tmux.keys(&["Enter"]);
    tmux.wait_for("host", "Where does GitLab live?");
    tmux.type_text(&url);
    tmux.wait_for("host typed", &url);
    tmux.keys(&["Enter"]);
    tmux.wait_for("reachability", "Reachable over valid TLS");
    tmux.keys(&["Enter"]);
    tmux.wait_for("owner", "Who owns the token?");
    tmux.keys(&["Right"]);
    tmux.wait_for("create for me", "◉ Create it for me");
    tmux.type_text(PROJECT);
    tmux.wait_for("target typed", PROJECT);
    tmux.keys(&["Enter"]);
    let authorize = tmux.wait_for("authorize", "Create it for me 1/4");
    assert!(authorize.contains("never saved"), "{authorize}");
    match how {
        How::Browser => tmux.keys(&["Enter"]),
        How::Saved(saved) => {
            // The saved sign-in is the third way: use it.
            assert!(
                authorize.contains(&format!("Use my saved browser sign-in {saved}")),
                "{authorize}"
            );
            tmux.keys(&["Down", "Down"]);
            tmux.wait_until("saved chosen", "the saved sign-in selected", |s| {
                s.lines().any(|l| l.contains('▸') && l.contains(saved))
            });
            tmux.keys(&["Enter"]);
        }
        How::Paste(secret) => {
            tmux.keys(&["Down", "Enter"]);
            tmux.wait_for("paste field", "Your token:");
            tmux.paste(secret);
            tmux.wait_for("pasted, masked", "characters)");
            tmux.keys(&["Enter"]);
        }
    }
    let plan = tmux.wait_until("plan", "the plan after approval", |s| {
        s.contains("Will create")
            || s.contains("Will reuse")
            || s.contains("Nothing can be")
            || s.contains("Could not")
    });
    // A first run creates; a run after one that made the account reuses it (issue 21.11).
    assert!(
        plan.contains("Will create: Group service account")
            || plan.contains("Will reuse: Group service account"),
        "{plan}"
    );
    assert!(plan.contains("Authorized as @"), "{plan}");
    assert!(plan.contains("self_rotate"), "{plan}");
    assert!(plan.contains(&account), "{plan}");
    Run {
        dir,
        tmux,
        name,
        account,
    }
}

fn assert_exit(tmux: &mut Tmux, code: u8) -> String {
    tmux.wait_for("exited", "END");
    let after = tmux.capture_all("after exit");
    assert!(
        after.contains(&format!("EXITED:{code}")),
        "exit {code}:\n{after}"
    );
    assert!(after.contains("TTY:COOKED"), "terminal left raw:\n{after}");
    after
}

/// One group service account made, member of the project as Reporter, whose one active token is
/// the stored one; the owner's sign-in revoked and nowhere.
fn assert_created(gitlab: &FakeGitLab, run: &Run) {
    let accounts = gitlab.accounts();
    assert_eq!(accounts.len(), 1, "{accounts:?}");
    assert_eq!(accounts[0].kind, AccountKind::Group("acme".into()));
    let sa = accounts[0].id;
    assert_eq!(gitlab.direct_level(true, PROJECT, sa), Some(20));
    let active: Vec<String> = gitlab
        .secrets_of(sa)
        .into_iter()
        .filter(|(_, r)| r.active && !r.revoked)
        .map(|(s, _)| s)
        .collect();
    assert_eq!(active.len(), 1, "one working token");
    let stored = secret_tool_lookup(&run.account).expect("the new token is in the keychain");
    assert_eq!(stored, active[0], "the stored token is the working one");
    let metadata =
        std::fs::read_to_string(run.dir.path().join("config/gitlab-token/tokens.toml")).unwrap();
    assert!(
        metadata.contains("[tokens.provisioned]") || metadata.contains("provisioned"),
        "{metadata}"
    );
    assert_owner_gone(gitlab, run);
    e2e::secret_tool_clear(gitlab_token::vault::SERVICE, &run.account);
}

/// Every sign-in the fake issued is revoked, and neither of its tokens is on a screen, in a file
/// or in the keychain.
fn assert_owner_gone(gitlab: &FakeGitLab, run: &Run) {
    let grants = gitlab.oauth(|o| o.grants.clone());
    assert!(!grants.is_empty());
    let dump = keychain_dump();
    for g in grants {
        assert!(g.revoked, "the owner's sign-in was revoked at the end");
        for secret in [&g.access, &g.refresh] {
            run.tmux.assert_never_shown(secret);
            let found = files_containing(run.dir.path(), secret);
            assert!(found.is_empty(), "the owner's token is in {found:?}");
            assert!(
                !dump.contains(secret.as_str()),
                "the owner's token is in the keychain"
            );
        }
    }
}

#[test]
fn create_for_me_by_browser_sign_in_makes_stores_and_revokes_and_a_rerun_makes_nothing() {
    require_environment();
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let mut run = to_plan(&gitlab, &pki, "ce");
    run.tmux.keys(&["Enter"]);
    let done = run.tmux.wait_until("done", "the Done screen", |s| {
        s.contains("4/4") && (s.contains("revoked") || s.contains("Could not revoke"))
    });
    assert!(done.contains("Created and stored."), "{done}");
    assert!(done.contains("Group service account"), "{done}");
    assert!(done.contains(&run.account), "{done}");
    assert!(done.contains("Your browser sign-in was revoked"), "{done}");
    run.tmux.keys(&["Enter"]);
    let after = assert_exit(&mut run.tmux, 0);
    assert!(after.contains("created and stored"), "{after}");
    assert!(after.contains(&format!("--name {}", run.name)), "{after}");
    let stored = secret_tool_lookup(&run.account);
    assert!(stored.is_some(), "stored");
    assert_owner_gone(&gitlab, &run);

    // Again, in the same config dir: nothing new is made, the stored token is kept.
    let Run {
        dir, tmux, name, ..
    } = run;
    drop(tmux);
    let mut again = to_plan_in(&gitlab, &pki, dir, name, How::Browser);
    let plan = again.tmux.capture("plan again");
    assert!(plan.contains("holds the token made here"), "{plan}");
    assert!(plan.contains("Will reuse: Group service account"), "{plan}");
    assert!(!plan.contains("Will create"), "{plan}");
    assert!(
        !plan.contains("Replace it"),
        "its own token: no question: {plan}"
    );
    again.tmux.keys(&["Enter"]);
    let done = again.tmux.wait_until("done again", "the Done screen", |s| {
        s.contains("4/4") && (s.contains("revoked") || s.contains("Could not revoke"))
    });
    assert!(done.contains("nothing new was created"), "{done}");
    assert!(done.contains("reused"), "{done}");
    again.tmux.keys(&["Enter"]);
    let after = assert_exit(&mut again.tmux, 0);
    assert!(after.contains("nothing new was created; kept"), "{after}");
    assert_eq!(
        secret_tool_lookup(&again.account),
        stored,
        "the same token is kept"
    );
    assert_created(&gitlab, &again);
}

/// The wizard process inside the pane's shell.
fn wizard_pid(tmux: &Tmux) -> u32 {
    let parent: u32 = tmux.pane("pane_pid").parse().unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
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

fn quit_during_creation(how: &str) {
    require_environment();
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let mut run = to_plan(&gitlab, &pki, how);
    // Every answer slow from now on: the creation is caught in flight.
    gitlab.set_delay(Duration::from_millis(700));
    let pid = wizard_pid(&run.tmux);
    run.tmux.keys(&["Enter"]);
    run.tmux.wait_for("creating", "Create it for me 3/4");
    match how {
        "q" => run.tmux.keys(&["q"]),
        _ => {
            let ok = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .unwrap()
                .success();
            assert!(ok);
        }
    }
    let waiting = run
        .tmux
        .wait_for("quit waits", "Finishing the creation first");
    assert!(waiting.contains("finishing, then quitting"), "{waiting}");
    assert_eq!(run.tmux.pane("pane_dead"), "0");
    // A second try to leave waits too.
    match how {
        "q" => run.tmux.keys(&["C-c"]),
        _ => {
            let _ = Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status();
        }
    }
    let code = if how == "q" { 0 } else { 143 };
    let after = assert_exit(&mut run.tmux, code);
    assert!(after.contains("created and stored"), "{after}");
    assert!(after.contains("sign-in was revoked"), "{after}");
    gitlab.set_delay(Duration::ZERO);
    assert_created(&gitlab, &run);
}

#[test]
fn q_during_the_creation_waits_until_it_is_stored() {
    quit_during_creation("q");
}

#[test]
fn sigterm_during_the_creation_waits_until_it_is_stored() {
    quit_during_creation("term");
}

#[test]
fn a_saved_browser_sign_in_authorizes_and_stays_saved() {
    require_environment();
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    // The person signed in earlier with `login` (scope api): that sign-in is kept in the keychain.
    let me = support::home::unique_name("me");
    let login = Command::new(BIN)
        .args([
            "login",
            "--host",
            &gitlab.url(),
            "--ca-file",
            pki.ca_file.to_str().unwrap(),
            "--oauth-app-id",
            APP,
            "--scopes",
            "api",
            "--name",
            &me,
            "--timeout",
            "5",
        ])
        .envs(session_env(dir.path()))
        .env("GITLAB_TOKEN_TEST_OAUTH_INTERVAL_MS", "50")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(login.status.success(), "{login:?}");
    let mine = format!("{me}@localhost:{}", gitlab.port());
    let sealed = secret_tool_lookup(&mine).expect("the sign-in is stored");

    let name = support::home::unique_name("sv");
    let mut run = to_plan_in(&gitlab, &pki, dir, name, How::Saved(&mine));
    run.tmux.keys(&["Enter"]);
    let done = run.tmux.wait_until("done", "the Done screen", |s| {
        s.contains("4/4") && s.contains("stays saved")
    });
    assert!(done.contains("Created and stored."), "{done}");
    run.tmux.keys(&["Enter"]);
    assert_exit(&mut run.tmux, 0);
    // The saved sign-in works as before: not revoked, not changed.
    let grants = gitlab.oauth(|o| o.grants.clone());
    assert_eq!(grants.len(), 1, "no new sign-in");
    assert!(!grants[0].revoked, "the saved sign-in is not revoked");
    assert_eq!(secret_tool_lookup(&mine).as_deref(), Some(sealed.as_str()));
    let accounts = gitlab.accounts();
    assert_eq!(accounts.len(), 1, "{accounts:?}");
    let stored = secret_tool_lookup(&run.account).expect("the new token is stored");
    assert!(
        !stored.contains(&grants[0].access),
        "the new token is the service account's"
    );
    run.tmux.assert_never_shown(&grants[0].access);
    run.tmux.assert_never_shown(&grants[0].refresh);
    e2e::secret_tool_clear(gitlab_token::vault::SERVICE, &run.account);
    e2e::secret_tool_clear(gitlab_token::vault::SERVICE, &mine);
}

#[test]
fn a_pasted_token_of_ones_own_authorizes_and_is_kept_nowhere() {
    require_environment();
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let secret = support::fake_gitlab::new_secret("alice");
    gitlab.add_token(
        &secret,
        support::fake_gitlab::TokenRecord::new(
            &support::fake_gitlab::FakeUser::person(OWNER_ID, "alice"),
            &["api"],
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let name = support::home::unique_name("pa");
    let mut run = to_plan_in(&gitlab, &pki, dir, name, How::Paste(&secret));
    run.tmux.keys(&["Enter"]);
    let done = run.tmux.wait_until("done", "the Done screen", |s| {
        s.contains("4/4") && s.contains("nothing of yours was")
    });
    assert!(done.contains("Created and stored."), "{done}");
    assert!(done.contains("only held in memory"), "{done}");
    run.tmux.keys(&["Enter"]);
    assert_exit(&mut run.tmux, 0);
    run.tmux.assert_never_shown(&secret);
    let found = files_containing(run.dir.path(), &secret);
    assert!(found.is_empty(), "the pasted token is in {found:?}");
    assert!(
        !keychain_dump().contains(&secret),
        "the pasted token is in the keychain"
    );
    assert_eq!(gitlab.accounts().len(), 1);
    assert!(
        secret_tool_lookup(&run.account).is_some(),
        "the new token is stored"
    );
    e2e::secret_tool_clear(gitlab_token::vault::SERVICE, &run.account);
}

#[test]
fn a_name_holding_a_token_create_did_not_make_is_replaced_only_after_yes() {
    require_environment();
    let pki = Pki::new();
    let gitlab = gitlab(&pki);
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    // The person's own sign-in, saved under the very name the wizard will create under.
    let name = support::home::unique_name("nt");
    let login = Command::new(BIN)
        .args(["login", "--host", &gitlab.url(), "--ca-file"])
        .arg(&pki.ca_file)
        .args(["--oauth-app-id", APP, "--scopes", "api", "--name", &name])
        .args(["--timeout", "5"])
        .envs(session_env(dir.path()))
        .env("GITLAB_TOKEN_TEST_OAUTH_INTERVAL_MS", "50")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(login.status.success(), "{login:?}");
    let mut run = to_plan_in(&gitlab, &pki, dir, name, How::Browser);
    let sealed = secret_tool_lookup(&run.account).expect("the sign-in is stored");
    let plan = run.tmux.capture("plan");
    assert!(plan.contains("already holds another token"), "{plan}");

    run.tmux.keys(&["Enter"]);
    let question = run.tmux.wait_for("question", "Already stored");
    assert!(
        question.contains("y replace  n another name  Esc back"),
        "{question}"
    );
    assert!(
        gitlab.accounts().is_empty(),
        "nothing created before the answer"
    );
    run.tmux.keys(&["y"]);
    let done = run.tmux.wait_until("done", "the Done screen", |s| {
        s.contains("4/4") && (s.contains("revoked") || s.contains("Could not"))
    });
    assert!(done.contains("Created and stored."), "{done}");
    assert!(!done.contains("name_taken"), "{done}");
    run.tmux.keys(&["Enter"]);
    assert_exit(&mut run.tmux, 0);
    let accounts = gitlab.accounts();
    assert_eq!(accounts.len(), 1, "{accounts:?}");
    let stored = secret_tool_lookup(&run.account).expect("the new token is stored");
    assert_ne!(stored, sealed, "replaced, as agreed");
    let active: Vec<String> = gitlab
        .secrets_of(accounts[0].id)
        .into_iter()
        .filter(|(_, r)| r.active && !r.revoked)
        .map(|(s, _)| s)
        .collect();
    assert_eq!(
        active,
        [stored],
        "the stored token is the service account's"
    );
    e2e::secret_tool_clear(gitlab_token::vault::SERVICE, &run.account);
}
