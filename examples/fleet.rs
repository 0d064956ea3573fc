//! `fleet`: diagnose many domains — a list of UPNs or domains, read as a stream — with bounded
//! concurrency, one diagnosis per UPN suffix, every result written the moment its diagnosis ends.
//!
//! ```text
//! cargo run --release --example fleet -- users.txt --format jsonl > results.jsonl
//! cargo run --release --example fleet -- users.txt --format jsonl --resume results.jsonl >> results.jsonl
//! cargo run --release --example fleet -- --demo 200          # 200 lab domains, no network
//! ```
//!
//! - **Input**: one UPN or domain per line (`-` reads standard input), read as a stream; blank lines
//!   and `#` comments are skipped and counted.
//! - **One diagnosis per suffix**: lines that reduce to the same UPN suffix (case, trailing dot,
//!   IDNA: `Alice@Contoso.com`, `contoso.com.`) are diagnosed once; every line still gets its own
//!   row, and the rows of the later lines say which line carries the diagnosis (`same_as`).
//! - **Streaming**: rows come in the order diagnoses end, each with its input line number; JSONL
//!   writes and flushes one line per row; text writes one table row per row. The summary comes last
//!   (text: after the rows; JSONL: on standard error, so standard output holds only rows).
//! - **Interruption**: Ctrl-C or SIGTERM starts no new diagnosis, gives the running ones `--grace`
//!   to end (their rows are written), abandons the rest (no row: they were not answered), prints
//!   the summary and exits 130. Twice: stop at once. A panic in one domain's work is that line's
//!   `error` row.
//! - **Resume**: `--resume FILE` reads a previous JSONL output of the same list and skips every
//!   line that already has a row there; the rows of both runs together answer every line once.
//!
//! Exit codes: 0 no line has a failure, 1 some do (farm health and errors included), 2 usage or
//! internal error, 130 interrupted.

