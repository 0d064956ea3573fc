//! What a Windows 10/11 device uses after Microsoft Entra ID's tenant discovery: Microsoft's
//! sign-in hosts, the user realm, and for federated domains the on-premises federation service.

use std::net::SocketAddr;

use async_trait::async_trait;
use futures_util::future::join_all;
use wpj_core::{
    Check, CheckId, Client as WindowsClient, Context, Evidence, Finding, JoinFailure, Problem,
    ResolverView, Resolvers, ServiceKind, Settings, Stage, Status,
};
use wpj_net::{HttpsClient, Net};
use wpj_tls::verifying_config;

use crate::check::ContractCheck;
use crate::client::get;
use crate::inspection::{Inspection, through_proxy, warn_of_inspection};
use crate::trouble::{Trouble, troubled_finding};

/// Microsoft Entra ID's sign-in host.
pub const LOGIN_HOST: &str = "login.microsoftonline.com";
/// The host devices authenticate at with their device certificate.
pub const DEVICE_LOGIN_HOST: &str = "device.login.microsoftonline.com";
/// The WS-Trust metadata a hybrid join reads from a federated domain's federation service.
pub const MEX_PATH: &str = "/adfs/services/trust/mex";
/// The WS-Trust endpoint a hybrid join authenticates the computer at (inside the network).
pub const WINDOWS_TRANSPORT_PATH: &str = "/adfs/services/trust/13/windowstransport";

/// After Microsoft Entra ID's tenant discovery, what a Windows 10/11 device needs to sign in and
/// register (what `DSRegTool` and `Test-DeviceRegConnectivity` test, from any machine and every DNS
/// view):
///
/// - `login.microsoftonline.com` and `device.login.microsoftonline.com` resolve, accept a
///   connection and present a chain Windows accepts for their names, unrevoked (hard-fail, as
///   the revocation step judges it);
/// - the user realm (`/common/UserRealm/?user=<upn>&api-version=1.0`) knows the domain
///   (`Unknown` → `DSREG_USERREALM_DISCOVERY_FAILED` 0x801C003D) and says managed or federated;
/// - for a federated domain, the federation service the realm names resolves in every view, its
///   certificate is valid, its WS-Trust metadata (`/adfs/services/trust/mex`) answers, and the
///   endpoint hybrid join authenticates computers at (`/adfs/services/trust/13/windowstransport`)
///   answers from the inside (first) view.
///
/// A [`Stage::SignIn`] check; runs only for Microsoft Entra ID with the Windows 10/11 client.
#[derive(Debug, Clone, Default)]
pub struct EntraSignInCheck;

impl EntraSignInCheck {
    /// The check's id.
    pub const ID: CheckId = CheckId::new_static("entra-sign-in");
}

/// What the user realm says about the domain.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Realm {
    Managed,
    /// Federated, with the federation service's host.
    Federated(String),
}

#[async_trait]
impl Check for EntraSignInCheck {
    fn id(&self) -> CheckId {
        Self::ID
    }

    fn depends_on(&self) -> &[CheckId] {
        const DEPS: &[CheckId] = &[ContractCheck::ID];
        DEPS
    }

    fn stage(&self) -> Stage {
        Stage::SignIn
    }

