//! Revocation through OCSP (fetched and stapled) and `ldap://` distribution points, against the
//! lab's real OCSP responder and CRL host: the code Windows gives, the source that decided, and
//! what the responder was asked.

use wpj::{
    AttemptOutcome, CrlOutcome, JoinFailure, OcspOutcome, OcspRefusal, RevocationAttempt,
    RevocationInfo, RevocationSource, RevocationStatus, Status,
};

use crate::support::{lab, quick, step};
use crate::tls::{diagnose, revocations};

/// What one scenario must show about the leaf.
struct Case {
    scenario: &'static str,
    /// The revocation step's failure (`None`: it passes).
    failure: Option<JoinFailure>,
    /// Which source decided the leaf's status (`None`: none did, the status is unknown).
    decided: Option<&'static str>,
    /// The first source tried for the leaf, and how it ended.
    first: fn(&RevocationAttempt) -> bool,
    /// Requests the OCSP responder received.
    requests: usize,
}

fn kind(source: &RevocationSource) -> &'static str {
    match source {
        RevocationSource::Stapled => "stapled",
        RevocationSource::Ocsp { .. } => "ocsp",
        RevocationSource::Crl { .. } => "crl",
        _ => "other",
    }
}

fn ocsp(a: &RevocationAttempt) -> Option<&OcspOutcome> {
    match &a.outcome {
        AttemptOutcome::Ocsp(o) => Some(o),
        _ => None,
    }
}

fn leaf<'r>(infos: &[&'r RevocationInfo]) -> &'r RevocationInfo {
    infos
        .iter()
        .find(|i| i.position == 0)
        .copied()
        .expect("the leaf's revocation")
}

