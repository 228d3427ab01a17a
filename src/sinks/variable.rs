//! The `gitlab-variable` sink: a project's or group's CI/CD variable on the token's own instance,
//! written with the rotated token. Read first (`GET`), so `masked`, `protected` and
//! `environment_scope` are sent back as they were with the new value (`PUT`); created (`POST`,
//! masked) when GitLab says the variable does not exist.

use std::time::Duration;

use crate::gitlab::Client;
use crate::gitlab::variables::VariableRef;
use crate::instance::Instance;
use crate::strings::sinks as text;
use crate::tls::Trust;
use crate::token::Token;
use crate::vault::StoredToken;

/// Writes `token` into the variable `at`; a sentence saying what was done, or why not.
pub async fn deliver(
    entry: &StoredToken,
    at: &VariableRef<'_>,
    token: &Token,
    timeout: Duration,
) -> Result<String, String> {
    let instance = Instance::parse(&entry.url).map_err(|e| text::variable_setup(&e.to_string()))?;
    let client = Client::new(
        &instance,
        &Trust::with_ca_file(entry.ca_file.clone()),
        timeout,
    )
    .map_err(|e| text::variable_setup(&e.to_string()))?;
    let fail = |e: crate::gitlab::ApiError| text::variable_failed(at, &entry.host, &e);
    let existing = client.variable(token, at).await.map_err(fail)?;
    // An existing variable is updated; one deleted between the read and the write is created.
    if let Some(was) = existing
        && let Some(now) = client
            .update_variable(token, at, &was, token)
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
        .create_variable(token, at, token)
        .await
        .map_err(fail)?;
    Ok(text::variable_created(
        at,
        created.masked,
        created.environment_scope.as_deref(),
    ))
}
