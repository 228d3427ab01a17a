//! The kinds of account "Create it for me" makes, named for people and for `--kind`, and the
//! guided path every refusal ends with (below `provision` and `provision_refusals`, which both
//! use them).

use crate::provision::Kind;

/// The guided path, named at the end of every refusal that leaves no other way.
pub const GUIDED: &str = "or follow the guided steps (`gitlab-token setup`), which work for anyone";

/// The kind's name, for people.
pub fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::GroupServiceAccount => "group service account",
        Kind::SubgroupServiceAccount => "subgroup service account",
        Kind::InstanceServiceAccount => "instance service account",
        Kind::ProjectServiceAccount => "project service account",
        Kind::GroupToken => "group access token",
        Kind::ProjectToken => "project access token",
        Kind::OwnToken => "fine-grained token of your own account",
    }
}

pub fn kind_flag(kind: Kind) -> &'static str {
    match kind {
        Kind::GroupServiceAccount => "group-service-account",
        Kind::SubgroupServiceAccount => "subgroup-service-account",
        Kind::InstanceServiceAccount => "instance-service-account",
        Kind::ProjectServiceAccount => "project-service-account",
        Kind::GroupToken => "group-token",
        Kind::ProjectToken => "project-token",
        Kind::OwnToken => "own-token",
    }
}
