//! Choosing a stored token by host and name, and reading its secret from the store it was saved in.

use std::time::Duration;

use crate::gitlab::ApiError;
use crate::instance::Instance;
use crate::token::Token;
use crate::vault::credential::CredentialError;
use crate::vault::inventory::{Both, InventoryError, Local};
use crate::vault::team::{Team, TeamError};
use crate::vault::{Keychain, Metadata, StoredToken, VaultError, metadata};

/// How long a keychain call may take before it is reported as hanging.
pub const KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Why no single stored token could be chosen.
#[derive(Debug)]
pub enum Choice {
    NoneStored,
    NoMatch(String),
    /// More than one token matches; the flags still to give (`--name` when `--host` was given,
    /// `--host` when `--name` was, else both).
    Several(Vec<String>, &'static str),
    Metadata(String),
}

impl Choice {
    pub fn message(&self) -> String {
        match self {
            Choice::NoneStored => "no token is stored yet; run `gitlab-token setup`".into(),
            Choice::NoMatch(what) => {
                format!("no stored token matches {what}; see `gitlab-token status`")
            }
            Choice::Several(accounts, flags) => format!(
                "several tokens are stored{}; choose one with {flags}:\n  {}",
                match *flags {
                    "--name" => " for that host",
                    "--host" => " under that name",
                    _ => "",
                },
                accounts.join("\n  ")
            ),
            Choice::Metadata(e) => e.clone(),
        }
    }
}

/// The team store this process's environment and config.toml configure, opened once.
fn team() -> Option<Result<Team, TeamError>> {
    static TEAM: std::sync::OnceLock<Option<Result<Team, TeamError>>> = std::sync::OnceLock::new();
    TEAM.get_or_init(Team::from_environment).clone()
}

/// Both inventories: tokens.toml with its keychain, and the team's Vault when one is configured
/// (`VAULT_ADDR` or config.toml's `[vault]`; otherwise nothing calls Vault).
pub fn both() -> Result<Both, Choice> {
    let path = metadata::default_path().map_err(|e| Choice::Metadata(e.to_string()))?;
    Ok(Both {
        local: Local {
            metadata_path: path,
            store: crate::vault::StoreKind::platform_default(),
            timeout: KEYCHAIN_TIMEOUT,
        },
        team: team(),
    })
}

/// Every stored token, the local ones and the team's (each with its store), and why the team
/// store could not be read, if it could not.
pub async fn load_all() -> Result<(std::path::PathBuf, Metadata, Option<TeamError>), Choice> {
    let both = both()?;
    let listing = both
        .list()
        .await
        .map_err(|e| Choice::Metadata(e.to_string()))?;
    Ok((both.local.metadata_path, listing.meta, listing.team_problem))
}

/// Prints why the team store could not be read (cause and fix) and returns the keychain's exit
/// code.
pub fn team_unread(command: &str, e: &TeamError) -> u8 {
    let p = crate::strings::vault_kv::team_problem(e);
    eprintln!(
        "gitlab-token {command}: {}",
        crate::strings::vault_kv::unread(&p)
    );
    crate::exit::KEYCHAIN
}

/// The secret of a token held by the team's Vault.
async fn team_secret(entry: &StoredToken) -> Result<Token, CredentialError> {
    let both = both().map_err(|e| CredentialError::Metadata(e.message()))?;
    both.secret(entry).await.map_err(|e| match e {
        InventoryError::Team(t) => CredentialError::Team(t),
        InventoryError::NotFound(a) => CredentialError::Vault(VaultError::NotFound(a)),
        InventoryError::Keychain(k) => CredentialError::Vault(k),
        other => CredentialError::Metadata(other.to_string()),
    })
}

pub fn load() -> Result<(std::path::PathBuf, Metadata), Choice> {
    let path = metadata::default_path().map_err(|e| Choice::Metadata(e.to_string()))?;
    let meta = Metadata::load(&path).map_err(|e| Choice::Metadata(e.to_string()))?;
    Ok((path, meta))
}

/// Whether `entry` is on `host` (an address as people type it, or a stored `host[:port][/path]` key).
pub fn on_host(entry: &StoredToken, host: &str) -> bool {
    let key = Instance::parse(host)
        .map(|i| i.key())
        .unwrap_or_else(|_| host.to_owned());
    entry.host.eq_ignore_ascii_case(&key) || entry.host.eq_ignore_ascii_case(host)
}

/// The one stored token matching the filters.
pub fn select<'a>(
    meta: &'a Metadata,
    host: Option<&str>,
    name: Option<&str>,
) -> Result<&'a StoredToken, Choice> {
    if meta.tokens.is_empty() {
        return Err(Choice::NoneStored);
    }
    let matches: Vec<&StoredToken> = meta
        .tokens
        .iter()
        .filter(|t| host.is_none_or(|h| on_host(t, h)))
        .filter(|t| name.is_none_or(|n| t.name == n))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(Choice::NoMatch(
            [
                host.map(|h| format!("host {h}")),
                name.map(|n| format!("name {n}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" and "),
        )),
        several => Err(Choice::Several(
            several.iter().map(|t| t.account.clone()).collect(),
            // What is left to tell them apart (issue 21.14: `--host H` with two tokens on H
            // asked for --host again).
            match (host, name) {
                (Some(_), None) => "--name",
                (None, Some(_)) => "--host",
                _ => "--host and --name",
            },
        )),
    }
}

#[allow(
    dead_code,
    reason = "kept for callers in other branches; `access` is preferred"
)]
/// Reads the token's secret from the store it was saved in. For an OAuth sign-in, a valid
/// access token (see [`access`]), never the stored pair itself.
pub async fn secret(entry: &StoredToken) -> Result<Token, VaultError> {
    if entry.is_oauth() || !entry.store.is_local() {
        return match access(entry, Duration::from_secs(10)).await {
            Ok(a) => Ok(a.token),
            Err(CredentialError::Vault(e)) => Err(e),
            Err(e) => Err(VaultError::Other(e.to_string())),
        };
    }
    Keychain::open_for(entry, KEYCHAIN_TIMEOUT)
        .await?
        .get(&entry.account)
        .await
}

