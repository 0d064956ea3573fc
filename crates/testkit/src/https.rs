//! The registration service: TLS (tokio-rustls) + HTTP/1.1 serving the discovery contract, with faults.
//!
//! Connections are persistent (keep-alive), as IIS and AD FS keep them, and every completed
//! handshake is recorded: see [`HttpsServer`].

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::ServerConfig;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

use crate::discovery::{
    ApiVersion, Service, contract_response, document_json, entra_discover_response, user_realm_json,
};
use crate::handshakes::{HandshakeLog, HandshakeSeen};
use crate::http::{IDLE_TIMEOUT, Request, RequestReader, Response};
use crate::server::{TaskGuard, serve};
use crate::web::{Route, answer};

/// How the server misbehaves at the connection or TLS level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsFault {
    /// Behaves.
    #[default]
    None,
    /// Accepts the TCP connection, then never says anything (no handshake).
    StallBeforeHandshake,
    /// Accepts the TCP connection and closes it at once.
    CloseAfterAccept,
    /// Speaks TLS 1.2 only.
    Tls12Only,
    /// Nothing listens: the port is closed.
    Closed,
    /// Nothing is accepted and nothing answers: connections time out (a firewall that drops).
    BlackHole,
    /// Accepts the TCP connection, answers the client's hello with bytes that are not TLS, and
    /// closes it.
    Garbage,
    /// A server rustls cannot talk to, answered by the minimal responder of [`crate::legacy`].
    Legacy(crate::legacy_tls::LegacyProfile),
}

/// How the server answers the contract request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContractFault {
    /// A valid discovery document.
    #[default]
    None,
    /// This HTTP status instead of the document (404, 503, 500, …).
    Status(u16),
    /// 200 with an HTML sign-in page, as a captive portal or proxy sends.
    CaptivePortal,
    /// 302 to another path on the same host, which serves the document.
    RedirectSameHost,
    /// 302 to the federation service name, which serves the document.
    RedirectOtherHost,
    /// 302s that never end.
    RedirectLoop,
    /// 302 from HTTPS to `http://` on the same host (WinHTTP's default policy refuses it).
    RedirectToHttp,
    /// The document, one byte every 200 ms.
    SlowBody,
    /// A 4 MiB document.
    OversizedBody,
    /// A JSON document without its `IdentityProviderService` member.
    IncompleteDocument,
    /// The document, with a `Date` header this many minutes from the lab's clock.
    ClockSkew(i64),
    /// The service throttles: this status (429 or 503) with a JSON error body, and a
    /// `Retry-After` header of this many seconds when given (to the contract and to Microsoft's
    /// tenant discovery alike).
    Throttled {
        /// 429 Too Many Requests, or 503 Service Unavailable.
        status: u16,
        /// The `Retry-After` header's seconds, if any.
        retry_after: Option<u32>,
    },
}

/// The captive portal's page.
pub const CAPTIVE_PORTAL_HTML: &str = "<!DOCTYPE html><html><head><title>Guest Wi-Fi</title></head>\
<body><h1>Sign in to continue</h1><form method=\"post\" action=\"/login\"><input name=\"email\">\
<button>Connect</button></form></body></html>";

/// Where hybrid join reads the federation service's WS-Trust metadata (lowercase, as routed).
const MEX_PATH: &str = "/adfs/services/trust/mex";
/// Where hybrid join authenticates computers (lowercase, as routed).
const WINDOWS_TRANSPORT_PATH: &str = "/adfs/services/trust/13/windowstransport";
/// A WS-Trust metadata document, reduced to what identifies it.
const MEX_XML: &str = "<?xml version=\"1.0\" encoding=\"utf-8\"?><wsdl:definitions \
xmlns:wsdl=\"http://schemas.xmlsoap.org/wsdl/\" name=\"SecurityTokenService\"></wsdl:definitions>";

/// What the federation service's passive endpoint (`/adfs/ls`) answers without a sign-in request.
pub const ADFS_SIGN_IN_HTML: &str = "<!DOCTYPE html><html><head><title>Sign In</title></head>\
<body><p>An error occurred: no sign-in request.</p></body></html>";

