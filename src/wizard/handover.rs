//! The hand-over to the integration on the Done screen: the saved token copied once to the
//! clipboard (through the terminal, OSC 52, so it works over SSH too) for pasting into the
//! integration's own "Connect GitLab" form, cleared after [`CLEAR_AFTER`] seconds with a
//! countdown on screen, never shown; and the integration's settings page opened with `o` where
//! the profile names one. State, key handler and results live here, like `replace.rs`.

use crossterm::event::{KeyCode, KeyEvent};

use super::{Effect, State, Step};

/// Seconds the token stays on the clipboard.
pub const CLEAR_AFTER: u32 = 45;

/// The hand-over's state: not offered yet, counting down, or done.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Handover {
    /// The copy is offered (`c`) where a token was pasted and saved.
    #[default]
    Offered,
    /// On the clipboard; cleared when the count reaches zero (or the wizard ends).
    Counting { left: u32 },
    /// Copied once and cleared: not offered again.
    Cleared,
}

impl State {
    /// The token can be copied now: the Done screen of a pasted token that was saved (a
    /// browser sign-in's token lasts two hours: no integration should be given it), once.
    pub fn can_copy_token(&self) -> bool {
        self.step == Step::Done
            && matches!(self.save.result, Some(Ok(_)))
            && !self.signed_in()
            && !self.secret.is_empty()
            && self.done.handover == Handover::Offered
    }

    /// The profile's integration settings page (its "Connect GitLab" form), if it names one.
    pub fn integration_link(&self) -> Option<String> {
        (self.step == Step::Done && matches!(self.save.result, Some(Ok(_))))
            .then(|| self.profile.as_ref()?.settings_url.clone())
            .flatten()
    }

    /// Seconds are being counted for the clipboard.
    pub fn handover_counting(&self) -> bool {
        matches!(self.done.handover, Handover::Counting { .. })
    }

    /// `key` is one of the hand-over's keys right now.
    pub(super) fn handover_key_applies(&self, key: KeyEvent) -> bool {
        match key.code {
            KeyCode::Char('c') => self.can_copy_token(),
            KeyCode::Char('o') => self.integration_link().is_some(),
            _ => false,
        }
    }

    /// The Done screen's own keys: `c` copies the token once, `o` opens the integration's page.
    /// `None` when the key is not one of them (the Done screen's other keys apply).
    pub(super) fn handover_key(&mut self, key: KeyEvent) -> Option<Vec<Effect>> {
        match key.code {
            KeyCode::Char('c') if self.can_copy_token() => {
                self.done.handover = Handover::Counting { left: CLEAR_AFTER };
                Some(vec![Effect::CopySecret(self.token())])
            }
            KeyCode::Char('o') => self
                .integration_link()
                .map(|url| vec![Effect::OpenUrl(url)]),
            _ => None,
        }
    }

    /// One second passed: count down, and clear the clipboard at zero.
    pub(super) fn handover_second(&mut self) -> Vec<Effect> {
        match self.done.handover {
            Handover::Counting { left } if left > 1 => {
                self.done.handover = Handover::Counting { left: left - 1 };
                Vec::new()
            }
            Handover::Counting { .. } => {
                self.done.handover = Handover::Cleared;
                vec![Effect::ClearClipboard]
            }
            _ => {
                self.dirty = false;
                Vec::new()
            }
        }
    }
}
