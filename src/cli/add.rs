//! `gitlab-token add`: the scriptable setup. Reads a token from standard input, validates it live
//! with the same checks as the wizard, and stores it only if every check passes.

use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{AddArgs, exit, load_profile, parse_host};
use crate::session::stdin::token_from_stdin;
use crate::session::stored;
use crate::strings::vault as vault_text;
use crate::validation::Requirements;
use crate::vault::inventory::InventoryError;
use crate::vault::team::TeamError;
use crate::vault::{self, StoreKind, StoredToken, metadata};

pub async fn run(args: AddArgs) -> u8 {
    let instance = match parse_host(&args.host) {
        Ok(i) => i,
        Err(e) => return usage(&e),
    };
    let profile = match load_profile(args.profile.as_deref(), args.profile_file.as_ref()) {
        Ok(p) => p,
        Err(e) => return usage(&e.to_string()),
    };
    let Some(name) = args
        .name
        .clone()
        .or_else(|| profile.as_ref().map(|p| p.id.clone()))
    else {
        return usage("name the token with --name or --profile");
    };
    if let Some(e) = super::name_or_ca_problem(&name, args.ca_file.as_ref()) {
        return usage(&e);
    }
    let token = match token_from_stdin() {
        Ok(t) => t,
        Err(e) => return usage(&format!("{e}; or use `gitlab-token setup`")),
    };
    let metadata_path = match metadata::default_path() {
        Ok(p) => p,
        Err(e) => return usage(&e.to_string()),
    };
    let store = args.store.unwrap_or_else(StoreKind::platform_default);
    let both = match stored::both() {
        Ok(both) => both,
        Err(e) => return usage(&e.message()),
    };
    if let Err(code) = ready(store, &both, &metadata_path).await {
        return code;
    }
    let needs = Requirements::for_profile(profile.as_ref(), args.target.clone());
    let timeout = Duration::from_secs(args.timeout.max(1));
    let v =
        crate::validation::validate_at(&instance, args.ca_file.clone(), &token, &needs, timeout)
            .await;
    let (Some(info), Some(user)) = (v.token.as_ref().filter(|_| v.ok()), v.user.as_ref()) else {
        for p in &crate::strings::validation::problems(&v) {
            eprintln!(
                "gitlab-token add: {}: {}\n  fix: {}",
                p.kind.as_str(),
                p.message,
                p.fix
            );
        }
        eprintln!("gitlab-token add: nothing was stored");
        return if v.unreachable() {
            exit::UNREACHABLE
        } else {
            exit::CHECK_FAILED
        };
    };
    let at = OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default();
    let profile_id = profile.as_ref().map_or("custom", |p| p.id.as_str());
    let mut entry = StoredToken::new(
        &instance,
        &name,
        profile_id,
        info,
        user,
        &at,
        args.ca_file.clone(),
        args.target.clone(),
    );
    entry.gitlab_version = v.metadata.as_ref().map(|m| m.version.clone());
    let saved = both.save(store, &token, entry).await;
    said(
        saved,
        info.expires_at.as_deref(),
        v.days_left,
        &instance,
        &name,
    )
}

/// The chosen store can take the token, before anything is checked: the team store configured
/// with a KV v2 mount, or tokens.toml readable. Else the exit code, said.
async fn ready(
    store: StoreKind,
    both: &crate::vault::inventory::Both,
    metadata_path: &std::path::Path,
) -> Result<(), u8> {
    if store == StoreKind::Vault {
        // The team store must be configured and its mount KV v2 before anything is checked.
        let ready = match both.team() {
            Some(Ok(team)) => team.kv().check_mount().await.map_err(TeamError::Kv),
            Some(Err(e)) => Err(e),
            None => Err(TeamError::Config(crate::vault::kv::ConfigError::NoAddress)),
        };
        if let Err(e) = ready {
            return Err(team_failed(&e));
        }
    } else if let Err(e) = vault::Metadata::load(metadata_path) {
        // tokens.toml must be usable before anything is checked or stored.
        eprintln!("gitlab-token add: {e}\n  nothing was stored");
        return Err(exit::CHECK_FAILED);
    }
    Ok(())
}

/// What became of the save: stored (with a warning when it expires soon), or why not.
fn said(
    saved: Result<vault::Saved, InventoryError>,
    expires_at: Option<&str>,
    days_left: Option<i64>,
    instance: &crate::instance::Instance,
    name: &str,
) -> u8 {
    match saved {
        Ok(saved) => {
            println!(
                "Stored {} in the {} (verified; expires {}).",
                saved.account,
                saved.store,
                expires_at.unwrap_or("never")
            );
            if let Some(days) = days_left.filter(|d| *d <= crate::validation::EXPIRY_WARNING_DAYS) {
                eprintln!(
                    "gitlab-token add: warning: {}",
                    crate::strings::status::expires_soon_after_add(
                        &saved.account,
                        &instance.key(),
                        name,
                        days
                    )
                );
            }
            exit::OK
        }
        Err(InventoryError::Team(e)) => team_failed(&e),
        Err(InventoryError::Keychain(e)) => {
            let p = vault_text::problem(&e);
            eprintln!(
                "gitlab-token add: {}\n  fix: {}\n  nothing was stored",
                p.message, p.fix
            );
            exit::KEYCHAIN
        }
        Err(e) => {
            eprintln!(
                "gitlab-token add: {}",
                vault_text::metadata_failed(&e.to_string())
            );
            exit::CHECK_FAILED
        }
    }
}

/// The team store could not be used: cause, fix, nothing stored, the keychain's exit code.
fn team_failed(e: &TeamError) -> u8 {
    let p = crate::strings::vault_kv::team_problem(e);
    eprintln!(
        "gitlab-token add: {}\n  fix: {}\n  nothing was stored",
        p.message, p.fix
    );
    exit::KEYCHAIN
}

fn usage(message: &str) -> u8 {
    eprintln!("gitlab-token add: {message}");
    exit::USAGE
}
