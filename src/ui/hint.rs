//! A help line's entries (a key and what it does now) and how they are laid out on one row or,
//! when it does not fit, two. Which keys a screen offers is `help.rs`'s and each flow's.

/// A key (or key family) the help line can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Enter,
    Esc,
    /// A plain letter or symbol.
    Char(char),
    /// Ctrl plus a letter.
    Ctrl(char),
    UpDown,
    LeftRight,
    Space,
    PlusMinus,
    /// Typing text into the focused field.
    Type,
    /// A key written as given (e.g. "n/Esc").
    Named(&'static str),
    /// No key: a short note on what is going on (e.g. "finishing, then quitting…").
    Note,
}

/// One entry of the help line: the key and what it does now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hint {
    pub key: Key,
    pub label: &'static str,
}

pub(crate) const fn hint(key: Key, label: &'static str) -> Hint {
    Hint { key, label }
}

/// How a key is written on the help line.
pub fn key_name(key: Key) -> String {
    match key {
        Key::Enter => "Enter".into(),
        Key::Esc => "Esc".into(),
        Key::Char(c) => c.to_string(),
        Key::Ctrl(c) => format!("Ctrl-{}", c.to_ascii_uppercase()),
        Key::UpDown => "↑↓".into(),
        Key::LeftRight => "←→".into(),
        Key::Space => "Space".into(),
        Key::PlusMinus => "+/-".into(),
        Key::Type | Key::Note => String::new(),
        Key::Named(name) => name.into(),
    }
}

/// Each hint as text ("Enter next", or just the label for typing).
fn entries(hints: &[Hint]) -> Vec<String> {
    hints
        .iter()
        .map(|h| match key_name(h.key) {
            k if k.is_empty() => h.label.to_owned(),
            k => format!("{k} {}", h.label),
        })
        .collect()
}

/// The help line as rows that fit `width` columns: one row when it fits, otherwise entries are
/// wrapped between rows (never cut inside an entry). At most two rows; on a terminal too narrow
/// even for that, only the keys are shown, without their labels.
pub fn rows(hints: &[Hint], width: usize) -> Vec<String> {
    let width = width.saturating_sub(1).max(1);
    let full = pack(&entries(hints), width);
    if full.len() <= 2 {
        return full;
    }
    let short: Vec<String> = hints
        .iter()
        .map(|h| match key_name(h.key) {
            k if k.is_empty() => h.label.to_owned(),
            k => k,
        })
        .collect();
    pack(&short, width)
}

fn pack(entries: &[String], width: usize) -> Vec<String> {
    let mut rows: Vec<String> = Vec::new();
    let mut row = String::new();
    for e in entries {
        let needed = row.chars().count() + 2 + e.chars().count();
        if !row.is_empty() && needed > width {
            rows.push(std::mem::take(&mut row));
        }
        if !row.is_empty() {
            row.push_str("  ");
        }
        row.push_str(e);
    }
    if !row.is_empty() {
        rows.push(row);
    }
    rows
}
