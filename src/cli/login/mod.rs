//! `gitlab-token login`: sign in with the browser (GitLab's OAuth device flow), store the pair
//! as one keychain entry, verify it live. Without a terminal the code and URLs go to stderr and
//! the wait is a plain poll; the terminal screen plugs in through [`Waiter`].

pub mod screen;

use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::{LoginArgs, exit, load_profile, parse_host};
use crate::gitlab::Client;
use crate::gitlab::oauth::{self, OAuthError, OAuthPair};
use crate::instance::Instance;
use crate::problem::{Problem, ProblemKind};
use crate::session::device::{Approval, CANCELLED, Plain, Waited, Waiter, test_timing};
use crate::session::stored::KEYCHAIN_TIMEOUT;
use crate::strings::{oauth as text, vault as vault_text};
use crate::tls::Trust;
use crate::validation::{Requirements, Validation};
use crate::vault::credential::{NotSaved, SignIn, record_user, save_sign_in};
use crate::vault::{self, Keychain, Metadata, SaveError, StoreKind, metadata};

/// The terminal screen, when stdin and stderr are terminals and `--json` is not given.
/// oauth-ui replaces the body with their screen (`Some(Box::new(...))`).
fn terminal_waiter() -> Option<Box<dyn Waiter>> {
    Some(Box::new(screen::Screen))
}

/// What `login` was asked for, resolved.
struct Plan {
    instance: Instance,
    app_id: String,
    scopes: Vec<String>,
    name: String,
    profile: String,
    ca_file: Option<PathBuf>,
    store: StoreKind,
    metadata_path: PathBuf,
    timeout: Duration,
}

pub async fn run(args: LoginArgs) -> u8 {
    let plan = match plan(&args) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let waiter: Box<dyn Waiter> = match terminal_waiter() {
        Some(screen) if interactive(&args) => screen,
        _ => Box::new(Plain),
    };
    login(plan, waiter, args.json).await
}

fn interactive(args: &LoginArgs) -> bool {
    use std::io::IsTerminal;
    // The screen is drawn on stdout: it must be the terminal too (not a pipe or a file).
    !args.json
        && std::io::stdin().is_terminal()
        && std::io::stderr().is_terminal()
        && std::io::stdout().is_terminal()
}

fn plan(args: &LoginArgs) -> Result<Plan, u8> {
    let instance = parse_host(&args.host).map_err(|e| usage(&e))?;
    let profile = load_profile(args.profile.as_deref(), None).map_err(|e| usage(&e.to_string()))?;
    let name = args
        .name
        .clone()
        .or_else(|| profile.as_ref().map(|p| p.id.clone()))
        .unwrap_or_else(|| DEFAULT_NAME.to_owned());
    if let Some(e) = super::name_or_ca_problem(&name, args.ca_file.as_ref()) {
        return Err(usage(&e));
    }
    let metadata_path = metadata::default_path().map_err(|e| usage(&e.to_string()))?;
    let meta = Metadata::load(&metadata_path).map_err(|e| {
        eprintln!("gitlab-token login: {e}\n  nothing was stored");
        exit::CHECK_FAILED
    })?;
    let account = vault::account(&name, &instance.key());
    if meta.find(&account).is_some_and(|t| !t.is_oauth()) {
        return Err(usage(&text::name_taken(&account)));
    }
    let Some(app_id) = app_id(args, &meta, &instance) else {
        let p = text::no_application(&instance);
        report(&p);
        return Err(exit::USAGE);
    };
    let scopes = match &args.scopes {
        Some(list) => list
            .split([',', ' '])
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        None => profile
            .as_ref()
            .map(crate::profile::Profile::scope_names)
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| vec![DEFAULT_SCOPE.to_owned()]),
    };
    Ok(Plan {
        instance,
        app_id,
        scopes,
        name,
        profile: profile.map_or_else(|| "custom".to_owned(), |p| p.id),
        ca_file: args.ca_file.clone(),
        store: args.store.unwrap_or_else(StoreKind::platform_default),
        metadata_path,
        timeout: Duration::from_secs(args.timeout.max(1)),
    })
}

