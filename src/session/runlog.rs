//! What a `rotate` run leaves behind: its line in the run log and, for a scheduled run that needs
//! a person, a desktop notification; and what the wizard shows of the log and the schedule.

use time::OffsetDateTime;

use crate::exit;
use crate::notify::{self, Note};
use crate::rotation::{Failure, PathKind, Report};
use crate::schedule::Place;
use crate::schedule::log::{self, Run, TokenRun};
use crate::strings::schedule as text;
use crate::vault::metadata;

/// Every token report `rotate` printed in this process (one `rotate` runs per process), and
/// whether its store could not be used: filled by [`seen`], taken by [`record`].
static SEEN: std::sync::Mutex<Vec<(TokenRun, bool)>> = std::sync::Mutex::new(Vec::new());

/// Called by `rotate` with the reports it prints.
pub fn seen(reports: &[Report]) {
    let today = OffsetDateTime::now_utc().date();
    if let Ok(mut seen) = SEEN.lock() {
        seen.extend(
            reports
                .iter()
                .map(|r| (token_run(r, today), r.failure == Some(Failure::Keychain))),
        );
    }
}

/// After `rotate` ended with `code`: records the run in the log and, when the schedule started
/// it and a token needs a person, shows a desktop notification per such token. Returns `code`.
pub async fn record(scheduled: bool, code: u8) -> u8 {
    let place = match metadata::default_path() {
        Ok(p) => Place::beside(&p),
        Err(e) => {
            eprintln!("gitlab-token schedule: {e}");
            return code;
        }
    };
    let seen = SEEN
        .lock()
        .map(|mut s| std::mem::take(&mut *s))
        .unwrap_or_default();
    let keychain = seen.iter().any(|(_, k)| *k);
    let mut tokens: Vec<TokenRun> = seen
        .into_iter()
        .map(|(mut t, keychain)| {
            if scheduled && keychain {
                t.fix = Some(text::HEADLESS_KEYCHAIN.to_owned());
            }
            t
        })
        .collect();
    if scheduled && keychain {
        eprintln!("gitlab-token rotate: {}", text::HEADLESS_KEYCHAIN);
    }
    if scheduled {
        tokens.extend(sign_in_runs(&stored_tokens()));
    }
    let mut notes: Vec<Note> = tokens
        .iter()
        .filter(|t| !t.ok)
        .map(|t| {
            let (summary, body) = text::notification(t);
            Note {
                summary,
                body,
                critical: t.days_left.is_some_and(|d| d <= 3),
            }
        })
        .collect();
    if tokens.is_empty() && code != exit::OK {
        // It stopped before any token (metadata unreadable, another rotation running, ...).
        let (summary, body) = text::notification_run_failed(code);
        notes.push(Note {
            summary,
            body,
            critical: false,
        });
    }
    let mut notified = None;
    if scheduled && !notes.is_empty() {
        let mut all = true;
        for note in &notes {
            if let Err(e) = notify::send(note).await {
                eprintln!("gitlab-token rotate: no desktop notification: {e}");
                all = false;
            }
        }
        notified = Some(all);
    }
    let run = Run {
        at: crate::rotation::now_rfc3339(),
        scheduled,
        exit: code,
        tokens,
        notified,
    };
    let path = place.log_path();
    let written = tokio::task::spawn_blocking(move || log::append(&path, &run)).await;
    if let Ok(Err(e)) | Err(e) = written.map_err(std::io::Error::other) {
        eprintln!("gitlab-token rotate: cannot write the run log: {e}");
    }
    code
}

/// Browser sign-ins refresh themselves, so `rotate` leaves them alone; a scheduled run still
/// reports each one: fine, or (GitLab rejected its refresh token) needing a new `login`, which is
/// a nudge like any token that needs a person. A later fine one closes the nudge.
fn sign_in_runs(stored: &[crate::vault::StoredToken]) -> Vec<TokenRun> {
    stored
        .iter()
        .filter(|t| t.is_oauth())
        .map(|t| {
            let needs = t.oauth.as_ref().is_some_and(|o| o.needs_sign_in);
            TokenRun {
                account: t.account.clone(),
                ok: !needs,
                path: "sign-in".into(),
                days_left: None,
                expires_at: t.expires_at.clone(),
                kinds: if needs {
                    vec![
                        crate::problem::ProblemKind::OauthSignInAgain
                            .as_str()
                            .into(),
                    ]
                } else {
                    Vec::new()
                },
                message: None,
                fix: None,
                command: needs
                    .then(|| format!("gitlab-token login --host {} --name {}", t.host, t.name)),
            }
        })
        .collect()
}

