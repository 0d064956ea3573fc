//! The `eventlog` example as a user runs it: built with the README's feature set, run on the sample
//! logs it ships, on a file that is not a log and on an unrelated `.evtx`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The workspace root (the `wpj` package, which owns the examples).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Builds the example as the README does (`--all-features`; a no-op when it is up to date) and
/// returns its path: `target/<profile>/examples/eventlog`, next to this test's `deps` directory.
fn example() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        let exe = std::env::current_exe().expect("test binary path");
        let profile = exe
            .parent()
            .and_then(Path::parent)
            .expect("target/<profile>/deps/<test>");
        let mut build = Command::new(env!("CARGO"));
        build
            .args(["build", "--all-features", "--example", "eventlog"])
            .current_dir(root());
        // Cargo gives this test the package's variables (CARGO_MANIFEST_DIR, CARGO_PKG_NAME…). Build
        // scripts watch some of them (ring's: `rerun-if-env-changed=CARGO_PKG_NAME`), so a nested
        // build that keeps them rebuilds ring and everything above it, and the next ordinary build
        // rebuilds them back. The nested build gets the environment of a shell instead.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if [
                "CARGO_PKG_",
                "CARGO_MANIFEST_",
                "CARGO_CRATE_",
                "CARGO_BIN_",
            ]
            .iter()
            .any(|p| name.starts_with(p))
                || ["CARGO_PRIMARY_PACKAGE", "CARGO_TARGET_TMPDIR", "OUT_DIR"].contains(&&*name)
            {
                build.env_remove(&*name);
            }
        }
        if profile.file_name().is_some_and(|p| p == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("cargo build");
        assert!(status.success(), "building the eventlog example failed");
        profile.join("examples").join("eventlog")
    })
}

fn run(args: &[&str]) -> Output {
    Command::new(example())
        .args(args)
        .current_dir(root())
        .output()
        .expect("run eventlog")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

const HELLO: &str =
    "crates/eventlog/tests/fixtures/Microsoft-Windows-HelloForBusiness%4Operational.evtx";

#[test]
fn a_file_that_is_not_a_log_exits_2_without_a_verdict() {
    for file in ["Cargo.toml", "README.md"] {
        let out = run(&[file]);
        assert_eq!(out.status.code(), Some(2), "{file}");
        assert_eq!(stdout(&out), "", "{file}: nothing on stdout");
        assert_eq!(
            stderr(&out),
            format!(
                "eventlog: {file}: not a log: not an .evtx file, wevtutil XML or dsregcmd /status output; nothing to explain\n"
            )
        );
    }
}

#[test]
fn an_unrelated_evtx_exits_0_with_nothing_to_explain() {
    let out = run(&[HELLO]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        format!(
            "no Workplace Join / device registration events in {HELLO}: nothing to explain\n({HELLO}: 6 events read, 0 about device registration)\n"
        )
    );
    assert!(!stdout(&out).contains("Verdict"));
}

#[test]
fn a_capi2_log_and_a_workplace_join_log_make_one_timeline() {
    let capi2 = "examples/data/capi2-revocation-offline.xml";
    let wpj = "examples/data/workplace-join-revocation-offline.xml";
    let out = run(&[capi2, wpj]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        format!("Device registration events from {capi2} + {wpj} (2 about contoso.com)")
    );
    for expected in [
        "  [WARN   ] discovery   01-wpj-102  earlier attempt: 2026-11-20 08:40:12 event 102 in Microsoft-Windows-Workplace Join/Admin: 0x80072ee7",
        "  [FAIL   ] discovery   02-wpj-102  2026-11-20 09:14:03 event 102 in Microsoft-Windows-Workplace Join/Admin: 0x80072f19",
    ] {
        assert!(
            lines.iter().any(|l| l.starts_with(expected)),
            "{expected}\n{text}"
        );
    }
    for expected in [
        "· ← the chain engine could not fetch http://pki.contoso.com/ca.crl (timeout) at 09:14:02",
        "· CRL http://pki.contoso.com/ca.crl: timeout (0x2EE2, The operation timed out) at 09:14:02",
        "Verdict: A Windows device would fail with event 102, 0x80072F19",
        "The verdict describes the latest attempt, at 2026-11-20 09:14:03; 1 earlier attempt(s) are history (warn).",
        "(examples/data/capi2-revocation-offline.xml: 7 events read, 0 about device registration, 1 certificate chain(s) built by Windows' chain engine (1 for a registration server))",
        "(examples/data/workplace-join-revocation-offline.xml: 2 events read, 2 about device registration)",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
    // Without the CAPI2 log, two reports (one per file) unless --join is given.
    let apart = run(&["examples/data/dsregcmd-status.txt", wpj]);
    assert_eq!(
        stdout(&apart)
            .matches("Device registration events from")
            .count(),
        2
    );
    let joined = run(&["--join", "examples/data/dsregcmd-status.txt", wpj]);
    assert_eq!(
        stdout(&joined)
            .matches("Device registration events from")
            .count(),
        1
    );
    // JSON: one report, the chain's explanation in the failure's evidence.
    let json = run(&[capi2, wpj, "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(value["verdict"]["hresult"], "0x80072F19");
    assert_eq!(value["verdict"]["check"], "02-wpj-102");
    assert_eq!(
        value["findings"][1]["evidence"][2]["text"],
        "← the chain engine could not fetch http://pki.contoso.com/ca.crl (timeout) at 09:14:02"
    );
}

#[test]
fn every_shipped_sample_is_explained() {
    let mut samples: Vec<PathBuf> = std::fs::read_dir(root().join("examples/data"))
        .expect("examples/data")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e != "md"))
        .collect();
    samples.sort();
    let names: Vec<String> = samples
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "capi2-revocation-offline.xml",
            "dsregcmd-status.txt",
            "workplace-join-admin.xml",
            "workplace-join-revocation-offline.xml"
        ]
    );
    for sample in &samples {
        let out = run(&[sample.to_str().unwrap()]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}: {}",
            sample.display(),
            stderr(&out)
        );
        assert!(
            stdout(&out).contains("Verdict: "),
            "{}: {}",
            sample.display(),
            stdout(&out)
        );
    }
    // The copies are the test fixtures, byte for byte.
    for name in &names {
        let fixture = root().join("crates/eventlog/tests/fixtures").join(name);
        assert_eq!(
            std::fs::read(&fixture).unwrap(),
            std::fs::read(root().join("examples/data").join(name)).unwrap(),
            "{name}"
        );
    }
}

