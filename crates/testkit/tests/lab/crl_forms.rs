//! The CRL forms rcgen does not make — delta CRLs, `FreshestCRL`, version 1, scoped (IDP) CRLs —
//! and `ldap://` distribution points: fetched as a client would, read with x509-parser and their
//! signatures checked with ring against the issuing CA's key (not with the testkit's own code).

use ring::signature::{ECDSA_P256_SHA256_ASN1, UnparsedPublicKey};
use time::OffsetDateTime;
use wpj_testkit::pki::{CrlSpec, Idp, LEAF_SERIAL, LdapCdp, Pki};
use wpj_testkit::{Lab, LabSpec};
use x509_parser::der_parser::der::parse_der_integer;
use x509_parser::extensions::{
    CRLDistributionPoints, DistributionPointName, GeneralName, ParsedExtension, X509Extension,
};
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::CertificateRevocationList;
use x509_parser::x509::X509Version;

use crate::clients::lab;
use crate::pki::{cdp_urls, cert, fetch, fetch_bytes, revoked_serials};

const DELTA_CRL_INDICATOR: &str = "2.5.29.27";
const FRESHEST_CRL: &str = "2.5.29.46";

fn crl(der: &[u8]) -> CertificateRevocationList<'_> {
    let (rest, crl) = CertificateRevocationList::from_der(der).expect("a CRL");
    assert!(rest.is_empty());
    crl
}

/// Whether `crl` is signed by the (P-256) key of the CA certificate `issuer`.
fn signed_by(issuer: &[u8], crl: &CertificateRevocationList<'_>) -> bool {
    let issuer = cert(issuer);
    let key = UnparsedPublicKey::new(
        &ECDSA_P256_SHA256_ASN1,
        issuer.public_key().subject_public_key.data.as_ref(),
    );
    key.verify(
        crl.tbs_cert_list.as_ref(),
        crl.signature_value.data.as_ref(),
    )
    .is_ok()
}

/// Whether `crl` is signed by the lab's issuing CA.
fn signed_by_issuing_ca(lab: &Lab, crl: &CertificateRevocationList<'_>) -> bool {
    signed_by(lab.pki().intermediate.der(), crl)
}

fn extension<'a>(
    crl: &'a CertificateRevocationList<'_>,
    oid: &str,
) -> Option<&'a X509Extension<'a>> {
    crl.extensions()
        .iter()
        .find(|e| e.oid.to_id_string() == oid)
}

fn point_urls(value: &[u8]) -> Vec<String> {
    let (_, points) = CRLDistributionPoints::from_der(value).expect("distribution points");
    points
        .iter()
        .filter_map(|p| match &p.distribution_point {
            Some(DistributionPointName::FullName(names)) => Some(names),
            _ => None,
        })
        .flatten()
        .filter_map(|n| match n {
            GeneralName::URI(u) => Some((*u).to_owned()),
            _ => None,
        })
        .collect()
}

fn number(crl: &CertificateRevocationList<'_>) -> u64 {
    crl.crl_number()
        .and_then(|n| u64::try_from(n).ok())
        .expect("a CRL number")
}

/// The reason code of the leaf's entry.
fn leaf_reason(crl: &CertificateRevocationList<'_>) -> Option<u8> {
    crl.iter_revoked_certificates()
        .find(|r| r.raw_serial() == &LEAF_SERIAL.to_be_bytes()[6..])
        .and_then(x509_parser::revocation_list::RevokedCertificate::reason_code)
        .map(|(_, code)| code.0)
}

/// The complete CRL the leaf's CDP serves, and the delta CRL its `FreshestCRL` names.
async fn complete_and_delta(lab: &Lab) -> (Vec<u8>, Vec<u8>) {
    let complete = fetch_bytes(lab, &lab.issuing_crl_url()).await;
    let delta = fetch_bytes(lab, &lab.issuing_delta_crl_url()).await;
    (complete, delta)
}

