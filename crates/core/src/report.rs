//! The result of a run: every finding in plan order, and the verdict in Windows' own words.

use std::fmt::{self, Write as _};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::check_id::CheckId;
use crate::codes::{EventLog, EventRef, Hresult, Kb, MessageStage};
use crate::context::{Client, Mode};
use crate::duration::{HumanDuration, duration_ms};
use crate::failure::JoinFailure;
use crate::finding::Finding;
use crate::stage::Stage;
use crate::status::Status;
use crate::text::Clean;

/// The version of the JSON shape of [`Report`]; bumped on any incompatible change.
///
/// Version 2 added `stage` to findings and to the verdict: a `farm-health` failure is never the
/// verdict (it still makes [`Report::has_failures`] true), and a `sign-in` failure is the verdict
/// only when nothing fails in `discovery`.
pub const SCHEMA_VERSION: u32 = 3;

/// The support article for failures after the user signed in ("Can't connect to the service").
const SIGN_IN_KB: Kb = Kb(3_045_378);

/// The first failure a Windows device would hit, as its event log would record it.
///
/// Only findings of the device's own path can make one: the first `discovery` failure, or, when
/// discovery gets through, the first `sign-in` failure. `farm-health` failures never do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The check that found it.
    pub check: CheckId,
    /// When the device fails: before the user signs in (`discovery`) or after (`sign-in`).
    pub stage: Stage,
    /// The client the verdict speaks for; `None` for reports read offline (the codes as logged).
    #[serde(default)]
    pub client: Option<Client>,
    /// The failure.
    pub failure: JoinFailure,
    /// The HRESULT of the failure itself (the WinHTTP code for connection and certificate
    /// failures), when it has one.
    pub hresult: Option<Hresult>,
    /// The code a Windows 10/11 device logs around it, when that differs: `DSREG_AUTOJOIN_DISC_FAILED`
    /// 0x801C0021 around a WinHTTP code (`dsregcmd /status` prints `0x801c0021/0x80072ee7`),
    /// `DSREG_SERVER_BUSY` 0x801C0025 for HTTP 503.
    #[serde(default)]
    pub outer: Option<Hresult>,
    /// The HTTP status, for event 103.
    pub http_status: Option<u16>,
    /// The event Windows writes, where documented (none is documented for a discovery-stage code met
    /// after sign-in, such as the federation service's name not resolving).
    pub event: Option<EventRef>,
    /// The support article (KB3045378 for a discovery-stage code met after sign-in, and for a
    /// sign-in failure without an article of its own).
    pub kb: Option<Kb>,
    /// What the user sees, and when.
    pub message_stage: MessageStage,
    /// What the check observed, in one line.
    pub summary: String,
    /// How to fix it.
    pub remediation: String,
}

impl Verdict {
    fn from_finding(finding: &Finding, client: Option<Client>) -> Self {
        let failure = finding.failure.unwrap_or(JoinFailure::UnknownError);
        // A discovery-stage code met after sign-in (the federation service's name, its certificate):
        // the device shows "Can't connect to the service" (KB3045378), and no event is documented.
        // Codes that are after-credentials failures of their own (the device cap) keep theirs.
        let sign_in = finding.stage == Stage::SignIn
            && failure.message_stage() != MessageStage::AfterCredentials;
        let (outer, event) = if sign_in {
            (None, None)
        } else {
            client_codes(failure, client)
        };
        Self {
            check: finding.check.clone(),
            stage: finding.stage,
            client,
            failure,
            hresult: failure.hresult(),
            outer: outer.and_then(JoinFailure::hresult),
            http_status: failure.http_status(),
            event,
            kb: if sign_in {
                Some(SIGN_IN_KB)
            } else if finding.stage == Stage::SignIn {
                failure.kb().or(Some(SIGN_IN_KB))
            } else {
                failure.kb()
            },
            message_stage: if finding.stage == Stage::SignIn {
                MessageStage::AfterCredentials
            } else {
                failure.message_stage()
            },
            summary: finding.summary.clone(),
            remediation: finding
                .remediation
                .clone()
                .unwrap_or_else(|| failure.remediation().to_owned()),
        }
    }
}

