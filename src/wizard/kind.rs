//! The token step's choice of kind: fine-grained (GitLab's permissions, least privilege) or
//! legacy (scopes), offered by `gitlab::granular::offer`; `k` switches, `w` shows why each
//! permission is needed.

use crossterm::event::{KeyCode, KeyEvent};

use super::{Effect, Owner, State, Step};
use crate::gitlab::granular::{self, Offer};

/// What the person picked on the token step (`None`: what the offer puts first).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KindChoice {
    pub picked: Option<bool>,
    /// The permissions are listed with why each one is needed.
    pub show_why: bool,
}

impl State {
    /// What the token step offers for the token being made: the person's own token only
    /// (a service account's tokens take scopes), for a profile naming permissions, on 19.2+.
    pub fn kind_offer(&self) -> Offer {
        let own = self.owner != Owner::ServiceAccount || self.replacing.is_some();
        let has = self
            .profile
            .as_ref()
            .is_some_and(|p| !p.permissions.is_empty());
        let replacing_fine = self
            .replacing
            .as_ref()
            .is_some_and(|r| r.entry.fine_grained);
        if replacing_fine && has {
            return Offer::First;
        }
        granular::offer(self.known_version(), has, own && !self.replacing_bot())
    }

    fn replacing_bot(&self) -> bool {
        self.replacing.as_ref().is_some_and(|r| r.entry.bot)
    }

    /// The token to make is fine-grained.
    pub fn fine_grained(&self) -> bool {
        match self.kind_offer() {
            Offer::First => self.kind.picked.unwrap_or(true),
            Offer::OnRequest => self.kind.picked.unwrap_or(false),
            Offer::No(_) => false,
        }
    }

    /// `k` switches the kind here.
    pub fn kind_switchable(&self) -> bool {
        self.step == Step::Generate && !matches!(self.kind_offer(), Offer::No(_))
    }
}

/// The token step's keys for the kind; `None` for any other key.
pub(super) fn key(state: &mut State, key: KeyEvent) -> Option<Vec<Effect>> {
    match key.code {
        KeyCode::Char('k') if state.kind_switchable() => {
            state.kind.picked = Some(!state.fine_grained());
            state.kind.show_why = false;
        }
        KeyCode::Char('w') if state.fine_grained() => state.kind.show_why = !state.kind.show_why,
        _ => return None,
    }
    Some(Vec::new())
}
