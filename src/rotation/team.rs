//! Rotating a token the team's Vault holds, under the lease every machine shares:
//! 1. take the lease (`PREFIX/_lease/HOST/NAME`, a check-and-set write of owner and expiry); a
//!    lease another machine holds is waited for (bounded), a crashed holder's runs out;
//! 2. with the lease, read the record: a journal a crashed holder left is resolved first (its
//!    value was stored: check it; its old token still works: GitLab never rotated, go on; it
//!    does not: the new value was lost, the guided path); a record that moved on since this run
//!    listed it is another machine's rotation: only check the new value works (no GitLab call);
//! 3. check the old token live (may it rotate itself?);
//! 4. record the journal in the lease (the version read, the old token's id);
//! 5. `POST self/rotate`; check the answer is the token asked about (user, scopes, kind);
//! 6. write the new value and facts with check-and-set against the version read (retried when
//!    Vault is briefly away; the last resort shows the value);
//! 7. release the lease (the journal cleared). Work this run cannot finish is handed on: the
//!    lease runs out at once with its journal, for the next run on any machine.
//!
//! TEST HOOKS: `GITLAB_TOKEN_TEST_ABORT_AT=team-leased|team-journal|team-after-api|team-stored`
//! aborts right after that step; `GITLAB_TOKEN_TEST_LEASE_TTL_SECS` and
//! `GITLAB_TOKEN_TEST_LEASE_WAIT_SECS` shorten the lease and the wait for one.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::automatic::{Call, can_rotate_itself, refused};
use super::guided::offer;
use super::{
    Context, Failure, Names, Note, PathKind, Report, Reveal, Trouble, abort_point, client_for,
    expiry_in, is_gone, now_rfc3339,
};
use crate::gitlab::types::{Rotated, TokenInfo};
use crate::gitlab::{ApiError, Client};
use crate::token::Token;
use crate::vault::kv::{KvError, Lease, Versioned};
use crate::vault::team::{Team, TeamRecord};
use crate::vault::{StoredToken, VaultError};

mod answer;
use answer::unasked;

/// How long a lease lasts unless renewed (a crashed holder's runs out after this).
pub const LEASE_TTL: Duration = Duration::from_secs(120);
/// How long a run waits for another machine's lease before giving up (longer than a lease, so
/// a crashed holder's runs out within it).
pub const LEASE_WAIT: Duration = Duration::from_secs(150);
const POLL: Duration = Duration::from_millis(100);
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
    /// The record's version the rotation started from: a newer one holds its new value.
    pub read_version: u64,
    pub started_at: String,
    pub expires_at: String,
}

/// One run's rotations of team tokens: where, until when, as whom.
pub struct Job<'a> {
    pub ctx: &'a Context,
    pub team: &'a Team,
    /// The new token's expiry, `YYYY-MM-DD`.
    pub expires_at: &'a str,
    /// This run's lease owner ([`lease_owner`]).
    pub owner: &'a str,
    pub reveal: Reveal<'a>,
}

/// A name for this run's leases: the machine, the process and the start time.
pub fn lease_owner() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .unwrap_or_else(|| "unknown".into());
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
    format!("{} pid {} at {nanos}", host.trim(), std::process::id())
}

fn test_secs(var: &str) -> Option<Duration> {
    let secs = std::env::var(var).ok()?.trim().parse::<u64>().ok()?;
    Some(Duration::from_secs(secs))
}

fn lease_ttl() -> Duration {
    test_secs("GITLAB_TOKEN_TEST_LEASE_TTL_SECS").unwrap_or(LEASE_TTL)
}

