//! A real terminal for end-to-end tests: the built binary runs in a private tmux server; keys go in
//! with `send-keys`, pastes as bracketed pastes, and every screen read is kept so a test can check
//! that no screen ever showed a secret.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long one wait for a screen may take.
pub const WAIT: Duration = Duration::from_secs(15);

pub const WIDTH: u16 = 100;
pub const HEIGHT: u16 = 30;

/// Fails (never skips) without tests/run.sh's environment and tools.
pub fn require_environment() {
    assert_eq!(
        std::env::var("GITLAB_TOKEN_TEST_SECRET_SERVICE").as_deref(),
        Ok("1"),
        "the end-to-end tests need the private D-Bus session with gnome-keyring that tests/run.sh starts: \
         run `bash tests/run.sh --test wizard_e2e` (GITLAB_TOKEN_TEST_SECRET_SERVICE is not set)"
    );
    for tool in ["tmux", "secret-tool"] {
        let found = Command::new(tool)
            .arg("-V")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
            || Command::new(tool)
                .arg("--help")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok();
        assert!(found, "`{tool}` is not installed: tests/run.sh installs it");
    }
}

/// The environment of a program under test: its own config dir under `dir`, tests/run.sh's
/// private session bus (and so its Secret Service), and no colour.
pub fn session_env(dir: &Path) -> Vec<(&'static str, String)> {
    let bus = std::env::var("DBUS_SESSION_BUS_ADDRESS")
        .expect("DBUS_SESSION_BUS_ADDRESS from tests/run.sh");
    vec![
        ("XDG_CONFIG_HOME", dir.join("config").display().to_string()),
        ("DBUS_SESSION_BUS_ADDRESS", bus),
        ("NO_COLOR", "1".to_owned()),
    ]
}

/// One screen read: after which step, and what it showed.
pub struct Capture {
    pub label: String,
    pub text: String,
}

/// A tmux server of its own (its socket in the test's temp dir) with one session, `e2e`, whose
/// single pane runs the command. Killed on drop.
pub struct Tmux {
    socket: PathBuf,
    /// The server's pid: ended by it too when the socket's directory is gone before the drop.
    server: Option<u32>,
    pub captures: Vec<Capture>,
}

pub const TARGET: &str = "e2e";

impl Tmux {
    /// Starts `sh -c SCRIPT` in a WIDTHxHEIGHT pane, in `cwd`, with `env` added. The pane stays
    /// after the program exits (`remain-on-exit`), so its last screen and exit status can be read.
    pub fn start(socket_dir: &Path, cwd: &Path, env: &[(&str, String)], script: &str) -> Tmux {
        let mut tmux = Tmux {
            socket: socket_dir.join("tmux.sock"),
            server: None,
            captures: Vec::new(),
        };
        let mut args: Vec<String> = vec![
            "new-session".into(),
            "-d".into(),
            "-s".into(),
            TARGET.into(),
            "-x".into(),
            WIDTH.to_string(),
            "-y".into(),
            HEIGHT.to_string(),
            "-c".into(),
            cwd.display().to_string(),
        ];
        for (k, v) in env {
            args.push("-e".into());
            args.push(format!("{k}={v}"));
        }
        // Hold the session until remain-on-exit is set: the program waits on a token from us.
        let gate = socket_dir.join("go");
        args.push(format!(
            "while [ ! -e '{}' ]; do sleep 0.02; done; exec sh -c '{}'",
            gate.display(),
            script.replace('\'', r"'\''")
        ));
        tmux.run(&args);
        let pid = tmux.run(&["display-message", "-p", "#{pid}"]);
        tmux.server = String::from_utf8_lossy(&pid.stdout).trim().parse().ok();
        tmux.run(&["set-option", "-t", TARGET, "remain-on-exit", "on"]);
        tmux.run(&["set-option", "-g", "history-limit", "2000"]);
        std::fs::write(&gate, b"").unwrap();
        tmux
    }

    /// Runs `sh -c SCRIPT` anew in the (dead) pane, with `env` added.
    pub fn respawn(&self, cwd: &Path, env: &[(&str, String)], script: &str) {
        let mut args: Vec<String> = vec![
            "respawn-pane".into(),
            "-k".into(),
            "-t".into(),
            TARGET.into(),
        ];
        args.extend(["-c".into(), cwd.display().to_string()]);
        for (k, v) in env {
            args.push("-e".into());
            args.push(format!("{k}={v}"));
        }
        args.push(format!("exec sh -c '{}'", script.replace('\'', r"'\''")));
        self.run(&args);
    }

