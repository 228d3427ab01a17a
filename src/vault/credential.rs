//! A stored credential is an access token or an OAuth pair; [`valid_access_token`] is the one
//! place that hands out a working access token, refreshing an OAuth pair under the writer lock.
//!
//! An OAuth pair is ONE keychain entry (service `gitlab-token`, account `NAME@HOST`) holding a
//! small JSON document (`{"v":1,"access":…,"refresh":…,"expires_at":UNIX}`); the metadata entry
//! says `kind = "oauth"` and holds only non-secret facts ([`OAuthFacts`]).
//!
//! Refresh protocol (GitLab invalidates the old pair the moment it answers a refresh):
//! 1. read the pair; more than [`REFRESH_MARGIN`] left → use it (no lock, no network);
//! 2. take the vault's writer lock (`vault.lock`, shared with save/forget/reconcile), then read
//!    the pair AGAIN: another process may have refreshed meanwhile → use that one;
//! 3. refresh, write the new pair and read it back, then update the metadata's expiry, then
//!    release the lock and use the new access token;
//! 4. `invalid_grant` marks the entry `needs_sign_in` (no refresh is tried again until
//!    `gitlab-token login`); any other failure leaves the pair as it was, and a still unexpired
//!    access token is handed out.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::OffsetDateTime;
use zeroize::Zeroize;

use super::save::{update, writer_lock};
use super::{Keychain, OAuthFacts, StoredToken, VaultError};
use crate::gitlab::Client;
use crate::gitlab::oauth::{self, OAuthError, OAuthPair};
use crate::token::Token;

/// Refresh when less than this is left on the access token.
pub const REFRESH_MARGIN: time::Duration = time::Duration::minutes(5);

/// How long to wait for another process's refresh (or save) to finish.
const LOCK_WAIT: Duration = Duration::from_secs(60);

/// Why no working access token could be handed out.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum CredentialError {
    #[error(transparent)]
    Vault(#[from] VaultError),
    /// GitLab rejected the refresh token (now or earlier): sign in again.
    #[error("the sign-in for {account} must be renewed")]
    NeedsSignIn { account: String },
    /// The refresh failed for another reason (the network, GitLab) and the access token has
    /// expired.
    #[error("the access token could not be refreshed: {0}")]
    Refresh(OAuthError),
    /// The keychain holds something that is not a stored OAuth pair.
    #[error("the stored sign-in for {0} cannot be read")]
    Corrupt(String),
    /// The metadata or the writer lock failed.
    #[error("{0}")]
    Metadata(String),
    /// The team's Vault, where the token is stored, could not be used.
    #[error(transparent)]
    Team(super::team::TeamError),
}

/// A working access token and what is known about it.
pub struct Access {
    pub token: Token,
    /// When it expires (OAuth only; an access token's expiry is a date in the metadata).
    pub expires_at: Option<OffsetDateTime>,
    /// A refresh happened in this call.
    pub refreshed: bool,
}

/// The secret form of an OAuth pair, as JSON inside the keychain entry.
#[derive(Serialize, Deserialize)]
struct Sealed {
    v: u8,
    access: String,
    refresh: String,
    expires_at: i64,
    #[serde(default)]
    scopes: Vec<String>,
}

impl Drop for Sealed {
    fn drop(&mut self) {
        self.access.zeroize();
        self.refresh.zeroize();
    }
}

/// The keychain value for `pair`.
pub fn seal(pair: &OAuthPair) -> Token {
    let sealed = Sealed {
        v: 1,
        access: pair.access.expose().to_owned(),
        refresh: pair.refresh.expose().to_owned(),
        expires_at: pair.expires_at.unix_timestamp(),
        scopes: pair.scopes.clone(),
    };
    // Serializing plain strings and numbers cannot fail.
    Token::new(serde_json::to_string(&sealed).unwrap_or_default())
}

/// The pair in a keychain value written by [`seal`].
pub fn unseal(secret: &Token) -> Option<OAuthPair> {
    let sealed: Sealed = serde_json::from_str(secret.expose()).ok()?;
    if sealed.v != 1 {
        return None;
    }
    Some(OAuthPair {
        access: Token::new(sealed.access.clone()),
        refresh: Token::new(sealed.refresh.clone()),
        expires_at: OffsetDateTime::from_unix_timestamp(sealed.expires_at).ok()?,
        scopes: sealed.scopes.clone(),
    })
}

/// Where and under which name a new OAuth sign-in is saved.
pub struct SignIn<'a> {
    pub instance: &'a crate::instance::Instance,
    /// The NAME of `NAME@HOST`.
    pub name: &'a str,
    /// The profile id (or `custom`).
    pub profile: &'a str,
    pub app_id: &'a str,
    pub ca_file: Option<std::path::PathBuf>,
    pub target: Option<String>,
    pub store: super::StoreKind,
}

/// Why a sign-in could not be saved. Nothing was stored; the pair was revoked on GitLab when
/// `revoked` (so no working grant is left behind unseen).
#[derive(Debug)]
pub struct NotSaved {
    pub error: super::SaveError,
    pub revoked: bool,
}

