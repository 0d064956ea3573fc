//! The TLS step: handshake on an inspection connection, then the chain judged as Windows judges it.

use std::net::SocketAddr;
use std::sync::Arc;

use async_trait::async_trait;
use futures_util::future::join_all;
use rustls_pki_types::CertificateDer;
use wpj_core::{Check, CheckId, Context, DeviceWait, Evidence, Finding, JoinFailure, Problem};
use wpj_net::{Net, NetError};

use crate::connect::{ConnectCheck, OpenConnections, Reachable};
use crate::examined::{Examined, examined};
use crate::farm::{describe_certificate, mixed_certificates};
use crate::handshake::HandshakeFailure;
use crate::inspect::{InspectError, LegacyHandshake, LegacyVersion};
use crate::validate::Assessment;

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
    /// The OCSP response the server stapled for the leaf in the handshake (DER), if it sent one.
    pub stapled_ocsp: Option<Vec<u8>>,
}

impl CapturedChain {
    /// The intermediates a client verifying this chain needs: those of the path built to a trusted
    /// root (AIA-fetched ones included), or, without a path, everything served after the leaf.
    #[must_use]
    pub fn intermediates(&self) -> Vec<CertificateDer<'static>> {
        match &self.path {
            Some(path) if path.len() > 2 => path[1..path.len() - 1].to_vec(),
            Some(_) => Vec::new(),
            None => self.served.iter().skip(1).cloned().collect(),
        }
    }
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
/// version, cipher and ALPN, captures the chain even when it is untrusted, and judges it as
/// `CryptoAPI` does: the best path to a trusted root is built from what the server sent and what AIA
/// caIssuers gives (level by level, DER or PKCS#7, each download as [`Evidence::Aia`]), and dates,
/// usage and algorithms are judged on that path. Untrusted root or missing intermediate →
/// 0x80072F0D (a missing intermediate that AIA can fetch is a `Warn`: Windows copes, other clients
/// fail); expired or not yet valid → 0x80072F05; name not covered → 0x80072F06 (the SANs it does
/// cover are shown; a certificate with no SAN at all is matched on its CN, a `Warn`); wrong usage,
/// or SHA-1 / RSA under 2048 bits under a root of the system store → 0x80072F89 (under a private
/// root they are a `Warn`). Certificates served but not on the path are a `Warn`, even expired.
/// Every problem is listed as [`Evidence::CertificateProblem`]. A stalled server → 0x80072EE2; a
/// reset or a protocol mismatch → 0x80072EFE — unless the server accepts what Windows 10 offers and
/// rustls does not (TLS 1.0/1.1, RSA key exchange, CBC only): then the chain read by the inspection
/// handshake is judged as above, a chain a device accepts is a `Warn` naming the version and suite
/// it negotiates, a chain that cannot be read is the tool's `Error`, and the [`LegacyHandshake`]
/// output tells later steps that this tool cannot make requests to the server.
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
        let net = match Net::for_run(cx) {
            Ok(net) => net,
            Err(e) => return Finding::error(Self::ID, e.to_string()),
        };
        // Microsoft Entra ID: the device validates Microsoft's own name, never the customer's.
        let sni = cx.service_host();
        let timeout = settings.network_timeout;
        // Every node a device may land on, concurrently; the first address is the one Windows uses.
        // On the connections the TCP step opened, as Windows handshakes on the one it connected.
        let open = cx.output::<OpenConnections>();
        let mut shakes = join_all(addresses.iter().map(|a| {
            let stream = open.and_then(|o| o.take(*a));
            examined(*a, &sni, stream, cx, &net)
        }))
        .await;
        let first = shakes.remove(0);
        let address = addresses[0];
        let (shake, assessment) = match (&first.shake, &first.assessment) {
            (Ok(h), Some(a)) => (h, a),
            (Err(failure), _) => return handshake_failed(address, failure.clone(), timeout),
            (Ok(_), None) => {
                return Finding::error(Self::ID, "the handshake's chain was not judged");
            }
        };
        let mut others = other_nodes(&addresses[1..], &shakes, &shake.chain, timeout);
        if let (false, Some(c)) = (others.different.is_empty(), assessment.certificates.first()) {
            others
                .different
                .insert(0, (address, describe_certificate(c)));
        }
        let mut finding = judge(assessment, &shake.session.version, &sni);
        if let Some(legacy) = &shake.legacy {
            finding = legacy_warning(finding, legacy);
        }
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
        finding.evidence.push(Evidence::Tls(shake.session.clone()));
        finding.evidence.extend(
            assessment
                .certificates
                .iter()
                .cloned()
                .map(Evidence::Certificate),
        );
        finding
            .evidence
            .extend(assessment.aia.iter().cloned().map(Evidence::Aia));
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
        let finding = finding.with_output(CapturedChain {
            address,
            sni,
            served: shake.chain.clone(),
            path: assessment.path.clone(),
            stapled_ocsp: shake.stapled_ocsp.clone(),
        });
        match &shake.legacy {
            Some(legacy) => finding.with_output(legacy.clone()),
            None => finding,
        }
    }
}

