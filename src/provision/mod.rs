//! "Create it for me": with one authorization of a group Owner or an administrator, create the
//! least-privileged account an integration needs, grant its role, mint its token, check and store it.
//!
//! Flow: [`discover`] (who is calling, what the instance and targets allow; concurrent calls) ->
//! [`choose`] (pure: the best kind of account, the alternatives and why not) -> [`execute`]
//! (account -> memberships -> token -> checks -> store, each step journaled, no secret in the
//! journal) and [`recover`] (finish or repair a killed run). `cli::create` and the wizard's
//! "Create it for me" both drive it; `rotation` uses [`owner_rotate`] for provisioned tokens that
//! cannot rotate themselves.
//!
//! SKELETON (lead): the types are the contract between the library (prov-core) and its callers
//! (prov-ui). The function bodies are filled in by prov-core.

mod types;

pub use types::*;

use crate::gitlab::Client;
use crate::token::Token;

/// Finds out, concurrently, who the caller is (`/user`, admin or not), the instance's version and
/// edition, each target (group or project, its id and top-level group) and the caller's role there.
pub async fn discover(
    _client: &Client,
    _owner: &Token,
    _request: &Request,
) -> Result<Discovery, ProvisionError> {
    Err(ProvisionError::NotBuilt)
}

/// The best kind of account for `request` on what `discovery` found, with every alternative and
/// why it is or is not possible. Pure.
pub fn choose(_request: &Request, _discovery: &Discovery) -> Choice {
    Choice {
        best: None,
        options: Vec::new(),
    }
}

/// Does it: account, memberships, token, live checks, store. Journaled step by step; `progress`
/// is told each stage as it starts (it must return at once). Never abandoned half-way by a
/// signal: callers hold signals like an automatic rotation does.
pub async fn execute(
    _ctx: &crate::rotation::Context,
    _client: &Client,
    _owner: &Token,
    _request: &Request,
    _discovery: &Discovery,
    _kind: Kind,
    _progress: Progress<'_>,
) -> Result<Outcome, Failure> {
    Err(Failure {
        problems: vec![],
        done: Done::default(),
    })
}
