//! `fleet` over many lab domains: domains per second, CPU and peak memory; then UPN lists (many
//! lines, few suffixes). Everything about the rows is read from `fleet --format jsonl`; the
//! process's CPU time and peak memory come from GNU time, outside it.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde::Deserialize;
use wpj_testkit::fleet::FleetLab;

use crate::process::{ms, sibling};
use crate::{Outcome, progress};

/// The `## Fleet` section.
pub(crate) async fn fleet(
    sizes: &[usize],
    upn_lines: &[usize],
    suffixes: usize,
    concurrency: u16,
) -> Outcome {
    let mut out = String::from("\n## Fleet\n\n");
    let _ = writeln!(
        out,
        "`fleet --concurrency {concurrency} --format jsonl` (complete plan per domain) over a \
         `FleetLab` of healthy AD FS domains served from this harness's process (one DNS server, a \
         certificate per domain by SNI, shared CRL host and probe) on the same cores. Rate = domains \
         / wall time of the `fleet` process (start-up included); first row = when its first row \
         arrived on the pipe; memory = its peak RSS (maxrss, from GNU time); lab CPU = this process's own CPU \
         time while `fleet` ran (serving the lab, reading the rows); TLS handshakes = what the lab's \
         HTTPS server completed, full + resumed, per domain.\n"
    );
    out += "| domains | wall time | domains/s | first row | fleet CPU per domain | lab CPU per domain | TLS handshakes per domain | peak memory | healthy rows |\n|---|---|---|---|---|---|---|---|---|\n";
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
        let handshakes = lab.handshakes();
        let resumed = handshakes.iter().filter(|h| h.resumed).count();
        let _ = writeln!(
            out,
            "| {size} | {:.2} s | {:.0} | {} | {} | {} | {:.2} + {:.2} | {} | {}/{size} |",
            run.wall.as_secs_f64(),
            size as f64 / run.wall.as_secs_f64(),
            run.first_row.map_or_else(|| "none".to_owned(), ms),
            per_domain(run.cpu, size),
            per_domain(run.lab_cpu, size),
            (handshakes.len() - resumed) as f64 / size as f64,
            resumed as f64 / size as f64,
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
    /// The first row that is not healthy, for the note under the table.
    first_unhealthy: Option<String>,
    /// Rows that carry a diagnosis of their own (a suffix, no `same_as`): one per suffix.
    diagnoses: usize,
    /// Peak RSS of `fleet`, from GNU time (`unknown` without it).
    peak: String,
    /// User + system seconds of `fleet`, from GNU time.
    cpu: Option<f64>,
    /// User + system seconds of this process (the lab) while `fleet` ran.
    lab_cpu: Option<f64>,
}

/// The part of a `fleet --format jsonl` row the harness reads (docs/json-schema.md, "Fleet row").
#[derive(Debug, Deserialize)]
struct Row {
    line: u64,
    suffix: Option<String>,
    same_as: Option<u64>,
    outcome: String,
    code: Option<String>,
    summary: String,
}

impl Row {
    /// Whether this row carries a diagnosis (the others repeat an earlier line's, or answer a line
    /// that is not a domain).
    fn diagnosed(&self) -> bool {
        self.suffix.is_some() && self.same_as.is_none()
    }
}

impl std::fmt::Display for Row {
    /// `line 7: failure (cert-revoked) …summary`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.outcome)?;
        if let Some(code) = &self.code {
            write!(f, " ({code})")?;
        }
        if !self.summary.is_empty() {
            write!(f, " {}", self.summary)?;
        }
        Ok(())
    }
}

/// What GNU time said about a process: CPU seconds (user + system) and peak RSS in KiB.
#[derive(Debug, Clone, Copy)]
struct Rusage {
    cpu: f64,
    maxrss_kib: u64,
}

/// The marker and format of the line GNU time adds to the process's standard error.
const RUSAGE_MARK: &str = "perf-rusage ";
const RUSAGE_FORMAT: &str = "perf-rusage %U %S %M";

impl Rusage {
    /// Reads the [`RUSAGE_FORMAT`] line from `stderr`.
    fn find(stderr: &str) -> Option<Self> {
        let line = stderr
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix(RUSAGE_MARK))?;
        let mut fields = line.split_whitespace();
        let user: f64 = fields.next()?.parse().ok()?;
        let system: f64 = fields.next()?.parse().ok()?;
        let maxrss_kib: u64 = fields.next()?.parse().ok()?;
        Some(Self {
            cpu: user + system,
            maxrss_kib,
        })
    }
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

/// Runs `fleet LIST --format jsonl` against `lab`, reading its rows as they stream in (the
/// output of a million lines is not held here).
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
        c.args(["-f", RUSAGE_FORMAT]).arg(binary);
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
    let (mut first_row, mut rows, mut healthy, mut diagnoses) = (None, 0, 0, 0);
    let mut first_unhealthy = None;
    while let Some(line) = lines.next_line().await.map_err(|e| format!("fleet: {e}"))? {
        first_row.get_or_insert_with(|| started.elapsed());
        let row: Row = serde_json::from_str(&line)
            .map_err(|e| format!("fleet --format jsonl wrote {line:?}: {e}"))?;
        rows += 1;
        diagnoses += usize::from(row.diagnosed());
        if row.outcome == "healthy" {
            healthy += 1;
        } else if first_unhealthy.is_none() {
            first_unhealthy = Some(row.to_string());
        }
    }
    let status = child.wait().await.map_err(|e| format!("fleet: {e}"))?;
    let wall = started.elapsed();
    let lab_cpu = own_cpu().zip(lab_started).map(|(end, start)| end - start);
    let stderr = stderr_task.await.unwrap_or_default();
    if !matches!(status.code(), Some(0 | 1)) {
        return Err(format!("fleet exited with {status}: {stderr}"));
    }
    let rusage = Rusage::find(&stderr);
    Ok(FleetRun {
        wall,
        first_row,
        rows,
        healthy,
        first_unhealthy,
        diagnoses,
        peak: rusage.map_or_else(
            || "unknown (no GNU time)".to_owned(),
            |r| format!("{:.1} MiB", r.maxrss_kib as f64 / 1024.0),
        ),
        cpu: rusage.map(|r| r.cpu),
        lab_cpu,
    })
}
