//! OCSP as Windows' `CryptoAPI` asks it (RFC 6960, RFC 5019): one request per certificate, its
//! `CertID` hashed with SHA-1, sent as an HTTP GET (the DER request, base64, URL-encoded, appended
//! to the responder URL), and the answer verified before it is believed.
//!
//! A response counts only when it is a `successful` basic response, signed by the certificate's
//! issuer or by a delegated responder certificate that the issuer signed and that carries
//! `id-kp-OCSPSigning` (RFC 6960 §4.2.2.2), answers for the certificate asked about (its
//! `CertID`), and is current (thisUpdate not in the future, nextUpdate not passed; a stale answer
//! is no answer, as for an expired CRL). Everything else is a named [`OcspOutcome`].
//!
//! Sources for Windows' behaviour: "What's New in Certificate Revocation in Windows Vista" (the
//! built-in OCSP client, asked before CRLs; delegated responders with `id-kp-OCSPSigning`, as the
//! AD CS Online Responder signs), "Crypt32 certificate revocation list semantics", KB289749 (URLs in
//! the order listed). A response without nextUpdate is accepted here as current; whether `CryptoAPI`
//! caps its life is unconfirmed.
//!
//! Structures are `RustCrypto`'s (`x509-ocsp`, `x509-cert`, `der`); signatures go through ring, with
//! the algorithms Windows accepts ([`crate::signatures::LEGACY_ALGORITHMS`]).

use base64::Engine as _;
use const_oid::db::rfc5280::{ID_CE_EXT_KEY_USAGE, ID_KP_OCSP_SIGNING};
use const_oid::db::rfc5912::ID_SHA_1;
use const_oid::db::rfc6960::ID_PKIX_OCSP_BASIC;
use der::asn1::{AnyRef, Null, OctetString};
use der::{Decode, Encode};
use ring::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::ext::pkix::ExtendedKeyUsage;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, Request,
    ResponderId, TbsRequest,
};

use wpj_core::{OcspOutcome, OcspRefusal};

/// How far in the future a thisUpdate may be before the response is not yet valid (clocks drift;
/// responders pre-produce answers).
const CLOCK_SKEW: time::Duration = time::Duration::minutes(5);

/// Why no OCSP request could be made for a certificate (this tool cannot read it or its issuer).
#[derive(Debug, thiserror::Error)]
pub(crate) enum QueryError {
    /// The certificate or its issuer's certificate is not DER X.509.
    #[error("{what} unreadable: {why}")]
    Unreadable {
        /// Which certificate.
        what: &'static str,
        /// The decoder's error.
        why: der::Error,
    },
}

/// One certificate's OCSP question: its `CertID` and the request that carries it.
#[derive(Debug, Clone)]
pub(crate) struct Query {
    cert_id: CertId,
    issuer: Certificate,
    request: Vec<u8>,
}

impl Query {
    /// The question about `cert`, issued by `issuer` (both DER).
    pub(crate) fn new(cert: &[u8], issuer: &[u8]) -> Result<Self, QueryError> {
        let unreadable = |what| move |why| QueryError::Unreadable { what, why };
        let cert = Certificate::from_der(cert).map_err(unreadable("certificate"))?;
        let issuer = Certificate::from_der(issuer).map_err(unreadable("issuer"))?;
        let cert_id = cert_id(&issuer, &cert).map_err(unreadable("issuer"))?;
        let request = OcspRequest {
            tbs_request: TbsRequest {
                request_list: vec![Request {
                    req_cert: cert_id.clone(),
                    single_request_extensions: None,
                }],
                ..TbsRequest::default()
            },
            optional_signature: None,
        }
        .to_der()
        .map_err(unreadable("certificate"))?;
        Ok(Self {
            cert_id,
            issuer,
            request,
        })
    }

    /// The DER request.
    #[cfg(test)]
    pub(crate) fn request(&self) -> &[u8] {
        &self.request
    }

