//! The team store: a token's secret and its metadata entry (everything tokens.toml holds for it)
//! in one KV v2 secret at `MOUNT/PREFIX/HOST/NAME`, nothing on this machine. Every write is
//! check-and-set against the version read; every answer is checked against the path asked for
//! before it is believed (a record naming another token is refused).

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::keychain::StoreKind;
use super::kv::{Config, ConfigError, FileSettings, Kv, KvError, Versioned};
use super::metadata::StoredToken;
use crate::token::Token;

/// The folder under the prefix that holds the rotation leases (`PREFIX/_lease/HOST/NAME`); no
/// host is named `_lease`, so listing skips it.
pub const LEASE_FOLDER: &str = "_lease";
/// How deep `HOST` may nest (`host[:port][/path]`: a GitLab under a path adds levels).
const MAX_DEPTH: usize = 6;

/// What one KV secret holds: the token and its entry.
#[derive(Serialize, Deserialize)]
pub struct TeamRecord {
    #[serde(serialize_with = "expose")]
    pub token: Token,
    pub entry: StoredToken,
}

fn expose<S: serde::Serializer>(token: &Token, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(token.expose())
}

/// Why the team store is configured but cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TeamError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Kv(#[from] KvError),
}

/// A handle on the team's Vault (cheap to clone; one logged-in client).
#[derive(Clone)]
pub struct Team {
    kv: Arc<Kv>,
}

impl Team {
    pub fn new(kv: Kv) -> Team {
        Team { kv: Arc::new(kv) }
    }

    /// The team store the environment (and `file`, config.toml's `[vault]`) configures; `None`
    /// when no Vault address is set anywhere: then nothing calls Vault.
    pub fn configured(
        env: &dyn Fn(&str) -> Option<String>,
        home: Option<&std::path::Path>,
        file: &FileSettings,
    ) -> Option<Result<Team, TeamError>> {
        match Config::from_env_and_file(env, home, file) {
            Err(ConfigError::NoAddress) => None,
            Err(e) => Some(Err(e.into())),
            Ok(config) => Some(Kv::new(config).map(Team::new).map_err(TeamError::from)),
        }
    }

    /// The team store of this process's environment and config.toml.
    pub fn from_environment() -> Option<Result<Team, TeamError>> {
        let file = match super::kv::config::settings_path().map(|p| FileSettings::load(&p)) {
            Some(Ok(file)) => file,
            Some(Err(e)) => return Some(Err(e.into())),
            None => FileSettings::default(),
        };
        let home = dirs::home_dir();
        Team::configured(&|k| std::env::var(k).ok(), home.as_deref(), &file)
    }

    pub fn kv(&self) -> &Kv {
        &self.kv
    }

    /// `PREFIX/HOST/NAME`, relative to the mount.
    pub fn entry_path(&self, host: &str, name: &str) -> String {
        format!("{}/{host}/{name}", self.kv.config().prefix)
    }

    /// `PREFIX/_lease/HOST/NAME`: the rotation lease of that token.
    pub fn lease_path(&self, host: &str, name: &str) -> String {
        format!("{}/{LEASE_FOLDER}/{host}/{name}", self.kv.config().prefix)
    }

    /// Where the team store is, for messages: `ADDR MOUNT/PREFIX`.
    pub fn place(&self) -> String {
        let c = self.kv.config();
        format!("{} {}/{}", c.addr, c.mount, c.prefix)
    }

    /// The record of `host`/`name` with its version, checked to describe that token.
    pub async fn read(
        &self,
        host: &str,
        name: &str,
    ) -> Result<Option<Versioned<TeamRecord>>, KvError> {
        let path = self.entry_path(host, name);
        let Some(mut found) = self.kv.read::<TeamRecord>(&path).await? else {
            return Ok(None);
        };
        let e = &found.data.entry;
        if e.host != host || e.name != name || e.account != super::account(name, host) {
            return Err(KvError::BadAnswer {
                path,
                detail: format!("the record describes {}", e.account),
            });
        }
        found.data.entry.store = StoreKind::Vault;
        Ok(Some(found))
    }

    /// Writes `token` and `entry` as the newest version of the entry's secret if it is still
    /// `version` (0: only if there is none yet); the new version. A lost race is `CasConflict`.
    pub async fn write(
        &self,
        token: &Token,
        entry: &StoredToken,
        version: u64,
    ) -> Result<u64, KvError> {
        let mut entry = entry.clone();
        entry.store = StoreKind::Vault;
        let path = self.entry_path(&entry.host, &entry.name);
        let record = TeamRecord {
            token: token.clone(),
            entry,
        };
        self.kv.write(&path, &record, version).await
    }

    /// Saves `token` and `entry`, replacing whatever version is there (read, then check-and-set
    /// against it, so a concurrent writer is never overwritten blindly), then reads it back.
    pub async fn save(&self, token: &Token, entry: &StoredToken) -> Result<u64, KvError> {
        let current = self.read(&entry.host, &entry.name).await?;
        let version = self
            .write(token, entry, current.map_or(0, |c| c.version))
            .await?;
        match self.read(&entry.host, &entry.name).await? {
            Some(back) if back.version == version && back.data.token == *token => Ok(version),
            _ => Err(KvError::CasConflict {
                path: self.entry_path(&entry.host, &entry.name),
            }),
        }
    }

    /// Removes the token's secret with all its versions (and its lease record).
    pub async fn forget(&self, entry: &StoredToken) -> Result<(), KvError> {
        self.kv
            .delete(&self.entry_path(&entry.host, &entry.name))
            .await?;
        self.kv
            .delete(&self.lease_path(&entry.host, &entry.name))
            .await
    }

    /// Every token in the team store (their entries, store `vault`), read concurrently.
    pub async fn list(&self) -> Result<Vec<StoredToken>, KvError> {
        let mut leaves = Vec::new();
        let mut folders = vec![(String::new(), 0usize)];
        while let Some((folder, depth)) = folders.pop() {
            let path = format!("{}/{folder}", self.kv.config().prefix);
            for key in self.kv.list(&path).await? {
                let below = format!("{folder}{key}");
                if depth == 0 && key.trim_end_matches('/') == LEASE_FOLDER {
                    continue;
                }
                match key.strip_suffix('/') {
                    Some(_) if depth < MAX_DEPTH => folders.push((below, depth + 1)),
                    Some(_) => {}
                    None if depth > 0 => leaves.push(below),
                    None => {}
                }
            }
        }
        let mut reads = tokio::task::JoinSet::new();
        for (i, leaf) in leaves.into_iter().enumerate() {
            let team = self.clone();
            reads.spawn(async move {
                let (host, name) = leaf.rsplit_once('/').unwrap_or(("", &leaf));
                (i, team.read(host, name).await)
            });
        }
        let mut found = Vec::new();
        while let Some(joined) = reads.join_next().await {
            let Ok((i, read)) = joined else { continue };
            if let Some(record) = read? {
                found.push((i, record.data.entry));
            }
        }
        found.sort_by_key(|(i, _)| *i);
        let mut tokens: Vec<StoredToken> = found.into_iter().map(|(_, e)| e).collect();
        tokens.sort_by(|a, b| (&a.host, &a.name).cmp(&(&b.host, &b.name)));
        Ok(tokens)
    }
}
