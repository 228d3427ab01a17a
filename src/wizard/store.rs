//! Where the token will be saved: the store is probed when the wizard starts, and when it is
//! unusable the first screen and the save screen offer the explicit choices (kernel keyring, 0600
//! file). The choice is recorded per token, as `--store` does.

use crossterm::event::{KeyCode, KeyEvent};

use super::{Effect, State, Step, Task};
use crate::vault::{StoreKind, VaultError};

/// The store the wizard saves to, and whether it works.
pub struct StoreChoice {
    pub kind: StoreKind,
    /// Probing the store (open it and look up an entry no one has).
    pub probe: Task<Result<(), VaultError>>,
    /// The "save it elsewhere" dialog is open, with its cursor.
    pub choosing: Option<usize>,
}

impl Default for StoreChoice {
    fn default() -> Self {
        StoreChoice {
            kind: StoreKind::platform_default(),
            probe: Task::default(),
            choosing: None,
        }
    }
}

/// The explicit alternatives to the platform keychain (README: "Where the token is stored").
/// The kernel keyring exists on Linux only (linux-keyutils-keyring-store is a Linux-only
/// dependency in Cargo.toml); elsewhere only the file store is offered.
pub fn alternatives() -> Vec<StoreKind> {
    if cfg!(target_os = "linux") {
        vec![StoreKind::Keyutils, StoreKind::File]
    } else {
        vec![StoreKind::File]
    }
}

impl State {
    /// Uses `kind` and probes it (the runtime calls this when the wizard starts).
    pub fn begin_store_probe(&mut self, kind: StoreKind) -> Vec<Effect> {
        self.store.kind = kind;
        let ticket = self.next_ticket();
        self.store.probe.start(ticket);
        vec![Effect::ProbeStore {
            ticket,
            store: kind,
        }]
    }

    /// Why the chosen store cannot be used, once the probe said so.
    pub fn store_problem(&self) -> Option<&VaultError> {
        match &self.store.probe.result {
            Some(Err(e)) => Some(e),
            _ => None,
        }
    }

    /// The last save failed in the keychain (nothing stored): another store may be chosen.
    pub fn save_failed_in_store(&self) -> bool {
        self.step == Step::Save
            && matches!(
                &self.save.result,
                Some(Err(crate::vault::SaveError::Keychain(_)))
            )
    }

    /// `s` offers the alternatives: on the first screen (whichever it is, flags may skip some)
    /// and the steps before the paste while the store is unusable, and on the save screen after
    /// the store refused the token. (Not where `s` is typed: the address, group and paste fields.)
    pub fn may_choose_store(&self) -> bool {
        let early = match self.step {
            // "Create it for me" stores at the end: its authorize and plan screens offer it.
            _ if self.creating.is_some() => self.creating.as_ref().is_some_and(|c| {
                matches!(
                    c.phase,
                    super::create::Phase::Authorize | super::create::Phase::Plan
                )
            }),
            Step::Profile => self.pick.custom.is_none(),
            Step::Reachability | Step::Role | Step::Generate => true,
            _ => false,
        };
        // "Check my instance" saves nothing: no store to choose.
        let early = early && !self.check_only;
        (early && self.store_problem().is_some()) || self.save_failed_in_store()
    }

    pub(crate) fn open_store_choice(&mut self) -> Vec<Effect> {
        self.store.choosing = Some(0);
        Vec::new()
    }

    /// Keys while the store dialog is open; `None` when it is closed.
    pub(crate) fn store_key(&mut self, key: KeyEvent) -> Option<Vec<Effect>> {
        let cursor = self.store.choosing?;
        let choices = alternatives();
        Some(match key.code {
            KeyCode::Up | KeyCode::Char('k') => {
                self.store.choosing = Some(cursor.saturating_sub(1));
                Vec::new()
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.store.choosing = Some((cursor + 1).min(choices.len() - 1));
                Vec::new()
            }
            KeyCode::Enter => {
                self.store.choosing = None;
                let Some(kind) = choices.get(cursor).copied() else {
                    return Some(Vec::new());
                };
                if self.save_failed_in_store() {
                    self.store.kind = kind;
                    self.store.probe = Task::default();
                    self.start_save()
                } else {
                    self.begin_store_probe(kind)
                }
            }
            KeyCode::Esc | KeyCode::Char('q') => {
                self.store.choosing = None;
                Vec::new()
            }
            _ => {
                self.dirty = false;
                Vec::new()
            }
        })
    }
}
