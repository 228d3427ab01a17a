//! Issue 9 item 4 (the git-credential part), end to end: a stored username holding a newline
//! (as a hostile server could send) would inject `password=` (or any attribute) into the answer
//! git reads, and a request line with a carriage return could smuggle one in. The helper now
//! answers neither; git is told nothing and moves on.
//!
//! Run with `bash tests/run.sh --test vault_git_protocol` (the real Secret Service).
#![cfg(target_os = "linux")]

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use support::home::Home;
use support::stores::{SERVICE, require_secret_service, secret_tool_clear};

const HOST: &str = "gitlab.example.com";

/// tokens.toml with one token whose username is `username`, and its secret in the keychain.
fn stored(home: &Home, name: &str, username: &str, secret: &str) -> String {
    let account = format!("{name}@{HOST}");
    std::fs::create_dir_all(home.tokens_toml().parent().unwrap()).unwrap();
    let entry = format!(
        "[[token]]\naccount = {account:?}\nhost = {HOST:?}\nurl = \"https://{HOST}\"\n\
         name = {name:?}\nprofile = \"custom\"\nstore = \"secret-service\"\n\
         username = {username:?}\nuser_id = 1\ntoken_id = 2\ntoken_name = \"t\"\n\
         scopes = [\"read_repository\"]\nverified_at = \"2026-01-01T00:00:00Z\"\n"
    );
    std::fs::write(home.tokens_toml(), entry).unwrap();
    let mut child = Command::new("secret-tool")
        .args([
            "store",
            "--label=test",
            "service",
            SERVICE,
            "username",
            &account,
        ])
        .stdin(Stdio::piped())
        .spawn()
        .expect("secret-tool");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(secret.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success());
    home.watch(secret);
    account
}

#[test]
fn a_username_with_a_newline_is_not_handed_to_git() {
    require_secret_service();
    let home = Home::new();
    let name = format!("proto-{}", std::process::id());
    let secret = format!("glpat-{}", "x".repeat(20));
    let account = stored(&home, &name, "bot\npassword=attacker-chosen", &secret);
    let request = format!("protocol=https\nhost={HOST}\n\n");
    let out = home.run(&["git-credential", "get"], &request);
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_eq!(out.stdout, "", "{out:?}");
    assert!(out.stderr.contains("newline"), "{out:?}");
    secret_tool_clear(&account);
}

#[test]
fn a_request_with_a_carriage_return_is_not_answered() {
    require_secret_service();
    let home = Home::new();
    let name = format!("proto-cr-{}", std::process::id());
    let secret = format!("glpat-{}", "y".repeat(20));
    let account = stored(&home, &name, "scanner-bot", &secret);
    // The same request without the carriage return is answered: the refusal is the CR's doing.
    let plain = home.run(
        &["git-credential", "get"],
        &format!("protocol=https\nhost={HOST}\n\n"),
    );
    assert!(plain.stdout.contains("username=scanner-bot"), "{plain:?}");
    let smuggled = format!("protocol=https\nhost={HOST}\rpath=x\n\n");
    let out = home.run(&["git-credential", "get"], &smuggled);
    assert_eq!(out.stdout, "", "{out:?}");
    assert!(out.stderr.contains("carriage return"), "{out:?}");
    secret_tool_clear(&account);
}
