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

/// A rustls client configuration (ring) trusting only `root`.
fn trusting(
    root: &rustls_pki_types::CertificateDer<'static>,
) -> std::sync::Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.clone()).expect("root");
    std::sync::Arc::new(
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth(),
    )
}

/// Through `proxy`, by hand: `CONNECT host:port`, TLS as `host` with `config`, `GET path`. The
/// certificate the tunnel presented and the response, or the TLS error.
async fn through_tunnel(
    proxy: &ForwardProxy,
    config: std::sync::Arc<rustls::ClientConfig>,
    host: &str,
    port: u16,
    path: &str,
) -> Result<(rustls_pki_types::CertificateDer<'static>, String), std::io::Error> {
    let mut tcp = tokio::net::TcpStream::connect(proxy.addr()).await?;
    tcp.write_all(
        format!("CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n").as_bytes(),
    )
    .await?;
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        tcp.read_exact(&mut byte).await?;
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&head)
    );
    let name = rustls_pki_types::ServerName::try_from(host.to_owned()).expect("name");
    let mut tls = tokio_rustls::TlsConnector::from(config)
        .connect(name, tcp)
        .await?;
    let leaf = tls.get_ref().1.peer_certificates().expect("a chain")[0]
        .clone()
        .into_owned();
    tls.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes(),
    )
    .await?;
    let mut response = Vec::new();
    let _ = tls.read_to_end(&mut response).await;
    Ok((leaf, String::from_utf8_lossy(&response).into_owned()))
}

#[tokio::test]
async fn an_inspecting_proxy_re_signs_each_host_with_its_corporate_ca_and_relays() {
    let lab = Lab::start(LabSpec::entra()).await.unwrap();
    let proxy = lab.inspecting_proxy().await.unwrap();
    let inspector = proxy.inspector().expect("an inspecting proxy");
    let corporate = trusting(inspector.root());
    let host = "login.microsoftonline.com";
    let realm = "/common/UserRealm/?user=alice@fabrikam.test&api-version=1.0";
    // Trusting the corporate root: the answer is the real server's, the certificate the proxy's.
    let (leaf, response) = through_tunnel(&proxy, corporate, host, lab.https_port(), realm)
        .await
        .expect("accepted with the corporate root");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains("\"NameSpaceType\":\"Managed\""),
        "relayed from the lab's server: {response}"
    );
    let (_, cert) = x509_parser::parse_x509_certificate(&leaf).unwrap();
    assert_eq!(
        cert.issuer().to_string(),
        "O=wpj testkit, CN=wpj Lab Issuing CA (TLS inspection)"
    );
    let names: Vec<String> = cert
        .subject_alternative_name()
        .unwrap()
        .unwrap()
        .value
        .general_names
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(names, [format!("DNSName({host})")]);
    // Trusting only the lab's (Microsoft's) root: the proxy's certificate is refused.
    let err = through_tunnel(&proxy, client_config(&lab), host, lab.https_port(), realm)
        .await
        .unwrap_err();
    assert!(
        rustls_error(&err).is_some_and(|e| matches!(
            e,
            rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer)
        )),
        "{err:?}"
    );
    // The corporate CA's CRL, named in what it mints, is served by the proxy itself.
    let crl_url = cert
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            x509_parser::extensions::ParsedExtension::CRLDistributionPoints(points) => points
                .points
                .first()
                .and_then(|p| match &p.distribution_point {
                    Some(x509_parser::extensions::DistributionPointName::FullName(names)) => {
                        names.first().map(|n| match n {
                            x509_parser::extensions::GeneralName::URI(u) => (*u).to_owned(),
                            other => other.to_string(),
                        })
                    }
                    _ => None,
                }),
            _ => None,
        })
        .expect("a CRL distribution point");
    assert_eq!(
        crl_url,
        format!(
            "http://{}:{}{ISSUING_CRL_PATH}",
            wpj_testkit::inspection::INSPECTION_CRL_HOST,
            proxy.addr().port()
        )
    );
    let crl = proxied_client(&lab, &proxy)
        .get(&crl_url)
        .send()
        .await
        .unwrap();
    assert_eq!(crl.status(), 200);
    let der = crl.bytes().await.unwrap();
    assert!(x509_parser::parse_x509_crl(&der).is_ok());
    let connects: Vec<_> = proxy
        .requests()
        .into_iter()
        .filter(|r| r.method == "CONNECT")
        .collect();
    assert_eq!(
        connects,
        [
            request("CONNECT", host, lab.https_port(), ""),
            request("CONNECT", host, lab.https_port(), "")
        ]
    );
}
