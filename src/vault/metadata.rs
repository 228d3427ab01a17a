//! The non-secret facts about stored tokens, in `<config dir>/gitlab-token/tokens.toml`:
//! written atomically (temp file + rename) under a file lock, never holding a token. It also
//! lists the saves and forgets in progress (`[[pending]]`), so a killed one is finished or undone
//! on the next start (see `vault` for the invariant).

use std::fs;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::keychain::StoreKind;

/// What is known about one stored token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredToken {
    /// `NAME@HOST`: the keychain account.
    pub account: String,
    /// `host[:port][/path]`.
    pub host: String,
    pub url: String,
    pub name: String,
    pub profile: String,
    pub store: StoreKind,
    pub username: String,
    pub user_id: u64,
    #[serde(default)]
    pub bot: bool,
    pub token_id: u64,
    pub token_name: String,
    pub scopes: Vec<String>,
    pub expires_at: Option<String>,
    /// RFC 3339.
    pub verified_at: String,
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    #[serde(default)]
    pub target: Option<String>,
    /// A pasted access token, or an OAuth sign-in (`kind = "oauth"`); files written before
    /// OAuth existed read as `token`.
    #[serde(default)]
    pub kind: CredentialKind,
    /// For `kind = "oauth"`: the application, the access token's expiry, whether GitLab
    /// rejected the refresh token. Never a token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth: Option<OAuthFacts>,
    /// Made by "Create it for me" (`gitlab-token create`): where its account lives, so it can be
    /// rotated with an Owner's or admin's authorization. Never a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provisioned: Option<super::records::Provisioned>,
    /// The instance's GitLab version (`major.minor.patch` as `/metadata` gives it) when the
    /// token was last validated: it picks the token pages that exist there before a token
    /// is at hand (`gitlab::version`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gitlab_version: Option<String>,
    /// A fine-grained token (GitLab's `granular`): its permissions, not `scopes`, say what it may.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fine_grained: bool,
    /// A fine-grained token's permissions and boundaries as GitLab last showed them (`None`:
    /// legacy, or not shown, before 19.2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<crate::gitlab::granular::Scope>>,
}

/// What a stored credential is.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CredentialKind {
    /// An access token (personal, group, project, service account), stored as is.
    #[default]
    Token,
    /// An OAuth access and refresh token pair (`gitlab-token login`), refreshed when used.
    Oauth,
}

/// The non-secret facts of an OAuth credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthFacts {
    /// The OAuth application's id (its "Application ID"; not a secret for a public app).
    pub app_id: String,
    /// When the current access token expires (RFC 3339).
    pub access_expires_at: String,
    /// GitLab rejected the refresh token: no refresh is tried until `gitlab-token login`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub needs_sign_in: bool,
    /// A refresh was sent and its outcome is not known (the process was killed, or the answer
    /// was a server error or a cut connection): GitLab may have replaced the stored pair. The
    /// next use tries that refresh once more before handing out any token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_sent: Option<RefreshSent>,
}

/// The journal of a refresh in flight (no secret): when it was sent, and the expiry (Unix
/// seconds) of the pair it was sent for, so the next run can tell whether the new pair reached
/// the keychain (its expiry differs) or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefreshSent {
    /// RFC 3339.
    pub at: String,
    pub pair_expires_at: i64,
}

impl OAuthFacts {
    /// The stored pair may be dead: a refresh was sent and never answered usably.
    pub fn in_doubt(&self) -> bool {
        self.refresh_sent.is_some()
    }
}

impl StoredToken {
    /// Days from `today` until it expires (negative once expired); `None` when it never does.
    pub fn days_left(&self, today: time::Date) -> Option<i64> {
        let expiry = crate::gitlab::types::parse_date(self.expires_at.as_deref()?)?;
        Some((expiry - today).whole_days())
    }

