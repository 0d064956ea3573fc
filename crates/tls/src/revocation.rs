//! The revocation step: every CRL of every non-root certificate, fetched concurrently and judged
//! three ways (good, revoked, unknown), hard-fail as Windows does.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures_util::future::join_all;
use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;
use wpj_core::{
    Check, CheckId, Context, CrlOutcome, Evidence, Finding, JoinFailure, RevocationInfo,
    RevocationStatus,
};
use wpj_net::Net;

use crate::certificate::Parsed;
use crate::tls_check::{CapturedChain, TlsCheck};

/// A CRL whose `nextUpdate` is closer than this is reported: cached copies run out soon.
pub const EXPIRY_WARNING: Duration = Duration::from_secs(24 * 3600);

/// Checks revocation of every non-root certificate in the chain through its CRL distribution
/// points: revoked anywhere → 0x80072F8A (KB3045383) naming the certificate; unknown anywhere
/// (CDP unreachable, timed out, HTTP error, not a CRL, bad signature, expired CRL, no CDP, only
/// `ldap://`) → 0x80072F19 (KB3045384), because Windows treats an unknown status as a failure.
/// Each CRL's `thisUpdate`/`nextUpdate` is reported; a CRL that expires within a day is a `Warn`.
///
/// It runs even when the TLS step failed, as long as a chain was captured: a name mismatch and a
/// revoked certificate are both worth knowing.
#[derive(Debug, Clone, Default)]
pub struct RevocationCheck;

impl RevocationCheck {
    /// The check's id.
    pub const ID: CheckId = CheckId::new_static("revocation");
}

/// One certificate to check: its position, itself, and the path it sits in.
struct Subject<'a> {
    position: usize,
    path: &'a [CertificateDer<'static>],
}

#[async_trait]
impl Check for RevocationCheck {
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
        let Some(chain) = cx.output::<CapturedChain>() else {
            return Finding::skipped(Self::ID, "not run: no certificate chain was captured");
        };
        // A trusted path when there is one; else the chain as served, its top taken as the issuer.
        let path: &[CertificateDer<'static>] = match &chain.path {
            Some(path) => path,
            None if chain.served.len() > 1 => &chain.served,
            None => {
                return Finding::skipped(
                    Self::ID,
                    "not run: the leaf's issuer is unknown, so its CRL signature cannot be checked",
                );
            }
        };
        check_path(path, chain.path.is_some(), cx).await
    }
}

