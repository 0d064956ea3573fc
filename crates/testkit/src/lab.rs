//! A whole lab: DNS views, PKI and CRL host, registration service nodes, AD FS probe — started together.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use wpj_core::{Mode, ResolverView, Resolvers, Settings, Target, TrustRoots};

use crate::adfs::{federation_metadata, token_certificate};
use crate::discovery::{EntraRealm, Service};
use crate::dns::{DnsFault, DnsRecord, DnsServer, Zone};
use crate::https::{
    ContractFault, HttpsServer, Site, TlsFault, server_config, server_config_by_sni,
};
use crate::latency::{DelayRelay, behind_relay};
use crate::pki::{
    CrlSpec, INTERMEDIATE_SERIAL, ISSUING_CERT_PATH, ISSUING_CRL_PATH, LEAF_SERIAL, LeafSpec, Pki,
    PkiSpec, ROOT_CRL_PATH, Validity,
};
use crate::server::BlackHole;
use crate::web::{Route, WebServer};

/// The address of the Web Application Proxy in split-horizon labs.
pub const PROXY_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 9);
/// Where `enterpriseregistration.<domain>` points in Entra-style labs.
pub const ENTRA_REGISTRATION_HOST: &str = "enterpriseregistration.windows.net";
/// Microsoft's sign-in hosts, served by Entra-style labs with a certificate naming only them.
pub const MICROSOFT_LOGIN_HOSTS: [&str; 2] = [
    "login.microsoftonline.com",
    "device.login.microsoftonline.com",
];
/// Where Microsoft's sign-in hosts resolve in `login_blocked` labs: nothing listens there.
pub const BLOCKED_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 8);

/// Which registration service the lab imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flavour {
    /// AD FS device registration: the name points (A) at the farm.
    #[default]
    OnPrem,
    /// Microsoft Entra ID: the name is a CNAME to `enterpriseregistration.windows.net`.
    Entra,
}

/// What the external DNS view answers (split horizon).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternalView {
    /// The proxy's address, as it should.
    Proxy,
    /// The same records as the internal view (the farm's internal addresses).
    SameAsInternal,
    /// The proxy's records, with this fault on the registration name.
    Fault(DnsFault),
}

/// Which certificate the CA has revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Revoked {
    /// None.
    #[default]
    Nothing,
    /// The server certificate (listed in the issuing CA's CRL).
    Leaf,
    /// The issuing CA (listed in the root's CRL).
    Intermediate,
}

/// How the issuing CA's CRL (the one the leaf's CDP names) is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CrlFault {
    /// A fresh, correctly signed CRL.
    #[default]
    None,
    /// The CRL host's port is closed (every CRL and AIA URL fails).
    Down,
    /// The server accepts the request and never answers.
    Stall,
    /// 404.
    NotFound,
    /// 200 with bytes that are not a CRL.
    Garbage,
    /// A CRL signed by a key that is not the CA's.
    BadSignature,
    /// A CRL past its nextUpdate.
    Stale,
    /// A valid CRL whose nextUpdate is two hours away.
    ExpiringSoon,
    /// A valid CRL listing this many (unrelated) revoked serials.
    Large(usize),
}

/// One node of the registration service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeSpec {
    /// Its loopback address.
    pub ip: Ipv4Addr,
    /// Contract behaviour, when it differs from the lab's.
    pub contract: Option<ContractFault>,
    /// Its own certificate with this validity, instead of the lab's leaf.
    pub own_certificate: Option<Validity>,
    /// What `/adfs/probe` answers.
    pub probe_status: u16,
}

impl NodeSpec {
    /// A healthy node.
    #[must_use]
    pub fn healthy(ip: Ipv4Addr) -> Self {
        Self {
            ip,
            contract: None,
            own_certificate: None,
            probe_status: 200,
        }
    }
}