#[cfg(not(test))]
#[path = "common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::fmt;
use std::hash::{DefaultHasher, Hash as _, Hasher as _};
use std::io::{BufRead, BufReader, Read as _, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use futures_util::future::BoxFuture;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use tokio::task::{Id, JoinSet};
use wpj::{Clean, Hresult, JoinFailure, Kb, Plan, Report, Runner, Settings, Stage, Status, Target};
use wpj_testkit::memory::peak_memory;
use wpj_testkit::{Expected, Lab, Scenario};

use crate::common::render::{BOLD, DIM, GREEN, RED, Table, label, paint};
use crate::common::{DiagnoseOptions, lab_settings, parse_duration};

/// Diagnose device-registration discovery for many domains concurrently.
#[derive(Debug, Parser)]
#[command(name = "fleet", version)]
struct Args {
    /// A file with one UPN or domain per line (`-`: standard input).
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
    /// A previous `--format jsonl` output of the same list: lines that have a row there are skipped.
    #[arg(long, value_name = "FILE")]
    resume: Option<PathBuf>,
    /// After Ctrl-C or SIGTERM, how long running diagnoses may go on before they are abandoned.
    #[arg(long, value_parser = parse_duration, default_value = "2s")]
    grace: Duration,
    #[command(flatten)]
    options: DiagnoseOptions,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FleetFormat {
    /// A table, one row per line as it is answered, then the summary.
    Text,
    /// One JSON object per line of the input (docs/json-schema.md, "Fleet row").
    Jsonl,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    // Before anything runs: a signal from now on stops the run instead of killing the process.
    let stop = match signals() {
        Ok(stop) => stop,
        Err(e) => return usage(&format!("cannot listen for signals: {e}")),
    };
    let previous = match &args.resume {
        Some(path) => match Previous::read(path) {
            Ok(previous) => previous,
            Err(e) => return usage(&e),
        },
        None => Previous::default(),
    };
    let mut labs: Vec<Lab> = Vec::new();
    let (input, settings): (Box<dyn BufRead + Send>, SettingsFn) = match (&args.domains, args.demo)
    {
        (_, Some(n)) => match demo(n, &mut labs).await {
            Ok(demo) => demo,
            Err(e) => return usage(&e),
        },
        (Some(path), None) => {
            let input: Box<dyn BufRead + Send> = if path == Path::new("-") {
                Box::new(BufReader::new(std::io::stdin()))
            } else {
                match std::fs::File::open(path) {
                    Ok(file) => Box::new(BufReader::new(file)),
                    Err(e) => return usage(&format!("{}: {e}", path.display())),
                }
            };
            // Options are read once (a bad --ca-file is a usage error, not an error per line).
            let template = match args.options.settings("template.invalid") {
                Ok(template) => template,
                Err(e) => return usage(&e),
            };
            let settings: SettingsFn = Arc::new(move |target: &Target| {
                let mut settings = template.clone();
                settings.target = target.clone();
                Ok(settings)
            });
            (input, settings)
        }
        (None, None) => return usage("give a file of domains, or --demo N"),
    };
    let engine = Engine {
        concurrency: usize::from(args.concurrency),
        grace: args.grace,
        settings,
        diagnose: plan_diagnosis(Plan::complete()),
    };
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} {pos} lines answered [{elapsed_precise}] {per_sec}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    // Colour on a terminal only (anstream drops it for pipes, files and NO_COLOR).
    let mut stdout = anstream::AutoStream::auto(std::io::stdout().lock());
    let mut out = Output {
        format: args.format,
        writer: &mut stdout,
        bar: bar.clone(),
    };
    let result = run(&engine, input, &previous, &mut out, stop).await;
    bar.finish_and_clear();
    drop(labs);
    let tally = match result {
        Ok(tally) => tally,
        Err(e) => return usage(&e),
    };
    let summary = tally.summary(args.resume.as_deref());
    match args.format {
        FleetFormat::Text => {
            let _ = writeln!(stdout, "\n{summary}");
            let _ = stdout.flush();
        }
        FleetFormat::Jsonl => eprintln!("{summary}"),
    }
    ExitCode::from(tally.exit_code())
}

fn usage(message: &str) -> ExitCode {
    eprintln!("fleet: {message}");
    ExitCode::from(2)
}

/// Ctrl-C and SIGTERM, one message each, for as long as the receiver lives.
fn signals() -> std::io::Result<mpsc::UnboundedReceiver<()>> {
    let (tx, rx) = mpsc::unbounded_channel();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        // Registered here, synchronously: from this point the default action (exit) is replaced.
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    Some(()) = interrupt.recv() => {}
                    Some(()) = terminate.recv() => {}
                    else => return,
                }
                if tx.send(()).is_err() {
                    return;
                }
            }
        });
    }
    #[cfg(not(unix))]
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            if tx.send(()).is_err() {
                return;
            }
        }
    });
    Ok(rx)
}

/// `n` lab domains, cycling through the scenario catalogue, each with its own lab: their names as
/// the input, and the settings that point at each lab.
async fn demo(
    n: u32,
    labs: &mut Vec<Lab>,
) -> Result<(Box<dyn BufRead + Send>, SettingsFn), String> {
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
    let mut names = String::new();
    let mut by_suffix = HashMap::new();
    for lab in started {
        let lab = lab.map_err(|e| format!("a lab could not start: {e}"))?;
        names.push_str(lab.domain());
        names.push('\n');
        let settings = lab_settings(&lab);
        by_suffix.insert(settings.target.suffix().to_owned(), settings);
        labs.push(lab);
    }
    let settings: SettingsFn = Arc::new(move |target: &Target| {
        by_suffix
            .get(target.suffix())
            .cloned()
            .ok_or_else(|| format!("{} is not a demo domain", target.suffix()))
    });
    Ok((Box::new(std::io::Cursor::new(names.into_bytes())), settings))
}

// ---------------------------------------------------------------------------------------------
// The engine: what the command line drives, and what the tests drive with their own plans.

/// The settings for one target (`Err`: why it cannot be diagnosed, as its row's summary).
pub(crate) type SettingsFn = Arc<dyn Fn(&Target) -> Result<Settings, String> + Send + Sync>;

/// One diagnosis.
pub(crate) type DiagnoseFn = Arc<dyn Fn(Settings) -> BoxFuture<'static, Report> + Send + Sync>;

