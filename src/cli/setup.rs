//! `gitlab-token setup`: the wizard, with choices preselected from flags and the git remote.

use std::io::IsTerminal;
use std::time::Duration;

use time::OffsetDateTime;

use super::{Preselect, exit, load_profile, parse_host};
use crate::instance::gitlab_remote;
use crate::profile::Profile;
use crate::runtime::{self, Outcome};
use crate::session::runlog;
use crate::vault::{StoreKind, metadata};
use crate::wizard::Setup;

pub async fn run(p: Preselect) -> u8 {
    if !std::io::stdin().is_terminal() || !std::io::stdout().is_terminal() {
        eprintln!(
            "gitlab-token: the setup wizard needs a terminal. In scripts, pipe a token to `gitlab-token verify --host URL`."
        );
        return exit::USAGE;
    }
    let host = match p.host.as_deref().map(parse_host).transpose() {
        Ok(h) => h,
        Err(e) => {
            eprintln!("gitlab-token: {e}");
            return exit::USAGE;
        }
    };
    let profile = match load_profile(p.profile.as_deref(), p.profile_file.as_ref()) {
        Ok(profile) => profile,
        Err(e) => {
            eprintln!("gitlab-token: {e}");
            return exit::USAGE;
        }
    };
    let metadata_path = match metadata::default_path() {
        Ok(path) => path,
        Err(e) => {
            eprintln!("gitlab-token: {e}");
            return exit::USAGE;
        }
    };
    let mut profiles = Profile::built_in();
    if let Some(own) = profile
        .as_ref()
        .filter(|p| !profiles.iter().any(|b| b.id == p.id))
    {
        profiles.insert(0, own.clone());
    }
    // An interrupted rotation is repaired first, so the metadata read below is current.
    let ctx = crate::rotation::Context {
        metadata_path: metadata_path.clone(),
        timeout: Duration::from_secs(p.timeout.max(1)),
        keychain_timeout: Duration::from_secs(10),
    };
    // So is a save or forget that was killed half way (said on the first screen too).
    let repaired = crate::vault::reconcile(&metadata_path, ctx.keychain_timeout).await;
    let recovered: Vec<String> = crate::rotation::recover(&ctx)
        .await
        .iter()
        .map(|r| {
            let message = crate::strings::rotation::recovered(r);
            match crate::strings::rotation::recovered_fix(r) {
                Some(fix) => format!("{message} {fix}"),
                None => message,
            }
        })
        .collect();
    let notice = (!recovered.is_empty()).then(|| recovered.join("; "));
    let notice = match repaired.is_empty() {
        true => notice,
        false => Some(
            repaired
                .iter()
                .map(crate::strings::vault::repair)
                .chain(notice)
                .collect::<Vec<_>>()
                .join("; "),
        ),
    };
    // What the daily rotation left to a person (a desktop notification said it too, if it could).
    let notice = match (notice, runlog::wizard_notice(&metadata_path)) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    };
    let replace = match p.replace.as_deref() {
        None => None,
        Some(account) => match crate::vault::Metadata::load(&metadata_path)
            .ok()
            .and_then(|m| m.find(account).cloned())
        {
            Some(entry) => Some(entry),
            None => {
                eprintln!("gitlab-token: no stored token {account}; see `gitlab-token status`");
                return exit::USAGE;
            }
        },
    };
    // The name (flag or profile id) is checked before the wizard starts, not at its save step.
    let name = p
        .name
        .clone()
        .or_else(|| profile.as_ref().map(|p| p.id.clone()));
    if let Some(Err(e)) = name.as_deref().map(crate::vault::names::check_name) {
        eprintln!(
            "gitlab-token: --name: {e}; {}",
            crate::strings::vault::NAME_RULES
        );
        return exit::USAGE;
    }
    let setup = Setup {
        today: OffsetDateTime::now_utc().date(),
        profiles,
        profile,
        host,
        remote: git_remote().await,
        ca_file: p.ca_file,
        name: p.name,
        expiring: expiring(&metadata_path),
        replace,
        notice,
        schedule: Some(runlog::done_line(&metadata_path)),
        sinks: crate::vault::Metadata::load(&metadata_path)
            .map(|m| {
                m.sinks
                    .iter()
                    .map(|s| (s.account.clone(), s.target()))
                    .collect()
            })
            .unwrap_or_default(),
    };
    let metadata_path_for_stored = metadata_path.clone();
    let options = runtime::Options {
        timeout: Duration::from_secs(p.timeout.max(1)),
        keychain_timeout: Duration::from_secs(10),
        metadata_path,
        store: p.store.unwrap_or_else(StoreKind::platform_default),
        stored: crate::vault::Metadata::load(&metadata_path_for_stored)
            .map(|m| m.tokens)
            .unwrap_or_default(),
        oauth_app_id: p.oauth_app_id.clone().or_else(|| {
            std::env::var("GITLAB_TOKEN_OAUTH_APP_ID")
                .ok()
                .filter(|v| !v.trim().is_empty())
        }),
    };
    let ended = runtime::run(setup, options).await;
    if let Ok(e) = &ended {
        // The terminal is restored by now: this stays on screen after the wizard.
        println!("{}", e.summary);
    }
    match ended.map(|e| e.outcome) {
        Ok(Outcome::Saved | Outcome::CheckPassed | Outcome::Rotated) => exit::OK,
        Ok(Outcome::Quit) => exit::CHECK_FAILED,
        Ok(Outcome::Signalled) => exit::SIGNALLED,
        Err(e) => {
            eprintln!("gitlab-token: terminal error: {e}");
            exit::CHECK_FAILED
        }
    }
}

/// Stored tokens that are expired or expire within the warning window.
fn expiring(path: &std::path::Path) -> Vec<(crate::vault::StoredToken, i64)> {
    let today = OffsetDateTime::now_utc().date();
    crate::vault::Metadata::load(path)
        .map(|m| {
            m.tokens
                .iter()
                .filter_map(|t| {
                    let days = t.days_left(today)?;
                    (days <= crate::validation::EXPIRY_WARNING_DAYS).then(|| (t.clone(), days))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The current directory's GitLab remote, if any (`git remote -v`, bounded by a timeout).
async fn git_remote() -> Option<(crate::instance::Instance, String)> {
    let output = tokio::process::Command::new("git")
        .args(["remote", "-v"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(Duration::from_secs(2), output)
        .await
        .ok()?
        .ok()?;
    gitlab_remote(&String::from_utf8_lossy(&output.stdout))
}
