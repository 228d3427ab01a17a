//! One inventory of stored tokens, two places behind one interface: `Local` (tokens.toml for the
//! facts, the keychain or the 0600 file for the secret, under the invariant of `vault`) and the
//! team's Vault (`Team`: secret and facts in one KV v2 secret). Commands list, read, save and
//! forget through [`Inventory`]; `Both` lists the two side by side, and a team store that cannot
//! be read leaves the local tokens usable (the problem is returned beside them).

use std::path::PathBuf;
use std::time::Duration;

use super::keychain::{Keychain, StoreKind, VaultError};
use super::metadata::{Metadata, StoredToken};
use super::save::{ForgetError, SaveError, Saved};
use super::team::{Team, TeamError};
use crate::token::Token;

/// Why an inventory could not do what was asked. Nothing was changed unless it says so.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InventoryError {
    #[error(transparent)]
    Keychain(VaultError),
    #[error("{0}")]
    Metadata(String),
    /// The secret is gone but the entry could not be removed; the next start finishes it.
    #[error("{0}")]
    Unfinished(String),
    #[error(transparent)]
    Team(TeamError),
    /// The entry names a token its store does not hold.
    #[error("no token stored for {0}")]
    NotFound(String),
}

impl From<super::kv::KvError> for InventoryError {
    fn from(e: super::kv::KvError) -> Self {
        InventoryError::Team(TeamError::Kv(e))
    }
}

/// A place that holds tokens with their facts.
#[allow(
    async_fn_in_trait,
    reason = "used with concrete types inside this crate only"
)]
pub trait Inventory {
    /// Every token it holds.
    async fn list(&self) -> Result<Vec<StoredToken>, InventoryError>;
    /// The stored secret of `entry` (for an OAuth sign-in, the stored pair's encoding).
    async fn secret(&self, entry: &StoredToken) -> Result<Token, InventoryError>;
    /// Stores `token` with its facts `entry`, replacing a token of the same `NAME@HOST`.
    async fn save(&self, token: &Token, entry: StoredToken) -> Result<Saved, InventoryError>;
    /// Removes the token and its facts.
    async fn forget(&self, entry: &StoredToken) -> Result<(), InventoryError>;
}

/// This machine's stores: tokens.toml and the keychain (or the 0600 file).
pub struct Local {
    pub metadata_path: PathBuf,
    /// Where `save` puts a token.
    pub store: StoreKind,
    pub timeout: Duration,
}

impl Inventory for Local {
    async fn list(&self) -> Result<Vec<StoredToken>, InventoryError> {
        Metadata::load(&self.metadata_path)
            .map(|m| m.tokens)
            .map_err(|e| InventoryError::Metadata(e.to_string()))
    }

    async fn secret(&self, entry: &StoredToken) -> Result<Token, InventoryError> {
        let keychain = Keychain::open_for(entry, self.timeout)
            .await
            .map_err(InventoryError::Keychain)?;
        match keychain.get(&entry.account).await {
            Err(VaultError::NotFound(a)) => Err(InventoryError::NotFound(a)),
            other => other.map_err(InventoryError::Keychain),
        }
    }

    async fn save(&self, token: &Token, entry: StoredToken) -> Result<Saved, InventoryError> {
        super::save(self.store, self.timeout, &self.metadata_path, token, entry)
            .await
            .map_err(|e| match e {
                SaveError::Keychain(k) => InventoryError::Keychain(k),
                SaveError::Metadata(m) => InventoryError::Metadata(m),
            })
    }

    async fn forget(&self, entry: &StoredToken) -> Result<(), InventoryError> {
        super::forget(entry, self.timeout, &self.metadata_path)
            .await
            .map_err(|e| match e {
                ForgetError::Keychain(k) => InventoryError::Keychain(k),
                ForgetError::Metadata(m) => InventoryError::Metadata(m),
                ForgetError::Unfinished(m) => InventoryError::Unfinished(m),
            })
    }
}

impl Inventory for Team {
    async fn list(&self) -> Result<Vec<StoredToken>, InventoryError> {
        Ok(Team::list(self).await?)
    }

