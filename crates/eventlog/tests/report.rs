//! Reports of what was read: each failure event with its KB article and fix, a `dsregcmd /status`
//! failure as one finding, the file it came from, and stages as in a live run.

use wpj_core::{
    Evidence, Finding, JoinFailure, Kb, MessageStage, Report, SCHEMA_VERSION, Stage, Status,
};
use wpj_eventlog::{ReadError, read, read_file};

fn path(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn report(name: &str) -> Report {
    read_file(path(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .report()
}

/// The finding whose failure is `failure` (exactly one).
fn finding(report: &Report, failure: JoinFailure) -> &Finding {
    let mut found = report
        .findings()
        .iter()
        .filter(|f| f.failure == Some(failure));
    let f = found.next().unwrap_or_else(|| panic!("no {failure:?}"));
    assert!(found.next().is_none(), "more than one {failure:?}");
    f
}

/// A finding's summary and evidence, as the text report prints them.
fn text_of(f: &Finding) -> String {
    let mut text = f.summary.clone();
    for e in &f.evidence {
        text.push('\n');
        text.push_str(&e.to_string());
    }
    text
}

/// One Workplace Join event as `wevtutil … /f:xml` prints it.
fn wpj_event(id: u16, time: &str, code: &str) -> String {
    format!(
        r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><EventID>{id}</EventID><TimeCreated SystemTime="{time}"/><Channel>Microsoft-Windows-Workplace Join/Admin</Channel></System><EventData><Data Name="ServerURL">https://enterpriseregistration.fabrikam.com/EnrollmentServer/contract?api-version=1.0</Data><Data Name="ErrorCode">{code}</Data></EventData></Event>"#
    )
}

#[test]
fn every_failure_event_names_its_kb_and_carries_its_fix() {
    let report = report("workplace-join-admin.xml");
    for (failure, kb) in [
        (JoinFailure::NameNotResolved, "KB3045385"),
        (JoinFailure::CertRevoked, "KB3045383"),
        (JoinFailure::ContractNotFound, "KB3045386"),
        (JoinFailure::CannotConnect, "KB3045381"),
        (JoinFailure::ServiceUnavailable, "KB3045388"),
        (JoinFailure::DeviceCapReached, "KB3045379"),
    ] {
        let f = finding(&report, failure);
        assert!(f.summary.contains(kb), "{failure:?}: {}", f.summary);
        assert!(
            f.remediation
                .as_deref()
                .is_some_and(|r| r.starts_with(failure.remediation())),
            "{failure:?}: {:?}",
            f.remediation
        );
    }
    // Every failure finding, not only these: its own article (where it has one) and its fix.
    for f in report.problems() {
        let failure = f.failure.expect("a failure finding names its failure");
        if let Some(kb) = failure.kb() {
            assert!(f.summary.contains(&kb.to_string()), "{}", f.summary);
        }
        assert!(
            f.remediation
                .as_deref()
                .is_some_and(|r| r.contains(failure.remediation())),
            "{}",
            f.check
        );
    }
    // The text prints a fix for every failure event: the verdict's, then each other one's.
    let text = report.to_string();
    for failure in [
        JoinFailure::NameNotResolved,
        JoinFailure::CertRevoked,
        JoinFailure::ContractNotFound,
        JoinFailure::RevocationOffline,
        JoinFailure::DeviceCapReached,
    ] {
        assert!(
            text.contains(&format!("Fix: {}", failure.remediation())),
            "no fix for {failure:?} in\n{text}"
        );
    }
    assert_eq!(
        text.matches("    Fix: ").count(),
        report.problems().count() - 1,
        "one fix per failure besides the verdict's:\n{text}"
    );
    // Only the verdict's fix says how to confirm it live.
    assert_eq!(text.matches("Confirm it live").count(), 1, "{text}");
    assert!(
        text.contains(
            "Confirm it live: cargo run --all-features --example diagnose -- contoso.com"
        ),
        "{text}"
    );
}

#[test]
fn a_sign_in_failure_without_its_own_article_names_kb3045378() {
    // 0x801C0002: authentication failed after the user signed in; the catalogue has no KB for it.
    let failure = JoinFailure::DsregAuthenticationError;
    assert_eq!(failure.message_stage(), MessageStage::AfterCredentials);
    assert_eq!(failure.kb(), None);
    let xml = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><EventID>204</EventID><TimeCreated SystemTime="2026-11-21T09:05:00Z"/><Channel>Microsoft-Windows-User Device Registration/Admin</Channel></System><EventData><Data Name="ErrorCode">0x801C0002</Data></EventData></Event>"#;
    let report = read(xml.as_bytes()).unwrap().report();
    let f = finding(&report, failure);
    assert!(f.summary.ends_with("(KB3045378)"), "{}", f.summary);
    assert_eq!(f.stage, Stage::SignIn);
    assert_eq!(report.verdict().unwrap().kb, Some(Kb(3_045_378)));
}

#[test]
fn a_dsregcmd_failure_and_the_lines_repeating_its_codes_are_one_finding() {
    let report = report("dsregcmd-status.txt");
    assert_eq!(report.findings().len(), 1, "{report}");
    assert_eq!(report.problems().count(), 1);
    let f = &report.findings()[0];
    assert_eq!(f.status, Status::Fail);
    assert_eq!(
        f.failure,
        Some(JoinFailure::NameNotResolved),
        "the inner code"
    );
    let text = text_of(f);
    for fact in [
        "DRS Discovery Test : FAIL [0x801c0021/0x80072ee7]",
        "Client ErrorCode : 0x801c0021",
        "Server ErrorCode : 0x80072ee7",
        "Https Status : 503",
        "error phase: discover",
        "KB3045385",
        "KB3045388",
    ] {
        assert!(text.contains(fact), "no {fact:?} in\n{text}");
    }
    // The logged record keeps every fact of the merged lines.
    let logged: Vec<_> = f
        .evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::Logged(l) => Some(l),
            _ => None,
        })
        .collect();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].code.as_deref(), Some("0x801c0021/0x80072ee7"));
    assert_eq!(logged[0].http_status, Some(503));
    let message = logged[0].message.as_deref().unwrap();
    assert!(message.contains("DRS Discovery Test") && message.contains("Client ErrorCode"));
    let v = report.verdict().unwrap();
    assert_eq!(v.failure, JoinFailure::NameNotResolved);
    assert_eq!(v.check, f.check);

    // Labels are localized: the lines are matched by their codes.
    let german = report_of_german();
    assert_eq!(german.findings().len(), 1, "{german}");
    assert!(text_of(&german.findings()[0]).contains("Clientfehlercode : 0x801c0021"));
}

