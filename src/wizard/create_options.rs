//! "Create it for me"'s options (`o` on the plan): what `create`'s flags offer on the command
//! line, the service account's username, the expiry, leaving out `self_rotate`, raising a lower
//! membership. Edited in a form of its own; Enter applies (the plan shows them), Esc discards.
//! Nothing is asked of GitLab: the plan's choice does not depend on them. Its keys are in
//! `create_keys.rs`. Pure.

use crossterm::event::KeyCode;
use tui_input::Input;

use crate::provision::{Kind, UsernameProblem};

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

/// ←→, +/-, Space on a row that is not text: the expiry steps, a switch flips. Whether it did.
pub(super) fn change(form: &mut OptionsForm, code: KeyCode) -> bool {
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
