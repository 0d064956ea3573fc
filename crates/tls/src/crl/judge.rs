//! What one complete CRL, and the delta CRL that updates it, say about one certificate.
//!
//! Every CRL is read (version 1 or 2), checked to come from the certificate's issuer, its
//! signature verified with the issuer's key, and its scope checked — in that order, so a CRL out
//! of scope with a bad signature is reported as a bad signature, never believed. A delta CRL is
//! combined with its complete CRL only under RFC 5280 §5.2.4's conditions.

use time::OffsetDateTime;
use wpj_core::{CrlOutcome, RevocationStatus};
use x509_parser::num_bigint::BigUint;
use x509_parser::prelude::X509Certificate;

use super::list::{
    CERTIFICATE_HOLD, CrlEntry, CrlList, CrlReadError, REMOVE_FROM_CRL, reason_name,
};
use super::scope::covers;
use super::signature::verify;
use super::urls::certificate_freshest_urls;

/// The certificate whose status is asked, and its issuer's certificate.
#[derive(Debug)]
pub(crate) struct Asked<'a> {
    /// The certificate.
    pub(crate) cert: &'a X509Certificate<'a>,
    /// Its issuer.
    pub(crate) issuer: &'a X509Certificate<'a>,
    /// The certificate's CRL distribution point URLs.
    pub(crate) cdps: &'a [String],
}

/// What a complete (base) CRL says, and what is needed to combine a delta with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Complete {
    /// The certificate's entry, if listed.
    pub(crate) entry: Option<CrlEntry>,
    /// Its `cRLNumber`.
    number: Option<BigUint>,
    /// Its `issuingDistributionPoint`, DER (a delta must have the same scope).
    scope: Option<Vec<u8>>,
    /// Where its delta CRLs are: the CRL's `FreshestCRL`, else the certificate's. Both are places
    /// `CryptoAPI` reads (`CryptGetObjectUrl`'s `URL_OID_CRL_FRESHEST_CRL` and
    /// `URL_OID_CERTIFICATE_FRESHEST_CRL`, <https://learn.microsoft.com/windows/win32/api/wincrypt/nf-wincrypt-cryptgetobjecturl>);
    /// a base CRL carrying `FreshestCRL` makes Windows require a valid delta ("Can disabling Delta
    /// CRL on a CA cause problems?", <https://mssec.wordpress.com/2014/02/04/can-disabling-delta-crl-on-a-ca-cause-problems/>).
    /// Which of the two wins when both are present is unconfirmed; the CRL's comes first here.
    /// Empty: no delta CRLs.
    pub(crate) freshest: Vec<String>,
}

impl Complete {
    /// Whether a delta CRL must be read before the answer is definitive: the CA publishes deltas,
    /// and the complete CRL does not already revoke the certificate for good (a certificate on
    /// hold may be released by a delta's `removeFromCRL` entry).
    #[must_use]
    pub(crate) fn needs_delta(&self) -> bool {
        !self.freshest.is_empty()
            && self
                .entry
                .is_none_or(|e| e.reason == Some(CERTIFICATE_HOLD))
    }

    /// The status from this CRL and the certificate's entry in its delta CRL, if a delta was read
    /// and lists it. A delta entry replaces the complete CRL's; one with reason `removeFromCRL`
    /// un-revokes.
    #[must_use]
    pub(crate) fn status(&self, delta_entry: Option<CrlEntry>) -> RevocationStatus {
        match delta_entry.or(self.entry) {
            None => RevocationStatus::Good,
            Some(e) if e.reason == Some(REMOVE_FROM_CRL) => RevocationStatus::Good,
            Some(e) => RevocationStatus::Revoked {
                revoked_at: Some(e.revoked_at),
                reason: e.reason.map(reason_name),
            },
        }
    }
}

fn not_a_crl(e: &CrlReadError) -> CrlOutcome {
    CrlOutcome::NotACrl(e.to_string())
}

/// Reads `der`, checks its issuer and signature (always) and its scope; returns it and the
/// certificate's entry.
fn read<'d>(
    der: &'d [u8],
    asked: &Asked<'_>,
) -> Result<(CrlList<'d>, Option<CrlEntry>), CrlOutcome> {
    let crl = CrlList::from_der(der).map_err(|e| not_a_crl(&e))?;
    if crl.issuer != asked.cert.issuer().as_raw() {
        return Err(CrlOutcome::WrongIssuer);
    }
    verify(&crl, asked.issuer)?;
    covers(&crl, asked.cert, asked.cdps).map_err(CrlOutcome::NotInScope)?;
    let entry = crl
        .find(asked.cert.raw_serial())
        .map_err(|e| not_a_crl(&e))?;
    Ok((crl, entry))
}

