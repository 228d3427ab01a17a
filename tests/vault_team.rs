//! Issue 20, the team store end to end with the built binary against a real OpenBao (`bao server
//! -dev`, tests/run.sh installs it) and the fake GitLab: `add --store vault` on one machine puts
//! the token and its facts in one KV v2 secret (nothing on disk), a second machine (another
//! HOME and XDG dirs) lists and gets it; the `[vault]` table of config.toml configures it once;
//! an unreachable Vault leaves the local tokens usable and says so (exit 4); with no Vault
//! configured nothing changes. After every command no file under either home holds the token.
#![cfg(target_os = "linux")]

mod support;

#[path = "support/openbao.rs"]
mod openbao;

use openbao::OpenBao;
use support::accounts::{self, account, add, add_ok, host, status_json};
use support::home::{DEAD_BUS, Home, unique_name};
use support::{FakeGitLab, Pki};

const KEYCHAIN: i32 = 4;

/// A machine: its own HOME and XDG dirs, no keychain, the team's Vault from the environment.
fn machine(server: &OpenBao) -> Home {
    Home::new()
        .with_env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
        .with_env("VAULT_ADDR", &server.addr)
        .with_env("VAULT_TOKEN", openbao::ROOT)
}

#[test]
fn added_on_one_machine_listed_and_got_on_another() {
    let server = OpenBao::start();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let (laptop, runner) = (machine(&server), machine(&server));
    let name = unique_name("team");
    let secret = accounts::new_token(&laptop, &gitlab, "team");
    runner.watch(&secret);

    add_ok(&laptop, &gitlab, &pki, &name, &secret, Some("vault"));
    // Nothing of it on the laptop: no entry in tokens.toml, the secret in no file (Home checks).
    assert!(laptop.metadata().tokens.is_empty());
    // One KV v2 secret holds the token and its facts.
    let path = format!("secret/data/gitlab-token/{}/{name}", host(&gitlab));
    let (code, body) = server.api("GET", &path, None);
    assert_eq!(code, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["data"]["data"]["token"], secret.as_str());
    assert_eq!(
        v["data"]["data"]["entry"]["account"],
        account(&name, &gitlab)
    );
    assert_eq!(v["data"]["data"]["entry"]["username"], accounts::BOT);

    // The other machine sees it in its inventory, with its store, and gets it.
    let rows = status_json(&runner, &[]);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["account"], account(&name, &gitlab));
    assert_eq!(rows[0]["store"], "vault");
    let out = runner.run(&["get", "--name", &name], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout, format!("{secret}\n"));
    let text = runner.run(&["status"], "");
    assert_eq!(text.code, Some(0), "{text:?}");
    assert!(text.stdout.contains(&name), "{text:?}");

    // Forgotten on the runner: gone for the laptop too.
    let out = runner.run(&["forget", "--name", &name], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(status_json(&laptop, &[]).is_empty());
    let (code, _) = server.api("GET", &path, None);
    assert_eq!(code, 404);
}

#[test]
fn the_vault_table_of_config_toml_configures_the_machine_once() {
    let server = OpenBao::start();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new()
        .with_env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
        .with_env("VAULT_TOKEN", openbao::ROOT);
    let dir = home.path().join("config/gitlab-token");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("config.toml"),
        format!(
            "[vault]\naddr = \"{}\"\nprefix = \"team/gitlab\"\n",
            server.addr
        ),
    )
    .unwrap();
    let name = unique_name("conf");
    let secret = accounts::new_token(&home, &gitlab, "conf");
    add_ok(&home, &gitlab, &pki, &name, &secret, Some("vault"));
    let path = format!("secret/data/team/gitlab/{}/{name}", host(&gitlab));
    assert_eq!(server.api("GET", &path, None).0, 200);
    // The environment wins over the file: another prefix sees nothing.
    let rows = status_json(&home, &[("GITLAB_TOKEN_VAULT_PREFIX", "elsewhere")]);
    assert!(rows.is_empty(), "{rows:?}");
    assert_eq!(status_json(&home, &[]).len(), 1);
}

#[test]
fn an_unreachable_vault_leaves_local_tokens_working_and_says_so() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new().with_env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS);
    home.allow_secrets_in(&home.secrets_toml());
    let name = unique_name("local");
    let secret = accounts::new_token(&home, &gitlab, "local");
    add_ok(&home, &gitlab, &pki, &name, &secret, Some("file"));

    // A port nothing listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", dead.local_addr().unwrap());
    drop(dead);
    let env = [("VAULT_ADDR", addr.as_str()), ("VAULT_TOKEN", "root")];
    let out = home.run_env(&["status", "--json"], "", &env);
    assert_eq!(out.code, Some(KEYCHAIN), "{out:?}");
    let rows = out.json();
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{out:?}");
    assert!(
        out.stderr.contains("team Vault could not be read") && out.stderr.contains("fix:"),
        "{out:?}"
    );
    // The local token still works.
    let out = home.run_env(&["get", "--name", &name], "", &env);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout, format!("{secret}\n"));
    // One that may be in Vault: the Vault problem, not "no such token".
    let out = home.run_env(&["get", "--name", "elsewhere"], "", &env);
    assert_eq!(out.code, Some(KEYCHAIN), "{out:?}");
    assert!(out.stderr.contains("cannot be reached"), "{out:?}");
    // Adding to it: nothing stored, exit 4.
    let other = accounts::new_token(&home, &gitlab, "other");
    let out = home.run_env(
        &accounts::add_args(&gitlab, &pki, "other", Some("vault"))
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
        &format!("{other}\n"),
        &env,
    );
    assert_eq!(out.code, Some(KEYCHAIN), "{out:?}");
    assert!(out.stderr.contains("nothing was stored"), "{out:?}");
}

#[test]
fn store_vault_without_a_vault_is_a_clear_refusal_and_nothing_else_changes() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new().with_env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS);
    let name = unique_name("none");
    let secret = accounts::new_token(&home, &gitlab, "none");
    let out = add(&home, &gitlab, &pki, &name, &secret, Some("vault"));
    assert_eq!(out.code, Some(KEYCHAIN), "{out:?}");
    assert!(
        out.stderr.contains("No team Vault is configured") && out.stderr.contains("VAULT_ADDR"),
        "{out:?}"
    );
    assert!(home.metadata().tokens.is_empty());
    // No Vault configured: status is as before (nothing about Vault, exit 0).
    let out = home.run(&["status"], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(!out.stderr.contains("Vault"), "{out:?}");
}

/// login, create and the wizard store on this machine only for now: `--store vault` is a usage
/// error (exit 2) that names the command that does put a token in the team's Vault, and nothing
/// is asked, stored or written.
#[test]
fn commands_that_store_locally_refuse_store_vault_and_name_add() {
    let home = Home::new().with_env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS);
    for cmd in [
        &[
            "login",
            "--host",
            "https://gitlab.example.com",
            "--store",
            "vault",
        ][..],
        &[
            "create",
            "--host",
            "https://gitlab.example.com",
            "--store",
            "vault",
        ][..],
        &["setup", "--store", "vault"][..],
        &["--store", "vault"][..],
    ] {
        let out = home.run(cmd, "");
        assert_eq!(out.code, Some(2), "{cmd:?}: {out:?}");
        assert!(
            out.stderr.contains("add --store vault") && out.stderr.contains("this machine only"),
            "{cmd:?}: {out:?}"
        );
        assert!(home.files().is_empty(), "{cmd:?} wrote {:?}", home.files());
    }
}
