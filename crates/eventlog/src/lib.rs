//! Offline reading of what Windows logged about device registration — exported `.evtx` files,
//! `wevtutil qe … /f:xml` output and `dsregcmd /status` text — explained with the same
//! [`JoinFailure`](wpj_core::JoinFailure) catalogue and the same [`Report`] shape as a live
//! diagnosis, on any OS.
//!
//! Events read: `Microsoft-Windows-Workplace Join/Admin` (and its Windows 7 name) 100–104, 200/201,
//! 300/301, 400/401; `Microsoft-Windows-User Device Registration/Admin` 200/201/204/305. Codes,
//! HTTP statuses and URLs are found by their values, not by field names or message text (both are
//! localized).
//!
//! ```
//! let xml = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
//!   <System><EventID>102</EventID><TimeCreated SystemTime="2026-11-20T08:15:02.1234567Z"/>
//!     <Channel>Microsoft-Windows-Workplace Join/Admin</Channel></System>
//!   <EventData><Data Name="ErrorCode">0x80072f8a</Data></EventData></Event>"#;
//! let logs = wpj_eventlog::read(xml.as_bytes())?;
//! let report = logs.report();
//! assert_eq!(report.verdict().unwrap().failure, wpj_core::JoinFailure::CertRevoked);
//! # Ok::<(), wpj_eventlog::ReadError>(())
//! ```
//!
//! # Crate features
//!
//! None.

mod dsregcmd;
mod events;
mod values;

use std::time::Duration;

use wpj_core::{CheckId, Evidence, Finding, LogSource, LoggedEvent, Mode, Report};

pub use events::{
    DEVICE_REGISTRATION_CHANNEL, DEVICE_REGISTRATION_EVENTS, WORKPLACE_JOIN_CHANNELS,
    WORKPLACE_JOIN_EVENTS,
};

/// The largest input read (a full Workplace Join log is a few megabytes).
pub const MAX_INPUT: usize = 256 * 1024 * 1024;

/// Why an input could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// Nothing to read.
    #[error("the input is empty")]
    Empty,
    /// Larger than [`MAX_INPUT`].
    #[error("the input is {size} bytes, more than the {max} read", max = MAX_INPUT)]
    TooLarge {
        /// Its size.
        size: usize,
    },
    /// Not an `.evtx` file, event XML or `dsregcmd /status` text.
    #[error("not an .evtx file, wevtutil XML or dsregcmd /status output")]
    UnknownFormat,
    /// An `.evtx` file that cannot be read at all.
    #[error("unreadable .evtx file: {0}")]
    Evtx(String),
    /// Event XML that cannot be parsed.
    #[error("unreadable event XML: {0}")]
    Xml(String),
}

/// What was read from one input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logs {
    /// The kind of input.
    pub source: LogSource,
    /// Device-registration events, in time order (input order for `dsregcmd`).
    pub events: Vec<LoggedEvent>,
    /// Events (or lines) read in all, relevant or not.
    pub read: usize,
    /// `.evtx` records that could not be read (a damaged file is read as far as it goes).
    pub unreadable: usize,
    /// Join state from `dsregcmd` (`AzureAdJoined : NO`…).
    pub join_state: Vec<(String, String)>,
}

/// Reads an input of any supported kind, recognised by its content.
pub fn read(bytes: &[u8]) -> Result<Logs, ReadError> {
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if bytes.len() > MAX_INPUT {
        return Err(ReadError::TooLarge { size: bytes.len() });
    }
    if bytes.starts_with(b"ElfFile\0") {
        return read_evtx(bytes);
    }
    let text = decode_text(bytes).ok_or(ReadError::UnknownFormat)?;
    let trimmed = text.trim_start();
    if trimmed.starts_with('<') {
        let events = events::parse(trimmed, LogSource::WevtutilXml).map_err(ReadError::Xml)?;
        return Ok(logs(
            LogSource::WevtutilXml,
            events.relevant,
            events.seen,
            0,
            Vec::new(),
        ));
    }
    let status = dsregcmd::parse(&text).ok_or(ReadError::UnknownFormat)?;
    Ok(logs(
        LogSource::Dsregcmd,
        status.events,
        status.lines,
        0,
        status.state,
    ))
}

/// UTF-8, or UTF-16 LE with a byte-order mark (what PowerShell redirection writes).
fn decode_text(bytes: &[u8]) -> Option<String> {
    if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        let units: Vec<u16> = rest
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16(&units).ok();
    }
    let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)).ok()?;
    (!text.contains('\0')).then(|| text.to_owned())
}

