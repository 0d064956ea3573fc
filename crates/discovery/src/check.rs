//! The contract check: `GET /EnrollmentServer/contract` as the device sends it, judged as Windows would.

use async_trait::async_trait;
use rustls_pki_types::CertificateDer;
use wpj_core::{
    Check, CheckId, Context, DiscoveryDocument, Evidence, Finding, HttpExchange, JoinFailure, Mode,
    ResolvedAddresses, ServiceKind, Status, Target,
};
use wpj_dns::HostResolver;
use wpj_tls::{
    CapturedChain, Reachable, TlsCheck, TrustStore, client_config, inspection_config,
    verifying_config,
};

use crate::client::{BODY_CAP, Client, RequestError, Response, proxy_setting};
use crate::document::{Judgement, Parsed, judge, parse};

/// More redirects than this is a failure (0x80072F7C), as for WinHTTP's default policy.
pub const MAX_REDIRECTS: usize = 5;

/// GETs `https://EnterpriseRegistration.<suffix>/EnrollmentServer/contract?api-version=…` over the
/// addresses DNS found and the trust the TLS step used, and judges the answer:
///
/// - 404 → event 103 (KB3045386); 503 → event 103 (KB3045388); other error statuses → event 103 with
///   the status ([`JoinFailure::HttpError`]).
/// - Redirects are followed by hand and recorded: same host is followed; another host is what
///   Windows 8.1 refuses (0x8018000B); a loop or more than [`MAX_REDIRECTS`] → 0x80072F7C.
/// - 200 with something that is not a discovery document (a proxy's or captive portal's HTML page,
///   an oversized body) → 0x8007000D with an excerpt; a document missing required MS-DVRD members or
///   with non-https endpoints → 0x8007000D; odd hosts or versions → `Warn`.
/// - A body that does not arrive within [`Settings::network_timeout`](wpj_core::Settings) → 0x80072EE2.
///
/// When the TLS step failed but captured a chain, the request still goes out over an inspection
/// connection so that the report shows what comes next ("revoked, *and* behind it a 404"); the
/// verdict stays the earlier failure, which comes first in the plan. Never sends credentials or
/// cookies; honours an explicit proxy or `HTTPS_PROXY`.
#[derive(Debug, Clone, Default)]
pub struct ContractCheck;

impl ContractCheck {
    /// The check's id.
    pub const ID: CheckId = CheckId::new_static("contract");
}

/// The discovery documents the contract step read, for later checks (the AD FS checks find the
/// federation service name in them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Documents(pub Vec<DiscoveryDocument>);

/// What one node answers to the contract request (the first api-version, JSON): the document, or
/// the failure a device landing on that node would get. `Err` when the request cannot be set up.
pub async fn node_contract(
    address: std::net::SocketAddr,
    cx: &Context,
    tls: rustls::ClientConfig,
    inspection: bool,
) -> Result<Result<DiscoveryDocument, (JoinFailure, String)>, String> {
    let settings = cx.settings();
    let target = &settings.target;
    let client = Client::new(
        tls,
        inspection,
        &target.registration_name(),
        &[address],
        HostResolver::for_run(cx)?,
        proxy_setting(settings.proxy.as_deref()).as_deref(),
        settings.network_timeout,
    )?;
    let version = settings.api_versions.first().map_or("1.0", String::as_str);
    let url = settings.contract_url(version);
    let outcome = walk(
        &client,
        url,
        Some("application/json"),
        version,
        target,
        None,
    )
    .await;
    Ok(outcome.result.map(|(doc, _)| doc))
}

/// How one request chain ended.
struct Outcome {
    /// The node asked, when there are several.
    node: Option<std::net::SocketAddr>,
    api_version: String,
    accept: Option<&'static str>,
    exchanges: Vec<HttpExchange>,
    redirects: usize,
    result: Result<(DiscoveryDocument, Judgement), (JoinFailure, String)>,
}

#[async_trait]
impl Check for ContractCheck {
    fn id(&self) -> CheckId {
        Self::ID
    }

