//! `eventlog`: explain what Windows already logged — an exported `.evtx`, `wevtutil qe … /f:xml`
//! output or `dsregcmd /status` text — offline, on any OS.
//!
//! ```text
//! cargo run --features eventlog --example eventlog -- WorkplaceJoin.evtx
//! wevtutil qe "Microsoft-Windows-Workplace Join/Admin" /f:xml > wpj.xml   # on the device
//! cargo run --features eventlog --example eventlog -- wpj.xml --format json
//! dsregcmd /status > dsreg.txt                                               # on the device
//! cargo run --features eventlog --example eventlog -- dsreg.txt
//! ```
//!
//! Exit codes: 0 no failure logged, 1 failure(s) logged, 2 unreadable input or usage error.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};

/// Explain device-registration failures from Windows event logs or dsregcmd output.
#[derive(Debug, Parser)]
#[command(name = "eventlog", version)]
struct Args {
    /// An `.evtx` file, `wevtutil … /f:xml` output, or `dsregcmd /status` output.
    file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let bytes = match std::fs::read(&args.file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("eventlog: {}: {e}", args.file.display());
            return ExitCode::from(2);
        }
    };
    let logs = match wpj::eventlog::read(&bytes) {
        Ok(logs) => logs,
        Err(e) => {
            eprintln!("eventlog: {}: {e}", args.file.display());
            return ExitCode::from(2);
        }
    };
    let report = logs.report();
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(e) => {
                eprintln!("eventlog: internal error: {e}");
                return ExitCode::from(2);
            }
        },
        Format::Text => {
            let mut out = format!(
                "{} events about device registration in {} ({} read{})\n\n",
                logs.events.len(),
                args.file.display(),
                logs.read,
                if logs.unreadable > 0 {
                    format!(", {} unreadable", logs.unreadable)
                } else {
                    String::new()
                }
            );
            out.push_str(&report.to_string());
            let _ = writeln!(out);
            print!("{out}");
        }
    }
    if report.has_failures() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
