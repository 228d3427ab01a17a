//! The key help line, built from the keys that do something in the current state (never a fixed
//! string per step), and laid out on one row or, when it does not fit, two.

use crate::strings::{safety, wizard as text};
use crate::wizard::{State, Step};

use super::hint::hint;
pub use super::hint::{Hint, Key, key_name, rows};

/// The keys that work in this state, in the order shown.
pub fn hints(state: &State) -> Vec<Hint> {
    if state.help_open && !state.confirm_quit {
        return vec![hint(Key::Esc, text::K_CLOSE_HELP)];
    }
    let mut h = screen_hints(state);
    // `?` is offered on the first screen; it works on every screen without a free-text field.
    if state.step == Step::Profile
        && state.creating.is_none()
        && state.may_open_help()
        && !h.is_empty()
        && h.iter().all(|x| x.key != Key::Note)
    {
        let at = h.len().saturating_sub(1);
        h.insert(at, hint(Key::Char('?'), text::K_HELP));
    }
    h
}

/// The keys of the screen itself (what the help `?` opens lists).
pub fn screen_hints(state: &State) -> Vec<Hint> {
    use Key::*;
    if state.confirm_quit {
        return vec![
            hint(Char('y'), text::K_QUIT_ANYWAY),
            hint(Char('n'), text::K_STAY),
        ];
    }
    if let Some(dialog) = dialog_hints(state) {
        return dialog;
    }
    if let Some(s) = state.signin.as_ref().filter(|_| state.on_signin_screen()) {
        return super::signin::hints(s, true);
    }
    let mut h = Vec::new();
    if state.may_choose_store() {
        h.push(hint(Char('s'), safety::K_SAVE_ELSEWHERE));
    }
    if let Some(c) = &state.creating {
        h.extend(create_hints(state, c));
        scroll_hints(state, &mut h);
        return h;
    }
    let flow = match state.step {
        Step::Profile => profile_keys(state, &mut h),
        Step::Host => host_keys(state, &mut h),
        Step::Reachability if state.reach.ca_prompt.is_some() => ca_prompt_keys(state, &mut h),
        Step::Reachability => reachability_keys(state, &mut h),
        Step::Owner => owner_keys(state, &mut h),
        Step::Role | Step::Generate => page_keys(state, &mut h),
        Step::Paste => paste_keys(state, &mut h),
        Step::Validate => validate_keys(state, &mut h),
        Step::Save => save_keys(state, &mut h),
        Step::Done => done_keys(state, &mut h),
    };
    if flow == Flow::Alone {
        return h;
    }
    scroll_hints(state, &mut h);
    h
}

/// Whether a step's keys take the scroll keys after them (`Alone`: a picker owns the arrows).
#[derive(PartialEq, Eq)]
enum Flow {
    WithScroll,
    Alone,
}

/// The keys of Step::Profile.
fn profile_keys(state: &State, h: &mut Vec<Hint>) -> Flow {
    use Key::*;
    if let Some(pick) = &state.pick.custom {
        h.push(hint(UpDown, text::K_MOVE));
        if pick.cursor < crate::gitlab::access::SCOPES.len() {
            h.push(hint(Space, text::K_TOGGLE));
        } else {
            h.push(hint(LeftRight, text::K_ROLE));
        }
        h.push(hint(Enter, text::K_CONFIRM));
        h.push(hint(Esc, text::K_BACK));
        h.push(hint(Ctrl('c'), text::K_QUIT));
        return Flow::Alone;
    }
    h.push(hint(UpDown, text::K_CHOOSE));
    h.push(hint(Enter, text::K_NEXT));
    if state.rotation.expiring.len() > 1 {
        h.push(hint(Named("Tab"), safety::K_NEXT_TOKEN));
    }
    if state.auto_rotatable().is_some() && !state.rotation.task.running() {
        h.push(hint(Char('a'), text::K_ROTATE));
    }
    if !state.rotation.expiring.is_empty() {
        h.push(hint(Char('r'), text::K_REPLACE));
    }
    h.push(hint(Char('q'), text::K_QUIT));

    Flow::WithScroll
}

/// The keys of Step::Host.
fn host_keys(_: &State, h: &mut Vec<Hint>) -> Flow {
    use Key::*;
    h.push(hint(UpDown, text::K_CHOOSE));
    h.push(hint(Type, text::K_TYPE_ADDRESS));
    h.push(hint(Enter, text::K_NEXT));
    h.push(hint(Esc, text::K_BACK));
    h.push(hint(Ctrl('c'), text::K_QUIT));

    Flow::WithScroll
}

