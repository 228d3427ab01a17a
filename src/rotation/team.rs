//! Rotating a token the team's Vault holds, under the lease every machine shares:
//! 1. read the token's record and its version;
//! 2. take the lease (`PREFIX/_lease/HOST/NAME`, a check-and-set write of owner and expiry); a
//!    lease another machine holds is waited for, and the record read again: a newer version is
//!    that machine's rotation, so this run only checks the new value works (no GitLab call);
//! 3. with the lease, read the record again (a rotation that finished between 1 and 2 counts);
//!    a journal a crashed holder left is resolved first: its old token still works, so GitLab
//!    did not rotate it (go on), or it does not, and the new value was lost (the guided path);
//! 4. record the journal in the lease (step `rotating`, the version read, the old token's id);
//! 5. `POST self/rotate`; 6. write the new value and facts with check-and-set against the
//!    version read (retried when Vault is briefly away; the last resort shows the value);
//! 7. release the lease (the journal cleared).

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::guided::offer;
use super::{
    Context, Failure, Names, Note, PathKind, Report, Reveal, Trouble, abort_point, client_for,
    is_gone, now_rfc3339,
};
use crate::gitlab::types::{Rotated, TokenInfo};
use crate::gitlab::{ApiError, Client};
use crate::token::Token;
use crate::vault::StoredToken;
use crate::vault::kv::{KvError, Lease};
use crate::vault::team::Team;

/// How long a lease lasts unless renewed (a crashed holder's runs out after this).
pub const LEASE_TTL: Duration = Duration::from_secs(120);
/// How long a run waits for another machine's lease before giving up.
const LEASE_WAIT: Duration = Duration::from_secs(150);
const POLL: Duration = Duration::from_millis(200);
/// Pauses before each new attempt to write the rotated value.
const WRITE_BACKOFF: [Duration; 3] = [
    Duration::from_millis(200),
    Duration::from_millis(500),
    Duration::from_millis(1000),
];

/// What the lease's journal holds (no secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamJournal {
    pub account: String,
    pub old_token_id: u64,
    /// The record's version the rotation started from.
    pub read_version: u64,
    pub step: TeamStep,
    pub started_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TeamStep {
    /// GitLab is being asked to rotate (it may have, if the holder died here).
    Rotating,
    /// The new value is in Vault.
    Stored,
}

/// A name for this run's lease: the machine, the process and the start time.
pub fn lease_owner() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "unknown".into());
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    format!("{} pid {} {nanos}", host.trim(), std::process::id())
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn team_failed(report: Report, e: KvError) -> Report {
    report.fail(Failure::Keychain, Trouble::TeamStore(e))
}

fn api_failed(report: Report, e: ApiError) -> Report {
    let failure = if e.kind().is_reachability() || matches!(e, ApiError::Setup(_)) {
        Failure::Unreachable
    } else {
        Failure::Failed
    };
    report.fail(failure, Trouble::Api(e))
}

/// Rotates `entry` (held by `team`) to a new token expiring `expires_at`, as `owner`.
pub async fn rotate(
    ctx: &Context,
    team: &Team,
    entry: &StoredToken,
    expires_at: &str,
    owner: &str,
    reveal: Reveal<'_>,
) -> Report {
    let report = Report::new(entry, PathKind::Automatic);
    let first = match team.read(&entry.host, &entry.name).await {
        Ok(Some(found)) => found.version,
        Ok(None) => return team_failed(report, KvError::CasConflict { path: path(team, entry) }),
        Err(e) => return team_failed(report, e),
    };
    let mut lease = match wait_for_lease(team, entry, owner).await {
        Ok(lease) => lease,
        Err(e) => return team_failed(report, e),
    };
    abort_point("team-leased");
    let outcome = rotate_leased(ctx, team, entry, expires_at, first, &mut lease, reveal).await;
    // Released whatever happened: the journal was cleared by the step that finished the work,
    // or it stays (the lease is then left to run out, for the next run to resolve).
    if outcome.release {
        let _ = team.kv().release(lease).await;
    }
    outcome.report
}

struct Outcome {
    report: Report,
    release: bool,
}

fn done(report: Report) -> Outcome {
    Outcome {
        report,
        release: true,
    }
}

fn path(team: &Team, entry: &StoredToken) -> String {
    team.entry_path(&entry.host, &entry.name)
}

/// Takes the lease, waiting (bounded) while another machine holds it.
async fn wait_for_lease(team: &Team, entry: &StoredToken, owner: &str) -> Result<Lease, KvError> {
    let lease_path = team.lease_path(&entry.host, &entry.name);
    let deadline = tokio::time::Instant::now() + LEASE_WAIT;
    loop {
        match team.kv().take_lease(&lease_path, owner, LEASE_TTL, now()).await {
            Err(KvError::LeaseHeld { .. }) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(POLL).await;
            }
            other => return other,
        }
    }
}

