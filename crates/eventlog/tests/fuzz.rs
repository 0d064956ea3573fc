//! Property tests ("fuzzing on stable"): [`wpj_eventlog::read`] (and [`wpj_eventlog::read_file`])
//! fed arbitrary bytes and mutations of real inputs — the `.evtx` files, wevtutil XML and
//! `dsregcmd /status` text of `tests/fixtures/`, and `.evtx` files written from the XML fixtures —
//! must give `Ok` or a typed [`ReadError`], never a panic; and what was read must explain itself
//! (report, attempts, chains) without one either.
//!
//! `WPJ_FUZZ_CASES` sets the cases per property (256 by default); `scripts/fuzz.sh` runs many more.

#[path = "support/evtx_writer.rs"]
mod evtx_writer;

use std::sync::LazyLock;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use wpj_eventlog::{Logs, MAX_INPUT, ReadError, read, read_file};
use wpj_testkit::fuzz::{config, mutate, mutation};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap_or_else(|e| panic!("{name}: {e}"))
}

const TEXT_FIXTURES: &[&str] = &[
    "workplace-join-admin.xml",
    "workplace-join-revocation-offline.xml",
    "workplace-join-windows7-german.xml",
    "user-device-registration-admin.xml",
    "capi2-partial-chain-fixed-by-aia.xml",
    "capi2-partial-chain.xml",
    "capi2-revocation-offline.xml",
    "capi2-revoked.xml",
    "capi2-untrusted-root.xml",
    "truncated.xml",
    "dsregcmd-status.txt",
    "dsregcmd-status-german-partial.txt",
    "dsregcmd-entra-joined-healthy.txt",
    "dsregcmd-hybrid-join-failed.txt",
    "dsregcmd-german-utf16le.txt",
    "dsregcmd-german-cp850.txt",
    "dsregcmd-truncated-utf16le.txt",
];

/// The XML and text fixtures, plus a `dsregcmd` output as PowerShell redirection writes it
/// (UTF-16 LE with a byte-order mark).
static TEXT_SAMPLES: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let mut out: Vec<Vec<u8>> = TEXT_FIXTURES.iter().map(|f| fixture(f)).collect();
    let status = String::from_utf8(fixture("dsregcmd-status.txt")).expect("UTF-8 fixture");
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(status.encode_utf16().flat_map(u16::to_le_bytes));
    out.push(utf16);
    out
});

/// The size of an `.evtx` file header and of one chunk: real files are cut to their first chunk,
/// so that a case costs milliseconds.
const EVTX_HEADER_AND_CHUNK: usize = 4096 + 65536;

/// Real `.evtx` files (cut to their first chunk) and `.evtx` files written from the join-event XML
/// fixtures.
static EVTX_SAMPLES: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let mut out: Vec<Vec<u8>> = [
        "Microsoft-Windows-HelloForBusiness%4Operational.evtx",
        "E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx",
        "sample_with_a_bad_chunk_magic.evtx",
    ]
    .iter()
    .map(|f| {
        let mut bytes = fixture(f);
        bytes.truncate(EVTX_HEADER_AND_CHUNK);
        bytes
    })
    .collect();
    for xml in [
        "workplace-join-admin.xml",
        "user-device-registration-admin.xml",
        "capi2-revoked.xml",
    ] {
        let text = String::from_utf8(fixture(xml))
            .expect("UTF-8 fixture")
            .replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "");
        let wrapped = format!("<Events>{text}</Events>");
        let doc = roxmltree::Document::parse(&wrapped).expect("fixture XML");
        let events: Vec<(u64, u64, evtx_writer::Elem)> = doc
            .root_element()
            .children()
            .filter(roxmltree::Node::is_element)
            .zip(1u64..)
            .map(|(e, n)| (n, 134_115_840_000_000_000, evtx_writer::Elem::from_xml(e)))
            .collect();
        out.push(evtx_writer::write(&events));
    }
    out
});

