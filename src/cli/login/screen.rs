//! The terminal screen of `gitlab-token login` (its [`Waiter`]): the device code drawn large, the
//! URLs, a QR code and the countdowns until approval. Storing is `login`'s, after the screen.

use std::time::Duration;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::gitlab::oauth::{self, DevicePoll, OAuthPair};
use crate::session::device::{Approval, WaitFuture, Waited, Waiter};
use crate::strings::signin as text;
use crate::wizard::Ticket;
use crate::wizard::signin::{KeyOutcome, SigninEffect, SigninMsg, SigningIn};

/// The login screen's only ticket: one code per screen.
const TICKET: Ticket = Ticket(1);

/// Inputs of the login screen.
pub enum LoginMsg {
    Key(KeyEvent),
    Resize,
    Signin(SigninMsg),
    BrowserOpened(Result<(), String>),
}

/// The login screen's state: the sign-in while waiting. Pure, like the wizard.
pub struct LoginScreen {
    pub signin: SigningIn,
    /// A quit key: the wait ends, nothing was granted.
    pub cancelled: bool,
    pub notice: Option<String>,
    pub dirty: bool,
}

impl LoginScreen {
    /// A screen for `signin`, already showing its code (the code's ticket is [`TICKET`]).
    pub fn new(mut signin: SigningIn, code: crate::wizard::signin::DeviceShown) -> LoginScreen {
        signin.ticket = Some(TICKET);
        signin.phase = crate::wizard::signin::Phase::Starting;
        signin.on_msg(SigninMsg::Code(TICKET, Ok(code)));
        LoginScreen {
            signin,
            cancelled: false,
            notice: None,
            dirty: true,
        }
    }

    /// Applies one message; returns the work to do (open or copy a link).
    pub fn update(&mut self, msg: LoginMsg) -> Vec<SigninEffect> {
        self.dirty = true;
        match msg {
            LoginMsg::Key(key) => self.on_key(key),
            LoginMsg::Resize => Vec::new(),
            LoginMsg::BrowserOpened(result) => {
                self.notice = Some(match result {
                    Ok(()) => crate::strings::wizard::BROWSER_OPENED.into(),
                    Err(e) => crate::strings::wizard::browser_failed(&e),
                });
                Vec::new()
            }
            LoginMsg::Signin(msg) => {
                self.dirty = self.signin.on_msg(msg);
                Vec::new()
            }
        }
    }

    fn on_key(&mut self, key: KeyEvent) -> Vec<SigninEffect> {
        if key.kind == KeyEventKind::Release {
            self.dirty = false;
            return Vec::new();
        }
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            self.cancelled = true;
            return Vec::new();
        }
        self.notice = None;
        // No retry here: a new code is `login`'s to ask for (run it again).
        match self.signin.on_key(key, || TICKET) {
            KeyOutcome::Effects(effects) => {
                if effects.iter().any(|e| matches!(e, SigninEffect::Copy(_))) {
                    self.notice = Some(crate::strings::wizard::COPIED.into());
                }
                effects
            }
            KeyOutcome::Back | KeyOutcome::Quit => {
                self.cancelled = true;
                Vec::new()
            }
            KeyOutcome::Ignored | KeyOutcome::UseToken => {
                self.dirty = false;
                Vec::new()
            }
        }
    }
}

/// Draws the login screen: title, the sign-in, a notice row and the key help.
pub fn render(screen: &LoginScreen, frame: &mut Frame) {
    let theme = crate::theme::current();
    let width = frame.area().width.max(1) as usize;
    let hints = crate::ui::signin::hints(&screen.signin, false);
    let help = crate::ui::help::rows(&hints, width);
    // A long notice wraps onto up to 3 rows, as in the wizard.
    let notice_rows = screen
        .notice
        .as_ref()
        .map_or(1, |n| (n.chars().count() / width + 1).min(3)) as u16;
    let [header, body, notice, help_area] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(5),
        Constraint::Length(notice_rows),
        Constraint::Length(help.len().max(1) as u16),
    ])
    .areas(frame.area());
    let title = text::login_title(&screen.signin.instance.key());
    frame.render_widget(Paragraph::new(Span::styled(title, theme.title)), header);
    let body = body.inner(ratatui::layout::Margin {
        horizontal: 1,
        vertical: 0,
    });
    crate::ui::signin::render(&screen.signin, frame, body, "");
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

