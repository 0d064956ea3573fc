//! Many healthy on-premises domains behind one set of servers, for fleet-scale measurements.
//!
//! A [`Lab`](crate::Lab) per domain needs five ports and its own PKI, which does not scale to
//! thousands of domains. A [`FleetLab`] serves `d0.fleet.test` … `d<n-1>.fleet.test` with one DNS
//! server (every domain's records), one CA (a leaf per domain, picked by SNI), one TLS listener, one
//! CRL/AIA host and one `/adfs/probe`: every domain is still resolved, connected to, handshaken,
//! revocation-checked and asked for its contract for real, as a separate AD FS deployment would be.
//!
//! ```
//! use wpj_testkit::fleet::FleetLab;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let fleet = FleetLab::start(3).await?;
//! assert_eq!(fleet.domains(), ["d0.fleet.test", "d1.fleet.test", "d2.fleet.test"]);
//! let settings = fleet.settings("d1.fleet.test")?;
//! assert_eq!(settings.port, fleet.https_port());
//! # Ok(()) }
//! ```
//!
//! [`FleetLab::stall`] adds a domain whose service never answers, next to the healthy ones: a slow
//! domain in the middle of a fleet, for tests of streaming and interruption.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use rustls::ServerConfig;
use rustls::server::ResolvesServerCertUsingSni;
use rustls::sign::CertifiedKey;
use tokio::net::TcpListener;
use wpj_core::{ResolverView, Settings, Target};

use crate::adfs::{federation_metadata, token_certificate};
use crate::discovery::Service;
use crate::dns::{DnsServer, Zone};
use crate::https::{ContractFault, HttpsServer, Site, TlsFault};
use crate::lab::{LabError, LabSpec, pki_routes, settings_for};
use crate::pki::{CrlExtras, LEAF_SERIAL, LeafSpec, Pki, PkiSpec, Validity};
use crate::web::{Route, WebServer};

/// The parent domain of every fleet domain.
pub const FLEET_APEX: &str = "fleet.test";

/// The address stalled domains resolve to (a listener on the fleet's HTTPS port that never speaks).
pub const STALL_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);

/// `count` healthy AD FS domains served together; every server stops when it is dropped.
#[derive(Debug)]
pub struct FleetLab {
    domains: Vec<String>,
    dns: DnsServer,
    https_port: u16,
    probe_port: u16,
    trust_root_pem: String,
    tls_config: Arc<ServerConfig>,
    stalled: Vec<String>,
    stall_server: Option<HttpsServer>,
    https: HttpsServer,
    _web: Vec<WebServer>,
}

impl FleetLab {
    /// Mints a certificate per domain and starts the shared servers on 127.0.0.1.
    pub async fn start(count: usize) -> Result<Self, LabError> {
        let loopback = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let domains: Vec<String> = (0..count).map(|i| format!("d{i}.{FLEET_APEX}")).collect();

        let pki_listener = TcpListener::bind((loopback, 0)).await?;
        let pki_base_url = format!(
            "http://pki.{FLEET_APEX}:{}",
            pki_listener.local_addr()?.port()
        );
        let leaf = |domain: &str| LeafSpec {
            names: vec![
                format!("enterpriseregistration.{domain}"),
                format!("sts.{domain}"),
            ],
            validity: Validity::Current,
            cdp: true,
            aia: true,
            server_auth: true,
            subject: None,
            crl_paths: Vec::new(),
            ocsp_url: None,
            crl_extras: CrlExtras::default(),
        };
        let pki = Pki::generate(&PkiSpec {
            domain: FLEET_APEX.to_owned(),
            pki_base_url,
            leaf: leaf(FLEET_APEX),
        })?;
        let spec = LabSpec::default();
        let mut web = vec![WebServer::start(pki_listener, pki_routes(&spec, &pki)?)?];

        // One certificate per domain (both of its names), chosen by SNI.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut by_sni = ResolvesServerCertUsingSni::new();
        for (i, domain) in domains.iter().enumerate() {
            let spec = leaf(domain);
            let (cert, key) = pki.mint_leaf(&spec, LEAF_SERIAL + 1 + i as u64)?;
            let key = provider.key_provider.load_private_key(key)?;
            let certified = Arc::new(CertifiedKey::new(
                vec![cert, pki.intermediate.der().clone()],
                key,
            ));
            for name in &spec.names {
                by_sni.add(name, CertifiedKey::clone(&certified))?;
            }
        }
        let mut config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(by_sni));
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let config = Arc::new(config);