/// The outer code and the event a client logs for a discovery failure. Windows 8.1 (and offline
/// reports) log the failure as it is. Windows 10/11 wrap a WinHTTP code in
/// `DSREG_AUTOJOIN_DISC_FAILED` and log HTTP 503 as `DSREG_SERVER_BUSY` in the User Device
/// Registration log (REFERENCE §2); a Workplace Join event number means nothing there, so other
/// codes of that log carry no event.
fn client_codes(
    failure: JoinFailure,
    client: Option<Client>,
) -> (Option<JoinFailure>, Option<EventRef>) {
    if client != Some(Client::Windows10) {
        return (None, failure.event());
    }
    // WinHTTP's errors are 12000–12199 (winhttp.h); other facility-7 codes (E_INVALIDDATA) stand alone.
    let winhttp = failure
        .win32_code()
        .is_some_and(|code| (12_000..12_200).contains(&code));
    let outer = if winhttp {
        Some(JoinFailure::DsregDiscoveryFailed)
    } else if failure == JoinFailure::ServiceUnavailable {
        Some(JoinFailure::DsregServerBusy)
    } else {
        None
    };
    match outer {
        Some(outer) => (Some(outer), outer.event()),
        None if failure.log() == EventLog::WorkplaceJoin => (None, None),
        None => (None, failure.event()),
    }
}

impl fmt::Display for Verdict {
    /// `A Windows 10/11 device would fail with event 200, 0x801C0021/0x80072F8A — <meaning>
    /// (KB3045383)`; `A Windows 8.1 device would fail with event 102, 0x80072F8A — …`; a sign-in
    /// verdict starts `After the user signs in, …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let device = self.client.map_or_else(
            || "a Windows device".to_owned(),
            |c| format!("a {} device", c.label()),
        );
        if self.stage == Stage::SignIn {
            write!(f, "After the user signs in, {device} would fail with ")?;
        } else {
            let mut chars = device.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            write!(
                f,
                "{}{} would fail with ",
                first.unwrap_or('A'),
                chars.as_str()
            )?;
        }
        if let Some(event) = self.event {
            write!(f, "event {}, ", event.id)?;
        }
        if let Some(outer) = self.outer {
            write!(f, "{outer}/")?;
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
/// assert_eq!(json["schema_version"], 3);
/// assert_eq!(json["verdict"]["stage"], "discovery");
/// assert_eq!(json["verdict"]["hresult"], "0x80072F8A");
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    schema_version: u32,
    target: String,
    mode: Mode,
    /// The client a live run replayed; absent for reports read offline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client: Option<Client>,
    #[serde(with = "time::serde::rfc3339")]
    started_at: OffsetDateTime,
    #[serde(with = "duration_ms", rename = "elapsed_ms")]
    elapsed: Duration,
    /// Where offline findings come from (a log file); `None` for a live diagnosis.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    origin: Option<String>,
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
        let first_fail = |stage: Stage| {
            findings
                .iter()
                .find(|f| f.status == Status::Fail && f.stage == stage)
        };
        let verdict = first_fail(Stage::Discovery)
            .or_else(|| first_fail(Stage::SignIn))
            .map(|f| Verdict::from_finding(f, None));
        Self {
            schema_version: SCHEMA_VERSION,
            target: target.into(),
            mode,
            client: None,
            started_at,
            elapsed,
            origin: None,
            verdict,
            findings,
        }
    }

    /// Words the verdict for `client` (the runner does this for a live run): Windows 10/11 codes
    /// wrapped in the DSREG code it logs, or Windows 8.1's event 102/103.
    #[must_use]
    pub fn with_client(mut self, client: Client) -> Self {
        self.client = Some(client);
        if let Some(v) = &self.verdict {
            let check = v.check.clone();
            self.verdict = self
                .findings
                .iter()
                .find(|f| f.check == check)
                .map(|f| Verdict::from_finding(f, Some(client)));
        }
        self
    }

    /// The client a live run replayed; `None` for reports read offline.
    #[must_use]
    pub fn client(&self) -> Option<Client> {
        self.client
    }

    /// Marks the report as read from `origin` (a log file) rather than diagnosed live; the text
    /// rendering then says "from `origin`".
    #[must_use]
    pub fn with_origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// Where the findings come from, for reports read offline.
    #[must_use]
    pub fn origin(&self) -> Option<&str> {
        self.origin.as_deref()
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

    /// The first failure a Windows device would hit (discovery first, then sign-in), or `None`
    /// when a device would get through. Farm-health failures are never the verdict.
    #[must_use]
    pub fn verdict(&self) -> Option<&Verdict> {
        self.verdict.as_ref()
    }

    /// Every finding that needs attention (warnings, failures and errors), the verdict's included.
    pub fn problems(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.status.is_problem())
    }

    /// Every finding of one stage, in plan order.
    pub fn stage(&self, stage: Stage) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.stage == stage)
    }

    /// True when any check failed, farm health included (what the command-line exit code reports).
    #[must_use]
    pub fn has_failures(&self) -> bool {
        self.findings.iter().any(|f| f.status == Status::Fail)
    }
}

