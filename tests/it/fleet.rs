//! The fleet lab: every domain of a many-domain lab diagnoses healthy through the complete plan
//! (its own certificate by SNI, its own records, the shared CRL host and probe), and a name the
//! fleet does not serve is not resolved.

use wpj_testkit::fleet::FleetLab;

#[tokio::test]
async fn every_fleet_domain_is_healthy_on_its_own_certificate() {
    let fleet = FleetLab::start(4).await.expect("fleet lab");
    for domain in fleet.domains() {
        let mut settings = fleet.settings(domain).expect("valid domain");
        settings.network_timeout = std::time::Duration::from_secs(5);
        let report = wpj::diagnose(settings).await;
        let problems: Vec<String> = report
            .findings()
            .iter()
            .filter(|f| f.status.is_problem())
            .map(|f| format!("{} {}: {}", f.check, f.status, f.summary))
            .collect();
        assert!(problems.is_empty(), "{domain}: {problems:#?}");
        // The chain the TLS step saw is this domain's own leaf.
        let tls = report
            .findings()
            .iter()
            .find(|f| f.check.as_str() == "tls")
            .expect("tls step");
        let subject_names = format!("{:?}", tls.evidence);
        assert!(
            subject_names.contains(&format!("enterpriseregistration.{domain}")),
            "{domain}: {subject_names}"
        );
    }
}

#[tokio::test]
async fn an_unknown_domain_of_the_fleet_zone_is_not_resolved() {
    let fleet = FleetLab::start(2).await.expect("fleet lab");
    let report = wpj::diagnose(fleet.settings("d7.fleet.test").expect("valid")).await;
    let verdict = report.verdict().expect("a failure");
    assert_eq!(verdict.hresult.expect("HRESULT").to_string(), "0x80072EE7");
}

// ---------------------------------------------------------------------------------------------
// `examples/fleet.rs`: its engine in process (with plans and diagnoses of the tests' own), and the
// binary as a process (streaming, interruption, resume) against a fleet lab.

/// The example itself, compiled into this binary: the tests drive its engine with their own
/// plans. (Its command-line half is unused here.)
#[allow(dead_code)]
#[path = "../../examples/fleet.rs"]
mod cli;

use std::collections::HashMap;
use std::io::Write;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use cli::{DiagnoseFn, Engine, FleetFormat, Output, Previous, SettingsFn, Tally};
use indicatif::ProgressBar;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::sync::{Notify, mpsc};
use wpj::{Check, CheckId, Context, Finding, Plan, Settings, Target};

use crate::support::run_example;

/// A check that passes, except for one suffix, where it panics.
#[derive(Debug)]
struct ExplodesFor(&'static str);

#[async_trait::async_trait]
impl Check for ExplodesFor {
    fn id(&self) -> CheckId {
        CheckId::new_static("explodes")
    }
    fn depends_on(&self) -> &[CheckId] {
        &[]
    }
    async fn run(&self, cx: &Context) -> Finding {
        assert_ne!(cx.target().suffix(), self.0, "boom for {}", self.0);
        Finding::pass(self.id(), "fine")
    }
}

/// A plan of one check that passes for every suffix.
fn passing() -> DiagnoseFn {
    cli::plan_diagnosis(Plan::new(vec![Box::new(ExplodesFor("nothing.invalid"))]).expect("plan"))
}

/// Settings that need no network: the toy plans never use them.
fn offline() -> SettingsFn {
    Arc::new(|target: &Target| Ok(Settings::new(target.clone())))
}

/// Runs the engine over `input`; the JSONL rows (in the order written) and the tally.
async fn run_engine(engine: &Engine, input: &str) -> (Vec<Value>, Tally) {
    let mut written = Vec::new();
    let tally = run_engine_into(engine, input, &mut written).await;
    let rows = String::from_utf8(written)
        .expect("UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON row"))
        .collect();
    (rows, tally)
}

async fn run_engine_into(engine: &Engine, input: &str, writer: &mut dyn Write) -> Tally {
    let (_stop_tx, stop) = mpsc::unbounded_channel();
    let mut out = Output {
        format: FleetFormat::Jsonl,
        writer,
        bar: ProgressBar::hidden(),
    };
    let input = Box::new(std::io::Cursor::new(input.as_bytes().to_vec()));
    cli::run(engine, input, &Previous::default(), &mut out, stop)
        .await
        .expect("the run ends")
}

