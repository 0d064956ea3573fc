//! TCP, TLS and revocation against real lab servers and real CRLs.

use std::net::Ipv4Addr;

use wpj::tls::{ConnectCheck, RevocationCheck, TlsCheck};
use wpj::{
    CertificateSource, ConnectOutcome, CrlOutcome, Evidence, Finding, JoinFailure, Plan, Report,
    RevocationStatus, Runner, Settings, Status,
};
use wpj_testkit::dns::DnsRecord;
use wpj_testkit::lab::{CrlFault, Revoked};
use wpj_testkit::pki::Validity;
use wpj_testkit::{Lab, LabSpec};

use crate::support::{lab, quick, session, step};
use CertificateSource::{Aia, Served, TrustStore};

/// The DNS, TCP, TLS and revocation steps.
pub(crate) async fn diagnose(settings: Settings) -> Report {
    let plan = Plan::new(vec![
        Box::new(wpj::dns::DnsCheck),
        Box::new(ConnectCheck),
        Box::new(TlsCheck),
        Box::new(RevocationCheck),
    ])
    .unwrap();
    Runner::new().run(&plan, settings).await
}

pub(crate) async fn diagnose_scenario(name: &str) -> Report {
    let lab = lab(name).await;
    diagnose(quick(&lab)).await
}

fn problems(f: &Finding) -> Vec<(usize, JoinFailure, String)> {
    f.evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::CertificateProblem {
                position,
                failure,
                detail,
            } => Some((*position, *failure, detail.clone())),
            _ => None,
        })
        .collect()
}

fn certificates(f: &Finding) -> Vec<&wpj::CertificateInfo> {
    f.evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::Certificate(c) => Some(c),
            _ => None,
        })
        .collect()
}

fn attempts(f: &Finding) -> Vec<&wpj::ConnectAttempt> {
    f.evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::Connect(a) => Some(a),
            _ => None,
        })
        .collect()
}

/// The position and failure of every certificate problem.
fn problem_failures(f: &Finding) -> Vec<(usize, JoinFailure)> {
    problems(f).into_iter().map(|(p, f, _)| (p, f)).collect()
}

