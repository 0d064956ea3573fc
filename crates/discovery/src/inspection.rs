//! TLS-inspecting ("break and inspect") proxies: what a Microsoft host presents through the run's
//! proxy, compared with what it presents directly.
//!
//! A proxy that re-signs Microsoft's endpoints with a corporate CA is the most common reason
//! devices behind it fail to register. It is recognised only for requests the proxy carries, and
//! only when the chain it presents is not the host's own: issued by another CA than the one the
//! host presents directly, or — when the host cannot be reached directly — not issued under a root
//! the run trusts. A host that presents Microsoft's certificate under a customer's name (the
//! `EnterpriseRegistration.<domain>` CNAME) is never taken for inspection: the comparison is made
//! for the same host name both ways.

use wpj_core::{Evidence, Finding, JoinFailure, Problem, Status};
use wpj_net::{FetchError, Net};
use wpj_tls::{inspection_recording, verifying_config};
use x509_parser::prelude::{FromDer, X509Certificate};

/// Where Microsoft asks that TLS inspection be bypassed, and why (the prerequisites of Microsoft
/// Entra hybrid join, network requirements): "ensure that traffic to
/// `https://device.login.microsoftonline.com` is excluded from TLS break-and-inspect. Failure to
/// exclude this URL may cause interference with client certificate authentication, cause issues
/// with device registration, and device-based Conditional Access."
pub const INSPECTION_SOURCE: &str = "Microsoft Entra hybrid join prerequisites (network \
    requirements): traffic to https://device.login.microsoftonline.com must be excluded from TLS \
    break-and-inspect, or client certificate authentication, device registration and device-based \
    Conditional Access fail";

/// A TLS-inspecting proxy seen re-signing a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    /// The host asked for.
    pub host: String,
    /// The CA at the top of the chain the proxy presented for it ([`top_issuer`]: the corporate
    /// root).
    pub issuer: String,
    /// The CA at the top of the chain the host presents directly, when it could be reached.
    pub direct_issuer: Option<String>,
    /// How the request travelled (`proxy <url>`, credentials redacted).
    pub path: String,
    /// Whether the chain the proxy presents is trusted by the run's trust store (a device that
    /// has the corporate root).
    pub trusted: bool,
}

impl Inspection {
    /// One sentence: which proxy re-signs which host with which CA, and what the device needs.
    #[must_use]
    pub fn describe(&self) -> String {
        let instead = self
            .direct_issuer
            .as_ref()
            .map_or_else(String::new, |d| format!(" instead of {d}"));
        format!(
            "a TLS-inspecting proxy ({}) re-signs {} under {}{instead}; the device needs that \
             root in its store or a bypass for these hosts",
            self.path, self.host, self.issuer
        )
    }

    /// What a device without the corporate root meets: the chain ends in a root it does not trust
    /// (0x80072F0D).
    #[must_use]
    pub fn problem(&self) -> Problem {
        Problem::new(
            JoinFailure::InvalidCa,
            format!(
                "{}: without it, the chain ends in a root the device does not trust",
                self.describe()
            ),
        )
    }
}

/// What still breaks for a device that trusts a corporate root (said once, after the hosts).
pub const TRUSTED_CONSEQUENCE: &str = "devices that trust that root get through, but Microsoft \
    asks that device.login.microsoftonline.com be excluded from TLS inspection: through it, client \
    certificate (device) authentication fails, and with it device registration, the primary \
    refresh token and device-based Conditional Access; the code a device logs then is unconfirmed";

/// What to do about a TLS-inspecting proxy.
pub const INSPECTION_REMEDIATION: &str = "Exclude login.microsoftonline.com, \
    device.login.microsoftonline.com and enterpriseregistration.windows.net from TLS inspection on \
    the proxy (device.login.microsoftonline.com at least: it authenticates devices with their \
    certificate), or deploy the proxy's root to every device's Trusted Root store.";

/// Whether `url` (on `host`) goes through a TLS-inspecting proxy: asks it through the run's proxy
/// over a recording connection and compares the top issuer ([`top_issuer`]) of what it presents
/// with `direct_issuer`
/// (what the host presents when asked directly, if it could be). `None` when the run's proxy
/// does not carry `url`, the chain is the host's own, or nothing could be seen.
pub async fn through_proxy(
    net: &Net,
    host: &str,
    url: &str,
    direct_issuer: Option<&str>,
) -> Option<Inspection> {
    net.proxy().filter(|p| p.applies_to(url))?;
    let (config, recording) = inspection_recording();
    let client = net.https(config).inspection(true).fresh().build().ok()?;
    let seen = client.get_status(url).await;
    let issuer = top_issuer(&recording.chain())?;
    if direct_issuer == Some(issuer.as_str()) {
        return None;
    }
    let verifying = net.https(verifying_config(net.trust(), &[])).build().ok()?;
    // Trusted when the verifying request got an answer, untrusted when its chain was refused;
    // anything else (a time-out, this run's budget) says nothing, and nothing is claimed.
    let trusted = match verifying.get_status(url).await.error {
        None => true,
        Some(FetchError::Tls(_)) => false,
        Some(_) => return None,
    };
    if direct_issuer.is_none() && trusted {
        // Reached only through the proxy, with a chain the run trusts: nothing to compare with.
        return None;
    }
    Some(Inspection {
        host: host.to_owned(),
        issuer,
        direct_issuer: direct_issuer.map(str::to_owned),
        path: seen.path,
        trusted,
    })
}

/// The issuer of the last certificate of `chain` as presented: the CA at the top of what the
/// server sends, normally the root's name. Compared rather than the leaf's issuer, which changes
/// between the front ends of one service (Microsoft's rotate among several issuing CAs under one
/// root), while a re-signing proxy's chain ends under its own corporate root.
#[must_use]
pub fn top_issuer(chain: &[rustls_pki_types::CertificateDer<'_>]) -> Option<String> {
    chain.last().and_then(|top| issuer_of(top))
}

/// The issuer of a certificate, as the TLS step writes it (`None` when it does not parse).
#[must_use]
pub fn issuer_of(der: &[u8]) -> Option<String> {
    X509Certificate::from_der(der)
        .ok()
        .map(|(_, cert)| cert.issuer().to_string())
}

/// `finding` with the inspecting proxies a device that trusts their root passes through: a
/// passing finding becomes a `Warn` (its failure and evidence kept), any other keeps its status
/// and gains the words; what still breaks is said once ([`TRUSTED_CONSEQUENCE`]), its source as
/// evidence.
#[must_use]
pub fn warn_of_inspection(mut finding: Finding, inspections: &[Inspection]) -> Finding {
    if inspections.is_empty() {
        return finding;
    }
    let hosts: Vec<String> = inspections.iter().map(Inspection::describe).collect();
    let said = format!("{}: {TRUSTED_CONSEQUENCE}", hosts.join("; "));
    finding
        .evidence
        .push(Evidence::note(format!("source: {INSPECTION_SOURCE}")));
    if finding.status == Status::Pass {
        finding.status = Status::Warn;
    }
    finding.summary = format!("{}; but {said}", finding.summary);
    if matches!(finding.status, Status::Warn) {
        finding.remediation = Some(match finding.remediation.take() {
            Some(r) => format!("{r} {INSPECTION_REMEDIATION}"),
            None => INSPECTION_REMEDIATION.to_owned(),
        });
    }
    finding
}
