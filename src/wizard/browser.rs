//! The wizard's "Sign in with the browser": begins a [`SigningIn`] in place of the generate and
//! paste steps, routes its keys and results, then checks and saves the approved pair. Pure.

use crossterm::event::KeyEvent;

use super::signin::{KeyOutcome, Phase, SigninEffect, SigninMsg, SigningIn};
use super::{Effect, Owner, State, Step};

/// Scopes asked for when the profile names none.
const DEFAULT_SCOPES: [&str; 1] = ["read_api"];

/// An application id typed on the sign-in screen, for one host, kept when Esc leaves the screen
/// so that coming back does not ask for it again (issue 21.14).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedAppId {
    /// The instance's key (`Instance::key`) it was typed for.
    pub host: String,
    pub id: String,
    /// GitLab took it (a code was shown or the sign-in went further): used again at once. Else
    /// it only fills the field again (it was not sent yet, or GitLab did not know it).
    pub accepted: bool,
}

impl State {
    /// The application id for the host: `--oauth-app-id` or the environment first, then one
    /// typed earlier in this run and taken by GitLab, else the one saved with a browser sign-in
    /// on the same host.
    pub fn app_id_for_host(&self) -> Option<String> {
        if let Some(id) = self.oauth_app_id.clone().filter(|a| !a.trim().is_empty()) {
            return Some(id);
        }
        let host = self.instance.as_ref()?.key();
        if let Some(typed) = self
            .typed_app_id
            .as_ref()
            .filter(|t| t.host == host && t.accepted)
        {
            return Some(typed.id.clone());
        }
        self.existing
            .stored
            .iter()
            .filter(|e| e.host == host)
            .find_map(|e| e.oauth.as_ref().map(|f| f.app_id.clone()))
    }

    /// Replaces generate and paste by the device screen, and starts when the app id is known.
    pub(crate) fn begin_signin(&mut self) -> Vec<Effect> {
        let Some(instance) = self.instance.clone() else {
            return Vec::new();
        };
        let mut scopes = self.needs().scopes;
        if scopes.is_empty() {
            scopes = DEFAULT_SCOPES.iter().map(|s| s.to_string()).collect();
        }
        let mut signin = SigningIn::new(
            instance,
            self.ca_file.clone(),
            scopes,
            self.app_id_for_host(),
        );
        self.step = Step::Generate;
        let effects = if signin.app_id.is_some() {
            let ticket = self.next_ticket();
            signin.start(ticket)
        } else {
            if let Some(typed) = self
                .typed_app_id
                .as_ref()
                .filter(|t| t.host == signin.instance.key())
            {
                signin.app_input = tui_input::Input::new(typed.id.clone());
            }
            Vec::new()
        };
        self.signin = Some(signin);
        wrap(effects)
    }

    /// Leaves the device screen (Esc): stops polling, forgets the sign-in (keeping the
    /// application id typed, see [`TypedAppId`]), back to the role step.
    pub(crate) fn end_signin(&mut self) -> Vec<Effect> {
        if let Some(typed) = self.signin.as_ref().and_then(typed_app_id) {
            self.typed_app_id = Some(typed);
        }
        let effects = self
            .signin
            .take()
            .map(|mut s| s.cancel())
            .unwrap_or_default();
        self.validation.cancel();
        self.step = Step::Role;
        wrap(effects)
    }

