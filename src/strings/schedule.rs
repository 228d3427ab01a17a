//! What `schedule`, the scheduled `rotate`, its notifications and `status --check` say.

use crate::schedule::log::{Run, TokenRun};
use crate::schedule::{Record, units};

/// What a scheduled run needs to reach the keychain (said in the README too).
pub const HEADLESS_KEYCHAIN: &str = "A scheduled run reads the keychain like you do: on Linux the Secret Service of a logged-in session (the timer runs in your systemd user manager, which has your session's D-Bus; the keyring must be unlocked, as it is after a desktop login). On a machine nobody logs in to, store the token with `--store keyutils` (kernel keyring, gone at reboot) or `--store file`, or run `loginctl enable-linger` and unlock the keyring.";

pub fn enabled(record: &Record, changed: bool) -> String {
    let what = if changed {
        "Installed"
    } else {
        "Already installed, unchanged"
    };
    format!(
        "{what}: every day at {} local time (up to {} min later), `gitlab-token rotate` renews tokens that expire within {} days ({}).",
        record.at,
        units::RANDOM_DELAY_MINUTES,
        record.within,
        backend_name(&record.backend)
    )
}

pub fn backend_name(id: &str) -> &str {
    match id {
        "systemd" => "systemd user timer",
        "launchd" => "launchd agent",
        "task-scheduler" => "Task Scheduler task",
        other => other,
    }
}

pub const FILES: &str = "Files:";
pub const DISABLED: &str = "Removed the schedule and its files:";
pub const NOT_INSTALLED: &str =
    "No schedule is installed. `gitlab-token schedule enable` installs the daily rotation.";

pub fn unload_failed(detail: &str) -> String {
    format!("note: the scheduler could not unload it ({detail}); its files are removed anyway.")
}

/// No systemd user manager (or no scheduler at all): nothing was written.
pub fn no_scheduler(backend: Option<&str>, why: &str) -> String {
    let what = match backend {
        Some("systemd") => "No systemd user manager is running for you",
        Some("launchd") => {
            "No launchd session of yours could be reached (log in at the Mac itself)"
        }
        Some(_) => "The task scheduler could not be reached",
        None => "There is no supported scheduler here",
    };
    format!(
        "{what} ({why}), so nothing was installed. To rotate daily from cron instead, add this line with `crontab -e` (gitlab-token never edits your crontab); cron jobs reach the keychain only while you are logged in, or use a token stored with `--store keyutils` or `--store file`:"
    )
}

pub fn last_run(run: &Run) -> String {
    let when = crate::strings::status::verified_at(&run.at);
    format!("Last run: {when} UTC: {}", run_result(run))
}

/// One run in a few words.
pub fn run_result(run: &Run) -> String {
    if run.tokens.is_empty() {
        return if run.exit == 0 {
            "nothing was due".to_owned()
        } else {
            format!("failed before rotating anything (exit {})", run.exit)
        };
    }
    let ok = run.tokens.iter().filter(|t| t.ok).count();
    let bad = run.tokens.len() - ok;
    match bad {
        0 => format!("{ok} rotated"),
        _ => format!("{ok} rotated, {bad} need you"),
    }
}

pub fn next_run(when: &str) -> String {
    format!("Next run: {when} (as the scheduler says; a random delay may follow).")
}

pub const NO_RUN_YET: &str = "Last run: none yet.";
pub const NOT_NOTIFIED: &str = "(no desktop notification could be shown: this is where it is said)";

/// The first screen's and `status`'s line for a token that needs a person.
pub fn nudge_line(t: &TokenRun) -> String {
    let mut line = format!("{}: {}", t.account, nudge_reason(t));
    if let Some(days) = t.days_left {
        line.push_str(&format!(" ({})", days_text(days)));
    }
    if let Some(cmd) = &t.command {
        line.push_str(&format!(". Run: {cmd}"));
    }
    line
}

fn nudge_reason(t: &TokenRun) -> String {
    if t.kinds.iter().any(|k| k == "needs_guided_rotation") {
        "the scheduled rotation cannot renew it by itself".to_owned()
    } else if t.kinds.iter().any(|k| k == "oauth_sign_in_again") {
        "GitLab rejected its refresh token: sign in again".to_owned()
    } else if let Some(m) = &t.message {
        format!("rotation failed: {}", m.trim_end_matches('.'))
    } else {
        "rotation failed".to_owned()
    }
}