/// The name when neither --name nor --profile gives one.
pub const DEFAULT_NAME: &str = "oauth";
/// The scope asked for when neither --scopes nor --profile gives any.
pub const DEFAULT_SCOPE: &str = "read_api";

/// --oauth-app-id, then GITLAB_TOKEN_OAUTH_APP_ID, then the app id saved with a sign-in on
/// the same host.
fn app_id(args: &LoginArgs, meta: &Metadata, instance: &Instance) -> Option<String> {
    let valid =
        |s: &String| !s.is_empty() && s.len() <= 256 && s.chars().all(|c| c.is_ascii_graphic());
    args.oauth_app_id
        .clone()
        .or_else(|| std::env::var(text::APP_ID_ENV).ok())
        .map(|s| s.trim().to_owned())
        .filter(valid)
        .or_else(|| {
            meta.tokens
                .iter()
                .filter(|t| t.host == instance.key())
                .find_map(|t| t.oauth.as_ref().map(|f| f.app_id.clone()))
        })
}

/// The flow after the arguments are resolved: the store is checked first (so nobody approves
/// a sign-in that cannot be kept), then the code, the wait, the save, the check.
async fn login(plan: Plan, mut waiter: Box<dyn Waiter>, json: bool) -> u8 {
    if let Err(e) = Keychain::open(plan.store, KEYCHAIN_TIMEOUT).await {
        let p = vault_text::problem(&e);
        eprintln!(
            "gitlab-token login: {}\n  fix: {}\n  nothing was stored",
            p.message, p.fix
        );
        return exit::KEYCHAIN;
    }
    let trust = Trust::with_ca_file(plan.ca_file.clone());
    let client = match Client::new(&plan.instance, &trust, plan.timeout) {
        Ok(c) => c,
        Err(e) => return usage(&format!("--ca-file: {e}")),
    };
    let code = match oauth::start_device(&client, &plan.app_id, &plan.scopes).await {
        Ok(code) => test_timing(code),
        Err(e) => return failed(&e, &plan.instance),
    };
    // From here a signal must not cut the save short: it only ends the wait.
    let mut stop = Stop::new();
    let approval = Approval {
        client: &client,
        instance: &plan.instance,
        app_id: &plan.app_id,
        code: &code,
    };
    let pair = tokio::select! {
        // An approval that arrives together with a signal wins: it is stored.
        biased;
        waited = waiter.wait(approval) => waited,
        () = stop.signalled() => Err(Waited::Cancelled),
    };
    drop(waiter);
    let pair = match pair {
        Ok(pair) => pair,
        Err(Waited::Cancelled) => {
            eprintln!("gitlab-token login: {}", text::CANCELLED);
            return CANCELLED;
        }
        Err(Waited::Failed(e)) => return failed(&e, &plan.instance),
    };
    let code = store_and_check(&plan, &client, &pair, json).await;
    drop(stop);
    code
}

