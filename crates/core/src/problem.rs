//! A problem a device would hit: the failure it would log and what was seen.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::failure::JoinFailure;

/// One problem found on the path a device takes: the [`JoinFailure`] a device would log for it and
/// what was seen, in words.
///
/// Every check that collects several problems before choosing a verdict carries them as
/// `Problem`s, so the failure is never recovered from the wording.
///
/// ```
/// use wpj_core::{JoinFailure, Problem};
/// let p = Problem::new(JoinFailure::CertRevoked, "the server certificate was revoked");
/// assert_eq!(p.failure, JoinFailure::CertRevoked);
/// assert_eq!(p.to_string(), "the server certificate was revoked");
/// assert_eq!(p.with_prefix("10.0.0.5").detail, "10.0.0.5: the server certificate was revoked");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// What a device would log.
    pub failure: JoinFailure,
    /// What was seen.
    pub detail: String,
}

impl Problem {
    /// A problem `failure`, described by `detail`.
    pub fn new(failure: JoinFailure, detail: impl Into<String>) -> Self {
        Self {
            failure,
            detail: detail.into(),
        }
    }

    /// The same problem, its detail prefixed by `what` (the host or node it was seen on).
    #[must_use]
    pub fn with_prefix(mut self, what: impl fmt::Display) -> Self {
        self.detail = format!("{what}: {}", self.detail);
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for Problem {}
