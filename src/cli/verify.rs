//! `gitlab-token verify`: the wizard's live checks, for scripts, with JSON and exit codes.

use std::time::Duration;

use serde::Serialize;

use super::{VerifyArgs, exit, load_profile, parse_host};
use crate::problem::Problem;
use crate::session::stdin::piped_token;
use crate::session::stored;
use crate::strings::{status as text, vault as vault_text};
use crate::validation::{Requirements, Status, Validation};
use crate::vault::{self, Keychain, StoreKind, StoredToken};

#[derive(Serialize)]
struct Report<'a> {
    ok: bool,
    host: String,
    user: Option<UserJson<'a>>,
    token: Option<TokenJson<'a>>,
    missing_scopes: &'a [String],
    /// A fine-grained token's missing permissions: `{permission, on}` (`on`: `memberships` or
    /// `user`).
    missing_permissions: Vec<PermissionJson<'a>>,
    problems: Vec<Problem>,
}

#[derive(Serialize)]
struct PermissionJson<'a> {
    permission: &'a str,
    on: crate::gitlab::granular::On,
}

#[derive(Serialize)]
struct UserJson<'a> {
    id: u64,
    username: &'a str,
    bot: bool,
}

#[derive(Serialize)]
struct TokenJson<'a> {
    id: u64,
    name: &'a str,
    scopes: &'a [String],
    expires_at: Option<&'a str>,
    days_left: Option<i64>,
    active: bool,
    revoked: bool,
    fine_grained: bool,
    /// GitLab's `granular_scopes` where it showed them.
    permissions: Option<&'a [crate::gitlab::granular::Scope]>,
}

pub async fn run(args: VerifyArgs) -> u8 {
    let mut profile = match load_profile(args.profile.as_deref(), None) {
        Ok(p) => p,
        Err(e) => return usage(&e.to_string()),
    };
    let name = args
        .name
        .clone()
        .or_else(|| profile.as_ref().map(|p| p.id.clone()));
    let piped = match piped_token() {
        Ok(t) => t,
        Err(e) => return usage(&e),
    };
    // The stored token the flags name: all of them may be left out when only one matches.
    let entry = stored_entry(args.host.as_deref(), name.as_deref());
    let instance = match (&args.host, &entry) {
        (Some(host), _) => match parse_host(host) {
            Ok(i) => i,
            Err(e) => return usage(&e),
        },
        (None, Ok(entry)) => match crate::instance::Instance::parse(&entry.url) {
            Ok(i) => i,
            Err(e) => return usage(&format!("{}: {e}", entry.url)),
        },
        (None, Err(why)) => return usage(&text::needs_host(&why.message())),
    };
    let (mut ca_file, mut target) = (args.ca_file.clone(), args.target.clone());
    // The stored token's user id lets the role be asked in the first round trip (confirmed
    // against /user's answer; a piped token checked on another host gets none).
    let known_user = entry
        .as_ref()
        .ok()
        .filter(|_| piped.is_none() || args.host.is_none())
        .map(|e| e.user_id);
    let token = match piped {
        Some(t) => {
            if args.host.is_none()
                && let Ok(entry) = &entry
            {
                // A piped token checked against the stored token's instance: its CA file too.
                ca_file = ca_file.or_else(|| entry.ca_file.clone());
            }
            t
        }
        None => {
            let account = match (&entry, name.as_deref()) {
                (Ok(entry), _) => entry.account.clone(),
                (Err(_), Some(name)) => vault::account(name, &instance.key()),
                (Err(why), None) => return usage(&text::needs_name(&why.message())),
            };
            // The stored token's own facts fill in what the command line leaves out.
            let entry = entry.ok().filter(|e| e.account == account);
            if let Some(entry) = &entry {
                ca_file = ca_file.or_else(|| entry.ca_file.clone());
                target = target.or_else(|| entry.target.clone());
                profile = profile.or_else(|| crate::profile::Profile::by_id(&entry.profile).ok());
            }
            if let Some(entry) = entry.as_ref().filter(|e| e.is_oauth()) {
                // A browser sign-in: a valid access token (refreshed if needed), checked
                // through /oauth/token/info.
                let timeout = Duration::from_secs(args.timeout.max(1));
                let needs = Requirements::for_profile(profile.as_ref(), target);
                return match stored::checked_access(entry, &needs, timeout).await {
                    Ok((_, v)) => finish(&args, &instance, &v),
                    Err(e) => stored::access_failed("verify", entry, &e),
                };
            }
            let store = entry.map_or_else(StoreKind::platform_default, |e| e.store);
            let stored = match Keychain::open(store, Duration::from_secs(10)).await {
                Ok(k) => k.get(&account).await,
                Err(e) => Err(e),
            };
            match stored {
                Ok(t) => t,
                Err(e) => {
                    let p = vault_text::problem(&e);
                    eprintln!("gitlab-token: {}\n  fix: {}", p.message, p.fix);
                    return exit::KEYCHAIN;
                }
            }
        }
    };
    if let Some(e) = super::ca_file_problem(ca_file.as_ref()) {
        return usage(&e);
    }
    let needs = Requirements::for_profile(profile.as_ref(), target);
    let v = crate::validation::validate_at_known(
        &instance,
        ca_file,
        &token,
        &needs,
        Duration::from_secs(args.timeout.max(1)),
        known_user,
    )
    .await;
    finish(&args, &instance, &v)
}

