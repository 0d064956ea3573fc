//! Every node behind the registration name, one by one: certificate and contract.

use std::net::{IpAddr, SocketAddr};

use async_trait::async_trait;
use futures_util::future::join_all;
use wpj_core::{
    Check, CheckId, Context, Evidence, Finding, JoinFailure, NodeReport, Problem,
    ResolvedAddresses, Settings,
};
use wpj_discovery::node_contract;
use wpj_dns::DnsCheck;
use wpj_tls::{NodeTls, TrustStore, examine_node, inspection_config, verifying_config};

/// Examines every AD FS node (and proxy) a device may land on, concurrently: its certificate (as
/// the TLS step judges it) and its contract answer (404/503 → event 103 naming the node). A
/// [`Stage::Discovery`](wpj_core::Stage) check: a broken node fails the devices that land on it.
/// Nodes with different certificates are a `Warn`: renewals must reach every node. The health
/// endpoint `/adfs/probe`, which devices never ask, is [`ProbeCheck`](crate::ProbeCheck)'s.
///
/// Nodes come from [`Settings::adfs_nodes`] or, by default, every address DNS returned in every
/// view. Skipped for Microsoft Entra ID.
#[derive(Debug, Clone, Default)]
pub struct NodesCheck;

impl NodesCheck {
    /// The check's id.
    pub const ID: CheckId = CheckId::new_static("adfs-nodes");
}

/// The nodes to examine: explicit ones, or every address of every view (named by view).
pub(crate) fn farm_nodes(
    settings: &Settings,
    resolved: &ResolvedAddresses,
) -> Vec<(String, IpAddr)> {
    if !settings.adfs_nodes.is_empty() {
        return settings.adfs_nodes.clone();
    }
    let mut out: Vec<(String, IpAddr)> = Vec::new();
    for (view, ips) in &resolved.views {
        for ip in ips {
            if !out.iter().any(|(_, known)| known == ip) {
                out.push((view.clone(), *ip));
            }
        }
    }
    out
}

async fn examine(cx: &Context, store: &TrustStore, name: String, ip: IpAddr) -> NodeReport {
    let settings = cx.settings();
    let address = SocketAddr::new(ip, settings.port);
    let mut report = NodeReport {
        name,
        address,
        certificate: None,
        contract: "not asked".to_owned(),
        problems: Vec::new(),
    };
    let tls: Option<NodeTls> = match examine_node(address, cx).await {
        Ok(node) => Some(node),
        Err(e) => {
            report
                .problems
                .push(Problem::new(JoinFailure::UnknownError, e));
            None
        }
    };
    if let Some(node) = &tls {
        report.certificate = node
            .leaf
            .as_ref()
            .map(|c| format!("serial {}, valid until {}", c.serial, c.not_after.date()));
        report.problems.extend(
            node.problems
                .iter()
                .map(|(failure, what)| Problem::new(*failure, what.clone())),
        );
        if node.session.is_some() {
            let config = if node.problems.is_empty() {
                verifying_config(store, &node.intermediates)
            } else {
                inspection_config()
            };
            match node_contract(address, cx, config, !node.problems.is_empty()).await {
                Ok(Ok(_)) => "HTTP 200 (discovery document)".clone_into(&mut report.contract),
                Ok(Err((failure, what))) => {
                    report.contract = failure
                        .http_status()
                        .map_or_else(|| failure.code().to_owned(), |s| format!("HTTP {s}"));
                    report.problems.push(Problem::new(failure, what));
                }
                Err(e) => report
                    .problems
                    .push(Problem::new(JoinFailure::UnknownError, e)),
            }
        }
    }
    report
}

#[async_trait]
impl Check for NodesCheck {
    fn id(&self) -> CheckId {
        Self::ID
    }

    fn depends_on(&self) -> &[CheckId] {
        const DEPS: &[CheckId] = &[DnsCheck::ID];
        DEPS
    }

    async fn run(&self, cx: &Context) -> Finding {
        let settings = cx.settings();
        let resolved = match crate::scope::farm(cx) {
            Ok(resolved) => resolved,
            Err(why) => return Finding::skipped(Self::ID, why),
        };
        let store = match TrustStore::load(&settings.trust) {
            Ok(s) => s,
            Err(e) => return Finding::error(Self::ID, e),
        };
        let nodes = farm_nodes(settings, resolved);
        let reports: Vec<NodeReport> = join_all(
            nodes
                .into_iter()
                .map(|(name, ip)| examine(cx, &store, name, ip)),
        )
        .await;
        judge(reports)
    }
}

fn judge(reports: Vec<NodeReport>) -> Finding {
    let id = NodesCheck::ID;
    let failing: Vec<&NodeReport> = reports.iter().filter(|r| r.failure().is_some()).collect();
    let mut finding = if let Some(first) = failing.first() {
        let lines: Vec<String> = failing
            .iter()
            .map(|r| {
                let details: Vec<&str> = r.problems.iter().map(|p| p.detail.as_str()).collect();
                format!("{} ({}): {}", r.address.ip(), r.name, details.join("; "))
            })
            .collect();
        Finding::fail(
            id,
            first.failure().unwrap_or(JoinFailure::UnknownError),
            format!(
                "{} of {} nodes would fail a device: {}",
                failing.len(),
                reports.len(),
                lines.join(" | ")
            ),
        )
    } else {
        let certificates: Vec<&String> = reports
            .iter()
            .filter_map(|r| r.certificate.as_ref())
            .collect();
        let distinct = certificates
            .iter()
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        let names: Vec<String> = reports.iter().map(|r| r.address.ip().to_string()).collect();
        if distinct > 1 {
            let which: Vec<String> = reports
                .iter()
                .map(|r| {
                    format!(
                        "{}: {}",
                        r.address.ip(),
                        r.certificate.as_deref().unwrap_or("?")
                    )
                })
                .collect();
            Finding::warn(
                id,
                format!("{} nodes answer, but with different certificates ({})", reports.len(), which.join("; ")),
            )
            .with_failure(JoinFailure::CertDateInvalid)
            .with_remediation("Install the same, current SSL certificate on every AD FS node and proxy (Set-AdfsSslCertificate, Set-WebApplicationProxySslCertificate).")
        } else {
            Finding::pass(
                id,
                format!("{} node(s) healthy: {}", reports.len(), names.join(", ")),
            )
        }
    };
    finding.evidence = reports.into_iter().map(Evidence::Node).collect();
    finding
}