/// Saves a pair just approved: ONE keychain entry (written and read back, `vault::save`'s
/// crash-safe protocol) and its metadata entry (`kind = "oauth"`; the user is recorded later
/// with [`record_user`]). Revokes the sign-in it replaces under the same name once saved, or
/// the new pair when it cannot be saved. Used by `login` and the wizard's browser sign-in.
pub async fn save_sign_in(
    client: &Client,
    keychain_timeout: Duration,
    metadata_path: &Path,
    s: &SignIn<'_>,
    pair: &OAuthPair,
) -> Result<super::Saved, NotSaved> {
    let entry = StoredToken {
        account: super::account(s.name, &s.instance.key()),
        host: s.instance.key(),
        url: s.instance.base_url(),
        name: s.name.to_owned(),
        profile: s.profile.to_owned(),
        store: s.store,
        username: String::new(),
        user_id: 0,
        bot: false,
        token_id: 0,
        token_name: crate::gitlab::oauth::OAUTH_TOKEN_NAME.into(),
        scopes: pair.scopes.clone(),
        expires_at: None,
        verified_at: super::now_rfc3339(),
        ca_file: s.ca_file.clone(),
        target: s.target.clone(),
        kind: super::CredentialKind::Oauth,
        oauth: Some(facts(s.app_id, pair)),
        provisioned: None,
        gitlab_version: None,
        fine_grained: false,
        permissions: None,
    };
    let replaced = replaced_pair(metadata_path, &entry.account, keychain_timeout).await;
    match super::save(s.store, keychain_timeout, metadata_path, &seal(pair), entry).await {
        Ok(saved) => {
            if let Some((app_id, old)) = replaced {
                let _ = oauth::revoke(client, &app_id, &old.refresh).await;
            }
            Ok(saved)
        }
        Err(error) => {
            let revoked = oauth::revoke(client, s.app_id, &pair.refresh).await.is_ok();
            Err(NotSaved { error, revoked })
        }
    }
}

/// Records the user a stored sign-in acts for (after its live check).
pub async fn record_user(
    metadata_path: &Path,
    account: &str,
    user: &crate::gitlab::types::User,
) -> Result<(), String> {
    let (account, user) = (account.to_owned(), user.clone());
    update(metadata_path, move |m| {
        if let Some(t) = m.tokens.iter_mut().find(|t| t.account == account) {
            t.username = user.username;
            t.user_id = user.id;
            t.bot = user.bot;
        }
    })
    .await
}

/// The OAuth pair (and its app id) stored under `account`, which a new sign-in replaces.
async fn replaced_pair(
    metadata_path: &Path,
    account: &str,
    keychain_timeout: Duration,
) -> Option<(String, OAuthPair)> {
    let meta = super::Metadata::load(metadata_path).ok()?;
    let entry = meta.find(account).filter(|e| e.is_oauth())?;
    let app_id = entry.oauth.as_ref()?.app_id.clone();
    let keychain = Keychain::open_for(entry, keychain_timeout).await.ok()?;
    let pair = read_pair(&keychain, account).await.ok()?;
    Some((app_id, pair))
}

