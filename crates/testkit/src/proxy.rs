//! HTTP proxies on loopback that record what they were asked for — to prove a client really went
//! through a proxy, and asked it for the right hosts.
//!
//! [`ConnectProxy`] tunnels every `CONNECT` to one fixed address. [`ForwardProxy`] is a forward
//! proxy as clients meet them: it routes by host name, tunnels `CONNECT` (`https://` URLs) and
//! relays plain-HTTP requests sent in absolute form (`http://` URLs);
//! [`ForwardProxy::start_inspecting`] makes one that inspects TLS ([`crate::inspection`]).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncWriteExt, copy_bidirectional};
use tokio::net::{TcpListener, TcpStream};

use crate::http::{Request, Response, read_head, read_request, read_request_and_rest};
use crate::inspection::Inspector;
use crate::server::{TaskGuard, serve};

/// How long [`ForwardProxy`] waits for a connection to an upstream server.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest [`ForwardProxy`] keeps one client connection (request, upstream connection,
/// response or tunnel), so nothing it relays can hang it.
const CONNECTION_LIMIT: Duration = Duration::from_secs(60);
/// Headers for one connection only, which a proxy does not forward.
const HOP_BY_HOP: [&str; 4] = [
    "connection",
    "proxy-connection",
    "keep-alive",
    "proxy-authorization",
];

/// A running CONNECT proxy; stops when dropped.
#[derive(Debug)]
pub struct ConnectProxy {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    _task: TaskGuard,
}

impl ConnectProxy {
    /// Starts a proxy on loopback that tunnels every `CONNECT` to `target`.
    pub async fn start(target: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let task = serve(listener, move |mut client, _| {
            let seen = Arc::clone(&seen);
            async move {
                let Some(request) = read_request(&mut client).await else {
                    return;
                };
                if !request.method.eq_ignore_ascii_case("CONNECT") {
                    let _ = client
                        .write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                        .await;
                    return;
                }
                seen.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(request.path.clone());
                let Ok(mut upstream) = TcpStream::connect(target).await else {
                    let _ = client
                        .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                        .await;
                    return;
                };
                if client
                    .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    .await
                    .is_ok()
                {
                    let _ = copy_bidirectional(&mut client, &mut upstream).await;
                }
            }
        });
        Ok(Self {
            addr,
            requests,
            _task: task,
        })
    }

    /// The proxy's address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The `host:port` of every CONNECT received, in order.
    #[must_use]
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// One request a [`ForwardProxy`] received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxiedRequest {
    /// `CONNECT`, `GET`, … as sent.
    pub method: String,
    /// The host asked for, ASCII lowercase, without port or brackets (empty when the request named
    /// none it could use).
    pub host: String,
    /// The port asked for (80 when an `http://` URL names none; 0 when unusable).
    pub port: u16,
    /// `CONNECT`: empty. Otherwise the origin form sent upstream: path, and `?query` if any.
    pub path: String,
}

/// A running forward proxy; stops when dropped.
///
/// `CONNECT host:port` is answered `200 Connection Established` and tunnelled to the host's
/// address at that port. A request in absolute form (`GET http://host:port/path HTTP/1.1`) is sent
/// to the host's address in origin form (`GET /path HTTP/1.1`, its `Host` kept, `Connection:
/// close`) and the response relayed back (with `Connection: close`); then the connection closes.
/// A host not in the routes gets `502 Bad Gateway`, as does one whose address refuses or does not
/// answer; a request that names no usable host gets `400 Bad Request`. Every request is recorded,
/// answered or not. Heads are capped at 16 KiB; a connection lasts at most a minute.
#[derive(Debug)]
pub struct ForwardProxy {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<ProxiedRequest>>>,
    inspector: Option<Arc<Inspector>>,
    _task: TaskGuard,
}

impl ForwardProxy {
    /// Starts a proxy on loopback. `routes`: host name (ASCII lowercase, no port) → the address
    /// it is sent to; the port comes from the request.
    pub async fn start(routes: HashMap<String, IpAddr>) -> std::io::Result<Self> {
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        Self::serve_on(listener, routes, None)
    }

