//! Guided rotation: replacing a stored token with a new one made by hand. The wizard starts at
//! "Create the token" with everything prefilled from the stored entry; the old token is read first
//! and kept (zeroized on drop) so it can be revoked, but only after the new one is saved.

use super::{Effect, Owner, State, Step, Task};
use crate::instance::Instance;
use crate::profile::Profile;
use crate::token::Token;
use crate::vault::StoredToken;

/// The token being replaced.
pub struct Replacing {
    pub entry: StoredToken,
    /// The old token, read from its store: needed to revoke it at the end.
    pub old: Task<Result<Token, String>>,
    /// Revoking the old token on GitLab, after the new one is saved.
    pub revoke: Task<Result<(), String>>,
}

impl State {
    /// Switches the wizard to replacing `entry` and asks for its current value.
    pub(crate) fn begin_replacing(&mut self, entry: StoredToken) -> Vec<Effect> {
        let Ok(instance) = Instance::parse(&entry.url) else {
            self.notice = Some(crate::strings::wizard::replace_bad_url(&entry.url));
            return Vec::new();
        };
        let profile = Profile::by_id(&entry.profile).unwrap_or_else(|_| {
            let scopes: Vec<&str> = entry.scopes.iter().map(String::as_str).collect();
            let custom = Profile::by_id("custom").expect("the custom profile ships");
            custom.customised(&scopes, custom.role)
        });
        self.name = entry.name.clone();
        self.target_place = profile.target;
        self.profile = Some(profile);
        self.instance = Some(instance);
        self.host.choice = if self.instance.as_ref().is_some_and(Instance::is_gitlab_com) {
            super::HostChoice::GitLabCom
        } else {
            super::HostChoice::SelfHosted
        };
        self.ca_file = entry.ca_file.clone();
        self.owner = if entry.bot {
            Owner::ServiceAccount
        } else {
            Owner::Personal
        };
        self.target_input = tui_input::Input::new(entry.target.clone().unwrap_or_default());
        self.step = Step::Generate;
        let ticket = self.next_ticket();
        let mut old = Task::default();
        old.start(ticket);
        let effect = Effect::LoadOld {
            ticket,
            account: entry.account.clone(),
            store: entry.store,
        };
        self.replacing = Some(Replacing {
            entry,
            old,
            revoke: Task::default(),
        });
        vec![effect]
    }

    /// Revokes the old token, once the new one is saved.
    pub(crate) fn revoke_old(&mut self) -> Vec<Effect> {
        let saved = matches!(self.save.result, Some(Ok(_)));
        let (Some(instance), Some(r)) = (self.instance.clone(), self.replacing.as_mut()) else {
            return Vec::new();
        };
        let Some(Ok(token)) = r.old.result.as_ref() else {
            return Vec::new();
        };
        if !saved || r.revoke.running() || matches!(r.revoke.result, Some(Ok(()))) {
            return Vec::new();
        }
        let token = token.clone();
        let ticket = self.next_ticket();
        if let Some(r) = self.replacing.as_mut() {
            r.revoke.start(ticket);
        }
        vec![Effect::RevokeOld {
            ticket,
            instance,
            ca_file: self.ca_file.clone(),
            token,
        }]
    }

    /// The chosen expiring token, when it may rotate itself (`api` or `self_rotate`).
    /// An expired token cannot: GitLab refuses it (401), so only the guided path (`r`) is offered.
    pub fn auto_rotatable(&self) -> Option<&StoredToken> {
        self.chosen_expiring()
            .filter(|e| e.scopes.iter().any(|s| s == "api" || s == "self_rotate"))
            .filter(|e| {
                !e.days_left(self.today)
                    .is_some_and(crate::gitlab::types::is_expired)
            })
    }

    /// Rotates the chosen expiring token through GitLab's API, if it may rotate itself.
    pub(crate) fn rotate_automatically(&mut self) -> Vec<Effect> {
        let Some(entry) = self.auto_rotatable().cloned() else {
            return Vec::new();
        };
        if self.rotation.task.running() {
            return Vec::new();
        }
        let ticket = self.next_ticket();
        self.rotation.task.start(ticket);
        self.notice = Some(crate::strings::wizard::rotating(&entry.account));
        self.guard.rotating_account = Some(entry.account.clone());
        self.guard.stage = None;
        vec![Effect::RotateAutomatically {
            ticket,
            entry: Box::new(entry),
            expires_in_days: self.expiry_days,
        }]
    }

    /// The pasted token is the very one being replaced.
    pub fn pasted_the_old_token(&self) -> bool {
        self.replacing
            .as_ref()
            .and_then(|r| r.old.result.as_ref())
            .is_some_and(|old| {
                old.as_ref()
                    .is_ok_and(|t| t.expose() == self.secret.as_str())
            })
    }
}
