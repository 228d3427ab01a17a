//! Doing it: (repair a killed run) -> account -> memberships (all targets at once) -> token ->
//! live checks -> store. The journal is written before and after each irreversible call; the
//! vault's writer lock is held from before the token is minted until it is stored. The steps
//! before the token are `run`'s, the token's own `mint`'s.

use super::run::begin;
use super::{Discovery, Failure, Kind, Outcome, Progress, Request};
use crate::gitlab::Client;
use crate::rotation::Context;
use crate::token::Token;

/// The run, step by step, in the journal's order (`journal::Step`).
pub(super) async fn execute(
    ctx: &Context,
    client: &Client,
    owner: &Token,
    request: &Request,
    d: &Discovery,
    kind: Kind,
    progress: Progress<'_>,
) -> Result<Outcome, Failure> {
    let mut run = begin(ctx, client, owner, request, d, kind, progress).await?;
    // The account, then every membership at once (service accounts only: an access token's
    // bot gets its role with the token; your own token: your account and roles as they are).
    if kind.is_service_account() {
        run.account().await?;
        run.memberships().await?;
    }
    // Nothing new when the stored token of this NAME@HOST is live and belongs to this account.
    if let Some(outcome) = run.kept().await {
        return Ok(outcome);
    }
    let writer = run.writer().await?;
    let (minted, home) = run.mint().await?;
    let (info, user) = run.check(&minted, home).await?;
    run.store(&minted, home, &info, &user, writer).await?;
    Ok(run.outcome(&info, &user))
}