/// Rows by input line.
fn by_line(rows: &[Value]) -> HashMap<u64, &Value> {
    let mut by_line = HashMap::new();
    for row in rows {
        let line = row["line"].as_u64().expect("line");
        assert!(
            by_line.insert(line, row).is_none(),
            "two rows for line {line}"
        );
    }
    by_line
}

#[tokio::test]
async fn a_panicking_check_is_one_error_row_and_the_run_goes_on() {
    let engine = Engine {
        concurrency: 2,
        grace: Duration::from_secs(1),
        settings: offline(),
        diagnose: cli::plan_diagnosis(
            Plan::new(vec![Box::new(ExplodesFor("b.example"))]).expect("plan"),
        ),
    };
    let (rows, tally) = run_engine(&engine, "a.example\nb.example\nc.example\n").await;
    let rows = by_line(&rows);
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[&1]["outcome"], "healthy");
    assert_eq!(rows[&3]["outcome"], "healthy");
    assert_eq!(rows[&2]["outcome"], "error");
    assert!(
        rows[&2]["code"].is_null(),
        "an error names no failure: {}",
        rows[&2]
    );
    // A row has no typed field for a panic: the message the admin reads says what panicked.
    let summary = rows[&2]["summary"].as_str().unwrap();
    assert!(summary.contains("the check panicked"), "{summary}");
    assert!(summary.contains("boom for b.example"), "{summary}");
    assert_eq!((tally.diagnosed, tally.exit_code()), (3, 1));
}

#[tokio::test]
async fn a_panic_outside_the_checks_is_one_error_row_and_the_run_goes_on() {
    // Not a check: the diagnosis itself (anything in one domain's work) panics.
    let inner = passing();
    let diagnose: DiagnoseFn = Arc::new(move |settings: Settings| {
        assert_ne!(
            settings.target.suffix(),
            "b.example",
            "the whole diagnosis blew up"
        );
        inner(settings)
    });
    let settings: SettingsFn = Arc::new(|target: &Target| {
        assert_ne!(target.suffix(), "d.example", "making the settings blew up");
        Ok(Settings::new(target.clone()))
    });
    let engine = Engine {
        concurrency: 4,
        grace: Duration::from_secs(1),
        settings,
        diagnose,
    };
    let input = "a.example\nb.example\nc.example\nd.example\nalice@b.example\n";
    let (rows, tally) = run_engine(&engine, input).await;
    let rows = by_line(&rows);
    assert_eq!(rows.len(), 5);
    for (line, why) in [
        (2, "the whole diagnosis blew up"),
        (4, "making the settings"),
    ] {
        assert_eq!(rows[&line]["outcome"], "error");
        assert!(rows[&line]["code"].is_null(), "{}", rows[&line]);
        // No typed field for a panic: the message says what panicked.
        let summary = rows[&line]["summary"].as_str().unwrap();
        assert!(summary.starts_with("the diagnosis panicked: "), "{summary}");
        assert!(summary.contains(why), "{summary}");
    }
    // The line sharing the panicked suffix shares its answer.
    assert_eq!(rows[&5]["outcome"], "error");
    assert_eq!(rows[&5]["same_as"], 2);
    assert_eq!(rows[&1]["outcome"], "healthy");
    assert_eq!(rows[&3]["outcome"], "healthy");
    assert!(!tally.interrupted);
    assert_eq!(tally.exit_code(), 1);
}

/// The dedup list: UPNs and domains over three suffixes, with a comment, a blank and a bad line.
const SHARED: &str = "Alice@Contoso.COM
# the sales team

bob@contoso.com.
contoso.com
bücher.example
XN--BCHER-KVA.example.
not a domain!
other.example
carol@CONTOSO.com
";

/// Diagnoses that count themselves per suffix. With `hold`, `contoso.com`'s waits until
/// `other.example`'s has ended, so the lines after it that share its suffix arrive while it runs.
fn counting(counts: Arc<Mutex<HashMap<String, usize>>>, hold: bool) -> DiagnoseFn {
    let inner = passing();
    let other_done = Arc::new(Notify::new());
    Arc::new(move |settings: Settings| {
        let suffix = settings.target.suffix().to_owned();
        *counts.lock().unwrap().entry(suffix.clone()).or_default() += 1;
        let inner = Arc::clone(&inner);
        let other_done = Arc::clone(&other_done);
        Box::pin(async move {
            if hold && suffix == "contoso.com" {
                other_done.notified().await;
            }
            let report = inner(settings).await;
            if suffix == "other.example" {
                other_done.notify_one();
            }
            report
        })
    })
}