#[tokio::test]
async fn each_ocsp_scenario_gives_windows_code_and_names_the_deciding_source() {
    let revoked = Some(JoinFailure::CertRevoked);
    let offline = Some(JoinFailure::RevocationOffline);
    let cases = [
        Case {
            scenario: "ocsp-only-good",
            failure: None,
            decided: Some("ocsp"),
            first: |a| ocsp(a) == Some(&OcspOutcome::Good) && a.bytes.is_some(),
            requests: 1,
        },
        Case {
            scenario: "ocsp-revoked",
            failure: revoked,
            decided: Some("ocsp"),
            first: |a| matches!(ocsp(a), Some(OcspOutcome::Revoked { reason: Some(r), .. }) if r == "KeyCompromise"),
            requests: 1,
        },
        Case {
            scenario: "ocsp-unknown",
            failure: offline,
            decided: None,
            first: |a| ocsp(a) == Some(&OcspOutcome::Unknown),
            requests: 1,
        },
        Case {
            scenario: "ocsp-try-later",
            failure: offline,
            decided: None,
            first: |a| ocsp(a) == Some(&OcspOutcome::Refused(OcspRefusal::TryLater)),
            requests: 1,
        },
        Case {
            scenario: "ocsp-stale",
            failure: offline,
            decided: None,
            first: |a| matches!(ocsp(a), Some(OcspOutcome::Stale { .. })),
            requests: 1,
        },
        Case {
            scenario: "ocsp-bad-signature",
            failure: offline,
            decided: None,
            first: |a| ocsp(a) == Some(&OcspOutcome::BadSignature),
            requests: 1,
        },
        Case {
            scenario: "ocsp-non-delegated",
            failure: offline,
            decided: None,
            first: |a| matches!(ocsp(a), Some(OcspOutcome::WrongResponder(why)) if why.contains("id-kp-OCSPSigning")),
            requests: 1,
        },
        Case {
            scenario: "ocsp-delegated",
            failure: None,
            decided: Some("ocsp"),
            first: |a| ocsp(a) == Some(&OcspOutcome::Good),
            requests: 1,
        },
        Case {
            scenario: "ocsp-down-crl-good",
            failure: None,
            decided: Some("crl"),
            first: |a| matches!(ocsp(a), Some(OcspOutcome::Unreachable(why)) if why.contains("cannot connect")),
            requests: 0,
        },
        Case {
            scenario: "ocsp-stapled-good",
            failure: None,
            decided: Some("stapled"),
            first: |a| a.source == RevocationSource::Stapled && ocsp(a) == Some(&OcspOutcome::Good),
            requests: 0,
        },
        Case {
            scenario: "ocsp-stapled-revoked",
            failure: revoked,
            decided: Some("stapled"),
            first: |a| {
                a.source == RevocationSource::Stapled
                    && matches!(ocsp(a), Some(OcspOutcome::Revoked { .. }))
            },
            requests: 0,
        },
        Case {
            scenario: "ocsp-stapled-stale",
            failure: None,
            decided: Some("ocsp"),
            first: |a| {
                a.source == RevocationSource::Stapled
                    && matches!(ocsp(a), Some(OcspOutcome::Stale { .. }))
            },
            requests: 1,
        },
        Case {
            scenario: "crl-ldap-then-http",
            failure: None,
            decided: Some("crl"),
            first: |a| {
                matches!(&a.source, RevocationSource::Crl { url } if url.starts_with("ldap://"))
                    && matches!(&a.outcome, AttemptOutcome::Skipped(why) if why.contains("http distribution point that follows"))
            },
            requests: 0,
        },
        Case {
            scenario: "crl-ldap-only",
            failure: offline,
            decided: None,
            first: |a| matches!(&a.outcome, AttemptOutcome::Skipped(why) if why.contains("outside the domain")),
            requests: 0,
        },
    ];
    for case in cases {
        let name = case.scenario;
        let lab = lab(name).await;
        let report = diagnose(quick(&lab)).await;
        let rev = step(&report, "revocation");
        assert_eq!(rev.failure, case.failure, "{name}: {rev:?}");
        let expected_status = if case.failure.is_some() {
            Status::Fail
        } else {
            Status::Pass
        };
        assert_eq!(rev.status, expected_status, "{name}: {rev:?}");
        let infos = revocations(rev);
        let leaf = leaf(&infos);
        assert_eq!(
            leaf.decided_by.as_ref().map(kind),
            case.decided,
            "{name}: {leaf:?}"
        );
        assert!((case.first)(&leaf.sources[0]), "{name}: {leaf:?}");
        // Exactly one source decided, the last one tried: nothing is asked after an answer.
        let decided: Vec<&RevocationAttempt> = leaf.sources.iter().filter(|a| a.decided).collect();
        assert_eq!(decided.len(), usize::from(case.decided.is_some()), "{name}");
        if case.decided.is_some() {
            assert!(leaf.sources.last().unwrap().decided, "{name}: {leaf:?}");
        }
        assert_eq!(lab.ocsp_requests(), case.requests, "{name}: OCSP requests");
        if let Some(v) = report.verdict() {
            let code = v.hresult.unwrap().to_string();
            let want = if case.failure == revoked {
                "0x80072F8A"
            } else {
                "0x80072F19"
            };
            assert_eq!(code, want, "{name}");
        } else {
            assert!(case.failure.is_none(), "{name}: no verdict");
        }
    }
}

#[tokio::test]
async fn the_text_names_the_deciding_source() {
    let revoked = lab("ocsp-revoked").await;
    let report = diagnose(quick(&revoked)).await;
    let rev = step(&report, "revocation");
    let url = revoked.ocsp_url().expect("the leaf names a responder");
    assert!(
        rev.summary
            .ends_with(&format!("according to the OCSP {url}")),
        "{}",
        rev.summary
    );
    let leaf = leaf(&revocations(rev)).to_string();
    assert!(
        leaf.ends_with(&format!("(KeyCompromise), by the OCSP {url}")),
        "{leaf}"
    );

    let stapling = lab("ocsp-stapled-good").await;
    let report = diagnose(quick(&stapling)).await;
    let rev = step(&report, "revocation");
    assert!(
        rev.summary.contains("cert #0 by the stapled OCSP response"),
        "{}",
        rev.summary
    );
}

