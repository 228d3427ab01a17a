//! A world for the rotation tests: one fake GitLab, one temp home, the real Secret Service, and
//! every secret ever issued (rotations included) watched in every output and every file.

use std::cell::RefCell;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use gitlab_token::gitlab::types::TokenInfo;
use gitlab_token::gitlab::{ApiError, Client};
use gitlab_token::instance::Instance;
use gitlab_token::tls::Trust;
use gitlab_token::token::Token;
use gitlab_token::vault::StoredToken;

use super::bin::Output;
use super::certs::Pki;
use super::fake_gitlab::{FakeGitLab, FakeUser, TokenRecord, days_from_today, new_secret};
use super::home::Home;
use super::stores::secret_tool_lookup;

pub const BIN: &str = env!("CARGO_BIN_EXE_gitlab-token");

pub struct World {
    pub pki: Pki,
    pub gitlab: FakeGitLab,
    pub home: Home,
    pub user: FakeUser,
    /// Secrets handed out by the test (rotations are found through the fake).
    secrets: RefCell<Vec<String>>,
}

impl Default for World {
    fn default() -> Self {
        Self::new()
    }
}

impl World {
    pub fn new() -> World {
        let pki = Pki::new();
        let gitlab = FakeGitLab::start(&pki.valid());
        World {
            pki,
            gitlab,
            home: Home::new(),
            user: FakeUser::service_account(7, "rotator-bot"),
            secrets: RefCell::new(Vec::new()),
        }
    }

    /// `localhost:PORT`.
    pub fn host(&self) -> String {
        self.gitlab.url().trim_start_matches("https://").to_owned()
    }

    pub fn account(&self, name: &str) -> String {
        format!("{name}@{}", self.host())
    }

    /// A token of the world's user on the fake, watched from now on.
    pub fn token(&self, scopes: &[&str], expires_in_days: i64) -> String {
        let secret = new_secret("rot");
        let record = TokenRecord::new(&self.user, scopes)
            .named("rotation test")
            .expires_in(expires_in_days);
        self.gitlab.add_token(&secret, record);
        self.watch(&secret);
        secret
    }

    /// A fine-grained token of the world's user with these `granular_scopes`, watched.
    pub fn fine_grained_token(
        &self,
        scopes: Vec<serde_json::Value>,
        expires_in_days: i64,
    ) -> String {
        let secret = new_secret("rot");
        let record = TokenRecord::fine_grained(&self.user, scopes)
            .named("rotation test")
            .expires_in(expires_in_days);
        self.gitlab.add_token(&secret, record);
        self.watch(&secret);
        secret
    }

    fn watch(&self, secret: &str) {
        self.home.watch(secret);
        self.secrets.borrow_mut().push(secret.to_owned());
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
        for s in &all {
            if !self.secrets.borrow().contains(s) {
                self.watch(s);
            }
        }
        all
    }

    /// Fails when any known secret is in `out` or in a file under the home.
    pub fn assert_secret_free(&self, out: &Output, what: &str) {
        for secret in self.all_secrets() {
            assert!(
                !out.stdout.contains(&secret) && !out.stderr.contains(&secret),
                "{what} printed a token:\n{out:?}"
            );
        }
        self.home.assert_no_secret_in_files(what);
    }

    /// `gitlab-token ARGS` in the home with `stdin` and `env`; the output is checked for secrets.
    pub fn run_env(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
        let out = self.home.run_env(args, stdin, env);
        self.assert_secret_free(&out, &format!("{args:?}"));
        out
    }

    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        self.run_env(args, stdin, &[])
    }

    /// Runs with `GITLAB_TOKEN_TEST_ABORT_AT=step`, from inside the temp home (a core file, if
    /// the system writes one, lands there).
    pub fn run_aborting(&self, args: &[&str], step: &str) -> Output {
        let mut command = self.home.command(BIN);
        command
            .args(args)
            .env("GITLAB_TOKEN_TEST_ABORT_AT", step)
            .current_dir(self.home.path())
            .stdin(Stdio::null());
        let out = command.output().expect("run gitlab-token");
        let out = Output {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        self.assert_secret_free(&out, &format!("{args:?} aborting {step}"));
        out
    }

    /// `add --profile PROFILE --name NAME` with `secret` on stdin; must succeed.
    pub fn add(&self, profile: &str, name: &str, secret: &str) {
        let url = self.gitlab.url();
        let ca = self.ca();
        let args = [
            "add",
            "--host",
            &url,
            "--ca-file",
            &ca,
            "--profile",
            profile,
            "--name",
            name,
            "--timeout",
            "5",
        ];
        let out = self.run(&args, &format!("{secret}\n"));
        assert_eq!(out.code, Some(0), "add failed: {out:?}");
    }

    pub fn ca(&self) -> String {
        self.pki.ca_file.to_str().expect("UTF-8 path").to_owned()
    }

    /// `rotate --host HOST --name NAME EXTRA...`.
    pub fn rotate(&self, name: &str, extra: &[&str], stdin: &str) -> Output {
        let host = self.host();
        let mut args = vec!["rotate", "--host", host.as_str(), "--name", name];
        args.extend(extra);
        self.run(&args, stdin)
    }

    /// What the keychain holds for NAME, read by another client (`secret-tool`).
    pub fn keychain(&self, name: &str) -> Option<String> {
        secret_tool_lookup(&self.account(name))
    }

    pub fn entry(&self, name: &str) -> StoredToken {
        self.home
            .metadata()
            .find(&self.account(name))
            .cloned()
            .unwrap_or_else(|| panic!("no metadata for {name}"))
    }

    pub fn journal(&self) -> PathBuf {
        self.home.path().join("config/gitlab-token/rotation.toml")
    }

    /// `GET /personal_access_tokens/self` with `secret`, over TLS, as any client would.
    pub fn live(&self, secret: &str) -> Result<TokenInfo, ApiError> {
        let instance = Instance::parse(&self.gitlab.url()).expect("fake URL");
        let trust = Trust::with_ca_file(Some(self.pki.ca_file.clone()));
        let client = Client::new(&instance, &trust, Duration::from_secs(5)).expect("client");
        let token = Token::new(secret.to_owned());
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(client.token_self(&token))
    }

    /// The token works (active) on the fake.
    pub fn works(&self, secret: &str) -> bool {
        self.live(secret).is_ok_and(|i| i.active)
    }

    /// The token answers 401 on the fake.
    pub fn rejected(&self, secret: &str) -> bool {
        matches!(
            self.live(secret),
            Err(ApiError::TokenRevoked | ApiError::TokenExpired | ApiError::InvalidToken(_))
        )
    }

    pub fn rotate_calls(&self) -> usize {
        self.gitlab.rotate_calls()
    }
}

/// `YYYY-MM-DD` `days` from today.
pub fn in_days(days: i64) -> String {
    days_from_today(days)
}
