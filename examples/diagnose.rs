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

use clap::Parser;
use common::{DiagnoseOptions, Format, Style, lab_settings};
use serde::Serialize;
use wpj::{Evidence, Finding, Report, Runner, Settings, Stage};
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
    let style = Style::detect();
    if args.list_scenarios {
        print!("{}", scenario_list());
        return ExitCode::SUCCESS;
    }
    match args.demo.as_deref() {
        Some("all") => demo_all(&args, style).await,
        Some(name) => demo_one(&args, name, style).await,
        None => {
            let target = args.target.as_deref().unwrap_or_default();
            match args.options.settings(target) {
                Ok(settings) => {
                    if let Some(note) = settings.target.note() {
                        eprintln!("diagnose: {note}");
                    }
                    run(&args, settings, style, None).await
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

async fn run(args: &Args, settings: Settings, style: Style, demo: Option<&Scenario>) -> ExitCode {
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
                    style.dim(&format!(
                        "Lab scenario {}: {} (expected: {})",
                        s.name, s.description, s.expected
                    ))
                );
            }
            print!("{}", render(&report, style, args.verbose));
        }
    }
    if report.has_failures() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

async fn demo_one(args: &Args, name: &str, style: Style) -> ExitCode {
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
    run(args, settings, style, Some(&scenario)).await
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

async fn demo_all(args: &Args, style: Style) -> ExitCode {
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
            expected: scenario.expected.to_string(),
            got: Expected::of(&report).to_string(),
            stage: outcome_stage(&report),
            matches: Expected::of(&report) == scenario.expected,
            report,
        })
    });
    let rows: Result<Vec<DemoRow>, String> = futures_util::future::join_all(runs)
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
        Format::Text => print!("{}", demo_table(&rows, style)),
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

fn demo_table(rows: &[DemoRow], style: Style) -> String {
    let w0 = rows
        .iter()
        .map(|r| r.scenario.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let w1 = rows
        .iter()
        .map(|r| r.expected.len())
        .max()
        .unwrap_or(8)
        .max(8);
    let w2 = rows.iter().map(|r| r.got.len()).max().unwrap_or(3).max(3);
    let w3 = "farm-health".len();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}",
        style.bold(&format!(
            "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  MATCH",
            "SCENARIO", "EXPECTED", "GOT", "STAGE"
        ))
    );
    for r in rows {
        let mark = match (r.matches, style.unicode) {
            (true, true) => style.green("✔"),
            (true, false) => "yes".to_owned(),
            (false, true) => style.red("✘"),
            (false, false) => style.red("NO"),
        };
        let _ = writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {mark}",
            r.scenario, r.expected, r.got, r.stage
        );
    }
    let matched = rows.iter().filter(|r| r.matches).count();
    let _ = writeln!(
        out,
        "\n{matched} of {} scenarios diagnosed as expected. `--demo <scenario>` shows one in full.",
        rows.len()
    );
    out
}

fn scenario_list() -> String {
    let all = Scenario::all();
    let w0 = all.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let w1 = all
        .iter()
        .map(|s| s.expected.to_string().len())
        .max()
        .unwrap_or(0);
    let mut out = String::new();
    for s in &all {
        let _ = writeln!(
            out,
            "{:<w0$}  {:<w1$}  {}",
            s.name,
            s.expected.to_string(),
            s.description
        );
    }
    out
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

/// One problem with its code and fix.
fn problem_line(out: &mut String, p: &Finding, style: Style) {
    let code = p
        .failure
        .map(|f| {
            f.hresult()
                .map_or_else(|| f.code().to_owned(), |h| h.to_string())
        })
        .map_or_else(String::new, |c| format!(" ({c})"));
    let _ = writeln!(
        out,
        "  {} {}: {}{code}",
        style.status(p.status),
        p.check,
        p.summary
    );
    if let Some(fix) = &p.remediation {
        let _ = writeln!(out, "      Fix: {fix}");
    }
}

/// The report for people.
fn render(report: &Report, style: Style, verbose: bool) -> String {
    let mut out = String::new();
    let timing = if verbose {
        format!(", {}", wpj::HumanDuration(report.elapsed()))
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{} {}\n",
        style.bold(&format!(
            "Device registration discovery for {}",
            report.target()
        )),
        style.dim(&format!(
            "(mode {}{}{timing})",
            report.mode(),
            report
                .client()
                .map_or_else(String::new, |c| format!(", client {c}"))
        ))
    );
    let width = report
        .findings()
        .iter()
        .map(|f| f.check.as_str().len())
        .max()
        .unwrap_or(0);
    for finding in report.findings() {
        let elapsed = if verbose {
            style.dim(&format!(" ({})", wpj::HumanDuration(finding.elapsed)))
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {} {} {:<width$}  {}{elapsed}",
            style.status(finding.status),
            style.dim(&format!("{:<11}", finding.stage.as_str())),
            finding.check.as_str(),
            finding.summary
        );
        for e in finding
            .evidence
            .iter()
            .filter(|e| verbose || key_evidence(e))
        {
            let _ = writeln!(
                out,
                "  {:width$}                 {}",
                "",
                style.dim(&format!("· {e}"))
            );
        }
    }
    out.push('\n');
    match report.verdict() {
        Some(v) => {
            let _ = writeln!(out, "{} {v}", style.red("Verdict:"));
            let _ = writeln!(out, "  User sees: {}", v.message_stage.user_message());
            let _ = writeln!(out, "  Fix: {}", v.remediation);
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
                style.green("Verdict:")
            );
        }
    }
    let verdict_check = report.verdict().map(|v| v.check.clone());
    let others: Vec<&Finding> = report
        .problems()
        .filter(|p| p.stage.is_device_path() && Some(&p.check) != verdict_check.as_ref())
        .collect();
    if !others.is_empty() {
        let _ = writeln!(out, "\n{}", style.bold("Also found:"));
        for p in others {
            problem_line(&mut out, p, style);
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
            style.bold("Farm health:"),
            style.dim(&format!(
                "no device verdict; {}",
                Stage::FarmHealth.affects()
            ))
        );
        for p in farm {
            problem_line(&mut out, p, style);
        }
    }
    out
}
