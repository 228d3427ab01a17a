//! A world for rotating team tokens: a real OpenBao (`bao server -dev`), the fake GitLab (which
//! counts `self/rotate` calls), and machines (each its own HOME and XDG dirs, no keychain, the
//! team's Vault from the environment). Every secret ever issued (rotations included) is watched
//! in every machine's files and every output. Used with `mod support;` and
//! `#[path = "support/openbao.rs"] mod openbao;` beside it.
#![allow(dead_code)]

use std::cell::RefCell;
use std::time::Duration;

use serde_json::Value;

use crate::openbao::{self, OpenBao};
use crate::support::Output;
use crate::support::Pki;
use crate::support::bin::Running;
use crate::support::fake_gitlab::{FakeGitLab, FakeUser, TokenRecord, days_from_today, new_secret};
use crate::support::home::{DEAD_BUS, Home, unique_name};
use crate::support::rotating::BIN;

/// Scopes of a token that may rotate itself (profile mr-reviewer).
pub const API: [&str; 3] = ["api", "read_api", "read_user"];
pub const PROFILE: &str = "mr-reviewer";

pub struct TeamWorld {
    pub server: OpenBao,
    pub pki: Pki,
    pub gitlab: FakeGitLab,
    pub user: FakeUser,
    secrets: RefCell<Vec<String>>,
    machines: RefCell<Vec<std::path::PathBuf>>,
}

impl TeamWorld {
    pub fn new() -> TeamWorld {
        let server = OpenBao::start();
        let pki = Pki::new();
        let gitlab = FakeGitLab::start(&pki.valid());
        TeamWorld {
            server,
            pki,
            gitlab,
            user: FakeUser::service_account(7, "rotator-bot"),
            secrets: RefCell::new(Vec::new()),
            machines: RefCell::new(Vec::new()),
        }
    }

    /// A machine of the team (its Vault login: the root token, unless `vault_token`).
    pub fn machine(&self) -> Home {
        self.machine_as(openbao::ROOT)
    }

    pub fn machine_as(&self, vault_token: &str) -> Home {
        let home = Home::new()
            .with_env("DBUS_SESSION_BUS_ADDRESS", DEAD_BUS)
            .with_env("VAULT_ADDR", &self.server.addr)
            .with_env("VAULT_TOKEN", vault_token);
        for s in self.secrets.borrow().iter() {
            home.watch(s);
        }
        self.machines.borrow_mut().push(home.path().to_owned());
        home
    }

    pub fn host(&self) -> String {
        self.gitlab.url().trim_start_matches("https://").to_owned()
    }

    pub fn account(&self, name: &str) -> String {
        format!("{name}@{}", self.host())
    }

    /// A token of the world's user on the fake that may rotate itself, expiring in `days`.
    pub fn token(&self, days: i64) -> String {
        let secret = new_secret("team");
        let record = TokenRecord::new(&self.user, &API)
            .named("team rotation test")
            .expires_in(days);
        self.gitlab.add_token(&secret, record);
        self.secrets.borrow_mut().push(secret.clone());
        secret
    }

    /// A fresh name and a token stored under it in the team's Vault by `home`.
    pub fn team_token(&self, home: &Home, days: i64) -> (String, String) {
        let name = unique_name("team");
        let secret = self.token(days);
        home.watch(&secret);
        self.add(home, &name, &secret, "vault");
        (name, secret)
    }

    /// `add --profile mr-reviewer --name NAME --store STORE` with `secret`; must succeed.
    pub fn add(&self, home: &Home, name: &str, secret: &str, store: &str) {
        let (url, ca) = (self.gitlab.url(), self.ca());
        let args = [
            "add",
            "--host",
            &url,
            "--ca-file",
            &ca,
            "--profile",
            PROFILE,
            "--name",
            name,
            "--store",
            store,
            "--timeout",
            "5",
        ];
        let out = home.run(&args, &format!("{secret}\n"));
        assert_eq!(out.code, Some(0), "add {name} failed: {out:?}");
    }

    pub fn ca(&self) -> String {
        self.pki.ca_file.to_str().expect("UTF-8 path").to_owned()
    }

