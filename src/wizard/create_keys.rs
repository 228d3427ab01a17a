//! Keys on the "Create it for me" screens (Ctrl-C, the quit dialog and a waiting quit are handled
//! before, as everywhere). Pure: it changes the state and returns effects.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::create::{Method, Phase};
use super::create_options::{CreateOptions, OptionsForm, Row, change, rows_for};
use super::keys::request_quit;
use super::signin::KeyOutcome;
use super::{Effect, State, Ticket};
use crate::provision;
use crate::token::{Token, TokenKind};

impl State {
    pub(super) fn create_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(c) = self.creating.as_mut() else {
            return Vec::new();
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match c.phase {
            Phase::Authorize => match key.code {
                KeyCode::Up | KeyCode::Char('k') => {
                    c.cursor = c.cursor.checked_sub(1).unwrap_or(c.methods.len() - 1);
                    c.error = None;
                }
                KeyCode::Down | KeyCode::Char('j') | KeyCode::Tab => {
                    c.cursor = (c.cursor + 1) % c.methods.len();
                    c.error = None;
                }
                KeyCode::Enter => return self.authorize(),
                KeyCode::Esc => return self.leave_creating(),
                KeyCode::Char('q') => return request_quit(self),
                _ => return self.ignore(),
            },
            Phase::Pasting => match key.code {
                KeyCode::Enter => return self.use_pasted(),
                KeyCode::Esc => {
                    c.paste.clear();
                    c.error = None;
                    c.phase = Phase::Authorize;
                }
                KeyCode::Char('u') if ctrl => c.paste.clear(),
                KeyCode::Char(ch) if !ctrl => {
                    c.paste.push(ch);
                    c.error = None;
                }
                KeyCode::Backspace => {
                    c.paste.pop();
                }
                _ => return self.ignore(),
            },
            Phase::SigningIn => return self.create_signin_key(key),
            Phase::Discovering => match key.code {
                // Stop looking: the answer, when it comes, is stale; the credential is dropped.
                KeyCode::Esc => return self.back_to_authorize(),
                KeyCode::Char('q') => return request_quit(self),
                _ => return self.ignore(),
            },
            Phase::Plan => return self.plan_key(key),
            Phase::Options => return self.options_key(key),
            // Irreversible: no key stops it (quit keys wait, handled before).
            Phase::Executing => match key.code {
                KeyCode::Char('q') => return request_quit(self),
                _ => return self.ignore(),
            },
            Phase::Finished => {
                let ok = c.outcome().is_some();
                let can_retry = !ok && c.authority.is_some() && !c.revoke.running();
                match key.code {
                    KeyCode::Char('g') if ok => return self.setup_git(),
                    KeyCode::Char('r') if can_retry => return self.create_or_ask(),
                    KeyCode::Esc if can_retry => c.phase = Phase::Plan,
                    KeyCode::Enter | KeyCode::Char('q') | KeyCode::Esc => {
                        return request_quit(self);
                    }
                    _ => return self.ignore(),
                }
            }
            Phase::Leaving => match key.code {
                KeyCode::Char('q') => return request_quit(self),
                _ => return self.ignore(),
            },
        }
        Vec::new()
    }

    /// Keys on the plan: create (or reuse), another kind, another name, the options, retry.
    fn plan_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let clash = self.clash().is_some();
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let Some(c) = self.creating.as_mut() else {
            return Vec::new();
        };
        let failed = c.discovered().is_none();
        let possible = c.possible();
        match key.code {
            KeyCode::Enter if c.kind.is_some() => return self.create_or_ask(),
            // Another keychain name, as on the save step (the plan shows it).
            KeyCode::Char('n') if ctrl && clash && !failed => self.begin_rename(),
            KeyCode::Up | KeyCode::Down | KeyCode::Tab if possible.len() > 1 => {
                let at = c
                    .kind
                    .and_then(|k| possible.iter().position(|p| *p == k))
                    .unwrap_or(0);
                let next = if key.code == KeyCode::Up {
                    at.checked_sub(1).unwrap_or(possible.len() - 1)
                } else {
                    (at + 1) % possible.len()
                };
                c.kind = Some(possible[next]);
                // Another pick is another plan: shown from its top.
                self.scroll = Default::default();
            }
            KeyCode::Char('o') if c.kind.is_some() && !failed => self.open_options(),
            KeyCode::Char('r') if failed => return self.discover(),
            KeyCode::Char('g') if !failed && possible.is_empty() => {
                return self.guide_instead();
            }
            KeyCode::Esc => return self.back_to_authorize(),
            KeyCode::Char('q') => return request_quit(self),
            _ => return self.ignore(),
        }
        Vec::new()
    }

    /// A paste on the "Create it for me" screens: only the token field takes one.
    pub(super) fn create_paste(&mut self, token: Token) {
        match self.creating.as_mut() {
            Some(c) if c.phase == Phase::Pasting => {
                c.paste.clear();
                c.paste.push_str(token.expose());
                c.error = None;
            }
            _ => self.dirty = false,
        }
    }

    /// Back to the authorize screen: stop what runs, drop (or revoke) the credential in hand.
    fn back_to_authorize(&mut self) -> Vec<Effect> {
        let effects = self.release_authority();
        if let Some(c) = self.creating.as_mut() {
            c.discovery.cancel();
            c.load.cancel();
            c.choice = None;
            c.kind = None;
            c.phase = Phase::Authorize;
        }
        effects
    }

    fn create_signin_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let mut next = self.last_ticket;
        let Some(c) = self.creating.as_mut() else {
            return Vec::new();
        };
        let Some(signin) = c.signin.as_mut() else {
            return Vec::new();
        };
        let outcome = signin.on_key(key, || {
            next += 1;
            Ticket(next)
        });
        self.last_ticket = next;
        match outcome {
            KeyOutcome::Effects(effects) => effects
                .into_iter()
                .map(|e| match e {
                    super::signin::SigninEffect::Open(url) => Effect::OpenUrl(url),
                    super::signin::SigninEffect::Copy(url) => {
                        self.notice = Some(crate::strings::wizard::COPIED.into());
                        Effect::Copy(url)
                    }
                    other => Effect::Signin(other),
                })
                .collect(),
            KeyOutcome::Back | KeyOutcome::UseToken => {
                let cancel = c.signin.take().map(|mut s| s.cancel()).unwrap_or_default();
                c.phase = if matches!(outcome, KeyOutcome::UseToken) {
                    c.cursor = c
                        .methods
                        .iter()
                        .position(|m| *m == Method::Paste)
                        .unwrap_or(0);
                    Phase::Pasting
                } else {
                    Phase::Authorize
                };
                cancel.into_iter().map(Effect::Signin).collect()
            }
            KeyOutcome::Quit => request_quit(self),
            KeyOutcome::Ignored => self.ignore(),
        }
    }

    fn ignore(&mut self) -> Vec<Effect> {
        self.dirty = false;
        Vec::new()
    }
}

