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
//! Used for chains, CRLs and OCSP responses; handshake signatures are fresh each time and go to ring
//! directly.

use std::collections::HashSet;
use std::sync::{LazyLock, Mutex, PoisonError};

use ring::digest::{Context, SHA256};
use rustls_pki_types::{
    AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm, alg_id,
};

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
    ($(#[$doc:meta])* $name:ident: $($alg:expr),* $(,)?) => {
        $(#[$doc])*
        pub(crate) static $name: &[&dyn SignatureVerificationAlgorithm] =
            &[$(&Remembering($alg)),*];
    };
}

remembering!(
    /// webpki's ring algorithms (as [`webpki::ALL_VERIFICATION_ALGS`]), remembering successes.
    ALGORITHMS:
    webpki::ring::ECDSA_P256_SHA256,
    webpki::ring::ECDSA_P256_SHA384,
    webpki::ring::ECDSA_P384_SHA256,
    webpki::ring::ECDSA_P384_SHA384,
    webpki::ring::ED25519,
    webpki::ring::RSA_PKCS1_2048_8192_SHA256,
    webpki::ring::RSA_PKCS1_2048_8192_SHA384,
    webpki::ring::RSA_PKCS1_2048_8192_SHA512,
    webpki::ring::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
    webpki::ring::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
    webpki::ring::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    webpki::ring::RSA_PKCS1_3072_8192_SHA384,
    webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
    webpki::ring::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
    webpki::ring::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
);

remembering!(
    /// What Windows still accepts in a chain to a *private* root: [`ALGORITHMS`], with RSA
    /// PKCS#1 signatures by keys from 1024 bits (SHA-256 and SHA-512; webpki wants 2048) and
    /// SHA-1 RSA signatures (Microsoft refuses SHA-1 only in chains to roots of its Trusted Root
    /// Program, Security Advisory 2880823). RSA-PKCS#1 with SHA-384 keeps webpki's 2048-bit
    /// minimum: ring has no 1024-bit variant of it.
    LEGACY_ALGORITHMS:
    webpki::ring::ECDSA_P256_SHA256,
    webpki::ring::ECDSA_P256_SHA384,
    webpki::ring::ECDSA_P384_SHA256,
    webpki::ring::ECDSA_P384_SHA384,
    webpki::ring::ED25519,
    &Legacy(LegacyRsa::Sha256),
    webpki::ring::RSA_PKCS1_2048_8192_SHA384,
    &Legacy(LegacyRsa::Sha512),
    webpki::ring::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
    webpki::ring::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
    webpki::ring::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    webpki::ring::RSA_PKCS1_3072_8192_SHA384,
    webpki::ring::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
    webpki::ring::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
    webpki::ring::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
    &Legacy(LegacyRsa::Sha1),
);

/// `sha1WithRSAEncryption` (1.2.840.113549.1.1.5) with NULL parameters, as webpki compares it.
const RSA_PKCS1_SHA1: AlgorithmIdentifier = AlgorithmIdentifier::from_slice(&[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
]);

/// An RSA PKCS#1 v1.5 signature that webpki does not verify: SHA-1, or a key of 1024 to 2047 bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LegacyRsa {
    /// SHA-1, keys from 1024 bits.
    Sha1,
    /// SHA-256, keys from 1024 bits.
    Sha256,
    /// SHA-512, keys from 1024 bits.
    Sha512,
}

/// ring's legacy RSA verification as a webpki algorithm.
#[derive(Debug)]
struct Legacy(LegacyRsa);

impl SignatureVerificationAlgorithm for Legacy {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let params = match self.0 {
            LegacyRsa::Sha1 => &ring::signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY,
            LegacyRsa::Sha256 => &ring::signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY,
            LegacyRsa::Sha512 => &ring::signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY,
        };
        ring::signature::UnparsedPublicKey::new(params, public_key)
            .verify(message, signature)
            .map_err(|_| InvalidSignature)
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        alg_id::RSA_ENCRYPTION
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        match self.0 {
            LegacyRsa::Sha1 => RSA_PKCS1_SHA1,
            LegacyRsa::Sha256 => alg_id::RSA_PKCS1_SHA256,
            LegacyRsa::Sha512 => alg_id::RSA_PKCS1_SHA512,
        }
    }

    fn fips(&self) -> bool {
        false
    }
}

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

/// Why a signature over a CRL or an OCSP response does not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SignedError {
    /// The key is unreadable, or no algorithm of the list fits the signature algorithm and the key.
    Unsupported,
    /// The signature does not verify with the key.
    Bad,
}

/// Verifies `signature` over `message` by the key of `spki` (a DER `SubjectPublicKeyInfo`) under
/// the signature algorithm whose `AlgorithmIdentifier` content is `algorithm`, with
/// [`LEGACY_ALGORITHMS`]: CRLs and OCSP responses are signed by a CA of a chain the TLS step has
/// already judged, algorithms included, against the origin of its root — or by a delegated OCSP
/// responder certificate, whose own signature algorithm and key size are not judged against that
/// origin (a SHA-1 responder certificate under a root of Microsoft's program is accepted here;
/// whether `CryptoAPI` refuses it is unconfirmed).
pub(crate) fn verify_signed(
    spki: &[u8],
    algorithm: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), SignedError> {
    use der::Decode as _;
    let key =
        spki::SubjectPublicKeyInfoRef::from_der(spki).map_err(|_| SignedError::Unsupported)?;
    let key_algorithm = der::Encode::to_der(&key.algorithm)
        .ok()
        .and_then(|d| {
            der::asn1::AnyRef::from_der(&d)
                .ok()
                .map(|a| a.value().to_vec())
        })
        .ok_or(SignedError::Unsupported)?;
    let public = key
        .subject_public_key
        .as_bytes()
        .ok_or(SignedError::Unsupported)?;
    let fitting = LEGACY_ALGORITHMS.iter().find(|a| {
        a.public_key_alg_id().as_ref() == key_algorithm.as_slice()
            && a.signature_alg_id().as_ref() == algorithm
    });
    fitting
        .ok_or(SignedError::Unsupported)?
        .verify_signature(public, message, signature)
        .map_err(|_| SignedError::Bad)
}
