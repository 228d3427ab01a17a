//! The browser sign-in screen (wizard and `login`): the code drawn large, the URLs whole on rows
//! of their own, a terminal QR code of the complete URL, and the countdowns. Pure rendering.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::body::{self, Part};
use super::hint::{Hint, Key};
use super::paragraph;
use crate::strings::signin as text;
use crate::theme::{Theme, current};
use crate::wizard::signin::{DeviceShown, FailKind, Phase, SigningIn};

/// Draws the sign-in in `area` (the body, inside its margin).
pub fn render(s: &SigningIn, frame: &mut Frame, area: Rect, spinner: &str) {
    let theme = current();
    match &s.phase {
        Phase::NeedsApp => register(s, None, frame, area, theme),
        Phase::Failed(f) if f.kind == FailKind::UnknownApp => {
            register(s, Some(&f.message), frame, area, theme)
        }
        Phase::Starting => {
            let line = Line::from(format!("{spinner} {}", text::STARTING));
            frame.render_widget(paragraph(vec![line]), area);
        }
        Phase::Waiting(code) => waiting(s, code, frame, area, theme),
        Phase::Approved(_) => {
            let line = Line::from(Span::styled(text::APPROVED, theme.ok));
            frame.render_widget(paragraph(vec![line]), area);
        }
        Phase::Failed(f) => {
            let lines = vec![Line::from(Span::styled(f.message.clone(), theme.fail))];
            frame.render_widget(paragraph(lines), area);
        }
    }
}

fn register(s: &SigningIn, error: Option<&str>, frame: &mut Frame, area: Rect, theme: &Theme) {
    let mut head = vec![Line::from(Span::styled(text::NEED_APP_TITLE, theme.title))];
    if s.token_in_app_field {
        head.push(Line::from(Span::styled(
            text::TOKEN_IN_APP_FIELD,
            theme.fail,
        )));
    }
    if let Some(e) = error {
        head.push(Line::from(Span::styled(e.to_owned(), theme.fail)));
        head.push(Line::from(Span::styled(text::UNKNOWN_APP, theme.warn)));
    }
    let mut steps: Vec<String> = text::register_steps();
    if s.purpose == crate::wizard::signin::Purpose::OwnerAuthorization
        && let Some(last) = steps.last_mut()
    {
        // A one-time sign-in keeps nothing, not even the application id.
        *last = crate::strings::create_wizard::APP_ID_NOT_KEPT.into();
    }
    let steps: Vec<Line> = steps.into_iter().map(Line::from).collect();
    let parts = vec![
        Part::Text(head),
        Part::Text(steps),
        Part::Url(text::applications_url(&s.instance)),
        Part::Text(vec![Line::from(Span::styled(
            text::ADMIN_HINT,
            theme.muted,
        ))]),
        Part::Url(text::admin_applications_url(&s.instance)),
    ];
    // The field sits on the last row, always in view.
    let field_row = Rect::new(
        area.x,
        area.y + area.height.saturating_sub(1),
        area.width,
        1,
    );
    let above = Rect::new(area.x, area.y, area.width, area.height.saturating_sub(2));
    body::render(parts, frame, above, theme);
    super::field(
        frame,
        field_row,
        text::APP_FIELD,
        s.app_input.value(),
        Some(s.app_input.visual_cursor()),
        theme,
    );
}

/// Columns and rows the QR code of `url` takes with `quiet` modules of quiet zone around it.
pub fn qr_size(url: &str, quiet: i32) -> Option<(u16, u16)> {
    let qr = qrcodegen::QrCode::encode_text(url, qrcodegen::QrCodeEcc::Low).ok()?;
    let side = (qr.size() + 2 * quiet) as u16;
    Some((side, side.div_ceil(2)))
}

/// The QR code of `url` as rows of half-block characters: light modules drawn (so the code
/// reads right in the QR style, white on black), two module rows per text row, with `quiet`
/// modules of quiet zone (light) around it.
pub fn qr_rows(url: &str, quiet: i32) -> Vec<String> {
    let Ok(qr) = qrcodegen::QrCode::encode_text(url, qrcodegen::QrCodeEcc::Low) else {
        return Vec::new();
    };
    let size = qr.size();
    let end = size + quiet;
    // Outside the symbol (get_module answers false there) is quiet zone: light.
    let light = |x: i32, y: i32| y >= end || !qr.get_module(x, y);
    let mut rows = Vec::new();
    let mut y = -quiet;
    while y < end {
        let row: String = (-quiet..end)
            .map(|x| match (light(x, y), light(x, y + 1)) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            })
            .collect();
        rows.push(row);
        y += 2;
    }
    rows
}