/// Tokens that mean something to XML, `dsregcmd` text or event fields.
const TOKENS: &[&[u8]] = &[
    b"<",
    b">",
    b"</",
    b"/>",
    b"&amp;",
    b"&#x0;",
    b"&#xD800;",
    b"&unknown;",
    b"<![CDATA[",
    b"]]>",
    b"<!DOCTYPE x [<!ENTITY a \"aaaaaaaa\">]>",
    b"&a;",
    b"xmlns=\"",
    b"\"",
    b"=",
    b"<Event>",
    b"<EventID>102</EventID>",
    b"<EventID>11</EventID>",
    b"<Data Name=\"ErrorCode\">",
    b"</Data>",
    b"SystemTime=\"",
    b"2026-11-20T08:15:02.1234567Z",
    b"9999-99-99T99:99:99Z",
    b"0x80072f8a",
    b"0x801c0021/0x80072ee7",
    b"-2147012726",
    b"4294967296",
    b"https://",
    b"http://pki.contoso.com/ca.crl",
    b" : ",
    b"\r\n",
    b"\n",
    b"| ",
    b"+----+",
    b"YES",
    b"NO",
    b"[0x",
    b"]",
    b"\xc3\xbc",
    b"\xe2\x80\x8b",
    b"\xff\xfe",
    b"\0",
    b"ElfChnk\0",
    b"\xff\xff\xff\xff",
];

/// A mutated sample of `samples`.
fn mutated(samples: &'static LazyLock<Vec<Vec<u8>>>) -> impl Strategy<Value = Vec<u8>> {
    (any::<Index>(), vec(mutation(), 1..8)).prop_map(move |(i, m)| {
        let sample = &samples[i.index(samples.len())];
        mutate(sample, &m, TOKENS)
    })
}

/// Arbitrary bytes, alone or behind the start of each format (so that every parser sees them).
fn arbitrary_input() -> impl Strategy<Value = Vec<u8>> {
    let prefix = prop_oneof![
        Just(&b""[..]),
        Just(&b"ElfFile\0"[..]),
        Just(
            &b"<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\"><System>"[..]
        ),
        Just(&b"\xff\xfe"[..]),
        Just(&b"\xef\xbb\xbf"[..]),
        Just(&b"          AzureAdJoined : NO\r\n"[..]),
    ];
    (prefix, vec(any::<u8>(), 0..2048)).prop_map(|(prefix, rest)| [prefix, &rest].concat())
}

/// Everything a reader of [`Logs`] may ask of them.
fn explain(logs: &Logs) {
    let report = logs.report();
    assert!(!report.to_string().is_empty());
    let _ = (report.verdict(), report.findings().len());
    let _ = (logs.domain(), logs.nothing_to_explain(), logs.attempts());
    for chain in &logs.chains {
        let _ = (chain.failure(), chain.completed_by_aia(), chain.leaf());
        let _ = (chain.cause(), chain.describe());
        let _ = chain.failed_retrievals().count();
    }
    let _ = logs.registration_chains();
    if let Some(status) = &logs.dsregcmd {
        assert!(status.sections.len() <= wpj_eventlog::MAX_SECTIONS);
        assert!(status.tests.len() <= wpj_eventlog::MAX_TESTS);
        for e in status.explain() {
            assert!(!e.summary.is_empty());
        }
    }
    let joined = Logs::join([logs.clone(), logs.clone()]).expect("two logs join");
    let _ = joined.report().to_string();
}

fn check(bytes: &[u8]) -> Result<(), TestCaseError> {
    match read(bytes) {
        Ok(logs) => explain(&logs),
        Err(e) => {
            prop_assert!(!e.to_string().is_empty());
            match e {
                ReadError::Empty => prop_assert!(bytes.is_empty()),
                ReadError::TooLarge { size } => prop_assert!(size > MAX_INPUT),
                _ => {}
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn read_takes_any_bytes(bytes in arbitrary_input()) {
        check(&bytes)?;
    }

    #[test]
    fn read_takes_mutated_xml_and_dsregcmd_text(bytes in mutated(&TEXT_SAMPLES)) {
        check(&bytes)?;
    }

    #[test]
    fn read_takes_mutated_evtx_files(bytes in mutated(&EVTX_SAMPLES)) {
        check(&bytes)?;
    }

    #[test]
    fn read_file_reads_as_read_does(bytes in prop_oneof![mutated(&TEXT_SAMPLES), arbitrary_input()]) {
        let path = std::env::temp_dir().join(format!("wpj-fuzz-{}.log", std::process::id()));
        std::fs::write(&path, &bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let from_file = read_file(&path);
        let _ = std::fs::remove_file(&path);
        let from_bytes = read(&bytes).map(|logs| logs.with_origin(path.display().to_string()));
        prop_assert_eq!(from_file, from_bytes);
    }
}
