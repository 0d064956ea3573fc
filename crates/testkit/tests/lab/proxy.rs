//! The forward proxy: a real client (reqwest, its proxy set) reaches the lab through it, over
//! plain HTTP in absolute form and through `CONNECT` tunnels, and every request is on record.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wpj_testkit::lab::ENTRA_REGISTRATION_HOST;
use wpj_testkit::pki::{ISSUING_CERT_PATH, ISSUING_CRL_PATH, ROOT_CRL_PATH};
use wpj_testkit::proxy::{ForwardProxy, ProxiedRequest};
use wpj_testkit::{Lab, LabSpec};

use crate::clients::{LOCALHOST, client_config, contract_url, http_client, lab};

/// The TLS error behind a request's failure, looked for along its sources (and inside I/O errors,
/// whose `source` skips the error they wrap).
fn rustls_error<'e>(err: &'e (dyn std::error::Error + 'static)) -> Option<&'e rustls::Error> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        if let Some(inner) = e
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            .and_then(|inner| rustls_error(inner))
        {
            return Some(inner);
        }
        next = e.source();
    }
    None
}

/// A client that sends everything through `proxy` and resolves nothing itself (the lab's names
/// are known to no DNS but the lab's, which only the proxy uses), trusting the lab's root.
fn proxied_client(lab: &Lab, proxy: &ForwardProxy) -> reqwest::Client {
    reqwest::Client::builder()
        .tls_backend_preconfigured((*client_config(lab)).clone())
        .proxy(reqwest::Proxy::all(proxy.url()).expect("proxy URL"))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

fn request(method: &str, host: &str, port: u16, path: &str) -> ProxiedRequest {
    ProxiedRequest {
        method: method.to_owned(),
        host: host.to_owned(),
        port,
        path: path.to_owned(),
    }
}

fn port_of(url: &str) -> u16 {
    reqwest::Url::parse(url)
        .expect("URL")
        .port()
        .expect("a port")
}

#[tokio::test]
async fn crls_and_the_issuing_certificate_come_through_the_proxy_over_plain_http() {
    let lab = lab("healthy-onprem").await;
    let proxy = lab.forward_proxy().await.unwrap();
    assert_eq!(proxy.url(), format!("http://{}", proxy.addr()));
    let client = proxied_client(&lab, &proxy);
    let direct = http_client(&lab, LOCALHOST);
    let pki_port = port_of(lab.pki_base_url());

    let urls = [
        lab.issuing_crl_url(),
        lab.root_crl_url(),
        format!("{}{ISSUING_CERT_PATH}", lab.pki_base_url()),
    ];
    for url in &urls {
        let resp = client.get(url).send().await.expect(url);
        assert_eq!(resp.status(), 200, "{url}");
        let through_proxy = resp.bytes().await.unwrap();
        let straight = direct.get(url).send().await.unwrap().bytes().await.unwrap();
        assert!(!through_proxy.is_empty());
        assert_eq!(through_proxy, straight, "{url}: the same bytes either way");
    }
    assert_eq!(lab.crl_host(), "pki.contoso.test");
    assert_eq!(
        proxy.requests(),
        [ISSUING_CRL_PATH, ROOT_CRL_PATH, ISSUING_CERT_PATH].map(|path| request(
            "GET",
            &lab.crl_host(),
            pki_port,
            path
        ))
    );
}

#[tokio::test]
async fn https_goes_through_a_connect_tunnel_to_the_name_the_lab_serves() {
    let lab = lab("healthy-onprem").await;
    let proxy = lab.forward_proxy().await.unwrap();
    let client = proxied_client(&lab, &proxy);

    let resp = client
        .get(contract_url(&lab, "1.0"))
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let doc: serde_json::Value = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap();
    assert_eq!(
        doc["DeviceRegistrationService"]["RegistrationEndpoint"],
        "https://sts.contoso.test/EnrollmentServer/DeviceEnrollmentWebService.svc"
    );
    assert_eq!(
        proxy.requests(),
        [request(
            "CONNECT",
            &lab.registration_name(),
            lab.https_port(),
            ""
        )]
    );
}

#[tokio::test]
async fn entra_labs_route_microsofts_hosts_and_the_cname_target() {
    let lab = Lab::start(LabSpec::entra()).await.unwrap();
    let proxy = lab.forward_proxy().await.unwrap();
    let client = proxied_client(&lab, &proxy);
    let url = format!(
        "https://{ENTRA_REGISTRATION_HOST}:{}/EnrollmentServer/contract?api-version=1.0",
        lab.https_port()
    );
    let resp = client.get(&url).send().await.unwrap();
    assert_eq!(resp.status(), 200, "{url}");
    // The registration name is a CNAME in the lab's DNS: the proxy follows it.
    let err = client
        .get(contract_url(&lab, "1.0"))
        .send()
        .await
        .unwrap_err();
    // …to Microsoft's certificate, which names only Microsoft's host: the tunnel was made, and the
    // client rejects the name.
    assert!(err.is_connect(), "{err:?}");
    assert!(
        rustls_error(&err).is_some_and(|e| matches!(
            e,
            rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                    | rustls::CertificateError::NotValidForNameContext { .. }
            )
        )),
        "{err:?}"
    );
    assert_eq!(
        proxy.requests(),
        [
            request("CONNECT", ENTRA_REGISTRATION_HOST, lab.https_port(), ""),
            request("CONNECT", &lab.registration_name(), lab.https_port(), ""),
        ]
    );
}