/// The keys of Step::Reachability if state.reach.ca_prompt.is_some().
fn ca_prompt_keys(_: &State, h: &mut Vec<Hint>) -> Flow {
    use Key::*;
    h.push(hint(Type, text::K_TYPE_PATH));
    h.push(hint(Enter, text::K_CHECK_WITH_IT));
    h.push(hint(Esc, text::K_CANCEL));
    h.push(hint(Ctrl('c'), text::K_QUIT));

    Flow::WithScroll
}

/// The keys of Step::Reachability.
fn reachability_keys(state: &State, h: &mut Vec<Hint>) -> Flow {
    use Key::*;
    if let Some(report) = &state.reach.probe.result {
        if state.check_only {
            h.push(hint(Enter, text::K_DONE));
        } else if report.ok {
            h.push(hint(Enter, text::K_NEXT));
        }
        if state.ca_prompt_offered() {
            h.push(hint(Char('f'), text::K_CA_FILE));
        }
        h.push(hint(Char('r'), text::K_RECHECK));
    }
    h.push(hint(Esc, text::K_BACK));
    h.push(hint(Char('q'), text::K_QUIT));

    Flow::WithScroll
}

/// The keys of Step::Owner.
fn owner_keys(state: &State, h: &mut Vec<Hint>) -> Flow {
    use Key::*;
    let link = state.link().is_some();
    h.push(hint(UpDown, text::K_CHOOSE));
    if state.owner == crate::wizard::Owner::ServiceAccount {
        h.push(hint(
            LeftRight,
            crate::strings::create_wizard::K_CREATE_OR_GUIDE,
        ));
    }
    h.push(hint(Type, text::K_TYPE_GROUP));
    if link {
        h.push(hint(Ctrl('o'), text::K_OPEN));
    }
    h.push(hint(Enter, text::K_NEXT));
    h.push(hint(Esc, text::K_BACK));
    h.push(hint(Ctrl('c'), text::K_QUIT));

    Flow::WithScroll
}

/// The keys of Step::Role | Step::Generate.
fn page_keys(state: &State, h: &mut Vec<Hint>) -> Flow {
    use Key::*;
    let link = state.link().is_some();
    if link {
        h.push(hint(Char('o'), text::K_OPEN));
        h.push(hint(Char('c'), text::K_COPY));
    }
    if state.step == Step::Role && state.place_choice().is_some() {
        let project = state.target_place == crate::gitlab::links::Place::Project;
        let label = if project {
            text::K_PLACE_GROUP
        } else {
            text::K_PLACE_PROJECT
        };
        h.push(hint(Char('t'), label));
    }
    if state.link_before_18_9().is_some() {
        h.push(hint(Char('b'), text::K_OPEN_BEFORE_18_9));
    }
    if state.step == Step::Generate {
        h.push(hint(PlusMinus, text::K_EXPIRY));
        if state.kind_switchable() {
            let label = if state.fine_grained() {
                text::K_LEGACY
            } else {
                text::K_FINE_GRAINED
            };
            h.push(hint(Char('k'), label));
        }
        if state.fine_grained() {
            h.push(hint(Char('w'), text::K_WHY));
        }
    }
    h.push(hint(Enter, text::K_NEXT));
    h.push(hint(Esc, text::K_BACK));
    h.push(hint(Char('q'), text::K_QUIT));

    Flow::WithScroll
}

/// The keys of Step::Paste.
fn paste_keys(state: &State, h: &mut Vec<Hint>) -> Flow {
    use Key::*;
    h.push(hint(Type, text::K_PASTE));
    if !state.secret.is_empty() {
        h.push(hint(Ctrl('u'), text::K_CLEAR));
        h.push(hint(Enter, text::K_CHECK));
    }
    h.push(hint(Esc, text::K_BACK));
    h.push(hint(Ctrl('c'), text::K_QUIT));

    Flow::WithScroll
}

