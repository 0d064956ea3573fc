//! Every node behind the registration name, one by one: certificate and contract.

use std::net::{IpAddr, SocketAddr};

use async_trait::async_trait;
use futures_util::future::join_all;
use wpj_core::{
    Check, CheckId, Context, Evidence, Finding, JoinFailure, NodeReport, ResolvedAddresses,
    Settings,
};
use wpj_discovery::node_contract;
use wpj_dns::DnsCheck;
use wpj_net::{Net, NetError};
use wpj_tls::{
    NodeTls, describe_certificate, examine_node, inspection_config, mixed_certificates,
    verifying_config,
};

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

/// What a device landing on `ip` meets; `Err` only when the run's network layer cannot be set up.
async fn examine(
    cx: &Context,
    net: &Net,
    name: String,
    ip: IpAddr,
) -> Result<NodeReport, NetError> {
    let settings = cx.settings();
    let address = SocketAddr::new(ip, settings.port);
    let mut report = NodeReport {
        name,
        address,
        certificate: None,
        contract: "not asked".to_owned(),
        problems: Vec::new(),
    };
    let node: NodeTls = examine_node(address, cx).await?;
    report.certificate = node.leaf.as_ref().map(describe_certificate);
    report.problems.clone_from(&node.problems);
    if let Some(limit) = &node.limit {
        report.contract = format!("not asked: {limit}");
    } else if let Some(legacy) = &node.legacy {
        report.contract = format!(
            "not asked: a Windows 10 device connects with {legacy}, which this tool's TLS library \
             cannot"
        );
    } else if node.session.is_some() {
        let config = if node.problems.is_empty() {
            verifying_config(net.trust(), &node.chain.intermediates())
        } else {
            inspection_config()
        };
        match node_contract(address, cx, config, !node.problems.is_empty()).await? {
            Ok(_) => "HTTP 200 (discovery document)".clone_into(&mut report.contract),
            Err(problem) => {
                let failure = problem.failure;
                report.contract = failure
                    .http_status()
                    .map_or_else(|| failure.code().to_owned(), |s| format!("HTTP {s}"));
                report.problems.push(problem);
            }
        }
    }
    Ok(report)
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
        let net = match Net::for_run(cx) {
            Ok(net) => net,
            Err(e) => return Finding::error(Self::ID, e.to_string()),
        };
        let nodes = farm_nodes(settings, resolved);
        let reports = join_all(
            nodes
                .into_iter()
                .map(|(name, ip)| examine(cx, &net, name, ip)),
        )
        .await;
        match reports.into_iter().collect::<Result<Vec<_>, _>>() {
            Ok(reports) => judge(reports),
            Err(e) => Finding::error(Self::ID, e.to_string()),
        }
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
        let names: Vec<String> = reports.iter().map(|r| r.address.ip().to_string()).collect();
        let healthy = Finding::pass(
            id,
            format!("{} node(s) healthy: {}", reports.len(), names.join(", ")),
        );
        let certificates: Vec<(SocketAddr, String)> = reports
            .iter()
            .filter_map(|r| r.certificate.clone().map(|c| (r.address, c)))
            .collect();
        mixed_certificates(healthy, &certificates)
    };
    finding.evidence = reports.into_iter().map(Evidence::Node).collect();
    finding
}
