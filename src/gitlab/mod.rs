//! The GitLab REST API client, its response types, roles and scopes, and deep links into GitLab's UI.

pub mod access;
mod answer;
pub mod client;
pub mod links;
pub mod types;
pub mod variables;

pub use client::{ApiError, Client};