/// The keys of Step::Validate.
fn validate_keys(state: &State, h: &mut Vec<Hint>) -> Flow {
    use Key::*;
    let browser = state.owner == crate::wizard::Owner::Browser;
    match state.validation.result.as_ref().map(|v| v.ok()) {
        Some(true) => h.push(hint(Enter, text::K_SAVE)),
        Some(false) if browser => h.push(hint(Enter, crate::strings::signin::K_SIGN_IN_AGAIN)),
        Some(false) => h.push(hint(Enter, text::K_PASTE_ANOTHER)),
        None => {}
    }
    if state.validation.result.is_some() {
        h.push(hint(Char('r'), text::K_RECHECK));
    }
    if state.clash().is_some() {
        h.push(hint(Ctrl('n'), safety::K_ANOTHER_NAME));
    }
    let ok = state.validation.result.as_ref().map(|v| v.ok());
    if !browser || ok == Some(false) {
        h.push(hint(Esc, text::K_BACK));
    }
    h.push(hint(Char('q'), text::K_QUIT));

    Flow::WithScroll
}

/// The keys of Step::Save.
fn save_keys(state: &State, h: &mut Vec<Hint>) -> Flow {
    use Key::*;
    if matches!(state.save.result, Some(Err(_))) {
        let retry = if state.owner == crate::wizard::Owner::Browser {
            crate::strings::signin::K_SIGN_IN_AGAIN
        } else {
            text::K_RETRY
        };
        h.push(hint(Char('r'), retry));
        h.push(hint(Esc, text::K_BACK));
    }
    h.push(hint(Char('q'), text::K_QUIT));

    Flow::WithScroll
}

/// The keys of Step::Done.
fn done_keys(state: &State, h: &mut Vec<Hint>) -> Flow {
    use Key::*;
    if state.can_revoke_old() {
        h.push(hint(Char('r'), text::K_REVOKE));
    }
    if state.can_setup_git() {
        h.push(hint(Char('g'), text::K_SETUP_GIT));
    }
    if state.can_copy_token() {
        h.push(hint(Char('c'), text::K_COPY_TOKEN));
    }
    if state.integration_link().is_some() {
        h.push(hint(Char('o'), text::K_OPEN_SETTINGS));
    }
    h.push(hint(Enter, text::K_QUIT));

    Flow::WithScroll
}

/// PgDn / PgUp first, only where the screen drawn last has more (`Msg::Drawn`).
fn scroll_hints(state: &State, h: &mut Vec<Hint>) {
    use Key::*;
    if state.scrolled() > 0 {
        h.insert(0, hint(Named("PgUp"), text::K_SCROLL_UP));
    }
    if state.more_below() {
        h.insert(0, hint(Named("PgDn"), text::K_SCROLL_DOWN));
    }
}

/// The keys of an open dialog, or of a screen whose irreversible step is running (no quit key
/// then: quitting waits for it). `None`: the screen's own keys.
fn dialog_hints(state: &State) -> Option<Vec<Hint>> {
    use Key::*;
    let keys = if state.guard.confirm_rotate.is_some() {
        vec![
            hint(Char('y'), safety::K_ROTATE),
            hint(Named("n/Esc"), safety::K_KEEP_IT),
        ]
    } else if let Some(input) = &state.existing.rename {
        let mut keys = vec![hint(Type, safety::K_TYPE_NAME)];
        if !input.value().is_empty() {
            keys.push(hint(Ctrl('u'), text::K_CLEAR));
        }
        keys.extend([hint(Enter, safety::K_USE_IT), hint(Esc, text::K_CANCEL)]);
        keys
    } else if state.existing.asking {
        vec![
            hint(Char('y'), safety::K_REPLACE),
            hint(Char('n'), safety::K_ANOTHER_NAME),
            hint(Esc, text::K_BACK),
        ]
    } else if state.store.choosing.is_some() {
        vec![
            hint(UpDown, text::K_CHOOSE),
            hint(Enter, safety::K_USE_IT),
            hint(Esc, text::K_CANCEL),
        ]
    } else if state.guard.quit_after {
        vec![hint(Note, safety::NOTE_QUITTING)]
    } else if state.in_flight() && state.step == Step::Profile && state.pick.custom.is_none() {
        vec![
            hint(UpDown, text::K_CHOOSE),
            hint(Enter, text::K_NEXT),
            hint(Note, safety::NOTE_ROTATING),
        ]
    } else if state.in_flight() {
        vec![hint(Note, safety::NOTE_IN_FLIGHT)]
    } else {
        return None;
    };
    Some(keys)
}

