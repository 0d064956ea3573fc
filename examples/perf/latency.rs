//! One diagnosis against the 6-round-trip bound, in process and as a `diagnose` process, and
//! against the `dig` / `openssl` / `curl` sequence an admin would type.

use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

use wpj::{Plan, Report, Runner, Settings};
use wpj_testkit::{Lab, LabSpec, Scenario};

use crate::process::{LabProcess, Stats, diagnose_json, have, ms, ratio, run};
use crate::{Outcome, progress};

/// Settings with time limits far above anything a healthy lab needs.
fn generous(mut settings: Settings) -> Settings {
    settings.network_timeout = Duration::from_secs(10);
    settings.check_timeout = Duration::from_secs(20);
    settings.deadline = Duration::from_secs(30);
    settings
}

/// `runs` in-process diagnoses of the healthy lab (after one warm-up run).
async fn timed_runs(runs: usize, plan: &Plan, settings: &Settings) -> Result<Stats, String> {
    let mut samples = Vec::new();
    // One warm-up run: the first run loads the trust store and warms the allocator.
    for i in 0..=runs {
        let started = Instant::now();
        let report: Report = Runner::new().run(plan, settings.clone()).await;
        let elapsed = started.elapsed();
        if report.has_failures() || report.problems().next().is_some() {
            return Err(format!(
                "the healthy lab did not diagnose healthy:\n{report}"
            ));
        }
        if i > 0 {
            samples.push(elapsed);
        }
    }
    Ok(Stats::of(samples))
}

/// `runs` `diagnose --format json` processes (after one warm-up run); each must report the
/// healthy lab healthy.
fn timed_diagnoses(runs: usize, command: &mut Command) -> Result<Stats, String> {
    let mut samples = Vec::new();
    for i in 0..=runs {
        let (elapsed, report) = diagnose_json(command)?;
        if report.has_failures() || report.problems().next().is_some() {
            return Err(format!(
                "diagnose did not report the healthy lab healthy:\n{report}"
            ));
        }
        if i > 0 {
            samples.push(elapsed);
        }
    }
    Ok(Stats::of(samples))
}

/// `runs` passes over a command sequence (after one warm-up pass); the time of a pass is the sum
/// of its commands'.
fn timed_commands(runs: usize, commands: &mut [Command]) -> Result<Stats, String> {
    let mut samples = Vec::new();
    for i in 0..=runs {
        let mut total = Duration::ZERO;
        for command in commands.iter_mut() {
            total += run(command, &[])?;
        }
        if i > 0 {
            samples.push(total);
        }
    }
    Ok(Stats::of(samples))
}

/// The OCSP labs measured beside the CRL one: the leaf's status from its responder (no CDP; the
/// same 3 round trips as a CRL fetch), and from the response the server staples (no fetch for the
/// leaf; the intermediate's CRL is still fetched).
const OCSP_LABS: [&str; 2] = ["ocsp-only-good", "ocsp-stapled-good"];

/// `runs` in-process diagnoses (standard plan) of scenario `name`'s lab with `one_way` latency.
async fn ocsp_runs(runs: usize, name: &str, one_way: Duration) -> Result<Stats, String> {
    let spec = Scenario::find(name)
        .ok_or_else(|| format!("no scenario {name}"))?
        .spec;
    let lab = Lab::start(LabSpec {
        latency: (!one_way.is_zero()).then_some(one_way),
        ..spec
    })
    .await
    .map_err(|e| format!("lab {name}: {e}"))?;
    timed_runs(runs, &Plan::standard(), &generous(lab.settings())).await
}

/// The `## Latency` section.
pub(crate) async fn latency(runs: usize, one_way: Duration) -> Outcome {
    let mut out = String::from("\n## Latency\n\n");
    let rtt = one_way * 2;
    let _ = writeln!(
        out,
        "Lab `healthy-onprem`; emulated latency {} each way ({} round trip) through the testkit's \
         delaying relay (DNS answers a round trip late; TCP handshake emulated). Bound: DNS 1 + TCP 1 + \
         TLS 1.3 1, then the CRL fetch (lookup 1, TCP 1, GET 1) overlapping the contract = **6 RTT = {}** \
         (the same for the OCSP labs: the OCSP GET costs what a CRL GET does; a staple saves the leaf's \
         fetch, but the intermediate's CRL and the contract still take 3 RTT after TLS). \
         Median of {runs} runs (min in brackets).\n",
        ms(one_way),
        ms(rtt),
        ms(rtt * 6)
    );
    let shell_ok = have("dig") && have("openssl") && have("curl");
    out += "| network | what | median (min) | vs 6-RTT bound | vs shell sequence |\n|---|---|---|---|---|\n";
    for one_way in [one_way, Duration::ZERO] {
        let label = if one_way.is_zero() {
            "loopback".to_owned()
        } else {
            format!("{} RTT", ms(one_way * 2))
        };
        let bound = one_way * 2 * 6;
        progress(&format!("latency: in-process runs over {label}"));
        let lab = Lab::start(LabSpec {
            latency: (!one_way.is_zero()).then_some(one_way),
            ..LabSpec::default()
        })
        .await
        .map_err(|e| format!("lab: {e}"))?;
        let settings = generous(lab.settings());
        let standard = timed_runs(runs, &Plan::standard(), &settings).await?;
        let complete = timed_runs(runs, &Plan::complete(), &settings).await?;
        drop(lab);
        progress(&format!("latency: OCSP labs over {label}"));
        let mut ocsp = Vec::new();
        for name in OCSP_LABS {
            ocsp.push((name, ocsp_runs(runs, name, one_way).await?));
        }

        progress(&format!("latency: processes over {label}"));
        let served = LabProcess::start("healthy-onprem", one_way)?;
        let process = timed_diagnoses(runs, &mut served.diagnose("standard", &[])?)?;
        let shell = if shell_ok {
            let dir = std::env::temp_dir().join(format!("wpj-perf-{}", std::process::id()));
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let mut commands = served.shell_sequence(&dir);
            let stats = timed_commands(runs, &mut commands)?;
            let _ = std::fs::remove_dir_all(&dir);
            Some(stats)
        } else {
            None
        };
        drop(served);

        let row = |what: &str, s: Stats, vs_bound: bool, vs_shell: bool| {
            format!(
                "| {label} | {what} | {} ({}) | {} | {} |\n",
                ms(s.median),
                ms(s.min),
                if vs_bound {
                    ratio(s.median, bound)
                } else {
                    "–".to_owned()
                },
                match (vs_shell, shell) {
                    (true, Some(sh)) => format!("{} faster", ratio(sh.median, s.median)),
                    _ => "–".to_owned(),
                }
            )
        };
        out += &row("standard plan, in-process", standard, true, false);
        out += &row(
            "complete plan (+ AD FS nodes, federation), in-process",
            complete,
            false,
            false,
        );
        for (name, stats) in ocsp {
            out += &row(
                &format!("standard plan, lab `{name}`, in-process"),
                stats,
                true,
                false,
            );
        }
        out += &row("`diagnose --plan standard` process", process, true, true);
        match shell {
            Some(sh) => {
                out += &row(
                    "shell: dig, openssl s_client, 2 × (curl + openssl crl), curl",
                    sh,
                    true,
                    false,
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "| {label} | shell sequence | not measured: dig, openssl and curl are needed | – | – |"
                );
            }
        }
    }
    Ok(out)
}
