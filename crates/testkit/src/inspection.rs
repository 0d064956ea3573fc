//! A TLS-inspecting ("break and inspect") proxy, as corporate networks run them: it answers a
//! `CONNECT` itself, ends the client's TLS with a certificate it mints on the fly for the host
//! asked, under its own corporate CA, and relays to the real server over a TLS connection of its
//! own. Start one with [`ForwardProxy::start_inspecting`](crate::proxy::ForwardProxy) or
//! [`Lab::inspecting_proxy`](crate::Lab::inspecting_proxy).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use rustls::{ClientConfig, RootCertStore, ServerConfig};
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::io::copy_bidirectional;
use tokio::net::TcpStream;
use tokio_rustls::{TlsAcceptor, TlsConnector};

use crate::http::Response;
use crate::https::server_config;
use crate::pki::{CrlSpec, ISSUING_CRL_PATH, LEAF_SERIAL, LeafSpec, Pki, PkiSpec, ROOT_CRL_PATH};

/// The host name under which an inspecting proxy publishes its CA's CRLs; it answers requests
/// for it itself (clients fetch CRLs through the proxy), so no DNS holds it.
pub const INSPECTION_CRL_HOST: &str = "crl.inspection.test";
/// What the corporate CA's names say (`wpj Lab Issuing CA (TLS inspection)`).
pub const INSPECTION_CA_LABEL: &str = "TLS inspection";

/// The corporate CA of a TLS-inspecting proxy and what it minted.
#[derive(Debug)]
pub struct Inspector {
    pki: Pki,
    /// How the proxy reaches the real servers (it trusts their roots, as a proxy trusts the
    /// public ones).
    upstream: Arc<ClientConfig>,
    /// The server configuration minted for each host, by name.
    minted: Mutex<HashMap<String, Arc<ServerConfig>>>,
    serial: AtomicU64,
    crls: HashMap<&'static str, Vec<u8>>,
    crl_port: u16,
}

/// Why an inspector could not be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum InspectorError {
    /// The corporate CA or its CRLs could not be minted.
    #[error("minting the inspection CA: {0}")]
    Pki(#[from] rcgen::Error),
    /// A TLS configuration was refused.
    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
}

impl Inspector {
    /// A corporate CA (root → issuing CA) whose certificates name their CRLs at
    /// `http://crl.inspection.test:<crl_port>` (the proxy's own port), relaying to servers
    /// whose chains end in `upstream_roots`.
    ///
    /// # Errors
    /// When the CA cannot be minted or a root is unusable.
    pub fn new(
        upstream_roots: &[CertificateDer<'static>],
        crl_port: u16,
    ) -> Result<Self, InspectorError> {
        let pki = Pki::generate(&PkiSpec {
            domain: INSPECTION_CA_LABEL.to_owned(),
            pki_base_url: format!("http://{INSPECTION_CRL_HOST}:{crl_port}"),
            leaf: leaf_for("inspection.test"),
        })?;
        let mut roots = RootCertStore::empty();
        for root in upstream_roots {
            roots.add(root.clone())?;
        }
        let mut upstream =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_safe_default_protocol_versions()?
                .with_root_certificates(roots)
                .with_no_client_auth();
        upstream.alpn_protocols = vec![b"http/1.1".to_vec()];
        let crls = HashMap::from([
            (
                ISSUING_CRL_PATH,
                pki.crl(&pki.intermediate, &CrlSpec::default())?,
            ),
            (ROOT_CRL_PATH, pki.crl(&pki.root, &CrlSpec::default())?),
        ]);
        Ok(Self {
            pki,
            upstream: Arc::new(upstream),
            minted: Mutex::new(HashMap::new()),
            serial: AtomicU64::new(LEAF_SERIAL + 0x100),
            crls,
            crl_port,
        })
    }

    /// The corporate root, PEM (what a device needs in its store to accept what the proxy mints).
    #[must_use]
    pub fn root_pem(&self) -> String {
        self.pki.root.pem()
    }

    /// The corporate root, DER.
    #[must_use]
    pub fn root(&self) -> &CertificateDer<'static> {
        self.pki.root.der()
    }

    /// The proxy's answer to a plain-HTTP request for `host:port` `path`, when it is one of its
    /// own CRLs.
    pub(crate) fn own_crl(&self, host: &str, port: u16, path: &str) -> Option<Response> {
        if host != INSPECTION_CRL_HOST || port != self.crl_port {
            return None;
        }
        let crl = self.crls.get(path)?;
        Some(Response::new(200, "application/pkix-crl", crl.clone()))
    }

    /// The server configuration for `host`: a leaf minted for it on first use, issued by the
    /// corporate issuing CA, sent with that CA.
    fn config_for(&self, host: &str) -> Result<Arc<ServerConfig>, InspectorError> {
        let mut minted = self.minted.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(config) = minted.get(host) {
            return Ok(Arc::clone(config));
        }
        let serial = self.serial.fetch_add(1, Ordering::Relaxed);
        let (leaf, key) = self.pki.mint_leaf(&leaf_for(host), serial)?;
        let config = server_config(vec![leaf, self.pki.intermediate.der().clone()], key, false)?;
        minted.insert(host.to_owned(), Arc::clone(&config));
        Ok(config)
    }

    /// Inspects one tunnel: ends the client's TLS as `host`, opens TLS to `upstream` as `host`,
    /// and relays between them until either side closes. `early`: bytes the client sent after
    /// its `CONNECT`, before the answer (the start of its handshake).
    pub(crate) async fn intercept(
        &self,
        client: TcpStream,
        early: Vec<u8>,
        upstream: TcpStream,
        host: &str,
    ) {
        let Ok(config) = self.config_for(host) else {
            return;
        };
        let Ok(mut inside) = TlsAcceptor::from(config)
            .accept(Prefixed::new(early, client))
            .await
        else {
            return;
        };
        let Ok(name) = ServerName::try_from(host.to_owned()) else {
            return;
        };
        let Ok(mut outside) = TlsConnector::from(Arc::clone(&self.upstream))
            .connect(name, upstream)
            .await
        else {
            return;
        };
        let _ = copy_bidirectional(&mut inside, &mut outside).await;
    }
}

/// What the corporate CA mints for `host`: its name, current, serverAuth, with a CRL distribution
/// point.
fn leaf_for(host: &str) -> LeafSpec {
    LeafSpec {
        cdp: true,
        ..LeafSpec::plain(&[host])
    }
}

/// A stream that yields `prefix` before what `inner` reads.
struct Prefixed {
    prefix: Vec<u8>,
    read: usize,
    inner: TcpStream,
}

impl Prefixed {
    fn new(prefix: Vec<u8>, inner: TcpStream) -> Self {
        Self {
            prefix,
            read: 0,
            inner,
        }
    }
}

impl tokio::io::AsyncRead for Prefixed {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        if self.read < self.prefix.len() {
            let n = buf.remaining().min(self.prefix.len() - self.read);
            let start = self.read;
            buf.put_slice(&self.prefix[start..start + n]);
            self.read += n;
            return std::task::Poll::Ready(Ok(()));
        }
        std::pin::Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for Prefixed {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        std::pin::Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::pin::Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
