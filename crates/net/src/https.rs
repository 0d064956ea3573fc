//! HTTPS requests as a device sends them, every detail kept for evidence.

use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Empty;
use rustls_pki_types::ServerName;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use wpj_core::{HumanDuration, OnceMap};
use wpj_dns::HostResolver;

use crate::body::{Body, read_body};
use crate::connections::{ConnectionTrust, Connections, Kept, http1};
use crate::error::FetchError;
use crate::limits::Budget;
use crate::net::Net;
use crate::proxy::ProxyConfig;
use crate::resolve::{classify, classify_hyper};

/// An HTTPS client of the run ([`Net::https`]): the run's resolver (or one view's), proxy, timeout
/// and budget; no redirects followed, no cookies.
///
/// Direct requests go over the run's connection to the node and name when there is one (the one
/// the TLS step made, say: see [`Net::keep`]), else over a new one that is kept for the next
/// request; requests to one node and name go one after the other. Requests through the proxy (and
/// `http://` ones) go through reqwest.
#[derive(Debug, Clone)]
pub struct HttpsClient {
    pub(crate) tls: Arc<rustls::ClientConfig>,
    pub(crate) resolver: HostResolver,
    /// The node `host` is sent to, whatever DNS says (only when the request goes direct).
    pub(crate) pin: Option<(String, Vec<SocketAddr>)>,
    pub(crate) connections: Arc<Connections>,
    pub(crate) replies: Arc<Replies>,
    /// Every request is sent (never answered from [`Replies`]).
    pub(crate) fresh: bool,
    /// reqwest, for requests through the proxy and `http://` ones: built on first use.
    pub(crate) reqwest: Arc<OnceLock<Result<reqwest::Client, FetchError>>>,
    pub(crate) proxy: Option<ProxyConfig>,
    pub(crate) inspection: bool,
    pub(crate) timeout: Duration,
    pub(crate) headers: &'static [(&'static str, &'static str)],
    pub(crate) budget: Arc<Budget>,
    pub(crate) document_cap: usize,
}

/// The replies of a run's requests: the same GET (URL, `Accept`, cap, trust, nodes, DNS view,
/// headers) is sent once per run, and every check that asks gets its reply — the AD FS nodes check
/// asks each node what the contract step already asked it, as a device would get it once. Clients
/// built [`fresh`](crate::HttpsBuilder::fresh) send every request.
#[derive(Debug, Default)]
pub(crate) struct Replies(OnceMap<ReplyKey, Reply>);

/// What makes two requests the same: URL, `Accept`, cap, inspection, the nodes a pin sends the
/// host to, the DNS view, the headers.
type ReplyKey = (
    String,
    Option<String>,
    usize,
    bool,
    Option<(String, Vec<SocketAddr>)>,
    String,
    &'static [(&'static str, &'static str)],
);

/// What one request got: everything seen, complete or not.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The URL asked.
    pub url: String,
    /// How the request travelled: `direct`, `direct (NO_PROXY)` or `proxy <url>` (credentials
    /// redacted).
    pub path: String,
    /// The one address the request was sent to, when the client was pinned to it.
    pub address: Option<SocketAddr>,
    /// The status, when a response head arrived.
    pub status: Option<u16>,
    /// Every response header, names lowercase, values as text (invalid UTF-8 replaced).
    pub headers: Vec<(String, String)>,
    /// The body as far as it was read (at most the cap).
    pub body: Vec<u8>,
    /// Why the reply is incomplete, if it is.
    pub error: Option<FetchError>,
    /// How long it took.
    pub elapsed: Duration,
    pub(crate) started: Instant,
}

impl Reply {
    /// The first header `name` (lowercase), if present.
    #[must_use]
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The complete reply, or why it is not complete.
    ///
    /// # Errors
    /// The [`FetchError`] that cut the reply short.
    pub fn complete(&self) -> Result<&Self, &FetchError> {
        self.error.as_ref().map_or(Ok(self), Err)
    }

    /// Records a response head.
    fn head(&mut self, status: u16, headers: &http::HeaderMap) {
        self.status = Some(status);
        self.headers = headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
    }
}

