//! `rotate` of the team's tokens (held by the team's Vault): the inventory with them beside the
//! local ones (`--store` keeps one store's), each rotated under its Vault lease
//! (`rotation::team`), side by side with the local rotations.

use super::{RotateArgs, usage};
use crate::exit;
use crate::rotation::{self, Context, Failure, PathKind, Report, Reveal, Trouble};
use crate::session::hold::Hold;
use crate::session::stored;
use crate::vault::team::Team;
use crate::vault::{Metadata, StoreKind, StoredToken, VaultError};

/// The team's Vault holds it.
pub(super) fn is_team(entry: &StoredToken) -> bool {
    !entry.store.is_local()
}

/// Every stored token (`--store`: that store's only), and the exit code a team store that could
/// not be read gives (said on standard error; with `--host`/`--name` it decides nothing unless
/// `--store vault` asked for the team's tokens).
pub(super) async fn inventory(args: &RotateArgs) -> Result<(Metadata, u8), u8> {
    let (_, mut meta, unread) = stored::load_all().await.map_err(|e| usage(&e.message()))?;
    if let Some(store) = args.store {
        meta.tokens.retain(|t| t.store == store);
    }
    let code = match unread {
        None => exit::OK,
        Some(e) if args.store == Some(StoreKind::Vault) => {
            return Err(stored::team_unread("rotate", &e));
        }
        Some(e) => {
            let code = stored::team_unread("rotate", &e);
            if args.host.is_none() && args.name.is_none() {
                code
            } else {
                exit::OK
            }
        }
    };
    Ok((meta, code))
}

/// The team rotations of one run: the team's Vault and this run's lease owner.
pub(super) struct Run<'a> {
    ctx: &'a Context,
    team: Option<Team>,
    expires_at: &'a str,
    owner: String,
}

impl<'a> Run<'a> {
    pub(super) fn open(ctx: &'a Context, expires_at: &'a str) -> Run<'a> {
        Run {
            ctx,
            team: stored::both()
                .ok()
                .and_then(|b| b.team)
                .and_then(Result::ok),
            expires_at,
            owner: rotation::team::lease_owner(),
        }
    }

    /// One team token's rotation; none when a signal came before it started.
    pub(super) async fn rotate(
        &self,
        entry: &StoredToken,
        reveal: Reveal<'_>,
        hold: &Hold,
    ) -> Option<Report> {
        if hold.received().is_some() {
            return None;
        }
        let Some(team) = &self.team else {
            // Listed from the team store, which this run then could not open again.
            let why = VaultError::Other("the team's Vault is not configured".into());
            let report = Report::new(entry, PathKind::Automatic);
            return Some(report.fail(Failure::Keychain, Trouble::Store(why)));
        };
        let job = rotation::team::Job {
            ctx: self.ctx,
            team,
            expires_at: self.expires_at,
            owner: &self.owner,
            reveal,
        };
        Some(rotation::team::rotate(&job, entry).await)
    }
}
