//! `gitlab-token get` (print the token for scripts) and `forget` (remove it, optionally revoking it first).

use std::io::Write;
use std::time::Duration;

use super::{ForgetArgs, GetArgs, exit};
use crate::gitlab::{ApiError, Client};
use crate::instance::Instance;
use crate::session::stored::{self, KEYCHAIN_TIMEOUT};
use crate::strings::{status as text, vault as vault_text};
use crate::tls::Trust;
use crate::vault::save::ForgetError;
use crate::vault::{Keychain, VaultError};

pub async fn get(args: GetArgs) -> u8 {
    let (_, meta, unread) = match stored::load_all().await {
        Ok(found) => found,
        Err(e) => return fail("get", &e.message(), exit::USAGE),
    };
    let entry = match stored::select(&meta, args.host.as_deref(), args.name.as_deref()) {
        Ok(entry) => entry,
        Err(e @ stored::Choice::Several(..)) => return fail("get", &e.message(), exit::USAGE),
        // The token may be in the team store that could not be read: say that instead.
        Err(_) if unread.is_some() => {
            return stored::team_unread("get", unread.as_ref().expect("checked"));
        }
        Err(e) => return fail("get", &e.message(), exit::CHECK_FAILED),
    };
    match stored::access(entry, Duration::from_secs(10)).await {
        Ok(access) => {
            let mut out = std::io::stdout().lock();
            if writeln!(out, "{}", access.token.expose()).is_err() {
                return exit::CHECK_FAILED;
            }
            exit::OK
        }
        Err(e) => stored::access_failed("get", entry, &e),
    }
}

pub async fn forget(args: ForgetArgs) -> u8 {
    let (path, meta, unread) = match stored::load_all().await {
        Ok(found) => found,
        Err(e) => return fail("forget", &e.message(), exit::USAGE),
    };
    let entry = match stored::select(&meta, args.host.as_deref(), args.name.as_deref()) {
        Ok(entry) => entry.clone(),
        Err(e @ stored::Choice::Several(..)) => return fail("forget", &e.message(), exit::USAGE),
        Err(_) if unread.is_some() => {
            return stored::team_unread("forget", unread.as_ref().expect("checked"));
        }
        Err(e) => return fail("forget", &e.message(), exit::CHECK_FAILED),
    };
    if !entry.store.is_local() {
        return forget_in_team(&entry, args.revoke).await;
    }
    let keychain = match Keychain::open_for(&entry, KEYCHAIN_TIMEOUT).await {
        Ok(k) => k,
        Err(e) => return keychain_failed("forget", &e),
    };
    if args.revoke && entry.is_oauth() {
        if let Err(why) = revoke_oauth(&entry, &keychain).await {
            return fail(
                "forget",
                &text::revoke_failed(&entry.account, &why),
                exit::CHECK_FAILED,
            );
        }
        println!("{}", text::revoked(&entry.account));
    } else if args.revoke {
        let revoked = match keychain.get(&entry.account).await {
            Ok(token) => match Instance::parse(&entry.url)
                .map_err(|e| e.to_string())
                .and_then(|i| {
                    Client::new(
                        &i,
                        &Trust::with_ca_file(entry.ca_file.clone()),
                        Duration::from_secs(10),
                    )
                    .map_err(|e| e.to_string())
                }) {
                Ok(client) => client
                    .revoke_self(&token)
                    .await
                    .map_err(|e| crate::strings::validation::api_problem(&e).message),
                Err(e) => Err(e),
            },
            Err(e) => Err(vault_text::problem(&e).message),
        };
        match revoked {
            Ok(()) => println!("{}", text::revoked(&entry.account)),
            Err(why) => {
                return fail(
                    "forget",
                    &text::revoke_failed(&entry.account, &why),
                    exit::CHECK_FAILED,
                );
            }
        }
    }
    match crate::vault::forget(&entry, KEYCHAIN_TIMEOUT, &path).await {
        Ok(()) => {}
        Err(ForgetError::Keychain(e)) => return keychain_failed("forget", &e),
        Err(ForgetError::Metadata(e) | ForgetError::Unfinished(e)) => {
            return fail("forget", &e, exit::CHECK_FAILED);
        }
    }
    println!("{}", text::removed(&entry.account, entry.store.name()));
    exit::OK
}