    /// Starts a TLS-inspecting proxy on loopback: as [`ForwardProxy::start`], except that every
    /// `CONNECT` is answered by the proxy itself with a certificate it mints for the host under
    /// its own corporate CA ([`Inspector`]), and relayed to the real server over TLS that trusts
    /// `upstream_roots`. Plain-HTTP requests for its CA's CRLs ([`crate::inspection::INSPECTION_CRL_HOST`] at the
    /// proxy's port) are answered by the proxy.
    ///
    /// # Errors
    /// When the listener cannot be bound or the corporate CA cannot be minted.
    pub async fn start_inspecting(
        routes: HashMap<String, IpAddr>,
        upstream_roots: &[rustls_pki_types::CertificateDer<'static>],
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let port = listener.local_addr()?.port();
        let inspector = Inspector::new(upstream_roots, port).map_err(std::io::Error::other)?;
        Self::serve_on(listener, routes, Some(Arc::new(inspector)))
    }

    fn serve_on(
        listener: TcpListener,
        routes: HashMap<String, IpAddr>,
        inspector: Option<Arc<Inspector>>,
    ) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let routes: Arc<HashMap<String, IpAddr>> = Arc::new(
            routes
                .into_iter()
                .map(|(host, ip)| (normalise_host(&host), ip))
                .collect(),
        );
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let inspecting = inspector.clone();
        let task = serve(listener, move |client, _| {
            let routes = Arc::clone(&routes);
            let seen = Arc::clone(&seen);
            let inspector = inspecting.clone();
            async move {
                let _ = tokio::time::timeout(
                    CONNECTION_LIMIT,
                    forward(client, &routes, &seen, inspector.as_deref()),
                )
                .await;
            }
        });
        Ok(Self {
            addr,
            requests,
            inspector,
            _task: task,
        })
    }

    /// The corporate CA of a TLS-inspecting proxy ([`ForwardProxy::start_inspecting`]); `None`
    /// for a proxy that tunnels.
    #[must_use]
    pub fn inspector(&self) -> Option<&Inspector> {
        self.inspector.as_deref()
    }

    /// The proxy's address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The proxy's URL, `http://127.0.0.1:<port>`, as a client's proxy setting takes it.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received, in order.
    #[must_use]
    pub fn requests(&self) -> Vec<ProxiedRequest> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Serves one client connection of a [`ForwardProxy`].
async fn forward(
    mut client: TcpStream,
    routes: &HashMap<String, IpAddr>,
    seen: &Mutex<Vec<ProxiedRequest>>,
    inspector: Option<&Inspector>,
) {
    let Some((request, early)) = read_request_and_rest(&mut client).await else {
        return;
    };
    let connect = request.method.eq_ignore_ascii_case("CONNECT");
    let target = if connect {
        split_authority(&request.path, None).map(|(host, port)| (host, port, String::new()))
    } else {
        origin_target(&request)
    };
    let usable = target.is_some();
    let (host, port, path) = target.unwrap_or_default();
    let proxied = ProxiedRequest {
        method: request.method.clone(),
        host,
        port,
        path,
    };
    seen.lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(proxied.clone());
    if !usable {
        let _ = Response::text(400, "no host to proxy to")
            .write_to(&mut client)
            .await;
        return;
    }
    if let Some(crl) = inspector.and_then(|i| i.own_crl(&proxied.host, proxied.port, &proxied.path))
    {
        let _ = crl.write_to(&mut client).await;
        return;
    }
    let Some(ip) = routes.get(&proxied.host) else {
        let _ = Response::text(502, "unknown host")
            .write_to(&mut client)
            .await;
        return;
    };
    let Ok(Ok(mut upstream)) =
        tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((*ip, proxied.port))).await
    else {
        let _ = Response::text(502, "upstream unreachable")
            .write_to(&mut client)
            .await;
        return;
    };
    if connect {
        if client
            .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .await
            .is_err()
        {
            return;
        }
        if let Some(inspector) = inspector {
            inspector
                .intercept(client, early, upstream, &proxied.host)
                .await;
        } else if upstream.write_all(&early).await.is_ok() {
            let _ = copy_bidirectional(&mut client, &mut upstream).await;
        }
    } else {
        relay(client, upstream, &request, &proxied, &early).await;
    }
}

/// Sends `request` upstream in origin form (the path of `to`, and its host and port for a `Host`
/// header if the request has none), then `early` and the rest of what the client sends, while the
/// response comes back with `Connection: close`; done when the response ends.
async fn relay(
    mut client: TcpStream,
    mut upstream: TcpStream,
    request: &Request,
    to: &ProxiedRequest,
    early: &[u8],
) {
    let ProxiedRequest {
        host, port, path, ..
    } = to;
    let mut head = format!("{} {path} HTTP/1.1\r\n", request.method);
    for (name, value) in &request.headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            let _ = write!(head, "{name}: {value}\r\n");
        }
    }
    if request.header("host").is_none() {
        let _ = if host.contains(':') {
            write!(head, "host: [{host}]:{port}\r\n")
        } else {
            write!(head, "host: {host}:{port}\r\n")
        };
    }
    head.push_str("Connection: close\r\n\r\n");
    if upstream.write_all(head.as_bytes()).await.is_err()
        || upstream.write_all(early).await.is_err()
    {
        let _ = Response::text(502, "upstream closed")
            .write_to(&mut client)
            .await;
        return;
    }
    let (mut from_client, mut to_client) = client.split();
    let (mut from_upstream, mut to_upstream) = upstream.split();
    let up = async {
        let _ = tokio::io::copy(&mut from_client, &mut to_upstream).await;
        let _ = to_upstream.shutdown().await;
    };
    let down = async {
        let Some((head, rest)) = read_head(&mut from_upstream, CONNECTION_LIMIT).await else {
            let _ = Response::text(502, "no response upstream")
                .write_to(&mut to_client)
                .await;
            return;
        };
        if to_client.write_all(&closing(&head)).await.is_ok()
            && to_client.write_all(&rest).await.is_ok()
        {
            let _ = tokio::io::copy(&mut from_upstream, &mut to_client).await;
        }
        let _ = to_client.shutdown().await;
    };
    tokio::pin!(up, down);
    tokio::select! {
        () = &mut down => {}
        // The client stopped sending (a half close): the response may still come.
        () = &mut up => down.await,
    }
}

