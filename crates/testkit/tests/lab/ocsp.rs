//! The OCSP responder and stapling, checked by a client that shares nothing with the testkit's
//! responder: the request's hashes from x509-parser and ring, the GET by reqwest, the signature
//! verified with ring against the key x509-parser reads from the signer's certificate.

use std::time::Duration;

use base64::Engine as _;
use der::asn1::{Null, OctetString};
use der::{Decode, Encode};
use ring::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use ring::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};
use spki::AlgorithmIdentifierOwned;
use wpj_testkit::lab::LabSpec;
use wpj_testkit::ocsp::OcspFault;
use wpj_testkit::{Lab, Scenario};
use x509_cert::serial_number::SerialNumber;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, Request,
    TbsRequest,
};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::clients::client_config;
use crate::pki::served_chain_and_staple;

fn cert(der: &[u8]) -> X509Certificate<'_> {
    X509Certificate::from_der(der).expect("certificate").1
}

fn sha1(data: &[u8]) -> Vec<u8> {
    digest(&SHA1_FOR_LEGACY_USE_ONLY, data).as_ref().to_vec()
}

/// The SHA-1 `CertID` of `leaf`, issued by `issuer`, from x509-parser's view of both.
fn cert_id(leaf: &[u8], issuer: &[u8]) -> CertId {
    let (leaf, issuer) = (cert(leaf), cert(issuer));
    CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: const_oid::db::rfc5912::ID_SHA_1,
            parameters: Some(Null.into()),
        },
        issuer_name_hash: OctetString::new(sha1(issuer.subject().as_raw())).unwrap(),
        issuer_key_hash: OctetString::new(sha1(&issuer.public_key().subject_public_key.data))
            .unwrap(),
        serial_number: SerialNumber::new(leaf.raw_serial()).unwrap(),
    }
}

async fn start(fault: OcspFault) -> Lab {
    Lab::start(LabSpec {
        ocsp: Some(fault),
        ..LabSpec::default()
    })
    .await
    .expect("lab starts")
}

/// GETs the lab's responder about its leaf as RFC 5019 §5 says (at 127.0.0.1, the URL's port).
async fn ask(lab: &Lab) -> Result<(u16, Vec<u8>), reqwest::Error> {
    let id = cert_id(&lab.pki().leaf, lab.pki().intermediate.der());
    let request = OcspRequest {
        tbs_request: TbsRequest {
            request_list: vec![Request {
                req_cert: id,
                single_request_extensions: None,
            }],
            ..TbsRequest::default()
        },
        optional_signature: None,
    }
    .to_der()
    .unwrap();
    let encoded = base64::engine::general_purpose::STANDARD
        .encode(request)
        .replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D");
    let url = lab.ocsp_url().expect("an OCSP URL");
    let port = url.rsplit(':').next().unwrap().split('/').next().unwrap();
    let response = reqwest::Client::builder()
        .tls_backend_preconfigured((*client_config(lab)).clone())
        .no_proxy()
        .timeout(Duration::from_millis(800))
        .build()
        .unwrap()
        .get(format!("http://127.0.0.1:{port}/ocsp/{encoded}"))
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, response.bytes().await?.to_vec()))
}

/// The basic response inside an OCSP response, and whether its signature verifies with the key
/// of `signer` (DER certificate).
fn basic(body: &[u8]) -> BasicOcspResponse {
    let response = OcspResponse::from_der(body).expect("an OCSP response");
    assert_eq!(response.response_status, OcspResponseStatus::Successful);
    BasicOcspResponse::from_der(response.response_bytes.unwrap().response.as_bytes()).unwrap()
}

fn signed_by(basic: &BasicOcspResponse, signer: &[u8]) -> bool {
    let key = cert(signer).public_key().subject_public_key.data.to_vec();
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, key)
        .verify(
            &basic.tbs_response_data.to_der().unwrap(),
            basic.signature.raw_bytes(),
        )
        .is_ok()
}

