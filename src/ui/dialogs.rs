//! Dialogs and lines about irreversible work: the question before `a` rotates, the rotation's
//! progress with a spinner, and the key help while a step must not be abandoned.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::strings::{rotation as rotation_text, safety as text};
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
    if state.notice.is_none()
        && state.may_choose_store()
        && let Some(e) = state.store_problem()
    {
        let p = crate::strings::vault::problem(e);
        return Some(text::store_unusable(
            state.store.kind.short_name(),
            &p.message,
        ));
    }
    if state.notice.is_none() && state.save_failed_in_store() {
        return Some(text::SAVE_ELSEWHERE.into());
    }
    if state.notice.is_none()
        && matches!(state.step, Step::Paste | Step::Validate)
        && let Some(t) = state.clash()
    {
        return Some(text::exists(
            &t.account,
            &t.username,
            t.days_left(state.today),
        ));
    }
    state.notice.clone()
}

/// Draws the open dialog, if any, over the screen.
pub fn render(state: &State, frame: &mut Frame, theme: &Theme) {
    if let Some(input) = &state.existing.rename {
        let rect = centred(frame.area(), 3);
        frame.render_widget(Clear, rect);
        let block = Block::default()
            .borders(Borders::ALL)
            .title(text::RENAME_TITLE)
            .border_style(theme.accent);
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        super::field(
            frame,
            inner,
            text::RENAME_FIELD,
            input.value(),
            Some(input.visual_cursor()),
            theme,
        );
        return;
    }
    if state.existing.asking
        && let Some(t) = state.clash()
    {
        let question = text::replace_question(&t.account, &t.username, t.days_left(state.today));
        box_with(
            frame,
            theme,
            text::REPLACE_TITLE,
            &question,
            text::REPLACE_KEYS,
        );
        return;
    }
    if let Some(cursor) = state.store.choosing {
        store_dialog(cursor, frame, theme);
        return;
    }
    rotate_question(state, frame, theme);
}

/// The explicit alternatives to the keychain, one per row.
fn store_dialog(cursor: usize, frame: &mut Frame, theme: &Theme) {
    let choices = crate::wizard::store_alternatives();
    let rect = centred(frame.area(), choices.len() as u16 * 2 + 3);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(text::STORE_TITLE)
        .border_style(theme.accent);
    let mut lines: Vec<Line> = choices
        .iter()
        .enumerate()
        .map(|(i, kind)| {
            let label = text::store_choice(*kind);
            if i == cursor {
                Line::from(Span::styled(format!("▸ {label}"), theme.selected))
            } else {
                Line::from(format!("  {label}"))
            }
        })
        .collect();
    lines.push(Line::from(Span::styled(text::STORE_KEYS, theme.accent)));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        rect,
    );
}

/// A centred box `height` rows high, at most 64 wide.
fn centred(area: Rect, height: u16) -> Rect {
    let width = area.width.min(64);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height.saturating_sub(height)) / 2,
        width,
        height,
    }
}

/// A bordered box with `body` wrapped and `keys` below it.
fn box_with(frame: &mut Frame, theme: &Theme, title: &str, body: &str, keys: &str) {
    let inner = frame.area().width.min(64).saturating_sub(2).max(1) as usize;
    let height = (body.chars().count() / inner + 4) as u16;
    let rect = centred(frame.area(), height);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(title.to_owned())
        .border_style(theme.warn);
    let lines = vec![
        Line::from(body.trim_end().to_owned()),
        Line::from(Span::styled(keys.to_owned(), theme.accent)),
    ];
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: true }).block(block),
        rect,
    );
}

fn rotate_question(state: &State, frame: &mut Frame, theme: &Theme) {
    let Some(index) = state.guard.confirm_rotate else {
        return;
    };
    let Some((entry, _)) = state.rotation.expiring.get(index) else {
        return;
    };
    let expires_at = crate::rotation::expiry_in(i64::from(state.expiry_days));
    let question = rotation_text::confirm(&entry.account, &expires_at);
    box_with(
        frame,
        theme,
        text::ROTATE_CONFIRM_TITLE,
        &question,
        text::ROTATE_CONFIRM_KEYS,
    );
}

/// Whether row `i` of the expiring list is the chosen one (marked when there are several). Its
/// mark is not the profile list's `▸`: one screen, one cursor (issue 21.14).
pub fn expiring_marker(state: &State, i: usize) -> &'static str {
    match (
        state.rotation.expiring.len() > 1,
        i == state.guard.expiring_cursor,
    ) {
        (true, true) => "→ ",
        (true, false) => "  ",
        _ => "",
    }
}
