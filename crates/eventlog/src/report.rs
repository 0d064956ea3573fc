//! What was read, as a [`Report`]: a timeline of logged failures — a `dsregcmd /status` failure
//! and the lines repeating its codes make one finding — and of the certificate chains the chain
//! engine built for the registration server, each with its KB article, its fix and its stage,
//! grouped into attempts so that the verdict describes the latest one.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::time::Duration;

use time::OffsetDateTime;
use wpj_core::{
    CheckId, CodeRef, Evidence, Finding, JoinFailure, Kb, LogSource, LoggedEvent, MessageStage,
    Mode, Report, Stage, Status,
};

use crate::ChainBuild;
use crate::capi2::{clock, stamp};
use crate::dsregcmd::{DsregStatus, Topic};
use crate::{Attempt, Logs};

/// Events further apart than this belong to different attempts: one attempt's requests end within
/// WinHTTP's default timeouts (60 s to connect, 30 s to send, 30 s to receive).
pub(crate) const ATTEMPT_GAP: time::Duration = time::Duration::minutes(5);

/// Windows stops an attempt at its first error; what it logs about that error at other levels (a
/// User Device Registration 201 after its 200, the same code in two logs) comes within this.
pub(crate) const SAME_FAILURE: time::Duration = time::Duration::seconds(10);

/// How long before a failure event a chain build can be its cause (the build includes the CRL, OCSP
/// and AIA fetches, each bounded by CryptoAPI's own timeouts).
pub(crate) const CHAIN_WINDOW: time::Duration = time::Duration::minutes(2);

/// Failures a device logs when its chain engine rejected the server's chain.
const CHAIN_FAILURES: [JoinFailure; 7] = [
    JoinFailure::InvalidCa,
    JoinFailure::CertRevoked,
    JoinFailure::RevocationOffline,
    JoinFailure::CertDateInvalid,
    JoinFailure::CertNameInvalid,
    JoinFailure::InvalidCert,
    JoinFailure::SecureFailure,
];

/// The support article for every failure after the user signed in ("Can't connect to the
/// service"), as a live verdict names it when the failure has no article of its own.
const SIGN_IN_KB: Kb = Kb(3_045_378);

/// The most findings a report lists: the latest items of the timeline. Earlier ones (a log of
/// thousands of retries) are summed up in one finding, so that the report stays readable and its
/// size does not follow the input's.
pub(crate) const MAX_LISTED: usize = 200;

/// The most lines merged into one `dsregcmd` finding; further lines repeating the same codes are
/// counted.
const MAX_MERGED: usize = 16;

/// What the report is about when no event names a domain.
const UNKNOWN_DOMAIN: &str = "unknown domain";

