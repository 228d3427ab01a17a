//! Running the platform's scheduler commands (`systemctl --user`, `launchctl`, `schtasks`) with a
//! time limit, behind a trait so tests can put a fake in their place (or a fake on `PATH`).

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What a command printed and how it ended.
#[derive(Debug, Clone)]
pub struct Ran {
    pub success: bool,
    pub stdout: String,
    pub stderr: String,
}

/// Runs a program with arguments (no shell), waiting at most its time limit.
pub trait Runner {
    fn run(&self, program: &str, args: &[&str]) -> std::io::Result<Ran>;
}

/// The real one: the program from `PATH`, killed after [`System::timeout`].
pub struct System {
    pub timeout: Duration,
}

impl Default for System {
    fn default() -> Self {
        System {
            timeout: Duration::from_secs(30),
        }
    }
}

impl Runner for System {
    fn run(&self, program: &str, args: &[&str]) -> std::io::Result<Ran> {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        // Read both pipes on threads, so a chatty command never blocks on a full pipe.
        let mut out = child.stdout.take();
        let mut err = child.stderr.take();
        let out_thread = std::thread::spawn(move || read_capped(out.as_mut()));
        let err_thread = std::thread::spawn(move || read_capped(err.as_mut()));
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break Some(status);
            }
            if Instant::now() >= deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let stdout = out_thread.join().unwrap_or_default();
        let stderr = err_thread.join().unwrap_or_default();
        match status {
            Some(status) => Ok(Ran {
                success: status.success(),
                stdout,
                stderr,
            }),
            None => Err(std::io::Error::new(
                std::io::ErrorKind::TimedOut,
                format!(
                    "`{program}` did not finish within {} s",
                    self.timeout.as_secs()
                ),
            )),
        }
    }
}

/// At most 64 KiB of a pipe, as text.
fn read_capped(pipe: Option<&mut impl Read>) -> String {
    let mut bytes = Vec::new();
    if let Some(p) = pipe {
        let _ = p.take(64 * 1024).read_to_end(&mut bytes);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}