    /// The GET URL for `responder` (RFC 5019 §5): the request, base64, URL-encoded, as one path
    /// segment after the responder URL.
    pub(crate) fn get_url(&self, responder: &str) -> String {
        let encoded = base64::engine::general_purpose::STANDARD.encode(&self.request);
        let mut url = responder.to_owned();
        if !url.ends_with('/') {
            url.push('/');
        }
        for c in encoded.chars() {
            match c {
                '+' => url.push_str("%2B"),
                '/' => url.push_str("%2F"),
                '=' => url.push_str("%3D"),
                c => url.push(c),
            }
        }
        url
    }

    /// What the response `body` says about the certificate at `now`.
    pub(crate) fn judge(&self, body: &[u8], now: OffsetDateTime) -> OcspOutcome {
        match self.read(body, now) {
            Ok(outcome) | Err(outcome) => outcome,
        }
    }

    fn read(&self, body: &[u8], now: OffsetDateTime) -> Result<OcspOutcome, OcspOutcome> {
        let malformed = |e: &dyn std::fmt::Display| OcspOutcome::Malformed(e.to_string());
        let response = OcspResponse::from_der(body).map_err(|e| malformed(&e))?;
        let refusal = match response.response_status {
            OcspResponseStatus::Successful => None,
            OcspResponseStatus::MalformedRequest => Some(OcspRefusal::MalformedRequest),
            OcspResponseStatus::InternalError => Some(OcspRefusal::InternalError),
            OcspResponseStatus::TryLater => Some(OcspRefusal::TryLater),
            OcspResponseStatus::SigRequired => Some(OcspRefusal::SigRequired),
            OcspResponseStatus::Unauthorized => Some(OcspRefusal::Unauthorized),
        };
        if let Some(refusal) = refusal {
            return Err(OcspOutcome::Refused(refusal));
        }
        let bytes = response
            .response_bytes
            .ok_or_else(|| malformed(&"a successful response without a response"))?;
        if bytes.response_type != ID_PKIX_OCSP_BASIC {
            return Err(malformed(&format!(
                "response type {} is not id-pkix-ocsp-basic",
                bytes.response_type
            )));
        }
        let basic =
            BasicOcspResponse::from_der(bytes.response.as_bytes()).map_err(|e| malformed(&e))?;
        let single = basic
            .tbs_response_data
            .responses
            .iter()
            .find(|r| same_cert(&r.cert_id, &self.cert_id))
            .ok_or(OcspOutcome::WrongCertificate)?;
        self.check_signer(&basic, now)?;

        let this_update = time_of(&single.this_update.0);
        let next_update = single.next_update.map(|t| time_of(&t.0));
        if this_update > now + CLOCK_SKEW || next_update.is_some_and(|next| next < now) {
            return Err(OcspOutcome::Stale {
                this_update,
                next_update,
            });
        }
        Ok(match &single.cert_status {
            CertStatus::Good(_) => OcspOutcome::Good,
            CertStatus::Revoked(info) => OcspOutcome::Revoked {
                revoked_at: Some(time_of(&info.revocation_time.0)),
                reason: info.revocation_reason.map(|r| format!("{r:?}")),
            },
            CertStatus::Unknown(_) => OcspOutcome::Unknown,
        })
    }

    /// Verifies who signed `basic`: the issuer, or a delegated responder the issuer authorised.
    fn check_signer(
        &self,
        basic: &BasicOcspResponse,
        now: OffsetDateTime,
    ) -> Result<(), OcspOutcome> {
        let tbs = basic
            .tbs_response_data
            .to_der()
            .map_err(|e| OcspOutcome::Malformed(e.to_string()))?;
        let signature = basic.signature.raw_bytes();
        let issuer_key = &self.issuer.tbs_certificate.subject_public_key_info;
        if verifies(issuer_key, &basic.signature_algorithm, &tbs, signature) {
            return Ok(());
        }
        let included = basic.certs.as_deref().unwrap_or_default();
        if let Some(signer) = included.iter().find(|c| {
            verifies(
                &c.tbs_certificate.subject_public_key_info,
                &basic.signature_algorithm,
                &tbs,
                signature,
            )
        }) {
            return self.delegated(signer, now);
        }
        let responder = &basic.tbs_response_data.responder_id;
        let named = identifies(responder, &self.issuer)
            || included.iter().any(|c| identifies(responder, c));
        if named {
            Err(OcspOutcome::BadSignature)
        } else {
            Err(OcspOutcome::WrongResponder(
                "the responder is neither the issuer nor a certificate included in the response"
                    .to_owned(),
            ))
        }
    }

