//! [`Net`]: the one network layer of a run.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use wpj_core::{Context, OnceMap, ResolverView, Settings};
use wpj_dns::HostResolver;

use crate::body::{Body, read_body};
use crate::connections::{ConnectionTrust, Connections, Reservation};
use crate::error::{FetchError, NetError};
use crate::https::{HttpsClient, Replies, Reply};
use crate::limits::{Budget, Limits};
use crate::proxy::ProxyConfig;
use crate::resolve::{ReqwestResolver, classify};
use crate::roots::TrustStore;
use crate::url::scheme_of;

/// The User-Agent of every request the library makes.
pub const USER_AGENT: &str = concat!(
    "wpj/",
    env!("CARGO_PKG_VERSION"),
    " (device registration diagnostics)"
);

/// How many redirects a download (CRL, AIA, OCSP) follows, as `CryptoAPI`'s retrieval does.
const DOWNLOAD_REDIRECTS: usize = 3;

/// The network layer of one run: the trust store, the run's resolver (and one per DNS view), the
/// proxy, the HTTP clients and the run's limits. Made once per run ([`Net::for_run`]); every check
/// asks it for what it needs, and nothing else in the library builds an HTTP client.
///
/// - [`Net::fetch`]: plain downloads as `CryptoAPI` makes them (CRL, AIA, OCSP): through the proxy
///   unless `NO_PROXY` names the host, up to three redirects, bounded by a cap and the budget.
/// - [`Net::https`]: HTTPS clients for what a device asks (contract, tenant discovery, sign-in
///   hosts, federation metadata), never following redirects themselves (the contract step follows
///   them as WinHTTP does, by hand), through the proxy.
/// - [`Net::probe`]: plain HTTP to a farm node's health endpoint: direct, no redirects.
///
/// Every request is bounded by the run's network timeout; every body is read as a stream and
/// abandoned at its cap ([`Limits`]), and all bodies of a run together at [`Limits::run_budget`].
#[derive(Debug)]
pub struct Net {
    trust: TrustStore,
    resolver: HostResolver,
    proxy: Option<ProxyConfig>,
    limits: Limits,
    budget: Arc<Budget>,
    timeout: Duration,
    /// Downloads: proxy, a few redirects (built on first use: most runs of a fleet need none).
    downloads: OnceLock<Result<reqwest::Client, FetchError>>,
    /// Probes: direct, no redirects (built on first use).
    probes: OnceLock<Result<reqwest::Client, FetchError>>,
    /// What each download gave, by URL and cap.
    downloaded: OnceMap<(String, usize), Download>,
    /// The TLS connections of the run, by node and name ([`Net::keep`]).
    connections: Arc<Connections>,
    /// The replies of the run's HTTPS requests.
    replies: Arc<Replies>,
}

/// What one download gave, once it is done.
type Download = Result<Arc<Vec<u8>>, FetchError>;

/// The run's [`Net`], made by the first check that asks.
#[derive(Default)]
struct NetSlot(OnceLock<Result<Arc<Net>, NetError>>);

impl Net {
    /// The network layer of the run `cx` belongs to, made on first use and shared by every check of
    /// the run (its resolver shares the run's memory of DNS answers).
    ///
    /// # Errors
    /// When the settings give nothing to trust, no DNS server, or an unusable proxy URL.
    pub fn for_run(cx: &Context) -> Result<Arc<Self>, NetError> {
        Self::for_run_with(cx, Limits::default())
    }

    /// As [`Net::for_run`], made with `limits` if no check of the run made it yet (an embedding
    /// tool sets its own caps and budget so before it runs the checks; the tests exhaust a tiny
    /// budget so). When the run's layer already exists, it is returned as it is.
    ///
    /// # Errors
    /// As [`Net::for_run`].
    pub fn for_run_with(cx: &Context, limits: Limits) -> Result<Arc<Self>, NetError> {
        cx.run_shared::<NetSlot>()
            .0
            .get_or_init(|| {
                let resolver = HostResolver::for_run(cx)?;
                Self::with_resolver(cx.settings(), resolver, limits).map(Arc::new)
            })
            .clone()
    }

    /// A network layer for `settings` on its own (not shared with a run), with `limits`.
    ///
    /// # Errors
    /// As [`Net::for_run`].
    pub fn new(settings: &Settings, limits: Limits) -> Result<Self, NetError> {
        Self::with_resolver(settings, HostResolver::from_settings(settings)?, limits)
    }

    fn with_resolver(
        settings: &Settings,
        resolver: HostResolver,
        limits: Limits,
    ) -> Result<Self, NetError> {
        let trust = TrustStore::load(&settings.trust)?;
        let proxy =
            ProxyConfig::from_settings(settings.proxy.as_deref(), settings.no_proxy.as_deref());
        if let Some(p) = &proxy {
            // An unusable proxy is the run's error, said before any check needs it.
            p.reqwest()?;
        }
        Ok(Self {
            downloads: OnceLock::new(),
            probes: OnceLock::new(),
            downloaded: OnceMap::default(),
            connections: Arc::default(),
            replies: Arc::default(),
            trust,
            resolver,
            proxy,
            limits,
            budget: Arc::new(Budget::new(limits.run_budget)),
            timeout: settings.network_timeout,
        })
    }