/// Logged lines explained as one finding: the main one, and lines repeating its facts.
struct Group<'a> {
    main: &'a LoggedEvent,
    others: Vec<&'a LoggedEvent>,
    /// Lines merged beyond [`MAX_MERGED`], counted only.
    more: usize,
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
                if g.others.len() > MAX_MERGED {
                    g.others.pop();
                    g.more += 1;
                }
            }
            None => groups.push(Group {
                main: e,
                others: Vec::new(),
                more: 0,
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

fn finding(id: CheckId, g: &Group<'_>) -> Finding {
    let e = g.main;
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
            if g.more > 0 {
                f = f.with_evidence(Evidence::note(format!(
                    "{} more lines repeating these codes (not shown)",
                    g.more
                )));
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
pub(crate) fn kind_of(source: LogSource) -> &'static str {
    match source {
        LogSource::Evtx => "an .evtx file",
        LogSource::WevtutilXml => "wevtutil XML",
        LogSource::Dsregcmd => "dsregcmd /status output",
    }
}

/// One item of the timeline: logged lines explained together (with the chain builds that explain
/// them), or a chain build of the registration server that no logged failure names.
enum Item<'a> {
    Logged {
        group: Group<'a>,
        chains: Vec<&'a ChainBuild>,
    },
    Chain(&'a ChainBuild),
}

impl Item<'_> {
    fn time(&self) -> Option<OffsetDateTime> {
        match self {
            Self::Logged { group, .. } => group.main.time,
            Self::Chain(c) => c.time,
        }
    }

    /// True when Windows stopped the attempt here.
    fn failed(&self) -> bool {
        match self {
            Self::Logged { group, .. } => group.main.failure.is_some(),
            Self::Chain(c) => c.failure().is_some(),
        }
    }
}

/// The timeline of some logs, split into attempts.
pub(crate) struct Timeline<'a> {
    items: Vec<Item<'a>>,
    /// The attempt of every item (0-based, in time order).
    attempt_of: Vec<usize>,
    /// Chains built for anything else (code signing, other servers).
    other_chains: usize,
}

/// The host of a URL, lowercase.
fn host_of(url: &str) -> Option<String> {
    let host = url.split("://").nth(1)?.split(['/', ':', '?']).next()?;
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// True for the device-registration name (`enterpriseregistration.<suffix>`, or Microsoft's).
pub(crate) fn registration_host(host: &str) -> bool {
    host.to_ascii_lowercase()
        .starts_with("enterpriseregistration.")
}

/// The server a chain was built for: the SSL policy's server name, or a leaf named like the
/// registration host.
fn chain_host(c: &ChainBuild) -> Option<String> {
    c.server_name().map(str::to_owned).or_else(|| {
        c.leaf()
            .filter(|l| registration_host(l))
            .map(str::to_ascii_lowercase)
    })
}

/// Tells chains built for a registration server (or a host the logged events name) from the rest.
fn about_registration(logs: &Logs) -> impl Fn(&ChainBuild) -> bool {
    // Hosts the logged events name (the registration server, the federation service).
    let hosts: HashSet<String> = logs
        .events
        .iter()
        .filter_map(|e| e.url.as_deref().and_then(host_of))
        .collect();
    move |c: &ChainBuild| {
        c.is_tls_server()
            && chain_host(c).is_some_and(|h| registration_host(&h) || hosts.contains(&h))
    }
}

pub(crate) fn registration_chains(logs: &Logs) -> Vec<&ChainBuild> {
    let about = about_registration(logs);
    logs.chains.iter().filter(|c| about(c)).collect()
}

impl<'a> Timeline<'a> {
    pub(crate) fn of(logs: &'a Logs) -> Self {
        let about_registration = about_registration(logs);
        let mut used = vec![false; logs.chains.len()];
        let sorted = logs.chains.is_sorted_by_key(|c| c.time);
        let mut items: Vec<Item<'a>> = groups(logs)
            .into_iter()
            .map(|group| {
                let chains = explaining_chains(&group, &logs.chains, sorted, &mut used);
                Item::Logged { group, chains }
            })
            .collect();
        let mut other_chains = 0;
        for (c, used) in logs.chains.iter().zip(&used) {
            if *used {
                continue;
            }
            if about_registration(c) {
                items.push(Item::Chain(c));
            } else {
                other_chains += 1;
            }
        }
        // Time order; what has no time (a dsregcmd /status snapshot) comes last, as the latest.
        items.sort_by_key(|i| (i.time().is_none(), i.time()));
        let attempt_of = attempts(&items);
        Self {
            items,
            attempt_of,
            other_chains,
        }
    }

    /// True when nothing in the logs is about device registration.
    pub(crate) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn attempts(&self) -> usize {
        self.attempt_of.last().map_or(0, |a| a + 1)
    }

    /// When each attempt started (its first item's time).
    fn starts(&self) -> Vec<Option<OffsetDateTime>> {
        let mut starts = Vec::with_capacity(self.attempts());
        for (item, a) in self.items.iter().zip(&self.attempt_of) {
            if starts.len() <= *a {
                starts.push(item.time());
            }
        }
        starts
    }
}

/// The chain builds that explain a logged failure: TLS server chains that failed, built within
/// [`CHAIN_WINDOW`] before it (and up to a second after: both logs have the device's clock, but
/// events of the same second may be written in either order), for the server the event names
/// (or an unnamed one); the one with the same failure, else the latest. `sorted`: the chains are
/// in time order (then only those of the window are looked at).
fn explaining_chains<'a>(
    group: &Group<'_>,
    chains: &'a [ChainBuild],
    sorted: bool,
    used: &mut [bool],
) -> Vec<&'a ChainBuild> {
    let e = group.main;
    let Some(t) = e.time else {
        return Vec::new();
    };
    let failures: Vec<JoinFailure> = group.failures().collect();
    if !failures.iter().any(|f| CHAIN_FAILURES.contains(f)) {
        return Vec::new();
    }
    let event_host = e.url.as_deref().and_then(host_of);
    // Checked: a date at the end of the calendar must not panic.
    let from = t.checked_sub(CHAIN_WINDOW).unwrap_or(t);
    let to = t.checked_add(time::Duration::seconds(1)).unwrap_or(t);
    // Chains in time order are searched in the window only, not all of them for every event.
    let window = if sorted {
        chains.partition_point(|c| c.time < Some(from))
            ..chains.partition_point(|c| c.time <= Some(to))
    } else {
        0..chains.len()
    };
    let candidates: Vec<usize> = chains[window.clone()]
        .iter()
        .zip(window)
        .map(|(c, i)| (i, c))
        .filter(|(_, c)| {
            c.is_tls_server()
                && c.failure().is_some()
                && c.time.is_some_and(|ct| ct >= from && ct <= to)
                && match (chain_host(c), &event_host) {
                    (None, _) => true,
                    (Some(h), Some(eh)) => h == *eh,
                    (Some(h), None) => registration_host(&h),
                }
        })
        .map(|(i, _)| i)
        .collect();
    let best = candidates
        .iter()
        .rev()
        .find(|i| chains[**i].failure().is_some_and(|f| failures.contains(&f)))
        .or_else(|| candidates.last())
        .copied();
    best.map(|i| {
        used[i] = true;
        vec![&chains[i]]
    })
    .unwrap_or_default()
}

