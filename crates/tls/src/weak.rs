//! Weak signatures and keys on a built path, judged by the root's origin as Windows judges them.
//!
//! Windows refuses SHA-1 in TLS server chains to roots of Microsoft's Trusted Root Program, not
//! under enterprise roots (Microsoft Security Advisory 2880823, "Deprecation of SHA-1 hashing
//! algorithm for Microsoft root certificate program"); RSA keys are refused below 1024 bits
//! (KB2661254). Refusing 1024-to-2047-bit RSA keys under program roots follows the program's
//! requirements (2048 bits minimum) and is not confirmed for the chain engine itself.

use rustls_pki_types::CertificateDer;
use wpj_net::{RootOrigin, TrustStore};

use crate::certificate::Parsed;

/// Below this many bits an RSA key is weak (webpki's minimum; Windows accepts 1024).
const STRONG_RSA_BITS: usize = 2048;

/// One weakness: the path position it concerns and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Weakness {
    pub(crate) position: usize,
    pub(crate) detail: String,
}

/// Every SHA-1 signature and short RSA key of `path` (leaf … anchor); the anchor's own
/// self-signature is not used by anyone and is not judged.
pub(crate) fn weaknesses(path: &[CertificateDer<'static>]) -> Vec<Weakness> {
    let parsed: Vec<Parsed<'_>> = path.iter().filter_map(Parsed::new).collect();
    let mut out = Vec::new();
    for (i, p) in parsed.iter().enumerate() {
        let is_anchor = i + 1 == parsed.len() && parsed.len() > 1;
        if p.signed_with_sha1() && !is_anchor {
            out.push(Weakness {
                position: i,
                detail: format!("{} is signed with SHA-1", p.subject()),
            });
        }
        if let Some(bits) = p.rsa_bits().filter(|b| *b < STRONG_RSA_BITS) {
            out.push(Weakness {
                position: i,
                detail: format!("{} has a {bits}-bit RSA key", p.subject()),
            });
        }
    }
    out
}

/// Where the path's anchor comes from (the system store wins when both hold it).
pub(crate) fn anchor_origin(path: &[CertificateDer<'static>], store: &TrustStore) -> RootOrigin {
    path.last()
        .and_then(|root| store.origin(root))
        .unwrap_or(RootOrigin::System)
}