    /// The facts about a token that was just validated (`info`, `user`) on `instance`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        instance: &crate::instance::Instance,
        name: &str,
        profile: &str,
        info: &crate::gitlab::types::TokenInfo,
        user: &crate::gitlab::types::User,
        verified_at: &str,
        ca_file: Option<PathBuf>,
        target: Option<String>,
    ) -> StoredToken {
        StoredToken {
            account: super::account(name, &instance.key()),
            host: instance.key(),
            url: instance.base_url(),
            name: name.to_owned(),
            profile: profile.to_owned(),
            store: StoreKind::platform_default(),
            username: user.username.clone(),
            user_id: user.id,
            bot: user.bot,
            token_id: info.id,
            token_name: info.name.clone(),
            scopes: info.scopes.clone(),
            expires_at: info.expires_at.clone(),
            verified_at: verified_at.to_owned(),
            ca_file,
            target,
            kind: CredentialKind::Token,
            oauth: None,
            provisioned: None,
            gitlab_version: None,
            fine_grained: info.granular,
            permissions: info.granular_scopes.clone(),
        }
    }

    pub fn is_oauth(&self) -> bool {
        self.kind == CredentialKind::Oauth
    }
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    #[serde(default, rename = "token")]
    pub tokens: Vec<StoredToken>,
    /// Saves and forgets that started and have not finished (their process may be dead).
    #[serde(default, rename = "pending", skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<Pending>,
    /// Where each token's new value goes after a rotation (`gitlab-token sink`; no secrets).
    #[serde(default, rename = "sink", skip_serializing_if = "Vec::is_empty")]
    pub sinks: Vec<super::records::Sink>,
}