/// Checks the revocation of every non-root certificate of `path` (leaf first, its issuer's
/// certificate last) as the revocation step does, through the run's DNS: the step's own finding
/// for that chain. `trusted` says whether `path` ends in a trust anchor (else its top certificate
/// is only taken as the issuer). Used for every chain a device validates: the registration
/// service's, and those of the hosts it signs in at.
pub async fn check_path(path: &[CertificateDer<'static>], trusted: bool, cx: &Context) -> Finding {
    let net = match Net::for_run(cx) {
        Ok(net) => net,
        Err(e) => return Finding::error(RevocationCheck::ID, e.to_string()),
    };
    let now = OffsetDateTime::now_utc();
    let subjects: Vec<Subject<'_>> = (0..path.len().saturating_sub(1))
        .map(|position| Subject { position, path })
        .collect();
    let infos = join_all(subjects.iter().map(|s| check_one(s, &net, now))).await;
    judge(infos, now, trusted)
}

async fn check_one(s: &Subject<'_>, net: &Net, now: OffsetDateTime) -> RevocationInfo {
    let cert = &s.path[s.position];
    let parsed = Parsed::new(cert);
    let (subject, serial, urls, ocsp) = parsed.as_ref().map_or_else(
        || {
            (
                String::from("(unparseable)"),
                String::new(),
                Vec::new(),
                Vec::new(),
            )
        },
        |p| (p.subject(), p.serial_hex(), p.crl_urls(), p.ocsp_urls()),
    );
    let unknown = |why: String, crls| RevocationInfo {
        position: s.position,
        subject: subject.clone(),
        serial: serial.clone(),
        status: RevocationStatus::Unknown { why },
        crls,
    };
    if urls.is_empty() {
        let ocsp_note = if ocsp.is_empty() {
            String::new()
        } else {
            format!(
                " (it names OCSP responder {}, which is not checked here)",
                ocsp.join(", ")
            )
        };
        return unknown(
            format!("the certificate has no CRL distribution point{ocsp_note}"),
            Vec::new(),
        );
    }
    let downloads = join_all(urls.iter().map(|url| async move {
        let started = Instant::now();
        let body = net.fetch(url, net.limits().crl).await;
        (url, body, started.elapsed())
    }))
    .await;

    let mut crls = Vec::new();
    let mut status: Option<RevocationStatus> = None;
    let mut reasons = Vec::new();
    for (url, body, elapsed) in downloads {
        let mut fetch = crate::crl::record(url, &body, elapsed, false);
        let mut deltas = Vec::new();
        if let Ok(body) = body {
            let (verdict, delta_fetches) =
                crate::crl::judge_download(body, s.path, s.position, net, now).await;
            deltas = delta_fetches;
            match verdict {
                Ok(found) => {
                    fetch.outcome = CrlOutcome::Ok;
                    // A revocation is final; a good answer only counts if nothing said revoked.
                    if matches!(found, RevocationStatus::Revoked { .. }) || status.is_none() {
                        status = Some(found);
                    }
                }
                Err(why) => fetch.outcome = why,
            }
        }
        for record in std::iter::once(&fetch).chain(&deltas) {
            if !record.outcome.is_ok() {
                let kind = if record.delta { "delta CRL " } else { "" };
                reasons.push(format!("{kind}{}: {}", record.url, record.outcome));
            }
        }
        crls.push(fetch);
        crls.extend(deltas);
    }
    match status {
        Some(status) => RevocationInfo {
            position: s.position,
            subject,
            serial,
            status,
            crls,
        },
        None => unknown(reasons.join("; "), crls),
    }
}

fn judge(infos: Vec<RevocationInfo>, now: OffsetDateTime, trusted: bool) -> Finding {
    let id = RevocationCheck::ID;
    let revoked: Vec<&RevocationInfo> = infos
        .iter()
        .filter(|i| matches!(i.status, RevocationStatus::Revoked { .. }))
        .collect();
    let unknown: Vec<&RevocationInfo> = infos
        .iter()
        .filter(|i| matches!(i.status, RevocationStatus::Unknown { .. }))
        .collect();
    let describe = |i: &RevocationInfo| {
        let role = if i.position == 0 {
            "the server certificate"
        } else {
            "the intermediate"
        };
        format!("{role} {} (serial {})", i.subject, i.serial)
    };
    let mut finding = if let Some(first) = revoked.first() {
        let RevocationStatus::Revoked { revoked_at, reason } = &first.status else {
            unreachable!("filtered on Revoked")
        };
        let when = revoked_at.map_or_else(String::new, |t| format!(" on {}", t.date()));
        let why = reason
            .as_ref()
            .map_or_else(String::new, |r| format!(" ({r})"));
        Finding::fail(
            id,
            JoinFailure::CertRevoked,
            format!("{} was revoked{when}{why}", describe(first)),
        )
    } else if let Some(first) = unknown.iter().find(|i| {
        i.crls
            .iter()
            .any(|c| matches!(c.outcome, CrlOutcome::NotRead(_)))
    }) {
        // The tool's own limit stopped it: nothing to say about a device.
        Finding::error(
            id,
            format!(
                "the revocation status of {} was not determined: a CRL was not read because this \
                 run's byte budget was spent (a limit of this tool, not something a device meets); \
                 diagnose again with fewer hosts, or fetch the CRL by hand",
                describe(first)
            ),
        )
    } else if let Some(first) = unknown.first() {
        let RevocationStatus::Unknown { why } = &first.status else {
            unreachable!("filtered on Unknown")
        };
        Finding::fail(
            id,
            JoinFailure::RevocationOffline,
            format!(
                "the revocation status of {} cannot be determined: {why}. Windows treats this as a failure (hard-fail), unlike most browsers",
                describe(first)
            ),
        )
    } else {
        let soon: Vec<String> = infos
            .iter()
            .flat_map(|i| &i.crls)
            .filter_map(|c| {
                let next = c.next_update?;
                let left = next - now;
                (left < time::Duration::try_from(EXPIRY_WARNING).unwrap_or(time::Duration::DAY))
                    .then(|| format!("{} expires {} (in {} h)", c.url, next, left.whole_hours()))
            })
            .collect();
        let checked = format!(
            "{} certificate(s) checked against their CRLs: none revoked",
            infos.len()
        );
        if soon.is_empty() {
            Finding::pass(id, checked)
        } else {
            Finding::warn(
                id,
                format!(
                    "{checked}; but {}: devices with a cached copy keep working until then, and fail afterwards unless a fresh CRL is published",
                    soon.join(", ")
                ),
            )
            .with_failure(JoinFailure::RevocationOffline)
            .with_remediation("Publish a fresh CRL before the current one's nextUpdate (check the CA's CRL publishing schedule).")
        }
    };
    if !trusted {
        finding = finding.with_evidence(Evidence::note(
            "the chain does not reach a trusted root; revocation was checked along the chain as served",
        ));
    }
    finding
        .evidence
        .extend(infos.into_iter().map(Evidence::Revocation));
    finding
}