/// Judges the complete CRL `der` downloaded from one of the certificate's CDP URLs.
pub(crate) fn read_complete(
    der: &[u8],
    asked: &Asked<'_>,
    now: OffsetDateTime,
) -> Result<Complete, CrlOutcome> {
    let (crl, entry) = read(der, asked)?;
    if !matches!(crl.delta_base(), Ok(None)) {
        return Err(CrlOutcome::DeltaMismatch(
            "a delta CRL is published where the complete CRL should be".to_owned(),
        ));
    }
    // A CRL past its `nextUpdate` is not used at all, revoked entries included: RFC 5280 §6.3.3
    // asks for a fresh one, and without it the status is unknown (0x80072F19) — as for a stale
    // OCSP response. That CryptoAPI ignores the revoked entries of such a CRL too is unconfirmed.
    if let Some(next) = crl.next_update.filter(|next| *next < now) {
        return Err(CrlOutcome::Expired { next_update: next });
    }
    not_yet_valid(&crl, now)?;
    let mut freshest = crl.freshest_urls();
    if freshest.is_empty() {
        freshest = certificate_freshest_urls(asked.cert);
    }
    Ok(Complete {
        entry,
        number: crl.number(),
        scope: crl.issuing_distribution_point().map(|e| e.value.to_vec()),
        freshest,
    })
}

/// Judges the delta CRL `der` against `complete`: the certificate's entry in it, if any.
///
/// RFC 5280 §5.2.4: combinable only if both have the same issuer and scope, the complete CRL's
/// number is at least the delta's `BaseCRLNumber`, and below the delta's own number. A delta past its
/// `nextUpdate` is not used (no definitive answer), whatever it lists.
pub(crate) fn read_delta(
    der: &[u8],
    asked: &Asked<'_>,
    complete: &Complete,
    now: OffsetDateTime,
) -> Result<Option<CrlEntry>, CrlOutcome> {
    let mismatch = |why: String| Err(CrlOutcome::DeltaMismatch(why));
    let (crl, entry) = read(der, asked)?;
    let base = match crl.delta_base() {
        Ok(Some(base)) => base,
        Ok(None) => {
            return mismatch("it has no deltaCRLIndicator: it is a complete CRL".to_owned());
        }
        Err(e) => return Err(not_a_crl(&e)),
    };
    let Some(number) = &complete.number else {
        return mismatch("the complete CRL has no CRL number".to_owned());
    };
    if base > *number {
        return mismatch(format!(
            "it updates complete CRL number {base}, newer than the complete CRL read (number {number})"
        ));
    }
    match crl.number() {
        Some(own) if own > *number => {}
        Some(own) => {
            return mismatch(format!(
                "its CRL number {own} is not above the complete CRL's {number}"
            ));
        }
        None => return mismatch("it has no CRL number".to_owned()),
    }
    let scope = crl.issuing_distribution_point().map(|e| e.value.to_vec());
    if scope != complete.scope {
        return mismatch(
            "its issuing distribution point differs from the complete CRL's".to_owned(),
        );
    }
    if let Some(next) = crl.next_update.filter(|next| *next < now) {
        return Err(CrlOutcome::Expired { next_update: next });
    }
    not_yet_valid(&crl, now)?;
    Ok(entry)
}

/// How far ahead of this machine's clock a CRL's `thisUpdate` may be (as for OCSP responses).
const CLOCK_SKEW: time::Duration = time::Duration::minutes(5);

