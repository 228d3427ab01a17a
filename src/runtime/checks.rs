//! The wizard's short pieces of work, each one answer: the reachability probe, a token's live
//! check (a pasted token or a browser sign-in), reading the old token, revoking it, delivering
//! sinks now. Each returns the message the state machine receives.

use std::path::PathBuf;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::mpsc::UnboundedSender;

use super::Options;
use crate::gitlab::Client;
use crate::instance::Instance;
use crate::tls::Trust;
use crate::token::Token;
use crate::validation::{self, Requirements};
use crate::vault::{StoreKind, VaultError};
use crate::wizard::{Msg, Ticket};

/// The reachability check; each stage is sent as it ends (`ProbeStage`), then the report.
pub(super) async fn probe(
    options: &Options,
    ticket: Ticket,
    instance: &Instance,
    ca_file: Option<PathBuf>,
    stages: UnboundedSender<Msg>,
) -> Msg {
    let trust = Trust::with_ca_file(ca_file);
    let mut on_stage = move |s: &crate::probe::StageResult| {
        let shown = crate::strings::probe::shown_stage(s);
        let _ = stages.send(Msg::ProbeStage(ticket, shown));
    };
    let report = crate::probe::run(instance, &trust, options.timeout, &mut on_stage).await;
    Msg::ProbeDone(ticket, crate::strings::probe::shown(&report))
}

/// A pasted token's live check, stamped with when it ran.
pub(super) async fn validate(
    options: &Options,
    ticket: Ticket,
    instance: &Instance,
    ca_file: Option<PathBuf>,
    token: &Token,
    needs: &Requirements,
) -> Msg {
    let v = validation::validate_at(instance, ca_file, token, needs, options.timeout).await;
    Msg::Validated(ticket, Box::new(v), now())
}

/// A browser sign-in's live check (its access token has no `/personal_access_tokens/self`).
pub(super) async fn validate_oauth(
    options: &Options,
    ticket: Ticket,
    instance: &Instance,
    ca_file: Option<PathBuf>,
    token: &Token,
    needs: &Requirements,
) -> Msg {
    let today = OffsetDateTime::now_utc().date();
    let trust = Trust::with_ca_file(ca_file);
    let v = match Client::new(instance, &trust, options.timeout) {
        Ok(client) => validation::validate_oauth(&client, token, needs, today).await,
        // Reported as a token check reports a client that cannot be built.
        Err(e) => {
            let err = crate::gitlab::ApiError::Setup(e.to_string());
            let (a, b) = (Err(err.clone()), Err(err.clone()));
            validation::judge(token, needs, today, a, b, None, Err(err))
        }
    };
    Msg::Validated(ticket, Box::new(v), now())
}

/// The stored token a replacement replaces, read from its store.
pub(super) async fn load_old(
    options: &Options,
    store: StoreKind,
    account: &str,
) -> Result<Token, VaultError> {
    let keychain = crate::vault::Keychain::open(store, options.keychain_timeout).await?;
    keychain.get(account).await
}

/// Revokes the replaced token (`DELETE /personal_access_tokens/self`), or says why not.
pub(super) async fn revoke_old(
    options: &Options,
    instance: &Instance,
    ca_file: Option<PathBuf>,
    token: &Token,
) -> Result<(), String> {
    let client = Client::new(instance, &Trust::with_ca_file(ca_file), options.timeout)
        .map_err(|e| e.to_string())?;
    client
        .revoke_self(token)
        .await
        .map_err(|e| crate::strings::validation::api_problem(&e).message)
}

/// Delivers `account`'s pending sinks now (the Done screen's retry).
pub(super) async fn deliver(options: &Options, account: &str) -> Msg {
    let ctx = crate::rotation::Context {
        metadata_path: options.metadata_path.clone(),
        timeout: options.timeout,
        keychain_timeout: options.keychain_timeout,
    };
    let result = crate::rotation::deliveries::deliver_now(&ctx, account)
        .await
        .map(|o| o.iter().map(crate::strings::sinks::shown).collect())
        .map_err(|e| crate::strings::rotation::undelivered(&e));
    Msg::SinksDelivered(result)
}

fn now() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}
