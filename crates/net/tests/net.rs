//! The network layer against a real lab on loopback: its DNS, its CRL host.

use std::sync::Arc;

use wpj_core::Settings;
use wpj_net::{FetchError, Limits, Net};
use wpj_testkit::{Lab, Scenario};

async fn lab() -> Lab {
    Scenario::find("healthy-onprem")
        .expect("scenario")
        .start()
        .await
        .expect("lab starts")
}

fn settings(lab: &Lab) -> Settings {
    let mut s = lab.settings();
    s.network_timeout = std::time::Duration::from_secs(2);
    s.dns_timeout = std::time::Duration::from_secs(2);
    s
}

#[tokio::test]
async fn a_crl_is_downloaded_through_the_runs_dns_and_counted() {
    let lab = lab().await;
    let net = Net::new(&settings(&lab), Limits::default()).unwrap();
    let crl = net
        .fetch(&lab.issuing_crl_url(), net.limits().crl)
        .await
        .unwrap();
    assert!(looks_like_der_crl(&crl), "a DER CRL");
    assert_eq!(net.bytes_read(), crl.len() as u64);
}

/// A DER CRL is a SEQUENCE (0x30) of a `TBSCertList`, an algorithm and a signature.
fn looks_like_der_crl(der: &[u8]) -> bool {
    der.len() > 100 && der[0] == 0x30
}

#[tokio::test]
async fn a_body_past_its_cap_is_refused_and_nothing_of_it_is_spent() {
    let lab = lab().await;
    let net = Net::new(&settings(&lab), Limits::default()).unwrap();
    let err = net.fetch(&lab.issuing_crl_url(), 10).await.unwrap_err();
    assert_eq!(err, FetchError::TooLarge(10));
    assert_eq!(
        net.bytes_read(),
        0,
        "the declared length was refused before reading"
    );
}

#[tokio::test]
async fn the_run_budget_bounds_every_body_together() {
    let lab = lab().await;
    let probe = Net::new(&settings(&lab), Limits::default()).unwrap();
    let issuing = probe.fetch(&lab.issuing_crl_url(), 1 << 20).await.unwrap();
    let root = probe.fetch(&lab.root_crl_url(), 1 << 20).await.unwrap();
    let limits = Limits {
        run_budget: (issuing.len() + root.len() / 2) as u64,
        ..Limits::default()
    };
    let net = Net::new(&settings(&lab), limits).unwrap();
    assert!(net.fetch(&lab.issuing_crl_url(), 1 << 20).await.is_ok());
    let second = net.fetch(&lab.root_crl_url(), 1 << 20).await.unwrap_err();
    assert_eq!(second, FetchError::BudgetSpent(limits.run_budget));
    assert!(second.is_own_limit(), "no device meets this tool's budget");
    assert!(net.bytes_read() <= limits.run_budget);
}

#[tokio::test]
async fn a_url_is_downloaded_once_per_run() {
    let lab = lab().await;
    let net = Net::new(&settings(&lab), Limits::default()).unwrap();
    let url = lab.issuing_crl_url();
    let (a, b) = tokio::join!(net.fetch(&url, 1 << 20), net.fetch(&url, 1 << 20));
    let again = net.fetch(&url, 1 << 20).await.unwrap();
    assert_eq!(a.unwrap(), again);
    assert_eq!(b.unwrap(), again);
    assert_eq!(net.bytes_read(), again.len() as u64, "one download");
}

#[tokio::test]
async fn what_cannot_be_fetched_says_why_in_its_type() {
    let lab = lab().await;
    let net = Net::new(&settings(&lab), Limits::default()).unwrap();
    assert_eq!(
        net.fetch("ldap:///CN=Contoso%20CA,CN=CDP", 1024)
            .await
            .unwrap_err(),
        FetchError::Scheme("ldap".into())
    );
    let missing = format!("{}/no-such.crl", lab.pki_base_url());
    assert_eq!(
        net.fetch(&missing, 1024).await.unwrap_err(),
        FetchError::Status(404)
    );
    let nowhere = format!("http://nowhere.{}/x.crl", lab.settings().target.suffix());
    let err = net.fetch(&nowhere, 1024).await.unwrap_err();
    let FetchError::Dns(lookup) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(err.failure(), wpj_core::JoinFailure::NameNotResolved);
    assert_eq!(
        lookup.name,
        format!("nowhere.{}", lab.settings().target.suffix())
    );
    assert_eq!(lookup.outcome, wpj_core::DnsOutcome::NxDomain, "{lookup:?}");
}

