//! The sink step of a rotation, and its journal `<config dir>/gitlab-token/deliveries.toml`: which
//! sinks have not received a rotated token yet. Written (atomically) as soon as the new value is
//! in the store, emptied as each sink takes it; what is left is delivered again by the next
//! `rotate` until it succeeds or the sink is removed. It NEVER holds a token: the value is read
//! from the keychain when a delivery is retried. Changed only under the rotation lock.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::journal::JournalError;
use super::{Context, Failure, Report, Trouble, now_rfc3339};
use crate::sinks::{self, Outcome, Sink};
use crate::token::Token;
use crate::vault::{Keychain, Metadata, StoredToken, VaultError};

/// What one sink got of a value.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// The sink was tried: its own outcome.
    Tried(Outcome),
    /// The stored token could not be read (`why`), so the sink was not tried; it stays pending.
    Unread {
        id: u32,
        kind: &'static str,
        target: String,
        why: VaultError,
    },
}

impl Delivery {
    /// The sink has the value.
    pub fn ok(&self) -> bool {
        matches!(self, Delivery::Tried(o) if o.ok())
    }
}

impl From<Outcome> for Delivery {
    fn from(outcome: Outcome) -> Delivery {
        Delivery::Tried(outcome)
    }
}

/// Why `deliver_now` delivered nothing.
#[derive(Debug, Clone)]
pub enum Undelivered {
    /// Another process is rotating.
    Busy,
    /// The rotation lock, the metadata or the pending list failed (its error).
    Failed(String),
    /// No token is stored as this account.
    NotStored(String),
    /// The stored token could not be read.
    Store(VaultError),
}

/// One sink that has not received the latest value of its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingDelivery {
    /// `NAME@HOST`.
    pub account: String,
    pub sink_id: u32,
    /// RFC 3339: when the value it waits for was stored.
    pub since: String,
    /// Deliveries tried so far.
    #[serde(default)]
    pub attempts: u32,
    /// Why the last one failed.
    #[serde(
        default,
        deserialize_with = "lenient",
        skip_serializing_if = "LastError::unwritten"
    )]
    pub last_error: Option<LastError>,
}

/// Why a pending delivery's last try failed, as `deliveries.toml` holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum LastError {
    /// The typed failure (a table with its `kind`).
    Failed(sinks::Failure),
    /// A file written before typed outcomes: the sentence it recorded, shown as it was.
    Text(String),
    /// A shape this version does not know (another version wrote it): never written back.
    Unknown,
}

impl LastError {
    fn unwritten(e: &Option<LastError>) -> bool {
        matches!(e, None | Some(LastError::Unknown))
    }
}

/// Reads `last_error` without ever failing the whole file: a string is an old sentence, a table
/// a typed failure, anything else [`LastError::Unknown`] (the delivery stays pending either way).
fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<LastError>, D::Error> {
    Ok(
        Option::<toml::Value>::deserialize(d)?.map(|value| match value {
            toml::Value::String(text) => LastError::Text(text),
            other => other
                .try_into::<sinks::Failure>()
                .map_or(LastError::Unknown, LastError::Failed),
        }),
    )
}

/// The pending deliveries.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deliveries {
    #[serde(default, rename = "delivery")]
    pub pending: Vec<PendingDelivery>,
}

/// `deliveries.toml` beside the metadata file.
pub fn path_for(metadata_path: &Path) -> PathBuf {
    metadata_path
        .parent()
        .unwrap_or(Path::new("."))
        .join("deliveries.toml")
}

/// The pending-deliveries file beside `metadata_path` when it exists but cannot be read (it is
/// then never written over): what `status` reports.
pub fn unreadable(metadata_path: &Path) -> Option<JournalError> {
    Deliveries::load(&path_for(metadata_path)).err()
}

