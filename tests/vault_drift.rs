//! Issue 9 item 5: the keychain and tokens.toml never drift apart on a failure. `add` checks
//! tokens.toml before anything else and writes nothing when it cannot be read or written (it
//! used to leave the secret in the keychain, invisible to `status`, `get` and `forget`), and
//! `forget` removes nothing when tokens.toml cannot be written (it used to delete the secret and
//! keep listing it). Runs as root in CI, where permissions do not stop writes: a directory put in
//! place of tokens.toml or of its lock file makes the failures instead.
//!
//! Run with `bash tests/run.sh --test vault_drift`.
#![cfg(target_os = "linux")]

mod support;

use support::accounts::{self, account, add, add_ok};
use support::home::{Home, unique_name};
use support::stores::{require_secret_service, secret_tool_lookup};
use support::vault::assert_consistent;
use support::{FakeGitLab, Pki};

const CHECK_FAILED: i32 = 1;

#[test]
fn add_with_a_broken_tokens_toml_stores_nothing_and_sends_nothing() {
    require_secret_service();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    std::fs::create_dir_all(home.tokens_toml().parent().unwrap()).unwrap();
    std::fs::write(home.tokens_toml(), "[[token]\nbroken").unwrap();
    let name = unique_name("drift");
    let secret = accounts::new_token(&home, &gitlab, "drift");
    let out = add(&home, &gitlab, &pki, &name, &secret, None);
    assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
    assert!(out.stderr.contains("nothing was stored"), "{out:?}");
    assert_eq!(secret_tool_lookup(&account(&name, &gitlab)), None);
    assert!(
        gitlab.requests().is_empty(),
        "validated before checking tokens.toml"
    );
}

#[test]
fn add_when_tokens_toml_cannot_be_written_stores_nothing() {
    require_secret_service();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let dir = home.tokens_toml().parent().unwrap().to_owned();
    // tokens.toml reads fine (missing), but its lock cannot be taken, so it cannot be written.
    std::fs::create_dir_all(dir.join("tokens.lock")).unwrap();
    let name = unique_name("drift");
    let acc = account(&name, &gitlab);
    let secret = accounts::new_token(&home, &gitlab, "drift");
    let out = add(&home, &gitlab, &pki, &name, &secret, None);
    assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
    assert!(out.stderr.contains("nothing was stored"), "{out:?}");
    assert_eq!(secret_tool_lookup(&acc), None, "the secret stayed: {out:?}");
}

#[test]
fn forget_when_tokens_toml_cannot_be_written_removes_nothing() {
    require_secret_service();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    let name = unique_name("drift");
    let acc = account(&name, &gitlab);
    let secret = accounts::new_token(&home, &gitlab, "drift");
    add_ok(&home, &gitlab, &pki, &name, &secret, None);
    let lock = home.tokens_toml().parent().unwrap().join("tokens.lock");
    std::fs::remove_file(&lock).unwrap();
    std::fs::create_dir(&lock).unwrap();
    let out = home.run(&["forget", "--name", &name], "");
    assert_eq!(out.code, Some(CHECK_FAILED), "{out:?}");
    assert_eq!(
        secret_tool_lookup(&acc).as_deref(),
        Some(secret.as_str()),
        "the secret was deleted while tokens.toml still lists it"
    );
    std::fs::remove_dir(&lock).unwrap();
    assert_consistent(
        &home,
        &gitlab,
        std::slice::from_ref(&acc),
        "after the failed forget",
    );
    let out = home.run(&["forget", "--name", &name], "");
    assert_eq!(out.code, Some(0), "{out:?}");
    assert_consistent(&home, &gitlab, &[acc], "after forget");
}

#[test]
fn a_token_moved_to_another_store_leaves_no_orphan_behind() {
    require_secret_service();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new();
    home.allow_secrets_in(&home.secrets_toml());
    let name = unique_name("move");
    let acc = account(&name, &gitlab);
    let first = accounts::new_token(&home, &gitlab, "in the keyring");
    add_ok(&home, &gitlab, &pki, &name, &first, None);
    let second = accounts::new_token(&home, &gitlab, "in the file");
    add_ok(&home, &gitlab, &pki, &name, &second, Some("file"));
    // The Secret Service's copy of the replaced token is gone: no orphan outside tokens.toml.
    assert_eq!(secret_tool_lookup(&acc), None);
    let meta = home.metadata();
    assert!(meta.pending.is_empty(), "{meta:?}");
    assert_eq!(meta.tokens.len(), 1, "{meta:?}");
    assert_eq!(meta.tokens[0].store.short_name(), "file");
    let out = home.run(&["get", "--name", &name], "");
    assert_eq!(out.stdout.trim(), second, "{out:?}");
}
