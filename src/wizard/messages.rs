//! The wizard's inputs (`Msg`: keys, pastes, results of the runtime's work) and outputs (`Effect`:
//! work for the runtime), as data.

use std::path::PathBuf;

use crossterm::event::KeyEvent;

use super::{Ticket, signin};
use crate::instance::Instance;
use crate::strings::probe::{ShownReport, ShownStage};
use crate::token::Token;
use crate::validation::{Requirements, Validation};
use crate::vault::{SaveError, Saved, StoreKind, StoredToken, VaultError};

/// Inputs to the wizard: keys from the terminal, and results from the runtime.
pub enum Msg {
    Key(KeyEvent),
    /// A bracketed paste, wrapped as a secret at the edge.
    Paste(Token),
    Resize,
    /// The screen was drawn; it could scroll this many rows further down (`wizard::scroll`).
    Drawn(u16),
    /// Animation tick; only sent while something runs.
    Tick,
    /// One second passed, sent only while a countdown shows (a sign-in's code, the clipboard).
    Second,
    ProbeStage(Ticket, ShownStage),
    ProbeDone(Ticket, ShownReport),
    /// The validation and when it finished (RFC 3339).
    Validated(Ticket, Box<Validation>, String),
    Saved(Ticket, Result<Saved, SaveError>),
    BrowserOpened(Result<(), String>),
    /// The token being replaced, read from its store.
    OldLoaded(Ticket, Result<Token, VaultError>),
    /// The old token's revocation on GitLab.
    OldRevoked(Ticket, Result<(), String>),
    /// An automatic rotation finished.
    Rotated(Ticket, Box<crate::rotation::Report>),
    /// An automatic rotation reached this stage.
    RotationStage(Ticket, crate::rotation::automatic::Stage),
    /// SIGTERM, SIGINT, SIGHUP or SIGQUIT arrived.
    Signal,
    /// The store probe's answer: `Ok` when it can be used.
    StoreProbed(Ticket, Result<(), VaultError>),
    /// `setup-git` for the saved token finished.
    GitSetUp(Ticket, Result<super::GitOutcome, String>),
    /// The replaced token's sinks got the new value (or why not): one line per sink.
    SinksDelivered(Result<Vec<crate::strings::sinks::ShownOutcome>, String>),
    /// The browser sign-in's progress.
    Signin(signin::SigninMsg),
    /// "Create it for me"'s work: the saved sign-in read, discovery, stages, the outcome.
    Create(super::create::CreateMsg),
}

/// Work for the runtime.
#[derive(Debug)]
pub enum Effect {
    Probe {
        ticket: Ticket,
        instance: Instance,
        ca_file: Option<PathBuf>,
    },
    Validate {
        ticket: Ticket,
        instance: Instance,
        ca_file: Option<PathBuf>,
        token: Token,
        needs: Requirements,
    },
    Save {
        ticket: Ticket,
        token: Token,
        entry: Box<StoredToken>,
    },
    OpenUrl(String),
    /// Read the token being replaced from its store.
    LoadOld {
        ticket: Ticket,
        account: String,
        store: StoreKind,
    },
    /// Rotate a stored token through GitLab's API (it has `api` or `self_rotate`).
    RotateAutomatically {
        ticket: Ticket,
        entry: Box<StoredToken>,
        expires_in_days: u32,
    },
    /// Revoke the replaced token on GitLab (`DELETE /personal_access_tokens/self`).
    RevokeOld {
        ticket: Ticket,
        instance: Instance,
        ca_file: Option<PathBuf>,
        token: Token,
    },
    /// Open the store and look up an entry no one has: is it usable?
    ProbeStore {
        ticket: Ticket,
        store: StoreKind,
    },
    /// Configure git to use the saved token for its host (`gitlab-token setup-git`).
    SetupGit {
        ticket: Ticket,
        host: String,
        name: String,
        /// Re-point git even when it uses another token or helper for the host (asked first).
        repoint: bool,
    },
    /// Copy text to the terminal's clipboard (OSC 52).
    Copy(String),
    /// Copy the saved token to the clipboard for the integration's form (never shown).
    CopySecret(Token),
    /// Clear the clipboard the token was copied to.
    ClearClipboard,
    /// Deliver a replaced token's new value to its sinks (`gitlab-token sink deliver`); what
    /// fails stays pending for the next `rotate`.
    DeliverSinks {
        account: String,
    },
    /// The browser sign-in's work (start and poll, cancel).
    Signin(signin::SigninEffect),
    /// Check an OAuth access token live (`/oauth/token/info` instead of the token's self view).
    ValidateOAuth {
        ticket: Ticket,
        instance: Instance,
        ca_file: Option<PathBuf>,
        token: Token,
        needs: Requirements,
    },
    /// Save the approved OAuth pair (one keychain entry, `kind = "oauth"` metadata).
    SaveOAuth {
        ticket: Ticket,
        pair: Box<crate::gitlab::oauth::OAuthPair>,
        app_id: String,
        entry: Box<StoredToken>,
    },
    /// "Create it for me"'s work (read a saved sign-in, discover, execute, revoke).
    Create(super::create::CreateEffect),
    Quit,
}
