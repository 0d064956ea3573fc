//! The AD FS checks, node by node, against the lab's multi-node farm.

use std::net::{IpAddr, Ipv4Addr};

use wpj::{Evidence, Finding, JoinFailure, Report, Stage, Status, TokenCertificate};
use wpj_testkit::{Lab, LabSpec};

use crate::support::{lab, nodes, probes, quick, step};

async fn diagnose_scenario(name: &str) -> Report {
    let lab = lab(name).await;
    wpj::diagnose(quick(&lab)).await
}

fn tokens(f: &Finding) -> Vec<&TokenCertificate> {
    f.evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::TokenCertificate(t) => Some(t),
            _ => None,
        })
        .collect()
}

fn ip(last: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(127, 0, 0, last))
}

#[tokio::test]
async fn the_farm_is_diagnosed_node_by_node() {
    let report = diagnose_scenario("adfs-farm").await;
    let farm = step(&report, "adfs-nodes");
    assert_eq!(farm.status, Status::Fail, "{farm:?}");
    let n = nodes(farm);
    let by_ip = |last: u8| {
        n.iter()
            .find(|r| r.address.ip() == ip(last))
            .copied()
            .unwrap()
    };
    assert_eq!(n.len(), 4);

    let healthy = by_ip(2);
    assert_eq!(healthy.failure(), None, "{healthy:?}");
    assert_eq!(healthy.contract, "HTTP 200 (discovery document)");

    let drs_stopped = by_ip(3);
    assert_eq!(drs_stopped.failure(), Some(JoinFailure::ServiceUnavailable));
    assert_eq!(drs_stopped.contract, "HTTP 503");

    let old_certificate = by_ip(4);
    assert_eq!(
        old_certificate.failure(),
        Some(JoinFailure::CertDateInvalid)
    );
    assert_eq!(old_certificate.problems.len(), 1, "{old_certificate:?}");
    // Expired rather than not yet valid: a node's certificate dates are in no typed field.
    assert!(
        old_certificate.problems[0].detail.contains("expired on"),
        "{old_certificate:?}"
    );

    // A failing probe with a working contract fails no device: farm health only.
    let probe_failing = by_ip(5);
    assert_eq!(probe_failing.failure(), None, "{probe_failing:?}");
    assert_eq!(probe_failing.contract, "HTTP 200 (discovery document)");
    assert_eq!(
        n.iter().filter(|r| r.failure().is_some()).count(),
        2,
        "2 of 4 nodes would fail a device: {farm:?}"
    );
    assert_eq!(farm.stage, Stage::Discovery);

    let probe = step(&report, "adfs-probe");
    assert_eq!(probe.status, Status::Fail, "{probe:?}");
    assert_eq!(probe.stage, Stage::FarmHealth);
    assert_eq!(
        probe.failure, None,
        "no Windows code: devices never ask the probe"
    );
    let answers = probes(probe);
    assert_eq!(answers.len(), 4);
    for answer in &answers {
        let want = if answer.address.ip() == ip(5) {
            500
        } else {
            200
        };
        assert_eq!(answer.status, Some(want), "{answer:?}");
        assert_eq!(answer.name, "internal", "{answer:?}");
    }
    // The token-signing certificate expires in 10 days.
    let federation = step(&report, "adfs-federation");
    assert_eq!(federation.status, Status::Warn, "{federation:?}");
    let soon: Vec<i64> = tokens(federation)
        .iter()
        .filter(|t| t.usage == "signing")
        .map(|t| t.days_left)
        .collect();
    assert!(
        matches!(soon[..], [days] if (0..=10).contains(&days)),
        "{federation:?}"
    );
    // What a device sees first: the old certificate on one node.
    assert_eq!(
        report.verdict().unwrap().failure,
        JoinFailure::CertDateInvalid
    );
}

