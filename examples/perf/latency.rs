//! One diagnosis against its round-trip bound, in process and as a `diagnose` process, and
//! against the `dig` / `openssl` / `curl` sequence an admin would type — each figure against a
//! TLS 1.3 service and a TLS 1.2-only one (most AD FS farms and proxies run Windows Server
//! 2016/2019, which speak TLS 1.2 only).

use std::fmt::Write as _;
use std::process::Command;
use std::time::{Duration, Instant};

use wpj::{Plan, Report, Runner, Settings};
use wpj_testkit::https::TlsFault;
use wpj_testkit::{Lab, LabSpec, Scenario};

use crate::process::{LabProcess, Stats, diagnose_json, have, ms, ratio, run};
use crate::{Outcome, progress};

/// Settings with time limits far above anything a healthy lab needs.
fn generous(mut settings: Settings) -> Settings {
    settings.network_timeout = Duration::from_secs(10);
    settings.check_timeout = Duration::from_secs(20);
    settings.deadline = Duration::from_secs(30);
    settings
}

/// `runs` in-process diagnoses of the healthy lab (after one warm-up run).
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

/// `runs` `diagnose --format json` processes (after one warm-up run); each must report the
/// healthy lab healthy.
fn timed_diagnoses(runs: usize, command: &mut Command) -> Result<Stats, String> {
    let mut samples = Vec::new();
    for i in 0..=runs {
        let (elapsed, report) = diagnose_json(command)?;
        if report.has_failures() || report.problems().next().is_some() {
            return Err(format!(
                "diagnose did not report the healthy lab healthy:\n{report}"
            ));
        }
        if i > 0 {
            samples.push(elapsed);
        }
    }
    Ok(Stats::of(samples))
}

/// `runs` passes over a command sequence (after one warm-up pass); the time of a pass is the sum
/// of its commands'.
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

/// The OCSP labs measured beside the CRL one: the leaf's status from its responder (no CDP; the
/// same 3 round trips as a CRL fetch), and from the response the server staples (no fetch for the
/// leaf; the intermediate's CRL is still fetched).
const OCSP_LABS: [&str; 2] = ["ocsp-only-good", "ocsp-stapled-good"];

/// The protocol the registration and federation service speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tls {
    /// TLS 1.3 (and 1.2): the testkit's rustls servers as they are.
    V13,
    /// TLS 1.2 only, as Windows Server 2016/2019 (`TlsFault::Tls12Only`).
    V12,
}

impl Tls {
    /// Both, in the order of the table.
    const BOTH: [Self; 2] = [Self::V13, Self::V12];

    /// The table's `TLS` column.
    fn label(self) -> &'static str {
        match self {
            Self::V13 => "1.3",
            Self::V12 => "1.2",
        }
    }

    /// `spec` speaking this protocol.
    fn spec(self, spec: LabSpec) -> LabSpec {
        match self {
            Self::V13 => spec,
            Self::V12 => LabSpec {
                tls: TlsFault::Tls12Only,
                ..spec
            },
        }
    }

    /// The healthy scenario `lab serve` runs for the process measurements.
    fn scenario(self) -> &'static str {
        match self {
            Self::V13 => "healthy-onprem",
            Self::V12 => "healthy-tls12-only",
        }
    }

    /// Round trips the complete plan must wait for (see [`BOUNDS`]).
    fn complete_bound(self) -> u32 {
        match self {
            Self::V13 => 9,
            Self::V12 => 10,
        }
    }
}

/// Round trips the standard plan must wait for, over both protocols (see [`BOUNDS`]).
const STANDARD_BOUND: u32 = 6;