/// Everything about a lab. [`LabSpec::default`] is a healthy on-premises service.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // each flag is one independent fault
pub struct LabSpec {
    /// The UPN suffix.
    pub domain: String,
    /// AD FS or Entra ID.
    pub flavour: Flavour,
    /// Fault on the registration name in the internal (first) view.
    pub dns_fault: Option<DnsFault>,
    /// A second, external view.
    pub external_view: Option<ExternalView>,
    /// Connection / TLS behaviour.
    pub tls: TlsFault,
    /// Contract behaviour.
    pub contract: ContractFault,
    /// Leaf validity.
    pub leaf_validity: Validity,
    /// The leaf does not name `enterpriseregistration.<domain>`.
    pub leaf_wrong_name: bool,
    /// The leaf has a CRL distribution point.
    pub leaf_cdp: bool,
    /// The leaf has an AIA caIssuers URL.
    pub leaf_aia: bool,
    /// The leaf is for client authentication only.
    pub leaf_client_auth_only: bool,
    /// The server sends the leaf without its intermediate.
    pub omit_intermediate: bool,
    /// The client is given a root that did not issue the chain.
    pub untrusted_root: bool,
    /// What is revoked.
    pub revoked: Revoked,
    /// How the issuing CRL is served.
    pub crl: CrlFault,
    /// The nodes (at least one).
    pub nodes: Vec<NodeSpec>,
    /// Days until the AD FS token-signing certificate expires.
    pub token_signing_days_left: i64,
    /// `/adfs/probe` listens (on-premises labs); `false`: its port is closed, as seen from outside
    /// where port 80 is not published.
    pub probe: bool,
    /// The federation service publishes `FederationMetadata.xml` and its `OpenID` configuration;
    /// `false`: both answer 404.
    pub federation_metadata: bool,
    /// The federation service name (`sts.<domain>`) resolves.
    pub sts_in_dns: bool,
    /// Entra ID labs: what the user realm says about the domain (federated: at `sts.<domain>`,
    /// with WS-Trust metadata everywhere and `windowstransport` on the inside only).
    pub realm: EntraRealm,
    /// Entra ID labs: Microsoft's sign-in hosts resolve to an address where nothing listens
    /// (a firewall that refuses them).
    pub login_blocked: bool,
    /// The DNS answer for the registration name also carries an unrelated CNAME
    /// (`stray.<domain>` → `enterpriseregistration.windows.net`) outside the queried chain.
    pub stray_cname: bool,
    /// Network latency, one way: every DNS answer comes a round trip (`2 ×` this) late, and the
    /// registration service, the CRL/AIA host and the probe sit behind a [`DelayRelay`].
    pub latency: Option<Duration>,
}

impl Default for LabSpec {
    fn default() -> Self {
        Self {
            domain: "contoso.test".to_owned(),
            flavour: Flavour::OnPrem,
            dns_fault: None,
            external_view: None,
            tls: TlsFault::None,
            contract: ContractFault::None,
            leaf_validity: Validity::Current,
            leaf_wrong_name: false,
            leaf_cdp: true,
            leaf_aia: true,
            leaf_client_auth_only: false,
            omit_intermediate: false,
            untrusted_root: false,
            revoked: Revoked::Nothing,
            crl: CrlFault::None,
            nodes: vec![NodeSpec::healthy(Ipv4Addr::LOCALHOST)],
            token_signing_days_left: 300,
            probe: true,
            federation_metadata: true,
            stray_cname: false,
            sts_in_dns: true,
            realm: EntraRealm::Managed,
            login_blocked: false,
            latency: None,
        }
    }
}

impl LabSpec {
    /// A healthy Entra-style lab for `fabrikam.test`.
    #[must_use]
    pub fn entra() -> Self {
        Self {
            domain: "fabrikam.test".to_owned(),
            flavour: Flavour::Entra,
            ..Self::default()
        }
    }

    fn registration_name(&self) -> String {
        format!("enterpriseregistration.{}", self.domain)
    }

    fn sts_host(&self) -> String {
        format!("sts.{}", self.domain)
    }

    fn leaf_names(&self) -> Vec<String> {
        if self.flavour == Flavour::Entra {
            // Microsoft's certificate names only Microsoft's hosts, never a customer's domain.
            return vec![ENTRA_REGISTRATION_HOST.to_owned()];
        }
        let mut names = if self.leaf_wrong_name {
            vec![format!("adfs.{}", self.domain)]
        } else {
            vec![self.registration_name()]
        };
        names.push(self.sts_host());
        names
    }
}