#[tokio::test]
async fn unknown_hosts_get_502_and_are_recorded() {
    let lab = lab("healthy-onprem").await;
    let proxy = lab.forward_proxy().await.unwrap();
    let client = proxied_client(&lab, &proxy);

    let resp = client
        .get("http://nowhere.test:8080/x?y=1")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 502);
    let err = client
        .get("https://nowhere.test/")
        .send()
        .await
        .unwrap_err();
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(
        proxy.requests(),
        [
            request("GET", "nowhere.test", 8080, "/x?y=1"),
            request("CONNECT", "nowhere.test", 443, ""),
        ]
    );
}

#[tokio::test]
async fn a_host_that_refuses_gets_502() {
    let lab = lab("crl-server-down").await;
    let proxy = lab.forward_proxy().await.unwrap();
    let resp = proxied_client(&lab, &proxy)
        .get(lab.issuing_crl_url())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 502);
    assert_eq!(
        proxy.requests(),
        [request(
            "GET",
            &lab.crl_host(),
            port_of(lab.pki_base_url()),
            ISSUING_CRL_PATH
        )]
    );
}

/// An origin server that answers one request: it reads the head and a `Content-Length` body, and
/// answers (keep-alive, as servers do by default) with the body it got; gives back the head.
async fn one_shot_origin() -> (u16, tokio::task::JoinHandle<String>) {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        let head_end = loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break end;
            }
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "head ended early");
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().unwrap())
            })
            .unwrap_or(0);
        let mut body = buf[head_end + 4..].to_vec();
        while body.len() < length {
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "body ended early");
            body.extend_from_slice(&chunk[..n]);
        }
        let reply = [b"echo:".as_slice(), &body].concat();
        let head_out = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: keep-alive\r\n\r\n",
            reply.len()
        );
        stream.write_all(head_out.as_bytes()).await.unwrap();
        stream.write_all(&reply).await.unwrap();
        head
    });
    (port, task)
}

#[tokio::test]
async fn plain_requests_are_forwarded_in_origin_form_with_host_kept_and_bodies_relayed() {
    let (port, origin) = one_shot_origin().await;
    let proxy = ForwardProxy::start(HashMap::from([(
        "origin.test".to_owned(),
        IpAddr::V4(Ipv4Addr::LOCALHOST),
    )]))
    .await
    .unwrap();
    // Plain HTTP only; reqwest wants a TLS configuration all the same.
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    let client = reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .proxy(reqwest::Proxy::all(proxy.url()).unwrap())
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let resp = client
        .post(format!(
            "http://Origin.Test:{port}/adfs/services/trust/mex?x=1"
        ))
        .header("SOAPAction", "probe")
        .body("hello")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        resp.headers()["connection"],
        "close",
        "the proxy closes after one response"
    );
    assert_eq!(resp.bytes().await.unwrap().as_ref(), b"echo:hello");

    let head = origin.await.unwrap();
    let mut lines = head.lines();
    assert_eq!(
        lines.next(),
        Some("POST /adfs/services/trust/mex?x=1 HTTP/1.1")
    );
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let header = |name: &str| {
        headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(header("host"), [format!("origin.test:{port}")]);
    assert_eq!(header("connection"), ["close"]);
    assert_eq!(header("soapaction"), ["probe"]);
    assert!(header("proxy-connection").is_empty());
    assert_eq!(
        proxy.requests(),
        [request(
            "POST",
            "origin.test",
            port,
            "/adfs/services/trust/mex?x=1"
        )]
    );
}
