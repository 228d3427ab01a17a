//! gitlab-token: get a verified GitLab access token into the OS keychain, and keep it working.
//!
//! The layers and what each may import are in the README's "Architecture (where things go)";
//! `tests/architecture.rs` measures them.

pub mod exit;
pub mod files;
pub mod git_protocol;
pub mod gitlab;
pub mod instance;
pub mod notify;
pub mod probe;
pub mod problem;
pub mod profile;
pub mod provision;
pub mod rotation;
pub mod runtime;
pub mod sanitize;
pub mod schedule;
pub mod sinks;
pub mod strings;
pub mod terminal;
pub mod theme;
pub mod tls;
pub mod token;
pub mod ui;
pub mod validation;
pub mod vault;
pub mod wizard;

// The command layers last: the closed-pipe-safe printing macros are in scope from here on only.
#[macro_use]
mod safe_print;
pub mod cli;
pub mod session;
