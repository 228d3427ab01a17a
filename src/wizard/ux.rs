//! Wizard behaviour owned by the "what the user sees" work: expiry steps, custom picks kept on
//! the way back, copying links. Pure, like the rest of the state machine.

use std::path::PathBuf;

use crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{CustomPick, Effect, GitOutcome, State, Step};
use crate::gitlab::access::SCOPES;
use crate::problem::ProblemKind;

/// How often the runtime sends `Msg::Tick` while something runs (never when idle).
pub const TICK: std::time::Duration = std::time::Duration::from_millis(120);

impl<T> super::Task<T> {
    /// Whole seconds this task has been waiting, counted in ticks.
    pub fn waited_secs(&self) -> u64 {
        (u128::from(self.ticks) * TICK.as_millis() / 1000) as u64
    }

    pub(super) fn tick(&mut self) {
        if self.running() {
            self.ticks = self.ticks.saturating_add(1);
        }
    }
}

/// GitLab allows at most 365 days (400 behind a feature flag); 90 is a sensible default.
pub const DEFAULT_EXPIRY_DAYS: u32 = 90;
pub const MAX_EXPIRY_DAYS: u32 = 365;

/// The expiry choices `+` and `-` step through; 90 (the default) is always among them.
pub const EXPIRY_STEPS: [u32; 13] = [
    7,
    30,
    60,
    90,
    120,
    150,
    180,
    210,
    240,
    270,
    300,
    330,
    MAX_EXPIRY_DAYS,
];

/// The next expiry up (`up`) or down from `days`.
pub fn step_expiry(days: u32, up: bool) -> u32 {
    let next = if up {
        EXPIRY_STEPS.iter().find(|d| **d > days)
    } else {
        EXPIRY_STEPS.iter().rev().find(|d| **d < days)
    };
    next.copied().unwrap_or(days)
}

impl State {
    /// Back from the host step to the profile step: a custom profile reopens its picks as they
    /// were chosen, rather than starting over.
    pub(super) fn back_to_profile(&mut self) {
        self.step = Step::Profile;
        self.pick.custom = self.profile.as_ref().filter(|p| p.custom).map(|p| {
            let chosen: Vec<&str> = p.scopes.iter().map(|s| s.scope.as_str()).collect();
            CustomPick {
                selected: SCOPES.iter().map(|s| chosen.contains(&s.name)).collect(),
                role: p.role,
                cursor: 0,
                error: None,
            }
        });
    }
}

impl State {
    /// Whether `g` on the Done screen can set up git now (saved, not running, not done).
    pub fn can_setup_git(&self) -> bool {
        let saved = self.step == Step::Done && matches!(self.save.result, Some(Ok(_)));
        // "Create it for me" stored one: its Done screen offers the same.
        (saved || self.created().is_some())
            && self.instance.is_some()
            && !self.done.git_setup.running()
            && !matches!(self.done.git_setup.result, Some(Ok(GitOutcome::Done)))
    }

    /// `g` on the Done screen: configure git for the saved token's host.
    pub(super) fn setup_git(&mut self) -> Vec<Effect> {
        if !self.can_setup_git() {
            self.dirty = false;
            return Vec::new();
        }
        let Some(host) = self.instance.as_ref().map(|i| i.key()) else {
            return Vec::new();
        };
        // The second `g`, after git was found using something else, re-points it.
        let repoint = matches!(
            self.done.git_setup.result,
            Some(Ok(GitOutcome::Elsewhere(_)))
        );
        let ticket = self.next_ticket();
        self.done.git_setup.start(ticket);
        vec![Effect::SetupGit {
            ticket,
            host,
            name: self.name.clone(),
            repoint,
        }]
    }
}

impl State {
    /// `c`: copy the screen's link through the terminal (OSC 52), for SSH sessions.
    pub(super) fn copy_link(&mut self) -> Vec<Effect> {
        match self.link() {
            Some(url) => {
                self.notice = Some(crate::strings::wizard::COPIED.into());
                vec![Effect::Copy(url)]
            }
            None => {
                self.dirty = false;
                Vec::new()
            }
        }
    }
}

/// The CA file prompt: a path typed or pasted on the reachability screen.
pub struct CaPrompt {
    pub input: Input,
    pub error: Option<String>,
}

impl State {
    /// `f` is offered when the check failed because the certificate's issuer is not trusted
    /// (an unknown issuer, a self-signed certificate or a missing intermediate), or the CA file
    /// given could not be used.
    pub fn ca_prompt_offered(&self) -> bool {
        self.reach.probe.result.as_ref().is_some_and(|r| {
            !r.ok
                && r.problems.iter().any(|p| {
                    matches!(
                        p.kind,
                        ProblemKind::TlsUnknownIssuer
                            | ProblemKind::TlsSelfSigned
                            | ProblemKind::TlsIncompleteChain
                    ) || (p.kind == ProblemKind::TlsHandshakeFailed && self.ca_file.is_some())
                })
        })
    }

    pub(super) fn open_ca_prompt(&mut self) {
        let current = self
            .ca_file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default();
        self.reach.ca_prompt = Some(CaPrompt {
            input: Input::new(current),
            error: None,
        });
    }

    pub(super) fn paste_ca_path(&mut self, text: &str) {
        if let Some(prompt) = self.reach.ca_prompt.as_mut() {
            prompt.input = Input::new(text.trim().to_owned());
            prompt.error = None;
        }
    }

    /// Keys while the CA file prompt is open: Enter re-runs the check trusting that file (the
    /// check reads it and says what is wrong with it), Esc closes the prompt.
    pub(super) fn ca_prompt_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let Some(prompt) = self.reach.ca_prompt.as_mut() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => self.reach.ca_prompt = None,
            KeyCode::Enter => {
                let path = prompt.input.value().trim().to_owned();
                if path.is_empty() {
                    prompt.error = Some(crate::strings::wizard::CA_PATH_EMPTY.into());
                    return Vec::new();
                }
                self.reach.ca_prompt = None;
                self.reach.ca_reused_from = None;
                self.ca_file = Some(PathBuf::from(path));
                return self.start_probe();
            }
            _ => {
                prompt.input.handle_event(&Event::Key(key));
                prompt.error = None;
            }
        }
        Vec::new()
    }
}

impl State {
    /// One tick more for every request in flight.
    pub(super) fn count_waiting(&mut self) {
        self.reach.probe.tick();
        self.validation.tick();
        self.save.tick();
        self.rotation.task.tick();
        self.done.git_setup.tick();
        if let Some(c) = self.creating.as_mut() {
            c.load.tick();
            c.discovery.tick();
            c.execution.tick();
            c.revoke.tick();
        }
    }
}
