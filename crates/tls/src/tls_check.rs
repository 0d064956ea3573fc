//! The TLS step: handshake on an inspection connection, then the chain judged as Windows judges it.

use std::net::SocketAddr;

use async_trait::async_trait;
use futures_util::future::join_all;
use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;
use wpj_core::{Check, CheckId, Context, Evidence, Finding, JoinFailure};
use wpj_dns::HostResolver;

use crate::connect::{ConnectCheck, OpenConnections, Reachable};
use crate::fetch::Fetcher;
use crate::handshake::{HandshakeFailure, handshake};
use crate::roots::TrustStore;
use crate::validate::{Assessment, assess};

/// The chain the server presented, and the trusted path built from it (for the revocation step).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedChain {
    /// The server that presented it.
    pub address: SocketAddr,
    /// The SNI sent.
    pub sni: String,
    /// The certificates as sent, leaf first.
    pub served: Vec<CertificateDer<'static>>,
    /// Leaf, intermediates and trust anchor, when a path to a trusted root was built.
    pub path: Option<Vec<CertificateDer<'static>>>,
}

/// Which failure speaks for several chain problems: the one a user can least work around first.
const PRIORITY: [JoinFailure; 4] = [
    JoinFailure::InvalidCa,
    JoinFailure::CertDateInvalid,
    JoinFailure::CertNameInvalid,
    JoinFailure::InvalidCert,
];

/// Handshakes with SNI `enterpriseregistration.<suffix>` on the first reachable address (on the
/// connection the TCP step opened, as Windows does; every other reachable node too), records
/// version, cipher and ALPN, captures the chain even when it is untrusted, and validates it:
/// untrusted root or missing intermediate → 0x80072F0D (a missing intermediate that AIA can fetch is
/// a `Warn`: Windows copes, other clients fail); expired or not yet valid → 0x80072F05; name not
/// covered → 0x80072F06 (the SANs it does cover are shown); wrong usage → 0x80072F89. Every problem
/// is listed as [`Evidence::CertificateProblem`]. A stalled server → 0x80072EE2; a reset or a
/// protocol mismatch → 0x80072EFE.
#[derive(Debug, Clone, Default)]
pub struct TlsCheck;

impl TlsCheck {
    /// The check's id.
    pub const ID: CheckId = CheckId::new_static("tls");
}

#[async_trait]
impl Check for TlsCheck {
    fn id(&self) -> CheckId {
        Self::ID
    }

    fn depends_on(&self) -> &[CheckId] {
        const DEPS: &[CheckId] = &[ConnectCheck::ID];
        DEPS
    }

    async fn run(&self, cx: &Context) -> Finding {
        let Some(Reachable(addresses)) = cx.output::<Reachable>().filter(|r| !r.0.is_empty())
        else {
            return Finding::error(Self::ID, "the TCP step gave no reachable address");
        };
        let settings = cx.settings();
        let store = match TrustStore::load(&settings.trust) {
            Ok(store) => store,
            Err(e) => return Finding::error(Self::ID, e),
        };
        let fetcher = match HostResolver::for_run(cx)
            .and_then(|r| Fetcher::new(r, crate::client_config(&store)))
        {
            Ok(f) => f,
            Err(e) => return Finding::error(Self::ID, e),
        };
        // Microsoft Entra ID: the device validates Microsoft's own name, never the customer's.
        let sni = cx.service_host();
        let timeout = settings.network_timeout;
        let now = OffsetDateTime::now_utc();
        // Every node a device may land on, concurrently; the first address is the one Windows uses.
        // On the connections the TCP step opened, as Windows handshakes on the one it connected.
        let open = cx.output::<OpenConnections>();
        let mut shakes = join_all(addresses.iter().map(|a| {
            let stream = open.and_then(|o| o.take(*a));
            handshake(*a, stream, &sni, timeout)
        }))
        .await;
        let first = shakes.remove(0);
        let address = addresses[0];
        let shake = match first {
            Ok(h) => h,
            Err(failure) => return handshake_failed(address, failure, timeout),
        };
        let assessment = assess(&shake.chain, &store, &sni, now, &fetcher, timeout).await;
        let mut others = other_nodes(
            &addresses[1..],
            shakes,
            &shake.chain,
            &store,
            &sni,
            now,
            &fetcher,
            timeout,
        )
        .await;
        if let (false, Some(c)) = (others.different.is_empty(), assessment.certificates.first()) {
            let first = format!(
                "{address}: serial {}, valid until {}",
                c.serial,
                c.not_after.date()
            );
            others.different.insert(0, first);
        }
        let mut finding = judge(&assessment, &shake.session.version, &sni);
        if finding.status != wpj_core::Status::Fail {
            finding = others.apply(finding);
        }
        if cx.service() == Some(wpj_core::ServiceKind::Entra)
            && settings.client == wpj_core::Client::Windows10
        {
            finding.evidence.push(Evidence::note(format!(
                "judged as Windows 10 and later judge it: against {sni}, Microsoft's endpoint, which they \
                 call directly. Windows 8.1 devices connect as {} and fail with 0x80072F06 where \
                 Microsoft's certificate does not name it (it never names a customer's domain)",
                settings.target.registration_name()
            )));
        }
        finding.evidence.push(Evidence::Tls(shake.session));
        finding.evidence.extend(
            assessment
                .certificates
                .iter()
                .cloned()
                .map(Evidence::Certificate),
        );
        finding.evidence.extend(
            assessment
                .problems
                .iter()
                .map(|p| Evidence::CertificateProblem {
                    position: p.position,
                    failure: p.failure,
                    detail: p.detail.clone(),
                }),
        );
        finding.with_output(CapturedChain {
            address,
            sni,
            served: shake.chain,
            path: assessment.path,
        })
    }
}