/// The finding for a server only the inspection handshake got through to: the chain's verdict
/// stands (a device connects, then judges it); a chain it accepts is a `Warn` naming what a
/// Windows 10 device negotiates and what is weak about it.
fn legacy_warning(finding: Finding, legacy: &LegacyHandshake) -> Finding {
    let note = Evidence::note(format!(
        "inspection handshake: this tool's TLS library could not talk to {} ({}); offered what \
         Windows 10 offers (TLS 1.0 to 1.2, its cipher suites in its order), the server chose {legacy} \
         and sent its chain in the clear",
        legacy.address, legacy.rustls_error
    ));
    if finding.status == wpj_core::Status::Fail {
        return finding.with_evidence(note);
    }
    let weak = legacy.weaknesses();
    let mut warned = Finding::warn(
        TlsCheck::ID,
        format!(
            "{}; a Windows 10 device connects with {legacy}: {}; later requests to this server \
             cannot be made by this tool",
            finding.summary,
            if weak.is_empty() {
                "nothing weak".to_owned()
            } else {
                weak.join(", ")
            }
        ),
    )
    .with_evidence(note);
    let fix = "Enable TLS 1.2 with ECDHE and AES-GCM suites on the server (Schannel's cipher \
               suite order on AD FS and the proxy, or the load balancer's TLS profile); keep TLS \
               1.0/1.1 and RSA key exchange only for clients that need them.";
    // A warning of the chain's own (an intermediate fetched through AIA) keeps its code and fix.
    warned.remediation = Some(match finding.remediation {
        Some(earlier) => format!("{earlier} {fix}"),
        None => fix.to_owned(),
    });
    warned.failure = finding.failure.or(
        // Devices that disabled TLS 1.0/1.1 get the version mismatch.
        (legacy.version < LegacyVersion::Tls12).then_some(JoinFailure::ConnectionError),
    );
    warned.evidence.extend(finding.evidence);
    warned
}

/// What the other nodes behind the name present.
#[derive(Debug, Default)]
struct OtherNodes {
    /// A device landing on these fails.
    failures: Vec<Problem>,
    /// Nodes presenting a different, valid certificate: address and certificate.
    different: Vec<(SocketAddr, String)>,
    /// Nodes whose chain the inspection handshake could not read (the tool's limit).
    uninspected: Vec<String>,
}

impl OtherNodes {
    /// Folds the other nodes' problems into the first node's (passing) finding.
    fn apply(self, mut finding: Finding) -> Finding {
        finding
            .evidence
            .extend(self.uninspected.iter().map(|u| Evidence::note(u.clone())));
        if let Some(mut failing) = Finding::from_problems(TlsCheck::ID, &self.failures) {
            failing.summary = format!("{}; but {}", finding.summary, failing.summary);
            return failing;
        }
        mixed_certificates(finding, &self.different)
    }
}

