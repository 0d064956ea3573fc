//! `eventlog`: explain what Windows already logged — an exported `.evtx`, `wevtutil qe … /f:xml`
//! output or `dsregcmd /status` text — offline, on any OS.
//!
//! ```text
//! cargo run --features eventlog --example eventlog -- WorkplaceJoin.evtx
//! wevtutil qe "Microsoft-Windows-Workplace Join/Admin" /f:xml > wpj.xml   # on the device
//! cargo run --features eventlog --example eventlog -- wpj.xml --format json
//! dsregcmd /status > dsreg.txt                                               # on the device
//! cargo run --features eventlog --example eventlog -- dsreg.txt wpj.xml
//! ```
//!
//! Each file gets its own report, which says which file it is from. With `--format json`, one file
//! prints one report object, several files an array of them.
//!
//! Exit codes: 0 no failure logged, 1 failure(s) logged, 2 unreadable input or usage error.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, ValueEnum};
use wpj::eventlog::Logs;

/// Explain device-registration failures from Windows event logs or dsregcmd output.
#[derive(Debug, Parser)]
#[command(name = "eventlog", version)]
struct Args {
    /// `.evtx` files, `wevtutil … /f:xml` output or `dsregcmd /status` output (one report each).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// How much of a file was read, for the line under its report.
fn read_line(logs: &Logs) -> String {
    let mut line = if logs.source == wpj::LogSource::Dsregcmd {
        format!(
            "{} lines read, {} with a code or an HTTP status",
            logs.read,
            logs.events.len()
        )
    } else {
        format!(
            "{} events read, {} about device registration",
            logs.read,
            logs.events.len()
        )
    };
    if logs.unreadable > 0 {
        let _ = write!(line, ", {} unreadable", logs.unreadable);
    }
    line
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut reports = Vec::new();
    let mut unreadable = false;
    for file in &args.files {
        match wpj::eventlog::read_file(file) {
            Ok(logs) => reports.push((logs.report(), read_line(&logs))),
            Err(e) => {
                eprintln!("eventlog: {}: {e}", file.display());
                unreadable = true;
            }
        }
    }
    match args.format {
        Format::Json => {
            let json = if let [(report, _)] = reports.as_slice() {
                serde_json::to_string_pretty(report)
            } else {
                let all: Vec<_> = reports.iter().map(|(r, _)| r).collect();
                serde_json::to_string_pretty(&all)
            };
            match json {
                Ok(json) => println!("{json}"),
                Err(e) => {
                    eprintln!("eventlog: internal error: {e}");
                    return ExitCode::from(2);
                }
            }
        }
        Format::Text => {
            for (i, (report, read)) in reports.iter().enumerate() {
                if i > 0 {
                    println!();
                }
                print!("{report}");
                println!("({read})");
            }
        }
    }
    if unreadable {
        ExitCode::from(2)
    } else if reports.iter().any(|(r, _)| r.has_failures()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
