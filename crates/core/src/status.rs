//! The outcome of one check, from `pass` to `error`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The step works as Windows needs it.
    Pass,
    /// The step works, but something will break some devices or will break soon.
    Warn,
    /// A Windows device would fail at this step.
    Fail,
    /// The check did not run (a dependency failed, or the deadline came first).
    Skipped,
    /// The check itself could not do its job (bad input, internal error); says nothing about the service.
    Error,
}

impl Status {
    /// True for `Warn`, `Fail` and `Error`: something an admin should read.
    #[must_use]
    pub const fn is_problem(self) -> bool {
        matches!(self, Self::Warn | Self::Fail | Self::Error)
    }

    /// True for `Fail`.
    #[must_use]
    pub const fn is_fail(self) -> bool {
        matches!(self, Self::Fail)
    }

    /// A lowercase word for text output.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pass => "pass",
            Self::Warn => "warn",
            Self::Fail => "fail",
            Self::Skipped => "skipped",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
