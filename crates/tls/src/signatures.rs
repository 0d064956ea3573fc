//! Signature verification that remembers what it verified.
//!
//! One run verifies the same chain several times (the TLS step, the revocation step with each CRL,
//! the contract request, every AD FS node and the federation service), and a fleet verifies the
//! same intermediate, root and CRLs for every domain. Each certificate or CRL signature is an
//! ECDSA or RSA verification — the largest CPU cost of a diagnosis. [`ALGORITHMS`] are webpki's
//! ring algorithms with a process-wide memory of the verifications that succeeded, keyed by a
//! SHA-256 of (algorithm, public key, message, signature): a repeated verification costs one hash.
//! Only successes are remembered, and the memory is bounded (it starts afresh when full). Windows'
//! chain engine caches verified chains in the same spirit.
//!
//! Used for chains and CRLs only; handshake signatures are fresh each time and go to ring directly.

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex, PoisonError};

use ring::digest::{Context, SHA256};
use rustls_pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};

/// How many verified signatures are remembered before the memory starts afresh.
const CAPACITY: usize = 16_384;

static VERIFIED: LazyLock<Mutex<HashSet<[u8; 32]>>> =
    LazyLock::new(|| Mutex::new(HashSet::with_capacity(1024)));

/// A webpki algorithm that remembers successful verifications.
pub(crate) struct Remembering(&'static dyn SignatureVerificationAlgorithm);

impl std::fmt::Debug for Remembering {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Remembering")
            .field(&self.0.signature_alg_id())
            .finish()
    }
}

fn fingerprint(
    alg: &AlgorithmIdentifier,
    public_key: &[u8],
    message: &[u8],
    sig: &[u8],
) -> [u8; 32] {
    let mut hash = Context::new(&SHA256);
    for part in [alg.as_ref(), public_key, message, sig] {
        // Length-prefixed, so that no two different tuples hash the same bytes.
        hash.update(&(part.len() as u64).to_be_bytes());
        hash.update(part);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(hash.finish().as_ref());
    out
}

impl SignatureVerificationAlgorithm for Remembering {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let key = fingerprint(&self.0.signature_alg_id(), public_key, message, signature);
        if VERIFIED
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(&key)
        {
            return Ok(());
        }
        self.0.verify_signature(public_key, message, signature)?;
        let mut verified = VERIFIED.lock().unwrap_or_else(PoisonError::into_inner);
        if verified.len() >= CAPACITY {
            verified.clear();
        }
        verified.insert(key);
        Ok(())
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.0.public_key_alg_id()
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.0.signature_alg_id()
    }

    fn fips(&self) -> bool {
        self.0.fips()
    }
}

macro_rules! remembering {
    ($($alg:ident),* $(,)?) => {
        /// webpki's ring algorithms (as [`webpki::ALL_VERIFICATION_ALGS`]), remembering successes.
        pub(crate) static ALGORITHMS: &[&dyn SignatureVerificationAlgorithm] =
            &[$(&Remembering(webpki::ring::$alg)),*];
    };
}

remembering!(
    ECDSA_P256_SHA256,
    ECDSA_P256_SHA384,
    ECDSA_P384_SHA256,
    ECDSA_P384_SHA384,
    ED25519,
    RSA_PKCS1_2048_8192_SHA256,
    RSA_PKCS1_2048_8192_SHA384,
    RSA_PKCS1_2048_8192_SHA512,
    RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
    RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
    RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    RSA_PKCS1_3072_8192_SHA384,
    RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
    RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
    RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_algorithms_as_webpki() {
        let ids = |algs: &[&dyn SignatureVerificationAlgorithm]| {
            algs.iter()
                .map(|a| (a.public_key_alg_id(), a.signature_alg_id()))
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(ALGORITHMS), ids(webpki::ALL_VERIFICATION_ALGS));
    }

    #[test]
    fn a_bad_signature_is_refused_every_time_and_a_good_one_is_remembered() {
        use ring::rand::SystemRandom;
        use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _};
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let message = b"tbsCertificate";
        let signature = pair.sign(&rng, message).unwrap();
        let alg = ALGORITHMS[0];
        let public = pair.public_key().as_ref();
        for _ in 0..2 {
            assert!(
                alg.verify_signature(public, message, signature.as_ref())
                    .is_ok()
            );
            assert!(
                alg.verify_signature(public, b"other message", signature.as_ref())
                    .is_err()
            );
        }
        let key = fingerprint(&alg.signature_alg_id(), public, message, signature.as_ref());
        assert!(VERIFIED.lock().unwrap().contains(&key));
    }
}
