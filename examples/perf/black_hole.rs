//! A target that accepts nothing and answers nothing: how far past its deadline a run ends, in
//! process and as a `diagnose` process.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use wpj::{JoinFailure, Plan, Report, Runner};
use wpj_testkit::Scenario;

use crate::common::render::label;
use crate::process::{LabProcess, Stats, diagnose_json, ms};
use crate::{Outcome, progress};

/// What a black hole must give: a timeout.
const EXPECTED: JoinFailure = JoinFailure::Timeout;

/// The `## Black hole` section.
pub(crate) async fn black_hole(runs: usize, deadline: Duration) -> Outcome {
    let mut out = String::from("\n## Black hole\n\n");
    let _ = writeln!(
        out,
        "Lab `connect-black-hole`: the name resolves, the address accepts nothing and answers \
         nothing (SYNs dropped). Connect and check timeouts 60 s, deadline {}; the run must end \
         by the deadline + 100 ms with {}. {runs} runs.\n",
        ms(deadline),
        label(EXPECTED).code()
    );
    out += "| how | code | median end (max) | overshoot median (max) |\n|---|---|---|---|\n";
    let lab = Scenario::find("connect-black-hole")
        .ok_or("no connect-black-hole scenario")?
        .start()
        .await
        .map_err(|e| format!("lab: {e}"))?;
    let mut settings = lab.settings();
    settings.network_timeout = Duration::from_secs(60);
    settings.check_timeout = Duration::from_secs(60);
    settings.deadline = deadline;
    progress("black hole: in-process runs");
    let mut samples = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let report = Runner::new().run(&Plan::standard(), settings.clone()).await;
        samples.push(started.elapsed());
        timed_out("the library", &report)?;
    }
    out += &overshoot_row("library run (standard plan)", &samples, deadline);
    drop(lab);

    progress("black hole: diagnose processes");
    let served = LabProcess::start("connect-black-hole", Duration::ZERO)?;
    let deadline_arg = format!("{}ms", deadline.as_millis());
    let mut command = served.diagnose(
        "complete",
        &["--timeout", "120s", "--deadline", &deadline_arg],
    )?;
    let mut samples = Vec::new();
    for _ in 0..runs {
        let (elapsed, report) = diagnose_json(&mut command)?;
        samples.push(elapsed);
        timed_out("diagnose", &report)?;
    }
    out += &overshoot_row(
        "`diagnose` process (complete plan, process start-up included)",
        &samples,
        deadline,
    );
    Ok(out)
}

/// `Err` unless the report's verdict is the timeout a black hole must give.
fn timed_out(who: &str, report: &Report) -> Result<(), String> {
    match report.verdict() {
        Some(v) if v.failure == EXPECTED => Ok(()),
        Some(v) => Err(format!(
            "{who} gave {} on the black hole, not {}:\n{report}",
            label(v.failure),
            label(EXPECTED)
        )),
        None => Err(format!(
            "{who} gave no verdict on the black hole, not {}:\n{report}",
            label(EXPECTED)
        )),
    }
}

fn overshoot_row(how: &str, samples: &[Duration], deadline: Duration) -> String {
    let stats = Stats::of(samples.to_vec());
    let max = samples.iter().max().copied().unwrap_or_default();
    format!(
        "| {how} | {} | {} ({}) | {} ({}) |\n",
        label(EXPECTED).code(),
        ms(stats.median),
        ms(max),
        ms(stats.median.saturating_sub(deadline)),
        ms(max.saturating_sub(deadline))
    )
}
