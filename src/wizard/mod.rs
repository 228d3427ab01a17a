//! The onboarding wizard as a pure state machine: `update(&mut State, Msg) -> Vec<Effect>`.
//! No I/O and no terminal here; the runtime performs the effects and answers with messages.

mod browser;
pub mod create;
mod create_keys;
pub mod create_options;
mod create_results;
mod done;
mod existing;
mod guard;
pub mod handover;
mod keys;
pub mod kind;
mod messages;
mod replace;
mod results;
mod rotation;
pub mod scroll;
mod setup_steps;
pub mod signin;
mod starts;
mod store;
mod ux;

use std::path::PathBuf;

use time::Date;
use tui_input::Input;
use zeroize::Zeroizing;

use crate::gitlab::access::{Role, SCOPES};
use crate::instance::Instance;
use crate::profile::Profile;
use crate::token::Token;
use crate::validation::{Requirements, Validation};
use crate::vault::StoredToken;
pub use crate::vault::{SaveError, Saved};

pub use create::Creating;
pub use done::{GitBefore, GitOutcome};
pub use existing::Existing;
pub use guard::Guard;
pub use messages::{Effect, Msg};
pub use replace::Replacing;
pub use store::{StoreChoice, alternatives as store_alternatives};
pub use ux::{CaPrompt, DEFAULT_EXPIRY_DAYS, EXPIRY_STEPS, TICK, step_expiry};

/// Tags an asynchronous request; a result whose ticket is not the current one is stale and dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ticket(pub u64);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Profile,
    Host,
    Reachability,
    Owner,
    Role,
    Generate,
    Paste,
    Validate,
    Save,
    Done,
}

impl Step {
    pub const ALL: [Step; 10] = [
        Step::Profile,
        Step::Host,
        Step::Reachability,
        Step::Owner,
        Step::Role,
        Step::Generate,
        Step::Paste,
        Step::Validate,
        Step::Save,
        Step::Done,
    ];