/// A change to the keychain that was announced here before it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pending {
    pub op: PendingOp,
    /// `writing`: the keychain may or may not hold the new value yet; `written`: it does.
    #[serde(default)]
    pub step: PendingStep,
    /// RFC 3339.
    pub started_at: String,
    /// For a save, the facts about the token being saved; for a forget, the entry removed.
    pub entry: StoredToken,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PendingOp {
    Save,
    Forget,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PendingStep {
    #[default]
    Writing,
    Written,
}

#[derive(Debug, Error)]
pub enum MetadataError {
    #[error("cannot find the user's config directory (set XDG_CONFIG_HOME or HOME)")]
    NoConfigDir,
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path} is not valid: {message}; fix or remove the file")]
    Parse { path: PathBuf, message: String },
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// `$XDG_CONFIG_HOME/gitlab-token/tokens.toml` (or the platform's config dir).
pub fn default_path() -> Result<PathBuf, MetadataError> {
    dirs::config_dir()
        .map(|d| d.join("gitlab-token").join("tokens.toml"))
        .ok_or(MetadataError::NoConfigDir)
}

impl Metadata {
    /// Reads the file; a missing file is an empty list.
    pub fn load(path: &Path) -> Result<Metadata, MetadataError> {
        match crate::files::read_regular_text(path, crate::files::MAX_FILE_BYTES) {
            Ok(text) => Metadata::from_toml(&text).map_err(|message| MetadataError::Parse {
                path: path.to_owned(),
                message,
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Metadata::default()),
            Err(source) => Err(MetadataError::Read {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Parses the file's text, and checks every name and account in it.
    pub fn from_toml(text: &str) -> Result<Metadata, String> {
        let metadata: Metadata = toml::from_str(text).map_err(|e| e.to_string())?;
        metadata.check()?;
        Ok(metadata)
    }

    /// Every entry's name follows the name rules and its account is `NAME@HOST`, so a name read
    /// back can be trusted as much as one typed on the command line.
    fn check(&self) -> Result<(), String> {
        let entries = self
            .tokens
            .iter()
            .chain(self.pending.iter().map(|p| &p.entry));
        for t in entries {
            if let Err(e) = super::names::check_name(&t.name) {
                return Err(format!("the token named {:?}: {e}", t.name));
            }
            if t.account != super::account(&t.name, &t.host) {
                return Err(format!(
                    "the account {:?} is not NAME@HOST ({:?}@{:?})",
                    t.account, t.name, t.host
                ));
            }
        }
        Ok(())
    }

    pub fn find(&self, account: &str) -> Option<&StoredToken> {
        self.tokens.iter().find(|t| t.account == account)
    }

    /// Applies `change` to the file's current content under an exclusive lock, then writes it
    /// atomically, so concurrent writers never lose each other's entries.
    pub fn update(
        path: &Path,
        change: impl FnOnce(&mut Metadata),
    ) -> Result<Metadata, MetadataError> {
        let dir = path.parent().unwrap_or(Path::new("."));
        let write_err = |source| MetadataError::Write {
            path: path.to_owned(),
            source,
        };
        fs::create_dir_all(dir).map_err(write_err)?;
        let lock = crate::files::open_lock_file(&dir.join("tokens.lock")).map_err(write_err)?;
        super::lock_briefly(&lock).map_err(write_err)?;
        let mut metadata = Metadata::load(path)?;
        change(&mut metadata);
        let text = toml::to_string_pretty(&metadata).map_err(|e| MetadataError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        super::write_atomically(path, text.as_bytes()).map_err(write_err)?;
        drop(lock);
        Ok(metadata)
    }

    /// Inserts or replaces the entry with the same account.
    pub fn upsert(path: &Path, entry: StoredToken) -> Result<Metadata, MetadataError> {
        Metadata::update(path, |m| {
            m.tokens.retain(|t| t.account != entry.account);
            m.tokens.push(entry);
        })
    }
}

impl StoredToken {
    /// A stored token for unit tests: a bot's `read_api` token NAME@HOST in the Secret Service.
    #[cfg(test)]
    pub(crate) fn sample(name: &str, host: &str) -> StoredToken {
        StoredToken {
            account: format!("{name}@{host}"),
            host: host.into(),
            url: format!("https://{host}"),
            name: name.into(),
            profile: "repo-scanner".into(),
            store: crate::vault::StoreKind::SecretService,
            username: "scanner-bot".into(),
            user_id: 7,
            bot: true,
            token_id: 41,
            token_name: format!("{name} (gitlab-token)"),
            scopes: vec!["read_api".into()],
            expires_at: Some("2027-02-21".into()),
            verified_at: "2026-11-23T09:00:00Z".into(),
            ca_file: None,
            target: None,
            kind: Default::default(),
            oauth: None,
            provisioned: None,
            gitlab_version: None,
            fine_grained: false,
            permissions: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(account: &str) -> StoredToken {
        let (name, host) = account.split_once('@').unwrap();
        StoredToken {
            account: account.into(),
            host: host.into(),
            url: format!("https://{host}"),
            name: name.into(),
            profile: "repo-scanner".into(),
            store: StoreKind::SecretService,
            username: "bot".into(),
            user_id: 7,
            bot: true,
            token_id: 42,
            token_name: "scanner".into(),
            scopes: vec!["read_api".into()],
            expires_at: Some("2027-01-01".into()),
            verified_at: "2026-11-23T12:00:00Z".into(),
            ca_file: None,
            target: None,
            kind: CredentialKind::Token,
            oauth: None,
            provisioned: None,
            gitlab_version: None,
            fine_grained: false,
            permissions: None,
        }
    }

    #[test]
    fn upsert_replaces_by_account_and_survives_a_reload() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gitlab-token").join("tokens.toml");
        Metadata::upsert(&path, entry("a@h")).unwrap();
        Metadata::upsert(&path, entry("b@h")).unwrap();
        let mut changed = entry("a@h");
        changed.token_id = 43;
        Metadata::upsert(&path, changed).unwrap();
        let loaded = Metadata::load(&path).unwrap();
        assert_eq!(loaded.tokens.len(), 2);
        assert_eq!(loaded.find("a@h").unwrap().token_id, 43);
        assert!(
            Metadata::load(&dir.path().join("missing.toml"))
                .unwrap()
                .tokens
                .is_empty()
        );
    }
}