/// Splits the timeline into attempts: an item starts a new attempt when it comes more than
/// [`ATTEMPT_GAP`] after the previous one, or when the attempt it would join already failed more
/// than [`SAME_FAILURE`] earlier (Windows stops an attempt at its first error). Items without a
/// time (a `dsregcmd /status` snapshot) make one attempt together.
fn attempts(items: &[Item<'_>]) -> Vec<usize> {
    let mut out = Vec::with_capacity(items.len());
    let mut attempt = 0;
    let mut previous: Option<OffsetDateTime> = None;
    let mut failed_at: Option<OffsetDateTime> = None;
    let mut untimed = false;
    for (i, item) in items.iter().enumerate() {
        let new = i > 0
            && match item.time() {
                None => !untimed,
                Some(t) => {
                    previous.is_some_and(|p| t - p > ATTEMPT_GAP)
                        || failed_at.is_some_and(|f| t - f > SAME_FAILURE)
                }
            };
        if new {
            attempt += 1;
            failed_at = None;
        }
        match item.time() {
            None => untimed = true,
            Some(t) => {
                if item.failed() && failed_at.is_none() {
                    failed_at = Some(t);
                }
                previous = Some(t);
            }
        }
        out.push(attempt);
    }
    out
}

/// What a chain build says, as evidence: the chain, each certificate, each revocation result and
/// each retrieval.
fn chain_evidence(c: &ChainBuild) -> Vec<Evidence> {
    let mut evidence = vec![Evidence::note(format!("CAPI2 {}", c.describe()))];
    for (i, cert) in c.certificates.iter().enumerate() {
        evidence.push(Evidence::note(format!("cert #{i}: {cert}")));
    }
    for r in &c.revocations {
        if !r.result.is_ok() || r.rejected.is_some() {
            evidence.push(Evidence::note(r.to_string()));
        }
    }
    for r in &c.retrievals {
        evidence.push(Evidence::note(r.to_string()));
    }
    evidence
}

/// What to do about the URLs the chain engine could not fetch.
fn fetch_fix(c: &ChainBuild) -> Option<String> {
    let failed: Vec<String> = c
        .failed_retrievals()
        .map(|r| format!("{} {} ({})", r.kind, r.url, r.outcome))
        .collect();
    (!failed.is_empty()).then(|| {
        format!(
            " The device's chain engine could not fetch: {}.",
            failed.join(", ")
        )
    })
}

/// A chain build of the registration server that no logged failure names.
fn chain_finding(id: CheckId, c: &ChainBuild) -> Finding {
    let host = chain_host(c).unwrap_or_else(|| "an unnamed server".to_owned());
    let stage = if registration_host(&host) {
        Stage::Discovery
    } else {
        Stage::SignIn
    };
    let when = c.time.map(|t| format!("{} ", stamp(t))).unwrap_or_default();
    let mut finding = match c.failure() {
        Some(failure) => {
            let mut summary = format!(
                "{when}certificate chain for {host}: {} — {}",
                c.cause(),
                meaning(failure)
            );
            if let Some(kb) = kb_of(failure, stage).filter(|_| failure.kb().is_none()) {
                let _ = write!(summary, ", {kb}");
            }
            let mut f = Finding::fail(id, failure, summary).with_stage(stage);
            if let Some(fix) = fetch_fix(c) {
                f.remediation = Some(format!("{}{fix}", failure.remediation()));
            }
            f
        }
        None if c.completed_by_aia() => Finding::warn(
            id,
            format!("{when}certificate chain for {host}: {}", c.cause()),
        )
        .with_stage(stage)
        .with_failure(JoinFailure::InvalidCa)
        .with_remediation(
            "The server does not send its intermediate certificate: Windows fetched it through \
             AIA, and a device that cannot reach that URL fails with 0x80072F0D. Configure the \
             server (AD FS, the proxy) to send the whole chain.",
        ),
        None => Finding::pass(
            id,
            format!("{when}certificate chain for {host}: {}", c.cause()),
        )
        .with_stage(stage),
    };
    for e in chain_evidence(c) {
        finding = finding.with_evidence(e);
    }
    finding
}

/// The evidence and fix a logged failure gets from the chain builds that explain it.
fn explained_by(mut finding: Finding, chains: &[&ChainBuild]) -> Finding {
    for c in chains {
        let at = c
            .time
            .map(|t| format!(" at {}", clock(t)))
            .unwrap_or_default();
        finding = finding.with_evidence(Evidence::note(format!("← {}{at}", c.cause())));
        if let (Some(chain), Some(logged)) = (c.failure(), finding.failure)
            && chain != logged
        {
            finding = finding.with_evidence(Evidence::note(format!(
                "the chain engine's outcome is {}; the event logged {}",
                meaning(chain),
                meaning(logged)
            )));
        }
        for e in chain_evidence(c) {
            finding = finding.with_evidence(e);
        }
        if let (Some(fix), Some(remediation)) = (fetch_fix(c), finding.remediation.as_mut()) {
            remediation.push_str(&fix);
        }
    }
    finding
}

/// "the latest attempt, at 2026-11-20 09:14:03" (or the `dsregcmd /status` snapshot).
fn attempt_words(start: Option<OffsetDateTime>) -> String {
    match start {
        Some(t) => format!("at {}", stamp(t)),
        None => "in the dsregcmd /status output".to_owned(),
    }
}

/// What the inputs were, for the sentence about an input with nothing to explain.
fn kind_of_logs(logs: &Logs) -> String {
    logs.origin
        .clone()
        .unwrap_or_else(|| kind_of(logs.source).to_owned())
}

/// The sentence for logs with nothing about device registration.
pub(crate) fn nothing_sentence(logs: &Logs) -> String {
    format!(
        "no Workplace Join / device registration events in {}: nothing to explain",
        kind_of_logs(logs)
    )
}

/// What was read, in one note, for logs with nothing to explain.
fn read_note(logs: &Logs, timeline: &Timeline<'_>) -> String {
    let mut note = format!("{} events read", logs.read);
    if logs.unreadable > 0 {
        let _ = write!(note, " ({} unreadable)", logs.unreadable);
    }
    if timeline.other_chains > 0 {
        let _ = write!(
            note,
            "; {} certificate chains built by Windows' chain engine, none for a registration server",
            timeline.other_chains
        );
    }
    note
}

pub(crate) fn attempts_of(logs: &Logs) -> Vec<Attempt> {
    let timeline = Timeline::of(logs);
    let ids = check_ids(&timeline);
    let mut out: Vec<Attempt> = Vec::new();
    for (i, a) in timeline.attempt_of.iter().enumerate() {
        if out.len() <= *a {
            out.push(Attempt {
                number: a + 1,
                started: timeline.items[i].time(),
                checks: Vec::new(),
                failed: false,
            });
        }
        let attempt = &mut out[*a];
        attempt.checks.push(ids[i].clone());
        attempt.failed |= timeline.items[i].failed();
    }
    out
}

fn check_ids(timeline: &Timeline<'_>) -> Vec<CheckId> {
    timeline
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let label = match item {
                Item::Logged { group, .. } => label(group.main),
                Item::Chain(_) => "capi2-chain".to_owned(),
            };
            CheckId::new(format!("{:02}-{label}", i + 1))
        })
        .collect()
}

