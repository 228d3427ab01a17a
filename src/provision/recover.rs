//! Finishing or repairing a killed provisioning run, and naming the tokens it left behind.

use std::path::Path;

use super::Orphan;

/// Tokens that killed runs created on GitLab but never stored, read from the journals beside
/// `metadata_path` (no network, no authorization): each with its id and the page to revoke it.
pub fn orphans(_metadata_path: &Path) -> Vec<Orphan> {
    Vec::new()
}
