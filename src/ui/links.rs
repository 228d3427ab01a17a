//! Links on screen and on the clipboard: OSC 52 to copy (written by the runtime as an effect),
//! and rows that hold only a URL so terminal selection rejoins it when it wraps.

use std::io::Write;

use ratatui::layout::Rect;

/// The OSC 52 sequence that puts `text` on the terminal's clipboard (tmux, iTerm2, kitty,
/// WezTerm, Windows Terminal, recent xterm and VTE; over SSH too, as it travels in the output).
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

/// Writes the OSC 52 sequence to the terminal. Called by the runtime for `Effect::Copy`.
pub fn copy_to_clipboard(text: &str) {
    let mut out = std::io::stdout();
    let _ = out.write_all(osc52(text).as_bytes());
    let _ = out.flush();
}

/// Standard base64 with padding (RFC 4648), enough for a URL: no crate for eight lines.
fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

static HYPERLINKS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether links are drawn as OSC 8 hyperlinks: off unless the runtime turned them on, so
/// rendering stays the same in tests whatever terminal runs them.
pub fn hyperlinks() -> bool {
    HYPERLINKS.load(std::sync::atomic::Ordering::Relaxed)
}

/// Turns OSC 8 hyperlinks on or off for this process (the runtime, from [`detect_hyperlinks`]).
pub fn set_hyperlinks(on: bool) {
    HYPERLINKS.store(on, std::sync::atomic::Ordering::Relaxed);
}

/// Whether this terminal shows OSC 8 hyperlinks: `GITLAB_TOKEN_HYPERLINKS=1` or `0` decides;
/// otherwise on for terminals known to support them, never with `NO_COLOR` or `TERM=dumb`.
pub fn detect_hyperlinks() -> bool {
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    match var("GITLAB_TOKEN_HYPERLINKS").as_str() {
        "1" => return true,
        "0" => return false,
        _ => {}
    }
    if !var("NO_COLOR").is_empty() || var("TERM") == "dumb" || var("TERM").is_empty() {
        return false;
    }
    let program = var("TERM_PROGRAM");
    ["iTerm.app", "WezTerm", "vscode", "ghostty", "Hyper"].contains(&program.as_str())
        || var("VTE_VERSION").parse::<u32>().is_ok_and(|v| v >= 5000)
        || !var("KITTY_WINDOW_ID").is_empty()
        || !var("WT_SESSION").is_empty()
        || !var("KONSOLE_VERSION").is_empty()
        || var("TERM").contains("kitty")
        || var("TERM").starts_with("foot")
}

/// Turns the cells of `area` (one row of a URL already drawn) into an OSC 8 hyperlink to `url`.
/// Ratatui has no hyperlink cells: each cell's symbol is wrapped in the escape sequence and its
/// width forced to 1 (escape bytes take no room on screen).
pub fn hyperlink(buf: &mut ratatui::buffer::Buffer, area: Rect, url: &str) {
    let width = ratatui::buffer::CellDiffOption::ForcedWidth(std::num::NonZeroU16::MIN);
    for x in area.x..area.x + area.width {
        let cell = &mut buf[(x, area.y)];
        let symbol = format!("\x1b]8;;{url}\x1b\\{}\x1b]8;;\x1b\\", cell.symbol());
        cell.set_symbol(&symbol).set_diff_option(width);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc_4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }
}
