//! Revocation as devices in the run's other DNS views see it. A device asks the same OCSP and CRL
//! URLs as the run, through its own DNS: on a split-horizon network, a revocation host published
//! only inside leaves devices outside without an answer, and Windows treats that as a failure
//! (0x80072F19), even though the run — in its first view — checked the certificate.
//!
//! What is checked is name resolution: for each certificate, whether any of its http revocation
//! hosts resolves in the view. A host the run's proxy carries is not looked up (the proxy resolves
//! it, for every device), nor is anything for a leaf whose stapled response decided (a device gets
//! the staple in the handshake).

use std::collections::HashMap;

use futures_util::future::join_all;

use wpj_core::{
    Context, Evidence, Finding, JoinFailure, ResolverView, Resolvers, RevocationInfo,
    RevocationSource, Status,
};
use wpj_net::{Net, host_of};

use crate::certificate::Parsed;

/// A certificate whose revocation devices in one view cannot check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Unanswered {
    /// The view's name.
    view: String,
    /// Position of the certificate (0 = leaf) and its subject.
    position: usize,
    subject: String,
    /// Its revocation hosts, each with why it does not resolve in the view.
    hosts: Vec<(String, String)>,
}

/// The certificates of `infos` (checked in the run's first view, `path` leaf first) that devices
/// in each other view of the run cannot check, because none of their revocation hosts resolves
/// there.
pub(crate) async fn unanswered_in_other_views(
    path: &[rustls_pki_types::CertificateDer<'static>],
    infos: &[RevocationInfo],
    cx: &Context,
    net: &Net,
) -> Vec<Unanswered> {
    let Resolvers::Views(views) = &cx.settings().resolvers else {
        return Vec::new();
    };
    let mut unanswered = Vec::new();
    for view in views.iter().skip(1) {
        unanswered.extend(unanswered_in(view, path, infos, net).await);
    }
    unanswered
}

/// The most revocation hosts looked up per view: a chain names a handful; a hostile certificate
/// listing thousands is judged on its first ones.
const MAX_HOSTS: usize = 16;

async fn unanswered_in(
    view: &ResolverView,
    path: &[rustls_pki_types::CertificateDer<'static>],
    infos: &[RevocationInfo],
    net: &Net,
) -> Vec<Unanswered> {
    // Each certificate's http revocation hosts (not for a leaf its staple decided).
    let asked: Vec<(&RevocationInfo, Vec<String>)> = infos
        .iter()
        .filter(|info| info.decided_by != Some(RevocationSource::Stapled))
        .filter_map(|info| {
            let parsed = path.get(info.position).and_then(Parsed::new)?;
            let mut hosts: Vec<String> = Vec::new();
            for url in parsed.ocsp_urls().into_iter().chain(parsed.crl_urls()) {
                let direct = !net.proxy().is_some_and(|p| p.applies_to(&url));
                let http = url
                    .get(..7)
                    .is_some_and(|s| s.eq_ignore_ascii_case("http://"));
                if let Some(host) = host_of(&url).filter(|_| direct && http)
                    && !hosts.contains(&host)
                {
                    hosts.push(host);
                }
            }
            (!hosts.is_empty()).then_some((info, hosts))
        })
        .collect();
    // Every distinct host once, all at the same time (each lookup bounded by the DNS time-out).
    let mut distinct: Vec<&String> = asked.iter().flat_map(|(_, hosts)| hosts).collect();
    distinct.sort();
    distinct.dedup();
    distinct.truncate(MAX_HOSTS);
    let resolver = net.resolver_in(view);
    let answers = join_all(distinct.iter().map(|host| {
        let resolver = &resolver;
        async move {
            let why = resolver
                .lookup(host)
                .await
                .err()
                .map(|lookup| lookup.outcome.to_string());
            ((*host).clone(), why)
        }
    }))
    .await;
    let failed: HashMap<String, String> = answers
        .into_iter()
        .filter_map(|(host, why)| Some((host, why?)))
        .collect();
    asked
        .into_iter()
        .filter_map(|(info, hosts)| {
            // Unanswered only when every host was looked up and none resolves.
            let reasons: Option<Vec<(String, String)>> = hosts
                .iter()
                .map(|h| failed.get(h).map(|why| (h.clone(), why.clone())))
                .collect();
            reasons.map(|hosts| Unanswered {
                view: view.name.clone(),
                position: info.position,
                subject: info.subject.clone(),
                hosts,
            })
        })
        .collect()
}

/// `finding` (the revocation step's, from the run's first view) with what devices in the other
/// views meet: a passing finding fails with 0x80072F19 naming the view; one that already failed
/// keeps its verdict and gains the words as notes.
pub(crate) fn with_other_views(mut finding: Finding, unanswered: &[Unanswered]) -> Finding {
    let said: Vec<String> = unanswered.iter().map(describe).collect();
    if said.is_empty() {
        return finding;
    }
    if matches!(finding.status, Status::Pass | Status::Warn) {
        let mut failed = Finding::fail(
            finding.check.clone(),
            JoinFailure::RevocationOffline,
            format!(
                "{}; but {}: Windows treats an unknown revocation status as a failure (hard-fail)",
                finding.summary,
                said.join("; ")
            ),
        )
        .with_remediation(
            "Publish the CRL and OCSP hosts in every DNS view devices use (split-horizon DNS: \
             the external zone too), and make them reachable over http from there.",
        );
        failed.evidence = std::mem::take(&mut finding.evidence);
        failed
    } else {
        finding
            .evidence
            .extend(said.into_iter().map(Evidence::note));
        finding
    }
}

fn describe(u: &Unanswered) -> String {
    let role = if u.position == 0 {
        "the server certificate"
    } else {
        "the intermediate"
    };
    let hosts: Vec<String> = u
        .hosts
        .iter()
        .map(|(host, why)| format!("{host} ({why})"))
        .collect();
    format!(
        "devices that use the {} DNS view cannot check the revocation of {role} {}: none of its \
         revocation hosts resolves there — {}",
        u.view,
        u.subject,
        hosts.join(", ")
    )
}
