//! Shared test support: a private PKI, a fake GitLab over real TLS, misbehaving servers, and a
//! runner for the built binary. Used by several test files through `mod support;`, so not every
//! item is used by every file.
#![allow(dead_code, unused_imports)]

pub mod accounts;
pub mod bin;
pub mod certs;
pub mod client;
pub mod fake_access_tokens;
pub mod fake_api;
pub mod fake_gitlab;
pub mod fake_granular;
pub mod fake_minted;
pub mod fake_oauth;
pub mod fake_own_tokens;
pub mod fake_provision;
pub mod fake_provision_members;
pub mod fake_provision_tokens;
pub mod fake_variables;
mod gitlab_bodies;
pub mod home;
pub mod hostile;
pub mod provisioning;
pub mod rotating;
pub mod servers;
pub mod stores;
pub mod vault;

pub use bin::{Output, run_bin};
pub use certs::{Leaf, Pki};
pub use fake_gitlab::{
    FakeGitLab, FakeUser, Logged, Mode, TokenRecord, days_from_today, new_secret,
};
pub use servers::Server;
