//! What Windows' chain engine logged (`Microsoft-Windows-CAPI2/Operational`): chain builds
//! reconstructed from a real log and from hand-written events in the real events' shape, mapped to
//! the WinHTTP code a device logs, and joined with the Workplace Join events they explain.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use wpj_core::{JoinFailure, Status};
use wpj_eventlog::{
    ChainBuild, Logs, Retrieval, RetrievalKind, RetrievalOutcome, TrustStatus, read_file,
};

fn path(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn logs(name: &str) -> Logs {
    read_file(path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn at(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).expect("time")
}

/// The only chain of a hand-written fixture.
fn only_chain(name: &str) -> ChainBuild {
    let logs = logs(name);
    assert_eq!(logs.chains.len(), 1, "{name}");
    logs.chains[0].clone()
}

/// A retrieval as (url, kind, from cache, outcome, code).
fn retrieval(r: &Retrieval) -> (&str, RetrievalKind, bool, RetrievalOutcome, u32) {
    (
        r.url.as_str(),
        r.kind,
        r.from_cache,
        r.outcome,
        r.result.code,
    )
}

fn notes(f: &wpj_core::Finding) -> Vec<String> {
    f.notes().map(str::to_owned).collect()
}

const REAL: &str = "E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx";

#[test]
fn the_real_capi2_log_gives_one_build_per_chain_with_its_retrievals() {
    let logs = logs(REAL);
    assert_eq!(logs.read, 340);
    // 42 event 11 (chain built) and 42 event 30 (policy), each policy naming its chain by chainRef.
    assert_eq!(logs.chains.len(), 42);
    assert!(logs.chains.iter().all(|c| c.complete));
    assert_eq!(
        logs.chains.iter().map(|c| c.policies.len()).sum::<usize>(),
        42
    );
    // Every retrieval event (15 from the cache, 12 from the network), each in its build.
    let all: Vec<&Retrieval> = logs.chains.iter().flat_map(|c| &c.retrievals).collect();
    assert_eq!(all.len(), 27);
    assert_eq!(all.iter().filter(|r| r.from_cache).count(), 15);
    assert!(
        all.iter()
            .all(|r| r.kind == RetrievalKind::Crl && r.outcome.is_ok())
    );

    let first = &logs.chains[0];
    assert_eq!(first.time, Some(at("2017-05-19T02:02:36Z")));
    assert_eq!(first.process.as_deref(), Some("Setup.exe"));
    assert_eq!(
        first.task_id.as_deref(),
        Some("{1CB1FE4B-D685-48FC-A3FA-42893E4C1717}")
    );
    assert_eq!(first.usages, ["Code Signing"]);
    assert!(!first.is_tls_server());
    let certs: Vec<(&str, Option<&str>, Option<&str>)> = first
        .certificates
        .iter()
        .map(|c| {
            (
                c.subject.as_str(),
                c.issuer.as_deref(),
                c.thumbprint.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        certs,
        [
            (
                "Microsoft Corporation",
                Some("Microsoft Code Signing PCA"),
                Some("9617094A1CFB59AE7C1F7DFDB6739E4E7C40508F")
            ),
            (
                "Microsoft Code Signing PCA",
                Some("Microsoft Root Authority"),
                Some("3036E3B25B88A55B86FC90E6E9EAAD5081445166")
            ),
            (
                "Microsoft Root Authority",
                Some("Microsoft Root Authority"),
                Some("A43489159A520F0D93D032CCAF37E7FE20A8B419")
            ),
        ]
    );
    assert_eq!(
        first.certificates[0].not_after,
        Some(at("2011-03-07T22:40:29Z")),
        "from the certificate's event 90"
    );
    assert_eq!(
        first.retrievals.iter().map(retrieval).collect::<Vec<_>>(),
        [(
            "http://crl.microsoft.com/pki/crl/products/CSPCA.crl",
            RetrievalKind::Crl,
            false,
            RetrievalOutcome::Retrieved,
            0
        )]
    );
    // The PCA's revocation could not be checked: the Authenticode policy accepted it, Workplace
    // Join does not (a device would log 0x80072F19).
    assert_eq!(first.trust, TrustStatus(0x40));
    assert_eq!(first.certificates[1].errors, TrustStatus(0x40));
    assert_eq!(
        first.certificates[1]
            .revocation
            .as_ref()
            .map(|r| (r.code, r.symbol())),
        Some((0x8009_2012, Some("CRYPT_E_NO_REVOCATION_CHECK")))
    );
    assert_eq!(first.policies[0].policy, "CERT_CHAIN_POLICY_AUTHENTICODE");
    assert_eq!(first.policies[0].result.code, 0);
    assert_eq!(first.failure(), Some(JoinFailure::RevocationOffline));
    assert_eq!(
        first
            .failure()
            .and_then(JoinFailure::hresult)
            .map(|h| h.to_string()),
        Some("0x80072F19".to_owned())
    );
    assert_eq!(
        first.cause(),
        "the chain engine could not check the revocation of Microsoft Code Signing PCA"
    );
    // Event 42: CRLs the chain engine set aside as out of date before fetching fresh ones.
    let rejected: Vec<(&str, Option<&str>, Option<&str>)> = logs
        .chains
        .iter()
        .flat_map(|c| &c.revocations)
        .filter(|r| r.rejected.is_some())
        .map(|r| (r.subject.as_str(), r.url.as_deref(), r.rejected.as_deref()))
        .collect();
    assert_eq!(
        rejected,
        [
            (
                "Microsoft Code Signing PCA",
                Some("http://crl.microsoft.com/pki/crl/products/microsoftrootcert.crl"),
                Some("CheckTimeValidity")
            ),
            (
                "Microsoft Corporation",
                Some("http://crl.microsoft.com/pki/crl/products/MicCodSigPCA_08-31-2010.crl"),
                Some("CheckTimeValidity")
            ),
        ]
    );
    // None of these chains is a TLS server's: nothing about device registration.
    assert!(logs.registration_chains().is_empty());
    assert_eq!(
        logs.nothing_to_explain(),
        Some(format!(
            "no Workplace Join / device registration events in {}: nothing to explain",
            path(REAL)
        ))
    );
    let report = logs.report();
    assert!(report.verdict().is_none());
    assert_eq!(report.findings().len(), 1);
    assert_eq!(report.findings()[0].status, Status::Skipped);
    assert_eq!(
        notes(&report.findings()[0]),
        [
            "340 events read; 42 certificate chains built by Windows' chain engine, none for a registration server"
        ]
    );
}

#[test]
fn offline_revocation_the_crl_timed_out() {
    let c = only_chain("capi2-revocation-offline.xml");
    assert_eq!(c.server_name(), Some("enterpriseregistration.contoso.com"));
    assert!(c.is_tls_server());
    assert_eq!(c.process.as_deref(), Some("dsregcmd.exe"));
    assert_eq!(
        c.retrievals.iter().map(retrieval).collect::<Vec<_>>(),
        [(
            "http://pki.contoso.com/ca.crl",
            RetrievalKind::Crl,
            false,
            RetrievalOutcome::Timeout,
            0x2EE2
        )]
    );
    assert_eq!(c.retrievals[0].time, Some(at("2026-11-20T09:14:02.121Z")));
    assert_eq!(c.trust, TrustStatus(0x0100_0040));
    assert_eq!(c.policy_result().map(|r| r.code), Some(0x8009_2013));
    assert_eq!(c.failure(), Some(JoinFailure::RevocationOffline));
    assert_eq!(
        c.cause(),
        "the chain engine could not fetch http://pki.contoso.com/ca.crl (timeout)"
    );
    assert_eq!(
        c.retrievals[0].to_string(),
        "CRL http://pki.contoso.com/ca.crl: timeout (0x2EE2, The operation timed out) at 09:14:02"
    );
    // Alone, the chain is the finding and the verdict: the device would log 0x80072F19.
    let report = logs("capi2-revocation-offline.xml").report();
    assert_eq!(report.target(), "contoso.com");
    let v = report.verdict().expect("a verdict");
    assert_eq!(v.failure, JoinFailure::RevocationOffline);
    assert_eq!(
        v.hresult.map(|h| h.to_string()).as_deref(),
        Some("0x80072F19")
    );
    assert_eq!(v.check, "01-capi2-chain");
}

#[test]
fn a_revoked_leaf_according_to_the_crl() {
    let c = only_chain("capi2-revoked.xml");
    assert_eq!(
        c.retrievals.iter().map(retrieval).collect::<Vec<_>>(),
        [(
            "http://pki.contoso.com/ca.crl",
            RetrievalKind::Crl,
            false,
            RetrievalOutcome::Retrieved,
            0
        )]
    );
    let revocations: Vec<(&str, u32, Option<&str>)> = c
        .revocations
        .iter()
        .map(|r| (r.subject.as_str(), r.result.code, r.url.as_deref()))
        .collect();
    assert_eq!(
        revocations,
        [(
            "enterpriseregistration.contoso.com",
            0x8009_2010,
            Some("http://pki.contoso.com/ca.crl")
        )]
    );
    assert_eq!(c.certificates[0].errors, TrustStatus(0x4));
    assert_eq!(c.failure(), Some(JoinFailure::CertRevoked));
    assert_eq!(
        c.failure()
            .and_then(JoinFailure::hresult)
            .map(|h| h.to_string()),
        Some("0x80072F8A".to_owned())
    );
    assert_eq!(
        c.cause(),
        "the chain engine found enterpriseregistration.contoso.com revoked (according to http://pki.contoso.com/ca.crl)"
    );
}

#[test]
fn an_untrusted_root() {
    let c = only_chain("capi2-untrusted-root.xml");
    assert!(c.retrievals.is_empty());
    let subjects: Vec<(&str, Option<&str>)> = c
        .certificates
        .iter()
        .map(|c| (c.subject.as_str(), c.issuer.as_deref()))
        .collect();
    assert_eq!(
        subjects,
        [
            (
                "enterpriseregistration.fabrikam.com",
                Some("Fabrikam Issuing CA")
            ),
            ("Fabrikam Issuing CA", Some("Fabrikam Private Root")),
            ("Fabrikam Private Root", Some("Fabrikam Private Root")),
        ]
    );
    assert_eq!(c.certificates[2].errors, TrustStatus(0x20));
    assert_eq!(
        c.policy_result()
            .and_then(wpj_eventlog::CryptoResult::symbol),
        Some("CERT_E_UNTRUSTEDROOT")
    );
    assert_eq!(c.failure(), Some(JoinFailure::InvalidCa));
    assert_eq!(
        c.failure()
            .and_then(JoinFailure::hresult)
            .map(|h| h.to_string()),
        Some("0x80072F0D".to_owned())
    );
    assert_eq!(
        c.cause(),
        "the chain engine ended the chain in Fabrikam Private Root, a root this device does not trust"
    );
}

#[test]
fn a_partial_chain_whose_aia_url_answers_404() {
    let c = only_chain("capi2-partial-chain.xml");
    assert_eq!(
        c.retrievals.iter().map(retrieval).collect::<Vec<_>>(),
        [(
            "http://pki.fabrikam.com/aia/issuing.crt",
            RetrievalKind::Aia,
            false,
            RetrievalOutcome::HttpStatus(404),
            0x8019_0194
        )]
    );
    assert_eq!(c.certificates.len(), 1);
    assert_eq!(
        c.certificates[0].issuer, None,
        "the chain stops at the leaf"
    );
    assert_eq!(c.trust, TrustStatus(0x1_0040));
    assert_eq!(c.failure(), Some(JoinFailure::InvalidCa));
    assert_eq!(
        c.cause(),
        "the chain engine could not find the issuer of enterpriseregistration.fabrikam.com: it could not fetch http://pki.fabrikam.com/aia/issuing.crt (HTTP 404)"
    );
    let report = logs("capi2-partial-chain.xml").report();
    let v = report.verdict().expect("a verdict");
    assert_eq!(
        v.hresult.map(|h| h.to_string()).as_deref(),
        Some("0x80072F0D")
    );
    assert!(
        v.remediation.contains(
            "The device's chain engine could not fetch: AIA http://pki.fabrikam.com/aia/issuing.crt (HTTP 404)."
        ),
        "{}",
        v.remediation
    );
}

#[test]
fn a_partial_chain_completed_through_aia_is_a_warning_not_a_verdict() {
    let c = only_chain("capi2-partial-chain-fixed-by-aia.xml");
    assert_eq!(
        c.retrievals.iter().map(retrieval).collect::<Vec<_>>(),
        [
            (
                "http://pki.fabrikam.com/aia/issuing.crt",
                RetrievalKind::Aia,
                false,
                RetrievalOutcome::Retrieved,
                0
            ),
            (
                "http://pki.fabrikam.com/crl/issuing.crl",
                RetrievalKind::Crl,
                false,
                RetrievalOutcome::Retrieved,
                0
            ),
        ]
    );
    assert_eq!(c.trust, TrustStatus(0));
    assert_eq!(c.failure(), None);
    assert!(c.completed_by_aia());
    let report = logs("capi2-partial-chain-fixed-by-aia.xml").report();
    assert!(report.verdict().is_none());
    assert!(!report.has_failures());
    let f = &report.findings()[0];
    assert_eq!(f.status, Status::Warn);
    assert_eq!(
        f.failure,
        Some(JoinFailure::InvalidCa),
        "the failure it risks"
    );
    assert_eq!(
        f.summary,
        "2026-11-22 16:45:30 certificate chain for enterpriseregistration.fabrikam.com: the chain engine completed the chain of enterpriseregistration.fabrikam.com with an issuer fetched from http://pki.fabrikam.com/aia/issuing.crt"
    );
}

#[test]
fn a_workplace_join_failure_is_explained_by_the_chain_built_just_before_it() {
    let joined = Logs::join([
        logs("capi2-revocation-offline.xml"),
        logs("workplace-join-revocation-offline.xml"),
    ])
    .expect("two inputs");
    assert_eq!(
        joined.origin,
        Some(format!(
            "{} + {}",
            path("capi2-revocation-offline.xml"),
            path("workplace-join-revocation-offline.xml")
        ))
    );
    assert_eq!(joined.read, 9);
    let report = joined.report();
    let summaries: Vec<(&str, Status)> = report
        .findings()
        .iter()
        .map(|f| (f.check.as_str(), f.status))
        .collect();
    assert_eq!(
        summaries,
        [("01-wpj-102", Status::Warn), ("02-wpj-102", Status::Fail)],
        "the chain explains the second failure: no finding of its own"
    );
    let f = &report.findings()[1];
    assert_eq!(f.failure, Some(JoinFailure::RevocationOffline));
    let notes = notes(f);
    assert_eq!(
        notes[0],
        "the verdict describes the latest attempt, at 2026-11-20 09:14:03 (attempt 2 of 2; earlier ones are history)"
    );
    assert_eq!(
        notes[1],
        "← the chain engine could not fetch http://pki.contoso.com/ca.crl (timeout) at 09:14:02"
    );
    assert!(notes.contains(
        &"CRL http://pki.contoso.com/ca.crl: timeout (0x2EE2, The operation timed out) at 09:14:02"
            .to_owned()
    ));
    assert!(notes.contains(
        &"cert #1: Contoso Issuing CA, issued by Contoso Root CA, thumbprint 9B4E2A7C1D05F3E8B6A2C4D1E0F9A8B7C6D5E4F3".to_owned()
    ));
    let v = report.verdict().expect("a verdict");
    assert_eq!(v.check, "02-wpj-102");
    assert!(
        v.remediation
            .contains("The device's chain engine could not fetch: CRL http://pki.contoso.com/ca.crl (timeout)."),
        "{}",
        v.remediation
    );
    let text = report.to_string();
    assert!(
        text.contains(
            "02-wpj-102  2026-11-20 09:14:03 event 102 in Microsoft-Windows-Workplace Join/Admin: 0x80072f19"
        ),
        "{text}"
    );
    assert!(
        text.contains("· ← the chain engine could not fetch http://pki.contoso.com/ca.crl (timeout) at 09:14:02"),
        "{text}"
    );
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["verdict"]["hresult"], "0x80072F19");
    // The logged event, then what explains it.
    assert_eq!(json["findings"][1]["evidence"][1]["kind"], "logged");
    assert_eq!(json["findings"][1]["evidence"][2]["kind"], "note");
    assert_eq!(
        json["findings"][1]["evidence"][2]["text"],
        "← the chain engine could not fetch http://pki.contoso.com/ca.crl (timeout) at 09:14:02"
    );
}

#[test]
fn a_chain_for_another_server_explains_nothing() {
    // The same failure event, next to a chain built for another web site at the same time.
    let capi2 = std::fs::read_to_string(path("capi2-revocation-offline.xml"))
        .unwrap()
        .replace(
            "serverName=\"enterpriseregistration.contoso.com\"",
            "serverName=\"www.example.com\"",
        )
        .replace(
            "subjectName=\"enterpriseregistration.contoso.com\"",
            "subjectName=\"www.example.com\"",
        );
    let capi2 = wpj_eventlog::read(capi2.as_bytes()).unwrap();
    assert!(capi2.registration_chains().is_empty());
    let joined = Logs::join([capi2, logs("workplace-join-revocation-offline.xml")]).unwrap();
    let report = joined.report();
    assert_eq!(report.findings().len(), 2);
    assert!(
        !notes(&report.findings()[1])
            .iter()
            .any(|n| n.starts_with('←')),
        "not joined"
    );
}

#[test]
fn dates_at_the_ends_of_the_calendar_do_not_panic() {
    for time in ["9999-12-31T23:59:59Z", "0000-01-01T00:00:00Z"] {
        let event = format!(
            r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><EventID>102</EventID><TimeCreated SystemTime="{time}"/><Channel>Microsoft-Windows-Workplace Join/Admin</Channel></System><EventData><Data Name="ErrorCode">0x80072F19</Data></EventData></Event>"#
        );
        let joined = Logs::join([
            logs("capi2-revocation-offline.xml"),
            wpj_eventlog::read(event.as_bytes()).unwrap(),
        ])
        .unwrap();
        let report = joined.report();
        assert_eq!(
            report.findings().len(),
            2,
            "{time}: the chain and the event"
        );
        assert_eq!(joined.attempts().len(), 2, "{time}");
    }
}