#[test]
fn dsregcmd_output_is_shown_section_by_section_and_in_json() {
    let german = "crates/eventlog/tests/fixtures/dsregcmd-german-utf16le.txt";
    let out = run(&[german]);
    assert_eq!(out.status.code(), Some(0), "a warning, no failure");
    let text = stdout(&out);
    for expected in [
        "dsregcmd /status (UTF-16LE), section by section:",
        "  device state: AzureAdJoined YES, EnterpriseJoined NO, DomainJoined NO, Device Name BÜRO-PC-07",
        "  tenant: TenantName Müller & Söhne GmbH, TenantId 0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d",
        "  SSO: AzureAdPrt NO, EnterprisePrt NO, Attempt Status 0xc000006d, Server Error Description AADSTS50126:",
        "dsregcmd-prt  AzureAdPrt NO on an Entra joined device",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
    let failed = run(&["crates/eventlog/tests/fixtures/dsregcmd-hybrid-join-failed.txt"]);
    assert_eq!(failed.status.code(), Some(1));
    assert!(stdout(&failed).contains(
        "  tests: AD Connectivity Test PASS, AD Configuration Test PASS, DRS Discovery Test FAIL [0x801c0021/0x80072ee2], DRS Connectivity Test SKIPPED"
    ));

    let json = run(&[german, "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let d = &value["dsregcmd"];
    assert_eq!(d["encoding"], "utf16-le");
    assert_eq!(d["device_state"]["azure_ad_joined"], true);
    assert_eq!(d["tenant"]["tenant_name"], "Müller & Söhne GmbH");
    assert_eq!(d["device_details"]["tpm_protected"], false);
    assert_eq!(d["tests"][0]["label"], "KeySignTest");
    assert_eq!(d["tests"][0]["outcome"], "pass");
    assert_eq!(d["tests"][0]["stage"], "device-key");
    assert_eq!(d["sections"][0]["kind"], "device-state");
    let prt = d["explanations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["topic"] == "prt")
        .expect("the PRT explained");
    assert_eq!(prt["status"], "warn");
    assert_eq!(value["findings"][1]["check"], "dsregcmd-prt");
    // Other inputs have no `dsregcmd` member.
    let xml = run(&["examples/data/workplace-join-admin.xml", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_slice(&xml.stdout).expect("JSON");
    assert!(value.get("dsregcmd").is_none());
}
