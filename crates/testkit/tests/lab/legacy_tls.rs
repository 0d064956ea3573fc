//! The legacy responder (TLS 1.2 RSA key exchange only, TLS 1.0 only): rustls is refused with the
//! alert a real server sends, and a hand-written TLS 1.0–1.2 hello gets the server's flight in the
//! clear — `ServerHello` with the expected version and suite, the lab's chain, `ServerHelloDone` —
//! read here by a reader of its own (not the library's).

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wpj_testkit::legacy_tls::{
    TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_AES_128_CBC_SHA, TLS_RSA_WITH_RC4_128_SHA,
};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::clients::{LOCALHOST, lab, tls_connect};

/// A hello offering TLS 1.0–1.2 (`client_version` 1.2) and `suites`, with no extensions.
fn hello(suites: &[u16]) -> Vec<u8> {
    let mut body = vec![3, 3];
    body.extend([0x42; 32]);
    body.push(0);
    body.extend(u16::try_from(suites.len() * 2).unwrap().to_be_bytes());
    for s in suites {
        body.extend(s.to_be_bytes());
    }
    body.extend([1, 0]);
    let mut handshake = vec![1, 0];
    handshake.extend(u16::try_from(body.len()).unwrap().to_be_bytes());
    handshake.extend(body);
    let mut record = vec![22, 3, 1];
    record.extend(u16::try_from(handshake.len()).unwrap().to_be_bytes());
    record.extend(handshake);
    record
}

/// Every record until the peer's `ServerHelloDone` (type 14) or an alert, as (type, version, payload).
async fn flight(stream: &mut TcpStream) -> Vec<(u8, u16, Vec<u8>)> {
    let mut records = Vec::new();
    loop {
        let mut header = [0u8; 5];
        stream.read_exact(&mut header).await.expect("record header");
        let mut payload = vec![0u8; usize::from(u16::from_be_bytes([header[3], header[4]]))];
        stream.read_exact(&mut payload).await.expect("record body");
        let done = header[0] == 21 || payload.windows(4).any(|w| w == [14, 0, 0, 0]);
        records.push((
            header[0],
            u16::from_be_bytes([header[1], header[2]]),
            payload,
        ));
        if done {
            return records;
        }
    }
}

/// The handshake messages of `records`, as (type, body).
fn messages(records: &[(u8, u16, Vec<u8>)]) -> Vec<(u8, Vec<u8>)> {
    let bytes: Vec<u8> = records
        .iter()
        .filter(|r| r.0 == 22)
        .flat_map(|r| r.2.clone())
        .collect();
    let mut out = Vec::new();
    let mut rest = bytes.as_slice();
    while rest.len() >= 4 {
        let len = usize::from(rest[1]) << 16 | usize::from(rest[2]) << 8 | usize::from(rest[3]);
        out.push((rest[0], rest[4..4 + len].to_vec()));
        rest = &rest[4 + len..];
    }
    out
}

async fn answer(name: &str, suites: &[u16]) -> (Vec<(u8, u16, Vec<u8>)>, wpj_testkit::Lab) {
    let lab = lab(name).await;
    let mut stream = TcpStream::connect((LOCALHOST, lab.https_port()))
        .await
        .unwrap();
    stream.write_all(&hello(suites)).await.unwrap();
    (flight(&mut stream).await, lab)
}

/// `ServerHello`'s version and suite, and the DER certificates of the Certificate message.
fn read(records: &[(u8, u16, Vec<u8>)]) -> (u16, u16, Vec<Vec<u8>>, bool) {
    let messages = messages(records);
    assert_eq!(
        messages.iter().map(|m| m.0).collect::<Vec<_>>(),
        [2, 11, 14],
        "ServerHello, Certificate, ServerHelloDone"
    );
    let hello = &messages[0].1;
    let version = u16::from_be_bytes([hello[0], hello[1]]);
    let session = usize::from(hello[34]);
    let suite = u16::from_be_bytes([hello[35 + session], hello[36 + session]]);
    let list = &messages[1].1[3..];
    let mut certs = Vec::new();
    let mut rest = list;
    while !rest.is_empty() {
        let len = usize::from(rest[0]) << 16 | usize::from(rest[1]) << 8 | usize::from(rest[2]);
        certs.push(rest[3..3 + len].to_vec());
        rest = &rest[3 + len..];
    }
    (version, suite, certs, messages[2].1.is_empty())
}

#[tokio::test]
async fn rsa_key_exchange_only_answers_tls12_rsa_cbc_with_the_lab_chain_in_the_clear() {
    let (records, lab) = answer(
        "tls-legacy-rsa-key-exchange",
        &[0xc02f, TLS_RSA_WITH_AES_128_CBC_SHA],
    )
    .await;
    assert!(records.iter().all(|r| r.1 == 0x0303), "TLS 1.2 records");
    let (version, suite, certs, done_empty) = read(&records);
    assert_eq!((version, suite), (0x0303, TLS_RSA_WITH_AES_128_CBC_SHA));
    assert!(done_empty);
    let served: Vec<Vec<u8>> = lab
        .pki()
        .served_chain(true)
        .iter()
        .map(|c| c.to_vec())
        .collect();
    assert_eq!(certs, served);
    let (_, leaf) = X509Certificate::from_der(&certs[0]).unwrap();
    let names = leaf.subject_alternative_name().unwrap().unwrap();
    assert!(format!("{:?}", names.value).contains(&lab.registration_name()));

    // rustls offers only ECDHE and TLS 1.3 suites: refused with handshake_failure.
    let err = tls_connect(&lab, LOCALHOST, &lab.registration_name())
        .await
        .expect_err("rustls cannot talk to it");
    assert!(err.to_string().contains("HandshakeFailure"), "{err}");
}

#[tokio::test]
async fn tls10_only_answers_tls10_and_refuses_rustls_with_protocol_version() {
    let (records, lab) = answer(
        "tls-legacy-tls10-only",
        &[
            0xc02f,
            TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
            TLS_RSA_WITH_AES_128_CBC_SHA,
        ],
    )
    .await;
    assert!(records.iter().all(|r| r.1 == 0x0301), "TLS 1.0 records");
    let (version, suite, certs, _) = read(&records);
    assert_eq!(
        (version, suite),
        (0x0301, TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA)
    );
    assert_eq!(certs.len(), 2);
    let err = tls_connect(&lab, LOCALHOST, &lab.registration_name())
        .await
        .expect_err("rustls cannot talk to it");
    assert!(err.to_string().contains("ProtocolVersion"), "{err}");
}

#[tokio::test]
async fn an_offer_without_its_suites_gets_a_fatal_handshake_failure_alert() {
    let (records, _lab) = answer(
        "tls-legacy-rsa-key-exchange",
        &[TLS_RSA_WITH_RC4_128_SHA, 0xc02f],
    )
    .await;
    assert_eq!(records.len(), 1);
    assert_eq!(
        (records[0].0, records[0].2.as_slice()),
        (21, &[2u8, 40][..])
    );
}
