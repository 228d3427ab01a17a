//! The git credential helper with real git: `setup-git` scopes gitlab-token to one stored host
//! (`credential.https://HOST.helper`), `git credential fill` then gets the stored username and
//! token for that host and nothing for any other, and `store`/`erase` change nothing.
//!
//! The token lives in the REAL Secret Service (tests/run.sh's private bus): run with
//! `bash tests/run.sh -E 'binary(git_helper)'`. git runs with its global config inside the temp
//! home, no system config and no terminal prompts.
#![cfg(target_os = "linux")]

mod support;

use support::accounts::{self, BOT, account, add_ok, host};
use support::home::{Home, unique_name};
use support::stores::{require_secret_service, secret_tool_lookup};
use support::{FakeGitLab, Output, Pki};

/// A home with one token added (Secret Service) for `gitlab`; returns (home, name, secret).
fn stored(gitlab: &FakeGitLab, pki: &Pki) -> (Home, String, String) {
    require_secret_service();
    let home = Home::new();
    let name = unique_name("git");
    let secret = accounts::new_token(&home, gitlab, "git access");
    add_ok(&home, gitlab, pki, &name, &secret, None);
    (home, name, secret)
}

/// `git credential ACTION` with `request` (key=value lines) on stdin.
fn git_credential(home: &Home, action: &str, request: &str) -> Output {
    home.run_program("git", &["credential", action], &format!("{request}\n"))
}

fn request(protocol: &str, host: &str) -> String {
    format!("protocol={protocol}\nhost={host}\n")
}

/// The `key=value` lines of git's or the helper's answer.
fn answer(out: &Output) -> Vec<(String, String)> {
    out.stdout
        .lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

fn value<'a>(answer: &'a [(String, String)], key: &str) -> Option<&'a str> {
    answer
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn setup_git(home: &Home, gitlab: &FakeGitLab) {
    let out = home.run(&["setup-git", "--host", &host(gitlab)], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    let origin = format!("localhost:{}", gitlab.port());
    let key = format!("credential.https://{origin}.helper");
    assert!(out.stdout.contains(&key), "{out:?}");
}

#[test]
fn git_credential_fill_answers_for_the_configured_host_only() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let (home, name, secret) = stored(&gitlab, &pki);
    setup_git(&home, &gitlab);
    setup_git(&home, &gitlab); // twice: still one helper, not two
    let h = host(&gitlab);

    // The config written: one key, scoped to https://HOST, in git's global file (GIT_CONFIG_GLOBAL).
    let config = home.run_program("git", &["config", "--global", "--list"], "");
    assert_eq!(config.code, Some(0), "{config:?}");
    let keys: Vec<&str> = config
        .stdout
        .lines()
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .collect();
    let key = format!("credential.https://{h}.helper");
    assert!(
        !keys.is_empty() && keys.iter().all(|k| *k == key),
        "{config:?}"
    );
    let helpers = home.run_program("git", &["config", "--global", "--get-all", &key], "");
    let helpers: Vec<&str> = helpers.stdout.lines().collect();
    // An empty value first resets helpers from other config files for this host.
    assert_eq!(helpers.len(), 2, "{helpers:?}");
    assert_eq!(helpers[0], "");
    assert!(
        helpers[1].starts_with('!')
            && helpers[1].contains(env!("CARGO_BIN_EXE_gitlab-token"))
            && helpers[1].contains(&format!("git-credential --name '{name}'")),
        "{helpers:?}"
    );
    assert!(
        !home.path().join(".gitconfig").exists(),
        "git wrote ~/.gitconfig"
    );

    // The configured host: the stored username and the token.
    let out = git_credential(&home, "fill", &request("https", &h));
    assert_eq!(out.code, Some(0), "{out:?}");
    let got = answer(&out);
    assert_eq!(value(&got, "password"), Some(secret.as_str()), "{out:?}");
    assert_eq!(value(&got, "username"), Some(BOT), "{out:?}");
    assert_eq!(value(&got, "host"), Some(h.as_str()), "{out:?}");

    // Any other host (the same server by another name), or plain http: our helper is not asked,
    // and git, unable to prompt, fails with no password.
    for (protocol, other) in [
        ("https", format!("127.0.0.1:{}", gitlab.port())),
        ("https", "gitlab.example.com".to_owned()),
        ("http", h.clone()),
    ] {
        let out = git_credential(&home, "fill", &request(protocol, &other));
        assert_ne!(out.code, Some(0), "{protocol}://{other}: {out:?}");
        assert!(
            value(&answer(&out), "password").is_none(),
            "{protocol}://{other}: {out:?}"
        );
        accounts::assert_no_secret_in_output(&out, &secret);
    }
}

