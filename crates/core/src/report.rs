//! The result of a run: every finding in plan order, and the verdict in Windows' own words.

use std::fmt::{self, Write as _};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::codes::{EventRef, Hresult, Kb, MessageStage};
use crate::context::Mode;
use crate::evidence::HumanDuration;
use crate::failure::JoinFailure;
use crate::finding::{CheckId, Finding, Status, duration_ms};

/// The version of the JSON shape of [`Report`]; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The first failure a Windows device would hit, as its event log would record it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The check that found it.
    pub check: CheckId,
    /// The failure.
    pub failure: JoinFailure,
    /// The HRESULT, when the failure has one.
    pub hresult: Option<Hresult>,
    /// The HTTP status, for event 103.
    pub http_status: Option<u16>,
    /// The event Windows writes, where documented.
    pub event: Option<EventRef>,
    /// The support article.
    pub kb: Option<Kb>,
    /// What the user sees, and when.
    pub message_stage: MessageStage,
    /// What the check observed, in one line.
    pub summary: String,
    /// How to fix it.
    pub remediation: String,
}

impl Verdict {
    fn from_finding(finding: &Finding) -> Self {
        let failure = finding.failure.unwrap_or(JoinFailure::UnknownError);
        Self {
            check: finding.check.clone(),
            failure,
            hresult: failure.hresult(),
            http_status: failure.http_status(),
            event: failure.event(),
            kb: failure.kb(),
            message_stage: failure.message_stage(),
            summary: finding.summary.clone(),
            remediation: finding
                .remediation
                .clone()
                .unwrap_or_else(|| failure.remediation().to_owned()),
        }
    }
}

impl fmt::Display for Verdict {
    /// `A Windows device would fail with event 102, 0x80072F8A — <meaning> (KB3045383)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("A Windows device would fail with ")?;
        if let Some(event) = self.event {
            write!(f, "event {}, ", event.id)?;
        }
        match (self.hresult, self.http_status) {
            (Some(h), _) => write!(f, "{h}")?,
            (None, Some(s)) => write!(f, "HTTP {s}")?,
            (None, None) => f.write_str(self.failure.code())?,
        }
        write!(f, " — {}", self.failure.description())?;
        if let Some(kb) = self.kb {
            write!(f, " ({kb})")?;
        }
        Ok(())
    }
}

/// The result of one diagnosis.
///
/// ```
/// use std::time::Duration;
/// use wpj_core::{Finding, JoinFailure, Mode, Report, Status};
///
/// let report = Report::new(
///     "contoso.com",
///     Mode::Auto,
///     time::OffsetDateTime::UNIX_EPOCH,
///     Duration::from_millis(42),
///     vec![
///         Finding::pass("dns", "resolved"),
///         Finding::fail("tls", JoinFailure::CertRevoked, "leaf revoked"),
///         Finding::fail("contract", JoinFailure::ContractNotFound, "404"),
///     ],
/// );
/// let verdict = report.verdict().unwrap();
/// assert_eq!(verdict.failure, JoinFailure::CertRevoked);
/// assert_eq!(report.problems().count(), 2);
/// assert!(report.to_string().contains("0x80072F8A"));
/// let json = serde_json::to_value(&report).unwrap();
/// assert_eq!(json["schema_version"], 1);
/// assert_eq!(json["verdict"]["hresult"], "0x80072F8A");
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    schema_version: u32,
    target: String,
    mode: Mode,
    #[serde(with = "time::serde::rfc3339")]
    started_at: OffsetDateTime,
    #[serde(with = "duration_ms", rename = "elapsed_ms")]
    elapsed: Duration,
    verdict: Option<Verdict>,
    findings: Vec<Finding>,
}

impl Report {
    /// A report over findings given in plan order; the verdict is derived from them.
    #[must_use]
    pub fn new(
        target: impl Into<String>,
        mode: Mode,
        started_at: OffsetDateTime,
        elapsed: Duration,
        findings: Vec<Finding>,
    ) -> Self {
        let verdict = findings
            .iter()
            .find(|f| f.status == Status::Fail)
            .map(Verdict::from_finding);
        Self {
            schema_version: SCHEMA_VERSION,
            target: target.into(),
            mode,
            started_at,
            elapsed,
            verdict,
            findings,
        }
    }

    /// The JSON schema version this report was written with.
    #[must_use]
    pub fn schema_version(&self) -> u32 {
        self.schema_version
    }

    /// The UPN suffix diagnosed.
    #[must_use]
    pub fn target(&self) -> &str {
        &self.target
    }

    /// The mode the run used.
    #[must_use]
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// When the run started.
    #[must_use]
    pub fn started_at(&self) -> OffsetDateTime {
        self.started_at
    }

    /// How long the run took.
    #[must_use]
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// Every finding, in plan order (the order a Windows device takes the steps).
    #[must_use]
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// The finding of one check.
    #[must_use]
    pub fn finding(&self, check: &str) -> Option<&Finding> {
        self.findings.iter().find(|f| f.check == *check)
    }

    /// The first failure a Windows device would hit, or `None` when nothing fails.
    #[must_use]
    pub fn verdict(&self) -> Option<&Verdict> {
        self.verdict.as_ref()
    }

    /// Every finding that needs attention (warnings, failures and errors), the verdict's included.
    pub fn problems(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.status.is_problem())
    }

    /// True when any check failed (what the command-line exit code reports).
    #[must_use]
    pub fn has_failures(&self) -> bool {
        self.verdict.is_some()
    }
}

impl fmt::Display for Report {
    /// A plain-text rendering (no colour) for people.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Device registration discovery for {} (mode {}), {}",
            self.target,
            self.mode,
            HumanDuration(self.elapsed)
        )?;
        let width = self
            .findings
            .iter()
            .map(|x| x.check.as_str().len())
            .max()
            .unwrap_or(0);
        for finding in &self.findings {
            writeln!(
                f,
                "  [{:<7}] {:<width$}  {} ({})",
                finding.status.as_str().to_ascii_uppercase(),
                finding.check.as_str(),
                finding.summary,
                HumanDuration(finding.elapsed),
            )?;
            for evidence in &finding.evidence {
                writeln!(f, "            {:<width$}  · {evidence}", "")?;
            }
        }
        writeln!(f)?;
        match &self.verdict {
            None => writeln!(
                f,
                "Verdict: no failure found; a Windows device would get past discovery."
            )?,
            Some(v) => {
                writeln!(f, "Verdict: {v}")?;
                writeln!(f, "  Seen as: {}", v.message_stage.user_message())?;
                writeln!(f, "  Fix: {}", v.remediation)?;
            }
        }
        let others: Vec<&Finding> = self
            .problems()
            .filter(|p| self.verdict.as_ref().is_none_or(|v| v.check != p.check))
            .collect();
        if !others.is_empty() {
            writeln!(f, "Also found:")?;
            for p in others {
                let mut line = format!("  - {} [{}] {}", p.check, p.status, p.summary);
                if let Some(failure) = p.failure {
                    let code = failure
                        .hresult()
                        .map_or_else(|| failure.code().to_owned(), |h| h.to_string());
                    let _ = write!(line, " ({code})");
                }
                writeln!(f, "{line}")?;
                if let Some(fix) = &p.remediation {
                    writeln!(f, "    Fix: {fix}")?;
                }
            }
        }
        Ok(())
    }
}
