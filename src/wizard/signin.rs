//! Signing in with the browser (OAuth device flow) as its own small state machine: the wizard
//! holds one in `State::signin`, and `gitlab-token login`'s terminal screen drives one alone. Pure.

use std::path::PathBuf;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::Ticket;
use crate::gitlab::oauth::OAuthPair;
use crate::instance::Instance;

/// What the user must type and where: the part of GitLab's device answer that is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceShown {
    pub user_code: String,
    pub verification_uri: String,
    /// The URL with the code filled in, when GitLab sent one.
    pub complete: Option<String>,
    /// Seconds the code lives, and between polls, as GitLab said.
    pub expires_in: u64,
    pub interval: u64,
}

impl DeviceShown {
    /// The URL to open, copy and draw as a QR code: the complete one when there is one.
    pub fn best_url(&self) -> &str {
        self.complete.as_deref().unwrap_or(&self.verification_uri)
    }
}

/// Why signing in stopped, sorted by what the user can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailKind {
    /// The user said no in the browser.
    Denied,
    /// The code timed out before approval.
    Expired,
    /// GitLab does not know the application id: register one (or type another).
    UnknownApp,
    /// This GitLab has no device flow (older than 17.2, or switched off): use a token instead.
    NotSupported,
    /// Anything else (network, TLS, a GitLab error): try again.
    Other,
}

/// A stop, with the message (cause and fix) already written by `strings`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailKind,
    pub message: String,
}

/// Where the sign-in is.
#[derive(Debug)]
pub enum Phase {
    /// No application id is known for this host: the screen explains how to register one and
    /// takes the id.
    NeedsApp,
    /// Asking GitLab for a code.
    Starting,
    /// The code is shown; GitLab is polled until the user approves in the browser.
    Waiting(DeviceShown),
    /// Approved: the pair is held (zeroized on drop) until it is checked and saved.
    Approved(Box<OAuthPair>),
    Failed(Failure),
}

/// Messages for the sign-in, from the runtime.
pub enum SigninMsg {
    /// GitLab answered the device request.
    Code(Ticket, Result<DeviceShown, Failure>),
    /// A poll came back "not yet": the next one is in this many seconds.
    Polled(Ticket, u64),
    /// The poll loop ended: approved, or why not.
    Done(Ticket, Result<Box<OAuthPair>, Failure>),
    /// One second passed (sent only while waiting, for the countdowns).
    Second,
}

/// Work for the runtime.
#[derive(Debug)]
pub enum SigninEffect {
    /// Ask for a device code, show it (`SigninMsg::Code`), then poll until approval, denial or
    /// expiry (`Polled`, then `Done`).
    Start {
        ticket: Ticket,
        instance: Instance,
        ca_file: Option<PathBuf>,
        app_id: String,
        scopes: Vec<String>,
    },
    /// Stop polling for `ticket` (drops the future; nothing was granted yet).
    Cancel(Ticket),
    Open(String),
    Copy(String),
}

/// What a key meant for the screen that holds the sign-in.
#[derive(Debug)]
pub enum KeyOutcome {
    Effects(Vec<SigninEffect>),
    /// Leave the sign-in (Esc): the wizard goes back a step, `login` ends.
    Back,
    /// `q`: quit.
    Quit,
    /// `t` after "this GitLab cannot do it": take the access-token path instead.
    UseToken,
    /// The key does nothing here (nothing to redraw).
    Ignored,
}

/// What a sign-in is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Purpose {
    /// Kept as the person's credential (`login`, the owner step's third way).
    #[default]
    Keep,
    /// Authorizes "Create it for me" for this run only: never saved, revoked at the end.
    OwnerAuthorization,
}

/// A browser sign-in for one host.
pub struct SigningIn {
    pub purpose: Purpose,
    pub instance: Instance,
    pub ca_file: Option<PathBuf>,
    pub scopes: Vec<String>,
    /// The application id in use, once known.
    pub app_id: Option<String>,
    /// Typing an application id (the "register an application" screen).
    pub app_input: Input,
    pub phase: Phase,
    pub ticket: Option<Ticket>,
    /// Seconds until the code expires, and until the next poll.
    pub expires_left: u64,
    pub poll_left: u64,
    /// Polls answered "not yet" so far.
    pub polls: u32,
    /// A token was typed or pasted into the application id field: cleared, never sent, and
    /// further characters are dropped until Backspace.
    pub token_in_app_field: bool,
}

