//! Text that came from elsewhere (a server, the environment) made safe to show or store:
//! control characters and escape sequences removed, lengths capped, URL credentials hidden.

/// The longest name, username or token name kept (GitLab's own limit is 255).
pub const NAME_MAX: usize = 256;
/// The longest short field kept: versions, dates, states, scopes, content types.
pub const SHORT_MAX: usize = 64;
/// The longest server message kept (error messages, redirect targets).
pub const MESSAGE_MAX: usize = 512;

/// `s` without control characters (C0, DEL, C1), terminal escape sequences (CSI, OSC, DCS and
/// the rest), or bidirectional overrides; cut to `max_chars` characters with a trailing `…`.
/// Tabs and newlines become spaces, so one field always stays on one line.
pub fn clean(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars * 4));
    let mut kept = 0;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let shown = match c {
            '\u{1b}' => {
                skip_escape(&mut chars);
                None
            }
            // C1 CSI, OSC, DCS, SOS, PM and APC: the 8-bit forms of the escape sequences.
            '\u{9b}' => {
                skip_until_final(&mut chars);
                None
            }
            '\u{90}' | '\u{98}' | '\u{9d}' | '\u{9e}' | '\u{9f}' => {
                skip_string(&mut chars);
                None
            }
            '\t' | '\n' | '\r' => Some(' '),
            c if c.is_control() || is_bidi_control(c) => None,
            c => Some(c),
        };
        if let Some(c) = shown {
            if kept == max_chars {
                out.push('…');
                return out;
            }
            out.push(c);
            kept += 1;
        }
    }
    out
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// After ESC: `[` starts a CSI (ends at a byte in `@`..`~`), `]`, `P`, `X`, `^`, `_` start a
/// string (ends at BEL or ESC `\`); anything else is a two-character sequence.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_until_final(chars),
        Some(']' | 'P' | 'X' | '^' | '_') => skip_string(chars),
        _ => {}
    }
}

fn skip_until_final(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if ('@'..='~').contains(&c) {
            break;
        }
    }
}

fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

/// A URL (or `host:port`) as it may be shown: any `user:password@` replaced by `***@`, and
/// cleaned like [`clean`]. Text that is not a URL is cleaned and its `…@` part hidden too.
pub fn redact_url(raw: &str) -> String {
    let (scheme, rest) = match raw.find("://") {
        Some(i) => raw.split_at(i + 3),
        None => ("", raw),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let shown = match authority.rfind('@') {
        Some(at) => format!("{scheme}***@{}{tail}", &authority[at + 1..]),
        None => raw.to_owned(),
    };
    clean(&shown, MESSAGE_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_controls_and_escape_sequences() {
        assert_eq!(clean("alice\u{1b}[31mred\u{1b}[0m", 64), "alicered");
        assert_eq!(clean("\u{1b}]0;owned title\u{7}bob", 64), "bob");
        assert_eq!(clean("\u{1b}]8;;http://x\u{1b}\\link", 64), "link");
        assert_eq!(clean("a\rb\nc\td", 64), "a b c d");
        assert_eq!(clean("x\u{0}\u{7f}\u{85}\u{9b}2Jy", 64), "xy");
        assert_eq!(clean("ab\u{202e}cd", 64), "abcd");
        assert_eq!(clean("Zoë 🚀", 64), "Zoë 🚀");
    }

    #[test]
    fn cuts_long_text() {
        assert_eq!(clean(&"a".repeat(300), 256).chars().count(), 257);
        assert!(clean(&"a".repeat(300), 256).ends_with('…'));
        assert_eq!(clean(&"a".repeat(256), 256), "a".repeat(256));
    }

    #[test]
    fn hides_credentials_in_urls() {
        assert_eq!(
            redact_url("socks5://user:s3cret@proxy:1080"),
            "socks5://***@proxy:1080"
        );
        assert_eq!(
            redact_url("https://u:p@a@proxy.corp/x?y"),
            "https://***@proxy.corp/x?y"
        );
        assert_eq!(redact_url("user:pw@proxy:3128"), "***@proxy:3128");
        assert_eq!(redact_url("http://proxy:3128"), "http://proxy:3128");
        assert_eq!(redact_url("http://proxy/a@b"), "http://proxy/a@b");
    }
}
