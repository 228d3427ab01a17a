//! The rotation lock shared by every machine: a KV v2 record (owner, expiry, journal) taken and
//! changed only by check-and-set writes, so of two machines racing exactly one holds it. A
//! crashed holder's lease runs out at its expiry; whoever takes it next receives the journal the
//! crashed holder left (`Lease::previous`) and finishes or repairs that work first.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::client::Kv;
use super::error::KvError;

/// What the lease path holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaseRecord {
    /// Who holds it: `HOSTNAME pid PID` plus a random part, unique per run.
    pub owner: String,
    /// Unix seconds after which anyone may take it.
    pub expires_at: i64,
    #[serde(default)]
    pub released: bool,
    /// The holder's journal: what it has done of its irreversible work (opaque here; the
    /// rotation writes its steps). `null` when there is nothing to finish.
    #[serde(default)]
    pub journal: serde_json::Value,
}

impl LeaseRecord {
    /// Whether another owner may take it at `now`.
    pub fn is_free(&self, now: i64) -> bool {
        self.released || self.expires_at <= now
    }
}

/// A lease this process holds: the version it last wrote (every change is check-and-set on it).
#[derive(Debug, Clone, PartialEq)]
pub struct Lease {
    pub path: String,
    pub version: u64,
    pub record: LeaseRecord,
    /// The record found when it was taken, if its holder left a journal without releasing it.
    pub previous: Option<LeaseRecord>,
}

impl Kv {
    /// Takes the lease at `path` for `owner` until `now + ttl`, or says who holds it
    /// (`LeaseHeld`). A lease of the same owner (this run, again) is taken over.
    pub async fn take_lease(
        &self,
        path: &str,
        owner: &str,
        ttl: Duration,
        now: i64,
    ) -> Result<Lease, KvError> {
        let found = self.read::<LeaseRecord>(path).await?;
        let (cas, previous) = match found {
            None => (0, None),
            Some(v) if v.data.is_free(now) || v.data.owner == owner => {
                let left = (!v.data.released && !v.data.journal.is_null()).then_some(v.data);
                (v.version, left)
            }
            Some(v) => return Err(held(path, v.data)),
        };
        let record = LeaseRecord {
            owner: owner.to_owned(),
            expires_at: now + ttl.as_secs() as i64,
            released: false,
            journal: previous
                .as_ref()
                .map(|p| p.journal.clone())
                .unwrap_or(serde_json::Value::Null),
        };
        match self.write(path, &record, cas).await {
            Ok(version) => Ok(Lease {
                path: path.to_owned(),
                version,
                record,
                previous,
            }),
            // Another machine wrote first: it holds the lease now.
            Err(KvError::CasConflict { .. }) => match self.read::<LeaseRecord>(path).await? {
                Some(v) => Err(held(path, v.data)),
                None => Err(KvError::CasConflict {
                    path: path.to_owned(),
                }),
            },
            Err(e) => Err(e),
        }
    }

    /// Records `journal` in the lease and extends it to `now + ttl`. Fails with `LeaseHeld`
    /// when the lease was lost (it ran out and another machine took it): stop, do nothing more.
    pub async fn record(
        &self,
        lease: &mut Lease,
        journal: serde_json::Value,
        ttl: Duration,
        now: i64,
    ) -> Result<(), KvError> {
        let record = LeaseRecord {
            owner: lease.record.owner.clone(),
            expires_at: now + ttl.as_secs() as i64,
            released: false,
            journal,
        };
        self.rewrite(lease, record).await
    }

    /// Releases the lease: its journal is cleared, anyone may take it at once.
    pub async fn release(&self, mut lease: Lease) -> Result<(), KvError> {
        let record = LeaseRecord {
            owner: lease.record.owner.clone(),
            expires_at: lease.record.expires_at,
            released: true,
            journal: serde_json::Value::Null,
        };
        self.rewrite(&mut lease, record).await
    }

    /// Gives the lease up with its journal kept: it runs out at once (`now`), and whoever takes it
    /// next receives the journal (`Lease::previous`) to finish or repair the work. For work this
    /// run could not finish (GitLab could not be asked whether it rotated).
    pub async fn hand_on(&self, mut lease: Lease, now: i64) -> Result<(), KvError> {
        let record = LeaseRecord {
            owner: lease.record.owner.clone(),
            expires_at: now,
            released: false,
            journal: lease.record.journal.clone(),
        };
        self.rewrite(&mut lease, record).await
    }

    async fn rewrite(&self, lease: &mut Lease, record: LeaseRecord) -> Result<(), KvError> {
        match self.write(&lease.path, &record, lease.version).await {
            Ok(version) => {
                lease.version = version;
                lease.record = record;
                Ok(())
            }
            Err(KvError::CasConflict { .. }) => {
                match self.read::<LeaseRecord>(&lease.path).await? {
                    Some(v) => Err(held(&lease.path, v.data)),
                    None => Err(KvError::CasConflict {
                        path: lease.path.clone(),
                    }),
                }
            }
            Err(e) => Err(e),
        }
    }
}

fn held(path: &str, record: LeaseRecord) -> KvError {
    KvError::LeaseHeld {
        path: path.to_owned(),
        owner: record.owner,
        until: record.expires_at,
    }
}
