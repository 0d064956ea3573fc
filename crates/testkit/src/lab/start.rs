//! The lab's startup: the CRL/AIA host, the registration service nodes (and the proxy), the AD FS
//! probe and the DNS views, bound and started in that order.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use tokio::net::TcpListener;

use crate::dns::DnsServer;
use crate::hostile::Hostile;
use crate::http::Response;
use crate::https::{HttpsServer, TlsFault, server_config};
use crate::legacy;
use crate::pki::{LEAF_SERIAL, LeafSpec, Pki, PkiSpec};
use crate::server::BlackHole;
use crate::web::{Route, WebServer};

use super::entra::entra_server_config;
use super::pki_routes::pki_routes;
use super::sites::node_sites;
use super::sockets::{bind_same_port, delayed, keep_closed};
use super::spec::leaf_spec;
use super::zones::{external_zone, internal_zone};
use super::{CrlFault, ExternalView, Flavour, Lab, LabError, LabSpec, PROXY_IP};

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
                if let TlsFault::Legacy(profile) = spec.tls {
                    let listener = delayed(listener, spec.latency, &mut relays).await?;
                    https.push(legacy::start(listener, profile, chain)?);
                    continue;
                }
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
}
