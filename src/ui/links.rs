//! Links on screen and on the clipboard: OSC 52 to copy (written by the runtime as an effect),
//! and rows that hold only a URL so terminal selection rejoins it when it wraps.

use std::io::Write;

use ratatui::layout::Rect;

/// The OSC 52 sequence that puts `text` on the terminal's clipboard (tmux, iTerm2, kitty,
/// WezTerm, Windows Terminal, recent xterm and VTE; over SSH too, as it travels in the output).
pub fn osc52(text: &str) -> String {
    // One buffer, sized up front: a secret's encoding is never copied into a second one.
    use base64::Engine;
    let mut out = String::with_capacity(8 + text.len().div_ceil(3) * 4);
    out.push_str("\x1b]52;c;");
    base64::engine::general_purpose::STANDARD.encode_string(text.as_bytes(), &mut out);
    out.push('\x07');
    out
}

/// Writes the OSC 52 sequence to the terminal. Called by the runtime for `Effect::Copy`.
pub fn copy_to_clipboard(text: &str) {
    let mut out = std::io::stdout();
    let _ = out.write_all(osc52(text).as_bytes());
    let _ = out.flush();
}

/// Copies the token to the clipboard through the terminal (OSC 52): the sequence is built in a
/// buffer that is zeroized once written, and never logged.
pub fn copy_secret_to_clipboard(token: &crate::token::Token) {
    let sequence = zeroize::Zeroizing::new(osc52(token.expose()));
    let mut out = std::io::stdout();
    let _ = out.write_all(sequence.as_bytes());
    let _ = out.flush();
}

/// Replaces what the clipboard holds with nothing (terminals that honour OSC 52 clear it).
pub fn clear_clipboard() {
    copy_to_clipboard("");
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
    fn osc52_carries_rfc_4648_base64() {
        assert_eq!(osc52(""), "\x1b]52;c;\x07");
        assert_eq!(osc52("f"), "\x1b]52;c;Zg==\x07");
        assert_eq!(osc52("foobar"), "\x1b]52;c;Zm9vYmFy\x07");
        assert_eq!(osc52("hi"), "\x1b]52;c;aGk=\x07");
    }
}
