//! The lab's startup: the CRL/AIA host, the registration service nodes (and the proxy), the AD FS
//! probe and the DNS views, bound and started in that order.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;

use crate::dns::DnsServer;
use crate::hostile::Hostile;
use crate::http::Response;
use crate::https::{HttpsServer, TlsFault, server_config_by_sni, server_config_stapling};
use crate::ocsp::{OCSP_PATH, OcspFault, OcspResponder, OcspServer};
use crate::pki::{LEAF_SERIAL, LeafSpec, Pki, PkiSpec};
use crate::server::BlackHole;
use crate::web::{Route, WebServer};
use crate::{legacy, legacy_tls};

use super::entra::entra_server_config;
use super::pki_routes::pki_routes;
use super::sites::node_sites;
use super::sockets::{bind_same_port, delayed, keep_closed};
use super::spec::leaf_spec;
use super::zones::{external_zone, internal_zone};
use super::{ChainShape, CrlFault, ExternalView, Flavour, Lab, LabError, LabSpec, PROXY_IP};

/// Serial number of the federation service's own certificate when the leaf names only one host.
const STS_LEAF_SERIAL: u64 = LEAF_SERIAL + 0x100;

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
        let pki_base_url = format!("http://{}:{pki_port}", spec.crl_host());
        // So is the OCSP responder, when the leaf names one.
        let ocsp_listener = match spec.ocsp {
            Some(_) => Some(TcpListener::bind((loopback, 0)).await?),
            None => None,
        };
        let ocsp_url = match &ocsp_listener {
            Some(l) => Some(format!(
                "http://{}:{}{OCSP_PATH}",
                spec.crl_host(),
                l.local_addr()?.port()
            )),
            None => None,
        };
        let leaf = LeafSpec {
            ocsp_url: ocsp_url.clone(),
            ..leaf_spec(&spec)
        };
        let mut pki = Pki::generate(&PkiSpec {
            domain: spec.domain.clone(),
            pki_base_url: pki_base_url.clone(),
            leaf: leaf.clone(),
        })?;
        if spec.chain == ChainShape::ThreeTier {
            pki = pki.into_three_tier(&leaf)?;
        }
        // What the server sends beyond leaf and issuing CA.
        let extra = match spec.chain {
            ChainShape::ExtraExpired => vec![pki.stale_ca()?],
            ChainShape::CrossSigned { expired } => vec![pki.cross_certificate(expired)?],
            ChainShape::TwoTier | ChainShape::ThreeTier | ChainShape::Legacy(_) => Vec::new(),
        };
        let mut web = Vec::new();
        let mut relays = Vec::new();
        let mut closed = Vec::new();
        let ocsp = match (ocsp_listener, spec.ocsp) {
            (Some(listener), Some(OcspFault::Down)) => {
                closed.push(keep_closed(listener)?);
                None
            }
            (Some(listener), Some(fault)) => {
                let responder = Arc::new(OcspResponder::new(&pki, fault)?);
                let listener = delayed(listener, spec.latency, &mut relays).await?;
                Some(OcspServer::start(listener, responder)?)
            }
            _ => None,
        };
        let staple = match spec.staple {
            Some(fault) => OcspResponder::new(&pki, fault)?.staple(&pki.leaf)?,
            None => Vec::new(),
        };
        if spec.crl == CrlFault::Down {
            closed.push(keep_closed(pki_listener)?);
        } else {
            let listener = delayed(pki_listener, spec.latency, &mut relays).await?;
            web.push(WebServer::start(listener, pki_routes(&spec, &pki)?)?);
        }

        // A legacy chain's CRLs live at the fixed URLs of the fixtures.
        let legacy_crl_ip = if let ChainShape::Legacy(_) = spec.chain {
            let listener = legacy::bind_crl_host().await?;
            let ip = listener.local_addr()?.ip();
            // Not behind the latency relay: the port is fixed by the fixtures.
            web.push(WebServer::start(listener, legacy::crl_routes())?);
            Some(ip)
        } else {
            None
        };

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
                            ..leaf.clone()
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
                let (chain, key) = match spec.chain {
                    ChainShape::Legacy(legacy) => (legacy.served()?, legacy.key()?),
                    _ => ([chain, extra.clone()].concat(), key),
                };
                if let TlsFault::Legacy(profile) = spec.tls {
                    let listener = delayed(listener, spec.latency, &mut relays).await?;
                    https.push(legacy_tls::start(listener, profile, chain)?);
                    continue;
                }
                let config = if spec.flavour == Flavour::Entra {
                    entra_server_config(&spec, &pki, chain, key)?
                } else if spec.leaf_cn_only {
                    // A CN names one host: the federation service keeps a certificate of its own.
                    let sts = LeafSpec {
                        names: vec![spec.sts_host()],
                        ..leaf_spec(&LabSpec {
                            leaf_cn_only: false,
                            ..spec.clone()
                        })
                    };
                    let (sts_leaf, sts_key) = pki.mint_leaf(&sts, STS_LEAF_SERIAL)?;
                    let sts_chain = vec![sts_leaf, pki.intermediate.der().clone()];
                    server_config_by_sni(vec![
                        (vec![spec.registration_name()], chain, key),
                        (vec![spec.sts_host()], sts_chain, sts_key),
                    ])?
                } else {
                    server_config_stapling(
                        chain,
                        key,
                        spec.tls == TlsFault::Tls12Only,
                        staple.clone(),
                    )?
                };
                // Handshakes are counted where clients connect: the relay, under latency.
                let reached_at = listener.local_addr()?;
                let listener = delayed(listener, spec.latency, &mut relays).await?;
                https.push(
                    HttpsServer::start(listener, config, spec.tls, Arc::new(site))?
                        .reached_at(reached_at),
                );
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
            // A hostile probe sends the client on to an address that swallows connections.
            let elsewhere = if spec.hostile == Hostile::ProbeRedirect && !listeners.is_empty() {
                let hole = BlackHole::bind(SocketAddr::new(loopback, 0)).await?;
                let to = format!("http://{}/adfs/probe", hole.addr());
                black_holes.push(hole);
                Some(to)
            } else {
                None
            };
            for (listener, status) in listeners.into_iter().zip(statuses) {
                let route = match &elsewhere {
                    Some(to) => Route::Respond(Response::redirect(302, to)),
                    None => Route::status(status),
                };
                let routes = HashMap::from([("/adfs/probe".to_owned(), route)]);
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

        if let Some(ip) = legacy_crl_ip {
            for (_, view) in &views {
                view.edit(|zone| zone.add_ip(legacy::LEGACY_CRL_HOST, ip));
            }
        }
        let trust_root_pem = if spec.untrusted_root {
            pki.other_root.pem()
        } else if let ChainShape::Legacy(_) = spec.chain {
            legacy::root_pem().to_owned()
        } else {
            pki.root.pem()
        };
        let mut lab = Self {
            spec,
            views,
            https_port,
            probe_port,
            pki_base_url,
            pki,
            trust_root_pem,
            startup: Duration::ZERO,
            https,
            web,
            ocsp,
            ocsp_url,
            _relays: relays,
            _black_holes: black_holes,
            inspecting: None,
            _closed: closed,
        };
        if lab.spec.inspecting_proxy.is_some() {
            lab.inspecting = Some(lab.inspecting_proxy().await?);
        }
        lab.startup = started.elapsed();
        Ok(lab)
    }
}
