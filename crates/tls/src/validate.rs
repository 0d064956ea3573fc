//! Validating a captured chain in Windows' terms, reporting every problem rather than the first.

use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use time::OffsetDateTime;
use webpki::{EndEntityCert, ExtendedKeyUsageValidator, KeyPurposeIdIter};
use wpj_core::{CertificateInfo, CertificateSource, JoinFailure};

use crate::certificate::{Parsed, path_time, unix};
use wpj_net::{Net, TrustStore};

/// One thing wrong with the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) position: usize,
    pub(crate) failure: JoinFailure,
    pub(crate) detail: String,
}

/// Everything learnt about the chain.
#[derive(Debug, Default)]
pub(crate) struct Assessment {
    pub(crate) certificates: Vec<CertificateInfo>,
    pub(crate) problems: Vec<Problem>,
    /// Problems Windows copes with but other clients do not.
    pub(crate) warnings: Vec<String>,
    /// Leaf, intermediates, then the trust anchor, when a path to a trusted root was built.
    pub(crate) path: Option<Vec<CertificateDer<'static>>>,
}

/// Accepts any extended key usage: usage is judged separately, so that a wrong usage does not hide
/// a path problem.
pub(crate) struct AnyUsage;

impl ExtendedKeyUsageValidator for AnyUsage {
    fn validate(&self, _: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        Ok(())
    }
}

/// Builds a path from `leaf` through `intermediates` to a root of `store`, at `time`.
fn build_path(
    leaf: &CertificateDer<'static>,
    intermediates: &[CertificateDer<'static>],
    store: &TrustStore,
    time: UnixTime,
) -> Result<Vec<CertificateDer<'static>>, webpki::Error> {
    let anchors = store.anchors();
    let ee = EndEntityCert::try_from(leaf)?;
    let path = ee.verify_for_usage(
        crate::signatures::ALGORITHMS,
        &anchors,
        intermediates,
        time,
        AnyUsage,
        None,
        None,
    )?;
    let mut certs = vec![leaf.clone()];
    certs.extend(
        path.intermediate_certificates()
            .map(|c| c.der().into_owned()),
    );
    if let Some(root) = store.by_subject(path.anchor().subject.as_ref()) {
        certs.push(root.clone());
    }
    Ok(certs)
}

fn date(t: OffsetDateTime) -> String {
    t.date().to_string()
}