/// The stored tokens (none when the metadata cannot be read).
pub fn stored_tokens() -> Vec<crate::vault::StoredToken> {
    metadata::default_path()
        .ok()
        .and_then(|p| crate::vault::Metadata::load(&p).ok())
        .map(|m| m.tokens)
        .unwrap_or_default()
}

fn token_run(r: &Report, today: time::Date) -> TokenRun {
    let days_left = r
        .old_expires_at
        .as_deref()
        .and_then(crate::gitlab::types::parse_date)
        .map(|d| (d - today).whole_days());
    let (host, name) = r.account.rsplit_once('@').map_or(("", ""), |(n, h)| (h, n));
    let problems = crate::strings::rotation::problems(r);
    let has = |kind| problems.iter().any(|p| p.kind == kind);
    let guided = r.path == PathKind::Guided || has(crate::rotation::kind::NEEDS_GUIDED);
    let command = (!r.ok).then(|| {
        if guided || has(crate::rotation::kind::STORED_TOKEN_DEAD) {
            format!("gitlab-token setup --replace {}", r.account)
        } else {
            format!("gitlab-token rotate --host {host} --name {name}")
        }
    });
    let first = problems.first();
    TokenRun {
        account: r.account.clone(),
        ok: r.ok,
        // As `rotate --json` names it (`automatic`, `guided`, ...).
        path: serde_json::to_value(r.path)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        days_left,
        expires_at: r.old_expires_at.clone(),
        kinds: problems
            .iter()
            .map(|p| p.kind.as_str().to_owned())
            .collect(),
        message: first.map(|p| p.message.clone()),
        fix: first.map(|p| p.fix.clone()),
        command,
    }
}

/// The wizard's first-screen line for tokens the last runs left to a person (from the run log).
pub fn wizard_notice(metadata_path: &std::path::Path) -> Option<String> {
    let runs = log::read(&Place::beside(metadata_path).log_path());
    let stored = crate::vault::Metadata::load(metadata_path)
        .map(|m| m.tokens)
        .unwrap_or_default();
    let open = log::open_nudges(&runs, &stored);
    // A sign-in the log already names (a scheduled run saw it) is said once.
    let sign_ins: Vec<&crate::vault::StoredToken> = stored
        .iter()
        .filter(|t| t.is_oauth() && t.oauth.as_ref().is_some_and(|o| o.needs_sign_in))
        .filter(|t| !open.iter().any(|o| o.account == t.account))
        .collect();
    text::wizard_notice(&open, &sign_ins)
}

/// The done screen's line: whether the daily rotation is installed.
pub fn done_line(metadata_path: &std::path::Path) -> String {
    let record = Place::beside(metadata_path).record().ok().flatten();
    text::done_line(record.as_ref())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, needs_sign_in: bool) -> crate::vault::StoredToken {
        let mut t: crate::vault::StoredToken = toml::from_str::<crate::vault::Metadata>(&format!(
            "[[token]]\naccount = \"{name}@h\"\nhost = \"h\"\nurl = \"https://h\"\n\
             name = \"{name}\"\nprofile = \"custom\"\nstore = \"file\"\nusername = \"u\"\n\
             user_id = 1\ntoken_id = 2\ntoken_name = \"n\"\nscopes = []\nverified_at = \"\"\n"
        ))
        .unwrap()
        .tokens
        .remove(0);
        t.kind = crate::vault::CredentialKind::Oauth;
        t.oauth = Some(crate::vault::OAuthFacts {
            app_id: "app".into(),
            access_expires_at: "2026-11-27T10:00:00Z".into(),
            needs_sign_in,
            refresh_sent: None,
        });
        t
    }

    /// Issue 21.12: the first screen warns about a browser sign-in that needs signing in again,
    /// with no scheduled run in the log; a fine one says nothing.
    #[test]
    fn the_first_screen_warns_about_a_sign_in_that_needs_sign_in() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.toml");
        crate::vault::Metadata::update(&path, |m| {
            m.tokens = vec![entry("laptop", true), entry("desk", false)]
        })
        .unwrap();
        let notice = wizard_notice(&path).expect("a notice");
        assert!(notice.contains("laptop@h needs sign-in"), "{notice}");
        assert!(
            notice.contains("gitlab-token login --host h --name laptop"),
            "{notice}"
        );
        assert!(!notice.contains("desk"), "{notice}");
        crate::vault::Metadata::update(&path, |m| m.tokens = vec![entry("desk", false)]).unwrap();
        assert_eq!(wizard_notice(&path), None);
    }
}
