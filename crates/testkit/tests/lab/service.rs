//! The registration service: connection and TLS faults, and the contract by the MS-DVRD rules.

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wpj_testkit::Lab;
use wpj_testkit::https::{CAPTIVE_PORTAL_HTML, OVERSIZED_BODY_LEN};

use crate::clients::{LOCALHOST, contract_url, http_client, lab, tls_connect};

async fn get(lab: &Lab, url: &str, accept: Option<&str>) -> reqwest::Response {
    let mut req = http_client(lab, LOCALHOST).get(url);
    if let Some(a) = accept {
        req = req.header("Accept", a);
    }
    req.send().await.expect(url)
}

#[tokio::test]
async fn the_contract_is_json_or_xml_by_accept_for_both_versions() {
    let lab = lab("healthy-onprem").await;
    for version in ["1.0", "1.2"] {
        let resp = get(&lab, &contract_url(&lab, version), Some("application/json")).await;
        assert_eq!(resp.status(), 200);
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        let doc: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        assert_eq!(
            doc["DeviceRegistrationService"]["RegistrationEndpoint"],
            "https://sts.contoso.test/EnrollmentServer/DeviceEnrollmentWebService.svc"
        );
        assert_eq!(doc["DeviceRegistrationService"]["ServiceVersion"], "1.0");
        assert_eq!(
            doc["AuthenticationService"]["OAuth2"]["TokenEndpoint"],
            "https://sts.contoso.test/adfs/oauth2/token"
        );
        assert_eq!(
            doc["IdentityProviderService"]["PassiveAuthEndpoint"],
            "https://sts.contoso.test/adfs/ls"
        );
        assert_eq!(
            doc.get("DeviceJoinService").is_some(),
            version == "1.2",
            "{version}"
        );

        let xml = get(&lab, &contract_url(&lab, version), None).await;
        assert_eq!(xml.status(), 200);
        assert!(
            xml.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/xml")
        );
        let body = xml.text().await.unwrap();
        assert!(body.contains(
            "<Discovery xmlns=\"http://schemas.datacontract.org/2004/07/Microsoft.DeviceRegistration.Entities\""
        ));
        assert_eq!(
            body.contains("<KeyProvisioningService>"),
            version == "1.2",
            "{version}"
        );
    }
    assert_eq!(
        get(&lab, &contract_url(&lab, "1.0"), Some("text/html"))
            .await
            .status(),
        406
    );
    assert_eq!(
        get(&lab, &contract_url(&lab, "7.0"), None).await.status(),
        400
    );
}

/// The Entra lab is Microsoft's endpoint as a plain client meets it: a certificate for
/// `enterpriseregistration.windows.net` only (never the customer's name), tenant discovery 1.7 for
/// clients that send the dsreg headers, the 1.0 contract under `/<domain>/`, documents with members
/// MS-DVRD does not define.
#[tokio::test]
async fn entra_is_microsofts_endpoint_with_microsofts_certificate() {
    let lab = lab("healthy-entra").await;
    let client = http_client(&lab, LOCALHOST);
    let microsoft = format!(
        "https://{}:{}",
        wpj_testkit::lab::ENTRA_REGISTRATION_HOST,
        lab.https_port()
    );
    // The customer's name is not in Microsoft's certificate: a verifying client refuses it.
    let customer = client
        .get(contract_url(&lab, "1.0"))
        .send()
        .await
        .expect_err("the certificate does not name enterpriseregistration.fabrikam.test");
    assert!(
        customer.is_connect() || customer.is_request(),
        "{customer:?}"
    );

    let discover = format!("{microsoft}/fabrikam.test/discover?api-version=1.7");
    let resp = discover_as_dsreg(&client, &discover).await;
    assert_eq!(resp.status(), 200);
    let doc: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(doc["IdentityProviderService"]["Federated"], false);
    assert_eq!(doc["TenantInfo"]["TenantName"], "fabrikam.test");
    assert_eq!(
        doc["DeviceJoinService"]["JoinResourceId"],
        "urn:ms-drs:enterpriseregistration.windows.net"
    );
    assert!(
        doc.get("AzureRbacService").is_some(),
        "a member MS-DVRD does not define"
    );
    let without_headers = client
        .get(&discover)
        .header("Accept", "application/json")
        .send()
        .await
        .expect("discover");
    assert_eq!(
        without_headers.status(),
        400,
        "the dsreg headers are required"
    );

    let cloud = format!("{microsoft}/fabrikam.test/enrollmentserver/contract?api-version=1.0");
    assert_eq!(
        get(&lab, &cloud, Some("application/json")).await.status(),
        200
    );

    let failing = crate::clients::lab("entra-discover-error").await;
    let resp = http_client(&failing, LOCALHOST)
        .get(discover.replace(
            &lab.https_port().to_string(),
            &failing.https_port().to_string(),
        ))
        .header("Accept", "application/json")
        .header("ocp-adrs-client-name", "dsreg")
        .send()
        .await
        .expect("discover");
    assert_eq!(resp.status(), 404);
    let error: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert!(error["Message"].as_str().unwrap().contains("fabrikam.test"));
}

