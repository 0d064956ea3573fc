//! Downloading CRLs and AIA certificates as CryptoAPI does: plain HTTP, names resolved through the
//! run's DNS servers, bounded in size and time.

use std::error::Error as StdError;
use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use wpj_core::DnsLookup;
use wpj_dns::HostResolver;

/// The User-Agent of every request the library makes.
pub const USER_AGENT: &str = concat!(
    "wpj/",
    env!("CARGO_PKG_VERSION"),
    " (device registration diagnostics)"
);

/// Why a download failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FetchError {
    /// Not an `http://` URL (ldap:// and file:// CDPs cannot be fetched here, nor by most clients).
    Scheme(String),
    /// The host did not resolve.
    Dns(Box<DnsLookup>),
    /// No connection.
    Connect(String),
    /// No complete answer in time.
    TimedOut,
    /// An HTTP error status.
    Status(u16),
    /// The body exceeded the cap.
    TooLarge(usize),
    /// Anything else.
    Other(String),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Scheme(s) => write!(f, "{s}:// URLs are not fetched (only http://)"),
            Self::Dns(l) => write!(f, "host does not resolve: {}", l.outcome),
            Self::Connect(e) => write!(f, "cannot connect: {e}"),
            Self::TimedOut => f.write_str("timed out"),
            Self::Status(s) => write!(f, "HTTP {s}"),
            Self::TooLarge(cap) => write!(f, "larger than {cap} bytes"),
            Self::Other(e) => f.write_str(e),
        }
    }
}

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
/// A failed lookup travels through reqwest's error chain; [`dns_failure`] gets it back.
#[derive(Debug, Clone)]
pub struct ReqwestResolver(pub HostResolver);

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

/// A plain-HTTP fetcher bound to the run's DNS servers.
#[derive(Debug, Clone)]
pub(crate) struct Fetcher {
    client: reqwest::Client,
}

impl Fetcher {
    /// A fetcher resolving through `resolver`; `tls` is only used should a URL be https.
    pub(crate) fn new(resolver: HostResolver, tls: rustls::ClientConfig) -> Result<Self, String> {
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .dns_resolver(Arc::new(ReqwestResolver(resolver)))
            .redirect(reqwest::redirect::Policy::limited(3))
            .no_proxy()
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| format!("HTTP client: {e}"))?;
        Ok(Self { client })
    }

    /// GETs `url`, giving up after `timeout` or when the body passes `cap` bytes.
    pub(crate) async fn get(
        &self,
        url: &str,
        cap: usize,
        timeout: Duration,
    ) -> Result<Vec<u8>, FetchError> {
        let scheme = url
            .split_once("://")
            .map_or("", |(s, _)| s)
            .to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(FetchError::Scheme(scheme));
        }
        tokio::time::timeout(timeout, self.get_inner(url, cap))
            .await
            .unwrap_or(Err(FetchError::TimedOut))
    }

    async fn get_inner(&self, url: &str, cap: usize) -> Result<Vec<u8>, FetchError> {
        let mut response = self
            .client
            .get(url)
            .send()
            .await
            .map_err(|e| classify(&e))?;
        let status = response.status().as_u16();
        if !(200..300).contains(&status) {
            return Err(FetchError::Status(status));
        }
        if response
            .content_length()
            .is_some_and(|len| len > cap as u64)
        {
            return Err(FetchError::TooLarge(cap));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
            if body.len() + chunk.len() > cap {
                return Err(FetchError::TooLarge(cap));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }
}

/// The DNS failure behind a reqwest error, when a [`ReqwestResolver`] lookup caused it.
#[must_use]
pub fn dns_failure(e: &reqwest::Error) -> Option<DnsLookup> {
    let mut source: Option<&(dyn StdError + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(dns) = s.downcast_ref::<DnsFailure>() {
            return Some(dns.0.clone());
        }
        source = s.source();
    }
    None
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

fn classify(e: &reqwest::Error) -> FetchError {
    if let Some(lookup) = dns_failure(e) {
        return FetchError::Dns(Box::new(lookup));
    }
    if e.is_timeout() {
        FetchError::TimedOut
    } else if e.is_connect() {
        FetchError::Connect(root_cause(e))
    } else {
        FetchError::Other(e.to_string())
    }
}
