//! Waiting for a browser sign-in (GitLab's OAuth device flow): what a waiter is given, the plain
//! waiter on stderr (`login` without a terminal, an owner's sign-in for one run), and the client
//! a stored sign-in refreshes through.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::gitlab::Client;
use crate::gitlab::oauth::{self, DeviceCode, DevicePoll, OAuthError, OAuthPair};
use crate::instance::Instance;
use crate::strings::oauth as text;
use crate::tls::Trust;
use crate::vault::StoredToken;

/// Exit code when the person stops the wait (Ctrl-C: 128 + SIGINT). Nothing was stored.
pub const CANCELLED: u8 = 130;

/// Tests only: poll every N milliseconds (and widen by N on `slow_down`) instead of GitLab's
/// interval, so an approval after two polls takes milliseconds.
const TEST_INTERVAL_ENV: &str = "GITLAB_TOKEN_TEST_OAUTH_INTERVAL_MS";

/// Everything a waiter needs to show the code and poll.
pub struct Approval<'a> {
    pub client: &'a Client,
    pub instance: &'a Instance,
    pub app_id: &'a str,
    pub code: &'a DeviceCode,
}

/// How a wait ended without a pair.
#[derive(Debug)]
pub enum Waited {
    Failed(OAuthError),
    /// The person quit (a key, Ctrl-C): nothing was approved here, nothing is stored.
    Cancelled,
}

pub type WaitFuture<'a> = Pin<Box<dyn Future<Output = Result<OAuthPair, Waited>> + Send + 'a>>;

/// Shows the device code and waits for approval: [`Plain`] prints on stderr; the terminal
/// screen (oauth-ui's `login_screen`) draws the code large, a QR code and a countdown. Either
/// calls [`oauth::wait_for_approval`] and returns its result; dropping the future cancels.
pub trait Waiter: Send {
    fn wait<'a>(&'a mut self, approval: Approval<'a>) -> WaitFuture<'a>;
}

/// The non-terminal waiter: the code and URLs on stderr, a line when GitLab slows us down.
pub struct Plain;

impl Waiter for Plain {
    fn wait<'a>(&'a mut self, a: Approval<'a>) -> WaitFuture<'a> {
        Box::pin(async move {
            eprintln!("{}", text::device_prompt(a.code));
            let mut on_event = |e: DevicePoll| {
                if let DevicePoll::SlowDown { interval } = e {
                    eprintln!("gitlab-token login: {}", text::slow_down(interval));
                }
            };
            oauth::wait_for_approval(a.client, a.app_id, a.code, &mut on_event)
                .await
                .map_err(Waited::Failed)
        })
    }
}

/// The device code with the test timing when `GITLAB_TOKEN_TEST_OAUTH_INTERVAL_MS` is set.
pub fn test_timing(code: DeviceCode) -> DeviceCode {
    match std::env::var(TEST_INTERVAL_ENV)
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        Some(ms) => code.with_test_timing(Duration::from_millis(ms), Duration::from_millis(ms)),
        None => code,
    }
}

/// The OAuth entry to refresh through, for `get`, `git-credential` and `verify`.
pub fn client_for(entry: &StoredToken, timeout: Duration) -> Result<Client, String> {
    let instance = Instance::parse(&entry.url).map_err(|e| e.to_string())?;
    Client::new(
        &instance,
        &Trust::with_ca_file(entry.ca_file.clone()),
        timeout,
    )
    .map_err(|e| e.to_string())
}
