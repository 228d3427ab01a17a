//! `gitlab-token schedule enable|disable|status`, and what a `rotate` run leaves behind: its line
//! in the run log and, for a scheduled run that needs a person, a desktop notification.

use time::OffsetDateTime;

use super::{RotateArgs, ScheduleAction, ScheduleArgs, exit};
use crate::notify::{self, Note};
use crate::rotation::{Failure, PathKind, Report};
use crate::schedule::log::{self, Run, TokenRun};
use crate::schedule::{self, Place, Spec, backends, runner};
use crate::strings::schedule as text;
use crate::vault::metadata;

fn place() -> Result<Place, u8> {
    match metadata::default_path() {
        Ok(p) => Ok(Place::beside(&p)),
        Err(e) => {
            eprintln!("gitlab-token schedule: {e}");
            Err(exit::USAGE)
        }
    }
}

pub async fn run(args: ScheduleArgs) -> u8 {
    let place = match place() {
        Ok(p) => p,
        Err(code) => return code,
    };
    let Some(config) = dirs::config_dir() else {
        eprintln!(
            "gitlab-token schedule: {}",
            schedule::ScheduleError::NoConfigDir
        );
        return exit::USAGE;
    };
    let backend = backends::for_platform(&config);
    let run = runner::System::default();
    // The scheduler commands block (each with a time limit): off the async workers.
    tokio::task::block_in_place(|| match args.action {
        ScheduleAction::Enable { at, within } => {
            enable(&place, backend.as_deref(), &run, at, within)
        }
        ScheduleAction::Disable => disable(&place, backend.as_deref(), &run),
        ScheduleAction::Status => status(&place, backend.as_deref(), &run),
    })
}

fn enable(
    place: &Place,
    backend: Option<&dyn schedule::Backend>,
    run: &dyn schedule::Runner,
    at: (u8, u8),
    within: i64,
) -> u8 {
    let exe = match std::env::current_exe() {
        Ok(p) => p,
        Err(e) => {
            eprintln!(
                "gitlab-token schedule: {}",
                schedule::ScheduleError::NoExe(e.to_string())
            );
            return exit::USAGE;
        }
    };
    let spec = Spec {
        hour: at.0,
        minute: at.1,
        within,
        exe,
    };
    let unavailable = match backend {
        Some(b) => b.available(run).err(),
        None => Some("this platform has no supported scheduler".to_owned()),
    };
    if let Some(why) = unavailable {
        let id = backend.map(|b| b.id());
        eprintln!("gitlab-token schedule: {}", text::no_scheduler(id, &why));
        println!("{}", schedule::units::crontab_line(&spec, uid()));
        eprintln!("{}", text::HEADLESS_KEYCHAIN);
        return exit::CHECK_FAILED;
    }
    let Some(backend) = backend else {
        return exit::CHECK_FAILED;
    };
    match schedule::enable(place, backend, run, &spec) {
        Ok(done) => {
            println!("{}", text::enabled(&done.record, !done.written.is_empty()));
            println!("{}", text::FILES);
            for f in &done.record.files {
                println!("  {}", f.display());
            }
            println!("{}", text::HEADLESS_KEYCHAIN);
            exit::OK
        }
        Err(e) => {
            eprintln!("gitlab-token schedule: {e}");
            exit::CHECK_FAILED
        }
    }
}

fn uid() -> u32 {
    #[cfg(unix)]
    // SAFETY: getuid has no preconditions and cannot fail.
    return unsafe { libc::getuid() };
    #[cfg(not(unix))]
    0
}

fn disable(
    place: &Place,
    backend: Option<&dyn schedule::Backend>,
    run: &dyn schedule::Runner,
) -> u8 {
    let Some(backend) = backend else {
        println!("{}", text::NOT_INSTALLED);
        return exit::OK;
    };
    match schedule::disable(place, backend, run) {
        Ok(None) => {
            println!("{}", text::NOT_INSTALLED);
            exit::OK
        }
        Ok(Some((record, unload))) => {
            println!("{}", text::DISABLED);
            for f in &record.files {
                println!("  {}", f.display());
            }
            if let Some(e) = unload {
                eprintln!(
                    "gitlab-token schedule: {}",
                    text::unload_failed(&e.to_string())
                );
            }
            exit::OK
        }
        Err(e) => {
            eprintln!("gitlab-token schedule: {e}");
            exit::CHECK_FAILED
        }
    }
}

fn status(
    place: &Place,
    backend: Option<&dyn schedule::Backend>,
    run: &dyn schedule::Runner,
) -> u8 {
    let record = match place.record() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("gitlab-token schedule: {e}");
            return exit::USAGE;
        }
    };
    match &record {
        Some(r) => {
            println!("{}", text::status_line(Some(r)));
            println!("{}", text::FILES);
            for f in &r.files {
                let missing = if f.exists() { "" } else { " (missing)" };
                println!("  {}{missing}", f.display());
            }
            // Only this platform's scheduler is asked (and only about its own job).
            let next = backend
                .filter(|b| b.id() == r.backend)
                .and_then(|b| b.next_run(run));
            if let Some(next) = next {
                println!("{}", text::next_run(&next));
            }
        }
        None => println!("{}", text::NOT_INSTALLED),
    }
    let runs = log::read(&place.log_path());
    match log::last_scheduled(&runs) {
        Some(run) => {
            println!("{}", text::last_run(run));
            if run.notified == Some(false) {
                println!("  {}", text::NOT_NOTIFIED);
            }
        }
        None => println!("{}", text::NO_RUN_YET),
    }
    let stored = stored_tokens();
    for t in log::open_nudges(&runs, &stored) {
        println!("  {}", text::nudge_line(t));
    }
    exit::OK
}

/// Every token report `rotate` printed in this process (one `rotate` runs per process), and
/// whether its store could not be used: filled by [`seen`], taken by [`rotate`].
static SEEN: std::sync::Mutex<Vec<(TokenRun, bool)>> = std::sync::Mutex::new(Vec::new());

/// Called by `rotate` with the reports it prints.
pub(super) fn seen(reports: &[Report]) {
    let today = OffsetDateTime::now_utc().date();
    if let Ok(mut seen) = SEEN.lock() {
        seen.extend(
            reports
                .iter()
                .map(|r| (token_run(r, today), r.failure == Some(Failure::Keychain))),
        );
    }
}

/// `rotate`: runs it, records the run in the log and, when the schedule started it and a token
/// needs a person, shows a desktop notification per such token.
pub async fn rotate(args: RotateArgs) -> u8 {
    let scheduled = args.scheduled;
    let code = super::rotate::run(args).await;
    let Ok(place) = place() else {
        return code;
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

fn stored_tokens() -> Vec<crate::vault::StoredToken> {
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
pub(super) fn wizard_notice(metadata_path: &std::path::Path) -> Option<String> {
    let runs = log::read(&Place::beside(metadata_path).log_path());
    let stored = crate::vault::Metadata::load(metadata_path)
        .map(|m| m.tokens)
        .unwrap_or_default();
    text::wizard_notice(&log::open_nudges(&runs, &stored))
}

/// The done screen's line: whether the daily rotation is installed.
pub(super) fn done_line(metadata_path: &std::path::Path) -> String {
    let record = Place::beside(metadata_path).record().ok().flatten();
    text::done_line(record.as_ref())
}
