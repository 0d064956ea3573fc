//! Evidence Windows already left behind: one logged event or `dsregcmd /status` line.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::failure::JoinFailure;

/// Where a logged event was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LogSource {
    /// An exported `.evtx` file.
    Evtx,
    /// `wevtutil qe … /f:xml` output.
    WevtutilXml,
    /// `dsregcmd /status` output.
    Dsregcmd,
}

/// One event (or diagnostic line) about device registration, as Windows recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoggedEvent {
    /// Where it was read from.
    pub source: LogSource,
    /// When it happened, when recorded.
    #[serde(with = "time::serde::rfc3339::option")]
    pub time: Option<OffsetDateTime>,
    /// The channel (`Microsoft-Windows-Workplace Join/Admin`) or `dsregcmd /status`.
    pub log: String,
    /// The event ID (none for `dsregcmd` lines).
    pub event_id: Option<u16>,
    /// The code as written (`0x801c0021/0x80072ee7`, `-2147012889`).
    pub code: Option<String>,
    /// The failure the code (or HTTP status) means.
    pub failure: Option<JoinFailure>,
    /// The inner failure of an outer/inner pair.
    pub inner: Option<JoinFailure>,
    /// An HTTP status the event names.
    pub http_status: Option<u16>,
    /// A URL the event names.
    pub url: Option<String>,
    /// The message or the field it came from.
    pub message: Option<String>,
}

impl fmt::Display for LoggedEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(t) = self.time {
            write!(f, "{} ", t.date())?;
            write!(f, "{:02}:{:02}:{:02} ", t.hour(), t.minute(), t.second())?;
        }
        match self.event_id {
            Some(id) => write!(f, "event {id} in {}", self.log)?,
            None => write!(f, "{}", self.log)?,
        }
        if let Some(code) = &self.code {
            write!(f, ": {code}")?;
        }
        if let Some(status) = self.http_status {
            write!(f, " (HTTP {status})")?;
        }
        if let Some(url) = &self.url {
            write!(f, " for {url}")?;
        }
        Ok(())
    }
}