#[tokio::test]
async fn a_delta_crl_carries_its_indicator_and_the_complete_crl_names_it() {
    let lab = lab("crl-delta-revoked").await;
    let (complete_der, delta_der) = complete_and_delta(&lab).await;
    let (complete, delta) = (crl(&complete_der), crl(&delta_der));

    assert!(
        extension(&complete, DELTA_CRL_INDICATOR).is_none(),
        "complete"
    );
    let freshest = extension(&complete, FRESHEST_CRL).expect("FreshestCRL in the complete CRL");
    assert!(!freshest.critical);
    assert_eq!(point_urls(freshest.value), [lab.issuing_delta_crl_url()]);
    assert_eq!(number(&complete), 5);
    assert!(revoked_serials(&complete_der).is_empty());

    let indicator = extension(&delta, DELTA_CRL_INDICATOR).expect("deltaCRLIndicator");
    assert!(indicator.critical, "RFC 5280 §5.2.4: critical");
    let (_, base) = parse_der_integer(indicator.value).unwrap();
    assert_eq!(
        base.as_u64().unwrap(),
        5,
        "BaseCRLNumber = the complete CRL's number"
    );
    assert_eq!(number(&delta), 6);
    assert_eq!(revoked_serials(&delta_der), [LEAF_SERIAL]);
    assert_eq!(delta.issuer(), complete.issuer());

    assert!(signed_by_issuing_ca(&lab, &complete));
    assert!(signed_by_issuing_ca(&lab, &delta));
    // The leaf itself names no delta: the complete CRL does.
    assert!(
        cert(&lab.pki().leaf)
            .extensions()
            .iter()
            .all(|e| e.oid.to_id_string() != FRESHEST_CRL)
    );
}

#[tokio::test]
async fn a_held_certificate_is_released_by_the_delta() {
    let lab = lab("crl-delta-unhold").await;
    let (complete, delta) = complete_and_delta(&lab).await;
    assert_eq!(leaf_reason(&crl(&complete)), Some(6), "certificateHold");
    assert_eq!(leaf_reason(&crl(&delta)), Some(8), "removeFromCRL");
    assert!(signed_by_issuing_ca(&lab, &crl(&delta)));
}

#[tokio::test]
async fn the_delta_can_be_missing_or_stale() {
    let missing = lab("crl-delta-unreachable").await;
    let answer = fetch(&missing, &missing.issuing_delta_crl_url())
        .await
        .unwrap();
    assert_eq!(answer.status(), 404);

    let stale = lab("crl-delta-stale").await;
    let (_, delta) = complete_and_delta(&stale).await;
    let next = crl(&delta).next_update().expect("nextUpdate").to_datetime();
    assert!(next < OffsetDateTime::now_utc(), "{next}");
    assert!(signed_by_issuing_ca(&stale, &crl(&delta)));
}

#[tokio::test]
async fn the_certificate_itself_can_name_the_delta() {
    let lab = lab("crl-delta-in-certificate").await;
    let leaf = cert(&lab.pki().leaf);
    let freshest = leaf
        .extensions()
        .iter()
        .find(|e| e.oid.to_id_string() == FRESHEST_CRL)
        .expect("FreshestCRL in the leaf");
    assert_eq!(point_urls(freshest.value), [lab.issuing_delta_crl_url()]);
    let (complete, delta) = complete_and_delta(&lab).await;
    assert!(extension(&crl(&complete), FRESHEST_CRL).is_none());
    assert_eq!(revoked_serials(&delta), [LEAF_SERIAL]);
}

#[tokio::test]
async fn a_version_1_crl_has_no_version_and_no_extensions() {
    let lab = lab("crl-v1-revoked").await;
    let der = fetch_bytes(&lab, &lab.issuing_crl_url()).await;
    let v1 = crl(&der);
    assert_eq!(v1.version(), None, "no version field");
    assert!(v1.extensions().is_empty());
    assert_eq!(revoked_serials(&der), [LEAF_SERIAL]);
    assert!(
        v1.iter_revoked_certificates()
            .all(|r| r.extensions().is_empty())
    );
    assert!(signed_by_issuing_ca(&lab, &v1));
    // The usual CRL is version 2 (INTEGER 1).
    let healthy = lab_crl_version("healthy-onprem").await;
    assert_eq!(healthy, Some(X509Version::V2));
}

