//! `gitlab-token schedule enable|disable|status`: the daily job that rotates tokens before they
//! expire. What each `rotate` run leaves in the run log is `session::runlog`'s.

use super::{ScheduleAction, ScheduleArgs, exit};
use crate::schedule::log;
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
    let stored = crate::session::runlog::stored_tokens();
    for t in log::open_nudges(&runs, &stored) {
        println!("  {}", text::nudge_line(t));
    }
    exit::OK
}
