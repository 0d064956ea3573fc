//! One run, one TLS handshake per server and name (issue #22): the contract request and every
//! later request to the same node and name go over the connection the TLS step made (or resume
//! its session), as a device does. Counted where it cannot be faked: at the lab's servers, which
//! record every handshake they complete ([`wpj_testkit::Lab::handshakes`]).

use wpj::{Plan, Runner};

use crate::support::{lab, quick};

/// Runs the complete plan against scenario `name`'s lab, which must be diagnosed healthy, and
/// asserts that every (address, SNI) the lab's servers saw got exactly one full handshake
/// (resumed ones allowed), naming each one that got another count.
async fn one_full_handshake_per_server_and_name(name: &str) {
    let lab = lab(name).await;
    let report = Runner::new().run(&Plan::complete(), quick(&lab)).await;
    assert!(
        !report.has_failures() && report.problems().next().is_none(),
        "{name}: the lab must diagnose healthy:\n{report}"
    );
    let counts = lab.full_handshakes();
    assert!(!counts.is_empty(), "{name}: no TLS handshake was seen");
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