    /// Keys on the device screen (Ctrl-C is handled before, as everywhere).
    pub(super) fn signin_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        let mut next = self.last_ticket;
        let Some(signin) = self.signin.as_mut() else {
            return Vec::new();
        };
        let outcome = signin.on_key(key, || {
            next += 1;
            super::Ticket(next)
        });
        self.last_ticket = next;
        match outcome {
            KeyOutcome::Effects(effects) => {
                if effects.iter().any(|e| matches!(e, SigninEffect::Copy(_))) {
                    self.notice = Some(crate::strings::wizard::COPIED.into());
                }
                wrap(effects)
            }
            KeyOutcome::Back => self.end_signin(),
            KeyOutcome::Quit => super::keys::request_quit(self),
            KeyOutcome::UseToken => {
                let mut effects = self.end_signin();
                self.owner = Owner::Personal;
                self.step = Step::Generate;
                effects.retain(|e| !matches!(e, Effect::Quit));
                effects
            }
            KeyOutcome::Ignored => {
                self.dirty = false;
                Vec::new()
            }
        }
    }

    /// A result of the sign-in; on approval, the live checks start.
    pub(super) fn on_signin(&mut self, msg: SigninMsg) -> Vec<Effect> {
        let Some(signin) = self.signin.as_mut() else {
            self.dirty = false;
            return Vec::new();
        };
        if !signin.on_msg(msg) {
            self.dirty = false;
            return Vec::new();
        }
        if matches!(signin.phase, Phase::Approved(_)) && !self.validation.running() {
            return self.validate_signin();
        }
        Vec::new()
    }

    /// Checks the approved access token live, as a pasted token is checked.
    pub(crate) fn validate_signin(&mut self) -> Vec<Effect> {
        let (Some(instance), Some(pair)) = (
            self.instance.clone(),
            self.signin.as_ref().and_then(SigningIn::pair),
        ) else {
            return Vec::new();
        };
        let token = pair.access.clone();
        let ticket = self.next_ticket();
        self.validation.start(ticket);
        self.save.cancel();
        self.step = Step::Validate;
        vec![Effect::ValidateOAuth {
            ticket,
            instance,
            ca_file: self.ca_file.clone(),
            token,
            needs: self.needs(),
        }]
    }

    /// Saves the approved pair as `entry` (built from the live checks, as for a token).
    pub(super) fn save_oauth(&mut self, entry: crate::vault::StoredToken) -> Vec<Effect> {
        let Some(signin) = self.signin.as_ref() else {
            return Vec::new();
        };
        let (Some(pair), Some(app_id)) = (signin.pair(), signin.app_id.clone()) else {
            return Vec::new();
        };
        let pair = Box::new(pair.clone());
        let ticket = self.next_ticket();
        self.save.start(ticket);
        self.step = Step::Save;
        vec![Effect::SaveOAuth {
            ticket,
            pair,
            app_id,
            entry: Box::new(entry),
        }]
    }

    /// A device code is shown (the wizard's own sign-in, or the one authorizing "Create it for
    /// me"): its countdowns tick once a second, and only then.
    pub fn signin_waiting(&self) -> bool {
        let own = self.signin.as_ref().is_some_and(|s| s.waiting());
        let create = self
            .creating
            .as_ref()
            .and_then(|c| c.signin.as_ref())
            .is_some_and(|s| s.waiting());
        own || create
    }

    /// Whether the token in hand came from the browser sign-in.
    pub fn signed_in(&self) -> bool {
        self.owner == Owner::Browser && self.signin.as_ref().is_some_and(|s| s.pair().is_some())
    }

    /// The device screen is showing (it replaces "Create the token").
    pub fn on_signin_screen(&self) -> bool {
        self.step == Step::Generate && self.owner == Owner::Browser && self.signin.is_some()
    }
}

/// The sign-in's effects as the wizard's.
fn wrap(effects: Vec<SigninEffect>) -> Vec<Effect> {
    effects
        .into_iter()
        .map(|e| match e {
            SigninEffect::Open(url) => Effect::OpenUrl(url),
            SigninEffect::Copy(url) => Effect::Copy(url),
            other => Effect::Signin(other),
        })
        .collect()
}

/// The application id `signin` holds that came from the person (not from the command line or a
/// stored sign-in, which are found again anyway): the one sent, or the one in the field.
fn typed_app_id(signin: &SigningIn) -> Option<TypedAppId> {
    let host = signin.instance.key();
    if signin.typing_app_id() {
        let id = signin.app_input.value().trim();
        return (!id.is_empty()).then(|| TypedAppId {
            host,
            id: id.to_owned(),
            accepted: false,
        });
    }
    let id = signin.app_id.clone()?;
    let accepted = !matches!(signin.phase, Phase::Starting);
    Some(TypedAppId { host, id, accepted })
}
