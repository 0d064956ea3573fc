//! What the measurements share: statistics, the binaries built next to this one, and `lab serve`
//! in its own process. Programs are asked for JSON, and their JSON is what is read.

use std::ffi::OsString;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;
use wpj::Report;
/// Median and minimum of some durations.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stats {
    pub(crate) median: Duration,
    pub(crate) min: Duration,
}

impl Stats {
    pub(crate) fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        Self {
            median: samples.get(samples.len() / 2).copied().unwrap_or_default(),
            min: samples.first().copied().unwrap_or_default(),
        }
    }
}

/// `12.3 ms`.
pub(crate) fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// `a / b` as `1.04×`.
pub(crate) fn ratio(a: Duration, b: Duration) -> String {
    if b.is_zero() {
        "–".to_owned()
    } else {
        format!("{:.2}×", a.as_secs_f64() / b.as_secs_f64())
    }
}

/// A release binary built next to this one.
pub(crate) fn sibling(name: &str) -> Result<PathBuf, String> {
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
pub(crate) fn have(tool: &str) -> bool {
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
pub(crate) fn run(command: &mut Command, allowed: &[i32]) -> Result<Duration, String> {
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

/// Runs a `diagnose … --format json` command: how long the process took, and the report it wrote
/// (its standard output, read as the JSON it is). Exit codes 0 and 1 are answers; anything else is
/// an error.
pub(crate) fn diagnose_json(command: &mut Command) -> Result<(Duration, Report), String> {
    let started = Instant::now();
    let output = command
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .map_err(|e| format!("diagnose: {e}"))?;
    let elapsed = started.elapsed();
    if !matches!(output.status.code(), Some(0 | 1)) {
        return Err(format!("{command:?} ended with {}", output.status));
    }
    let report = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("diagnose --format json: {e}"))?;
    Ok((elapsed, report))
}

/// `lab serve` running in its own process, as an admin would start it.
pub(crate) struct LabProcess {
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
    /// `/adfs/probe`'s port (on-premises labs).
    probe_port: Option<u16>,
}

impl LabProcess {
    /// Starts `lab serve SCENARIO --format json` and reads its endpoints.
    pub(crate) fn start(scenario: &str, one_way: Duration) -> Result<Self, String> {
        let mut command = Command::new(sibling("lab")?);
        command.args(["serve", scenario, "--format", "json"]);
        if !one_way.is_zero() {
            command.args(["--latency-ms", &one_way.as_millis().to_string()]);
        }
        let mut child = command
            .stdin(Stdio::null())
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
    pub(crate) fn diagnose(&self, plan: &str, extra: &[&str]) -> Result<Command, String> {
        let mut command = Command::new(sibling("diagnose")?);
        command.args(self.diagnose_args(plan, extra));
        Ok(command)
    }

    /// The arguments of [`LabProcess::diagnose`] (for a command that wraps `diagnose`).
    pub(crate) fn diagnose_args(&self, plan: &str, extra: &[&str]) -> Vec<OsString> {
        let e = &self.endpoints;
        let mut args: Vec<OsString> = vec![e.domain.clone().into()];
        for (view, addr) in &e.dns {
            args.extend(["--dns-server".into(), format!("{view}={addr}").into()]);
        }
        args.extend([
            "--ca-file".into(),
            e.trust_root_file.clone().into_os_string(),
            "--no-system-roots".into(),
            "--port".into(),
            e.https_port.to_string().into(),
            "--plan".into(),
            plan.into(),
            "--format".into(),
            "json".into(),
        ]);
        args.extend(extra.iter().map(OsString::from));
        args
    }

    /// `/adfs/probe`'s port, for on-premises labs.
    pub(crate) fn probe_port(&self) -> Option<u16> {
        self.endpoints.probe_port
    }

    /// What an admin types: `dig`, `openssl s_client`, `curl` + `openssl crl` per CRL, `curl`.
    pub(crate) fn shell_sequence(&self, dir: &Path) -> Vec<Command> {
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
