//! Key and paste handling, step by step. Pure: it changes the state and returns effects.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use tui_input::backend::crossterm::EventHandler;
use zeroize::Zeroizing;

use super::{CustomPick, Effect, HostChoice, Owner, State, Step};
use crate::gitlab::access::{Role, SCOPES};
use crate::gitlab::links::Place;
use crate::instance::Instance;
use crate::strings::wizard as text;
use crate::token::Token;

pub(super) fn on_key(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if key.kind == KeyEventKind::Release {
        state.dirty = false;
        return Vec::new();
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let ctrl_c = ctrl && key.code == KeyCode::Char('c');
    if state.guard.confirm_rotate.is_some() {
        let yes = matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y'));
        return state.answer_rotate(yes && !ctrl);
    }
    if state.confirm_quit {
        return match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => quit(state),
            // A second Ctrl-C quits, as users expect (never during an irreversible step).
            _ if ctrl_c && state.in_flight() => state.quit_when_finished(),
            _ if ctrl_c => quit(state),
            _ => {
                state.confirm_quit = false;
                Vec::new()
            }
        };
    }
    if state.guard.quit_after {
        // Quitting once the irreversible step ends: only quit keys mean something now.
        return match key.code {
            KeyCode::Char('q') | KeyCode::Esc => state.quit_when_finished(),
            _ if ctrl_c => state.quit_when_finished(),
            _ => ignored(state),
        };
    }
    if ctrl_c {
        return request_quit(state);
    }
    if state.help_open {
        // Any key closes the help and does nothing else.
        state.help_open = false;
        return Vec::new();
    }
    if key.code == KeyCode::Char('?') && state.may_open_help() {
        state.help_open = true;
        return Vec::new();
    }
    if state.creating.is_some() {
        if let Some(effects) = state.existing_key(key) {
            return effects;
        }
        if let Some(effects) = state.store_key(key) {
            return effects;
        }
        if key.code == KeyCode::Char('s') && !ctrl && state.may_choose_store() {
            return state.open_store_choice();
        }
        // The plan and the end scroll (PgDn / PgUp), as the wizard's long steps do.
        if let Some(effects) = super::scroll::key(state, key) {
            return effects;
        }
        return state.create_key(key);
    }
    if let Some(effects) = state.existing_key(key) {
        return effects;
    }
    if let Some(effects) = state.store_key(key) {
        return effects;
    }
    if key.code == KeyCode::Char('s')
        && !ctrl
        && state.may_choose_store()
        && !state.on_signin_screen()
    {
        return state.open_store_choice();
    }
    if !state.in_flight() {
        state.notice = None;
    }
    if state.on_signin_screen() {
        return state.signin_key(key);
    }
    if let Some(effects) = super::scroll::key(state, key) {
        return effects;
    }
    match state.step {
        Step::Profile => profile(state, key),
        Step::Host => host(state, key),
        Step::Reachability => reachability(state, key),
        Step::Owner => owner(state, key),
        Step::Role => role(state, key),
        Step::Generate => generate(state, key),
        Step::Paste => paste(state, key),
        Step::Validate => validate(state, key),
        Step::Save => save(state, key),
        Step::Done => match key.code {
            _ if state.handover_key_applies(key) => state.handover_key(key).unwrap_or_default(),
            KeyCode::Char('r') if state.replacing.is_some() => state.revoke_old(),
            KeyCode::Char('g') => state.setup_git(),
            KeyCode::Enter | KeyCode::Char('q') | KeyCode::Esc => request_quit(state),
            _ => ignored(state),
        },
    }
}

pub(super) fn on_paste(state: &mut State, token: Token) -> Vec<Effect> {
    if state.creating.is_some() {
        state.create_paste(token);
        return Vec::new();
    }
    match state.step {
        Step::Paste => {
            state.secret.clear();
            state.secret.push_str(token.expose());
            // Said at once, under the field: Enter will refuse it too.
            state.notice = token.format_problem().map(text::not_a_token);
        }
        Step::Host => {
            state.host.choice = HostChoice::SelfHosted;
            state.host.input = tui_input::Input::new(token.expose().trim().to_owned());
        }
        Step::Owner => state.target_input = tui_input::Input::new(token.expose().trim().to_owned()),
        Step::Reachability if state.reach.ca_prompt.is_some() => {
            state.paste_ca_path(token.expose())
        }
        _ => state.dirty = false,
    }
    Vec::new()
}

