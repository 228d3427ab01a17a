//! Doing it: account -> memberships (all targets at once) -> token -> live checks -> store.

use super::{Discovery, Done, Failure, Kind, Outcome, Progress, Request};
use crate::gitlab::Client;
use crate::token::Token;

pub(super) async fn execute(
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
