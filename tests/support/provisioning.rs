//! A world for `gitlab-token create` tests: a fake GitLab with an admin, a top-level group
//! `acme` (subgroup `acme/tools`, project `acme/tools/scanner`) and people of each role, a
//! private home on the real Secret Service, and helpers to run `create` and inspect the result.

use std::process::{Command, Stdio};

use serde_json::Value;

use super::accounts::account;
use super::bin::Output;
use super::certs::Pki;
use super::fake_gitlab::{FakeGitLab, FakeUser, TokenRecord, new_secret};
use super::home::{Home, unique_name};
use super::stores::{SERVICE, require_secret_service};

pub const ADMIN: u64 = 1;
/// Alice, Owner of `acme` (the same id as the fake OAuth provider's user, so a browser
/// sign-in is hers).
pub const OWNER: u64 = 7;
pub const MAINTAINER: u64 = 8;
pub const DEVELOPER: u64 = 9;
pub const PROJECT: &str = "acme/tools/scanner";
pub const OAUTH_APP: &str = "5a9d0c3e1b7f2468";

pub struct World {
    pub pki: Pki,
    pub gitlab: FakeGitLab,
    pub home: Home,
    /// The keychain NAME of this test (unique: the keychain is shared by the tests).
    pub name: String,
    pub admin: String,
    pub owner: String,
    pub maintainer: String,
    pub developer: String,
}

/// The world; self-managed EE 18.6 Premium where Owners may create service accounts.
pub fn world() -> World {
    require_secret_service();
    let pki = Pki::new();
    let gitlab = FakeGitLab::start(&pki.valid());
    let home = Home::new().with_env("GITLAB_TOKEN_TEST_OAUTH_INTERVAL_MS", "30");
    let person = |id: u64, name: &str| {
        let secret = new_secret(name);
        gitlab.add_token(
            &secret,
            TokenRecord::new(&FakeUser::person(id, name), &["api"]),
        );
        // Nobody's own credential may ever land in a file of the home.
        home.watch(&secret);
        secret
    };
    let w = World {
        admin: person(ADMIN, "root"),
        owner: person(OWNER, "alice"),
        maintainer: person(MAINTAINER, "bob"),
        developer: person(DEVELOPER, "carol"),
        name: unique_name("pc"),
        pki,
        gitlab,
        home,
    };
    w.gitlab.make_admin(ADMIN);
    w.gitlab.add_group("acme/tools");
    w.gitlab.group_member("acme", OWNER, 50);
    w.gitlab.project_member(PROJECT, MAINTAINER, 40);
    w.gitlab.project_member(PROJECT, DEVELOPER, 30);
    w.gitlab.set_knobs(|k| k.owners_may_create = true);
    w.gitlab
        .oauth(|o| o.add_app(OAUTH_APP, &["api", "read_api", "read_user"]));
    w
}

impl World {
    pub fn account(&self) -> String {
        account(&self.name, &self.gitlab)
    }

    /// `create --json` for repo-scanner on `targets`, authorized by `owner` piped on stdin,
    /// plus `extra` arguments and environment.
    pub fn create_env(
        &self,
        owner: &str,
        targets: &[&str],
        extra: &[&str],
        env: &[(&str, &str)],
    ) -> Output {
        self.run_create(owner, targets, extra, env, true)
    }

    /// `create` with its human output (no `--json`).
    pub fn create_text(&self, owner: &str, targets: &[&str], extra: &[&str]) -> Output {
        self.run_create(owner, targets, extra, &[], false)
    }

    /// The arguments of `create` for repo-scanner on `targets` (with `--owner-token-stdin`
    /// unless `extra` authorizes otherwise).
    pub fn create_args(&self, targets: &[&str], extra: &[&str], json: bool) -> Vec<String> {
        let mut args: Vec<String> = vec![
            "create".into(),
            "--host".into(),
            self.gitlab.url(),
            "--ca-file".into(),
            self.pki.ca_file.to_str().expect("UTF-8 temp path").into(),
            "--profile".into(),
            "repo-scanner".into(),
            "--name".into(),
            self.name.clone(),
            "--timeout".into(),
            "5".into(),
        ];
        if json {
            args.push("--json".into());
        }
        for t in targets {
            args.extend(["--target".into(), (*t).to_owned()]);
        }
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        if !extra.contains(&"--oauth-app-id") && !extra.contains(&"--owner") {
            args.push("--owner-token-stdin".into());
        }
        args
    }

    fn run_create(
        &self,
        owner: &str,
        targets: &[&str],
        extra: &[&str],
        env: &[(&str, &str)],
        json: bool,
    ) -> Output {
        let args = self.create_args(targets, extra, json);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.home.run_env(&args, owner, env);
        self.assert_no_owner_secret(&out);
        out
    }

    pub fn create(&self, owner: &str, targets: &[&str], extra: &[&str]) -> Output {
        self.create_env(owner, targets, extra, &[])
    }

    /// No person's own credential in the output or in any keychain entry of the service.
    pub fn assert_no_owner_secret(&self, out: &Output) {
        for secret in [&self.admin, &self.owner, &self.maintainer, &self.developer] {
            assert!(
                !out.stdout.contains(secret.as_str()) && !out.stderr.contains(secret.as_str()),
                "an owner's credential was printed: {out:?}"
            );
            assert!(
                !keychain_dump().contains(secret.as_str()),
                "an owner's credential is in the keychain"
            );
        }
        self.home.assert_no_secret_in_files("create");
    }

    /// The secret stored for this test's account.
    pub fn stored(&self) -> Option<String> {
        super::stores::secret_tool_lookup(&self.account())
    }

    /// The user's tokens that still work.
    pub fn active_tokens(&self, user_id: u64) -> Vec<(String, TokenRecord)> {
        self.gitlab
            .secrets_of(user_id)
            .into_iter()
            .filter(|(_, r)| r.active && !r.revoked)
            .collect()
    }
}

/// Every secret of the program's keychain service, as `secret-tool search --all` prints them.
pub fn keychain_dump() -> String {
    let out = Command::new("secret-tool")
        .args(["search", "--all", "--unlock", "service", SERVICE])
        .stdin(Stdio::null())
        .output()
        .expect("secret-tool runs");
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The `kind`s of the `problems` of a `--json` answer.
pub fn problem_kinds(v: &Value) -> Vec<String> {
    v["problems"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| p["kind"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
