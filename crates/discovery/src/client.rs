//! The HTTP side of discovery: one client per run (same addresses, same trust, same DNS as the
//! device), and single bounded requests whose every detail is kept as evidence.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use wpj_core::HttpExchange;
use wpj_dns::HostResolver;
use wpj_tls::{ReqwestResolver, USER_AGENT, dns_failure, root_cause};

/// The largest discovery answer read (a document is a few kilobytes).
pub const BODY_CAP: usize = 1024 * 1024;
/// How much of a body evidence keeps.
const EXCERPT: usize = 300;

/// Why a request produced no complete response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum RequestError {
    /// No complete answer in time.
    TimedOut,
    /// The body passed [`BODY_CAP`].
    TooLarge(Option<u64>),
    /// A name did not resolve.
    Dns(String),
    /// No connection.
    Connect(String),
    /// The TLS layer refused the connection (certificate, protocol).
    Tls(String),
    /// Anything else (TLS, malformed HTTP).
    Other(String),
}

/// A complete response.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub(crate) status: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) location: Option<String>,
    pub(crate) body: Vec<u8>,
}

/// A client configured as the device would be.
#[derive(Debug, Clone)]
pub(crate) struct Client {
    http: reqwest::Client,
    path: String,
    inspection: bool,
    timeout: Duration,
    /// The one address requests go to, when pinned.
    address: Option<SocketAddr>,
    /// Headers sent with every request besides `Accept` (the dsreg client's own, for Entra ID).
    headers: &'static [(&'static str, &'static str)],
}

/// The proxy to use: explicit, else `HTTPS_PROXY` / `https_proxy` from the environment.
pub(crate) fn proxy_setting(explicit: Option<&str>) -> Option<String> {
    explicit
        .map(str::to_owned)
        .or_else(|| std::env::var("HTTPS_PROXY").ok())
        .or_else(|| std::env::var("https_proxy").ok())
        .filter(|p| !p.trim().is_empty())
}

impl Client {
    /// A client that sends `host` to `addresses` (what DNS gave the device; none: resolve it too),
    /// resolves every other name through `resolver`, trusts `tls`, never follows redirects by itself, never keeps cookies.
    pub(crate) fn new(
        tls: rustls::ClientConfig,
        inspection: bool,
        host: &str,
        addresses: &[SocketAddr],
        resolver: HostResolver,
        proxy: Option<&str>,
        timeout: Duration,
    ) -> Result<Self, String> {
        let mut builder = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .dns_resolver(Arc::new(ReqwestResolver(resolver)))
            .no_proxy();
        if !addresses.is_empty() {
            builder = builder.resolve_to_addrs(host, addresses);
        }
        let path = match proxy {
            Some(url) => {
                let p = reqwest::Proxy::https(url).map_err(|e| format!("proxy {url:?}: {e}"))?;
                builder = builder.proxy(p);
                format!("proxy {url}")
            }
            None => "direct".to_owned(),
        };
        Ok(Self {
            http: builder.build().map_err(|e| format!("HTTP client: {e}"))?,
            path,
            inspection,
            timeout,
            address: (addresses.len() == 1).then(|| addresses[0]),
            headers: &[],
        })
    }

    /// The same client, sending `headers` with every request.
    pub(crate) fn with_headers(mut self, headers: &'static [(&'static str, &'static str)]) -> Self {
        self.headers = headers;
        self
    }

    /// One GET, bounded by the client's timeout and [`BODY_CAP`].
    pub(crate) async fn get(
        &self,
        url: &str,
        accept: Option<&str>,
    ) -> (HttpExchange, Result<Response, RequestError>) {
        let started = Instant::now();
        let mut exchange = HttpExchange {
            url: url.to_owned(),
            address: self.address,
            accept: accept.map(str::to_owned),
            status: None,
            headers: Vec::new(),
            bytes: None,
            body_excerpt: None,
            path: self.path.clone(),
            inspection: self.inspection,
            error: None,
            elapsed: Duration::ZERO,
        };
        let result = tokio::time::timeout(self.timeout, self.send(url, accept, &mut exchange))
            .await
            .unwrap_or(Err(RequestError::TimedOut));
        if let Err(e) = &result {
            exchange.error = Some(match e {
                RequestError::TimedOut => format!(
                    "no complete answer within {}",
                    wpj_core::HumanDuration(self.timeout)
                ),
                RequestError::TooLarge(_) => format!("the body is larger than {BODY_CAP} bytes"),
                RequestError::Dns(e)
                | RequestError::Connect(e)
                | RequestError::Tls(e)
                | RequestError::Other(e) => e.clone(),
            });
        }
        exchange.elapsed = started.elapsed();
        (exchange, result)
    }

    async fn send(
        &self,
        url: &str,
        accept: Option<&str>,
        exchange: &mut HttpExchange,
    ) -> Result<Response, RequestError> {
        let mut request = self.http.get(url);
        if let Some(a) = accept {
            request = request.header(reqwest::header::ACCEPT, a);
        }
        for (name, value) in self.headers {
            request = request.header(*name, *value);
        }
        let mut response = request.send().await.map_err(|e| classify(&e))?;
        let status = response.status().as_u16();
        exchange.status = Some(status);
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        for name in [
            "content-type",
            "content-length",
            "location",
            "server",
            "date",
        ] {
            if let Some(v) = header(name) {
                exchange.headers.push((name.to_owned(), v));
            }
        }
        let content_type = header("content-type");
        let location = header("location");
        if response
            .content_length()
            .is_some_and(|len| len > BODY_CAP as u64)
        {
            return Err(RequestError::TooLarge(response.content_length()));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e))? {
            body.extend_from_slice(&chunk);
            exchange.bytes = Some(body.len());
            if body.len() > BODY_CAP {
                exchange.body_excerpt = Some(excerpt(&body));
                return Err(RequestError::TooLarge(response.content_length()));
            }
        }
        exchange.bytes = Some(body.len());
        exchange.body_excerpt = (!body.is_empty()).then(|| excerpt(&body));
        Ok(Response {
            status,
            content_type,
            location,
            body,
        })
    }
}

fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT)]);
    let mut out: String = text
        .chars()
        .filter(|c| !c.is_control() || *c == ' ')
        .collect();
    if body.len() > EXCERPT {
        out.push('…');
    }
    out
}

fn classify(e: &reqwest::Error) -> RequestError {
    if let Some(lookup) = dns_failure(e) {
        return RequestError::Dns(format!(
            "{} does not resolve: {}",
            lookup.name, lookup.outcome
        ));
    }
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(tls) = s.downcast_ref::<rustls::Error>() {
            return RequestError::Tls(tls.to_string());
        }
        source = s.source();
    }
    if e.is_timeout() {
        RequestError::TimedOut
    } else if e.is_connect() {
        RequestError::Connect(root_cause(e))
    } else {
        RequestError::Other(root_cause(e))
    }
}