#[tokio::test]
async fn lines_that_reduce_to_one_suffix_share_one_diagnosis_and_each_gets_a_row() {
    // Concurrency 1: every later line finds its suffix answered. Concurrency 4: the contoso.com
    // lines arrive while its diagnosis runs and wait for it. The rows are the same.
    let mut results = Vec::new();
    for concurrency in [1, 4] {
        let counts = Arc::new(Mutex::new(HashMap::new()));
        let engine = Engine {
            concurrency,
            grace: Duration::from_secs(1),
            settings: offline(),
            // One slot: contoso.com cannot wait for a later line's diagnosis.
            diagnose: counting(Arc::clone(&counts), concurrency > 1),
        };
        let (rows, tally) = run_engine(&engine, SHARED).await;
        assert_eq!(
            *counts.lock().unwrap(),
            HashMap::from([
                ("contoso.com".to_owned(), 1),
                ("xn--bcher-kva.example".to_owned(), 1),
                ("other.example".to_owned(), 1),
            ]),
            "concurrency {concurrency}"
        );
        assert_eq!(
            (tally.lines, tally.diagnosed, tally.shared, tally.bad),
            (10, 3, 4, 1)
        );
        assert_eq!((tally.blank, tally.comments), (1, 1));
        let mut rows = rows;
        rows.sort_by_key(|r| r["line"].as_u64());
        for row in &mut rows {
            row["elapsed_ms"] = Value::Null;
        }
        results.push(rows);
    }
    assert_eq!(results[0], results[1], "rows do not depend on timing");
    let rows = by_line(&results[0]);
    let mut lines: Vec<u64> = rows.keys().copied().collect();
    lines.sort_unstable();
    assert_eq!(
        lines,
        [1, 4, 5, 6, 7, 8, 9, 10],
        "a row per line, none for the blank and comment"
    );
    let expect = |line: u64, suffix: Value, same_as: Value, outcome: &str| {
        let row = rows[&line];
        assert_eq!(
            (&row["suffix"], &row["same_as"], row["outcome"].as_str()),
            (&suffix, &same_as, Some(outcome)),
            "line {line}: {row}"
        );
    };
    expect(1, "contoso.com".into(), Value::Null, "healthy");
    expect(4, "contoso.com".into(), 1.into(), "healthy");
    expect(5, "contoso.com".into(), 1.into(), "healthy");
    expect(10, "contoso.com".into(), 1.into(), "healthy");
    expect(6, "xn--bcher-kva.example".into(), Value::Null, "healthy");
    expect(7, "xn--bcher-kva.example".into(), 6.into(), "healthy");
    expect(8, Value::Null, Value::Null, "error");
    expect(9, "other.example".into(), Value::Null, "healthy");
    assert_eq!(rows[&4]["domain"], "bob@contoso.com.", "the line as given");
}

/// Rows as they are written; wakes `seen` once `after` rows are in.
struct Watch {
    written: Vec<u8>,
    after: usize,
    seen: Arc<Notify>,
}

impl Write for Watch {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.written.extend_from_slice(buf);
        if self.written.split(|b| *b == b'\n').count() > self.after {
            self.seen.notify_one();
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_slow_domain_does_not_hold_back_the_rows_of_fast_ones() {
    // The slow domain, on line 1, ends only once the five fast ones' rows have been written: a
    // fleet that kept rows in input order would never get there.
    let seen = Arc::new(Notify::new());
    let inner = passing();
    let wait = Arc::clone(&seen);
    let diagnose: DiagnoseFn = Arc::new(move |settings: Settings| {
        let inner = Arc::clone(&inner);
        let wait = Arc::clone(&wait);
        Box::pin(async move {
            if settings.target.suffix() == "slow.example" {
                wait.notified().await;
            }
            inner(settings).await
        })
    });
    let engine = Engine {
        concurrency: 3,
        grace: Duration::from_secs(1),
        settings: offline(),
        diagnose,
    };
    let mut watch = Watch {
        written: Vec::new(),
        after: 5,
        seen,
    };
    let input = "slow.example\nf1.example\nf2.example\nf3.example\nf4.example\nf5.example\n";
    let run = run_engine_into(&engine, input, &mut watch);
    let tally = tokio::time::timeout(Duration::from_secs(120), run)
        .await
        .expect("the fast rows were held back behind the slow domain");
    let lines = row_lines(&String::from_utf8(watch.written).unwrap());
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[5], 1, "the slow domain's row comes last: {lines:?}");
    assert_eq!(tally.exit_code(), 0);
}

/// The `fleet` binary (built first if `cargo test` did not build it).
fn fleet_binary() -> std::path::PathBuf {
    let out = run_example("fleet", &["--version"]);
    assert!(out.status.success(), "fleet --version");
    std::env::current_exe()
        .expect("test binary path")
        .parent()
        .and_then(std::path::Path::parent)
        .map(|profile| profile.join("examples").join("fleet"))
        .expect("target layout")
}

/// `fleet LIST --format jsonl` pointed at `lab`.
fn fleet_command(
    lab: &FleetLab,
    list: &std::path::Path,
    root: &std::path::Path,
) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(fleet_binary());
    // The lab is on loopback: a proxy of this machine must not stand between.
    for var in ["HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"] {
        command.env_remove(var);
    }
    command
        .arg(list)
        .args(["--dns-server", &format!("internal={}", lab.resolver())])
        .arg("--ca-file")
        .arg(root)
        .args(["--no-system-roots", "--port", &lab.https_port().to_string()])
        .args(["--adfs-probe-port", &lab.probe_port().to_string()])
        .args(["--format", "jsonl"])
        .stdin(Stdio::null())
        .kill_on_drop(true);
    command
}

