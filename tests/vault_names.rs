//! Issue 9 item 7 and issue 8 item 21 (part): token names follow documented rules wherever they
//! enter (the `--name` flag, the profile's id, tokens.toml read back), names the tool uses for
//! itself (the rotation's scratch entry) can never be a user's, and the keychain item is
//! labelled "GitLab token NAME@HOST".
//!
//! Run with `bash tests/run.sh --test vault_names`.
#![cfg(target_os = "linux")]

mod support;

use support::accounts::{self, account, add, add_ok};
use support::home::{Home, unique_name};
use support::stores::{SERVICE, require_secret_service};
use support::{FakeGitLab, Pki};

const USAGE: i32 = 2;

#[test]
fn bad_names_are_refused_before_anything_is_sent_or_stored() {
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let secret = accounts::new_token(&home, &gitlab, "names");
    for bad in [
        ".rotation-preflight",
        "#rotation-preflight",
        "a@b",
        "a\nb",
        "a\rb",
        "two words",
        "",
        &"x".repeat(65),
    ] {
        let out = add(&home, &gitlab, &pki, bad, &secret, None);
        assert_eq!(out.code, Some(USAGE), "{bad:?}: {out:?}");
        assert!(out.stderr.contains("--name"), "{bad:?}: {out:?}");
        assert!(out.stderr.contains("1 to 64"), "{bad:?}: {out:?}");
    }
    assert!(gitlab.requests().is_empty(), "a request was sent");
    assert!(!home.tokens_toml().exists());
}

#[test]
fn a_name_read_back_from_tokens_toml_follows_the_rules_too() {
    let home = Home::new();
    std::fs::create_dir_all(home.tokens_toml().parent().unwrap()).unwrap();
    std::fs::write(
        home.tokens_toml(),
        r#"[[token]]
account = ".rotation-preflight@gitlab.example.com"
host = "gitlab.example.com"
url = "https://gitlab.example.com"
name = ".rotation-preflight"
profile = "custom"
store = "secret-service"
username = "u"
user_id = 1
token_id = 2
token_name = "t"
scopes = ["api"]
verified_at = "2026-01-01T00:00:00Z"
"#,
    )
    .unwrap();
    let out = home.run(&["status"], "");
    assert_ne!(out.code, Some(0), "{out:?}");
    assert!(
        out.stderr.contains("must start with a letter or a digit"),
        "{out:?}"
    );
}

#[test]
fn the_keychain_item_is_labelled_gitlab_token_name_at_host() {
    require_secret_service();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let name = unique_name("label");
    let secret = accounts::new_token(&home, &gitlab, "label");
    add_ok(&home, &gitlab, &pki, &name, &secret, None);
    let acc = account(&name, &gitlab);
    let out = std::process::Command::new("secret-tool")
        .args(["search", "--all", "service", SERVICE, "username", &acc])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("secret-tool");
    let listing = String::from_utf8_lossy(&out.stdout);
    let label = listing
        .lines()
        .find_map(|l| l.strip_prefix("label = "))
        .unwrap_or_else(|| panic!("no label in {:?}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(label, format!("GitLab token {acc}"));
    let out = home.run(&["forget", "--name", &name], "");
    assert_eq!(out.code, Some(0), "{out:?}");
}
