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
//! `dsregcmd /status` is read in full into a [`DsregStatus`] ([`Logs::dsregcmd`]): every section
//! typed (device state, device details with the key provider and TPM, tenant, user, SSO with the
//! PRT and its diagnostics, the diagnostic block with each `… Test` line, the IE and WinHTTP
//! proxies), in UTF-8, UTF-16 (PowerShell's `>`) or the console's code page (cp850, windows-1252;
//! [`TextEncoding`]), whatever the display language (sections by their keys, translated labels by
//! value), and explained ([`DsregStatus::explain`]): the failed test's stage, the codes through the
//! catalogue, no PRT on a joined device, a per-user proxy that device registration (WinHTTP, as
//! SYSTEM) does not use. A cut output is read as far as it goes and says so.
//!
//! What Windows' own chain engine logged (`Microsoft-Windows-CAPI2/Operational`, when enabled) is
//! read into [`ChainBuild`]s: for each chain, when it was built and for which server, its
//! certificates (subject, issuer, thumbprint), every URL fetched for AIA, CRLs and OCSP with how it
//! ended (HTTP status, timeout, name not resolved…), its trust status flags, and the WinHTTP code a
//! device logs for it ([`ChainBuild::failure`]: revoked → 0x80072F8A, revocation unknown or offline
//! → 0x80072F19, untrusted root or partial chain → 0x80072F0D, expired → 0x80072F05, name →
//! 0x80072F06).
//!
//! [`read_file`] (or [`read`] for bytes) gives the [`Logs`]; [`Logs::join`] puts several together;
//! [`Logs::report`] explains them as a timeline: one finding per event, each failure with its KB
//! article and fix, in the `sign-in` stage when Windows shows it after the user signed in and in
//! `discovery` otherwise, so the verdict follows the rules of a live run. A `dsregcmd /status`
//! failure and the lines repeating its codes make one finding. A certificate failure is explained
//! by the chain built for the registration server just before it (`event 102 0x80072F19 at
//! 09:14:03 ← the chain engine could not fetch http://pki.contoso.com/ca.crl (timeout) at
//! 09:14:02`). Events are grouped into attempts ([`Logs::attempts`]); the verdict describes the
//! latest, earlier ones are history; a report lists the latest 200 findings and sums up the
//! earlier ones in one, so its size does not follow the log's. A log with nothing about device
//! registration says so ([`Logs::nothing_to_explain`]) and states no verdict. The report says which file it is from.
//!
//! Reading is bounded: [`read_file`] looks at what a path names before opening it (a directory, a
//! FIFO, a device such as `/dev/zero` is refused as [`ReadError::NotAFile`], a file over
//! [`MAX_INPUT`] as [`ReadError::TooLarge`]), and event XML is parsed one `<Event>` at a time, so
//! reading costs about twice the input at most.
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

mod capi2;
mod dsregcmd;
mod events;
mod report;
mod text;
mod values;

use std::io::Read as _;
use std::path::Path;

use time::OffsetDateTime;
use wpj_core::{CheckId, LogSource, LoggedEvent, Report};