    fn depends_on(&self) -> &[CheckId] {
        const DEPS: &[CheckId] = &[TlsCheck::ID];
        DEPS
    }

    fn runs_after_failure(&self) -> bool {
        true
    }

    async fn run(&self, cx: &Context) -> Finding {
        let Some(Reachable(addresses)) = cx.output::<Reachable>() else {
            return Finding::skipped(Self::ID, "not run: no address accepted a connection");
        };
        let tls_ok = cx
            .dependency(TlsCheck::ID.as_str())
            .is_some_and(|f| matches!(f.status, Status::Pass | Status::Warn));
        if !tls_ok && cx.output::<CapturedChain>().is_none() {
            return Finding::skipped(Self::ID, "not run: the TLS handshake did not complete");
        }
        let settings = cx.settings();
        let target = &settings.target;
        let service = cx
            .output::<ResolvedAddresses>()
            .map(|r| r.service)
            .or(match settings.mode {
                Mode::Entra => Some(ServiceKind::Entra),
                Mode::Onprem => Some(ServiceKind::Adfs),
                Mode::Auto => None,
            });
        let setup = TrustStore::load(&settings.trust).and_then(|store| {
            let resolver = HostResolver::for_run(cx)?;
            let proxy = proxy_setting(settings.proxy.as_deref());
            let tls = match (tls_ok, cx.output::<CapturedChain>()) {
                // Verify as Windows does, with the intermediates it had (AIA included).
                (true, Some(chain)) => verifying_config(&store, &intermediates(chain)),
                (true, None) => client_config(&store),
                (false, _) => inspection_config(),
            };
            // One client per node: a device may land on any of them.
            let nodes = addresses
                .iter()
                .map(|address| {
                    Client::new(
                        tls.clone(),
                        !tls_ok,
                        &target.registration_name(),
                        std::slice::from_ref(address),
                        resolver.clone(),
                        proxy.as_deref(),
                        settings.network_timeout,
                    )
                })
                .collect::<Result<Vec<_>, _>>()?;
            let cloud = Client::new(
                client_config(&store),
                false,
                "enterpriseregistration.windows.net",
                &[],
                resolver,
                proxy.as_deref(),
                settings.network_timeout,
            )?;
            Ok((nodes, cloud))
        });
        let (nodes, cloud) = match setup {
            Ok(clients) => clients,
            Err(e) => return Finding::error(Self::ID, e),
        };
        let accepts: &[Option<&'static str>] = if settings.check_xml {
            &[Some("application/json"), None]
        } else {
            &[Some("application/json")]
        };
        let mut requests = Vec::new();
        for (node, address) in nodes.iter().zip(addresses) {
            for version in &settings.api_versions {
                for accept in accepts {
                    let url = settings.contract_url(version);
                    let on = (addresses.len() > 1).then_some(*address);
                    requests.push(async move {
                        let mut outcome = walk(node, url, *accept, version, target, service).await;
                        outcome.node = on;
                        outcome
                    });
                }
            }
        }
        let outcomes = futures_util::future::join_all(requests).await;
        let cloud_note = if service == Some(ServiceKind::Entra) {
            let url = settings.https_url(
                "enterpriseregistration.windows.net",
                &format!(
                    "/{}/enrollmentserver/contract?api-version=1.0",
                    target.suffix()
                ),
            );
            Some(
                walk(
                    &cloud,
                    url,
                    Some("application/json"),
                    "1.0",
                    target,
                    service,
                )
                .await,
            )
        } else {
            None
        };
        compose(&outcomes, cloud_note, tls_ok, target)
    }
}

/// The intermediates of the chain the TLS step built (or, without a path, those the server sent).
fn intermediates(chain: &CapturedChain) -> Vec<CertificateDer<'static>> {
    match &chain.path {
        Some(path) if path.len() > 2 => path[1..path.len() - 1].to_vec(),
        Some(_) => Vec::new(),
        None => chain.served.iter().skip(1).cloned().collect(),
    }
}

fn host_of(url: &str) -> Option<String> {
    reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
}

