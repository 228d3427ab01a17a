//! Runs the wizard: reads terminal events, performs the state machine's effects on tokio, and
//! sends their results back as ticketed messages. Redraws only when the state says it changed.

mod checks;
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
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::terminal::Tui;
use crate::token::Token;
use crate::ui;
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

/// Runs `work` on tokio and sends its message back.
fn answer(tx: UnboundedSender<Msg>, work: impl Future<Output = Msg> + Send + 'static) {
    tokio::spawn(async move {
        let _ = tx.send(work.await);
    });
}

impl Performer {
    /// Starts an effect and returns at once; its result comes back as a message.
    fn perform(&self, effect: Effect) {
        let (tx, o) = (self.tx.clone(), self.options.clone());
        match effect {
            Effect::Probe { .. }
            | Effect::Validate { .. }
            | Effect::ValidateOAuth { .. }
            | Effect::LoadOld { .. }
            | Effect::RevokeOld { .. } => self.check(effect),
            // The store the wizard chose (the --store one, or an alternative picked).
            Effect::Save {
                ticket,
                token,
                entry,
            } => answer(tx, async move {
                let at = (o.keychain_timeout, &o.metadata_path);
                let result = crate::vault::save(entry.store, at.0, at.1, &token, *entry).await;
                Msg::Saved(ticket, result)
            }),
            Effect::SaveOAuth {
                ticket,
                pair,
                app_id,
                entry,
            } => answer(tx, async move {
                Msg::Saved(ticket, save_sign_in(&o, &pair, &app_id, &entry).await)
            }),
            Effect::RotateAutomatically {
                ticket,
                entry,
                expires_in_days,
            } => {
                let stages = tx.clone();
                answer(tx, async move {
                    let progress = move |stage| {
                        let _ = stages.send(Msg::RotationStage(ticket, stage));
                    };
                    let report = rotate(&o, &entry, expires_in_days, &progress).await;
                    Msg::Rotated(ticket, Box::new(report))
                });
            }
            Effect::ProbeStore { ticket, store } => answer(tx, async move {
                Msg::StoreProbed(ticket, probe_store(store, o.keychain_timeout).await)
            }),
            Effect::SetupGit {
                ticket,
                host,
                name,
                repoint,
            } => answer(tx, async move {
                Msg::GitSetUp(ticket, git_setup::set_up(&host, &name, repoint).await)
            }),
            Effect::DeliverSinks { account } => {
                answer(tx, async move { checks::deliver(&o, &account).await });
            }
            Effect::OpenUrl(url) => {
                tokio::task::spawn_blocking(move || {
                    let _ = tx.send(Msg::BrowserOpened(open_browser(&url)));
                });
            }
            Effect::Copy(text) => crate::ui::links::copy_to_clipboard(&text),
            Effect::CopySecret(token) => clipboard::copy_secret(token),
            Effect::ClearClipboard => clipboard::clear_soon(),
            Effect::Signin(effect) => self.perform_signin(effect),
            Effect::Create(effect) => create::perform(effect, tx, o),
            Effect::Quit => {}
        }
    }

    /// The checks and reads around a token: probe, live checks, the old token read or revoked.
    fn check(&self, effect: Effect) {
        let (tx, o) = (self.tx.clone(), self.options.clone());
        match effect {
            Effect::Probe {
                ticket,
                instance,
                ca_file,
            } => {
                let stages = tx.clone();
                answer(tx, async move {
                    checks::probe(&o, ticket, &instance, ca_file, stages).await
                });
            }
            Effect::Validate {
                ticket,
                instance,
                ca_file,
                token,
                needs,
            } => answer(tx, async move {
                checks::validate(&o, ticket, &instance, ca_file, &token, &needs).await
            }),
            Effect::ValidateOAuth {
                ticket,
                instance,
                ca_file,
                token,
                needs,
            } => answer(tx, async move {
                checks::validate_oauth(&o, ticket, &instance, ca_file, &token, &needs).await
            }),
            Effect::LoadOld {
                ticket,
                account,
                store,
            } => answer(tx, async move {
                Msg::OldLoaded(ticket, checks::load_old(&o, store, &account).await)
            }),
            Effect::RevokeOld {
                ticket,
                instance,
                ca_file,
                token,
            } => answer(tx, async move {
                Msg::OldRevoked(
                    ticket,
                    checks::revoke_old(&o, &instance, ca_file, &token).await,
                )
            }),
            _ => {}
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