    /// The download client, built on first use.
    fn downloads(&self) -> Result<&reqwest::Client, FetchError> {
        self.downloads
            .get_or_init(|| {
                let builder = Self::builder(&self.resolver)
                    .tls_backend_preconfigured(self.trust.client_config())
                    .redirect(reqwest::redirect::Policy::limited(DOWNLOAD_REDIRECTS));
                Self::finish(builder, self.proxy.as_ref())
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The probe client, built on first use.
    fn probes(&self) -> Result<&reqwest::Client, FetchError> {
        self.probes
            .get_or_init(|| {
                let builder = Self::builder(&self.resolver)
                    .tls_backend_preconfigured(self.trust.client_config())
                    .redirect(reqwest::redirect::Policy::none());
                // Probes go direct, whatever the run's proxy.
                Self::finish(builder, None)
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The client `builder` makes, through `proxy` when there is one.
    pub(crate) fn finish(
        mut builder: reqwest::ClientBuilder,
        proxy: Option<&ProxyConfig>,
    ) -> Result<reqwest::Client, FetchError> {
        if let Some(p) = proxy {
            let proxy = p.reqwest().map_err(|e| FetchError::Client(e.to_string()))?;
            builder = builder.proxy(proxy);
        }
        builder
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))
    }

    /// A reqwest builder resolving through `resolver`, with no proxy and no cookies.
    pub(crate) fn builder(resolver: &HostResolver) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .dns_resolver(Arc::new(ReqwestResolver(resolver.clone())))
            .user_agent(USER_AGENT)
            .no_proxy()
    }

    /// The roots the run trusts.
    #[must_use]
    pub fn trust(&self) -> &TrustStore {
        &self.trust
    }

    /// The run's resolver (the first DNS view, with the run's memory of answers).
    #[must_use]
    pub fn resolver(&self) -> &HostResolver {
        &self.resolver
    }

    /// A resolver asking only `view`'s servers (what a device in that network resolves).
    #[must_use]
    pub fn resolver_in(&self, view: &ResolverView) -> HostResolver {
        self.resolver.in_view(view.clone())
    }

    /// The run's proxy, if any.
    #[must_use]
    pub fn proxy(&self) -> Option<&ProxyConfig> {
        self.proxy.as_ref()
    }

    /// The run's caps.
    #[must_use]
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// How long one request may take.
    #[must_use]
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// How many body bytes the run has read so far (every request of the run).
    #[must_use]
    pub fn bytes_read(&self) -> u64 {
        self.budget.spent()
    }

    /// Downloads `url` (`http://`, or `https://` verified against the run's roots) as `CryptoAPI`
    /// downloads a CRL or a certificate: through the proxy unless `NO_PROXY` names the host, up to
    /// three redirects, at most `cap` bytes, within the run's timeout and budget. A status other
    /// than 2xx is an error.
    ///
    /// Like `CryptoAPI`'s URL cache, the run keeps what each URL gave: the revocation step and the
    /// sign-in hosts that share a CA download its CRL once, and concurrent asks wait for the same
    /// download.
    ///
    /// # Errors
    /// Any [`FetchError`]: `ldap://` and other schemes are [`FetchError::Scheme`].
    pub async fn fetch(&self, url: &str, cap: usize) -> Result<Arc<Vec<u8>>, FetchError> {
        self.downloaded
            .get_or_init((url.to_owned(), cap), || self.download(url, cap))
            .await
    }

    async fn download(&self, url: &str, cap: usize) -> Result<Arc<Vec<u8>>, FetchError> {
        let scheme = scheme_of(url);
        if scheme != "http" && scheme != "https" {
            return Err(FetchError::Scheme(scheme));
        }
        let download = async {
            let mut response = self
                .downloads()?
                .get(url)
                .send()
                .await
                .map_err(|e| classify(&e, self.timeout))?;
            let status = response.status().as_u16();
            if !(200..300).contains(&status) {
                return Err(FetchError::Status(status));
            }
            let mut body = Vec::new();
            read_body(
                Body::Reqwest(&mut response),
                cap,
                &self.budget,
                self.timeout,
                &mut body,
            )
            .await?;
            Ok(Arc::new(body))
        };
        tokio::time::timeout(self.timeout, download)
            .await
            .unwrap_or(Err(FetchError::TimedOut(self.timeout)))
    }

    /// GETs `url` (plain HTTP to a node's address, say) directly — no proxy, no redirects — and
    /// gives its status; the body is not read.
    ///
    /// # Errors
    /// Any [`FetchError`] but a status.
    pub async fn probe(&self, url: &str) -> Result<u16, FetchError> {
        let ask = async {
            self.probes()?
                .get(url)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .map_err(|e| classify(&e, self.timeout))
        };
        tokio::time::timeout(self.timeout, ask)
            .await
            .unwrap_or(Err(FetchError::TimedOut(self.timeout)))
    }

    /// An HTTPS client trusting as `tls` says (a verifying or recording configuration from the TLS
    /// crate, or [`TrustStore::client_config`]), through the run's proxy; never follows redirects,
    /// never keeps cookies. Refine it with [`HttpsBuilder`]'s methods, then [`HttpsBuilder::build`].
    pub fn https(&self, tls: rustls::ClientConfig) -> HttpsBuilder<'_> {
        HttpsBuilder {
            net: self,
            tls,
            pin: None,
            resolver: None,
            headers: &[],
            inspection: false,
            fresh: false,
        }
    }

    /// Reserves the place of a connection about to be made to `address` with SNI `host` (the TLS
    /// step's handshake): until it is kept ([`Net::keep`]) or dropped, the run's direct HTTPS
    /// requests to that address and name wait for it instead of handshaking themselves. Nothing
    /// is held when a request is using the place already.
    pub fn reserve(&self, address: SocketAddr, host: &str) -> Reservation {
        self.connections.reserve(address, host)
    }

    /// Keeps `tls`, the connection made for `reservation` and judged as `trust` says, for the
    /// run's direct HTTPS requests to that address and name: they go over it, one after the other,
    /// instead of handshaking again (one connection per node and name, as a device makes).
    /// Nothing is kept when a connection as trusted is already there or a request is using it.
    pub async fn keep(
        &self,
        reservation: Reservation,
        tls: tokio_rustls::client::TlsStream<tokio::net::TcpStream>,
        trust: ConnectionTrust,
    ) {
        self.connections.keep(reservation, tls, trust).await;
    }

    /// Starts a reply record for `url` (what [`HttpsClient`] fills in).
    pub(crate) fn reply(url: &str, path: String, address: Option<SocketAddr>) -> Reply {
        Reply {
            url: url.to_owned(),
            path,
            address,
            status: None,
            headers: Vec::new(),
            body: Vec::new(),
            error: None,
            elapsed: Duration::ZERO,
            started: Instant::now(),
        }
    }

    pub(crate) fn budget(&self) -> &Arc<Budget> {
        &self.budget
    }
}

/// An HTTPS client being set up ([`Net::https`]).
#[must_use]
pub struct HttpsBuilder<'n> {
    net: &'n Net,
    tls: rustls::ClientConfig,
    pin: Option<(String, Vec<SocketAddr>)>,
    resolver: Option<HostResolver>,
    headers: &'static [(&'static str, &'static str)],
    inspection: bool,
    fresh: bool,
}

impl HttpsBuilder<'_> {
    /// Sends `host` to `addresses` (the node a device landed on), whatever DNS says — when the
    /// request goes direct. Through a proxy the proxy resolves the name and picks the node, so the
    /// pin is dropped and the replies name no address.
    pub fn pinned(mut self, host: &str, addresses: &[SocketAddr]) -> Self {
        if !addresses.is_empty() {
            self.pin = Some((host.to_owned(), addresses.to_vec()));
        }
        self
    }

