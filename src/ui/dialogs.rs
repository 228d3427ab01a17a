//! Dialogs and lines about irreversible work: the question before `a` rotates, the rotation's
//! progress with a spinner, and the key help while a step must not be abandoned.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::strings::{rotation as rotation_text, safety as text, wizard as wizard_text};
use crate::theme::Theme;
use crate::wizard::{State, Step};

/// The notice line: the rotation's stage with a spinner while it runs, else the state's notice.
pub fn notice(state: &State) -> Option<String> {
    if let (Some(stage), Some(account)) = (state.rotation_stage(), &state.guard.rotating_account) {
        let after = if state.guard.quit_after {
            text::QUIT_AFTER_ROTATION.to_owned()
        } else {
            format!("({})", text::stage_trail(stage))
        };
        return Some(format!(
            "{} {}  {after}",
            super::spinner(state),
            text::rotation_stage(account, stage),
        ));
    }
    state.notice.clone()
}

/// The key help line: no quit key while an irreversible step runs, no `r revoke` once revoked,
/// `Tab` to choose among several expiring tokens. `None`: the screen's usual help.
pub fn key_help(state: &State) -> Option<String> {
    if state.guard.confirm_rotate.is_some() {
        return Some(text::ROTATE_CONFIRM_KEYS.into());
    }
    if state.guard.quit_after {
        return Some(text::HELP_QUITTING.into());
    }
    if state.in_flight() && state.step == Step::Profile && state.custom.is_none() {
        return Some(text::HELP_PROFILE_ROTATING.into());
    }
    if state.in_flight() {
        return Some(text::HELP_IN_FLIGHT.into());
    }
    match state.step {
        Step::Done => {
            let revoked = state
                .replacing
                .as_ref()
                .is_some_and(|r| matches!(r.revoke.result, Some(Ok(()))));
            revoked.then(|| wizard_text::help(Step::Done, false).into())
        }
        Step::Profile if state.custom.is_none() && state.expiring.len() > 1 => {
            let extra = if state.auto_rotatable().is_some() {
                wizard_text::HELP_ROTATE
            } else {
                text::HELP_REPLACE_CHOSEN
            };
            Some(format!(
                "{}{extra}{}",
                text::HELP_NEXT_EXPIRING,
                wizard_text::help(Step::Profile, false)
            ))
        }
        _ => None,
    }
}

/// Draws the open dialog, if any, over the screen.
pub fn render(state: &State, frame: &mut Frame, theme: &Theme) {
    let Some(index) = state.guard.confirm_rotate else {
        return;
    };
    let Some((entry, _)) = state.expiring.get(index) else {
        return;
    };
    let expires_at = crate::rotation::expiry_in(i64::from(state.expiry_days));
    let question = rotation_text::confirm(&entry.account, &expires_at);
    let area = frame.area();
    let width = area.width.min(64);
    let inner = width.saturating_sub(2).max(1) as usize;
    let height = (question.chars().count() / inner + 4).min(area.height as usize) as u16;
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    };
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(text::ROTATE_CONFIRM_TITLE)
        .border_style(theme.warn);
    let lines = vec![
        Line::from(question.trim_end().to_owned()),
        Line::from(Span::styled(text::ROTATE_CONFIRM_KEYS, theme.accent)),
    ];
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        rect,
    );
}

/// Whether row `i` of the expiring list is the chosen one (marked when there are several).
pub fn expiring_marker(state: &State, i: usize) -> &'static str {
    match (state.expiring.len() > 1, i == state.guard.expiring_cursor) {
        (true, true) => "▸ ",
        (true, false) => "  ",
        _ => "",
    }
}