    /// The arguments of `rotate --host HOST --name NAME --yes EXTRA...`.
    pub fn rotate_args(&self, name: &str, extra: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = ["rotate", "--host", &self.host(), "--name", name, "--yes"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args
    }

    /// `rotate --host HOST --name NAME --yes EXTRA...` on `home` with `env`, checked for secrets.
    pub fn rotate(&self, home: &Home, name: &str, extra: &[&str], env: &[(&str, &str)]) -> Output {
        let args = self.rotate_args(name, extra);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = home.run_env(&args, "", env);
        self.assert_secret_free(home, &out, "rotate");
        out
    }

    /// The same, started without waiting.
    pub fn spawn_rotate(&self, home: &Home, name: &str, env: &[(&str, &str)]) -> Running {
        let args = self.rotate_args(name, &[]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        home.spawn_env(&args, "", env)
    }

    /// `rotate` with `GITLAB_TOKEN_TEST_ABORT_AT=step` and a lease of `ttl` seconds: the
    /// process aborts at that step.
    pub fn rotate_aborting(&self, home: &Home, name: &str, step: &str, ttl: &str) -> Output {
        let args = self.rotate_args(name, &[]);
        let mut command = home.command(BIN);
        command
            .args(&args)
            .env("GITLAB_TOKEN_TEST_ABORT_AT", step)
            .env("GITLAB_TOKEN_TEST_LEASE_TTL_SECS", ttl)
            .current_dir(home.path());
        let out =
            crate::support::bin::start(command, "", format!("rotate aborting {step}")).finish();
        self.assert_secret_free(home, &out, step);
        out
    }

    /// Every secret known: those handed out and every one they were rotated to.
    pub fn all_secrets(&self) -> Vec<String> {
        let mut all = self.secrets.borrow().clone();
        let mut i = 0;
        while i < all.len() {
            if let Some(next) = self.gitlab.rotated_to(&all[i])
                && !all.contains(&next)
            {
                all.push(next);
            }
            i += 1;
        }
        all
    }

    /// No known secret in `out` nor in any file of `home` (the team's tokens live in Vault only).
    pub fn assert_secret_free(&self, home: &Home, out: &Output, what: &str) {
        for secret in self.all_secrets() {
            home.watch(&secret);
            assert!(
                !out.stdout.contains(&secret) && !out.stderr.contains(&secret),
                "{what} printed a token:\n{out:?}"
            );
        }
        home.assert_no_secret_in_files(what);
    }

    /// The KV v2 record of `name`: `data.data` (token and entry) and `data.metadata`.
    pub fn record(&self, name: &str) -> Value {
        let path = format!("secret/data/gitlab-token/{}/{name}", self.host());
        let (code, body) = self.server.api("GET", &path, None);
        assert_eq!(code, 200, "{body}");
        serde_json::from_str::<Value>(&body).expect("json")["data"].clone()
    }

    /// The token Vault holds for `name`.
    pub fn stored(&self, name: &str) -> String {
        self.record(name)["data"]["token"]
            .as_str()
            .expect("a token")
            .to_owned()
    }

    pub fn lease_path(&self, name: &str) -> String {
        format!("secret/data/gitlab-token/_lease/{}/{name}", self.host())
    }

    /// The lease record of `name`, if there is one.
    pub fn lease(&self, name: &str) -> Option<Value> {
        let (code, body) = self.server.api("GET", &self.lease_path(name), None);
        (code == 200)
            .then(|| serde_json::from_str::<Value>(&body).expect("json")["data"]["data"].clone())
    }

    /// Writes a lease record for `name` held by `owner` until `until` (unix seconds).
    pub fn plant_lease(&self, name: &str, owner: &str, until: i64) {
        let body = serde_json::json!({
            "data": {"owner": owner, "expires_at": until, "released": false, "journal": null}
        });
        let (code, text) = self
            .server
            .api("POST", &self.lease_path(name), Some(&body.to_string()));
        assert_eq!(code, 200, "{text}");
    }

    /// `get --name NAME` on `home`.
    pub fn get(&self, home: &Home, name: &str) -> String {
        let out = home.run(&["get", "--host", &self.host(), "--name", name], "");
        assert_eq!(out.code, Some(0), "{out:?}");
        out.stdout.trim().to_owned()
    }

    pub fn works(&self, secret: &str) -> bool {
        self.live(secret).is_some_and(|v| v)
    }

    /// Whether the fake says `secret` is active (`None`: unknown to it).
    pub fn live(&self, secret: &str) -> Option<bool> {
        self.gitlab.token(secret).map(|r| r.active && !r.revoked)
    }

    pub fn rotate_calls(&self) -> usize {
        self.gitlab.rotate_calls()
    }
}

/// `YYYY-MM-DD` `days` from today.
pub fn in_days(days: i64) -> String {
    days_from_today(days)
}

/// Polls `check` every 50 ms for up to `limit`.
pub fn until(limit: Duration, check: impl FnMut() -> bool) -> bool {
    crate::support::home::eventually(limit, check)
}

pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