#[test]
fn the_helper_answers_only_for_stored_https_hosts() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let (home, name, secret) = stored(&gitlab, &pki);
    let h = host(&gitlab);
    let helper = |request: &str| home.run(&["git-credential", "get"], &format!("{request}\n"));

    let out = helper(&request("https", &h));
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout, format!("username={BOT}\npassword={secret}\n"));
    let out = home.run(
        &["git-credential", "get", "--name", &name],
        &format!("{}path=group/project.git\n\n", request("https", &h)),
    );
    assert_eq!(
        value(&answer(&out), "password"),
        Some(secret.as_str()),
        "{out:?}"
    );

    // Not ours: exit 0 and silence, so git asks its next helper.
    for request in [
        request("https", &format!("127.0.0.1:{}", gitlab.port())),
        request("https", "gitlab.example.com"),
        request("http", &h),
        "protocol=https\n".to_owned(),
    ] {
        let out = helper(&request);
        assert_eq!(
            (out.code, out.stdout.as_str()),
            (Some(0), ""),
            "{request}: {out:?}"
        );
    }
    // No keychain reachable: still silence and exit 0 (git falls through to its next helper).
    let out = home.run_env(
        &["git-credential", "get"],
        &format!("{}\n", request("https", &h)),
        &[("DBUS_SESSION_BUS_ADDRESS", support::home::DEAD_BUS)],
    );
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), ""), "{out:?}");
    let out = home.run(
        &["git-credential", "get", "--name", "someone-else"],
        &format!("{}\n", request("https", &h)),
    );
    assert_eq!((out.code, out.stdout.as_str()), (Some(0), ""), "{out:?}");
}

#[test]
fn store_and_erase_change_nothing() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let (home, name, secret) = stored(&gitlab, &pki);
    setup_git(&home, &gitlab);
    let h = host(&gitlab);
    let acc = account(&name, &gitlab);
    let metadata = std::fs::read(home.tokens_toml()).expect("tokens.toml");
    let gitconfig = std::fs::read(home.gitconfig()).expect("git config");
    // What git would hand the helper after a login with another password: never stored anywhere.
    let other = "glpat-someOTHERpassword1234";
    home.watch(other);
    let with_password = format!(
        "{}username=someone\npassword={other}\n",
        request("https", &h)
    );

    for action in ["store", "erase"] {
        let out = home.run(&["git-credential", action], &format!("{with_password}\n"));
        assert_eq!(
            (out.code, out.stdout.as_str()),
            (Some(0), ""),
            "{action}: {out:?}"
        );
    }
    // Through git: approve calls the helper's store, reject its erase.
    for action in ["approve", "reject"] {
        let out = git_credential(&home, action, &with_password);
        assert_eq!(out.code, Some(0), "git credential {action}: {out:?}");
    }

    assert_eq!(
        std::fs::read(home.tokens_toml()).unwrap(),
        metadata,
        "metadata changed"
    );
    assert_eq!(
        std::fs::read(home.gitconfig()).unwrap(),
        gitconfig,
        "git config changed"
    );
    assert_eq!(secret_tool_lookup(&acc).as_deref(), Some(secret.as_str()));
    let out = git_credential(&home, "fill", &request("https", &h));
    assert_eq!(
        value(&answer(&out), "password"),
        Some(secret.as_str()),
        "{out:?}"
    );
    assert_eq!(value(&answer(&out), "username"), Some(BOT), "{out:?}");
}

