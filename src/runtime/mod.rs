//! Runs the wizard: reads terminal events, performs the state machine's effects on tokio, and
//! sends their results back as ticketed messages. Redraws only when the state says it changed.

mod clipboard;
mod create;
pub mod device_flow;
pub mod git_setup;
mod work;

pub(crate) use work::open_browser;
use work::{probe_store, rotate, save_sign_in};

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
    /// The OAuth application id for "Sign in with the browser" (flag or environment).
    pub oauth_app_id: Option<String>,
}

/// How the wizard ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Saved,
    /// "Check my instance" ended after a check that passed.
    CheckPassed,
    /// The user quit after an automatic rotation that succeeded (nothing else was saved).
    Rotated,
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
    state.oauth_app_id = options.oauth_app_id.clone();
    let effects: Vec<Effect> = effects
        .into_iter()
        .chain(state.begin_store_probe(options.store))
        .collect();
    let (tx, mut rx) = unbounded_channel();
    let performer = Performer {
        tx: tx.clone(),
        options: Arc::new(options),
        signin: Default::default(),
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
    // The sign-in's countdowns: one message a second while its code is shown, none otherwise.
    let mut second = tokio::time::interval(std::time::Duration::from_secs(1));
    second.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut counting = false;
    loop {
        // A draw that changes what PgDn offers draws once more (the key line); then it settles.
        for _ in 0..2 {
            if !state.dirty {
                break;
            }
            tui.terminal.draw(|frame| ui::render(&state, frame))?;
            state.dirty = false;
            let room = ui::scroll_room();
            if room != state.scroll.room || state.scroll.screen != state.screen() {
                wizard::update(&mut state, Msg::Drawn(room));
            }
        }
        if state.quit {
            // A token still on the clipboard is cleared before the wizard ends, however it ends.
            if state.handover_counting() {
                clipboard::clear();
            }
            let saved = matches!(state.save.result, Some(Ok(_))) || state.created().is_some();
            let outcome = if state.guard.signalled {
                Outcome::Signalled
            } else if saved {
                Outcome::Saved
            } else if state.check_only && state.reach.probe.result.as_ref().is_some_and(|r| r.ok) {
                Outcome::CheckPassed
            } else if state.rotation.task.result.as_ref().is_some_and(|r| r.ok) {
                Outcome::Rotated
            } else {
                Outcome::Quit
            };
            return Ok(ended(&state, outcome));
        }
        // The first second is counted from when the code is shown, not from an old tick.
        let waiting = state.signin_waiting() || state.handover_counting();
        if waiting && !counting {
            second.reset();
        }
        counting = waiting;
        let msg = tokio::select! {
            msg = rx.recv() => match msg {
                Some(msg) => msg,
                None => return Ok(ended(&state, Outcome::Quit)),
            },
            _ = tokio::time::sleep(wizard::TICK), if state.busy() => Msg::Tick,
            _ = second.tick(), if waiting => Msg::Second,
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
    /// The browser sign-in polling now, so that a cancel drops it.
    signin: std::sync::Mutex<Option<(wizard::Ticket, tokio::task::AbortHandle)>>,
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
                        let shown = crate::strings::probe::shown_stage(s);
                        let _ = stage_tx.send(Msg::ProbeStage(ticket, shown));
                    };
                    let report =
                        crate::probe::run(&instance, &trust, options.timeout, &mut on_stage).await;
                    let shown = crate::strings::probe::shown(&report);
                    let _ = tx.send(Msg::ProbeDone(ticket, shown));
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
            Effect::SetupGit {
                ticket,
                host,
                name,
                repoint,
            } => {
                tokio::spawn(async move {
                    let result = git_setup::set_up(&host, &name, repoint).await;
                    let _ = tx.send(Msg::GitSetUp(ticket, result));
                });
            }
            Effect::Copy(text) => crate::ui::links::copy_to_clipboard(&text),
            Effect::CopySecret(token) => clipboard::copy_secret(token),
            Effect::ClearClipboard => clipboard::clear_soon(),
            Effect::DeliverSinks { account } => {
                tokio::spawn(async move {
                    let ctx = crate::rotation::Context {
                        metadata_path: options.metadata_path.clone(),
                        timeout: options.timeout,
                        keychain_timeout: options.keychain_timeout,
                    };
                    let result = crate::rotation::deliveries::deliver_now(&ctx, &account)
                        .await
                        .map(|o| o.iter().map(crate::strings::sinks::shown).collect())
                        .map_err(|e| crate::strings::rotation::undelivered(&e));
                    let _ = tx.send(Msg::SinksDelivered(result));
                });
            }
            Effect::Signin(effect) => self.perform_signin(effect),
            Effect::Create(effect) => create::perform(effect, tx, options),
            Effect::ValidateOAuth {
                ticket,
                instance,
                ca_file,
                token,
                needs,
            } => {
                tokio::spawn(async move {
                    let today = OffsetDateTime::now_utc().date();
                    let trust = Trust::with_ca_file(ca_file);
                    let v = match Client::new(&instance, &trust, options.timeout) {
                        Ok(client) => {
                            validation::validate_oauth(&client, &token, &needs, today).await
                        }
                        // Reported as a token check reports a client that cannot be built.
                        Err(e) => {
                            let err = crate::gitlab::ApiError::Setup(e.to_string());
                            let (a, b) = (Err(err.clone()), Err(err.clone()));
                            validation::judge(&token, &needs, today, a, b, None, Err(err))
                        }
                    };
                    let at = OffsetDateTime::now_utc()
                        .format(&Rfc3339)
                        .unwrap_or_default();
                    let _ = tx.send(Msg::Validated(ticket, Box::new(v), at));
                });
            }
            Effect::SaveOAuth {
                ticket,
                pair,
                app_id,
                entry,
            } => {
                tokio::spawn(async move {
                    let result = save_sign_in(&options, &pair, &app_id, &entry).await;
                    let _ = tx.send(Msg::Saved(ticket, result));
                });
            }
            Effect::Quit => {}
        }
    }
}

impl Performer {
    /// Starts or cancels the browser sign-in (one at a time; a new start drops the old one).
    fn perform_signin(&self, effect: wizard::signin::SigninEffect) {
        use wizard::signin::SigninEffect;
        let mut current = self.signin.lock().unwrap_or_else(|e| e.into_inner());
        match effect {
            SigninEffect::Start {
                ticket,
                instance,
                ca_file,
                app_id,
                scopes,
            } => {
                if let Some((_, old)) = current.take() {
                    old.abort();
                }
                let tx = self.tx.clone();
                let send = move |m| {
                    let _ = tx.send(Msg::Signin(m));
                };
                let task = tokio::spawn(device_flow::drive(
                    ticket,
                    instance,
                    ca_file,
                    app_id,
                    scopes,
                    self.options.timeout,
                    send,
                ));
                *current = Some((ticket, task.abort_handle()));
            }
            SigninEffect::Cancel(ticket) => {
                if current.as_ref().is_some_and(|(t, _)| *t == ticket)
                    && let Some((_, task)) = current.take()
                {
                    task.abort();
                }
            }
            SigninEffect::Open(url) => self.perform(Effect::OpenUrl(url)),
            SigninEffect::Copy(url) => crate::ui::links::copy_to_clipboard(&url),
        }
    }
}
