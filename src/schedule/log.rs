//! The run log (`runs.jsonl`, beside the metadata): one JSON line per `rotate` run (scheduled or
//! not) with each token's result. Never a token: accounts, dates, problem kinds and messages.
//! Bounded: past [`MAX_LINES`] lines it keeps the newest [`KEEP_LINES`].

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::vault::StoredToken;

pub const LOG_FILE: &str = "runs.jsonl";
/// The most lines the log holds before it is cut.
pub const MAX_LINES: usize = 200;
/// The lines kept when it is cut.
pub const KEEP_LINES: usize = 100;

/// One `rotate` run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Run {
    /// RFC 3339, UTC.
    pub at: String,
    /// Started by the schedule (`rotate --scheduled`).
    pub scheduled: bool,
    /// The process's exit code.
    pub exit: u8,
    #[serde(default)]
    pub tokens: Vec<TokenRun>,
    /// Whether a desktop notification was shown (`None`: none was needed).
    #[serde(default)]
    pub notified: Option<bool>,
}

/// One token's result in a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenRun {
    pub account: String,
    pub ok: bool,
    /// `automatic` or `guided`.
    pub path: String,
    /// Days left before the run (negative: expired).
    pub days_left: Option<i64>,
    /// The token's expiry date before the run: once the stored token's differs, it was replaced
    /// (by the wizard, `rotate --replace` or a later rotation) and the nudge is over.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// The problems' kinds, e.g. `needs_guided_rotation`.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// The first problem, and what to do.
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub fix: Option<String>,
    /// The command a person runs next (when one is needed).
    #[serde(default)]
    pub command: Option<String>,
}

impl Run {
    /// Whether anything in this run needs a person.
    pub fn needs_attention(&self) -> bool {
        self.tokens.iter().any(|t| !t.ok) || (self.tokens.is_empty() && self.exit != 0)
    }
}

/// Appends one run, under the metadata directory's lock, cutting the log when it is too long.
pub fn append(path: &Path, run: &Run) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let lock = crate::files::open_lock_file(&dir.join("runs.lock"))?;
    // Not read through a link either: its cut would copy the target's text into the log.
    crate::files::refuse_symlink(path)?;
    crate::vault::lock_briefly(&lock)?;
    let mut line = serde_json::to_string(run).map_err(std::io::Error::other)?;
    line.push('\n');
    let existing = read_text(path)?;
    let count = existing.lines().count();
    if count + 1 > MAX_LINES {
        let lines: Vec<&str> = existing.lines().collect();
        let mut kept = lines[lines.len() - (KEEP_LINES - 1)..].join("\n");
        kept.push('\n');
        kept.push_str(&line);
        return crate::vault::write_atomically(path, kept.as_bytes());
    }
    crate::files::append_regular(path, line.as_bytes())
}

fn read_text(path: &Path) -> std::io::Result<String> {
    match crate::files::read_regular_text(path, crate::files::MAX_FILE_BYTES) {
        Ok(t) => Ok(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(e) => Err(e),
    }
}

/// Every run in the log, oldest first (lines that do not parse are skipped).
pub fn read(path: &Path) -> Vec<Run> {
    read_text(path)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// The newest scheduled run.
pub fn last_scheduled(runs: &[Run]) -> Option<&Run> {
    runs.iter().rev().find(|r| r.scheduled)
}

/// Each account's newest result (from any run), newest run last.
pub fn last_per_account(runs: &[Run]) -> Vec<(&Run, &TokenRun)> {
    let mut out: Vec<(&Run, &TokenRun)> = Vec::new();
    for run in runs {
        for t in &run.tokens {
            out.retain(|(_, o)| o.account != t.account);
            out.push((run, t));
        }
    }
    out
}

/// Each account's newest result a nudge is about: the schedule's results, and any run's success.
/// A `rotate` run by hand that did not renew a token was seen by whoever ran it: it is no
/// scheduled rotation's failure (a guided token with 45 days left is not due), so it neither
/// opens a nudge nor hides the schedule's; one that worked closes it.
pub fn last_for_nudges(runs: &[Run]) -> Vec<(&Run, &TokenRun)> {
    let mut out: Vec<(&Run, &TokenRun)> = Vec::new();
    for run in runs {
        for t in run.tokens.iter().filter(|t| run.scheduled || t.ok) {
            out.retain(|(_, o)| o.account != t.account);
            out.push((run, t));
        }
    }
    out
}

/// The tokens that still need a person after the newest scheduled run that touched them (see
/// [`last_for_nudges`]): still stored, and still the same token (its expiry unchanged).
pub fn open_nudges<'a>(runs: &'a [Run], stored: &[StoredToken]) -> Vec<&'a TokenRun> {
    last_for_nudges(runs)
        .into_iter()
        .filter(|(_, t)| !t.ok && still_open(t, stored))
        .map(|(_, t)| t)
        .collect()
}