/// Judges the chains of the other addresses against the first node's.
fn other_nodes(
    addresses: &[SocketAddr],
    shakes: &[Arc<Examined>],
    first_chain: &[CertificateDer<'static>],
    timeout: std::time::Duration,
) -> OtherNodes {
    let mut out = OtherNodes::default();
    for (address, examined) in addresses.iter().zip(shakes) {
        let (shake, a) = match (&examined.shake, &examined.assessment) {
            (Ok(s), Some(a)) => (s, a),
            (Err(HandshakeFailure::Uninspectable(legacy, e)), _) => {
                out.uninspected.push(uninspectable(legacy, e));
                continue;
            }
            (Err(failure), _) => {
                out.failures
                    .push(handshake_problem(*address, failure.clone(), timeout));
                continue;
            }
            (Ok(_), None) => continue,
        };
        if shake.chain.first() == first_chain.first() {
            continue;
        }
        if let Some(p) = PRIORITY
            .iter()
            .find_map(|f| a.problems.iter().find(|p| p.failure == *f))
        {
            out.failures.push(Problem::new(
                p.failure,
                format!("{address} presents another certificate: {}", p.detail),
            ));
        } else {
            let leaf = a.certificates.first();
            out.different.push((
                *address,
                leaf.map_or_else(|| "?".to_owned(), describe_certificate),
            ));
        }
    }
    out
}

/// The finding of a handshake that failed with the first node.
fn handshake_failed(
    address: SocketAddr,
    failure: HandshakeFailure,
    timeout: std::time::Duration,
) -> Finding {
    if let HandshakeFailure::Uninspectable(legacy, e) = &failure {
        return Finding::error(TlsCheck::ID, uninspectable(legacy, e));
    }
    let evidence = match &failure {
        HandshakeFailure::Connect(attempt) => Some(Evidence::Connect(attempt.clone())),
        _ => None,
    };
    let problem = handshake_problem(address, failure, timeout);
    let finding = Finding::fail(TlsCheck::ID, problem.failure, problem.detail);
    match evidence {
        Some(e) => finding.with_evidence(e),
        None => finding,
    }
}

/// What a device gets when the handshake with `address` fails so.
fn handshake_problem(
    address: SocketAddr,
    failure: HandshakeFailure,
    timeout: std::time::Duration,
) -> Problem {
    match failure {
        HandshakeFailure::Connect(attempt) => Problem::new(
            attempt
                .outcome
                .failure()
                .unwrap_or(JoinFailure::CannotConnect),
            format!("the connection for the handshake failed: {attempt}"),
        ),
        HandshakeFailure::TimedOut => Problem::new(
            JoinFailure::Timeout,
            format!(
                "{address} accepted the connection but did not complete a TLS handshake within \
                 {}{}",
                wpj_core::HumanDuration(timeout),
                shorter_than_a_device(timeout, DeviceWait::Receive)
            ),
        ),
        HandshakeFailure::Reset(e) => Problem::new(
            JoinFailure::ConnectionError,
            format!("{address} closed or reset the connection during the TLS handshake ({e})"),
        ),
        HandshakeFailure::Protocol(e) => Problem::new(
            JoinFailure::ConnectionError,
            format!("no TLS session with {address}: {e}"),
        ),
        // Callers take this one out first (the tool's limit, not a device's failure); should one
        // not, the device's side of it is the refused connection rustls saw.
        HandshakeFailure::Uninspectable(legacy, e) => {
            Problem::new(JoinFailure::ConnectionError, uninspectable(&legacy, &e))
        }
    }
}

/// The text of a chain the inspection handshake could not read.
fn uninspectable(legacy: &LegacyHandshake, e: &InspectError) -> String {
    format!(
        "cannot inspect {}: a Windows 10 device would connect with {legacy} (this tool's TLS \
         library cannot: {}), but the server's Certificate message could not be read: {e}",
        legacy.address, legacy.rustls_error
    )
}

/// ` (a Windows device waits …)` when the run waited less than a device would.
fn shorter_than_a_device(waited: std::time::Duration, wait: DeviceWait) -> String {
    if waited < wait.windows() {
        format!(" ({})", wait.explain())
    } else {
        String::new()
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
        return Finding::pass(TlsCheck::ID, summary);
    }
    let details: Vec<&str> = a.warnings.iter().map(|w| w.detail.as_str()).collect();
    let mut fixes: Vec<&str> = Vec::new();
    for w in &a.warnings {
        if !fixes.contains(&w.fix) {
            fixes.push(w.fix);
        }
    }
    let finding = Finding::warn(
        TlsCheck::ID,
        format!("{summary}; but {}", details.join("; ")),
    );
    let finding = match a.warnings.iter().find_map(|w| w.risk) {
        Some(risk) => finding.with_failure(risk),
        None => finding,
    };
    finding.with_remediation(fixes.join(" "))
}

/// What one node of a farm presents, judged like the TLS step judges the first node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeTls {
    /// The session, when a handshake completed.
    pub session: Option<wpj_core::TlsSession>,
    /// Its server certificate.
    pub leaf: Option<wpj_core::CertificateInfo>,
    /// Every problem a device landing on it would hit.
    pub problems: Vec<Problem>,
    /// The node, the name asked, the chain it sent and the path built from it.
    pub chain: CapturedChain,
    /// Set when only the inspection handshake got through (a server rustls cannot talk to): what
    /// a Windows 10 device negotiates. No request to the node can be made by this tool.
    pub legacy: Option<LegacyHandshake>,
    /// Why this tool could not judge the node — its own limit, never a device's failure (the
    /// inspection handshake could not read the chain).
    pub limit: Option<String>,
}

