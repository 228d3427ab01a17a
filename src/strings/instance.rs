//! What is said about an address that was read as GitLab's host after a path was dropped.

use crate::instance::Instance;

/// The address was a project, group or clone URL: only its host is kept.
pub fn page_url_note(instance: &Instance, dropped: &str) -> String {
    format!(
        "Read as a project or group address ({dropped}): using {}. If GitLab itself lives under \
         a path (a relative URL root), give that path alone, e.g. https://host/gitlab.",
        instance.base_url()
    )
}
