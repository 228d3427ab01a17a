//! gitlab-token: get a verified GitLab access token into the OS keychain, and keep it working.
//!
//! Layers, from the outside in: `cli` (subcommands) and `runtime` (the wizard's event loop) do I/O;
//! `wizard` (state machine) and `ui` (rendering) are pure; `gitlab`, `probe` and `vault` talk to
//! GitLab, the network and the keychain and know nothing of the UI.

pub mod cli;
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
pub mod session;
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