    /// Resolves names with `resolver` (one DNS view) instead of the run's resolver.
    pub fn resolving_with(mut self, resolver: HostResolver) -> Self {
        self.resolver = Some(resolver);
        self
    }

    /// Sends `headers` with every request (the dsreg client's own, for Entra ID).
    pub fn headers(mut self, headers: &'static [(&'static str, &'static str)]) -> Self {
        self.headers = headers;
        self
    }

    /// Marks the client's exchanges as made over an inspection connection (a chain a device would
    /// refuse was accepted to see what comes next).
    pub fn inspection(mut self, inspection: bool) -> Self {
        self.inspection = inspection;
        self
    }

    /// Sends every request, even one the run already sent: for a client whose connections
    /// record what they see (an inspection recording), which a shared reply would leave empty.
    pub fn fresh(mut self) -> Self {
        self.fresh = true;
        self
    }

    /// The client. (A TLS configuration reqwest refuses, for requests through the proxy, shows in
    /// those requests' replies as [`FetchError::Client`].)
    ///
    /// # Errors
    /// [`NetError::Proxy`] for an unusable proxy URL.
    pub fn build(self) -> Result<HttpsClient, NetError> {
        let net = self.net;
        let resolver = self.resolver.unwrap_or_else(|| net.resolver.clone());
        let pin = self.pin.filter(|(host, _)| {
            !net.proxy
                .as_ref()
                .is_some_and(|p| p.applies_to(&format!("https://{host}/")))
        });
        if let Some(p) = &net.proxy {
            // An unusable proxy is said here, not at the first request.
            p.reqwest()?;
        }
        Ok(HttpsClient {
            tls: Arc::new(self.tls),
            resolver,
            pin,
            connections: Arc::clone(&net.connections),
            replies: Arc::clone(&net.replies),
            fresh: self.fresh,
            reqwest: Arc::default(),
            proxy: net.proxy.clone(),
            inspection: self.inspection,
            timeout: net.timeout,
            headers: self.headers,
            budget: Arc::clone(net.budget()),
            document_cap: net.limits.document,
        })
    }
}