fn days_text(days: i64) -> String {
    match days {
        // GitLab ends a token at 00:00 UTC on its expiry date.
        d if crate::gitlab::types::is_expired(d) => "expired".to_owned(),
        1 => "1 day left".to_owned(),
        d => format!("{d} days left"),
    }
}

/// The desktop notification for one token.
pub fn notification(t: &TokenRun) -> (String, String) {
    let summary = format!("GitLab token needs you: {}", t.account);
    let mut body = String::new();
    if let Some(days) = t.days_left {
        body.push_str(&format!("{}. ", capitalise(&days_text(days))));
    }
    body.push_str(&capitalise(&nudge_reason(t)));
    body.push('.');
    if let Some(cmd) = &t.command {
        body.push_str(&format!("\nRun: {cmd}"));
    }
    (summary, body)
}

/// The desktop notification for a scheduled run that stopped before any token.
pub fn notification_run_failed(exit: u8) -> (String, String) {
    (
        "GitLab token rotation did not run".to_owned(),
        format!(
            "The scheduled rotation stopped before checking any token (exit {exit}).\nRun: gitlab-token rotate --within 14 to see why"
        ),
    )
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// The wizard's first-screen notice: what the last scheduled runs left open, and browser
/// sign-ins GitLab no longer refreshes (`needs_sign_in`, known from the metadata even when no
/// scheduled run has seen it).
pub fn wizard_notice(
    open: &[&TokenRun],
    sign_ins: &[&crate::vault::StoredToken],
) -> Option<String> {
    let more = |n: usize| match n {
        0 | 1 => String::new(),
        n => format!(" (and {} more: see `gitlab-token status`)", n - 1),
    };
    let rotation = open.first().map(|first| {
        format!(
            "Scheduled rotation: {}{}",
            nudge_line(first),
            more(open.len())
        )
    });
    let sign_in = sign_ins.first().map(|t| {
        format!(
            "{} needs sign-in (GitLab rejected its refresh token). Run: gitlab-token login --host {} --name {}{}",
            t.account,
            t.host,
            t.name,
            more(sign_ins.len())
        )
    });
    match (rotation, sign_in) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    }
}

/// `status`'s line about the schedule.
pub fn status_line(record: Option<&Record>) -> String {
    match record {
        Some(r) => format!(
            "Schedule: daily at {}, renews tokens that expire within {} days ({}).",
            r.at,
            r.within,
            backend_name(&r.backend)
        ),
        None => "Schedule: none (`gitlab-token schedule enable` renews tokens before they expire)."
            .to_owned(),
    }
}

/// `status --check`: why a token needs attention.
pub fn check_needs_sign_in(t: &crate::vault::StoredToken) -> String {
    format!(
        "{}: needs sign-in (GitLab rejected its refresh token): gitlab-token login --host {} --name {}",
        t.account, t.host, t.name
    )
}

pub fn check_expired(account: &str, date: &str) -> String {
    format!("{account}: expired on {date}")
}

pub fn check_expiring(account: &str, date: &str, days: i64) -> String {
    format!("{account}: expires on {date} ({})", days_text(days))
}

pub fn check_verify_failed(account: &str, problem: &str) -> String {
    format!("{account}: failed verification: {problem}")
}

pub fn check_rotation_failed(t: &TokenRun) -> String {
    format!("{}: last rotation failed: {}", t.account, nudge_reason(t))
}

pub fn check_ok(count: usize, within: i64) -> String {
    format!("ok: {count} stored token(s), none expired, expiring within {within} days or failing")
}

/// The wizard's done screen: whether the daily rotation will renew the token.
pub fn done_line(record: Option<&Record>) -> String {
    match record {
        Some(r) => format!(
            "The daily rotation ({}) renews it when {} days or fewer are left.",
            r.at, r.within
        ),
        None => "Not renewed automatically: `gitlab-token schedule enable` adds a daily rotation."
            .to_owned(),
    }
}
