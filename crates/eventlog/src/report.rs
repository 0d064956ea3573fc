//! What was read, as a [`Report`]: one finding per logged failure — a `dsregcmd /status` failure
//! and the lines repeating its codes make one — each with its KB article, its fix and its stage.

use std::fmt::Write as _;
use std::time::Duration;

use wpj_core::{
    CheckId, CodeRef, Evidence, Finding, JoinFailure, Kb, LogSource, LoggedEvent, MessageStage,
    Mode, Report, Stage,
};

use crate::Logs;

/// The support article for every failure after the user signed in ("Can't connect to the
/// service"), as a live verdict names it when the failure has no article of its own.
const SIGN_IN_KB: Kb = Kb(3_045_378);

/// What the report is about when no event names a domain.
const UNKNOWN_DOMAIN: &str = "unknown domain";

/// Logged lines explained as one finding: the main one, and lines repeating its facts.
struct Group<'a> {
    main: &'a LoggedEvent,
    others: Vec<&'a LoggedEvent>,
    /// `dsregcmd`'s `Error Phase`, on the group of the failure it belongs to.
    phase: Option<&'a str>,
}

impl Group<'_> {
    fn members(&self) -> impl Iterator<Item = &LoggedEvent> {
        std::iter::once(self.main).chain(self.others.iter().copied())
    }

    /// Every failure its lines name, outer and inner codes alike.
    fn failures(&self) -> impl Iterator<Item = JoinFailure> {
        self.members()
            .flat_map(|m| m.failure.into_iter().chain(m.inner))
    }

    fn is_dsregcmd(&self) -> bool {
        self.main.source == LogSource::Dsregcmd
    }
}

/// Groups the events: every event alone, except `dsregcmd` lines about the same failure.
///
/// `dsregcmd /status` prints a failing test with its code pair (`DRS Discovery Test : FAIL
/// [0x801c0021/0x80072ee7]`) and again the same codes on their own lines (`Client ErrorCode`,
/// `Server ErrorCode`), with `Https Status` and `Error Phase` of the same attempt. They are matched
/// by their codes, not their labels (which are localized).
fn groups(logs: &Logs) -> Vec<Group<'_>> {
    let mut groups: Vec<Group<'_>> = Vec::new();
    for e in &logs.events {
        let into = if e.source != LogSource::Dsregcmd {
            None
        } else if let Some(failure) = e.failure.filter(|_| e.code.is_some()) {
            groups.iter().position(|g| {
                g.is_dsregcmd()
                    && match e.inner {
                        // A pair joins lines of single codes it contains, or the same pair.
                        Some(inner) => g.members().all(|m| match m.inner {
                            Some(i) => m.failure == Some(failure) && i == inner,
                            None => m.failure.is_some_and(|f| f == failure || f == inner),
                        }),
                        None => g.failures().any(|f| f == failure),
                    }
            })
        } else {
            // An HTTP status alone belongs to the attempt whose codes were printed.
            groups
                .iter()
                .position(|g| g.is_dsregcmd() && g.main.code.is_some())
        };
        match into {
            Some(i) => {
                let g = &mut groups[i];
                if e.inner.is_some() && g.main.inner.is_none() {
                    // The line with the code pair says the most: it leads.
                    let previous = std::mem::replace(&mut g.main, e);
                    g.others.insert(0, previous);
                } else {
                    g.others.push(e);
                }
            }
            None => groups.push(Group {
                main: e,
                others: Vec::new(),
                phase: None,
            }),
        }
    }
    if let Some(phase) = logs.error_phase.as_deref()
        && let Some(g) = groups
            .iter_mut()
            .find(|g| g.is_dsregcmd() && g.main.code.is_some())
    {
        g.phase = Some(phase);
    }
    groups
}

/// The stage a failure belongs to: after credentials is sign-in, everything else discovery.
fn stage_of(failure: JoinFailure) -> Stage {
    if failure.message_stage() == MessageStage::AfterCredentials {
        Stage::SignIn
    } else {
        Stage::Discovery
    }
}

/// The article to read about a failure: its own, else KB3045378 for a sign-in failure.
fn kb_of(failure: JoinFailure, stage: Stage) -> Option<Kb> {
    failure
        .kb()
        .or_else(|| (stage == Stage::SignIn).then_some(SIGN_IN_KB))
}

/// One line as read: `dsregcmd /status: DRS Discovery Test : FAIL […]`, or the event.
fn line(e: &LoggedEvent) -> String {
    match (&e.source, &e.message) {
        (LogSource::Dsregcmd, Some(message)) => format!("{}: {message}", e.log),
        _ => e.to_string(),
    }
}

/// What a failure is, in a few words: its HRESULT or status, description and article.
fn meaning(failure: JoinFailure) -> String {
    let mut text = match (failure.hresult(), failure.http_status()) {
        (Some(h), _) => format!("{h}: {}", failure.description()),
        (None, Some(s)) => format!("HTTP {s}: {}", failure.description()),
        (None, None) => failure.description().to_owned(),
    };
    if let Some(kb) = kb_of(failure, stage_of(failure)) {
        let _ = write!(text, ", {kb}");
    }
    text
}

