//! How long a run waits for the network: fast (the default), or as long as a Windows device waits.
//!
//! Sources for the Windows figures:
//! - WinHTTP's defaults, `WinHttpSetTimeouts` (learn.microsoft.com, winhttp.h): resolve 0 (no
//!   time-out), connect 60 000 ms, send 30 000 ms, receive 30 000 ms; "TCP/IP can time out while
//!   setting up the socket during the three leg SYN/ACK exchange, regardless of the value of this
//!   parameter".
//! - Windows' TCP gives a connect up after three SYNs: initial retransmission time-out 3 s, doubled
//!   each time, two retransmissions (`TcpInitialRTT`, `TcpMaxConnectRetransmissions`, Windows 2000
//!   registry reference), 3 + 6 + 12 = 21 s; the WinHTTP team confirmed the 21 s and that WinHTTP
//!   then fails with `ERROR_WINHTTP_TIMEOUT` even with its own connect time-out infinite
//!   (dotnet/corefx pull request 8502, "Remove WinHttpHandler.ConnectTimeout property", 2016).
//!   Later builds expose the same knobs as `Set-NetTCPSetting -InitialRtoMs -MaxSynRetransmissions`;
//!   that their defaults are still 3 s and 2 on Windows 10/11 is unconfirmed.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How long the run waits for each network step.
///
/// ```
/// use std::time::Duration;
/// use wpj_core::Timing;
/// assert_eq!(Timing::default(), Timing::Fast);
/// assert_eq!(Timing::Windows.to_string(), "windows");
/// assert_eq!(Timing::WINDOWS_CONNECT, Duration::from_secs(21));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Timing {
    /// Short bounds (the default): a diagnosis ends in seconds, and a time-out finding says how
    /// long a device would have waited.
    #[default]
    Fast,
    /// WinHTTP's defaults, to reproduce a device exactly: a connect ends when Windows' TCP gives up
    /// (about 21 s), a handshake or request after WinHTTP's 30 s send/receive time-out.
    Windows,
}

impl Timing {
    /// WinHTTP's default connect time-out (`WinHttpSetTimeouts`: 60 000 ms).
    pub const WINHTTP_CONNECT: Duration = Duration::from_secs(60);
    /// WinHTTP's default send time-out (30 000 ms).
    pub const WINHTTP_SEND: Duration = Duration::from_secs(30);
    /// WinHTTP's default receive time-out (30 000 ms): what a device waits for a handshake
    /// message or a response.
    pub const WINHTTP_RECEIVE: Duration = Duration::from_secs(30);
    /// When Windows' TCP abandons an unanswered connect: three SYNs, 3 + 6 + 12 s. It comes before
    /// WinHTTP's own 60 s, so it is how long a device waits for a port that answers nothing.
    pub const WINDOWS_CONNECT: Duration = Duration::from_secs(21);
    /// How long `CryptoAPI` waits for one CRL or OCSP URL: the default URL retrieval time-out of
    /// the certificate path validation settings (Group Policy, Network Retrieval); 15 s is the
    /// commonly documented default, unconfirmed from a Microsoft source.
    pub const CRYPTOAPI_URL_RETRIEVAL: Duration = Duration::from_secs(15);
    /// WinHTTP sets no time-out on name resolution; the DNS client's own retries end a lookup. Under
    /// [`Timing::Windows`] one DNS server's answer is awaited this long (our bound, not a
    /// documented Windows figure).
    pub const WINDOWS_RESOLVE_BOUND: Duration = Duration::from_secs(10);
    /// A step of the run under [`Timing::Windows`] may take this long (connect, handshake, request,
    /// with room for AIA downloads).
    pub const WINDOWS_CHECK_TIMEOUT: Duration = Duration::from_secs(120);
    /// A whole run under [`Timing::Windows`] may take this long.
    pub const WINDOWS_DEADLINE: Duration = Duration::from_secs(300);

    /// The name used on the command line and in JSON (`fast`, `windows`).
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Fast => "fast",
            Self::Windows => "windows",
        }
    }
}

impl fmt::Display for Timing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a device waits for before it gives up, for a time-out finding to say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeviceWait {
    /// An unanswered connection request (SYNs dropped).
    Connect,
    /// A TLS handshake message or an HTTP response on an open connection.
    Receive,
    /// A CRL or OCSP download by `CryptoAPI` (not WinHTTP's time-outs: its own URL retrieval
    /// time-out).
    Revocation,
}

impl DeviceWait {
    /// How long a Windows device waits.
    #[must_use]
    pub const fn windows(self) -> Duration {
        match self {
            Self::Connect => Timing::WINDOWS_CONNECT,
            Self::Receive => Timing::WINHTTP_RECEIVE,
            Self::Revocation => Timing::CRYPTOAPI_URL_RETRIEVAL,
        }
    }

    /// Why it waits that long, for people.
    ///
    /// ```
    /// use wpj_core::DeviceWait;
    /// assert!(DeviceWait::Connect.explain().contains("21 s"));
    /// ```
    #[must_use]
    pub const fn explain(self) -> &'static str {
        match self {
            Self::Connect => {
                "a Windows device waits about 21 s: its TCP sends three SYNs (3 + 6 + 12 s) and \
                 gives up before WinHTTP's 60 s connect time-out, and WinHTTP reports a time-out"
            }
            Self::Receive => "a Windows device waits 30 s, WinHTTP's default receive time-out",
            Self::Revocation => {
                "a Windows device waits up to 15 s for one CRL or OCSP URL, the default URL \
                 retrieval time-out of its certificate path validation settings (the figure is \
                 unconfirmed)"
            }
        }
    }
}