/// Diagnoses with `plan` (the command line uses [`Plan::complete`]).
pub(crate) fn plan_diagnosis(plan: Plan) -> DiagnoseFn {
    let plan = Arc::new(plan);
    Arc::new(move |settings| {
        let plan = Arc::clone(&plan);
        Box::pin(async move { Runner::new().run(&plan, settings).await })
    })
}

/// How a fleet run diagnoses.
pub(crate) struct Engine {
    /// Diagnoses at once.
    pub(crate) concurrency: usize,
    /// After a stop request, how long running diagnoses may go on.
    pub(crate) grace: Duration,
    /// The settings for each target.
    pub(crate) settings: SettingsFn,
    /// One diagnosis.
    pub(crate) diagnose: DiagnoseFn,
}

/// Where rows go.
pub(crate) struct Output<'w> {
    pub(crate) format: FleetFormat,
    /// Text rows are painted: give a stream that drops colour where it does not belong
    /// ([`anstream::AutoStream`]).
    pub(crate) writer: &'w mut dyn Write,
    /// Drawn on standard error; rows are written with it suspended.
    pub(crate) bar: ProgressBar,
}

/// What a row says, whichever line it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Outcome {
    /// Nothing wrong.
    Healthy,
    /// Problems that do not stop a device.
    Warning,
    /// A device verdict.
    Failure,
    /// No device verdict; the farm's own health fails.
    FarmHealth,
    /// The line could not be diagnosed (bad input, the tool's own trouble).
    Error,
}

impl Outcome {
    const ALL: [Self; 5] = [
        Self::Healthy,
        Self::Warning,
        Self::Failure,
        Self::FarmHealth,
        Self::Error,
    ];

    fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "healthy",
            Self::Warning => "warning",
            Self::Failure => "failure",
            Self::FarmHealth => "farm-health",
            Self::Error => "error",
        }
    }

    fn index(self) -> usize {
        match self {
            Self::Healthy => 0,
            Self::Warning => 1,
            Self::Failure => 2,
            Self::FarmHealth => 3,
            Self::Error => 4,
        }
    }

    fn fails(self) -> bool {
        matches!(self, Self::Failure | Self::FarmHealth | Self::Error)
    }
}

/// What one diagnosis concluded: a row without where it came from. Kept per suffix, so that a
/// later line with the same suffix gets the same answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Answer {
    pub(crate) outcome: Outcome,
    pub(crate) stage: Option<Stage>,
    pub(crate) code: Option<JoinFailure>,
    pub(crate) hresult: Option<Hresult>,
    pub(crate) http_status: Option<u16>,
    pub(crate) event_id: Option<u16>,
    pub(crate) kb: Option<Kb>,
    pub(crate) summary: String,
}

impl Answer {
    const HEALTHY: Self = Self {
        outcome: Outcome::Healthy,
        stage: None,
        code: None,
        hresult: None,
        http_status: None,
        event_id: None,
        kb: None,
        summary: String::new(),
    };

    fn error(summary: impl Into<String>) -> Self {
        Self {
            outcome: Outcome::Error,
            summary: summary.into(),
            ..Self::HEALTHY
        }
    }

    fn of(report: &Report) -> Self {
        let mut answer = Self::HEALTHY;
        answer.outcome = match Expected::of(report) {
            Expected::Healthy => Outcome::Healthy,
            Expected::Warning => Outcome::Warning,
            Expected::FarmHealth => Outcome::FarmHealth,
            Expected::Failure(_) | Expected::SignIn(_) => Outcome::Failure,
        };
        answer.stage = match report.verdict() {
            Some(v) => Some(v.stage),
            None => report.has_failures().then_some(Stage::FarmHealth),
        };
        if let Some(v) = report.verdict() {
            answer.code = Some(v.failure);
            answer.hresult = v.hresult;
            answer.http_status = v.http_status;
            answer.event_id = v.event.map(|e| e.id);
            answer.kb = v.kb;
            answer.summary.clone_from(&v.summary);
        } else if let Some(error) = report.findings().iter().find(|f| f.status == Status::Error) {
            // The tool's own trouble (a panicking check) without a device verdict.
            answer.outcome = Outcome::Error;
            answer.summary = format!("{}: {}", error.check, error.summary);
        } else if let Some(p) = report.problems().next() {
            answer.summary.clone_from(&p.summary);
        }
        answer
    }
}

