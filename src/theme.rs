//! The colour theme, in one place. With `NO_COLOR` set, no colour at all (only bold and reverse).

use std::sync::OnceLock;

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub title: Style,
    pub text: Style,
    pub muted: Style,
    pub accent: Style,
    pub selected: Style,
    pub ok: Style,
    pub warn: Style,
    pub fail: Style,
    pub key_help: Style,
    pub link: Style,
}

impl Theme {
    pub fn colour() -> Theme {
        Theme {
            title: Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            text: Style::new(),
            // Secondary text keeps the terminal's own foreground: colour 8 (DarkGray) is
            // unreadable on many dark palettes. It is set apart by italics instead.
            muted: Style::new().add_modifier(Modifier::ITALIC),
            accent: Style::new().fg(Color::Cyan),
            selected: Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD),
            ok: Style::new().fg(Color::Green),
            warn: Style::new().fg(Color::Yellow),
            fail: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            key_help: Style::new().fg(Color::Black).bg(Color::Gray),
            link: Style::new()
                .fg(Color::Blue)
                .add_modifier(Modifier::UNDERLINED),
        }
    }

    pub fn plain() -> Theme {
        let none = Style::new();
        Theme {
            title: none.add_modifier(Modifier::BOLD),
            text: none,
            muted: none,
            accent: none,
            selected: none.add_modifier(Modifier::REVERSED),
            ok: none,
            warn: none,
            fail: none.add_modifier(Modifier::BOLD),
            key_help: none.add_modifier(Modifier::REVERSED),
            link: none.add_modifier(Modifier::UNDERLINED),
        }
    }

    /// `NO_COLOR` set to anything non-empty turns colour off (https://no-color.org).
    pub fn from_env() -> Theme {
        match std::env::var_os("NO_COLOR") {
            Some(v) if !v.is_empty() => Theme::plain(),
            _ => Theme::colour(),
        }
    }
}

/// The theme of this process, chosen once from the environment.
pub fn current() -> &'static Theme {
    static THEME: OnceLock<Theme> = OnceLock::new();
    THEME.get_or_init(Theme::from_env)
}

/// A tone for plain-text output (`check`, `verify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Ok,
    Warn,
    Fail,
    Muted,
    Title,
}

/// Colours `text` for a terminal; returns it unchanged when `colour` is off.
pub fn paint(text: &str, tone: Tone, colour: bool) -> String {
    use crossterm::style::Stylize;
    if !colour {
        return text.to_owned();
    }
    match tone {
        Tone::Ok => text.green().to_string(),
        Tone::Warn => text.yellow().to_string(),
        Tone::Fail => text.red().bold().to_string(),
        Tone::Muted => text.italic().to_string(),
        Tone::Title => text.cyan().bold().to_string(),
    }
}

/// Colour for plain-text output: only on a terminal, and never with `NO_COLOR`.
pub fn stdout_colour() -> bool {
    use std::io::IsTerminal;
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

impl Theme {
    /// A terminal QR code: light modules as white blocks on black, so it scans on a light or a
    /// dark terminal alike; with `NO_COLOR`, the terminal's own colours.
    pub fn qr(&self) -> Style {
        if self.accent.fg.is_some() {
            Style::new().fg(Color::White).bg(Color::Black)
        } else {
            Style::new()
        }
    }
}
