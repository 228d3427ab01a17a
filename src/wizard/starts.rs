//! The work each step starts (the reachability check, the live validation, the save) and the
//! link each screen offers: `State` methods the key handlers call. Pure: they return effects.

use super::{Effect, HostChoice, Owner, State, Step};
use crate::gitlab::links;
use crate::gitlab::version::{self, Version};
use crate::instance::Instance;
use crate::strings::wizard as text;
use crate::vault::StoredToken;

impl State {
    /// Accepts the host and starts the reachability check.
    pub(super) fn submit_host(&mut self) -> Vec<Effect> {
        let parsed = match self.host.choice {
            HostChoice::GitLabCom => Ok(Instance::gitlab_com()),
            HostChoice::SelfHosted => Instance::parse(self.host.input.value()),
        };
        match parsed {
            Ok(instance) => {
                self.host.error = None;
                self.host.choice = if instance.is_gitlab_com() {
                    HostChoice::GitLabCom
                } else {
                    HostChoice::SelfHosted
                };
                self.step = Step::Reachability;
                self.reuse_stored_ca_file(&instance);
                self.instance = Some(instance);
                self.start_probe()
            }
            Err(e) => {
                self.host.error = Some(text::host_error(&e));
                Vec::new()
            }
        }
    }

    /// Without `--ca-file` or `f`, the CA file saved with a token for the same host is used
    /// again (of the newest-validated such token), so a second run does not start with "does
    /// not trust" (issue 21.14); the screen says whose it is, and a file gone since makes the
    /// check say so and offer `f`. A CA reused for another address is dropped first.
    fn reuse_stored_ca_file(&mut self, instance: &Instance) {
        if self.reach.ca_reused_from.take().is_some() {
            self.ca_file = None;
        }
        if self.ca_file.is_some() {
            return;
        }
        let stored = self
            .existing
            .stored
            .iter()
            .filter(|e| e.host == instance.key())
            .filter(|e| e.ca_file.is_some())
            .max_by(|a, b| a.verified_at.cmp(&b.verified_at));
        if let Some(entry) = stored {
            self.ca_file = entry.ca_file.clone();
            self.reach.ca_reused_from = Some(entry.account.clone());
        }
    }

    pub(super) fn start_probe(&mut self) -> Vec<Effect> {
        let Some(instance) = self.instance.clone() else {
            return Vec::new();
        };
        let ticket = self.next_ticket();
        self.reach.probe.start(ticket);
        self.reach.stages.clear();
        self.reach.enter_pending = false;
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
        entry.gitlab_version = v.metadata.as_ref().map(|m| m.version.clone());
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

    /// How the token this wizard saved gets its next value: a sign-in refreshes itself, a token
    /// with `api` or `self_rotate` rotates itself, any other needs a replacement by hand.
    pub fn renewal(&self) -> crate::rotation::renewal::Renewal {
        use crate::rotation::renewal::Renewal;
        let token = self
            .validation
            .result
            .as_ref()
            .and_then(|v| v.token.as_ref());
        match token {
            _ if self.signed_in() => Renewal::Refreshes,
            Some(t) => Renewal::of_token(t),
            None => Renewal::ByHand,
        }
    }

    /// The instance's GitLab version as far as it is known before a token exists: GitLab.com
    /// is always current; elsewhere the version recorded with the newest-validated token stored
    /// for the same instance (`gitlab::version`). A replacement uses its own entry's instead
    /// (`rotation::guided::replacement_link`).
    pub fn known_version(&self) -> Option<Version> {
        let instance = self.instance.as_ref()?;
        let recorded = self
            .existing
            .stored
            .iter()
            .filter(|e| e.host == instance.key() && e.gitlab_version.is_some())
            .max_by(|a, b| a.verified_at.cmp(&b.verified_at))
            .and_then(|e| e.gitlab_version.as_deref())
            .and_then(version::parse);
        version::for_links(instance.is_gitlab_com(), recorded)
    }

    /// The Generate step's form, by the instance's known version: the replacement's (the same
    /// page and name as `gitlab-token rotate` gives for this token), or a new personal token's.
    fn token_form(&self) -> Option<links::TokenForm> {
        if let Some(r) = self.replacing.as_ref() {
            let scopes = self.needs().scopes;
            // The kind picked here, the old token's by default (`wizard::kind`).
            let entry = crate::vault::StoredToken {
                fine_grained: self.fine_grained(),
                ..r.entry.clone()
            };
            return crate::strings::rotation::replacement_link(&entry, &scopes, r.entry.token_id);
        }
        let instance = self.instance.as_ref()?;
        let profile = self.profile.as_ref()?;
        if self.fine_grained() {
            return Some(links::TokenForm::One(links::fine_grained_token_form(
                instance,
            )));
        }
        Some(links::personal_token_form(
            instance,
            self.known_version(),
            &self.token_name(),
            &text::token_description(&profile.name),
            &self.needs().scopes,
        ))
    }

    /// The form for GitLab before 18.9, shown beside [`Self::link`] when the version is not known.
    pub fn link_before_18_9(&self) -> Option<String> {
        let personal = self.owner == Owner::Personal || self.replacing.is_some();
        if self.step != Step::Generate || !personal {
            return None;
        }
        self.token_form()?.before_18_9().map(str::to_owned)
    }

    /// The first path typed on the Owner step when it may name a group or a project (the Role
    /// screen then says which it takes it for, and `t` changes it).
    pub fn place_choice(&self) -> Option<String> {
        let group = self.target()?;
        let first = super::create::parse_targets(&group).into_iter().next()?;
        links::Place::can_be_project(&first).then_some(first)
    }

    /// The link the current screen offers to open.
    pub fn link(&self) -> Option<String> {
        let instance = self.instance.as_ref()?;
        let group = self.target().unwrap_or_default();
        if self.step == Step::Generate && self.replacing.is_some() {
            return self.token_form().map(|f| f.primary().to_owned());
        }
        match (self.step, self.owner) {
            // "Create it for me" shows its steps, not the page: no link to open.
            (Step::Owner, Owner::ServiceAccount) if !self.create_for_me => {
                links::service_accounts(instance, &group)
            }
            (Step::Role, _) => {
                let first = super::create::parse_targets(&group).into_iter().next()?;
                Some(links::members(instance, &first, self.target_place))
            }
            (Step::Generate, Owner::ServiceAccount) => links::service_accounts(instance, &group),
            (Step::Generate, Owner::Personal) => self.token_form().map(|f| f.primary().to_owned()),
            _ => None,
        }
    }
}
