//! CRL forms as Windows reads them, against real lab CRL servers: delta CRLs (`FreshestCRL` in the
//! complete CRL or in the certificate), version-1 CRLs, and CRLs scoped by an issuing
//! distribution point. Each scenario's revocation step is asserted with its exact code and the
//! outcome of every download.

use wpj::{CrlFetch, CrlOutcome, JoinFailure, RevocationInfo, RevocationStatus, Status};

use crate::support::step;
use crate::tls::{Cause, diagnose_scenario, revocations};

/// The revocation step of `scenario`: its failure, and what it says about the server certificate.
async fn leaf(scenario: &str) -> (Option<JoinFailure>, Status, RevocationInfo) {
    let report = diagnose_scenario(scenario).await;
    let rev = step(&report, "revocation");
    let info = revocations(rev)
        .into_iter()
        .find(|r| r.position == 0)
        .unwrap_or_else(|| panic!("{scenario}: no leaf in {rev:?}"))
        .clone();
    (rev.failure, rev.status, info)
}

fn complete(info: &RevocationInfo) -> Vec<&CrlFetch> {
    info.crls.iter().filter(|c| !c.delta).collect()
}

fn deltas(info: &RevocationInfo) -> Vec<&CrlFetch> {
    info.crls.iter().filter(|c| c.delta).collect()
}

fn revoked_with(info: &RevocationInfo, want: Option<&str>) -> bool {
    matches!(&info.status, RevocationStatus::Revoked { reason, .. } if reason.as_deref() == want)
}

#[tokio::test]
async fn a_delta_crl_is_fetched_and_combined_with_its_complete_crl() {
    // Both fresh, neither lists the certificate: good, and both downloads are on record.
    let (failure, status, info) = leaf("crl-delta").await;
    assert_eq!((failure, status), (None, Status::Pass), "{info:?}");
    assert_eq!(info.status, RevocationStatus::Good);
    let (base, delta) = (complete(&info), deltas(&info));
    assert_eq!((base.len(), delta.len()), (1, 1), "{info:?}");
    assert_eq!(base[0].outcome, CrlOutcome::Ok);
    assert_eq!(delta[0].outcome, CrlOutcome::Ok);
    assert!(delta[0].url.ends_with("/pki/issuing+.crl"), "{delta:?}");
    assert!(delta[0].bytes.is_some_and(|b| b > 0) && delta[0].next_update.is_some());

    // Revoked after the complete CRL was issued: only the delta says so.
    for scenario in ["crl-delta-revoked", "crl-delta-in-certificate"] {
        let (failure, _, info) = leaf(scenario).await;
        assert_eq!(
            failure,
            Some(JoinFailure::CertRevoked),
            "{scenario}: {info:?}"
        );
        assert!(
            revoked_with(&info, Some("KeyCompromise")),
            "{scenario}: {info:?}"
        );
        assert!(
            info.crls.iter().all(|c| c.outcome.is_ok()),
            "{scenario}: {info:?}"
        );
        assert_eq!(deltas(&info).len(), 1, "{scenario}: {info:?}");
    }

    // On hold in the complete CRL, released by the delta's `removeFromCRL` entry.
    let (failure, status, info) = leaf("crl-delta-unhold").await;
    assert_eq!((failure, status), (None, Status::Pass), "{info:?}");
    assert_eq!(info.status, RevocationStatus::Good);
}

#[tokio::test]
async fn a_delta_that_cannot_be_used_leaves_the_status_unknown() {
    let unreachable =
        |o: &CrlOutcome| matches!(o, CrlOutcome::Unreachable(why) if why.contains("HTTP 404"));
    let stale = |o: &CrlOutcome| matches!(o, CrlOutcome::Expired { .. });
    let cases: [(&str, Cause<'_>); 2] = [
        ("crl-delta-unreachable", &unreachable),
        ("crl-delta-stale", &stale),
    ];
    for (scenario, cause) in cases {
        let (failure, _, info) = leaf(scenario).await;
        assert_eq!(
            failure,
            Some(JoinFailure::RevocationOffline),
            "{scenario}: 0x80072F19, {info:?}"
        );
        let RevocationStatus::Unknown { why } = &info.status else {
            panic!("{scenario}: {info:?}");
        };
        assert!(why.contains("/pki/issuing+.crl"), "{scenario}: {why}");
        assert_eq!(
            complete(&info)[0].outcome,
            CrlOutcome::DeltaUnusable,
            "{scenario}"
        );
        let delta = deltas(&info);
        assert_eq!(delta.len(), 1, "{scenario}: {info:?}");
        assert!(cause(&delta[0].outcome), "{scenario}: {delta:?}");
    }
}

#[tokio::test]
async fn version_1_crls_are_read() {
    let (failure, status, info) = leaf("crl-v1").await;
    assert_eq!((failure, status), (None, Status::Pass), "{info:?}");
    assert_eq!(info.status, RevocationStatus::Good);
    assert!(info.crls.iter().all(|c| c.outcome.is_ok()), "{info:?}");

    // A version-1 entry has no reason code.
    let (failure, _, info) = leaf("crl-v1-revoked").await;
    assert_eq!(failure, Some(JoinFailure::CertRevoked), "{info:?}");
    assert!(revoked_with(&info, None), "{info:?}");
}

#[tokio::test]
async fn a_crl_out_of_scope_is_no_evidence_and_its_signature_is_still_checked() {
    let (failure, status, info) = leaf("crl-idp-in-scope").await;
    assert_eq!((failure, status), (None, Status::Pass), "{info:?}");

    let (failure, _, info) = leaf("crl-idp-out-of-scope").await;
    assert_eq!(failure, Some(JoinFailure::RevocationOffline), "{info:?}");
    assert!(
        matches!(&info.crls[0].outcome, CrlOutcome::NotInScope(why) if why.contains("issuing-partition-2.crl")),
        "{info:?}"
    );
    assert!(matches!(info.status, RevocationStatus::Unknown { .. }));

    // Out of scope and forged: reported as the forgery it is, never believed.
    let (failure, _, info) = leaf("crl-idp-out-of-scope-bad-signature").await;
    assert_eq!(failure, Some(JoinFailure::RevocationOffline), "{info:?}");
    assert_eq!(info.crls[0].outcome, CrlOutcome::BadSignature, "{info:?}");
}

#[tokio::test]
async fn a_crl_host_published_inside_only_fails_the_devices_outside() {
    // The run's first view (inside) reads every CRL; the external view cannot resolve the host.
    let report = diagnose_scenario("crl-host-inside-only").await;
    let rev = step(&report, "revocation");
    assert_eq!(rev.failure, Some(JoinFailure::RevocationOffline), "{rev:?}");
    assert!(
        rev.summary
            .contains("devices that use the external DNS view cannot check"),
        "{}",
        rev.summary
    );
    assert!(
        rev.summary.contains("pki.contoso.test (NXDOMAIN"),
        "{}",
        rev.summary
    );
    // Inside, every certificate was checked and is good.
    assert!(
        revocations(rev)
            .iter()
            .all(|r| r.status == RevocationStatus::Good),
        "{rev:?}"
    );
    // The same split-horizon lab with the host in both views passes.
    let healthy = diagnose_scenario("healthy-split-horizon").await;
    assert_eq!(step(&healthy, "revocation").status, Status::Pass);
}
