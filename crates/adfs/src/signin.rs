//! The sign-in step: the hosts the discovery document sends the device to once the user signs in.

use std::net::SocketAddr;

use async_trait::async_trait;
use wpj_core::{Check, CheckId, Context, Evidence, Finding, JoinFailure, Problem, Stage, Status};
use wpj_discovery::{ContractCheck, Trouble, troubled_finding};
use wpj_net::{Net, Url, host_of};
use wpj_tls::verifying_config;

use crate::federation::known_intermediates;

/// Checks what a device uses after the user typed credentials: every host the discovery document's
/// endpoints name (the federation service for AD FS) resolves through the run's DNS, accepts a
/// connection on its port, presents a certificate Windows accepts for that name (judged as the TLS
/// step judges the registration name: name, dates, usage, path with AIA, revocation) and answers
/// the passive sign-in endpoint without a server error.
///
/// A [`Stage::SignIn`] check: a failure here is what the user sees as "Can't connect to the
/// service" (KB3045378), and becomes the verdict only when discovery itself gets through.
/// Endpoints on several hosts, or outside the federation service, are a `Warn`. The chain's
/// revocation is checked hard-fail, as for the registration name ([`wpj_tls::validate_host`];
/// a revocation check this tool could not finish, like a request its byte budget stopped, makes
/// the check an `Error`, never a verdict); what needs credentials is not. Skipped for Microsoft
/// Entra ID (its sign-in hosts are Microsoft's).
#[derive(Debug, Clone, Default)]
pub struct SignInCheck;

impl SignInCheck {
    /// The check's id.
    pub const ID: CheckId = CheckId::new_static("adfs-sign-in");
}

/// One host the document names, and the first endpoint URL on it (the passive one when it is there).
fn hosts(doc: &wpj_core::DiscoveryDocument) -> Vec<(String, String)> {
    let passive = doc.get("IdentityProviderService.PassiveAuthEndpoint");
    let mut urls: Vec<&str> = passive.into_iter().collect();
    urls.extend(
        doc.members
            .iter()
            .filter(|(p, v)| p.ends_with("Endpoint") && v != "null")
            .map(|(_, v)| v.as_str()),
    );
    let mut out: Vec<(String, String)> = Vec::new();
    for url in urls {
        if let Some(h) = host_of(url).filter(|h| !out.iter().any(|(known, _)| known == h)) {
            out.push((h, url.to_owned()));
        }
    }
    out
}

/// What one sign-in host does for a device: `Ok(summary)`, the failure and why, or the tool's own
/// trouble.
async fn examine(cx: &Context, name: &str, url: &str) -> Result<String, Trouble> {
    let settings = cx.settings();
    let net = Net::for_run(cx)?;
    let ips = net.resolver().lookup(name).await.map_err(|lookup| {
        Problem::new(
            JoinFailure::NameNotResolved,
            format!(
                "{name} does not resolve ({}): the device cannot reach the sign-in page",
                lookup.outcome
            ),
        )
    })?;
    // An endpoint without a port is on the service's port (443 on devices; the run's port setting
    // stands for it, as for every https URL the run builds).
    let mut url = Url::parse(url)
        .map_err(|e| Problem::new(JoinFailure::InvalidData, format!("{url:?}: {e}")))?;
    if url.port().is_none() && settings.port != 443 {
        let _ = url.set_port(Some(settings.port));
    }
    let port = url.port().unwrap_or(443);
    let address = SocketAddr::new(ips[0], port);
    let node = wpj_tls::validate_host(address, name, cx).await?;
    let mut intermediates = known_intermediates(cx);
    intermediates.extend(node.chain.intermediates());
    let client = net
        .https(verifying_config(net.trust(), &intermediates))
        .build()?;
    let reply = client.get_status(url.as_str()).await;
    let status = match (&reply.error, reply.status) {
        (None, Some(status)) => status,
        (Some(e), _) if e.is_own_limit() => return Err(Trouble::Own(format!("{url}: {e}"))),
        (Some(e), _) => return Err(Problem::new(e.failure(), format!("{url}: {e}")).into()),
        (None, None) => {
            return Err(Problem::new(
                JoinFailure::InvalidServerResponse,
                format!("{url}: no answer"),
            )
            .into());
        }
    };
    if status >= 500 {
        return Err(Problem::new(
            JoinFailure::HttpError,
            format!(
                "{url} answers HTTP {status}: the federation service does not run behind this name \
                 (on the proxy: the AD FS service or its publication)"
            ),
        )
        .into());
    }
    let expiry = node.leaf.map_or_else(String::new, |c| {
        format!(", valid until {}", c.not_after.date())
    });
    Ok(format!(
        "{name} ({address}): certificate accepted{expiry}, {url} answers HTTP {status}"
    ))
}

#[async_trait]
impl Check for SignInCheck {
    fn id(&self) -> CheckId {
        Self::ID
    }

    fn depends_on(&self) -> &[CheckId] {
        const DEPS: &[CheckId] = &[ContractCheck::ID];
        DEPS
    }

    /// One node answering with a document is enough to know where devices sign in.
    fn runs_after_failure(&self) -> bool {
        true
    }

    fn stage(&self) -> Stage {
        Stage::SignIn
    }

    async fn run(&self, cx: &Context) -> Finding {
        let doc = match crate::scope::document(cx) {
            Ok(doc) => doc,
            Err(why) => return Finding::skipped(Self::ID, why),
        };
        let hosts = hosts(doc);
        if hosts.is_empty() {
            return Finding::skipped(Self::ID, "not run: the discovery document names no host");
        }
        let results =
            futures_util::future::join_all(hosts.iter().map(|(name, url)| examine(cx, name, url)))
                .await;
        let mut passed = Vec::new();
        let mut failed = Vec::new();
        for result in results {
            match result {
                Ok(line) => passed.push(line),
                Err(problem) => failed.push(problem),
            }
        }
        let finding = if let Some(failing) = troubled_finding(Self::ID, &failed) {
            failing
        } else if hosts.len() > 1 {
            let names: Vec<&str> = hosts.iter().map(|(h, _)| h.as_str()).collect();
            Finding::warn(
                Self::ID,
                format!(
                    "{}; but the endpoints name several hosts ({}): AD FS names one federation service",
                    passed.join("; "),
                    names.join(", ")
                ),
            )
            .with_remediation("Check the device registration service's configuration: every endpoint should be on the federation service's own name.")
        } else {
            Finding::pass(Self::ID, passed.join("; "))
        };
        let status = finding.status;
        let finding = finding.with_evidence(Evidence::note(
            "not visible from outside (needs credentials or the proxy's own view): whether the proxy \
             resolves the federation service name to the farm, and the sign-in itself (KB3045378)",
        ));
        if status == Status::Fail {
            finding.with_remediation(
                "Devices find the service, then fail after the user signs in (\"Can't connect to the \
                 service\", KB3045378): publish the federation service name in the DNS the devices \
                 use, allow 443 to it, install a certificate Windows accepts for it on AD FS and the \
                 proxy, and make sure the AD FS service runs behind the proxy.",
            )
        } else {
            finding
        }
    }
}
