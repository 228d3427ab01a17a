//! The work each step starts (the reachability check, the live validation, the save) and the
//! link each screen offers: `State` methods the key handlers call. Pure: they return effects.

use super::{Effect, HostChoice, Owner, State, Step};
use crate::gitlab::links;
use crate::instance::Instance;
use crate::strings::wizard as text;
use crate::vault::StoredToken;

impl State {
    /// Accepts the host and starts the reachability check.
    pub(super) fn submit_host(&mut self) -> Vec<Effect> {
        let parsed = match self.host_choice {
            HostChoice::GitLabCom => Ok(Instance::gitlab_com()),
            HostChoice::SelfHosted => Instance::parse(self.host_input.value()),
        };
        match parsed {
            Ok(instance) => {
                self.host_error = None;
                self.host_choice = if instance.is_gitlab_com() {
                    HostChoice::GitLabCom
                } else {
                    HostChoice::SelfHosted
                };
                self.step = Step::Reachability;
                self.instance = Some(instance);
                self.start_probe()
            }
            Err(e) => {
                self.host_error = Some(text::host_error(&e));
                Vec::new()
            }
        }
    }

    pub(super) fn start_probe(&mut self) -> Vec<Effect> {
        let Some(instance) = self.instance.clone() else {
            return Vec::new();
        };
        let ticket = self.next_ticket();
        self.probe.start(ticket);
        self.probe_stages.clear();
        vec![Effect::Probe {
            ticket,
            instance,
            ca_file: self.ca_file.clone(),
        }]
    }

    pub(super) fn start_validation(&mut self) -> Vec<Effect> {
        if self.signed_in() {
            return self.validate_signin();
        }
        let Some(instance) = self.instance.clone() else {
            return Vec::new();
        };
        let ticket = self.next_ticket();
        self.validation.start(ticket);
        self.save.cancel();
        self.step = Step::Validate;
        vec![Effect::Validate {
            ticket,
            instance,
            ca_file: self.ca_file.clone(),
            token: self.token(),
            needs: self.needs(),
        }]
    }

    pub(super) fn start_save(&mut self) -> Vec<Effect> {
        let (Some(instance), Some(v), Some(profile)) = (
            self.instance.as_ref(),
            self.validation.result.as_ref(),
            self.profile.as_ref(),
        ) else {
            return Vec::new();
        };
        let (Some(info), Some(user)) = (v.token.as_ref(), v.user.as_ref()) else {
            return Vec::new();
        };
        let mut entry = StoredToken::new(
            instance,
            &self.name,
            &profile.id,
            info,
            user,
            self.validated_at.as_deref().unwrap_or_default(),
            self.ca_file.clone(),
            self.target(),
        );
        entry.store = self.store.kind;
        if self.signed_in() {
            return self.save_oauth(entry);
        }
        let ticket = self.next_ticket();
        self.save.start(ticket);
        self.step = Step::Save;
        vec![Effect::Save {
            ticket,
            token: self.token(),
            entry: Box::new(entry),
        }]
    }

    /// The link the current screen offers to open.
    pub fn link(&self) -> Option<String> {
        let instance = self.instance.as_ref()?;
        let group = self.target().unwrap_or_default();
        if let (Step::Generate, Some(r)) = (self.step, self.replacing.as_ref()) {
            // The same page and name as `gitlab-token rotate` gives for this token.
            let scopes = self.needs().scopes;
            return crate::rotation::guided::replacement_link(&r.entry, &scopes, r.entry.token_id);
        }
        match (self.step, self.owner) {
            (Step::Owner, Owner::ServiceAccount) => links::service_accounts(instance, &group),
            (Step::Role, _) if !group.is_empty() => Some(links::group_members(instance, &group)),
            (Step::Generate, Owner::ServiceAccount) => links::service_accounts(instance, &group),
            (Step::Generate, Owner::Personal) => {
                let profile = self.profile.as_ref()?;
                Some(links::new_personal_token(
                    instance,
                    &self.token_name(),
                    &text::token_description(&profile.name),
                    &self.needs().scopes,
                ))
            }
            _ => None,
        }
    }
}
