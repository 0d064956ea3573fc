//! The chain, CRLs and AIA: fetched as a client would and checked with webpki and x509-parser.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use webpki::{
    CertRevocationList, EndEntityCert, ExpirationPolicy, OwnedCertRevocationList,
    RevocationCheckDepth, RevocationOptionsBuilder, UnknownStatusPolicy,
};
use wpj_testkit::Lab;
use wpj_testkit::pki::{INTERMEDIATE_SERIAL, LEAF_SERIAL};
use wpj_testkit::scenario::LARGE_CRL_ENTRIES;
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};
use x509_parser::revocation_list::CertificateRevocationList;

use crate::clients::{LOCALHOST, http_client, lab, tls_connect, trust_root};

/// Accepts any chain (still checking handshake signatures): the inspection connection. Keeps the
/// OCSP response the server staples.
#[derive(Debug)]
struct Inspect(Arc<rustls::crypto::CryptoProvider>, Mutex<Vec<u8>>);

impl ServerCertVerifier for Inspect {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        ocsp: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        *self.1.lock().unwrap() = ocsp.to_vec();
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The chain the server presents, whatever its validity.
async fn served_chain(lab: &Lab) -> Vec<CertificateDer<'static>> {
    served_chain_and_staple(lab).await.0
}

/// The chain the server presents, and the OCSP response it staples (empty: none).
pub(crate) async fn served_chain_and_staple(lab: &Lab) -> (Vec<CertificateDer<'static>>, Vec<u8>) {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let inspect = Arc::new(Inspect(Arc::clone(&provider), Mutex::new(Vec::new())));
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .dangerous()
        .with_custom_certificate_verifier(Arc::clone(&inspect) as Arc<dyn ServerCertVerifier>)
        .with_no_client_auth();
    let tcp = TcpStream::connect((LOCALHOST, lab.https_port()))
        .await
        .unwrap();
    let tls = TlsConnector::from(Arc::new(config))
        .connect(ServerName::try_from(lab.registration_name()).unwrap(), tcp)
        .await
        .expect("inspection handshake");
    let chain = tls.get_ref().1.peer_certificates().unwrap().to_vec();
    let staple = inspect.1.lock().unwrap().clone();
    (chain, staple)
}

pub(crate) fn cert(der: &[u8]) -> X509Certificate<'_> {
    X509Certificate::from_der(der).expect("certificate").1
}

pub(crate) fn cdp_urls(der: &[u8]) -> Vec<String> {
    let mut urls = Vec::new();
    for ext in cert(der).extensions() {
        if let ParsedExtension::CRLDistributionPoints(points) = ext.parsed_extension() {
            for p in points.iter() {
                if let Some(DistributionPointName::FullName(names)) = &p.distribution_point {
                    for n in names {
                        if let GeneralName::URI(u) = n {
                            urls.push((*u).to_owned());
                        }
                    }
                }
            }
        }
    }
    urls
}

fn aia_ca_issuers(der: &[u8]) -> Vec<String> {
    let mut urls = Vec::new();
    for ext in cert(der).extensions() {
        if let ParsedExtension::AuthorityInfoAccess(aia) = ext.parsed_extension() {
            for d in &aia.accessdescs {
                if d.access_method.to_id_string() == "1.3.6.1.5.5.7.48.2"
                    && let GeneralName::URI(u) = d.access_location
                {
                    urls.push(u.to_owned());
                }
            }
        }
    }
    urls
}

pub(crate) async fn fetch(lab: &Lab, url: &str) -> reqwest::Result<reqwest::Response> {
    http_client(lab, LOCALHOST).get(url).send().await
}

pub(crate) async fn fetch_bytes(lab: &Lab, url: &str) -> Vec<u8> {
    let resp = fetch(lab, url).await.expect(url);
    assert_eq!(resp.status(), 200, "{url}");
    resp.bytes().await.unwrap().to_vec()
}

