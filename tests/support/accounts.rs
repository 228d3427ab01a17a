//! Tokens on a fake GitLab, `gitlab-token add` for them, and reading `status` and `verify`:
//! shared by the stored-token and git helper tests.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::bin::Output;
use super::certs::Pki;
use super::fake_gitlab::{FakeGitLab, FakeUser, TokenRecord, new_secret};
use super::home::Home;

/// The profile every token here is added with (scopes `read_api`, `read_repository`).
pub const PROFILE: &str = "repo-scanner";
pub const SCOPES: [&str; 2] = ["read_api", "read_repository"];
/// The service account that owns the tokens.
pub const BOT: &str = "scanner-bot";
pub const BOT_ID: u64 = 7;

pub fn bot() -> FakeUser {
    FakeUser::service_account(BOT_ID, BOT)
}

/// `localhost:PORT[/root]`: how the program keys the fake's host.
pub fn host(gitlab: &FakeGitLab) -> String {
    gitlab.url().trim_start_matches("https://").to_owned()
}

/// `NAME@localhost:PORT[/root]`: the keychain account.
pub fn account(name: &str, gitlab: &FakeGitLab) -> String {
    format!("{name}@{}", host(gitlab))
}

/// Registers a fresh repo-scanner token (expiring in 90 days) on `gitlab`, named `token_name`,
/// and tells `home` to watch for it in files. Returns the secret.
pub fn new_token(home: &Home, gitlab: &FakeGitLab, token_name: &str) -> String {
    let secret = new_secret("st");
    gitlab.add_token(&secret, TokenRecord::new(&bot(), &SCOPES).named(token_name));
    home.watch(&secret);
    secret
}

/// The arguments of `gitlab-token add` for `name` on `gitlab`, `--store STORE` if given.
pub fn add_args(gitlab: &FakeGitLab, pki: &Pki, name: &str, store: Option<&str>) -> Vec<String> {
    let mut args: Vec<String> = [
        "add",
        "--host",
        &gitlab.url(),
        "--ca-file",
        pki.ca_file.to_str().expect("UTF-8 temp path"),
        "--profile",
        PROFILE,
        "--name",
        name,
        "--timeout",
        "5",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    if let Some(store) = store {
        args.extend(["--store".to_owned(), store.to_owned()]);
    }
    args
}

/// `gitlab-token add ...` with `secret` on standard input.
pub fn add(
    home: &Home,
    gitlab: &FakeGitLab,
    pki: &Pki,
    name: &str,
    secret: &str,
    store: Option<&str>,
) -> Output {
    let args = add_args(gitlab, pki, name, store);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    home.run(&args, &format!("{secret}\n"))
}

/// `add` that must succeed (exit 0, "Stored ACCOUNT in the ..." on stdout, the token never shown).
pub fn add_ok(
    home: &Home,
    gitlab: &FakeGitLab,
    pki: &Pki,
    name: &str,
    secret: &str,
    store: Option<&str>,
) {
    let out = add(home, gitlab, pki, name, secret, store);
    assert_eq!(out.code, Some(0), "add {name} failed: {out:?}");
    assert!(
        out.stdout
            .starts_with(&format!("Stored {} in the ", account(name, gitlab))),
        "{out:?}"
    );
    assert_no_secret_in_output(&out, secret);
}

pub fn assert_no_secret_in_output(out: &Output, secret: &str) {
    assert!(
        !out.stdout.contains(secret) && !out.stderr.contains(secret),
        "the token was printed: {out:?}"
    );
}

/// `status --json` parsed: one object per stored token.
pub fn status_json(home: &Home, env: &[(&str, &str)]) -> Vec<Value> {
    let out = home.run_env(&["status", "--json"], "", env);
    assert_eq!(out.code, Some(0), "{out:?}");
    out.json().as_array().expect("a JSON array").clone()
}

pub fn row<'a>(rows: &'a [Value], account: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["account"] == account)
        .unwrap_or_else(|| panic!("no row for {account} in {rows:?}"))
}

/// `verify --host URL --json` for `secret` (on stdin): what the fake GitLab now says about it.
pub fn verify(home: &Home, gitlab: &FakeGitLab, pki: &Pki, secret: &str) -> Output {
    let ca = pki.ca_file.to_str().unwrap();
    let url = gitlab.url();
    let args = ["verify", "--host", &url, "--ca-file", ca, "--json"];
    home.run(&args, &format!("{secret}\n"))
}

pub fn problem_kinds(report: &Value) -> Vec<String> {
    report["problems"]
        .as_array()
        .unwrap_or_else(|| panic!("no problems in {report}"))
        .iter()
        .map(|p| p["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

pub fn deletes(gitlab: &FakeGitLab) -> usize {
    let self_path = "/api/v4/personal_access_tokens/self";
    gitlab
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE" && r.path == self_path)
        .count()
}

pub fn verified_at(home: &Home, account: &str) -> OffsetDateTime {
    let meta = home.metadata();
    let at = &meta.find(account).expect("stored").verified_at;
    OffsetDateTime::parse(at, &Rfc3339).unwrap_or_else(|e| panic!("verified_at {at}: {e}"))
}