fn lease_wait() -> Duration {
    test_secs("GITLAB_TOKEN_TEST_LEASE_WAIT_SECS").unwrap_or(LEASE_WAIT)
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// A team store failure: a lease still held after the wait is "busy" (as the local lock),
/// anything else the store's (as the keychain).
fn team_failed(report: Report, e: KvError) -> Report {
    let failure = match e {
        KvError::LeaseHeld { .. } => Failure::Failed,
        _ => Failure::Keychain,
    };
    report.fail(failure, Trouble::TeamStore(e))
}

fn api_failed(report: Report, e: ApiError) -> Report {
    let failure = if e.kind().is_reachability() || matches!(e, ApiError::Setup(_)) {
        Failure::Unreachable
    } else {
        Failure::Failed
    };
    report.fail(failure, Trouble::Api(e))
}

/// What becomes of the lease when the work under it ends.
enum End {
    /// Done (or nothing was done): released, its journal cleared.
    Release,
    /// Not finished: its journal kept, it runs out at once for the next run.
    HandOn,
}

/// Rotates `entry` (as this run listed it from the team store).
pub async fn rotate(job: &Job<'_>, entry: &StoredToken) -> Report {
    let report = Report::new(entry, PathKind::Automatic);
    let mut lease = match wait_for_lease(job.team, entry, job.owner).await {
        Ok(lease) => lease,
        Err(e) => return team_failed(report, e),
    };
    abort_point("team-leased");
    let (report, end) = leased(job, entry, &mut lease, report).await;
    // A failed release leaves the lease to run out; the record itself is already consistent.
    let _ = match end {
        End::Release => job.team.kv().release(lease).await,
        End::HandOn => job.team.kv().hand_on(lease, now()).await,
    };
    report
}

/// Takes the lease, waiting (bounded) while another machine holds it.
async fn wait_for_lease(team: &Team, entry: &StoredToken, owner: &str) -> Result<Lease, KvError> {
    let path = team.lease_path(&entry.host, &entry.name);
    let deadline = tokio::time::Instant::now() + lease_wait();
    loop {
        match team.kv().take_lease(&path, owner, lease_ttl(), now()).await {
            Err(KvError::LeaseHeld { .. }) if tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(POLL).await;
            }
            other => return other,
        }
    }
}

/// The work under the lease: the record read, a crashed holder's journal resolved, then the
/// rotation if it is still this run's to do.
async fn leased(
    job: &Job<'_>,
    entry: &StoredToken,
    lease: &mut Lease,
    report: Report,
) -> (Report, End) {
    let left = lease.previous.as_ref().and_then(|p| {
        let journal = serde_json::from_value::<TeamJournal>(p.journal.clone()).ok()?;
        Some((p.owner.clone(), journal))
    });
    // A journal left behind is kept until it is resolved.
    let unresolved = if left.is_some() {
        End::HandOn
    } else {
        End::Release
    };
    let current = match job.team.read(&entry.host, &entry.name).await {
        Ok(Some(found)) => found,
        Ok(None) => {
            let gone = Trouble::Store(VaultError::NotFound(entry.account.clone()));
            return (report.fail(Failure::Keychain, gone), End::Release);
        }
        Err(e) => return (team_failed(report, e), unresolved),
    };
    let client = match client_for(&current.data.entry, job.ctx.timeout) {
        Ok(c) => c,
        Err(e) => return (api_failed(report, e), unresolved),
    };
    let mut report = report;
    match left {
        // The crashed holder stored its new value: check it works.
        Some((_, j)) if current.version != j.read_version => {
            return (fresh(&client, report, &current).await, End::Release);
        }
        Some((holder, j)) => match client.token_self(&current.data.token).await {
            Ok(info) if info.active && !info.revoked && info.id == j.old_token_id => {
                let account = entry.account.clone();
                report = report.note(Note::TeamResumed { account, holder });
            }
            Ok(_) => return lost(job, report, &current, j.old_token_id, true).await,
            Err(e) if is_gone(&e) => {
                return lost(job, report, &current, j.old_token_id, true).await;
            }
            Err(why) => return (unknown(report, entry, why), End::HandOn),
        },
        // Another machine rotated since this run listed the token.
        None if current.data.entry.token_id != entry.token_id => {
            return (fresh(&client, report, &current).await, End::Release);
        }
        None => {}
    }
    rotate_leased(job, lease, &current, &client, report).await
}