#[tokio::test]
async fn one_run_has_one_network_layer() {
    let lab = lab().await;
    let cx = wpj_core::Context::new(settings(&lab));
    let first = Net::for_run(&cx).unwrap();
    let again = Net::for_run(&cx.for_check(Vec::new(), None)).unwrap();
    assert!(std::sync::Arc::ptr_eq(&first, &again));
    let other_run = wpj_core::Context::new(settings(&lab));
    assert!(!std::sync::Arc::ptr_eq(
        &first,
        &Net::for_run(&other_run).unwrap()
    ));
}

#[tokio::test]
async fn settings_that_reach_nothing_are_typed_errors() {
    let lab = lab().await;
    let mut s = settings(&lab);
    s.trust = wpj_core::TrustRoots {
        system: false,
        extra_pem: Vec::new(),
    };
    assert_eq!(
        Net::new(&s, Limits::default()).unwrap_err(),
        wpj_net::NetError::Trust(wpj_net::TrustError::NoRoots)
    );
    let mut s = settings(&lab);
    s.proxy = Some("http://joe:s3cret@not a host".into());
    let err = Net::new(&s, Limits::default()).unwrap_err();
    assert!(matches!(err, wpj_net::NetError::Proxy { .. }), "{err:?}");
    assert!(!err.to_string().contains("s3cret"), "{err}");
}

#[tokio::test]
async fn a_certificate_refused_through_a_proxys_tunnel_is_a_tls_failure() {
    // A chain the run does not trust, presented inside a CONNECT tunnel: the TLS error arrives
    // wrapped in I/O errors, and is still a TLS failure (not "cannot connect").
    let lab = lab().await;
    let proxy = lab.inspecting_proxy().await.expect("proxy starts");
    let mut s = settings(&lab);
    s.proxy = Some(proxy.url());
    s.no_proxy = Some(String::new());
    let net = Net::new(&s, Limits::default()).unwrap();
    let client = net.https(net.trust().client_config()).build().unwrap();
    let url = format!("https://{}:{}/", lab.registration_name(), lab.https_port());
    let reply = client.get_status(&url).await;
    assert!(
        matches!(&reply.error, Some(FetchError::Tls(why)) if why.contains("UnknownIssuer")),
        "{:?}",
        reply.error
    );
    assert_eq!(reply.path, format!("proxy {}", proxy.url()));
}

/// The contract URL of `lab`, with `n` as an extra query parameter (a distinct request each time:
/// the run sends the same request once).
fn contract(lab: &Lab, n: usize) -> String {
    format!(
        "https://{}:{}/EnrollmentServer/contract?api-version=1.0&n={n}",
        lab.registration_name(),
        lab.https_port()
    )
}

/// The lab's full and resumed handshakes.
fn handshakes(lab: &Lab) -> (usize, usize) {
    let seen = lab.handshakes();
    let resumed = seen.iter().filter(|h| h.resumed).count();
    (seen.len() - resumed, resumed)
}

#[tokio::test]
async fn requests_to_one_node_and_name_go_over_one_connection() {
    let lab = lab().await;
    let net = Net::new(&settings(&lab), Limits::default()).unwrap();
    let client = net.https(net.trust().client_config()).build().unwrap();
    for n in 0..3 {
        let reply = client.get(&contract(&lab, n), None).await;
        assert_eq!(reply.status, Some(200), "{:?}", reply.error);
    }
    // A second client of the run, asking the same node and name: the same connection.
    let other = net.https(net.trust().client_config()).build().unwrap();
    assert_eq!(other.get(&contract(&lab, 3), None).await.status, Some(200));
    assert_eq!(handshakes(&lab), (1, 0), "{:?}", lab.handshakes());
}

