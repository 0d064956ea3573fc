//! Reading what Windows logged: XML, real .evtx files, dsregcmd text, and bad input.

use wpj_core::{JoinFailure, LogSource, Status};
use wpj_eventlog::{Logs, ReadError, read};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect(name)
}

fn logs(name: &str) -> Logs {
    read(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

#[test]
fn every_seed_code_from_the_workplace_join_log_in_time_order() {
    let logs = logs("workplace-join-admin.xml");
    assert_eq!(logs.source, LogSource::WevtutilXml);
    assert_eq!(logs.read, 11, "every event is read");
    let timeline: Vec<(Option<u16>, Option<JoinFailure>)> = logs
        .events
        .iter()
        .map(|e| (e.event_id, e.failure))
        .collect();
    assert_eq!(
        timeline,
        [
            (Some(102), Some(JoinFailure::NameNotResolved)),
            (Some(104), None),
            (Some(102), Some(JoinFailure::CertRevoked)),
            (Some(103), Some(JoinFailure::ContractNotFound)),
            (Some(102), Some(JoinFailure::CannotConnect)),
            (Some(102), Some(JoinFailure::InvalidCa)),
            (Some(102), Some(JoinFailure::RevocationOffline)),
            (Some(102), Some(JoinFailure::UnknownError)),
            (Some(103), Some(JoinFailure::ServiceUnavailable)),
            (Some(200), Some(JoinFailure::DeviceCapReached)),
        ],
        "sorted by time; event 9999 is not a join event"
    );
    assert_eq!(logs.events[0].code.as_deref(), Some("-2147012889"));
    assert_eq!(logs.events[3].http_status, Some(404));
    assert_eq!(logs.domain().as_deref(), Some("contoso.com"));

    let report = logs.report();
    let v = report.verdict().unwrap();
    assert_eq!(
        v.failure,
        JoinFailure::DeviceCapReached,
        "the latest attempt's failure, not the first one logged"
    );
    assert_eq!(report.findings().len(), 10);
    assert_eq!(report.findings()[0].status, Status::Warn, "history");
    assert_eq!(report.findings()[1].status, Status::Pass);
    assert!(
        v.remediation
            .contains("cargo run --all-features --example diagnose -- contoso.com"),
        "{}",
        v.remediation
    );
    let codes: Vec<String> = report
        .problems()
        .map(|f| f.failure.unwrap().code().to_owned())
        .collect();
    assert_eq!(codes.len(), 9);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["schema_version"], wpj_core::SCHEMA_VERSION);
    assert_eq!(
        json["findings"][0]["evidence"][0]["kind"], "note",
        "history"
    );
    assert_eq!(json["findings"][0]["evidence"][1]["kind"], "logged");
}

#[test]
fn user_device_registration_pairs_and_codes() {
    let logs = logs("user-device-registration-admin.xml");
    let e = &logs.events;
    assert_eq!(e.len(), 2);
    assert_eq!(e[0].event_id, Some(201));
    assert_eq!(e[0].failure, Some(JoinFailure::DsregDiscoveryFailed));
    assert_eq!(e[1].failure, Some(JoinFailure::DsregDirectoryFailure));
    assert_eq!(e[1].http_status, Some(400));
}

#[test]
fn localized_windows_7_events_are_read_by_their_values() {
    let logs = logs("workplace-join-windows7-german.xml");
    assert_eq!(logs.events.len(), 1);
    assert_eq!(logs.events[0].log, "Microsoft-Workplace-Join/Admin");
    assert_eq!(logs.events[0].failure, Some(JoinFailure::CertNameInvalid));
    assert_eq!(
        logs.report()
            .verdict()
            .unwrap()
            .hresult
            .unwrap()
            .to_string(),
        "0x80072F06"
    );
}

#[test]
fn dsregcmd_status_with_outer_and_inner_codes() {
    let logs = logs("dsregcmd-status.txt");
    assert_eq!(logs.source, LogSource::Dsregcmd);
    assert_eq!(
        logs.join_state,
        [
            ("AzureAdJoined".to_owned(), "NO".to_owned()),
            ("EnterpriseJoined".to_owned(), "NO".to_owned()),
            ("DomainJoined".to_owned(), "YES".to_owned())
        ]
    );
    let e = &logs.events;
    assert_eq!(e[0].code.as_deref(), Some("0x801c0021/0x80072ee7"));
    assert_eq!(e[0].failure, Some(JoinFailure::DsregDiscoveryFailed));
    assert_eq!(e[0].inner, Some(JoinFailure::NameNotResolved));
    assert!(
        e.iter()
            .any(|x| x.http_status == Some(503)
                && x.failure == Some(JoinFailure::ServiceUnavailable))
    );
    let report = logs.report();
    assert_eq!(
        report.verdict().unwrap().failure,
        JoinFailure::NameNotResolved,
        "the inner code is the cause"
    );
    assert_eq!(report.target(), "contoso.com");
}

#[test]
fn localized_partial_dsregcmd_is_read_by_codes_and_structure() {
    let logs = logs("dsregcmd-status-german-partial.txt");
    assert_eq!(logs.events[0].inner, Some(JoinFailure::CertRevoked));
    assert_eq!(
        logs.report().verdict().unwrap().failure,
        JoinFailure::CertRevoked
    );
}

#[test]
fn real_evtx_files_without_join_events() {
    let hello = logs("Microsoft-Windows-HelloForBusiness%4Operational.evtx");
    assert_eq!(hello.source, LogSource::Evtx);
    assert!(hello.read >= 5, "{}", hello.read);
    assert!(hello.events.is_empty());
    let report = hello.report();
    assert!(report.verdict().is_none());
    assert_eq!(report.findings().len(), 1);
    assert_eq!(report.findings()[0].status, Status::Skipped);
    assert_eq!(
        report.findings()[0].summary,
        "no Workplace Join / device registration events in an .evtx file: nothing to explain"
    );

    let capi2 = logs("E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx");
    assert!(capi2.read >= 340, "{}", capi2.read);
    assert!(capi2.events.is_empty());
}

#[test]
fn a_damaged_evtx_is_read_as_far_as_it_goes_or_refused_clearly() {
    match read(&fixture("sample_with_a_bad_chunk_magic.evtx")) {
        Ok(logs) => {
            assert!(logs.unreadable > 0 || logs.read > 0);
            let report = logs.report();
            assert!(!report.findings().is_empty());
        }
        Err(e) => assert!(matches!(e, ReadError::Evtx(_)), "{e}"),
    }
    let mut cut = fixture("Microsoft-Windows-HelloForBusiness%4Operational.evtx");
    cut.truncate(5000);
    match read(&cut) {
        Ok(logs) => assert!(logs.events.is_empty()),
        Err(e) => assert!(matches!(e, ReadError::Evtx(_)), "{e}"),
    }
}

#[test]
fn bad_input_is_a_clear_error() {
    assert_eq!(read(b""), Err(ReadError::Empty));
    assert!(matches!(
        read(&fixture("truncated.xml")),
        Err(ReadError::Xml(_))
    ));
    assert_eq!(
        read(b"just some words\nwithout structure"),
        Err(ReadError::UnknownFormat)
    );
    assert_eq!(
        read(&[0u8, 159, 146, 150, 0, 1]),
        Err(ReadError::UnknownFormat)
    );
    assert!(matches!(read(b"ElfFile\0garbage"), Err(ReadError::Evtx(_))));
    let huge = vec![b' '; wpj_eventlog::MAX_INPUT + 1];
    assert_eq!(
        read(&huge),
        Err(ReadError::TooLarge {
            size: wpj_eventlog::MAX_INPUT + 1
        })
    );
    let bomb = "<!DOCTYPE x [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;\">]><Event>&b;</Event>";
    assert!(matches!(read(bomb.as_bytes()), Err(ReadError::Xml(_))));
}

#[test]
fn code_0x8018000e_is_the_device_cap_only_in_the_workplace_join_log() {
    let event = |channel: &str| {
        format!(
            r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><EventID>200</EventID><Channel>{channel}</Channel></System><EventData><Data Name="ErrorCode">0x8018000E</Data></EventData></Event>"#
        )
    };
    let wpj = read(event("Microsoft-Windows-Workplace Join/Admin").as_bytes()).unwrap();
    assert_eq!(wpj.events[0].failure, Some(JoinFailure::DeviceCapReached));
    let note = wpj.report().findings()[0]
        .evidence
        .iter()
        .any(|e| e.to_string().contains("menroll-password-needed"));
    assert!(note, "the report says how the code was read");
    let udr = read(event(wpj_eventlog::DEVICE_REGISTRATION_CHANNEL).as_bytes()).unwrap();
    assert_eq!(
        udr.events[0].failure,
        Some(JoinFailure::MenrollPasswordNeeded)
    );
}
