//! The data of the first three steps, each read by its own step only: the profile pick, the
//! host typed, and the reachability check (its stages and the CA file prompt); and their results.

use tui_input::Input;

use super::{CaPrompt, CustomPick, HostChoice, State, Task, Ticket};
use crate::profile::Profile;
use crate::strings::probe::{ShownReport, ShownStage};

/// Step 1 (`State::pick`): the profiles offered, the row chosen, the custom picks when open.
pub struct ProfilePick {
    pub profiles: Vec<Profile>,
    pub cursor: usize,
    /// Picking scopes and role for the custom profile.
    pub custom: Option<CustomPick>,
}

/// Step 2 (`State::host`): GitLab.com or a self-hosted address, and what was wrong with it.
pub struct HostStep {
    pub choice: HostChoice,
    pub input: Input,
    pub error: Option<String>,
}

/// Step 3 (`State::reach`): the reachability check.
#[derive(Default)]
pub struct Reach {
    pub probe: Task<ShownReport>,
    /// The stages reported so far (all of them once the report is in).
    pub stages: Vec<ShownStage>,
    /// The CA file prompt (after an unknown issuer), when open.
    pub ca_prompt: Option<CaPrompt>,
    /// Enter was pressed while the check ran: it takes effect when the check ends (issue 21.14).
    pub enter_pending: bool,
    /// The CA file in use came from a token stored for this host (its account), not from
    /// `--ca-file` or `f`: dropped again when the address changes.
    pub ca_reused_from: Option<String>,
}

impl State {
    /// A stage of the running check reached.
    pub(super) fn on_probe_stage(&mut self, ticket: Ticket, stage: ShownStage) -> bool {
        let current = self.reach.probe.ticket == Some(ticket) && self.reach.probe.running();
        if current {
            self.reach.stages.push(stage);
        }
        current
    }

    /// The check's report: accepted for the current ticket only.
    pub(super) fn on_probe_done(&mut self, ticket: Ticket, report: ShownReport) -> bool {
        let stages = report.stages.clone();
        let accepted = self.reach.probe.finish(ticket, report);
        if accepted {
            self.reach.stages = stages;
        }
        accepted
    }
}
