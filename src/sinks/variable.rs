//! The `gitlab-variable` sink: a project's or group's CI/CD variable on the token's own instance,
//! written with the rotated token. Read first (`GET`), so `masked`, `protected` and
//! `environment_scope` are sent back as they were with the new value (`PUT`); created (`POST`,
//! masked) when GitLab says the variable does not exist. Authorized by the rotated token, or by
//! the access token of a browser sign-in named at `sink add` (refreshed when due).

use super::{Done, Failure, Reach, Variable};
use crate::gitlab::variables::VariableRef;
use crate::gitlab::{ApiError, Client};
use crate::instance::Instance;
use crate::tls::Trust;
use crate::token::Token;
use crate::vault::{Metadata, StoredToken, credential};

/// Writes `token` into the variable `at`; what was done, or why not.
pub async fn deliver(
    entry: &StoredToken,
    at: &VariableRef<'_>,
    token: &Token,
    authorized_by: Option<&str>,
    ctx: &Reach<'_>,
) -> Result<Done, Failure> {
    let timeout = ctx.timeout;
    let setup = |e: String| Failure::VariableSetup { detail: e };
    let instance = Instance::parse(&entry.url).map_err(|e| setup(e.to_string()))?;
    let client = Client::new(
        &instance,
        &Trust::with_ca_file(entry.ca_file.clone()),
        timeout,
    )
    .map_err(|e| setup(e.to_string()))?;
    let fail = |error: crate::gitlab::ApiError| match (authorized_by, &error) {
        // The sign-in's access token was refused or its person lacks the role: about the sign-in.
        (
            Some(account),
            ApiError::InvalidToken(_)
            | ApiError::TokenExpired
            | ApiError::TokenRevoked
            | ApiError::Forbidden(_)
            | ApiError::InsufficientScope(_)
            | ApiError::MissingPermission(_),
        ) => Failure::SignInRefused {
            at: Variable::of(at),
            host: entry.host.clone(),
            account: account.to_owned(),
            error,
        },
        _ => Failure::VariableFailed {
            at: Variable::of(at),
            host: entry.host.clone(),
            error,
        },
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
            return Err(Failure::VariableNotKept {
                at: Variable::of(at),
            });
        }
        return Ok(Done::VariableUpdated {
            at: Variable::of(at),
            masked: now.masked,
            protected: now.protected,
            scope: now.environment_scope,
        });
    }
    let created = client
        .create_variable(auth, at, token)
        .await
        .map_err(fail)?;
    Ok(Done::VariableCreated {
        at: Variable::of(at),
        masked: created.masked,
        scope: created.environment_scope,
    })
}

/// A working access token of the browser sign-in `account` (refreshed when due).
async fn sign_in_token(account: &str, client: &Client, ctx: &Reach<'_>) -> Result<Token, Failure> {
    let failed = |detail: String| Failure::SignInFailed {
        account: account.to_owned(),
        detail,
    };
    let meta = Metadata::load(ctx.metadata_path).map_err(|e| failed(e.to_string()))?;
    let Some(signed_in) = meta.find(account).filter(|e| e.is_oauth()) else {
        return Err(Failure::SignInGone {
            account: account.to_owned(),
        });
    };
    credential::valid_access_token(signed_in, ctx.metadata_path, client, ctx.keychain_timeout)
        .await
        .map(|access| access.token)
        .map_err(|e| failed(e.to_string()))
}
