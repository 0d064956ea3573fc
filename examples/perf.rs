//! `perf`: the measurements behind `docs/PERFORMANCE.md`, printed as Markdown.
//!
//! ```text
//! bash scripts/perf.sh                       # builds everything, runs all of it, then the criterion benches
//! target/release/examples/perf latency       # one diagnosis vs the 6-RTT bound and vs dig/openssl/curl
//! target/release/examples/perf black-hole    # a target that answers nothing: overshoot past the deadline
//! target/release/examples/perf fleet         # 100 … 100,000 domains, and UPN lists: rate and peak memory
//! target/release/examples/perf crl           # CRL parse + lookup vs `openssl crl -noout`
//! ```
//!
//! It runs the release binaries next to it (`diagnose`, `lab`, `fleet`, `crl_memory`): build them
//! first with `cargo build --release --workspace --examples --all-features`. Figures are medians of
//! several runs on this machine, reported as ratios where the issue asks for ratios; nothing here is
//! a test. Exit codes: 0 measured, 2 a measurement could not be made (a tool missing, a run that
//! did not give the expected answer).

// Figures for people: counts, bytes and kibibytes far below 2^52, shown rounded.
#![allow(clippy::cast_precision_loss)]

use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use serde::Deserialize;
use wpj::{Plan, Report, Runner, Settings};
use wpj_testkit::fleet::FleetLab;
use wpj_testkit::{Lab, LabSpec, Scenario};

/// Measure wpj: latency, black hole, fleet scaling, CRLs.
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
    /// One diagnosis against the 6-round-trip bound and against the shell sequence.
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
}

type Outcome = Result<String, String>;

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let result = match args.command {
        Measure::All => all().await,
        Measure::Latency { runs, latency_ms } => {
            latency(runs, Duration::from_millis(latency_ms)).await
        }
        Measure::BlackHole { runs, deadline_ms } => {
            black_hole(runs, Duration::from_millis(deadline_ms)).await
        }
        Measure::Fleet {
            sizes,
            upn_lines,
            suffixes,
            concurrency,
        } => fleet(&sizes, &upn_lines, suffixes, concurrency).await,
        Measure::Crl { sizes, runs } => crl(&sizes, runs),
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
    out += &latency(10, Duration::from_millis(25)).await?;
    out += &black_hole(5, Duration::from_secs(2)).await?;
    out += &fleet(&[100, 1_000, 10_000, 100_000], &[2_800, 1_000_000], 14, 32).await?;
    out += &crl(&[10_000, 100_000, 1_000_000], 3)?;
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

fn progress(what: &str) {
    eprintln!("perf: {what}");
}

// ---------------------------------------------------------------------------------------------
// Statistics and processes

/// Median and minimum of some durations.
#[derive(Debug, Clone, Copy)]
struct Stats {
    median: Duration,
    min: Duration,
}

impl Stats {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        Self {
            median: samples.get(samples.len() / 2).copied().unwrap_or_default(),
            min: samples.first().copied().unwrap_or_default(),
        }
    }
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn ratio(a: Duration, b: Duration) -> String {
    if b.is_zero() {
        "–".to_owned()
    } else {
        format!("{:.2}×", a.as_secs_f64() / b.as_secs_f64())
    }
}

/// A release binary built next to this one.
fn sibling(name: &str) -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("where am I: {e}"))?;
    let path = exe.with_file_name(name);
    if path.exists() {
        Ok(path)
    } else {
        Err(format!(
            "{} is missing: build it with `cargo build --release --workspace --examples --all-features`",
            path.display()
        ))
    }
}

/// Whether `tool` can be run (it is on `PATH`).
fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
        || Command::new(tool)
            .arg("-v")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
}

/// Runs `command` to completion, output discarded; an error unless it exits 0 (or `allowed`).
fn run(command: &mut Command, allowed: &[i32]) -> Result<Duration, String> {
    let started = Instant::now();
    let status = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .stdin(Stdio::null())
        .status()
        .map_err(|e| format!("{command:?}: {e}"))?;
    let elapsed = started.elapsed();
    match status.code() {
        Some(0) => Ok(elapsed),
        Some(c) if allowed.contains(&c) => Ok(elapsed),
        _ => Err(format!("{command:?} ended with {status}")),
    }
}