impl State {
    /// `?` opens the help, except where a field takes any character (a CA file's path, a
    /// token's new name) or a question waits for its answer.
    pub fn may_open_help(&self) -> bool {
        self.existing.rename.is_none()
            && !self.existing.asking
            && self.reach.ca_prompt.is_none()
            && self.store.choosing.is_none()
            && self.guard.confirm_rotate.is_none()
            && !self.confirm_quit
    }
}

fn ignored(state: &mut State) -> Vec<Effect> {
    state.dirty = false;
    Vec::new()
}

fn quit(state: &mut State) -> Vec<Effect> {
    // A one-time sign-in in hand ("Create it for me") is revoked first; quitting waits for it.
    let revoking = state.release_for_quit();
    if state.in_flight() {
        // Quitting was decided (asked first when a token would be lost): not asked again.
        state.secret.clear();
        let mut effects = state.quit_when_finished();
        effects.extend(revoking);
        return effects;
    }
    state.quit = true;
    vec![Effect::Quit]
}

pub(super) fn request_quit(state: &mut State) -> Vec<Effect> {
    if state.in_flight() {
        state.quit_when_finished()
    } else if state.has_unsaved_token() {
        state.confirm_quit = true;
        Vec::new()
    } else {
        quit(state)
    }
}

fn profile(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if state.pick.custom.is_some() {
        return custom(state, key);
    }
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => state.pick.cursor = state.pick.cursor.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => {
            // The last row, after the profiles, is "Check my instance".
            state.pick.cursor = (state.pick.cursor + 1).min(state.pick.profiles.len())
        }
        KeyCode::Enter if state.pick.cursor == state.pick.profiles.len() => {
            state.check_only = true;
            state.profile = None;
            state.step = Step::Host;
        }
        KeyCode::Enter => {
            let Some(chosen) = state.pick.profiles.get(state.pick.cursor).cloned() else {
                return ignored(state);
            };
            state.check_only = false;
            if chosen.custom {
                state.pick.custom = Some(CustomPick::new());
            } else {
                state.choose_profile(chosen);
            }
        }
        KeyCode::Char('a') if state.auto_rotatable().is_some() => return state.ask_rotate(),
        KeyCode::Char('r')
            if !state.rotation.expiring.is_empty() && !state.rotation.task.running() =>
        {
            let Some(entry) = state.chosen_expiring().cloned() else {
                return ignored(state);
            };
            return state.begin_replacing(entry);
        }
        KeyCode::Tab if state.rotation.expiring.len() > 1 => state.next_expiring(),
        KeyCode::Char('q') | KeyCode::Esc => return request_quit(state),
        _ => return ignored(state),
    }
    Vec::new()
}

fn custom(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let Some(pick) = state.pick.custom.as_mut() else {
        return Vec::new();
    };
    let rows = SCOPES.len() + 1;
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => pick.cursor = pick.cursor.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => pick.cursor = (pick.cursor + 1).min(rows - 1),
        KeyCode::Char(' ') if pick.cursor < SCOPES.len() => {
            pick.selected[pick.cursor] = !pick.selected[pick.cursor];
            pick.error = None;
        }
        KeyCode::Left | KeyCode::Right | KeyCode::Char(' ') if pick.cursor == SCOPES.len() => {
            let i = Role::ALL.iter().position(|r| *r == pick.role).unwrap_or(2);
            let next = if key.code == KeyCode::Left {
                i.saturating_sub(1)
            } else {
                (i + 1) % Role::ALL.len()
            };
            pick.role = Role::ALL[next];
        }
        KeyCode::Enter => {
            let scopes: Vec<&str> = SCOPES
                .iter()
                .zip(&pick.selected)
                .filter(|(_, on)| **on)
                .map(|(s, _)| s.name)
                .collect();
            if scopes.is_empty() {
                pick.error = Some(text::PICK_A_SCOPE.into());
                return Vec::new();
            }
            let chosen = state.pick.profiles[state.pick.cursor].customised(&scopes, pick.role);
            state.choose_profile(chosen);
        }
        KeyCode::Esc => state.pick.custom = None,
        _ => return ignored(state),
    }
    Vec::new()
}

