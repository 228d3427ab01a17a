//! The Done screen's own state: the copy of the token handed over, `g` (git set up for the
//! host), the line about the daily rotation and the sinks of the saved account, and its results.

use super::handover::Handover;
use super::{Effect, State, Task};
use crate::strings::wizard as text;

/// What git's global config names for a host's HTTPS credentials now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitBefore {
    /// No helper for the host (or only git's reset, the empty value).
    Nothing,
    /// gitlab-token's helper for this very token: configuring again changes nothing.
    This,
    /// gitlab-token's helper for another stored token of the host (its NAME).
    OtherToken(String),
    /// Another helper (e.g. `store`, `cache`, a password manager's): its value as configured.
    OtherHelper(String),
}

/// What `g` found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GitOutcome {
    /// git asks gitlab-token for this token now.
    Done,
    /// git uses this (another stored token or helper, in words) for the host: nothing was
    /// changed; `g` again re-points it (issue 21.13).
    Elsewhere(String),
}

/// What only the Done screen reads (`State::done`).
#[derive(Default)]
pub struct Done {
    /// The copy of the token to the clipboard (`handover.rs`).
    pub handover: Handover,
    /// `g`: git configured to ask gitlab-token for this host (or found using something else).
    pub git_setup: Task<Result<GitOutcome, String>>,
    /// The line about the daily rotation (installed or not); `None`: no line.
    pub schedule: Option<String>,
    /// See [`super::Setup::sinks`].
    pub sinks: Vec<(String, String)>,
    /// What the delivery to the replaced token's sinks did: the Done screen's notice says it,
    /// and the summary left on the terminal says it again (issue 21.14).
    pub delivered: Option<Result<Vec<crate::strings::sinks::ShownOutcome>, String>>,
}

impl State {
    /// A token was saved as `account`: the Done screen. A replaced token (guided rotation) keeps
    /// its sinks: they get the new value, as after `gitlab-token rotate --replace`.
    pub(super) fn saved_as(&mut self, account: String) -> Vec<Effect> {
        self.step = super::Step::Done;
        let has_sinks = self.done.sinks.iter().any(|(a, _)| *a == account);
        if self.replacing.is_some() && has_sinks {
            self.notice = Some(text::DELIVERING.into());
            return vec![Effect::DeliverSinks { account }];
        }
        Vec::new()
    }
}