    /// Whether `signer` may answer for the issuer (RFC 6960 §4.2.2.2): issued by it, with
    /// `id-kp-OCSPSigning`, and within its validity.
    fn delegated(&self, signer: &Certificate, now: OffsetDateTime) -> Result<(), OcspOutcome> {
        let wrong = |why: &str| Err(OcspOutcome::WrongResponder(why.to_owned()));
        let tbs = &signer.tbs_certificate;
        let subject = tbs.subject.to_string();
        if tbs.issuer != self.issuer.tbs_certificate.subject {
            return wrong(&format!(
                "responder certificate {subject} was not issued by the certificate's issuer"
            ));
        }
        let issued_by_ca = tbs.to_der().is_ok_and(|der| {
            verifies(
                &self.issuer.tbs_certificate.subject_public_key_info,
                &signer.signature_algorithm,
                &der,
                signer.signature.raw_bytes(),
            )
        });
        if !issued_by_ca {
            return wrong(&format!(
                "responder certificate {subject} is not signed by the certificate's issuer"
            ));
        }
        let ocsp_signing = tbs.extensions.iter().flatten().any(|e| {
            e.extn_id == ID_CE_EXT_KEY_USAGE
                && ExtendedKeyUsage::from_der(e.extn_value.as_bytes())
                    .is_ok_and(|eku| eku.0.contains(&ID_KP_OCSP_SIGNING))
        });
        if !ocsp_signing {
            return wrong(&format!(
                "responder certificate {subject} lacks id-kp-OCSPSigning: the issuer did not delegate OCSP to it"
            ));
        }
        let not_before = time_of_x509(&tbs.validity.not_before);
        let not_after = time_of_x509(&tbs.validity.not_after);
        if now < not_before || now > not_after {
            return wrong(&format!(
                "responder certificate {subject} is outside its validity ({} – {})",
                not_before.date(),
                not_after.date()
            ));
        }
        Ok(())
    }
}

/// The `CertID` of `cert` (SHA-1, as Windows sends it): hashes of the issuer's name and key.
fn cert_id(issuer: &Certificate, cert: &Certificate) -> Result<CertId, der::Error> {
    let sha1 = |data: &[u8]| OctetString::new(digest(&SHA1_FOR_LEGACY_USE_ONLY, data).as_ref());
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: ID_SHA_1,
            parameters: Some(Null.into()),
        },
        issuer_name_hash: sha1(&cert.tbs_certificate.issuer.to_der()?)?,
        issuer_key_hash: sha1(
            issuer
                .tbs_certificate
                .subject_public_key_info
                .subject_public_key
                .raw_bytes(),
        )?,
        serial_number: cert.tbs_certificate.serial_number.clone(),
    })
}

/// Whether two `CertID`s name the same certificate (hash parameters absent or NULL alike).
fn same_cert(a: &CertId, b: &CertId) -> bool {
    a.hash_algorithm.oid == b.hash_algorithm.oid
        && a.issuer_name_hash == b.issuer_name_hash
        && a.issuer_key_hash == b.issuer_key_hash
        && a.serial_number == b.serial_number
}

/// Whether the responder ID names `cert` (by name, or by the SHA-1 of its key).
fn identifies(responder: &ResponderId, cert: &Certificate) -> bool {
    match responder {
        ResponderId::ByName(name) => *name == cert.tbs_certificate.subject,
        ResponderId::ByKey(hash) => {
            let key = cert
                .tbs_certificate
                .subject_public_key_info
                .subject_public_key
                .raw_bytes();
            hash.as_bytes() == digest(&SHA1_FOR_LEGACY_USE_ONLY, key).as_ref()
        }
    }
}

/// The contents of an algorithm identifier's SEQUENCE, as webpki's algorithm ids hold them.
fn inner(alg: &impl Encode) -> Option<Vec<u8>> {
    let der = alg.to_der().ok()?;
    AnyRef::from_der(&der).ok().map(|any| any.value().to_vec())
}