#[tokio::test]
async fn the_same_request_is_sent_once_per_run() {
    let lab = lab().await;
    let net = Net::new(&settings(&lab), Limits::default()).unwrap();
    let client = net.https(net.trust().client_config()).build().unwrap();
    let first = client.get(&contract(&lab, 0), None).await;
    let again = client.get(&contract(&lab, 0), None).await;
    assert_eq!(first.body, again.body);
    assert_eq!(
        first.elapsed, again.elapsed,
        "the reply was shared, not asked again"
    );
    assert_eq!(net.bytes_read(), first.body.len() as u64);
}

#[tokio::test]
async fn a_new_connection_to_a_node_resumes_the_runs_session() {
    let lab = lab().await;
    let net = Net::new(&settings(&lab), Limits::default()).unwrap();
    let client = net.https(net.trust().client_config()).build().unwrap();
    // The lab closes a connection after this many answers: the next request needs a new one.
    let limit = wpj_testkit::https::MAX_REQUESTS_PER_CONNECTION;
    for n in 0..=limit {
        let reply = client.get(&contract(&lab, n), None).await;
        assert_eq!(reply.status, Some(200), "request {n}: {:?}", reply.error);
    }
    assert_eq!(handshakes(&lab), (1, 1), "{:?}", lab.handshakes());
}

/// A URL on the lab's registration host and HTTPS port.
fn on_registration_host(lab: &Lab, path: &str) -> String {
    format!(
        "https://{}:{}{path}",
        lab.registration_name(),
        lab.https_port()
    )
}

#[tokio::test]
async fn what_an_https_request_cannot_get_says_why_in_its_type() {
    let lab = lab().await;
    let net = Net::new(&settings(&lab), Limits::default()).unwrap();
    let client = net.https(net.trust().client_config()).build().unwrap();
    // A name the run's DNS does not know.
    let nowhere = format!(
        "https://nowhere.{}:{}/",
        lab.settings().target.suffix(),
        lab.https_port()
    );
    let err = client.get(&nowhere, None).await.error.unwrap();
    assert!(matches!(err, FetchError::Dns(_)), "{err:?}");
    // A port nobody listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let refused = format!("https://{}:{port}/", lab.registration_name());
    let err = client.get(&refused, None).await.error.unwrap();
    assert!(matches!(err, FetchError::Connect(_)), "{err:?}");
    assert_eq!(err.failure(), wpj_core::JoinFailure::CannotConnect);
    // A chain the client does not trust: the lab's root is not among the system's.
    let system_only = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    let untrusting = net.https(system_only).build().unwrap();
    let err = untrusting
        .get(&contract(&lab, 0), None)
        .await
        .error
        .unwrap();
    assert!(matches!(err, FetchError::Tls(_)), "{err:?}");
    assert_eq!(err.failure(), wpj_core::JoinFailure::SecureFailure);
}

#[tokio::test]
async fn a_request_waiting_for_a_busy_connection_is_not_timed_out_by_the_other_answer() {
    // The contract drips (one byte every 200 ms) far past the time-out; a request to the same
    // node and name that waits for that connection gets its own answer, not a time-out.
    let lab = Scenario::find("slow-body")
        .expect("scenario")
        .start()
        .await
        .expect("lab starts");
    let mut settings = settings(&lab);
    settings.network_timeout = std::time::Duration::from_secs(1);
    let net = Net::new(&settings, Limits::default()).unwrap();
    let client = net.https(net.trust().client_config()).build().unwrap();
    let slow = contract(&lab, 0);
    let other = on_registration_host(&lab, "/no-such-page");
    let (slow, other) = tokio::join!(client.get(&slow, None), async {
        // Asked while the slow answer holds the connection.
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        client.get(&other, None).await
    });
    assert!(
        matches!(slow.error, Some(FetchError::TimedOut(_))),
        "{:?}",
        slow.error
    );
    assert_eq!(other.error, None);
    assert_eq!(other.status, Some(404));
}