pub(crate) fn revoked_serials(crl_der: &[u8]) -> Vec<u64> {
    let (_, crl) = CertificateRevocationList::from_der(crl_der).expect("a CRL");
    crl.iter_revoked_certificates()
        .map(|r| {
            r.raw_serial()
                .iter()
                .fold(0u64, |acc, b| (acc << 8) | u64::from(*b))
        })
        .collect()
}

/// Full-chain, hard-fail webpki validation as Windows does it.
fn verify(
    lab: &Lab,
    chain: &[CertificateDer<'static>],
    crls: &[Vec<u8>],
) -> Result<(), webpki::Error> {
    let root = trust_root(lab);
    let anchors = [webpki::anchor_from_trusted_cert(&root).unwrap()];
    let owned: Vec<CertRevocationList<'_>> = crls
        .iter()
        .map(|d| OwnedCertRevocationList::from_der(d).map(CertRevocationList::from))
        .collect::<Result<_, _>>()?;
    let refs: Vec<&CertRevocationList<'_>> = owned.iter().collect();
    let revocation = RevocationOptionsBuilder::new(&refs)
        .unwrap()
        .with_depth(RevocationCheckDepth::Chain)
        .with_status_policy(UnknownStatusPolicy::Deny)
        .with_expiration_policy(ExpirationPolicy::Enforce)
        .build();
    let ee = EndEntityCert::try_from(&chain[0])?;
    ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors,
        &chain[1..],
        UnixTime::now(),
        webpki::KeyUsage::server_auth(),
        Some(revocation),
        None,
    )?;
    ee.verify_is_valid_for_subject_name(&ServerName::try_from(lab.registration_name()).unwrap())
}

