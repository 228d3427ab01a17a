//! The secret token: zeroized on drop, never printed, shown only as its length and last 4 characters.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroize;

/// A GitLab access token. `Debug` and `Display` never reveal it.
#[derive(Clone)]
pub struct Token(SecretString);

impl Token {
    /// Takes ownership of `raw`, trims surrounding whitespace and newlines, and zeroizes the original buffer.
    pub fn new(mut raw: String) -> Self {
        let trimmed = raw.trim().to_owned();
        raw.zeroize();
        Token(SecretString::from(trimmed))
    }

    /// The secret itself, for the one place that must send or store it.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }

    /// Number of characters (not bytes).
    pub fn len(&self) -> usize {
        self.expose().chars().count()
    }

    /// Why this cannot be a GitLab token, judged without sending it anywhere. GitLab's tokens
    /// are printable ASCII without spaces (letters, digits, `-`, `_`, `.`, and an instance prefix).
    pub fn format_problem(&self) -> Option<FormatProblem> {
        let s = self.expose();
        if s.is_empty() {
            Some(FormatProblem::Empty)
        } else if s.chars().any(char::is_whitespace) {
            Some(FormatProblem::InnerWhitespace)
        } else if s.chars().any(char::is_control) {
            Some(FormatProblem::ControlCharacter)
        } else if !s.is_ascii() {
            Some(FormatProblem::NotAscii)
        } else {
            None
        }
    }

    /// What the token looks like, judged by its prefix.
    pub fn kind(&self) -> TokenKind {
        TokenKind::of(self.expose())
    }

    /// The only view of a token ever shown: dots, the last 4 characters and the length.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.expose().chars().collect();
        if chars.len() <= 8 {
            return format!("{} ({} characters)", "•".repeat(chars.len()), chars.len());
        }
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("••••••••{tail} ({} characters)", chars.len())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token([REDACTED])")
    }
}

impl<'de> serde::Deserialize<'de> for Token {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Token::new)
    }
}

impl PartialEq for Token {
    fn eq(&self, other: &Self) -> bool {
        self.expose() == other.expose()
    }
}

/// Why a value cannot be a token (found locally: nothing was sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FormatProblem {
    Empty,
    /// A space, tab or line break inside: two tokens, or a token and something else, were pasted.
    InnerWhitespace,
    ControlCharacter,
    /// A letter outside ASCII: a smart quote, a non-breaking space or similar came with the copy.
    NotAscii,
}

/// Token kinds by GitLab's documented prefixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `glpat-`: personal, service-account (and group/project) access token.
    PersonalAccess,
    Deploy,
    Runner,
    RunnerRegistration,
    PipelineTrigger,
    Feed,
    CiJob,
    OAuthSecret,
    OAuthAccess,
    Scim,
    IncomingMail,
    Agent,
    Workspace,
    FeatureFlagsClient,
    /// No known prefix: a token created before prefixes, or something else entirely.
    Unknown,
}

impl TokenKind {
    const PREFIXES: &'static [(&'static str, TokenKind)] = &[
        ("glpat-", TokenKind::PersonalAccess),
        ("gldt-", TokenKind::Deploy),
        ("glrt-", TokenKind::Runner),
        ("glrtr-", TokenKind::RunnerRegistration),
        ("GR1348941", TokenKind::RunnerRegistration),
        ("glptt-", TokenKind::PipelineTrigger),
        ("glft-", TokenKind::Feed),
        ("glcbt-", TokenKind::CiJob),
        ("gloas-", TokenKind::OAuthSecret),
        ("gloat-", TokenKind::OAuthAccess),
        ("glsoat-", TokenKind::Scim),
        ("glimt-", TokenKind::IncomingMail),
        ("glagent-", TokenKind::Agent),
        ("glwt-", TokenKind::Workspace),
        ("glffct-", TokenKind::FeatureFlagsClient),
    ];

    /// An instance may prepend its own prefix to `glpat-` (GitLab's `personal_access_token_prefix`).
    pub fn of(token: &str) -> Self {
        if token.contains("glpat-") {
            return TokenKind::PersonalAccess;
        }
        Self::PREFIXES
            .iter()
            .find(|(prefix, _)| token.starts_with(prefix))
            .map_or(TokenKind::Unknown, |(_, kind)| *kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_masks_without_revealing() {
        let t = Token::new("  glpat-abcdefghijklmnopqrst\r\n".into());
        assert_eq!(t.expose(), "glpat-abcdefghijklmnopqrst");
        assert_eq!(t.masked(), "••••••••qrst (26 characters)");
        assert!(!format!("{t:?}").contains("glpat"));
        assert_eq!(t.kind(), TokenKind::PersonalAccess);
    }

    #[test]
    fn refuses_inner_whitespace_and_odd_characters() {
        let problem = |s: &str| Token::new(s.into()).format_problem();
        assert_eq!(problem(" glpat-abc\n"), None);
        assert_eq!(problem("glpat-abc.01.0a1b2c3d4"), None);
        assert_eq!(
            problem("glpat-abc def"),
            Some(FormatProblem::InnerWhitespace)
        );
        assert_eq!(
            problem("glpat-abc\ndef"),
            Some(FormatProblem::InnerWhitespace)
        );
        assert_eq!(
            problem("glpat-abc\u{a0}def"),
            Some(FormatProblem::InnerWhitespace)
        );
        assert_eq!(
            problem("glpat-\u{1b}[0m"),
            Some(FormatProblem::ControlCharacter)
        );
        assert_eq!(problem("glpat-abc\u{201d}"), Some(FormatProblem::NotAscii));
        assert_eq!(problem("   "), Some(FormatProblem::Empty));
    }

    #[test]
    fn short_tokens_show_no_characters() {
        assert_eq!(Token::new("abc".into()).masked(), "••• (3 characters)");
    }

    #[test]
    fn kinds_by_prefix() {
        assert_eq!(TokenKind::of("gldt-x"), TokenKind::Deploy);
        assert_eq!(TokenKind::of("glrt-x"), TokenKind::Runner);
        assert_eq!(TokenKind::of("glptt-x"), TokenKind::PipelineTrigger);
        assert_eq!(TokenKind::of("glft-x"), TokenKind::Feed);
        assert_eq!(TokenKind::of("gloas-x"), TokenKind::OAuthSecret);
        assert_eq!(TokenKind::of("0123abcd"), TokenKind::Unknown);
        assert_eq!(TokenKind::of("acme-glpat-x"), TokenKind::PersonalAccess);
    }
}