/// The metadata facts for a pair just obtained from `app_id`.
pub fn facts(app_id: &str, pair: &OAuthPair) -> OAuthFacts {
    OAuthFacts {
        app_id: app_id.to_owned(),
        access_expires_at: rfc3339(pair.expires_at),
        needs_sign_in: false,
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A working access token for `entry`: the stored token as is, or the OAuth access token,
/// refreshed first when less than [`REFRESH_MARGIN`] is left (see the module doc). `client`
/// is bound to the entry's instance; `metadata_path` is the tokens.toml it was read from.
pub async fn valid_access_token(
    entry: &StoredToken,
    metadata_path: &Path,
    client: &Client,
    keychain_timeout: Duration,
) -> Result<Access, CredentialError> {
    let keychain = Keychain::open_for(entry, keychain_timeout).await?;
    let Some(facts) = entry.oauth.as_ref().filter(|_| entry.is_oauth()) else {
        let token = keychain.get(&entry.account).await?;
        return Ok(Access {
            token,
            expires_at: None,
            refreshed: false,
        });
    };
    if facts.needs_sign_in {
        return Err(needs_sign_in(entry));
    }
    let pair = read_pair(&keychain, &entry.account).await?;
    if fresh(&pair) {
        return Ok(unchanged(pair));
    }

    // 2. One refresher at a time, across processes; then look again.
    let _writer = writer_lock(metadata_path, LOCK_WAIT)
        .await
        .map_err(CredentialError::Metadata)?;
    if current_facts(metadata_path, &entry.account)
        .await
        .is_some_and(|f| f.needs_sign_in)
    {
        return Err(needs_sign_in(entry));
    }
    let pair = read_pair(&keychain, &entry.account).await?;
    if fresh(&pair) {
        return Ok(unchanged(pair));
    }
    super::abort_point("oauth-refresh-locked");

    // 3. Refresh, store and read back, record the expiry.
    let new = match oauth::refresh(client, &facts.app_id, &pair.refresh).await {
        Ok(new) => new,
        Err(OAuthError::InvalidGrant(_)) => {
            let account = entry.account.clone();
            let _ = update(metadata_path, move |m| {
                if let Some(f) = m
                    .tokens
                    .iter_mut()
                    .find(|t| t.account == account)
                    .and_then(|t| t.oauth.as_mut())
                {
                    f.needs_sign_in = true;
                }
            })
            .await;
            return Err(needs_sign_in(entry));
        }
        // Not expired yet: the old token still works; the next call tries again.
        Err(_) if pair.expires_at > OffsetDateTime::now_utc() => return Ok(unchanged(pair)),
        Err(e) => return Err(CredentialError::Refresh(e)),
    };
    super::abort_point("oauth-refreshed");
    keychain.store_verified(&entry.account, &seal(&new)).await?;
    let (account, expires) = (entry.account.clone(), rfc3339(new.expires_at));
    let scopes = new.scopes.clone();
    // The keychain is the truth; the metadata's expiry is for `status` (best effort).
    let _ = update(metadata_path, move |m| {
        if let Some(t) = m.tokens.iter_mut().find(|t| t.account == account) {
            if let Some(f) = t.oauth.as_mut() {
                f.access_expires_at = expires;
            }
            if !scopes.is_empty() {
                t.scopes = scopes;
            }
        }
    })
    .await;
    Ok(Access {
        expires_at: Some(new.expires_at),
        token: new.access,
        refreshed: true,
    })
}

/// Reads the stored pair of `account` (an OAuth entry).
pub async fn read_pair(keychain: &Keychain, account: &str) -> Result<OAuthPair, CredentialError> {
    let secret = keychain.get(account).await?;
    unseal(&secret).ok_or_else(|| CredentialError::Corrupt(account.to_owned()))
}

fn fresh(pair: &OAuthPair) -> bool {
    pair.time_left(OffsetDateTime::now_utc()) > REFRESH_MARGIN
}

fn unchanged(pair: OAuthPair) -> Access {
    Access {
        expires_at: Some(pair.expires_at),
        token: pair.access,
        refreshed: false,
    }
}

fn needs_sign_in(entry: &StoredToken) -> CredentialError {
    CredentialError::NeedsSignIn {
        account: entry.account.clone(),
    }
}

async fn current_facts(metadata_path: &Path, account: &str) -> Option<OAuthFacts> {
    let (path, account) = (metadata_path.to_owned(), account.to_owned());
    tokio::task::spawn_blocking(move || {
        super::Metadata::load(&path)
            .ok()?
            .find(&account)?
            .oauth
            .clone()
    })
    .await
    .ok()
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_files_read_as_tokens_and_oauth_entries_round_trip_without_secrets() {
        let old = r#"
[[token]]
account = "ci@gitlab.example.com"
host = "gitlab.example.com"
url = "https://gitlab.example.com"
name = "ci"
profile = "repo-scanner"
store = "secret-service"
username = "bot"
user_id = 7
token_id = 41
token_name = "ci"
scopes = ["read_api"]
expires_at = "2027-01-01"
verified_at = "2026-11-23T12:00:00Z"
"#;
        let meta = super::super::Metadata::from_toml(old).expect("an old file reads");
        assert_eq!(meta.tokens[0].kind, super::super::CredentialKind::Token);
        assert!(meta.tokens[0].oauth.is_none());

        let mut entry = meta.tokens[0].clone();
        entry.kind = super::super::CredentialKind::Oauth;
        let pair = OAuthPair {
            access: Token::new("a".repeat(64)),
            refresh: Token::new("b".repeat(64)),
            expires_at: OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
            scopes: vec!["read_api".into()],
        };
        entry.oauth = Some(facts("app-1", &pair));
        let text = toml::to_string_pretty(&super::super::Metadata {
            tokens: vec![entry.clone()],
            pending: vec![],
            sinks: vec![],
        })
        .unwrap();
        assert!(text.contains("kind = \"oauth\""), "{text}");
        assert!(text.contains("app_id = \"app-1\""), "{text}");
        assert!(!text.contains("aaaa") && !text.contains("bbbb"), "{text}");
        assert!(
            !text.contains("needs_sign_in"),
            "false is not written: {text}"
        );
        let back = super::super::Metadata::from_toml(&text).unwrap();
        assert_eq!(back.tokens[0], entry);
    }

    #[test]
    fn sealed_pair_round_trips_and_junk_does_not_unseal() {
        let pair = OAuthPair {
            access: Token::new("a".repeat(64)),
            refresh: Token::new("b".repeat(64)),
            expires_at: OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap(),
            scopes: vec!["read_api".into()],
        };
        let secret = seal(&pair);
        assert!(secret.format_problem().is_none(), "one line, no spaces");
        assert_eq!(unseal(&secret), Some(pair));
        assert_eq!(unseal(&Token::new("glpat-abc".into())), None);
        assert_eq!(unseal(&Token::new(r#"{"v":2}"#.into())), None);
    }
}