/// The finding that sums up the timeline's first `unlisted` items, which the report does not list.
fn unlisted_finding(timeline: &Timeline<'_>, unlisted: usize) -> Finding {
    let items = &timeline.items[..unlisted];
    let mut failures: Vec<(JoinFailure, usize)> = Vec::new();
    for item in items {
        let failure = match item {
            Item::Logged { group, .. } => group.main.inner.or(group.main.failure),
            Item::Chain(c) => c.failure(),
        };
        if let Some(failure) = failure {
            match failures.iter_mut().find(|(f, _)| *f == failure) {
                Some((_, n)) => *n += 1,
                None => failures.push((failure, 1)),
            }
        }
    }
    let last_attempt = timeline.attempt_of[unlisted - 1] + 1;
    let first = items.iter().find_map(Item::time);
    let last = items.iter().rev().find_map(Item::time);
    let mut summary = format!("{unlisted} earlier findings not listed (attempts 1–{last_attempt}");
    if let (Some(first), Some(last)) = (first, last) {
        let _ = write!(summary, ", {} to {}", stamp(first), stamp(last));
    }
    let _ = write!(summary, "); the report lists the latest {MAX_LISTED}");
    let mut finding = if failures.is_empty() {
        Finding::pass("00-earlier", summary)
    } else {
        Finding::warn("00-earlier", summary)
    };
    failures.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    for (failure, n) in failures {
        finding = finding.with_evidence(Evidence::note(format!(
            "{n} × {} {}",
            failure.code(),
            meaning(failure)
        )));
    }
    finding
}