    fn command(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&self.socket).args(["-f", "/dev/null"]);
        // The server runs commands with $SHELL: make it sh whatever the user's shell is.
        c.env_remove("TMUX")
            .env("SHELL", "/bin/sh")
            .stdin(Stdio::null());
        c
    }

    /// Runs a tmux command; panics when it fails.
    pub fn run<S: AsRef<std::ffi::OsStr>>(&self, args: &[S]) -> Output {
        let out = self.command().args(args).output().expect("tmux runs");
        assert!(
            out.status.success(),
            "tmux {:?} failed: {}",
            args.iter()
                .map(|a| a.as_ref().to_string_lossy().into_owned())
                .collect::<Vec<_>>(),
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The visible screen, kept under `label`.
    pub fn capture(&mut self, label: &str) -> String {
        let out = self.run(&["capture-pane", "-p", "-t", TARGET]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        self.captures.push(Capture {
            label: label.to_owned(),
            text: text.clone(),
        });
        text
    }

    /// The whole pane including its scrollback (after the program left the alternate screen).
    pub fn capture_all(&mut self, label: &str) -> String {
        let out = self.run(&["capture-pane", "-p", "-S", "-", "-t", TARGET]);
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        self.captures.push(Capture {
            label: label.to_owned(),
            text: text.clone(),
        });
        text
    }

    /// Polls the screen until `done` holds, for up to [`WAIT`]; panics with the last screen.
    pub fn wait_until(&mut self, label: &str, what: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + WAIT;
        loop {
            let screen = self.capture(label);
            // A screen captured mid-draw can already hold the awaited text while its lower
            // rows still show the previous screen: return only a screen that stayed the same.
            if done(&screen) {
                std::thread::sleep(Duration::from_millis(40));
                let again = self.capture(label);
                if again == screen {
                    return screen;
                }
            }
            if Instant::now() > deadline {
                panic!(
                    "[{label}] timed out after {WAIT:?} waiting for {what}; the screen:\n{screen}"
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits until the screen shows `needle`.
    pub fn wait_for(&mut self, label: &str, needle: &str) -> String {
        self.wait_until(label, &format!("{needle:?}"), |s| s.contains(needle))
    }

    /// Sends keys by tmux name (`Enter`, `Down`, `C-c`, `Escape`, ...).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", TARGET];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Types text literally, key by key.
    pub fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", TARGET, "-l", text]);
    }

    /// A bracketed paste, as a terminal sends it when the user pastes (crossterm `Event::Paste`).
    pub fn paste(&self, text: &str) {
        self.run(&["set-buffer", "-b", "e2e", "--", text]);
        self.run(&["paste-buffer", "-p", "-d", "-b", "e2e", "-t", TARGET]);
    }

    /// `#{...}` formats of the pane, e.g. `pane_dead`, `pane_dead_status`, `pane_pid`, `alternate_on`.
    pub fn pane(&self, format: &str) -> String {
        let out = self.run(&[
            "display-message",
            "-p",
            "-t",
            TARGET,
            &format!("#{{{format}}}"),
        ]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Asserts that no kept screen shows `secret`.
    pub fn assert_never_shown(&self, secret: &str) {
        assert!(!self.captures.is_empty());
        for c in &self.captures {
            assert!(
                !c.text.contains(secret),
                "the screen after [{}] shows the token:\n{}",
                c.label,
                c.text
            );
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        // GITLAB_TOKEN_E2E_SCREENS=DIR keeps every screen read, to look at what a person would see.
        if let Some(out) = std::env::var_os("GITLAB_TOKEN_E2E_SCREENS") {
            let test = std::thread::current()
                .name()
                .unwrap_or("e2e")
                .replace("::", "-");
            let dir = Path::new(&out).join(test);
            if std::fs::create_dir_all(&dir).is_ok() {
                for (i, c) in self.captures.iter().enumerate() {
                    let name = format!(
                        "{i:03}-{}.txt",
                        c.label.replace(|ch: char| !ch.is_ascii_alphanumeric(), "-")
                    );
                    let _ = std::fs::write(dir.join(name), &c.text);
                }
            }
        }
        let _ = self
            .command()
            .arg("kill-server")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        // Without its socket (a temp dir dropped first) kill-server reaches nothing: end the
        // server by its pid. Its panes get SIGHUP from the server as it exits.
        if let Some(pid) = self.server {
            let _ = Command::new("kill")
                .arg(pid.to_string())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}

/// Regular files under `dir` (recursively) whose bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return found;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            found.extend(files_containing(&path, needle));
        } else if kind.is_file()
            && let Ok(bytes) = std::fs::read(&path)
            && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
        {
            found.push(path);
        }
    }
    found
}

/// Removes an item (cleanup after a test).
pub fn secret_tool_clear(service: &str, account: &str) {
    let _ = Command::new("secret-tool")
        .args(["clear", "service", service, "username", account])
        .stdin(Stdio::null())
        .status();
}

/// Quotes a string for `sh`.
pub fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}
