//! Building the path from the leaf to a trusted root out of everything at hand (what the server
//! sent and what AIA gave), and keeping the best one, as `CryptoAPI`'s chain engine does.
//!
//! `CryptoAPI` builds every candidate chain (fetching missing issuers through AIA) and keeps the
//! best ("How Certificate Revocation Works", Microsoft; `CertGetCertificateChain` returns the
//! highest-quality chain and keeps the others in `CERT_CHAIN_CONTEXT::rgpLowerQualityChainContext`).
//! At minimum a chain that verifies and ends in a trusted root beats one with errors; the finer
//! order of Windows' quality ranking is not documented, so here, in this order:
//! 1. a path valid now with the algorithms webpki accepts;
//! 2. a path valid now with the algorithms Windows still accepts under private roots (SHA-1, RSA
//!    from 1024 bits; [`crate::signatures::LEGACY_ALGORITHMS`]) — the caller then judges the
//!    root's origin;
//! 3. a trusted path at some other moment, which fails only on dates (judged on that path).
//!
//! webpki explores every candidate issuer for each certificate (trust anchors first), so an
//! unneeded or expired certificate among the candidates does not spoil a valid path.

use std::collections::BTreeSet;

use rustls_pki_types::{CertificateDer, SignatureVerificationAlgorithm, UnixTime};
use time::OffsetDateTime;
use webpki::EndEntityCert;
use wpj_net::TrustStore;

use crate::certificate::{Parsed, unix};
use crate::signatures::{ALGORITHMS, LEGACY_ALGORITHMS};
use crate::validate::AnyUsage;

/// At most this many other moments are tried for a path whose dates are wrong.
const MAX_MOMENTS: usize = 32;

/// The path kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Built {
    /// Leaf, intermediates, then the trust anchor.
    pub(crate) path: Vec<CertificateDer<'static>>,
    /// Whether it verifies at the time of the diagnosis (else its dates are wrong).
    pub(crate) valid_now: bool,
}

/// Verifies a path from `leaf` through any of `pool` to a root of `store` at `time`.
fn verify(
    leaf: &CertificateDer<'static>,
    pool: &[CertificateDer<'static>],
    store: &TrustStore,
    time: UnixTime,
    algorithms: &[&dyn SignatureVerificationAlgorithm],
) -> Result<Vec<CertificateDer<'static>>, webpki::Error> {
    let anchors = store.anchors();
    let ee = EndEntityCert::try_from(leaf)?;
    let path = ee.verify_for_usage(algorithms, &anchors, pool, time, AnyUsage, None, None)?;
    let mut certs = vec![leaf.clone()];
    certs.extend(
        path.intermediate_certificates()
            .map(|c| c.der().into_owned()),
    );
    if let Some(root) = store.by_anchor(path.anchor()) {
        certs.push(root.clone());
    }
    Ok(certs)
}

/// The best path from `leaf` through `pool` to a root of `store`, judged at `now`; else the error
/// webpki gives for the best attempt at `now`.
pub(crate) fn best(
    leaf: &CertificateDer<'static>,
    pool: &[CertificateDer<'static>],
    store: &TrustStore,
    now: OffsetDateTime,
) -> Result<Built, webpki::Error> {
    let at_now = unix(now);
    if let Ok(path) = verify(leaf, pool, store, at_now, ALGORITHMS) {
        return Ok(Built {
            path,
            valid_now: true,
        });
    }
    let error = match verify(leaf, pool, store, at_now, LEGACY_ALGORITHMS) {
        Ok(path) => {
            return Ok(Built {
                path,
                valid_now: true,
            });
        }
        Err(e) => e,
    };
    for moment in moments(leaf, pool, now) {
        if let Ok(path) = verify(leaf, pool, store, unix(moment), LEGACY_ALGORITHMS) {
            return Ok(Built {
                path,
                valid_now: false,
            });
        }
    }
    Err(error)
}

/// Moments just inside each certificate's validity (a second after its start, a second before its
/// end), nearest to `now` first: where a path whose dates are wrong now would verify.
fn moments(
    leaf: &CertificateDer<'static>,
    pool: &[CertificateDer<'static>],
    now: OffsetDateTime,
) -> Vec<OffsetDateTime> {
    let second = time::Duration::seconds(1);
    let set: BTreeSet<i64> = std::iter::once(leaf)
        .chain(pool)
        .filter_map(Parsed::new)
        .flat_map(|p| [p.not_before() + second, p.not_after() - second])
        .filter(|t| *t != now && t.unix_timestamp() > 0)
        .map(OffsetDateTime::unix_timestamp)
        .collect();
    let mut moments: Vec<OffsetDateTime> = set
        .into_iter()
        .filter_map(|t| OffsetDateTime::from_unix_timestamp(t).ok())
        .collect();
    moments.sort_by_key(|t| (*t - now).abs());
    moments.truncate(MAX_MOMENTS);
    moments
}
