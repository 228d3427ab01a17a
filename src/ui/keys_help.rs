//! The help `?` opens over any step: what the step is for and each key that works on it (the
//! same keys as the help line, from `help::hints`, with what they do), and how to close it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::help::{self, Key, key_name};
use crate::strings::wizard as text;
use crate::theme::Theme;
use crate::wizard::State;

/// The lines of the help for the screen under it.
pub fn lines(state: &State, theme: &Theme) -> Vec<Line<'static>> {
    let purpose = if state.creating.is_some() {
        crate::strings::create_wizard::HELP_PURPOSE.to_owned()
    } else if state.on_signin_screen() {
        crate::strings::signin::HELP_PURPOSE.to_owned()
    } else {
        text::step_purpose(state.step).to_owned()
    };
    let mut lines = vec![Line::from(purpose), Line::default()];
    let keys: Vec<_> = help::screen_hints(state)
        .into_iter()
        .filter(|h| h.key != Key::Note)
        .collect();
    let name = |key: Key| match key_name(key) {
        n if n.is_empty() => text::HELP_TYPE.to_owned(),
        n => n,
    };
    let width = keys
        .iter()
        .map(|h| name(h.key).chars().count())
        .max()
        .unwrap_or(0)
        .max(6);
    let ctrl_c = keys.iter().any(|h| h.key == Key::Ctrl('c'));
    for h in keys {
        lines.push(Line::from(vec![
            Span::styled(format!("{:<width$}  ", name(h.key)), theme.accent),
            Span::raw(h.label.to_string()),
        ]));
    }
    if !ctrl_c {
        lines.push(Line::from(format!(
            "{:<width$}  {}",
            "Ctrl-C",
            text::K_QUIT
        )));
    }
    lines.push(Line::default());
    lines.push(Line::from(text::HELP_CLOSE));
    lines
}

/// Draws the help over the screen, as large as the terminal allows.
pub fn render(state: &State, frame: &mut Frame, theme: &Theme) {
    let area = frame.area();
    let width = area.width.min(76);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(text::HELP_TITLE)
        .border_style(theme.accent);
    let body = Paragraph::new(lines(state, theme)).wrap(Wrap { trim: false });
    let rows = (body.line_count(width.saturating_sub(2)) as u16 + 2).min(area.height);
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - rows) / 2,
        width,
        height: rows,
    };
    frame.render_widget(Clear, rect);
    frame.render_widget(body.block(block), rect);
}