/// The `ErrorCode` of the JSON body a throttled answer carries ([`ContractFault::Throttled`]).
pub const THROTTLED_ERROR_CODE: &str = "TooManyRequests";

/// Size of the oversized body.
pub const OVERSIZED_BODY_LEN: usize = 4 * 1024 * 1024;
/// Pause between bytes of a slow body.
pub const SLOW_BODY_INTERVAL: Duration = Duration::from_millis(200);

/// What one node of the service serves.
#[derive(Debug, Clone)]
pub struct Site {
    /// The lab domain (UPN suffix).
    pub domain: String,
    /// The port every node listens on.
    pub port: u16,
    /// Whose document to serve.
    pub service: Service,
    /// Contract behaviour.
    pub contract: ContractFault,
    /// `FederationMetadata.xml`, for AD FS nodes.
    pub federation_metadata: Option<String>,
    /// What it does that is hostile.
    pub hostile: crate::hostile::Hostile,
}

impl Site {
    fn registration_host(&self) -> String {
        format!("enterpriseregistration.{}", self.domain)
    }

    /// The route for one request.
    fn route(&self, request: &Request) -> Route {
        let path = request.path.to_ascii_lowercase();
        let query = &request.query;
        let cloud_path = format!("/{}/enrollmentserver/contract", self.domain);
        let same_host = format!(
            "https://{}:{}/adfs/EnrollmentServer/contract?{query}",
            self.registration_host(),
            self.port
        );
        if self.hostile != crate::hostile::Hostile::None {
            let document = document_json(&self.service, ApiVersion::V1_0);
            if let Some(route) = self.hostile.site_route(&path, &document) {
                return route;
            }
        }
        match path.as_str() {
            "/enrollmentserver/contract" => self.contract(request, &same_host),
            p if p == cloud_path => self.contract(request, &same_host),
            p if p == format!("/{}/discover", self.domain) => {
                let response = match self.contract {
                    ContractFault::Status(status) => {
                        entra_discover_response(request, &self.domain, status)
                    }
                    ContractFault::Throttled {
                        status,
                        retry_after,
                    } => throttled(status, retry_after),
                    _ => entra_discover_response(request, &self.domain, 200),
                };
                Route::Respond(response)
            }
            "/adfs/enrollmentserver/contract" => {
                Route::Respond(contract_response(request, &self.service))
            }
            "/common/userrealm" | "/common/userrealm/" => match &self.service {
                Service::Entra { realm, .. } => Route::ok(
                    "application/json; charset=utf-8",
                    user_realm_json(
                        &self.domain,
                        *realm,
                        request.query_param("user").unwrap_or("user"),
                    ),
                ),
                Service::Adfs { .. } => Route::status(404),
            },
            p if p.starts_with("/common/oauth2") => Route::ok("text/plain", "login"),
            MEX_PATH => Route::ok("application/soap+xml; charset=utf-8", MEX_XML),
            WINDOWS_TRANSPORT_PATH => match self.service {
                // A GET without a WS-Trust message: the real endpoint asks for Windows authentication.
                Service::Entra { inside: true, .. } | Service::Adfs { .. } => Route::status(401),
                Service::Entra { inside: false, .. } => Route::status(404),
            },
            "/adfs/ls" | "/adfs/ls/" if matches!(self.service, Service::Adfs { .. }) => {
                Route::ok("text/html; charset=utf-8", ADFS_SIGN_IN_HTML)
            }
            "/adfs/loop" => Route::Respond(Response::redirect(
                302,
                &format!("/EnrollmentServer/contract?{query}"),
            )),
            "/federationmetadata/2007-06/federationmetadata.xml" => match &self.federation_metadata
            {
                Some(xml) => Route::ok("application/samlmetadata+xml", xml.clone()),
                None => Route::status(404),
            },
            "/adfs/.well-known/openid-configuration" if self.federation_metadata.is_some() => {
                Route::ok("application/json", openid_configuration(&self.service))
            }
            _ => Route::status(404),
        }
    }

    /// Whether its answers leave the connection open: not when the site scripts misbehaviour
    /// (hostile answers, a slow or oversized contract), whose answers close as they always did.
    fn keeps_connections(&self) -> bool {
        self.hostile == crate::hostile::Hostile::None
            && !matches!(
                self.contract,
                ContractFault::SlowBody | ContractFault::OversizedBody
            )
    }

