//! The `explain` example, run as a process.

use wpj::JoinFailure;

use crate::support::run_example;

#[test]
fn explains_every_seed_code_in_text() {
    for f in JoinFailure::SEED {
        let arg = f
            .hresult()
            .map_or_else(|| f.http_status().unwrap().to_string(), |h| h.to_string());
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
    assert_eq!(json["schema_version"], 1);
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