/// Whether `signature` over `message` verifies with `key` under `algorithm`
/// ([`crate::signatures::verify_signed`]).
fn verifies(
    key: &SubjectPublicKeyInfoOwned,
    algorithm: &AlgorithmIdentifierOwned,
    message: &[u8],
    signature: &[u8],
) -> bool {
    let (Ok(key), Some(algorithm)) = (key.to_der(), inner(algorithm)) else {
        return false;
    };
    crate::signatures::verify_signed(&key, &algorithm, message, signature).is_ok()
}

fn time_of(t: &der::asn1::GeneralizedTime) -> OffsetDateTime {
    let secs = i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn time_of_x509(t: &x509_cert::time::Time) -> OffsetDateTime {
    let secs = i64::try_from(t.to_unix_duration().as_secs()).unwrap_or(i64::MAX);
    OffsetDateTime::from_unix_timestamp(secs).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wpj_testkit::ocsp::{OcspFault, OcspResponder};
    use wpj_testkit::pki::{LeafSpec, Pki, PkiSpec};

    fn pki() -> Pki {
        Pki::generate(&PkiSpec {
            domain: "ocsp.test".into(),
            pki_base_url: "http://pki.ocsp.test".into(),
            leaf: LeafSpec::plain(&["a.ocsp.test"]),
        })
        .unwrap()
    }

    /// What the testkit's responder, answering as `fault`, makes the client conclude.
    fn outcome(pki: &Pki, fault: OcspFault) -> OcspOutcome {
        let query = Query::new(&pki.leaf, pki.intermediate.der()).unwrap();
        let body = OcspResponder::new(pki, fault)
            .unwrap()
            .respond(query.request())
            .unwrap();
        query.judge(&body, OffsetDateTime::now_utc())
    }

    #[test]
    fn every_responder_behaviour_is_its_named_outcome() {
        let pki = pki();
        assert_eq!(outcome(&pki, OcspFault::None), OcspOutcome::Good);
        assert_eq!(outcome(&pki, OcspFault::Delegated), OcspOutcome::Good);
        assert_eq!(outcome(&pki, OcspFault::Unknown), OcspOutcome::Unknown);
        let OcspOutcome::Revoked { revoked_at, reason } = outcome(&pki, OcspFault::Revoked) else {
            panic!("not revoked");
        };
        assert!(revoked_at.is_some_and(|t| t < OffsetDateTime::now_utc()));
        assert_eq!(reason.as_deref(), Some("KeyCompromise"));
        for (fault, refusal) in [
            (OcspFault::TryLater, OcspRefusal::TryLater),
            (OcspFault::Unauthorized, OcspRefusal::Unauthorized),
            (OcspFault::InternalError, OcspRefusal::InternalError),
            (OcspFault::MalformedRequest, OcspRefusal::MalformedRequest),
        ] {
            assert_eq!(
                outcome(&pki, fault),
                OcspOutcome::Refused(refusal),
                "{fault:?}"
            );
        }
        assert!(matches!(
            outcome(&pki, OcspFault::Garbage),
            OcspOutcome::Malformed(_)
        ));
        assert!(matches!(
            outcome(&pki, OcspFault::Stale),
            OcspOutcome::Stale { next_update: Some(next), .. } if next < OffsetDateTime::now_utc()
        ));
        assert_eq!(
            outcome(&pki, OcspFault::BadSignature),
            OcspOutcome::BadSignature
        );
        let OcspOutcome::WrongResponder(why) = outcome(&pki, OcspFault::NonDelegated) else {
            panic!("a non-delegated signer is not refused");
        };
        assert!(why.contains("id-kp-OCSPSigning"), "{why}");
    }

    #[test]
    fn a_response_about_another_certificate_or_from_another_ca_says_nothing() {
        let pki = pki();
        let query = Query::new(&pki.leaf, pki.intermediate.der()).unwrap();
        let now = OffsetDateTime::now_utc();
        // A good, correctly signed answer for the intermediate, not the leaf.
        let (other, _) = pki
            .mint_leaf(&LeafSpec::plain(&["b.ocsp.test"]), 0x2002)
            .unwrap();
        let responder = OcspResponder::new(&pki, OcspFault::None).unwrap();
        assert_eq!(
            query.judge(&responder.staple(&other).unwrap(), now),
            OcspOutcome::WrongCertificate
        );
        // Another CA's responder, answering (by its own key) for a certificate of the same serial.
        let stranger = super::tests::pki();
        let body = OcspResponder::new(&stranger, OcspFault::None)
            .unwrap()
            .staple(&stranger.leaf)
            .unwrap();
        assert_eq!(query.judge(&body, now), OcspOutcome::WrongCertificate);
        // The stapled answer for the leaf itself is good.
        assert_eq!(
            query.judge(&responder.staple(&pki.leaf).unwrap(), now),
            OcspOutcome::Good
        );
    }

    #[test]
    fn garbage_is_malformed_not_a_panic() {
        let pki = pki();
        let query = Query::new(&pki.leaf, pki.intermediate.der()).unwrap();
        let now = OffsetDateTime::now_utc();
        for body in [
            &b""[..],
            b"<html>",
            &[0x30, 0x03, 0x0A, 0x01, 0x09],
            &[0x30, 0x82, 0xFF],
        ] {
            assert!(
                matches!(query.judge(body, now), OcspOutcome::Malformed(_)),
                "{body:?}"
            );
        }
    }

    /// A revoked answer and a delegated one (with its certificate), signed, and the query they
    /// answer: the samples the property damages.
    static SAMPLES: std::sync::LazyLock<(Query, Vec<u8>, Vec<u8>)> =
        std::sync::LazyLock::new(|| {
            let pki = pki();
            let query = Query::new(&pki.leaf, pki.intermediate.der()).unwrap();
            let answer = |fault| {
                OcspResponder::new(&pki, fault)
                    .unwrap()
                    .respond(query.request())
                    .unwrap()
            };
            let revoked = answer(OcspFault::Revoked);
            let delegated = answer(OcspFault::Delegated);
            (query, revoked, delegated)
        });

    /// DER tags and lengths an OCSP response is made of.
    const TOKENS: &[&[u8]] = &[
        &[0x30, 0x82, 0xFF, 0xFF],
        &[0x30, 0x80],
        &[0xA0, 0x03, 0x0A, 0x01, 0x00],
        &[0x0A, 0x01, 0x03],
        &[0x80, 0x00],
        &[0x82, 0x00],
        &[0x18, 0x0F],
        &[0x04, 0x84, 0x7F, 0xFF, 0xFF, 0xFF],
    ];

    proptest::proptest! {
        #![proptest_config(wpj_testkit::fuzz::config())]

        /// Damaged responses (the issuer's "revoked", a delegated responder's "good") are named
        /// outcomes, never a panic; and a damaged "revoked" never reads good.
        #[test]
        fn damaged_responses_are_named_outcomes(
            mutations in proptest::collection::vec(wpj_testkit::fuzz::mutation(), 1..4),
        ) {
            let (query, revoked, delegated) = &*SAMPLES;
            let now = OffsetDateTime::now_utc();
            let damaged = wpj_testkit::fuzz::mutate(revoked, &mutations, TOKENS);
            proptest::prop_assert_ne!(query.judge(&damaged, now), OcspOutcome::Good);
            let damaged = wpj_testkit::fuzz::mutate(delegated, &mutations, TOKENS);
            let _ = query.judge(&damaged, now);
        }
    }

    #[test]
    fn the_get_url_carries_the_request_url_encoded() {
        let pki = pki();
        let query = Query::new(&pki.leaf, pki.intermediate.der()).unwrap();
        let url = query.get_url("http://ocsp.test/ocsp");
        let encoded = url.strip_prefix("http://ocsp.test/ocsp/").unwrap();
        assert!(!encoded.contains(['+', '/', '=']), "{url}");
        // The testkit's responder reads it back to the same DER.
        assert_eq!(
            wpj_testkit::ocsp::request_from_path(&format!("/ocsp/{encoded}")).unwrap(),
            query.request()
        );
        let request = OcspRequest::from_der(query.request()).unwrap();
        let id = &request.tbs_request.request_list[0].req_cert;
        assert_eq!(
            id.hash_algorithm.oid, ID_SHA_1,
            "SHA-1, as Windows sends it"
        );
        assert_eq!(id.issuer_key_hash.as_bytes().len(), 20);
    }
}
