//! The browser sign-in's network side for the wizard: asks GitLab for a device code, then polls
//! until approval, reporting each step as a ticketed message. Dropping the future cancels it.

use std::path::PathBuf;
use std::time::Duration;

use crate::gitlab::Client;
use crate::gitlab::oauth::{self, DeviceCode, DevicePoll, OAuthError};
use crate::instance::Instance;
use crate::tls::Trust;
use crate::wizard::Ticket;
use crate::wizard::signin::{DeviceShown, FailKind, Failure, SigninMsg};

/// What a stop means for the user, with its cause-and-fix message.
pub fn failure(e: &OAuthError, instance: &Instance) -> Failure {
    let kind = match e {
        OAuthError::AccessDenied => FailKind::Denied,
        OAuthError::ExpiredToken => FailKind::Expired,
        OAuthError::InvalidClient(_) => FailKind::UnknownApp,
        OAuthError::NotSupported => FailKind::NotSupported,
        _ => FailKind::Other,
    };
    let problem = crate::strings::oauth::problem(e, instance);
    // The registration steps are on the screen already when the id is unknown.
    let message = if problem.fix.is_empty() || kind == FailKind::UnknownApp {
        problem.message
    } else {
        format!("{} {}", problem.message, problem.fix)
    };
    Failure { kind, message }
}

/// Runs one sign-in: asks for a code, reports it, polls until the end, and reports each step
/// through `send` (tagged with `ticket`). Dropping the future cancels it: nothing was granted.
pub async fn drive(
    ticket: Ticket,
    instance: Instance,
    ca_file: Option<PathBuf>,
    app_id: String,
    scopes: Vec<String>,
    timeout: Duration,
    send: impl Fn(SigninMsg) + Send + Sync + 'static,
) {
    let client = match Client::new(&instance, &Trust::with_ca_file(ca_file), timeout) {
        Ok(client) => client,
        Err(e) => {
            let failure = Failure {
                kind: FailKind::Other,
                message: e.to_string(),
            };
            send(SigninMsg::Code(ticket, Err(failure)));
            return;
        }
    };
    let code = match oauth::start_device(&client, &app_id, &scopes).await {
        Ok(code) => code,
        Err(e) => {
            send(SigninMsg::Code(ticket, Err(failure(&e, &instance))));
            return;
        }
    };
    let code = test_timing(code);
    send(SigninMsg::Code(ticket, Ok(shown(&code))));
    // The first event comes before any poll: the countdown already starts from the code.
    let mut first = true;
    let mut on_event = |event: DevicePoll| {
        let next_in = match event {
            DevicePoll::Pending { next_in } => next_in,
            DevicePoll::SlowDown { interval } => interval,
        };
        if !std::mem::take(&mut first) {
            send(SigninMsg::Polled(ticket, next_in.as_secs()));
        }
    };
    let result = oauth::wait_for_approval(&client, &app_id, &code, &mut on_event).await;
    send(SigninMsg::Done(
        ticket,
        result.map(Box::new).map_err(|e| failure(&e, &instance)),
    ));
}

/// What the screen shows of a device code.
pub fn shown(code: &DeviceCode) -> DeviceShown {
    DeviceShown {
        user_code: code.user_code.clone(),
        verification_uri: code.verification_uri.clone(),
        complete: code.verification_uri_complete.clone(),
        expires_in: code.remaining().as_secs(),
        interval: code.interval.as_secs(),
    }
}

/// Tests only: the interval `gitlab-token login` uses under `GITLAB_TOKEN_TEST_OAUTH_INTERVAL_MS`,
/// so that an end-to-end sign-in in the wizard takes as long as one with `login`.
fn test_timing(code: DeviceCode) -> DeviceCode {
    match std::env::var("GITLAB_TOKEN_TEST_OAUTH_INTERVAL_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        Some(ms) => code.with_test_timing(Duration::from_millis(ms), Duration::from_millis(ms)),
        None => code,
    }
}
