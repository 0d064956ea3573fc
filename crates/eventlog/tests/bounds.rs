//! A large log makes a report of bounded size: the latest findings are listed, the earlier ones are
//! summed up; repeated `dsregcmd /status` output is not repeated in the report.

use std::fmt::Write as _;

use wpj_core::{JoinFailure, Status};
use wpj_eventlog::{ReadError, read};

/// The report lists this many findings at most (besides the one summing up the rest).
const LISTED: usize = 200;

/// `n` Workplace Join failures ten minutes apart (each its own attempt), as `wevtutil` prints them:
/// a declaration before every event.
fn many_attempts(n: usize) -> String {
    let mut xml = String::new();
    for i in 0..n {
        let minutes = i * 10;
        let (day, hour, minute) = (1 + minutes / 1440, minutes % 1440 / 60, minutes % 60);
        let code = if i + 1 == n {
            "0x80072f8a"
        } else {
            "0x80072ee7"
        };
        let _ = write!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">\
             <System><EventID>102</EventID><TimeCreated SystemTime=\"2026-10-{day:02}T{hour:02}:{minute:02}:00Z\"/>\
             <Channel>Microsoft-Windows-Workplace Join/Admin</Channel></System>\
             <EventData><Data Name=\"ErrorCode\">{code}</Data></EventData></Event>\n"
        );
    }
    xml
}

#[test]
fn thousands_of_attempts_list_the_latest_and_sum_up_the_rest() {
    let logs = read(many_attempts(1000).as_bytes()).expect("read");
    assert_eq!(logs.read, 1000);
    assert_eq!(logs.events.len(), 1000, "every event is kept in the logs");
    assert_eq!(logs.attempts().len(), 1000);
    let report = logs.report();
    let findings = report.findings();
    assert_eq!(findings.len(), LISTED + 1);
    let earlier = &findings[0];
    assert_eq!(earlier.check.to_string(), "00-earlier");
    assert_eq!(earlier.status, Status::Warn);
    assert!(
        earlier
            .summary
            .starts_with("800 earlier findings not listed (attempts 1–800, 2026-10-01 00:00:00"),
        "{}",
        earlier.summary
    );
    assert!(
        earlier
            .evidence
            .iter()
            .any(|e| e.to_string().contains("800 × ")),
        "the failures not listed are counted"
    );
    assert_eq!(
        findings[1].check.to_string(),
        "801-wpj-102",
        "listed findings keep their numbers"
    );
    assert_eq!(
        report.verdict().expect("a verdict").failure,
        JoinFailure::CertRevoked,
        "the verdict is still the latest attempt's"
    );
    assert!(
        report.to_string().len() < 300 * 1024,
        "the text does not grow with the log"
    );
}

#[test]
fn repeated_dsregcmd_output_is_not_repeated_in_the_report() {
    let once = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/dsregcmd-status.txt"
    ))
    .expect("fixture");
    let logs = read(once.repeat(500).as_bytes()).expect("read");
    assert_eq!(logs.join_state.len(), 3, "each state line kept once");
    let report = logs.report();
    let evidence: usize = report.findings().iter().map(|f| f.evidence.len()).sum();
    assert!(evidence < 100, "{evidence} pieces of evidence");
    assert!(
        report
            .findings()
            .iter()
            .flat_map(|f| &f.evidence)
            .any(|e| e.to_string().contains("more lines repeating these codes")),
        "lines merged beyond the cap are counted"
    );
    assert_eq!(
        report.verdict().expect("a verdict").failure,
        JoinFailure::NameNotResolved
    );
}

#[test]
fn event_xml_is_read_one_event_at_a_time_and_checked_between_events() {
    let one = many_attempts(1);
    let wrapped = format!("<Events>\n{one}<!-- a comment -->\n{one}</Events>\n");
    assert_eq!(read(wrapped.as_bytes()).expect("wrapped").read, 2);
    let prose = format!("{one}and then some words\n{one}");
    assert!(matches!(read(prose.as_bytes()), Err(ReadError::Xml(_))));
    let cut = &one[..one.len() - 20];
    assert!(matches!(read(cut.as_bytes()), Err(ReadError::Xml(_))));
    let other = "<Root><EventData>x</EventData><Events/></Root>";
    assert_eq!(read(other.as_bytes()), Err(ReadError::UnknownFormat));
}

#[test]
fn text_made_of_nothing_but_codes_keeps_a_bounded_number_of_lines() {
    let text = "DRS Discovery Test : FAIL [0x801c0021/0x80072ee7]\nServer ErrorCode : 0x80072ee7\n"
        .repeat(5000);
    let logs = read(text.as_bytes()).expect("read");
    assert_eq!(logs.read, 10_000, "every line is counted");
    assert_eq!(logs.events.len(), 4096, "the first 4096 are kept");
    assert_eq!(
        logs.report().verdict().expect("a verdict").failure,
        JoinFailure::NameNotResolved
    );
}
