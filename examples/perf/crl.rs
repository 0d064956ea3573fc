//! CRL parse + serial lookup, as the revocation step does it, against `openssl crl -noout`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use crate::process::{Stats, have, ms, ratio, sibling};
use crate::{Outcome, progress};

/// The `## CRLs` section.
pub(crate) fn crl(sizes: &[usize], runs: usize) -> Outcome {
    let mut out = String::from("\n## CRLs\n\n");
    out += "The same DER files: `crl_memory wpj` (the revocation step's CRL reader, `wpj_tls::CrlList`: \
            header parse + one full-scan serial lookup) against `openssl crl -inform DER -noout -in FILE`. \
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
                .arg("wpj")
                .arg(&file)
                .output()
                .map_err(|e| format!("crl_memory: {e}"))?;
            ours.push(started.elapsed());
            let measured = CrlMemory::read(&String::from_utf8_lossy(&output.stdout))?;
            ours_parse.push(measured.parse);
            growth_kib = measured.growth_kib;
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

/// What `crl_memory wpj FILE` measured.
struct CrlMemory {
    /// Parse + lookup, measured inside the process.
    parse: Duration,
    /// Peak RSS growth, the file read included.
    growth_kib: u64,
}

impl CrlMemory {
    /// `crl_memory` (an example of `wpj-tls`) has no JSON output: this reads its one line,
    /// `wpj: file N KiB, parse+lookup 12.3 ms, peak RSS growth N KiB (N KiB with the file
    /// read), found=…`. The only program output the harness reads as text.
    fn read(line: &str) -> Result<Self, String> {
        let parse_ms: f64 = between(line, "parse+lookup ", " ms")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| format!("crl_memory said {line:?}"))?;
        let growth_kib = between(line, "(", " KiB with the file read")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        Ok(Self {
            parse: Duration::from_secs_f64(parse_ms / 1000.0),
            growth_kib,
        })
    }
}

/// The text between `start` and the next `end` in `s`.
fn between<'a>(s: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = s.find(start)? + start.len();
    let len = s[from..].find(end)?;
    Some(&s[from..from + len])
}