#[tokio::test]
async fn error_statuses_and_captive_portal() {
    for (name, status) in [
        ("contract-404", 404),
        ("contract-503", 503),
        ("contract-500", 500),
    ] {
        let lab = lab(name).await;
        assert_eq!(
            get(&lab, &contract_url(&lab, "1.0"), None).await.status(),
            status,
            "{name}"
        );
    }
    let lab = lab("captive-portal").await;
    let resp = get(&lab, &contract_url(&lab, "1.0"), Some("application/json")).await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(resp.text().await.unwrap(), CAPTIVE_PORTAL_HTML);
}

fn location(resp: &reqwest::Response) -> String {
    resp.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn redirects_go_where_they_say() {
    let same = lab("redirect-same-host").await;
    let first = get(&same, &contract_url(&same, "1.0"), None).await;
    assert_eq!(first.status(), 302);
    let next = location(&first);
    assert!(
        next.starts_with(&format!("https://{}:", same.registration_name())),
        "{next}"
    );
    assert_eq!(
        get(&same, &next, Some("application/json")).await.status(),
        200
    );

    let other = lab("redirect-other-host").await;
    let first = get(&other, &contract_url(&other, "1.0"), None).await;
    let next = location(&first);
    assert!(
        next.starts_with(&format!("https://{}:", other.sts_host())),
        "{next}"
    );
    assert_eq!(
        get(&other, &next, Some("application/json")).await.status(),
        200
    );

    let looping = lab("redirect-loop").await;
    let base = format!(
        "https://{}:{}",
        looping.registration_name(),
        looping.https_port()
    );
    let mut url = contract_url(&looping, "1.0");
    let mut seen = Vec::new();
    for _ in 0..6 {
        let resp = get(&looping, &url, None).await;
        assert_eq!(resp.status(), 302);
        let loc = location(&resp);
        url = if loc.starts_with('/') {
            format!("{base}{loc}")
        } else {
            loc
        };
        seen.push(url.clone());
    }
    assert_eq!(
        seen[0], seen[2],
        "the redirects come back to where they started"
    );
}

#[tokio::test]
async fn a_slow_body_drips_and_an_oversized_body_is_big() {
    let slow = lab("slow-body").await;
    let resp = get(&slow, &contract_url(&slow, "1.0"), Some("application/json")).await;
    assert_eq!(resp.status(), 200, "the head arrives at once");
    let len = resp.content_length().unwrap();
    let mut resp = resp;
    let mut got = 0;
    let read = tokio::time::timeout(Duration::from_secs(1), async {
        while let Ok(Some(chunk)) = resp.chunk().await {
            got += chunk.len();
        }
    })
    .await;
    assert!(read.is_err(), "the body did not finish within a second");
    assert!((got as u64) < len, "{got} of {len} bytes");

    let big = lab("oversized-body").await;
    let resp = get(&big, &contract_url(&big, "1.0"), Some("application/json")).await;
    assert_eq!(resp.content_length(), Some(OVERSIZED_BODY_LEN as u64));
    assert_eq!(resp.bytes().await.unwrap().len(), OVERSIZED_BODY_LEN);
}

#[tokio::test]
async fn connection_faults() {
    let stall = lab("tls-stall").await;
    let result = tokio::time::timeout(
        Duration::from_millis(700),
        tls_connect(&stall, LOCALHOST, &stall.registration_name()),
    )
    .await;
    assert!(result.is_err(), "the handshake never completes");
    // ...although the TCP connection is accepted.
    TcpStream::connect((LOCALHOST, stall.https_port()))
        .await
        .expect("TCP accepted");

    let reset = lab("tls-reset").await;
    let err = tls_connect(&reset, LOCALHOST, &reset.registration_name())
        .await
        .expect_err("closed at once");
    assert!(
        matches!(
            err.kind(),
            std::io::ErrorKind::UnexpectedEof | std::io::ErrorKind::ConnectionReset
        ),
        "{err:?}"
    );

    let refused = lab("connect-refused").await;
    let err = TcpStream::connect((LOCALHOST, refused.https_port()))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::ConnectionRefused);

    // A black hole neither accepts nor refuses: every connect just waits.
    let hole = lab("connect-black-hole").await;
    for _ in 0..3 {
        let attempt = tokio::time::timeout(
            Duration::from_millis(300),
            TcpStream::connect((LOCALHOST, hole.https_port())),
        )
        .await;
        assert!(attempt.is_err(), "connect finished: {attempt:?}");
    }
}

