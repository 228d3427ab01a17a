//! The `command` sink: a program (argv as configured, no shell) run with the new token on its
//! standard input, followed by a newline and end of file. Never in its arguments or environment.
//! Its exit code is the result; past its timeout it is killed (its whole process group on Unix).

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};

use super::{Done, Failure};
use crate::token::Token;

/// The most of a command's output kept (for the message on failure); the rest is drained.
const OUTPUT_KEPT: usize = 16 * 1024;

/// A command line for people: each word quoted when it holds a space or a quote.
pub fn show_argv(argv: &[String]) -> String {
    argv.iter()
        .map(|w| {
            if w.is_empty()
                || w.chars()
                    .any(|c| c.is_whitespace() || "'\"\\$`".contains(c))
            {
                format!("{w:?}")
            } else {
                w.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `argv` with `token` on its standard input; what happened.
pub async fn deliver(argv: &[String], token: &Token, timeout: Duration) -> Result<Done, Failure> {
    let Some((program, args)) = argv.split_first() else {
        return Err(Failure::CommandEmpty);
    };
    let argv = argv.to_vec();
    let not_started = |detail: String| Failure::CommandNotStarted {
        argv: argv.clone(),
        detail,
    };
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    #[cfg(unix)]
    command.process_group(0);
    let mut child = command.spawn().map_err(|e| not_started(e.to_string()))?;
    let pid = child.id();
    let stdin = child.stdin.take();
    let (stdout, stderr) = (child.stdout.take(), child.stderr.take());
    let secret = token.expose().as_bytes();
    let feed = async move {
        if let Some(mut stdin) = stdin {
            // A command that exits without reading gets EPIPE here: its exit code still decides.
            let _ = stdin.write_all(secret).await;
            let _ = stdin.write_all(b"\n").await;
            let _ = stdin.shutdown().await;
        }
    };
    let finished = tokio::time::timeout(timeout, async {
        let ((), _out, err, status) =
            tokio::join!(feed, drain(stdout), drain(stderr), child.wait());
        (err, status)
    })
    .await;
    match finished {
        Ok((_, Ok(status))) if status.success() => Ok(Done::CommandRan { argv }),
        Ok((err, Ok(status))) => Err(Failure::CommandFailed {
            said: last_line(&err, token),
            code: status.code(),
            argv,
        }),
        Ok((_, Err(e))) => Err(not_started(e.to_string())),
        Err(_) => {
            kill_group(pid);
            let _ = child.start_kill();
            let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
            Err(Failure::CommandTimedOut {
                argv,
                secs: timeout.as_secs(),
            })
        }
    }
}

/// Reads a pipe to its end, keeping the first [`OUTPUT_KEPT`] bytes.
async fn drain(pipe: Option<impl AsyncRead + Unpin>) -> Vec<u8> {
    let mut kept = Vec::new();
    let Some(mut pipe) = pipe else {
        return kept;
    };
    let mut buf = [0u8; 4096];
    while let Ok(n) = pipe.read(&mut buf).await {
        if n == 0 {
            break;
        }
        let room = OUTPUT_KEPT.saturating_sub(kept.len());
        kept.extend_from_slice(&buf[..n.min(room)]);
    }
    kept
}

/// The command's last non-empty line of standard error, cleaned, the token masked if it echoed it.
fn last_line(err: &[u8], token: &Token) -> String {
    let text = String::from_utf8_lossy(err).replace(token.expose(), &token.masked());
    let line = text
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    crate::sanitize::clean(line, crate::sanitize::MESSAGE_MAX)
}

#[cfg(unix)]
fn kill_group(pid: Option<u32>) {
    if let Some(pid) = pid.and_then(|p| i32::try_from(p).ok()) {
        // SAFETY: kill(2) with a negative pid signals that process group; no memory is touched.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
}

#[cfg(not(unix))]
fn kill_group(_pid: Option<u32>) {}