/// The code in a 4×5 block font, 5 rows; `None` when a character has no glyph.
pub fn big_code(code: &str) -> Option<Vec<String>> {
    let mut rows = vec![String::new(); 5];
    for (i, c) in code.chars().enumerate() {
        let glyph = glyph(c.to_ascii_uppercase())?;
        for (row, bits) in rows.iter_mut().zip(glyph) {
            if i > 0 {
                row.push(' ');
            }
            row.extend(bits.chars().map(|b| if b == '#' { '█' } else { ' ' }));
        }
    }
    Some(rows)
}

fn waiting(s: &SigningIn, code: &DeviceShown, frame: &mut Frame, area: Rect, theme: &Theme) {
    let full = frame.area();
    let url = code.best_url();
    // Rows the two URLs take at the frame's width, drawn at the bottom, whole.
    let url_rows = |u: &str| u.chars().count().div_ceil(full.width.max(1) as usize) as u16;
    // The URLs sit at the bottom, whole, from the first column; what they are is said above.
    let mut links = vec![Part::Url(code.verification_uri.clone())];
    let mut links_height = url_rows(&code.verification_uri);
    if let Some(complete) = &code.complete {
        links.push(Part::Url(complete.clone()));
        links_height += url_rows(complete);
    }
    let top_height = area.height.saturating_sub(links_height);
    let top = Rect::new(area.x, area.y, area.width, top_height);
    let bottom = Rect::new(area.x, area.y + top_height, area.width, links_height);

    // The QR code on the right of the top part, when it fits beside the code.
    let big = big_code(&code.user_code);
    let big_width = big
        .as_ref()
        .and_then(|r| r.first())
        .map_or(0, |r| r.chars().count() as u16);
    let left_min = big_width.max(36) + 2;
    let fits = |q: i32| {
        qr_size(url, q)
            .filter(|(w, h)| w + left_min <= top.width && *h <= top.height)
            .map(|_| q)
    };
    // Two modules of quiet zone where there is room, else one (phones still read it).
    let quiet = fits(2).or_else(|| fits(1));
    let qr = qr_size(url, quiet.unwrap_or(1));
    let qr_fits = quiet.is_some();
    let (left, qr_area) = match (qr, qr_fits) {
        (Some((w, h)), true) => (
            Rect::new(top.x, top.y, top.width - w - 1, top.height),
            Some(Rect::new(top.x + top.width - w, top.y, w, h)),
        ),
        _ => (top, None),
    };

    if let (Some(rect), Some(q)) = (qr_area, quiet) {
        let rows: Vec<Line> = qr_rows(url, q)
            .into_iter()
            .map(|r| Line::from(Span::styled(r, theme.qr())))
            .collect();
        frame.render_widget(Paragraph::new(rows), rect);
    }
    let qr_note = match (qr, qr_area) {
        (_, Some(_)) => Some(text::QR_LABEL.to_owned()),
        (Some((w, h)), None) => {
            let more_w = (w + left_min).saturating_sub(top.width);
            Some(text::qr_hidden(more_w, h.saturating_sub(top.height)))
        }
        (None, None) => None,
    };
    // What fits: blank rows go first, then the big letters (the spaced code stays).
    let big = big.filter(|_| big_width <= left.width);
    let mut lines = code_lines(s, code, big.clone(), true, qr_note.as_deref(), theme);
    for (big, blanks) in [(big.clone(), false), (None, false)] {
        if paragraph(lines.clone()).line_count(left.width) as u16 <= left.height {
            break;
        }
        lines = code_lines(s, code, big, blanks, qr_note.as_deref(), theme);
    }
    frame.render_widget(paragraph(lines), left);
    body::render(links, frame, bottom, theme);
}