pub use capi2::{
    CAPI2_CHANNEL, ChainBuild, ChainCertificate, CryptoResult, PolicyCheck, Retrieval,
    RetrievalKind, RetrievalOutcome, RevocationCheck, TrustStatus,
};
pub use dsregcmd::{
    DeviceDetails, DeviceState, Diagnostics, DsregStatus, Explanation, Field, IeProxy, MAX_FIELDS,
    MAX_SECTIONS, MAX_TESTS, Section, SectionKind, SsoState, TenantDetails, TestLine, TestOutcome,
    TestStage, Topic, UserState, WinHttpProxy,
};
pub use events::{
    DEVICE_REGISTRATION_CHANNEL, DEVICE_REGISTRATION_EVENTS, WORKPLACE_JOIN_CHANNELS,
    WORKPLACE_JOIN_EVENTS,
};
pub use text::TextEncoding;

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
    /// The path names something other than a regular file: a directory, a FIFO, a device (such as
    /// `/dev/zero`), a socket. It is refused before it is opened (a FIFO would wait for a writer).
    #[error("{kind}, not a file: only a file can be read")]
    NotAFile {
        /// What it is (`a directory`, `a FIFO (named pipe)`, `a character device`…).
        kind: &'static str,
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
    /// Device-registration events, in time order (input order for `dsregcmd`; at most the first
    /// 4096 lines with a code or an HTTP status, where `dsregcmd /status` prints a dozen).
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
    /// The certificate chains Windows' chain engine built, from `Microsoft-Windows-CAPI2/Operational`
    /// events, in time order (every chain, whatever it was for).
    pub chains: Vec<ChainBuild>,
    /// `dsregcmd /status`, section by section (device state and details, tenant, user, SSO/PRT,
    /// diagnostics and test lines, proxies), when the input was its output.
    pub dsregcmd: Option<DsregStatus>,
}

/// Reads a file of any supported kind, like [`read`]; the report then says it is "from" `path`
/// (as given).
///
/// What the path names is checked before it is opened: anything but a regular file (a directory, a
/// FIFO — which would wait for a writer —, a device such as `/dev/zero`, a socket) is refused
/// ([`ReadError::NotAFile`]), and so is a file larger than [`MAX_INPUT`]
/// ([`ReadError::TooLarge`]), without reading it. The read itself stops one byte past the cap, so a
/// file that grows meanwhile is refused too.
pub fn read_file(path: impl AsRef<Path>) -> Result<Logs, ReadError> {
    let path = path.as_ref();
    let io = |e: std::io::Error| ReadError::Io(e.to_string());
    // `metadata` follows symbolic links and never opens the file: opening a FIFO blocks.
    check_regular(&std::fs::metadata(path).map_err(io)?)?;
    let file = std::fs::File::open(path).map_err(io)?;
    // What was opened is checked again: the path may have been replaced in between.
    let metadata = file.metadata().map_err(io)?;
    check_regular(&metadata)?;
    let limit = u64::try_from(MAX_INPUT).unwrap_or(u64::MAX);
    let capacity = usize::try_from(metadata.len()).map_or(0, |n| n.min(MAX_INPUT));
    let mut bytes = Vec::with_capacity(capacity);
    // One byte more than the limit tells a file that grew past it without reading all of it.
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() > MAX_INPUT {
        return Err(ReadError::TooLarge { size: bytes.len() });
    }
    Ok(read_owned(bytes)?.with_origin(path.display().to_string()))
}

/// Refuses what is not a regular file, or is one larger than [`MAX_INPUT`].
fn check_regular(metadata: &std::fs::Metadata) -> Result<(), ReadError> {
    let kind = metadata.file_type();
    if !kind.is_file() {
        return Err(ReadError::NotAFile {
            kind: file_kind(kind),
        });
    }
    let size = usize::try_from(metadata.len()).unwrap_or(usize::MAX);
    if size > MAX_INPUT {
        return Err(ReadError::TooLarge { size });
    }
    Ok(())
}

/// What a file that is not a regular one is, in a few words.
fn file_kind(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// Reads an input of any supported kind, recognised by its content.
pub fn read(bytes: &[u8]) -> Result<Logs, ReadError> {
    read_input(Input::Borrowed(bytes))
}

/// Like [`read`], without copying an `.evtx` file (its parser owns its buffer).
fn read_owned(bytes: Vec<u8>) -> Result<Logs, ReadError> {
    read_input(Input::Owned(bytes))
}

/// The bytes read, owned (a file) or borrowed (what [`read`] is given).
enum Input<'a> {
    Borrowed(&'a [u8]),
    Owned(Vec<u8>),
}

impl Input<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Self::Borrowed(b) => b,
            Self::Owned(b) => b,
        }
    }
}