/// One line of `--format jsonl` (docs/json-schema.md, "Fleet row").
#[derive(Debug, Serialize)]
struct Row<'a> {
    schema_version: u32,
    /// The input line (1-based) this row answers.
    line: u64,
    /// The line as given (trimmed).
    domain: &'a str,
    /// The UPN suffix it reduces to; `None` when the line is not a UPN or domain.
    suffix: Option<&'a str>,
    /// The line whose diagnosis this row repeats (same suffix); `None` on the diagnosed line.
    same_as: Option<u64>,
    outcome: &'a Outcome,
    stage: Option<Stage>,
    code: Option<JoinFailure>,
    hresult: Option<Hresult>,
    http_status: Option<u16>,
    event_id: Option<u16>,
    kb: Option<Kb>,
    summary: &'a str,
    /// Time spent on this line: the diagnosis, 0 for a row that repeats another line's.
    elapsed_ms: u64,
}

/// A row of a previous output, as `--resume` reads it.
#[derive(Debug, Deserialize)]
struct PreviousRow {
    line: u64,
    domain: String,
    suffix: Option<String>,
    same_as: Option<u64>,
    #[serde(flatten)]
    answer: Answer,
}

/// What `--resume FILE` found: the lines answered there, and the diagnoses they carry.
#[derive(Debug, Default)]
pub(crate) struct Previous {
    /// Input line → (hash of its text, the outcome of its row).
    lines: HashMap<u64, (u64, Outcome)>,
    /// Suffix → (the line that carries its diagnosis, the answer).
    answers: Vec<(String, u64, Answer)>,
}

/// The largest `--resume` file read (100,000 rows are about 30 MB).
const RESUME_CAP: u64 = 1024 * 1024 * 1024;

impl Previous {
    /// Reads a previous JSONL output (a regular file, at most [`RESUME_CAP`] bytes).
    pub(crate) fn read(path: &Path) -> Result<Self, String> {
        let file = crate::common::open_file(path, RESUME_CAP)
            .map_err(|e| format!("--resume {}: {e}", path.display()))?;
        Self::parse(BufReader::new(file), &path.display().to_string())
    }

    /// Reads JSONL rows; a cut-off last line (a run killed mid-write) is ignored with a note.
    pub(crate) fn parse(reader: impl BufRead, name: &str) -> Result<Self, String> {
        let mut previous = Self::default();
        let mut bad: Option<(usize, String)> = None;
        for (i, line) in reader.lines().enumerate() {
            let line = line.map_err(|e| format!("--resume {name}: {e}"))?;
            if line.trim().is_empty() {
                continue;
            }
            if let Some((n, e)) = bad.take() {
                return Err(format!(
                    "--resume {name}: line {n} is not a fleet row with a line number ({e})"
                ));
            }
            match serde_json::from_str::<PreviousRow>(&line) {
                Ok(row) => {
                    previous
                        .lines
                        .insert(row.line, (text_hash(&row.domain), row.answer.outcome));
                    if let (Some(suffix), None) = (row.suffix, row.same_as) {
                        previous.answers.push((suffix, row.line, row.answer));
                    }
                }
                Err(e) => bad = Some((i + 1, e.to_string())),
            }
        }
        if let Some((n, _)) = bad {
            eprintln!(
                "fleet: --resume {name}: line {n}, the last, is cut off and was ignored \
                 (remove it before appending to {name})"
            );
        }
        Ok(previous)
    }
}

