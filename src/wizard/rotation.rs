//! Automatic rotation from the first screen (`a`): the expiring tokens listed there, the
//! rotation running, and its results (stages and the report).

use super::{State, Task, Ticket};
use crate::rotation::Report;
use crate::rotation::automatic::Stage;
use crate::strings::wizard as text;
use crate::vault::StoredToken;

/// The first screen's expiring tokens and their rotation (`State::rotation`).
#[derive(Default)]
pub struct Rotation {
    /// Stored tokens that are expired or expire soon, with days left.
    pub expiring: Vec<(StoredToken, i64)>,
    /// The automatic rotation of the chosen one.
    pub task: Task<Report>,
}

impl State {
    /// The rotation's report: accepted for the current ticket only.
    pub(super) fn on_rotated(&mut self, ticket: Ticket, report: Report) -> bool {
        let notice = text::rotated(&report);
        let account = report.account.clone();
        let ok = report.ok;
        let accepted = self.rotation.task.finish(ticket, report);
        if accepted {
            self.notice = Some(notice);
            self.guard.stage = None;
            if ok {
                self.rotation.expiring.retain(|(e, _)| e.account != account);
                let last = self.rotation.expiring.len().saturating_sub(1);
                self.guard.expiring_cursor = self.guard.expiring_cursor.min(last);
            }
        }
        accepted
    }

    /// A stage of the running rotation reached.
    pub(super) fn on_rotation_stage(&mut self, ticket: Ticket, stage: Stage) -> bool {
        let current = self.rotation.task.ticket == Some(ticket) && self.rotation.task.running();
        if current {
            self.guard.stage = Some((ticket, stage));
            let account = self.guard.rotating_account.clone().unwrap_or_default();
            self.notice = Some(crate::strings::safety::rotation_stage(&account, stage));
        }
        current
    }
}