    async fn run(&self, cx: &Context) -> Finding {
        let settings = cx.settings();
        if cx.service() != Some(ServiceKind::Entra) || settings.client != WindowsClient::Windows10 {
            return Finding::skipped(
                Self::ID,
                "not run: only Windows 10/11 devices registering with Microsoft Entra ID sign in at Microsoft",
            );
        }
        let mut seen = Vec::new();
        let mut problems: Vec<Trouble> = Vec::new();
        let mut warnings = Vec::new();
        let microsoft = [LOGIN_HOST, DEVICE_LOGIN_HOST];
        let hosts = join_all(microsoft.map(|h| host_chain(cx, h, None))).await;
        let mut direct_issuers = Vec::new();
        for result in hosts {
            match result {
                Ok((line, issuer)) => {
                    seen.push(line);
                    direct_issuers.push(issuer);
                }
                Err(p) => {
                    problems.push(p);
                    direct_issuers.push(None);
                }
            }
        }
        let inspecting = match Net::for_run(cx) {
            Ok(net) => inspections(&net, settings, &microsoft, &direct_issuers).await,
            Err(e) => {
                problems.push(e.into());
                Vec::new()
            }
        };
        let mut inspected = Vec::new();
        for inspection in inspecting {
            if inspection.trusted {
                inspected.push(inspection);
            } else {
                // What a device behind the proxy meets first, whatever else fails after it.
                problems.insert(0, Trouble::Device(inspection.problem()));
            }
        }
        let mut evidence = Vec::new();
        match user_realm(cx, &mut evidence).await {
            Err(p) => problems.push(p),
            Ok(Realm::Managed) => seen.push(format!(
                "the user realm says {} is managed (cloud sign-in)",
                settings.target.suffix()
            )),
            Ok(Realm::Federated(sts)) => {
                seen.push(format!(
                    "the user realm says {} is federated at {sts}",
                    settings.target.suffix()
                ));
                federation(
                    cx,
                    &sts,
                    &mut seen,
                    &mut problems,
                    &mut warnings,
                    &mut evidence,
                )
                .await;
            }
        }
        let finding = if let Some(failing) = troubled_finding(Self::ID, &problems) {
            failing
        } else if warnings.is_empty() {
            Finding::pass(Self::ID, seen.join("; "))
        } else {
            Finding::warn(
                Self::ID,
                format!("{}; but {}", seen.join("; "), warnings.join("; ")),
            )
            .with_remediation("Publish the federation service in every DNS view devices use.")
        };
        let mut finding = warn_of_inspection(finding, &inspected);
        finding.evidence.extend(evidence);
        if finding.status == Status::Fail {
            finding.remediation = Some(
                "Devices find Microsoft Entra ID, then fail to sign in (\"Can't connect to the service\", \
                 KB3045378): let them reach login.microsoftonline.com and device.login.microsoftonline.com \
                 (firewall, proxy; no TLS inspection of these hosts), verify the domain in the tenant, and \
                 for a federated domain publish its federation service with a valid certificate."
                    .to_owned(),
            );
        }
        finding
    }
}

/// The run's DNS view number `view` (`None` for the first, whose answers the run remembers, and
/// when the run uses the system's resolver).
fn view_of(settings: &Settings, view: usize) -> Option<ResolverView> {
    match &settings.resolvers {
        Resolvers::Views(views) if view > 0 => views.get(view).cloned(),
        _ => None,
    }
}

/// The names of the run's DNS views (`system` when it uses the system's resolver).
fn view_names(settings: &Settings) -> Vec<String> {
    match &settings.resolvers {
        Resolvers::Views(views) => views.iter().map(|v| v.name.clone()).collect(),
        Resolvers::System => vec!["system".to_owned()],
    }
}

/// Resolves `host` (in the first view, or in `view`), handshakes with it, judges its chain for
/// its name and checks the chain's revocation: `Ok` with one line and the CA at the top of the
/// chain it presents ([`crate::inspection::top_issuer`]), or the failure.
async fn host_chain(
    cx: &Context,
    host: &str,
    view: Option<usize>,
) -> Result<(String, Option<String>), Trouble> {
    let address = resolve(cx, host, view).await?;
    let node = wpj_tls::validate_host(address, host, cx).await?;
    let by = node.leaf.as_ref().map_or_else(String::new, |c| {
        format!(", certificate issued by {}", c.issuer)
    });
    let top = crate::inspection::top_issuer(&node.chain.served);
    Ok((format!("{host} ({address}) reachable{by}"), top))
}

/// For each of `hosts` the run's proxy carries, whether it re-signs it (compared with the issuer
/// the host presented directly, in the same order).
async fn inspections(
    net: &Net,
    settings: &Settings,
    hosts: &[&str],
    direct_issuers: &[Option<String>],
) -> Vec<Inspection> {
    let looks = hosts.iter().zip(direct_issuers).map(|(host, issuer)| {
        let url = settings.https_url(host, "/");
        async move { through_proxy(net, host, &url, issuer.as_deref()).await }
    });
    join_all(looks).await.into_iter().flatten().collect()
}

/// The first address of `host` in `view` (the run's first view when `None`), on the run's port.
async fn resolve(cx: &Context, host: &str, view: Option<usize>) -> Result<SocketAddr, Trouble> {
    let settings = cx.settings();
    let net = Net::for_run(cx)?;
    let resolver = match view.and_then(|v| view_of(settings, v)) {
        None => net.resolver().clone(),
        Some(v) => net.resolver_in(&v),
    };
    let ips = resolver.lookup(host).await.map_err(|lookup| {
        Problem::new(
            JoinFailure::NameNotResolved,
            format!("{host} does not resolve ({})", lookup.outcome),
        )
    })?;
    Ok(SocketAddr::new(ips[0], settings.port))
}

