//! The `diagnose` and `fleet` demos: every scenario as a library call and as a process, JSON shape,
//! exit codes, bad input, and text snapshots.

use std::path::Path;

use futures_util::StreamExt as _;
use regex::Regex;
use wpj_testkit::{Expected, Scenario};

use crate::support::run_example;

fn lab_settings(lab: &wpj_testkit::Lab) -> wpj::Settings {
    let mut s = crate::support::quick(lab);
    s.check_timeout = std::time::Duration::from_secs(10);
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_as_a_library_call() {
    let all = Scenario::all();
    let runs = all.iter().map(|s| async move {
        let lab = s.start().await.expect("lab");
        (s, wpj::diagnose(lab_settings(&lab)).await)
    });
    // A few labs at a time (as `diagnose --demo all` runs them): all of them at once on two cores
    // would make their own servers miss the lab's short timeouts.
    let reports: Vec<_> = futures_util::stream::iter(runs).buffered(8).collect().await;
    for (scenario, report) in reports {
        assert_eq!(
            Expected::of(&report),
            scenario.expected,
            "{}: {report}",
            scenario.name
        );
    }
}

#[test]
fn every_scenario_as_a_process_with_json() {
    let out = run_example("diagnose", &["--demo", "all", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(rows.len(), Scenario::all().len());
    let hresult = Regex::new(r"^0x[0-9A-F]{8}$").unwrap();
    let kb = Regex::new(r"^KB\d+$").unwrap();
    for row in &rows {
        assert_eq!(row["matches"], true, "{}", row["scenario"]);
        let report = &row["report"];
        // The documented shape (docs/json-schema.md).
        assert_eq!(report["schema_version"], wpj::SCHEMA_VERSION);
        assert!(report["target"].is_string());
        assert!(report["mode"].is_string());
        assert!(report["started_at"].is_string());
        assert!(report["elapsed_ms"].is_u64());
        let findings = report["findings"].as_array().unwrap();
        let checks: Vec<&str> = findings
            .iter()
            .map(|f| f["check"].as_str().unwrap())
            .collect();
        assert_eq!(
            checks,
            wpj::Plan::complete()
                .ids()
                .iter()
                .map(wpj::CheckId::as_str)
                .collect::<Vec<_>>()
        );
        for f in findings {
            for key in ["check", "status", "summary", "evidence", "elapsed_ms"] {
                assert!(!f[key].is_null(), "{} lacks {key}", row["scenario"]);
            }
            for e in f["evidence"].as_array().unwrap() {
                assert!(e["kind"].is_string(), "evidence without kind: {e}");
            }
        }
        let verdict = &report["verdict"];
        if !verdict.is_null() {
            if let Some(h) = verdict["hresult"].as_str() {
                assert!(hresult.is_match(h), "{h}");
            }
            if let Some(k) = verdict["kb"].as_str() {
                assert!(kb.is_match(k), "{k}");
            }
            assert!(verdict["failure"].is_string());
            assert!(verdict["remediation"].is_string());
        }
    }
}

#[test]
fn exit_codes_of_single_demos() {
    for (scenario, code) in [
        ("healthy-onprem", 0),
        ("tls-missing-intermediate", 0),
        ("tls-revoked-leaf", 1),
        ("dns-nxdomain", 1),
    ] {
        let out = run_example("diagnose", &["--demo", scenario]);
        assert_eq!(out.status.code(), Some(code), "{scenario}");
    }
}

#[test]
fn bad_input_is_one_line_on_stderr_and_exit_2() {
    let missing = std::env::temp_dir().join("wpj-no-such-file.pem");
    let cases: Vec<Vec<String>> = vec![
        vec!["not a domain!".into()],
        vec!["alice@".into()],
        vec![
            "contoso.test".into(),
            "--ca-file".into(),
            missing.display().to_string(),
        ],
        vec![
            "contoso.test".into(),
            "--dns-server".into(),
            "dns.example".into(),
        ],
        vec!["contoso.test".into(), "--timeout".into(), "soon".into()],
        vec!["contoso.test".into(), "--timing".into(), "slow".into()],
        vec!["contoso.test".into(), "--no-system-roots".into()],
        vec!["contoso.test".into(), "--adfs-node".into(), "adfs1".into()],
        vec!["--demo".into(), "no-such-scenario".into()],
        vec![],
    ];
    for args in cases {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = run_example("diagnose", &refs);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(!stderr.trim().is_empty(), "{args:?}");
    }
    let out = run_example("diagnose", &["not a domain!"]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("diagnose: \"not a domain!\" is not a valid domain name"),
        "{stderr}"
    );
}

/// Replaces what changes from run to run: ports, dates, durations.
fn normalise(text: &str) -> String {
    let port = Regex::new(r":\d{2,5}\b").unwrap();
    let date = Regex::new(r"\d{4}-\d{2}-\d{2}").unwrap();
    let duration = Regex::new(r"\d+(\.\d+)? (ms|s)\b").unwrap();
    let text = port.replace_all(text, ":PORT");
    let text = date.replace_all(&text, "DATE");
    duration.replace_all(&text, "N ms").into_owned()
}

#[test]
fn text_output_snapshots() {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots"));
    for scenario in [
        "healthy-onprem",
        "healthy-entra",
        "tls-revoked-leaf",
        "contract-404",
        "dns-nxdomain",
        "tls-missing-intermediate",
    ] {
        let out = run_example("diagnose", &["--demo", scenario]);
        let got = normalise(&String::from_utf8(out.stdout).unwrap());
        let file = dir.join(format!("diagnose-{scenario}.txt"));
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(&file, &got).unwrap();
        }
        let want = std::fs::read_to_string(&file).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (run with UPDATE_SNAPSHOTS=1 to create it)",
                file.display()
            )
        });
        assert_eq!(
            got, want,
            "{scenario} changed; review and run with UPDATE_SNAPSHOTS=1"
        );
    }
}

