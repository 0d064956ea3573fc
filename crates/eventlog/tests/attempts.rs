//! The timeline read offline: each finding carries its event's time (offline findings have no
//! elapsed time), a `dsregcmd /status` failure is one finding, and events are grouped into attempts
//! so that the verdict describes the latest one and earlier attempts are history.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use wpj_core::{CheckId, Finding, JoinFailure, Report, Status};
use wpj_eventlog::{Attempt, Logs, read, read_file};

fn path(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn at(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).expect("time")
}

/// One Workplace Join (or User Device Registration) event as `wevtutil … /f:xml` prints it.
fn event(channel: &str, id: u16, time: &str, code: Option<&str>) -> String {
    let data = code.map_or_else(
        || "<Data Name=\"Message\">Workplace Join started.</Data>".to_owned(),
        |c| {
            format!(
                "<Data Name=\"ServerURL\">https://enterpriseregistration.contoso.com/EnrollmentServer/contract?api-version=1.0</Data><Data Name=\"ErrorCode\">{c}</Data>"
            )
        },
    );
    format!(
        r#"<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><EventID>{id}</EventID><TimeCreated SystemTime="{time}"/><Channel>{channel}</Channel></System><EventData>{data}</EventData></Event>"#
    )
}

fn wpj(id: u16, time: &str, code: Option<&str>) -> String {
    event("Microsoft-Windows-Workplace Join/Admin", id, time, code)
}

fn logs_of(events: &[String]) -> Logs {
    read(events.concat().as_bytes()).expect("event XML")
}

/// An attempt's fields: number, start, findings, failed.
fn fields(attempts: &[Attempt]) -> Vec<(usize, Option<OffsetDateTime>, Vec<CheckId>, bool)> {
    attempts
        .iter()
        .map(|a| (a.number, a.started, a.checks.clone(), a.failed))
        .collect()
}

fn notes(f: &Finding) -> Vec<String> {
    f.notes().map(str::to_owned).collect()
}

fn statuses(report: &Report) -> Vec<(&str, Status)> {
    report
        .findings()
        .iter()
        .map(|f| (f.check.as_str(), f.status))
        .collect()
}

#[test]
fn every_offline_finding_says_when_its_event_was_logged() {
    let report = read_file(path("workplace-join-admin.xml"))
        .unwrap()
        .report();
    let times: Vec<String> = report
        .findings()
        .iter()
        .map(|f| {
            let summary = f.summary.trim_start_matches("earlier attempt: ");
            summary.get(..19).unwrap_or_default().to_owned()
        })
        .collect();
    assert_eq!(
        times,
        [
            "2026-11-20 08:10:01",
            "2026-11-20 08:11:00",
            "2026-11-20 08:15:04",
            "2026-11-20 08:20:09",
            "2026-11-20 08:21:00",
            "2026-11-20 08:22:00",
            "2026-11-20 08:23:00",
            "2026-11-20 08:24:00",
            "2026-11-20 08:25:00",
            "2026-11-20 08:26:00",
        ],
        "the event's time leads every summary"
    );
    // Nothing was timed offline: the elapsed time is zero for every finding (core's text rendering
    // is what must not print it).
    assert!(report.findings().iter().all(|f| f.elapsed.is_zero()));
}

#[test]
fn the_verdict_describes_the_latest_attempt_and_earlier_ones_are_history() {
    let logs = logs_of(&[
        wpj(102, "2026-11-20T08:40:12Z", Some("0x80072EE7")),
        wpj(102, "2026-11-20T09:14:03Z", Some("0x80072F19")),
    ]);
    assert_eq!(
        fields(&logs.attempts()),
        [
            (
                1,
                Some(at("2026-11-20T08:40:12Z")),
                vec![CheckId::new("01-wpj-102")],
                true
            ),
            (
                2,
                Some(at("2026-11-20T09:14:03Z")),
                vec![CheckId::new("02-wpj-102")],
                true
            ),
        ]
    );
    let report = logs.report();
    let v = report.verdict().expect("a verdict");
    assert_eq!(v.failure, JoinFailure::RevocationOffline);
    assert_eq!(v.check, "02-wpj-102");
    assert_eq!(
        statuses(&report),
        [("01-wpj-102", Status::Warn), ("02-wpj-102", Status::Fail)]
    );
    let earlier = &report.findings()[0];
    assert_eq!(earlier.failure, Some(JoinFailure::NameNotResolved));
    let logged: Vec<(Option<OffsetDateTime>, Option<u16>)> = earlier
        .evidence
        .iter()
        .filter_map(|e| match e {
            wpj_core::Evidence::Logged(l) => Some((l.time, l.event_id)),
            _ => None,
        })
        .collect();
    assert_eq!(
        logged,
        [(Some(at("2026-11-20T08:40:12Z")), Some(102))],
        "the earlier attempt's event: {earlier:?}"
    );
    assert_eq!(
        notes(earlier),
        [
            "history: attempt 1 of 2, at 2026-11-20 08:40:12; the verdict describes the latest attempt, at 2026-11-20 09:14:03"
        ]
    );
    assert_eq!(
        notes(&report.findings()[1]),
        [
            "the verdict describes the latest attempt, at 2026-11-20 09:14:03 (attempt 2 of 2; earlier ones are history)"
        ]
    );
    // The history is still listed, with its fix, below the verdict.
    let text = report.to_string();
    assert!(
        text.contains("Also found:\n  - 01-wpj-102 [warn] earlier attempt: 2026-11-20 08:40:12"),
        "{text}"
    );
    assert!(report.has_failures());
}