fn read_input(input: Input<'_>) -> Result<Logs, ReadError> {
    let bytes = input.bytes();
    if bytes.is_empty() {
        return Err(ReadError::Empty);
    }
    if bytes.len() > MAX_INPUT {
        return Err(ReadError::TooLarge { size: bytes.len() });
    }
    if bytes.starts_with(b"ElfFile\0") {
        return read_evtx(match input {
            Input::Borrowed(b) => b.to_vec(),
            Input::Owned(b) => b,
        });
    }
    let decoded = text::decode(bytes).ok_or(ReadError::UnknownFormat)?;
    let text = decoded.text;
    let trimmed = text.trim_start();
    if trimmed.starts_with('<') {
        let mut events = events::Events::default();
        events::parse_all(trimmed, LogSource::WevtutilXml, &mut events).map_err(ReadError::Xml)?;
        if events.seen == 0 {
            // XML, but not a single event: some other document.
            return Err(ReadError::UnknownFormat);
        }
        return Ok(Logs {
            chains: capi2::assemble(events.capi2),
            ..logs(LogSource::WevtutilXml, events.relevant, events.seen, 0)
        });
    }
    let mut status = dsregcmd::parse(&text).ok_or(ReadError::UnknownFormat)?;
    status.typed.encoding = decoded.encoding;
    status.typed.replaced = decoded.replaced;
    Ok(Logs {
        join_state: status.state,
        error_phase: status.error_phase,
        dsregcmd: Some(status.typed),
        ..logs(LogSource::Dsregcmd, status.events, status.lines, 0)
    })
}

fn read_evtx(bytes: Vec<u8>) -> Result<Logs, ReadError> {
    let mut parser =
        evtx::EvtxParser::from_buffer(bytes).map_err(|e| ReadError::Evtx(e.to_string()))?;
    let mut relevant = Vec::new();
    let mut records = Vec::new();
    let (mut read, mut unreadable) = (0, 0);
    for record in parser.records() {
        match record {
            Ok(r) => {
                let mut e = events::Events {
                    seen: read,
                    ..events::Events::default()
                };
                match events::parse_all(&r.data, LogSource::Evtx, &mut e) {
                    Ok(()) => {
                        read = e.seen;
                        relevant.extend(e.relevant);
                        records.extend(e.capi2);
                    }
                    Err(_) => unreadable += 1,
                }
            }
            Err(_) => unreadable += 1,
        }
    }
    if read == 0 && unreadable > 0 {
        return Err(ReadError::Evtx(format!(
            "none of its {unreadable} records could be read"
        )));
    }
    Ok(Logs {
        chains: capi2::assemble(records),
        ..logs(LogSource::Evtx, relevant, read, unreadable)
    })
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
        chains: Vec::new(),
        dsregcmd: None,
    }
}

/// One attempt to join or register, as the timeline groups them (see [`Logs::attempts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// Its number, from 1, in time order.
    pub number: usize,
    /// When it started (its first event); `None` for a `dsregcmd /status` snapshot.
    pub started: Option<OffsetDateTime>,
    /// The report's findings that belong to it.
    pub checks: Vec<CheckId>,
    /// True when Windows logged a failure in it.
    pub failed: bool,
}