/// The bounds, step by step (the section's header; `docs/PERFORMANCE.md` says the same).
const BOUNDS: &str = "\
- **standard plan, both protocols: 6 RTT** = DNS 1 + TCP 1 + the server's first flight 1 (the chain \
arrives; the TLS 1.3 handshake is done, TLS 1.2 needs 1 more), then revocation: CRL/OCSP host lookup 1 + \
TCP 1 + GET 1 = 6. The contract, on the TLS step's connection, ends at 4 (TLS 1.3) or 5 (TLS 1.2). The \
OCSP labs have the same bound: an OCSP GET costs what a CRL GET does, and a staple saves the leaf's fetch \
while the intermediate's CRL still takes lookup, TCP and GET after the chain.
- **complete plan, TLS 1.3: 9 RTT**: the federation service `sts.<domain>` is named in the registration \
leaf's SANs, so it is looked up when the chain arrives (3): lookup 4, TCP 5, TLS 6; its three requests \
(sign-in page, federation metadata, OpenID configuration) on its one connection: 7, 8, 9. The nodes reuse \
the TLS step's connections; `/adfs/probe` (DNS 1, TCP 2, GET 3) overlaps.
- **complete plan, TLS 1.2: 10 RTT**: the same, the TLS 1.2 handshake one round trip longer (sts's \
handshake ends at 7; its requests at 8, 9, 10).
- **`diagnose --plan standard` process and the shell sequence**: the standard plan's 6 RTT.
";

/// `runs` in-process diagnoses (standard plan) of scenario `name`'s lab speaking `tls`, with
/// `one_way` latency.
async fn ocsp_runs(runs: usize, name: &str, tls: Tls, one_way: Duration) -> Result<Stats, String> {
    let spec = Scenario::find(name)
        .ok_or_else(|| format!("no scenario {name}"))?
        .spec;
    let lab = Lab::start(LabSpec {
        latency: (!one_way.is_zero()).then_some(one_way),
        ..tls.spec(spec)
    })
    .await
    .map_err(|e| format!("lab {name}: {e}"))?;
    timed_runs(runs, &Plan::standard(), &generous(lab.settings())).await
}

/// One row of the table.
struct Row {
    what: String,
    stats: Stats,
    /// The round trips it is compared with; `None`: no bound.
    bound: Option<u32>,
    /// The shell sequence's figure, when the row is compared with it.
    vs_shell: Option<Stats>,
}

impl Row {
    fn new(what: impl Into<String>, stats: Stats, bound: Option<u32>) -> Self {
        Self {
            what: what.into(),
            stats,
            bound,
            vs_shell: None,
        }
    }

    /// `| network | TLS | what | median (min) | bound | vs bound | vs shell |`; on loopback the
    /// bound is 0 and no ratio is given.
    fn render(&self, network: &str, tls: Tls, rtt: Duration) -> String {
        let bound = self.bound.map(|n| rtt * n);
        format!(
            "| {network} | {} | {} | {} ({}) | {} | {} | {} |\n",
            tls.label(),
            self.what,
            ms(self.stats.median),
            ms(self.stats.min),
            match (self.bound, bound) {
                (Some(n), Some(b)) if !b.is_zero() => format!("{n} RTT = {}", ms(b)),
                (Some(n), _) => format!("{n} RTT"),
                (None, _) => "–".to_owned(),
            },
            bound.map_or_else(|| "–".to_owned(), |b| ratio(self.stats.median, b)),
            self.vs_shell.map_or_else(
                || "–".to_owned(),
                |sh| format!("{} faster", ratio(sh.median, self.stats.median))
            ),
        )
    }
}

/// Every row of one protocol over one network.
/// The shell sequence is measured when `shell` (dig, openssl and curl are installed).
async fn rows(
    runs: usize,
    tls: Tls,
    one_way: Duration,
    label: &str,
    shell: bool,
) -> Result<Vec<Row>, String> {
    let t = tls.label();
    progress(&format!("latency: TLS {t}, in-process runs over {label}"));
    let lab = Lab::start(LabSpec {
        latency: (!one_way.is_zero()).then_some(one_way),
        ..tls.spec(LabSpec::default())
    })
    .await
    .map_err(|e| format!("lab: {e}"))?;
    let settings = generous(lab.settings());
    let standard = timed_runs(runs, &Plan::standard(), &settings).await?;
    let complete = timed_runs(runs, &Plan::complete(), &settings).await?;
    drop(lab);
    let mut rows = vec![
        Row::new("standard plan, in-process", standard, Some(STANDARD_BOUND)),
        Row::new(
            "complete plan (+ AD FS nodes, federation), in-process",
            complete,
            Some(tls.complete_bound()),
        ),
    ];
    progress(&format!("latency: TLS {t}, OCSP labs over {label}"));
    for name in OCSP_LABS {
        rows.push(Row::new(
            format!("standard plan, lab `{name}`, in-process"),
            ocsp_runs(runs, name, tls, one_way).await?,
            Some(STANDARD_BOUND),
        ));
    }

    progress(&format!("latency: TLS {t}, processes over {label}"));
    let served = LabProcess::start(tls.scenario(), one_way)?;
    let process = timed_diagnoses(runs, &mut served.diagnose("standard", &[])?)?;
    let shell = if shell {
        let dir = std::env::temp_dir().join(format!("wpj-perf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut commands = served.shell_sequence(&dir);
        let stats = timed_commands(runs, &mut commands);
        let _ = std::fs::remove_dir_all(&dir);
        Some(stats?)
    } else {
        None
    };
    drop(served);
    rows.push(Row {
        vs_shell: shell,
        ..Row::new(
            "`diagnose --plan standard` process",
            process,
            Some(STANDARD_BOUND),
        )
    });
    if let Some(sh) = shell {
        rows.push(Row::new(
            "shell: dig, openssl s_client, 2 × (curl + openssl crl), curl",
            sh,
            Some(STANDARD_BOUND),
        ));
    }
    Ok(rows)
}

/// The `## Latency` section.
pub(crate) async fn latency(runs: usize, one_way: Duration) -> Outcome {
    let mut out = String::from("\n## Latency\n\n");
    let rtt = one_way * 2;
    let _ = writeln!(
        out,
        "Labs `healthy-onprem` (TLS 1.3) and the same speaking TLS 1.2 only (`healthy-tls12-only`); \
         emulated latency {} each way ({} round trip) through the testkit's delaying relay (DNS \
         answers a round trip late; TCP handshake emulated). Each row against its own bound, in \
         round trips (RTT) from the start:\n\n{BOUNDS}\nMedian of {runs} runs (min in brackets).\n",
        ms(one_way),
        ms(rtt),
    );
    let shell_ok = have("dig") && have("openssl") && have("curl");
    out += "| network | TLS | what | median (min) | bound | vs bound | vs shell sequence |\n\
            |---|---|---|---|---|---|---|\n";
    for one_way in [one_way, Duration::ZERO] {
        let label = if one_way.is_zero() {
            "loopback".to_owned()
        } else {
            format!("{} RTT", ms(one_way * 2))
        };
        for tls in Tls::BOTH {
            for row in rows(runs, tls, one_way, &label, shell_ok).await? {
                out += &row.render(&label, tls, one_way * 2);
            }
            if !shell_ok {
                let _ = writeln!(
                    out,
                    "| {label} | {} | shell sequence | not measured: dig, openssl and curl are needed | – | – | – |",
                    tls.label()
                );
            }
        }
    }
    Ok(out)
}