fn report_of_german() -> Report {
    report("dsregcmd-status-german-partial.txt")
}

#[test]
fn dsregcmd_lines_of_other_failures_stay_apart() {
    let text = "\
             AzureAdJoined : NO
          Client ErrorCode : 0x801c0021
        DRS Discovery Test : FAIL [0x801c0021/0x80072f8a]
    Token acquisition Test : FAIL [0x801c03f2/0x80072f8a]
          Server ErrorCode : 0x80072f8a
                 Some Code : 0x80072efd
";
    let report = read(text.as_bytes()).unwrap().report();
    let summaries: Vec<&str> = report
        .findings()
        .iter()
        .map(|f| f.summary.as_str())
        .collect();
    assert_eq!(summaries.len(), 3, "{report}");
    let codes: Vec<Vec<Option<&str>>> = report
        .findings()
        .iter()
        .map(|f| {
            f.evidence
                .iter()
                .filter_map(|e| match e {
                    Evidence::Logged(l) => Some(l.code.as_deref()),
                    _ => None,
                })
                .collect()
        })
        .collect();
    assert_eq!(
        codes[..2],
        [
            vec![Some("0x801c0021/0x80072f8a")],
            vec![Some("0x801c03f2/0x80072f8a")]
        ],
        "the pair leads its group, the token test is a finding of its own: {report:?}"
    );
    // Which lines were merged into a finding is in its words only.
    let first = text_of(&report.findings()[0]);
    assert!(first.contains("Client ErrorCode : 0x801c0021"), "{first}");
    assert!(first.contains("Server ErrorCode : 0x80072f8a"), "{first}");
    assert!(!text_of(&report.findings()[1]).contains("ErrorCode"));
    assert_eq!(
        report.findings()[2].failure,
        Some(JoinFailure::CannotConnect),
        "a code no test printed is a finding of its own"
    );
}

