//! The registration service keeps its connections open, as IIS and AD FS do, and counts the TLS
//! handshakes it completes: proved with tokio-rustls and HTTP/1.1 written by hand.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use rustls::client::{ClientSessionMemoryCache, Resumption};
use rustls::{HandshakeKind, RootCertStore};
use rustls_pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use wpj_testkit::handshakes::{HandshakeSeen, ServerKey};
use wpj_testkit::{Lab, LabSpec};

use crate::clients::{LOCALHOST, lab, trust_root};

/// How long a test waits for any one answer.
const WAIT: Duration = Duration::from_secs(5);

/// A client config trusting the lab's root that remembers sessions in its own cache, so a second
/// connection to the same name offers to resume.
fn resuming_config(lab: &Lab) -> Arc<rustls::ClientConfig> {
    let mut roots = RootCertStore::empty();
    roots.add(trust_root(lab)).expect("root");
    let mut config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    config.resumption = Resumption::store(Arc::new(ClientSessionMemoryCache::new(8)));
    Arc::new(config)
}

async fn connect(
    config: &Arc<rustls::ClientConfig>,
    addr: SocketAddr,
    name: &str,
) -> TlsStream<TcpStream> {
    let tcp = TcpStream::connect(addr).await.expect("TCP");
    let name = ServerName::try_from(name.to_owned()).expect("name");
    TlsConnector::from(Arc::clone(config))
        .connect(name, tcp)
        .await
        .expect("TLS")
}

/// One answer: status, headers (names lowercased) and a body of exactly `Content-Length` bytes.
#[derive(Debug)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `GET path` (with `extra` header lines) and reads one answer, leaving the connection as
/// the server leaves it. Bytes of the answer beyond its head are read exactly, never to the end.
async fn exchange(tls: &mut TlsStream<TcpStream>, host: &str, path: &str, extra: &str) -> Answer {
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n{extra}\r\n");
    tls.write_all(request.as_bytes()).await.expect("request");
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(WAIT, tls.read(&mut chunk))
            .await
            .expect("an answer in time")
            .expect("read");
        assert!(n > 0, "the server closed before answering");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).expect("UTF-8 head");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .expect("Content-Length");
    let mut body = buf[head_end + 4..].to_vec();
    assert!(body.len() <= length, "nothing follows the body unasked");
    let mut rest = vec![0u8; length - body.len()];
    tokio::time::timeout(WAIT, tls.read_exact(&mut rest))
        .await
        .expect("the body in time")
        .expect("the whole body");
    body.extend(rest);
    Answer {
        status,
        headers,
        body,
    }
}

/// Whether the server closed the connection (end of stream, with or without `close_notify`).
async fn closed_by_server(tls: &mut TlsStream<TcpStream>) -> bool {
    let mut byte = [0u8; 1];
    matches!(
        tokio::time::timeout(WAIT, tls.read(&mut byte)).await,
        Ok(Ok(0) | Err(_))
    )
}

const CONTRACT: &str = "/EnrollmentServer/contract?api-version=1.0";
const METADATA: &str = "/FederationMetadata/2007-06/FederationMetadata.xml";

fn node(lab: &Lab) -> SocketAddr {
    SocketAddr::new(LOCALHOST, lab.https_port())
}

/// Two requests on one connection, then a resumed second connection, for TLS 1.3 and TLS 1.2.
#[tokio::test]
async fn requests_share_one_connection_and_a_second_connection_resumes() {
    for (scenario, tls13) in [("healthy-onprem", true), ("healthy-tls12-only", false)] {
        let lab = lab(scenario).await;
        let config = resuming_config(&lab);
        let name = lab.registration_name();
        let mut tls = connect(&config, node(&lab), &name).await;
        assert_eq!(
            tls.get_ref().1.handshake_kind(),
            Some(HandshakeKind::Full),
            "{scenario}"
        );
        assert_eq!(
            tls.get_ref().1.protocol_version(),
            Some(if tls13 {
                rustls::ProtocolVersion::TLSv1_3
            } else {
                rustls::ProtocolVersion::TLSv1_2
            }),
            "{scenario}"
        );
        let first = exchange(&mut tls, &name, CONTRACT, "").await;
        assert_eq!(first.status, 200, "{scenario}");
        assert_eq!(first.header("connection"), None, "{scenario}: kept open");
        assert!(
            first.body.starts_with(b"{\"DeviceRegistrationService\""),
            "{scenario}"
        );
        let second = exchange(&mut tls, &name, METADATA, "").await;
        assert_eq!(second.status, 200, "{scenario}");
        assert!(
            String::from_utf8_lossy(&second.body).contains("EntityDescriptor"),
            "{scenario}"
        );
        let key = ServerKey {
            address: node(&lab),
            sni: Some(name.clone()),
        };
        assert_eq!(
            lab.handshakes(),
            [HandshakeSeen {
                server: key.clone(),
                resumed: false,
            }],
            "{scenario}: two answers, one handshake"
        );

        // A second connection offers the session the first one got, and the server resumes it.
        let mut again = connect(&config, node(&lab), &name).await;
        assert_eq!(
            again.get_ref().1.handshake_kind(),
            Some(HandshakeKind::Resumed),
            "{scenario}"
        );
        let third = exchange(&mut again, &name, CONTRACT, "Connection: close\r\n").await;
        assert_eq!(third.status, 200, "{scenario}");
        assert_eq!(third.header("connection"), Some("close"), "{scenario}");
        assert!(closed_by_server(&mut again).await, "{scenario}");
        let seen = lab.handshakes();
        assert_eq!(
            seen.iter().map(|h| h.resumed).collect::<Vec<_>>(),
            [false, true],
            "{scenario}"
        );
        assert_eq!(
            lab.full_handshakes().into_iter().collect::<Vec<_>>(),
            [(key, 1)],
            "{scenario}"
        );
        // The first connection is still open and still answers.
        assert_eq!(exchange(&mut tls, &name, CONTRACT, "").await.status, 200);
    }
}

