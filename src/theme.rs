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
            muted: Style::new().fg(Color::DarkGray),
            accent: Style::new().fg(Color::Cyan),
            selected: Style::new().fg(Color::Black).bg(Color::Cyan).add_modifier(Modifier::BOLD),
            ok: Style::new().fg(Color::Green),
            warn: Style::new().fg(Color::Yellow),
            fail: Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            key_help: Style::new().fg(Color::Black).bg(Color::Gray),
            link: Style::new().fg(Color::Blue).add_modifier(Modifier::UNDERLINED),
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
