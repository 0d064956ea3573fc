//! `eventlog`: explain what Windows already logged — an exported `.evtx`, `wevtutil qe … /f:xml`
//! output or `dsregcmd /status` text — offline, on any OS.
//!
//! ```text
//! cargo run --all-features --example eventlog -- examples/data/workplace-join-admin.xml
//! cargo run --all-features --example eventlog -- examples/data/dsregcmd-status.txt --format json
//! cargo run --all-features --example eventlog -- examples/data/capi2-revocation-offline.xml examples/data/workplace-join-revocation-offline.xml
//! wevtutil qe "Microsoft-Windows-Workplace Join/Admin" /f:xml > wpj.xml      # on the device
//! wevtutil qe Microsoft-Windows-CAPI2/Operational /f:xml > capi2.xml          # on the device
//! ```
//!
//! Each file gets its own report, which says which file it is from. With `--join`, the files make
//! one timeline instead; they are always joined when one of them is a CAPI2 log
//! (`Microsoft-Windows-CAPI2/Operational`), whose chain builds explain the certificate failures of
//! the others (`event 102 0x80072F19 at 09:14:03 ← the chain engine could not fetch
//! http://pki.contoso.com/ca.crl (timeout) at 09:14:02`). The verdict describes the latest attempt;
//! earlier attempts are shown as history. A log with nothing about device registration says so and
//! states no verdict. With `--format json`, one report prints one object, several an array.
//!
//! Exit codes: 0 no failure in the latest attempt (or nothing to explain), 1 failure(s) logged,
//! 2 a file that is not a log (or cannot be read) or a usage error.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anstream::{print, println};
use clap::{Parser, ValueEnum};
use wpj::eventlog::{Logs, ReadError};

/// Explain device-registration failures from Windows event logs or dsregcmd output.
#[derive(Debug, Parser)]
#[command(name = "eventlog", version)]
struct Args {
    /// `.evtx` files, `wevtutil … /f:xml` output or `dsregcmd /status` output (one report each,
    /// unless joined).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Make one timeline of all the files (always done when one of them is a CAPI2 log).
    #[arg(long)]
    join: bool,
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
    let mut line = String::new();
    if let Some(origin) = &logs.origin {
        let _ = write!(line, "{}: ", wpj::Clean(origin));
    }
    if logs.source == wpj::LogSource::Dsregcmd {
        let _ = write!(
            line,
            "{} lines read, {} with a code or an HTTP status",
            logs.read,
            logs.events.len()
        );
    } else {
        let _ = write!(
            line,
            "{} events read, {} about device registration",
            logs.read,
            logs.events.len()
        );
    }
    if !logs.chains.is_empty() {
        let _ = write!(
            line,
            ", {} certificate chain(s) built by Windows' chain engine ({} for a registration server)",
            logs.chains.len(),
            logs.registration_chains().len()
        );
    }
    if logs.unreadable > 0 {
        let _ = write!(line, ", {} unreadable", logs.unreadable);
    }
    line
}

/// Which attempt the verdict describes, under a report with more than one.
fn attempts_line(logs: &Logs) -> Option<String> {
    let attempts = logs.attempts();
    let latest = attempts.last()?;
    let when = latest.started.map_or_else(
        || "in the dsregcmd /status output".to_owned(),
        |t| {
            format!(
                "at {} {:02}:{:02}:{:02}",
                t.date(),
                t.hour(),
                t.minute(),
                t.second()
            )
        },
    );
    let earlier = attempts.len() - 1;
    Some(match (latest.failed, earlier) {
        (true, 0) => format!("The verdict describes the latest (and only) attempt, {when}."),
        (true, n) => format!(
            "The verdict describes the latest attempt, {when}; {n} earlier attempt(s) are history (warn)."
        ),
        (false, 0) => format!("The only attempt, {when}, logged no failure."),
        (false, n) => format!(
            "The latest attempt, {when}, logged no failure; {n} earlier attempt(s) are history (warn)."
        ),
    })
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut read = Vec::new();
    let mut unreadable = false;
    for file in &args.files {
        match wpj::eventlog::read_file(file) {
            Ok(logs) => read.push(logs),
            Err(e) => {
                let what = match e {
                    ReadError::UnknownFormat | ReadError::Empty => "not a log",
                    ReadError::Evtx(_) | ReadError::Xml(_) => "a damaged log",
                    _ => "cannot be read",
                };
                eprintln!(
                    "eventlog: {}: {what}: {e}; nothing to explain",
                    file.display()
                );
                unreadable = true;
            }
        }
    }
    let lines: Vec<String> = read.iter().map(read_line).collect();
    let capi2 = read.iter().any(|l| !l.chains.is_empty());
    let inputs: Vec<(Logs, Vec<String>)> = if (args.join || capi2) && read.len() > 1 {
        Logs::join(read).map(|l| (l, lines)).into_iter().collect()
    } else {
        read.into_iter()
            .zip(lines)
            .map(|(l, r)| (l, vec![r]))
            .collect()
    };
    let reports: Vec<_> = inputs.iter().map(|(logs, _)| logs.report()).collect();
    match args.format {
        Format::Json => {
            let json = if let [report] = reports.as_slice() {
                serde_json::to_string_pretty(report)
            } else {
                serde_json::to_string_pretty(&reports)
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
            for (i, ((logs, read), report)) in inputs.iter().zip(&reports).enumerate() {
                if i > 0 {
                    println!();
                }
                if let Some(nothing) = logs.nothing_to_explain() {
                    // No verdict: nothing here is about device registration.
                    println!("{nothing}");
                } else {
                    print!("{report}");
                    if let Some(line) = attempts_line(logs) {
                        println!("{line}");
                    }
                }
                for line in read {
                    println!("({line})");
                }
            }
        }
    }
    if unreadable {
        ExitCode::from(2)
    } else if reports.iter().any(wpj::Report::has_failures) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
