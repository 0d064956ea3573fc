//! A CRL's signature, verified over its signed bytes with the issuer's public key — for every CRL
//! used, in or out of scope, complete or delta, version 1 or 2.

use wpj_core::CrlOutcome;
use x509_parser::prelude::X509Certificate;

use super::list::CrlList;
use crate::signatures::{SignedError, verify_signed};

/// Checks that `crl` is signed by `issuer`'s key, with an algorithm Windows accepts
/// ([`crate::signatures::LEGACY_ALGORITHMS`]: the chain's algorithms were judged by the TLS step),
/// and that `issuer` may sign CRLs (`keyUsage` `cRLSign`, when it has a `keyUsage`).
pub(crate) fn verify(crl: &CrlList<'_>, issuer: &X509Certificate<'_>) -> Result<(), CrlOutcome> {
    if let Ok(Some(usage)) = issuer.key_usage()
        && !usage.value.crl_sign()
    {
        return Err(CrlOutcome::Unverifiable(
            "the issuer's key usage does not include cRLSign".to_owned(),
        ));
    }
    verify_signed(
        issuer.public_key().raw,
        crl.signature_algorithm,
        crl.signed,
        crl.signature,
    )
    .map_err(|e| match e {
        SignedError::Bad => CrlOutcome::BadSignature,
        SignedError::Unsupported => CrlOutcome::Unverifiable(
            "the CRL's signature algorithm does not fit the issuer's key, or is unsupported"
                .to_owned(),
        ),
    })
}
