//! One backend per platform: where its files go and which scheduler commands load and unload
//! them. systemd user units (Linux), a launchd agent (macOS), a Task Scheduler task (Windows).

use std::path::{Path, PathBuf};

use super::runner::{Ran, Runner};
use super::units::{self, LAUNCHD_LABEL, SYSTEMD_SERVICE, SYSTEMD_TIMER, TASK_NAME};
use super::{ScheduleError, Spec};

/// A platform's scheduler.
pub trait Backend {
    /// `systemd`, `launchd` or `task-scheduler` (recorded, and shown by `schedule status`).
    fn id(&self) -> &'static str;
    /// The files that make up the schedule, with their exact bytes.
    fn files(&self, spec: &Spec) -> Vec<(PathBuf, Vec<u8>)>;
    /// Why this scheduler cannot run `spec`'s program (e.g. characters it refuses in the path).
    fn refuses(&self, _spec: &Spec) -> Option<String> {
        None
    }
    /// Whether the scheduler can be used now; `Err(why)` when it cannot (nothing is written then).
    fn available(&self, run: &dyn Runner) -> Result<(), String>;
    /// Loads the files just written (`changed`: whether any file's content changed).
    fn activate(
        &self,
        run: &dyn Runner,
        files: &[PathBuf],
        changed: bool,
    ) -> Result<(), ScheduleError>;
    /// Unloads the schedule (before its files are removed); best effort when already gone.
    fn deactivate(&self, run: &dyn Runner, files: &[PathBuf]) -> Result<(), ScheduleError>;
    /// When the scheduler will run the job next, as it says it (`None`: it does not say).
    fn next_run(&self, _run: &dyn Runner) -> Option<String> {
        None
    }
}

/// This platform's backend, or `None` where there is none (e.g. a BSD: the crontab line then).
pub fn for_platform(config_dir: &Path) -> Option<Box<dyn Backend>> {
    if cfg!(target_os = "macos") {
        let home = dirs::home_dir()?;
        Some(Box::new(Launchd {
            dir: home.join("Library").join("LaunchAgents"),
        }))
    } else if cfg!(windows) {
        Some(Box::new(TaskScheduler {
            dir: config_dir.join("gitlab-token"),
        }))
    } else if cfg!(target_os = "linux") {
        Some(Box::new(Systemd {
            dir: config_dir.join("systemd").join("user"),
        }))
    } else {
        None
    }
}