pub(crate) fn build(logs: &Logs) -> Report {
    let timeline = Timeline::of(logs);
    let domain = logs.domain();
    let ids = check_ids(&timeline);
    // Only the latest items are listed; the earlier ones are summed up.
    let unlisted = timeline.items.len().saturating_sub(MAX_LISTED);
    let mut findings: Vec<Finding> = timeline
        .items
        .iter()
        .zip(ids)
        .skip(unlisted)
        .map(|(item, id)| match item {
            Item::Logged { group, chains } => explained_by(finding(id, group), chains),
            Item::Chain(c) => chain_finding(id, c),
        })
        .collect();
    // Earlier attempts are history: their failures are warnings, so the verdict is the latest's.
    let attempts = timeline.attempts();
    let latest = attempts.saturating_sub(1);
    let starts = timeline.starts();
    let start_of = |attempt: usize| starts.get(attempt).copied().flatten();
    let latest_start = start_of(latest);
    for (f, attempt) in findings.iter_mut().zip(&timeline.attempt_of[unlisted..]) {
        if *attempt == latest {
            continue;
        }
        if f.status == Status::Fail {
            f.status = Status::Warn;
        }
        f.summary = format!("earlier attempt: {}", f.summary);
        f.evidence.insert(
            0,
            Evidence::note(format!(
                "history: attempt {} of {attempts}, {}; the verdict describes the latest attempt, {}",
                attempt + 1,
                attempt_words(start_of(*attempt)),
                attempt_words(latest_start),
            )),
        );
    }
    if unlisted > 0 {
        findings.insert(0, unlisted_finding(&timeline, unlisted));
    }
    let nothing = timeline.is_empty();
    if nothing {
        let dsregcmd = logs.source == LogSource::Dsregcmd || !logs.join_state.is_empty();
        findings.push(if dsregcmd {
            Finding::pass(
                "log",
                format!(
                    "dsregcmd /status shows no failure code ({} lines read)",
                    logs.read
                ),
            )
        } else {
            Finding::skipped("log", nothing_sentence(logs))
                .with_evidence(Evidence::note(read_note(logs, &timeline)))
        });
    }
    if logs.unreadable > 0 && !nothing {
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
    if let Some(status) = &logs.dsregcmd {
        add_explanations(&mut findings, status);
    }
    let origin = kind_of_logs(logs);
    let target = domain.clone().unwrap_or_else(|| UNKNOWN_DOMAIN.to_owned());
    let started_at = OffsetDateTime::now_utc();
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
            "{fix} Confirm it live: cargo run --all-features --example diagnose -- {confirm}"
        ));
        let which = if attempts > 1 {
            format!(
                "the verdict describes the latest attempt, {} (attempt {attempts} of {attempts}; earlier ones are history)",
                attempt_words(latest_start)
            )
        } else {
            format!(
                "the verdict describes the latest attempt, {} (the only one logged)",
                attempt_words(latest_start)
            )
        };
        f.evidence.insert(0, Evidence::note(which));
    }
    report(findings)
}