/// A verifying HTTP client for `host` at `address` (resolved through the run's DNS when `None`).
fn client_for(
    cx: &Context,
    host: &str,
    address: Option<SocketAddr>,
) -> Result<HttpsClient, Trouble> {
    let net = Net::for_run(cx)?;
    Ok(net
        .https(verifying_config(net.trust(), &[]))
        .pinned(host, address.as_slice())
        .build()?)
}

/// Asks the user realm about the target's domain.
async fn user_realm(cx: &Context, evidence: &mut Vec<Evidence>) -> Result<Realm, Trouble> {
    let settings = cx.settings();
    let upn = if settings.target.input().contains('@') && !settings.target.input().contains("://") {
        settings.target.input().to_owned()
    } else {
        format!("user@{}", settings.target.suffix())
    };
    let url = settings.https_url(
        LOGIN_HOST,
        &format!("/common/UserRealm/?user={upn}&api-version=1.0"),
    );
    let client = client_for(cx, LOGIN_HOST, None)?;
    let (exchange, result) = get(&client, &url, Some("application/json")).await;
    evidence.push(Evidence::Http(exchange));
    let response = result.map_err(|e| Trouble::of_request(&e, &url))?;
    let realm_failed = |why: String| {
        Trouble::Device(Problem::new(
            JoinFailure::DsregUserRealmDiscoveryFailed,
            format!("user realm discovery for {upn}: {why}"),
        ))
    };
    if response.status != 200 {
        return Err(realm_failed(format!("HTTP {}", response.status)));
    }
    let doc: serde_json::Value = serde_json::from_slice(&response.body)
        .map_err(|e| realm_failed(format!("the answer is not JSON ({e})")))?;
    match doc.get("NameSpaceType").and_then(|v| v.as_str()) {
        Some("Managed") => Ok(Realm::Managed),
        Some("Federated") => doc
            .get("AuthURL")
            .and_then(|v| v.as_str())
            .and_then(wpj_net::host_of)
            .map(Realm::Federated)
            .ok_or_else(|| realm_failed("federated, but no usable AuthURL".to_owned())),
        other => Err(realm_failed(format!(
            "{} is not a domain Microsoft Entra ID knows (NameSpaceType {}): verify it in the tenant",
            settings.target.suffix(),
            other.unwrap_or("missing")
        ))),
    }
}

/// The federated domain's federation service, as hybrid join uses it.
async fn federation(
    cx: &Context,
    sts: &str,
    seen: &mut Vec<String>,
    problems: &mut Vec<Trouble>,
    warnings: &mut Vec<String>,
    evidence: &mut Vec<Evidence>,
) {
    let settings = cx.settings();
    let views = view_names(settings);
    let mut resolved = Vec::new();
    for (i, name) in views.iter().enumerate() {
        match resolve(cx, sts, Some(i)).await {
            Ok(address) => resolved.push((i, name, address)),
            Err(own @ Trouble::Own(_)) => {
                problems.push(own);
                return;
            }
            Err(p) => warnings.push(format!("in the {name} view {p}")),
        }
    }
    if resolved.is_empty() {
        problems.push(Trouble::Device(Problem::new(
            JoinFailure::NameNotResolved,
            format!("the federation service {sts} does not resolve in any view"),
        )));
        return;
    }
    match host_chain(cx, sts, Some(resolved[0].0)).await {
        Ok((line, _)) => seen.push(line),
        Err(p) => {
            problems.push(p);
            return;
        }
    }
    for (i, view, address) in &resolved {
        let mut paths = vec![MEX_PATH];
        // Computers authenticate at windowstransport from the inside only.
        if *i == 0 {
            paths.push(WINDOWS_TRANSPORT_PATH);
        }
        let client = match client_for(cx, sts, Some(*address)) {
            Ok(c) => c,
            Err(p) => {
                problems.push(p);
                return;
            }
        };
        for path in paths {
            let url = settings.https_url(sts, path);
            let (exchange, result) = get(&client, &url, None).await;
            evidence.push(Evidence::Http(exchange));
            match result {
                Err(e) => problems.push(Trouble::of_request(&e, &url)),
                Ok(r) if path == MEX_PATH && r.status != 200 => problems.push(Trouble::Device(Problem::new(
                    JoinFailure::HttpError,
                    format!("{url} answers HTTP {} in the {view} view: hybrid join reads the WS-Trust metadata there", r.status),
                ))),
                Ok(r) if r.status >= 500 || r.status == 404 => problems.push(Trouble::Device(Problem::new(
                    JoinFailure::HttpError,
                    format!("{url} answers HTTP {} in the {view} view: computers authenticate there for hybrid join", r.status),
                ))),
                Ok(r) => seen.push(format!("{url} answers HTTP {} in the {view} view", r.status)),
            }
        }
    }
}
