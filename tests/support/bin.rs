//! Runs the built `gitlab-token` binary with the token on standard input (never in argv), in a
//! private temporary home and config directory.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long one run may take before the test fails (the binary's own timeouts are far shorter).
const RUN_LIMIT: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct Output {
    /// The exit code; `None` when a signal ended the process.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Standard output parsed as one JSON value (panics with both streams when it is not JSON).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Variables of the developer's environment that would change what the program does (proxies,
/// certificate stores): removed for every run.
pub const CLEARED_ENV: &[&str] = &[
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    // `status` lays itself out for COLUMNS: tests choose it explicitly.
    "COLUMNS",
    // A team Vault only where a test configures one (tests/vault_team.rs).
    "VAULT_ADDR",
    "VAULT_SERVER_URL",
    "VAULT_TOKEN",
    "VAULT_NAMESPACE",
    "VAULT_CACERT",
    "VAULT_AUTH_ROLE",
    "VAULT_ROLE_ID",
    "GITLAB_TOKEN_VAULT_MOUNT",
    "GITLAB_TOKEN_VAULT_PREFIX",
];

/// `gitlab-token ARGS` with `stdin` piped in, with HOME and the XDG directories pointing into a
/// fresh temporary directory, and no proxy settings.
pub fn run_bin(args: &[&str], stdin: &str) -> Output {
    let home = tempfile::tempdir().expect("temp home");
    let dir = |name: &str| {
        let path = home.path().join(name);
        std::fs::create_dir_all(&path).expect("create a temp XDG dir");
        path
    };
    let mut command = Command::new(env!("CARGO_BIN_EXE_gitlab-token"));
    command
        .args(args)
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", dir("config"))
        .env("XDG_DATA_HOME", dir("data"))
        .env("XDG_CACHE_HOME", dir("cache"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for var in CLEARED_ENV {
        command.env_remove(var);
    }
    start(command, stdin, format!("gitlab-token {args:?}")).finish()
}

/// A program started with its standard input written and its output being read.
pub struct Running {
    child: Child,
    pub what: String,
    stdout: std::thread::JoinHandle<String>,
    stderr: std::thread::JoinHandle<String>,
}

/// Starts `command` (stdin, stdout and stderr piped), writes `stdin` to it and closes it.
pub fn start(mut command: Command, stdin: &str, what: String) -> Running {
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| panic!("start {what}: {e}"));
    {
        let mut input = child.stdin.take().expect("stdin");
        // The program may exit before reading (usage errors): a broken pipe is fine then.
        let _ = input.write_all(stdin.as_bytes());
    }
    let reader = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = reader(Box::new(child.stdout.take().expect("stdout")));
    let stderr = reader(Box::new(child.stderr.take().expect("stderr")));
    Running {
        child,
        what,
        stdout,
        stderr,
    }
}

impl Running {
    /// The process id (for the kill tests).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL now (the kill tests), then collects what it printed.
    pub fn kill_now(mut self) -> Output {
        let _ = self.child.kill();
        self.finish()
    }

    /// Waits for the program (failing the test past `RUN_LIMIT`) and collects its output.
    pub fn finish(mut self) -> Output {
        let started = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for the child") {
                break status;
            }
            if started.elapsed() > RUN_LIMIT {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("{} ran longer than {RUN_LIMIT:?}", self.what);
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Output {
            code: status.code(),
            stdout: self.stdout.join().expect("stdout reader"),
            stderr: self.stderr.join().expect("stderr reader"),
        }
    }
}
