//! The provisioning journal: what a run of "Create it for me" has done, step by step. Never a secret.
