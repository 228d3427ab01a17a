//! Choosing the kind of account (pure): the best one for the profile and targets, and why each
//! other one is or is not possible.

use super::{Choice, Discovery, Request};

pub(super) fn choose(_request: &Request, _discovery: &Discovery) -> Choice {
    Choice {
        best: None,
        options: Vec::new(),
    }
}