impl fmt::Display for Report {
    /// A plain-text rendering (no colour) for people: every step with its stage, the verdict, the
    /// device's other problems, then farm health under its own heading.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Some(origin) => writeln!(
                f,
                "Device registration events from {} ({} about {})",
                Clean(origin),
                self.findings.len(),
                Clean(&self.target)
            )?,
            None => writeln!(
                f,
                "Device registration discovery for {} (mode {}{}), {}",
                Clean(&self.target),
                self.mode,
                self.client
                    .map_or_else(String::new, |c| format!(", client {c}")),
                HumanDuration(self.elapsed)
            )?,
        }
        let width = self
            .findings
            .iter()
            .map(|x| x.check.as_str().len())
            .max()
            .unwrap_or(0);
        for finding in &self.findings {
            write!(
                f,
                "  [{:<7}] {:<11} {:<width$}  {}",
                finding.status.as_str().to_ascii_uppercase(),
                finding.stage.as_str(),
                finding.check.as_str(),
                Clean(&finding.summary),
            )?;
            // Offline findings are events: they took no time of ours.
            if self.origin.is_none() {
                write!(f, " ({})", HumanDuration(finding.elapsed))?;
            }
            writeln!(f)?;
            for evidence in &finding.evidence {
                writeln!(f, "{:<24}{:<width$}  · {}", "", "", Clean(evidence))?;
            }
        }
        writeln!(f)?;
        match &self.verdict {
            None if self.origin.is_some() => writeln!(
                f,
                "Verdict: none of these events is a failure a device hit."
            )?,
            None => writeln!(
                f,
                "Verdict: no failure found; a Windows device would get through discovery and sign-in."
            )?,
            Some(v) => {
                writeln!(f, "Verdict: {}", Clean(v))?;
                writeln!(f, "  Seen as: {}", v.message_stage.user_message())?;
                writeln!(f, "  Fix: {}", Clean(&v.remediation))?;
            }
        }
        let is_verdict = |p: &Finding| self.verdict.as_ref().is_some_and(|v| v.check == p.check);
        let device: Vec<&Finding> = self
            .problems()
            .filter(|p| p.stage.is_device_path() && !is_verdict(p))
            .collect();
        if !device.is_empty() {
            writeln!(f, "Also found:")?;
            for p in device {
                write_problem(f, p)?;
            }
        }
        let farm: Vec<&Finding> = self
            .problems()
            .filter(|p| p.stage == Stage::FarmHealth)
            .collect();
        if !farm.is_empty() {
            writeln!(
                f,
                "Farm health (no device verdict: {}):",
                Stage::FarmHealth.affects()
            )?;
            for p in farm {
                write_problem(f, p)?;
            }
        }
        Ok(())
    }
}

