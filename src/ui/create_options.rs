//! "Create it for me"'s options form: the username (typed), the expiry, `self_rotate` and a
//! lower membership, each row saying what its value means. Pure rendering.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use crate::strings::create_options as text;
use crate::theme::{Theme, current};
use crate::wizard::State;
use crate::wizard::create_options::{OptionsForm, Row};

/// Draws the form in `area`; rows that do not fit are left out from the bottom (four rows and
/// the intro fit at 60x20).
pub fn render(state: &State, form: &OptionsForm, frame: &mut Frame, area: Rect) {
    let theme = current();
    let bottom = area.y + area.height;
    let mut y = area.y;
    let put = |frame: &mut Frame, lines: Vec<Line<'_>>, y: &mut u16| {
        let p = super::paragraph(lines);
        let h = (p.line_count(area.width) as u16).min(bottom.saturating_sub(*y));
        if h > 0 {
            frame.render_widget(p, Rect::new(area.x, *y, area.width, h));
        }
        *y += h;
    };
    put(
        frame,
        vec![Line::from(text::INTRO), Line::default()],
        &mut y,
    );
    for (i, row) in form.rows.iter().enumerate() {
        let selected = i == form.at;
        let marker = if selected { "▸ " } else { "  " };
        if *row == Row::Username {
            if y < bottom {
                let label = format!("{marker}{}", text::L_USERNAME);
                let cursor = selected.then(|| form.username.visual_cursor());
                let line = Rect::new(area.x, y, area.width, 1);
                super::field(frame, line, &label, form.username.value(), cursor, theme);
                y += 1;
            }
            let mut under = vec![Line::from(Span::styled(
                format!("    {}", username_note(form)),
                theme.muted,
            ))];
            if form.token_caught {
                under.push(Line::from(Span::styled(
                    format!("    {}", text::TOKEN_CAUGHT),
                    theme.warn,
                )));
            }
            if let Some(p) = &form.problem {
                under.push(Line::from(Span::styled(
                    format!("    {}", text::username_problem(p)),
                    theme.fail,
                )));
            }
            put(frame, under, &mut y);
            continue;
        }
        let (label, value) = match row {
            Row::Expiry => (text::L_EXPIRES, expiry(state, form)),
            Row::SelfRotate => (
                text::L_SELF_ROTATE,
                if form.self_rotate {
                    text::SELF_ROTATE_ON
                } else {
                    text::SELF_ROTATE_OFF
                }
                .to_owned(),
            ),
            Row::RaiseRole => (
                text::L_RAISE,
                if form.raise_role {
                    text::RAISE_ON
                } else {
                    text::RAISE_OFF
                }
                .to_owned(),
            ),
            Row::Username => continue,
        };
        put(
            frame,
            vec![row_line(marker, label, value, selected, theme)],
            &mut y,
        );
    }
}

fn row_line<'a>(marker: &str, label: &str, value: String, selected: bool, t: &Theme) -> Line<'a> {
    let style = if selected { t.selected } else { t.text };
    Line::from(vec![
        Span::styled(format!("{marker}{label}: "), t.accent),
        Span::styled(value, style),
    ])
}

fn username_note(form: &OptionsForm) -> &'static str {
    if form.username.value().trim().is_empty() {
        text::USERNAME_AUTO
    } else {
        text::USERNAME_WHY
    }
}

fn expiry(state: &State, form: &OptionsForm) -> String {
    let until = state.today + time::Duration::days(i64::from(form.expiry_days));
    format!("{} (until {until})", text::expires(form.expiry_days))
}