/// Follows one request through its redirects to a judged answer.
async fn walk(
    client: &Client,
    start: String,
    accept: Option<&'static str>,
    api_version: &str,
    target: &Target,
    service: Option<ServiceKind>,
) -> Outcome {
    let mut out = Outcome {
        node: None,
        api_version: api_version.to_owned(),
        accept,
        exchanges: Vec::new(),
        redirects: 0,
        result: Err((JoinFailure::UnknownError, String::new())),
    };
    let start_host = host_of(&start);
    let mut seen = vec![start.clone()];
    let mut url = start;
    loop {
        let (exchange, result) = client.get(&url, accept).await;
        out.exchanges.push(exchange);
        let response = match result {
            Ok(r) => r,
            Err(e) => {
                out.result = Err(request_failure(&e, &url));
                return out;
            }
        };
        if (300..400).contains(&response.status) {
            match next_hop(&url, &response, start_host.as_deref(), &seen) {
                Ok(next) => {
                    out.redirects += 1;
                    seen.push(next.clone());
                    url = next;
                    continue;
                }
                Err(failure) => {
                    out.result = Err(failure);
                    return out;
                }
            }
        }
        out.result = answer(&url, &response, api_version, target, service);
        return out;
    }
}

fn next_hop(
    url: &str,
    response: &Response,
    start_host: Option<&str>,
    seen: &[String],
) -> Result<String, (JoinFailure, String)> {
    let status = response.status;
    let Some(location) = &response.location else {
        return Err((
            JoinFailure::InvalidServerResponse,
            format!("HTTP {status} from {url} without a Location header"),
        ));
    };
    let next = reqwest::Url::parse(url)
        .and_then(|base| base.join(location))
        .map_err(|_| {
            (
                JoinFailure::InvalidServerResponse,
                format!("HTTP {status} from {url} with an unusable Location {location:?}"),
            )
        })?
        .to_string();
    if host_of(&next).as_deref() != start_host {
        return Err((
            JoinFailure::DsregDiscoveryRedirectionNotTrusted,
            format!(
                "{url} redirects (HTTP {status}) to {next}, another host: Windows 8.1 refuses redirects outside its well-known list"
            ),
        ));
    }
    if seen.contains(&next) {
        let mut chain: Vec<&str> = seen.iter().map(String::as_str).collect();
        chain.push(&next);
        return Err((
            JoinFailure::RedirectFailed,
            format!("the contract redirects in a loop: {}", chain.join(" → ")),
        ));
    }
    if seen.len() > MAX_REDIRECTS {
        return Err((
            JoinFailure::RedirectFailed,
            format!(
                "more than {MAX_REDIRECTS} redirects, starting at {}",
                seen[0]
            ),
        ));
    }
    Ok(next)
}

fn request_failure(e: &RequestError, url: &str) -> (JoinFailure, String) {
    match e {
        RequestError::TimedOut => (
            JoinFailure::Timeout,
            format!("no complete answer from {url} in time (the server stalls or drips its body)"),
        ),
        RequestError::TooLarge(announced) => (
            JoinFailure::InvalidData,
            format!(
                "the answer from {url} is larger than {BODY_CAP} bytes{}: not a discovery document",
                announced.map_or_else(String::new, |n| format!(" ({n} bytes announced)"))
            ),
        ),
        RequestError::Dns(why) => (JoinFailure::NameNotResolved, why.clone()),
        RequestError::Connect(why) => (JoinFailure::CannotConnect, format!("{url}: {why}")),
        RequestError::Tls(why) => (
            JoinFailure::SecureFailure,
            format!("the TLS connection for {url} failed: {why}"),
        ),
        RequestError::Other(why) => (
            JoinFailure::InvalidServerResponse,
            format!("{url} did not give a usable HTTP answer: {why}"),
        ),
    }
}