/// Handshakes are counted per address and name: another SNI on the same node is another server.
#[tokio::test]
async fn handshakes_are_counted_per_address_and_name() {
    let lab = lab("healthy-onprem").await;
    let config = resuming_config(&lab);
    for name in [lab.registration_name(), lab.sts_host()] {
        let mut tls = connect(&config, node(&lab), &name).await;
        assert_eq!(exchange(&mut tls, &name, CONTRACT, "").await.status, 200);
    }
    let counts: Vec<(String, usize)> = lab
        .full_handshakes()
        .into_iter()
        .map(|(key, n)| (key.to_string(), n))
        .collect();
    let at = node(&lab);
    assert_eq!(
        counts,
        [
            (format!("{at} (SNI {})", lab.registration_name()), 1),
            (format!("{at} (SNI {})", lab.sts_host()), 1),
        ]
    );
}

/// Under latency, a handshake is recorded at the address the client connected to: the relay's.
#[tokio::test]
async fn handshakes_behind_the_latency_relay_are_seen_at_the_relay() {
    let lab = Lab::start(LabSpec {
        latency: Some(Duration::from_millis(1)),
        ..LabSpec::default()
    })
    .await
    .expect("lab");
    let config = resuming_config(&lab);
    let name = lab.registration_name();
    let mut tls = connect(&config, node(&lab), &name).await;
    assert_eq!(exchange(&mut tls, &name, CONTRACT, "").await.status, 200);
    assert_eq!(
        lab.handshakes()
            .iter()
            .map(|h| h.server.address)
            .collect::<Vec<_>>(),
        [node(&lab)]
    );
}

/// Answers that script misbehaviour still close their connection: the oversized contract is sent
/// with `Connection: close`, and the connection ends after it.
#[tokio::test]
async fn a_scripted_fault_still_closes_its_connection() {
    let lab = lab("oversized-body").await;
    let config = resuming_config(&lab);
    let name = lab.registration_name();
    let mut tls = connect(&config, node(&lab), &name).await;
    let answer = exchange(&mut tls, &name, CONTRACT, "").await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.header("connection"), Some("close"));
    assert_eq!(
        answer.body.len(),
        wpj_testkit::https::OVERSIZED_BODY_LEN,
        "the whole body, as announced"
    );
    assert!(closed_by_server(&mut tls).await);
}

/// An HTTP/1.0 request without `keep-alive` gets one answer and the connection closes.
#[tokio::test]
async fn an_http10_request_closes_its_connection() {
    let lab = lab("healthy-onprem").await;
    let config = resuming_config(&lab);
    let name = lab.registration_name();
    let mut tls = connect(&config, node(&lab), &name).await;
    let request =
        format!("GET {CONTRACT} HTTP/1.0\r\nHost: {name}\r\nAccept: application/json\r\n\r\n");
    tls.write_all(request.as_bytes()).await.expect("request");
    let mut all = Vec::new();
    let _ = tokio::time::timeout(WAIT, tls.read_to_end(&mut all))
        .await
        .expect("closed in time");
    let text = String::from_utf8_lossy(&all);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains("\r\nConnection: close\r\n"), "{text}");
}

/// A connection is answered at most `MAX_REQUESTS_PER_CONNECTION` times: the last answer says
/// `Connection: close`, and the connection ends after it.
#[tokio::test]
async fn a_connection_is_answered_a_bounded_number_of_times() {
    use wpj_testkit::https::MAX_REQUESTS_PER_CONNECTION;
    let lab = lab("healthy-onprem").await;
    let config = resuming_config(&lab);
    let name = lab.registration_name();
    let mut tls = connect(&config, node(&lab), &name).await;
    for n in 1..=MAX_REQUESTS_PER_CONNECTION {
        let answer = exchange(&mut tls, &name, CONTRACT, "").await;
        assert_eq!(answer.status, 200, "request {n}");
        let last = n == MAX_REQUESTS_PER_CONNECTION;
        assert_eq!(
            answer.header("connection"),
            last.then_some("close"),
            "request {n}"
        );
    }
    assert!(closed_by_server(&mut tls).await);
    assert_eq!(lab.handshakes().len(), 1);
}
