//! The owner path: a provisioned token that cannot rotate itself is rotated through the service
//! account's, the administrator's or the access token's rotate endpoint, with an Owner's or an
//! administrator's authorization, in the same store-first order as `automatic`.

use super::automatic::Progress;
use super::journal::RotationLock;
use super::{Context, PathKind, Report, Reveal};
use crate::gitlab::Client;
use crate::token::Token;
use crate::vault::StoredToken;

/// Rotates `entry` (whose metadata has a `provisioned` table) with `owner`'s authorization on
/// `client` (the entry's instance), asking for `expires_at` (`YYYY-MM-DD`). The caller holds the
/// rotation lock (and has run `recover_locked`), as for [`super::automatic::execute`].
#[allow(clippy::too_many_arguments)]
pub async fn rotate(
    _ctx: &Context,
    entry: &StoredToken,
    _client: &Client,
    _owner: &Token,
    _expires_at: &str,
    _lock: &RotationLock,
    _reveal: Reveal<'_>,
    _progress: Progress<'_>,
) -> Report {
    Report::new(entry, PathKind::Owner)
}
