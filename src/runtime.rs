//! Runs the wizard: reads terminal events, performs the state machine's effects on tokio, and
//! sends their results back as ticketed messages. Redraws only when the state says it changed.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::Event;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::gitlab::Client;
use crate::terminal::Tui;
use crate::tls::Trust;
use crate::token::Token;
use crate::ui;
use crate::validation;
use crate::vault::StoreKind;
use crate::wizard::{self, Effect, Msg, Setup, State};

/// How the effects are performed.
#[derive(Clone)]
pub struct Options {
    pub timeout: Duration,
    pub keychain_timeout: Duration,
    pub metadata_path: PathBuf,
    pub store: StoreKind,
    /// The tokens already stored (so the wizard never overwrites one silently).
    pub stored: Vec<crate::vault::StoredToken>,
}

/// How the wizard ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Saved,
    Quit,
    /// SIGTERM, SIGINT or SIGHUP.
    Signalled,
}

/// How the wizard ended, and what to print once the terminal is back to normal.
#[derive(Debug, Clone)]
pub struct Ended {
    pub outcome: Outcome,
    /// Built by `strings::summary::after_wizard`; printed by the caller after the alternate
    /// screen is left, so it stays on the terminal.
    pub summary: String,
}

fn ended(state: &State, outcome: Outcome) -> Ended {
    let summary = crate::strings::summary::after_wizard(state, outcome == Outcome::Signalled);
    Ended { outcome, summary }
}

/// Runs the wizard in the terminal until the user quits or a signal arrives.
pub async fn run(setup: Setup, options: Options) -> std::io::Result<Ended> {
    let (mut state, effects) = State::new(setup);
    state.set_stored(options.stored.clone());
    let effects: Vec<Effect> = effects
        .into_iter()
        .chain(state.begin_store_probe(options.store))
        .collect();
    let (tx, mut rx) = unbounded_channel();
    let performer = Performer {
        tx: tx.clone(),
        options: Arc::new(options),
    };
    // Signals are listened for before the terminal turns raw, so none ends the process with the
    // terminal left raw; each arrives as a message (an irreversible step is finished first).
    spawn_signal_listener(tx.clone())?;
    let mut tui = Tui::enter()?;
    crate::ui::links::set_hyperlinks(crate::ui::links::detect_hyperlinks());
    spawn_input_reader(tx);
    for effect in effects {
        performer.perform(effect);
    }
    loop {
        if state.dirty {
            tui.terminal.draw(|frame| ui::render(&state, frame))?;
            state.dirty = false;
        }
        if state.quit {
            let saved = matches!(state.save.result, Some(Ok(_)));
            let outcome = if state.guard.signalled {
                Outcome::Signalled
            } else if saved {
                Outcome::Saved
            } else {
                Outcome::Quit
            };
            return Ok(ended(&state, outcome));
        }
        let msg = tokio::select! {
            msg = rx.recv() => match msg {
                Some(msg) => msg,
                None => return Ok(ended(&state, Outcome::Quit)),
            },
            _ = tokio::time::sleep(wizard::TICK), if state.busy() => Msg::Tick,
        };
        for effect in wizard::update(&mut state, msg) {
            performer.perform(effect);
        }
    }
}

/// Sends `Msg::Signal` for every SIGTERM, SIGINT, SIGHUP and SIGQUIT, for as long as the wizard
/// runs (Ctrl-C in raw mode arrives as a key instead). Listening replaces the default action, so
/// no signal kills the process with the terminal raw or a credential half stored.
#[cfg(unix)]
fn spawn_signal_listener(tx: UnboundedSender<Msg>) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut quit = signal(SignalKind::quit())?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
                _ = hup.recv() => {}
                _ = quit.recv() => {}
            }
            if tx.send(Msg::Signal).is_err() {
                return;
            }
        }
    });
    Ok(())
}

#[cfg(not(unix))]
fn spawn_signal_listener(tx: UnboundedSender<Msg>) -> std::io::Result<()> {
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            if tx.send(Msg::Signal).is_err() {
                return;
            }
        }
    });
    Ok(())
}

/// Terminal events arrive on a thread of their own; the async loop never blocks on them.
fn spawn_input_reader(tx: UnboundedSender<Msg>) {
    std::thread::spawn(move || {
        loop {
            let msg = match crossterm::event::read() {
                Ok(Event::Key(key)) => Msg::Key(key),
                Ok(Event::Paste(text)) => Msg::Paste(Token::new(text)),
                Ok(Event::Resize(..)) => Msg::Resize,
                Ok(_) => continue,
                Err(_) => return,
            };
            if tx.send(msg).is_err() {
                return;
            }
        }
    });
}