/// A working access token for `entry`: the stored token, or (OAuth) the access token,
/// refreshed under the vault's lock when it has less than 5 minutes left.
pub async fn access(
    entry: &StoredToken,
    timeout: Duration,
) -> Result<crate::vault::credential::Access, CredentialError> {
    use crate::gitlab::oauth::OAuthError;
    if !entry.store.is_local() {
        return Ok(crate::vault::credential::Access {
            token: team_secret(entry).await?,
            expires_at: None,
            refreshed: false,
        });
    }
    if !entry.is_oauth() {
        // A stored access token as is: no client, no metadata needed.
        let token = Keychain::open_for(entry, KEYCHAIN_TIMEOUT)
            .await?
            .get(&entry.account)
            .await?;
        return Ok(crate::vault::credential::Access {
            token,
            expires_at: None,
            refreshed: false,
        });
    }
    let path = metadata::default_path().map_err(|e| CredentialError::Metadata(e.to_string()))?;
    let client = super::device::client_for(entry, timeout)
        .map_err(|e| CredentialError::Refresh(OAuthError::Api(ApiError::Setup(e))))?;
    // A refresh is irreversible (GitLab invalidates the old pair when it answers): a signal
    // during it waits until the new pair is stored, then ends the process (128 + signal).
    let hold = super::hold::Hold::install();
    hold.enter();
    let access =
        crate::vault::credential::valid_access_token(entry, &path, &client, KEYCHAIN_TIMEOUT).await;
    if let Some(signal) = hold.leave() {
        std::process::exit(128 + i32::from(signal));
    }
    access
}

/// A working access token for `entry` and its live check. An OAuth access token GitLab refuses
/// (401) before its stored expiry is refreshed once and checked again; a refused refresh then
/// asks for a new sign-in.
pub async fn checked_access(
    entry: &StoredToken,
    needs: &crate::validation::Requirements,
    timeout: Duration,
) -> Result<(Token, crate::validation::Validation), CredentialError> {
    let first = access(entry, timeout).await?;
    let v = validate(entry, &first.token, needs, timeout).await;
    if !entry.is_oauth() || first.refreshed || !refused_as_dead(&v) {
        return Ok((first.token, v));
    }
    let path = metadata::default_path().map_err(|e| CredentialError::Metadata(e.to_string()))?;
    let client = super::device::client_for(entry, timeout).map_err(|e| {
        CredentialError::Refresh(crate::gitlab::oauth::OAuthError::Api(ApiError::Setup(e)))
    })?;
    let hold = super::hold::Hold::install();
    hold.enter();
    let again = crate::vault::credential::refresh_refused(
        entry,
        &path,
        &client,
        KEYCHAIN_TIMEOUT,
        &first.token,
    )
    .await;
    if let Some(signal) = hold.leave() {
        std::process::exit(128 + i32::from(signal));
    }
    let again = again?;
    let v = validate(entry, &again.token, needs, timeout).await;
    Ok((again.token, v))
}

/// GitLab refused the token itself (401: expired, revoked, unknown), not a scope or a role.
fn refused_as_dead(v: &crate::validation::Validation) -> bool {
    use crate::validation::Finding;
    let dead = |e: &ApiError| {
        matches!(
            e,
            ApiError::TokenExpired | ApiError::TokenRevoked | ApiError::InvalidToken(_)
        )
    };
    v.token.is_none()
        && v.problems.iter().any(|f| match f {
            Finding::Api(e) | Finding::DeadToken { error: e, .. } => dead(e),
            _ => false,
        })
}

