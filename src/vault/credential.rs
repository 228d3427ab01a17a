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
//! 3. journal the refresh in the metadata (`refresh_sent`: when, and the old pair's expiry; no
//!    secret), send it, write the new pair to the keychain first thing on the answer and read it
//!    back, then record the expiry and clear the journal, release the lock and use the new token;
//! 4. `invalid_grant` marks the entry `needs_sign_in` (no refresh is tried again until
//!    `gitlab-token login`). A failure after which GitLab may have replaced the pair (a server
//!    error, a cut or unreadable answer, no answer in time: [`OAuthError::pair_may_be_replaced`])
//!    keeps the journal and hands out NO token ([`CredentialError::RefreshInDoubt`]); a failure
//!    that changed nothing (no connection, a 4xx refusal) clears it and hands out a still
//!    unexpired access token.
//! 5. A journal found on the next use (a kill, or step 4's doubt): when the keychain's pair has
//!    another expiry than the journal names, the new pair was stored and only the journal is
//!    cleared; otherwise the refresh is sent once more with the stored refresh token. GitLab
//!    (Doorkeeper) refuses a revoked refresh token with `invalid_grant` and nothing else
//!    (`InvalidGrantReuse`, no family revocation), so trying again is safe: a new pair, or
//!    [`CredentialError::LostInRefresh`] (sign in again).
//!
//! What no client can close: GitLab replaced the pair and the process was killed (`kill -9`,
//! power loss) between GitLab's answer and the keychain write (one keychain round trip). The
//! next run then says the sign-in was lost in a refresh and to sign in again.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use time::OffsetDateTime;
use zeroize::Zeroize;

use super::save::{update, writer_lock};
use super::{Keychain, OAuthFacts, RefreshSent, StoredToken, VaultError};
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
    /// A refresh was sent and GitLab's answer was a server error, cut short or never came (now
    /// or in an earlier run): GitLab may have replaced the pair, so the stored access token may
    /// be dead and is not handed out. The next use tries the refresh once more.
    #[error("a refresh of {account} sent at {sent_at} was left without an answer ({cause})")]
    RefreshInDoubt {
        account: String,
        sent_at: String,
        cause: OAuthError,
    },
    /// A refresh left in doubt earlier was refused when tried again: GitLab replaced the pair
    /// and its answer never reached the keychain. Sign in again.
    #[error("the sign-in for {account} was lost in a refresh sent at {sent_at}")]
    LostInRefresh { account: String, sent_at: String },
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
        refresh_sent: None,
    }
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A working access token for `entry`: the stored token as is, or the OAuth access token,
/// refreshed first when less than [`REFRESH_MARGIN`] is left, or when an earlier refresh was
/// left in doubt (see the module doc). `client` is bound to the entry's instance;
/// `metadata_path` is the tokens.toml it was read from.
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
    if fresh(&pair) && !facts.in_doubt() {
        return Ok(unchanged(pair));
    }

    // 2. One refresher at a time, across processes; then look again.
    let _writer = writer_lock(metadata_path, LOCK_WAIT)
        .await
        .map_err(CredentialError::Metadata)?;
    let facts = current_facts(metadata_path, &entry.account)
        .await
        .unwrap_or_else(|| facts.clone());
    if facts.needs_sign_in {
        return Err(needs_sign_in(entry));
    }
    let pair = read_pair(&keychain, &entry.account).await?;
    let doubt = match &facts.refresh_sent {
        // The new pair reached the keychain before the process ended: only the journal is left.
        Some(sent) if sent.pair_expires_at != pair.expires_at.unix_timestamp() => {
            let _ = journal(metadata_path, &entry.account, None).await;
            None
        }
        other => other.clone(),
    };
    if fresh(&pair) && doubt.is_none() {
        return Ok(unchanged(pair));
    }
    let refresh = Refresh {
        entry,
        metadata_path,
        client,
        keychain: &keychain,
        app_id: &facts.app_id,
        doubt,
        refused: false,
    };
    refresh.run(pair).await
}

/// A new access token for `entry` after GitLab refused `refused` (a 401 before its stored
/// expiry): refreshed once under the writer lock, unless another process already replaced it.
/// A refused refresh then asks for a new sign-in ([`CredentialError::NeedsSignIn`]).
pub async fn refresh_refused(
    entry: &StoredToken,
    metadata_path: &Path,
    client: &Client,
    keychain_timeout: Duration,
    refused: &Token,
) -> Result<Access, CredentialError> {
    let keychain = Keychain::open_for(entry, keychain_timeout).await?;
    let _writer = writer_lock(metadata_path, LOCK_WAIT)
        .await
        .map_err(CredentialError::Metadata)?;
    let Some(facts) = current_facts(metadata_path, &entry.account)
        .await
        .or_else(|| entry.oauth.clone())
    else {
        return Err(CredentialError::Corrupt(entry.account.clone()));
    };
    if facts.needs_sign_in {
        return Err(needs_sign_in(entry));
    }
    let pair = read_pair(&keychain, &entry.account).await?;
    if pair.access.expose() != refused.expose() && facts.refresh_sent.is_none() {
        return Ok(unchanged(pair));
    }
    let refresh = Refresh {
        entry,
        metadata_path,
        client,
        keychain: &keychain,
        app_id: &facts.app_id,
        doubt: facts.refresh_sent.clone(),
        refused: true,
    };
    refresh.run(pair).await
}