impl Logs {
    /// The domain the events name (from a registration URL), else the one a registration server's
    /// certificate chain was built for, if any.
    #[must_use]
    pub fn domain(&self) -> Option<String> {
        let from_host = |host: String| {
            host.strip_prefix("enterpriseregistration.")
                .unwrap_or(&host)
                .to_owned()
        };
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
                Some(from_host(host))
            })
            .or_else(|| {
                self.chains
                    .iter()
                    .filter(|c| c.is_tls_server())
                    .filter_map(ChainBuild::server_name)
                    .find(|h| report::registration_host(h))
                    .map(|h| from_host(h.to_owned()))
            })
    }

    /// The chains built for a registration server: TLS server chains for
    /// `enterpriseregistration.<suffix>` or for a host the logged events name (the federation
    /// service). Chains built for anything else (code signing, other web sites) explain nothing
    /// about device registration and are left out of the report.
    #[must_use]
    pub fn registration_chains(&self) -> Vec<&ChainBuild> {
        report::registration_chains(self)
    }

    /// Several inputs as one timeline (what `eventlog --join` does): the Workplace Join or User
    /// Device Registration events of one file next to the chain builds of a CAPI2 log, so that a
    /// failure is explained by the chain the chain engine built just before it. The events are put
    /// in time order; the origin names every input (`a.evtx + b.xml`). `None` for no input.
    #[must_use]
    pub fn join(parts: impl IntoIterator<Item = Logs>) -> Option<Logs> {
        let mut parts = parts.into_iter();
        let mut joined = parts.next()?;
        let mut origins = vec![
            joined
                .origin
                .take()
                .unwrap_or_else(|| report::kind_of(joined.source).to_owned()),
        ];
        for part in parts {
            origins.push(
                part.origin
                    .clone()
                    .unwrap_or_else(|| report::kind_of(part.source).to_owned()),
            );
            joined.events.extend(part.events);
            joined.chains.extend(part.chains);
            joined.read += part.read;
            joined.unreadable += part.unreadable;
            joined.join_state.extend(part.join_state);
            joined.error_phase = joined.error_phase.take().or(part.error_phase);
            joined.dsregcmd = joined.dsregcmd.take().or(part.dsregcmd);
        }
        // Stable: what has no time (dsregcmd lines) keeps its order, after the rest.
        joined.events.sort_by_key(|e| (e.time.is_none(), e.time));
        joined.chains.sort_by_key(|c| c.time);
        joined.origin = Some(origins.join(" + "));
        Some(joined)
    }

    /// `Some("no Workplace Join / device registration events in <origin>: nothing to explain")`
    /// when nothing read is about device registration: no Workplace Join or User Device
    /// Registration event, no chain built for a registration server, no `dsregcmd /status` state.
    /// The report of such logs states no verdict (its one finding is `skipped`).
    #[must_use]
    pub fn nothing_to_explain(&self) -> Option<String> {
        let dsregcmd = self.source == LogSource::Dsregcmd || !self.join_state.is_empty();
        (!dsregcmd && report::Timeline::of(self).is_empty()).then(|| report::nothing_sentence(self))
    }

    /// The attempts the timeline holds, oldest first. Events are grouped by time: an event more
    /// than five minutes after the previous one starts a new attempt, and so does an event more
    /// than ten seconds after the attempt's first failure (Windows stops an attempt at its first
    /// error, then retries later); a `dsregcmd /status` snapshot is one attempt. The report's
    /// verdict describes the latest attempt; earlier ones are shown as history.
    #[must_use]
    pub fn attempts(&self) -> Vec<Attempt> {
        report::attempts_of(self)
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
    /// One finding per event, in time order (a timeline), each summary starting with the event's
    /// time; a `dsregcmd /status` test line and the lines repeating its codes (`Client ErrorCode`,
    /// `Server ErrorCode`), with `Https Status` and `Error Phase`, make one finding. Every failure
    /// finding names its KB article and carries its fix; failures Windows shows after the user
    /// signed in are in the `sign-in` stage, the rest in `discovery`, so the verdict follows the
    /// rules of a live run.
    ///
    /// Certificate chains Windows built for the registration server (CAPI2 events) explain the
    /// failure logged just after them: the failure's finding gets the chain, its certificates and
    /// every URL fetched as evidence (`← the chain engine could not fetch http://… (timeout) at
    /// 09:14:02`); a chain no logged failure names is a finding of its own (one per chain).
    ///
    /// The verdict describes the latest attempt ([`Logs::attempts`]) and says so in its evidence;
    /// findings of earlier attempts are history (`warn`, summary `earlier attempt: …`). Logs with
    /// nothing about device registration give one `skipped` finding and no verdict (see
    /// [`Logs::nothing_to_explain`]).
    #[must_use]
    pub fn report(&self) -> Report {
        report::build(self)
    }
}