/// Says why [`access`] failed on stderr (cause and fix) and returns the exit code.
pub fn access_failed(command: &str, entry: &StoredToken, e: &CredentialError) -> u8 {
    let instance = Instance::parse(&entry.url).unwrap_or_else(|_| Instance::gitlab_com());
    let (message, fix, code) = match e {
        CredentialError::Vault(VaultError::NotFound(account)) if !entry.is_oauth() => {
            eprintln!(
                "gitlab-token {command}: the metadata names {account}, but its store holds no token; run `gitlab-token setup` again"
            );
            return crate::exit::CHECK_FAILED;
        }
        CredentialError::Vault(VaultError::NotFound(account)) => (
            format!("the metadata names {account}, but its store holds nothing"),
            crate::strings::oauth::sign_in_again(&instance, Some(&entry.name)),
            crate::exit::CHECK_FAILED,
        ),
        CredentialError::Vault(v) => {
            let p = crate::strings::vault::problem(v);
            (p.message, p.fix, crate::exit::KEYCHAIN)
        }
        CredentialError::Team(t) => {
            let p = crate::strings::vault_kv::team_problem(t);
            (p.message, p.fix, crate::exit::KEYCHAIN)
        }
        CredentialError::NeedsSignIn { account } => (
            format!("GitLab no longer accepts the sign-in stored as {account}"),
            crate::strings::oauth::sign_in_again(&instance, Some(&entry.name)),
            crate::exit::CHECK_FAILED,
        ),
        CredentialError::RefreshInDoubt {
            account,
            sent_at,
            cause,
        } => (
            crate::strings::oauth::refresh_in_doubt(account, sent_at, cause),
            crate::strings::oauth::refresh_in_doubt_fix(&instance, Some(&entry.name)),
            if cause.kind().is_reachability() {
                crate::exit::UNREACHABLE
            } else {
                crate::exit::CHECK_FAILED
            },
        ),
        CredentialError::LostInRefresh { account, sent_at } => (
            crate::strings::oauth::lost_in_refresh(account, sent_at),
            crate::strings::oauth::sign_in_again(&instance, Some(&entry.name)),
            crate::exit::CHECK_FAILED,
        ),
        CredentialError::Refresh(o) => {
            let p = crate::strings::oauth::problem(o, &instance);
            let code = if p.kind.is_reachability() {
                crate::exit::UNREACHABLE
            } else {
                crate::exit::CHECK_FAILED
            };
            (
                format!(
                    "the access token expired and could not be refreshed: {}",
                    p.message
                ),
                p.fix,
                code,
            )
        }
        CredentialError::Corrupt(_) | CredentialError::Metadata(_) => (
            e.to_string(),
            crate::strings::oauth::sign_in_again(&instance, Some(&entry.name)),
            crate::exit::CHECK_FAILED,
        ),
    };
    eprintln!("gitlab-token {command}: {message}\n  fix: {fix}");
    code
}

/// The live checks for a stored entry's token: OAuth tokens through `/oauth/token/info`.
pub async fn validate(
    entry: &StoredToken,
    token: &Token,
    needs: &crate::validation::Requirements,
    timeout: Duration,
) -> crate::validation::Validation {
    let instance = Instance::parse(&entry.url).unwrap_or_else(|_| Instance::gitlab_com());
    if entry.is_oauth()
        && let Ok(client) = super::device::client_for(entry, timeout)
    {
        let today = time::OffsetDateTime::now_utc().date();
        return crate::validation::validate_oauth(&client, token, needs, today).await;
    }
    crate::validation::validate_at(&instance, entry.ca_file.clone(), token, needs, timeout).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(name: &str, host: &str) -> StoredToken {
        StoredToken::sample(name, host)
    }

    /// Issue 21.14: `setup-git --host H` with two tokens on H asked for `--host` again.
    #[test]
    fn several_matches_ask_for_the_flag_still_missing() {
        let meta = Metadata {
            tokens: vec![
                entry("a", "gitlab.example.com"),
                entry("b", "gitlab.example.com"),
                entry("a", "gitlab.com"),
            ],
            ..Default::default()
        };
        let message = |host, name| select(&meta, host, name).unwrap_err().message();
        let by_host = message(Some("gitlab.example.com"), None);
        assert!(by_host.contains("choose one with --name:"), "{by_host}");
        assert!(!by_host.contains("--host"), "{by_host}");
        assert!(
            by_host.contains("a@gitlab.example.com") && by_host.contains("b@gitlab.example.com")
        );
        assert!(!by_host.contains("a@gitlab.com"), "{by_host}");
        let by_name = message(None, Some("a"));
        assert!(by_name.contains("choose one with --host:"), "{by_name}");
        assert!(!by_name.contains("--name"), "{by_name}");
        let neither = message(None, None);
        assert!(neither.contains("several tokens are stored; choose one with --host and --name"));
    }
}
