//! The daily rotation job: installed and removed per user through the platform's scheduler
//! (`backends`), with a record of exactly what was written (`schedule.toml`) and a run log (`log`).

pub mod backends;
pub mod log;
pub mod runner;
pub mod units;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

pub use backends::Backend;
pub use runner::Runner;

/// `--within` when not given: the same window as GitLab's own warning e-mails, doubled.
pub const DEFAULT_WITHIN_DAYS: i64 = 14;
/// `--at` when not given (local time).
pub const DEFAULT_AT: (u8, u8) = (10, 0);
/// The record of what `enable` wrote, beside the metadata.
pub const RECORD_FILE: &str = "schedule.toml";

/// What the job does and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub hour: u8,
    pub minute: u8,
    pub within: i64,
    /// This program's absolute path.
    pub exe: PathBuf,
}

impl Spec {
    /// The command the job runs: `EXE rotate --scheduled --yes --within DAYS`.
    pub fn command(&self) -> Vec<String> {
        vec![
            self.exe.to_string_lossy().into_owned(),
            "rotate".into(),
            "--scheduled".into(),
            "--yes".into(),
            "--within".into(),
            self.within.to_string(),
        ]
    }

    pub fn at(&self) -> String {
        format!("{:02}:{:02}", self.hour, self.minute)
    }
}

/// `HH:MM`, 24-hour clock.
pub fn parse_at(s: &str) -> Result<(u8, u8), String> {
    let bad = || format!("use a time of day as HH:MM (24-hour clock), like 09:30, not {s:?}");
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let (h, m) = (
        h.parse::<u8>().map_err(|_| bad())?,
        m.parse::<u8>().map_err(|_| bad())?,
    );
    if h > 23 || m > 59 || s.trim().len() > 5 {
        return Err(bad());
    }
    Ok((h, m))
}

/// What `enable` wrote: `disable` removes exactly these files, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub backend: String,
    pub at: String,
    pub within: i64,
    pub command: Vec<String>,
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Error)]
pub enum ScheduleError {
    #[error("cannot find the user's config directory (set XDG_CONFIG_HOME or HOME)")]
    NoConfigDir,
    #[error("cannot find this program's own path: {0}")]
    NoExe(String),
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot remove {path}: {source}")]
    Remove {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path} is not valid: {message}; remove it and run `gitlab-token schedule enable` again"
    )]
    Record { path: PathBuf, message: String },
    #[error(
        "{path} exists and was not written by gitlab-token; nothing was changed (move it away to let gitlab-token install its own)"
    )]
    Foreign { path: PathBuf },
    #[error(
        "{why}: {path}; install gitlab-token under a plainer path (e.g. ~/.local/bin) and enable the schedule from there"
    )]
    UnusablePath { path: PathBuf, why: String },
    #[error("`{command}` failed: {detail}")]
    Command { command: String, detail: String },
}

/// Where the record and the run log live: beside the metadata.
pub struct Place {
    pub dir: PathBuf,
}

impl Place {
    /// Beside `tokens.toml`.
    pub fn beside(metadata_path: &Path) -> Place {
        Place {
            dir: metadata_path.parent().unwrap_or(Path::new(".")).to_owned(),
        }
    }

    pub fn record_path(&self) -> PathBuf {
        self.dir.join(RECORD_FILE)
    }

    pub fn log_path(&self) -> PathBuf {
        self.dir.join(log::LOG_FILE)
    }

    /// The installed schedule, if any.
    pub fn record(&self) -> Result<Option<Record>, ScheduleError> {
        let path = self.record_path();
        let text = match crate::files::read_regular_text(&path, 64 * 1024) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(ScheduleError::Record {
                    path,
                    message: e.to_string(),
                });
            }
        };
        toml::from_str(&text)
            .map(Some)
            .map_err(|e| ScheduleError::Record {
                path,
                message: e.message().to_owned(),
            })
    }
}

/// What `enable` did.
#[derive(Debug)]
pub struct Enabled {
    pub record: Record,
    /// Files whose content changed (empty when everything was already in place).
    pub written: Vec<PathBuf>,
}

/// Writes the backend's files (atomically; only those whose content differs), loads them, and
/// records them. A file in the way that an earlier `enable` did not write is left alone.
pub fn enable(
    place: &Place,
    backend: &dyn Backend,
    run: &dyn Runner,
    spec: &Spec,
) -> Result<Enabled, ScheduleError> {
    if let Some(why) = backend.refuses(spec) {
        return Err(ScheduleError::UnusablePath {
            path: spec.exe.clone(),
            why,
        });
    }
    let previous = place.record()?;
    let owned = |p: &Path| {
        previous
            .as_ref()
            .is_some_and(|r| r.files.iter().any(|f| f == p))
    };
    let files = backend.files(spec);
    let mut written = Vec::new();
    for (path, bytes) in &files {
        match std::fs::read(path) {
            Ok(current) if &current == bytes => continue,
            Ok(_) if !owned(path) => return Err(ScheduleError::Foreign { path: path.clone() }),
            _ => written.push(path.clone()),
        }
    }
    for (path, bytes) in files.iter().filter(|(p, _)| written.contains(p)) {
        crate::vault::write_atomically(path, bytes).map_err(|source| ScheduleError::Write {
            path: path.clone(),
            source,
        })?;
    }
    let record = Record {
        backend: backend.id().to_owned(),
        at: spec.at(),
        within: spec.within,
        command: spec.command(),
        files: files.iter().map(|(p, _)| p.clone()).collect(),
    };
    // Recorded before the scheduler is told, so `disable` can undo a half-done `enable`.
    if previous.as_ref() != Some(&record) {
        write_record(place, &record)?;
    }
    // Files an earlier `enable` wrote that this one does not (none today) are removed.
    if let Some(old) = &previous {
        for stale in old.files.iter().filter(|f| !record.files.contains(f)) {
            remove(stale)?;
        }
    }
    backend.activate(run, &record.files, !written.is_empty())?;
    Ok(Enabled { record, written })
}

fn write_record(place: &Place, record: &Record) -> Result<(), ScheduleError> {
    let path = place.record_path();
    let text = toml::to_string(record).map_err(|e| ScheduleError::Record {
        path: path.clone(),
        message: e.to_string(),
    })?;
    crate::vault::write_atomically(&path, text.as_bytes())
        .map_err(|source| ScheduleError::Write { path, source })
}

fn remove(path: &Path) -> Result<(), ScheduleError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(ScheduleError::Remove {
            path: path.to_owned(),
            source,
        }),
    }
}

/// Unloads the schedule and removes exactly the files `enable` recorded, then the record.
/// `Ok(None)` when nothing was installed. The scheduler refusing does not keep the files: they
/// go anyway (a failed unload is returned beside what was removed).
pub fn disable(
    place: &Place,
    backend: &dyn Backend,
    run: &dyn Runner,
) -> Result<Option<(Record, Option<ScheduleError>)>, ScheduleError> {
    let Some(record) = place.record()? else {
        return Ok(None);
    };
    let unload = backend.deactivate(run, &record.files).err();
    for f in &record.files {
        remove(f)?;
    }
    if record.backend == "systemd" {
        // The units are gone: forget them (best effort; a missing user manager is fine here).
        let _ = run.run("systemctl", &["--user", "daemon-reload"]);
    }
    remove(&place.record_path())?;
    Ok(Some((record, unload)))
}