#[test]
fn the_report_says_which_file_it_is_from() {
    let file = path("dsregcmd-status.txt");
    let report = report("dsregcmd-status.txt");
    assert_eq!(report.origin(), Some(file.as_str()));
    assert_eq!(report.target(), "contoso.com");
    let text = report.to_string();
    assert_eq!(
        text.lines().next(),
        Some(format!("Device registration events from {file} (1 about contoso.com)").as_str()),
        "{text}"
    );
    assert!(!text.contains("(from logs)"), "{text}");
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["origin"], file.as_str());
    assert_eq!(json["schema_version"], SCHEMA_VERSION);

    // No domain in the events: a plain word, never a placeholder in parentheses.
    let udr = self::report("user-device-registration-admin.xml");
    assert_eq!(udr.target(), "unknown domain");
    assert!(
        udr.to_string()
            .starts_with("Device registration events from "),
        "{udr}"
    );

    // Bytes read without a file name: the kind of input, or the name given.
    let bytes = std::fs::read(&file).unwrap();
    let logs = read(&bytes).unwrap();
    assert_eq!(logs.origin, None);
    assert_eq!(
        logs.report().origin(),
        Some("dsregcmd /status output"),
        "the kind of input stands in for the file name"
    );
    let named = logs.with_origin("dsreg.txt").report().to_string();
    assert!(
        named.starts_with("Device registration events from dsreg.txt (1 about contoso.com)"),
        "{named}"
    );
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let err = read_file(path("no-such-file.evtx")).unwrap_err();
    assert!(matches!(err, ReadError::Io(_)), "{err}");
}

#[test]
fn failures_after_credentials_are_sign_in_the_rest_discovery() {
    let report = report("workplace-join-admin.xml");
    for f in report.findings() {
        let expected = match f.failure {
            Some(failure) if failure.message_stage() == MessageStage::AfterCredentials => {
                Stage::SignIn
            }
            _ => Stage::Discovery,
        };
        assert_eq!(f.stage, expected, "{}", f.summary);
    }
    assert_eq!(
        finding(&report, JoinFailure::DeviceCapReached).stage,
        Stage::SignIn,
        "event 200: the device cap is hit after the user signed in (KB3045379)"
    );
    assert_eq!(
        finding(&report, JoinFailure::CertRevoked).stage,
        Stage::Discovery
    );
    let dsreg = self::report("dsregcmd-status.txt");
    assert_eq!(dsreg.findings()[0].stage, Stage::Discovery);
}

#[test]
fn the_offline_verdict_follows_the_rules_of_a_live_run() {
    // The device cap (sign-in) was logged first, a revoked certificate (discovery) later: as in a
    // live run, the discovery failure is the verdict.
    let xml = [
        wpj_event(200, "2026-11-20T08:00:00Z", "0x8018000E"),
        wpj_event(102, "2026-11-20T09:00:00Z", "0x80072F8A"),
    ]
    .concat();
    let report = read(xml.as_bytes()).unwrap().report();
    assert_eq!(report.target(), "fabrikam.com");
    let v = report.verdict().unwrap();
    assert_eq!(v.failure, JoinFailure::CertRevoked);
    assert_eq!(v.stage, Stage::Discovery);
    let text = report.to_string();
    assert!(text.contains("Also found:"), "{text}");
    assert!(
        text.contains(&format!(
            "Fix: {}",
            JoinFailure::DeviceCapReached.remediation()
        )),
        "{text}"
    );

    // Only the sign-in failure: it is the verdict, worded after credentials.
    let only = wpj_event(200, "2026-11-20T08:00:00Z", "0x8018000E");
    let report = read(only.as_bytes()).unwrap().report();
    let v = report.verdict().unwrap();
    assert_eq!(v.failure, JoinFailure::DeviceCapReached);
    assert_eq!(v.stage, Stage::SignIn);
    assert_eq!(v.message_stage, MessageStage::AfterCredentials);
    assert!(
        report
            .to_string()
            .contains("After the user signs in, a Windows device would fail"),
        "{report}"
    );
}
