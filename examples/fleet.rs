//! `fleet`: diagnose many domains at once, with bounded concurrency and a deadline per domain.
//!
//! ```text
//! cargo run --release --example fleet -- domains.txt --concurrency 32
//! cargo run --release --example fleet -- domains.txt --format jsonl > results.jsonl
//! cargo run --release --example fleet -- --demo 200          # 200 lab domains, no network
//! ```
//!
//! `domains.txt` holds one UPN or domain per line; blank lines and `#` comments are skipped.
//! Exit codes: 0 no domain has a failure, 1 some do, 2 usage or internal error.

#[path = "common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use common::{DiagnoseOptions, Style, lab_settings};
use futures_util::StreamExt as _;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use wpj::Settings;
use wpj_testkit::memory::peak_memory;
use wpj_testkit::{Lab, Scenario};

/// Diagnose device-registration discovery for many domains concurrently.
#[derive(Debug, Parser)]
#[command(name = "fleet", version)]
struct Args {
    /// A file with one UPN or domain per line.
    #[arg(required_unless_present = "demo", conflicts_with = "demo")]
    domains: Option<PathBuf>,
    /// How many domains to diagnose at once (the work is network-bound, not CPU-bound).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=4096))]
    concurrency: u16,
    /// Diagnose this many lab domains (every scenario in turn) instead of a file; no network.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    demo: Option<u32>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = FleetFormat::Text)]
    format: FleetFormat,
    #[command(flatten)]
    options: DiagnoseOptions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FleetFormat {
    /// A summary table.
    Text,
    /// One JSON object per domain and line.
    Jsonl,
}

/// One line of `--format jsonl`.
#[derive(Debug, Serialize)]
struct Row {
    schema_version: u32,
    domain: String,
    /// `healthy`, `warning`, `failure` (a device verdict), `farm-health` (no device verdict, the
    /// farm's own health fails), or `error` (the domain could not be diagnosed).
    outcome: &'static str,
    /// The verdict's stage (`discovery`, `sign-in`), or `farm-health`; `None` when nothing fails.
    stage: Option<wpj::Stage>,
    code: Option<&'static str>,
    hresult: Option<String>,
    http_status: Option<u16>,
    event_id: Option<u16>,
    kb: Option<String>,
    summary: String,
    elapsed_ms: u64,
}

/// A domain to diagnose: its settings, or why it cannot be diagnosed.
/// A domain, and its settings when they were made ahead (demo labs); `None`: made from the options
/// when its turn comes, so that a long list holds only names.
type Job = (String, Option<Result<Settings, String>>);

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut labs: Vec<Lab> = Vec::new();
    let jobs: Vec<Job> = match (&args.domains, args.demo) {
        (_, Some(n)) => match demo_jobs(n, &mut labs).await {
            Ok(jobs) => jobs,
            Err(e) => return usage(&e),
        },
        (Some(path), None) => match std::fs::read_to_string(path) {
            Ok(text) => text
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(|line| (line.to_owned(), None))
                .collect(),
            Err(e) => return usage(&format!("{}: {e}", path.display())),
        },
        (None, None) => return usage("give a file of domains, or --demo N"),
    };
    if jobs.is_empty() {
        return usage("no domains to diagnose");
    }
    let bar = ProgressBar::new(jobs.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {pos}/{len} domains [{elapsed_precise}] {wide_bar} {per_sec}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let started = Instant::now();
    let mut rows: Vec<(usize, Row)> = futures_util::stream::iter(jobs.into_iter().enumerate())
        .map(|(i, (domain, settings))| {
            let bar = bar.clone();
            let settings = settings.unwrap_or_else(|| args.options.settings(&domain));
            async move {
                let row = diagnose_one(domain, settings).await;
                bar.inc(1);
                (i, row)
            }
        })
        .buffer_unordered(usize::from(args.concurrency))
        .collect()
        .await;
    bar.finish_and_clear();
    rows.sort_by_key(|(i, _)| *i);
    let rows: Vec<Row> = rows.into_iter().map(|(_, r)| r).collect();
    let elapsed = started.elapsed();
    eprintln!("fleet: {}", summary(rows.len(), elapsed));
    match args.format {
        FleetFormat::Jsonl => {
            for row in &rows {
                match serde_json::to_string(row) {
                    Ok(line) => println!("{line}"),
                    Err(e) => return usage(&format!("internal error: {e}")),
                }
            }
        }
        FleetFormat::Text => print!("{}", table(&rows, Style::detect(), elapsed)),
    }
    drop(labs);
    if rows
        .iter()
        .any(|r| matches!(r.outcome, "failure" | "farm-health" | "error"))
    {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn usage(message: &str) -> ExitCode {
    eprintln!("fleet: {message}");
    ExitCode::from(2)
}

/// `n` lab domains, cycling through the scenario catalogue, each with its own lab.
async fn demo_jobs(n: u32, labs: &mut Vec<Lab>) -> Result<Vec<Job>, String> {
    let scenarios = Scenario::all();
    let specs: Vec<_> = (0..n as usize)
        .map(|i| {
            let scenario = &scenarios[i % scenarios.len()];
            let mut spec = scenario.spec.clone();
            spec.domain = format!("d{i}.{}.test", scenario.name);
            spec
        })
        .collect();
    let started = futures_util::future::join_all(specs.into_iter().map(Lab::start)).await;
    let mut jobs = Vec::new();
    for lab in started {
        let lab = lab.map_err(|e| format!("a lab could not start: {e}"))?;
        jobs.push((lab.domain().to_owned(), Some(Ok(lab_settings(&lab)))));
        labs.push(lab);
    }
    Ok(jobs)
}

async fn diagnose_one(domain: String, settings: Result<Settings, String>) -> Row {
    let started = Instant::now();
    let mut row = Row {
        schema_version: wpj::SCHEMA_VERSION,
        domain,
        outcome: "error",
        stage: None,
        code: None,
        hresult: None,
        http_status: None,
        event_id: None,
        kb: None,
        summary: String::new(),
        elapsed_ms: 0,
    };
    match settings {
        Err(e) => row.summary = e,
        Ok(settings) => {
            let report = wpj::diagnose(settings).await;
            row.outcome = match wpj_testkit::Expected::of(&report) {
                wpj_testkit::Expected::Healthy => "healthy",
                wpj_testkit::Expected::Warning => "warning",
                wpj_testkit::Expected::FarmHealth => "farm-health",
                wpj_testkit::Expected::Failure(_) | wpj_testkit::Expected::SignIn(_) => "failure",
            };
            row.stage = match report.verdict() {
                Some(v) => Some(v.stage),
                None => report.has_failures().then_some(wpj::Stage::FarmHealth),
            };
            if let Some(v) = report.verdict() {
                row.code = Some(v.failure.code());
                row.hresult = v.hresult.map(|h| h.to_string());
                row.http_status = v.http_status;
                row.event_id = v.event.map(|e| e.id);
                row.kb = v.kb.map(|k| k.to_string());
                row.summary.clone_from(&v.summary);
            } else if let Some(p) = report.problems().next() {
                row.summary.clone_from(&p.summary);
            }
            if report
                .findings()
                .iter()
                .any(|f| f.status == wpj::Status::Error)
                && report.verdict().is_none()
            {
                row.outcome = "error";
            }
        }
    }
    row.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    row
}

fn table(rows: &[Row], style: Style, elapsed: Duration) -> String {
    let code = |r: &Row| match (&r.hresult, r.http_status, r.code) {
        (Some(h), _, Some(c)) => format!("{h} {c}"),
        (None, Some(s), Some(c)) => format!("HTTP {s} {c}"),
        (_, _, Some(c)) => c.to_owned(),
        _ => "-".to_owned(),
    };
    let w0 = rows
        .iter()
        .map(|r| r.domain.len())
        .max()
        .unwrap_or(6)
        .max(6);
    let w2 = rows.iter().map(|r| code(r).len()).max().unwrap_or(4).max(4);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!(
            "{:<w0$}  {:<11}  {:<11}  {:<w2$}  {:>9}",
            "DOMAIN", "OUTCOME", "STAGE", "CODE", "TIME"
        ))
    );
    for r in rows {
        let code = code(r);
        let outcome = match r.outcome {
            "failure" | "error" => style.red(r.outcome),
            "healthy" => style.green(r.outcome),
            other => other.to_owned(),
        };
        let pad = 11usize.saturating_sub(r.outcome.len());
        let stage = r.stage.map_or("-", wpj::Stage::as_str);
        let _ = writeln!(
            out,
            "{:<w0$}  {outcome}{:pad$}  {stage:<11}  {code:<w2$}  {:>6} ms",
            r.domain, "", r.elapsed_ms
        );
    }
    let failing = rows.iter().filter(|r| r.outcome == "failure").count();
    let farm = rows.iter().filter(|r| r.outcome == "farm-health").count();
    let _ = writeln!(
        out,
        "\n{}; {failing} with a device failure, {farm} with farm-health failures only.",
        summary(rows.len(), elapsed)
    );
    out
}

/// `N domains in X s (Y/s), peak memory Z MiB`.
#[allow(clippy::cast_precision_loss)] // counts and bytes far below 2^52, shown rounded
fn summary(domains: usize, elapsed: Duration) -> String {
    let rate = domains as f64 / elapsed.as_secs_f64().max(1e-6);
    let mut line = format!(
        "{domains} domains in {:.1} s ({rate:.0}/s)",
        elapsed.as_secs_f64()
    );
    if let Some(peak) = peak_memory() {
        let _ = write!(line, ", peak memory {:.1} MiB", peak as f64 / 1_048_576.0);
    }
    line
}
