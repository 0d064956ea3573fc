//! Labs start for every scenario, run side by side, bind only loopback, and stop when dropped.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;
use wpj_testkit::{Expected, Scenario};

use crate::clients::{LOCALHOST, tls_connect};

#[test]
fn scenario_names_are_unique_kebab_case_and_described() {
    let all = Scenario::all();
    let names: HashSet<_> = all.iter().map(|s| s.name).collect();
    assert_eq!(names.len(), all.len());
    for s in &all {
        assert!(
            s.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        );
        assert!(!s.description.is_empty());
    }
    assert!(all.iter().any(|s| s.expected == Expected::Healthy));
}

#[test]
fn every_server_caused_seed_failure_has_a_scenario() {
    use wpj_core::JoinFailure as F;
    let expected: HashSet<_> = Scenario::all()
        .iter()
        .filter_map(|s| s.expected.failure())
        .collect();
    for f in [
        F::NameNotResolved,
        F::CannotConnect,
        F::InvalidCa,
        F::CertRevoked,
        F::RevocationOffline,
        F::ContractNotFound,
        F::ServiceUnavailable,
        F::Timeout,
        F::ConnectionError,
        F::CertDateInvalid,
        F::CertNameInvalid,
        F::InvalidCert,
        F::RedirectFailed,
        F::InvalidData,
        F::HttpError,
        F::InsecureRedirect,
        F::DsregTenantNotFound,
    ] {
        assert!(expected.contains(&f), "no scenario produces {f:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_starts_and_all_run_side_by_side() {
    let all = Scenario::all();
    let labs = futures_util::future::join_all(all.iter().map(Scenario::start)).await;
    for (scenario, lab) in all.iter().zip(&labs) {
        let lab = lab
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", scenario.name));
        for view in lab.views() {
            assert!(
                view.servers.iter().all(|a| a.ip().is_loopback()),
                "{}",
                scenario.name
            );
        }
        assert!(lab.nodes().iter().all(std::net::IpAddr::is_loopback));
        assert!(
            lab.pki_base_url()
                .starts_with(&format!("http://pki.{}:", lab.domain()))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_hostile_scenario_starts_on_loopback() {
    for scenario in Scenario::hostile() {
        assert!(scenario.name.starts_with("hostile-"), "{}", scenario.name);
        let lab = scenario
            .start()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", scenario.name));
        assert!(lab.nodes().iter().all(std::net::IpAddr::is_loopback));
        for view in lab.views() {
            assert!(view.servers.iter().all(|a| a.ip().is_loopback()));
        }
    }
}

#[tokio::test]
async fn dropping_a_lab_stops_its_servers() {
    let lab = Scenario::find("healthy-onprem")
        .unwrap()
        .start()
        .await
        .unwrap();
    tls_connect(&lab, LOCALHOST, &lab.registration_name())
        .await
        .unwrap();
    let port = lab.https_port();
    drop(lab);
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match TcpStream::connect((LOCALHOST, port)).await {
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => break,
            _ if Instant::now() > deadline => panic!("port {port} still accepts after drop"),
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
}