/// What the other nodes behind the name present.
#[derive(Debug, Default)]
struct OtherNodes {
    /// A device landing on these fails: (failure, what).
    failures: Vec<(JoinFailure, String)>,
    /// Nodes presenting a different, valid certificate.
    different: Vec<String>,
}

impl OtherNodes {
    /// Folds the other nodes' problems into the first node's (passing) finding.
    fn apply(self, finding: Finding) -> Finding {
        if let Some((failure, _)) = self.failures.first() {
            let details: Vec<&str> = self.failures.iter().map(|(_, d)| d.as_str()).collect();
            return Finding::fail(
                TlsCheck::ID,
                *failure,
                format!("{}; but {}", finding.summary, details.join("; ")),
            );
        }
        if self.different.is_empty() {
            return finding;
        }
        let summary = format!(
            "{}; but the nodes present different certificates ({}): renewals must reach every node",
            finding.summary,
            self.different.join("; ")
        );
        let remediation = "Install the same, current certificate on every AD FS node and proxy.";
        let mut warned = Finding::warn(TlsCheck::ID, summary).with_remediation(remediation);
        if finding.status == wpj_core::Status::Warn {
            warned.remediation = finding.remediation.map(|r| format!("{r} {remediation}"));
        }
        warned
    }
}

/// Judges the chains of the other addresses against the first node's.
#[allow(clippy::too_many_arguments)] // one call site; the pieces are all distinct
async fn other_nodes(
    addresses: &[SocketAddr],
    shakes: Vec<Result<crate::handshake::Handshake, HandshakeFailure>>,
    first_chain: &[CertificateDer<'static>],
    store: &TrustStore,
    sni: &str,
    now: OffsetDateTime,
    fetcher: &Fetcher,
    timeout: std::time::Duration,
) -> OtherNodes {
    let mut out = OtherNodes::default();
    for (address, shake) in addresses.iter().zip(shakes) {
        let shake = match shake {
            Ok(s) => s,
            Err(failure) => {
                let f = handshake_failed(*address, failure, timeout);
                out.failures
                    .push((f.failure.unwrap_or(JoinFailure::ConnectionError), f.summary));
                continue;
            }
        };
        if shake.chain.first() == first_chain.first() {
            continue;
        }
        let a = assess(&shake.chain, store, sni, now, fetcher, timeout).await;
        if let Some(p) = PRIORITY
            .iter()
            .find_map(|f| a.problems.iter().find(|p| p.failure == *f))
        {
            out.failures.push((
                p.failure,
                format!("{address} presents another certificate: {}", p.detail),
            ));
        } else {
            let leaf = a.certificates.first();
            out.different.push(format!(
                "{address}: serial {}, valid until {}",
                leaf.map_or("?", |c| c.serial.as_str()),
                leaf.map_or_else(|| "?".to_owned(), |c| c.not_after.date().to_string())
            ));
        }
    }
    out
}

fn handshake_failed(
    address: SocketAddr,
    failure: HandshakeFailure,
    timeout: std::time::Duration,
) -> Finding {
    match failure {
        HandshakeFailure::Connect(attempt) => Finding::fail(
            TlsCheck::ID,
            attempt
                .outcome
                .failure()
                .unwrap_or(JoinFailure::CannotConnect),
            format!("the connection for the handshake failed: {attempt}"),
        )
        .with_evidence(Evidence::Connect(attempt)),
        HandshakeFailure::TimedOut => Finding::fail(
            TlsCheck::ID,
            JoinFailure::Timeout,
            format!(
                "{address} accepted the connection but did not complete a TLS handshake within {}",
                wpj_core::HumanDuration(timeout)
            ),
        ),
        HandshakeFailure::Reset(e) => Finding::fail(
            TlsCheck::ID,
            JoinFailure::ConnectionError,
            format!("{address} closed or reset the connection during the TLS handshake ({e})"),
        ),
        HandshakeFailure::Protocol(e) => Finding::fail(
            TlsCheck::ID,
            JoinFailure::ConnectionError,
            format!("no TLS session with {address}: {e}"),
        ),
    }
}

fn judge(a: &Assessment, version: &str, sni: &str) -> Finding {
    if let Some(primary) = PRIORITY
        .iter()
        .find(|f| a.problems.iter().any(|p| p.failure == **f))
    {
        let details: Vec<&str> = a.problems.iter().map(|p| p.detail.as_str()).collect();
        let mut finding = Finding::fail(TlsCheck::ID, *primary, details.join("; "));
        if a.problems.len() > 1 {
            let fixes: Vec<&str> = PRIORITY
                .iter()
                .filter(|f| a.problems.iter().any(|p| p.failure == **f))
                .map(|f| f.remediation())
                .collect();
            finding = finding.with_remediation(fixes.join(" "));
        }
        return finding;
    }
    let leaf = a.certificates.first();
    let expiry = leaf.map_or_else(String::new, |c| {
        format!(", valid until {}", c.not_after.date())
    });
    let root = a
        .certificates
        .iter()
        .find(|c| c.source == wpj_core::CertificateSource::TrustStore)
        .map_or_else(String::new, |c| format!(", chains to {}", c.subject));
    let summary = format!("{version}, certificate for {sni}{expiry}{root}");
    if a.warnings.is_empty() {
        Finding::pass(TlsCheck::ID, summary)
    } else {
        Finding::warn(TlsCheck::ID, format!("{summary}; but {}", a.warnings.join("; ")))
            .with_failure(JoinFailure::InvalidCa)
            .with_remediation("Configure the server (AD FS and the proxy) to send the full chain: install the intermediate certificate in the machine's Intermediate Certification Authorities store.")
    }
}

/// What one node of a farm presents, judged like the TLS step judges the first node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeTls {
    /// The node.
    pub address: SocketAddr,
    /// The session, when a handshake completed.
    pub session: Option<wpj_core::TlsSession>,
    /// Its server certificate.
    pub leaf: Option<wpj_core::CertificateInfo>,
    /// Every problem a device landing on it would hit: (failure, what).
    pub problems: Vec<(JoinFailure, String)>,
    /// The chain it sent, leaf first.
    pub served: Vec<CertificateDer<'static>>,
    /// The intermediates of the path to a trusted root (including any fetched through AIA).
    pub intermediates: Vec<CertificateDer<'static>>,
    /// The whole path to a trusted root (leaf, intermediates, trust anchor), when one was built.
    pub path: Option<Vec<CertificateDer<'static>>>,
}

