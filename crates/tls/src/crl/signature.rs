//! A CRL's signature, verified over its signed bytes with the issuer's public key — for every CRL
//! used, in or out of scope, complete or delta, version 1 or 2.

use wpj_core::CrlOutcome;
use x509_parser::prelude::X509Certificate;

use super::der::{BIT_STRING, Elements, SEQUENCE, tlv};
use super::list::CrlList;
use crate::signatures::ALGORITHMS;

/// Checks that `crl` is signed by `issuer`'s key, with an algorithm webpki's ring provider knows,
/// and that `issuer` may sign CRLs (`keyUsage` `cRLSign`, when it has a `keyUsage`).
pub(crate) fn verify(crl: &CrlList<'_>, issuer: &X509Certificate<'_>) -> Result<(), CrlOutcome> {
    if let Ok(Some(usage)) = issuer.key_usage()
        && !usage.value.crl_sign()
    {
        return Err(CrlOutcome::Unverifiable(
            "the issuer's key usage does not include cRLSign".to_owned(),
        ));
    }
    let (key_algorithm, key) = spki_parts(issuer.public_key().raw).ok_or_else(|| {
        CrlOutcome::Unverifiable("the issuer's public key is unreadable".to_owned())
    })?;
    let algorithm = ALGORITHMS
        .iter()
        .find(|a| {
            a.signature_alg_id().as_ref() == crl.signature_algorithm
                && a.public_key_alg_id().as_ref() == key_algorithm
        })
        .ok_or_else(|| {
            CrlOutcome::Unverifiable(
                "the CRL's signature algorithm does not fit the issuer's key, or is unsupported"
                    .to_owned(),
            )
        })?;
    algorithm
        .verify_signature(key, crl.signed, crl.signature)
        .map_err(|_| CrlOutcome::BadSignature)
}

/// A `SubjectPublicKeyInfo`'s algorithm (content of its `AlgorithmIdentifier`) and key bits.
fn spki_parts(spki: &[u8]) -> Option<(&[u8], &[u8])> {
    let outer = tlv(spki).filter(|t| t.tag == SEQUENCE)?;
    let mut parts = Elements::new(outer.content);
    let algorithm = parts.next().filter(|t| t.tag == SEQUENCE)?;
    let key = parts.next().filter(|t| t.tag == BIT_STRING)?;
    match key.content.split_first() {
        Some((0, bits)) => Some((algorithm.content, bits)),
        _ => None,
    }
}
