//! The owner's (a group Owner's or an administrator's) credential for one run of `create` or of
//! an owner-path `rotate`: piped, signed in with the browser, or a stored sign-in of theirs. Held
//! in memory only (a zeroized `Token`), never stored; a browser sign-in made for the run is
//! revoked when it ends.

use std::path::Path;

use clap::Args as ClapArgs;

use super::device::{self, Approval, Plain, Waited, Waiter};
use super::stored::KEYCHAIN_TIMEOUT;
use crate::exit;
use crate::gitlab::Client;
use crate::gitlab::oauth::{self, OAuthPair};
use crate::instance::Instance;
use crate::strings::create_cli as text;
use crate::token::Token;
use crate::vault::{self, Metadata};

/// How the owner authorizes this run (at most one).
#[derive(Debug, Clone, Default, ClapArgs)]
#[group(id = "owner_auth", multiple = false)]
pub struct OwnerArgs {
    /// Authorize with your own token (api scope) piped on standard input; used for this run
    /// only, never stored.
    #[arg(long)]
    pub owner_token_stdin: bool,
    /// Authorize by signing in with the browser (GitLab's device flow) through this OAuth
    /// application; the sign-in is revoked when the run ends.
    #[arg(long, value_name = "ID")]
    pub oauth_app_id: Option<String>,
    /// Authorize with a browser sign-in of yours stored by `gitlab-token login` as NAME@HOST.
    #[arg(long, value_name = "NAME")]
    pub owner: Option<String>,
}

impl OwnerArgs {
    pub fn given(&self) -> bool {
        self.owner_token_stdin || self.oauth_app_id.is_some() || self.owner.is_some()
    }
}

/// The owner's credential for this run. [`OwnerCredential::finish`] revokes a browser sign-in
/// made for the run; dropping it zeroizes the token.
pub struct OwnerCredential {
    token: Token,
    /// The device-flow pair and its application, revoked at the end.
    made_for_run: Option<(OAuthPair, String)>,
}

impl OwnerCredential {
    pub fn token(&self) -> &Token {
        &self.token
    }

    /// Ends the run: revokes the browser sign-in made for it (both of its tokens), saying so.
    pub async fn finish(self, client: &Client, command: &str) {
        let Some((pair, app_id)) = self.made_for_run else {
            return;
        };
        let access = oauth::revoke(client, &app_id, &pair.access).await;
        let refresh = oauth::revoke(client, &app_id, &pair.refresh).await;
        match access.and(refresh) {
            Ok(()) => eprintln!("gitlab-token {command}: {}", text::OAUTH_REVOKED),
            Err(e) => eprintln!(
                "gitlab-token {command}: {}",
                text::oauth_not_revoked(&e.to_string())
            ),
        }
    }
}

/// Gets the owner's credential as `args` says, after saying on stderr that it is not kept.
/// Errors are printed; the value is the exit code.
pub async fn obtain(
    args: &OwnerArgs,
    instance: &Instance,
    client: &Client,
    metadata_path: &Path,
    command: &str,
) -> Result<OwnerCredential, u8> {
    if !args.given() {
        eprintln!("gitlab-token {command}: {}", text::NEEDS_AUTHORIZATION);
        return Err(exit::USAGE);
    }
    eprintln!("gitlab-token {command}: {}", text::NOT_KEPT);
    if args.owner_token_stdin {
        return match super::stdin::token_from_stdin() {
            Ok(token) => Ok(OwnerCredential {
                token,
                made_for_run: None,
            }),
            Err(e) => {
                eprintln!("gitlab-token {command}: --owner-token-stdin: {e}");
                Err(exit::USAGE)
            }
        };
    }
    if let Some(name) = &args.owner {
        return stored_sign_in(name, instance, client, metadata_path, command).await;
    }
    let app_id = args.oauth_app_id.clone().unwrap_or_default();
    device_flow(&app_id, instance, client, command).await
}

/// `--owner NAME`: a valid access token of the stored browser sign-in NAME@HOST (refreshed
/// under the lock when it is nearly expired; the sign-in stays stored, it is theirs).
async fn stored_sign_in(
    name: &str,
    instance: &Instance,
    client: &Client,
    metadata_path: &Path,
    command: &str,
) -> Result<OwnerCredential, u8> {
    let account = vault::account(name, &instance.key());
    let meta = Metadata::load(metadata_path).map_err(|e| {
        eprintln!("gitlab-token {command}: {e}");
        exit::CHECK_FAILED
    })?;
    let Some(entry) = meta.find(&account).filter(|t| t.is_oauth()).cloned() else {
        eprintln!(
            "gitlab-token {command}: {}",
            text::owner_not_found(&account)
        );
        return Err(exit::USAGE);
    };
    match vault::credential::valid_access_token(&entry, metadata_path, client, KEYCHAIN_TIMEOUT)
        .await
    {
        Ok(access) => Ok(OwnerCredential {
            token: access.token,
            made_for_run: None,
        }),
        Err(e) => {
            eprintln!(
                "gitlab-token {command}: {}",
                text::owner_unusable(&account, &e.to_string())
            );
            Err(exit::CHECK_FAILED)
        }
    }
}

/// `--oauth-app-id ID`: the device flow, its code and URLs on standard error (the non-terminal
/// path of `login`), for the `api` scope.
async fn device_flow(
    app_id: &str,
    instance: &Instance,
    client: &Client,
    command: &str,
) -> Result<OwnerCredential, u8> {
    let scopes = vec!["api".to_owned()];
    let code = match oauth::start_device(client, app_id, &scopes).await {
        Ok(code) => device::test_timing(code),
        Err(e) => return Err(oauth_failed(&e, instance, command)),
    };
    let approval = Approval {
        client,
        instance,
        app_id,
        code: &code,
    };
    match Plain.wait(approval).await {
        Ok(pair) => Ok(OwnerCredential {
            token: pair.access.clone(),
            made_for_run: Some((pair, app_id.to_owned())),
        }),
        Err(Waited::Failed(e)) => Err(oauth_failed(&e, instance, command)),
        Err(Waited::Cancelled) => Err(device::CANCELLED),
    }
}

fn oauth_failed(e: &oauth::OAuthError, instance: &Instance, command: &str) -> u8 {
    let p = crate::strings::oauth::problem(e, instance);
    eprintln!(
        "gitlab-token {command}: {}: {}\n  fix: {}",
        p.kind.as_str(),
        p.message,
        p.fix.replace('\n', "\n  ")
    );
    match e {
        oauth::OAuthError::InvalidClient(_) | oauth::OAuthError::InvalidScope(_) => exit::USAGE,
        oauth::OAuthError::Api(_) if p.kind.is_reachability() => exit::UNREACHABLE,
        _ => exit::CHECK_FAILED,
    }
}