impl State {
    /// `r` on the Done screen revokes the replaced token: only once it is loaded and not yet
    /// revoked or being revoked.
    pub fn can_revoke_old(&self) -> bool {
        let saved = matches!(self.save.result, Some(Ok(_)));
        self.replacing.as_ref().is_some_and(|r| {
            saved
                && matches!(r.old.result, Some(Ok(_)))
                && !r.revoke.running()
                && !matches!(r.revoke.result, Some(Ok(())))
        })
    }
}

/// The keys of the "Create it for me" screens (quit keys wait while it creates: see
/// `dialog_hints`, which comes first).
fn create_hints(state: &State, c: &crate::wizard::Creating) -> Vec<Hint> {
    use crate::strings::create_wizard as create;
    use crate::wizard::create::Phase;
    use Key::*;
    let mut h = Vec::new();
    match c.phase {
        Phase::Authorize => {
            h.push(hint(UpDown, text::K_CHOOSE));
            h.push(hint(Enter, create::K_AUTHORIZE));
            h.push(hint(Esc, text::K_BACK));
            h.push(hint(Char('q'), text::K_QUIT));
        }
        Phase::Pasting => {
            h.push(hint(Type, text::K_PASTE));
            if !c.paste.is_empty() {
                h.push(hint(Ctrl('u'), text::K_CLEAR));
                h.push(hint(Enter, create::K_USE_IT));
            }
            h.push(hint(Esc, text::K_BACK));
            h.push(hint(Ctrl('c'), text::K_QUIT));
        }
        Phase::SigningIn => {
            if let Some(s) = &c.signin {
                return super::signin::hints(s, true);
            }
        }
        Phase::Discovering => {
            h.push(hint(Esc, text::K_BACK));
            h.push(hint(Char('q'), text::K_QUIT));
        }
        Phase::Plan => {
            let failed = c.discovered().is_none();
            let possible = c.possible();
            if c.kind.is_some() {
                let reuses = state.create_reuses().is_some();
                h.push(hint(
                    Enter,
                    if reuses {
                        create::K_REUSE_IT
                    } else {
                        create::K_DO_IT
                    },
                ));
            }
            if possible.len() > 1 {
                h.push(hint(UpDown, create::K_OTHER_KIND));
            }
            if !failed && state.clash().is_some() {
                h.push(hint(Ctrl('n'), safety::K_ANOTHER_NAME));
            }
            if c.kind.is_some() && !failed {
                h.push(hint(Char('o'), crate::strings::create_options::K_OPTIONS));
            }
            if failed {
                h.push(hint(Char('r'), create::K_RETRY));
            } else if possible.is_empty() {
                h.push(hint(Char('g'), create::K_GUIDE_ME));
            }
            h.push(hint(Esc, text::K_BACK));
            h.push(hint(Char('q'), text::K_QUIT));
        }
        Phase::Options => {
            if let Some(form) = &c.form {
                options_hints(form, &mut h);
            }
        }
        Phase::Executing | Phase::Leaving => h.push(hint(Note, safety::NOTE_IN_FLIGHT)),
        Phase::Finished => {
            let ok = c.outcome().is_some();
            if !ok && c.authority.is_some() && !c.revoke.running() {
                h.push(hint(Char('r'), create::K_RETRY));
                h.push(hint(Esc, text::K_BACK));
                h.push(hint(Char('q'), text::K_QUIT));
            } else {
                if ok && state.can_setup_git() {
                    h.push(hint(Char('g'), text::K_SETUP_GIT));
                }
                h.push(hint(Enter, create::K_FINISH));
            }
        }
    }
    h
}

/// The options form's keys: a text row takes typing (so `q` is a letter there).
fn options_hints(form: &crate::wizard::create_options::OptionsForm, h: &mut Vec<Hint>) {
    use crate::strings::create_options as o;
    use crate::wizard::create_options::Row;
    use Key::*;
    h.push(hint(UpDown, o::K_OPTION));
    match form.row() {
        Row::Username => {
            h.push(hint(Type, o::K_TYPE));
            if !form.username.value().is_empty() {
                h.push(hint(Ctrl('u'), text::K_CLEAR));
            }
        }
        Row::Expiry => h.push(hint(LeftRight, o::K_CHANGE)),
        Row::SelfRotate | Row::RaiseRole => h.push(hint(Space, o::K_TOGGLE)),
    }
    h.push(hint(Enter, o::K_APPLY));
    h.push(hint(Esc, o::K_DISCARD));
    if form.row() == Row::Username {
        h.push(hint(Ctrl('c'), text::K_QUIT));
    } else {
        h.push(hint(Char('q'), text::K_QUIT));
    }
}
