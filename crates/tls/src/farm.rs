//! The one rule about the certificates of a farm's nodes seen together.

use std::net::SocketAddr;

use wpj_core::{CertificateInfo, Finding, JoinFailure, Status};

/// How a node's certificate is named in summaries: `serial 1001, valid until 2027-03-01`.
#[must_use]
pub fn describe_certificate(leaf: &CertificateInfo) -> String {
    format!(
        "serial {}, valid until {}",
        leaf.serial,
        leaf.not_after.date()
    )
}

/// The rule "the nodes present different certificates", applied to a passing or warning
/// `finding` about a farm: with more than one distinct certificate among `nodes` (each node's
/// address and [`describe_certificate`]), a `Warn` naming every node's — a renewal that did not
/// reach every node, and devices landing on a node with the old certificate fail with 0x80072F05
/// once it expires. A failing finding, or one certificate everywhere, is returned as it is.
#[must_use]
pub fn mixed_certificates(finding: Finding, nodes: &[(SocketAddr, String)]) -> Finding {
    let distinct = nodes
        .iter()
        .map(|(_, c)| c)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    if distinct < 2 || finding.status == Status::Fail {
        return finding;
    }
    let which: Vec<String> = nodes.iter().map(|(a, c)| format!("{a}: {c}")).collect();
    let summary = format!(
        "{}; but the nodes present different certificates ({}): renewals must reach every node",
        finding.summary,
        which.join("; ")
    );
    let remediation = "Install the same, current SSL certificate on every AD FS node and proxy (Set-AdfsSslCertificate, Set-WebApplicationProxySslCertificate).";
    let mut warned = Finding::warn(finding.check.clone(), summary)
        .with_failure(finding.failure.unwrap_or(JoinFailure::CertDateInvalid))
        .with_remediation(match &finding.remediation {
            Some(r) if finding.status == Status::Warn => format!("{r} {remediation}"),
            _ => remediation.to_owned(),
        });
    warned.evidence = finding.evidence;
    warned.outputs = finding.outputs;
    warned
}
