//! A problem a device would hit: the failure it would log and what was seen.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::failure::JoinFailure;
use crate::finding::{CheckId, Finding};

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

impl Problem {
    /// The failing finding of `check` for `problems`: the first problem's failure (the one a device
    /// meets first), every problem's detail in the summary. `None` when there is no problem.
    ///
    /// ```
    /// use wpj_core::{CheckId, JoinFailure, Problem, Status};
    /// let problems = [
    ///     Problem::new(JoinFailure::NameNotResolved, "sts.contoso.com does not resolve"),
    ///     Problem::new(JoinFailure::CertRevoked, "login.contoso.com: revoked"),
    /// ];
    /// let f = Problem::failing(CheckId::new_static("x"), &problems).unwrap();
    /// assert_eq!((f.status, f.failure), (Status::Fail, Some(JoinFailure::NameNotResolved)));
    /// assert_eq!(f.summary, "sts.contoso.com does not resolve; login.contoso.com: revoked");
    /// assert!(Problem::failing(CheckId::new_static("x"), &[]).is_none());
    /// ```
    #[must_use]
    pub fn failing(check: CheckId, problems: &[Self]) -> Option<Finding> {
        let first = problems.first()?;
        let details: Vec<&str> = problems.iter().map(|p| p.detail.as_str()).collect();
        Some(Finding::fail(check, first.failure, details.join("; ")))
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for Problem {}