#[test]
fn fleet_demo_writes_one_json_line_per_domain() {
    let out = run_example("fleet", &["--demo", "12", "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(1), "some lab domains fail");
    let mut lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(lines.len(), 12);
    // Rows come as diagnoses end; their line numbers rebuild the input order.
    lines.sort_by_key(|l| l["line"].as_u64().expect("line number"));
    let all = Scenario::all();
    for (i, line) in lines.iter().enumerate() {
        let scenario = &all[i % all.len()];
        assert_eq!(line["line"], i + 1);
        assert_eq!(line["domain"], format!("d{i}.{}.test", scenario.name));
        assert_eq!(line["suffix"], line["domain"]);
        assert_eq!(line["same_as"], serde_json::Value::Null);
        assert_eq!(line["schema_version"], wpj::SCHEMA_VERSION);
        let want = match scenario.expected {
            Expected::Healthy => "healthy",
            Expected::Warning => "warning",
            Expected::FarmHealth => "farm-health",
            Expected::Failure(_) | Expected::SignIn(_) => "failure",
        };
        assert_eq!(line["outcome"], want, "{}", scenario.name);
        if let Some(f) = scenario.expected.failure() {
            assert_eq!(line["code"], f.code());
            let stage = if matches!(scenario.expected, Expected::SignIn(_)) {
                "sign-in"
            } else {
                "discovery"
            };
            assert_eq!(line["stage"], stage, "{}", scenario.name);
        }
    }
    // The summary comes last, on standard error, so that standard output holds only rows.
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("fleet: 12 lines: 12 diagnoses"), "{stderr}");
}

#[test]
fn fleet_reads_a_file_and_reports_bad_lines() {
    let file = std::env::temp_dir().join(format!("wpj-fleet-{}.txt", std::process::id()));
    std::fs::write(&file, "# comment\n\nnot a domain!\n").unwrap();
    let out = run_example("fleet", &[file.to_str().unwrap(), "--format", "jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["outcome"], "error");
    assert_eq!(line["line"], 3);
    assert_eq!(line["suffix"], serde_json::Value::Null);
    assert!(
        line["summary"]
            .as_str()
            .unwrap()
            .contains("is not a valid domain name")
    );

    // Text says the same: the line, and why it cannot be diagnosed (not just `error -`).
    let out = run_example("fleet", &[file.to_str().unwrap()]);
    std::fs::remove_file(&file).ok();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let row = text
        .lines()
        .find(|l| l.contains("not a domain!"))
        .unwrap_or_else(|| panic!("no row for the bad line in\n{text}"));
    assert!(row.trim_start().starts_with("3  error"), "{row}");
    assert!(row.contains("is not a valid domain name"), "{row}");
    assert!(
        text.contains("1 not a domain, 1 blank line, 1 comment"),
        "{text}"
    );

    let out = run_example("fleet", &["/nonexistent/domains.txt"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8(out.stderr)
            .unwrap()
            .starts_with("fleet: /nonexistent/domains.txt")
    );
}

/// Runs an example (built by [`run_example`] if need be) with extra environment variables.
fn run_example_with_env(name: &str, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let exe = std::env::current_exe().expect("test binary path");
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .map(|profile| profile.join("examples").join(name))
        .expect("target layout");
    if !bin.exists() {
        run_example(name, &["--version"]);
    }
    let mut command = std::process::Command::new(&bin);
    command
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE");
    for (key, value) in env {
        command.env(key, value);
    }
    command
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", bin.display()))
}

#[test]
fn colour_only_where_it_belongs() {
    const ESC: u8 = 0x1b;
    for (name, args) in [
        ("diagnose", &["--demo", "tls-revoked-leaf"][..]),
        ("fleet", &["--demo", "2"]),
        ("explain", &["--list"]),
    ] {
        // A pipe (as here): no escape codes, whatever the demo painted.
        let piped = run_example_with_env(name, args, &[]);
        assert!(!piped.stdout.contains(&ESC), "{name}: colour in a pipe");
        // Colour forced, as a terminal gets it: painted. NO_COLOR still wins.
        let forced = run_example_with_env(name, args, &[("CLICOLOR_FORCE", "1")]);
        assert!(
            forced.stdout.contains(&ESC),
            "{name}: no colour when forced"
        );
        let no_color =
            run_example_with_env(name, args, &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]);
        assert!(
            !no_color.stdout.contains(&ESC),
            "{name}: colour with NO_COLOR"
        );
        // The text is the same, colour aside.
        let plain = String::from_utf8(piped.stdout).unwrap();
        let stripped =
            anstream::adapter::strip_str(std::str::from_utf8(&forced.stdout).unwrap()).to_string();
        if name != "fleet" {
            // (fleet's rows come in the order diagnoses end, and with timings)
            assert_eq!(normalise(&stripped), normalise(&plain), "{name}");
        }
    }
}

#[test]
fn a_ca_file_that_is_not_a_file_is_refused_at_once() {
    for path in ["/dev/zero", "/"] {
        let out = run_example(
            "diagnose",
            &["contoso.com", "--ca-file", path, "--format", "json"],
        );
        assert_eq!(out.status.code(), Some(2), "{path}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains("--ca-file") && stderr.contains("not a regular file"),
            "{path}: {stderr}"
        );
    }
}
