//! The `gitlab-variable` sink: a project's or group's CI/CD variable on the token's own instance,
//! written with the rotated token. Read first (`GET`), so `masked`, `protected` and
//! `environment_scope` are sent back as they were with the new value (`PUT`); created (`POST`,
//! masked) when GitLab says the variable does not exist. Authorized by the rotated token, or by
//! the access token of a browser sign-in named at `sink add` (refreshed when due).

use super::Reach;
use crate::gitlab::variables::VariableRef;
use crate::gitlab::{ApiError, Client};
use crate::instance::Instance;
use crate::strings::sinks as text;
use crate::tls::Trust;
use crate::token::Token;
use crate::vault::{Metadata, StoredToken, credential};

/// Writes `token` into the variable `at`; a sentence saying what was done, or why not.
pub async fn deliver(
    entry: &StoredToken,
    at: &VariableRef<'_>,
    token: &Token,
    authorized_by: Option<&str>,
    ctx: &Reach<'_>,
) -> Result<String, String> {
    let timeout = ctx.timeout;
    let instance = Instance::parse(&entry.url).map_err(|e| text::variable_setup(&e.to_string()))?;
    let client = Client::new(
        &instance,
        &Trust::with_ca_file(entry.ca_file.clone()),
        timeout,
    )
    .map_err(|e| text::variable_setup(&e.to_string()))?;
    let fail = |e: crate::gitlab::ApiError| match (authorized_by, &e) {
        // The sign-in's access token was refused or its person lacks the role: about the sign-in.
        (
            Some(account),
            ApiError::InvalidToken(_)
            | ApiError::TokenExpired
            | ApiError::TokenRevoked
            | ApiError::Forbidden(_)
            | ApiError::InsufficientScope(_)
            | ApiError::MissingPermission(_),
        ) => text::sign_in_refused(at, account, &text::variable_failed(at, &entry.host, &e)),
        _ => text::variable_failed(at, &entry.host, &e),
    };
    let signed_in = match authorized_by {
        Some(account) => Some(sign_in_token(account, &client, ctx).await?),
        None => None,
    };
    // Who writes: the sign-in when one is named, else the rotated token itself.
    let auth = signed_in.as_ref().unwrap_or(token);
    let existing = client.variable(auth, at).await.map_err(fail)?;
    // An existing variable is updated; one deleted between the read and the write is created.
    if let Some(was) = existing
        && let Some(now) = client
            .update_variable(auth, at, &was, token)
            .await
            .map_err(fail)?
    {
        // A hidden variable's value is never shown back; otherwise it must be the new one.
        if now.value().is_some_and(|v| v != token.expose()) {
            return Err(text::variable_not_kept(at));
        }
        return Ok(text::variable_updated(
            at,
            now.masked,
            now.protected,
            now.environment_scope.as_deref(),
        ));
    }
    let created = client
        .create_variable(auth, at, token)
        .await
        .map_err(fail)?;
    Ok(text::variable_created(
        at,
        created.masked,
        created.environment_scope.as_deref(),
    ))
}

/// A working access token of the browser sign-in `account` (refreshed when due).
async fn sign_in_token(account: &str, client: &Client, ctx: &Reach<'_>) -> Result<Token, String> {
    let meta = Metadata::load(ctx.metadata_path)
        .map_err(|e| text::sign_in_failed(account, &e.to_string()))?;
    let Some(signed_in) = meta.find(account).filter(|e| e.is_oauth()) else {
        return Err(text::sign_in_gone(account));
    };
    credential::valid_access_token(signed_in, ctx.metadata_path, client, ctx.keychain_timeout)
        .await
        .map(|access| access.token)
        .map_err(|e| text::sign_in_failed(account, &e.to_string()))
}
