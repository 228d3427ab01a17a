//! The runtime's work for "Create it for me": read the person's saved sign-in, `provision::discover`
//! and `provision::execute` (stages sent as they start), and revoke a one-time browser sign-in.
//! Every result goes back tagged with its ticket; the state machine drops stale ones.

use tokio::sync::mpsc::UnboundedSender;

use super::Options;
use crate::gitlab::Client;
use crate::tls::Trust;
use crate::wizard::Msg;
use crate::wizard::create::{CreateEffect, CreateMsg};

fn send(tx: &UnboundedSender<Msg>, msg: CreateMsg) {
    let _ = tx.send(Msg::Create(msg));
}

fn client(
    instance: &crate::instance::Instance,
    ca_file: Option<std::path::PathBuf>,
    options: &Options,
) -> Result<Client, String> {
    Client::new(instance, &Trust::with_ca_file(ca_file), options.timeout).map_err(|e| e.to_string())
}

/// Starts `effect` on tokio and returns at once.
pub(super) fn perform(
    effect: CreateEffect,
    tx: UnboundedSender<Msg>,
    options: std::sync::Arc<Options>,
) {
    match effect {
        CreateEffect::LoadOwner { ticket, account } => {
            tokio::spawn(async move {
                let result = load_owner(&account, &options).await;
                send(&tx, CreateMsg::OwnerLoaded(ticket, result));
            });
        }
        CreateEffect::Discover {
            ticket,
            request,
            owner,
        } => {
            tokio::spawn(async move {
                let result = match client(&request.instance, request.ca_file.clone(), &options) {
                    Ok(client) => crate::provision::discover(&client, &owner, &request)
                        .await
                        .map(Box::new)
                        .map_err(|e| crate::strings::provision_notes::note(e.note())),
                    Err(e) => Err(e),
                };
                send(&tx, CreateMsg::Discovered(ticket, result));
            });
        }
        CreateEffect::Execute {
            ticket,
            request,
            discovery,
            kind,
            owner,
        } => {
            tokio::spawn(async move {
                let ctx = crate::rotation::Context {
                    metadata_path: options.metadata_path.clone(),
                    timeout: options.timeout,
                    keychain_timeout: options.keychain_timeout,
                };
                let stage_tx = tx.clone();
                let progress = move |stage| send(&stage_tx, CreateMsg::Stage(ticket, stage));
                let result = match client(&request.instance, request.ca_file.clone(), &options) {
                    Ok(client) => crate::provision::execute(
                        &ctx, &client, &owner, &request, &discovery, kind, &progress,
                    )
                    .await
                    .map(Box::new)
                    .map_err(Box::new),
                    Err(e) => Err(Box::new(crate::provision::Failure {
                        problems: vec![crate::provision::Note::Said {
                            kind: crate::problem::ProblemKind::HttpError,
                            message: e,
                        }],
                        done: Default::default(),
                    })),
                };
                send(&tx, CreateMsg::Executed(ticket, result));
            });
        }
        CreateEffect::Revoke {
            ticket,
            instance,
            ca_file,
            app_id,
            tokens,
        } => {
            tokio::spawn(async move {
                let result = match client(&instance, ca_file, &options) {
                    Ok(client) => revoke_all(&client, &app_id, &tokens).await,
                    Err(e) => Err(e),
                };
                send(&tx, CreateMsg::Revoked(ticket, result));
            });
        }
    }
}

/// The saved sign-in's access token, refreshed when it is about to expire (under its lock).
async fn load_owner(account: &str, options: &Options) -> Result<crate::token::Token, String> {
    let entry = options
        .stored
        .iter()
        .find(|e| e.account == account)
        .ok_or_else(|| format!("{account} is not stored any more."))?;
    let instance = crate::instance::Instance::parse(&entry.url).map_err(|e| e.to_string())?;
    let client = client(&instance, entry.ca_file.clone(), options)?;
    crate::vault::credential::valid_access_token(
        entry,
        &options.metadata_path,
        &client,
        options.keychain_timeout,
    )
    .await
    .map(|access| access.token)
    .map_err(|e| e.to_string())
}

/// Revokes each token (access, then refresh); the first failure is reported.
async fn revoke_all(
    client: &Client,
    app_id: &str,
    tokens: &[crate::token::Token],
) -> Result<(), String> {
    let mut first = Ok(());
    for token in tokens {
        if let Err(e) = crate::gitlab::oauth::revoke(client, app_id, token).await
            && first.is_ok()
        {
            first = Err(e.to_string());
        }
    }
    first
}
