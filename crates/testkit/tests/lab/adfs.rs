//! AD FS pieces: the probe endpoint per node and the federation metadata.

use std::net::{IpAddr, Ipv4Addr};

use wpj_testkit::{Lab, LabSpec, Scenario};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::clients::{LOCALHOST, http_client};

#[tokio::test]
async fn the_probe_answers_per_node() {
    let lab = Scenario::find("adfs-farm-node-down")
        .unwrap()
        .start()
        .await
        .unwrap();
    let port = lab.probe_port().expect("on-prem labs have a probe");
    let client = http_client(&lab, LOCALHOST);
    for (ip, status) in [
        (Ipv4Addr::new(127, 0, 0, 2), 200),
        (Ipv4Addr::new(127, 0, 0, 3), 503),
    ] {
        let resp = client
            .get(format!("http://{ip}:{port}/adfs/probe"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "{ip}");
    }
    let entra = Scenario::find("healthy-entra")
        .unwrap()
        .start()
        .await
        .unwrap();
    assert_eq!(entra.probe_port(), None);
}

fn x509_certificates(xml: &str) -> Vec<Vec<u8>> {
    xml.split("<X509Certificate>")
        .skip(1)
        .filter_map(|s| s.split("</X509Certificate>").next())
        .map(decode_base64)
        .collect()
}

fn decode_base64(s: &str) -> Vec<u8> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let bytes: Vec<u8> = s.bytes().filter(|b| *b != b'=').map(value).collect();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, v)| acc | (u32::from(*v) << (18 - 6 * i)));
        for i in 0..chunk.len() - 1 {
            out.push(n.to_be_bytes()[1 + i]);
        }
    }
    out
}

#[tokio::test]
async fn federation_metadata_carries_a_token_signing_certificate_with_its_expiry() {
    let lab = Lab::start(LabSpec {
        token_signing_days_left: 12,
        ..LabSpec::default()
    })
    .await
    .unwrap();
    let url = format!(
        "https://{}:{}/FederationMetadata/2007-06/FederationMetadata.xml",
        lab.sts_host(),
        lab.https_port()
    );
    let xml = http_client(&lab, LOCALHOST)
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(xml.contains("entityID=\"http://sts.contoso.test/adfs/services/trust\""));
    assert!(xml.contains("<KeyDescriptor use=\"signing\">"));
    let certs = x509_certificates(&xml);
    assert_eq!(
        certs.len(),
        3,
        "encryption, signing (WS-Fed), signing (SAML)"
    );
    let (_, signing) = X509Certificate::from_der(&certs[1]).unwrap();
    let days_left = (signing.validity().not_after.timestamp()
        - time::OffsetDateTime::now_utc().unix_timestamp())
        / 86_400;
    assert!((11..=12).contains(&days_left), "{days_left}");

    let oidc = format!(
        "https://{}:{}/adfs/.well-known/openid-configuration",
        lab.sts_host(),
        lab.https_port()
    );
    let json: serde_json::Value = http_client(&lab, IpAddr::V4(Ipv4Addr::LOCALHOST))
        .get(oidc)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .map(|b| serde_json::from_slice(&b).unwrap())
        .unwrap();
    assert_eq!(json["issuer"], "https://sts.contoso.test/adfs");
}
