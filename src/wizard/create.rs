//! "Create it for me": a group Owner or administrator authorizes once (browser sign-in, a pasted
//! token of their own, or their saved sign-in; held for this run only), sees the plan, and the
//! runtime has `provision` create the account, memberships and token, check and store it. Pure.

use std::path::PathBuf;

use zeroize::Zeroizing;

use super::create_options::{CreateOptions, OptionsForm};
use super::signin::SigningIn;
use super::{Effect, State, Task, Ticket};
use crate::instance::Instance;
use crate::provision::{Choice, Discovery, Failure, Kind, Outcome, Request, Stage};
use crate::strings::create_wizard as text;
use crate::token::Token;

/// How the person authorizes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// The browser device flow (scope `api`), revoked at the end.
    Browser,
    /// A token of their own, pasted (masked).
    Paste,
    /// Their saved browser sign-in on this host (this keychain account), used as is.
    Stored(String),
}

/// Where the credential in hand came from.
#[derive(Debug)]
pub enum Source {
    /// A one-time browser sign-in: both tokens are revoked at the end.
    Browser {
        app_id: String,
        refresh: Token,
    },
    Pasted,
    Stored(String),
}

/// The person's own credential, for this run only (zeroized on drop, never stored).
#[derive(Debug)]
pub struct Authority {
    pub token: Token,
    pub source: Source,
}

/// Where "Create it for me" is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Choosing how to authorize.
    Authorize,
    /// Typing or pasting a token of one's own.
    Pasting,
    /// The browser sign-in screen (its own state machine, in `Creating::signin`).
    SigningIn,
    /// Reading the saved sign-in, then finding out what is possible.
    Discovering,
    /// The plan: what will be created, the alternatives and why not.
    Plan,
    /// The plan's options (`o`), in `Creating::form`.
    Options,
    /// `provision::execute` runs: irreversible, never abandoned.
    Executing,
    /// What was created (or where it stopped).
    Finished,
    /// Esc on the authorize screen with a browser sign-in in hand: revoking it, then back.
    Leaving,
}

/// Messages for "Create it for me", from the runtime.
pub enum CreateMsg {
    /// The saved sign-in's access token (refreshed when needed), or why not.
    OwnerLoaded(Ticket, Result<Token, String>),
    Discovered(Ticket, Result<Box<Discovery>, String>),
    Stage(Ticket, Stage),
    Executed(Ticket, Result<Box<Outcome>, Box<Failure>>),
    /// The one-time browser sign-in was revoked (or why not).
    Revoked(Ticket, Result<(), String>),
}

/// Work for the runtime.
#[derive(Debug)]
pub enum CreateEffect {
    /// Read the saved sign-in `account` (refreshing it when it is about to expire).
    LoadOwner { ticket: Ticket, account: String },
    Discover {
        ticket: Ticket,
        request: Box<Request>,
        owner: Token,
    },
    Execute {
        ticket: Ticket,
        request: Box<Request>,
        discovery: Box<Discovery>,
        kind: Kind,
        owner: Token,
    },
    /// Revoke the one-time browser sign-in (`POST /oauth/revoke`, access and refresh token).
    Revoke {
        ticket: Ticket,
        instance: Instance,
        ca_file: Option<PathBuf>,
        app_id: String,
        tokens: Vec<Token>,
    },
}

/// "Create it for me" in progress: one `Option` field of `State`.
pub struct Creating {
    pub phase: Phase,
    pub targets: Vec<String>,
    pub methods: Vec<Method>,
    pub cursor: usize,
    /// The pasted token, zeroized when replaced or dropped.
    pub paste: Zeroizing<String>,
    pub signin: Option<SigningIn>,
    pub authority: Option<Authority>,
    pub load: Task<()>,
    pub discovery: Task<Result<Box<Discovery>, String>>,
    pub request: Option<Request>,
    pub choice: Option<Choice>,
    /// The kind the plan will create (the best one, or another possible one picked).
    pub kind: Option<Kind>,
    pub execution: Task<Result<Box<Outcome>, Box<Failure>>>,
    pub stage: Option<Stage>,
    /// The stages passed so far, for the progress list.
    pub passed: Vec<Stage>,
    pub revoke: Task<Result<(), String>>,
    /// A pasted credential was dropped (zeroized) after use.
    pub dropped: bool,
    /// The saved sign-in used (it stays saved, unchanged).
    pub kept: Option<String>,
    /// A message on the authorize screen (a saved sign-in that could not be read, …).
    pub error: Option<String>,
    /// The options in force (`o` on the plan), as `create`'s flags.
    pub options: CreateOptions,
    /// The options form while it is open.
    pub form: Option<OptionsForm>,
}