/// Every CRL named by the chain's CDPs, fetched.
async fn chain_crls(lab: &Lab, chain: &[CertificateDer<'static>]) -> Vec<Vec<u8>> {
    let mut crls = Vec::new();
    for c in chain {
        for url in cdp_urls(c) {
            crls.push(fetch_bytes(lab, &url).await);
        }
    }
    crls
}

#[tokio::test]
async fn healthy_chain_validates_with_the_crls_its_cdps_serve() {
    let lab = lab("healthy-onprem").await;
    let chain = served_chain(&lab).await;
    assert_eq!(chain.len(), 2, "leaf and intermediate");
    assert_eq!(cdp_urls(&chain[0]), [lab.issuing_crl_url()]);
    assert_eq!(cdp_urls(&chain[1]), [lab.root_crl_url()]);
    let crls = chain_crls(&lab, &chain).await;
    assert_eq!(crls.len(), 2);
    verify(&lab, &chain, &crls).expect("healthy chain");
    // And a normal TLS client agrees.
    tls_connect(&lab, LOCALHOST, &lab.registration_name())
        .await
        .expect("handshake");
}

#[tokio::test]
async fn revoked_leaf_serial_is_in_the_crl_its_cdp_serves() {
    let lab = lab("tls-revoked-leaf").await;
    let chain = served_chain(&lab).await;
    let crl = fetch_bytes(&lab, &cdp_urls(&chain[0])[0]).await;
    assert_eq!(revoked_serials(&crl), [LEAF_SERIAL]);
    assert_eq!(
        cert(&chain[0]).raw_serial(),
        &LEAF_SERIAL.to_be_bytes()[6..]
    );
    let crls = chain_crls(&lab, &chain).await;
    assert_eq!(verify(&lab, &chain, &crls), Err(webpki::Error::CertRevoked));
}

#[tokio::test]
async fn revoked_intermediate_is_in_the_root_crl() {
    let lab = lab("tls-revoked-intermediate").await;
    let chain = served_chain(&lab).await;
    let root_crl = fetch_bytes(&lab, &cdp_urls(&chain[1])[0]).await;
    assert_eq!(revoked_serials(&root_crl), [INTERMEDIATE_SERIAL]);
    let crls = chain_crls(&lab, &chain).await;
    assert_eq!(verify(&lab, &chain, &crls), Err(webpki::Error::CertRevoked));
}

#[tokio::test]
async fn stale_and_badly_signed_crls_fail_validation() {
    let stale = lab("crl-stale").await;
    let chain = served_chain(&stale).await;
    let crls = chain_crls(&stale, &chain).await;
    let (_, crl) = CertificateRevocationList::from_der(&crls[0]).unwrap();
    assert!(
        crl.next_update().unwrap().timestamp() < time::OffsetDateTime::now_utc().unix_timestamp()
    );
    assert!(matches!(
        verify(&stale, &chain, &crls),
        Err(webpki::Error::CrlExpired { .. })
    ));

    let bad = lab("crl-bad-signature").await;
    let chain = served_chain(&bad).await;
    let crls = chain_crls(&bad, &chain).await;
    assert_eq!(
        verify(&bad, &chain, &crls),
        Err(webpki::Error::InvalidCrlSignatureForPublicKey)
    );
}

#[tokio::test]
async fn a_large_crl_lists_every_filler_entry() {
    let lab = lab("healthy-large-crl").await;
    let crl = fetch_bytes(&lab, &lab.issuing_crl_url()).await;
    assert_eq!(revoked_serials(&crl).len(), LARGE_CRL_ENTRIES);
    let chain = served_chain(&lab).await;
    let crls = chain_crls(&lab, &chain).await;
    verify(&lab, &chain, &crls).expect("large CRL, leaf not in it");
}

#[tokio::test]
async fn crl_host_faults_are_real() {
    let garbage = lab("crl-garbage").await;
    let body = fetch_bytes(&garbage, &garbage.issuing_crl_url()).await;
    assert!(OwnedCertRevocationList::from_der(&body).is_err());
    assert!(CertificateRevocationList::from_der(&body).is_err());

    let missing = lab("crl-not-found").await;
    let resp = fetch(&missing, &missing.issuing_crl_url()).await.unwrap();
    assert_eq!(resp.status(), 404);

    let down = lab("crl-server-down").await;
    let err = fetch(&down, &down.issuing_crl_url()).await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    let err = fetch(&down, &down.root_crl_url()).await.unwrap_err();
    assert!(err.is_connect(), "{err:?}");

    let stalled = lab("crl-stalled").await;
    let client = reqwest::Client::builder()
        .resolve(
            &format!("pki.{}", stalled.domain()),
            std::net::SocketAddr::new(LOCALHOST, crate::clients::pki_port(&stalled)),
        )
        .timeout(Duration::from_millis(500))
        .no_proxy()
        .tls_backend_preconfigured((*crate::clients::client_config(&stalled)).clone())
        .build()
        .unwrap();
    let err = client
        .get(stalled.issuing_crl_url())
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
    // Only the issuing CRL stalls; the root CRL is served.
    assert_eq!(
        client
            .get(stalled.root_crl_url())
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

#[tokio::test]
async fn a_leaf_without_cdp_has_unknown_revocation_status() {
    let lab = lab("crl-no-cdp").await;
    let chain = served_chain(&lab).await;
    assert!(cdp_urls(&chain[0]).is_empty());
    let crls = chain_crls(&lab, &chain).await;
    assert_eq!(crls.len(), 1, "only the intermediate has a CDP");
    assert_eq!(
        verify(&lab, &chain, &crls),
        Err(webpki::Error::UnknownRevocationStatus)
    );
}

#[tokio::test]
async fn missing_intermediate_can_be_fetched_through_aia() {
    let lab = lab("tls-missing-intermediate").await;
    let chain = served_chain(&lab).await;
    assert_eq!(chain.len(), 1, "the server sends the leaf alone");
    let urls = aia_ca_issuers(&chain[0]);
    assert_eq!(urls.len(), 1);
    let intermediate = CertificateDer::from(fetch_bytes(&lab, &urls[0]).await);
    assert_eq!(&intermediate, lab.pki().intermediate.der());
    let full = vec![chain[0].clone(), intermediate];
    let crls = chain_crls(&lab, &full).await;
    verify(&lab, &full, &crls).expect("complete once the intermediate is fetched");
    // Without it, the chain does not reach the root.
    assert_eq!(
        verify(&lab, &chain, &crls),
        Err(webpki::Error::UnknownIssuer)
    );

    let no_aia = self::lab("tls-missing-intermediate-no-aia").await;
    let chain = served_chain(&no_aia).await;
    assert_eq!(chain.len(), 1);
    assert!(aia_ca_issuers(&chain[0]).is_empty());
}

async fn handshake_error(name: &str) -> CertificateError {
    let lab = lab(name).await;
    let err = tls_connect(&lab, LOCALHOST, &lab.registration_name())
        .await
        .expect_err(name);
    let inner = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>())
        .cloned();
    match inner {
        Some(rustls::Error::InvalidCertificate(e)) => e,
        other => panic!("{name}: {other:?} ({err})"),
    }
}

#[tokio::test]
async fn certificate_faults_fail_a_standard_handshake() {
    assert_eq!(
        handshake_error("tls-untrusted-root").await,
        CertificateError::UnknownIssuer
    );
    assert!(matches!(
        handshake_error("tls-expired").await,
        CertificateError::Expired | CertificateError::ExpiredContext { .. }
    ));
    assert!(matches!(
        handshake_error("tls-not-yet-valid").await,
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. }
    ));
    assert!(matches!(
        handshake_error("tls-wrong-name").await,
        CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }
    ));
    assert!(matches!(
        handshake_error("tls-wrong-usage").await,
        CertificateError::InvalidPurpose | CertificateError::InvalidPurposeContext { .. }
    ));
    assert_eq!(
        handshake_error("tls-missing-intermediate-no-aia").await,
        CertificateError::UnknownIssuer
    );
}