struct Performer {
    tx: UnboundedSender<Msg>,
    options: Arc<Options>,
}

impl Performer {
    /// Starts an effect and returns at once; its result comes back as a message.
    fn perform(&self, effect: Effect) {
        let tx = self.tx.clone();
        let options = self.options.clone();
        match effect {
            Effect::Probe {
                ticket,
                instance,
                ca_file,
            } => {
                tokio::spawn(async move {
                    let trust = Trust::with_ca_file(ca_file);
                    let stage_tx = tx.clone();
                    let mut on_stage = move |s: &crate::probe::StageResult| {
                        let _ = stage_tx.send(Msg::ProbeStage(ticket, s.clone()));
                    };
                    let report =
                        crate::probe::run(&instance, &trust, options.timeout, &mut on_stage).await;
                    let _ = tx.send(Msg::ProbeDone(ticket, report));
                });
            }
            Effect::Validate {
                ticket,
                instance,
                ca_file,
                token,
                needs,
            } => {
                tokio::spawn(async move {
                    let v = validation::validate_at(
                        &instance,
                        ca_file,
                        &token,
                        &needs,
                        options.timeout,
                    )
                    .await;
                    let at = OffsetDateTime::now_utc()
                        .format(&Rfc3339)
                        .unwrap_or_default();
                    let _ = tx.send(Msg::Validated(ticket, Box::new(v), at));
                });
            }
            Effect::Save {
                ticket,
                token,
                entry,
            } => {
                tokio::spawn(async move {
                    // The store the wizard chose (the --store one, or an alternative picked).
                    let result = crate::vault::save(
                        entry.store,
                        options.keychain_timeout,
                        &options.metadata_path,
                        &token,
                        *entry,
                    )
                    .await;
                    let _ = tx.send(Msg::Saved(ticket, result));
                });
            }
            Effect::OpenUrl(url) => {
                tokio::task::spawn_blocking(move || {
                    let _ = tx.send(Msg::BrowserOpened(open_browser(&url)));
                });
            }
            Effect::LoadOld {
                ticket,
                account,
                store,
            } => {
                tokio::spawn(async move {
                    let old =
                        match crate::vault::Keychain::open(store, options.keychain_timeout).await {
                            Ok(keychain) => keychain.get(&account).await,
                            Err(e) => Err(e),
                        };
                    let _ = tx.send(Msg::OldLoaded(ticket, old));
                });
            }
            Effect::RotateAutomatically {
                ticket,
                entry,
                expires_in_days,
            } => {
                tokio::spawn(async move {
                    let stage_tx = tx.clone();
                    let progress = move |stage| {
                        let _ = stage_tx.send(Msg::RotationStage(ticket, stage));
                    };
                    let report = rotate(&options, &entry, expires_in_days, &progress).await;
                    let _ = tx.send(Msg::Rotated(ticket, Box::new(report)));
                });
            }
            Effect::RevokeOld {
                ticket,
                instance,
                ca_file,
                token,
            } => {
                tokio::spawn(async move {
                    let result = match Client::new(
                        &instance,
                        &Trust::with_ca_file(ca_file),
                        options.timeout,
                    ) {
                        Ok(client) => client
                            .revoke_self(&token)
                            .await
                            .map_err(|e| crate::strings::validation::api_problem(&e).message),
                        Err(e) => Err(e.to_string()),
                    };
                    let _ = tx.send(Msg::OldRevoked(ticket, result));
                });
            }
            Effect::ProbeStore { ticket, store } => {
                tokio::spawn(async move {
                    let result = probe_store(store, options.keychain_timeout).await;
                    let _ = tx.send(Msg::StoreProbed(ticket, result));
                });
            }
            Effect::SetupGit { ticket, host, name } => {
                tokio::spawn(async move {
                    let result = crate::cli::git_credential::configure(&host, &name)
                        .await
                        .map(|_| ());
                    let _ = tx.send(Msg::GitSetUp(ticket, result));
                });
            }
            Effect::Copy(text) => crate::ui::links::copy_to_clipboard(&text),
            Effect::Quit => {}
        }
    }
}

/// The automatic rotation of one stored token, under the rotation lock. The token is never shown
/// here: if the store refuses the new value, the report says so and points to the guided path.
async fn rotate(
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
            report.problems.push(crate::strings::rotation::busy());
            return report;
        }
        Err(e) => {
            let detail = e.to_string();
            report.problems.push(crate::problem::Problem::new(
                crate::problem::ProblemKind::MetadataWriteFailed,
                detail,
                crate::strings::vault::METADATA_FIX,
            ));
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
async fn probe_store(store: StoreKind, timeout: Duration) -> Result<(), crate::vault::VaultError> {
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
fn open_browser(url: &str) -> Result<(), String> {
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