impl Creating {
    /// The possible kinds, best first.
    pub fn possible(&self) -> Vec<Kind> {
        self.choice
            .iter()
            .flat_map(|c| &c.options)
            .filter(|c| c.verdict.is_ok())
            .map(|c| c.kind)
            .collect()
    }

    pub fn discovered(&self) -> Option<&Discovery> {
        self.discovery.result.as_ref()?.as_ref().ok().map(|d| &**d)
    }

    /// The stored outcome, once creation succeeded.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.execution.result.as_ref()?.as_ref().ok().map(|o| &**o)
    }

    pub fn running(&self) -> bool {
        self.load.running()
            || self.discovery.running()
            || self.execution.running()
            || self.revoke.running()
            || self.signin.as_ref().is_some_and(SigningIn::starting)
    }
}

/// The targets typed on the owner step: paths separated by commas or spaces.
pub fn parse_targets(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in text.split([',', ' ', '\t']) {
        let t = t.trim().trim_matches('/');
        if !t.is_empty() && !out.iter().any(|o| o == t) {
            out.push(t.to_owned());
        }
    }
    out
}

impl State {
    /// The owner step's "Create it for me": opens the authorize screen for the typed targets.
    pub(crate) fn begin_creating(&mut self) -> Vec<Effect> {
        let targets = parse_targets(self.target_input.value());
        if targets.is_empty() {
            self.owner_error = Some(text::TARGETS_NEEDED.into());
            return Vec::new();
        }
        let mut methods = vec![Method::Browser, Method::Paste];
        methods.extend(self.stored_sign_ins().into_iter().map(Method::Stored));
        self.creating = Some(Creating {
            phase: Phase::Authorize,
            targets,
            methods,
            cursor: 0,
            paste: Zeroizing::new(String::with_capacity(512)),
            signin: None,
            authority: None,
            load: Task::default(),
            discovery: Task::default(),
            request: None,
            choice: None,
            kind: None,
            execution: Task::default(),
            stage: None,
            passed: Vec::new(),
            revoke: Task::default(),
            dropped: false,
            kept: None,
            error: None,
            options: CreateOptions::default(),
            form: None,
        });
        Vec::new()
    }

    /// The person's saved browser sign-ins on this host that may create things (scope `api`).
    pub fn stored_sign_ins(&self) -> Vec<String> {
        let Some(host) = self.instance.as_ref().map(Instance::key) else {
            return Vec::new();
        };
        self.existing
            .stored
            .iter()
            .filter(|e| e.host == host && e.is_oauth())
            .filter(|e| !e.oauth.as_ref().is_some_and(|o| o.needs_sign_in))
            .filter(|e| e.scopes.iter().any(|s| s == "api"))
            .map(|e| e.account.clone())
            .collect()
    }

    /// What is asked of `provision`, from the wizard's choices so far.
    pub fn create_request(&self) -> Option<Request> {
        let c = self.creating.as_ref()?;
        Some(Request {
            instance: self.instance.clone()?,
            ca_file: self.ca_file.clone(),
            profile: self.profile.clone()?,
            targets: c.targets.clone(),
            kind: None,
            service_account: c.options.service_account.clone(),
            expires_in_days: self.expiry_days,
            self_rotate: c.options.self_rotate,
            raise_role: c.options.raise_role,
            name: self.name.clone(),
            store: self.store.kind,
            // The person answered "replace it" for this NAME@HOST (the same question as saving).
            replace_existing: self.existing.replace_ok.is_some()
                && self.existing.replace_ok == self.account(),
        })
    }