    pub fn number(self) -> usize {
        Step::ALL.iter().position(|s| *s == self).unwrap_or(0) + 1
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostChoice {
    GitLabCom,
    SelfHosted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    ServiceAccount,
    Personal,
    /// Sign in with the browser (OAuth device flow): for a person's own use, no token to copy.
    Browser,
}

/// Everything the wizard knows. Rendering reads it; only `update` changes it.
pub struct State {
    pub step: Step,
    pub today: Date,
    /// The profile in use (a customised copy for "custom").
    pub profile: Option<Profile>,
    /// Step 1's profiles, row and custom picks (`setup_steps.rs`).
    pub pick: setup_steps::ProfilePick,
    /// Step 2's host typed (`setup_steps.rs`).
    pub host: setup_steps::HostStep,
    pub instance: Option<Instance>,
    pub ca_file: Option<PathBuf>,
    /// Step 3's check, its stages and the CA file prompt (`setup_steps.rs`).
    pub reach: setup_steps::Reach,
    pub owner: Owner,
    pub target_input: Input,
    /// Whether the path typed names a group or a project (the members page differs); first
    /// the profile's guess, `t` on the Role screen changes it.
    pub target_place: crate::gitlab::links::Place,
    pub owner_error: Option<String>,
    pub expiry_days: u32,
    /// The token step's kind: fine-grained or legacy (`wizard::kind`).
    pub kind: kind::KindChoice,
    /// The screen scrolled, and by how many rows (`wizard::scroll`).
    pub scroll: scroll::Scroll,
    pub name: String,
    /// The pasted or typed token, zeroized when replaced or dropped.
    pub secret: Zeroizing<String>,
    pub validation: Task<Validation>,
    pub validated_at: Option<String>,
    pub save: Task<Result<Saved, SaveError>>,
    pub confirm_quit: bool,
    /// `?` opened the help: the keys of the screen and what the step is for (any key closes it).
    pub help_open: bool,
    pub notice: Option<String>,
    /// The first screen's expiring tokens and their automatic rotation (`rotation.rs`).
    pub rotation: rotation::Rotation,
    /// Replacing a stored token (guided rotation), with the old value kept for revocation.
    pub replacing: Option<Replacing>,
    /// "Check my instance" was picked: the wizard ends after the reachability check.
    pub check_only: bool,
    /// Irreversible work is finished before quitting; `a` asks first.
    pub guard: Guard,
    /// Stored tokens, so that one of the same NAME@HOST is not overwritten silently.
    pub existing: Existing,
    /// The store the token is saved to, probed when the wizard starts.
    pub store: StoreChoice,
    /// Signing in with the browser (the owner step's third way), replacing generate and paste.
    pub signin: Option<signin::SigningIn>,
    /// On the owner step, under "A service account": create it by GitLab's API (`true`) or be
    /// guided through GitLab's pages.
    pub create_for_me: bool,
    /// "Create it for me": authorizing, the plan, the creation and what was created.
    pub creating: Option<Creating>,
    /// The OAuth application id from `--oauth-app-id` or `GITLAB_TOKEN_OAUTH_APP_ID`.
    pub oauth_app_id: Option<String>,
    /// The application id typed on the sign-in screen, kept when Esc leaves it (`browser.rs`).
    pub typed_app_id: Option<browser::TypedAppId>,
    /// What only the Done screen reads: hand-over, `g`, the schedule line, sinks (`done.rs`).
    pub done: done::Done,
    pub spinner: usize,
    pub(crate) last_ticket: u64,
    /// Set by `update` when the screen must be drawn again.
    pub dirty: bool,
    pub quit: bool,
}

/// A request in flight or its answer.
pub struct Task<T> {
    pub ticket: Option<Ticket>,
    pub result: Option<T>,
    /// Animation ticks ([`TICK`]) seen while it runs: how long it has been waiting.
    pub ticks: u32,
}

impl<T> Default for Task<T> {
    fn default() -> Self {
        Task {
            ticket: None,
            result: None,
            ticks: 0,
        }
    }
}

impl<T> Task<T> {
    pub fn running(&self) -> bool {
        self.ticket.is_some() && self.result.is_none()
    }

    pub(crate) fn start(&mut self, ticket: Ticket) {
        self.ticket = Some(ticket);
        self.result = None;
        self.ticks = 0;
    }

    /// Forgets the request: its answer, when it comes, is stale.
    fn cancel(&mut self) {
        self.ticket = None;
        self.result = None;
    }

    /// Accepts `result` only for the current ticket.
    pub(crate) fn finish(&mut self, ticket: Ticket, result: T) -> bool {
        if self.ticket == Some(ticket) && self.result.is_none() {
            self.result = Some(result);
            true
        } else {
            false
        }
    }
}

pub struct CustomPick {
    pub selected: Vec<bool>,
    pub role: Role,
    /// Rows: each scope, then the role.
    pub cursor: usize,
    pub error: Option<String>,
}

impl CustomPick {
    fn new() -> Self {
        CustomPick {
            selected: vec![false; SCOPES.len()],
            role: Role::Reporter,
            cursor: 0,
            error: None,
        }
    }
}

/// How the wizard starts.
pub struct Setup {
    pub today: Date,
    pub profiles: Vec<Profile>,
    pub profile: Option<Profile>,
    pub host: Option<Instance>,
    /// A GitLab remote of the current directory: prefills host and group.
    pub remote: Option<(Instance, String)>,
    pub ca_file: Option<PathBuf>,
    pub name: Option<String>,
    /// Stored tokens that are expired or expire soon, with days left.
    pub expiring: Vec<(StoredToken, i64)>,
    /// Start by replacing this stored token (guided rotation).
    pub replace: Option<StoredToken>,
    /// Something to tell at once (e.g. an interrupted rotation that was just repaired).
    pub notice: Option<String>,
    /// The done screen's line about the daily rotation (`schedule`); `None`: no line.
    pub schedule: Option<String>,
    /// The sinks already configured, as (`NAME@HOST`, where it delivers): the done screen lists
    /// those of the saved account (a replaced token keeps its sinks).
    pub sinks: Vec<(String, String)>,
}

impl State {
    /// A wizard at its first open step; returns the effects to start with.
    pub fn new(setup: Setup) -> (State, Vec<Effect>) {
        let remote_group = setup
            .remote
            .as_ref()
            .map(|(_, p)| p.clone())
            .unwrap_or_default();
        let host = setup
            .host
            .clone()
            .or_else(|| setup.remote.as_ref().map(|(i, _)| i.clone()));
        let host_choice = match &host {
            Some(i) if !i.is_gitlab_com() => HostChoice::SelfHosted,
            _ => HostChoice::GitLabCom,
        };
        let host_text = host
            .as_ref()
            .filter(|i| !i.is_gitlab_com())
            .map(|i| i.base_url())
            .unwrap_or_default();
        let mut state = State {
            step: Step::Profile,
            today: setup.today,
            pick: setup_steps::ProfilePick {
                profiles: setup.profiles,
                cursor: 0,
                custom: None,
            },
            profile: None,
            host: setup_steps::HostStep {
                choice: host_choice,
                input: Input::new(host_text),
                error: None,
            },
            instance: None,
            ca_file: setup.ca_file,
            reach: setup_steps::Reach::default(),
            owner: Owner::ServiceAccount,
            target_input: Input::new(remote_group),
            target_place: Default::default(),
            owner_error: None,
            expiry_days: DEFAULT_EXPIRY_DAYS,
            kind: kind::KindChoice::default(),
            scroll: scroll::Scroll::default(),
            name: setup.name.clone().unwrap_or_default(),
            // Room for any token up front: typing never reallocates and leaves copies behind.
            secret: Zeroizing::new(String::with_capacity(512)),
            validation: Task::default(),
            validated_at: None,
            save: Task::default(),
            confirm_quit: false,
            help_open: false,
            notice: setup.notice,
            done: done::Done {
                schedule: setup.schedule,
                sinks: setup.sinks,
                ..Default::default()
            },
            rotation: rotation::Rotation {
                expiring: setup.expiring,
                task: Task::default(),
            },
            replacing: None,
            signin: None,
            create_for_me: false,
            creating: None,
            oauth_app_id: None,
            typed_app_id: None,
            check_only: false,
            guard: Guard::default(),
            existing: Existing::default(),
            store: StoreChoice::default(),
            spinner: 0,
            last_ticket: 0,
            dirty: true,
            quit: false,
        };
        let mut effects = Vec::new();
        if let Some(entry) = setup.replace {
            effects = state.begin_replacing(entry);
        } else if let Some(profile) = setup.profile.filter(|p| !p.custom) {
            state.pick.cursor = state
                .pick
                .profiles
                .iter()
                .position(|p| p.id == profile.id)
                .unwrap_or(0);
            state.choose_profile(profile);
            if setup.host.is_some() {
                effects = state.submit_host();
            }
        }
        (state, effects)
    }

    pub(crate) fn next_ticket(&mut self) -> Ticket {
        self.last_ticket += 1;
        Ticket(self.last_ticket)
    }

    /// Whether an animation must keep running (the runtime ticks only then).
    pub fn busy(&self) -> bool {
        let replacing = self
            .replacing
            .as_ref()
            .is_some_and(|r| r.old.running() || r.revoke.running());
        self.reach.probe.running()
            || self.validation.running()
            || self.save.running()
            || self.rotation.task.running()
            || self.done.git_setup.running()
            || self
                .signin
                .as_ref()
                .is_some_and(signin::SigningIn::starting)
            || replacing
            || self.creating.as_ref().is_some_and(Creating::running)
    }

    /// A token was entered but is not saved yet: quitting would lose it.
    pub fn has_unsaved_token(&self) -> bool {
        let approved = self.signin.as_ref().is_some_and(|s| s.pair().is_some());
        (!self.secret.is_empty() || approved) && !matches!(&self.save.result, Some(Ok(_)))
    }

    pub fn token(&self) -> Token {
        Token::new(self.secret.to_string())
    }

    /// The group or project path the user named, if any.
    pub fn target(&self) -> Option<String> {
        let t = self.target_input.value().trim().trim_matches('/');
        (!t.is_empty()).then(|| t.to_owned())
    }

    /// What the token must have: the profile's scopes and role, and when replacing a token, at
    /// least the old token's scopes too.
    pub fn needs(&self) -> Requirements {
        let profile = self.profile.as_ref();
        let mut scopes = profile.map(Profile::scope_names).unwrap_or_default();
        for old in self.replacing.iter().flat_map(|r| &r.entry.scopes) {
            if !scopes.contains(old) {
                scopes.push(old.clone());
            }
        }
        Requirements {
            scopes,
            permissions: profile.map(Profile::permission_needs).unwrap_or_default(),
            role: profile.map_or(Role::Reporter, |p| p.role),
            target: self.target(),
            service_account: self.owner == Owner::ServiceAccount,
        }
    }

    /// The token name suggested on GitLab's token page.
    pub fn token_name(&self) -> String {
        if let Some(r) = &self.replacing {
            return crate::rotation::guided::replacement_name(&r.entry);
        }
        format!("{} (gitlab-token)", self.name)
    }

    fn choose_profile(&mut self, profile: Profile) {
        if self.name.is_empty() {
            self.name = profile.id.clone();
        }
        self.target_place = profile.target;
        self.profile = Some(profile);
        self.pick.custom = None;
        self.step = Step::Host;
    }
}

/// Applies one message. Returns the effects the runtime must perform.
pub fn update(state: &mut State, msg: Msg) -> Vec<Effect> {
    state.dirty = true;
    match msg {
        Msg::Key(key) => keys::on_key(state, key),
        Msg::Paste(token) => keys::on_paste(state, token),
        Msg::Resize => Vec::new(),
        Msg::Drawn(room) => {
            state.drawn(room);
            Vec::new()
        }
        Msg::Tick => {
            if state.busy() {
                state.spinner = state.spinner.wrapping_add(1);
                state.count_waiting();
            } else {
                state.dirty = false;
            }
            Vec::new()
        }
        Msg::Signal => state.on_signal(),
        Msg::Second => {
            let mut effects = state.handover_second();
            if state.signin_waiting() {
                effects.extend(update(state, Msg::Signin(signin::SigninMsg::Second)));
            }
            effects
        }
        Msg::Signin(msg) if state.creating.as_ref().is_some_and(|c| c.signin.is_some()) => {
            state.on_create_signin(msg)
        }
        Msg::Signin(msg) => state.on_signin(msg),
        Msg::Create(msg) => {
            let mut effects = state.on_create(msg);
            effects.extend(state.settle());
            effects
        }
        other => {
            let mut effects = results::on_result(state, other);
            effects.extend(state.settle());
            effects
        }
    }
}