/// Handshakes with `address` using the service's name as SNI ([`Context::service_host`]) and judges
/// its chain (name, dates, usage, path, AIA) as [`TlsCheck`] does.
pub async fn examine_node(address: SocketAddr, cx: &Context) -> Result<NodeTls, String> {
    examine_host(address, &cx.service_host(), cx).await
}

/// Handshakes with `address` using SNI `sni` and judges its chain for that name (name, dates,
/// usage, path, AIA) as [`TlsCheck`] does: the federation service a device signs in at, say.
pub async fn examine_host(address: SocketAddr, sni: &str, cx: &Context) -> Result<NodeTls, String> {
    let settings = cx.settings();
    let store = TrustStore::load(&settings.trust)?;
    let fetcher =
        HostResolver::for_run(cx).and_then(|r| Fetcher::new(r, crate::client_config(&store)))?;
    let sni = sni.to_owned();
    let timeout = settings.network_timeout;
    let mut node = NodeTls {
        address,
        session: None,
        leaf: None,
        problems: Vec::new(),
        served: Vec::new(),
        intermediates: Vec::new(),
        path: None,
    };
    match handshake(address, None, &sni, timeout).await {
        Err(failure) => {
            let f = handshake_failed(address, failure, timeout);
            node.problems
                .push((f.failure.unwrap_or(JoinFailure::ConnectionError), f.summary));
        }
        Ok(shake) => {
            let a = assess(
                &shake.chain,
                &store,
                &sni,
                OffsetDateTime::now_utc(),
                &fetcher,
                timeout,
            )
            .await;
            node.problems = a
                .problems
                .iter()
                .map(|p| (p.failure, p.detail.clone()))
                .collect();
            node.leaf = a.certificates.into_iter().next();
            if let Some(path) = a.path.as_ref().filter(|p| p.len() > 2) {
                node.intermediates = path[1..path.len() - 1].to_vec();
            }
            node.path = a.path;
            node.session = Some(shake.session);
            node.served = shake.chain;
        }
    }
    Ok(node)
}
