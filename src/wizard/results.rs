//! Results of the runtime's work, accepted only when their ticket is current.

use super::{Effect, Msg, State, Step};
use crate::strings::wizard as text;

pub(super) fn on_result(state: &mut State, msg: Msg) -> Vec<Effect> {
    let mut effects = Vec::new();
    let accepted = match msg {
        Msg::ProbeStage(ticket, stage) => {
            let current = state.probe.ticket == Some(ticket) && state.probe.running();
            if current {
                state.probe_stages.push(stage);
            }
            current
        }
        Msg::ProbeDone(ticket, report) => {
            let stages = report.stages.clone();
            let accepted = state.probe.finish(ticket, report);
            if accepted {
                state.probe_stages = stages;
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
                state.step = Step::Done;
                // A replaced token (guided rotation) keeps its sinks: they get the new value,
                // as after `gitlab-token rotate --replace`.
                let has_sinks = state.sinks.iter().any(|(a, _)| *a == account);
                if state.replacing.is_some() && has_sinks {
                    state.notice = Some(text::DELIVERING.into());
                    effects.push(Effect::DeliverSinks { account });
                }
            }
            accepted
        }
        Msg::SinksDelivered(result) => {
            state.notice = Some(text::sinks_delivered(&result));
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
        Msg::Rotated(ticket, report) => {
            let notice = text::rotated(&report);
            let account = report.account.clone();
            let ok = report.ok;
            let accepted = state.auto_rotation.finish(ticket, *report);
            if accepted {
                state.notice = Some(notice);
                state.guard.stage = None;
                if ok {
                    state.expiring.retain(|(e, _)| e.account != account);
                    let last = state.expiring.len().saturating_sub(1);
                    state.guard.expiring_cursor = state.guard.expiring_cursor.min(last);
                }
            }
            accepted
        }
        Msg::RotationStage(ticket, stage) => {
            let current =
                state.auto_rotation.ticket == Some(ticket) && state.auto_rotation.running();
            if current {
                state.guard.stage = Some((ticket, stage));
                state.notice = Some(crate::strings::safety::rotation_stage(
                    &report_account(state),
                    stage,
                ));
            }
            current
        }
        Msg::StoreProbed(ticket, result) => state.store.probe.finish(ticket, result),
        Msg::GitSetUp(ticket, result) => state.git_setup.finish(ticket, result),
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

/// The account the running rotation is for.
fn report_account(state: &State) -> String {
    state.guard.rotating_account.clone().unwrap_or_default()
}
