//! One CDP's answer: the complete CRL downloaded from it, judged off the async workers, then —
//! when the CA publishes delta CRLs — the delta fetched through the run's network layer (its
//! cache, proxy, caps and budget) and combined with it. Each delta download is its own
//! [`CrlFetch`] record.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;
use wpj_core::{CrlFetch, CrlOutcome, RevocationStatus};
use wpj_net::{FetchError, Net};

use super::judge::{Asked, Complete, read_complete, read_delta};
use super::times::crl_times;
use crate::certificate::Parsed;

/// The record of one CRL download (`delta`: fetched through `FreshestCRL`): its URL, size, dates,
/// time, and — for a failed download — why; a downloaded CRL's outcome is `Ok` until judged.
#[must_use]
pub(crate) fn record(
    url: &str,
    body: &Result<Arc<Vec<u8>>, FetchError>,
    elapsed: Duration,
    delta: bool,
    net: &Net,
) -> CrlFetch {
    let mut fetch = CrlFetch {
        url: url.to_owned(),
        delta,
        outcome: CrlOutcome::Ok,
        bytes: None,
        this_update: None,
        next_update: None,
        elapsed,
    };
    match body {
        Err(e) if e.is_own_limit() => fetch.outcome = CrlOutcome::NotRead(e.to_string()),
        Err(e) => fetch.outcome = CrlOutcome::Unreachable(crate::revocation::unreachable(e, net)),
        Ok(body) => {
            fetch.bytes = Some(body.len());
            if let Some(times) = crl_times(body) {
                fetch.this_update = Some(times.this_update);
                fetch.next_update = times.next_update;
            }
        }
    }
    fetch
}

/// Runs `judge` on the certificate at `position` of `path` and its issuer (the next one), on a
/// blocking thread: reading and verifying a large CRL is CPU work.
async fn off_workers<T: Send + 'static>(
    path: &[CertificateDer<'static>],
    position: usize,
    judge: impl FnOnce(&Asked<'_>) -> Result<T, CrlOutcome> + Send + 'static,
) -> Result<T, CrlOutcome> {
    let (Some(cert), Some(issuer)) = (path.get(position), path.get(position + 1)) else {
        return Err(CrlOutcome::Unverifiable(
            "the certificate's issuer is not in the chain".to_owned(),
        ));
    };
    let (cert, issuer) = (cert.clone(), issuer.clone());
    tokio::task::spawn_blocking(move || {
        // A certificate the TLS step read but x509-parser cannot: this tool's limit, not a device's.
        let unreadable = |what: &str| {
            CrlOutcome::NotRead(format!("this tool cannot read the {what} to judge the CRL"))
        };
        let cert = Parsed::new(&cert).ok_or_else(|| unreadable("certificate"))?;
        let issuer = Parsed::new(&issuer).ok_or_else(|| unreadable("issuer"))?;
        let cdps = cert.crl_urls();
        judge(&Asked {
            cert: &cert.cert,
            issuer: &issuer.cert,
            cdps: &cdps,
        })
    })
    .await
    .unwrap_or_else(|e| Err(CrlOutcome::NotRead(format!("the CRL check failed: {e}"))))
}

/// What the complete CRL `body` (from one of the certificate's CDP URLs) says about the
/// certificate at `position` of `path`, with its delta CRL when the CA publishes them; and the
/// record of every delta download (tried in the order listed until one can be used).
///
/// A delta that cannot be had (unreachable, stale, mismatched, badly signed) leaves the status
/// unknown: [`CrlOutcome::DeltaUnusable`] for the complete CRL, the delta's own outcome in its
/// record.
pub(crate) async fn judge_download(
    body: Arc<Vec<u8>>,
    path: &[CertificateDer<'static>],
    position: usize,
    net: &Net,
    now: OffsetDateTime,
) -> (Result<RevocationStatus, CrlOutcome>, Vec<CrlFetch>) {
    let complete = off_workers(path, position, move |asked| {
        read_complete(&body, asked, now)
    })
    .await;
    let complete = match complete {
        Ok(c) => Arc::new(c),
        Err(why) => return (Err(why), Vec::new()),
    };
    if !complete.needs_delta() {
        return (Ok(complete.status(None)), Vec::new());
    }
    let mut records = Vec::new();
    for url in &complete.freshest {
        let started = Instant::now();
        let body = net.fetch(url, net.limits().crl).await;
        let mut fetch = record(url, &body, started.elapsed(), true, net);
        if let Ok(body) = body {
            let base: Arc<Complete> = Arc::clone(&complete);
            match off_workers(path, position, move |asked| {
                read_delta(&body, asked, &base, now)
            })
            .await
            {
                Ok(entry) => {
                    records.push(fetch);
                    return (Ok(complete.status(entry)), records);
                }
                Err(why) => fetch.outcome = why,
            }
        }
        records.push(fetch);
    }
    (Err(CrlOutcome::DeltaUnusable), records)
}
