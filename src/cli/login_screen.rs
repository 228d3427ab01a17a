//! The terminal screen of `gitlab-token login`: the device code drawn large, the URLs, a QR
//! code and the countdowns, until approval; then the pair is stored before the screen ends.

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::gitlab::Client;
use crate::gitlab::oauth::{self, DevicePoll, OAuthError, OAuthPair};
use crate::instance::Instance;
use crate::strings::signin as text;
use crate::tls::Trust;
use crate::ui::help::{Hint, Key};
use crate::wizard::Ticket;
use crate::wizard::signin::{
    DeviceShown, FailKind, Failure, KeyOutcome, Phase, SigninEffect, SigninMsg, SigningIn,
};

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
    send(SigninMsg::Code(
        ticket,
        Ok(DeviceShown {
            user_code: code.user_code.clone(),
            verification_uri: code.verification_uri.clone(),
            complete: code.verification_uri_complete.clone(),
            expires_in: code.remaining().as_secs(),
            interval: code.interval.as_secs(),
        }),
    ));
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

/// How the screen ended.
#[derive(Debug)]
pub enum LoginEnd<T> {
    /// Approved and stored: what the store step returned.
    Saved(T),
    /// Quit (q, Esc, Ctrl-C) before approval: nothing was granted or stored.
    Cancelled,
    /// Denied, expired, unknown application, no device flow here, or an error.
    Failed(Failure),
    /// A signal arrived before approval (after it, the store finishes first).
    Signalled,
}

/// Inputs of the login screen.
pub enum LoginMsg {
    Key(KeyEvent),
    Resize,
    Tick,
    Signin(SigninMsg),
    /// The store step finished.
    Saved,
    Signal,
    BrowserOpened(Result<(), String>),
}

/// Work for the login screen's loop.
#[derive(Debug)]
pub enum LoginEffect {
    Signin(SigninEffect),
    /// Store the approved pair (then the screen ends).
    Save(Box<OAuthPair>, String),
    Quit,
}

/// The login screen's state: the sign-in, then the store step. Pure, like the wizard.
pub struct LoginScreen {
    pub signin: SigningIn,
    last_ticket: u64,
    /// The approved pair is being stored: no key ends the screen now.
    pub saving: bool,
    /// A quit key or a signal came while storing: end once stored.
    pub quit_after: bool,
    pub signalled: bool,
    pub cancelled: bool,
    pub notice: Option<String>,
    pub spinner: usize,
    pub dirty: bool,
    pub quit: bool,
}

impl LoginScreen {
    /// A screen for `signin`; returns the effects to start with.
    pub fn new(signin: SigningIn) -> (LoginScreen, Vec<LoginEffect>) {
        let mut screen = LoginScreen {
            signin,
            last_ticket: 0,
            saving: false,
            quit_after: false,
            signalled: false,
            cancelled: false,
            notice: None,
            spinner: 0,
            dirty: true,
            quit: false,
        };
        let effects = if screen.signin.app_id.is_some() {
            let t = screen.next_ticket();
            screen.signin.start(t)
        } else {
            Vec::new()
        };
        (screen, wrap(effects))
    }

    fn next_ticket(&mut self) -> Ticket {
        self.last_ticket += 1;
        Ticket(self.last_ticket)
    }

    /// Whether the spinner runs (asking for a code, or storing).
    pub fn busy(&self) -> bool {
        self.saving || self.signin.starting()
    }

    /// Applies one message; returns the effects to perform.
    pub fn update(&mut self, msg: LoginMsg) -> Vec<LoginEffect> {
        self.dirty = true;
        match msg {
            LoginMsg::Key(key) => self.on_key(key),
            LoginMsg::Resize => Vec::new(),
            LoginMsg::Tick => {
                if self.busy() {
                    self.spinner = self.spinner.wrapping_add(1);
                } else {
                    self.dirty = false;
                }
                Vec::new()
            }
            LoginMsg::Signal => {
                self.signalled = true;
                self.stop()
            }
            LoginMsg::BrowserOpened(result) => {
                self.notice = Some(match result {
                    Ok(()) => crate::strings::wizard::BROWSER_OPENED.into(),
                    Err(e) => crate::strings::wizard::browser_failed(&e),
                });
                Vec::new()
            }
            LoginMsg::Saved => {
                self.saving = false;
                self.quit = true;
                vec![LoginEffect::Quit]
            }
            LoginMsg::Signin(msg) => {
                if !self.signin.on_msg(msg) {
                    self.dirty = false;
                    return Vec::new();
                }
                match self.signin.pair() {
                    Some(pair) if !self.saving => {
                        self.saving = true;
                        let app_id = self.signin.app_id.clone().unwrap_or_default();
                        vec![LoginEffect::Save(Box::new(pair.clone()), app_id)]
                    }
                    _ => Vec::new(),
                }
            }
        }
    }

