//! The latency relay and a lab with latency: bytes pass unchanged both ways, closes are passed on,
//! and nothing arrives earlier than the scripted delay allows (lower bounds only: a sleep never
//! ends early, so these cannot flake on a slow machine).

use std::time::{Duration, Instant};

use hickory_resolver::proto::rr::RecordType;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wpj_testkit::latency::DelayRelay;
use wpj_testkit::{Lab, LabSpec};

use crate::clients::{LOCALHOST, contract_url, http_client, resolver, tls_connect};

const ONE_WAY: Duration = Duration::from_millis(20);

/// An upstream that reads until the client half-closes, then answers the reversed bytes and closes.
async fn reversing_upstream() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut all = Vec::new();
                s.read_to_end(&mut all)
                    .await
                    .expect("read to the client's FIN");
                all.reverse();
                s.write_all(&all).await.expect("answer");
                s.shutdown().await.expect("close");
            });
        }
    });
    addr
}

#[tokio::test]
async fn relay_passes_bytes_and_half_closes_both_ways() {
    let upstream = reversing_upstream().await;
    let relay = DelayRelay::start(
        TcpListener::bind("127.0.0.1:0").await.expect("bind"),
        upstream,
        ONE_WAY,
    )
    .expect("relay");
    // Large enough to take several reads, so pipelining and ordering are exercised.
    let sent: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let started = Instant::now();
    let mut client = TcpStream::connect(relay.addr()).await.expect("connect");
    client.write_all(&sent).await.expect("send");
    client.shutdown().await.expect("half-close");
    let mut back = Vec::new();
    client
        .read_to_end(&mut back)
        .await
        .expect("answer, then FIN");
    let elapsed = started.elapsed();
    let mut expected = sent.clone();
    expected.reverse();
    assert_eq!(back.len(), expected.len());
    assert!(back == expected, "bytes changed on the way");
    // Handshake round trip, the data and FIN there, the answer back.
    assert!(elapsed >= ONE_WAY * 4, "took only {elapsed:?}");
}

#[tokio::test]
async fn relay_closes_the_client_when_upstream_is_gone() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let dead = listener.local_addr().expect("addr");
    drop(listener);
    let relay = DelayRelay::start(
        TcpListener::bind("127.0.0.1:0").await.expect("bind"),
        dead,
        ONE_WAY,
    )
    .expect("relay");
    let mut client = TcpStream::connect(relay.addr()).await.expect("connect");
    let mut buf = [0u8; 1];
    let read = tokio::time::timeout(Duration::from_secs(10), client.read(&mut buf))
        .await
        .expect("the relay closes instead of hanging");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
}

#[tokio::test]
async fn lab_with_latency_serves_everything_a_round_trip_late() {
    let lab = Lab::start(LabSpec {
        latency: Some(ONE_WAY),
        ..LabSpec::default()
    })
    .await
    .expect("lab");

    let started = Instant::now();
    let lookup = resolver(lab.resolver(), false)
        .lookup("enterpriseregistration.contoso.test.", RecordType::A)
        .await
        .expect("answer");
    assert!(!lookup.answers().is_empty());
    assert!(
        started.elapsed() >= ONE_WAY * 2,
        "DNS answered within one round trip"
    );

    // TCP (emulated) + TLS 1.3: two round trips before the chain is in.
    let started = Instant::now();
    let tls = tls_connect(&lab, LOCALHOST, &lab.registration_name())
        .await
        .expect("handshake through the relay");
    assert!(tls.get_ref().1.peer_certificates().is_some());
    assert!(
        started.elapsed() >= ONE_WAY * 4,
        "handshake within two round trips"
    );

    // The contract and the CRL still arrive intact.
    let client = http_client(&lab, LOCALHOST);
    let contract = client
        .get(contract_url(&lab, "1.0"))
        .header("Accept", "application/json")
        .send()
        .await
        .expect("contract");
    assert_eq!(contract.status(), 200);
    let body = contract.bytes().await.expect("body");
    let document: serde_json::Value = serde_json::from_slice(&body).expect("JSON document");
    assert!(document.get("DeviceRegistrationService").is_some());
    let crl = client
        .get(lab.issuing_crl_url())
        .send()
        .await
        .expect("CRL")
        .bytes()
        .await
        .expect("CRL body");
    assert!(webpki::OwnedCertRevocationList::from_der(&crl).is_ok());
}
