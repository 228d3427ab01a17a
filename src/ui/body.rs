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
}

/// Draws `parts` top to bottom in `area` (the body inside its margin); URLs use the frame's
/// full width. Returns whether everything fit.
pub fn render(parts: Vec<Part<'_>>, frame: &mut Frame, area: Rect, theme: &Theme) -> bool {
    let full = frame.area();
    let url_width = full.width.max(1) as usize;
    let heights: Vec<u16> = parts
        .iter()
        .map(|p| match p {
            Part::Text(lines) => paragraph(lines.clone()).line_count(area.width) as u16,
            Part::Url(url) => url.chars().count().div_ceil(url_width) as u16,
        })
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
            Part::Text(lines) => {
                let shown = height.min(bottom - y);
                frame.render_widget(paragraph(lines), Rect::new(area.x, y, area.width, shown));
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
