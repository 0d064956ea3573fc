//! One run, one TLS handshake per server and name (issue #22): the contract request and every
//! later request to the same node and name go over the connection the TLS step made (or resume
//! its session), as a device does. Counted where it cannot be faked: at the lab's servers, which
//! record every handshake they complete ([`wpj_testkit::Lab::handshakes`]).

use std::time::Duration;

use wpj::{Plan, Runner};
use wpj_testkit::handshakes::ServerKey;
use wpj_testkit::{Lab, LabSpec, Scenario};

use crate::support::quick;

/// How a run against a lab must end.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Diagnosed healthy.
    Healthy,
    /// Whatever the lab's scenario says (a farm with a fault): only the handshakes are counted.
    AnyVerdict,
}

/// Scenario `name`'s lab, `one_way` late in each direction when given.
async fn lab_of(name: &str, one_way: Option<Duration>) -> Lab {
    let spec = Scenario::find(name)
        .unwrap_or_else(|| panic!("no scenario {name}"))
        .spec;
    Lab::start(LabSpec {
        latency: one_way,
        ..spec
    })
    .await
    .expect("lab starts")
}

/// Runs the complete plan against scenario `name`'s lab, which must be diagnosed healthy, and
/// asserts that every (address, SNI) the lab's servers saw got exactly one full handshake (resumed
/// ones allowed), naming each one that got another count.
async fn one_full_handshake_per_server_and_name(name: &str) {
    let _servers = counted(name, None, Expect::Healthy, &[]).await;
}

/// [`one_full_handshake_per_server_and_name`] with latency, an expectation, and names that must
/// have been handshaked with; gives the servers seen.
async fn counted(
    name: &str,
    one_way: Option<Duration>,
    expect: Expect,
    names: &[&str],
) -> Vec<ServerKey> {
    let lab = lab_of(name, one_way).await;
    let mut settings = quick(&lab);
    settings.check_timeout = Duration::from_secs(10);
    let report = Runner::new().run(&Plan::complete(), settings).await;
    if expect == Expect::Healthy {
        assert!(
            !report.has_failures() && report.problems().next().is_none(),
            "{name}: the lab must diagnose healthy:\n{report}"
        );
    }
    let counts = lab.full_handshakes();
    assert!(!counts.is_empty(), "{name}: no TLS handshake was seen");
    for wanted in names {
        assert!(
            counts
                .keys()
                .any(|server| server.sni.as_deref() == Some(*wanted)),
            "{name}: no handshake for {wanted}: {counts:?}"
        );
    }
    let wrong: Vec<String> = counts
        .iter()
        .filter(|(_, full)| **full != 1)
        .map(|(server, full)| format!("{server}: {full} full handshakes"))
        .collect();
    let resumed = lab.handshakes().iter().filter(|h| h.resumed).count();
    assert!(
        wrong.is_empty(),
        "{name}: one full TLS handshake per address and name expected; {} (every server: {}; \
         resumed handshakes: {resumed})",
        wrong.join("; "),
        counts
            .iter()
            .map(|(server, full)| format!("{server} {full}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    counts.into_keys().collect()
}

#[tokio::test]
async fn an_onprem_run_makes_one_full_handshake_per_node_and_name_over_tls13() {
    one_full_handshake_per_server_and_name("healthy-onprem").await;
}

#[tokio::test]
async fn an_onprem_run_makes_one_full_handshake_per_node_and_name_over_tls12() {
    one_full_handshake_per_server_and_name("healthy-tls12-only").await;
}

#[tokio::test]
async fn an_entra_run_makes_one_full_handshake_per_host() {
    one_full_handshake_per_server_and_name("healthy-entra").await;
}

/// Under latency the federation check asks for the federation service while the handshake started
/// early (its name is in the registration certificate) is still under way: it must wait for that
/// connection, not make its own.
#[tokio::test]
async fn under_latency_requests_wait_for_the_connection_under_way_tls13() {
    let _servers = counted(
        "healthy-onprem",
        Some(Duration::from_millis(5)),
        Expect::Healthy,
        &["enterpriseregistration.contoso.test", "sts.contoso.test"],
    )
    .await;
}

#[tokio::test]
async fn under_latency_requests_wait_for_the_connection_under_way_tls12() {
    let _servers = counted(
        "healthy-tls12-only",
        Some(Duration::from_millis(5)),
        Expect::Healthy,
        &["enterpriseregistration.contoso.test", "sts.contoso.test"],
    )
    .await;
}

/// Every node of a farm is handshaked with once, by the TLS step and the nodes check together,
/// whatever each node presents.
#[tokio::test]
async fn each_node_of_a_farm_gets_one_full_handshake() {
    let servers = counted(
        "adfs-farm-mixed-certificates",
        None,
        Expect::AnyVerdict,
        &["enterpriseregistration.contoso.test"],
    )
    .await;
    let nodes = servers
        .iter()
        .filter(|s| s.sni.as_deref() == Some("enterpriseregistration.contoso.test"))
        .count();
    assert_eq!(nodes, 2, "both nodes are handshaked with: {servers:?}");
}

#[test]
fn the_checks_that_make_the_tls_step_handshake_early_are_in_the_complete_plan() {
    // By id: a renamed check would silently turn the early handshake off.
    let ids: Vec<String> = Plan::complete()
        .ids()
        .iter()
        .map(ToString::to_string)
        .collect();
    for id in wpj_tls::EARLY_HANDSHAKE_CHECKS {
        assert!(ids.iter().any(|i| i == id), "{id} is not in {ids:?}");
    }
}