/// Why a lab could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LabError {
    /// A socket could not be bound.
    #[error("lab socket: {0}")]
    Io(#[from] std::io::Error),
    /// Certificates or CRLs could not be made.
    #[error("lab PKI: {0}")]
    Pki(#[from] rcgen::Error),
    /// The TLS configuration was rejected.
    #[error("lab TLS config: {0}")]
    Tls(#[from] rustls::Error),
    /// The spec is inconsistent.
    #[error("lab spec: {0}")]
    Spec(&'static str),
}

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
    _https: Vec<HttpsServer>,
    _web: Vec<WebServer>,
    _relays: Vec<DelayRelay>,
    _black_holes: Vec<BlackHole>,
    /// Ports that must refuse connections for the lab's life (held, so no other server takes them).
    _closed: Vec<tokio::net::TcpSocket>,
}

impl Lab {
    /// Starts every server the spec needs, on loopback.
    pub async fn start(spec: LabSpec) -> Result<Self, LabError> {
        if spec.nodes.is_empty() {
            return Err(LabError::Spec("a lab needs at least one node"));
        }
        let started = Instant::now();
        let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);

        // The CRL/AIA host is bound first so the certificates can name its real port.
        let pki_listener = TcpListener::bind((loopback, 0)).await?;
        let pki_port = pki_listener.local_addr()?.port();
        let pki_base_url = format!("http://pki.{}:{pki_port}", spec.domain);
        let pki = Pki::generate(&PkiSpec {
            domain: spec.domain.clone(),
            pki_base_url: pki_base_url.clone(),
            leaf: leaf_spec(&spec),
        })?;
        let mut web = Vec::new();
        let mut relays = Vec::new();
        let mut closed = Vec::new();
        if spec.crl == CrlFault::Down {
            closed.push(keep_closed(pki_listener)?);
        } else {
            let listener = delayed(pki_listener, spec.latency, &mut relays).await?;
            web.push(WebServer::start(listener, pki_routes(&spec, &pki)?)?);
        }

        // Registration service nodes (and the proxy), all on one port as behind 443.
        let mut node_ips: Vec<IpAddr> = spec.nodes.iter().map(|n| IpAddr::V4(n.ip)).collect();
        let proxied = matches!(
            spec.external_view,
            Some(ExternalView::Proxy | ExternalView::Fault(_))
        );
        if proxied {
            node_ips.push(IpAddr::V4(PROXY_IP));
        }
        let (https_port, listeners) = bind_same_port(&node_ips).await?;
        let mut https = Vec::new();
        let mut black_holes = Vec::new();
        let https_port = if spec.tls == TlsFault::Closed {
            for listener in listeners {
                closed.push(keep_closed(listener)?);
            }
            https_port
        } else if spec.tls == TlsFault::BlackHole {
            drop(listeners);
            for ip in &node_ips {
                black_holes.push(BlackHole::bind(SocketAddr::new(*ip, https_port)).await?);
            }
            https_port
        } else {
            let sites = node_sites(&spec, https_port)?;
            let node_specs = spec.nodes.iter().chain(proxied.then_some(&spec.nodes[0]));
            for (n, ((listener, node), site)) in
                listeners.into_iter().zip(node_specs).zip(sites).enumerate()
            {
                let (chain, key) = match node.own_certificate {
                    Some(validity) => {
                        let leaf = LeafSpec {
                            validity,
                            ..leaf_spec(&spec)
                        };
                        let (cert, key) = pki.mint_leaf(&leaf, LEAF_SERIAL + 1 + n as u64)?;
                        let mut chain = vec![cert];
                        if !spec.omit_intermediate {
                            chain.push(pki.intermediate.der().clone());
                        }
                        (chain, key)
                    }
                    None => (pki.served_chain(!spec.omit_intermediate), pki.leaf_key()),
                };
                let config = if spec.flavour == Flavour::Entra {
                    entra_server_config(&spec, &pki, chain, key)?
                } else {
                    server_config(chain, key, spec.tls == TlsFault::Tls12Only)?
                };
                let listener = delayed(listener, spec.latency, &mut relays).await?;
                https.push(HttpsServer::start(
                    listener,
                    config,
                    spec.tls,
                    Arc::new(site),
                )?);
            }
            https_port
        };

        // AD FS probe endpoint on every node.
        let probe_port = if spec.flavour == Flavour::OnPrem {
            // Every node, and the proxy (a Web Application Proxy answers /adfs/probe too).
            let mut ips: Vec<IpAddr> = spec.nodes.iter().map(|n| IpAddr::V4(n.ip)).collect();
            if proxied {
                ips.push(IpAddr::V4(PROXY_IP));
            }
            let statuses = spec.nodes.iter().map(|n| n.probe_status).chain([200]);
            let (port, listeners) = bind_same_port(&ips).await?;
            // Without a probe the port stays closed, as port 80 is from outside.
            let listeners = if spec.probe {
                listeners
            } else {
                for listener in listeners {
                    closed.push(keep_closed(listener)?);
                }
                Vec::new()
            };
            for (listener, status) in listeners.into_iter().zip(statuses) {
                let routes = HashMap::from([("/adfs/probe".to_owned(), Route::status(status))]);
                let listener = delayed(listener, spec.latency, &mut relays).await?;
                web.push(WebServer::start(listener, routes)?);
            }
            Some(port)
        } else {
            None
        };

        // DNS views.
        let mut views = vec![(
            "internal".to_owned(),
            DnsServer::start(loopback, internal_zone(&spec)).await?,
        )];
        if let Some(external) = spec.external_view {
            views.push((
                "external".to_owned(),
                DnsServer::start(loopback, external_zone(&spec, external)).await?,
            ));
        }

        let trust_root_pem = if spec.untrusted_root {
            pki.other_root.pem()
        } else {
            pki.root.pem()
        };
        Ok(Self {
            spec,
            views,
            https_port,
            probe_port,
            pki_base_url,
            pki,
            trust_root_pem,
            startup: started.elapsed(),
            _https: https,
            _web: web,
            _relays: relays,
            _black_holes: black_holes,
            _closed: closed,
        })
    }

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

    /// The root's CRL URL (the intermediate's CDP).
    #[must_use]
    pub fn root_crl_url(&self) -> String {
        format!("{}{ROOT_CRL_PATH}", self.pki_base_url)
    }

    /// The PKI (certificates, for assertions).
    #[must_use]
    pub fn pki(&self) -> &Pki {
        &self.pki
    }

    /// How long [`Lab::start`] took.
    #[must_use]
    pub fn startup_time(&self) -> Duration {
        self.startup
    }

    /// Settings that point a diagnosis at this lab: its DNS views, its root only, its port.
    #[must_use]
    pub fn settings(&self) -> Settings {
        let target = Target::parse(&self.spec.domain).unwrap_or_else(|e| {
            unreachable!("lab domains are valid: {e}");
        });
        settings_for(
            target,
            self.views(),
            &self.trust_root_pem,
            self.https_port,
            self.probe_port,
        )
    }
}

/// Settings that point a diagnosis of `target` at lab servers: these DNS views, this root only,
/// this service port and (AD FS) probe port.
pub(crate) fn settings_for(
    target: Target,
    views: Vec<ResolverView>,
    trust_root_pem: &str,
    port: u16,
    probe_port: Option<u16>,
) -> Settings {
    let mut settings = Settings::new(target);
    settings.mode = Mode::Auto;
    settings.resolvers = Resolvers::Views(views);
    settings.trust = TrustRoots {
        system: false,
        extra_pem: vec![trust_root_pem.as_bytes().to_vec()],
    };
    settings.port = port;
    if let Some(port) = probe_port {
        settings.adfs_probe_port = port;
    }
    settings
}

/// Microsoft's endpoints as an Entra ID lab serves them behind one listener, each host with a
/// certificate naming only Microsoft's hosts (the registration service, the sign-in hosts), plus,
/// for a federated realm, the domain's own federation service.
fn entra_server_config(
    spec: &LabSpec,
    pki: &Pki,
    chain: Vec<rustls_pki_types::CertificateDer<'static>>,
    key: rustls_pki_types::PrivateKeyDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, LabError> {
    let mut certificates = vec![(vec![ENTRA_REGISTRATION_HOST.to_owned()], chain, key)];
    let mut extra = |names: Vec<String>, serial: u64| -> Result<(), LabError> {
        let leaf = LeafSpec {
            names: names.clone(),
            ..leaf_spec(spec)
        };
        let (cert, key) = pki.mint_leaf(&leaf, serial)?;
        certificates.push((names, vec![cert, pki.intermediate.der().clone()], key));
        Ok(())
    };
    extra(
        MICROSOFT_LOGIN_HOSTS.map(str::to_owned).to_vec(),
        LEAF_SERIAL + 100,
    )?;
    if spec.realm == EntraRealm::Federated {
        extra(vec![spec.sts_host()], LEAF_SERIAL + 101)?;
    }
    Ok(server_config_by_sni(certificates)?)
}

/// `listener` itself without latency; otherwise a listener for the real server, with a relay from
/// `listener` to it kept in `relays`.
async fn delayed(
    listener: TcpListener,
    latency: Option<Duration>,
    relays: &mut Vec<DelayRelay>,
) -> std::io::Result<TcpListener> {
    match latency {
        None => Ok(listener),
        Some(one_way) => {
            let (inner, relay) = behind_relay(listener, one_way).await?;
            relays.push(relay);
            Ok(inner)
        }
    }
}

fn leaf_spec(spec: &LabSpec) -> LeafSpec {
    LeafSpec {
        names: spec.leaf_names(),
        validity: spec.leaf_validity,
        cdp: spec.leaf_cdp,
        aia: spec.leaf_aia,
        server_auth: !spec.leaf_client_auth_only,
    }
}

/// Turns a listener's port into a closed one that stays reserved: the listener is dropped and a
/// socket that never listens is bound in its place, so connections are refused and no other server
/// started meanwhile (tests run side by side) can take the port and answer instead.
fn keep_closed(listener: TcpListener) -> std::io::Result<tokio::net::TcpSocket> {
    let addr = listener.local_addr()?;
    drop(listener);
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    Ok(socket)
}

/// Binds one listener per address, all on the same free port.
async fn bind_same_port(ips: &[IpAddr]) -> std::io::Result<(u16, Vec<TcpListener>)> {
    let mut last = None;
    'attempt: for _ in 0..16 {
        let first = TcpListener::bind((ips[0], 0)).await?;
        let port = first.local_addr()?.port();
        let mut listeners = vec![first];
        for ip in &ips[1..] {
            match TcpListener::bind((*ip, port)).await {
                Ok(l) => listeners.push(l),
                Err(e) => {
                    last = Some(e);
                    continue 'attempt;
                }
            }
        }
        return Ok((port, listeners));
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no common free port")))
}

pub(crate) fn pki_routes(
    spec: &LabSpec,
    pki: &Pki,
) -> Result<HashMap<String, Route>, rcgen::Error> {
    const CRL_TYPE: &str = "application/pkix-crl";
    let root_crl = pki.crl(
        &pki.root,
        &CrlSpec {
            revoked: if spec.revoked == Revoked::Intermediate {
                vec![INTERMEDIATE_SERIAL]
            } else {
                Vec::new()
            },
            ..CrlSpec::default()
        },
    )?;
    let issuing = CrlSpec {
        revoked: if spec.revoked == Revoked::Leaf {
            vec![LEAF_SERIAL]
        } else {
            Vec::new()
        },
        filler: match spec.crl {
            CrlFault::Large(n) => n,
            _ => 0,
        },
        stale: spec.crl == CrlFault::Stale,
        expiring: spec.crl == CrlFault::ExpiringSoon,
        wrong_key: spec.crl == CrlFault::BadSignature,
    };
    let issuing_route = match spec.crl {
        CrlFault::Stall => Route::Stall,
        CrlFault::NotFound => Route::status(404),
        CrlFault::Garbage => Route::ok(
            CRL_TYPE,
            b"<html><body>This is not the CRL you are looking for</body></html>".to_vec(),
        ),
        _ => Route::ok(CRL_TYPE, pki.crl(&pki.intermediate, &issuing)?),
    };
    Ok(HashMap::from([
        (ROOT_CRL_PATH.to_owned(), Route::ok(CRL_TYPE, root_crl)),
        (ISSUING_CRL_PATH.to_owned(), issuing_route),
        (
            ISSUING_CERT_PATH.to_owned(),
            Route::ok("application/pkix-cert", pki.intermediate.der().to_vec()),
        ),
    ]))
}

fn node_sites(spec: &LabSpec, port: u16) -> Result<Vec<Site>, rcgen::Error> {
    let service = match spec.flavour {
        Flavour::OnPrem => Service::Adfs {
            sts_host: spec.sts_host(),
        },
        Flavour::Entra => Service::Entra {
            domain: spec.domain.clone(),
            realm: spec.realm,
            inside: true,
        },
    };
    let metadata = if spec.flavour == Flavour::OnPrem && spec.federation_metadata {
        let signing = token_certificate("Signing", &spec.sts_host(), spec.token_signing_days_left)?;
        let encryption = token_certificate("Encryption", &spec.sts_host(), 300)?;
        Some(federation_metadata(&spec.sts_host(), &signing, &encryption))
    } else {
        None
    };
    let mut sites: Vec<Site> = spec
        .nodes
        .iter()
        .map(|node| Site {
            domain: spec.domain.clone(),
            port,
            service: service.clone(),
            contract: node.contract.unwrap_or(spec.contract),
            federation_metadata: metadata.clone(),
        })
        .collect();
    // The proxy publishes the first node's behaviour, but not what only the inside may reach.
    let mut proxy = sites[0].clone();
    if let Service::Entra { inside, .. } = &mut proxy.service {
        *inside = false;
    }
    sites.push(proxy);
    Ok(sites)
}

fn internal_zone(spec: &LabSpec) -> Zone {
    let ips = spec.nodes.iter().map(|n| IpAddr::V4(n.ip));
    zone_pointing_at(spec, ips, spec.dns_fault)
}

fn external_zone(spec: &LabSpec, view: ExternalView) -> Zone {
    match view {
        ExternalView::SameAsInternal => internal_zone(spec),
        ExternalView::Proxy => zone_pointing_at(spec, [IpAddr::V4(PROXY_IP)], None),
        ExternalView::Fault(fault) => zone_pointing_at(spec, [IpAddr::V4(PROXY_IP)], Some(fault)),
    }
}

/// The lab zone with the registration and federation names pointing at `ips`.
fn zone_pointing_at(
    spec: &LabSpec,
    ips: impl IntoIterator<Item = IpAddr> + Clone,
    fault: Option<DnsFault>,
) -> Zone {
    let mut zone = Zone::new(&spec.domain);
    let registration = spec.registration_name();
    match spec.flavour {
        Flavour::OnPrem => {
            for ip in ips.clone() {
                zone.add_ip(&registration, ip);
            }
        }
        Flavour::Entra => {
            zone.add(
                &registration,
                DnsRecord::Cname(ENTRA_REGISTRATION_HOST.to_owned()),
            );
            for ip in ips.clone() {
                zone.add_ip(ENTRA_REGISTRATION_HOST, ip);
                for host in MICROSOFT_LOGIN_HOSTS {
                    let ip = if spec.login_blocked {
                        IpAddr::V4(BLOCKED_IP)
                    } else {
                        ip
                    };
                    zone.add_ip(host, ip);
                }
            }
        }
    }
    if spec.sts_in_dns {
        for ip in ips {
            zone.add_ip(&spec.sts_host(), ip);
        }
    }
    zone.add_ip(
        &format!("pki.{}", spec.domain),
        IpAddr::V4(Ipv4Addr::LOCALHOST),
    );
    if spec.stray_cname {
        zone = zone.with_extra_answer(
            &registration,
            &format!("stray.{}", spec.domain),
            DnsRecord::Cname(ENTRA_REGISTRATION_HOST.to_owned()),
        );
    }
    if let Some(fault) = fault {
        zone = zone.with_fault(&registration, fault);
    }
    if let Some(one_way) = spec.latency {
        zone = zone.with_round_trip(one_way * 2);
    }
    zone
}