    async fn secret(&self, entry: &StoredToken) -> Result<Token, InventoryError> {
        match self.read(&entry.host, &entry.name).await? {
            Some(found) => Ok(found.data.token),
            None => Err(InventoryError::NotFound(entry.account.clone())),
        }
    }

    async fn save(&self, token: &Token, mut entry: StoredToken) -> Result<Saved, InventoryError> {
        entry.store = StoreKind::Vault;
        Team::save(self, token, &entry).await?;
        Ok(Saved {
            account: entry.account.clone(),
            store: format!("{} at {}", StoreKind::Vault.name(), self.place()),
            metadata_path: PathBuf::new(),
        })
    }

    async fn forget(&self, entry: &StoredToken) -> Result<(), InventoryError> {
        Ok(Team::forget(self, entry).await?)
    }
}

/// The local tokens with the team's beside them.
pub struct Listing {
    /// tokens.toml as read (its sinks and announcements too), the team's tokens appended.
    pub meta: Metadata,
    /// Why the team store, configured, could not be read (its tokens are then missing).
    pub team_problem: Option<TeamError>,
}

/// Both places: this machine's and, when one is configured, the team's.
pub struct Both {
    pub local: Local,
    /// `None`: no Vault is configured (nothing calls Vault); `Some(Err)`: configured but unusable.
    pub team: Option<Result<Team, TeamError>>,
}

impl Both {
    /// The team store, or why it cannot be used (`None` when none is configured).
    pub fn team(&self) -> Option<Result<&Team, TeamError>> {
        self.team.as_ref().map(|t| t.as_ref().map_err(Clone::clone))
    }

    /// tokens.toml (whose errors stop everything, as before) with the team's tokens appended;
    /// a team token of the same `NAME@HOST` as a local one is listed too, with its store.
    pub async fn list(&self) -> Result<Listing, InventoryError> {
        let mut meta = Metadata::load(&self.local.metadata_path)
            .map_err(|e| InventoryError::Metadata(e.to_string()))?;
        let team_problem = match self.team() {
            None => None,
            Some(Err(e)) => Some(e),
            Some(Ok(team)) => match Team::list(team).await {
                Ok(tokens) => {
                    meta.tokens.extend(tokens);
                    None
                }
                Err(e) => Some(TeamError::Kv(e)),
            },
        };
        Ok(Listing { meta, team_problem })
    }

    /// The stored secret of `entry`, from the place its store says.
    pub async fn secret(&self, entry: &StoredToken) -> Result<Token, InventoryError> {
        if entry.store.is_local() {
            return self.local.secret(entry).await;
        }
        match self.team() {
            Some(Ok(team)) => Inventory::secret(team, entry).await,
            Some(Err(e)) => Err(InventoryError::Team(e)),
            None => Err(InventoryError::Team(TeamError::Config(
                super::kv::ConfigError::NoAddress,
            ))),
        }
    }

    /// Removes `entry` from the place its store says.
    pub async fn forget(&self, entry: &StoredToken) -> Result<(), InventoryError> {
        if entry.store.is_local() {
            return self.local.forget(entry).await;
        }
        match self.team() {
            Some(Ok(team)) => Inventory::forget(team, entry).await,
            Some(Err(e)) => Err(InventoryError::Team(e)),
            None => Err(InventoryError::Team(TeamError::Config(
                super::kv::ConfigError::NoAddress,
            ))),
        }
    }

    /// Stores `token` in the team store if `store` is `vault`, else locally.
    pub async fn save(
        &self,
        store: StoreKind,
        token: &Token,
        entry: StoredToken,
    ) -> Result<Saved, InventoryError> {
        if store.is_local() {
            let local = Local {
                metadata_path: self.local.metadata_path.clone(),
                store,
                timeout: self.local.timeout,
            };
            return local.save(token, entry).await;
        }
        match self.team() {
            Some(Ok(team)) => Inventory::save(team, token, entry).await,
            Some(Err(e)) => Err(InventoryError::Team(e)),
            None => Err(InventoryError::Team(TeamError::Config(
                super::kv::ConfigError::NoAddress,
            ))),
        }
    }
}
