//! "Create it for me": with one authorization of a group Owner or an administrator, create the
//! least-privileged account an integration needs, grant its role, mint its token, check and store it.
//!
//! Flow: [`discover`] (who is calling, what the instance and targets allow; concurrent calls) ->
//! [`choose`] (pure: the best kind of account, the alternatives and why not) -> [`execute`]
//! (account -> memberships -> token -> checks -> store, each step journaled, no secret in the
//! journal; a killed earlier run of the same NAME@HOST is finished or repaired first, `recover`).
//! `cli::create` and the wizard's "Create it for me" both drive it; `rotation::owner` rotates
//! provisioned tokens that cannot rotate themselves. [`orphans`] names tokens a killed run left
//! behind, without any authorization (for `status` and `create`).

mod discover;
mod execute;
mod finish;
pub mod journal;
mod mint;
mod notes;
mod own;
mod plan;
pub(crate) mod recover;
mod run;
mod steps;
mod trust;
mod types;
mod username;

pub use notes::*;
pub use recover::{orphan_problem, orphans, unreadable_journals};
pub use trust::{AccountDoubt, Unasked};
pub use types::*;
pub use username::{UsernameProblem, username_problem};

use crate::gitlab::Client;
use crate::token::Token;

/// Finds out, concurrently, who the caller is (`/user`, admin or not), the instance's version and
/// edition, each target (group or project, its id and top-level group) and the caller's role there.
pub async fn discover(
    client: &Client,
    owner: &Token,
    request: &Request,
) -> Result<Discovery, ProvisionError> {
    discover::discover(client, owner, request).await
}

/// The best kind of account for `request` on what `discovery` found, with every alternative and
/// why it is or is not possible. Pure.
pub fn choose(request: &Request, discovery: &Discovery) -> Choice {
    plan::choose(request, discovery)
}

/// The scopes the token will be made with (the profile's, and `self_rotate` where GitLab has it
/// and it was not left out): what a plan shows is what `execute` asks for. Pure.
pub fn token_scopes(request: &Request, discovery: &Discovery) -> Vec<String> {
    mint::scopes_for(request, discovery)
}

/// Whether GitLab has the `self_rotate` scope there (17.9+), so a plan can offer leaving it out.
pub fn self_rotate_exists(discovery: &Discovery) -> bool {
    mint::self_rotate_exists(discovery)
}

/// The `granular_scopes` a token of `kind` is made with: `Some` for your own fine-grained token
/// (then [`token_scopes`] is not sent). Pure.
pub fn token_permissions(
    kind: Kind,
    request: &Request,
    discovery: &Discovery,
) -> Option<Vec<crate::gitlab::granular_request::NewScope>> {
    own::scopes(kind, request, discovery)
}

/// Would [`execute`] refuse (problem `name_taken`) because `stored`, the entry under the
/// request's NAME@HOST, is not the token of this kind of account in this place and
/// `request.replace_existing` is false? For the wizard, to ask the person first. Pure.
pub fn name_taken(
    request: &Request,
    stored: Option<&crate::vault::StoredToken>,
    discovery: &Discovery,
    kind: Kind,
) -> bool {
    let Some(first) = discovery.targets.first() else {
        return false;
    };
    let (_, lives_in_id) = finish::lives_in(kind, first);
    finish::name_taken(request, stored, kind, lives_in_id).is_some()
}

/// What an earlier `create` made for this NAME@HOST, when `stored` is the token of this kind
/// of account in this place: [`execute`] then reuses its account and keeps its token while it
/// works. For the wizard's plan, to say so before anything runs. Pure.
pub fn made_before<'a>(
    stored: Option<&'a crate::vault::StoredToken>,
    discovery: &Discovery,
    kind: Kind,
) -> Option<&'a Provisioned> {
    let first = discovery.targets.first()?;
    let (_, lives_in_id) = finish::lives_in(kind, first);
    stored?
        .provisioned
        .as_ref()
        .filter(|made| made.kind == kind && made.lives_in_id == lives_in_id)
}

/// Does it: account, memberships, token, live checks, store. Journaled step by step; `progress`
/// is told each stage as it starts (it must return at once). Never abandoned half-way by a
/// signal: callers hold signals like an automatic rotation does.
pub async fn execute(
    ctx: &crate::rotation::Context,
    client: &Client,
    owner: &Token,
    request: &Request,
    discovery: &Discovery,
    kind: Kind,
    progress: Progress<'_>,
) -> Result<Outcome, Failure> {
    execute::execute(ctx, client, owner, request, discovery, kind, progress).await
}

/// Runs `futures` concurrently on this task (no `'static` needed), keeping their order.
pub(crate) async fn join_all<F: std::future::Future>(futures: Vec<F>) -> Vec<F::Output> {
    use std::task::Poll;
    let mut futures: Vec<std::pin::Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, future) in out.iter_mut().zip(futures.iter_mut()) {
            if slot.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(v) => *slot = Some(v),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}