/// Forgets a token the team's Vault holds (revoking it first when asked): its secret and facts
/// are one KV secret, removed with all its versions.
async fn forget_in_team(entry: &crate::vault::StoredToken, revoke: bool) -> u8 {
    if revoke {
        let token = match stored::access(entry, Duration::from_secs(10)).await {
            Ok(a) => a.token,
            Err(e) => return stored::access_failed("forget", entry, &e),
        };
        if let Err(why) = revoke_token(entry, &token).await {
            return fail(
                "forget",
                &text::revoke_failed(&entry.account, &why),
                exit::CHECK_FAILED,
            );
        }
        println!("{}", text::revoked(&entry.account));
    }
    let both = match stored::both() {
        Ok(both) => both,
        Err(e) => return fail("forget", &e.message(), exit::USAGE),
    };
    match both.forget(entry).await {
        Ok(()) => {
            println!("{}", text::removed(&entry.account, entry.store.name()));
            exit::OK
        }
        Err(crate::vault::inventory::InventoryError::Team(e)) => {
            let p = crate::strings::vault_kv::team_problem(&e);
            fail(
                "forget",
                &format!("{}\n  fix: {}", p.message, p.fix),
                exit::KEYCHAIN,
            )
        }
        Err(e) => fail("forget", &e.to_string(), exit::CHECK_FAILED),
    }
}

/// Revokes an access token with itself (`DELETE /personal_access_tokens/self`).
async fn revoke_token(
    entry: &crate::vault::StoredToken,
    token: &crate::token::Token,
) -> Result<(), String> {
    let instance = Instance::parse(&entry.url).map_err(|e| e.to_string())?;
    let client = Client::new(
        &instance,
        &Trust::with_ca_file(entry.ca_file.clone()),
        Duration::from_secs(10),
    )
    .map_err(|e| e.to_string())?;
    client
        .revoke_self(token)
        .await
        .map_err(|e| crate::strings::validation::api_problem(&e).message)
}

/// Revokes both tokens of an OAuth sign-in (`POST /oauth/revoke`, which answers 200 even for
/// unknown tokens), then confirms the access token no longer works (`/oauth/token/info` 401).
async fn revoke_oauth(
    entry: &crate::vault::StoredToken,
    keychain: &Keychain,
) -> Result<(), String> {
    use crate::gitlab::oauth;
    let pair = crate::vault::credential::read_pair(keychain, &entry.account)
        .await
        .map_err(|e| e.to_string())?;
    let app_id = entry
        .oauth
        .as_ref()
        .map(|f| f.app_id.clone())
        .unwrap_or_default();
    let client = crate::session::device::client_for(entry, Duration::from_secs(10))?;
    let instance = client.instance().clone();
    let said = |e: &oauth::OAuthError| crate::strings::oauth::problem(e, &instance).message;
    oauth::revoke(&client, &app_id, &pair.refresh)
        .await
        .map_err(|e| said(&e))?;
    oauth::revoke(&client, &app_id, &pair.access)
        .await
        .map_err(|e| said(&e))?;
    match oauth::token_info(&client, &pair.access).await {
        Err(oauth::OAuthError::Api(
            ApiError::InvalidToken(_) | ApiError::TokenRevoked | ApiError::TokenExpired,
        )) => Ok(()),
        Ok(_) => Err(crate::strings::oauth::STILL_WORKS.into()),
        Err(e) => Err(said(&e)),
    }
}

fn fail(command: &str, message: &str, code: u8) -> u8 {
    eprintln!("gitlab-token {command}: {message}");
    code
}

fn keychain_failed(command: &str, e: &VaultError) -> u8 {
    let p = vault_text::problem(e);
    eprintln!("gitlab-token {command}: {}\n  fix: {}", p.message, p.fix);
    exit::KEYCHAIN
}