/// Judges the chain `served` for `name` at `now`. Fetches a missing intermediate from the leaf's AIA
/// URL, as Windows does.
pub(crate) async fn assess(
    served: &[CertificateDer<'static>],
    net: &Net,
    name: &str,
    now: OffsetDateTime,
) -> Assessment {
    let mut out = Assessment::default();
    let parsed: Vec<Parsed<'_>> = served.iter().map_while(Parsed::new).collect();
    if parsed.len() != served.len() || parsed.is_empty() {
        out.problems.push(Problem {
            position: parsed.len(),
            failure: JoinFailure::InvalidCert,
            detail: "the server sent a certificate that cannot be parsed".to_owned(),
        });
        return out;
    }
    for (i, p) in parsed.iter().enumerate() {
        out.certificates.push(p.info(i, CertificateSource::Served));
    }
    check_name(&parsed[0], served, name, &mut out);
    check_dates(&parsed, now, &mut out);
    check_usage(&parsed[0], &mut out);
    check_path(served, &parsed, net, now, &mut out).await;
    out
}

fn check_name(
    leaf: &Parsed<'_>,
    served: &[CertificateDer<'static>],
    name: &str,
    out: &mut Assessment,
) {
    let Ok(server_name) = ServerName::try_from(name.to_owned()) else {
        return;
    };
    let matches = EndEntityCert::try_from(&served[0])
        .and_then(|ee| ee.verify_is_valid_for_subject_name(&server_name))
        .is_ok();
    if !matches {
        let names = leaf.dns_names();
        let covers = if names.is_empty() {
            "no DNS names".to_owned()
        } else {
            names.join(", ")
        };
        out.problems.push(Problem {
            position: 0,
            failure: JoinFailure::CertNameInvalid,
            detail: format!("the certificate names {covers}, not {name}"),
        });
    }
}

fn check_dates(parsed: &[Parsed<'_>], now: OffsetDateTime, out: &mut Assessment) {
    for (i, p) in parsed.iter().enumerate() {
        let detail = if now < p.not_before() {
            format!(
                "{} is not valid before {}",
                p.subject(),
                date(p.not_before())
            )
        } else if now > p.not_after() {
            format!("{} expired on {}", p.subject(), date(p.not_after()))
        } else {
            continue;
        };
        out.problems.push(Problem {
            position: i,
            failure: JoinFailure::CertDateInvalid,
            detail,
        });
    }
}

fn check_usage(leaf: &Parsed<'_>, out: &mut Assessment) {
    if leaf.server_auth() == Some(false) {
        out.problems.push(Problem {
            position: 0,
            failure: JoinFailure::InvalidCert,
            detail: format!(
                "its extended key usage ({}) does not include server authentication",
                leaf.usages().join(", ")
            ),
        });
    }
}

async fn check_path(
    served: &[CertificateDer<'static>],
    parsed: &[Parsed<'_>],
    net: &Net,
    now: OffsetDateTime,
    out: &mut Assessment,
) {
    let store = net.trust();
    let time = unix(path_time(parsed, now));
    let error = match build_path(&served[0], &served[1..], store, time) {
        Ok(path) => {
            record_anchor(&path, store, out);
            out.path = Some(path);
            return;
        }
        Err(e) => e,
    };
    let top_index = parsed.len() - 1;
    let top = &parsed[top_index];
    if matches!(
        error,
        webpki::Error::CertExpired { .. }
            | webpki::Error::CertNotValidYet { .. }
            | webpki::Error::InvalidCertValidity
    ) {
        // The validity windows do not overlap; the dates are reported on their own.
        return;
    }
    if error != webpki::Error::UnknownIssuer {
        out.problems.push(Problem {
            position: top_index,
            failure: JoinFailure::InvalidCert,
            detail: format!("the chain does not verify: {error}"),
        });
        return;
    }
    if top.self_issued() {
        out.problems.push(Problem {
            position: top_index,
            failure: JoinFailure::InvalidCa,
            detail: format!(
                "the chain ends in the self-signed {}, which the device does not trust",
                top.subject()
            ),
        });
        return;
    }
    if top_index > 0 {
        // The server sent intermediates; the one at the top names an issuer nobody trusts.
        out.problems.push(Problem {
            position: top_index,
            failure: JoinFailure::InvalidCa,
            detail: format!(
                "the chain ends in {}, which is not a trusted root (it issued {})",
                top.issuer(),
                top.subject()
            ),
        });
        return;
    }
    fetch_missing_intermediate(served, parsed, net, time, out).await;
}

/// The server sent the leaf alone: fetch its issuer through AIA, as Windows does.
async fn fetch_missing_intermediate(
    served: &[CertificateDer<'static>],
    parsed: &[Parsed<'_>],
    net: &Net,
    time: UnixTime,
    out: &mut Assessment,
) {
    let store = net.trust();
    let leaf = &parsed[0];
    let urls = leaf.ca_issuers();
    let missing = |why: String| Problem {
        position: 0,
        failure: JoinFailure::InvalidCa,
        detail: format!(
            "the server sends only its own certificate, issued by {}, which is neither sent nor a trusted root: {why}",
            leaf.issuer()
        ),
    };
    if urls.is_empty() {
        out.problems.push(missing(
            "the intermediate is missing and the certificate has no AIA URL to fetch it from (or the root is not trusted)"
                .to_owned(),
        ));
        return;
    }
    let mut failures = Vec::new();
    for url in &urls {
        let der = match net.fetch(url, net.limits().certificate).await {
            Ok(body) => CertificateDer::from(body.to_vec()),
            Err(e) => {
                failures.push(format!("{url}: {e}"));
                continue;
            }
        };
        let Some(intermediate) = Parsed::new(&der).map(|p| p.info(1, CertificateSource::Aia))
        else {
            failures.push(format!("{url}: not a DER certificate"));
            continue;
        };
        match build_path(&served[0], std::slice::from_ref(&der), store, time) {
            Ok(path) => {
                out.warnings.push(format!(
                    "the server does not send its intermediate certificate ({}); Windows fetches it from {url}, \
                     but other clients and devices that cannot reach that URL fail",
                    intermediate.subject
                ));
                out.certificates.push(intermediate);
                record_anchor(&path, store, out);
                out.path = Some(path);
                return;
            }
            Err(e) => {
                failures.push(format!(
                    "{url} gives {}, but the chain still does not reach a trusted root ({e})",
                    intermediate.subject
                ));
                out.certificates.push(intermediate);
            }
        }
    }
    out.problems.push(missing(format!(
        "fetching the intermediate through AIA failed ({})",
        failures.join("; ")
    )));
}

fn record_anchor(path: &[CertificateDer<'static>], store: &TrustStore, out: &mut Assessment) {
    if let Some(last) = path.last()
        && path.len() > 1
        && store.roots().contains(last)
        && let Some(root) = Parsed::new(last)
    {
        out.certificates
            .push(root.info(path.len() - 1, CertificateSource::TrustStore));
    }
}
