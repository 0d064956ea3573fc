//! Input that is not a log is refused; a log with nothing about device registration says so and
//! states no verdict.

use wpj_core::Status;
use wpj_eventlog::{ReadError, read, read_file};

fn workspace(file: &str) -> String {
    format!("{}/../../{file}", env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_file_that_is_not_a_log_is_refused() {
    for file in [
        workspace("Cargo.toml"),
        workspace("README.md"),
        workspace("crates/eventlog/Cargo.toml"),
        workspace("crates/eventlog/src/lib.rs"),
        fixture("README.md"),
    ] {
        assert_eq!(
            read_file(&file).map(|l| l.read),
            Err(ReadError::UnknownFormat),
            "{file}"
        );
    }
    // XML without a single event is some other document.
    assert_eq!(
        read(b"<?xml version=\"1.0\"?><project><name>wpj</name></project>").map(|l| l.read),
        Err(ReadError::UnknownFormat)
    );
    // A few `key : value` lines inside prose are not dsregcmd output.
    let prose = "A note about the device.\nIt was fine yesterday.\nState : unknown\nOwner : IT\nSite : Paris\nPlease call back.\nThanks.\nBye.\n";
    assert_eq!(
        read(prose.as_bytes()).map(|l| l.read),
        Err(ReadError::UnknownFormat)
    );
}

#[test]
fn an_unrelated_evtx_has_nothing_to_explain_and_no_verdict() {
    let file = fixture("Microsoft-Windows-HelloForBusiness%4Operational.evtx");
    let logs = read_file(&file).unwrap();
    assert_eq!(logs.read, 6);
    assert_eq!(
        logs.nothing_to_explain(),
        Some(format!(
            "no Workplace Join / device registration events in {file}: nothing to explain"
        ))
    );
    let report = logs.report();
    assert!(report.verdict().is_none());
    assert!(!report.has_failures());
    assert_eq!(report.findings().len(), 1);
    let f = &report.findings()[0];
    assert_eq!(f.status, Status::Skipped, "no judgement either way");
    assert_eq!(
        f.summary,
        format!("no Workplace Join / device registration events in {file}: nothing to explain")
    );
    let json = serde_json::to_value(&report).unwrap();
    assert!(json["verdict"].is_null());
    assert_eq!(json["findings"][0]["status"], "skipped");
}

#[test]
fn an_unrelated_event_in_xml_has_nothing_to_explain() {
    let xml = r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Service Control Manager"/><EventID>7036</EventID><TimeCreated SystemTime="2026-11-20T08:00:00Z"/><Channel>System</Channel></System><EventData><Data Name="param1">Windows Update</Data><Data Name="param2">running</Data></EventData></Event>"#;
    let logs = read(xml.as_bytes()).unwrap().with_origin("system.xml");
    assert_eq!(logs.read, 1);
    assert_eq!(
        logs.nothing_to_explain().as_deref(),
        Some("no Workplace Join / device registration events in system.xml: nothing to explain")
    );
    // dsregcmd output without a failure is about device registration: it is explained.
    let dsreg = "AzureAdJoined : YES\nEnterpriseJoined : NO\nDomainJoined : YES\n";
    let logs = read(dsreg.as_bytes()).unwrap();
    assert_eq!(logs.nothing_to_explain(), None);
    assert_eq!(
        logs.report().findings()[0].summary,
        "dsregcmd /status shows no failure code (3 lines read)"
    );
}