#[tokio::test]
async fn ldap_only_is_unknown_for_devices_outside_the_domain() {
    let lab = lab("crl-ldap-only").await;
    let report = diagnose(quick(&lab)).await;
    let rev = step(&report, "revocation");
    assert!(
        rev.summary
            .contains("unknown for devices outside the domain"),
        "{}",
        rev.summary
    );
    let leaf = leaf(&revocations(rev));
    assert!(leaf.crls.is_empty(), "nothing downloaded: {leaf:?}");
    assert!(matches!(leaf.status, RevocationStatus::Unknown { .. }));
    // The intermediate's http CDP still answers.
    let intermediate = revocations(rev)
        .into_iter()
        .find(|i| i.position == 1)
        .unwrap();
    assert_eq!(intermediate.status, RevocationStatus::Good);
    assert!(
        intermediate
            .crls
            .iter()
            .all(|c| c.outcome == CrlOutcome::Ok)
    );
}

#[tokio::test]
async fn a_stalled_responder_times_out_and_the_crl_that_follows_decides() {
    let lab = wpj_testkit::Lab::start(wpj_testkit::LabSpec {
        ocsp: Some(wpj_testkit::ocsp::OcspFault::Stall),
        ..wpj_testkit::LabSpec::default()
    })
    .await
    .unwrap();
    let report = diagnose(quick(&lab)).await;
    let rev = step(&report, "revocation");
    assert_eq!(rev.status, Status::Pass, "{rev:?}");
    let leaf = leaf(&revocations(rev));
    assert!(
        matches!(ocsp(&leaf.sources[0]), Some(OcspOutcome::Unreachable(why)) if why.contains("timed out")),
        "{leaf:?}"
    );
    assert!(matches!(
        leaf.decided_by,
        Some(RevocationSource::Crl { .. })
    ));
    assert_eq!(lab.ocsp_requests(), 1);
}

#[tokio::test]
async fn sources_the_checks_time_cannot_cover_are_the_tools_limit_not_a_verdict() {
    // The stalled responder holds its download past the check's own time (a check time-out no
    // longer than the network time-out): the download is cut short and the CRL after it is not
    // asked. A device would wait and go on to it, so the step is this tool's Error — neither
    // 0x80072F19 nor the runner's time-out.
    let lab = wpj_testkit::Lab::start(wpj_testkit::LabSpec {
        ocsp: Some(wpj_testkit::ocsp::OcspFault::Stall),
        ..wpj_testkit::LabSpec::default()
    })
    .await
    .unwrap();
    let mut settings = quick(&lab);
    settings.check_timeout = settings.network_timeout;
    let report = diagnose(settings).await;
    let rev = step(&report, "revocation");
    assert_eq!(rev.status, Status::Error, "{rev:?}");
    assert_eq!(rev.failure, None, "{rev:?}");
    let leaf = leaf(&revocations(rev));
    let not_in_time = |a: &RevocationAttempt| match &a.outcome {
        AttemptOutcome::Crl(CrlOutcome::NotRead(why))
        | AttemptOutcome::Ocsp(OcspOutcome::NotRead(why)) => why.contains("this check's time"),
        _ => false,
    };
    assert!(leaf.sources.iter().any(not_in_time), "{leaf:?}");
}

#[tokio::test]
async fn a_short_check_time_still_asks_each_certificates_sources() {
    // `diagnose --timeout 3s`: the check's time equals a network time-out plus a DNS time-out.
    // A download that answers at once is asked and decides (it once was "not asked").
    let lab = lab("ocsp-only-good").await;
    let mut settings = quick(&lab);
    settings.check_timeout = std::time::Duration::from_secs(3);
    settings.network_timeout = std::time::Duration::from_millis(1500);
    settings.dns_timeout = std::time::Duration::from_millis(1500);
    let report = diagnose(settings).await;
    let rev = step(&report, "revocation");
    assert_eq!(rev.status, Status::Pass, "{rev:?}");
}
