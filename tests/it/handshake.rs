//! Handshakes rustls cannot make: the inspection handshake offers what Windows 10 offers, reads
//! the server's chain in the clear, and the report says what a device negotiates — against the
//! testkit's legacy responder (TLS 1.2 RSA key exchange only, TLS 1.0 only, RC4 only, a chain cut
//! off after `ServerHello`).

use wpj::{Finding, JoinFailure, Report, Status};
use wpj_testkit::https::TlsFault;
use wpj_testkit::legacy_tls::LegacyProfile;
use wpj_testkit::{Expected, Lab, LabSpec};

use crate::support::{lab, quick, session, step};

fn notes(f: &Finding) -> String {
    f.evidence
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

async fn legacy(profile: LegacyProfile, untrusted_root: bool) -> Report {
    let lab = Lab::start(LabSpec {
        tls: TlsFault::Legacy(profile),
        untrusted_root,
        ..LabSpec::default()
    })
    .await
    .unwrap();
    wpj::diagnose(quick(&lab)).await
}

/// TLS 1.2 with RSA key exchange only: a Windows 10 device connects (`TLS_RSA_WITH_AES_128_CBC_SHA`,
/// the server's first choice among Windows' offer), so the chain is judged and found good; the
/// finding warns (no forward secrecy) without a failure code, revocation is checked on the chain
/// read in the clear, and the contract is the tool's `Error`, never a verdict.
#[tokio::test]
async fn a_tls12_rsa_key_exchange_server_is_judged_through_the_inspection_handshake() {
    let lab = lab("tls-legacy-rsa-key-exchange").await;
    let report = wpj::diagnose(quick(&lab)).await;
    let tls = step(&report, "tls");
    assert_eq!(tls.status, Status::Warn, "{}", tls.summary);
    assert_eq!(tls.failure, None);
    let s = session(tls);
    assert_eq!(
        (s.version.as_str(), s.cipher.as_str()),
        ("TLSv1_2", "TLS_RSA_WITH_AES_128_CBC_SHA")
    );
    assert!(
        tls.summary.contains(
            "a Windows 10 device connects with TLS 1.2 with TLS_RSA_WITH_AES_128_CBC_SHA: no \
             forward secrecy"
        ),
        "{}",
        tls.summary
    );
    assert!(notes(tls).contains("HandshakeFailure"), "{tls:?}");
    assert_eq!(step(&report, "revocation").status, Status::Pass);
    let contract = step(&report, "contract");
    assert_eq!(contract.status, Status::Error, "{}", contract.summary);
    assert_eq!(contract.failure, None);
    assert!(contract.summary.starts_with("cannot request the contract"));
    assert_eq!(step(&report, "adfs-nodes").status, Status::Pass);
    assert!(report.verdict().is_none(), "{report}");
    assert_eq!(Expected::of(&report), Expected::Warning);
}

/// TLS 1.0 only: a Windows 10 device connects with TLS 1.0 (the server's ECDHE CBC suite); the
/// warning carries 0x80072EFE for devices that disabled TLS 1.0, but there is no verdict.
#[tokio::test]
async fn a_tls10_only_server_is_a_warning_with_0x80072efe_for_devices_without_tls10() {
    let lab = lab("tls-legacy-tls10-only").await;
    let report = wpj::diagnose(quick(&lab)).await;
    let tls = step(&report, "tls");
    assert_eq!(tls.status, Status::Warn, "{}", tls.summary);
    assert_eq!(tls.failure, Some(JoinFailure::ConnectionError));
    let s = session(tls);
    assert_eq!(
        (s.version.as_str(), s.cipher.as_str()),
        ("TLSv1_0", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA")
    );
    assert!(tls.summary.contains("a legacy protocol"), "{}", tls.summary);
    assert_eq!(step(&report, "contract").status, Status::Error);
    assert!(report.verdict().is_none(), "{report}");
}

/// The chain read in the clear is judged as any other: an untrusted root is the device's
/// 0x80072F0D, with the inspection noted.
#[tokio::test]
async fn a_legacy_server_with_an_untrusted_root_is_the_chains_verdict() {
    let report = legacy(LegacyProfile::RsaKeyExchange, true).await;
    let tls = step(&report, "tls");
    assert_eq!(tls.status, Status::Fail, "{}", tls.summary);
    assert_eq!(tls.failure, Some(JoinFailure::InvalidCa));
    assert!(notes(tls).contains("inspection handshake"), "{tls:?}");
    assert_eq!(
        report.verdict().unwrap().hresult.unwrap().to_string(),
        "0x80072F0D"
    );
}

/// A server that accepts nothing Windows 10 offers (RC4 only) refuses the inspection handshake
/// too: 0x80072EFE as before, with both refusals named.
#[tokio::test]
async fn a_server_accepting_nothing_windows_offers_stays_0x80072efe() {
    let report = legacy(LegacyProfile::Rc4Only, false).await;
    let tls = step(&report, "tls");
    assert_eq!(tls.status, Status::Fail, "{}", tls.summary);
    assert_eq!(tls.failure, Some(JoinFailure::ConnectionError));
    assert!(
        tls.summary
            .contains("Windows 10's offer too: the server answered with TLS alert 40"),
        "{}",
        tls.summary
    );
    assert_eq!(
        report.verdict().unwrap().hresult.unwrap().to_string(),
        "0x80072EFE"
    );
}

/// A server that chooses from Windows' offer but whose chain cannot be read (it closes after
/// `ServerHello`): the tool's `Error` naming what Windows would negotiate, never a device verdict.
#[tokio::test]
async fn a_chain_the_inspection_cannot_read_is_an_error_of_the_tool() {
    let report = legacy(LegacyProfile::HelloThenClose, false).await;
    let tls = step(&report, "tls");
    assert_eq!(tls.status, Status::Error, "{}", tls.summary);
    assert_eq!(tls.failure, None);
    assert!(
        tls.summary.starts_with("cannot inspect")
            && tls.summary.contains(
                "a Windows 10 device would connect with TLS 1.2 with TLS_RSA_WITH_AES_128_CBC_SHA"
            ),
        "{}",
        tls.summary
    );
    assert_eq!(step(&report, "contract").status, Status::Skipped);
    let nodes = step(&report, "adfs-nodes");
    assert_ne!(nodes.status, Status::Fail, "{}", nodes.summary);
    assert!(report.verdict().is_none(), "{report}");
}

/// Under the fast default, a time-out finding says how long a Windows device would have waited:
/// WinHTTP's 30 s receive time-out for a handshake that never comes (the black hole's 21 s is in
/// `tls::a_black_hole_is_a_timeout_by_connect_timeout_or_by_deadline`).
#[tokio::test]
async fn a_stalled_handshake_says_how_long_a_device_waits() {
    let lab = lab("tls-stall").await;
    let mut settings = quick(&lab);
    settings.network_timeout = std::time::Duration::from_millis(300);
    let report = wpj::diagnose(settings).await;
    let tls = step(&report, "tls");
    assert_eq!(tls.failure, Some(JoinFailure::Timeout), "{}", tls.summary);
    assert!(
        tls.summary.ends_with(
            "did not complete a TLS handshake within 300 ms (a Windows device waits 30 s, \
             WinHTTP's default receive time-out)"
        ),
        "{}",
        tls.summary
    );
}

/// rustls failing is not enough: a server that picks, from Windows' offer, a suite rustls speaks
/// too (ECDHE AES-GCM in TLS 1.2) but sends a broken flight fails a device as well — 0x80072EFE as
/// before, not a legacy warning.
#[tokio::test]
async fn a_broken_server_speaking_modern_suites_is_not_excused_as_legacy() {
    let report = legacy(LegacyProfile::EcdheWithoutKeyExchange, false).await;
    let tls = step(&report, "tls");
    assert_eq!(tls.status, Status::Fail, "{}", tls.summary);
    assert_eq!(tls.failure, Some(JoinFailure::ConnectionError));
    assert!(
        tls.summary.contains(
            "Windows 10's offer was answered with TLS 1.2 with \
             TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, which this tool speaks too"
        ),
        "{}",
        tls.summary
    );
}

#[tokio::test]
async fn a_sign_in_host_only_the_inspection_handshake_reaches_is_the_tools_trouble() {
    // A device connects (TLS 1.2, RSA key exchange) and accepts the chain; this tool cannot make
    // the requests that follow, so what the host answers is not judged — never a device verdict.
    let lab = lab("tls-legacy-rsa-key-exchange").await;
    let settings = quick(&lab);
    let address = std::net::SocketAddr::from(([127, 0, 0, 1], settings.port));
    let run = wpj::Context::new(settings);
    let cx = run.for_check(Vec::new(), None);
    match wpj::tls::validate_host(address, "enterpriseregistration.contoso.test", &cx).await {
        Err(wpj::tls::HostTrouble::Own(why)) => {
            assert!(why.contains("TLS_RSA_WITH_AES_128_CBC_SHA"), "{why}");
            assert!(why.contains("cannot negotiate"), "{why}");
        }
        other => panic!("expected the tool's own trouble, got {other:?}"),
    }
}
