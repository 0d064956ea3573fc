//! `diagnose` against every hostile scenario (`Scenario::hostile`, and the stalled TLS server),
//! each served by `lab serve` in its own process: the wall time and peak memory of each run,
//! against its targets (deadline + 100 ms, 100 MiB).

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wpj::Report;
use wpj_testkit::{Expected, Scenario};

use crate::process::{LabProcess, ms, sibling};
use crate::{Outcome, progress};

/// A run may end this long after its deadline.
const OVERSHOOT: Duration = Duration::from_millis(100);
/// A run may hold this much memory at its peak.
const MEMORY_TARGET_MIB: u64 = 100;
/// The marker and format of the line GNU time adds to standard error: wall seconds, maxrss KiB.
const TIME_MARK: &str = "perf-hostile ";
const TIME_FORMAT: &str = "perf-hostile %e %M";

/// `diagnose` (complete plan, JSON) pointed at `served`, under `deadline`, wrapped in GNU time
/// when there.
fn diagnose(served: &LabProcess, deadline: Duration, gnu_time: bool) -> Result<Command, String> {
    let binary = sibling("diagnose")?;
    let mut command = if gnu_time {
        let mut c = Command::new("/usr/bin/time");
        c.args(["-f", TIME_FORMAT]).arg(binary);
        c
    } else {
        Command::new(binary)
    };
    let deadline = format!("{}ms", deadline.as_millis());
    let probe = served.probe_port().map(|p| p.to_string());
    let mut extra = vec!["--timeout", &deadline, "--deadline", &deadline];
    if let Some(port) = &probe {
        extra.extend(["--adfs-probe-port", port]);
    }
    command.args(served.diagnose_args("complete", &extra));
    Ok(command)
}

/// One run: wall time (measured here), peak RSS (GNU time), the report.
struct Run {
    wall: Duration,
    maxrss_kib: Option<u64>,
    report: Report,
}

fn run(command: &mut Command) -> Result<Run, String> {
    let started = Instant::now();
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("diagnose: {e}"))?;
    let wall = started.elapsed();
    if !matches!(output.status.code(), Some(0 | 1)) {
        return Err(format!("{command:?} ended with {}", output.status));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let maxrss_kib = stderr
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix(TIME_MARK))
        .and_then(|l| l.split_whitespace().nth(1)?.parse().ok());
    let report = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("diagnose --format json: {e}"))?;
    Ok(Run {
        wall,
        maxrss_kib,
        report,
    })
}

/// The `### Hostile` section: `runs` runs per scenario (the slowest and the largest reported).
pub(crate) fn hostile(runs: usize, deadline: Duration) -> Outcome {
    let gnu_time = Path::new("/usr/bin/time").exists();
    let mut scenarios = Scenario::hostile();
    scenarios.extend(Scenario::find("tls-stall"));
    let mut out = String::from("\n### Hostile\n\n");
    let _ = writeln!(
        out,
        "`diagnose --plan complete --format json --timeout {d} --deadline {d}` as a process against \
         each hostile scenario, served by `lab serve` in its own process; {runs} run(s) each, the \
         slowest wall time and the largest peak RSS (GNU time's maxrss) reported. Targets: wall \
         time under the deadline + {} = **{}**, peak memory under **{MEMORY_TARGET_MIB} MiB**.\n",
        ms(OVERSHOOT),
        ms(deadline + OVERSHOOT),
        d = format_args!("{}ms", deadline.as_millis()),
    );
    out += "| scenario | outcome | wall time (max) | peak RSS (max) | time target | memory target |\n|---|---|---|---|---|---|\n";
    let (mut time_met, mut memory_met) = (0, 0);
    for scenario in &scenarios {
        progress(&format!("hostile: {}", scenario.name));
        let served = LabProcess::start(scenario.name, Duration::ZERO)?;
        let mut wall = Duration::ZERO;
        let mut peak: Option<u64> = None;
        let mut outcome = String::new();
        for _ in 0..runs.max(1) {
            let r = run(&mut diagnose(&served, deadline, gnu_time)?)?;
            wall = wall.max(r.wall);
            peak = match (peak, r.maxrss_kib) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            let got = Expected::of(&r.report);
            outcome = if got == scenario.expected {
                got.to_string()
            } else {
                format!("{got} (expected {})", scenario.expected)
            };
        }
        drop(served);
        let time_ok = wall < deadline + OVERSHOOT;
        let memory_ok = peak.map(|kib| kib < MEMORY_TARGET_MIB * 1024);
        time_met += usize::from(time_ok);
        memory_met += usize::from(memory_ok == Some(true));
        let _ = writeln!(
            out,
            "| `{}` | {outcome} | {} | {} | {} | {} |",
            scenario.name,
            ms(wall),
            peak.map_or_else(
                || "unknown".to_owned(),
                |kib| format!("{:.1} MiB", kib as f64 / 1024.0)
            ),
            if time_ok { "met" } else { "**not met**" },
            match memory_ok {
                Some(true) => "met",
                Some(false) => "**not met**",
                None => "unknown (no GNU time)",
            },
        );
    }
    let _ = writeln!(
        out,
        "\nTime target met by {time_met} of {n} scenarios, memory target by {memory_met} of {n}.",
        n = scenarios.len()
    );
    Ok(out)
}