    /// Enter on the authorize screen: start the chosen way.
    pub(crate) fn authorize(&mut self) -> Vec<Effect> {
        let (instance, ca_file, app_id) = (
            self.instance.clone(),
            self.ca_file.clone(),
            self.app_id_for_host(),
        );
        let ticket = self.next_ticket();
        let Some(c) = self.creating.as_mut() else {
            return Vec::new();
        };
        c.error = None;
        match c.methods.get(c.cursor).cloned() {
            Some(Method::Browser) => {
                let Some(instance) = instance else {
                    return Vec::new();
                };
                let mut signin = SigningIn::for_owner_authorization(instance, ca_file, app_id);
                let effects = if signin.app_id.is_some() {
                    signin.start(ticket)
                } else {
                    Vec::new()
                };
                c.signin = Some(signin);
                c.phase = Phase::SigningIn;
                effects.into_iter().map(Effect::Signin).collect()
            }
            Some(Method::Paste) => {
                c.paste.clear();
                c.phase = Phase::Pasting;
                Vec::new()
            }
            Some(Method::Stored(account)) => {
                c.load.start(ticket);
                c.phase = Phase::Discovering;
                vec![Effect::Create(CreateEffect::LoadOwner { ticket, account })]
            }
            None => Vec::new(),
        }
    }

    /// Enter on the paste field: the pasted token becomes the authority, then discovery.
    pub(crate) fn use_pasted(&mut self) -> Vec<Effect> {
        let Some(c) = self.creating.as_mut() else {
            return Vec::new();
        };
        let trimmed = Token::new(c.paste.trim().to_owned());
        c.paste.clear();
        if trimmed.is_empty() {
            c.error = Some(text::PASTE_FIRST.into());
            return Vec::new();
        }
        c.authority = Some(Authority {
            token: trimmed,
            source: Source::Pasted,
        });
        self.discover()
    }

    /// Finds out what is possible with the credential in hand.
    pub(crate) fn discover(&mut self) -> Vec<Effect> {
        let request = self.create_request();
        let ticket = self.next_ticket();
        let Some(c) = self.creating.as_mut() else {
            return Vec::new();
        };
        let (Some(request), Some(owner)) = (request, c.authority.as_ref().map(|a| a.token.clone()))
        else {
            return Vec::new();
        };
        c.phase = Phase::Discovering;
        c.discovery.start(ticket);
        c.choice = None;
        c.kind = None;
        c.request = Some(request.clone());
        vec![Effect::Create(CreateEffect::Discover {
            ticket,
            request: Box::new(request),
            owner,
        })]
    }

    /// Enter on the plan: create the chosen kind.
    /// Would creating replace a token under NAME@HOST that `create` did not make for this
    /// account, without the person's "replace it"? (`provision` refuses that: `name_taken`.)
    pub fn create_needs_consent(&self) -> bool {
        let (Some(c), Some(request)) = (self.creating.as_ref(), self.create_request()) else {
            return false;
        };
        let (Some(discovery), Some(kind)) = (c.discovered(), c.kind) else {
            return false;
        };
        !request.replace_existing
            && crate::provision::name_taken(&request, self.clash(), discovery, kind)
    }

    /// What an earlier run made under the plan's name for the chosen kind: the plan then says
    /// the account and token are reused, not created.
    pub fn create_reuses(&self) -> Option<&crate::provision::Provisioned> {
        let c = self.creating.as_ref()?;
        let (discovery, kind) = (c.discovered()?, c.kind?);
        crate::provision::made_before(self.clash(), discovery, kind)
    }

    /// Enter on the plan (or `r` after a failure): create, unless that would replace a token
    /// the person has not agreed to replace; then ask first (the save step's question).
    pub(crate) fn create_or_ask(&mut self) -> Vec<Effect> {
        if self.create_needs_consent() {
            self.existing.asking = true;
            return Vec::new();
        }
        self.execute_plan()
    }

    pub(crate) fn execute_plan(&mut self) -> Vec<Effect> {
        // Asked afresh: a store picked on the plan screen (`s`) is the one used.
        let request = self.create_request();
        let ticket = self.next_ticket();
        let Some(c) = self.creating.as_mut() else {
            return Vec::new();
        };
        c.request.clone_from(&request);
        let (Some(request), Some(discovery), Some(kind), Some(owner)) = (
            request,
            c.discovered().cloned(),
            c.kind,
            c.authority.as_ref().map(|a| a.token.clone()),
        ) else {
            return Vec::new();
        };
        c.phase = Phase::Executing;
        c.execution.start(ticket);
        c.stage = None;
        c.passed.clear();
        vec![Effect::Create(CreateEffect::Execute {
            ticket,
            request: Box::new(request),
            discovery: Box::new(discovery),
            kind,
            owner,
        })]
    }
}
