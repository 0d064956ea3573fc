//! The fleet lab: every domain of a many-domain lab diagnoses healthy through the complete plan
//! (its own certificate by SNI, its own records, the shared CRL host and probe), and a name the
//! fleet does not serve is not resolved.

use wpj::Status;
use wpj_testkit::fleet::FleetLab;

#[tokio::test]
async fn every_fleet_domain_is_healthy_on_its_own_certificate() {
    let fleet = FleetLab::start(4).await.expect("fleet lab");
    for domain in fleet.domains() {
        let mut settings = fleet.settings(domain).expect("valid domain");
        settings.network_timeout = std::time::Duration::from_secs(5);
        let report = wpj::diagnose(settings).await;
        let problems: Vec<String> = report
            .findings()
            .iter()
            .filter(|f| f.status != Status::Pass)
            .map(|f| format!("{} {}: {}", f.check, f.status, f.summary))
            .collect();
        assert!(problems.is_empty(), "{domain}: {problems:#?}");
        // The chain the TLS step saw is this domain's own leaf.
        let tls = report
            .findings()
            .iter()
            .find(|f| f.check.as_str() == "tls")
            .expect("tls step");
        let subject_names = format!("{:?}", tls.evidence);
        assert!(
            subject_names.contains(&format!("enterpriseregistration.{domain}")),
            "{domain}: {subject_names}"
        );
    }
}

#[tokio::test]
async fn an_unknown_domain_of_the_fleet_zone_is_not_resolved() {
    let fleet = FleetLab::start(2).await.expect("fleet lab");
    let report = wpj::diagnose(fleet.settings("d7.fleet.test").expect("valid")).await;
    let verdict = report.verdict().expect("a failure");
    assert_eq!(verdict.hresult.expect("HRESULT").to_string(), "0x80072EE7");
}