/// A merged line, and how it relates to the finding's failure.
fn merged_note(m: &LoggedEvent, outer: JoinFailure, cause: JoinFailure) -> String {
    let text = m.message.clone().unwrap_or_else(|| m.to_string());
    match m.inner.or(m.failure) {
        Some(f) if f == cause => format!("{text} (the same failure)"),
        Some(f) if f == outer => format!("{text} (the outer code of the same failure)"),
        Some(f) => format!("{text} ({})", meaning(f)),
        None => text,
    }
}

/// True when a Workplace Join event's 0x8018000E was read as the device cap (see `events`).
fn device_cap_from_menroll_code(e: &LoggedEvent) -> bool {
    e.failure == Some(JoinFailure::DeviceCapReached)
        && e.code
            .as_deref()
            .and_then(|c| c.parse::<CodeRef>().ok())
            .is_some_and(|c| c.outer == JoinFailure::MenrollPasswordNeeded)
}

fn finding(index: usize, g: &Group<'_>) -> Finding {
    let e = g.main;
    let id = CheckId::new(format!("{:02}-{}", index + 1, label(e)));
    let mut finding = match e.failure {
        None => Finding::pass(id, line(e)),
        Some(outer) => {
            let cause = e.inner.unwrap_or(outer);
            let stage = stage_of(cause);
            let mut summary = format!("{} — {}", line(e), cause.description());
            if let Some(kb) = kb_of(cause, stage) {
                let _ = write!(summary, " ({kb})");
            }
            let mut f = Finding::fail(id, cause, summary).with_stage(stage);
            if cause != outer {
                f = f.with_evidence(Evidence::note(format!(
                    "the outer code means: {}",
                    meaning(outer)
                )));
            }
            for m in &g.others {
                f = f.with_evidence(Evidence::note(merged_note(m, outer, cause)));
            }
            f
        }
    };
    if let Some(phase) = g.phase {
        finding = finding.with_evidence(Evidence::note(format!("error phase: {phase}")));
    }
    if device_cap_from_menroll_code(e) {
        finding = finding.with_evidence(Evidence::note(
            "0x8018000E in the Workplace Join log: the message table of deviceregistration.dll reads it \
             as the device cap of KB3045379 (unconfirmed); MDM enrollment reads the same code as \
             menroll-password-needed",
        ));
    }
    finding.with_evidence(Evidence::Logged(merged(g)))
}

/// The group's lines as one logged record: the main line, with the status and the messages of the
/// lines merged into it.
fn merged(g: &Group<'_>) -> LoggedEvent {
    let mut e = g.main.clone();
    if g.others.is_empty() {
        return e;
    }
    e.http_status = g.members().find_map(|m| m.http_status);
    let messages: Vec<&str> = g.members().filter_map(|m| m.message.as_deref()).collect();
    if !messages.is_empty() {
        e.message = Some(messages.join("; "));
    }
    e
}

fn label(e: &LoggedEvent) -> String {
    match (e.source, e.event_id) {
        (LogSource::Dsregcmd, _) | (_, None) => "dsregcmd".to_owned(),
        (_, Some(id)) if e.log.contains("Device Registration") => format!("udr-{id}"),
        (_, Some(id)) => format!("wpj-{id}"),
    }
}

/// What the input was, when its file name is unknown.
fn kind_of(source: LogSource) -> &'static str {
    match source {
        LogSource::Evtx => "an .evtx file",
        LogSource::WevtutilXml => "wevtutil XML",
        LogSource::Dsregcmd => "dsregcmd /status output",
    }
}

pub(crate) fn build(logs: &Logs) -> Report {
    let domain = logs.domain();
    let mut findings: Vec<Finding> = groups(logs)
        .iter()
        .enumerate()
        .map(|(i, g)| finding(i, g))
        .collect();
    if findings.is_empty() {
        findings.push(Finding::pass(
            "log",
            format!(
                "no Workplace Join or device registration events among {} read{}",
                logs.read,
                if logs.unreadable > 0 {
                    format!(" ({} unreadable)", logs.unreadable)
                } else {
                    String::new()
                }
            ),
        ));
    }
    if logs.unreadable > 0 {
        findings[0] = findings[0].clone().with_evidence(Evidence::note(format!(
            "{} records of this file could not be read (the file is damaged); what could be read is shown",
            logs.unreadable
        )));
    }
    if !logs.join_state.is_empty() {
        let state: Vec<String> = logs
            .join_state
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect();
        findings[0] = findings[0]
            .clone()
            .with_evidence(Evidence::note(format!("join state: {}", state.join(", "))));
    }
    let origin = logs
        .origin
        .clone()
        .unwrap_or_else(|| kind_of(logs.source).to_owned());
    let target = domain.clone().unwrap_or_else(|| UNKNOWN_DOMAIN.to_owned());
    let started_at = time::OffsetDateTime::now_utc();
    let report = |findings: Vec<Finding>| {
        Report::new(
            target.clone(),
            Mode::Auto,
            started_at,
            Duration::ZERO,
            findings,
        )
        .with_origin(origin.clone())
    };
    // The verdict's fix also says how to confirm it live; core picks the verdict, as in a live run.
    let verdict = report(findings.clone()).verdict().map(|v| v.check.clone());
    if let Some(f) = findings
        .iter_mut()
        .find(|f| Some(&f.check) == verdict.as_ref())
    {
        let confirm = domain.as_deref().unwrap_or("<the user's UPN>");
        let fix = f.remediation.take().unwrap_or_default();
        f.remediation = Some(format!(
            "{fix} Confirm it live: cargo run --example diagnose -- {confirm}"
        ));
    }
    report(findings)
}
