//! Choosing a stored token by host and name, and reading its secret from the store it was saved in.

use std::time::Duration;

use crate::instance::Instance;
use crate::token::Token;
use crate::vault::{Keychain, Metadata, StoredToken, VaultError, metadata};

/// How long a keychain call may take before it is reported as hanging.
pub const KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(10);

/// Why no single stored token could be chosen.
#[derive(Debug)]
pub enum Choice {
    NoneStored,
    NoMatch(String),
    Several(Vec<String>),
    Metadata(String),
}

impl Choice {
    pub fn message(&self) -> String {
        match self {
            Choice::NoneStored => "no token is stored yet; run `gitlab-token setup`".into(),
            Choice::NoMatch(what) => {
                format!("no stored token matches {what}; see `gitlab-token status`")
            }
            Choice::Several(accounts) => format!(
                "several tokens are stored; choose one with --host and --name:\n  {}",
                accounts.join("\n  ")
            ),
            Choice::Metadata(e) => e.clone(),
        }
    }
}

pub fn load() -> Result<(std::path::PathBuf, Metadata), Choice> {
    let path = metadata::default_path().map_err(|e| Choice::Metadata(e.to_string()))?;
    let meta = Metadata::load(&path).map_err(|e| Choice::Metadata(e.to_string()))?;
    Ok((path, meta))
}

/// Whether `entry` is on `host` (an address as people type it, or a stored `host[:port][/path]` key).
pub fn on_host(entry: &StoredToken, host: &str) -> bool {
    let key = Instance::parse(host)
        .map(|i| i.key())
        .unwrap_or_else(|_| host.to_owned());
    entry.host.eq_ignore_ascii_case(&key) || entry.host.eq_ignore_ascii_case(host)
}

/// The one stored token matching the filters.
pub fn select<'a>(
    meta: &'a Metadata,
    host: Option<&str>,
    name: Option<&str>,
) -> Result<&'a StoredToken, Choice> {
    if meta.tokens.is_empty() {
        return Err(Choice::NoneStored);
    }
    let matches: Vec<&StoredToken> = meta
        .tokens
        .iter()
        .filter(|t| host.is_none_or(|h| on_host(t, h)))
        .filter(|t| name.is_none_or(|n| t.name == n))
        .collect();
    match matches.as_slice() {
        [one] => Ok(one),
        [] => Err(Choice::NoMatch(
            [
                host.map(|h| format!("host {h}")),
                name.map(|n| format!("name {n}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" and "),
        )),
        several => Err(Choice::Several(
            several.iter().map(|t| t.account.clone()).collect(),
        )),
    }
}

/// Reads the token's secret from the store it was saved in.
pub async fn secret(entry: &StoredToken) -> Result<Token, VaultError> {
    Keychain::open_for(entry, KEYCHAIN_TIMEOUT)
        .await?
        .get(&entry.account)
        .await
}