pub(crate) fn revocations(f: &Finding) -> Vec<&wpj::RevocationInfo> {
    f.evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::Revocation(r) => Some(r),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn healthy_chain_passes_every_step() {
    let report = diagnose_scenario("healthy-onprem").await;
    for id in ["dns", "tcp", "tls", "revocation"] {
        assert_eq!(
            step(&report, id).status,
            Status::Pass,
            "{id}: {:?}",
            step(&report, id)
        );
    }
    assert!(report.verdict().is_none());
    let tls = step(&report, "tls");
    let session = session(tls);
    assert_eq!(session.version, "TLSv1_3");
    assert_eq!(session.sni, "enterpriseregistration.contoso.test");
    assert_eq!(session.alpn.as_deref(), Some("http/1.1"));
    let certs = certificates(tls);
    assert_eq!(certs.len(), 3, "leaf, intermediate, root");
    assert_eq!(
        certs[0].dns_names,
        ["enterpriseregistration.contoso.test", "sts.contoso.test"]
    );
    assert_eq!(
        certs[0].crl_urls,
        [format!(
            "http://pki.contoso.test:{}/pki/issuing.crl",
            port_of(&certs[0].crl_urls[0])
        )]
    );
    assert_eq!(certs[2].source, CertificateSource::TrustStore);
    assert_eq!(certs[0].sha256.len(), 64);
    let rev = revocations(step(&report, "revocation"));
    assert_eq!(rev.len(), 2, "leaf and intermediate");
    assert!(rev.iter().all(|r| r.status == RevocationStatus::Good));
    assert!(rev.iter().all(|r| r.crls[0].next_update.is_some()));
}

fn port_of(url: &str) -> u16 {
    url.rsplit(':')
        .next()
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn tls12_only_is_recorded() {
    let report = diagnose_scenario("healthy-tls12-only").await;
    let tls = step(&report, "tls");
    assert_eq!(tls.status, Status::Pass);
    assert_eq!(session(tls).version, "TLSv1_2", "{tls:?}");
}

#[tokio::test]
async fn connection_refused_is_cannot_connect_and_later_steps_are_skipped() {
    let report = diagnose_scenario("connect-refused").await;
    let tcp = step(&report, "tcp");
    assert_eq!(tcp.failure, Some(JoinFailure::CannotConnect));
    assert!(
        matches!(&tcp.evidence[0], Evidence::Connect(a) if a.outcome == ConnectOutcome::Refused)
    );
    assert_eq!(step(&report, "tls").status, Status::Skipped);
    assert_eq!(step(&report, "revocation").status, Status::Skipped);
    let v = report.verdict().unwrap();
    assert_eq!(v.hresult.unwrap().to_string(), "0x80072EFD");
    assert_eq!(v.kb.unwrap().to_string(), "KB3045381");
}

/// The TLS step handshakes on the connection the TCP step opened (as Windows does) rather than
/// paying a second TCP handshake: in front of the service sits a listener that accepts exactly one
/// connection and then closes, so a second connection would be refused.
#[tokio::test]
async fn the_tls_step_handshakes_on_the_tcp_steps_connection() {
    let lab = lab("healthy-onprem").await;
    let one_shot = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .unwrap();
    let port = one_shot.local_addr().unwrap().port();
    let service = std::net::SocketAddr::from((Ipv4Addr::LOCALHOST, lab.https_port()));
    tokio::spawn(async move {
        let (mut client, _) = one_shot.accept().await.unwrap();
        drop(one_shot);
        let mut server = tokio::net::TcpStream::connect(service).await.unwrap();
        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
    });
    let mut settings = quick(&lab);
    settings.port = port;
    let plan = Plan::new(vec![
        Box::new(wpj::dns::DnsCheck),
        Box::new(ConnectCheck),
        Box::new(TlsCheck),
    ])
    .unwrap();
    let report = Runner::new().run(&plan, settings).await;
    let tls = step(&report, "tls");
    assert_eq!(tls.status, Status::Pass, "{}", tls.summary);
    assert!(
        tls.evidence.iter().any(|e| matches!(e, Evidence::Tls(_))),
        "{tls:?}"
    );
}

/// A black hole (nothing accepted, nothing answered: a firewall that drops) is WinHTTP's timeout,
/// 0x80072EE2 — Windows' TCP gives up after three SYNs (about 21 s) and WinHTTP reports
/// `ERROR_WINHTTP_TIMEOUT`, not `CANNOT_CONNECT` (sources on the error page) — whether the connect
/// timeout or the run's deadline ends the wait; the finding says how long the run waited and how
/// long a device would.
#[tokio::test]
async fn a_black_hole_is_a_timeout_by_connect_timeout_or_by_deadline() {
    let lab = lab("connect-black-hole").await;
    let mut settings = quick(&lab);
    settings.network_timeout = std::time::Duration::from_millis(300);
    let report = diagnose(settings).await;
    let tcp = step(&report, "tcp");
    assert_eq!(tcp.failure, Some(JoinFailure::Timeout), "{}", tcp.summary);
    assert!(
        tcp.summary.contains(
            "no answer to the connection request in 300 ms (a Windows device waits about 21 s"
        ),
        "{}",
        tcp.summary
    );
    assert!(
        matches!(&tcp.evidence[0], Evidence::Connect(a) if a.outcome == ConnectOutcome::TimedOut),
        "{tcp:?}"
    );
    assert_eq!(
        report.verdict().unwrap().hresult.unwrap().to_string(),
        "0x80072EE2"
    );

    // Connect timeout far away, deadline close: the deadline ends the run, same code.
    let mut settings = quick(&lab);
    settings.network_timeout = std::time::Duration::from_secs(60);
    settings.check_timeout = std::time::Duration::from_secs(60);
    settings.deadline = std::time::Duration::from_millis(500);
    let report = diagnose(settings).await;
    let tcp = step(&report, "tcp");
    assert_eq!(tcp.failure, Some(JoinFailure::Timeout), "{}", tcp.summary);
    assert!(
        tcp.evidence.iter().any(|e| matches!(
            e,
            Evidence::Timeout {
                scope: wpj::TimeoutScope::Deadline,
                ..
            }
        )),
        "{tcp:?}"
    );
    assert_eq!(step(&report, "tls").status, Status::Skipped);
}

#[tokio::test]
async fn some_addresses_failing_is_a_warning_naming_them() {
    let lab = lab("healthy-onprem").await;
    lab.dns("internal").unwrap().edit(|zone| {
        zone.add(
            "enterpriseregistration.contoso.test",
            DnsRecord::A(Ipv4Addr::new(127, 0, 0, 2)),
        );
        zone.add(
            "enterpriseregistration.contoso.test",
            DnsRecord::Aaaa(std::net::Ipv6Addr::LOCALHOST),
        );
    });
    let report = diagnose(quick(&lab)).await;
    let tcp = step(&report, "tcp");
    assert_eq!(tcp.status, Status::Warn, "{tcp:?}");
    assert_eq!(tcp.failure, Some(JoinFailure::CannotConnect), "{tcp:?}");
    let attempts = attempts(tcp);
    assert_eq!(attempts.len(), 3, "IPv6 tried too: {tcp:?}");
    let failed: Vec<std::net::IpAddr> = attempts
        .iter()
        .filter(|a| a.outcome != ConnectOutcome::Connected)
        .map(|a| a.address.ip())
        .collect();
    assert_eq!(
        failed.len(),
        2,
        "one address of three accepts: {attempts:?}"
    );
    assert!(
        failed.contains(&Ipv4Addr::new(127, 0, 0, 2).into()),
        "{failed:?}"
    );
    assert!(
        failed.contains(&std::net::Ipv6Addr::LOCALHOST.into()),
        "{failed:?}"
    );
    // The admin reads which addresses fail.
    assert!(tcp.summary.contains("127.0.0.2"), "{}", tcp.summary);
    assert!(tcp.summary.contains("[::1]"), "{}", tcp.summary);
    assert_eq!(step(&report, "tls").status, Status::Pass);
}

#[tokio::test]
async fn a_stalled_handshake_times_out_and_a_reset_is_a_connection_error() {
    let report = diagnose_scenario("tls-stall").await;
    assert_eq!(step(&report, "tcp").status, Status::Pass);
    let tls = step(&report, "tls");
    assert_eq!(tls.failure, Some(JoinFailure::Timeout), "{tls:?}");
    assert!(
        !tls.evidence
            .iter()
            .any(|e| matches!(e, Evidence::Timeout { .. })),
        "its own timeout, not the runner's"
    );
    assert_eq!(
        report.verdict().unwrap().hresult.unwrap().to_string(),
        "0x80072EE2"
    );

    let report = diagnose_scenario("tls-reset").await;
    assert_eq!(
        step(&report, "tls").failure,
        Some(JoinFailure::ConnectionError)
    );
}

#[tokio::test]
async fn untrusted_root_is_invalid_ca() {
    let report = diagnose_scenario("tls-untrusted-root").await;
    let tls = step(&report, "tls");
    assert_eq!(tls.failure, Some(JoinFailure::InvalidCa));
    // The top of the chain the server sent (not a leaf sent alone) names an untrusted issuer.
    let certs = certificates(tls);
    assert!(certs.len() > 1, "{tls:?}");
    assert!(
        certs.iter().all(|c| c.source == CertificateSource::Served),
        "no trust anchor: {tls:?}"
    );
    assert_eq!(
        problem_failures(tls),
        [(certs.len() - 1, JoinFailure::InvalidCa)]
    );
    assert_eq!(
        report.verdict().unwrap().kb.unwrap().to_string(),
        "KB3045382"
    );
}

#[tokio::test]
async fn missing_intermediate_fetched_through_aia_is_a_warning() {
    let report = diagnose_scenario("tls-missing-intermediate").await;
    let tls = step(&report, "tls");
    assert_eq!(tls.status, Status::Warn, "{tls:?}");
    assert_eq!(tls.failure, Some(JoinFailure::InvalidCa), "the risk");
    assert!(problems(tls).is_empty(), "{tls:?}");
    assert!(
        tls.evidence
            .iter()
            .any(|e| matches!(e, Evidence::Certificate(c) if c.source == CertificateSource::Aia))
    );
    // The path built with the fetched intermediate lets revocation run on the whole chain.
    let rev = step(&report, "revocation");
    assert_eq!(rev.status, Status::Pass, "{rev:?}");
    assert_eq!(revocations(rev).len(), 2);
}

#[tokio::test]
async fn missing_intermediate_without_aia_or_with_aia_down_is_invalid_ca() {
    let report = diagnose_scenario("tls-missing-intermediate-no-aia").await;
    let tls = step(&report, "tls");
    assert_eq!(tls.failure, Some(JoinFailure::InvalidCa));
    // The leaf came alone, names no AIA URL, and nothing was fetched.
    let certs = certificates(tls);
    assert_eq!(certs.len(), 1, "{tls:?}");
    assert!(certs[0].ca_issuers.is_empty(), "{:?}", certs[0]);
    assert_eq!(problem_failures(tls), [(0, JoinFailure::InvalidCa)]);

    let lab = Lab::start(LabSpec {
        omit_intermediate: true,
        crl: CrlFault::Down,
        ..LabSpec::default()
    })
    .await
    .unwrap();
    let report = diagnose(quick(&lab)).await;
    let tls = step(&report, "tls");
    assert_eq!(tls.failure, Some(JoinFailure::InvalidCa));
    assert_eq!(problem_failures(tls), [(0, JoinFailure::InvalidCa)]);
    assert!(
        !certificates(tls)[0].ca_issuers.is_empty(),
        "the AIA URL is there: {tls:?}"
    );
    // Why the AIA download failed has no typed field: the words are all there is.
    assert!(
        tls.summary
            .contains("fetching the intermediate through AIA failed"),
        "{}",
        tls.summary
    );
    assert!(tls.summary.contains("cannot connect"), "{}", tls.summary);
}

#[tokio::test]
async fn dates_name_and_usage() {
    let now = std::time::SystemTime::now();
    for (scenario, failure) in [
        ("tls-expired", JoinFailure::CertDateInvalid),
        ("tls-not-yet-valid", JoinFailure::CertDateInvalid),
        ("tls-wrong-name", JoinFailure::CertNameInvalid),
        ("tls-wrong-usage", JoinFailure::InvalidCert),
    ] {
        let report = diagnose_scenario(scenario).await;
        let tls = step(&report, "tls");
        assert_eq!(tls.failure, Some(failure), "{scenario}: {tls:?}");
        assert_eq!(
            problem_failures(tls),
            [(0, failure)],
            "{scenario}: exactly this problem, with the server certificate"
        );
        let leaf = certificates(tls)[0];
        match scenario {
            "tls-expired" => assert!(leaf.not_after < now, "{leaf:?}"),
            "tls-not-yet-valid" => assert!(leaf.not_before > now, "{leaf:?}"),
            "tls-wrong-name" => {
                assert_eq!(leaf.dns_names, ["adfs.contoso.test", "sts.contoso.test"]);
                assert_eq!(session(tls).sni, "enterpriseregistration.contoso.test");
            }
            _ => {
                // The usages are in no typed field: the problem's words name them.
                assert!(
                    problems(tls)[0]
                        .2
                        .contains("(clientAuth) does not include server authentication"),
                    "{scenario}: {tls:?}"
                );
            }
        }
        // The chain itself is trusted, so revocation is still checked.
        assert_eq!(
            step(&report, "revocation").status,
            Status::Pass,
            "{scenario}"
        );
    }
}

#[tokio::test]
async fn a_chain_with_several_problems_reports_all_of_them() {
    let lab = Lab::start(LabSpec {
        leaf_validity: Validity::Expired,
        leaf_wrong_name: true,
        revoked: Revoked::Leaf,
        ..LabSpec::default()
    })
    .await
    .unwrap();
    let report = diagnose(quick(&lab)).await;
    let tls = step(&report, "tls");
    let found: Vec<JoinFailure> = problems(tls).iter().map(|p| p.1).collect();
    assert_eq!(
        found,
        [JoinFailure::CertNameInvalid, JoinFailure::CertDateInvalid]
    );
    assert_eq!(
        tls.failure,
        Some(JoinFailure::CertDateInvalid),
        "dates outrank the name"
    );
    let rev = step(&report, "revocation");
    assert_eq!(
        rev.failure,
        Some(JoinFailure::CertRevoked),
        "revocation still checked: {rev:?}"
    );
    assert_eq!(
        report.verdict().unwrap().failure,
        JoinFailure::CertDateInvalid
    );
    assert_eq!(report.problems().count(), 2);
}

#[tokio::test]
async fn revoked_leaf_and_revoked_intermediate() {
    let report = diagnose_scenario("tls-revoked-leaf").await;
    assert_eq!(step(&report, "tls").status, Status::Pass);
    let rev = step(&report, "revocation");
    assert_eq!(rev.failure, Some(JoinFailure::CertRevoked));
    let infos = revocations(rev);
    assert_eq!((infos[0].position, infos[0].serial.as_str()), (0, "1001"));
    assert!(
        matches!(
            &infos[0].status,
            RevocationStatus::Revoked { reason: Some(r), .. } if r == "KeyCompromise"
        ),
        "the server certificate: {rev:?}"
    );
    assert!(infos[0].crls.iter().all(|c| c.outcome.is_ok()), "{rev:?}");
    let v = report.verdict().unwrap();
    assert_eq!(
        (v.hresult.unwrap().to_string(), v.kb.unwrap().to_string()),
        ("0x80072F8A".into(), "KB3045383".into())
    );

    let report = diagnose_scenario("tls-revoked-intermediate").await;
    let rev = step(&report, "revocation");
    assert_eq!(rev.failure, Some(JoinFailure::CertRevoked));
    let infos = revocations(rev);
    assert_eq!(infos[1].position, 1, "the intermediate");
    assert_eq!(
        infos[0].status,
        RevocationStatus::Good,
        "the leaf itself is fine"
    );
    assert!(matches!(infos[1].status, RevocationStatus::Revoked { .. }));
}

/// Whether a CRL download ended as a fault's cause.
pub(crate) type Cause<'c> = &'c dyn Fn(&CrlOutcome) -> bool;

#[tokio::test]
async fn every_crl_fault_is_revocation_offline_with_its_cause() {
    // A failed download keeps the fetch error in words only (`CrlOutcome::Unreachable(String)`).
    let unreachable =
        |o: &CrlOutcome, why: &str| matches!(o, CrlOutcome::Unreachable(w) if w.contains(why));
    let faults: [(&str, Cause<'_>); 7] = [
        ("crl-server-down", &|o| unreachable(o, "cannot connect")),
        // This tool gives up sooner than a device, and says how long a device waits.
        ("crl-stalled", &|o| {
            unreachable(o, "timed out")
                && unreachable(o, "waits up to 15 s for one CRL or OCSP URL")
        }),
        ("crl-not-found", &|o| unreachable(o, "HTTP 404")),
        ("crl-garbage", &|o| matches!(o, CrlOutcome::NotACrl(_))),
        ("crl-bad-signature", &|o| *o == CrlOutcome::BadSignature),
        ("crl-stale", &|o| matches!(o, CrlOutcome::Expired { .. })),
        // No distribution point: nothing to download.
        ("crl-no-cdp", &|_| false),
    ];
    for (scenario, cause) in faults {
        let report = diagnose_scenario(scenario).await;
        let rev = step(&report, "revocation");
        assert_eq!(
            rev.failure,
            Some(JoinFailure::RevocationOffline),
            "{scenario}: {rev:?}"
        );
        // The certificate the finding speaks of: unknown, because of every one of its CRLs.
        let unknown = revocations(rev)
            .into_iter()
            .find(|r| matches!(r.status, RevocationStatus::Unknown { .. }))
            .unwrap_or_else(|| panic!("{scenario}: no unknown status in {rev:?}"));
        if scenario == "crl-no-cdp" {
            assert!(unknown.crls.is_empty(), "{scenario}: {unknown:?}");
        } else {
            assert!(!unknown.crls.is_empty(), "{scenario}: {unknown:?}");
            assert!(
                unknown.crls.iter().all(|c| cause(&c.outcome)),
                "{scenario}: {unknown:?}"
            );
        }
        // What the admin reads: Windows, unlike browsers, fails on an unknown status.
        assert!(rev.summary.contains("hard-fail"), "{scenario}");
        let v = report.verdict().unwrap();
        assert_eq!(v.hresult.unwrap().to_string(), "0x80072F19", "{scenario}");
        assert_eq!(v.kb.unwrap().to_string(), "KB3045384", "{scenario}");
        assert!(
            !rev.evidence
                .iter()
                .any(|e| matches!(e, Evidence::Timeout { .. })),
            "{scenario}: ended by its own bounds"
        );
    }
}

#[tokio::test]
async fn a_crl_expiring_soon_is_a_warning_with_its_next_update() {
    let report = diagnose_scenario("crl-expiring-soon").await;
    let rev = step(&report, "revocation");
    assert_eq!(rev.status, Status::Warn, "{rev:?}");
    assert_eq!(
        rev.failure,
        Some(JoinFailure::RevocationOffline),
        "the risk"
    );
    let infos = revocations(rev);
    assert!(
        infos.iter().all(|r| r.status == RevocationStatus::Good),
        "{rev:?}"
    );
    let soon = std::time::SystemTime::now() + wpj::tls::EXPIRY_WARNING;
    assert!(
        infos
            .iter()
            .flat_map(|r| &r.crls)
            .any(|c| c.outcome.is_ok() && c.next_update.is_some_and(|next| next < soon)),
        "{rev:?}"
    );
    assert!(report.verdict().is_none());
}

#[tokio::test]
async fn a_large_crl_is_handled() {
    let report = diagnose_scenario("healthy-large-crl").await;
    let rev = step(&report, "revocation");
    assert_eq!(rev.status, Status::Pass, "{rev:?}");
    let bytes = revocations(rev)[0].crls[0].bytes.unwrap();
    assert!(bytes > 20_000 * 20, "{bytes} bytes");
}

#[tokio::test]
async fn bad_trust_input_is_an_error_not_a_diagnosis() {
    let lab = lab("healthy-onprem").await;
    let mut settings = quick(&lab);
    settings.trust.extra_pem = vec![b"not a certificate".to_vec()];
    let report = diagnose(settings).await;
    let tls = step(&report, "tls");
    assert_eq!(tls.status, Status::Error, "{tls:?}");
    assert!(
        tls.summary.contains("extra trust root #1"),
        "{}",
        tls.summary
    );
    assert!(report.verdict().is_none());
}

#[tokio::test]
async fn farm_nodes_with_different_certificates() {
    let report = diagnose_scenario("adfs-farm-mixed-certificates").await;
    let tls = step(&report, "tls");
    assert_eq!(tls.status, Status::Warn, "{tls:?}");
    assert_eq!(tls.failure, Some(JoinFailure::CertDateInvalid), "the risk");
    assert!(problems(tls).is_empty(), "{tls:?}");
    // The nodes and their certificates are listed for the admin: no typed field carries them.
    assert!(
        tls.summary
            .contains("the nodes present different certificates (127.0.0.2:"),
        "{}",
        tls.summary
    );
    assert!(tls.summary.contains("; 127.0.0.4:"), "{}", tls.summary);
    assert!(
        tls.summary.contains(": serial 1001, valid until"),
        "{}",
        tls.summary
    );
    assert!(
        tls.summary.contains(": serial 1003, valid until"),
        "{}",
        tls.summary
    );

    let lab = Lab::start(LabSpec {
        nodes: vec![
            wpj_testkit::NodeSpec::healthy(Ipv4Addr::new(127, 0, 0, 2)),
            wpj_testkit::NodeSpec {
                own_certificate: Some(Validity::Expired),
                ..wpj_testkit::NodeSpec::healthy(Ipv4Addr::new(127, 0, 0, 4))
            },
        ],
        ..LabSpec::default()
    })
    .await
    .unwrap();
    let report = diagnose(quick(&lab)).await;
    let tls = step(&report, "tls");
    assert_eq!(tls.failure, Some(JoinFailure::CertDateInvalid), "{tls:?}");
    // The first node's chain is clean: the failure is another node's certificate, named for the admin.
    assert!(problems(tls).is_empty(), "{tls:?}");
    assert!(tls.summary.contains("127.0.0.4:"), "{}", tls.summary);
}

fn sources(f: &Finding) -> Vec<CertificateSource> {
    certificates(f).iter().map(|c| c.source).collect()
}

fn aia_fetches(f: &Finding) -> Vec<&wpj::AiaFetch> {
    f.evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::Aia(a) => Some(a),
            _ => None,
        })
        .collect()
}

/// A Windows device builds the path and passes; the report warns, and revocation covers the
/// whole path built (every non-root certificate).
fn assert_passes_with_warning(report: &Report, risk: Option<JoinFailure>, words: &str) {
    let tls = step(report, "tls");
    assert_eq!(tls.status, Status::Warn, "{tls:?}");
    assert_eq!(tls.failure, risk, "{tls:?}");
    assert!(problems(tls).is_empty(), "{tls:?}");
    assert!(tls.summary.contains(words), "{}", tls.summary);
    assert_eq!(report.verdict(), None, "{report}");
    let rev = step(report, "revocation");
    assert_eq!(rev.status, Status::Pass, "{rev:?}");
}

#[tokio::test]
async fn three_tier_partial_chain_fetches_the_policy_ca_through_aia_once() {
    let lab = lab("tls-three-tier-partial-chain").await;
    let report = diagnose(quick(&lab)).await;
    assert_passes_with_warning(&report, Some(JoinFailure::InvalidCa), "Policy CA");
    let tls = step(&report, "tls");
    assert_eq!(sources(tls), [Served, Served, Aia, TrustStore], "{tls:?}");
    let fetches = aia_fetches(tls);
    assert_eq!(fetches.len(), 1, "{fetches:?}");
    // A PKCS#7 certs-only bundle, as AD CS publishes: the policy CA and the root.
    assert_eq!(
        fetches[0].url,
        format!(
            "{}{}",
            lab.pki_base_url(),
            wpj_testkit::pki::POLICY_P7C_PATH
        )
    );
    assert!(
        matches!(&fetches[0].outcome, wpj::AiaOutcome::Fetched { subjects } if subjects.len() == 2 && subjects[0].contains("Policy CA")),
        "{fetches:?}"
    );
    assert!(fetches[0].bytes.unwrap() > 0);
    assert_eq!(lab.pki_hits(wpj_testkit::pki::POLICY_P7C_PATH), 1);
    assert_eq!(revocations(step(&report, "revocation")).len(), 3);
}

#[tokio::test]
async fn leaf_only_two_levels_deep_is_built_through_aia() {
    let lab = lab("tls-three-tier-leaf-only").await;
    let report = diagnose(quick(&lab)).await;
    assert_passes_with_warning(&report, Some(JoinFailure::InvalidCa), "Issuing CA");
    let tls = step(&report, "tls");
    assert_eq!(sources(tls), [Served, Aia, Aia, TrustStore], "{tls:?}");
    assert_eq!(aia_fetches(tls).len(), 2);
    // One download each: the run's cache serves any later ask.
    assert_eq!(lab.pki_hits(wpj_testkit::pki::ISSUING_CERT_PATH), 1);
    assert_eq!(lab.pki_hits(wpj_testkit::pki::POLICY_P7C_PATH), 1);
    assert_eq!(revocations(step(&report, "revocation")).len(), 3);
}

#[tokio::test]
async fn an_expired_certificate_served_but_not_needed_is_a_warning() {
    let report = diagnose_scenario("tls-extra-expired-certificate").await;
    assert_passes_with_warning(&report, None, "served but not needed: remove it");
    let tls = step(&report, "tls");
    assert_eq!(
        sources(tls),
        [Served, Served, TrustStore, Served],
        "{tls:?}"
    );
    assert!(certificates(tls)[3].subject.contains("Old Issuing CA"));
    assert!(tls.summary.contains("expired on"), "{}", tls.summary);
    assert_eq!(revocations(step(&report, "revocation")).len(), 2);
}

#[tokio::test]
async fn cross_signed_roots_give_several_paths_and_the_valid_one_is_kept() {
    // An expired cross-certificate is sent; the path through the trusted root is valid.
    let report = diagnose_scenario("tls-cross-signed-expired").await;
    assert_passes_with_warning(&report, None, "served but not needed");
    let tls = step(&report, "tls");
    assert_eq!(certificates(tls).len(), 4, "{tls:?}");
    assert!(aia_fetches(tls).is_empty());

    // A device that trusts only the old root: the path goes through the (valid) cross-certificate.
    let report = diagnose_scenario("tls-cross-signed-path").await;
    let tls = step(&report, "tls");
    assert_eq!(tls.status, Status::Pass, "{tls:?}");
    let certs = certificates(tls);
    assert_eq!(
        sources(tls),
        [Served, Served, Served, TrustStore],
        "{tls:?}"
    );
    assert!(certs[2].issuer.contains("Untrusted Root"), "{:?}", certs[2]);
    assert!(
        certs[3].subject.contains("Untrusted Root"),
        "{:?}",
        certs[3]
    );
    let rev = step(&report, "revocation");
    assert_eq!(rev.status, Status::Pass, "{rev:?}");
    assert_eq!(revocations(rev).len(), 3);
}

#[tokio::test]
async fn a_name_only_in_the_common_name_passes_for_windows_with_a_warning() {
    let report = diagnose_scenario("tls-cn-only").await;
    assert_passes_with_warning(&report, None, "only in its subject CN");
    let tls = step(&report, "tls");
    assert!(certificates(tls)[0].dns_names.is_empty());
}

#[tokio::test]
async fn sha1_and_rsa1024_under_a_private_root_pass_for_windows_with_a_warning() {
    for (scenario, words, weak) in [
        (
            "tls-sha1-intermediate-private-root",
            "is signed with SHA-1",
            "SHA-1 Issuing CA",
        ),
        (
            "tls-rsa1024-issuer-private-root",
            "has a 1024-bit RSA key",
            "RSA-1024 Issuing CA",
        ),
    ] {
        let report = diagnose_scenario(scenario).await;
        assert_passes_with_warning(&report, None, words);
        let tls = step(&report, "tls");
        assert!(tls.summary.contains(weak), "{scenario}: {}", tls.summary);
        assert!(
            tls.summary.contains("private root CN=wpj Legacy Root CA")
                || tls.summary.contains("wpj Legacy Root CA"),
            "{}",
            tls.summary
        );
        // The whole path, CRLs included, is checked: leaf and issuing CA.
        let rev = step(&report, "revocation");
        assert_eq!(revocations(rev).len(), 2, "{scenario}: {rev:?}");
    }
}