/// What `dsregcmd /status` says beyond its codes: facts as notes on the first finding, problems
/// (no PRT on a joined device, a proxy the join does not use, a failed test whose code the
/// catalogue does not know…) as warnings of their own, `dsregcmd-<topic>`.
fn add_explanations(findings: &mut Vec<Finding>, status: &DsregStatus) {
    let mut problems: Vec<Finding> = Vec::new();
    for e in status.explain() {
        if e.status == Status::Pass {
            if let Some(first) = findings.first_mut() {
                first
                    .evidence
                    .push(Evidence::note(format!("dsregcmd: {}", e.summary)));
            }
            continue;
        }
        let base = format!("dsregcmd-{}", e.topic.name());
        let same = problems
            .iter()
            .filter(|f| f.check.as_str().starts_with(&base))
            .count();
        let id = if same == 0 {
            base
        } else {
            format!("{base}-{}", same + 1)
        };
        let stage = match e.topic {
            Topic::Prt | Topic::DeviceHealth => Stage::SignIn,
            _ => Stage::Discovery,
        };
        let mut f = Finding::warn(CheckId::new(id), e.summary).with_stage(stage);
        if let Some(failure) = e.failure {
            f = f.with_failure(failure);
        }
        if let Some(fix) = e.remediation {
            f = f.with_remediation(fix);
        }
        problems.push(f);
    }
    findings.extend(problems);
}