impl Deliveries {
    /// The pending deliveries (none when there is no file).
    pub fn load(path: &Path) -> Result<Deliveries, JournalError> {
        match crate::files::read_regular_text(path, crate::files::MAX_FILE_BYTES) {
            Ok(text) => toml::from_str(&text).map_err(|e| JournalError::Parse {
                path: path.to_owned(),
                message: e.message().to_owned(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Deliveries::default()),
            Err(source) => Err(JournalError::Read {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Writes the file atomically; removes it when nothing is pending.
    pub fn save(&self, path: &Path) -> Result<(), JournalError> {
        if self.pending.is_empty() {
            return super::journal::Journal::remove(path);
        }
        let write_err = |source| JournalError::Write {
            path: path.to_owned(),
            source,
        };
        let text = toml::to_string_pretty(self).map_err(|e| JournalError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        crate::vault::write_atomically(path, text.as_bytes()).map_err(write_err)
    }

    /// The pending delivery to sink `id` of `account`.
    pub fn find(&self, account: &str, id: u32) -> Option<&PendingDelivery> {
        self.pending
            .iter()
            .find(|p| p.account == account && p.sink_id == id)
    }
}

fn sinks_of(ctx: &Context, account: &str) -> Result<Vec<Sink>, String> {
    let meta = Metadata::load(&ctx.metadata_path).map_err(|e| e.to_string())?;
    Ok(meta
        .sinks
        .into_iter()
        .filter(|s| s.account == account)
        .collect())
}

/// A new value of `account` is in the store: every sink of it now waits for that value.
/// Cheap (one file read) when the token has no sinks.
pub(crate) fn mark_pending(ctx: &Context, account: &str) -> Result<(), String> {
    let sinks = sinks_of(ctx, account)?;
    if sinks.is_empty() {
        return Ok(());
    }
    let path = path_for(&ctx.metadata_path);
    let mut deliveries = Deliveries::load(&path).map_err(|e| e.to_string())?;
    let since = now_rfc3339();
    for sink in sinks {
        match deliveries
            .pending
            .iter_mut()
            .find(|p| p.account == account && p.sink_id == sink.id)
        {
            Some(p) => p.since = since.clone(),
            None => deliveries.pending.push(PendingDelivery {
                account: account.to_owned(),
                sink_id: sink.id,
                since: since.clone(),
                attempts: 0,
                last_error: None,
            }),
        }
    }
    deliveries.save(&path).map_err(|e| e.to_string())
}

/// Delivers `token`, the value stored for `entry`, to each of its sinks still pending (with
/// `fresh`, a value just stored: to every sink, even if recording them as pending failed), and
/// records what is left. Pending deliveries whose sink was removed are dropped.
pub(crate) async fn deliver(
    ctx: &Context,
    entry: &StoredToken,
    token: &Token,
    fresh: bool,
) -> Vec<Outcome> {
    let account = &entry.account;
    let path = path_for(&ctx.metadata_path);
    let sinks = match sinks_of(ctx, account) {
        Ok(s) => s,
        Err(_) => return Vec::new(),
    };
    // An unreadable list: deliver what can be delivered, but never write over the file (it
    // holds other tokens' pending deliveries); `status` names it.
    let (mut deliveries, readable) = match Deliveries::load(&path) {
        Ok(d) => (d, true),
        Err(_) => (Deliveries::default(), false),
    };
    let save = |d: &Deliveries| {
        if readable {
            let _ = d.save(&path);
        }
    };
    deliveries
        .pending
        .retain(|p| p.account != *account || sinks.iter().any(|s| s.id == p.sink_id));
    let mut outcomes = Vec::new();
    for sink in &sinks {
        if deliveries.find(account, sink.id).is_none() {
            if !fresh {
                continue;
            }
            deliveries.pending.push(PendingDelivery {
                account: account.clone(),
                sink_id: sink.id,
                since: now_rfc3339(),
                attempts: 0,
                last_error: None,
            });
        }
        let outcome = sinks::deliver(entry, sink, token, &ctx.reach()).await;
        if outcome.ok() {
            deliveries
                .pending
                .retain(|p| !(p.account == *account && p.sink_id == sink.id));
        } else if let Some(p) = deliveries
            .pending
            .iter_mut()
            .find(|p| p.account == *account && p.sink_id == sink.id)
        {
            p.attempts += 1;
            p.last_error = outcome.result.clone().err().map(LastError::Failed);
        }
        // Saved after each sink, so a kill mid-way never delivers one twice needlessly.
        save(&deliveries);
        outcomes.push(outcome);
    }
    save(&deliveries);
    outcomes
}

/// The sink step at the end of a rotation that stored `token` for `entry`: delivers it to every
/// sink `mark_pending` (its result in `marked`) recorded, and says so in `report`.
pub(crate) async fn finish(
    ctx: &Context,
    report: Report,
    entry: &StoredToken,
    token: &Token,
    marked: Result<(), String>,
) -> Report {
    super::abort_point("before-sinks");
    let report = match marked {
        Ok(()) => report,
        Err(detail) => report.fail(
            Failure::Failed,
            Trouble::PendingNotRecorded {
                account: entry.account.clone(),
                detail,
            },
        ),
    };
    let outcomes = deliver(ctx, entry, token, true).await;
    report.delivered(outcomes.into_iter().map(Delivery::Tried).collect())
}

/// `sink deliver`: marks every sink of `account` pending and delivers the value stored now
/// (what fails stays pending for the next `rotate`). Takes the rotation lock itself.
pub async fn deliver_now(ctx: &Context, account: &str) -> Result<Vec<Outcome>, Undelivered> {
    let _lock = match super::RotationLock::try_acquire(&ctx.metadata_path) {
        Ok(Some(lock)) => lock,
        Ok(None) => return Err(Undelivered::Busy),
        Err(e) => return Err(Undelivered::Failed(e.to_string())),
    };
    let meta =
        Metadata::load(&ctx.metadata_path).map_err(|e| Undelivered::Failed(e.to_string()))?;
    let entry = meta
        .find(account)
        .cloned()
        .ok_or_else(|| Undelivered::NotStored(account.to_owned()))?;
    mark_pending(ctx, account).map_err(Undelivered::Failed)?;
    let token = match Keychain::open_for(&entry, ctx.keychain_timeout).await {
        Ok(k) => k.get(account).await,
        Err(e) => Err(e),
    };
    match token {
        Ok(token) => Ok(deliver(ctx, &entry, &token, false).await),
        Err(e) => Err(Undelivered::Store(e)),
    }
}

/// Retries every pending delivery (of all tokens), reading each token from its store. The
/// caller holds the rotation lock. One entry per token that had something pending.
pub async fn deliver_pending(ctx: &Context) -> Vec<(String, Vec<Delivery>)> {
    let path = path_for(&ctx.metadata_path);
    let pending = match Deliveries::load(&path) {
        Ok(d) if d.pending.is_empty() => return Vec::new(),
        Ok(d) => d.pending,
        Err(_) => return Vec::new(),
    };
    let meta = match Metadata::load(&ctx.metadata_path) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    let mut accounts: Vec<String> = pending.iter().map(|p| p.account.clone()).collect();
    accounts.sort();
    accounts.dedup();
    let mut results = Vec::new();
    for account in accounts {
        let Some(entry) = meta.find(&account).cloned() else {
            // The token is forgotten: nothing can be delivered any more.
            drop_account(&path, &account);
            continue;
        };
        let token = match Keychain::open_for(&entry, ctx.keychain_timeout).await {
            Ok(k) => k.get(&account).await,
            Err(e) => Err(e),
        };
        let outcomes = match token {
            Ok(token) => deliver(ctx, &entry, &token, false)
                .await
                .into_iter()
                .map(Delivery::Tried)
                .collect(),
            Err(e) => not_read(&meta, &pending, &account, &e),
        };
        if !outcomes.is_empty() {
            results.push((account, outcomes));
        }
    }
    results
}

fn drop_account(path: &Path, account: &str) {
    if let Ok(mut d) = Deliveries::load(path) {
        d.pending.retain(|p| p.account != account);
        let _ = d.save(path);
    }
}

/// The store could not be read: every pending sink of `account` fails with `why`, and stays.
fn not_read(
    meta: &Metadata,
    pending: &[PendingDelivery],
    account: &str,
    why: &VaultError,
) -> Vec<Delivery> {
    meta.sinks
        .iter()
        .filter(|s| {
            s.account == account
                && pending
                    .iter()
                    .any(|p| p.account == account && p.sink_id == s.id)
        })
        .map(|s| Delivery::Unread {
            id: s.id,
            kind: s.kind_name(),
            target: s.target(),
            why: why.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_list_removes_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deliveries.toml");
        let mut d = Deliveries::default();
        d.pending.push(PendingDelivery {
            account: "a@h".into(),
            sink_id: 1,
            since: "2026-11-27T08:00:00Z".into(),
            attempts: 2,
            last_error: Some(LastError::Failed(sinks::Failure::CommandFailed {
                argv: vec!["/bin/push".into()],
                code: Some(1),
                said: String::new(),
            })),
        });
        d.save(&path).unwrap();
        assert_eq!(Deliveries::load(&path).unwrap(), d);
        assert!(d.find("a@h", 1).is_some());
        d.pending.clear();
        d.save(&path).unwrap();
        assert!(!path.exists());
        assert_eq!(Deliveries::load(&path).unwrap(), Deliveries::default());
    }

    fn pending(last_error: Option<LastError>) -> PendingDelivery {
        PendingDelivery {
            account: "a@h".into(),
            sink_id: 1,
            since: "2026-11-27T08:00:00Z".into(),
            attempts: 1,
            last_error,
        }
    }

    /// Each shape of failure, the GitLab error inside it too, is read back as it was written.
    #[test]
    fn typed_failures_round_trip_through_the_file() {
        use crate::gitlab::ApiError;
        use crate::gitlab::variables::Owner;
        let at = sinks::Variable {
            owner: Owner::Project,
            path: "team/app".into(),
            key: "DEPLOY_TOKEN".into(),
            environment_scope: Some("production".into()),
        };
        let failures = [
            sinks::Failure::CommandEmpty,
            sinks::Failure::CommandFailed {
                argv: vec!["/bin/push".into(), "a b".into()],
                code: None,
                said: "no".into(),
            },
            sinks::Failure::VariableFailed {
                at: at.clone(),
                host: "gitlab.example.com".into(),
                error: ApiError::Http {
                    status: 409,
                    message: "conflict".into(),
                },
            },
            sinks::Failure::SignInRefused {
                at,
                host: "gitlab.example.com".into(),
                account: "me@gitlab.example.com".into(),
                error: ApiError::TokenExpired,
            },
            sinks::Failure::VariableSetup {
                detail: "bad".into(),
            },
        ];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deliveries.toml");
        let mut d = Deliveries::default();
        for (i, f) in failures.into_iter().enumerate() {
            let mut p = pending(Some(LastError::Failed(f)));
            p.sink_id = i as u32 + 1;
            d.pending.push(p);
        }
        let mut p = pending(Some(LastError::Failed(sinks::Failure::VariableFailed {
            at: sinks::Variable {
                owner: Owner::Group,
                path: "team".into(),
                key: "K".into(),
                environment_scope: None,
            },
            host: "h".into(),
            error: ApiError::Tls {
                kind: crate::problem::ProblemKind::TlsExpired,
                detail: "expired".into(),
            },
        })));
        p.sink_id = 9;
        d.pending.push(p);
        d.save(&path).unwrap();
        assert_eq!(Deliveries::load(&path).unwrap(), d);
    }

    /// A file written before typed outcomes holds the sentence: it loads, and is kept as it was.
    #[test]
    fn an_old_sentence_loads_and_is_written_back_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deliveries.toml");
        std::fs::write(
            &path,
            "[[delivery]]\naccount = \"a@h\"\nsink_id = 1\nsince = \"2026-11-27T08:00:00Z\"\n\
             attempts = 1\nlast_error = \"exit code 1\"\n",
        )
        .unwrap();
        let d = Deliveries::load(&path).unwrap();
        assert_eq!(
            d.pending,
            [pending(Some(LastError::Text("exit code 1".into())))]
        );
        d.save(&path).unwrap();
        assert_eq!(Deliveries::load(&path).unwrap(), d);
    }

    /// A shape this version does not know fails neither the file nor the delivery, and is dropped
    /// when the file is written again.
    #[test]
    fn an_unknown_last_error_keeps_the_delivery() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("deliveries.toml");
        std::fs::write(
            &path,
            "[[delivery]]\naccount = \"a@h\"\nsink_id = 1\nsince = \"2026-11-27T08:00:00Z\"\n\
             attempts = 1\nlast_error = 42\n",
        )
        .unwrap();
        let d = Deliveries::load(&path).unwrap();
        assert_eq!(d.pending, [pending(Some(LastError::Unknown))]);
        d.save(&path).unwrap();
        assert_eq!(Deliveries::load(&path).unwrap().pending, [pending(None)]);
    }
}