/// One refresh under the writer lock (step 3 of the module doc).
struct Refresh<'a> {
    entry: &'a StoredToken,
    metadata_path: &'a Path,
    client: &'a Client,
    keychain: &'a Keychain,
    app_id: &'a str,
    /// An earlier refresh of this pair was sent and never answered usably.
    doubt: Option<RefreshSent>,
    /// GitLab refused the stored access token (401): it is never handed out again.
    refused: bool,
}

impl Refresh<'_> {
    /// Journals the refresh, sends it, and stores the new pair before anything else.
    async fn run(self, pair: OAuthPair) -> Result<Access, CredentialError> {
        let account = &self.entry.account;
        super::abort_point("oauth-refresh-locked");
        // Journalled before it is sent: a kill from here on is seen by the next run.
        let sent = RefreshSent {
            at: super::now_rfc3339(),
            pair_expires_at: pair.expires_at.unix_timestamp(),
        };
        let sent = self.doubt.clone().unwrap_or(sent);
        journal(self.metadata_path, account, Some(sent.clone()))
            .await
            .map_err(CredentialError::Metadata)?;
        super::abort_point("oauth-refresh-journalled");
        let answer = oauth::refresh(self.client, self.app_id, &pair.refresh).await;
        let new = match answer {
            Ok(new) => new,
            Err(e) => return self.failed(e, pair, sent).await,
        };
        // The new pair first: nothing stands between GitLab's answer and the keychain.
        super::abort_point("oauth-refreshed");
        self.keychain.store_verified(account, &seal(&new)).await?;
        super::abort_point("oauth-refresh-stored");
        let (account, expires) = (account.clone(), rfc3339(new.expires_at));
        let scopes = new.scopes.clone();
        // The keychain is the truth; the metadata's expiry is for `status`. The journal is
        // cleared here; if this write fails, the next run sees the new pair's other expiry.
        let _ = update(self.metadata_path, move |m| {
            if let Some(t) = m.tokens.iter_mut().find(|t| t.account == account) {
                if let Some(f) = t.oauth.as_mut() {
                    f.access_expires_at = expires;
                    f.refresh_sent = None;
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

    /// A refresh without a new pair: refused (sign in again), in doubt (the journal stays and
    /// no token is handed out), or not sent at all.
    async fn failed(
        self,
        e: OAuthError,
        pair: OAuthPair,
        sent: RefreshSent,
    ) -> Result<Access, CredentialError> {
        let account = self.entry.account.clone();
        if let OAuthError::InvalidGrant(_) = e {
            let _ = update(self.metadata_path, move |m| {
                if let Some(f) = m
                    .tokens
                    .iter_mut()
                    .find(|t| t.account == account)
                    .and_then(|t| t.oauth.as_mut())
                {
                    f.needs_sign_in = true;
                    f.refresh_sent = None;
                }
            })
            .await;
            return Err(match self.doubt {
                Some(sent) => CredentialError::LostInRefresh {
                    account: self.entry.account.clone(),
                    sent_at: sent.at,
                },
                None => needs_sign_in(self.entry),
            });
        }
        if e.pair_may_be_replaced() || self.doubt.is_some() {
            // GitLab may have replaced the pair: the old access token may be dead.
            return Err(CredentialError::RefreshInDoubt {
                account,
                sent_at: sent.at,
                cause: e,
            });
        }
        let _ = journal(self.metadata_path, &account, None).await;
        if pair.expires_at > OffsetDateTime::now_utc() && !self.refused {
            // Not sent, or refused before anything changed: the old token still works.
            return Ok(unchanged(pair));
        }
        Err(CredentialError::Refresh(e))
    }
}

/// Records (or, with `None`, clears) the refresh in flight for `account`.
async fn journal(
    metadata_path: &Path,
    account: &str,
    sent: Option<RefreshSent>,
) -> Result<(), String> {
    let account = account.to_owned();
    update(metadata_path, move |m| {
        if let Some(f) = m
            .tokens
            .iter_mut()
            .find(|t| t.account == account)
            .and_then(|t| t.oauth.as_mut())
        {
            f.refresh_sent = sent;
        }
    })
    .await
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