/// The rows beside the QR code: the code (large when `big`), the countdowns, what to do.
fn code_lines(
    s: &SigningIn,
    code: &DeviceShown,
    big: Option<Vec<String>>,
    blanks: bool,
    qr_note: Option<&str>,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(Span::styled(
        format!("{}: ", text::CODE),
        theme.accent,
    ))];
    for r in big.into_iter().flatten() {
        lines.push(Line::from(Span::styled(r, theme.title)));
    }
    // The code as text too: bold and spaced, to read out or type.
    let spaced: Vec<String> = code.user_code.chars().map(String::from).collect();
    lines.push(Line::from(Span::styled(
        spaced.join(" "),
        theme.title.add_modifier(Modifier::BOLD),
    )));
    let blank = || blanks.then(|| Line::from(""));
    lines.extend(blank());
    lines.push(Line::from(text::expires_in(s.expires_left)));
    lines.push(Line::from(Span::styled(
        text::next_poll(s.poll_left, s.polls),
        theme.muted,
    )));
    lines.extend(blank());
    lines.push(Line::from(text::GO_TO));
    if s.purpose == crate::wizard::signin::Purpose::OwnerAuthorization {
        lines.push(Line::from(Span::styled(
            crate::strings::create_wizard::SIGNIN_NOTE,
            theme.accent,
        )));
    }
    if code.complete.is_some() {
        lines.push(Line::from(Span::styled(text::COMPLETE, theme.muted)));
    }
    if let Some(note) = qr_note {
        lines.push(Line::from(Span::styled(note.to_owned(), theme.muted)));
    }
    lines
}

/// The keys that work on the sign-in screen now. `wizard`: Esc goes back (else it cancels).
pub fn hints(s: &SigningIn, wizard: bool) -> Vec<Hint> {
    let hint = |key, label| Hint { key, label };
    let mut h = Vec::new();
    let esc = if wizard {
        crate::strings::wizard::K_BACK
    } else {
        text::K_CANCEL
    };
    if s.typing_app_id() {
        h.push(hint(Key::Type, text::K_TYPE_ID));
        h.push(hint(Key::Enter, text::K_START));
        h.push(hint(Key::Ctrl('o'), text::K_OPEN_PAGE));
        h.push(hint(Key::Ctrl('y'), text::K_COPY_PAGE));
        h.push(hint(Key::Esc, esc));
        h.push(hint(Key::Ctrl('c'), text::K_QUIT));
        return h;
    }
    match &s.phase {
        Phase::Waiting(_) => {
            h.push(hint(Key::Char('o'), text::K_OPEN_BROWSER));
            h.push(hint(Key::Char('c'), text::K_COPY_LINK));
        }
        Phase::Failed(f) if f.kind == FailKind::NotSupported && wizard => {
            h.push(hint(Key::Char('t'), text::K_USE_TOKEN));
        }
        Phase::Failed(f) if f.kind == FailKind::NotSupported => {}
        Phase::Failed(_) => h.push(hint(Key::Char('r'), text::K_TRY_AGAIN)),
        _ => {}
    }
    h.push(hint(Key::Esc, esc));
    h.push(hint(Key::Char('q'), text::K_QUIT));
    h
}

