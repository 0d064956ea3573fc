//! The performance harness (`examples/perf/`) runs end to end at tiny sizes, so that
//! `scripts/perf.sh` cannot rot. Its figures are not asserted (tests never assert wall-clock limits);
//! each measurement must be made, give the expected answers, and be reported.

use std::path::Path;
use std::process::Command;

use crate::support::run_example;

/// Builds the binaries the harness runs next to itself when `cargo test` has not.
fn ensure_siblings() {
    let exe = std::env::current_exe().expect("test binary path");
    let examples = exe
        .parent()
        .and_then(Path::parent)
        .map(|profile| profile.join("examples"))
        .expect("target layout");
    for (package, name) in [
        ("wpj", "diagnose"),
        ("wpj", "lab"),
        ("wpj", "fleet"),
        ("wpj-tls", "crl_memory"),
    ] {
        if !examples.join(name).exists() {
            let status = Command::new(env!("CARGO"))
                .args(["build", "-p", package, "--example", name])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .status()
                .expect("cargo build");
            assert!(status.success(), "building example {name} failed");
        }
    }
}

#[test]
fn the_harness_makes_every_measurement() {
    ensure_siblings();
    let cases: [(&[&str], &[&str]); 4] = [
        (
            &["black-hole", "--runs", "1", "--deadline-ms", "300"],
            &[
                "## Black hole",
                "| library run (standard plan) | 0x80072EE2 |",
                "| `diagnose` process",
            ],
        ),
        (
            &[
                "fleet",
                "--sizes",
                "3",
                "--upn-lines",
                "30",
                "--suffixes",
                "2",
                "--concurrency",
                "2",
            ],
            // 3 distinct domains all healthy; 30 UPN lines over 2 suffixes: 2 diagnoses, 30 rows.
            &["## Fleet", "| 3/3 |", "| 30 | 2 | 2 |", "| 30/30 |"],
        ),
        (
            &["crl", "--sizes", "50", "--runs", "1"],
            &["## CRLs", "| 50 |"],
        ),
        (
            &["latency", "--runs", "1", "--latency-ms", "2"],
            &[
                "## Latency",
                "standard plan, in-process",
                "`diagnose --plan standard` process",
            ],
        ),
    ];
    for (args, expected) in cases {
        let out = run_example("perf", args);
        let markdown = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "perf {args:?}: {}\n{markdown}",
            String::from_utf8_lossy(&out.stderr)
        );
        for line in expected {
            assert!(
                markdown.contains(line),
                "perf {args:?}: no {line:?} in\n{markdown}"
            );
        }
    }
}