/// A CRL issued in the future (beyond the clock skew allowed) is not time-valid yet: it says
/// nothing, as an OCSP response with such a `thisUpdate` says nothing (RFC 5280 validity; how
/// CryptoAPI treats it is unconfirmed).
fn not_yet_valid(crl: &CrlList<'_>, now: OffsetDateTime) -> Result<(), CrlOutcome> {
    if crl.this_update > now + CLOCK_SKEW {
        return Err(CrlOutcome::Unverifiable(format!(
            "the CRL's thisUpdate {} is in the future (this machine's clock, or the CA's, is wrong)",
            crl.this_update
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use rcgen::CrlScope;
    use wpj_testkit::pki::{CrlSpec, Idp, LEAF_SERIAL, Pki};

    use super::*;
    use crate::certificate::Parsed;

    fn pki() -> Pki {
        Pki::sample("contoso.test").unwrap()
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    /// Runs `f` with the leaf (or, `intermediate`, the intermediate) as the asked certificate.
    fn asking<T>(pki: &Pki, intermediate: bool, f: impl FnOnce(&Asked<'_>) -> T) -> T {
        let (cert, issuer) = if intermediate {
            (pki.intermediate.der(), pki.root.der())
        } else {
            (&pki.leaf, pki.intermediate.der())
        };
        let (cert, issuer) = (Parsed::new(cert).unwrap(), Parsed::new(issuer).unwrap());
        let cdps = cert.crl_urls();
        f(&Asked {
            cert: &cert.cert,
            issuer: &issuer.cert,
            cdps: &cdps,
        })
    }

    fn issuing(pki: &Pki, spec: &CrlSpec) -> Vec<u8> {
        pki.crl(&pki.intermediate, spec).unwrap()
    }

    fn complete_crl(pki: &Pki) -> Complete {
        let der = issuing(
            pki,
            &CrlSpec {
                number: Some(5),
                freshest: vec!["http://pki.contoso.test/pki/issuing+.crl".into()],
                ..CrlSpec::default()
            },
        );
        asking(pki, false, |a| read_complete(&der, a, now())).unwrap()
    }

    fn delta(pki: &Pki, spec: &CrlSpec) -> Result<Option<CrlEntry>, CrlOutcome> {
        let base = complete_crl(pki);
        let der = issuing(pki, spec);
        asking(pki, false, |a| read_delta(&der, a, &base, now()))
    }

    fn mismatch(outcome: Result<Option<CrlEntry>, CrlOutcome>, words: &str) {
        match outcome {
            Err(CrlOutcome::DeltaMismatch(why)) => assert!(why.contains(words), "{why}"),
            other => panic!("expected a mismatch about {words:?}, got {other:?}"),
        }
    }

    #[test]
    fn a_delta_listing_the_leaf_revokes_it() {
        let pki = pki();
        let base = complete_crl(&pki);
        assert!(base.needs_delta() && base.entry.is_none());
        let entry = delta(
            &pki,
            &CrlSpec {
                number: Some(6),
                delta_of: Some(5),
                revoked: vec![LEAF_SERIAL],
                ..CrlSpec::default()
            },
        )
        .unwrap();
        assert!(matches!(
            base.status(entry),
            RevocationStatus::Revoked { reason: Some(r), .. } if r == "KeyCompromise"
        ));
        assert_eq!(base.status(None), RevocationStatus::Good);
    }

    #[test]
    fn rfc_5280_conditions_for_combining() {
        let pki = pki();
        let spec = |number, base| CrlSpec {
            number: Some(number),
            delta_of: base,
            ..CrlSpec::default()
        };
        // The delta builds on complete CRL 7: the complete CRL read (5) is older than that.
        mismatch(
            delta(&pki, &spec(8, Some(7))),
            "newer than the complete CRL read",
        );
        // A base number at or below 5 is fine, as long as the delta itself is newer than 5.
        assert_eq!(delta(&pki, &spec(6, Some(4))), Ok(None));
        mismatch(delta(&pki, &spec(5, Some(4))), "not above");
        mismatch(delta(&pki, &spec(6, None)), "no deltaCRLIndicator");
        let scoped = CrlSpec {
            idp: Some(Idp::of("http://pki.contoso.test/pki/issuing.crl")),
            ..spec(6, Some(5))
        };
        mismatch(delta(&pki, &scoped), "issuing distribution point differs");
    }

    #[test]
    fn a_delta_is_verified_and_must_be_current() {
        let pki = pki();
        let good = CrlSpec {
            number: Some(6),
            delta_of: Some(5),
            ..CrlSpec::default()
        };
        let forged = CrlSpec {
            wrong_key: true,
            ..good.clone()
        };
        assert_eq!(delta(&pki, &forged), Err(CrlOutcome::BadSignature));
        let stale = CrlSpec {
            stale: true,
            ..good
        };
        assert!(matches!(
            delta(&pki, &stale),
            Err(CrlOutcome::Expired { .. })
        ));
    }

    #[test]
    fn a_delta_where_the_complete_crl_should_be_is_not_used() {
        let pki = pki();
        let der = issuing(
            &pki,
            &CrlSpec {
                number: Some(6),
                delta_of: Some(5),
                ..CrlSpec::default()
            },
        );
        let outcome = asking(&pki, false, |a| read_complete(&der, a, now()));
        assert!(
            matches!(outcome, Err(CrlOutcome::DeltaMismatch(_))),
            "{outcome:?}"
        );
    }

    #[test]
    fn hold_is_revoked_until_a_delta_releases_it() {
        let pki = pki();
        let der = issuing(
            &pki,
            &CrlSpec {
                held: vec![LEAF_SERIAL],
                ..CrlSpec::default()
            },
        );
        let base = asking(&pki, false, |a| read_complete(&der, a, now())).unwrap();
        assert!(!base.needs_delta(), "no FreshestCRL: no delta to wait for");
        assert!(matches!(
            base.status(None),
            RevocationStatus::Revoked { reason: Some(r), .. } if r == "CertificateHold"
        ));
        let removed = CrlEntry {
            revoked_at: now(),
            reason: Some(super::super::list::REMOVE_FROM_CRL),
        };
        assert_eq!(base.status(Some(removed)), RevocationStatus::Good);
    }

    #[test]
    fn scope_by_certificate_kind_and_distribution_point() {
        let pki = pki();
        let scoped = |url: &str, only| CrlSpec {
            idp: Some(Idp {
                only,
                ..Idp::of(url)
            }),
            ..CrlSpec::default()
        };
        let leaf_cdp = "http://pki.contoso.test/pki/issuing.crl";
        let judge = |spec: &CrlSpec| {
            let der = issuing(&pki, spec);
            asking(&pki, false, |a| read_complete(&der, a, now())).map(|c| c.entry)
        };
        assert_eq!(judge(&scoped(leaf_cdp, None)), Ok(None));
        assert_eq!(
            judge(&scoped(leaf_cdp, Some(CrlScope::UserCertsOnly))),
            Ok(None)
        );
        assert!(matches!(
            judge(&scoped(leaf_cdp, Some(CrlScope::CaCertsOnly))),
            Err(CrlOutcome::NotInScope(why)) if why.contains("only CA certificates")
        ));
        assert!(matches!(
            judge(&scoped("http://pki.contoso.test/pki/other.crl", None)),
            Err(CrlOutcome::NotInScope(_))
        ));
        let partial = |key_compromise_only, indirect| CrlSpec {
            idp: Some(Idp {
                key_compromise_only,
                indirect,
                ..Idp::of(leaf_cdp)
            }),
            ..CrlSpec::default()
        };
        assert!(matches!(
            judge(&partial(true, false)),
            Err(CrlOutcome::NotInScope(why)) if why.contains("onlySomeReasons")
        ));
        assert!(matches!(
            judge(&partial(false, true)),
            Err(CrlOutcome::NotInScope(why)) if why.contains("indirect")
        ));
        // The intermediate against a root CRL for end entities only.
        let root_crl = pki
            .crl(
                &pki.root,
                &scoped(
                    "http://pki.contoso.test/pki/root.crl",
                    Some(CrlScope::UserCertsOnly),
                ),
            )
            .unwrap();
        let outcome = asking(&pki, true, |a| read_complete(&root_crl, a, now()));
        assert!(
            matches!(&outcome, Err(CrlOutcome::NotInScope(why)) if why.contains("CA certificate")),
            "{outcome:?}"
        );
    }

    #[test]
    fn issuer_and_version_1() {
        let pki = pki();
        let root_crl = pki.crl(&pki.root, &CrlSpec::default()).unwrap();
        let outcome = asking(&pki, false, |a| read_complete(&root_crl, a, now()));
        assert_eq!(outcome, Err(CrlOutcome::WrongIssuer));

        let v1 = issuing(
            &pki,
            &CrlSpec {
                version1: true,
                revoked: vec![LEAF_SERIAL],
                ..CrlSpec::default()
            },
        );
        let base = asking(&pki, false, |a| read_complete(&v1, a, now())).unwrap();
        assert!(matches!(
            base.status(None),
            RevocationStatus::Revoked { reason: None, .. }
        ));
        // webpki, for comparison, refuses it.
        assert!(webpki::BorrowedCertRevocationList::from_der(&v1).is_err());
    }
}