#[test]
fn an_attempt_that_logged_no_failure_after_failed_ones_leaves_no_verdict() {
    let logs = logs_of(&[
        wpj(102, "2026-11-20T08:40:12Z", Some("0x80072EE7")),
        wpj(104, "2026-11-20T10:00:00Z", None),
    ]);
    let report = logs.report();
    assert!(report.verdict().is_none());
    assert!(
        !report.has_failures(),
        "the exit code follows the latest attempt"
    );
    assert_eq!(
        statuses(&report),
        [("01-wpj-102", Status::Warn), ("02-wpj-104", Status::Pass)]
    );
    assert_eq!(
        logs.attempts().iter().map(|a| a.failed).collect::<Vec<_>>(),
        [true, false]
    );
}

#[test]
fn events_of_one_attempt_stay_together() {
    // Windows logs one failure at two levels within seconds (User Device Registration 200, then
    // 201): one attempt, whose verdict is its first failure.
    let udr = "Microsoft-Windows-User Device Registration/Admin";
    let logs = logs_of(&[
        event(udr, 200, "2026-11-21T09:00:00Z", Some("0x801c0021")),
        event(udr, 201, "2026-11-21T09:00:02Z", Some("0x80072ee7")),
    ]);
    assert_eq!(logs.attempts().len(), 1);
    let report = logs.report();
    assert_eq!(
        statuses(&report),
        [("01-udr-200", Status::Fail), ("02-udr-201", Status::Fail)]
    );
    assert_eq!(report.verdict().unwrap().check, "01-udr-200");

    // A start and its failure four minutes later (WinHTTP's timeouts) are one attempt; six minutes
    // of silence start another.
    let together = logs_of(&[
        wpj(104, "2026-11-20T08:00:00Z", None),
        wpj(102, "2026-11-20T08:04:00Z", Some("0x80072EFD")),
    ]);
    assert_eq!(together.attempts().len(), 1);
    let apart = logs_of(&[
        wpj(104, "2026-11-20T08:00:00Z", None),
        wpj(102, "2026-11-20T08:06:00Z", Some("0x80072EFD")),
    ]);
    assert_eq!(apart.attempts().len(), 2);
    assert_eq!(
        statuses(&apart.report()),
        [("01-wpj-104", Status::Pass), ("02-wpj-102", Status::Fail)]
    );
}

#[test]
fn a_dsregcmd_block_is_one_failure_and_one_attempt() {
    let logs = read_file(path("dsregcmd-status.txt")).unwrap();
    assert_eq!(
        fields(&logs.attempts()),
        [(1, None, vec![CheckId::new("01-dsregcmd")], true)]
    );
    let report = logs.report();
    assert_eq!(statuses(&report), [("01-dsregcmd", Status::Fail)]);
    assert_eq!(
        notes(&report.findings()[0])[0],
        "the verdict describes the latest attempt, in the dsregcmd /status output (the only one logged)"
    );
}

#[test]
fn the_workplace_join_fixture_splits_into_attempts_at_each_failure() {
    let logs = read_file(path("workplace-join-admin.xml")).unwrap();
    let attempts = logs.attempts();
    let starts: Vec<String> = attempts
        .iter()
        .map(|a| {
            let t = a.started.expect("timed");
            format!("{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())
        })
        .collect();
    // Every failure ends its attempt; the start event (104) and the revoked certificate four
    // minutes later are one.
    assert_eq!(
        starts,
        [
            "08:10:01", "08:11:00", "08:20:09", "08:21:00", "08:22:00", "08:23:00", "08:24:00",
            "08:25:00", "08:26:00"
        ]
    );
    assert_eq!(
        attempts[1].checks,
        [CheckId::new("02-wpj-104"), CheckId::new("03-wpj-102")]
    );
}