#[tokio::test]
async fn the_responder_answers_each_way_a_real_one_does() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    for fault in [
        OcspFault::None,
        OcspFault::Revoked,
        OcspFault::Unknown,
        OcspFault::Stale,
        OcspFault::BadSignature,
    ] {
        let lab = start(fault).await;
        let (status, body) = ask(&lab).await.unwrap();
        assert_eq!(status, 200, "{fault:?}");
        let basic = basic(&body);
        let single = &basic.tbs_response_data.responses[0];
        assert_eq!(
            single.cert_id,
            cert_id(&lab.pki().leaf, lab.pki().intermediate.der()),
            "{fault:?}: the CertID asked about"
        );
        let next = single.next_update.unwrap().0.to_unix_duration();
        assert_eq!(next < now, fault == OcspFault::Stale, "{fault:?}");
        assert_eq!(
            signed_by(&basic, lab.pki().intermediate.der()),
            fault != OcspFault::BadSignature,
            "{fault:?}"
        );
        let status = match single.cert_status {
            CertStatus::Good(_) => "good",
            CertStatus::Revoked(_) => "revoked",
            CertStatus::Unknown(_) => "unknown",
        };
        let want = match fault {
            OcspFault::Revoked => "revoked",
            OcspFault::Unknown => "unknown",
            _ => "good",
        };
        assert_eq!(status, want, "{fault:?}");
        assert_eq!(lab.ocsp_requests(), 1, "{fault:?}");
    }
}

#[tokio::test]
async fn refusals_are_status_codes_without_a_response() {
    for (fault, status) in [
        (OcspFault::TryLater, OcspResponseStatus::TryLater),
        (OcspFault::Unauthorized, OcspResponseStatus::Unauthorized),
        (OcspFault::InternalError, OcspResponseStatus::InternalError),
        (
            OcspFault::MalformedRequest,
            OcspResponseStatus::MalformedRequest,
        ),
    ] {
        let lab = start(fault).await;
        let (_, body) = ask(&lab).await.unwrap();
        let response = OcspResponse::from_der(&body).unwrap();
        assert_eq!(response.response_status, status, "{fault:?}");
        assert!(response.response_bytes.is_none(), "{fault:?}");
    }
    let garbage = start(OcspFault::Garbage).await;
    let (_, body) = ask(&garbage).await.unwrap();
    assert!(OcspResponse::from_der(&body).is_err());
}

#[tokio::test]
async fn delegated_and_non_delegated_signers_differ_only_in_ocsp_signing() {
    for (fault, ocsp_signing) in [
        (OcspFault::Delegated, true),
        (OcspFault::NonDelegated, false),
    ] {
        let lab = start(fault).await;
        let (_, body) = ask(&lab).await.unwrap();
        let basic = basic(&body);
        let certs = basic
            .certs
            .clone()
            .expect("the responder certificate is included");
        let signer = certs[0].to_der().unwrap();
        assert!(signed_by(&basic, &signer), "{fault:?}");
        assert!(
            !signed_by(&basic, lab.pki().intermediate.der()),
            "{fault:?}"
        );
        let parsed = cert(&signer);
        assert_eq!(
            parsed.issuer(),
            cert(lab.pki().intermediate.der()).subject(),
            "{fault:?}: issued by the CA"
        );
        let eku = parsed
            .extended_key_usage()
            .unwrap()
            .map(|e| e.value.ocsp_signing);
        assert_eq!(eku, Some(ocsp_signing), "{fault:?}");
    }
}

#[tokio::test]
async fn a_down_responder_refuses_and_a_stalled_one_never_answers() {
    let down = start(OcspFault::Down).await;
    let e = ask(&down).await.unwrap_err();
    assert!(e.is_connect(), "{e}");
    let stalled = start(OcspFault::Stall).await;
    let e = ask(&stalled).await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert_eq!(stalled.ocsp_requests(), 1, "the request was read");
}

#[tokio::test]
async fn the_server_staples_what_the_scenario_says_without_asking_the_responder() {
    for (name, want) in [
        ("ocsp-stapled-good", "good"),
        ("ocsp-stapled-revoked", "revoked"),
        ("ocsp-stapled-stale", "stale"),
        ("ocsp-only-good", "none"),
    ] {
        let lab = Scenario::find(name).unwrap().start().await.unwrap();
        let (chain, staple) = served_chain_and_staple(&lab).await;
        if want == "none" {
            assert!(staple.is_empty(), "{name}");
            continue;
        }
        let basic = basic(&staple);
        assert!(
            signed_by(&basic, chain[1].as_ref()),
            "{name}: signed by the CA"
        );
        let single = &basic.tbs_response_data.responses[0];
        assert_eq!(single.cert_id, cert_id(&chain[0], &chain[1]), "{name}");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        let got = match single.cert_status {
            CertStatus::Revoked(_) => "revoked",
            _ if single.next_update.unwrap().0.to_unix_duration() < now => "stale",
            _ => "good",
        };
        assert_eq!(got, want, "{name}");
        assert_eq!(lab.ocsp_requests(), 0, "{name}: stapling asks no responder");
    }
}