/// 4×5 glyphs for the characters of a user code ('#' is ink).
fn glyph(c: char) -> Option<[&'static str; 5]> {
    Some(match c {
        '0' => [".##.", "#.##", "##.#", "#..#", ".##."],
        '1' => [".#..", "##..", ".#..", ".#..", "###."],
        '2' => ["###.", "...#", ".##.", "#...", "####"],
        '3' => ["###.", "...#", ".##.", "...#", "###."],
        '4' => ["#..#", "#..#", "####", "...#", "...#"],
        '5' => ["####", "#...", "###.", "...#", "###."],
        '6' => [".##.", "#...", "###.", "#..#", ".##."],
        '7' => ["####", "...#", "..#.", ".#..", ".#.."],
        '8' => [".##.", "#..#", ".##.", "#..#", ".##."],
        '9' => [".##.", "#..#", ".###", "...#", ".##."],
        'A' => [".##.", "#..#", "####", "#..#", "#..#"],
        'B' => ["###.", "#..#", "###.", "#..#", "###."],
        'C' => [".###", "#...", "#...", "#...", ".###"],
        'D' => ["###.", "#..#", "#..#", "#..#", "###."],
        'E' => ["####", "#...", "###.", "#...", "####"],
        'F' => ["####", "#...", "###.", "#...", "#..."],
        'G' => [".###", "#...", "#.##", "#..#", ".###"],
        'H' => ["#..#", "#..#", "####", "#..#", "#..#"],
        'I' => ["###.", ".#..", ".#..", ".#..", "###."],
        'J' => ["..##", "...#", "...#", "#..#", ".##."],
        'K' => ["#..#", "#.#.", "##..", "#.#.", "#..#"],
        'L' => ["#...", "#...", "#...", "#...", "####"],
        'M' => ["#..#", "####", "####", "#..#", "#..#"],
        'N' => ["#..#", "##.#", "#.##", "#..#", "#..#"],
        'O' => [".##.", "#..#", "#..#", "#..#", ".##."],
        'P' => ["###.", "#..#", "###.", "#...", "#..."],
        'Q' => [".##.", "#..#", "#..#", "#.#.", ".#.#"],
        'R' => ["###.", "#..#", "###.", "#.#.", "#..#"],
        'S' => [".###", "#...", ".##.", "...#", "###."],
        'T' => ["###.", ".#..", ".#..", ".#..", ".#.."],
        'U' => ["#..#", "#..#", "#..#", "#..#", ".##."],
        'V' => ["#..#", "#..#", "#..#", ".##.", ".##."],
        'W' => ["#..#", "#..#", "####", "####", "#..#"],
        'X' => ["#..#", "#..#", ".##.", "#..#", "#..#"],
        'Y' => ["#..#", "#..#", ".##.", ".#..", ".#.."],
        'Z' => ["####", "..#.", ".#..", "#...", "####"],
        '-' => ["....", "....", "####", "....", "...."],
        ' ' => ["....", "....", "....", "....", "...."],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_character_has_a_glyph_of_four_by_five() {
        for c in ('0'..='9').chain('A'..='Z').chain(['-']) {
            let g = glyph(c).expect("a glyph");
            assert!(g.iter().all(|row| row.len() == 4), "{c}");
        }
        assert_eq!(big_code("AB").map(|r| r[0].chars().count()), Some(9));
        assert!(big_code("a?").is_none());
    }

    #[test]
    fn a_device_url_qr_fits_beside_the_code_at_80_columns() {
        let url = "https://gitlab.example.com/oauth/device?user_code=ABCD1234";
        let (w, h) = qr_size(url, 1).expect("encodes");
        assert!(w <= 80 - 38 && h <= 18, "{w}x{h}");
        assert_eq!(qr_rows(url, 1).len() as u16, h);
    }

    /// Reads the half blocks back into modules: every module of the symbol is drawn as it is
    /// (dark as no ink, light as ink), and the quiet zone is light all round.
    #[test]
    fn the_drawn_qr_code_has_every_module_of_the_symbol() {
        let url = "https://gitlab.example.com/oauth/device?user_code=ABCD1234";
        let qr = qrcodegen::QrCode::encode_text(url, qrcodegen::QrCodeEcc::Low).unwrap();
        for quiet in [1, 2] {
            let rows = qr_rows(url, quiet);
            let side = qr.size() + 2 * quiet;
            for (ty, row) in rows.iter().enumerate() {
                let cells: Vec<char> = row.chars().collect();
                assert_eq!(cells.len() as i32, side);
                for (tx, cell) in cells.iter().enumerate() {
                    let (top, bottom) = match cell {
                        '█' => (true, true),
                        '▀' => (true, false),
                        '▄' => (false, true),
                        _ => (false, false),
                    };
                    let x = tx as i32 - quiet;
                    let y = 2 * ty as i32 - quiet;
                    let light = |y: i32| {
                        !(0..qr.size()).contains(&x)
                            || !(0..qr.size()).contains(&y)
                            || !qr.get_module(x, y)
                    };
                    assert_eq!(top, light(y), "module {x},{y}");
                    if y + 1 < side - quiet {
                        assert_eq!(bottom, light(y + 1), "module {x},{}", y + 1);
                    }
                }
            }
        }
    }
}
