//! What one delivery did, as typed values: [`Done`] or the [`Failure`] (kept as the pending
//! delivery's `last_error` in `deliveries.toml`, so it is serialized). No sentences:
//! `strings::sinks` says them.

use serde::{Deserialize, Serialize};

use crate::gitlab::ApiError;
use crate::gitlab::variables::{Owner, VariableRef};

/// Where a variable sink writes: the outcome's own copy of its [`VariableRef`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Variable {
    pub owner: Owner,
    pub path: String,
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub environment_scope: Option<String>,
}

impl Variable {
    pub fn of(at: &VariableRef<'_>) -> Variable {
        Variable {
            owner: at.owner,
            path: at.path.to_owned(),
            key: at.key.to_owned(),
            environment_scope: at.environment_scope.map(str::to_owned),
        }
    }

    pub fn at(&self) -> VariableRef<'_> {
        VariableRef {
            owner: self.owner,
            path: &self.path,
            key: &self.key,
            environment_scope: self.environment_scope.as_deref(),
        }
    }
}

/// A delivery that worked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    /// The variable existed: its value replaced, its flags as GitLab answered them.
    VariableUpdated {
        at: Variable,
        masked: bool,
        protected: bool,
        scope: Option<String>,
    },
    /// The variable did not exist and was created.
    VariableCreated {
        at: Variable,
        masked: bool,
        scope: Option<String>,
    },
    /// The command took the value (exit code 0).
    CommandRan { argv: Vec<String> },
}

/// Why a delivery failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Failure {
    /// No client for the token's instance (`detail`: the error's own words).
    VariableSetup {
        detail: String,
    },
    /// GitLab refused or failed the variable's read or write.
    VariableFailed {
        at: Variable,
        host: String,
        error: ApiError,
    },
    /// GitLab refused the sign-in `account` that writes the variable.
    SignInRefused {
        at: Variable,
        host: String,
        account: String,
        error: ApiError,
    },
    /// GitLab answered the update with another value.
    VariableNotKept {
        at: Variable,
    },
    /// The sign-in `account` gave no working access token.
    SignInFailed {
        account: String,
        detail: String,
    },
    /// No browser sign-in `account` is stored.
    SignInGone {
        account: String,
    },
    /// The command sink has no program.
    CommandEmpty,
    CommandNotStarted {
        argv: Vec<String>,
        detail: String,
    },
    /// The command exited with `code` (none: a signal); `said`: its last line of standard error.
    CommandFailed {
        argv: Vec<String>,
        code: Option<i32>,
        said: String,
    },
    CommandTimedOut {
        argv: Vec<String>,
        secs: u64,
    },
}

/// What one delivery did (`strings::sinks::shown` says it; `rotate --json` prints it as `sinks`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub id: u32,
    pub kind: &'static str,
    pub target: String,
    pub result: Result<Done, Failure>,
}

impl Outcome {
    /// The sink has the value.
    pub fn ok(&self) -> bool {
        self.result.is_ok()
    }
}
