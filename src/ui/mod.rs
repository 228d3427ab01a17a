//! Pure rendering: `render(&State, &mut Frame)` draws the header, the current step's screen,
//! the notice line and the key help line. No I/O.

mod body;
pub mod create;
mod create_options;
mod dialogs;
pub mod help;
mod hint;
mod keys_help;
pub mod links;
mod setup_screens;
pub mod signin;
mod token_screens;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use crate::strings::wizard as text;
use crate::theme::{Theme, current};
use crate::validation::Status;
use crate::wizard::{State, Step};

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// Rows the screen drawn last could still scroll down (0: it all fits, or its end is shown):
/// the runtime hands it to the wizard (`Msg::Drawn`), so PgDn is offered only where it works.
pub fn scroll_room() -> u16 {
    body::ROOM.with(std::cell::Cell::get)
}

pub fn render(state: &State, frame: &mut Frame) {
    body::ROOM.with(|r| r.set(0));
    let theme = current();
    // A long notice (e.g. a repaired rotation) wraps onto up to 3 lines.
    let width = frame.area().width.max(1) as usize;
    let notice_text = dialogs::notice(state);
    let notice_height = notice_text
        .as_ref()
        .map_or(1, |n| (n.chars().count() / width + 1).min(3)) as u16;
    let help_height = help::rows(&help::hints(state), width).len().max(1) as u16;
    let [header, body, notice, help_area] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(5),
        Constraint::Length(notice_height),
        Constraint::Length(help_height),
    ])
    .areas(frame.area());

    let title = title(state, theme);
    frame.render_widget(Paragraph::new(title), header);

    let body = body.inner(ratatui::layout::Margin {
        horizontal: 1,
        vertical: 0,
    });
    match state.step {
        _ if state.creating.is_some() => {
            if let Some(c) = &state.creating {
                create::render(state, c, frame, body);
            }
        }
        Step::Profile => setup_screens::profile(state, frame, body),
        Step::Host => setup_screens::host(state, frame, body),
        Step::Reachability => setup_screens::reachability(state, frame, body),
        Step::Owner => setup_screens::owner(state, frame, body),
        Step::Role => token_screens::role(state, frame, body),
        Step::Generate => match state.signin.as_ref().filter(|_| state.on_signin_screen()) {
            Some(s) => signin::render(s, frame, body, spinner(state)),
            None => token_screens::generate(state, frame, body),
        },
        Step::Paste => token_screens::paste(state, frame, body),
        Step::Validate => token_screens::validate(state, frame, body),
        Step::Save => token_screens::save(state, frame, body),
        Step::Done => token_screens::done(state, frame, body),
    }

    if let Some(n) = notice_text
        .as_ref()
        .filter(|_| !token_screens::notice_at_field(state))
    {
        frame.render_widget(
            Paragraph::new(Span::styled(n.as_str(), theme.warn)).wrap(Wrap { trim: true }),
            notice,
        );
    }
    let help_rows = help::rows(&help::hints(state), width);
    let help_lines: Vec<Line> = help_rows
        .into_iter()
        .map(|r| Line::from(Span::styled(format!(" {r}"), theme.key_help)))
        .collect();
    frame.render_widget(Paragraph::new(help_lines).style(theme.key_help), help_area);

    dialogs::render(state, frame, theme);
    if state.help_open {
        keys_help::render(state, frame, theme);
    }
    // The quit question goes on top of any other dialog: it is the one that takes keys.
    if state.confirm_quit {
        let question = if state.signed_in() {
            crate::strings::signin::QUIT_CONFIRM
        } else {
            text::QUIT_CONFIRM
        };
        confirm(frame, theme, question);
    }
}

/// The header: the app, then where the person is ("step 4/10  Owner", a flow's own title).
fn title(state: &State, theme: &Theme) -> Line<'static> {
    if let Some(c) = &state.creating {
        Line::from(vec![
            Span::styled(text::APP, theme.title),
            Span::styled("  ", theme.muted),
            Span::styled(create::title(c), theme.title),
        ])
    } else if state.check_only {
        Line::from(vec![
            Span::styled(text::APP, theme.title),
            Span::styled("  ", theme.muted),
            Span::styled(text::check_title(state.step), theme.title),
        ])
    } else {
        Line::from(vec![
            Span::styled(text::APP, theme.title),
            Span::styled(
                format!("  step {}/{}  ", state.step.number(), Step::ALL.len()),
                theme.muted,
            ),
            Span::styled(
                if state.on_signin_screen() {
                    crate::strings::signin::TITLE
                } else {
                    text::title(state.step)
                },
                theme.title,
            ),
        ])
    }
}

fn confirm(frame: &mut Frame, theme: &Theme, question: &str) {
    let area = frame.area();
    let width = area.width.min(60);
    let text = Paragraph::new(question).wrap(Wrap { trim: true });
    // As tall as the question needs (a short one keeps a blank row under it).
    let rows = (text.line_count(width.saturating_sub(2)) as u16 + 2).max(4);
    let rect = Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height / 2).saturating_sub(rows / 2),
        width,
        height: rows.min(area.height),
    };
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(" Quit? ")
        .border_style(theme.warn);
    frame.render_widget(text.block(block), rect);
}

/// A spinner frame for running work.
pub(crate) fn spinner(state: &State) -> &'static str {
    SPINNER[state.spinner % SPINNER.len()]
}

pub(crate) fn status_span(status: Status, theme: &Theme) -> Span<'static> {
    match status {
        Status::Ok => Span::styled("✓ ", theme.ok),
        Status::Warn => Span::styled("! ", theme.warn),
        Status::Fail => Span::styled("✗ ", theme.fail),
        Status::Unknown => Span::styled("? ", theme.muted),
    }
}

/// Wrapped paragraph of lines.
pub(crate) fn paragraph(lines: Vec<Line<'_>>) -> Paragraph<'_> {
    Paragraph::new(Text::from(lines)).wrap(Wrap { trim: false })
}

/// A labelled single-line field; `focus` puts the cursor in it.
pub(crate) fn field(
    frame: &mut Frame,
    area: Rect,
    label: &str,
    value: &str,
    cursor: Option<usize>,
    theme: &Theme,
) {
    let label_width = label.chars().count() as u16 + 2;
    let [l, v] =
        Layout::horizontal([Constraint::Length(label_width), Constraint::Min(1)]).areas(area);
    frame.render_widget(
        Paragraph::new(Span::styled(format!("{label}: "), theme.accent)),
        l,
    );
    let width = v.width.max(1) as usize;
    let scroll = cursor.map_or(0, |c| c.saturating_sub(width - 1));
    let shown: String = value.chars().skip(scroll).take(width).collect();
    frame.render_widget(
        Paragraph::new(Span::styled(
            shown,
            theme
                .text
                .add_modifier(ratatui::style::Modifier::UNDERLINED),
        )),
        v,
    );
    if let Some(c) = cursor {
        frame.set_cursor_position((v.x + (c - scroll) as u16, v.y));
    }
}