/// Why a request to one address got no answer.
enum Unopened {
    /// No TCP connection (and whether the attempt timed out): the next address may do.
    Connect(String, bool),
    /// Connected, but no TLS session, no HTTP over it, or no complete answer: the request fails.
    Failed(FetchError),
}

impl HttpsClient {
    /// The one address the client sends its host to, when it is pinned to exactly one.
    fn pinned_address(&self) -> Option<SocketAddr> {
        match &self.pin {
            Some((_, addresses)) if addresses.len() == 1 => Some(addresses[0]),
            _ => None,
        }
    }

    /// Whether the client's exchanges are made over an inspection connection.
    #[must_use]
    pub fn inspection(&self) -> bool {
        self.inspection
    }

    /// One GET of `url` with `Accept: accept` (when given) and the client's headers, bounded by
    /// the run's timeout, the document cap ([`Limits::document`](crate::Limits)) and the budget.
    pub async fn get(&self, url: &str, accept: Option<&str>) -> Reply {
        self.get_capped(url, accept, self.document_cap).await
    }

    /// As [`HttpsClient::get`], with the body capped at `cap` bytes.
    pub async fn get_capped(&self, url: &str, accept: Option<&str>, cap: usize) -> Reply {
        self.request(url, accept, cap).await
    }

    /// One GET of `url` for its status and headers. The body is read as for [`HttpsClient::get`]
    /// (counted in the budget, within the time-out, so that the connection can carry the next
    /// request) and not kept; once the status is in, nothing that happens to the body is an error.
    pub async fn get_status(&self, url: &str) -> Reply {
        let mut reply = self.request(url, None, self.document_cap).await;
        reply.body = Vec::new();
        if reply.status.is_some() {
            // Only the status was asked for: what became of the body does not matter.
            reply.error = None;
        }
        reply
    }

    /// One GET; the body read into `cap` bytes; once per run ([`Replies`]).
    async fn request(&self, url: &str, accept: Option<&str>, cap: usize) -> Reply {
        if self.fresh {
            return self.request_now(url, accept, cap).await;
        }
        let key = (
            url.to_owned(),
            accept.map(str::to_owned),
            cap,
            self.inspection,
            self.pin.clone(),
            self.resolver.view_name().to_owned(),
            self.headers,
        );
        self.replies
            .0
            .get_or_init(key, || self.request_now(url, accept, cap))
            .await
    }

    /// One GET, sent now. The run's network time-out bounds the exchange; waiting for a
    /// connection another request is using is bounded apart ([`HttpsClient::send_direct`]).
    async fn request_now(&self, url: &str, accept: Option<&str>, cap: usize) -> Reply {
        let path = self
            .proxy
            .as_ref()
            .map_or_else(|| "direct".to_owned(), |p| p.path_to(url));
        let mut reply = Net::reply(url, path, self.pinned_address());
        let outcome = self.send(url, accept, cap, &mut reply).await;
        reply.error = outcome.err();
        reply.elapsed = reply.started.elapsed();
        reply
    }

    async fn send(
        &self,
        url: &str,
        accept: Option<&str>,
        cap: usize,
        reply: &mut Reply,
    ) -> Result<(), FetchError> {
        let parsed = crate::Url::parse(url).map_err(|e| FetchError::BadUrl(e.to_string()))?;
        let proxied = self.proxy.as_ref().is_some_and(|p| p.applies_to(url));
        if proxied || parsed.scheme() != "https" {
            return tokio::time::timeout(self.timeout, self.send_reqwest(url, accept, cap, reply))
                .await
                .unwrap_or(Err(FetchError::TimedOut(self.timeout)));
        }
        self.send_direct(&parsed, accept, cap, reply).await
    }

    /// Through reqwest (the proxy, or plain HTTP).
    async fn send_reqwest(
        &self,
        url: &str,
        accept: Option<&str>,
        cap: usize,
        reply: &mut Reply,
    ) -> Result<(), FetchError> {
        let mut request = self.reqwest()?.get(url);
        if let Some(a) = accept {
            request = request.header(reqwest::header::ACCEPT, a);
        }
        for (name, value) in self.headers {
            request = request.header(*name, *value);
        }
        let mut response = request
            .send()
            .await
            .map_err(|e| classify(&e, self.timeout))?;
        reply.head(response.status().as_u16(), response.headers());
        read_body(
            Body::Reqwest(&mut response),
            cap,
            &self.budget,
            self.timeout,
            &mut reply.body,
        )
        .await
    }