/// Prints the verdict and returns the exit code.
fn finish(args: &VerifyArgs, instance: &crate::instance::Instance, v: &Validation) -> u8 {
    if args.json {
        println!("{}", json(&instance.base_url(), v));
    } else {
        print_text(&instance.base_url(), v);
    }
    if v.ok() {
        exit::OK
    } else if v.unreachable() {
        exit::UNREACHABLE
    } else {
        exit::CHECK_FAILED
    }
}

/// The one stored token matching `host` and `name` (either may be left out).
fn stored_entry(host: Option<&str>, name: Option<&str>) -> Result<StoredToken, stored::Choice> {
    let (_, meta) = stored::load()?;
    stored::select(&meta, host, name).cloned()
}

fn usage(message: &str) -> u8 {
    eprintln!("gitlab-token verify: {message}");
    exit::USAGE
}

fn json(host: &str, v: &Validation) -> String {
    let report = Report {
        ok: v.ok(),
        host: host.to_owned(),
        user: v.user.as_ref().map(|u| UserJson {
            id: u.id,
            username: &u.username,
            bot: u.bot,
        }),
        token: v.token.as_ref().map(|t| TokenJson {
            id: t.id,
            name: &t.name,
            scopes: &t.scopes,
            expires_at: t.expires_at.as_deref(),
            days_left: v.days_left,
            active: t.active,
            revoked: t.revoked,
            fine_grained: t.granular,
            permissions: t.granular_scopes.as_deref(),
        }),
        missing_scopes: &v.missing_scopes,
        missing_permissions: v
            .missing_permissions
            .iter()
            .map(|n| PermissionJson {
                permission: &n.permission,
                on: n.on,
            })
            .collect(),
        problems: crate::strings::validation::problems(v),
    };
    serde_json::to_string(&report).unwrap_or_else(|e| format!("{{\"ok\":false,\"error\":\"{e}\"}}"))
}

fn print_text(host: &str, v: &Validation) {
    println!("{host}");
    for (status, line) in crate::strings::validation::lines(v) {
        let mark = match status {
            Status::Ok => "ok  ",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
            Status::Unknown => "?   ",
        };
        println!("  {mark} {line}");
    }
    for p in &crate::strings::validation::problems(v) {
        println!("{}: {}\n  fix: {}", p.kind.as_str(), p.message, p.fix);
    }
}