/// Handshakes with `address` using the service's name as SNI ([`Context::service_host`]) and judges
/// its chain (name, dates, usage, path, AIA) as [`TlsCheck`] does.
///
/// # Errors
/// When the run's network layer cannot be set up ([`Net::for_run`]).
pub async fn examine_node(address: SocketAddr, cx: &Context) -> Result<NodeTls, NetError> {
    examine_host(address, &cx.service_host(), cx).await
}

/// Handshakes with `address` using SNI `sni` and judges its chain for that name (name, dates,
/// usage, path, AIA) as [`TlsCheck`] does: the federation service a device signs in at, say.
///
/// # Errors
/// When the run's network layer cannot be set up ([`Net::for_run`]).
pub async fn examine_host(
    address: SocketAddr,
    sni: &str,
    cx: &Context,
) -> Result<NodeTls, NetError> {
    let net = Net::for_run(cx)?;
    let timeout = net.timeout();
    let mut node = NodeTls {
        session: None,
        leaf: None,
        problems: Vec::new(),
        chain: CapturedChain {
            address,
            sni: sni.to_owned(),
            served: Vec::new(),
            path: None,
            stapled_ocsp: None,
        },
        legacy: None,
        limit: None,
    };
    let examined = examined(address, sni, None, cx, &net).await;
    match (&examined.shake, &examined.assessment) {
        (Err(HandshakeFailure::Uninspectable(legacy, e)), _) => {
            node.limit = Some(uninspectable(legacy, e));
            node.legacy = Some(legacy.clone());
        }
        (Err(failure), _) => {
            node.problems
                .push(handshake_problem(address, failure.clone(), timeout));
        }
        (Ok(_), None) => node.limit = Some("the handshake's chain was not judged".to_owned()),
        (Ok(shake), Some(a)) => {
            node.problems = a
                .problems
                .iter()
                .map(|p| Problem::new(p.failure, p.detail.clone()))
                .collect();
            node.leaf = a.certificates.first().cloned();
            node.chain.path.clone_from(&a.path);
            node.session = Some(shake.session.clone());
            node.chain.served.clone_from(&shake.chain);
            node.chain.stapled_ocsp.clone_from(&shake.stapled_ocsp);
            node.legacy.clone_from(&shake.legacy);
        }
    }
    Ok(node)
}
