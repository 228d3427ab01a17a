//! Never lose a credential to a key press or a signal: irreversible work in flight (an automatic
//! rotation, a save, a revocation) is finished before the wizard quits; `a` asks first.

use super::{Effect, State, Ticket};
use crate::rotation::automatic::Stage;
use crate::strings::safety as text;

/// What keeps quit keys and signals from abandoning irreversible work, and which expiring token
/// the first screen acts on.
#[derive(Debug, Default)]
pub struct Guard {
    /// `a` was pressed: asking before rotating the expiring token at this index.
    pub confirm_rotate: Option<usize>,
    /// The running automatic rotation's stage, and its ticket.
    pub stage: Option<(Ticket, Stage)>,
    /// A quit key or a signal came while irreversible work ran: quit once it has finished.
    pub quit_after: bool,
    /// A signal (SIGTERM, SIGINT, SIGHUP, SIGQUIT) asked the wizard to end.
    pub signalled: bool,
    /// The account being rotated automatically.
    pub rotating_account: Option<String>,
    /// The expiring token `a` and `r` act on (the first screen lists them all).
    pub expiring_cursor: usize,
}

impl State {
    /// An irreversible step is running: a rotation, a save or a revocation. Quitting now could
    /// lose a credential, so quit keys and signals wait for it.
    pub fn in_flight(&self) -> bool {
        let revoking = self.replacing.as_ref().is_some_and(|r| r.revoke.running());
        self.rotation.task.running() || self.save.running() || revoking || self.creating_in_flight()
    }

    /// The expiring token the first screen's `a` and `r` act on.
    pub fn chosen_expiring(&self) -> Option<&crate::vault::StoredToken> {
        self.rotation
            .expiring
            .get(self.guard.expiring_cursor)
            .or_else(|| self.rotation.expiring.first())
            .map(|(entry, _)| entry)
    }

    /// Moves the choice to the next expiring token (wrapping).
    pub(crate) fn next_expiring(&mut self) {
        if !self.rotation.expiring.is_empty() {
            self.guard.expiring_cursor =
                (self.guard.expiring_cursor + 1) % self.rotation.expiring.len();
        }
    }

    /// `a`: asks before rotating the chosen token (it stops working at once, everywhere).
    pub(crate) fn ask_rotate(&mut self) -> Vec<Effect> {
        if self.auto_rotatable().is_some() && !self.rotation.task.running() {
            self.guard.confirm_rotate = Some(self.guard.expiring_cursor);
        } else {
            self.dirty = false;
        }
        Vec::new()
    }

    /// The answer to the rotation question: only `y` rotates.
    pub(crate) fn answer_rotate(&mut self, yes: bool) -> Vec<Effect> {
        self.guard.confirm_rotate = None;
        if yes {
            self.rotate_automatically()
        } else {
            self.notice = self
                .chosen_expiring()
                .map(|e| crate::strings::rotation::not_confirmed(&e.account));
            Vec::new()
        }
    }

    /// A quit key while irreversible work runs: say it will finish first, and quit after.
    pub(crate) fn quit_when_finished(&mut self) -> Vec<Effect> {
        self.guard.quit_after = true;
        self.confirm_quit = false;
        self.notice = Some(text::finishing(self.in_flight_what()).into());
        Vec::new()
    }

    /// SIGTERM, SIGINT, SIGHUP or SIGQUIT: quit now, or once the irreversible step has finished.
    pub(crate) fn on_signal(&mut self) -> Vec<Effect> {
        self.guard.signalled = true;
        // A one-time sign-in in hand ("Create it for me") is revoked before quitting.
        let revoking = self.release_for_quit();
        if self.in_flight() {
            let mut effects = self.quit_when_finished();
            effects.extend(revoking);
            effects
        } else {
            self.quit = true;
            vec![Effect::Quit]
        }
    }

    /// After a result: a quit that waited for the irreversible step happens now. A save that
    /// failed keeps the token and asks (a key) rather than throwing it away; a signal quits.
    pub(crate) fn settle(&mut self) -> Vec<Effect> {
        if !self.guard.quit_after || self.in_flight() {
            return Vec::new();
        }
        self.guard.quit_after = false;
        if self.has_unsaved_token() && !self.guard.signalled {
            self.confirm_quit = true;
            return Vec::new();
        }
        self.quit = true;
        vec![Effect::Quit]
    }

    /// Which irreversible step runs, for the "finishing" line.
    pub(crate) fn in_flight_what(&self) -> text::InFlight {
        if self
            .creating
            .as_ref()
            .is_some_and(|c| c.execution.running())
        {
            text::InFlight::Creation
        } else if self.creating.as_ref().is_some_and(|c| c.revoke.running()) {
            text::InFlight::SignInRevocation
        } else if self.rotation.task.running() {
            text::InFlight::Rotation
        } else if self.save.running() {
            text::InFlight::Save
        } else {
            text::InFlight::Revocation
        }
    }

    /// The stage of the running automatic rotation, if any.
    pub fn rotation_stage(&self) -> Option<Stage> {
        let (ticket, stage) = self.guard.stage?;
        (self.rotation.task.running() && self.rotation.task.ticket == Some(ticket)).then_some(stage)
    }
}