/// Saves the pair (written and read back), then checks it live and records who it is.
async fn store_and_check(plan: &Plan, client: &Client, pair: &OAuthPair, json: bool) -> u8 {
    let sign_in = SignIn {
        instance: &plan.instance,
        name: &plan.name,
        profile: &plan.profile,
        app_id: &plan.app_id,
        ca_file: plan.ca_file.clone(),
        target: None,
        store: plan.store,
    };
    let saved = match save_sign_in(
        client,
        KEYCHAIN_TIMEOUT,
        &plan.metadata_path,
        &sign_in,
        pair,
    )
    .await
    {
        Ok(saved) => saved,
        Err(NotSaved { error, revoked }) => {
            let code = match error {
                SaveError::Keychain(e) => {
                    let p = vault_text::problem(&e);
                    eprintln!(
                        "gitlab-token login: {}\n  fix: {}\n  nothing was stored",
                        p.message, p.fix
                    );
                    exit::KEYCHAIN
                }
                SaveError::Metadata(detail) => {
                    eprintln!(
                        "gitlab-token login: {}",
                        vault_text::metadata_failed(&detail)
                    );
                    exit::CHECK_FAILED
                }
            };
            if revoked {
                eprintln!("gitlab-token login: {}", text::UNKEPT_REVOKED);
            }
            return code;
        }
    };
    let needs = Requirements {
        scopes: plan.scopes.clone(),
        ..Requirements::for_profile(None, None)
    };
    let today = OffsetDateTime::now_utc().date();
    let v = crate::validation::validate_oauth(client, &pair.access, &needs, today).await;
    if let Some(user) = &v.user {
        let _ = record_user(&plan.metadata_path, &saved.account, user).await;
    }
    let username = v.user.as_ref().map_or("?", |u| u.username.as_str());
    if json {
        println!("{}", json_result(&saved.account, &saved.store, pair, &v));
    } else if v.ok() {
        println!(
            "{}",
            text::signed_in(username, &saved.account, &saved.store)
        );
    }
    if v.ok() {
        return exit::OK;
    }
    eprintln!(
        "gitlab-token login: {}",
        text::stored_but_failed(&saved.account)
    );
    for mut p in crate::strings::validation::problems(&v) {
        // A dead OAuth token is fixed by signing in again, not by creating a PAT.
        if matches!(
            p.kind,
            ProblemKind::InvalidToken | ProblemKind::TokenExpired | ProblemKind::TokenRevoked
        ) {
            p.fix = text::sign_in_again(&plan.instance, Some(&plan.name));
        }
        report(&p);
    }
    if v.unreachable() {
        exit::UNREACHABLE
    } else {
        exit::CHECK_FAILED
    }
}

fn json_result(account: &str, store: &str, pair: &OAuthPair, v: &Validation) -> String {
    serde_json::json!({
        "account": account,
        "store": store,
        "kind": "oauth",
        "ok": v.ok(),
        "username": v.user.as_ref().map(|u| u.username.clone()),
        "scopes": pair.scopes,
        "access_expires_at": pair.expires_at.format(&Rfc3339).unwrap_or_default(),
        "problems": crate::strings::validation::problems(v),
    })
    .to_string()
}

fn failed(e: &OAuthError, instance: &Instance) -> u8 {
    let p = text::problem(e, instance);
    report(&p);
    match e {
        OAuthError::InvalidClient(_) | OAuthError::InvalidScope(_) => exit::USAGE,
        OAuthError::Api(_) if p.kind.is_reachability() => exit::UNREACHABLE,
        _ => exit::CHECK_FAILED,
    }
}

fn report(p: &Problem) {
    eprintln!(
        "gitlab-token login: {}: {}\n  fix: {}",
        p.kind.as_str(),
        p.message,
        p.fix.replace('\n', "\n  ")
    );
}

fn usage(message: &str) -> u8 {
    eprintln!("gitlab-token login: {message}");
    exit::USAGE
}

/// SIGINT, SIGTERM and SIGHUP, caught for the whole command: during the wait they end it;
/// afterwards they are held off until the pair is stored.
struct Stop {
    #[cfg(unix)]
    signals: Vec<tokio::signal::unix::Signal>,
}

impl Stop {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let signals = [
                SignalKind::interrupt(),
                SignalKind::terminate(),
                SignalKind::hangup(),
            ]
            .into_iter()
            .filter_map(|k| signal(k).ok())
            .collect();
            Stop { signals }
        }
        #[cfg(not(unix))]
        Stop {}
    }

    async fn signalled(&mut self) {
        #[cfg(unix)]
        {
            let waits = self.signals.iter_mut().map(|s| Box::pin(s.recv()));
            if waits.len() == 0 {
                return std::future::pending().await;
            }
            futures_select_all(waits.collect()).await;
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

/// The first of several futures to finish (a tiny `select_all`, no extra crate).
#[cfg(unix)]
async fn futures_select_all<F: Future + Unpin>(mut futures: Vec<F>) {
    std::future::poll_fn(|cx| {
        for f in futures.iter_mut() {
            if Pin::new(f).poll(cx).is_ready() {
                return std::task::Poll::Ready(());
            }
        }
        std::task::Poll::Pending
    })
    .await
}