impl SigningIn {
    /// A sign-in for `instance`: it starts at once when an application id is known.
    pub fn new(
        instance: Instance,
        ca_file: Option<PathBuf>,
        scopes: Vec<String>,
        app_id: Option<String>,
    ) -> SigningIn {
        let app_id = app_id
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty());
        SigningIn {
            purpose: Purpose::Keep,
            instance,
            ca_file,
            scopes,
            app_input: Input::new(String::new()),
            phase: if app_id.is_some() {
                Phase::Starting
            } else {
                Phase::NeedsApp
            },
            app_id,
            ticket: None,
            expires_left: 0,
            poll_left: 0,
            polls: 0,
            token_in_app_field: false,
        }
    }

    /// A sign-in that authorizes "Create it for me" (scope `api`): its pair is used for this run
    /// only, never saved, and revoked at the end.
    pub fn for_owner_authorization(
        instance: Instance,
        ca_file: Option<PathBuf>,
        app_id: Option<String>,
    ) -> SigningIn {
        let mut s = SigningIn::new(instance, ca_file, vec!["api".into()], app_id);
        s.purpose = Purpose::OwnerAuthorization;
        s
    }

    /// Takes the approved pair out (the holder keeps it in memory for this run only).
    pub fn take_pair(&mut self) -> Option<Box<OAuthPair>> {
        match std::mem::replace(&mut self.phase, Phase::Starting) {
            Phase::Approved(pair) => Some(pair),
            other => {
                self.phase = other;
                None
            }
        }
    }

    /// Starts (or starts again) with the known application id; `next` hands out the ticket.
    pub fn start(&mut self, next: Ticket) -> Vec<SigninEffect> {
        let Some(app_id) = self.app_id.clone() else {
            self.phase = Phase::NeedsApp;
            return Vec::new();
        };
        let mut effects = self.cancel();
        self.ticket = Some(next);
        self.phase = Phase::Starting;
        self.polls = 0;
        effects.push(SigninEffect::Start {
            ticket: next,
            instance: self.instance.clone(),
            ca_file: self.ca_file.clone(),
            app_id,
            scopes: self.scopes.clone(),
        });
        effects
    }

    /// Stops the poll in flight, if any: its late answers are stale.
    pub fn cancel(&mut self) -> Vec<SigninEffect> {
        let running = matches!(self.phase, Phase::Starting | Phase::Waiting(_));
        match self.ticket.take() {
            Some(ticket) if running => vec![SigninEffect::Cancel(ticket)],
            _ => Vec::new(),
        }
    }

    /// A request is out (for the spinner): asking for the code.
    pub fn starting(&self) -> bool {
        matches!(self.phase, Phase::Starting) && self.ticket.is_some()
    }

    /// The code is shown and GitLab is polled: the countdowns tick once a second.
    pub fn waiting(&self) -> bool {
        matches!(self.phase, Phase::Waiting(_))
    }

    /// The approved pair, until it is saved.
    pub fn pair(&self) -> Option<&OAuthPair> {
        match &self.phase {
            Phase::Approved(pair) => Some(pair),
            _ => None,
        }
    }

    /// The URL the screen offers to open and copy.
    pub fn url(&self) -> Option<String> {
        match &self.phase {
            Phase::Waiting(code) => Some(code.best_url().to_owned()),
            Phase::NeedsApp => Some(crate::strings::signin::applications_url(&self.instance)),
            Phase::Failed(f) if f.kind == FailKind::UnknownApp => {
                Some(crate::strings::signin::applications_url(&self.instance))
            }
            _ => None,
        }
    }

    /// Applies a message. Returns whether it changed anything (stale ones change nothing).
    pub fn on_msg(&mut self, msg: SigninMsg) -> bool {
        let current = |t: Ticket, s: &SigningIn| s.ticket == Some(t);
        match msg {
            SigninMsg::Second => {
                if !self.waiting() {
                    return false;
                }
                self.expires_left = self.expires_left.saturating_sub(1);
                self.poll_left = self.poll_left.saturating_sub(1);
                true
            }
            SigninMsg::Code(t, result) if current(t, self) && self.starting() => {
                match result {
                    Ok(code) => {
                        self.expires_left = code.expires_in;
                        self.poll_left = code.interval;
                        self.phase = Phase::Waiting(code);
                    }
                    Err(failure) => self.fail(failure),
                }
                true
            }
            SigninMsg::Polled(t, next_in) if current(t, self) && self.waiting() => {
                self.polls = self.polls.saturating_add(1);
                self.poll_left = next_in;
                true
            }
            SigninMsg::Done(t, result) if current(t, self) && !self.finished() => {
                self.ticket = None;
                match result {
                    Ok(pair) => self.phase = Phase::Approved(pair),
                    Err(failure) => self.fail(failure),
                }
                true
            }
            _ => false,
        }
    }

    fn finished(&self) -> bool {
        matches!(self.phase, Phase::Approved(_) | Phase::Failed(_))
    }

    fn fail(&mut self, failure: Failure) {
        self.ticket = None;
        if failure.kind == FailKind::UnknownApp {
            // The id was wrong: offer to type another, prefilled to fix a typo.
            self.app_input = Input::new(self.app_id.clone().unwrap_or_default());
        }
        self.phase = Phase::Failed(failure);
    }

    /// Handles a key on the sign-in screen. Ctrl-C is the holder's (it may have to ask first).
    pub fn on_key(&mut self, key: KeyEvent, next: impl FnOnce() -> Ticket) -> KeyOutcome {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let typing = self.typing_app_id();
        match key.code {
            KeyCode::Esc => return KeyOutcome::Back,
            KeyCode::Enter if typing => {
                let id = self.app_input.value().trim().to_owned();
                if id.is_empty() {
                    return KeyOutcome::Ignored;
                }
                self.app_id = Some(id);
                return KeyOutcome::Effects(self.start(next()));
            }
            KeyCode::Char('o') if ctrl && typing => return self.open(),
            KeyCode::Char('y') if ctrl && typing => return self.copy(),
            // After a token was caught, the rest of it (typed key by key by a paste without
            // bracketed paste) is dropped unseen, until Backspace makes the field take keys again.
            KeyCode::Backspace if typing && self.token_in_app_field => {
                self.token_in_app_field = false;
                return KeyOutcome::Effects(Vec::new());
            }
            KeyCode::Char(_) if typing && !ctrl && self.token_in_app_field => {
                return KeyOutcome::Effects(Vec::new());
            }
            _ if typing && !ctrl => {
                let before = self.app_input.value().to_owned();
                self.app_input.handle_event(&Event::Key(key));
                // A GitLab token (a prefix GitLab documents) is no application id: dropped at
                // once, so it is neither shown nor sent as a client id.
                let value = self.app_input.value();
                if crate::token::TokenKind::of(value) != crate::token::TokenKind::Unknown {
                    self.app_input = Input::new(String::new());
                    self.token_in_app_field = true;
                    return KeyOutcome::Effects(Vec::new());
                }
                return if before == self.app_input.value() && key.code != KeyCode::Left {
                    KeyOutcome::Ignored
                } else {
                    KeyOutcome::Effects(Vec::new())
                };
            }
            _ => {}
        }
        if ctrl {
            return KeyOutcome::Ignored;
        }
        match (&self.phase, key.code) {
            (_, KeyCode::Char('q')) => KeyOutcome::Quit,
            (Phase::Waiting(_), KeyCode::Char('o')) => self.open(),
            (Phase::Waiting(_), KeyCode::Char('c')) => self.copy(),
            (Phase::Failed(f), KeyCode::Char('t')) if f.kind == FailKind::NotSupported => {
                KeyOutcome::UseToken
            }
            (Phase::Failed(f), KeyCode::Char('r') | KeyCode::Enter)
                if f.kind != FailKind::NotSupported =>
            {
                KeyOutcome::Effects(self.start(next()))
            }
            _ => KeyOutcome::Ignored,
        }
    }

    /// The application id field takes keys: no id yet, or GitLab did not know the one given.
    pub fn typing_app_id(&self) -> bool {
        match &self.phase {
            Phase::NeedsApp => true,
            Phase::Failed(f) => f.kind == FailKind::UnknownApp,
            _ => false,
        }
    }

    fn open(&self) -> KeyOutcome {
        match self.url() {
            Some(url) => KeyOutcome::Effects(vec![SigninEffect::Open(url)]),
            None => KeyOutcome::Ignored,
        }
    }

    fn copy(&self) -> KeyOutcome {
        match self.url() {
            Some(url) => KeyOutcome::Effects(vec![SigninEffect::Copy(url)]),
            None => KeyOutcome::Ignored,
        }
    }
}