fn text_hash(text: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// What a run did, for the summary and the exit code.
#[derive(Debug, Default)]
pub(crate) struct Tally {
    /// Lines read.
    pub(crate) lines: u64,
    /// Blank lines.
    pub(crate) blank: u64,
    /// `#` comments.
    pub(crate) comments: u64,
    /// Lines that are not a UPN or domain (each an `error` row).
    pub(crate) bad: u64,
    /// Diagnoses that ended (one per suffix).
    pub(crate) diagnosed: u64,
    /// Lines whose suffix an earlier line already has: their rows repeat its answer.
    pub(crate) shared: u64,
    /// Rows written, by outcome (`Outcome::ALL` order).
    pub(crate) rows: [u64; 5],
    /// Lines that already had a row in the `--resume` file, by outcome.
    pub(crate) resumed: [u64; 5],
    /// A stop was requested (Ctrl-C, SIGTERM).
    pub(crate) interrupted: bool,
    /// Lines left without a row because their diagnosis was abandoned at the stop.
    pub(crate) abandoned: Vec<u64>,
    /// Wall time of the run.
    pub(crate) elapsed: Duration,
}

impl Tally {
    /// 130 interrupted, 1 a failure in any row (this run's or the resumed file's), else 0.
    pub(crate) fn exit_code(&self) -> u8 {
        let failing = |counts: &[u64; 5]| {
            Outcome::ALL
                .into_iter()
                .any(|o| o.fails() && counts[o.index()] > 0)
        };
        if self.interrupted {
            130
        } else {
            u8::from(failing(&self.rows) || failing(&self.resumed))
        }
    }

    /// The summary lines, each starting `fleet:`.
    pub(crate) fn summary<'a>(&'a self, resume: Option<&'a Path>) -> Summary<'a> {
        Summary {
            tally: self,
            resume,
        }
    }
}

/// [`Tally::summary`].
pub(crate) struct Summary<'a> {
    tally: &'a Tally,
    resume: Option<&'a Path>,
}

impl fmt::Display for Summary<'_> {
    #[allow(clippy::cast_precision_loss)] // counts and bytes far below 2^52, shown rounded
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.tally;
        let counts = |counts: &[u64; 5]| {
            Outcome::ALL
                .into_iter()
                .map(|o| format!("{} {}", counts[o.index()], o.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let secs = t.elapsed.as_secs_f64().max(1e-6);
        writeln!(
            f,
            "fleet: {}: {}, {} sharing an earlier line's suffix, {} not a domain, {}, {}",
            plural(t.lines, "line", "lines"),
            plural(t.diagnosed, "diagnosis", "diagnoses"),
            t.shared,
            t.bad,
            plural(t.blank, "blank line", "blank lines"),
            plural(t.comments, "comment", "comments"),
        )?;
        let written: u64 = t.rows.iter().sum();
        write!(
            f,
            "fleet: {}: {}; {} in {:.1} s ({:.0}/s)",
            plural(written, "row", "rows"),
            counts(&t.rows),
            plural(t.diagnosed, "domain", "domains"),
            secs,
            t.diagnosed as f64 / secs
        )?;
        if let Some(peak) = peak_memory() {
            write!(f, ", peak memory {:.1} MiB", peak as f64 / 1_048_576.0)?;
        }
        if let Some(resume) = self.resume {
            let resumed: u64 = t.resumed.iter().sum();
            write!(
                f,
                "\nfleet: {} already answered in {}: {}",
                plural(resumed, "line", "lines"),
                resume.display(),
                counts(&t.resumed)
            )?;
        }
        if t.interrupted {
            write!(
                f,
                "\nfleet: interrupted after line {}: {} written",
                t.lines,
                plural(written, "row", "rows")
            )?;
            if !t.abandoned.is_empty() {
                let shown: Vec<String> = t.abandoned.iter().take(20).map(u64::to_string).collect();
                let more = if t.abandoned.len() > 20 { ", …" } else { "" };
                write!(
                    f,
                    "; {} abandoned without a row: {}{more}",
                    plural(t.abandoned.len() as u64, "line", "lines"),
                    shown.join(", ")
                )?;
            }
            write!(
                f,
                "; run again with --resume <this output> to answer the rest"
            )?;
        }
        Ok(())
    }
}

/// `1 line`, `2 lines`.
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A line read from the input: its number (1-based) and text.
type Line = std::io::Result<(u64, String)>;

/// The longest line kept; a longer one is answered as not a domain.
const MAX_LINE: usize = 4096;
/// How much is read looking for the end of a line: one byte more than [`MAX_LINE`].
const MAX_LINE_READ: u64 = 4097;

/// Lines waiting for a running diagnosis of their suffix, at most: reading pauses beyond.
const MAX_WAITING: usize = 4096;

/// Reads `input` on its own thread (a blocking read of a terminal must not hold the runtime),
/// a line at a time, as fast as the run takes them.
fn read_lines(mut input: Box<dyn BufRead + Send>, tx: mpsc::Sender<Line>) {
    std::thread::spawn(move || {
        let mut number = 0u64;
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let read = (&mut input).take(MAX_LINE_READ).read_until(b'\n', &mut buf);
            let line = match read {
                Ok(0) => return,
                Ok(_) if buf.len() > MAX_LINE && buf.last() != Some(&b'\n') => {
                    if let Err(e) = skip_line(&mut *input) {
                        let _ = tx.blocking_send(Err(e));
                        return;
                    }
                    "<a line longer than 4096 bytes>".to_owned()
                }
                Ok(_) => String::from_utf8_lossy(&buf).into_owned(),
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            };
            number += 1;
            if tx.blocking_send(Ok((number, line))).is_err() {
                return;
            }
        }
    });
}

