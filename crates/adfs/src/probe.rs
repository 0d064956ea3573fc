//! `/adfs/probe` on every node: what load balancers ask, and devices never do.

use std::net::{IpAddr, SocketAddr};

use async_trait::async_trait;
use futures_util::future::join_all;
use wpj_core::{Check, CheckId, Context, Evidence, Finding, ProbeAnswer, Stage, Status};
use wpj_dns::DnsCheck;
use wpj_net::Net;

use crate::nodes::farm_nodes;

/// Asks `GET http://<node>:<probe port>/adfs/probe` on every node (AD FS 2016+ and Web Application
/// Proxy answer 200 while the service runs), concurrently, without following redirects.
///
/// A [`Stage::FarmHealth`] check: devices never ask the probe, so nothing here is a device verdict.
/// - every node answers 200 → `Pass`;
/// - a node answers anything else (a redirect included) → `Fail` for that node: a load balancer
///   that uses the probe takes it out of rotation;
/// - a node does not answer at all → `Warn`: from here it cannot be told whether AD FS runs there,
///   because port 80 is usually not published outside.
///
/// Skipped for Microsoft Entra ID.
#[derive(Debug, Clone, Default)]
pub struct ProbeCheck;

impl ProbeCheck {
    /// The check's id.
    pub const ID: CheckId = CheckId::new_static("adfs-probe");
}

async fn probe(net: &Net, name: String, ip: IpAddr, port: u16) -> ProbeAnswer {
    let address = SocketAddr::new(ip, port);
    let url = format!("http://{address}/adfs/probe");
    let (status, no_answer) = match net.probe(&url).await {
        Ok(status) => (Some(status), None),
        Err(e) => (None, Some(e.to_string())),
    };
    ProbeAnswer {
        name,
        address,
        status,
        no_answer,
    }
}

#[async_trait]
impl Check for ProbeCheck {
    fn id(&self) -> CheckId {
        Self::ID
    }

    fn depends_on(&self) -> &[CheckId] {
        const DEPS: &[CheckId] = &[DnsCheck::ID];
        DEPS
    }

    fn stage(&self) -> Stage {
        Stage::FarmHealth
    }

    async fn run(&self, cx: &Context) -> Finding {
        let settings = cx.settings();
        let resolved = match crate::scope::farm(cx) {
            Ok(resolved) => resolved,
            Err(why) => return Finding::skipped(Self::ID, why),
        };
        // Plain HTTP to an address: no TLS, no name to resolve, no proxy, no redirects.
        let net = match Net::for_run(cx) {
            Ok(net) => net,
            Err(e) => return Finding::error(Self::ID, e.to_string()),
        };
        let port = settings.adfs_probe_port;
        let answers = join_all(
            farm_nodes(settings, resolved)
                .into_iter()
                .map(|(name, ip)| probe(&net, name, ip, port)),
        )
        .await;
        judge(answers, port)
    }
}

fn judge(answers: Vec<ProbeAnswer>, port: u16) -> Finding {
    let id = ProbeCheck::ID;
    let unhealthy: Vec<String> = answers
        .iter()
        .filter_map(|a| {
            a.status
                .filter(|s| *s != 200)
                .map(|s| format!("{} ({}) answers HTTP {s}", a.address.ip(), a.name))
        })
        .collect();
    let silent: Vec<String> = answers
        .iter()
        .filter(|a| a.status.is_none())
        .map(|a| a.address.ip().to_string())
        .collect();
    let finding = if !unhealthy.is_empty() {
        Finding::new(
            id,
            Status::Fail,
            format!(
                "/adfs/probe: {} of {} nodes unhealthy: {}",
                unhealthy.len(),
                answers.len(),
                unhealthy.join("; ")
            ),
        )
        .with_remediation(
            "A load balancer that uses /adfs/probe takes these nodes out of rotation: start the AD FS \
             service on them (Get-Service adfssrv) and check the AD FS admin log. Devices are not \
             affected by the probe itself; the contract step shows what devices landing there get.",
        )
    } else if !silent.is_empty() {
        Finding::warn(
            id,
            format!(
                "/adfs/probe does not answer on port {port} at {}: cannot tell from here whether AD FS runs there (port 80 is usually not published outside)",
                silent.join(", ")
            ),
        )
        .with_remediation(
            "Nothing to fix for devices. To check the probe, run this from where the load balancer \
             stands (inside), or give the probe's port with --adfs-probe-port.",
        )
    } else {
        Finding::pass(
            id,
            format!("/adfs/probe answers HTTP 200 on {} node(s)", answers.len()),
        )
    };
    let mut finding = finding;
    finding.evidence = answers.into_iter().map(Evidence::Probe).collect();
    finding
}