        // The site is made for the SNI on each connection; token certificates are shared.
        let https_listener = TcpListener::bind((loopback, 0)).await?;
        let https_port = https_listener.local_addr()?.port();
        let signing = token_certificate("Signing", FLEET_APEX, 300)?;
        let encryption = token_certificate("Encryption", FLEET_APEX, 300)?;
        let site_for = move |sni: Option<&str>| {
            let sni = sni?;
            let domain = sni
                .strip_prefix("enterpriseregistration.")
                .or_else(|| sni.strip_prefix("sts."))?;
            let sts_host = format!("sts.{domain}");
            Some(Arc::new(Site {
                domain: domain.to_owned(),
                port: https_port,
                federation_metadata: Some(federation_metadata(&sts_host, &signing, &encryption)),
                service: Service::Adfs { sts_host },
                contract: ContractFault::None,
                hostile: crate::hostile::Hostile::None,
            }))
        };
        let https = HttpsServer::start_by_sni(
            https_listener,
            Arc::clone(&config),
            TlsFault::None,
            Arc::new(site_for),
        )?;

        let probe_listener = TcpListener::bind((loopback, 0)).await?;
        let probe_port = probe_listener.local_addr()?.port();
        web.push(WebServer::start(
            probe_listener,
            HashMap::from([("/adfs/probe".to_owned(), Route::status(200))]),
        )?);

        let mut zone = Zone::new(FLEET_APEX);
        zone.add_ip(&format!("pki.{FLEET_APEX}"), loopback);
        for domain in &domains {
            zone.add_ip(&format!("enterpriseregistration.{domain}"), loopback);
            zone.add_ip(&format!("sts.{domain}"), loopback);
        }
        let dns = DnsServer::start(loopback, zone).await?;

        Ok(Self {
            domains,
            dns,
            https_port,
            probe_port,
            trust_root_pem: pki.root.pem(),
            tls_config: config,
            stalled: Vec::new(),
            stall_server: None,
            https,
            _web: web,
        })
    }

    /// Adds `domain` (a name under `fleet.test` that is not one of [`domains`](Self::domains)),
    /// whose registration name resolves to [`STALL_IP`], where a listener on the fleet's HTTPS port
    /// accepts every connection and never says anything: its diagnosis waits in the TLS step until
    /// the network timeout. The first call binds that listener.
    ///
    /// ```
    /// use wpj_testkit::fleet::FleetLab;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let mut fleet = FleetLab::start(1).await?;
    /// fleet.stall("stalled.fleet.test").await?;
    /// assert_eq!(fleet.stalled(), ["stalled.fleet.test"]);
    /// assert!(fleet.stall("d0.fleet.test").await.is_err());
    /// # Ok(()) }
    /// ```
    pub async fn stall(&mut self, domain: &str) -> Result<(), LabError> {
        let domain = domain.trim_end_matches('.').to_ascii_lowercase();
        if !domain.ends_with(&format!(".{FLEET_APEX}")) {
            return Err(LabError::Spec("a stalled domain must be under fleet.test"));
        }
        if self.domains.contains(&domain) || self.stalled.contains(&domain) {
            return Err(LabError::Spec("that domain is already served"));
        }
        if self.stall_server.is_none() {
            let listener = TcpListener::bind((IpAddr::V4(STALL_IP), self.https_port)).await?;
            self.stall_server = Some(HttpsServer::start_by_sni(
                listener,
                Arc::clone(&self.tls_config),
                TlsFault::StallBeforeHandshake,
                Arc::new(|_: Option<&str>| None),
            )?);
        }
        self.dns.edit(|zone| {
            zone.add_ip(
                &format!("enterpriseregistration.{domain}"),
                IpAddr::V4(STALL_IP),
            );
        });
        self.stalled.push(domain);
        Ok(())
    }

    /// Every TLS handshake the fleet's listener completed so far, in order (the stalled
    /// listener completes none).
    #[must_use]
    pub fn handshakes(&self) -> Vec<crate::handshakes::HandshakeSeen> {
        self.https.handshakes()
    }

    /// The domains added with [`stall`](Self::stall).
    #[must_use]
    pub fn stalled(&self) -> &[String] {
        &self.stalled
    }

    /// The domains, `d0.fleet.test` first.
    #[must_use]
    pub fn domains(&self) -> &[String] {
        &self.domains
    }

    /// The DNS server every domain is resolved through.
    #[must_use]
    pub fn resolver(&self) -> SocketAddr {
        self.dns.addr()
    }

    /// The registration service's port (every domain).
    #[must_use]
    pub fn https_port(&self) -> u16 {
        self.https_port
    }

    /// The port of `/adfs/probe`.
    #[must_use]
    pub fn probe_port(&self) -> u16 {
        self.probe_port
    }

    /// The root every domain's chain leads to, PEM.
    #[must_use]
    pub fn trust_root_pem(&self) -> &str {
        &self.trust_root_pem
    }

    /// Settings that point a diagnosis of `domain` at the fleet.
    pub fn settings(&self, domain: &str) -> Result<Settings, wpj_core::TargetError> {
        let internal = ResolverView {
            name: "internal".to_owned(),
            servers: vec![self.resolver()],
        };
        Ok(settings_for(
            Target::parse(domain)?,
            vec![internal],
            &self.trust_root_pem,
            self.https_port,
            Some(self.probe_port),
        ))
    }
}