/// `lab serve` running in its own process, as an admin would start it.
struct LabProcess {
    child: Child,
    endpoints: Endpoints,
}

/// The part of `lab serve --format json` the harness uses.
#[derive(Debug, Deserialize)]
struct Endpoints {
    domain: String,
    registration_name: String,
    dns: Vec<(String, String)>,
    https_addr: String,
    https_port: u16,
    contract_url: String,
    issuing_crl_url: String,
    root_crl_url: String,
    pki_addr: String,
    trust_root_file: PathBuf,
}

impl LabProcess {
    fn start(scenario: &str, one_way: Duration) -> Result<Self, String> {
        let mut command = Command::new(sibling("lab")?);
        command.args(["serve", scenario, "--format", "json"]);
        if !one_way.is_zero() {
            command.args(["--latency-ms", &one_way.as_millis().to_string()]);
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("lab serve: {e}"))?;
        let mut line = String::new();
        let stdout = child.stdout.take().ok_or("lab serve: no stdout")?;
        BufReader::new(stdout)
            .read_line(&mut line)
            .map_err(|e| format!("lab serve: {e}"))?;
        let endpoints: Endpoints =
            serde_json::from_str(&line).map_err(|e| format!("lab serve said {line:?}: {e}"))?;
        Ok(Self { child, endpoints })
    }

    fn pki_port(&self) -> &str {
        self.endpoints
            .pki_addr
            .rsplit(':')
            .next()
            .unwrap_or_default()
    }

    /// `diagnose` pointed at this lab.
    fn diagnose(&self, plan: &str, extra: &[&str]) -> Result<Command, String> {
        let e = &self.endpoints;
        let mut command = Command::new(sibling("diagnose")?);
        command.arg(&e.domain);
        for (view, addr) in &e.dns {
            command.args(["--dns-server", &format!("{view}={addr}")]);
        }
        command
            .arg("--ca-file")
            .arg(&e.trust_root_file)
            .args(["--no-system-roots", "--port", &e.https_port.to_string()])
            .args(["--plan", plan, "--format", "json"])
            .args(extra);
        Ok(command)
    }

    /// What an admin types: `dig`, `openssl s_client`, `curl` + `openssl crl` per CRL, `curl`.
    fn shell_sequence(&self, dir: &Path) -> Vec<Command> {
        let e = &self.endpoints;
        let (dns_ip, dns_port) = e.dns[0].1.rsplit_once(':').unwrap_or(("127.0.0.1", "53"));
        let (https_ip, _) = e.https_addr.rsplit_once(':').unwrap_or(("127.0.0.1", ""));
        let root = e.trust_root_file.display().to_string();
        let mut dig = Command::new("dig");
        dig.args([
            &format!("@{dns_ip}"),
            "-p",
            dns_port,
            "+tries=1",
            &e.registration_name,
            "A",
        ]);
        let mut s_client = Command::new("openssl");
        s_client.args([
            "s_client",
            "-connect",
            &e.https_addr,
            "-servername",
            &e.registration_name,
            "-CAfile",
            &root,
            "-verify_return_error",
            "-brief",
        ]);
        let mut commands = vec![dig, s_client];
        for (i, url) in [&e.issuing_crl_url, &e.root_crl_url]
            .into_iter()
            .enumerate()
        {
            let file = dir.join(format!("crl{i}.der"));
            let mut curl = Command::new("curl");
            curl.args(["-sSf", "--resolve"])
                .arg(format!("pki.{}:{}:127.0.0.1", e.domain, self.pki_port()))
                .arg("-o")
                .arg(&file)
                .arg(url);
            let mut inspect = Command::new("openssl");
            inspect
                .args(["crl", "-inform", "DER", "-noout", "-in"])
                .arg(&file);
            commands.push(curl);
            commands.push(inspect);
        }
        let mut contract = Command::new("curl");
        contract
            .args(["-sSf", "--cacert", &root, "--resolve"])
            .arg(format!(
                "{}:{}:{https_ip}",
                e.registration_name, e.https_port
            ))
            .args(["-H", "Accept: application/json", "-o", "/dev/null"])
            .arg(&e.contract_url);
        commands.push(contract);
        commands
    }
}