    fn contract(&self, request: &Request, same_host: &str) -> Route {
        match self.contract {
            ContractFault::None => Route::Respond(contract_response(request, &self.service)),
            ContractFault::ClockSkew(minutes) => Route::Respond(
                contract_response(request, &self.service).dated(time::Duration::minutes(minutes)),
            ),
            ContractFault::Status(status) => Route::Respond(Response::text(status, "lab fault")),
            ContractFault::Throttled {
                status,
                retry_after,
            } => Route::Respond(throttled(status, retry_after)),
            ContractFault::CaptivePortal => {
                Route::ok("text/html; charset=utf-8", CAPTIVE_PORTAL_HTML)
            }
            ContractFault::RedirectSameHost => Route::Respond(Response::redirect(302, same_host)),
            ContractFault::RedirectOtherHost => Route::Respond(Response::redirect(
                302,
                &format!(
                    "https://sts.{}:{}/adfs/EnrollmentServer/contract?{}",
                    self.domain, self.port, request.query
                ),
            )),
            ContractFault::RedirectToHttp => Route::Respond(Response::redirect(
                302,
                &format!(
                    "http://{}:{}/adfs/EnrollmentServer/contract?{}",
                    self.registration_host(),
                    self.port,
                    request.query
                ),
            )),
            ContractFault::RedirectLoop => Route::Respond(Response::redirect(
                302,
                &format!("/adfs/loop?{}", request.query),
            )),
            ContractFault::SlowBody => Route::Drip(
                contract_response(request, &self.service),
                SLOW_BODY_INTERVAL,
            ),
            ContractFault::IncompleteDocument => {
                let doc = document_json(&self.service, ApiVersion::V1_0);
                let cut = doc
                    .find(",\"IdentityProviderService\"")
                    .unwrap_or(doc.len() - 1);
                Route::ok("application/json", format!("{}}}", &doc[..cut]))
            }
            ContractFault::OversizedBody => {
                let mut doc = document_json(&self.service, ApiVersion::V1_0);
                doc.pop();
                doc.push_str(",\"Padding\":\"");
                let pad = OVERSIZED_BODY_LEN.saturating_sub(doc.len() + 2);
                doc.push_str(&"x".repeat(pad));
                doc.push_str("\"}");
                Route::ok("application/json", doc)
            }
        }
    }
}

/// A throttled answer: `status` with a JSON error naming the throttling, and `Retry-After` when
/// given.
fn throttled(status: u16, retry_after: Option<u32>) -> Response {
    let mut response = Response::new(
        status,
        "application/json; charset=utf-8",
        format!(
            "{{\"ErrorCode\":\"{THROTTLED_ERROR_CODE}\",\"Message\":\"Too many requests (lab fault).\"}}"
        ),
    );
    if let Some(seconds) = retry_after {
        response
            .headers
            .push(("Retry-After".to_owned(), seconds.to_string()));
    }
    response
}

fn openid_configuration(service: &Service) -> String {
    let issuer = match service {
        Service::Adfs { sts_host } => format!("https://{sts_host}/adfs"),
        Service::Entra { domain, .. } => format!("https://login.microsoftonline.com/{domain}"),
    };
    format!(
        "{{\"issuer\":\"{issuer}\",\"authorization_endpoint\":\"{issuer}/oauth2/authorize/\",\
         \"token_endpoint\":\"{issuer}/oauth2/token/\",\"jwks_uri\":\"{issuer}/discovery/keys\"}}"
    )
}

/// Answers the requests of one TLS connection: one after another while both sides keep it
/// ([`Request::keeps_connection`], [`Site::keeps_connections`]), at most
/// [`MAX_REQUESTS_PER_CONNECTION`]; the last answer carries `Connection: close`, then the
/// connection closes.
async fn serve_requests<S: AsyncRead + AsyncWrite + Unpin>(tls: &mut S, site: &Site) {
    let mut reader = RequestReader::default();
    for served in 1..=MAX_REQUESTS_PER_CONNECTION {
        // Each request head within the idle time: after the handshake, or after the last answer.
        let Some(request) = reader.next(tls, IDLE_TIMEOUT).await else {
            // A connection that never sent a request is dropped, as it always was; one that
            // did is closed cleanly (close_notify), as a server ending an idle connection does.
            if served > 1 {
                let _ = tls.shutdown().await;
            }
            return;
        };
        let route = site.route(&request);
        match route {
            Route::Respond(response)
                if served < MAX_REQUESTS_PER_CONNECTION
                    && request.keeps_connection()
                    && site.keeps_connections() =>
            {
                if response.write_kept_to(tls).await.is_err() {
                    return;
                }
            }
            route => return answer(tls, route).await,
        }
    }
}