/// `login`'s terminal waiter: this screen.
pub struct Screen;

impl Waiter for Screen {
    fn wait<'a>(&'a mut self, approval: Approval<'a>) -> WaitFuture<'a> {
        Box::pin(run(approval))
    }
}

/// Shows the code and polls until approval, denial, expiry or a quit key. The terminal is
/// restored on every way out (return, drop of this future, panic).
pub async fn run(a: Approval<'_>) -> Result<OAuthPair, Waited> {
    let signin = SigningIn::new(
        a.instance.clone(),
        None,
        Vec::new(),
        Some(a.app_id.to_owned()),
    );
    let mut screen = LoginScreen::new(signin, crate::runtime::device_flow::shown(a.code));
    let (tx, mut rx) = unbounded_channel::<LoginMsg>();
    let poll_tx = tx.clone();
    // The first event comes before any poll: the countdown already starts from the code.
    let mut first = true;
    let mut on_event = move |event: DevicePoll| {
        let next_in = match event {
            DevicePoll::Pending { next_in } => next_in,
            DevicePoll::SlowDown { interval } => interval,
        };
        if !std::mem::take(&mut first) {
            let _ = poll_tx.send(LoginMsg::Signin(SigninMsg::Polled(
                TICKET,
                next_in.as_secs(),
            )));
        }
    };
    let wait = oauth::wait_for_approval(a.client, a.app_id, a.code, &mut on_event);
    let mut wait = std::pin::pin!(wait);
    let mut tui = match crate::terminal::Tui::enter() {
        Ok(tui) => tui,
        // No screen after all: the wait goes on without it (the code was printed by nobody,
        // so say it on stderr as the plain waiter does).
        Err(_) => {
            eprintln!("{}", crate::strings::oauth::device_prompt(a.code));
            return wait.await.map_err(Waited::Failed);
        }
    };
    crate::ui::links::set_hyperlinks(crate::ui::links::detect_hyperlinks());
    spawn_keys(tx.clone());
    let mut second = tokio::time::interval(Duration::from_secs(1));
    second.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    second.tick().await;
    loop {
        if screen.dirty {
            if tui.terminal.draw(|f| render(&screen, f)).is_err() {
                // A terminal that cannot be drawn on cannot be answered either: stop.
                return Err(Waited::Cancelled);
            }
            screen.dirty = false;
        }
        if screen.cancelled {
            return Err(Waited::Cancelled);
        }
        tokio::select! {
            result = &mut wait => return result.map_err(Waited::Failed),
            msg = rx.recv() => {
                let Some(msg) = msg else { return Err(Waited::Cancelled) };
                for effect in screen.update(msg) {
                    perform(effect, &tx);
                }
            }
            _ = second.tick() => {
                screen.update(LoginMsg::Signin(SigninMsg::Second));
            }
        }
    }
}

fn perform(effect: SigninEffect, tx: &UnboundedSender<LoginMsg>) {
    match effect {
        SigninEffect::Open(url) => {
            let tx = tx.clone();
            tokio::task::spawn_blocking(move || {
                let _ = tx.send(LoginMsg::BrowserOpened(crate::runtime::open_browser(&url)));
            });
        }
        SigninEffect::Copy(url) => crate::ui::links::copy_to_clipboard(&url),
        // The login screen never starts or cancels a code of its own.
        SigninEffect::Start { .. } | SigninEffect::Cancel(_) => {}
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
