//! A stored token of the same NAME@HOST is never overwritten silently: the paste and validate
//! screens say it exists (whose, days left), saving asks first, and another name can be typed.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{Effect, State, Step};
use crate::vault::StoredToken;

/// The tokens already stored, and the question before replacing one of them.
#[derive(Default)]
pub struct Existing {
    /// Every stored token (read when the wizard starts).
    pub stored: Vec<StoredToken>,
    /// Saving would replace a stored token: asking "replace it, or another name?".
    pub asking: bool,
    /// Typing another name (prefilled).
    pub rename: Option<Input>,
    /// The user said to replace this account.
    pub replace_ok: Option<String>,
}

impl State {
    /// The tokens already stored (the runtime passes them when the wizard starts).
    pub fn set_stored(&mut self, stored: Vec<StoredToken>) {
        self.existing.stored = stored;
    }

    /// The account the token will be saved as.
    pub fn account(&self) -> Option<String> {
        let instance = self.instance.as_ref()?;
        Some(crate::vault::account(&self.name, &instance.key()))
    }

    /// The stored token that saving would overwrite: same NAME@HOST, and not the one this
    /// wizard is replacing on purpose (guided rotation).
    pub fn clash(&self) -> Option<&StoredToken> {
        let account = self.account()?;
        if self
            .replacing
            .as_ref()
            .is_some_and(|r| r.entry.account == account)
        {
            return None;
        }
        self.existing.stored.iter().find(|t| t.account == account)
    }

    /// Enter on a passed validation: save, unless that would overwrite a stored token the
    /// user has not agreed to replace.
    pub(crate) fn save_or_ask(&mut self) -> Vec<Effect> {
        let clash = self.clash().map(|t| t.account.clone());
        match clash {
            Some(account) if self.existing.replace_ok.as_deref() != Some(&account) => {
                self.existing.asking = true;
                Vec::new()
            }
            _ => self.start_save(),
        }
    }

    /// Keys while asking or renaming; `None` when neither is open.
    pub(crate) fn existing_key(&mut self, key: KeyEvent) -> Option<Vec<Effect>> {
        if let Some(input) = self.existing.rename.as_mut() {
            match key.code {
                KeyCode::Enter => {
                    let name = input.value().trim().to_owned();
                    if !valid_name(&name) {
                        self.notice = Some(crate::strings::safety::BAD_NAME.into());
                        return Some(Vec::new());
                    }
                    self.name = name;
                    if let Some(r) = self.creating.as_mut().and_then(|c| c.request.as_mut()) {
                        // The plan shows the name it will create under.
                        r.name.clone_from(&self.name);
                    }
                    self.existing.rename = None;
                    self.notice = None;
                    // Ask again if the new name is taken too; else save. On the "Create it for
                    // me" plan: back to the plan, which shows the new name (Enter creates).
                    return Some(if self.step == Step::Validate {
                        self.save_or_ask()
                    } else {
                        Vec::new()
                    });
                }
                KeyCode::Esc => self.existing.rename = None,
                // Ctrl-U clears the field, as on the paste step (issue 21.14).
                KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                    *input = Input::default();
                }
                _ if key.modifiers.contains(KeyModifiers::CONTROL) => {}
                _ => {
                    input.handle_event(&Event::Key(key));
                }
            }
            return Some(Vec::new());
        }
        if !self.existing.asking {
            return None;
        }
        self.existing.asking = false;
        Some(match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                self.existing.replace_ok = self.clash().map(|t| t.account.clone());
                if self.creating.is_some() {
                    // Asked on the "Create it for me" plan: create, replacing it.
                    self.execute_plan()
                } else {
                    self.start_save()
                }
            }
            KeyCode::Char('n') | KeyCode::Char('N') => {
                self.begin_rename();
                Vec::new()
            }
            _ => Vec::new(),
        })
    }

    /// Opens the name field, prefilled with a free name.
    pub(crate) fn begin_rename(&mut self) {
        let base = self.name.clone();
        let mut suggestion = format!("{base}-2");
        for n in 2..100 {
            suggestion = format!("{base}-{n}");
            let taken = self.instance.as_ref().is_some_and(|i| {
                let account = crate::vault::account(&suggestion, &i.key());
                self.existing.stored.iter().any(|t| t.account == account)
            });
            if !taken {
                break;
            }
        }
        self.existing.rename = Some(Input::new(suggestion));
    }
}

/// A token name: not empty, at most 64 characters, no `@`, whitespace or control characters.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.chars().count() <= 64
        && !name
            .chars()
            .any(|c| c == '@' || c.is_whitespace() || c.is_control())
}