fn read_evtx(bytes: &[u8]) -> Result<Logs, ReadError> {
    let mut parser = evtx::EvtxParser::from_buffer(bytes.to_vec())
        .map_err(|e| ReadError::Evtx(e.to_string()))?;
    let mut relevant = Vec::new();
    let (mut read, mut unreadable) = (0, 0);
    for record in parser.records() {
        match record {
            Ok(r) => match events::parse(&r.data, LogSource::Evtx) {
                Ok(e) => {
                    read += e.seen;
                    relevant.extend(e.relevant);
                }
                Err(_) => unreadable += 1,
            },
            Err(_) => unreadable += 1,
        }
    }
    if read == 0 && unreadable > 0 {
        return Err(ReadError::Evtx(format!(
            "none of its {unreadable} records could be read"
        )));
    }
    Ok(logs(
        LogSource::Evtx,
        relevant,
        read,
        unreadable,
        Vec::new(),
    ))
}

fn logs(
    source: LogSource,
    mut events: Vec<LoggedEvent>,
    read: usize,
    unreadable: usize,
    join_state: Vec<(String, String)>,
) -> Logs {
    // A stable sort keeps input order for events without a time.
    events.sort_by_key(|e| e.time);
    Logs {
        source,
        events,
        read,
        unreadable,
        join_state,
    }
}

impl Logs {
    /// The domain the events name (from a registration URL), if any.
    #[must_use]
    pub fn domain(&self) -> Option<String> {
        self.events
            .iter()
            .filter_map(|e| e.url.as_deref())
            .find_map(|url| {
                let host = url
                    .split("://")
                    .nth(1)?
                    .split(['/', ':'])
                    .next()?
                    .to_ascii_lowercase();
                Some(
                    host.strip_prefix("enterpriseregistration.")
                        .unwrap_or(&host)
                        .to_owned(),
                )
            })
    }

    /// A report of the same shape as a live diagnosis: one finding per event, in time order (a
    /// timeline); the verdict is the first failure logged.
    #[must_use]
    pub fn report(&self) -> Report {
        let domain = self.domain();
        let confirm = domain.as_ref().map_or_else(
            || " Confirm it live: cargo run --example diagnose -- <the user's UPN>".to_owned(),
            |d| format!(" Confirm it live: cargo run --example diagnose -- {d}"),
        );
        let mut findings: Vec<Finding> = self
            .events
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let id = CheckId::new(format!("{:02}-{}", i + 1, label(e)));
                let failure = e.inner.or(e.failure);
                let mut f = match failure {
                    Some(failure) => {
                        Finding::fail(id, failure, format!("{e}: {}", failure.description()))
                            .with_remediation(format!("{}{confirm}", failure.remediation()))
                    }
                    None => Finding::pass(id, format!("{e}")),
                };
                f.evidence.push(Evidence::Logged(e.clone()));
                f
            })
            .collect();
        if findings.is_empty() {
            findings.push(Finding::pass(
                "log",
                format!(
                    "no Workplace Join or device registration events among {} read{}",
                    self.read,
                    if self.unreadable > 0 {
                        format!(" ({} unreadable)", self.unreadable)
                    } else {
                        String::new()
                    }
                ),
            ));
        }
        if self.unreadable > 0 {
            findings[0] = findings[0].clone().with_evidence(Evidence::note(format!(
                "{} records of this file could not be read (the file is damaged); what could be read is shown",
                self.unreadable
            )));
        }
        if !self.join_state.is_empty() {
            let state: Vec<String> = self
                .join_state
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            findings[0] = findings[0]
                .clone()
                .with_evidence(Evidence::note(format!("join state: {}", state.join(", "))));
        }
        Report::new(
            domain.unwrap_or_else(|| "(from logs)".to_owned()),
            Mode::Auto,
            time::OffsetDateTime::now_utc(),
            Duration::ZERO,
            findings,
        )
    }
}

fn label(e: &LoggedEvent) -> String {
    match (e.source, e.event_id) {
        (LogSource::Dsregcmd, _) | (_, None) => "dsregcmd".to_owned(),
        (_, Some(id)) if e.log.contains("Device Registration") => format!("udr-{id}"),
        (_, Some(id)) => format!("wpj-{id}"),
    }
}
