//! "Create it for me"'s options (`o` on the plan): what `create`'s flags offer on the command
//! line, the service account's username, the expiry, leaving out `self_rotate`, raising a lower
//! membership. Edited in a form of its own; Enter applies (the plan shows them), Esc discards.
//! Nothing is asked of GitLab: the plan's choice does not depend on them. Pure.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::create::Phase;
use super::keys::request_quit;
use super::{Effect, State};
use crate::provision::{self, Kind, UsernameProblem};
use crate::token::TokenKind;

/// The options in force (the defaults are `create`'s without flags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateOptions {
    /// `--service-account USERNAME`; `None`: named for the profile.
    pub service_account: Option<String>,
    pub self_rotate: bool,
    pub raise_role: bool,
}

impl Default for CreateOptions {
    fn default() -> Self {
        Self {
            service_account: None,
            self_rotate: true,
            raise_role: false,
        }
    }
}

/// One row of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Row {
    Username,
    Expiry,
    SelfRotate,
    RaiseRole,
}

/// The form being edited: a copy of the options, applied on Enter.
#[derive(Debug, Clone)]
pub struct OptionsForm {
    pub rows: Vec<Row>,
    pub at: usize,
    pub username: Input,
    pub expiry_days: u32,
    pub self_rotate: bool,
    pub raise_role: bool,
    /// Why the typed username would be refused (shown under it; Enter stays).
    pub problem: Option<UsernameProblem>,
    /// A GitLab token was typed (a paste without bracketed paste): cleared unseen, and the
    /// rest of it dropped until Backspace.
    pub token_caught: bool,
}

impl OptionsForm {
    pub fn row(&self) -> Row {
        self.rows.get(self.at).copied().unwrap_or(Row::Expiry)
    }
}

/// The rows that mean something for `kind` there: a username and a membership only for a
/// service account; `self_rotate` only for a legacy token on a GitLab that has it (17.9+).
pub fn rows_for(kind: Kind, self_rotate_exists: bool, fine_grained: bool) -> Vec<Row> {
    let mut rows = Vec::new();
    if kind.is_service_account() {
        rows.push(Row::Username);
    }
    rows.push(Row::Expiry);
    if self_rotate_exists && !fine_grained {
        rows.push(Row::SelfRotate);
    }
    if kind.is_service_account() {
        rows.push(Row::RaiseRole);
    }
    rows
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

/// ←→, +/-, Space on a row that is not text: the expiry steps, a switch flips. Whether it did.
fn change(form: &mut OptionsForm, code: KeyCode) -> bool {
    let up = matches!(code, KeyCode::Right | KeyCode::Char('+'));
    let down = matches!(code, KeyCode::Left | KeyCode::Char('-'));
    let flip = up || down || code == KeyCode::Char(' ');
    match form.row() {
        Row::Expiry if up || down => {
            form.expiry_days = super::ux::step_expiry(form.expiry_days, up);
        }
        Row::SelfRotate if flip => form.self_rotate = !form.self_rotate,
        Row::RaiseRole if flip => form.raise_role = !form.raise_role,
        _ => return false,
    }
    true
}