impl Drop for LabProcess {
    fn drop(&mut self) {
        // SIGTERM lets it remove its files; kill as a fallback.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        std::thread::sleep(Duration::from_millis(100));
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// Latency

/// Settings with time limits far above anything a healthy lab needs.
fn generous(mut settings: Settings) -> Settings {
    settings.network_timeout = Duration::from_secs(10);
    settings.check_timeout = Duration::from_secs(20);
    settings.deadline = Duration::from_secs(30);
    settings
}

async fn timed_runs(runs: usize, plan: &Plan, settings: &Settings) -> Result<Stats, String> {
    let mut samples = Vec::new();
    // One warm-up run: the first run loads the trust store and warms the allocator.
    for i in 0..=runs {
        let started = Instant::now();
        let report: Report = Runner::new().run(plan, settings.clone()).await;
        let elapsed = started.elapsed();
        if report.has_failures() || report.problems().next().is_some() {
            return Err(format!(
                "the healthy lab did not diagnose healthy:\n{report}"
            ));
        }
        if i > 0 {
            samples.push(elapsed);
        }
    }
    Ok(Stats::of(samples))
}

fn timed_commands(runs: usize, commands: &mut [Command]) -> Result<Stats, String> {
    let mut samples = Vec::new();
    for i in 0..=runs {
        let mut total = Duration::ZERO;
        for command in commands.iter_mut() {
            total += run(command, &[])?;
        }
        if i > 0 {
            samples.push(total);
        }
    }
    Ok(Stats::of(samples))
}

async fn latency(runs: usize, one_way: Duration) -> Outcome {
    let mut out = String::from("\n## Latency\n\n");
    let rtt = one_way * 2;
    let _ = writeln!(
        out,
        "Lab `healthy-onprem`; emulated latency {} each way ({} round trip) through the testkit's \
         delaying relay (DNS answers a round trip late; TCP handshake emulated). Bound: DNS 1 + TCP 1 + \
         TLS 1.3 1, then the CRL fetch (lookup 1, TCP 1, GET 1) overlapping the contract = **6 RTT = {}**. \
         Median of {runs} runs (min in brackets).\n",
        ms(one_way),
        ms(rtt),
        ms(rtt * 6)
    );
    let shell_ok = have("dig") && have("openssl") && have("curl");
    out += "| network | what | median (min) | vs 6-RTT bound | vs shell sequence |\n|---|---|---|---|---|\n";
    for one_way in [one_way, Duration::ZERO] {
        let label = if one_way.is_zero() {
            "loopback".to_owned()
        } else {
            format!("{} RTT", ms(one_way * 2))
        };
        let bound = one_way * 2 * 6;
        progress(&format!("latency: in-process runs over {label}"));
        let lab = Lab::start(LabSpec {
            latency: (!one_way.is_zero()).then_some(one_way),
            ..LabSpec::default()
        })
        .await
        .map_err(|e| format!("lab: {e}"))?;
        let settings = generous(lab.settings());
        let standard = timed_runs(runs, &Plan::standard(), &settings).await?;
        let complete = timed_runs(runs, &Plan::complete(), &settings).await?;
        drop(lab);

        progress(&format!("latency: processes over {label}"));
        let served = LabProcess::start("healthy-onprem", one_way)?;
        let mut diagnose = [served.diagnose("standard", &[])?];
        let process = timed_commands(runs, &mut diagnose)?;
        let shell = if shell_ok {
            let dir = std::env::temp_dir().join(format!("wpj-perf-{}", std::process::id()));
            std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
            let mut commands = served.shell_sequence(&dir);
            let stats = timed_commands(runs, &mut commands)?;
            let _ = std::fs::remove_dir_all(&dir);
            Some(stats)
        } else {
            None
        };
        drop(served);

        let row = |what: &str, s: Stats, vs_bound: bool, vs_shell: bool| {
            format!(
                "| {label} | {what} | {} ({}) | {} | {} |\n",
                ms(s.median),
                ms(s.min),
                if vs_bound {
                    ratio(s.median, bound)
                } else {
                    "–".to_owned()
                },
                match (vs_shell, shell) {
                    (true, Some(sh)) => format!("{} faster", ratio(sh.median, s.median)),
                    _ => "–".to_owned(),
                }
            )
        };
        out += &row("standard plan, in-process", standard, true, false);
        out += &row(
            "complete plan (+ AD FS nodes, federation), in-process",
            complete,
            false,
            false,
        );
        out += &row("`diagnose --plan standard` process", process, true, true);
        match shell {
            Some(sh) => {
                out += &row(
                    "shell: dig, openssl s_client, 2 × (curl + openssl crl), curl",
                    sh,
                    true,
                    false,
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "| {label} | shell sequence | not measured: dig, openssl and curl are needed | – | – |"
                );
            }
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Black hole

async fn black_hole(runs: usize, deadline: Duration) -> Outcome {
    let mut out = String::from("\n## Black hole\n\n");
    let _ = writeln!(
        out,
        "Lab `connect-black-hole`: the name resolves, the address accepts nothing and answers \
         nothing (SYNs dropped). Connect and check timeouts 60 s, deadline {}; the run must end \
         by the deadline + 100 ms with 0x80072EE2. {runs} runs.\n",
        ms(deadline)
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
    let mut code = String::new();
    for _ in 0..runs {
        let started = Instant::now();
        let report = Runner::new().run(&Plan::standard(), settings.clone()).await;
        samples.push(started.elapsed());
        code = report
            .verdict()
            .and_then(|v| v.hresult)
            .map(|h| h.to_string())
            .unwrap_or_default();
        if code != "0x80072EE2" {
            return Err(format!(
                "the black hole gave {code:?}, not 0x80072EE2:\n{report}"
            ));
        }
    }
    out += &overshoot_row("library run (standard plan)", &code, &samples, deadline);
    drop(lab);

    progress("black hole: diagnose processes");
    let served = LabProcess::start("connect-black-hole", Duration::ZERO)?;
    let deadline_arg = format!("{}ms", deadline.as_millis());
    let mut command = served.diagnose(
        "complete",
        &["--timeout", "120s", "--deadline", &deadline_arg],
    )?;
    command.stdin(Stdio::null()).stderr(Stdio::null());
    let mut samples = Vec::new();
    let mut code = String::new();
    for _ in 0..runs {
        let started = Instant::now();
        let output = command.output().map_err(|e| format!("diagnose: {e}"))?;
        samples.push(started.elapsed());
        if output.status.code() != Some(1) {
            return Err(format!(
                "diagnose on the black hole ended with {}",
                output.status
            ));
        }
        let json: serde_json::Value = serde_json::from_slice(&output.stdout)
            .map_err(|e| format!("diagnose --format json: {e}"))?;
        json.pointer("/verdict/hresult")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
            .clone_into(&mut code);
        if code != "0x80072EE2" {
            return Err(format!("diagnose on the black hole gave {code:?}"));
        }
    }
    out += &overshoot_row(
        "`diagnose` process (complete plan, process start-up included)",
        &code,
        &samples,
        deadline,
    );
    Ok(out)
}

fn overshoot_row(how: &str, code: &str, samples: &[Duration], deadline: Duration) -> String {
    let stats = Stats::of(samples.to_vec());
    let max = samples.iter().max().copied().unwrap_or_default();
    format!(
        "| {how} | {code} | {} ({}) | {} ({}) |\n",
        ms(stats.median),
        ms(max),
        ms(stats.median.saturating_sub(deadline)),
        ms(max.saturating_sub(deadline))
    )
}

// ---------------------------------------------------------------------------------------------
// Fleet

async fn fleet(sizes: &[usize], upn_lines: &[usize], suffixes: usize, concurrency: u16) -> Outcome {
    let mut out = String::from("\n## Fleet\n\n");
    let _ = writeln!(
        out,
        "`fleet --concurrency {concurrency} --format jsonl` (complete plan per domain) over a \
         `FleetLab` of healthy AD FS domains served from this harness's process (one DNS server, a \
         certificate per domain by SNI, shared CRL host and probe) on the same cores. Rate = domains \
         / wall time of the `fleet` process (start-up included); first row = when its first row \
         arrived on the pipe; memory = its peak RSS (`VmHWM`); lab CPU = this process's own CPU \
         time while `fleet` ran (serving the lab, reading the rows).\n"
    );
    out += "| domains | wall time | domains/s | first row | fleet CPU per domain | lab CPU per domain | peak memory | healthy rows |\n|---|---|---|---|---|---|---|---|\n";
    let binary = sibling("fleet")?;
    let dir = std::env::temp_dir().join(format!("wpj-perf-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let list = dir.join("domains.txt");
    let mut notes = String::new();
    for &size in sizes {
        progress(&format!("fleet: minting {size} domains"));
        let lab = FleetLab::start(size)
            .await
            .map_err(|e| format!("fleet lab: {e}"))?;
        write_list(&list, lab.domains().iter().map(String::as_str))?;
        progress(&format!("fleet: diagnosing {size} domains"));
        let run = fleet_run(&binary, &lab, &list, &dir, concurrency).await?;
        let _ = writeln!(
            out,
            "| {size} | {:.2} s | {:.0} | {} | {} | {} | {} | {}/{size} |",
            run.wall.as_secs_f64(),
            size as f64 / run.wall.as_secs_f64(),
            run.first_row.map_or_else(|| "none".to_owned(), ms),
            per_domain(run.cpu, size),
            per_domain(run.lab_cpu, size),
            run.peak,
            run.healthy,
        );
        run.note_unhealthy(size, &mut notes);
    }
    out += &notes;

    if !upn_lines.is_empty() {
        let _ = writeln!(
            out,
            "\nUPN lists (`user<i>@d<i mod {suffixes}>.fleet.test`): many lines over {suffixes} \
             suffixes, one diagnosis per suffix and a row per line.\n"
        );
        out += "| lines | suffixes | diagnoses | wall time | lines/s | first row | peak memory | healthy rows |\n|---|---|---|---|---|---|---|---|\n";
        progress(&format!("fleet: minting {suffixes} domains"));
        let lab = FleetLab::start(suffixes)
            .await
            .map_err(|e| format!("fleet lab: {e}"))?;
        let mut notes = String::new();
        for &lines in upn_lines {
            let domains = lab.domains();
            write_list(
                &list,
                (0..lines).map(|i| format!("user{i}@{}", domains[i % domains.len()])),
            )?;
            progress(&format!("fleet: {lines} UPN lines"));
            let run = fleet_run(&binary, &lab, &list, &dir, concurrency).await?;
            let _ = writeln!(
                out,
                "| {lines} | {suffixes} | {} | {:.2} s | {:.0} | {} | {} | {}/{lines} |",
                run.diagnoses,
                run.wall.as_secs_f64(),
                lines as f64 / run.wall.as_secs_f64(),
                run.first_row.map_or_else(|| "none".to_owned(), ms),
                run.peak,
                run.healthy,
            );
            run.note_unhealthy(lines, &mut notes);
        }
        out += &notes;
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out)
}

/// Writes one name per line, buffered (a million lines are a few dozen MiB).
fn write_list<S: AsRef<str>>(path: &Path, lines: impl Iterator<Item = S>) -> Result<(), String> {
    use std::io::Write as _;
    let fail = |e: std::io::Error| format!("{}: {e}", path.display());
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).map_err(fail)?);
    for line in lines {
        writeln!(file, "{}", line.as_ref()).map_err(fail)?;
    }
    file.flush().map_err(fail)
}

/// What one `fleet` process did.
struct FleetRun {
    wall: Duration,
    first_row: Option<Duration>,
    rows: usize,
    healthy: usize,
    first_unhealthy: Option<String>,
    diagnoses: String,
    peak: String,
    /// User + system seconds of `fleet`, from GNU time.
    cpu: Option<f64>,
    /// User + system seconds of this process (the lab) while `fleet` ran.
    lab_cpu: Option<f64>,
}

/// `7.41 ms` of CPU per domain.
fn per_domain(cpu_seconds: Option<f64>, domains: usize) -> String {
    cpu_seconds.map_or_else(
        || "unknown".to_owned(),
        |cpu| format!("{:.2} ms", cpu * 1000.0 / domains as f64),
    )
}

/// This process's user + system CPU seconds (`/proc/self/stat`, Linux; `None` elsewhere).
fn own_cpu() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    let rest: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: f64 = rest.get(11)?.parse::<f64>().ok()? + rest.get(12)?.parse::<f64>().ok()?;
    // USER_HZ is 100 on Linux (what `getconf CLK_TCK` prints).
    Some(ticks / 100.0)
}

impl FleetRun {
    fn note_unhealthy(&self, expected: usize, notes: &mut String) {
        if self.healthy != expected {
            let _ = writeln!(
                notes,
                "\n  ({} rows for {expected} lines, {} healthy; first not healthy: `{}`)\n",
                self.rows,
                self.healthy,
                self.first_unhealthy.as_deref().unwrap_or("-")
            );
        }
    }
}

/// Runs `fleet LIST` against `lab`, reading its rows as they stream in (the output of a million
/// lines is not held here).
async fn fleet_run(
    binary: &Path,
    lab: &FleetLab,
    list: &Path,
    dir: &Path,
    concurrency: u16,
) -> Result<FleetRun, String> {
    use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _};
    let root = dir.join("root.pem");
    std::fs::write(&root, lab.trust_root_pem()).map_err(|e| format!("{}: {e}", root.display()))?;
    // GNU time, when there, reports the process's CPU time and maxrss from outside.
    let gnu_time = Path::new("/usr/bin/time").exists();
    let mut command = if gnu_time {
        let mut c = tokio::process::Command::new("/usr/bin/time");
        c.args(["-f", "perf-rusage %U %S %M"]).arg(binary);
        c
    } else {
        tokio::process::Command::new(binary)
    };
    command
        .arg(list)
        .args(["--dns-server", &format!("internal={}", lab.resolver())])
        .arg("--ca-file")
        .arg(&root)
        .args(["--no-system-roots", "--port", &lab.https_port().to_string()])
        .args(["--adfs-probe-port", &lab.probe_port().to_string()])
        .args([
            "--concurrency",
            &concurrency.to_string(),
            "--format",
            "jsonl",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let started = Instant::now();
    let lab_started = own_cpu();
    // The lab must keep serving while fleet runs: everything here is asynchronous.
    let mut child = command.spawn().map_err(|e| format!("fleet: {e}"))?;
    let stdout = child.stdout.take().ok_or("fleet: no stdout")?;
    let mut stderr_pipe = child.stderr.take().ok_or("fleet: no stderr")?;
    let stderr_task = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text).await;
        text
    });
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let (mut first_row, mut rows, mut healthy, mut first_unhealthy) = (None, 0, 0, None);
    while let Some(line) = lines.next_line().await.map_err(|e| format!("fleet: {e}"))? {
        first_row.get_or_insert_with(|| started.elapsed());
        rows += 1;
        if line.contains("\"outcome\":\"healthy\"") {
            healthy += 1;
        } else if first_unhealthy.is_none() {
            first_unhealthy = Some(line);
        }
    }
    let status = child.wait().await.map_err(|e| format!("fleet: {e}"))?;
    let wall = started.elapsed();
    let lab_cpu = own_cpu().zip(lab_started).map(|(end, start)| end - start);
    let stderr = stderr_task.await.unwrap_or_default();
    if !matches!(status.code(), Some(0 | 1)) {
        return Err(format!("fleet exited with {status}: {stderr}"));
    }
    let peak = stderr
        .split("peak memory ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .map_or_else(|| "unknown".to_owned(), |mib| format!("{mib} MiB"));
    let diagnoses = between(&stderr, " lines: ", " diagnos")
        .or_else(|| between(&stderr, " line: ", " diagnos"))
        .unwrap_or("unknown")
        .to_owned();
    let cpu = between(&stderr, "perf-rusage ", "\n")
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .and_then(|f| {
            let user: f64 = f.first()?.parse().ok()?;
            let system: f64 = f.get(1)?.parse().ok()?;
            Some(user + system)
        });
    Ok(FleetRun {
        wall,
        first_row,
        rows,
        healthy,
        first_unhealthy,
        diagnoses,
        peak,
        cpu,
        lab_cpu,
    })
}

// ---------------------------------------------------------------------------------------------
// CRLs

fn crl(sizes: &[usize], runs: usize) -> Outcome {
    let mut out = String::from("\n## CRLs\n\n");
    out += "The same DER files: `crl_memory borrowed` (webpki's borrowed parse + one full-scan serial \
            lookup, what the revocation step does) against `openssl crl -inform DER -noout -in FILE`. \
            Process wall time, median; memory = peak RSS growth of the process (file read included) \
            for wpj, maxrss for openssl.\n\n";
    out += "| entries | file | wpj parse+lookup | wpj peak growth (× file) | openssl crl -noout | openssl maxrss | speed-up |\n|---|---|---|---|---|---|---|\n";
    let crl_memory = sibling("crl_memory")?;
    let gnu_time = Path::new("/usr/bin/time").exists();
    let have_openssl = have("openssl");
    let dir = std::env::temp_dir().join(format!("wpj-perf-crl-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for &entries in sizes {
        progress(&format!("crl: {entries} entries"));
        let file = dir.join(format!("{entries}.crl"));
        let der = wpj_testkit::pki::crl_with_entries(entries).map_err(|e| e.to_string())?;
        std::fs::write(&file, &der).map_err(|e| format!("{}: {e}", file.display()))?;
        let mut ours = Vec::new();
        let mut ours_parse = Vec::new();
        let mut growth_kib = 0u64;
        for _ in 0..runs {
            let started = Instant::now();
            let output = Command::new(&crl_memory)
                .arg("borrowed")
                .arg(&file)
                .output()
                .map_err(|e| format!("crl_memory: {e}"))?;
            ours.push(started.elapsed());
            let line = String::from_utf8_lossy(&output.stdout).into_owned();
            let parse_ms: f64 = between(&line, "parse+lookup ", " ms")
                .and_then(|v| v.parse().ok())
                .ok_or_else(|| format!("crl_memory said {line:?}"))?;
            ours_parse.push(Duration::from_secs_f64(parse_ms / 1000.0));
            growth_kib = between(&line, "(", " KiB with the file read")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0);
        }
        let openssl = if have_openssl {
            Some(openssl_crl(&file, runs, gnu_time)?)
        } else {
            None
        };
        let ours = Stats::of(ours);
        let parse = Stats::of(ours_parse);
        let (theirs, maxrss, speedup) = match openssl {
            Some((theirs, maxrss)) => {
                (ms(theirs.median), maxrss, ratio(theirs.median, ours.median))
            }
            None => (
                "openssl not installed".to_owned(),
                "–".to_owned(),
                "–".to_owned(),
            ),
        };
        let _ = writeln!(
            out,
            "| {entries} | {:.1} MiB | {} (process {}) | {:.1} MiB ({:.2}×) | {theirs} | {maxrss} | {speedup} |",
            der.len() as f64 / 1_048_576.0,
            ms(parse.median),
            ms(ours.median),
            growth_kib as f64 / 1024.0,
            (growth_kib * 1024) as f64 / der.len() as f64,
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(out)
}

/// `openssl crl -noout` on `file`, `runs` times: the median time, and its maxrss when GNU time is
/// there to tell.
fn openssl_crl(file: &Path, runs: usize, gnu_time: bool) -> Result<(Stats, String), String> {
    let mut samples = Vec::new();
    let mut maxrss = "unknown".to_owned();
    for _ in 0..runs {
        let mut command = if gnu_time {
            let mut c = Command::new("/usr/bin/time");
            c.args(["-f", "%M", "openssl"]);
            c
        } else {
            Command::new("openssl")
        };
        let started = Instant::now();
        let output = command
            .args(["crl", "-inform", "DER", "-noout", "-in"])
            .arg(file)
            .output()
            .map_err(|e| format!("openssl crl: {e}"))?;
        samples.push(started.elapsed());
        if !output.status.success() {
            return Err(format!(
                "openssl crl failed: {}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        if gnu_time
            && let Some(kib) = String::from_utf8_lossy(&output.stderr)
                .lines()
                .last()
                .and_then(|l| l.trim().parse::<u64>().ok())
        {
            maxrss = format!("{:.1} MiB", kib as f64 / 1024.0);
        }
    }
    Ok((Stats::of(samples), maxrss))
}

/// The text between `start` and the next `end` in `s`.
fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}