/// Waits for the client's first bytes, then answers 4 KiB that are not TLS and closes.
async fn garbage(mut stream: tokio::net::TcpStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut hello = [0u8; 512];
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut hello)).await;
    let mut junk = b"HTTP/1.1 200 OK\r\n\r\n".to_vec();
    junk.extend(
        (0..4096u32).map(|i| u8::try_from(i.wrapping_mul(2_654_435_761) >> 24).unwrap_or(0)),
    );
    let _ = stream.write_all(&junk).await;
    let _ = stream.shutdown().await;
}

/// A TLS server config with ring, the given chain and key, TLS 1.3 and 1.2 (or 1.2 only).
pub fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    tls12_only: bool,
) -> Result<Arc<ServerConfig>, rustls::Error> {
    server_config_stapling(chain, key, tls12_only, Vec::new())
}

/// [`server_config`] that staples `ocsp` (a DER OCSP response for the leaf; empty: none) in every
/// handshake, as a server with OCSP stapling turned on does.
pub fn server_config_stapling(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
    tls12_only: bool,
    ocsp: Vec<u8>,
) -> Result<Arc<ServerConfig>, rustls::Error> {
    let versions: &[&rustls::SupportedProtocolVersion] = if tls12_only {
        &[&rustls::version::TLS12]
    } else {
        &[&rustls::version::TLS13, &rustls::version::TLS12]
    };
    let mut config =
        ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_protocol_versions(versions)?
            .with_no_client_auth()
            .with_single_cert_with_ocsp(chain, key, ocsp)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// One certificate of a server that picks by SNI: the names it serves, the chain sent, the key.
pub type SniCertificate = (
    Vec<String>,
    Vec<CertificateDer<'static>>,
    PrivateKeyDer<'static>,
);

/// A TLS server config with ring that picks its certificate by the SNI the client sends (many
/// hosts behind one listener, each with its own certificate), TLS 1.3 and 1.2. A client asking for
/// a name none of them covers gets the first certificate, as a shared front end answers any name
/// with its default certificate.
pub fn server_config_by_sni(
    certificates: Vec<SniCertificate>,
) -> Result<Arc<ServerConfig>, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut by_name = std::collections::HashMap::new();
    let mut default = None;
    for (names, chain, key) in certificates {
        let key = provider.key_provider.load_private_key(key)?;
        let certified = Arc::new(rustls::sign::CertifiedKey::new(chain, key));
        default.get_or_insert_with(|| Arc::clone(&certified));
        for name in names {
            by_name.insert(name.to_ascii_lowercase(), Arc::clone(&certified));
        }
    }
    let default = default.ok_or(rustls::Error::General("no certificate".to_owned()))?;
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_cert_resolver(Arc::new(BySni { by_name, default }));
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Certificates by SNI, with a default for any other name.
#[derive(Debug)]
struct BySni {
    by_name: std::collections::HashMap<String, Arc<rustls::sign::CertifiedKey>>,
    default: Arc<rustls::sign::CertifiedKey>,
}

impl rustls::server::ResolvesServerCert for BySni {
    fn resolve(
        &self,
        hello: rustls::server::ClientHello<'_>,
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        let named = hello
            .server_name()
            .and_then(|n| self.by_name.get(&n.to_ascii_lowercase()));
        Some(Arc::clone(named.unwrap_or(&self.default)))
    }
}

/// A running TLS + HTTP node; stops when dropped.
///
/// Connections are persistent, as IIS and AD FS keep them: one request after another on the same
/// TLS connection ([`MAX_REQUESTS_PER_CONNECTION`] at most), each answered with `Content-Length`
/// and no `Connection: close`, until the client sends `Connection: close`, closes, or stays idle
/// for [`IDLE_TIMEOUT`]. An answer that scripts misbehaviour — a stall, a drip, an oversized or
/// endless body, anything of a [`Hostile`](crate::hostile::Hostile) site — is sent with
/// `Connection: close` and the connection closes after it, as before; so are the connection-level
/// faults of [`TlsFault`]. Every completed handshake is recorded ([`HttpsServer::handshakes`]).
#[derive(Debug)]
pub struct HttpsServer {
    addr: SocketAddr,
    reached_at: SocketAddr,
    handshakes: HandshakeLog,
    _task: TaskGuard,
}

/// The most requests one connection is answered before the server closes it.
pub const MAX_REQUESTS_PER_CONNECTION: usize = 100;

/// Which [`Site`] a connection gets, by the SNI the client sent.
pub type SiteBySni = Arc<dyn Fn(Option<&str>) -> Option<Arc<Site>> + Send + Sync>;

impl HttpsServer {
    /// Serves `site` over TLS on an already-bound listener, misbehaving as `fault` says.
    pub fn start(
        listener: TcpListener,
        config: Arc<ServerConfig>,
        fault: TlsFault,
        site: Arc<Site>,
    ) -> std::io::Result<Self> {
        Self::start_by_sni(
            listener,
            config,
            fault,
            Arc::new(move |_| Some(Arc::clone(&site))),
        )
    }

    /// Serves the site `sites` picks for each connection's SNI (connections it picks none for are
    /// closed after the handshake): many domains behind one listener, with a certificate resolver
    /// in `config` that picks their certificates.
    pub fn start_by_sni(
        listener: TcpListener,
        config: Arc<ServerConfig>,
        fault: TlsFault,
        sites: SiteBySni,
    ) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let acceptor = TlsAcceptor::from(config);
        let handshakes = HandshakeLog::default();
        let log = handshakes.clone();
        let task = serve(listener, move |stream, _| {
            let acceptor = acceptor.clone();
            let sites = Arc::clone(&sites);
            let log = log.clone();
            async move {
                match fault {
                    TlsFault::CloseAfterAccept => return,
                    TlsFault::StallBeforeHandshake => {
                        let _held = stream;
                        return std::future::pending::<()>().await;
                    }
                    TlsFault::Garbage => {
                        return garbage(stream).await;
                    }
                    TlsFault::None
                    | TlsFault::Tls12Only
                    | TlsFault::Closed
                    | TlsFault::BlackHole
                    | TlsFault::Legacy(_) => {}
                }
                // Answers on a kept connection follow other small writes (TLS 1.3 session tickets,
                // the previous answer): without this, Nagle's algorithm holds each until the client's
                // delayed ACK (40 ms on Linux), as nginx avoids by setting it on keep-alive
                // connections.
                let _ = stream.set_nodelay(true);
                let Ok(Ok(mut tls)) =
                    tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await
                else {
                    return;
                };
                log.record(tls.get_ref().1);
                let Some(site) = sites(tls.get_ref().1.server_name()) else {
                    return;
                };
                serve_requests(&mut tls, &site).await;
            }
        });
        Ok(Self {
            addr,
            reached_at: addr,
            handshakes,
            _task: task,
        })
    }

    /// The same server, its handshakes recorded as seen at `addr`: the address clients connect
    /// to when that is not the listener's own (a [`DelayRelay`](crate::latency::DelayRelay) in
    /// front of it).
    #[must_use]
    pub fn reached_at(mut self, addr: SocketAddr) -> Self {
        self.reached_at = addr;
        self
    }

    /// Every TLS handshake the server has completed so far, in order, as seen at the address
    /// clients reach it at ([`HttpsServer::reached_at`]; by default the listener's).
    #[must_use]
    pub fn handshakes(&self) -> Vec<HandshakeSeen> {
        self.handshakes.seen_at(self.reached_at)
    }

    /// The address it listens on.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A server made of an accept loop of another module (the legacy responder).
    pub(crate) fn from_task(addr: SocketAddr, task: TaskGuard) -> Self {
        Self {
            addr,
            reached_at: addr,
            handshakes: HandshakeLog::default(),
            _task: task,
        }
    }
}