fn host(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Up | KeyCode::Down | KeyCode::Tab | KeyCode::BackTab => {
            state.host.choice = match state.host.choice {
                HostChoice::GitLabCom => HostChoice::SelfHosted,
                HostChoice::SelfHosted => HostChoice::GitLabCom,
            };
            state.host.error = None;
        }
        KeyCode::Enter => return state.submit_host(),
        KeyCode::Esc => state.back_to_profile(),
        _ => {
            let before = state.host.input.value().len();
            state.host.input.handle_event(&Event::Key(key));
            if state.host.input.value().len() != before {
                state.host.choice = HostChoice::SelfHosted;
            }
            state.host.error = None;
        }
    }
    Vec::new()
}

fn open_link(state: &mut State) -> Vec<Effect> {
    match state.link() {
        Some(url) => vec![Effect::OpenUrl(url)],
        None => ignored(state),
    }
}

/// Enter, as the key handler takes it (the reachability check's Enter kept until it ended).
pub(super) fn press_enter(state: &mut State) -> Vec<Effect> {
    on_key(state, KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE))
}

fn reachability(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if state.reach.ca_prompt.is_some() {
        return state.ca_prompt_key(key);
    }
    let done_ok = state.reach.probe.result.as_ref().is_some_and(|r| r.ok);
    match key.code {
        // A hurried Enter during the check is kept, not lost: it goes on once the check passes
        // (or says what to fix when it fails).
        KeyCode::Enter if state.reach.probe.running() => state.reach.enter_pending = true,
        KeyCode::Char('f') if state.ca_prompt_offered() => state.open_ca_prompt(),
        KeyCode::Enter if state.check_only && state.reach.probe.result.is_some() => {
            return quit(state);
        }
        KeyCode::Enter if done_ok => state.step = Step::Owner,
        KeyCode::Enter if state.reach.probe.result.is_some() => {
            state.notice = Some(text::FIX_FIRST.into())
        }
        KeyCode::Char('r') if !state.reach.probe.running() => return state.start_probe(),
        KeyCode::Esc => {
            state.reach.probe.cancel();
            state.reach.enter_pending = false;
            state.step = Step::Host;
        }
        KeyCode::Char('q') => return request_quit(state),
        _ => return ignored(state),
    }
    Vec::new()
}

fn owner(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Up | KeyCode::Down | KeyCode::Tab | KeyCode::BackTab => {
            let back = matches!(key.code, KeyCode::Up | KeyCode::BackTab);
            state.owner = match (state.owner, back) {
                (Owner::ServiceAccount, false) | (Owner::Browser, true) => Owner::Personal,
                (Owner::Personal, false) | (Owner::ServiceAccount, true) => Owner::Browser,
                (Owner::Browser, false) | (Owner::Personal, true) => Owner::ServiceAccount,
            };
            state.owner_error = None;
        }
        KeyCode::Left | KeyCode::Right if state.owner == Owner::ServiceAccount => {
            state.create_for_me = !state.create_for_me;
            state.owner_error = None;
        }
        KeyCode::Char('o') if ctrl => return open_link(state),
        KeyCode::Enter if state.owner == Owner::ServiceAccount && state.create_for_me => {
            return state.begin_creating();
        }
        KeyCode::Enter => {
            let needs_group = state.owner == Owner::ServiceAccount
                && state.instance.as_ref().is_some_and(Instance::is_gitlab_com);
            if needs_group && state.target().is_none() {
                state.owner_error = Some(text::GROUP_NEEDED.into());
            } else {
                state.step = Step::Role;
            }
        }
        KeyCode::Esc => state.step = Step::Reachability,
        _ => {
            state.target_input.handle_event(&Event::Key(key));
            state.owner_error = None;
        }
    }
    Vec::new()
}

fn role(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    match key.code {
        KeyCode::Char('t') if state.place_choice().is_some() => {
            state.target_place = match state.target_place {
                Place::Group => Place::Project,
                Place::Project => Place::Group,
            }
        }
        KeyCode::Enter if state.owner == Owner::Browser => return state.begin_signin(),
        KeyCode::Enter => state.step = Step::Generate,
        KeyCode::Char('o') => return open_link(state),
        KeyCode::Char('c') => return state.copy_link(),
        KeyCode::Esc => state.step = Step::Owner,
        KeyCode::Char('q') => return request_quit(state),
        _ => return ignored(state),
    }
    Vec::new()
}