/// Whether the token `t` is about is still the one stored.
pub fn still_open(t: &TokenRun, stored: &[StoredToken]) -> bool {
    stored
        .iter()
        .any(|s| s.account == t.account && s.expires_at == t.expires_at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(i: usize, ok: bool) -> Run {
        Run {
            at: format!("2026-11-27T10:{:02}:00Z", i % 60),
            scheduled: true,
            exit: u8::from(!ok),
            tokens: vec![TokenRun {
                account: format!("t{}@h", i % 3),
                ok,
                path: "automatic".into(),
                days_left: Some(3),
                expires_at: None,
                kinds: vec![],
                message: None,
                fix: None,
                command: None,
            }],
            notified: None,
        }
    }

    #[test]
    fn the_log_is_bounded_and_keeps_the_newest() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LOG_FILE);
        for i in 0..(MAX_LINES + 5) {
            append(&path, &run(i, i.is_multiple_of(2))).unwrap();
        }
        let runs = read(&path);
        assert!(runs.len() <= MAX_LINES, "{}", runs.len());
        assert!(runs.len() >= KEEP_LINES);
        assert_eq!(
            runs.last().unwrap(),
            &run(MAX_LINES + 4, (MAX_LINES + 4).is_multiple_of(2))
        );
    }

    #[test]
    fn a_later_success_closes_the_nudge() {
        let stored: Vec<StoredToken> = toml::from_str::<crate::vault::Metadata>(
            "[[token]]\naccount = \"t0@h\"\nhost = \"h\"\nurl = \"https://h\"\nname = \"t0\"\n\
             profile = \"custom\"\nstore = \"file\"\nusername = \"u\"\nuser_id = 1\n\
             token_id = 2\ntoken_name = \"n\"\nscopes = []\nverified_at = \"\"\n",
        )
        .unwrap()
        .tokens;
        let runs = vec![run(0, false), run(3, true)];
        assert!(open_nudges(&runs, &stored).is_empty());
        let runs = vec![run(3, true), run(0, false)];
        assert_eq!(open_nudges(&runs, &stored).len(), 1);
        // Replaced since (another expiry), or forgotten: no longer open.
        let mut replaced = stored.clone();
        replaced[0].expires_at = Some("2027-01-01".into());
        assert!(open_nudges(&runs, &replaced).is_empty());
        assert!(open_nudges(&runs, &[]).is_empty());
    }

    /// Issue 21.12: a `rotate` by hand that did not renew opens no nudge and hides none; one
    /// that worked closes it.
    #[test]
    fn a_manual_run_opens_no_nudge_and_a_manual_success_closes_one() {
        let stored: Vec<StoredToken> = toml::from_str::<crate::vault::Metadata>(
            "[[token]]\naccount = \"t0@h\"\nhost = \"h\"\nurl = \"https://h\"\nname = \"t0\"\n\
             profile = \"custom\"\nstore = \"file\"\nusername = \"u\"\nuser_id = 1\n\
             token_id = 2\ntoken_name = \"n\"\nscopes = []\nverified_at = \"\"\n",
        )
        .unwrap()
        .tokens;
        let manual = |ok| Run {
            scheduled: false,
            ..run(0, ok)
        };
        assert!(open_nudges(&[manual(false)], &stored).is_empty());
        assert_eq!(
            open_nudges(&[run(0, false), manual(false)], &stored).len(),
            1
        );
        assert!(open_nudges(&[run(0, false), manual(true)], &stored).is_empty());
    }
}
