//! The one error of every HTTP request the library makes, and why a run's network layer could not
//! be set up.

use std::fmt;
use std::time::Duration;

use wpj_core::{DnsLookup, JoinFailure};

use crate::roots::TrustError;

/// Why a request produced no complete answer. Every fetch of the library (CRL, AIA, contract,
/// tenant discovery, federation metadata, probe) fails with one of these.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FetchError {
    /// Not an `http://` or `https://` URL (`ldap://` and `file://` distribution points cannot be
    /// fetched here, nor by a device outside the domain).
    Scheme(String),
    /// The URL cannot be parsed.
    BadUrl(String),
    /// A host name did not resolve (through the run's DNS servers).
    Dns(Box<DnsLookup>),
    /// No connection (refused, unreachable, or the proxy refused the tunnel).
    Connect(String),
    /// The TLS layer refused the connection (certificate, protocol).
    Tls(String),
    /// No complete answer within the run's network timeout.
    TimedOut(Duration),
    /// An HTTP error status, where only a success is of use (a CRL, a certificate).
    Status(u16),
    /// The body passed the cap of this use (bytes).
    TooLarge(usize),
    /// The run's byte budget (the sum of every body read in one run) is spent.
    BudgetSpent(u64),
    /// Anything else (malformed HTTP, a body cut short).
    Other(String),
}

impl FetchError {
    /// What a device logs when its request fails so: the WinHTTP code of the network failure
    /// (name not resolved, cannot connect, secure failure, timeout), invalid data for an oversized
    /// answer, an invalid server response for anything else.
    #[must_use]
    pub fn failure(&self) -> JoinFailure {
        match self {
            Self::Dns(_) => JoinFailure::NameNotResolved,
            Self::Connect(_) => JoinFailure::CannotConnect,
            Self::Tls(_) => JoinFailure::SecureFailure,
            Self::TimedOut(_) => JoinFailure::Timeout,
            Self::TooLarge(_) | Self::BudgetSpent(_) => JoinFailure::InvalidData,
            Self::Scheme(_) | Self::BadUrl(_) | Self::Status(_) | Self::Other(_) => {
                JoinFailure::InvalidServerResponse
            }
        }
    }

    /// Whether the cause is the network path (DNS, connection, proxy, TLS, time): what a device
    /// reports as a connection failure rather than as an answer.
    #[must_use]
    pub fn is_connection(&self) -> bool {
        matches!(
            self,
            Self::Dns(_) | Self::Connect(_) | Self::Tls(_) | Self::TimedOut(_)
        )
    }
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Scheme(s) => write!(f, "{s}:// URLs are not fetched (only http:// and https://)"),
            Self::BadUrl(e) => write!(f, "not a URL ({e})"),
            Self::Dns(l) => write!(f, "{} does not resolve: {}", l.name, l.outcome),
            Self::Connect(e) => write!(f, "cannot connect: {e}"),
            Self::Tls(e) => write!(f, "TLS: {e}"),
            Self::TimedOut(t) => write!(
                f,
                "timed out (no complete answer within {})",
                wpj_core::HumanDuration(*t)
            ),
            Self::Status(s) => write!(f, "HTTP {s}"),
            Self::TooLarge(cap) => write!(f, "the body is larger than {cap} bytes"),
            Self::BudgetSpent(budget) => write!(
                f,
                "not read: this run has already read its budget of {budget} bytes"
            ),
            Self::Other(e) => f.write_str(e),
        }
    }
}

impl std::error::Error for FetchError {}

/// Why the network layer of a run could not be set up: the run cannot reach anything.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum NetError {
    /// The trust store the settings ask for cannot be loaded.
    Trust(TrustError),
    /// There are no DNS servers to ask.
    Dns(wpj_dns::NoServers),
    /// The proxy setting is not a usable proxy URL.
    Proxy {
        /// The setting, credentials redacted.
        url: String,
        /// Why.
        why: String,
    },
    /// The HTTP client could not be built (the TLS configuration was refused).
    Client(String),
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Trust(e) => e.fmt(f),
            Self::Dns(e) => e.fmt(f),
            Self::Proxy { url, why } => write!(f, "proxy {url:?}: {why}"),
            Self::Client(e) => write!(f, "HTTP client: {e}"),
        }
    }
}

impl std::error::Error for NetError {}

impl From<TrustError> for NetError {
    fn from(e: TrustError) -> Self {
        Self::Trust(e)
    }
}

impl From<wpj_dns::NoServers> for NetError {
    fn from(e: wpj_dns::NoServers) -> Self {
        Self::Dns(e)
    }
}
