//! What one check found: status, failure, typed evidence, time taken and the fix.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::check_id::CheckId;
use crate::duration::duration_ms;
use crate::evidence::Evidence;
use crate::failure::JoinFailure;
use crate::problem::Problem;
use crate::stage::Stage;
use crate::status::Status;

/// Typed values a check hands to the checks that depend on it (resolved addresses, a captured chain).
///
/// Not serialized: they are for the run, the evidence is for the report.
#[derive(Clone, Default)]
pub struct Outputs(HashMap<TypeId, Arc<dyn Any + Send + Sync>>);

impl Outputs {
    /// Stores a value; one value per type.
    pub fn insert<T: Any + Send + Sync>(&mut self, value: T) {
        self.0.insert(TypeId::of::<T>(), Arc::new(value));
    }

    /// The value of type `T`, if one was stored.
    #[must_use]
    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        self.0.get(&TypeId::of::<T>())?.downcast_ref()
    }

    /// True when nothing is stored.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Outputs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Outputs({} values)", self.0.len())
    }
}

/// What one check found.
///
/// Build one with [`Finding::pass`], [`Finding::warn`], [`Finding::fail`], [`Finding::error`] or
/// [`Finding::skipped`], then add evidence:
///
/// ```
/// use wpj_core::{Evidence, Finding, JoinFailure, Status};
///
/// let f = Finding::fail("dns", JoinFailure::NameNotResolved, "no such name")
///     .with_evidence(Evidence::note("NXDOMAIN from 10.0.0.53"));
/// assert_eq!(f.status, Status::Fail);
/// assert_eq!(f.remediation.as_deref(), Some(JoinFailure::NameNotResolved.remediation()));
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Finding {
    /// The check that produced it.
    pub check: CheckId,
    /// The outcome.
    pub status: Status,
    /// When in the device's journey this matters (set by the runner from [`Check::stage`](crate::Check::stage)).
    #[serde(default)]
    pub stage: Stage,
    /// The Windows failure this step would produce, when it fails (or, for a `Warn`, the one it risks).
    pub failure: Option<JoinFailure>,
    /// One line for people: what was found.
    pub summary: String,
    /// What was observed, typed.
    pub evidence: Vec<Evidence>,
    /// How long the check took (set by the runner).
    #[serde(with = "duration_ms", rename = "elapsed_ms")]
    pub elapsed: Duration,
    /// How to fix it, when there is something to fix.
    pub remediation: Option<String>,
    /// Values for dependent checks.
    #[serde(skip)]
    pub outputs: Outputs,
}

impl Finding {
    /// The failing finding of `check` for `problems`: the first problem's failure (the one a device
    /// meets first), every problem's detail in the summary. `None` when there is no problem.
    ///
    /// ```
    /// use wpj_core::{CheckId, Finding, JoinFailure, Problem, Status};
    /// let problems = [
    ///     Problem::new(JoinFailure::NameNotResolved, "sts.contoso.com does not resolve"),
    ///     Problem::new(JoinFailure::CertRevoked, "login.contoso.com: revoked"),
    /// ];
    /// let f = Finding::from_problems(CheckId::new_static("x"), &problems).unwrap();
    /// assert_eq!((f.status, f.failure), (Status::Fail, Some(JoinFailure::NameNotResolved)));
    /// assert_eq!(f.summary, "sts.contoso.com does not resolve; login.contoso.com: revoked");
    /// assert!(Finding::from_problems(CheckId::new_static("x"), &[]).is_none());
    /// ```
    #[must_use]
    pub fn from_problems(check: CheckId, problems: &[Problem]) -> Option<Self> {
        let first = problems.first()?;
        let details: Vec<&str> = problems.iter().map(|p| p.detail.as_str()).collect();
        Some(Self::fail(check, first.failure, details.join("; ")))
    }

    /// A finding with the given status and summary, nothing else.
    pub fn new(check: impl Into<CheckId>, status: Status, summary: impl Into<String>) -> Self {
        Self {
            check: check.into(),
            status,
            stage: Stage::Discovery,
            failure: None,
            summary: summary.into(),
            evidence: Vec::new(),
            elapsed: Duration::ZERO,
            remediation: None,
            outputs: Outputs::default(),
        }
    }

    /// The step works.
    pub fn pass(check: impl Into<CheckId>, summary: impl Into<String>) -> Self {
        Self::new(check, Status::Pass, summary)
    }

    /// The step works but something is wrong; give the remediation with [`Finding::with_remediation`].
    pub fn warn(check: impl Into<CheckId>, summary: impl Into<String>) -> Self {
        Self::new(check, Status::Warn, summary)
    }

    /// A Windows device would fail here with `failure`; the remediation defaults to the failure's own.
    pub fn fail(
        check: impl Into<CheckId>,
        failure: JoinFailure,
        summary: impl Into<String>,
    ) -> Self {
        let mut f = Self::new(check, Status::Fail, summary);
        f.failure = Some(failure);
        f.remediation = Some(failure.remediation().to_owned());
        f
    }

    /// The check could not do its job.
    pub fn error(check: impl Into<CheckId>, summary: impl Into<String>) -> Self {
        Self::new(check, Status::Error, summary)
    }

    /// The check did not run, and why.
    pub fn skipped(check: impl Into<CheckId>, reason: impl Into<String>) -> Self {
        Self::new(check, Status::Skipped, reason)
    }

    /// Adds one piece of evidence.
    #[must_use]
    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.evidence.push(evidence);
        self
    }

    /// Sets the stage (the runner does this from [`Check::stage`](crate::Check::stage)).
    #[must_use]
    pub fn with_stage(mut self, stage: Stage) -> Self {
        self.stage = stage;
        self
    }

    /// Sets (or replaces) the remediation.
    #[must_use]
    pub fn with_remediation(mut self, remediation: impl Into<String>) -> Self {
        self.remediation = Some(remediation.into());
        self
    }

    /// Sets the failure a `Warn` risks (a `Fail` gets it from [`Finding::fail`]).
    #[must_use]
    pub fn with_failure(mut self, failure: JoinFailure) -> Self {
        self.failure = Some(failure);
        self
    }

    /// The text of every [`Evidence::Note`], in order.
    pub fn notes(&self) -> impl Iterator<Item = &str> {
        self.evidence.iter().filter_map(|e| match e {
            Evidence::Note { text } => Some(text.as_str()),
            _ => None,
        })
    }

    /// Stores a value for dependent checks (see [`Context::output`](crate::Context::output)).
    #[must_use]
    pub fn with_output<T: Any + Send + Sync>(mut self, value: T) -> Self {
        self.outputs.insert(value);
        self
    }
}
