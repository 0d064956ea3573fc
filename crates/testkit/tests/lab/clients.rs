//! Plain clients pointed at a lab, knowing nothing of the testkit's internals.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use rustls::RootCertStore;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use wpj_testkit::{Lab, Scenario};

/// Starts a scenario's lab.
pub(crate) async fn lab(name: &str) -> Lab {
    Scenario::find(name)
        .expect(name)
        .start()
        .await
        .expect("lab starts")
}

/// A resolver that asks only `server`, over UDP (or TCP), once, with a short timeout and no cache.
pub(crate) fn resolver(server: SocketAddr, tcp: bool) -> TokioResolver {
    let mut connection = if tcp {
        ConnectionConfig::tcp()
    } else {
        ConnectionConfig::udp()
    };
    connection.port = server.port();
    let ns = NameServerConfig::new(server.ip(), true, vec![connection]);
    let mut opts = ResolverOpts::default();
    opts.timeout = Duration::from_millis(700);
    opts.attempts = 1;
    opts.cache_size = 0;
    TokioResolver::builder_with_config(
        ResolverConfig::from_name_servers(vec![ns]),
        TokioRuntimeProvider::default(),
    )
    .with_options(opts)
    .build()
    .expect("resolver")
}

/// The lab's trust root as DER.
pub(crate) fn trust_root(lab: &Lab) -> CertificateDer<'static> {
    CertificateDer::from_pem_slice(lab.trust_root_pem().as_bytes()).expect("PEM root")
}

/// A rustls client config (ring) trusting only the lab's root.
pub(crate) fn client_config(lab: &Lab) -> Arc<rustls::ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(trust_root(lab)).expect("root");
    Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth(),
    )
}

/// TLS to `ip:port` of the lab with SNI `name`.
pub(crate) async fn tls_connect(
    lab: &Lab,
    ip: IpAddr,
    name: &str,
) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect((ip, lab.https_port())).await?;
    let name = ServerName::try_from(name.to_owned()).expect("server name");
    TlsConnector::from(client_config(lab))
        .connect(name, tcp)
        .await
}

/// A reqwest client that resolves the lab's names to `ip` (the lab's port kept), trusts its root,
/// and follows no redirects.
pub(crate) fn http_client(lab: &Lab, ip: IpAddr) -> reqwest::Client {
    let addr = SocketAddr::new(ip, lab.https_port());
    let pki = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), pki_port(lab));
    reqwest::Client::builder()
        .tls_backend_preconfigured((*client_config(lab)).clone())
        .resolve(&lab.registration_name(), addr)
        .resolve(&lab.sts_host(), addr)
        .resolve(wpj_testkit::lab::ENTRA_REGISTRATION_HOST, addr)
        .resolve(&format!("pki.{}", lab.domain()), pki)
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

pub(crate) fn pki_port(lab: &Lab) -> u16 {
    lab.pki_base_url()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("port in the PKI URL")
}

pub(crate) fn contract_url(lab: &Lab, api_version: &str) -> String {
    format!(
        "https://{}:{}/EnrollmentServer/contract?api-version={api_version}",
        lab.registration_name(),
        lab.https_port()
    )
}

pub(crate) const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);