fn rows_of(jsonl: &str) -> Vec<Value> {
    jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: a cut row {l:?}")))
        .collect()
}

/// `fleet: N rows: …` (or `1 row`) from a summary.
fn rows_in_summary(stderr: &str) -> usize {
    let rest = stderr
        .split("fleet: ")
        .find(|part| part.contains(" rows: ") || part.starts_with("1 row: "))
        .unwrap_or_else(|| panic!("no row count in {stderr}"));
    rest.split_whitespace().next().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_run_keeps_its_finished_rows_and_resume_answers_the_rest() {
    let mut lab = FleetLab::start(12).await.expect("fleet lab");
    lab.stall("stalled.fleet.test")
        .await
        .expect("stalled domain");
    let dir = std::env::temp_dir().join(format!("wpj-fleet-resume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (list, root, first_out) = (
        dir.join("list.txt"),
        dir.join("root.pem"),
        dir.join("first.jsonl"),
    );
    // Line 1 stalls; lines 2–13 are healthy; 14 is a comment; 15 shares line 2's suffix.
    let mut text = String::from("stalled.fleet.test\n");
    for domain in lab.domains() {
        text.push_str(domain);
        text.push('\n');
    }
    text += "# end of the list\nAlice@D0.Fleet.Test\n";
    std::fs::write(&list, &text).unwrap();
    std::fs::write(&root, lab.trust_root_pem()).unwrap();

    // Two slots: the stalled domain holds one for its whole network timeout (30 s), the other
    // answers the healthy domains one after the other.
    let mut child = fleet_command(&lab, &list, &root)
        .args([
            "--concurrency",
            "2",
            "--timeout",
            "60s",
            "--deadline",
            "120s",
        ])
        .args(["--grace", "300ms"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fleet starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut written = Vec::new();
    while written.len() < 3 {
        let row = stdout.next_line().await.unwrap();
        written.push(row.expect("a row before the end of the output"));
    }
    // Streaming: these rows came while the run (and the stalled diagnosis) still goes on.
    assert!(
        child.try_wait().unwrap().is_none(),
        "the rows came only at the end"
    );
    let pid = child.id().expect("running").to_string();
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(killed.success());
    while let Some(row) = stdout.next_line().await.unwrap() {
        written.push(row);
    }
    let mut stderr = String::new();
    tokio::io::AsyncReadExt::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr)
        .await
        .unwrap();
    let status = child.wait().await.unwrap();
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("fleet: interrupted after line"), "{stderr}");
    assert!(
        stderr.contains("abandoned without a row: 1"),
        "the stalled line is abandoned: {stderr}"
    );
    let first_jsonl = written.join("\n") + "\n";
    let first = rows_of(&first_jsonl);
    assert_eq!(
        first.len(),
        rows_in_summary(&stderr),
        "every finished row is out"
    );
    assert!(first.len() < 14, "interrupted before the end");
    for row in &first {
        assert_eq!(row["outcome"], "healthy", "{row}");
        assert_ne!(row["line"], 1);
    }
    std::fs::write(&first_out, &first_jsonl).unwrap();

    // Resume: the same list; a short timeout makes the stalled domain fail this time.
    let second = fleet_command(&lab, &list, &root)
        .arg("--resume")
        .arg(&first_out)
        .args(["--concurrency", "4", "--timeout", "2s"])
        .output()
        .await
        .expect("fleet runs");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(
        second.status.code(),
        Some(1),
        "the stalled domain fails: {stderr}"
    );
    assert!(
        stderr.contains(&format!("fleet: {} lines already answered in", first.len())),
        "{stderr}"
    );
    let second = rows_of(&String::from_utf8(second.stdout).unwrap());
    let mut lines: Vec<u64> = first
        .iter()
        .chain(&second)
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    lines.sort_unstable();
    let every: Vec<u64> = (1..=13).chain([15]).collect();
    assert_eq!(lines, every, "both runs together answer every line once");
    let all: Vec<&Value> = first.iter().chain(&second).collect();
    let row = |line: u64| *all.iter().find(|r| r["line"] == line).unwrap();
    assert_eq!(row(1)["outcome"], "failure");
    assert_eq!(row(15)["same_as"], 2);
    assert_eq!(row(15)["outcome"], "healthy");
    std::fs::remove_dir_all(&dir).ok();
}

#[tokio::test]
async fn a_stop_lets_running_diagnoses_finish_and_a_second_abandons_the_rest() {
    // `hang.example` never ends; `late.example` ends only after the stop request.
    let started = Arc::new(tokio::sync::Semaphore::new(0));
    let release = Arc::new(Notify::new());
    let inner = passing();
    let (started_in, release_in) = (Arc::clone(&started), Arc::clone(&release));
    let diagnose: DiagnoseFn = Arc::new(move |settings: Settings| {
        let inner = Arc::clone(&inner);
        let (started, release) = (Arc::clone(&started_in), Arc::clone(&release_in));
        Box::pin(async move {
            started.add_permits(1);
            match settings.target.suffix() {
                "hang.example" => std::future::pending().await,
                "late.example" => release.notified().await,
                _ => {}
            }
            inner(settings).await
        })
    });
    let engine = Engine {
        concurrency: 2,
        grace: Duration::from_secs(3600),
        settings: offline(),
        diagnose,
    };
    let (stop_tx, stop) = mpsc::unbounded_channel();
    let row_written = Arc::new(Notify::new());
    let mut watch = Watch {
        written: Vec::new(),
        after: 1,
        seen: Arc::clone(&row_written),
    };
    let mut out = Output {
        format: FleetFormat::Jsonl,
        writer: &mut watch,
        bar: ProgressBar::hidden(),
    };
    let input = "hang.example\nlate.example\nnever.example\nhang.example\n";
    let input = Box::new(std::io::Cursor::new(input.as_bytes().to_vec()));
    let previous = Previous::default();
    let run = cli::run(&engine, input, &previous, &mut out, stop);
    let drive = async {
        // Both slots busy: stop, let the late one end within the grace, then stop again.
        let _both = started.acquire_many(2).await.unwrap();
        stop_tx.send(()).unwrap();
        release.notify_one();
        row_written.notified().await;
        stop_tx.send(()).unwrap();
    };
    let (tally, ()) = tokio::join!(run, drive);
    let tally = tally.expect("the run ends");
    drop(out);
    let rows = String::from_utf8(watch.written).unwrap();
    let lines = row_lines(&rows);
    assert_eq!(
        lines,
        [2],
        "the diagnosis that ended in the grace has its row"
    );
    assert!(tally.interrupted);
    assert_eq!(tally.abandoned, [1], "the hung one has none");
    assert_eq!(tally.lines, 2, "no line read after the stop");
    assert_eq!(tally.exit_code(), 130);
}

/// The input line number of every JSONL row, in the order written.
fn row_lines(rows: &str) -> Vec<u64> {
    rows.lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["line"]
                .as_u64()
                .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn an_overlong_line_is_one_error_row_and_the_run_goes_on() {
    // Once a panic (a line over 65,535 characters) that lost every result; a long line also padded
    // every row of the table.
    let counts = Arc::new(Mutex::new(HashMap::new()));
    let engine = Engine {
        concurrency: 2,
        grace: Duration::from_secs(1),
        settings: offline(),
        diagnose: counting(Arc::clone(&counts), false),
    };
    let long = "a".repeat(100_000);
    let input = format!("contoso.com\n{long}.example\nother.example\n");
    let (rows, tally) = run_engine(&engine, &input).await;
    let rows = by_line(&rows);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[&2]["outcome"], "error");
    let shown = rows[&2]["domain"].as_str().expect("domain");
    assert!(
        shown.len() < 100,
        "the line is not repeated: {} bytes",
        shown.len()
    );
    for line in [1, 3] {
        assert_eq!(rows[&line]["outcome"], "healthy", "line {line}");
    }
    assert_eq!((tally.lines, tally.diagnosed, tally.bad), (3, 2, 1));
}
