//! Every user-facing sentence, in one place: screens, problems and their fixes.

pub mod check;
pub mod create_cli;
pub mod create_wizard;
pub mod granular;
pub mod instance;
pub mod manual;
pub mod net;
pub mod oauth;
pub mod probe;
pub mod provision;
pub mod provision_own;
pub mod provision_refusals;
pub mod renewal;
pub mod rotation;
pub mod safety;
pub mod schedule;
pub mod shell;
pub mod signin;
pub mod sinks;
pub mod status;
pub mod summary;
pub mod validation;
pub mod vault;
pub mod wizard;
