//! Join events from `.evtx` files: the XML fixtures written into real EVTX files by a small
//! generator, read back through the `evtx` crate, and compared with the XML reading.

#[path = "support/evtx_writer.rs"]
mod evtx_writer;

use evtx_writer::Elem;
use wpj_core::{JoinFailure, LogSource};
use wpj_eventlog::read;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect(name)
}

/// The events of an XML fixture as an `.evtx` file (FILETIME 2026-01-01, not what the events say:
/// readers take the time from the event's own `TimeCreated`).
fn evtx_of(xml_fixture: &str) -> Vec<u8> {
    let text = fixture(xml_fixture).replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "");
    let wrapped = format!("<Events>{text}</Events>");
    let doc = roxmltree::Document::parse(&wrapped).expect("fixture XML");
    let events: Vec<(u64, u64, Elem)> = doc
        .root_element()
        .children()
        .filter(roxmltree::Node::is_element)
        .enumerate()
        .map(|(i, e)| (i as u64 + 1, 134_115_840_000_000_000, Elem::from_xml(e)))
        .collect();
    evtx_writer::write(&events)
}

#[test]
fn workplace_join_events_from_an_evtx_file_match_the_xml_reading() {
    let bytes = evtx_of("workplace-join-admin.xml");
    if let Some(dir) = std::env::var_os("WPJ_WRITE_EVTX") {
        std::fs::write(
            std::path::Path::new(&dir).join("workplace-join-admin.evtx"),
            &bytes,
        )
        .unwrap();
    }
    let from_evtx = read(&bytes).expect("generated .evtx");
    let from_xml = read(fixture("workplace-join-admin.xml").as_bytes()).unwrap();
    assert_eq!(from_evtx.source, LogSource::Evtx);
    assert_eq!(from_evtx.read, 11);
    assert_eq!(from_evtx.unreadable, 0);
    let strip = |logs: &wpj_eventlog::Logs| {
        logs.events
            .iter()
            .map(|e| {
                (
                    e.time,
                    e.event_id,
                    e.failure,
                    e.code.clone(),
                    e.http_status,
                    e.url.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(strip(&from_evtx), strip(&from_xml));
    let report = from_evtx.report();
    assert_eq!(
        report.verdict().unwrap().failure,
        JoinFailure::DeviceCapReached,
        "the latest attempt's failure (event 200 at 08:26:00)"
    );
    let seeds: Vec<JoinFailure> = from_evtx.events.iter().filter_map(|e| e.failure).collect();
    for seed in JoinFailure::SEED {
        assert!(seeds.contains(seed), "{seed:?} not read from .evtx");
    }
}

#[test]
fn device_registration_events_from_an_evtx_file() {
    let logs = read(&evtx_of("user-device-registration-admin.xml")).unwrap();
    let failures: Vec<_> = logs
        .events
        .iter()
        .map(|e| (e.event_id, e.failure))
        .collect();
    assert_eq!(
        failures,
        [
            (Some(201), Some(JoinFailure::DsregDiscoveryFailed)),
            (Some(204), Some(JoinFailure::DsregDirectoryFailure))
        ]
    );
}

#[test]
fn a_generated_evtx_cut_short_is_an_error_or_a_partial_read() {
    let mut bytes = evtx_of("workplace-join-admin.xml");
    bytes.truncate(4096 + 1500);
    match read(&bytes) {
        Ok(logs) => assert!(logs.events.len() < 10, "{}", logs.events.len()),
        Err(e) => assert!(matches!(e, wpj_eventlog::ReadError::Evtx(_)), "{e}"),
    }
}
