//! "Create it for me", continued: the runtime's answers (stale tickets dropped), the owner's
//! browser sign-in approved, and giving the credential up (dropped, or revoked) when leaving. Pure.

use super::create::{Authority, CreateEffect, CreateMsg, Creating, Method, Phase, Source};
use super::signin::SigninMsg;
use super::{Effect, State, Step};
use crate::provision::{self, Outcome};

impl State {
    /// Drops the credential in hand; a browser sign-in is revoked (tracked, so quitting waits).
    pub(crate) fn release_authority(&mut self) -> Vec<Effect> {
        let (instance, ca_file) = (self.instance.clone(), self.ca_file.clone());
        let ticket = self.next_ticket();
        let Some(c) = self.creating.as_mut() else {
            return Vec::new();
        };
        match c.authority.take() {
            Some(Authority {
                token,
                source: Source::Browser { app_id, refresh },
            }) => {
                let Some(instance) = instance else {
                    return Vec::new();
                };
                c.revoke.start(ticket);
                vec![Effect::Create(CreateEffect::Revoke {
                    ticket,
                    instance,
                    ca_file,
                    app_id,
                    tokens: vec![token, refresh],
                })]
            }
            Some(Authority {
                source: Source::Stored(account),
                ..
            }) => {
                c.kept = Some(account);
                Vec::new()
            }
            Some(_) => {
                c.dropped = true;
                Vec::new()
            }
            None => Vec::new(),
        }
    }

    /// Leaves "Create it for me" for the owner step (after revoking a sign-in in hand).
    pub(crate) fn leave_creating(&mut self) -> Vec<Effect> {
        let Some(c) = self.creating.as_mut() else {
            return Vec::new();
        };
        let cancel: Vec<Effect> = c
            .signin
            .take()
            .map(|mut s| s.cancel())
            .unwrap_or_default()
            .into_iter()
            .map(Effect::Signin)
            .collect();
        let mut effects = cancel;
        effects.extend(self.release_authority());
        let revoking = self.creating.as_ref().is_some_and(|c| c.revoke.running());
        if revoking {
            if let Some(c) = self.creating.as_mut() {
                c.phase = Phase::Leaving;
            }
        } else {
            self.creating = None;
            self.step = Step::Owner;
        }
        effects
    }

    /// `g` when nothing is possible: the guided path for a service account, from the role step.
    pub(crate) fn guide_instead(&mut self) -> Vec<Effect> {
        let effects = self.leave_creating();
        self.create_for_me = false;
        // The guided path starts where the account is made: the owner step's guide, its
        // service-accounts page (the account does not exist yet, so no role can be granted).
        if self.creating.is_none() {
            self.step = Step::Owner;
        }
        effects
    }

    /// A result of "Create it for me"'s work; stale ones (another ticket) change nothing.
    pub(super) fn on_create(&mut self, msg: CreateMsg) -> Vec<Effect> {
        let Some(c) = self.creating.as_mut() else {
            self.dirty = false;
            return Vec::new();
        };
        match msg {
            CreateMsg::OwnerLoaded(ticket, result) => {
                if !c.load.finish(ticket, ()) {
                    self.dirty = false;
                    return Vec::new();
                }
                let account = match c.methods.get(c.cursor) {
                    Some(Method::Stored(a)) => a.clone(),
                    _ => String::new(),
                };
                match result {
                    Ok(token) => {
                        c.authority = Some(Authority {
                            token,
                            source: Source::Stored(account),
                        });
                        return self.discover();
                    }
                    Err(e) => {
                        c.error = Some(e);
                        c.phase = Phase::Authorize;
                    }
                }
            }
            CreateMsg::Discovered(ticket, result) => {
                let request = c.request.clone();
                if !c.discovery.finish(ticket, result) {
                    self.dirty = false;
                    return Vec::new();
                }
                c.phase = Phase::Plan;
                if let (Some(request), Some(d)) = (request, c.discovered()) {
                    let choice = provision::choose(&request, d);
                    c.kind = choice.best;
                    c.choice = Some(choice);
                }
            }
            CreateMsg::Stage(ticket, stage) => {
                if c.execution.ticket != Some(ticket) || !c.execution.running() {
                    self.dirty = false;
                    return Vec::new();
                }
                if let Some(previous) = c.stage.replace(stage) {
                    c.passed.push(previous);
                }
            }
            CreateMsg::Executed(ticket, result) => {
                let ok = result.is_ok();
                if !c.execution.finish(ticket, result) {
                    self.dirty = false;
                    return Vec::new();
                }
                if let Some(last) = c.stage.take() {
                    c.passed.push(last);
                }
                c.phase = Phase::Finished;
                // Done: the one-time sign-in is revoked now. After a failure it is kept for a
                // retry (`r`), and revoked when leaving or quitting.
                if ok || self.guard.quit_after {
                    return self.release_authority();
                }
            }
            CreateMsg::Revoked(ticket, result) => {
                if !c.revoke.finish(ticket, result) {
                    self.dirty = false;
                    return Vec::new();
                }
                if c.phase == Phase::Leaving {
                    self.creating = None;
                    self.step = Step::Owner;
                }
            }
        }
        Vec::new()
    }

    /// The browser sign-in's messages while it authorizes "Create it for me": on approval the
    /// pair is taken (never saved) and discovery starts.
    pub(super) fn on_create_signin(&mut self, msg: SigninMsg) -> Vec<Effect> {
        let Some(c) = self.creating.as_mut() else {
            return Vec::new();
        };
        let Some(signin) = c.signin.as_mut() else {
            self.dirty = false;
            return Vec::new();
        };
        if !signin.on_msg(msg) {
            self.dirty = false;
            return Vec::new();
        }
        let app_id = signin.app_id.clone().unwrap_or_default();
        if let Some(pair) = signin.take_pair() {
            let pair = *pair;
            c.signin = None;
            c.authority = Some(Authority {
                token: pair.access.clone(),
                source: Source::Browser {
                    app_id,
                    refresh: pair.refresh.clone(),
                },
            });
            return self.discover();
        }
        Vec::new()
    }

    /// "Create it for me" holds irreversible work: the creation, or the revocation of a sign-in.
    pub fn creating_in_flight(&self) -> bool {
        self.creating
            .as_ref()
            .is_some_and(|c| c.execution.running() || c.revoke.running())
    }

    /// The creation ended with a stored token.
    pub fn created(&self) -> Option<&Outcome> {
        self.creating.as_ref().and_then(Creating::outcome)
    }
}
impl State {
    /// Before quitting: a one-time browser sign-in in hand is revoked (quitting waits for it);
    /// a pasted or saved credential is simply dropped. Never while the creation runs: it uses it.
    pub(crate) fn release_for_quit(&mut self) -> Vec<Effect> {
        let busy = self
            .creating
            .as_ref()
            .is_some_and(|c| c.execution.running());
        if busy {
            return Vec::new();
        }
        self.release_authority()
    }
}
