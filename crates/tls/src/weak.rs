//! Weak signatures and keys on a built path, judged by the root's origin as Windows judges them.
//!
//! Microsoft blocks SHA-1 TLS certificates only where they chain to a root of its Trusted Root
//! Program: "Manually-installed enterprise or self-signed SHA-1 certificates will not be impacted"
//! (<https://blogs.windows.com/msedgedev/2016/11/18/countdown-to-sha-1-deprecation/>; Security
//! Advisory 3123479). That statement is about Edge and Internet Explorer, which use the chain
//! engine's weak-signature policy (`WeakSha1ThirdPartyFlags`); that WinHTTP refuses SHA-1 under
//! program roots the same way is not confirmed. RSA keys from 1024 bits are accepted (KB2661254
//! blocks only shorter ones); refusing 1024-to-2047-bit keys under program roots follows the
//! program's requirements (2048 bits minimum) and is not confirmed for the chain engine itself.

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
