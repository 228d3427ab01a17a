//! The clipboard the Done screen's hand-over copies the token to, and clears.
//!
//! Inside tmux (`$TMUX` set) the token goes into a tmux paste buffer of its own, named for this
//! process, through `tmux load-buffer -w -` (standard input, never argv; `-w` also hands it to
//! the outer terminal's clipboard, tmux 3.2+), so clearing can delete exactly that buffer:
//! tmux keeps every OSC 52 copy in its buffer list and ignores an empty one. Elsewhere the
//! terminal's OSC 52 sets the clipboard (over SSH too) and an empty OSC 52 clears it where the
//! terminal honours that (xterm, kitty, WezTerm, foot, iTerm2). No desktop clipboard crate: a
//! headless or remote session has none, and the terminal's clipboard reaches the desktop.

use std::io::Write;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::token::Token;

/// The tmux buffer this process copies to.
fn buffer_name() -> String {
    format!("gitlab-token-{}", std::process::id())
}

fn in_tmux() -> bool {
    std::env::var_os("TMUX").is_some_and(|v| !v.is_empty())
}

/// tmux answers in milliseconds; one that does not is not waited for.
const TMUX_TIMEOUT: Duration = Duration::from_secs(2);

/// Waits for `child` at most [`TMUX_TIMEOUT`] (then ends it); whether it succeeded.
fn finished(mut child: Child) -> bool {
    let deadline = Instant::now() + TMUX_TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return status.success(),
            Ok(None) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(5)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return false;
            }
        }
    }
}

/// `tmux load-buffer -b NAME -w -` with `text` on standard input; whether tmux took it.
fn tmux_load(text: &[u8]) -> bool {
    let child = Command::new("tmux")
        .args(["load-buffer", "-b", &buffer_name(), "-w", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        return false;
    };
    let written = child
        .stdin
        .take()
        .is_some_and(|mut stdin| stdin.write_all(text).is_ok());
    finished(child) && written
}

enum Job {
    Copy(Token),
    Clear(std::sync::mpsc::Sender<()>),
}

/// tmux is asked on a worker thread of its own, one job after the other in the order asked (a
/// clear never overtakes its copy), so the screen keeps answering while tmux runs.
fn worker() -> &'static std::sync::Mutex<std::sync::mpsc::Sender<Job>> {
    static WORKER: std::sync::OnceLock<std::sync::Mutex<std::sync::mpsc::Sender<Job>>> =
        std::sync::OnceLock::new();
    WORKER.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        std::thread::spawn(move || {
            for job in rx {
                match job {
                    Job::Copy(token) => {
                        if !tmux_load(token.expose().as_bytes()) {
                            crate::ui::links::copy_secret_to_clipboard(&token);
                        }
                    }
                    Job::Clear(done) => {
                        tmux_clear();
                        let _ = done.send(());
                    }
                }
            }
        });
        std::sync::Mutex::new(tx)
    })
}

fn send(job: Job) -> bool {
    worker().lock().is_ok_and(|tx| tx.send(job).is_ok())
}

/// Copies the token (never shown, never in argv or a log): through tmux's worker, or OSC 52
/// written here, between two frames.
pub fn copy_secret(token: Token) {
    if in_tmux() {
        send(Job::Copy(token));
    } else {
        crate::ui::links::copy_secret_to_clipboard(&token);
    }
}

/// Clears what [`copy_secret`] put there: the outer clipboard gets an empty value (tmux: a
/// single space, as tmux forwards no empty copy), and tmux's buffer is deleted. Waits (a few
/// seconds at most) until it is done, a copy still queued first.
pub fn clear() {
    if !in_tmux() {
        crate::ui::links::clear_clipboard();
        return;
    }
    let (tx, rx) = std::sync::mpsc::channel();
    if send(Job::Clear(tx)) {
        let _ = rx.recv_timeout(TMUX_TIMEOUT * 3);
    }
}

/// [`clear`] without waiting: the countdown's end, while the wizard goes on.
pub fn clear_soon() {
    if in_tmux() {
        let (tx, _) = std::sync::mpsc::channel();
        send(Job::Clear(tx));
    } else {
        crate::ui::links::clear_clipboard();
    }
}

fn tmux_clear() {
    tmux_load(b" ");
    if let Ok(child) = Command::new("tmux")
        .args(["delete-buffer", "-b", &buffer_name()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    {
        finished(child);
    }
}