impl State {
    /// `o` on the plan: the form, filled with the options in force.
    pub(crate) fn open_options(&mut self) {
        let request = self.create_request();
        let expiry_days = self.expiry_days;
        let Some(c) = self.creating.as_mut() else {
            return;
        };
        let (Some(kind), Some(d), Some(request)) = (c.kind, c.discovered(), request) else {
            return;
        };
        let fine_grained = provision::token_permissions(kind, &request, d).is_some();
        let rows = rows_for(kind, provision::self_rotate_exists(d), fine_grained);
        let o = &c.options;
        c.form = Some(OptionsForm {
            rows,
            at: 0,
            username: Input::new(o.service_account.clone().unwrap_or_default()),
            expiry_days,
            self_rotate: o.self_rotate,
            raise_role: o.raise_role,
            problem: None,
            token_caught: false,
        });
        c.phase = Phase::Options;
    }

    /// Keys on the options form.
    pub(super) fn options_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(form) = self.creating.as_mut().and_then(|c| c.form.as_mut()) else {
            return Vec::new();
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let typing = form.row() == Row::Username;
        match key.code {
            KeyCode::Enter => return self.apply_options(),
            KeyCode::Esc => self.close_options(),
            KeyCode::Up | KeyCode::BackTab => {
                form.at = form.at.checked_sub(1).unwrap_or(form.rows.len() - 1);
            }
            KeyCode::Down | KeyCode::Tab => form.at = (form.at + 1) % form.rows.len(),
            KeyCode::Char('u') if ctrl && typing => {
                form.username = Input::default();
                form.problem = None;
            }
            KeyCode::Backspace if typing && form.token_caught => form.token_caught = false,
            KeyCode::Char(_) if typing && !ctrl && form.token_caught => {}
            _ if typing && !ctrl => {
                form.username.handle_event(&Event::Key(key));
                form.problem = None;
                if TokenKind::of(form.username.value()) != TokenKind::Unknown {
                    form.username = Input::default();
                    form.token_caught = true;
                }
            }
            KeyCode::Char('q') if !ctrl => return request_quit(self),
            code => {
                if !change(form, code) {
                    self.dirty = false;
                }
            }
        }
        Vec::new()
    }

    /// Enter: a username GitLab would refuse stays in the form with why; else the options are
    /// in force and the plan (shown from its top) says them.
    fn apply_options(&mut self) -> Vec<Effect> {
        let Some(c) = self.creating.as_mut() else {
            return Vec::new();
        };
        let Some(form) = c.form.as_mut() else {
            return Vec::new();
        };
        let typed = form.username.value().trim().to_owned();
        let username = (!typed.is_empty()).then_some(typed);
        if let Some(problem) = username.as_deref().and_then(provision::username_problem) {
            form.problem = Some(problem);
            form.at = form
                .rows
                .iter()
                .position(|r| *r == Row::Username)
                .unwrap_or(0);
            return Vec::new();
        }
        let offered = |row| form.rows.contains(&row);
        c.options = CreateOptions {
            service_account: username.filter(|_| offered(Row::Username)),
            self_rotate: form.self_rotate || !offered(Row::SelfRotate),
            raise_role: form.raise_role && offered(Row::RaiseRole),
        };
        self.expiry_days = form.expiry_days;
        self.close_options();
        // The plan reads the request it was made for: now the one with these options.
        let request = self.create_request();
        if let Some(c) = self.creating.as_mut() {
            c.request = request;
        }
        Vec::new()
    }

    fn close_options(&mut self) {
        if let Some(c) = self.creating.as_mut() {
            c.form = None;
            c.phase = Phase::Plan;
        }
        self.scroll = Default::default();
    }
}
