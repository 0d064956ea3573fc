//! Small value types that print the way Windows and Microsoft support print them.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

/// An HRESULT, printed as `0x80072F8A` (uppercase hex, eight digits).
///
/// ```
/// # use wpj_core::Hresult;
/// assert_eq!(Hresult(0x8007_2F8A).to_string(), "0x80072F8A");
/// assert_eq!(Hresult::from_win32(12170), Hresult(0x8007_2F8A));
/// assert_eq!(Hresult(0x8007_2F8A).as_signed(), -2_147_012_726);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct Hresult(pub u32);

impl Hresult {
    /// `HRESULT_FROM_WIN32`: facility 7 (WIN32) with the failure bit set.
    #[must_use]
    pub const fn from_win32(code: u32) -> Self {
        Self(0x8007_0000 | (code & 0xFFFF))
    }

    /// The Win32 code inside a facility-7 HRESULT (`0x80072EE7` → `12007`).
    #[must_use]
    pub const fn win32_code(self) -> Option<u32> {
        if self.0 & 0xFFFF_0000 == 0x8007_0000 {
            Some(self.0 & 0xFFFF)
        } else {
            None
        }
    }

    /// The same bits as a signed 32-bit integer: the form event logs and PowerShell print.
    #[must_use]
    #[allow(clippy::cast_possible_wrap)] // reinterpreting the bits is the point
    pub const fn as_signed(self) -> i32 {
        self.0 as i32
    }
}

impl fmt::Display for Hresult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:08X}", self.0)
    }
}

impl Serialize for Hresult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl TryFrom<String> for Hresult {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.strip_prefix("0x")
            .and_then(|h| u32::from_str_radix(h, 16).ok())
            .map(Hresult)
            .ok_or_else(|| format!("{s:?} is not an HRESULT like \"0x80072F8A\""))
    }
}

/// A Microsoft Knowledge Base article number, printed as `KB3045383`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Kb(pub u32);

impl Kb {
    /// The support article's address.
    #[must_use]
    pub fn url(self) -> String {
        format!("https://support.microsoft.com/kb/{}", self.0)
    }
}

impl fmt::Display for Kb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KB{}", self.0)
    }
}

impl Serialize for Kb {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl TryFrom<String> for Kb {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.strip_prefix("KB")
            .and_then(|n| n.parse().ok())
            .map(Kb)
            .ok_or_else(|| format!("{s:?} is not a KB number like \"KB3045383\""))
    }
}

/// The Windows event log a failure is written to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum EventLog {
    /// `Microsoft-Windows-Workplace Join/Admin` (Windows 8.1; `Microsoft-Workplace-Join/Admin` on Windows 7).
    WorkplaceJoin,
    /// `Microsoft-Windows-User Device Registration/Admin` (Windows 10 and later).
    UserDeviceRegistration,
    /// `Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin`: MDM enrollment
    /// (Windows 10 and later).
    DeviceManagementEnterpriseDiagnostics,
}

impl EventLog {
    /// The log's channel name as Event Viewer and `wevtutil` show it.
    #[must_use]
    pub const fn channel(self) -> &'static str {
        match self {
            Self::WorkplaceJoin => "Microsoft-Windows-Workplace Join/Admin",
            Self::UserDeviceRegistration => "Microsoft-Windows-User Device Registration/Admin",
            Self::DeviceManagementEnterpriseDiagnostics => {
                "Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin"
            }
        }
    }
}

impl fmt::Display for EventLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.channel())
    }
}

/// Where Windows records a failure: the log and the event ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EventRef {
    /// The event log.
    pub log: EventLog,
    /// The event ID within that log.
    pub id: u16,
}

impl fmt::Display for EventRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "event {} in {}", self.id, self.log)
    }
}

/// Which message the user sees, which tells support *when* the join failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum MessageStage {
    /// Discovery failed before the user was asked for credentials.
    BeforeCredentials,
    /// The service was found and the user signed in, then the join failed.
    AfterCredentials,
    /// Automatic (background) registration: no dialog, only the event log and `dsregcmd /status`.
    Background,
}

impl MessageStage {
    /// The text the user sees (or a description of where the failure shows up).
    #[must_use]
    pub const fn user_message(self) -> &'static str {
        match self {
            Self::BeforeCredentials => {
                "Confirm you are using the current sign-in info, and that your workplace uses this feature."
            }
            Self::AfterCredentials => "Can't connect to the service.",
            Self::Background => {
                "(no dialog: automatic registration reports only to the event log and dsregcmd /status)"
            }
        }
    }
}
