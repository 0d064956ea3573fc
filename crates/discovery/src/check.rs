//! The contract check: `GET /EnrollmentServer/contract` as the device sends it, judged as Windows would.

use std::fmt::Write as _;

use async_trait::async_trait;
use wpj_core::{
    Check, CheckId, Context, DiscoveryDocument, ENTRA_REGISTRATION_HOST, Evidence, Finding,
    HttpExchange, JoinFailure, Problem, ServiceKind, Status, Target,
};
use wpj_net::{HttpsClient, Net, NetError, host_of};
use wpj_tls::{
    CapturedChain, LegacyHandshake, Reachable, TlsCheck, inspection_config, verifying_config,
};

use crate::client::{Response, get, request_problem};
use crate::clock::{self, CLOCK_SKEW_TOLERANCE};
use crate::document::{Judgement, Parsed, judge, parse};
use crate::inspection::{INSPECTION_REMEDIATION, through_proxy, top_issuer, warn_of_inspection};
use crate::service_error::{ServiceError, retry_after};

/// More redirects than this is a failure (0x80072F7C), as for WinHTTP's default policy.
pub const MAX_REDIRECTS: usize = 5;

/// GETs `https://EnterpriseRegistration.<suffix>/EnrollmentServer/contract?api-version=…` over the
/// addresses DNS found and the trust the TLS step used, and judges the answer:
///
/// - 404 → event 103 (KB3045386); 503 → event 103 (KB3045388); other error statuses → event 103 with
///   the status ([`JoinFailure::HttpError`]).
/// - Redirects are followed by hand and recorded, as WinHTTP follows them: to another host too (a
///   `Warn`: whether the registration client trusts it is not documented); HTTPS → HTTP is refused
///   as WinHTTP's default policy refuses it ([`JoinFailure::InsecureRedirect`]); a loop or more
///   than [`MAX_REDIRECTS`] → 0x80072F7C.
/// - Microsoft Entra ID (DNS leads to `enterpriseregistration.windows.net`, or the mode says so):
///   the verdict comes from Microsoft's tenant discovery as Windows 10+ calls it,
///   `https://enterpriseregistration.windows.net/<domain>/discover?api-version=1.7` with the dsreg
///   headers (503 → `DSREG_SERVER_BUSY`, 400/404 → `DSREG_TENANT_NOT_FOUND`, inferred; 429 an
///   HTTP error, its DSREG code unconfirmed; the service's JSON error code and `Retry-After`
///   shown, never retried); the 1.0 contract under `/<domain>/` is kept as evidence.
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
/// the problem a device landing on that node would have.
///
/// # Errors
/// When the run's network layer cannot be set up or refuses `tls`.
pub async fn node_contract(
    address: std::net::SocketAddr,
    cx: &Context,
    tls: rustls::ClientConfig,
    inspection: bool,
) -> Result<Result<DiscoveryDocument, Problem>, NetError> {
    let settings = cx.settings();
    let target = &settings.target;
    let client = Net::for_run(cx)?
        .https(tls)
        .pinned(&target.registration_name(), &[address])
        .inspection(inspection)
        .build()?;
    let versions = settings.requested_api_versions();
    let version = versions.first().map_or("1.0", String::as_str);
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
    /// The first host other than the requested one that a redirect led to.
    other_host: Option<String>,
    result: Result<(DiscoveryDocument, Judgement), Problem>,
    /// Why the request was not made or not read, when this tool's own limits stopped it (the run's
    /// byte budget): no device meets that, so it is never a verdict.
    own_limit: Option<String>,
    /// The last answer, when it was an error status (its body and `Retry-After` say why).
    refusal: Option<Response>,
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
        if let Some(legacy) = cx.output::<LegacyHandshake>() {
            // Windows connects; rustls, which every request of this tool goes through, cannot.
            return Finding::error(
                Self::ID,
                format!(
                    "cannot request the contract: a Windows 10 device connects to {} with {legacy}, \
                     which this tool's TLS library cannot negotiate ({}); the contract is not checked",
                    legacy.address, legacy.rustls_error
                ),
            );
        }
        let tls_ok = cx
            .dependency(TlsCheck::ID.as_str())
            .is_some_and(|f| matches!(f.status, Status::Pass | Status::Warn));
        if !tls_ok && cx.output::<CapturedChain>().is_none() {
            return Finding::skipped(Self::ID, "not run: the TLS handshake did not complete");
        }
        let settings = cx.settings();
        let target = &settings.target;
        let service = cx.service();
        let setup = Net::for_run(cx).and_then(|net| {
            let tls = match (tls_ok, cx.output::<CapturedChain>()) {
                // Verify as Windows does, with the intermediates it had (AIA included).
                (true, Some(chain)) => verifying_config(net.trust(), &chain.intermediates()),
                (true, None) => net.trust().client_config(),
                (false, _) => inspection_config(),
            };
            if service == Some(ServiceKind::Entra) && settings.client == wpj_core::Client::Windows10
            {
                // Windows 10+ asks Microsoft's endpoint by its own name, resolved as the device does.
                let cloud = net
                    .https(tls)
                    .inspection(!tls_ok)
                    .headers(DSREG_HEADERS)
                    .build()?;
                return Ok(Clients::Entra(Box::new(cloud)));
            }
            // One client per node: a device may land on any of them.
            addresses
                .iter()
                .map(|address| {
                    net.https(tls.clone())
                        .pinned(&target.registration_name(), std::slice::from_ref(address))
                        .inspection(!tls_ok)
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Clients::Nodes)
        });
        let nodes = match setup {
            Ok(Clients::Nodes(nodes)) => nodes,
            Ok(Clients::Entra(cloud)) => return entra(&cloud, cx, tls_ok).await,
            Err(e) => return Finding::error(Self::ID, e.to_string()),
        };
        let accepts: &[Option<&'static str>] = if settings.check_xml {
            &[Some("application/json"), None]
        } else {
            &[Some("application/json")]
        };
        let versions = settings.requested_api_versions();
        let mut requests = Vec::new();
        for (node, address) in nodes.iter().zip(addresses) {
            for version in &versions {
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
        compose(&outcomes, tls_ok)
    }
}

/// The clients one run of the contract step uses.
enum Clients {
    /// One per node behind `enterpriseregistration.<suffix>` (AD FS).
    Nodes(Vec<HttpsClient>),
    /// Microsoft's endpoint (Entra ID).
    Entra(Box<HttpsClient>),
}

/// The headers Windows 10 and later send to Microsoft Entra ID's tenant discovery.
const DSREG_HEADERS: &[(&str, &str)] = &[
    ("ocp-adrs-client-name", "dsreg"),
    ("ocp-adrs-client-version", "10"),
];

/// The api-version of Entra ID's tenant discovery as Windows 10 and later call it.
pub const ENTRA_DISCOVER_API_VERSION: &str = "1.7";

/// Microsoft Entra ID: the verdict comes from Microsoft's tenant discovery as a Windows 10+ device
/// calls it; the 1.0 contract under `/<domain>/` (what older clients use) is supporting evidence.
async fn entra(cloud: &HttpsClient, cx: &Context, tls_ok: bool) -> Finding {
    let settings = cx.settings();
    let target = &settings.target;
    let service = Some(ServiceKind::Entra);
    let discover_url = settings.https_url(
        ENTRA_REGISTRATION_HOST,
        &format!(
            "/{}/discover?api-version={ENTRA_DISCOVER_API_VERSION}",
            target.suffix()
        ),
    );
    let contract_url = settings.https_url(
        ENTRA_REGISTRATION_HOST,
        &format!(
            "/{}/enrollmentserver/contract?api-version=1.0",
            target.suffix()
        ),
    );
    let (mut discover, contract) = tokio::join!(
        walk(
            cloud,
            discover_url.clone(),
            Some("application/json"),
            ENTRA_DISCOVER_API_VERSION,
            target,
            service,
        ),
        walk(
            cloud,
            contract_url,
            Some("application/json"),
            "1.0",
            target,
            service,
        )
    );
    let error_status = discover
        .exchanges
        .last()
        .and_then(|e| e.status)
        .filter(|s| *s >= 400);
    if let (Err(problem), Some(status)) = (&mut discover.result, error_status) {
        problem.failure = entra_error(status);
        let _ = write!(
            problem.detail,
            ": Microsoft's tenant discovery does not answer for {} ({})",
            target.suffix(),
            problem.failure.code()
        );
        if let Some(refusal) = &discover.refusal {
            problem.detail.push_str(&refused(refusal));
        }
    }
    // Through a proxy: is it re-signing Microsoft's endpoint (compared with what the TLS step
    // saw directly)?
    let mut inspected = Vec::new();
    if tls_ok {
        let direct = cx
            .output::<CapturedChain>()
            .and_then(|chain| top_issuer(&chain.served));
        let net = Net::for_run(cx).ok();
        let seen = match &net {
            Some(net) => {
                through_proxy(
                    net,
                    ENTRA_REGISTRATION_HOST,
                    &discover_url,
                    direct.as_deref(),
                )
                .await
            }
            None => None,
        };
        match seen {
            Some(seen) if !seen.trusted => discover.result = Err(seen.problem()),
            Some(seen) => inspected.push(seen),
            None => {}
        }
    }
    let throttled = error_status.is_some_and(|s| s == 429 || s == 503);
    let mut finding =
        warn_of_inspection(compose(std::slice::from_ref(&discover), tls_ok), &inspected);
    if finding.status == Status::Fail
        && discover
            .result
            .as_ref()
            .err()
            .is_some_and(|p| p.failure == JoinFailure::InvalidCa)
    {
        finding.remediation = Some(INSPECTION_REMEDIATION.to_owned());
    }
    if throttled && finding.status == Status::Fail {
        finding.remediation = Some(THROTTLED_REMEDIATION.to_owned());
    }
    let said = match &contract.result {
        Ok(_) => "the 1.0 contract Windows 8.1 asks for answers with a document".to_owned(),
        Err(problem) => format!("the 1.0 contract Windows 8.1 asks for: {problem}"),
    };
    finding.evidence.push(Evidence::note(format!(
        "Microsoft Entra ID: judged as Windows 10 and later discover their tenant (api-version \
         {ENTRA_DISCOVER_API_VERSION}, dsreg headers); {said}"
    )));
    finding
        .evidence
        .extend(contract.exchanges.into_iter().map(Evidence::Http));
    finding
}

/// Compares this machine's clock with the servers' `Date` headers: past the five minutes token
/// validation tolerates, a device with this clock fails to sign in (a `Warn` on a working step;
/// the tool often runs on the device itself), else a note of the difference.
fn judge_clock<'a>(
    mut finding: Finding,
    exchanges: impl IntoIterator<Item = &'a HttpExchange>,
) -> Finding {
    let Some((skew, url)) = clock::skew(exchanges, time::OffsetDateTime::now_utc()) else {
        return finding;
    };
    let said = format!(
        "this machine's clock is {} the clock of {url} (its Date header)",
        clock::describe(skew)
    );
    if skew.abs() <= CLOCK_SKEW_TOLERANCE || finding.status == Status::Fail {
        return finding.with_evidence(Evidence::note(said));
    }
    let warning = format!(
        "{said}: past five minutes, tokens issued to a device with this clock are refused, so sign-in and registration fail after discovery"
    );
    let remediation = "Synchronise the clock (w32tm /resync on Windows; domain members follow their domain controller) of the device — or of the service, if its Date header is the wrong one.";
    let mut warned = Finding::warn(
        ContractCheck::ID,
        format!("{}; but {warning}", finding.summary),
    )
    .with_remediation(match &finding.remediation {
        Some(r) => format!("{r} {remediation}"),
        None => remediation.to_owned(),
    });
    warned.failure = finding.failure;
    warned.evidence = std::mem::take(&mut finding.evidence);
    warned.outputs = std::mem::take(&mut finding.outputs);
    warned
}

/// What a Windows 10+ device logs when Microsoft's tenant discovery answers `status`.
///
/// 503 is `DSREG_SERVER_BUSY` 0x801C0025 ("HTTP 503 from DRS server", Troubleshoot Microsoft Entra
/// hybrid joined devices, HTTP errors); a 400/404 means the service does not know the domain as a
/// verified domain of any tenant, which the client reports as `DSREG_TENANT_NOT_FOUND` (inferred:
/// the mapping of the service's error answers to client codes is not publicly documented). 429
/// (throttling) has no documented DSREG code: it stays an HTTP error, marked unconfirmed. The
/// JSON error the service sends (`ErrorCode`, `Message`) is what the device records as its server
/// error code and message; it is shown, not mapped to a code of its own.
fn entra_error(status: u16) -> JoinFailure {
    match status {
        503 => JoinFailure::DsregServerBusy,
        400 | 404 => JoinFailure::DsregTenantNotFound,
        _ => JoinFailure::HttpError,
    }
}

/// What to do when Microsoft's tenant discovery throttles or is busy.
const THROTTLED_REMEDIATION: &str = "Wait as long as the service asks (Retry-After) and \
    diagnose again; devices retry at their next registration attempt. If it persists, look for \
    what else calls enterpriseregistration.windows.net from the same egress address (scripts, \
    many devices behind one proxy address) and check the Microsoft 365 service health.";

/// What an error answer of Microsoft's tenant discovery adds: the service's error code and
/// message (what `dsregcmd /status` shows as `Server ErrorCode` and `Server Message`), and for a
/// throttling answer, when to ask again and what a device logs.
fn refused(answer: &Response) -> String {
    let mut said = String::new();
    if let Some(error) = ServiceError::parse(&answer.body) {
        let _ = write!(said, "; {error}");
    }
    if !matches!(answer.status, 429 | 503) {
        return said;
    }
    let wait = answer
        .retry_after
        .as_deref()
        .map(|v| (v, retry_after(v, time::OffsetDateTime::now_utc())));
    match wait {
        Some((_, Some(wait))) => {
            let _ = write!(
                said,
                "; it asks to be asked again in {} s (Retry-After)",
                wait.as_secs()
            );
        }
        Some((value, None)) => {
            let _ = write!(said, "; its Retry-After ({value:?}) is not usable");
        }
        None => said.push_str("; it gives no Retry-After"),
    }
    said.push_str(": the service is throttling or busy; this tool asked once and does not retry");
    if answer.status == 429 {
        said.push_str(
            ". Microsoft documents DSREG_SERVER_BUSY (0x801C0025) for HTTP 503 only: the code a \
             Windows 10/11 device logs for HTTP 429 is unconfirmed",
        );
    }
    said
}

/// Follows one request through its redirects to a judged answer.
async fn walk(
    client: &HttpsClient,
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
        other_host: None,
        result: Err(Problem::new(JoinFailure::UnknownError, String::new())),
        own_limit: None,
        refusal: None,
    };
    let start_host = host_of(&start);
    let mut seen = vec![start.clone()];
    let mut url = start;
    loop {
        let (exchange, result) = get(client, &url, accept).await;
        out.exchanges.push(exchange);
        let response = match result {
            Ok(r) => r,
            Err(e) => {
                if e.is_own_limit() {
                    out.own_limit = Some(format!("{url}: {e}"));
                }
                out.result = Err(request_problem(&e, &url));
                return out;
            }
        };
        if (300..400).contains(&response.status) {
            match next_hop(&url, &response, &seen) {
                Ok(next) => {
                    out.redirects += 1;
                    if host_of(&next) != start_host && out.other_host.is_none() {
                        out.other_host = host_of(&next);
                    }
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
        if response.status >= 400 {
            out.refusal = Some(response);
        }
        return out;
    }
}

fn next_hop(url: &str, response: &Response, seen: &[String]) -> Result<String, Problem> {
    let status = response.status;
    let Some(location) = &response.location else {
        return Err(Problem::new(
            JoinFailure::InvalidServerResponse,
            format!("HTTP {status} from {url} without a Location header"),
        ));
    };
    let next = wpj_net::join_url(url, location).ok_or_else(|| {
        Problem::new(
            JoinFailure::InvalidServerResponse,
            format!("HTTP {status} from {url} with an unusable Location {location:?}"),
        )
    })?;
    if wpj_net::scheme_of(url) == "https" && wpj_net::scheme_of(&next) != "https" {
        return Err(Problem::new(
            JoinFailure::InsecureRedirect,
            format!(
                "{url} redirects (HTTP {status}) to {next}: WinHTTP's default policy refuses HTTPS → HTTP \
                 redirects, so the device takes the HTTP {status} itself as the answer and stops"
            ),
        ));
    }
    if seen.contains(&next) {
        let mut chain: Vec<&str> = seen.iter().map(String::as_str).collect();
        chain.push(&next);
        return Err(Problem::new(
            JoinFailure::RedirectFailed,
            format!("the contract redirects in a loop: {}", chain.join(" → ")),
        ));
    }
    if seen.len() > MAX_REDIRECTS {
        return Err(Problem::new(
            JoinFailure::RedirectFailed,
            format!(
                "more than {MAX_REDIRECTS} redirects, starting at {}",
                seen[0]
            ),
        ));
    }
    Ok(next)
}

fn answer(
    url: &str,
    response: &Response,
    api_version: &str,
    target: &Target,
    service: Option<ServiceKind>,
) -> Result<(DiscoveryDocument, Judgement), Problem> {
    let status = response.status;
    if let Some(failure) = JoinFailure::from_http_status(status) {
        return Err(Problem::new(failure, format!("HTTP {status} from {url}")));
    }
    if status != 200 {
        return Err(Problem::new(
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
        Parsed::NotADocument(why) => Err(Problem::new(
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
                Err(Problem::new(
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

fn compose(outcomes: &[Outcome], tls_ok: bool) -> Finding {
    let id = ContractCheck::ID;
    let prefix = if tls_ok {
        ""
    } else {
        "behind the certificate failure: "
    };
    if let Some(why) = outcomes.iter().find_map(|o| o.own_limit.as_ref()) {
        let mut finding = Finding::error(id, format!("not judged, a limit of this tool: {why}"));
        finding.evidence.extend(
            outcomes
                .iter()
                .flat_map(|o| o.exchanges.iter().cloned().map(Evidence::Http)),
        );
        return finding;
    }
    let mut finding = if let Some((o, problem)) = outcomes
        .iter()
        .find_map(|o| o.result.as_ref().err().map(|e| (o, e)))
    {
        Finding::fail(
            id,
            problem.failure,
            format!("{prefix}{}: {problem}", label(o)),
        )
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
                if let Some(host) = &o.other_host {
                    warnings.push(format!(
                        "{}: a redirect leads to another host, {host}; WinHTTP follows it, but whether \
                         the registration client trusts a discovery redirected off its own name is not \
                         publicly documented (Windows 10 has DSREG_E_DISCOVERY_REDIRECTION_NOT_TRUSTED, \
                         0x801C000B; unconfirmed)",
                        label(o)
                    ));
                }
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
    finding = judge_clock(finding, outcomes.iter().flat_map(|o| o.exchanges.iter()));
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
    finding.with_output(Documents(documents))
}