/// The old token checked, the journal recorded, GitLab asked to rotate, its answer checked and
/// stored.
async fn rotate_leased(
    job: &Job<'_>,
    lease: &mut Lease,
    current: &Versioned<TeamRecord>,
    client: &Client,
    mut report: Report,
) -> (Report, End) {
    let (entry, old) = (&current.data.entry, &current.data.token);
    let info = match client.token_self(old).await {
        Ok(info) if info.active && !info.revoked => info,
        Ok(info) => {
            return (
                dead(report, entry, &info.scopes, info.id, None),
                End::Release,
            );
        }
        Err(e) if is_gone(&e) => {
            let report = dead(report, entry, &entry.scopes, entry.token_id, Some(e));
            return (report, End::Release);
        }
        Err(e) => return (api_failed(report, e), End::Release),
    };
    report.old_expires_at = info.expires_at.clone().or(report.old_expires_at);
    if !can_rotate_itself(client, old, &info).await {
        let trouble = Trouble::NeedsGuided {
            names: Names::of(entry),
            scopes: info.scopes.clone(),
            fine_grained: info.granular,
            made: entry.provisioned.as_ref().map(|m| m.kind),
        };
        return (
            offer(report, entry, &info.scopes, info.id, trouble),
            End::Release,
        );
    }
    let journal = TeamJournal {
        account: entry.account.clone(),
        old_token_id: info.id,
        read_version: current.version,
        started_at: now_rfc3339(),
        expires_at: job.expires_at.to_owned(),
    };
    let value = serde_json::to_value(&journal).unwrap_or_default();
    if let Err(e) = job.team.kv().record(lease, value, lease_ttl(), now()).await {
        return (team_failed(report, e), End::Release);
    }
    abort_point("team-journal");
    let rotated = match client.rotate_self(old, job.expires_at).await {
        Ok(r) => r,
        Err(e) => return rotate_failed(job, report, current, client, &info, e).await,
    };
    abort_point("team-after-api");
    if let Some(what) = unasked(&info, &rotated.info) {
        // Not the token asked about: never stored. Whether the old one still works decides.
        drop(rotated);
        let account = entry.account.clone();
        report = report.fail(Failure::Failed, Trouble::AnswerNotAsked { account, what });
        return ask_gitlab(job, report, current, client, &info, None).await;
    }
    store(job, report, current, client, &info, rotated).await
}

/// The rotate call failed: a definite refusal changed nothing (released); anything else may
/// have reached GitLab, which is asked with `GET self` (never `rotate` again).
async fn rotate_failed(
    job: &Job<'_>,
    report: Report,
    current: &Versioned<TeamRecord>,
    client: &Client,
    info: &TokenInfo,
    e: ApiError,
) -> (Report, End) {
    match refused(report, &current.data.entry, info, job.expires_at, &e) {
        Call::Refused(report) => (report, End::Release),
        Call::MayHaveReached(report) => {
            ask_gitlab(job, report, current, client, info, Some(e)).await
        }
    }
}

/// Whether GitLab rotated after the call failed with `e` (`None`: its answer was refused): the
/// old token still works (nothing changed), does not (the new value is lost), or cannot be
/// asked (the journal is handed on).
async fn ask_gitlab(
    job: &Job<'_>,
    report: Report,
    current: &Versioned<TeamRecord>,
    client: &Client,
    info: &TokenInfo,
    e: Option<ApiError>,
) -> (Report, End) {
    let account = current.data.entry.account.clone();
    match client.token_self(&current.data.token).await {
        Ok(now) if now.id == info.id && now.active && !now.revoked => {
            // A refused answer's trouble is already in the report.
            let Some(e) = e else {
                return (report, End::Release);
            };
            let failure = if e.kind().is_reachability() {
                Failure::Unreachable
            } else {
                Failure::Failed
            };
            let trouble = Trouble::NotReached { account, why: e };
            (report.fail(failure, trouble), End::Release)
        }
        Ok(_) => lost(job, report, current, info.id, false).await,
        Err(check) if is_gone(&check) => lost(job, report, current, info.id, false).await,
        Err(why) => (unknown(report, &current.data.entry, why), End::HandOn),
    }
}