    /// The reqwest client, built on first use.
    fn reqwest(&self) -> Result<&reqwest::Client, FetchError> {
        self.reqwest
            .get_or_init(|| {
                let mut builder = Net::builder(&self.resolver)
                    .tls_backend_preconfigured((*self.tls).clone())
                    .redirect(reqwest::redirect::Policy::none());
                if let Some((host, addresses)) = &self.pin {
                    builder = builder.resolve_to_addrs(host, addresses);
                }
                Net::finish(builder, self.proxy.as_ref())
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Direct: over the run's connection to the node and name, or a new one (kept afterwards),
    /// trying the addresses in the order DNS gave them as WinHTTP does, each connection attempt
    /// bounded by its share of the time-out (an unreachable first address leaves time for the
    /// next).
    ///
    /// A request waits for the node's connection while another request (or the TLS step's
    /// handshake) holds it, at most the network time-out; then it makes a connection of its own,
    /// not kept. Its own time-out starts once it has a connection to use or make, so a slow
    /// answer to another request is never this one's time-out.
    async fn send_direct(
        &self,
        url: &crate::Url,
        accept: Option<&str>,
        cap: usize,
        reply: &mut Reply,
    ) -> Result<(), FetchError> {
        let shown = url.host_str().unwrap_or_default();
        let name = shown.trim_matches(['[', ']']).to_ascii_lowercase();
        if name.is_empty() {
            return Err(FetchError::BadUrl(format!("{url}: no host")));
        }
        let port = url.port_or_known_default().unwrap_or(443);
        let ips: Vec<IpAddr> = match &self.pin {
            Some((host, addresses)) if host.eq_ignore_ascii_case(&name) => {
                addresses.iter().map(SocketAddr::ip).collect()
            }
            _ => self
                .resolver
                .lookup(&name)
                .await
                .map_err(|lookup| FetchError::Dns(Box::new(lookup)))?,
        };
        if ips.is_empty() {
            return Err(FetchError::Connect(format!(
                "{name}: no address to connect to"
            )));
        }
        let attempt_bound = self.timeout / u32::try_from(ips.len()).unwrap_or(u32::MAX);
        let mut unreached = Vec::new();
        let mut all_timed_out = true;
        for ip in ips {
            let address = SocketAddr::new(ip, port);
            let slot = self.connections.slot(address, &name);
            let mut held = tokio::time::timeout(self.timeout, slot.lock_owned())
                .await
                .ok();
            // Taken out while in use (a request cut short drops it, never keeps it); left in
            // place when this request may not use it.
            let kept = held
                .as_mut()
                .filter(|h| h.as_ref().is_some_and(|k| k.serves(self.inspection)))
                .and_then(|h| h.take());
            let exchange =
                self.exchange(url, accept, cap, address, &name, kept, attempt_bound, reply);
            match tokio::time::timeout(self.timeout, exchange).await {
                Err(_) => return Err(FetchError::TimedOut(self.timeout)),
                Ok(Err(Unopened::Connect(e, timed_out))) => {
                    all_timed_out &= timed_out;
                    unreached.push(format!("{address}: {e}"));
                }
                Ok(Err(Unopened::Failed(e))) => return Err(e),
                Ok(Ok(kept)) => {
                    if let Some(held) = &mut held {
                        **held = Some(kept);
                    }
                    return Ok(());
                }
            }
        }
        if all_timed_out {
            return Err(FetchError::TimedOut(self.timeout));
        }
        Err(FetchError::Connect(unreached.join(", ")))
    }

    /// One request over `kept` (checked to be still open) or a new connection to `address`; the
    /// connection, for the next request, once the answer is read whole.
    #[allow(clippy::too_many_arguments)] // one request's parts, passed through from send_direct
    async fn exchange(
        &self,
        url: &crate::Url,
        accept: Option<&str>,
        cap: usize,
        address: SocketAddr,
        name: &str,
        kept: Option<Kept>,
        attempt_bound: Duration,
        reply: &mut Reply,
    ) -> Result<Kept, Unopened> {
        let mut kept = kept;
        if let Some(k) = &mut kept
            && k.sender.ready().await.is_err()
        {
            kept = None;
        }
        let reused = kept.is_some();
        let mut conn = match kept.take() {
            Some(k) => k,
            None => self.open(address, name, attempt_bound).await?,
        };
        let failed = |e: FetchError| Unopened::Failed(e);
        let sent = conn
            .sender
            .send_request(self.head(url, accept).map_err(failed)?)
            .await;
        let mut response = match sent {
            Ok(r) => r,
            // The server closed the kept connection meanwhile: once more, on a new one.
            Err(_) if reused => {
                conn = self.open(address, name, attempt_bound).await?;
                conn.sender
                    .send_request(self.head(url, accept).map_err(failed)?)
                    .await
                    .map_err(|e| failed(classify_hyper(&e)))?
            }
            Err(e) => return Err(failed(classify_hyper(&e))),
        };
        reply.head(response.status().as_u16(), response.headers());
        read_body(
            Body::Kept(response.body_mut()),
            cap,
            &self.budget,
            self.timeout,
            &mut reply.body,
        )
        .await
        .map_err(failed)?;
        Ok(conn)
    }

    /// A new connection to `address` for `name`, with the client's TLS configuration, its TCP
    /// connection bounded by `bound`. It resumes the client's own earlier session with the node
    /// when the server allows (the configuration's session store, shared by the client's
    /// connections; rustls resumes a session only under the verifier that made it, so a client
    /// never resumes what another client accepted).
    async fn open(
        &self,
        address: SocketAddr,
        name: &str,
        bound: Duration,
    ) -> Result<Kept, Unopened> {
        let tcp = match tokio::time::timeout(bound, TcpStream::connect(address)).await {
            Err(_) => {
                return Err(Unopened::Connect(
                    format!(
                        "no answer to the connection request in {}",
                        HumanDuration(bound)
                    ),
                    true,
                ));
            }
            Ok(Err(e)) => return Err(Unopened::Connect(e.to_string(), false)),
            Ok(Ok(tcp)) => tcp,
        };
        // A request is one small write: not held back for the previous one's ACK (as reqwest).
        let _ = tcp.set_nodelay(true);
        let server_name = ServerName::try_from(name.to_owned())
            .map_err(|e| Unopened::Failed(FetchError::BadUrl(format!("{name}: {e}"))))?;
        let tls = TlsConnector::from(Arc::clone(&self.tls))
            .connect(server_name, tcp)
            .await
            .map_err(|e| {
                Unopened::Failed(
                    match e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
                        Some(refused) => FetchError::Tls(refused.to_string()),
                        None => FetchError::Connect(e.to_string()),
                    },
                )
            })?;
        let sender = http1(tls)
            .await
            .map_err(|e| Unopened::Failed(classify_hyper(&e)))?;
        let trust = if self.inspection {
            ConnectionTrust::Inspection
        } else {
            // Verified by the handshake (or resumed from a session of this client's, which was).
            ConnectionTrust::Verified
        };
        Ok(Kept { sender, trust })
    }

    /// The request head of a GET of `url`, as reqwest would send it.
    fn head(
        &self,
        url: &crate::Url,
        accept: Option<&str>,
    ) -> Result<http::Request<Empty<Bytes>>, FetchError> {
        let mut target = url.path().to_owned();
        if let Some(query) = url.query() {
            target.push('?');
            target.push_str(query);
        }
        let host = url.host_str().unwrap_or_default();
        let authority = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let mut request = http::Request::get(target)
            .header(http::header::HOST, authority)
            .header(http::header::USER_AGENT, crate::USER_AGENT)
            .header(http::header::ACCEPT, accept.unwrap_or("*/*"));
        for (name, value) in self.headers {
            request = request.header(*name, *value);
        }
        request
            .body(Empty::new())
            .map_err(|e| FetchError::BadUrl(e.to_string()))
    }
}
