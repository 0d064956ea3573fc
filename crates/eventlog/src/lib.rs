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
//! [`read_file`] (or [`read`] for bytes) gives the [`Logs`]; [`Logs::report`] explains them: one
//! finding per event, each failure with its KB article and fix, in the `sign-in` stage when Windows
//! shows it after the user signed in and in `discovery` otherwise, so the verdict follows the rules
//! of a live run. A `dsregcmd /status` failure and the lines repeating its codes make one finding.
//! The report says which file it is from.
//!
//! ```
//! let xml = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
//!   <System><EventID>102</EventID><TimeCreated SystemTime="2026-11-20T08:15:02.1234567Z"/>
//!     <Channel>Microsoft-Windows-Workplace Join/Admin</Channel></System>
//!   <EventData><Data Name="ErrorCode">0x80072f8a</Data></EventData></Event>"#;
//! let logs = wpj_eventlog::read(xml.as_bytes())?.with_origin("wpj.xml");
//! let report = logs.report();
//! assert_eq!(report.verdict().unwrap().failure, wpj_core::JoinFailure::CertRevoked);
//! assert!(report.findings()[0].summary.ends_with("(KB3045383)"));
//! assert!(report.to_string().starts_with("Device registration events from wpj.xml (1 about unknown domain)"));
//! # Ok::<(), wpj_eventlog::ReadError>(())
//! ```
//!
//! # Crate features
//!
//! None.

mod dsregcmd;
mod events;
mod report;
mod values;

use std::io::Read as _;
use std::path::Path;

use wpj_core::{LogSource, LoggedEvent, Report};

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
    /// The file could not be opened or read.
    #[error("cannot read the file: {0}")]
    Io(String),
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
    /// The phase `dsregcmd /status` says the last registration failed in (its `Error Phase`:
    /// `discover`, `auth`, `join`), when it says.
    pub error_phase: Option<String>,
    /// Where the input came from (the file name [`read_file`] was given), shown in the report's
    /// header; `None` for bytes handed to [`read`] (set it with [`Logs::with_origin`]).
    pub origin: Option<String>,
}

/// Reads a file of any supported kind, like [`read`]; the report then says it is "from" `path`
/// (as given).
pub fn read_file(path: impl AsRef<Path>) -> Result<Logs, ReadError> {
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| ReadError::Io(e.to_string()))?;
    let limit = u64::try_from(MAX_INPUT).unwrap_or(u64::MAX);
    let mut bytes = Vec::new();
    // One byte more than the limit tells a file that is too large without reading all of it.
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ReadError::Io(e.to_string()))?;
    if bytes.len() > MAX_INPUT {
        let size = std::fs::metadata(path)
            .ok()
            .and_then(|m| usize::try_from(m.len()).ok())
            .unwrap_or(bytes.len());
        return Err(ReadError::TooLarge { size });
    }
    Ok(read(&bytes)?.with_origin(path.display().to_string()))
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
        ));
    }
    let status = dsregcmd::parse(&text).ok_or(ReadError::UnknownFormat)?;
    Ok(Logs {
        join_state: status.state,
        error_phase: status.error_phase,
        ..logs(LogSource::Dsregcmd, status.events, status.lines, 0)
    })
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
    Ok(logs(LogSource::Evtx, relevant, read, unreadable))
}

fn logs(source: LogSource, mut events: Vec<LoggedEvent>, read: usize, unreadable: usize) -> Logs {
    // A stable sort keeps input order for events without a time.
    events.sort_by_key(|e| e.time);
    Logs {
        source,
        events,
        read,
        unreadable,
        join_state: Vec::new(),
        error_phase: None,
        origin: None,
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

    /// Names where the input came from (a file name) for the report's header.
    #[must_use]
    pub fn with_origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = Some(origin.into());
        self
    }

    /// A report of the same shape as a live diagnosis, read "from" [`Logs::origin`] (or the kind of
    /// input when it is unknown), about the domain the events name (`unknown domain` when none does).
    ///
    /// One finding per event, in time order (a timeline); a `dsregcmd /status` test line and the
    /// lines repeating its codes (`Client ErrorCode`, `Server ErrorCode`), with `Https Status` and
    /// `Error Phase`, make one finding. Every failure finding names its KB article and carries its
    /// fix; failures Windows shows after the user signed in are in the `sign-in` stage, the rest in
    /// `discovery`, so the verdict follows the rules of a live run.
    #[must_use]
    pub fn report(&self) -> Report {
        report::build(self)
    }
}
