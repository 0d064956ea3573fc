//! `diagnose`: replay a Windows device's device-registration discovery and say, in Windows' own
//! terms, what would fail and how to fix it.
//!
//! ```text
//! cargo run --release --example diagnose -- --demo all        # every lab scenario, no network
//! cargo run --example diagnose -- --demo tls-revoked-leaf
//! cargo run --example diagnose -- alice@contoso.com
//! cargo run --example diagnose -- contoso.com --dns-server internal=10.0.0.53 --dns-server external=8.8.8.8
//! ```
//!
//! Exit codes: 0 no failure found (for `--demo all`: every scenario as expected), 1 failure(s) found
//! (or a scenario not as expected), 2 usage or internal error.

#[path = "common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::process::ExitCode;

use anstream::{print, println};
use clap::Parser;
use common::render::{BOLD, DIM, GREEN, Marks, RED, Table, label, outcome, paint};
use common::{DiagnoseOptions, Format, lab_settings};
use futures_util::StreamExt as _;
use serde::Serialize;
use wpj::{Clean, Evidence, Finding, Report, Runner, Settings, Stage};
use wpj_testkit::{Expected, Scenario};

/// Diagnose why a Windows device cannot Workplace Join / register with its device registration
/// service (DRS on AD FS, or Microsoft Entra ID).
#[derive(Debug, Parser)]
#[command(name = "diagnose", version)]
struct Args {
    /// The user's UPN or its domain: `alice@contoso.com` or `contoso.com`.
    #[arg(required_unless_present_any = ["demo", "list_scenarios"], conflicts_with = "demo")]
    target: Option<String>,
    #[command(flatten)]
    options: DiagnoseOptions,
    /// Diagnose a built-in lab scenario on loopback (no network needed); `all` runs every one.
    #[arg(long, value_name = "SCENARIO|all")]
    demo: Option<String>,
    /// List the lab scenarios.
    #[arg(long)]
    list_scenarios: bool,
    /// Which checks to run: `standard` is the path a device takes (DNS, TCP, TLS, revocation,
    /// contract); `complete` adds the AD FS farm and federation service.
    #[arg(long, value_enum, default_value_t = PlanArg::Complete)]
    plan: PlanArg,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Show every piece of evidence, timings, and progress on stderr.
    #[arg(short, long)]
    verbose: bool,
}

/// `--plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum PlanArg {
    /// The device's path: DNS, TCP, TLS, revocation, contract.
    Standard,
    /// The device's path, then every AD FS node, the sign-in hosts, the probe and the federation service.
    Complete,
}