/// One problem line of the text rendering, with its code and its fix.
fn write_problem(f: &mut fmt::Formatter<'_>, p: &Finding) -> fmt::Result {
    let mut line = format!("  - {} [{}] {}", p.check, p.status, Clean(&p.summary));
    if let Some(failure) = p.failure {
        let code = failure
            .hresult()
            .map_or_else(|| failure.code().to_owned(), |h| h.to_string());
        let _ = write!(line, " ({code})");
    }
    writeln!(f, "{line}")?;
    if let Some(fix) = &p.remediation {
        writeln!(f, "    Fix: {}", Clean(fix))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(findings: Vec<Finding>) -> Report {
        Report::new(
            "contoso.com",
            Mode::Auto,
            OffsetDateTime::UNIX_EPOCH,
            Duration::ZERO,
            findings,
        )
    }

    #[test]
    fn what_a_server_wrote_reaches_the_text_escaped_and_the_json_as_it_is() {
        let hostile = "HTTP 200, body: \x1b[2J\r\n[PASS] contract  healthy\x1b]0;owned\x07";
        let mut failing = Finding::fail(
            CheckId::new_static("contract"),
            JoinFailure::InvalidData,
            hostile,
        );
        failing.remediation = Some("fix\u{202e}txt".to_owned());
        let r = report(vec![failing]);
        let text = r.to_string();
        let own_line_breaks = |c: char| c == '\n' || !crate::text::is_unsafe(c);
        assert!(text.chars().all(own_line_breaks), "{text:?}");
        assert!(text.contains(r"\u{1b}[2J\u{d}\u{a}[PASS]"), "{text}");
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["findings"][0]["summary"], hostile);
    }

    #[test]
    fn farm_health_failures_are_never_the_verdict_but_count_as_failures() {
        let r = report(vec![
            Finding::pass("contract", "document"),
            Finding::fail("adfs-probe", JoinFailure::HttpError, "probe 503")
                .with_stage(Stage::FarmHealth),
        ]);
        assert!(r.verdict().is_none());
        assert!(r.has_failures());
        let text = r.to_string();
        assert!(text.contains("Farm health (no device verdict"), "{text}");
        assert!(text.contains("adfs-probe [fail] probe 503"), "{text}");
        assert!(!text.contains("Also found"), "{text}");
    }

    #[test]
    fn windows_10_wraps_only_winhttp_codes() {
        let wrapped = |failure: JoinFailure| {
            let r = report(vec![Finding::fail("contract", failure, "x")])
                .with_client(Client::Windows10);
            let v = r.verdict().unwrap().clone();
            (v.outer.map(|h| h.0), v.event.map(|e| (e.log, e.id)))
        };
        assert_eq!(
            wrapped(JoinFailure::NameNotResolved),
            (
                Some(0x801C_0021),
                Some((EventLog::UserDeviceRegistration, 200))
            )
        );
        assert_eq!(
            wrapped(JoinFailure::ServiceUnavailable),
            (
                Some(0x801C_0025),
                Some((EventLog::UserDeviceRegistration, 201))
            )
        );
        assert_eq!(
            wrapped(JoinFailure::InvalidData),
            (None, Some((EventLog::UserDeviceRegistration, 201)))
        );
        // A Workplace Join event number means nothing to Windows 10.
        assert_eq!(wrapped(JoinFailure::ContractNotFound), (None, None));
    }

    #[test]
    fn offline_reports_show_no_elapsed_time() {
        let live = report(vec![Finding::pass("dns", "resolved")]);
        assert!(live.to_string().contains("resolved (0 ms)"), "{live}");
        let offline = report(vec![Finding::pass("logged", "event 102 at 09:14:03")])
            .with_origin("workplace-join.xml");
        let text = offline.to_string();
        assert!(!text.contains("ms)"), "{text}");
        assert!(
            text.starts_with("Device registration events from workplace-join.xml"),
            "{text}"
        );
    }

    #[test]
    fn a_discovery_failure_comes_before_an_earlier_sign_in_failure() {
        let r = report(vec![
            Finding::fail("sign-in", JoinFailure::NameNotResolved, "sts missing")
                .with_stage(Stage::SignIn),
            Finding::fail("contract", JoinFailure::ContractNotFound, "404"),
        ]);
        let v = r.verdict().unwrap();
        assert_eq!(v.check, "contract");
        assert_eq!(v.stage, Stage::Discovery);
        assert_eq!(v.kb, Some(Kb(3_045_386)));
    }

    #[test]
    fn a_sign_in_verdict_is_worded_after_credentials() {
        let r = report(vec![
            Finding::pass("contract", "document"),
            Finding::fail("adfs-sign-in", JoinFailure::NameNotResolved, "sts missing")
                .with_stage(Stage::SignIn),
        ]);
        let v = r.verdict().unwrap();
        assert_eq!(v.stage, Stage::SignIn);
        assert_eq!(v.message_stage, MessageStage::AfterCredentials);
        assert_eq!(v.kb, Some(Kb(3_045_378)));
        assert_eq!(v.event, None);
        let text = v.to_string();
        assert!(
            text.starts_with(
                "After the user signs in, a Windows device would fail with 0x80072EE7"
            ),
            "{text}"
        );
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["verdict"]["stage"], "sign-in");
        assert_eq!(json["findings"][1]["stage"], "sign-in");
    }
}
