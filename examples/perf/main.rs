//! `perf`: the measurements behind `docs/PERFORMANCE.md`, printed as Markdown.
//!
//! ```text
//! bash scripts/perf.sh                       # builds everything, runs all of it, then the criterion benches
//! target/release/examples/perf latency       # TLS 1.3 and 1.2: each plan vs its round-trip bound, and vs dig/openssl/curl
//! target/release/examples/perf black-hole    # a target that answers nothing: overshoot past the deadline
//! target/release/examples/perf fleet         # 100 … 100,000 domains, and UPN lists: rate and peak memory
//! target/release/examples/perf crl           # CRL parse + lookup vs `openssl crl -noout`
//! target/release/examples/perf hostile       # hostile servers: wall time and peak memory of each run
//! ```
//!
//! It runs the release binaries next to it (`diagnose`, `lab`, `fleet`, `crl_memory`): build them
//! first with `cargo build --release --workspace --examples --all-features`. Figures are medians of
//! several runs on this machine, reported as ratios where the issue asks for ratios; nothing here is
//! a test. Exit codes: 0 measured, 2 a measurement could not be made (a tool missing, a run that
//! did not give the expected answer).
//!
//! One module per measurement ([`latency`], [`black_hole`], [`fleet`], [`crl`], [`hostile`]), and [`process`]
//! for what they share: statistics, the sibling binaries and `lab serve` in its own process. What
//! the programs say is read from their JSON (`--format json`, `--format jsonl`), never from their
//! text for people.

// Figures for people: counts, bytes and kibibytes far below 2^52, shown rounded.
#![allow(clippy::cast_precision_loss)]

#[path = "../common/mod.rs"]
mod common;

mod black_hole;
mod crl;
mod fleet;
mod hostile;
mod latency;
mod process;

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

/// Measure wpj: latency, black hole, fleet scaling, CRLs, hostile servers.
#[derive(Debug, Parser)]
#[command(name = "perf", version)]
struct Args {
    #[command(subcommand)]
    command: Measure,
}

#[derive(Debug, Clone, Subcommand)]
enum Measure {
    /// Every measurement with its defaults.
    All,
    /// One diagnosis (standard and complete plans, TLS 1.3 and TLS 1.2 services) against its
    /// round-trip bound, and against the shell sequence.
    Latency {
        /// Runs per figure (the median is reported).
        #[arg(long, default_value_t = 10)]
        runs: usize,
        /// Emulated one-way latency in milliseconds (a round trip is twice this).
        #[arg(long, default_value_t = 25)]
        latency_ms: u64,
    },
    /// A target that accepts nothing and answers nothing: how far past its deadline a run ends.
    BlackHole {
        /// Runs per figure.
        #[arg(long, default_value_t = 5)]
        runs: usize,
        /// The run's deadline in milliseconds.
        #[arg(long, default_value_t = 2000)]
        deadline_ms: u64,
    },
    /// `fleet` over many lab domains: domains per second and peak memory; then UPN lists (many
    /// lines, few suffixes): one diagnosis per suffix, memory flat in the list's length.
    Fleet {
        /// Fleet sizes (distinct domains), comma-separated.
        #[arg(long, value_delimiter = ',', default_values_t = [100usize, 1_000, 10_000, 100_000])]
        sizes: Vec<usize>,
        /// UPN list lengths (`user<i>@<suffix>` over `--suffixes` domains), comma-separated.
        #[arg(long, value_delimiter = ',', default_values_t = [2_800usize, 1_000_000])]
        upn_lines: Vec<usize>,
        /// How many suffixes the UPN lists share.
        #[arg(long, default_value_t = 14)]
        suffixes: usize,
        /// `fleet --concurrency`.
        #[arg(long, default_value_t = 32)]
        concurrency: u16,
    },
    /// CRL parse + serial lookup (as the revocation step does it) vs `openssl crl -noout`.
    Crl {
        /// CRL sizes in entries, comma-separated.
        #[arg(long, value_delimiter = ',', default_values_t = [10_000usize, 100_000, 1_000_000])]
        sizes: Vec<usize>,
        /// Runs per figure.
        #[arg(long, default_value_t = 3)]
        runs: usize,
    },
    /// `diagnose` against every hostile lab scenario: wall time and peak memory of each run.
    Hostile {
        /// Runs per scenario (the slowest and largest are reported).
        #[arg(long, default_value_t = 3)]
        runs: usize,
        /// The run's deadline (and per-step timeout) in milliseconds.
        #[arg(long, default_value_t = 3000)]
        deadline_ms: u64,
    },
}

/// A measurement's Markdown section, or why it could not be made.
type Outcome = Result<String, String>;

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Measure::All => all().await,
        Measure::Latency { runs, latency_ms } => {
            latency::latency(runs, Duration::from_millis(latency_ms)).await
        }
        Measure::BlackHole { runs, deadline_ms } => {
            black_hole::black_hole(runs, Duration::from_millis(deadline_ms)).await
        }
        Measure::Fleet {
            sizes,
            upn_lines,
            suffixes,
            concurrency,
        } => fleet::fleet(&sizes, &upn_lines, suffixes, concurrency).await,
        Measure::Crl { sizes, runs } => crl::crl(&sizes, runs),
        Measure::Hostile { runs, deadline_ms } => {
            hostile::hostile(runs, Duration::from_millis(deadline_ms))
        }
    };
    match result {
        Ok(markdown) => {
            print!("{markdown}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("perf: {e}");
            ExitCode::from(2)
        }
    }
}

async fn all() -> Outcome {
    let mut out = format!("# wpj performance run\n\n{}\n", machine());
    out += &latency::latency(10, Duration::from_millis(25)).await?;
    out += &black_hole::black_hole(5, Duration::from_secs(2)).await?;
    out += &fleet::fleet(&[100, 1_000, 10_000, 100_000], &[2_800, 1_000_000], 14, 32).await?;
    out += &crl::crl(&[10_000, 100_000, 1_000_000], 3)?;
    out += &hostile::hostile(3, Duration::from_secs(3))?;
    Ok(out)
}

/// Cores, memory, kernel, date: what the figures were measured on.
fn machine() -> String {
    let cores = std::thread::available_parallelism().map_or(0, std::num::NonZero::get);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .map(|v| v.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown".to_owned());
    let date = time::OffsetDateTime::now_utc().date();
    format!("Measured {date} on {cores} cores, {memory} memory.\n")
}

/// What is being measured, on standard error (the Markdown goes to standard output).
fn progress(what: &str) {
    eprintln!("perf: {what}");
}