impl PlanArg {
    fn plan(self) -> wpj::Plan {
        match self {
            Self::Standard => wpj::Plan::standard(),
            Self::Complete => wpj::Plan::complete(),
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let marks = Marks::detect();
    if args.list_scenarios {
        print!("{}", scenario_list());
        return ExitCode::SUCCESS;
    }
    match args.demo.as_deref() {
        Some("all") => demo_all(&args, marks).await,
        Some(name) => demo_one(&args, name, marks).await,
        None => {
            let target = args.target.as_deref().unwrap_or_default();
            match args.options.settings(target) {
                Ok(settings) => {
                    if let Some(note) = settings.target.note() {
                        eprintln!("diagnose: {note}");
                    }
                    run(&args, settings, marks, None).await
                }
                Err(e) => fail_usage(&e),
            }
        }
    }
}

fn fail_usage(message: &str) -> ExitCode {
    eprintln!("diagnose: {message}");
    ExitCode::from(2)
}

async fn run(args: &Args, settings: Settings, marks: Marks, demo: Option<&Scenario>) -> ExitCode {
    let mut runner = Runner::new();
    if args.verbose {
        runner = runner.on_progress(|event| match event {
            wpj::ProgressEvent::Started { check } => eprintln!("diagnose: {check} …"),
            wpj::ProgressEvent::Finished {
                check,
                status,
                elapsed,
            } => eprintln!(
                "diagnose: {check} {status} ({})",
                wpj::HumanDuration(*elapsed)
            ),
            _ => {}
        });
    }
    let report = runner.run(&args.plan.plan(), settings).await;
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(e) => return fail_usage(&format!("internal error: {e}")),
        },
        Format::Text => {
            if let Some(s) = demo {
                println!(
                    "{}",
                    paint(
                        DIM,
                        format_args!(
                            "Lab scenario {}: {} (expected: {})",
                            s.name,
                            s.description,
                            outcome(s.expected)
                        )
                    )
                );
            }
            print!("{}", render(&report, marks, args.verbose));
        }
    }
    if report.has_failures() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

async fn demo_one(args: &Args, name: &str, marks: Marks) -> ExitCode {
    let Some(scenario) = Scenario::find(name) else {
        return fail_usage(&format!(
            "no scenario named {name:?}; --list-scenarios shows them"
        ));
    };
    let lab = match scenario.start().await {
        Ok(lab) => lab,
        Err(e) => return fail_usage(&format!("the lab could not start: {e}")),
    };
    let mut settings = lab_settings(&lab);
    settings.mode = match args.options.mode {
        common::ModeArg::Auto => wpj::Mode::Auto,
        common::ModeArg::Entra => wpj::Mode::Entra,
        common::ModeArg::Onprem => wpj::Mode::Onprem,
    };
    settings.client = args.options.client;
    run(args, settings, marks, Some(&scenario)).await
}

/// One row of `--demo all`.
#[derive(Debug, Serialize)]
struct DemoRow {
    scenario: &'static str,
    expected: String,
    got: String,
    /// Where the diagnosis lands: the verdict's stage, `farm-health` when only the farm's own
    /// health fails, `-` when nothing fails.
    stage: String,
    matches: bool,
    report: Report,
}

/// How many demo labs run at once in `--demo all`.
const DEMO_LABS_AT_ONCE: usize = 8;

async fn demo_all(args: &Args, marks: Marks) -> ExitCode {
    let scenarios = Scenario::all();
    let runs = scenarios.iter().map(|scenario| async move {
        let lab = scenario
            .start()
            .await
            .map_err(|e| format!("{}: {e}", scenario.name))?;
        let report = Runner::new()
            .run(&args.plan.plan(), lab_settings(&lab))
            .await;
        Ok::<_, String>(DemoRow {
            scenario: scenario.name,
            expected: outcome(scenario.expected),
            got: outcome(Expected::of(&report)),
            stage: outcome_stage(&report),
            matches: Expected::of(&report) == scenario.expected,
            report,
        })
    });
    // A few labs at a time, in the catalogue's order: a hundred labs at once on two cores would
    // make their own servers miss the lab's short timeouts.
    let rows: Result<Vec<DemoRow>, String> = futures_util::stream::iter(runs)
        .buffered(DEMO_LABS_AT_ONCE)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect();
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => return fail_usage(&format!("a lab could not start: {e}")),
    };
    let all_match = rows.iter().all(|r| r.matches);
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&rows) {
            Ok(json) => println!("{json}"),
            Err(e) => return fail_usage(&format!("internal error: {e}")),
        },
        Format::Text => print!("{}", demo_table(&rows, marks)),
    }
    if all_match {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// The stage a report's outcome belongs to, for the `--demo all` table.
fn outcome_stage(report: &Report) -> String {
    match report.verdict() {
        Some(v) => v.stage.to_string(),
        None if report.has_failures() => Stage::FarmHealth.to_string(),
        None => "-".to_owned(),
    }
}

fn demo_table(rows: &[DemoRow], marks: Marks) -> String {
    let mut table = Table::new()
        .with_row(["SCENARIO", "EXPECTED", "GOT", "STAGE", "MATCH"].map(|h| paint(BOLD, h)));
    for r in rows {
        table.row([
            r.scenario.to_owned(),
            r.expected.clone(),
            r.got.clone(),
            r.stage.clone(),
            marks.matches(r.matches),
        ]);
    }
    let matched = rows.iter().filter(|r| r.matches).count();
    format!(
        "{}\n{matched} of {} scenarios diagnosed as expected. `--demo <scenario>` shows one in full.\n",
        table.render(),
        rows.len()
    )
}

fn scenario_list() -> String {
    let mut table = Table::new();
    for s in Scenario::all() {
        table.row([
            s.name.to_owned(),
            outcome(s.expected),
            s.description.to_owned(),
        ]);
    }
    table.render()
}

/// Evidence worth showing without `--verbose`.
fn key_evidence(e: &Evidence) -> bool {
    match e {
        Evidence::Dns(_)
        | Evidence::CertificateProblem { .. }
        | Evidence::Revocation(_)
        | Evidence::Http(_)
        | Evidence::Node(_)
        | Evidence::Probe(_)
        | Evidence::TokenCertificate(_)
        | Evidence::Timeout { .. }
        | Evidence::Panic { .. }
        | Evidence::Note { .. } => true,
        Evidence::Connect(c) => c.outcome != wpj::ConnectOutcome::Connected,
        Evidence::Certificate(c) => c.position == 0 || c.source == wpj::CertificateSource::Aia,
        _ => false,
    }
}

/// One problem with its label and fix.
fn problem_line(out: &mut String, p: &Finding, marks: Marks) {
    let label = p
        .failure
        .map_or_else(String::new, |f| format!(" ({})", label(f)));
    let _ = writeln!(
        out,
        "  {} {}: {}{label}",
        marks.status(p.status),
        p.check,
        Clean(&p.summary)
    );
    if let Some(fix) = &p.remediation {
        let _ = writeln!(out, "      Fix: {}", Clean(fix));
    }
}

/// The report for people.
fn render(report: &Report, marks: Marks, verbose: bool) -> String {
    let mut out = String::new();
    let timing = if verbose {
        format!(", {}", wpj::HumanDuration(report.elapsed()))
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{} {}\n",
        paint(
            BOLD,
            format_args!(
                "Device registration discovery for {}",
                Clean(report.target())
            )
        ),
        paint(
            DIM,
            format_args!(
                "(mode {}{}{timing})",
                report.mode(),
                report
                    .client()
                    .map_or_else(String::new, |c| format!(", client {c}"))
            )
        )
    );
    // Status, stage, check, what it saw; the evidence under what it saw.
    let mut steps = Table::new().indent(2).gap(0, 1).gap(1, 1);
    for finding in report.findings() {
        let elapsed = if verbose {
            paint(
                DIM,
                format_args!(" ({})", wpj::HumanDuration(finding.elapsed)),
            )
        } else {
            String::new()
        };
        steps.row([
            marks.status(finding.status),
            paint(DIM, finding.stage),
            finding.check.as_str().to_owned(),
            format!("{}{elapsed}", Clean(&finding.summary)),
        ]);
        for e in finding
            .evidence
            .iter()
            .filter(|e| verbose || key_evidence(e))
        {
            steps.row([
                String::new(),
                String::new(),
                String::new(),
                paint(DIM, format_args!("· {}", Clean(e))),
            ]);
        }
    }
    out += &steps.render();
    out.push('\n');
    match report.verdict() {
        Some(v) => {
            let _ = writeln!(out, "{} {}", paint(RED, "Verdict:"), Clean(v));
            let _ = writeln!(out, "  User sees: {}", v.message_stage.user_message());
            let _ = writeln!(out, "  Fix: {}", Clean(&v.remediation));
            let mut more = vec![format!("docs/errors/{}.md", v.failure.code())];
            if let Some(kb) = v.kb {
                more.insert(0, kb.url());
            }
            let _ = writeln!(out, "  More: {}", more.join(" · "));
        }
        None => {
            let _ = writeln!(
                out,
                "{} no device failure found: a Windows device would get through discovery and sign-in.",
                paint(GREEN, "Verdict:")
            );
        }
    }
    let verdict_check = report.verdict().map(|v| v.check.clone());
    let others: Vec<&Finding> = report
        .problems()
        .filter(|p| p.stage.is_device_path() && Some(&p.check) != verdict_check.as_ref())
        .collect();
    if !others.is_empty() {
        let _ = writeln!(out, "\n{}", paint(BOLD, "Also found:"));
        for p in others {
            problem_line(&mut out, p, marks);
        }
    }
    let farm: Vec<&Finding> = report
        .stage(Stage::FarmHealth)
        .filter(|p| p.status.is_problem())
        .collect();
    if !farm.is_empty() {
        let _ = writeln!(
            out,
            "\n{} {}",
            paint(BOLD, "Farm health:"),
            paint(
                DIM,
                format_args!("no device verdict; {}", Stage::FarmHealth.affects())
            )
        );
        for p in farm {
            problem_line(&mut out, p, marks);
        }
    }
    out
}