/// Discards the rest of a line a buffer at a time (an overlong line is never held whole).
fn skip_line(input: &mut dyn BufRead) -> std::io::Result<()> {
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(());
        }
        if let Some(end) = buf.iter().position(|b| *b == b'\n') {
            input.consume(end + 1);
            return Ok(());
        }
        let len = buf.len();
        input.consume(len);
    }
}

/// A diagnosis in progress.
struct Running {
    line: u64,
    domain: Box<str>,
    suffix: Box<str>,
    started: Instant,
}

/// What is known about a suffix.
enum Known {
    /// Being diagnosed; later lines with the same suffix wait for it: (line, text).
    Running(Vec<(u64, Box<str>)>),
    /// Answered at `line`.
    Done { line: u64, answer: Arc<Answer> },
}

/// Runs the fleet: reads `input` line by line, starts at most `engine.concurrency` diagnoses (one
/// per suffix), writes each row when it is known, and stops early when `stop` receives (a second
/// message abandons the running diagnoses at once). `Err`: the input could not be read, the
/// output could not be written, or the `--resume` file is not of this list.
pub(crate) async fn run(
    engine: &Engine,
    input: Box<dyn BufRead + Send>,
    previous: &Previous,
    out: &mut Output<'_>,
    mut stop: mpsc::UnboundedReceiver<()>,
) -> Result<Tally, String> {
    let started = Instant::now();
    let mut tally = Tally::default();
    let (tx, mut lines) = mpsc::channel::<Line>(1024);
    read_lines(input, tx);
    out.header()?;

    // One answer shared by every healthy suffix: a healthy fleet keeps little per domain.
    let healthy = Arc::new(Answer::HEALTHY);
    let mut known: HashMap<Box<str>, Known> = HashMap::new();
    for (suffix, line, answer) in &previous.answers {
        known.insert(
            suffix.as_str().into(),
            Known::Done {
                line: *line,
                answer: Arc::new(answer.clone()),
            },
        );
    }
    let mut tasks: JoinSet<(Answer, Duration)> = JoinSet::new();
    let mut running: HashMap<Id, Running> = HashMap::new();
    let mut waiting = 0usize;
    let mut input_done = false;
    let mut stop_open = true;
    let mut grace_until: Option<tokio::time::Instant> = None;

    loop {
        let stopping = grace_until.is_some();
        let can_read =
            !stopping && !input_done && tasks.len() < engine.concurrency && waiting < MAX_WAITING;
        if !can_read && tasks.is_empty() {
            break;
        }
        let grace_at = grace_until;
        let grace = async move {
            match grace_at {
                Some(at) => tokio::time::sleep_until(at).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            signal = stop.recv(), if stop_open => {
                if signal.is_none() {
                    stop_open = false;
                } else if stopping {
                    break; // a second request: stop now
                } else {
                    tally.interrupted = true;
                    grace_until = Some(tokio::time::Instant::now() + engine.grace);
                    out.note(&format!(
                        "fleet: interrupted: no new diagnoses; waiting up to {:.1} s for the {} \
                         running (interrupt again to stop now)",
                        engine.grace.as_secs_f64(),
                        tasks.len()
                    ));
                }
            }
            () = grace => break,
            Some(joined) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                let (id, answer, elapsed) = match joined {
                    Ok((id, (answer, elapsed))) => (id, answer, Some(elapsed)),
                    Err(e) => {
                        let id = e.id();
                        let why = if e.is_panic() {
                            format!("the diagnosis panicked: {}", panic_message(&*e.into_panic()))
                        } else {
                            "the diagnosis was cancelled".to_owned()
                        };
                        (id, Answer::error(why), None)
                    }
                };
                let Some(done) = running.remove(&id) else {
                    return Err("internal error: a diagnosis nobody started ended".to_owned());
                };
                let elapsed = elapsed.unwrap_or_else(|| done.started.elapsed());
                let elapsed = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
                let answer = if answer == *healthy {
                    Arc::clone(&healthy)
                } else {
                    Arc::new(answer)
                };
                tally.diagnosed += 1;
                let suffix = Some(&*done.suffix);
                out.row(&mut tally, done.line, &done.domain, suffix, None, &answer, elapsed)?;
                let before = known.insert(
                    done.suffix.clone(),
                    Known::Done { line: done.line, answer: Arc::clone(&answer) },
                );
                if let Some(Known::Running(queued)) = before {
                    waiting -= queued.len();
                    for (line, domain) in queued {
                        out.row(&mut tally, line, &domain, suffix, Some(done.line), &answer, 0)?;
                    }
                }
            }
            line = lines.recv(), if can_read => {
                let Some(line) = line else {
                    input_done = true;
                    continue;
                };
                let (number, text) = line.map_err(|e| format!("reading the list: {e}"))?;
                tally.lines = number;
                let text = text.trim_start_matches('\u{feff}').trim();
                if let Some((hash, outcome)) = previous.lines.get(&number) {
                    if *hash != text_hash(text) {
                        return Err(format!(
                            "--resume: line {number} of the list ({text:?}) is not the line \
                             the previous output answered: not the same list"
                        ));
                    }
                    tally.resumed[outcome.index()] += 1;
                    continue;
                }
                if text.is_empty() {
                    tally.blank += 1;
                    continue;
                }
                if text.starts_with('#') {
                    tally.comments += 1;
                    continue;
                }
                // Reading a line is part of that line's work: a panic there is its error row.
                let target = std::panic::catch_unwind(|| Target::parse(text).map_err(|e| e.to_string()))
                    .unwrap_or_else(|p| Err(format!("reading this line panicked: {}", panic_message(&*p))));
                let target = match target {
                    Ok(target) => target,
                    Err(why) => {
                        tally.bad += 1;
                        out.row(&mut tally, number, text, None, None, &Answer::error(why), 0)?;
                        continue;
                    }
                };
                match known.get_mut(target.suffix()) {
                    Some(Known::Done { line, answer }) => {
                        tally.shared += 1;
                        let (line, answer) = (*line, Arc::clone(answer));
                        out.row(&mut tally, number, text, Some(target.suffix()), Some(line), &answer, 0)?;
                    }
                    Some(Known::Running(queued)) => {
                        tally.shared += 1;
                        waiting += 1;
                        queued.push((number, text.into()));
                    }
                    None => {
                        let suffix: Box<str> = target.suffix().into();
                        known.insert(suffix.clone(), Known::Running(Vec::new()));
                        let settings = Arc::clone(&engine.settings);
                        let diagnose = Arc::clone(&engine.diagnose);
                        // Settings and diagnosis run in the task: a panic in either is this
                        // line's error row, never the end of the run.
                        let handle = tasks.spawn(async move {
                            let started = Instant::now();
                            let answer = match settings(&target) {
                                Ok(settings) => Answer::of(&diagnose(settings).await),
                                Err(why) => Answer::error(why),
                            };
                            (answer, started.elapsed())
                        });
                        running.insert(handle.id(), Running {
                            line: number,
                            domain: text.into(),
                            suffix,
                            started: Instant::now(),
                        });
                    }
                }
            }
        }
    }

    // Whatever still runs was cut short: no row, so that --resume answers it.
    tasks.abort_all();
    for (_, cut) in running.drain() {
        tally.abandoned.push(cut.line);
        if let Some(Known::Running(lines)) = known.get(&cut.suffix) {
            tally.abandoned.extend(lines.iter().map(|(line, _)| *line));
        }
    }
    tally.abandoned.sort_unstable();
    tally.elapsed = started.elapsed();
    Ok(tally)
}

