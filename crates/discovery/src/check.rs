//! The contract check: `GET /EnrollmentServer/contract` as the device sends it, judged as Windows would.

use std::fmt::Write as _;

use async_trait::async_trait;
use rustls_pki_types::CertificateDer;
use wpj_core::{
    Check, CheckId, Context, DiscoveryDocument, ENTRA_REGISTRATION_HOST, Evidence, Finding,
    HttpExchange, JoinFailure, ServiceKind, Status, Target,
};
use wpj_dns::HostResolver;
use wpj_tls::{
    CapturedChain, Reachable, TlsCheck, TrustStore, client_config, inspection_config,
    verifying_config,
};

use crate::client::{BODY_CAP, Client, RequestError, Response, proxy_setting};
use crate::clock::{self, CLOCK_SKEW_TOLERANCE};
use crate::document::{Judgement, Parsed, judge, parse};

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
///   headers (503 → `DSREG_SERVER_BUSY`, 400/404 → `DSREG_TENANT_NOT_FOUND`, inferred); the 1.0
///   contract under `/<domain>/` is kept as evidence.
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
        let service = cx.service();
        let tls = TrustStore::load(&settings.trust).map(|store| {
            match (tls_ok, cx.output::<CapturedChain>()) {
                // Verify as Windows does, with the intermediates it had (AIA included).
                (true, Some(chain)) => verifying_config(&store, &intermediates(chain)),
                (true, None) => client_config(&store),
                (false, _) => inspection_config(),
            }
        });
        let setup = tls.and_then(|tls| {
            let resolver = HostResolver::for_run(cx)?;
            let proxy = proxy_setting(settings.proxy.as_deref());
            if service == Some(ServiceKind::Entra) && settings.client == wpj_core::Client::Windows10
            {
                // Windows 10+ asks Microsoft's endpoint by its own name, resolved as the device does.
                let cloud = Client::new(
                    tls,
                    !tls_ok,
                    ENTRA_REGISTRATION_HOST,
                    &[],
                    resolver,
                    proxy.as_deref(),
                    settings.network_timeout,
                )?;
                return Ok(Clients::Entra(cloud.with_headers(DSREG_HEADERS)));
            }
            // One client per node: a device may land on any of them.
            addresses
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
                .collect::<Result<Vec<_>, _>>()
                .map(Clients::Nodes)
        });
        let nodes = match setup {
            Ok(Clients::Nodes(nodes)) => nodes,
            Ok(Clients::Entra(cloud)) => return entra(&cloud, settings, tls_ok).await,
            Err(e) => return Finding::error(Self::ID, e),
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
    Nodes(Vec<Client>),
    /// Microsoft's endpoint (Entra ID).
    Entra(Client),
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
async fn entra(cloud: &Client, settings: &wpj_core::Settings, tls_ok: bool) -> Finding {
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
            discover_url,
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
    if let (Err((failure, detail)), Some(status)) = (&mut discover.result, error_status) {
        *failure = entra_error(status);
        let _ = write!(
            detail,
            ": Microsoft's tenant discovery does not answer for {} ({})",
            target.suffix(),
            failure.code()
        );
    }
    let mut finding = compose(std::slice::from_ref(&discover), tls_ok);
    let said = match &contract.result {
        Ok(_) => "the 1.0 contract Windows 8.1 asks for answers with a document".to_owned(),
        Err((_, detail)) => format!("the 1.0 contract Windows 8.1 asks for: {detail}"),
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
/// 503 is `DSREG_SERVER_BUSY` (REFERENCE §2); a 400/404 means the service does not know the domain as
/// a verified domain of any tenant, which the client reports as `DSREG_TENANT_NOT_FOUND` (inferred:
/// the mapping of the service's error answers to client codes is not publicly documented).
fn entra_error(status: u16) -> JoinFailure {
    match status {
        503 => JoinFailure::DsregServerBusy,
        400 | 404 => JoinFailure::DsregTenantNotFound,
        _ => JoinFailure::HttpError,
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
        other_host: None,
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
        return out;
    }
}

fn next_hop(
    url: &str,
    response: &Response,
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
    let scheme = |u: &str| reqwest::Url::parse(u).map(|u| u.scheme().to_owned()).ok();
    if scheme(url).as_deref() == Some("https") && scheme(&next).as_deref() != Some("https") {
        return Err((
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

fn compose(outcomes: &[Outcome], tls_ok: bool) -> Finding {
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
