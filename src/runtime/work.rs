//! The longer pieces of work the runtime starts for the wizard: saving a browser sign-in, the
//! automatic rotation under its lock, probing the store, opening the browser.

use std::time::Duration;

use super::Options;
use crate::gitlab::Client;
use crate::tls::Trust;
use crate::vault::StoreKind;

/// Saves an approved browser sign-in through `vault::credential::save_sign_in` (one keychain
/// entry, `kind = "oauth"`; the sign-in it replaces is revoked, or this one when it cannot be
/// kept), then records the user the live check found.
pub(super) async fn save_sign_in(
    options: &Options,
    pair: &crate::gitlab::oauth::OAuthPair,
    app_id: &str,
    entry: &crate::vault::StoredToken,
) -> Result<crate::vault::Saved, crate::vault::SaveError> {
    use crate::vault::credential::{SignIn, record_user, save_sign_in};
    let instance = crate::instance::Instance::parse(&entry.url)
        .map_err(|e| crate::vault::SaveError::Metadata(e.to_string()))?;
    let trust = Trust::with_ca_file(entry.ca_file.clone());
    let client = Client::new(&instance, &trust, options.timeout)
        .map_err(|e| crate::vault::SaveError::Metadata(e.to_string()))?;
    let sign_in = SignIn {
        instance: &instance,
        name: &entry.name,
        profile: &entry.profile,
        app_id,
        ca_file: entry.ca_file.clone(),
        target: entry.target.clone(),
        store: entry.store,
    };
    let saved = save_sign_in(
        &client,
        options.keychain_timeout,
        &options.metadata_path,
        &sign_in,
        pair,
    )
    .await
    .map_err(|n| n.error)?;
    let user = crate::gitlab::types::User {
        id: entry.user_id,
        username: entry.username.clone(),
        name: String::new(),
        bot: entry.bot,
        state: None,
    };
    // The credential is stored; a failure to note its user only leaves the user field empty.
    let _ = record_user(&options.metadata_path, &saved.account, &user).await;
    Ok(saved)
}

/// The automatic rotation of one stored token, under the rotation lock. The token is never shown
/// here: if the store refuses the new value, the report says so and points to the guided path.
pub(super) async fn rotate(
    options: &Options,
    entry: &crate::vault::StoredToken,
    days: u32,
    progress: crate::rotation::automatic::Progress<'_>,
) -> crate::rotation::Report {
    use crate::rotation::{self, Plan, RotationLock};
    let ctx = rotation::Context {
        metadata_path: options.metadata_path.clone(),
        timeout: options.timeout,
        keychain_timeout: options.keychain_timeout,
    };
    let mut report = rotation::Report::new(entry, rotation::PathKind::Automatic);
    let lock = match RotationLock::try_acquire(&options.metadata_path) {
        Ok(Some(lock)) => lock,
        Ok(None) => {
            report.troubles.push(rotation::Trouble::Busy);
            return report;
        }
        Err(e) => {
            report.troubles.push(rotation::Trouble::Lock(e.to_string()));
            return report;
        }
    };
    progress(rotation::automatic::Stage::Checking);
    match rotation::plan(&ctx, entry).await {
        Plan::Done(report) => report,
        Plan::Automatic(ready) => {
            let expires_at = rotation::expiry_in(i64::from(days));
            rotation::automatic::execute_with_progress(
                &ctx,
                *ready,
                &expires_at,
                &lock,
                &|_| false,
                progress,
            )
            .await
        }
    }
}

/// Opens `store` and looks up an account no token can have (accounts are NAME@HOST): "not
/// found" means the store works; anything else is why it does not. Bounded by the timeout.
pub(super) async fn probe_store(
    store: StoreKind,
    timeout: Duration,
) -> Result<(), crate::vault::VaultError> {
    use crate::vault::{Keychain, VaultError};
    let keychain = Keychain::open(store, timeout).await?;
    match keychain.get("gitlab-token-store-probe").await {
        Ok(_) | Err(VaultError::NotFound(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// Opens a URL in the desktop's browser; refuses where there is none (SSH), rather than
/// starting a text browser inside this terminal. On macOS and Windows a session is taken to be
/// graphical (webbrowser 1.2 uses NSWorkspace / AssocQueryStringW there): read in its sources,
/// not run.
pub(crate) fn open_browser(url: &str) -> Result<(), String> {
    let graphical = cfg!(any(target_os = "macos", target_os = "windows"))
        || std::env::var_os("DISPLAY").is_some()
        || std::env::var_os("WAYLAND_DISPLAY").is_some();
    if !graphical {
        return Err("no graphical session".into());
    }
    webbrowser::open_browser_with_options(
        webbrowser::Browser::Default,
        url,
        webbrowser::BrowserOptions::new().with_suppress_output(true),
    )
    .map_err(|e| e.to_string())
}