impl Output<'_> {
    fn header(&mut self) -> Result<(), String> {
        if self.format == FleetFormat::Text {
            let header = text_table()
                .with_row(["LINE", "OUTCOME", "STAGE", "TIME", "DOMAIN"].map(|h| paint(BOLD, h)))
                .render();
            self.write(header.trim_end())?;
        }
        Ok(())
    }

    /// A message for people, on standard error, around the progress bar.
    fn note(&self, message: &str) {
        self.bar.suspend(|| eprintln!("{message}"));
    }

    /// Writes and counts one row.
    #[allow(clippy::too_many_arguments)] // one row's fields
    fn row(
        &mut self,
        tally: &mut Tally,
        line: u64,
        domain: &str,
        suffix: Option<&str>,
        same_as: Option<u64>,
        answer: &Answer,
        elapsed_ms: u64,
    ) -> Result<(), String> {
        tally.rows[answer.outcome.index()] += 1;
        let text = match self.format {
            FleetFormat::Jsonl => serde_json::to_string(&Row {
                schema_version: wpj::SCHEMA_VERSION,
                line,
                domain,
                suffix,
                same_as,
                outcome: &answer.outcome,
                stage: answer.stage,
                code: answer.code,
                hresult: answer.hresult,
                http_status: answer.http_status,
                event_id: answer.event_id,
                kb: answer.kb,
                summary: &answer.summary,
                elapsed_ms,
            })
            .map_err(|e| format!("internal error: {e}"))?,
            FleetFormat::Text => text_row(line, domain, same_as, answer, elapsed_ms),
        };
        self.write(&text)?;
        self.bar.inc(1);
        Ok(())
    }

    /// One line, flushed at once: a reader of the output sees every row the moment it is known.
    fn write(&mut self, line: &str) -> Result<(), String> {
        let writer = &mut *self.writer;
        self.bar
            .suspend(|| {
                writer
                    .write_all(format!("{line}\n").as_bytes())
                    .and_then(|()| writer.flush())
            })
            .map_err(|e| format!("writing the output: {e}"))
    }
}

