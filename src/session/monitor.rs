//! `status --check` (an exit code for monitoring agents and shell prompts) and `status --format
//! prometheus` (node-exporter textfile collector lines). Neither ever prints a secret: only the
//! metadata, the run log and the schedule record are read.

use std::fmt::Write;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::exit;
use crate::schedule::Record;
use crate::schedule::log::{self, Run};
use crate::strings::schedule as text;
use crate::vault::StoredToken;

/// What `status` knows about one stored token.
pub struct Seen<'a> {
    pub entry: &'a StoredToken,
    pub days_left: Option<i64>,
    /// With `--verify`: whether the live check passed, and its problems.
    pub verified_ok: Option<bool>,
    pub problems: &'a [String],
}

/// `status --check`: one line per token that needs attention, and the exit code: 1 when any is
/// expired, expires within `within` days, is a browser sign-in that needs signing in again, failed
/// `--verify`, or failed its last rotation (as the run log says); else 0.
pub fn check(seen: &[Seen], runs: &[Run], within: i64) -> (u8, Vec<String>) {
    // The schedule's failures (a `rotate` by hand that did not renew a token is not one).
    let last = log::last_for_nudges(runs);
    let mut lines = Vec::new();
    for s in seen {
        let t = s.entry;
        let date = t.expires_at.as_deref().unwrap_or("");
        match s.days_left {
            Some(d) if crate::gitlab::types::is_expired(d) => {
                lines.push(text::check_expired(&t.account, date));
            }
            Some(d) if d <= within => lines.push(text::check_expiring(&t.account, date, d)),
            _ => {}
        }
        // A browser sign-in whose refresh token GitLab rejected works nowhere until a new login.
        if t.oauth
            .as_ref()
            .is_some_and(|o| t.is_oauth() && o.needs_sign_in)
        {
            lines.push(text::check_needs_sign_in(t));
        }
        if s.verified_ok == Some(false) {
            let problem = s.problems.first().map_or("", String::as_str);
            lines.push(text::check_verify_failed(&t.account, problem));
        }
        if let Some((_, r)) = last
            .iter()
            .find(|(_, r)| r.account == t.account && !r.ok && r.expires_at == t.expires_at)
        {
            lines.push(text::check_rotation_failed(r));
        }
    }
    if lines.is_empty() {
        (exit::OK, vec![text::check_ok(seen.len(), within)])
    } else {
        (exit::CHECK_FAILED, lines)
    }
}

/// A Prometheus label value: `\`, `"` and newlines escaped (the text exposition format).
pub fn label_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

fn labels(t: &StoredToken) -> String {
    format!(
        "account=\"{}\",host=\"{}\",name=\"{}\",user=\"{}\"",
        label_value(&t.account),
        label_value(&t.host),
        label_value(&t.name),
        label_value(&t.username)
    )
}

fn unix(rfc3339: &str) -> Option<i64> {
    OffsetDateTime::parse(rfc3339, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

/// 00:00 UTC of a GitLab expiry date: GitLab treats a token as expired from the start of that day.
fn expiry_unix(date: &str) -> Option<i64> {
    let d = crate::gitlab::types::parse_date(date)?;
    Some(d.midnight().assume_utc().unix_timestamp())
}

struct Family<'a> {
    name: &'a str,
    help: &'a str,
    samples: Vec<(String, i64)>,
}

/// `status --format prometheus`: gauges per stored token and for the schedule.
pub fn prometheus(seen: &[Seen], runs: &[Run], record: Option<&Record>) -> String {
    let last = log::last_per_account(runs);
    let mut families = [
        Family {
            name: "gitlab_token_expires_timestamp_seconds",
            help: "When the token expires (00:00 UTC of its expiry date), as a Unix time. Absent for a token that never expires.",
            samples: Vec::new(),
        },
        Family {
            name: "gitlab_token_last_verified_timestamp_seconds",
            help: "When the token last passed a live check, as a Unix time.",
            samples: Vec::new(),
        },
        Family {
            name: "gitlab_token_verify_ok",
            help: "1 when the live check of this run (status --verify) passed, 0 when it failed.",
            samples: Vec::new(),
        },
        Family {
            name: "gitlab_token_last_rotation_timestamp_seconds",
            help: "When the token was last rotated or a rotation was tried, as a Unix time.",
            samples: Vec::new(),
        },
        Family {
            name: "gitlab_token_last_rotation_success",
            help: "1 when the last rotation tried succeeded, 0 when it failed or needs a person.",
            samples: Vec::new(),
        },
    ];
    for s in seen {
        let l = labels(s.entry);
        if let Some(at) = s.entry.expires_at.as_deref().and_then(expiry_unix) {
            families[0].samples.push((l.clone(), at));
        }
        if let Some(at) = unix(&s.entry.verified_at) {
            families[1].samples.push((l.clone(), at));
        }
        if let Some(ok) = s.verified_ok {
            families[2].samples.push((l.clone(), i64::from(ok)));
        }
        if let Some((run, r)) = last.iter().find(|(_, r)| r.account == s.entry.account) {
            if let Some(at) = unix(&run.at) {
                families[3].samples.push((l.clone(), at));
            }
            families[4].samples.push((l.clone(), i64::from(r.ok)));
        }
    }
    let mut out = String::new();
    for f in families.iter().filter(|f| !f.samples.is_empty()) {
        let _ = writeln!(out, "# HELP {} {}", f.name, f.help);
        let _ = writeln!(out, "# TYPE {} gauge", f.name);
        for (l, v) in &f.samples {
            let _ = writeln!(out, "{}{{{l}}} {v}", f.name);
        }
    }
    let _ = writeln!(
        out,
        "# HELP gitlab_token_schedule_installed 1 when the daily rotation job is installed (gitlab-token schedule enable).\n\
         # TYPE gitlab_token_schedule_installed gauge\n\
         gitlab_token_schedule_installed {}",
        i64::from(record.is_some())
    );
    if let Some(run) = log::last_scheduled(runs)
        && let Some(at) = unix(&run.at)
    {
        let _ = writeln!(
            out,
            "# HELP gitlab_token_schedule_last_run_timestamp_seconds When the daily job last ran, as a Unix time.\n\
             # TYPE gitlab_token_schedule_last_run_timestamp_seconds gauge\n\
             gitlab_token_schedule_last_run_timestamp_seconds {at}\n\
             # HELP gitlab_token_schedule_last_run_success 1 when the daily job's last run needed nobody, else 0.\n\
             # TYPE gitlab_token_schedule_last_run_success gauge\n\
             gitlab_token_schedule_last_run_success {}",
            i64::from(!run.needs_attention())
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(label_value("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        assert_eq!(expiry_unix("1970-01-02"), Some(86_400));
    }
}
