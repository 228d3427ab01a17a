//! A screen's body as parts: wrapped text, and URLs on rows of their own from the first column
//! (no indent, hard-wrapped at the terminal's width) so terminal selection rejoins them. Content
//! that does not fit says so on its last row instead of being cut silently.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::paragraph;
use crate::strings::wizard as text;
use crate::theme::Theme;

/// One part of a body.
pub enum Part<'a> {
    Text(Vec<Line<'a>>),
    /// A link, shown whole (never cut) and, where supported, as an OSC 8 hyperlink.
    Url(String),
    /// Text that stays in view: when the body does not fit, it is drawn at the bottom and the
    /// parts before it are clipped instead (a verdict and what to do about it). Last part only.
    Tail(Vec<Line<'a>>),
    /// Text whose first wrapped rows are scrolled away (see [`render_scrolled`]).
    From(Vec<Line<'a>>, u16),
}

/// Rows `part` takes: text wrapped to `width`, a link hard-wrapped to the frame's `url_width`.
fn height(part: &Part<'_>, width: u16, url_width: usize) -> u16 {
    match part {
        Part::Text(lines) | Part::Tail(lines) => paragraph(lines.clone()).line_count(width) as u16,
        Part::Url(url) => url.chars().count().div_ceil(url_width) as u16,
        Part::From(lines, skip) => {
            (paragraph(lines.clone()).line_count(width) as u16).saturating_sub(*skip)
        }
    }
}

thread_local! {
    /// Rows the screen last drawn could still scroll down (see [`super::scroll_room`]).
    pub(super) static ROOM: std::cell::Cell<u16> = const { std::cell::Cell::new(0) };
}

/// [`render`] scrolled down by `skip` rows (clamped so the last rows stay in view); what does not
/// fit says PgDn shows it. A link partly scrolled away is shown whole from its first row.
pub fn render_scrolled(
    parts: Vec<Part<'_>>,
    frame: &mut Frame,
    area: Rect,
    theme: &Theme,
    skip: u16,
) -> bool {
    let url_width = frame.area().width.max(1) as usize;
    let mut parts: Vec<Part<'_>> = parts
        .into_iter()
        .map(|p| match p {
            Part::Tail(lines) => Part::Text(lines),
            other => other,
        })
        .collect();
    let total: u16 = parts.iter().map(|p| height(p, area.width, url_width)).sum();
    // Scrolled no further than shows the end (one row is kept for "more").
    let most = total.saturating_sub(area.height.saturating_sub(1));
    let most = if total <= area.height { 0 } else { most };
    let mut skip = skip.min(most);
    ROOM.with(|r| r.set(most - skip));
    while skip > 0 && !parts.is_empty() {
        let h = height(&parts[0], area.width, url_width);
        if h <= skip {
            skip -= h;
            parts.remove(0);
            continue;
        }
        if let Part::Text(lines) = parts.remove(0) {
            parts.insert(0, Part::From(lines, skip));
        }
        break;
    }
    let fits = render(parts, frame, area, theme);
    if !fits && area.height > 0 {
        let last = Rect::new(area.x, area.y + area.height - 1, area.width, 1);
        frame.render_widget(ratatui::widgets::Clear, last);
        frame.render_widget(
            Paragraph::new(Span::styled(text::CLIPPED_SCROLL, theme.warn)),
            last,
        );
    }
    fits
}

/// Draws `parts` top to bottom in `area` (the body inside its margin); URLs use the frame's
/// full width. Returns whether everything fit.
pub fn render(mut parts: Vec<Part<'_>>, frame: &mut Frame, area: Rect, theme: &Theme) -> bool {
    let full = frame.area();
    let url_width = full.width.max(1) as usize;
    if matches!(parts.last(), Some(Part::Tail(_))) {
        let Some(Part::Tail(tail)) = parts.pop() else {
            return false;
        };
        let tail_height = height(&Part::Text(tail.clone()), area.width, url_width);
        let rest: u16 = parts.iter().map(|p| height(p, area.width, url_width)).sum();
        if rest + tail_height <= area.height {
            parts.push(Part::Text(tail));
            return render(parts, frame, area, theme);
        }
        // The tail at the bottom; what comes before it is clipped above it.
        let tail_height = tail_height.min(area.height);
        let head = Rect::new(area.x, area.y, area.width, area.height - tail_height);
        render(parts, frame, head, theme);
        let bottom = Rect::new(area.x, head.y + head.height, area.width, tail_height);
        frame.render_widget(paragraph(tail), bottom);
        return false;
    }
    let heights: Vec<u16> = parts
        .iter()
        .map(|p| height(p, area.width, url_width))
        .collect();
    let fits = heights.iter().sum::<u16>() <= area.height;
    // When it does not fit, the last row says so (and is never drawn over a link).
    let bottom = area.y + area.height - u16::from(!fits).min(area.height);
    let mut y = area.y;
    for (part, height) in parts.into_iter().zip(heights) {
        if y >= bottom {
            break;
        }
        match part {
            Part::Text(lines) | Part::Tail(lines) => {
                let shown = height.min(bottom - y);
                frame.render_widget(paragraph(lines), Rect::new(area.x, y, area.width, shown));
                y += shown;
            }
            Part::From(lines, skip) => {
                let shown = height.min(bottom - y);
                let text = paragraph(lines).scroll((skip, 0));
                frame.render_widget(text, Rect::new(area.x, y, area.width, shown));
                y += shown;
            }
            Part::Url(url) => {
                if y + height > bottom {
                    // A link is shown whole or not at all: half a link is a wrong link.
                    break;
                }
                let chars: Vec<char> = url.chars().collect();
                for row in chars.chunks(url_width) {
                    let row: String = row.iter().collect();
                    let len = row.chars().count() as u16;
                    let rect = Rect::new(full.x, y, full.width, 1);
                    frame.render_widget(Paragraph::new(Span::styled(row, theme.link)), rect);
                    if super::links::hyperlinks() {
                        super::links::hyperlink(
                            frame.buffer_mut(),
                            Rect::new(full.x, y, len, 1),
                            &url,
                        );
                    }
                    y += 1;
                }
            }
        }
    }
    if !fits && area.height > 0 {
        let last = Rect::new(area.x, area.y + area.height - 1, area.width, 1);
        frame.render_widget(
            Paragraph::new(Span::styled(text::CLIPPED, theme.warn)),
            last,
        );
    }
    fits
}

/// Instruction rows as parts, with `link` where the rows say so.
pub fn parts(rows: Vec<text::Row>, link: Option<&str>) -> Vec<Part<'static>> {
    let mut parts = Vec::new();
    let mut lines = Vec::new();
    for row in rows {
        match (row, link) {
            (text::Row::Say(s), _) => lines.push(Line::from(s)),
            (text::Row::Link, Some(url)) => {
                parts.push(Part::Text(std::mem::take(&mut lines)));
                parts.push(Part::Url(url.to_owned()));
            }
            (text::Row::Link, None) => {}
        }
    }
    parts.push(Part::Text(lines));
    parts
}
