//! Results of the runtime's work, accepted only when their ticket is current.

use super::{Effect, Msg, State};
use crate::strings::wizard as text;

pub(super) fn on_result(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut effects = Vec::new();
    let accepted = match msg {
        Msg::ProbeStage(ticket, stage) => state.on_probe_stage(ticket, stage),
        Msg::ProbeDone(ticket, report) => {
            let accepted = state.on_probe_done(ticket, report);
            if accepted && std::mem::take(&mut state.reach.enter_pending) {
                // The Enter pressed during the check, as if pressed now.
                effects = super::keys::press_enter(state);
            }
            accepted
        }
        Msg::Validated(ticket, validation, at) => {
            let accepted = state.validation.finish(ticket, *validation);
            if accepted {
                state.validated_at = Some(at);
            }
            accepted
        }
        Msg::Saved(ticket, result) => {
            let account = result.as_ref().ok().map(|s| s.account.clone());
            let accepted = state.save.finish(ticket, result);
            if let Some(account) = account.filter(|_| accepted) {
                effects = state.saved_as(account);
            }
            accepted
        }
        Msg::SinksDelivered(result) => {
            state.notice = Some(text::sinks_delivered(&result));
            state.done.delivered = Some(result);
            true
        }
        Msg::BrowserOpened(result) => {
            state.notice = Some(match result {
                Ok(()) => text::BROWSER_OPENED.into(),
                Err(e) => text::browser_failed(&e),
            });
            true
        }
        Msg::OldLoaded(ticket, result) => {
            let result = result.map_err(|e| crate::strings::vault::problem(&e).message);
            state
                .replacing
                .as_mut()
                .is_some_and(|r| r.old.finish(ticket, result))
        }
        Msg::OldRevoked(ticket, result) => state
            .replacing
            .as_mut()
            .is_some_and(|r| r.revoke.finish(ticket, result)),
        Msg::Rotated(ticket, report) => state.on_rotated(ticket, *report),
        Msg::RotationStage(ticket, stage) => state.on_rotation_stage(ticket, stage),
        Msg::StoreProbed(ticket, result) => state.store.probe.finish(ticket, result),
        Msg::GitSetUp(ticket, result) => state.done.git_setup.finish(ticket, result),
        Msg::Key(_)
        | Msg::Paste(_)
        | Msg::Resize
        | Msg::Drawn(_)
        | Msg::Tick
        | Msg::Second
        | Msg::Signal
        | Msg::Signin(_)
        | Msg::Create(_) => false,
    };
    if !accepted {
        state.dirty = false;
    }
    effects
}