/// One run asks DNS about each name once (A and AAAA), however many checks and requests need it:
/// the CRL host (two CRLs, AIA), the federation service (its check and both of its documents), the
/// registration name (the DNS step; later steps reuse its answer).
#[tokio::test]
async fn a_run_asks_dns_about_each_name_once() {
    let lab = lab("healthy-onprem").await;
    let report = wpj::diagnose(quick(&lab)).await;
    assert!(!report.has_failures(), "{report}");
    let dns = lab.dns("internal").expect("internal view");
    for name in [
        "pki.contoso.test",
        "sts.contoso.test",
        "enterpriseregistration.contoso.test",
    ] {
        assert_eq!(dns.queries(name), 2, "{name}: A and AAAA once");
    }
    // A second run starts afresh: nothing is remembered across runs.
    let _ = wpj::diagnose(quick(&lab)).await;
    assert_eq!(dns.queries("pki.contoso.test"), 4);
}

#[tokio::test]
async fn a_healthy_farm_and_the_federation_service_pass() {
    let report = diagnose_scenario("healthy-onprem").await;
    assert_eq!(step(&report, "adfs-nodes").status, Status::Pass);
    let federation = step(&report, "adfs-federation");
    assert_eq!(federation.status, Status::Pass, "{federation:?}");
    // The federation service's name is in no typed field: the summary names it for the admin.
    assert!(
        federation
            .summary
            .contains("federation service sts.contoso.test"),
        "{}",
        federation.summary
    );
    let tokens = tokens(federation);
    assert_eq!(tokens.len(), 2, "signing and encryption: {tokens:?}");
    assert!(
        tokens
            .iter()
            .any(|t| t.usage == "signing" && t.days_left >= 299)
    );
}

#[tokio::test]
async fn the_proxy_of_the_external_view_is_examined_too() {
    let report = diagnose_scenario("healthy-split-horizon").await;
    let farm = step(&report, "adfs-nodes");
    assert_eq!(farm.status, Status::Pass, "{farm:?}");
    let names: Vec<(String, IpAddr)> = nodes(farm)
        .iter()
        .map(|n| (n.name.clone(), n.address.ip()))
        .collect();
    assert_eq!(
        names,
        [
            ("internal".to_owned(), ip(1)),
            (
                "external".to_owned(),
                IpAddr::V4(wpj_testkit::lab::PROXY_IP)
            )
        ]
    );
}

/// An expired token-signing certificate breaks relying parties, not discovery: a farm-health
/// failure, never a device verdict, but it still counts for the exit code.
#[tokio::test]
async fn an_expired_token_signing_certificate_is_farm_health() {
    let lab = Lab::start(LabSpec {
        token_signing_days_left: -5,
        ..LabSpec::default()
    })
    .await
    .unwrap();
    let report = wpj::diagnose(quick(&lab)).await;
    let federation = step(&report, "adfs-federation");
    assert_eq!(federation.status, Status::Fail, "{federation:?}");
    assert_eq!(federation.stage, Stage::FarmHealth);
    assert_eq!(federation.failure, None);
    assert!(
        tokens(federation)
            .iter()
            .any(|t| t.usage == "signing" && t.days_left < 0),
        "{federation:?}"
    );
    assert!(report.verdict().is_none(), "{report}");
    assert!(report.has_failures());
}

#[tokio::test]
async fn explicit_nodes_and_entra() {
    let lab = lab("adfs-farm-node-down").await;
    let mut settings = quick(&lab);
    settings.adfs_nodes = vec![("adfs2".into(), ip(3))];
    let report = wpj::diagnose(settings).await;
    let farm = step(&report, "adfs-nodes");
    let n = nodes(farm);
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].name, "adfs2");
    assert_eq!(n[0].failure(), Some(JoinFailure::ServiceUnavailable));

    let entra = diagnose_scenario("healthy-entra").await;
    for id in [
        "adfs-nodes",
        "adfs-sign-in",
        "adfs-probe",
        "adfs-federation",
    ] {
        assert_eq!(step(&entra, id).status, Status::Skipped, "{id}");
    }
}
