//! A whole lab: DNS views, PKI and CRL host, registration service nodes, AD FS probe — started together.

mod entra;
mod error;
mod forward_proxy;
mod pki_routes;
mod settings;
mod sites;
mod sockets;
mod spec;
mod start;
mod zones;

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use wpj_core::ResolverView;

use crate::dns::DnsServer;
use crate::handshakes::{HandshakeSeen, ServerKey, full_handshakes};
use crate::https::HttpsServer;
use crate::latency::DelayRelay;
use crate::ocsp::OcspServer;
use crate::pki::{ISSUING_CRL_PATH, ISSUING_DELTA_CRL_PATH, Pki, ROOT_CRL_PATH};
use crate::server::BlackHole;
use crate::web::WebServer;

pub use entra::{ENTRA_REGISTRATION_HOST, MICROSOFT_LOGIN_HOSTS};
pub use error::LabError;
pub(crate) use pki_routes::pki_routes;
pub(crate) use settings::settings_for;
pub use spec::{
    ChainShape, CorporateRoot, CrlFault, CrlForm, Delta, ExternalView, Flavour, LabSpec, NodeSpec,
    Revoked, Scope,
};
pub use zones::{BLOCKED_IP, PROXY_IP};

/// A running lab. Every server stops when it is dropped.
#[derive(Debug)]
pub struct Lab {
    spec: LabSpec,
    views: Vec<(String, DnsServer)>,
    https_port: u16,
    probe_port: Option<u16>,
    pki_base_url: String,
    pki: Pki,
    trust_root_pem: String,
    startup: Duration,
    https: Vec<HttpsServer>,
    web: Vec<WebServer>,
    ocsp: Option<OcspServer>,
    ocsp_url: Option<String>,
    _relays: Vec<DelayRelay>,
    _black_holes: Vec<BlackHole>,
    /// The TLS-inspecting proxy the lab is reached through, when its spec asks for one.
    inspecting: Option<crate::proxy::ForwardProxy>,
    /// Ports that must refuse connections for the lab's life (held, so no other server takes them).
    _closed: Vec<tokio::net::TcpSocket>,
}

impl Lab {
    /// The spec the lab was started from.
    #[must_use]
    pub fn spec(&self) -> &LabSpec {
        &self.spec
    }

    /// The UPN suffix.
    #[must_use]
    pub fn domain(&self) -> &str {
        &self.spec.domain
    }

    /// `enterpriseregistration.<domain>`.
    #[must_use]
    pub fn registration_name(&self) -> String {
        self.spec.registration_name()
    }

    /// The federation service name (`sts.<domain>`).
    #[must_use]
    pub fn sts_host(&self) -> String {
        self.spec.sts_host()
    }

    /// The first (internal) view's DNS server.
    #[must_use]
    pub fn resolver(&self) -> SocketAddr {
        self.views[0].1.addr()
    }

    /// Every DNS view: `internal`, and `external` in split-horizon labs.
    #[must_use]
    pub fn views(&self) -> Vec<ResolverView> {
        self.views
            .iter()
            .map(|(name, server)| ResolverView {
                name: name.clone(),
                servers: vec![server.addr()],
            })
            .collect()
    }

    /// The DNS server of one view, to edit its zone while the lab runs.
    #[must_use]
    pub fn dns(&self, view: &str) -> Option<&DnsServer> {
        self.views.iter().find(|(n, _)| n == view).map(|(_, s)| s)
    }

    /// The root certificate a client should trust, PEM (the wrong one in untrusted-root labs).
    #[must_use]
    pub fn trust_root_pem(&self) -> &str {
        &self.trust_root_pem
    }

    /// The port the registration service listens on (every node, and the proxy).
    #[must_use]
    pub fn https_port(&self) -> u16 {
        self.https_port
    }

    /// The addresses of the nodes.
    #[must_use]
    pub fn nodes(&self) -> Vec<IpAddr> {
        self.spec.nodes.iter().map(|n| IpAddr::V4(n.ip)).collect()
    }

    /// The port of `/adfs/probe` on every node (on-premises labs).
    #[must_use]
    pub fn probe_port(&self) -> Option<u16> {
        self.probe_port
    }

    /// `pki.<domain>`, the host name in the lab's CRL and AIA URLs.
    #[must_use]
    pub fn crl_host(&self) -> String {
        self.spec.crl_host()
    }

    /// `http://pki.<domain>:<port>`, the CRL and AIA host (resolvable through the lab's DNS).
    #[must_use]
    pub fn pki_base_url(&self) -> &str {
        &self.pki_base_url
    }

    /// The issuing CA's CRL URL (the leaf's CDP).
    #[must_use]
    pub fn issuing_crl_url(&self) -> String {
        format!("{}{ISSUING_CRL_PATH}", self.pki_base_url)
    }

    /// The issuing CA's delta CRL URL (named by `FreshestCRL` in [`CrlForm::Delta`] labs).
    #[must_use]
    pub fn issuing_delta_crl_url(&self) -> String {
        format!("{}{ISSUING_DELTA_CRL_PATH}", self.pki_base_url)
    }

    /// The root's CRL URL (the intermediate's CDP).
    #[must_use]
    pub fn root_crl_url(&self) -> String {
        format!("{}{ROOT_CRL_PATH}", self.pki_base_url)
    }

    /// The OCSP responder URL the leaf's AIA names, when the spec asks for one.
    #[must_use]
    pub fn ocsp_url(&self) -> Option<&str> {
        self.ocsp_url.as_deref()
    }

    /// How many requests the lab's OCSP responder has been sent (0 without one, or when down).
    #[must_use]
    pub fn ocsp_requests(&self) -> usize {
        self.ocsp.as_ref().map_or(0, OcspServer::requests)
    }

    /// The PKI (certificates, for assertions).
    #[must_use]
    pub fn pki(&self) -> &Pki {
        &self.pki
    }

    /// How many requests the CRL/AIA host has read for `path` (`/pki/issuing.crt`, say): shows
    /// that an AIA download or a CRL download happened, and how often.
    #[must_use]
    pub fn pki_hits(&self, path: &str) -> usize {
        if self.spec.crl == CrlFault::Down {
            return 0;
        }
        self.web.first().map_or(0, |w| w.hits(path))
    }

    /// Every TLS handshake the registration service's servers (each node, and the proxy of a
    /// split-horizon lab) completed so far, each server's in order. The address is the one clients
    /// connect to: the node's, or under [`LabSpec::latency`] the delaying relay's in front of it.
    /// Handshakes through a proxy's tunnel are seen at the node the proxy connected to; the legacy
    /// responder ([`crate::legacy_tls`]) records none.
    #[must_use]
    pub fn handshakes(&self) -> Vec<HandshakeSeen> {
        self.https
            .iter()
            .flat_map(HttpsServer::handshakes)
            .collect()
    }

    /// How many full handshakes each (address, SNI) of [`Lab::handshakes`] got (0 for one that
    /// saw only resumed sessions).
    #[must_use]
    pub fn full_handshakes(&self) -> BTreeMap<ServerKey, usize> {
        full_handshakes(&self.handshakes())
    }

    /// How long [`Lab::start`] took.
    #[must_use]
    pub fn startup_time(&self) -> Duration {
        self.startup
    }
}
