//! `dsregcmd /status` in full: every section typed, each value explained, in UTF-8, UTF-16 and the
//! console's code pages, cut or garbled input refused or read as far as it goes — from the fixtures
//! of `tests/fixtures/` (their layouts and sources are in its README).

use std::fmt::Write as _;

use wpj_core::{Evidence, Finding, JoinFailure, Report, Stage, Status};
use wpj_eventlog::{
    DsregStatus, Logs, MAX_FIELDS, MAX_SECTIONS, MAX_TESTS, ReadError, SectionKind, TestOutcome,
    TestStage, TextEncoding, read, read_file,
};

fn path(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(path(name)).expect("fixture")
}

fn status_of(logs: &Logs) -> &DsregStatus {
    logs.dsregcmd.as_ref().expect("dsregcmd /status read")
}

/// The notes of a finding, one per line.
fn notes(f: &Finding) -> String {
    f.evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::Note { text } => Some(text.as_str()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `(check, status)` of every finding.
fn statuses(report: &Report) -> Vec<(String, Status)> {
    report
        .findings()
        .iter()
        .map(|f| (f.check.as_str().to_owned(), f.status))
        .collect()
}

/// The tests as `(label, outcome, code, stage)`.
fn tests(s: &DsregStatus) -> Vec<(&str, TestOutcome, Option<&str>, TestStage)> {
    s.tests
        .iter()
        .map(|t| (t.label.as_str(), t.outcome, t.code.as_deref(), t.stage))
        .collect()
}

#[test]
fn a_healthy_entra_joined_device_every_section_typed() {
    let logs = read_file(path("dsregcmd-entra-joined-healthy.txt")).unwrap();
    let s = status_of(&logs);
    assert_eq!(s.encoding, TextEncoding::Utf8);
    assert!(!s.truncated);
    assert_eq!(s.replaced, 0);
    let d = &s.device_state;
    assert_eq!(
        (d.azure_ad_joined, d.enterprise_joined, d.domain_joined),
        (Some(true), Some(false), Some(false))
    );
    assert_eq!(d.device_name.as_deref(), Some("LAPTOP-17"));
    assert_eq!(d.virtual_desktop.as_deref(), Some("NOT SET"));
    assert_eq!(d.domain_name, None);
    let k = &s.device_details;
    assert_eq!(
        k.device_id.as_deref(),
        Some("3f2b8c1e-9a4d-4b7e-8f60-2c1d0e9a7b55")
    );
    assert_eq!(
        k.certificate_validity.as_deref(),
        Some("[ 2026-03-02 08:14:09.000 UTC -- 2036-03-02 08:44:09.000 UTC ]")
    );
    assert_eq!(
        k.key_provider.as_deref(),
        Some("Microsoft Platform Crypto Provider")
    );
    assert_eq!(k.tpm_protected, Some(true));
    assert_eq!(k.device_auth_status.as_deref(), Some("SUCCESS"));
    let t = &s.tenant;
    assert_eq!(t.tenant_name.as_deref(), Some("Contoso"));
    assert_eq!(
        t.join_srv_url.as_deref(),
        Some("https://enterpriseregistration.windows.net/EnrollmentServer/device/")
    );
    assert_eq!(t.device_management_srv_version.as_deref(), Some("1.0"));
    assert_eq!(t.settings_url, None, "printed empty");
    assert_eq!(s.user.ngc_set, Some(true));
    assert_eq!(s.user.workplace_joined, Some(false));
    assert_eq!(
        s.user.wam_default_authority.as_deref(),
        Some("organizations")
    );
    let sso = &s.sso;
    assert_eq!(sso.azure_ad_prt, Some(true));
    assert_eq!(
        sso.azure_ad_prt_expiry_time.as_deref(),
        Some("2026-12-09 07:58:11.000 UTC")
    );
    assert_eq!((sso.on_prem_tgt, sso.cloud_tgt), (Some(false), Some(true)));
    assert!(
        sso.kerb_top_level_names
            .as_deref()
            .unwrap()
            .starts_with(".windows.net,")
    );
    assert_eq!(
        s.diagnostics.aad_recovery_enabled,
        Some(false),
        "`AadRecoveryEnabled: NO`, without a space before the colon, as documented"
    );
    assert_eq!(
        tests(s),
        [("KeySignTest", TestOutcome::Pass, None, TestStage::DeviceKey)]
    );
    assert_eq!(s.ie_proxy.auto_detect_settings, Some(true));
    assert_eq!(s.ie_proxy.proxy_server_list, None);
    assert_eq!(s.winhttp_proxy.access_type.as_deref(), Some("DIRECT"));
    let kinds: Vec<(Option<&str>, SectionKind, usize)> = s
        .sections
        .iter()
        .map(|x| (x.title.as_deref(), x.kind, x.fields.len()))
        .collect();
    assert_eq!(
        kinds,
        [
            (Some("Device State"), SectionKind::DeviceState, 5),
            (Some("Device Details"), SectionKind::DeviceDetails, 7),
            (Some("Tenant Details"), SectionKind::TenantDetails, 20),
            (Some("User State"), SectionKind::UserState, 8),
            (Some("SSO State"), SectionKind::SsoState, 9),
            (Some("Diagnostic Data"), SectionKind::Diagnostics, 6),
            (
                Some("IE Proxy Config for Current User"),
                SectionKind::IeProxy,
                4
            ),
            (
                Some("WinHttp Default Proxy Config"),
                SectionKind::WinHttpProxy,
                1
            ),
            (Some("Ngc Prerequisite Check"), SectionKind::Other, 8),
        ]
    );

    // Healthy: no verdict, no problem; the facts are notes.
    let report = logs.report();
    assert!(report.verdict().is_none(), "{report}");
    assert_eq!(statuses(&report), [("log".to_owned(), Status::Pass)]);
    let text = notes(&report.findings()[0]);
    for fact in [
        "dsregcmd: read as UTF-8",
        "dsregcmd: Microsoft Entra joined (AzureAdJoined YES, EnterpriseJoined NO, DomainJoined NO)",
        "dsregcmd: the device key is in the TPM (Microsoft Platform Crypto Provider, TpmProtected YES)",
        "dsregcmd: DeviceAuthStatus SUCCESS",
        "dsregcmd: the signed-in user has a Primary Refresh Token (AzureAdPrt YES, updated 2026-11-25 07:58:12.000 UTC, expires 2026-12-09 07:58:11.000 UTC)",
        "dsregcmd: WinHTTP goes direct (Access Type DIRECT) and the user has no proxy either",
    ] {
        assert!(text.contains(fact), "no {fact:?} in\n{text}");
    }
}

#[test]
fn a_failed_hybrid_join_its_diagnostic_block_and_a_proxy_the_join_does_not_use() {
    let logs = read_file(path("dsregcmd-hybrid-join-failed.txt")).unwrap();
    let s = status_of(&logs);
    let d = &s.diagnostics;
    assert_eq!(d.user_context.as_deref(), Some("SYSTEM"));
    assert_eq!(
        d.client_time.as_deref(),
        Some("2026-11-25 09:31:07.000 UTC")
    );
    assert_eq!(
        d.previous_registration.as_deref(),
        Some("2026-11-25 09:28:44.000 UTC")
    );
    assert_eq!(d.registration_type.as_deref(), Some("fed"));
    assert_eq!(d.error_phase.as_deref(), Some("discover"));
    assert_eq!(d.client_error_code.as_deref(), Some("0x801c0021"));
    assert_eq!(d.server_error_code.as_deref(), Some("0x80072ee2"));
    assert_eq!(
        (d.server_message.as_deref(), d.https_status.as_deref()),
        (None, None)
    );
    assert_eq!(
        d.request_id.as_deref(),
        Some("8d0c6e2a-41f7-4b1e-9a3c-5e7d9f1b2c4a")
    );
    assert_eq!(d.fallback_to_fed_join.as_deref(), Some("ENABLED"));
    assert_eq!(
        tests(s),
        [
            (
                "AD Connectivity Test",
                TestOutcome::Pass,
                None,
                TestStage::DomainController
            ),
            (
                "AD Configuration Test",
                TestOutcome::Pass,
                None,
                TestStage::ServiceConnectionPoint
            ),
            (
                "DRS Discovery Test",
                TestOutcome::Fail,
                Some("0x801c0021/0x80072ee2"),
                TestStage::Discovery
            ),
            (
                "DRS Connectivity Test",
                TestOutcome::Skipped,
                None,
                TestStage::RegistrationService
            ),
            (
                "Kerberos Ticket Test",
                TestOutcome::Skipped,
                None,
                TestStage::Kerberos
            ),
            (
                "Token acquisition Test",
                TestOutcome::Skipped,
                None,
                TestStage::Token
            ),
        ]
    );
    assert_eq!(
        s.user.wam_default_set.as_deref(),
        Some("ERROR (0xd0020017)")
    );
    assert_eq!(s.sso.azure_ad_prt, Some(false));
    assert_eq!(
        s.ie_proxy.proxy_server_list.as_deref(),
        Some("proxy.contoso.com:8080")
    );
    assert_eq!(
        s.ie_proxy.proxy_bypass_list.as_deref(),
        Some("*.contoso.com;<local>")
    );
    assert_eq!(
        s.winhttp_proxy.proxy_server_list, None,
        "the IE section's, not WinHTTP's"
    );

    let report = logs.report();
    let v = report.verdict().expect("a verdict");
    assert_eq!(v.failure, JoinFailure::Timeout, "the inner code");
    assert_eq!(
        v.hresult.map(|h| h.to_string()).as_deref(),
        Some("0x80072EE2")
    );
    assert!(
        report.findings()[0].evidence.iter().any(|e| matches!(e,
            Evidence::Logged(l) if l.code.as_deref() == Some("0x801c0021/0x80072ee2"))),
        "the pair as dsregcmd prints it"
    );
    assert_eq!(
        statuses(&report),
        [
            ("01-dsregcmd".to_owned(), Status::Fail),
            ("dsregcmd-proxy".to_owned(), Status::Warn)
        ]
    );
    let failure = notes(&report.findings()[0]);
    for fact in [
        "dsregcmd: domain joined, not (yet) hybrid joined to Entra ID (AzureAdJoined NO, EnterpriseJoined NO, DomainJoined YES, domain CONTOSO)",
        "dsregcmd: DRS Discovery Test FAIL [0x801c0021/0x80072ee2]: 0x801C0021 (",
        "— the device could not get the registration service's metadata or the user realm: the join stops in its discover phase",
        "dsregcmd: Client ErrorCode 0x801c0021: 0x801C0021 (",
        ", in the discover phase (attempt of 2026-11-25 09:28:44.000 UTC)",
        "dsregcmd: the server answered: Server ErrorCode 0x80072ee2, Request Id 8d0c6e2a-41f7-4b1e-9a3c-5e7d9f1b2c4a",
    ] {
        assert!(failure.contains(fact), "no {fact:?} in\n{failure}");
    }
    let proxy = &report.findings()[1];
    assert_eq!(proxy.stage, Stage::Discovery);
    assert!(
        proxy.summary.starts_with(
            "the signed-in user's proxy proxy.contoso.com:8080 is a per-user (IE/WinINet) setting that WinHTTP does not see, and the machine's WinHTTP proxy is DIRECT: device registration runs as SYSTEM through WinHTTP"
        ),
        "{}",
        proxy.summary
    );
    assert!(
        proxy
            .remediation
            .as_deref()
            .unwrap()
            .starts_with("Give the machine the proxy: netsh winhttp set proxy")
    );
}

#[test]
fn german_output_as_powershell_writes_it_utf16le_with_bom() {
    let bytes = fixture("dsregcmd-german-utf16le.txt");
    assert!(bytes.starts_with(&[0xFF, 0xFE]));
    let logs = read(&bytes).unwrap();
    let s = status_of(&logs);
    assert_eq!(s.encoding, TextEncoding::Utf16Le);
    assert_eq!(s.tenant.tenant_name.as_deref(), Some("Müller & Söhne GmbH"));
    assert_eq!(s.device_state.device_name.as_deref(), Some("BÜRO-PC-07"));
    assert_eq!(
        s.sso.user_identity.as_deref(),
        Some("jürgen.weiß@mueller-soehne.de")
    );
    // Translated titles: the sections are known by the keys they hold.
    let kinds: Vec<(&str, SectionKind)> = s
        .sections
        .iter()
        .map(|x| (x.title.as_deref().unwrap(), x.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("Gerätestatus", SectionKind::DeviceState),
            ("Gerätedetails", SectionKind::DeviceDetails),
            ("Mandantendetails", SectionKind::TenantDetails),
            ("Benutzerstatus", SectionKind::UserState),
            ("SSO-Status", SectionKind::SsoState),
            ("Diagnosedaten", SectionKind::Diagnostics),
            (
                "IE-Proxykonfiguration für den aktuellen Benutzer",
                SectionKind::IeProxy
            ),
            (
                "WinHttp-Standardproxykonfiguration",
                SectionKind::WinHttpProxy
            ),
        ]
    );
    assert_eq!(s.sso.azure_ad_prt, Some(false));
    assert_eq!(s.sso.attempt_status.as_deref(), Some("0xc000006d"));
    assert_eq!(s.sso.http_status.as_deref(), Some("400"));
    assert_eq!(s.sso.server_error_code.as_deref(), Some("invalid_grant"));
    assert_eq!(s.diagnostics.server_error_code, None, "the SSO section's");
    assert_eq!(s.device_details.tpm_protected, Some(false));

    // The PRT's codes are the user's token, not a registration failure: no verdict, one warning.
    let report = logs.report();
    assert!(report.verdict().is_none(), "{report}");
    assert_eq!(
        statuses(&report),
        [
            ("log".to_owned(), Status::Pass),
            ("dsregcmd-prt".to_owned(), Status::Warn)
        ]
    );
    let prt = &report.findings()[1];
    assert_eq!(prt.stage, Stage::SignIn);
    assert_eq!(prt.failure, None, "HTTP Error 0x0: no WinHTTP failure");
    assert_eq!(
        prt.summary,
        "AzureAdPrt NO on an Entra joined device: the signed-in user has no Primary Refresh Token, \
         so single sign-on and Conditional Access (device-based) fail; last attempt 0xc000006d, \
         HTTP status 400, server: AADSTS50126: Error validating credentials due to invalid \
         username or password."
    );
    assert!(prt.remediation.as_deref().unwrap().contains("AADSTS code"));
    assert!(notes(&report.findings()[0]).contains(
        "dsregcmd: the device key is in software (Microsoft Software Key Storage Provider, TpmProtected NO)"
    ));
}

/// The same output in every encoding Windows writes it in reads the same.
#[test]
fn every_encoding_reads_the_same() {
    let bytes = fixture("dsregcmd-german-utf16le.txt");
    let units: Vec<u16> = bytes[2..]
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let text = String::from_utf16(&units).unwrap();
    let reference = status_of(&read(&bytes).unwrap()).clone();
    let mut be = vec![0xFE, 0xFF];
    be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    let le_no_bom: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let utf8_bom = [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat();
    // windows-1252, written here without a codec: the German letters are at their Latin-1 places.
    let ansi: Vec<u8> = text
        .chars()
        .map(|c| match c {
            'ä' => 0xE4,
            'ö' => 0xF6,
            'ü' => 0xFC,
            'Ä' => 0xC4,
            'Ö' => 0xD6,
            'Ü' => 0xDC,
            'ß' => 0xDF,
            c => u8::try_from(c).expect("ASCII"),
        })
        .collect();
    for (bytes, encoding) in [
        (be, TextEncoding::Utf16Be),
        (le_no_bom, TextEncoding::Utf16Le),
        (utf8_bom, TextEncoding::Utf8Bom),
        (text.clone().into_bytes(), TextEncoding::Utf8),
        (ansi, TextEncoding::Windows1252),
    ] {
        let logs = read(&bytes).unwrap();
        let s = status_of(&logs);
        assert_eq!(s.encoding, encoding);
        let mut same = s.clone();
        same.encoding = reference.encoding;
        assert_eq!(same, reference, "{encoding}");
    }
}

#[test]
fn german_console_output_in_code_page_850() {
    let logs = read_file(path("dsregcmd-german-cp850.txt")).unwrap();
    let s = status_of(&logs);
    assert_eq!(s.encoding, TextEncoding::Cp850);
    assert_eq!(s.sections[0].title.as_deref(), Some("Gerätestatus"));
    assert_eq!(s.device_state.domain_name.as_deref(), Some("MÜLLER"));
    assert_eq!(
        s.device_state.device_name.as_deref(),
        Some("LAGER-PC-03.müller.local")
    );
    assert_eq!(
        s.ie_proxy.auto_configuration_url.as_deref(),
        Some("http://wpad.müller.local/proxy.pac")
    );
    // Translated labels: read by value — the phase, then the codes in the order dsregcmd prints them.
    let d = &s.diagnostics;
    assert_eq!(d.error_phase.as_deref(), Some("discover"));
    assert_eq!(d.client_error_code.as_deref(), Some("0x801c0021"));
    assert_eq!(d.server_error_code.as_deref(), Some("0x80072f8a"));
    assert_eq!(
        tests(s),
        [(
            "DRS-Ermittlungstest",
            TestOutcome::Fail,
            Some("0x801c0021/0x80072f8a"),
            TestStage::Unknown
        )],
        "a translated PASS is not guessed; a bracketed code is a failure"
    );
    let report = logs.report();
    let v = report.verdict().expect("a verdict");
    assert_eq!(v.failure, JoinFailure::CertRevoked);
    assert_eq!(
        statuses(&report),
        [
            ("01-dsregcmd".to_owned(), Status::Fail),
            ("dsregcmd-proxy".to_owned(), Status::Warn)
        ]
    );
    assert!(
        report.findings()[1].summary.starts_with(
            "the signed-in user's PAC file http://wpad.müller.local/proxy.pac is a per-user"
        ),
        "{}",
        report.findings()[1].summary
    );
}

#[test]
fn a_cut_output_is_read_as_far_as_it_goes_and_says_so() {
    let logs = read_file(path("dsregcmd-truncated-utf16le.txt")).unwrap();
    let s = status_of(&logs);
    assert_eq!(s.encoding, TextEncoding::Utf16Le);
    assert!(s.truncated);
    assert_eq!(s.replaced, 1, "half a character at the end");
    assert_eq!(s.device_state.domain_name.as_deref(), Some("CONTOSO"));
    assert_eq!(s.diagnostics.registration_type.as_deref(), Some("fed"));
    assert_eq!(s.diagnostics.error_phase, None, "cut before it");
    assert_eq!(
        s.ie_proxy,
        wpj_eventlog::IeProxy::default(),
        "cut before it"
    );
    let report = logs.report();
    assert_eq!(report.verdict().unwrap().failure, JoinFailure::Timeout);
    let text = notes(&report.findings()[0]);
    assert!(
        text.contains(
            "dsregcmd: the output is cut (it ends in the middle of a line, in Diagnostic Data): what follows is missing"
        ),
        "{text}"
    );
    assert!(text.contains("dsregcmd: 1 characters could not be decoded"));
}

#[test]
fn garbage_is_not_dsregcmd_output() {
    // Pseudo-random bytes (a fixed linear congruential sequence), in every framing.
    let mut x = 0x2545_F491_u32;
    let random: Vec<u8> = (0..65_536)
        .map(|_| {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (x >> 24) as u8
        })
        .collect();
    let mut random = random;
    random[0] = b'x';
    for bytes in [
        random.clone(),
        [b"\xEF\xBB\xBF".as_slice(), &random].concat(),
        [[0xFF, 0xFE].as_slice(), &random].concat(),
        [[0xFE, 0xFF].as_slice(), &random].concat(),
        b"lorem ipsum dolor sit amet\r\nconsectetur : adipiscing\r\n".to_vec(),
        b"\xFF\xFE".to_vec(),
        b"\xFF\xFE\x41".to_vec(),
        vec![0x84; 4096],
    ] {
        assert_eq!(
            read(&bytes),
            Err(ReadError::UnknownFormat),
            "{:?}",
            &bytes[..bytes.len().min(8)]
        );
    }
}

#[test]
fn hostile_output_is_capped() {
    let mut text = String::new();
    for i in 0..2 * MAX_SECTIONS {
        let _ = write!(text, "| Section {i} |\r\n");
        for j in 0..2 * MAX_FIELDS {
            let _ = write!(text, "  Check {j} Test : FAIL [0x801c0021/0x80072ee7]\r\n");
        }
    }
    let _ = write!(text, "TenantName : {}\r\n", "x".repeat(100_000));
    let logs = read(text.as_bytes()).unwrap();
    let s = status_of(&logs);
    assert_eq!(s.sections.len(), MAX_SECTIONS);
    assert!(s.sections.iter().all(|x| x.fields.len() <= MAX_FIELDS));
    assert!(s.sections.last().unwrap().more > 0, "counted, not kept");
    assert_eq!(s.tests.len(), MAX_TESTS);
    let name = s.tenant.tenant_name.as_deref().unwrap();
    assert_eq!(name.chars().count(), 4097, "4096 characters and …");
    assert!(name.ends_with('…'));
    let report = logs.report();
    assert!(report.findings().len() < 300);
}

#[test]
fn lines_pasted_without_banners_are_read_by_their_keys_and_values() {
    let pasted = "AzureAdJoined : NO\nDomainJoined : YES\nDRS Discovery Test : FAIL [0x801c0021/0x80072ee7]\n\
                  Error Phase : discover\nClient ErrorCode : 0x801c0021\nKeyProvider : Microsoft Software Key Storage Provider\n";
    let logs = read(pasted.as_bytes()).unwrap();
    let s = status_of(&logs);
    assert_eq!(s.device_state.domain_joined, Some(true));
    assert_eq!(
        s.device_details.key_provider.as_deref(),
        Some("Microsoft Software Key Storage Provider")
    );
    assert_eq!(s.diagnostics.error_phase.as_deref(), Some("discover"));
    assert_eq!(
        s.diagnostics.client_error_code.as_deref(),
        Some("0x801c0021")
    );
    assert_eq!(
        tests(s),
        [(
            "DRS Discovery Test",
            TestOutcome::Fail,
            Some("0x801c0021/0x80072ee7"),
            TestStage::Discovery
        )]
    );
    assert_eq!(s.sections.len(), 1);
    assert_eq!(s.sections[0].title, None);
    assert_eq!(
        logs.report().verdict().unwrap().failure,
        JoinFailure::NameNotResolved
    );
}

#[test]
fn a_missing_service_connection_point_is_named() {
    // Microsoft: an AD Configuration Test failure ends the join in the discover phase with
    // 0x801c001d (DSREG_AUTOJOIN_ADCONFIG_READ_FAILED).
    let pasted = "| Diagnostic Data |\n  AD Connectivity Test : PASS\n AD Configuration Test : FAIL [0x801c001d]\n\
                  Error Phase : discover\nClient ErrorCode : 0x801c001d\n";
    let logs = read(pasted.as_bytes()).unwrap();
    let s = status_of(&logs);
    assert_eq!(
        tests(s)[1],
        (
            "AD Configuration Test",
            TestOutcome::Fail,
            Some("0x801c001d"),
            TestStage::ServiceConnectionPoint
        )
    );
    let report = logs.report();
    assert_eq!(
        report.verdict().unwrap().failure,
        JoinFailure::DsregScpReadFailed
    );
    assert!(notes(&report.findings()[0]).contains(
        "dsregcmd: AD Configuration Test FAIL [0x801c001d]: 0x801C001D (the service connection point (SCP) could not be read to find the tenant) — the service connection point (SCP) in the forest is missing or wrong"
    ));
}