#[tokio::test]
async fn tls12_only_negotiates_tls12() {
    let lab = lab("healthy-tls12-only").await;
    let tls = tls_connect(&lab, LOCALHOST, &lab.registration_name())
        .await
        .unwrap();
    assert_eq!(
        tls.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_2)
    );
    let normal = self::lab("healthy-onprem").await;
    let tls = tls_connect(&normal, LOCALHOST, &normal.registration_name())
        .await
        .unwrap();
    assert_eq!(
        tls.get_ref().1.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
    assert_eq!(
        tls.get_ref().1.alpn_protocol(),
        None,
        "client offered no ALPN"
    );
}

#[tokio::test]
async fn farm_nodes_answer_on_their_own_addresses() {
    let lab = lab("adfs-farm-node-down").await;
    let statuses = [
        (Ipv4Addr::new(127, 0, 0, 2), 200),
        (Ipv4Addr::new(127, 0, 0, 3), 503),
    ];
    for (ip, status) in statuses {
        let resp = http_client(&lab, IpAddr::V4(ip))
            .get(contract_url(&lab, "1.0"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), status, "{ip}");
    }

    let mixed = self::lab("adfs-farm-mixed-certificates").await;
    let mut leaves = Vec::new();
    for ip in mixed.nodes() {
        let tls = tls_connect(&mixed, ip, &mixed.registration_name())
            .await
            .unwrap();
        leaves.push(tls.get_ref().1.peer_certificates().unwrap()[0].clone());
    }
    assert_ne!(
        leaves[0], leaves[1],
        "each node has its own valid certificate"
    );
}

#[tokio::test]
async fn the_proxy_serves_the_external_view() {
    let lab = lab("healthy-split-horizon").await;
    let resp = http_client(&lab, IpAddr::V4(wpj_testkit::lab::PROXY_IP))
        .get(contract_url(&lab, "1.0"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn raw_http_garbage_is_ignored_without_harm() {
    let lab = lab("healthy-onprem").await;
    let mut tls = tls_connect(&lab, LOCALHOST, &lab.registration_name())
        .await
        .unwrap();
    tls.write_all(b"NONSENSE\r\n\r\n").await.unwrap();
    let mut buf = Vec::new();
    let n = tls.read_to_end(&mut buf).await.unwrap_or(0);
    assert_eq!(
        n, 0,
        "the server closes without answering a non-HTTP request"
    );
    // The server is still up.
    assert_eq!(
        get(&lab, &contract_url(&lab, "1.0"), None).await.status(),
        200
    );
}

/// Throttled tenant discovery: the status, `Retry-After` when scripted, and a JSON error naming
/// the throttling, to a client that asks as dsreg does.
#[tokio::test]
async fn throttled_tenant_discovery_says_when_to_ask_again() {
    for (name, status, retry_after) in [
        ("entra-discover-throttled", 429, Some("120")),
        ("entra-discover-busy", 503, Some("30")),
    ] {
        let lab = lab(name).await;
        let url = format!(
            "https://{}:{}/fabrikam.test/discover?api-version=1.7",
            wpj_testkit::lab::ENTRA_REGISTRATION_HOST,
            lab.https_port()
        );
        let resp = discover_as_dsreg(&http_client(&lab, LOCALHOST), &url).await;
        assert_eq!(resp.status(), status, "{name}");
        assert_eq!(
            resp.headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap()),
            retry_after,
            "{name}"
        );
        let error: serde_json::Value =
            serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
        assert_eq!(
            error["ErrorCode"],
            wpj_testkit::https::THROTTLED_ERROR_CODE,
            "{name}"
        );
    }
    // Without Retry-After.
    let lab = wpj_testkit::Lab::start(wpj_testkit::LabSpec {
        contract: wpj_testkit::https::ContractFault::Throttled {
            status: 429,
            retry_after: None,
        },
        ..wpj_testkit::LabSpec::entra()
    })
    .await
    .unwrap();
    let resp = http_client(&lab, LOCALHOST)
        .get(contract_url(&lab, "1.0").replace(
            &format!("enterpriseregistration.{}", lab.domain()),
            wpj_testkit::lab::ENTRA_REGISTRATION_HOST,
        ))
        .send()
        .await
        .expect("contract");
    assert_eq!(resp.status(), 429, "the contract throttles too");
    assert!(resp.headers().get("retry-after").is_none());
}

/// Tenant discovery at `url`, asked with the headers the Windows 10 dsreg client sends.
async fn discover_as_dsreg(client: &reqwest::Client, url: &str) -> reqwest::Response {
    client
        .get(url)
        .header("Accept", "application/json")
        .header("ocp-adrs-client-name", "dsreg")
        .header("ocp-adrs-client-version", "10")
        .send()
        .await
        .expect("discover")
}