fn call(run: &dyn Runner, program: &str, args: &[&str]) -> Result<Ran, ScheduleError> {
    let ran = run.run(program, args).map_err(|e| ScheduleError::Command {
        command: format!("{program} {}", args.join(" ")),
        detail: e.to_string(),
    })?;
    if ran.success {
        Ok(ran)
    } else {
        Err(ScheduleError::Command {
            command: format!("{program} {}", args.join(" ")),
            detail: first_line(&ran.stderr),
        })
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("it failed with no message")
        .trim()
        .to_owned()
}

/// systemd user units in `~/.config/systemd/user/`, loaded with `systemctl --user`.
pub struct Systemd {
    pub dir: PathBuf,
}

impl Backend for Systemd {
    fn id(&self) -> &'static str {
        "systemd"
    }

    fn files(&self, spec: &Spec) -> Vec<(PathBuf, Vec<u8>)> {
        vec![
            (
                self.dir.join(SYSTEMD_SERVICE),
                units::systemd_service(spec).into_bytes(),
            ),
            (
                self.dir.join(SYSTEMD_TIMER),
                units::systemd_timer(spec).into_bytes(),
            ),
        ]
    }

    fn refuses(&self, spec: &Spec) -> Option<String> {
        let path = spec.exe.to_string_lossy();
        path.contains(units::SYSTEMD_BAD_PATH_CHARS).then(|| {
            "systemd cannot run a program whose path holds a quote, a backslash or a line break"
                .to_owned()
        })
    }

    fn available(&self, run: &dyn Runner) -> Result<(), String> {
        // Answers only when a user manager runs for this user (and its bus can be reached).
        match run.run("systemctl", &["--user", "show-environment"]) {
            Ok(r) if r.success => Ok(()),
            Ok(r) => Err(first_line(&r.stderr)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err("systemctl is not installed".to_owned())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    fn activate(
        &self,
        run: &dyn Runner,
        _files: &[PathBuf],
        changed: bool,
    ) -> Result<(), ScheduleError> {
        if changed {
            call(run, "systemctl", &["--user", "daemon-reload"])?;
        }
        call(
            run,
            "systemctl",
            &["--user", "enable", "--now", SYSTEMD_TIMER],
        )?;
        if changed {
            // A timer that was already running picks up a new time.
            call(run, "systemctl", &["--user", "restart", SYSTEMD_TIMER])?;
        }
        Ok(())
    }

    fn deactivate(&self, run: &dyn Runner, _files: &[PathBuf]) -> Result<(), ScheduleError> {
        call(
            run,
            "systemctl",
            &["--user", "disable", "--now", SYSTEMD_TIMER],
        )
        .map(|_| ())
    }

    fn next_run(&self, run: &dyn Runner) -> Option<String> {
        let args = [
            "--user",
            "show",
            "-P",
            "NextElapseUSecRealtime",
            SYSTEMD_TIMER,
        ];
        let ran = call(run, "systemctl", &args).ok()?;
        Some(ran.stdout.trim().to_owned()).filter(|s| !s.is_empty() && s != "n/a")
    }
}

/// A launchd agent in `~/Library/LaunchAgents/`, loaded with `launchctl bootstrap gui/UID`.
pub struct Launchd {
    pub dir: PathBuf,
}

fn gui_domain() -> String {
    #[cfg(unix)]
    // SAFETY: getuid has no preconditions and cannot fail.
    let uid = unsafe { libc::getuid() };
    #[cfg(not(unix))]
    let uid = 0;
    format!("gui/{uid}")
}

impl Backend for Launchd {
    fn id(&self) -> &'static str {
        "launchd"
    }

    fn files(&self, spec: &Spec) -> Vec<(PathBuf, Vec<u8>)> {
        vec![(
            self.dir.join(format!("{LAUNCHD_LABEL}.plist")),
            units::launchd_plist(spec).into_bytes(),
        )]
    }

    fn available(&self, run: &dyn Runner) -> Result<(), String> {
        match run.run("launchctl", &["print", &gui_domain()]) {
            Ok(r) if r.success => Ok(()),
            Ok(r) => Err(first_line(&r.stderr)),
            Err(e) => Err(e.to_string()),
        }
    }

    fn activate(
        &self,
        run: &dyn Runner,
        files: &[PathBuf],
        _changed: bool,
    ) -> Result<(), ScheduleError> {
        let domain = gui_domain();
        let service = format!("{domain}/{LAUNCHD_LABEL}");
        // bootstrap refuses a label that is already loaded: unload the old one first.
        let _ = run.run("launchctl", &["bootout", &service]);
        let plist = files
            .first()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        call(run, "launchctl", &["bootstrap", &domain, &plist]).map(|_| ())
    }

    fn deactivate(&self, run: &dyn Runner, _files: &[PathBuf]) -> Result<(), ScheduleError> {
        let service = format!("{}/{LAUNCHD_LABEL}", gui_domain());
        // Not loaded (e.g. after a reboot without login) is fine: the file still goes.
        let _ = run.run("launchctl", &["bootout", &service]);
        Ok(())
    }
}

/// A Task Scheduler task, from an XML file kept in the config directory (`schtasks /XML`).
pub struct TaskScheduler {
    pub dir: PathBuf,
}

impl Backend for TaskScheduler {
    fn id(&self) -> &'static str {
        "task-scheduler"
    }

    fn files(&self, spec: &Spec) -> Vec<(PathBuf, Vec<u8>)> {
        vec![(
            self.dir.join("gitlab-token-rotate.xml"),
            units::utf16_with_bom(&units::task_xml(spec)),
        )]
    }

    fn available(&self, run: &dyn Runner) -> Result<(), String> {
        match run.run("schtasks", &["/Query", "/FO", "CSV", "/NH", "/TN", "\\"]) {
            Ok(_) => Ok(()),
            Err(e) => Err(e.to_string()),
        }
    }

    fn activate(
        &self,
        run: &dyn Runner,
        files: &[PathBuf],
        _changed: bool,
    ) -> Result<(), ScheduleError> {
        let xml = files
            .first()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        call(
            run,
            "schtasks",
            &["/Create", "/TN", TASK_NAME, "/XML", &xml, "/F"],
        )
        .map(|_| ())
    }

    fn deactivate(&self, run: &dyn Runner, _files: &[PathBuf]) -> Result<(), ScheduleError> {
        let _ = run.run("schtasks", &["/Delete", "/TN", TASK_NAME, "/F"]);
        Ok(())
    }
}