/// The text table, one row at a time: fixed widths for the first columns, so that rows line up
/// although they are written before the longest domain is known. Widths: `LINE` up to a million
/// lines, the longest outcome and stage (`farm-health`), `TIME` up to 99999 ms.
fn text_table() -> Table {
    Table::new().min_widths(&[6, 11, 11, 9]).right(0).right(3)
}

/// `  LINE  OUTCOME  STAGE  TIME  DOMAIN  [(as line N)]  [LABEL: summary]`.
fn text_row(
    line: u64,
    domain: &str,
    same_as: Option<u64>,
    answer: &Answer,
    elapsed_ms: u64,
) -> String {
    let outcome = answer.outcome.as_str();
    let painted = match answer.outcome {
        Outcome::Failure | Outcome::Error => paint(RED, outcome),
        Outcome::Healthy => paint(GREEN, outcome),
        Outcome::Warning | Outcome::FarmHealth => outcome.to_owned(),
    };
    let stage = answer.stage.map_or("-", Stage::as_str);
    let time = if same_as.is_some() {
        "-".to_owned()
    } else {
        format!("{elapsed_ms} ms")
    };
    let mut rest = vec![Clean(domain).to_string()];
    if let Some(first) = same_as {
        rest.push(paint(DIM, format_args!("(as line {first})")));
    }
    if answer.outcome != Outcome::Healthy {
        match (answer.code.map(label), answer.summary.is_empty()) {
            (Some(label), false) => rest.push(format!("{label}: {}", Clean(&answer.summary))),
            (Some(label), true) => rest.push(label.to_string()),
            (None, false) => rest.push(Clean(&answer.summary).to_string()),
            (None, true) => {}
        }
    }
    let row = text_table()
        .with_row([
            line.to_string(),
            painted,
            stage.to_owned(),
            time,
            rest.join("  "),
        ])
        .render();
    row.trim_end().to_owned()
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".to_owned())
}
