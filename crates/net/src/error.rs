//! The one error of every HTTP request the library makes, and why a run's network layer could not
//! be set up.

use std::time::Duration;

use wpj_core::{DnsLookup, HumanDuration, JoinFailure};

use crate::roots::TrustError;

/// Why a request produced no complete answer. Every fetch of the library (CRL, AIA, contract,
/// tenant discovery, federation metadata, probe) fails with one of these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// Not an `http://` or `https://` URL (`ldap://` and `file://` distribution points cannot be
    /// fetched here, nor by a device outside the domain).
    #[error("{} URLs are not fetched (only http:// and https://)", scheme_shown(.0))]
    Scheme(String),
    /// The URL cannot be used for a request.
    #[error("not a usable URL ({0})")]
    BadUrl(String),
    /// A host name did not resolve (through the run's DNS servers).
    #[error("{} does not resolve: {}", .0.name, .0.outcome)]
    Dns(Box<DnsLookup>),
    /// No connection (refused, unreachable, or the proxy refused the tunnel).
    #[error("cannot connect: {0}")]
    Connect(String),
    /// The TLS layer refused the connection (certificate, protocol).
    #[error("TLS: {0}")]
    Tls(String),
    /// No complete answer within the run's network timeout.
    #[error("timed out (no complete answer within {})", HumanDuration(*.0))]
    TimedOut(Duration),
    /// An HTTP error status, where only a success is of use (a CRL, a certificate).
    #[error("HTTP {0}")]
    Status(u16),
    /// The body passed the cap of this use (bytes).
    #[error("the body is larger than {0} bytes")]
    TooLarge(usize),
    /// Not read: the run's byte budget (the sum of every body read in one run) is spent. A limit of
    /// this tool, not something a device meets.
    #[error("not read: this run has already read its budget of {0} bytes")]
    BudgetSpent(u64),
    /// The tool could not make the request (its HTTP client could not be set up).
    #[error("the request could not be made: {0}")]
    Client(String),
    /// Anything else (malformed HTTP, a body cut short).
    #[error("{0}")]
    Other(String),
}

/// `ldap://`, or `scheme-less` when the URL has none.
fn scheme_shown(scheme: &str) -> String {
    if scheme.is_empty() {
        "scheme-less".to_owned()
    } else {
        format!("{scheme}://")
    }
}

impl FetchError {
    /// What a device logs when its request fails so: the WinHTTP code of the network failure
    /// (name not resolved, cannot connect, secure failure, timeout), invalid data for an oversized
    /// answer, an invalid server response for a broken one; the tool's own limits
    /// ([`FetchError::is_own_limit`]) are an unknown error: no device meets them.
    #[must_use]
    pub fn failure(&self) -> JoinFailure {
        match self {
            Self::Dns(_) => JoinFailure::NameNotResolved,
            Self::Connect(_) => JoinFailure::CannotConnect,
            Self::Tls(_) => JoinFailure::SecureFailure,
            Self::TimedOut(_) => JoinFailure::Timeout,
            Self::TooLarge(_) => JoinFailure::InvalidData,
            Self::BudgetSpent(_) | Self::Client(_) => JoinFailure::UnknownError,
            Self::Scheme(_) | Self::BadUrl(_) | Self::Status(_) | Self::Other(_) => {
                JoinFailure::InvalidServerResponse
            }
        }
    }

    /// Whether the request was not made or not read because of this tool's own limits (the run's
    /// byte budget, its HTTP client): nothing a device would meet, so never a device verdict.
    #[must_use]
    pub fn is_own_limit(&self) -> bool {
        matches!(self, Self::BudgetSpent(_) | Self::Client(_))
    }

    /// Whether no complete answer came in time.
    #[must_use]
    pub fn is_timeout(&self) -> bool {
        matches!(self, Self::TimedOut(_))
    }
}

/// Why the network layer of a run could not be set up: the run cannot reach anything.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NetError {
    /// The trust store the settings ask for cannot be loaded.
    #[error(transparent)]
    Trust(#[from] TrustError),
    /// There are no DNS servers to ask.
    #[error(transparent)]
    Dns(#[from] wpj_dns::NoServers),
    /// The proxy setting is not a usable proxy URL.
    #[error("proxy {url:?}: {why}")]
    Proxy {
        /// The setting, credentials redacted.
        url: String,
        /// Why.
        why: String,
    },
    /// The HTTP client could not be built (the TLS configuration was refused).
    #[error("HTTP client: {0}")]
    Client(String),
}

impl NetError {
    /// Whether the proxy setting is the cause.
    #[must_use]
    pub fn is_proxy(&self) -> bool {
        matches!(self, Self::Proxy { .. })
    }

    /// Whether nothing can be trusted (the trust store could not be loaded).
    #[must_use]
    pub fn is_trust(&self) -> bool {
        matches!(self, Self::Trust(_))
    }
}
