//! Names resolved through the run's DNS servers for every HTTP client, and reqwest's errors read
//! back into [`FetchError`].

use std::error::Error as StdError;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use wpj_core::DnsLookup;
use wpj_dns::HostResolver;

use crate::error::FetchError;

/// The DNS failure carried through reqwest's error chain.
#[derive(Debug)]
struct DnsFailure(DnsLookup);

impl fmt::Display for DnsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.outcome)
    }
}

impl StdError for DnsFailure {}

/// Adapts [`HostResolver`] to reqwest, so HTTP clients resolve through the run's DNS servers.
/// A failed lookup travels through reqwest's error chain and comes back as [`FetchError::Dns`].
#[derive(Debug, Clone)]
pub(crate) struct ReqwestResolver(pub(crate) HostResolver);

impl reqwest::dns::Resolve for ReqwestResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let resolver = self.0.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            match resolver.lookup(&host).await {
                // Port 0: the connector uses the URL's port.
                Ok(ips) => Ok(Box::new(ips.into_iter().map(|ip| SocketAddr::new(ip, 0)))
                    as reqwest::dns::Addrs),
                Err(lookup) => Err(Box::new(DnsFailure(lookup)) as Box<dyn StdError + Send + Sync>),
            }
        })
    }
}

/// The innermost error message (the OS or TLS error behind reqwest's wrappers).
#[must_use]
pub fn root_cause(e: &(dyn StdError + 'static)) -> String {
    let mut root = e;
    while let Some(next) = root.source() {
        root = next;
    }
    root.to_string()
}

/// A DNS or TLS failure behind `e`, looked for along its sources and inside the I/O errors on the
/// way (whose `source` skips the error they wrap: a TLS failure through a proxy's tunnel arrives
/// so, and is a TLS failure for the device as much as a direct one).
fn named_cause(e: &(dyn StdError + 'static)) -> Option<FetchError> {
    let mut source = Some(e);
    while let Some(s) = source {
        if let Some(dns) = s.downcast_ref::<DnsFailure>() {
            return Some(FetchError::Dns(Box::new(dns.0.clone())));
        }
        if let Some(tls) = s.downcast_ref::<rustls::Error>() {
            return Some(FetchError::Tls(tls.to_string()));
        }
        if let Some(found) = s
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            .and_then(|inner| named_cause(inner))
        {
            return Some(found);
        }
        source = s.source();
    }
    None
}

/// What an error of hyper's (a request over one of the run's connections) means, in the library's
/// terms: a TLS failure after the handshake (an alert) is a TLS failure, as through reqwest.
pub(crate) fn classify_hyper(e: &hyper::Error) -> FetchError {
    named_cause(e).unwrap_or_else(|| FetchError::Other(root_cause(e)))
}

/// What a reqwest error means, in the library's terms. `timeout` is the bound that was set.
pub(crate) fn classify(e: &reqwest::Error, timeout: Duration) -> FetchError {
    if let Some(found) = named_cause(e) {
        return found;
    }
    if e.is_builder() {
        FetchError::BadUrl(root_cause(e))
    } else if e.is_timeout() {
        FetchError::TimedOut(timeout)
    } else if e.is_connect() {
        FetchError::Connect(root_cause(e))
    } else {
        FetchError::Other(root_cause(e))
    }
}