fn generate(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if let Some(effects) = super::kind::key(state, key) {
        return effects;
    }
    match key.code {
        KeyCode::Enter => state.step = Step::Paste,
        KeyCode::Char('o') => return open_link(state),
        KeyCode::Char('b') => match state.link_before_18_9() {
            Some(url) => return vec![Effect::OpenUrl(url)],
            None => return ignored(state),
        },
        KeyCode::Char('c') => return state.copy_link(),
        KeyCode::Char('+') | KeyCode::Right => {
            state.expiry_days = super::ux::step_expiry(state.expiry_days, true)
        }
        KeyCode::Char('-') | KeyCode::Left => {
            state.expiry_days = super::ux::step_expiry(state.expiry_days, false)
        }
        KeyCode::Esc => state.step = Step::Role,
        KeyCode::Char('q') => return request_quit(state),
        _ => return ignored(state),
    }
    Vec::new()
}

fn paste(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    match key.code {
        KeyCode::Enter => {
            let trimmed = Zeroizing::new(state.secret.trim().to_owned());
            state.secret.clear();
            state.secret.push_str(&trimmed);
            if state.secret.is_empty() {
                state.notice = Some(text::PASTE_FIRST.into());
            } else if let Some(problem) = state.token().format_problem() {
                // Refused here with one message, never sent (issue 21.14: `hello world` or a
                // paste with a line break inside was reported three times on the next step).
                state.notice = Some(text::not_a_token(problem));
            } else if state.pasted_the_old_token() {
                state.notice = Some(text::SAME_AS_OLD.into());
            } else {
                return state.start_validation();
            }
        }
        KeyCode::Char('u') if ctrl => state.secret.clear(),
        KeyCode::Char('n') if ctrl => state.begin_rename(),
        KeyCode::Char(c) if !ctrl => state.secret.push(c),
        KeyCode::Backspace => {
            state.secret.pop();
        }
        KeyCode::Esc => state.step = Step::Generate,
        _ => return ignored(state),
    }
    Vec::new()
}

fn validate(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    let ok = state.validation.result.as_ref().map(|v| v.ok());
    if state.owner == Owner::Browser {
        // An approved sign-in is not dropped by a key: only a failed one is left (Enter signs in
        // again, Esc goes back to the role step).
        match (key.code, ok) {
            (KeyCode::Enter, Some(false)) => return state.begin_signin(),
            (KeyCode::Esc, Some(false)) => return state.end_signin(),
            (KeyCode::Esc, _) | (KeyCode::Enter, None) => return ignored(state),
            _ => {}
        }
    }
    match (key.code, ok) {
        (KeyCode::Enter, Some(true)) => return state.save_or_ask(),
        (KeyCode::Char('n'), _) if ctrl => state.begin_rename(),
        (KeyCode::Enter, Some(false)) => {
            state.secret.clear();
            state.validation.cancel();
            state.step = Step::Paste;
        }
        (KeyCode::Char('r'), Some(_)) => return state.start_validation(),
        (KeyCode::Esc, _) => {
            state.validation.cancel();
            state.step = Step::Paste;
        }
        (KeyCode::Char('q'), _) => return request_quit(state),
        _ => return ignored(state),
    }
    Vec::new()
}

fn save(state: &mut State, key: KeyEvent) -> Vec<Effect> {
    if state.owner == Owner::Browser && matches!(state.save.result, Some(Err(_))) {
        // A sign-in that could not be kept was revoked on GitLab: never save it again; sign in
        // anew (`r`) or go back (Esc).
        match key.code {
            KeyCode::Char('r') => {
                state.save.cancel();
                return state.begin_signin();
            }
            KeyCode::Esc => {
                state.save.cancel();
                return state.end_signin();
            }
            _ => {}
        }
    }
    match (key.code, &state.save.result) {
        (KeyCode::Char('r'), Some(Err(_))) => return state.start_save(),
        (KeyCode::Esc, Some(Err(_))) => {
            state.save.cancel();
            state.step = Step::Validate;
        }
        (KeyCode::Char('q'), _) => return request_quit(state),
        _ => return ignored(state),
    }
    Vec::new()
}