#[tokio::test]
async fn the_wrong_name_certificate_names_other_hosts() {
    let lab = lab("tls-wrong-name").await;
    let chain = served_chain(&lab).await;
    let leaf = cert(&chain[0]);
    let sans: Vec<String> = leaf
        .subject_alternative_name()
        .unwrap()
        .unwrap()
        .value
        .general_names
        .iter()
        .filter_map(|n| match n {
            GeneralName::DNSName(d) => Some((*d).to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(sans, ["adfs.contoso.test", "sts.contoso.test"]);
}

#[tokio::test]
async fn three_tier_chain_completes_through_the_issuing_cas_aia_and_the_host_counts_it() {
    use wpj_testkit::pki::{POLICY_CERT_PATH, POLICY_P7C_PATH};
    let lab = lab("tls-three-tier-partial-chain").await;
    let chain = served_chain(&lab).await;
    assert_eq!(chain.len(), 2, "leaf and issuing CA");
    let partial = chain_crls(&lab, &chain).await;
    assert_eq!(
        verify(&lab, &chain, &partial),
        Err(webpki::Error::UnknownIssuer)
    );
    let urls = aia_ca_issuers(&chain[1]);
    assert_eq!(urls, [format!("{}{POLICY_P7C_PATH}", lab.pki_base_url())]);
    assert_eq!(lab.pki_hits(POLICY_P7C_PATH), 0);
    let bundle = fetch_bytes(&lab, &urls[0]).await;
    assert_eq!(lab.pki_hits(POLICY_P7C_PATH), 1, "the host counts requests");
    // The bundle holds the policy CA (and the root), whole.
    let policy = CertificateDer::from(
        fetch_bytes(&lab, &format!("{}{POLICY_CERT_PATH}", lab.pki_base_url())).await,
    );
    for der in [policy.as_ref(), lab.pki().root.der().as_ref()] {
        assert!(bundle.windows(der.len()).any(|w| w == der));
    }
    assert_eq!(bundle[0], 0x30, "a DER SEQUENCE (ContentInfo)");
    assert!(cert(&policy).subject().to_string().contains("Policy CA"));
    let full = vec![chain[0].clone(), chain[1].clone(), policy];
    let crls = chain_crls(&lab, &full).await;
    assert_eq!(
        crls.len(),
        3,
        "leaf, issuing CA and policy CA each have a CDP"
    );
    verify(&lab, &full, &crls).expect("root → policy CA → issuing CA → leaf");

    let leaf_only = self::lab("tls-three-tier-leaf-only").await;
    let chain = served_chain(&leaf_only).await;
    assert_eq!(chain.len(), 1, "the leaf alone");
    let issuing =
        CertificateDer::from(fetch_bytes(&leaf_only, &aia_ca_issuers(&chain[0])[0]).await);
    assert_eq!(aia_ca_issuers(&issuing).len(), 1, "one more level up");
}

#[tokio::test]
async fn extra_and_cross_certificates_are_sent_and_a_valid_path_exists() {
    for name in ["tls-extra-expired-certificate", "tls-cross-signed-expired"] {
        let lab = lab(name).await;
        let chain = served_chain(&lab).await;
        assert_eq!(chain.len(), 3, "{name}: leaf, issuing CA and one more");
        let extra = cert(&chain[2]);
        assert!(
            extra.validity().not_after.timestamp() < time_now(),
            "{name}: expired"
        );
        let crls = chain_crls(&lab, &chain[..2]).await;
        verify(&lab, &chain, &crls).expect("webpki finds the path around the extra certificate");
    }
    // Trusting only the other root: the path goes through the cross-certificate.
    let lab = lab("tls-cross-signed-path").await;
    let chain = served_chain(&lab).await;
    assert_eq!(chain.len(), 3);
    let cross = cert(&chain[2]);
    assert_eq!(cross.subject(), cert(lab.pki().root.der()).subject());
    assert_eq!(cross.issuer(), cert(lab.pki().other_root.der()).subject());
    let crls = chain_crls(&lab, &chain).await;
    verify(&lab, &chain, &crls).expect("leaf → issuing CA → cross-certificate → other root");
}

fn time_now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

#[tokio::test]
async fn cn_only_leaf_has_no_subject_alt_name() {
    let lab = lab("tls-cn-only").await;
    let chain = served_chain(&lab).await;
    let leaf = cert(&chain[0]);
    assert!(leaf.subject_alternative_name().unwrap().is_none());
    let cn: Vec<&str> = leaf
        .subject()
        .iter_common_name()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(cn, [lab.registration_name()]);
    // webpki (as browsers) refuses it.
    let ee = EndEntityCert::try_from(&chain[0]).unwrap();
    let name = ServerName::try_from(lab.registration_name()).unwrap();
    assert!(ee.verify_is_valid_for_subject_name(&name).is_err());
}

#[tokio::test]
async fn legacy_chains_are_served_with_their_crls_at_the_fixed_urls() {
    use wpj_testkit::legacy::{LEGACY_CRL_HOST, LEGACY_CRL_PORT, LegacyChain};
    for (name, which) in [
        (
            "tls-sha1-intermediate-private-root",
            LegacyChain::Sha1Intermediate,
        ),
        (
            "tls-rsa1024-issuer-private-root",
            LegacyChain::Rsa1024Issuer,
        ),
    ] {
        let lab = lab(name).await;
        let chain = served_chain(&lab).await;
        assert_eq!(chain, which.served().unwrap(), "{name}");
        // The CRL host is found through the lab's DNS, at the port the fixtures name.
        let answer = crate::clients::resolver(lab.resolver(), false)
            .lookup_ip(format!("{LEGACY_CRL_HOST}."))
            .await
            .unwrap();
        let ip = answer.iter().next().unwrap();
        let client = reqwest::Client::builder()
            .tls_backend_preconfigured((*crate::clients::client_config(&lab)).clone())
            .resolve(
                LEGACY_CRL_HOST,
                std::net::SocketAddr::new(ip, LEGACY_CRL_PORT),
            )
            .no_proxy()
            .build()
            .unwrap();
        let mut crls = Vec::new();
        for c in &chain {
            for url in cdp_urls(c) {
                let resp = client.get(&url).send().await.expect(&url);
                assert_eq!(resp.status(), 200, "{url}");
                crls.push(resp.bytes().await.unwrap().to_vec());
            }
        }
        assert_eq!(crls.len(), 2, "{name}");
        // webpki's own algorithms refuse the chain (SHA-1, or a 1024-bit RSA signer).
        assert!(verify(&lab, &chain, &crls).is_err(), "{name}");
    }
}