/// The steps under the lease.
async fn rotate_leased(
    ctx: &Context,
    team: &Team,
    entry: &StoredToken,
    expires_at: &str,
    first: u64,
    lease: &mut Lease,
    reveal: Reveal<'_>,
) -> Outcome {
    let report = Report::new(entry, PathKind::Automatic);
    let current = match team.read(&entry.host, &entry.name).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            let e = KvError::CasConflict { path: path(team, entry) };
            return done(team_failed(report, e));
        }
        Err(e) => return done(team_failed(report, e)),
    };
    let client = match client_for(entry, ctx.timeout) {
        Ok(c) => c,
        Err(e) => return done(api_failed(report, e)),
    };
    let crashed = lease
        .previous
        .as_ref()
        .and_then(|p| serde_json::from_value::<TeamJournal>(p.journal.clone()).ok());
    let moved_on = crashed
        .as_ref()
        .map_or(current.version != first, |j| current.version != j.read_version);
    if moved_on {
        // Another machine's rotation (or a crashed one that stored its value): check it works.
        return done(fresh(&client, report, entry, &current.data.token).await);
    }
    let old = current.data.token;
    let info = match client.token_self(&old).await {
        Ok(info) if info.active && !info.revoked => info,
        Ok(info) => return done(dead(report, entry, &info.scopes, info.id, None)),
        Err(e) if is_gone(&e) => {
            return done(dead(report, entry, &entry.scopes, entry.token_id, Some(e)));
        }
        Err(e) => return done(api_failed(report, e)),
    };
    if !super::renewal::may_rotate_itself(
        info.granular,
        info.granular_scopes.as_deref(),
        &info.scopes,
    ) {
        let trouble = Trouble::NeedsGuided {
            names: Names::of(entry),
            scopes: info.scopes.clone(),
            fine_grained: info.granular,
            made: entry.provisioned.as_ref().map(|m| m.kind),
        };
        return done(offer(report, entry, &info.scopes, info.id, trouble));
    }
    let journal = TeamJournal {
        account: entry.account.clone(),
        old_token_id: info.id,
        read_version: current.version,
        step: TeamStep::Rotating,
        started_at: now_rfc3339(),
    };
    let value = serde_json::to_value(&journal).unwrap_or_default();
    if let Err(e) = team.kv().record(lease, value, LEASE_TTL, now()).await {
        return done(team_failed(report, e));
    }
    abort_point("team-journal");
    let rotated = match client.rotate_self(&old, expires_at).await {
        Ok(r) => r,
        // Not rotated (or not known): the journal stays in the lease, whose next holder asks
        // GitLab about the old token before anything else.
        Err(e) => {
            return Outcome {
                report: api_failed(report, e),
                release: false,
            };
        }
    };
    abort_point("team-after-api");
    store_rotated(team, entry, &info, rotated, current.version, report, reveal).await
}

/// Writes the rotated value with check-and-set against `version`, retried while Vault is away.
async fn store_rotated(
    team: &Team,
    entry: &StoredToken,
    old: &TokenInfo,
    rotated: Rotated,
    version: u64,
    mut report: Report,
    reveal: Reveal<'_>,
) -> Outcome {
    let mut facts = entry.clone();
    let info = &rotated.info;
    facts.token_id = info.id;
    facts.token_name = info.name.clone();
    facts.scopes = info.scopes.clone();
    facts.expires_at = info.expires_at.clone();
    facts.verified_at = now_rfc3339();
    if let Some(made) = facts.provisioned.as_mut() {
        made.token_id = info.id;
    }
    let mut written = team.write(&rotated.token, &facts, version).await;
    for pause in WRITE_BACKOFF {
        match written {
            Ok(_) | Err(KvError::CasConflict { .. }) => break,
            Err(_) => {
                tokio::time::sleep(pause).await;
                written = team.write(&rotated.token, &facts, version).await;
            }
        }
    }
    if let Err(e) = written {
        let revealed = reveal(&rotated.token);
        report.troubles.push(Trouble::Lost {
            names: Names::of(entry),
            old_id: old.id,
            why: ApiError::Setup(if revealed { "shown".into() } else { "not stored".into() }),
        });
        return done(team_failed(report, e));
    }
    abort_point("team-stored");
    report.ok = true;
    report.new_expires_at = info.expires_at.clone();
    let report = report.note(Note::Rotated {
        account: entry.account.clone(),
        old_id: old.id,
        new_id: info.id,
        expires_at: info.expires_at.clone(),
    });
    done(report)
}

/// The record holds a newer value than this run read: another machine rotated. It is checked
/// live; nothing is rotated.
async fn fresh(client: &Client, report: Report, entry: &StoredToken, token: &Token) -> Report {
    match client.token_self(token).await {
        Ok(info) if info.active && !info.revoked => {
            let mut report = report.note(Note::RotatedElsewhere {
                account: entry.account.clone(),
                token_id: info.id,
            });
            report.ok = true;
            report.new_expires_at = info.expires_at;
            report
        }
        Ok(info) => dead(report, entry, &info.scopes, info.id, None),
        Err(e) if is_gone(&e) => dead(report, entry, &entry.scopes, entry.token_id, Some(e)),
        Err(e) => api_failed(report, e),
    }
}

fn dead(
    report: Report,
    entry: &StoredToken,
    scopes: &[String],
    id: u64,
    why: Option<ApiError>,
) -> Report {
    let trouble = Trouble::StoredDead {
        names: Names::of(entry),
        why,
    };
    offer(report, entry, scopes, id, trouble)
}