    /// Quit now, or (while storing) once stored.
    fn stop(&mut self) -> Vec<LoginEffect> {
        if self.saving {
            self.quit_after = true;
            self.notice = Some(text::SAVING_THEN_QUIT.into());
            return Vec::new();
        }
        self.cancelled = true;
        self.quit = true;
        let mut effects = wrap(self.signin.cancel());
        effects.push(LoginEffect::Quit);
        effects
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<LoginEffect> {
        if key.kind == KeyEventKind::Release {
            self.dirty = false;
            return Vec::new();
        }
        let ctrl_c =
            key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c');
        if ctrl_c || self.saving {
            return match key.code {
                KeyCode::Char('q') | KeyCode::Esc => self.stop(),
                _ if ctrl_c => self.stop(),
                _ => {
                    self.dirty = false;
                    Vec::new()
                }
            };
        }
        self.notice = None;
        let mut next = self.last_ticket;
        let outcome = self.signin.on_key(key, || {
            next += 1;
            Ticket(next)
        });
        self.last_ticket = next;
        match outcome {
            KeyOutcome::Effects(effects) => wrap(effects),
            KeyOutcome::Back | KeyOutcome::Quit => self.stop(),
            KeyOutcome::Ignored | KeyOutcome::UseToken => {
                self.dirty = false;
                Vec::new()
            }
        }
    }

    /// How the screen ended (once `quit`).
    pub fn end<T>(&self, saved: Option<T>) -> LoginEnd<T> {
        match (saved, &self.signin.phase) {
            (Some(t), _) => LoginEnd::Saved(t),
            (None, _) if self.signalled => LoginEnd::Signalled,
            (None, Phase::Failed(f)) if !self.cancelled => LoginEnd::Failed(f.clone()),
            (None, Phase::Failed(f)) => LoginEnd::Failed(f.clone()),
            _ => LoginEnd::Cancelled,
        }
    }
}

fn wrap(effects: Vec<SigninEffect>) -> Vec<LoginEffect> {
    effects.into_iter().map(LoginEffect::Signin).collect()
}

/// Draws the login screen: title, the sign-in, a notice row and the key help.
pub fn render(screen: &LoginScreen, frame: &mut Frame) {
    let theme = crate::theme::current();
    let width = frame.area().width.max(1) as usize;
    let hints = if screen.saving {
        vec![Hint {
            key: Key::Note,
            label: crate::strings::safety::NOTE_QUITTING,
        }]
    } else {
        crate::ui::signin::hints(&screen.signin, false)
    };
    let help = crate::ui::help::rows(&hints, width);
    let [header, body, notice, help_area] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(5),
        Constraint::Length(1),
        Constraint::Length(help.len().max(1) as u16),
    ])
    .areas(frame.area());
    let title = text::login_title(&screen.signin.instance.key());
    frame.render_widget(Paragraph::new(Span::styled(title, theme.title)), header);
    let body = body.inner(ratatui::layout::Margin {
        horizontal: 1,
        vertical: 0,
    });
    let spinner = SPINNER[screen.spinner % SPINNER.len()];
    if screen.saving {
        let line = Line::from(Span::styled(
            format!("{spinner} {}", text::SAVING),
            theme.ok,
        ));
        frame.render_widget(Paragraph::new(line), body);
    } else {
        crate::ui::signin::render(&screen.signin, frame, body, spinner);
    }
    if let Some(n) = &screen.notice {
        frame.render_widget(
            Paragraph::new(Span::styled(n.as_str(), theme.warn)).wrap(Wrap { trim: true }),
            notice,
        );
    }
    let lines: Vec<Line> = help
        .into_iter()
        .map(|r| Line::from(Span::styled(format!(" {r}"), theme.key_help)))
        .collect();
    frame.render_widget(Paragraph::new(lines).style(theme.key_help), help_area);
}

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// Runs the screen in the terminal until the sign-in ends; on approval, `save` stores the pair
/// (no key or signal interrupts it) and its result is returned. The terminal is restored on
/// every way out.
pub async fn run<T, F, Fut>(
    signin: SigningIn,
    timeout: Duration,
    save: F,
) -> std::io::Result<LoginEnd<T>>
where
    T: Send + 'static,
    F: FnOnce(OAuthPair, String) -> Fut,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    let (mut screen, effects) = LoginScreen::new(signin);
    let (tx, mut rx) = unbounded_channel::<LoginMsg>();
    spawn_signals(tx.clone())?;
    let mut tui = crate::terminal::Tui::enter()?;
    crate::ui::links::set_hyperlinks(crate::ui::links::detect_hyperlinks());
    spawn_keys(tx.clone());
    let mut polling: Option<(Ticket, tokio::task::AbortHandle)> = None;
    let mut save = Some(save);
    let mut saved: Option<tokio::task::JoinHandle<T>> = None;
    let mut pending = effects;
    let mut second = tokio::time::interval(Duration::from_secs(1));
    second.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        for effect in std::mem::take(&mut pending) {
            match effect {
                LoginEffect::Signin(SigninEffect::Start {
                    ticket,
                    instance,
                    ca_file,
                    app_id,
                    scopes,
                }) => {
                    if let Some((_, old)) = polling.take() {
                        old.abort();
                    }
                    let tx = tx.clone();
                    let send = move |m| {
                        let _ = tx.send(LoginMsg::Signin(m));
                    };
                    let task = tokio::spawn(drive(
                        ticket, instance, ca_file, app_id, scopes, timeout, send,
                    ));
                    polling = Some((ticket, task.abort_handle()));
                }
                LoginEffect::Signin(SigninEffect::Cancel(ticket)) => {
                    if polling.as_ref().is_some_and(|(t, _)| *t == ticket)
                        && let Some((_, task)) = polling.take()
                    {
                        task.abort();
                    }
                }
                LoginEffect::Signin(SigninEffect::Open(url)) => {
                    let tx = tx.clone();
                    tokio::task::spawn_blocking(move || {
                        let _ =
                            tx.send(LoginMsg::BrowserOpened(crate::runtime::open_browser(&url)));
                    });
                }
                LoginEffect::Signin(SigninEffect::Copy(url)) => {
                    crate::ui::links::copy_to_clipboard(&url)
                }
                LoginEffect::Save(pair, app_id) => {
                    if let Some(save) = save.take() {
                        let future = save(*pair, app_id);
                        let tx = tx.clone();
                        saved = Some(tokio::spawn(async move {
                            let result = future.await;
                            let _ = tx.send(LoginMsg::Saved);
                            result
                        }));
                    }
                }
                LoginEffect::Quit => {}
            }
        }
        if screen.dirty {
            tui.terminal.draw(|frame| render(&screen, frame))?;
            screen.dirty = false;
        }
        if screen.quit {
            if let Some((_, task)) = polling.take() {
                task.abort();
            }
            let result = match saved.take() {
                Some(handle) => handle.await.ok(),
                None => None,
            };
            return Ok(screen.end(result));
        }
        let msg = tokio::select! {
            msg = rx.recv() => match msg {
                Some(msg) => msg,
                None => return Ok(LoginEnd::Cancelled),
            },
            _ = tokio::time::sleep(crate::wizard::TICK), if screen.busy() => LoginMsg::Tick,
            _ = second.tick(), if screen.signin.waiting() => LoginMsg::Signin(SigninMsg::Second),
        };
        pending = screen.update(msg);
    }
}

/// Keys on a thread of their own (the loop never blocks on the terminal).
fn spawn_keys(tx: UnboundedSender<LoginMsg>) {
    std::thread::spawn(move || {
        loop {
            let msg = match crossterm::event::read() {
                Ok(Event::Key(key)) => LoginMsg::Key(key),
                Ok(Event::Resize(..)) => LoginMsg::Resize,
                Ok(_) => continue,
                Err(_) => return,
            };
            if tx.send(msg).is_err() {
                return;
            }
        }
    });
}

/// SIGTERM, SIGINT, SIGHUP and SIGQUIT become messages (listened for before raw mode).
#[cfg(unix)]
fn spawn_signals(tx: UnboundedSender<LoginMsg>) -> std::io::Result<()> {
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
            if tx.send(LoginMsg::Signal).is_err() {
                return;
            }
        }
    });
    Ok(())
}

#[cfg(not(unix))]
fn spawn_signals(tx: UnboundedSender<LoginMsg>) -> std::io::Result<()> {
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            if tx.send(LoginMsg::Signal).is_err() {
                return;
            }
        }
    });
    Ok(())
}
