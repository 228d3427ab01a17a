//! Scrolling a screen whose text is taller than the terminal: PgDn / PgUp move it by a few
//! rows, as far as the screen drawn last has more below (`Msg::Drawn`, from
//! `ui::scroll_room`); a new screen starts at its top.

use crossterm::event::{KeyCode, KeyEvent};

use super::create::Phase;
use super::{Effect, State, Step};

/// Rows one PgDn / PgUp moves.
pub const PAGE: u16 = 5;

/// One screen: a step, and within "Create it for me" its phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Screen {
    pub step: Step,
    pub phase: Option<Phase>,
}

/// Which screen is scrolled, by how many rows, and how many more it could.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scroll {
    pub screen: Screen,
    pub rows: u16,
    pub room: u16,
}

impl Default for Scroll {
    fn default() -> Self {
        Scroll {
            screen: Screen {
                step: Step::Profile,
                phase: None,
            },
            rows: 0,
            room: 0,
        }
    }
}

/// The screens that scroll: those whose text grows with what they report (the plan of
/// "Create it for me" and its end among them).
pub fn scrolls(screen: Screen) -> bool {
    matches!(
        screen.step,
        Step::Role | Step::Generate | Step::Validate | Step::Done
    ) || matches!(screen.phase, Some(Phase::Plan | Phase::Finished))
}

impl State {
    /// The screen shown now.
    pub fn screen(&self) -> Screen {
        Screen {
            step: self.step,
            phase: self.creating.as_ref().map(|c| c.phase),
        }
    }

    /// Rows the current screen is scrolled down (0 on a screen just reached).
    pub fn scrolled(&self) -> u16 {
        if self.scroll.screen == self.screen() {
            self.scroll.rows
        } else {
            0
        }
    }

    /// PgDn shows more of the current screen.
    pub fn more_below(&self) -> bool {
        let now = self.screen();
        scrolls(now) && self.scroll.screen == now && self.scroll.room > 0
    }

    /// What the screen just drawn can still scroll, kept for the keys; drawn again only when
    /// that changes the key line (PgDn offered or not), so drawing settles after one more.
    pub(super) fn drawn(&mut self, room: u16) {
        let offered = self.more_below();
        if self.scroll.screen != self.screen() {
            self.scroll = Scroll {
                screen: self.screen(),
                rows: 0,
                room,
            };
        } else {
            self.scroll.room = room;
        }
        self.dirty = self.more_below() != offered;
    }
}

/// PgDn / PgUp on a screen that scrolls; `None` for any other key.
pub(super) fn key(state: &mut State, key: KeyEvent) -> Option<Vec<Effect>> {
    let now = state.screen();
    if !scrolls(now) || state.scroll.screen != now {
        return None;
    }
    let s = &mut state.scroll;
    match key.code {
        KeyCode::PageDown if s.room > 0 => {
            let by = PAGE.min(s.room);
            s.rows += by;
            s.room -= by;
        }
        KeyCode::PageUp if s.rows > 0 => {
            let by = PAGE.min(s.rows);
            s.rows -= by;
            s.room += by;
        }
        KeyCode::PageDown | KeyCode::PageUp => {
            state.dirty = false;
        }
        _ => return None,
    }
    Some(Vec::new())
}
