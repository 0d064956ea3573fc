//! The `explain` example, run as a process.

use wpj::JoinFailure;

use crate::support::run_example;

#[test]
fn explains_every_seed_code_in_text() {
    for f in JoinFailure::SEED {
        let arg = match (f.hresult(), f.http_status()) {
            (Some(h), _) => h.to_string(),
            (None, Some(status)) => status.to_string(),
            (None, None) => f.code().to_owned(), // device-cap-reached: the seed gives no code
        };
        let out = run_example("explain", &[&arg]);
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(out.status.success(), "{arg}: {stdout}");
        assert!(
            stdout.contains(&format!("Event:      {} in", f.event_id().unwrap())),
            "{stdout}"
        );
        assert!(stdout.contains(&f.kb().unwrap().to_string()), "{stdout}");
        assert!(stdout.contains(f.remediation()), "{stdout}");
        assert!(
            stdout.contains(&format!("Source:     {}", f.source())),
            "{stdout}"
        );
        assert!(
            stdout.contains("Microsoft-Windows-Workplace Join/Admin"),
            "{stdout}"
        );
    }
}

#[test]
fn explains_a_dsregcmd_pair_as_json() {
    let out = run_example("explain", &["0x801c0021/0x80072ee7", "--format", "json"]);
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["schema_version"], wpj::SCHEMA_VERSION);
    assert_eq!(json["failure"]["hresult"], "0x801C0021");
    assert_eq!(json["inner"]["hresult"], "0x80072EE7");
    assert_eq!(json["inner"]["kb"], "KB3045385");
    assert_eq!(json["inner"]["event_id"], 102);
}

#[test]
fn lists_the_whole_catalogue() {
    let out = run_example("explain", &["--list"]);
    assert!(out.status.success());
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), JoinFailure::ALL.len() + 1);
    for f in JoinFailure::ALL {
        assert!(stdout.contains(f.code()), "{} missing", f.code());
    }
    let out = run_example("explain", &["--list", "--format", "json"]);
    let json: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json.len(), JoinFailure::ALL.len());
}

#[test]
fn unknown_codes_and_bad_usage_exit_2_with_a_message_on_stderr() {
    for args in [&["0x80070005"][..], &["banana"], &["0x801c0021/nope"]] {
        let out = run_example("explain", args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.starts_with("explain: "), "{stderr}");
    }
    let out = run_example("explain", &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_negative_number_is_the_code_not_an_option() {
    // The binary itself, without cargo's `--`: event logs print HRESULTs as signed decimals.
    let out = run_example("explain", &["-2147012726"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("0x80072F8A"), "{stdout}");
    assert!(stdout.contains("cert-revoked"), "{stdout}");

    for args in [
        &["--format", "json", "-2147012726"][..],
        &["-2147012726", "--format", "json"],
    ] {
        let out = run_example("explain", args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(json["input"], "-2147012726", "{args:?}");
        assert_eq!(json["failure"]["hresult"], "0x80072F8A", "{args:?}");
        assert_eq!(json["failure"]["hresult_signed"], -2_147_012_726_i64);
        assert_eq!(json["failure"]["code"], "cert-revoked");
        assert!(
            json["failure"]["source"]
                .as_str()
                .unwrap()
                .contains("KB3045383"),
            "{json}"
        );
    }

    // An unknown negative number is still read as a code: exit 2 with the reading, not a usage error.
    let out = run_example("explain", &["-2147024891"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("HRESULT 0x80070005"), "{stderr}");
}

#[test]
fn every_family_explains_with_its_source_and_log() {
    for (arg, channel, source) in [
        (
            "0x80180013",
            "Microsoft-Windows-DeviceManagement-Enterprise-Diagnostics-Provider/Admin",
            "MDMRegistration.h",
        ),
        (
            "0x8019000E",
            "Microsoft-Windows-Workplace Join/Admin",
            "no longer used on Windows 10",
        ),
        (
            "0x801C000E",
            "Microsoft-Windows-User Device Registration/Admin",
            "EXCCEEDED",
        ),
        (
            "device-cap-reached",
            "Microsoft-Windows-Workplace Join/Admin",
            "KB3045379",
        ),
    ] {
        let out = run_example("explain", &[arg]);
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert!(out.status.success(), "{arg}: {stdout}");
        assert!(stdout.contains(channel), "{arg}: {stdout}");
        assert!(stdout.contains(source), "{arg}: {stdout}");
    }
}