fn answer(
    url: &str,
    response: &Response,
    api_version: &str,
    target: &Target,
    service: Option<ServiceKind>,
) -> Result<(DiscoveryDocument, Judgement), (JoinFailure, String)> {
    let status = response.status;
    if let Some(failure) = JoinFailure::from_http_status(status) {
        return Err((failure, format!("HTTP {status} from {url}")));
    }
    if status != 200 {
        return Err((
            JoinFailure::InvalidData,
            format!("HTTP {status} from {url}, without a discovery document"),
        ));
    }
    let excerpt = || {
        let text =
            String::from_utf8_lossy(&response.body[..response.body.len().min(120)]).into_owned();
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    match parse(
        &response.body,
        response.content_type.as_deref(),
        api_version,
    ) {
        Parsed::NotADocument(why) => Err((
            JoinFailure::InvalidData,
            format!(
                "HTTP 200 from {url}, but {why}; it starts with: {}",
                excerpt()
            ),
        )),
        Parsed::Document(doc) => {
            let judgement = judge(&doc, target, service);
            if judgement.failures.is_empty() {
                Ok((doc, judgement))
            } else {
                Err((
                    JoinFailure::InvalidData,
                    format!(
                        "the discovery document from {url} is not usable: {}",
                        judgement.failures.join("; ")
                    ),
                ))
            }
        }
    }
}

fn label(o: &Outcome) -> String {
    let on = o.node.map_or_else(String::new, |n| format!("on {n}, "));
    match o.accept {
        Some(_) => format!("{on}api-version {}", o.api_version),
        None => format!("{on}api-version {} without Accept (XML)", o.api_version),
    }
}

fn compose(outcomes: &[Outcome], cloud: Option<Outcome>, tls_ok: bool, target: &Target) -> Finding {
    let id = ContractCheck::ID;
    let prefix = if tls_ok {
        ""
    } else {
        "behind the certificate failure: "
    };
    let mut finding = if let Some((o, (failure, detail))) = outcomes
        .iter()
        .find_map(|o| o.result.as_ref().err().map(|e| (o, e)))
    {
        Finding::fail(id, *failure, format!("{prefix}{}: {detail}", label(o)))
    } else {
        let mut parts = Vec::new();
        let mut warnings = Vec::new();
        for o in outcomes {
            if let Ok((doc, judgement)) = &o.result {
                let registration = doc
                    .get("DeviceRegistrationService.RegistrationEndpoint")
                    .unwrap_or_default();
                let hops = match o.redirects {
                    0 => String::new(),
                    1 => " after 1 redirect".to_owned(),
                    n => format!(" after {n} redirects"),
                };
                parts.push(format!(
                    "{}: discovery document ({}){hops}, registration at {registration}",
                    label(o),
                    doc.format
                ));
                warnings.extend(judgement.warnings.iter().cloned());
            }
        }
        let summary = format!("{prefix}{}", parts.join("; "));
        if warnings.is_empty() {
            Finding::pass(id, summary)
        } else {
            Finding::warn(id, format!("{summary}; but {}", warnings.join("; ")))
                .with_remediation("Correct the device registration service's configuration so that its discovery document names the federation service's own https endpoints.")
        }
    };
    if !tls_ok {
        finding = finding.with_evidence(Evidence::note(
            "fetched over an inspection connection because the certificate is not trusted: this is what a device would get once the certificate problem is fixed",
        ));
    }
    let mut documents = Vec::new();
    for o in outcomes {
        finding
            .evidence
            .extend(o.exchanges.iter().cloned().map(Evidence::Http));
        if let Ok((doc, _)) = &o.result {
            finding.evidence.push(Evidence::Document(doc.clone()));
            documents.push(doc.clone());
        }
    }
    finding = finding.with_output(Documents(documents));
    if let Some(cloud) = cloud {
        let said = match &cloud.result {
            Ok(_) => format!(
                "Microsoft Entra ID's own discovery endpoint answers for {} with a document",
                target.suffix()
            ),
            Err((_, detail)) => format!(
                "Microsoft Entra ID's own discovery endpoint for {}: {detail}",
                target.suffix()
            ),
        };
        finding.summary = format!("{}; {said}", finding.summary);
        finding
            .evidence
            .extend(cloud.exchanges.into_iter().map(Evidence::Http));
    }
    finding
}
