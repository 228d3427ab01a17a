//! A temporary home shared by several runs of the built binary (and of git), so `add`, `status`,
//! `get`, `forget` and git all see one config directory. After every command it searches every
//! file under the home for the secrets it was told to watch: a token must never reach a file
//! (except where a test allows it, e.g. the explicit `--store file`).

use std::ffi::OsStr;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::bin::{Output, Running, start};

/// A `DBUS_SESSION_BUS_ADDRESS` whose socket does not exist.
pub const DEAD_BUS: &str = "unix:path=/nonexistent/bus";

pub struct Home {
    dir: tempfile::TempDir,
    /// Secrets that no file under the home may contain.
    watched: Mutex<Vec<String>>,
    /// Files that may hold a watched secret.
    allowed: Mutex<Vec<PathBuf>>,
    /// Set on every command (after the defaults), e.g. a dead D-Bus address.
    env: Vec<(String, String)>,
}

impl Default for Home {
    fn default() -> Self {
        Self::new()
    }
}

impl Home {
    /// HOME is the temp dir; `config`, `data`, `cache` and `run` (0700) are the XDG directories.
    pub fn new() -> Home {
        let dir = tempfile::tempdir().expect("temp home");
        for name in ["config", "data", "cache", "run"] {
            std::fs::create_dir_all(dir.path().join(name)).expect("create a temp XDG dir");
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                dir.path().join("run"),
                std::fs::Permissions::from_mode(0o700),
            )
            .expect("chmod run dir");
        }
        Home {
            dir,
            watched: Mutex::new(Vec::new()),
            allowed: Mutex::new(Vec::new()),
            env: Vec::new(),
        }
    }

    /// Every command of this home runs with `key=value` too.
    pub fn with_env(mut self, key: &str, value: &str) -> Home {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `$XDG_CONFIG_HOME/gitlab-token/tokens.toml`.
    pub fn tokens_toml(&self) -> PathBuf {
        self.path().join("config/gitlab-token/tokens.toml")
    }

    /// `$XDG_CONFIG_HOME/gitlab-token/secrets.toml` (the explicit file store).
    pub fn secrets_toml(&self) -> PathBuf {
        self.path().join("config/gitlab-token/secrets.toml")
    }

    /// git's global config file for this home (`GIT_CONFIG_GLOBAL`).
    pub fn gitconfig(&self) -> PathBuf {
        self.path().join("gitconfig")
    }

    /// From now on, no file under the home may contain `secret` (checked after every command).
    pub fn watch(&self, secret: &str) {
        self.watched.lock().unwrap().push(secret.to_owned());
    }

    /// `path` may contain watched secrets.
    pub fn allow_secrets_in(&self, path: &Path) {
        self.allowed.lock().unwrap().push(path.to_owned());
    }

    /// The stored metadata (an empty list when the file does not exist).
    pub fn metadata(&self) -> gitlab_token::vault::Metadata {
        gitlab_token::vault::Metadata::load(&self.tokens_toml()).expect("tokens.toml parses")
    }

    /// `program` with this home's environment: HOME and the XDG dirs inside it, git's global
    /// config in it (no system config, no prompts), no proxies, no colour.
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        let p = |name: &str| self.path().join(name);
        command
            .env("HOME", self.path())
            .env("XDG_CONFIG_HOME", p("config"))
            .env("XDG_DATA_HOME", p("data"))
            .env("XDG_CACHE_HOME", p("cache"))
            .env("XDG_RUNTIME_DIR", p("run"))
            .env("GIT_CONFIG_GLOBAL", self.gitconfig())
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for var in super::bin::CLEARED_ENV
            .iter()
            .chain(&["GIT_ASKPASS", "SSH_ASKPASS"])
        {
            command.env_remove(var);
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// `gitlab-token ARGS` with `stdin` piped in.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        self.run_env(args, stdin, &[])
    }

    /// `gitlab-token ARGS` with extra environment variables.
    pub fn run_env(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Output {
        self.wait(self.spawn_env(args, stdin, env))
    }

    /// Starts `gitlab-token ARGS` without waiting (for concurrent runs).
    /// Waits for a command started by [`Home::spawn`], then checks the home's files for watched
    /// secrets.
    pub fn wait(&self, running: Running) -> Output {
        let what = running.what.clone();
        let out = running.finish();
        self.assert_no_secret_in_files(&what);
        out
    }

    pub fn spawn(&self, args: &[&str], stdin: &str) -> Running {
        self.spawn_env(args, stdin, &[])
    }

    pub fn spawn_env(&self, args: &[&str], stdin: &str, env: &[(&str, &str)]) -> Running {
        let mut command = self.command(env!("CARGO_BIN_EXE_gitlab-token"));
        command.args(args).envs(env.iter().copied());
        start(command, stdin, format!("gitlab-token {args:?}"))
    }

    /// Any other program (git) with this home's environment.
    pub fn run_program(&self, program: &str, args: &[&str], stdin: &str) -> Output {
        let mut command = self.command(program);
        command.args(args);
        self.wait(start(command, stdin, format!("{program} {args:?}")))
    }

    /// Every regular file under the home.
    pub fn files(&self) -> Vec<PathBuf> {
        files_under(self.path())
    }

    /// Fails when a file under the home (other than the allowed ones) holds a watched secret.
    pub fn assert_no_secret_in_files(&self, after: &str) {
        let watched = self.watched.lock().unwrap().clone();
        let allowed = self.allowed.lock().unwrap().clone();
        for file in self.files() {
            if allowed.contains(&file) {
                continue;
            }
            let Ok(bytes) = std::fs::read(&file) else {
                continue; // a socket or a file removed meanwhile
            };
            for secret in &watched {
                assert!(
                    !contains(&bytes, secret.as_bytes()),
                    "after {after}: {} contains a token",
                    file.display()
                );
            }
        }
    }
}

/// Regular files under `dir`, recursively (symlinks are not followed).
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                pending.push(entry.path());
            } else if kind.is_file() {
                out.push(entry.path());
            }
        }
    }
    out.sort();
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// Polls `check` every 20 ms until it holds or `limit` passes; returns whether it held.
pub fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if check() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A name no other test (or earlier command) uses: `TAG-PID-MICROS-N`.
pub fn unique_name(tag: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let micros = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() % 1_000_000_000);
    format!(
        "{tag}-{}-{micros}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}