fn unknown(report: Report, entry: &StoredToken, why: ApiError) -> Report {
    let account = entry.account.clone();
    report.fail(
        Failure::Unreachable,
        Trouble::OutcomeUnknown { account, why },
    )
}

/// GitLab rotated and the new value is gone: the record is marked expired for every machine
/// (its value no longer works), and the guided path offered.
async fn lost(
    job: &Job<'_>,
    report: Report,
    current: &Versioned<TeamRecord>,
    old_id: u64,
    midway: bool,
) -> (Report, End) {
    let entry = &current.data.entry;
    let mut marked = entry.clone();
    marked.expires_at = Some(expiry_in(-1));
    let _ = job
        .team
        .write(&current.data.token, &marked, current.version)
        .await;
    let trouble = Trouble::TeamLost {
        names: Names::of(entry),
        old_id,
        midway,
    };
    (
        offer(report, entry, &entry.scopes, old_id, trouble),
        End::Release,
    )
}

/// Writes the rotated value with its facts, check-and-set against the version read.
async fn store(
    job: &Job<'_>,
    mut report: Report,
    current: &Versioned<TeamRecord>,
    client: &Client,
    old: &TokenInfo,
    rotated: Rotated,
) -> (Report, End) {
    let entry = &current.data.entry;
    let info = &rotated.info;
    let mut facts = entry.clone();
    facts.token_id = info.id;
    facts.token_name = info.name.clone();
    facts.scopes = info.scopes.clone();
    facts.expires_at = info.expires_at.clone();
    facts.verified_at = now_rfc3339();
    if let Some(made) = facts.provisioned.as_mut() {
        made.token_id = info.id;
    }
    if let Err(why) = write_with_retries(job.team, &rotated.token, &facts, current.version).await {
        // The old token is revoked; the new one exists only in memory. The journal is handed
        // on: the next run finds the old token dead and takes the guided path.
        let revealed = (job.reveal)(&rotated.token);
        let account = entry.account.clone();
        let trouble = Trouble::TeamNotSaved {
            account,
            why,
            revealed,
        };
        return (report.fail(Failure::Keychain, trouble), End::HandOn);
    }
    abort_point("team-stored");
    match client.token_self(&rotated.token).await {
        Ok(live) if live.active && live.id == info.id => {}
        Ok(_) => report
            .troubles
            .push(Trouble::NotVerified(ApiError::TokenRevoked)),
        Err(e) => report.troubles.push(Trouble::NotVerified(e)),
    }
    report.ok = true;
    report.new_expires_at = info.expires_at.clone();
    let report = report.note(Note::Rotated {
        account: entry.account.clone(),
        old_id: old.id,
        new_id: info.id,
        expires_at: info.expires_at.clone(),
    });
    (report, End::Release)
}

/// One check-and-set write, tried again while Vault is briefly away (a lost race is final).
async fn write_with_retries(
    team: &Team,
    token: &Token,
    facts: &StoredToken,
    version: u64,
) -> Result<u64, KvError> {
    let mut written = team.write(token, facts, version).await;
    for pause in WRITE_BACKOFF {
        match written {
            Ok(_) | Err(KvError::CasConflict { .. } | KvError::PermissionDenied { .. }) => break,
            Err(_) => {
                tokio::time::sleep(pause).await;
                written = team.write(token, facts, version).await;
            }
        }
    }
    written
}

/// The record holds another value than this run listed: another machine rotated. It is checked
/// live; nothing is rotated.
async fn fresh(client: &Client, report: Report, current: &Versioned<TeamRecord>) -> Report {
    let entry = &current.data.entry;
    match client.token_self(&current.data.token).await {
        Ok(info) if info.active && !info.revoked => {
            let mut report = report.note(Note::RotatedElsewhere {
                account: entry.account.clone(),
                token_id: info.id,
                expires_at: info.expires_at.clone(),
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
