//! Reading what an AIA caIssuers URL gives: a DER certificate, or a PKCS#7 "certs-only" bundle
//! (`.p7c`, what AD CS and many Windows CAs publish; RFC 5280 §4.2.2.1 allows both).
//!
//! A certs-only bundle is a CMS `ContentInfo` holding a `SignedData` without signers (RFC 5652
//! §5.1): only its `certificates` field matters here, cut out with the crate's DER steps
//! ([`crate::der`]); anything unexpected is "not certificates".

use rustls_pki_types::CertificateDer;

use crate::der::{element, tlv};

/// `id-signedData`, 1.2.840.113549.1.7.2, as DER content octets.
const SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

/// At most this many certificates are taken from one bundle.
pub(crate) const MAX_BUNDLE_CERTIFICATES: usize = 8;

/// The whole element (header and content) at the start of `input`, and what follows it.
fn whole(input: &[u8]) -> Option<(&[u8], &[u8])> {
    tlv(input).map(|t| (t.raw, t.rest))
}

/// The certificates of a PKCS#7 certs-only bundle; `None` when `body` is not one.
fn bundle(body: &[u8]) -> Option<Vec<CertificateDer<'static>>> {
    // ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT SignedData }
    let (0x30, info, _) = element(body)? else {
        return None;
    };
    let (0x06, oid, rest) = element(info)? else {
        return None;
    };
    if oid != SIGNED_DATA {
        return None;
    }
    let (0xa0, explicit, _) = element(rest)? else {
        return None;
    };
    // SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo SEQUENCE,
    //                           certificates [0] IMPLICIT SET OF Certificate OPTIONAL, ... }
    let (0x30, signed, _) = element(explicit)? else {
        return None;
    };
    let (0x02, _, rest) = element(signed)? else {
        return None;
    };
    let (0x31, _, rest) = element(rest)? else {
        return None;
    };
    let (0x30, _, rest) = element(rest)? else {
        return None;
    };
    let mut out = Vec::new();
    let Some((0xa0, mut certs, _)) = element(rest) else {
        return Some(out);
    };
    while !certs.is_empty() && out.len() < MAX_BUNDLE_CERTIFICATES {
        let (cert, rest) = whole(certs)?;
        // Only plain certificates (SEQUENCE); other CertificateChoices are skipped.
        if cert.first() == Some(&0x30) {
            out.push(CertificateDer::from(cert.to_vec()));
        }
        certs = rest;
    }
    Some(out)
}

/// The certificates in an AIA answer: the body itself when it is one DER certificate, else those
/// of a PKCS#7 certs-only bundle. Empty when it is neither (the caller checks each parses).
pub(crate) fn certificates(body: &[u8]) -> Vec<CertificateDer<'static>> {
    if crate::certificate::Parsed::new(&CertificateDer::from(body.to_vec())).is_some() {
        return vec![CertificateDer::from(body.to_vec())];
    }
    bundle(body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use wpj_testkit::pki::certs_only_p7c as certs_only;

    #[test]
    fn der_and_certs_only_bundles_give_their_certificates() {
        let pki = wpj_testkit::pki::Pki::generate(&wpj_testkit::pki::PkiSpec {
            domain: "p7c.test".into(),
            pki_base_url: "http://pki.p7c.test".into(),
            leaf: wpj_testkit::pki::LeafSpec::plain(&["enterpriseregistration.p7c.test"]),
        })
        .unwrap();
        let (a, b) = (pki.intermediate.der(), pki.root.der());
        assert_eq!(certificates(a), std::slice::from_ref(a));
        assert_eq!(certificates(&certs_only(&[a, b])), [a.clone(), b.clone()]);
        assert!(certificates(&certs_only(&[])).is_empty());
        for junk in [
            &b"<html>no</html>"[..],
            &[],
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
        ] {
            assert!(certificates(junk).is_empty(), "{junk:?}");
        }
        // Truncated anywhere: never a panic, never a certificate that was not whole.
        let full = certs_only(&[a, b]);
        for n in 0..full.len() {
            assert!(certificates(&full[..n]).is_empty());
        }
    }

    #[test]
    fn an_openssl_bundle_reads() {
        let p7c = include_bytes!("../../testkit/fixtures/legacy/bundle.p7c");
        let certs = certificates(p7c);
        assert_eq!(
            certs.len(),
            2,
            "the openssl-made bundle holds root and SHA-1 CA"
        );
    }
}
