//! The GitLab REST API client, its response types, roles and scopes, and deep links into GitLab's UI.

pub mod access;
pub mod accounts;
mod answer;
pub mod api_error;
pub mod client;
pub mod granular;
pub mod granular_request;
pub mod links;
pub mod oauth;
pub mod oauth_types;
mod oauth_wire;
pub mod types;
pub mod variables;
pub mod version;

pub use client::{ApiError, Client};
