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
    let bottom = area.y + area.height;
    let mut y = area.y;
    let mut fits = true;
    for part in parts {
        if y >= bottom {
            fits = false;
            break;
        }
        match part {
            Part::Text(lines) => {
                let p = paragraph(lines);
                let needed = p.line_count(area.width) as u16;
                let shown = needed.min(bottom - y);
                fits &= shown == needed;
                frame.render_widget(p, Rect::new(area.x, y, area.width, shown));
                y += shown;
            }
            Part::Url(url) => {
                let width = full.width.max(1) as usize;
                let chars: Vec<char> = url.chars().collect();
                let rows: Vec<String> = chars.chunks(width).map(|c| c.iter().collect()).collect();
                if y + rows.len() as u16 > bottom {
                    // A URL is shown whole or not at all: half a link is a wrong link.
                    fits = false;
                    break;
                }
                for row in rows {
                    let rect = Rect::new(full.x, y, full.width, 1);
                    let len = row.chars().count() as u16;
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
        let last = Rect::new(area.x, bottom - 1, area.width, 1);
        frame.render_widget(ratatui::widgets::Clear, last);
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