async fn lab_crl_version(name: &str) -> Option<X509Version> {
    let lab = lab(name).await;
    crl(&fetch_bytes(&lab, &lab.issuing_crl_url()).await).version()
}

/// The issuing distribution point's URLs of the CRL the leaf's CDP serves.
async fn idp_urls(lab: &Lab) -> (Vec<String>, Vec<u8>) {
    let der = fetch_bytes(lab, &lab.issuing_crl_url()).await;
    let list = crl(&der);
    let idp = list
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::IssuingDistributionPoint(idp) => Some(idp.clone()),
            _ => None,
        })
        .expect("an issuing distribution point");
    let Some(DistributionPointName::FullName(names)) = idp.distribution_point else {
        panic!("a full name");
    };
    let urls = names
        .iter()
        .filter_map(|n| match n {
            GeneralName::URI(u) => Some((*u).to_owned()),
            _ => None,
        })
        .collect();
    (urls, der)
}

#[tokio::test]
async fn scoped_crls_name_their_distribution_point() {
    let inside = lab("crl-idp-in-scope").await;
    let (urls, der) = idp_urls(&inside).await;
    assert_eq!(urls, cdp_urls(&inside.pki().leaf));
    assert!(signed_by_issuing_ca(&inside, &crl(&der)));

    let outside = lab("crl-idp-out-of-scope").await;
    let (urls, der) = idp_urls(&outside).await;
    assert_eq!(urls.len(), 1);
    assert!(
        !cdp_urls(&outside.pki().leaf).contains(&urls[0]),
        "{urls:?}"
    );
    assert!(signed_by_issuing_ca(&outside, &crl(&der)));

    let forged = lab("crl-idp-out-of-scope-bad-signature").await;
    let (_, der) = idp_urls(&forged).await;
    assert!(!signed_by_issuing_ca(&forged, &crl(&der)));
}

#[tokio::test]
async fn ldap_distribution_points_come_first_or_alone() {
    for (ldap, http_count) in [(LdapCdp::BeforeHttp, 1), (LdapCdp::Only, 0)] {
        let lab = Lab::start(LabSpec {
            ldap_cdp: ldap,
            ..LabSpec::default()
        })
        .await
        .unwrap();
        let urls = cdp_urls(&lab.pki().leaf);
        assert!(
            urls[0].starts_with("ldap:///CN=wpj Lab Issuing CA,"),
            "{urls:?}"
        );
        assert!(
            urls[0].ends_with("?certificateRevocationList?base?objectClass=cRLDistributionPoint")
        );
        assert_eq!(urls.len(), 1 + http_count, "{ldap:?}: {urls:?}");
        if http_count == 1 {
            assert_eq!(urls[1], lab.issuing_crl_url());
        }
    }
}

#[test]
fn partial_and_indirect_scopes_are_encoded_as_rfc_5280_says() {
    let lab_pki = Pki::sample("contoso.test").unwrap();
    let der = lab_pki
        .crl(
            &lab_pki.intermediate,
            &CrlSpec {
                idp: Some(Idp {
                    key_compromise_only: true,
                    indirect: true,
                    ..Idp::of("http://pki.contoso.test/pki/issuing.crl")
                }),
                ..CrlSpec::default()
            },
        )
        .unwrap();
    let list = crl(&der);
    let ext = list
        .extensions()
        .iter()
        .find(|e| e.oid.to_id_string() == "2.5.29.28")
        .expect("an issuing distribution point");
    assert!(ext.critical);
    let ParsedExtension::IssuingDistributionPoint(idp) = ext.parsed_extension() else {
        panic!("{:?}", ext.parsed_extension());
    };
    let reasons = idp.only_some_reasons.as_ref().expect("onlySomeReasons");
    assert!(reasons.key_compromise() && !reasons.ca_compromise());
    assert!(idp.indirect_crl);
    assert!(!idp.only_contains_user_certs && !idp.only_contains_ca_certs);
    assert!(signed_by(lab_pki.intermediate.der(), &list));
}