/// A response head with its connection headers replaced by `Connection: close`, and its final
/// blank line.
fn closing(head: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(head.len() + 24);
    for (n, line) in head.split(|&b| b == b'\n').enumerate() {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let name = line.split(|&b| b == b':').next().unwrap_or_default();
        let name = String::from_utf8_lossy(name.trim_ascii()).to_ascii_lowercase();
        if n > 0 && HOP_BY_HOP.contains(&name.as_str()) {
            continue;
        }
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"Connection: close\r\n\r\n");
    out
}

/// Host, port and origin-form path of a plain-HTTP request: from its absolute-form target
/// (`http://host:port/path`), or, in origin form, from its `Host` header.
fn origin_target(request: &Request) -> Option<(String, u16, String)> {
    let (authority, path) = match request.path.get(.."http://".len()) {
        Some(scheme) if scheme.eq_ignore_ascii_case("http://") => {
            let rest = &request.path["http://".len()..];
            match rest.find('/') {
                Some(slash) => (&rest[..slash], &rest[slash..]),
                None => (rest, "/"),
            }
        }
        _ if request.path.starts_with('/') => (request.header("host")?, request.path.as_str()),
        _ => return None,
    };
    // Credentials in the URL (`user:pass@host`) are not the host.
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let (host, port) = split_authority(authority, Some(80))?;
    let path = if request.query.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", request.query)
    };
    Some((host, port, path))
}

/// `host:port` or `[v6]:port` → (normalised host, port); the port may be left out when there is a
/// default.
fn split_authority(authority: &str, default_port: Option<u16>) -> Option<(String, u16)> {
    let (host, port) = if let Some(bracketed) = authority.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(port) => port.parse().ok()?,
        None => default_port?,
    };
    let host = normalise_host(host);
    (!host.is_empty()).then_some((host, port))
}

fn normalise_host(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorities_split_into_host_and_port() {
        let split = |a| split_authority(a, Some(80));
        assert_eq!(
            split("Pki.Contoso.Test.:8080"),
            Some(("pki.contoso.test".to_owned(), 8080))
        );
        assert_eq!(
            split("pki.contoso.test"),
            Some(("pki.contoso.test".to_owned(), 80))
        );
        assert_eq!(split("[::1]:443"), Some(("::1".to_owned(), 443)));
        assert_eq!(split_authority("sts.contoso.test", None), None);
        assert_eq!(split("host:port"), None);
        assert_eq!(split(":80"), None);
    }

    #[test]
    fn absolute_targets_become_origin_form() {
        let request = |path: &str, query: &str, headers: &[(&str, &str)]| Request {
            method: "GET".to_owned(),
            path: path.to_owned(),
            query: query.to_owned(),
            headers: headers
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            http10: false,
        };
        assert_eq!(
            origin_target(&request(
                "http://pki.contoso.test:81/crl/issuing.crl",
                "",
                &[]
            )),
            Some((
                "pki.contoso.test".to_owned(),
                81,
                "/crl/issuing.crl".to_owned()
            ))
        );
        assert_eq!(
            origin_target(&request("HTTP://u:p@Sts.Contoso.Test", "a=1", &[])),
            Some(("sts.contoso.test".to_owned(), 80, "/?a=1".to_owned()))
        );
        assert_eq!(
            origin_target(&request(
                "/adfs/probe",
                "",
                &[("host", "sts.contoso.test:8080")]
            )),
            Some((
                "sts.contoso.test".to_owned(),
                8080,
                "/adfs/probe".to_owned()
            ))
        );
        assert_eq!(origin_target(&request("https://x.test/", "", &[])), None);
        assert_eq!(origin_target(&request("/", "", &[])), None);
    }

    #[test]
    fn response_heads_are_made_to_close() {
        let head = b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: keep-alive\r\nKeep-Alive: timeout=5";
        assert_eq!(
            closing(head),
            b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\n".to_vec()
        );
    }
}