#[test]
fn a_token_under_a_relative_root_answers_for_that_root_only() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start_under(&pki.valid(), "/gitlab");
    let (home, _, secret) = stored(&gitlab, &pki);
    let key = host(&gitlab);
    let origin = format!("localhost:{}", gitlab.port());
    assert_eq!(key, format!("{origin}/gitlab"));
    setup_git(&home, &gitlab);
    // git's credential context is the origin: the path is not part of the config key.
    let helpers = home.run_program(
        "git",
        &[
            "config",
            "--global",
            "--get-all",
            &format!("credential.https://{origin}.helper"),
        ],
        "",
    );
    assert_eq!(helpers.stdout.lines().count(), 2, "{helpers:?}");

    // setup-git turned on useHttpPath for the origin (issue 9 item 10): without a path, the
    // request could be for any repository on the host, so nothing is handed out.
    let use_path = home.run_program(
        "git",
        &[
            "config",
            "--global",
            "--get",
            &format!("credential.https://{origin}.useHttpPath"),
        ],
        "",
    );
    assert_eq!(use_path.stdout.trim(), "true", "{use_path:?}");
    let out = git_credential(&home, "fill", &request("https", &origin));
    assert!(value(&answer(&out), "password").is_none(), "{out:?}");

    // git sends the repository path: only paths under /gitlab/ get it.
    let fill_path = |path: &str| {
        home.run_program(
            "git",
            &["credential", "fill"],
            &format!("{}path={path}\n\n", request("https", &origin)),
        )
    };
    let out = fill_path("gitlab/group/project.git");
    assert_eq!(
        value(&answer(&out), "password"),
        Some(secret.as_str()),
        "{out:?}"
    );
    for path in [
        "gitlab-other/group/project.git",
        "gitlabx/p.git",
        "other/gitlab/p.git",
    ] {
        let out = fill_path(path);
        assert!(
            value(&answer(&out), "password").is_none(),
            "{path}: {out:?}"
        );
    }
}

/// Issue 21.13: setup-git never silently re-points git for a host. With another helper there
/// (and no terminal to ask on) it says what git uses, changes nothing and exits 2; `--yes`
/// re-points it and says what git used before.
#[test]
fn setup_git_says_what_git_used_and_needs_yes_to_repoint() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let (home, name, _secret) = stored(&gitlab, &pki);
    let h = host(&gitlab);
    let key = format!("credential.https://{h}.helper");
    let set = home.run_program("git", &["config", "--global", &key, "store"], "");
    assert_eq!(set.code, Some(0), "{set:?}");

    let out = home.run(&["setup-git", "--host", &h], "");
    assert_eq!(out.code, Some(2), "{out:?}");
    assert!(
        out.stderr
            .contains("git uses the credential helper `store`")
            && out.stderr.contains("left as it is")
            && out.stderr.contains("--yes"),
        "{out:?}"
    );
    let helpers = home.run_program("git", &["config", "--global", "--get-all", &key], "");
    assert_eq!(helpers.stdout.trim(), "store", "changed without asking");

    let out = home.run(&["setup-git", "--host", &h, "--yes"], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout
            .contains("Before, git used the credential helper `store`"),
        "{out:?}"
    );
    let helpers = home.run_program("git", &["config", "--global", "--get-all", &key], "");
    assert!(
        helpers
            .stdout
            .contains(&format!("git-credential --name '{name}'"))
            && !helpers.stdout.contains("store"),
        "{helpers:?}"
    );
    // Again for the same token: nothing to ask.
    let out = home.run(&["setup-git", "--host", &h], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(!out.stdout.contains("Before"), "{out:?}");
}
