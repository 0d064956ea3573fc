//! `lab`: run a testkit lab on loopback and say how to point `dig`, `openssl` and `curl` at it.
//!
//! ```text
//! cargo run --example lab -- list
//! cargo run --example lab -- serve tls-revoked-leaf
//! cargo run --example lab -- serve healthy-onprem --format json
//! cargo run --example lab -- serve healthy-onprem --latency-ms 25   # 50 ms round trips
//! cargo run --example lab -- serve-fleet 1000                      # 1,000 domains for `fleet`
//! ```
//!
//! The lab runs until Ctrl-C. Exit codes: 0 stopped normally, 2 usage error or the lab could not start.

#[path = "common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anstream::{print, println};
use clap::{Parser, Subcommand, ValueEnum};
use common::render::{Table, outcome};
use serde::Serialize;
use wpj_testkit::{Lab, Scenario};

/// Run a wpj testkit lab: real DNS, PKI/CRL and registration-service servers on 127.0.0.0/8.
#[derive(Debug, Parser)]
#[command(name = "lab", version)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List the scenarios.
    List,
    /// Start one scenario's lab and keep it running until Ctrl-C.
    Serve {
        /// Scenario name (see `list`).
        scenario: String,
        /// How to print the lab's endpoints.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Network latency to emulate, one way, in milliseconds: DNS answers come a round trip
        /// (twice this) late, and TCP connections to the service and the CRL host go through a
        /// delaying relay (handshake included).
        #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(0..=10_000))]
        latency_ms: Option<u64>,
    },
    /// Serve N healthy AD FS domains (`d0.fleet.test` …) together, write their list, and print the
    /// `fleet` command that diagnoses them all; runs until Ctrl-C.
    ServeFleet {
        /// How many domains.
        #[arg(value_parser = clap::value_parser!(u32).range(1..=100_000))]
        domains: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

/// The endpoints of a running lab, for `--format json`.
#[derive(Debug, Serialize)]
struct Endpoints {
    schema_version: u32,
    scenario: String,
    expected: Option<String>,
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
    startup_ms: f64,
    /// Emulated one-way latency, milliseconds (0: plain loopback).
    latency_ms: f64,
    /// The port of `/adfs/probe` (on-premises labs).
    probe_port: Option<u16>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match args.command {
        Command::List => {
            let mut table = Table::new();
            for s in Scenario::all() {
                table.row([
                    s.name.to_owned(),
                    outcome(s.expected),
                    s.description.to_owned(),
                ]);
            }
            print!("{}", table.render());
            ExitCode::SUCCESS
        }
        Command::Serve {
            scenario,
            format,
            latency_ms,
        } => serve(&scenario, format, latency_ms.map(Duration::from_millis)).await,
        Command::ServeFleet { domains } => serve_fleet(domains as usize).await,
    }
}

async fn serve(name: &str, format: Format, latency: Option<Duration>) -> ExitCode {
    let Some(scenario) = Scenario::find(name) else {
        eprintln!("lab: no scenario named {name:?}; `lab list` shows them");
        return ExitCode::from(2);
    };
    let spec = wpj_testkit::LabSpec {
        latency,
        ..scenario.spec.clone()
    };
    let lab = match Lab::start(spec).await {
        Ok(lab) => lab,
        Err(e) => {
            eprintln!("lab: could not start {name}: {e}");
            return ExitCode::from(2);
        }
    };
    let dir = std::env::temp_dir().join(format!("wpj-lab-{}", std::process::id()));
    let root = dir.join("root.pem");
    if let Err(e) =
        std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&root, lab.trust_root_pem()))
    {
        eprintln!("lab: could not write {}: {e}", root.display());
        return ExitCode::from(2);
    }
    let endpoints = endpoints(&scenario, &lab, root);
    match format {
        Format::Json => println!(
            "{}",
            serde_json::to_string(&endpoints).expect("serializable")
        ),
        Format::Text => print!("{}", instructions(&scenario, &endpoints)),
    }
    eprintln!("lab: running; Ctrl-C stops it");
    stopped().await;
    let _ = std::fs::remove_dir_all(&dir);
    ExitCode::SUCCESS
}

async fn serve_fleet(count: usize) -> ExitCode {
    let fleet = match wpj_testkit::fleet::FleetLab::start(count).await {
        Ok(fleet) => fleet,
        Err(e) => {
            eprintln!("lab: could not start the fleet: {e}");
            return ExitCode::from(2);
        }
    };
    let dir = std::env::temp_dir().join(format!("wpj-lab-{}", std::process::id()));
    let (list, root) = (dir.join("domains.txt"), dir.join("root.pem"));
    if let Err(e) = std::fs::create_dir_all(&dir)
        .and_then(|()| std::fs::write(&list, fleet.domains().join("\n")))
        .and_then(|()| std::fs::write(&root, fleet.trust_root_pem()))
    {
        eprintln!("lab: could not write {}: {e}", dir.display());
        return ExitCode::from(2);
    }
    println!(
        "Fleet of {count} healthy AD FS domains (DNS {dns}, service port {port}, probe port {probe})\n\n\
         Diagnose them all\n  cargo run --release --example fleet -- {list} --dns-server internal={dns} \
         --ca-file {root} --no-system-roots --port {port} --adfs-probe-port {probe}",
        dns = fleet.resolver(),
        port = fleet.https_port(),
        probe = fleet.probe_port(),
        list = list.display(),
        root = root.display(),
    );
    eprintln!("lab: running; Ctrl-C stops it");
    stopped().await;
    let _ = std::fs::remove_dir_all(&dir);
    ExitCode::SUCCESS
}

/// Ctrl-C, or (on Unix) SIGTERM — so that a harness that stops the lab leaves no files behind.
async fn stopped() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

fn endpoints(scenario: &Scenario, lab: &Lab, trust_root_file: PathBuf) -> Endpoints {
    let node = lab.nodes()[0];
    Endpoints {
        schema_version: 1,
        scenario: scenario.name.to_owned(),
        expected: scenario.expected.failure().map(|f| f.code().to_owned()),
        domain: lab.domain().to_owned(),
        registration_name: lab.registration_name(),
        dns: lab
            .views()
            .into_iter()
            .map(|v| (v.name, v.servers[0].to_string()))
            .collect(),
        https_addr: format!("{node}:{}", lab.https_port()),
        https_port: lab.https_port(),
        contract_url: format!(
            "https://{}:{}/EnrollmentServer/contract?api-version=1.0",
            lab.registration_name(),
            lab.https_port()
        ),
        issuing_crl_url: lab.issuing_crl_url(),
        root_crl_url: lab.root_crl_url(),
        pki_addr: lab
            .pki_base_url()
            .rsplit(':')
            .next()
            .map(|port| format!("127.0.0.1:{port}"))
            .unwrap_or_default(),
        trust_root_file,
        startup_ms: lab.startup_time().as_secs_f64() * 1000.0,
        latency_ms: lab.spec().latency.map_or(0.0, |l| l.as_secs_f64() * 1000.0),
        probe_port: lab.probe_port(),
    }
}

fn instructions(scenario: &Scenario, e: &Endpoints) -> String {
    let mut out = format!(
        "Lab {:?}: {}\n  expected: {}\n  started in {:.1} ms\n",
        scenario.name,
        scenario.description,
        outcome(scenario.expected),
        e.startup_ms
    );
    if e.latency_ms > 0.0 {
        let _ = writeln!(
            out,
            "  latency: {} ms each way ({} ms round trip)",
            e.latency_ms,
            e.latency_ms * 2.0
        );
    }
    out.push('\n');
    for (view, addr) in &e.dns {
        let (ip, port) = addr.rsplit_once(':').unwrap_or((addr, "53"));
        let _ = write!(
            out,
            "DNS ({view} view) {addr}\n  dig @{ip} -p {port} {} A\n",
            e.registration_name
        );
    }
    let (https_ip, _) = e.https_addr.rsplit_once(':').unwrap_or((&e.https_addr, ""));
    let pki_port = e.pki_addr.rsplit(':').next().unwrap_or_default();
    let root = e.trust_root_file.display();
    let _ = write!(
        out,
        "\nRegistration service {addr}\n  \
         openssl s_client -connect {addr} -servername {name} -CAfile {root} -showcerts </dev/null\n  \
         curl --cacert {root} --resolve {name}:{port}:{https_ip} -H 'Accept: application/json' '{url}'\n",
        addr = e.https_addr,
        name = e.registration_name,
        port = e.https_port,
        url = e.contract_url,
    );
    let _ = write!(
        out,
        "\nCRLs (plain HTTP on {pki})\n  \
         curl -s --resolve pki.{domain}:{pki_port}:127.0.0.1 {issuing} | openssl crl -inform DER -noout -text\n  \
         curl -s --resolve pki.{domain}:{pki_port}:127.0.0.1 {root_crl} | openssl crl -inform DER -noout -text\n\n\
         Trust root: {root}\n\n\
         Diagnose it\n  cargo run --example diagnose -- {domain} {dns} --ca-file {root} --no-system-roots --port {port}{probe}\n",
        dns = e
            .dns
            .iter()
            .map(|(view, addr)| format!("--dns-server {view}={addr}"))
            .collect::<Vec<_>>()
            .join(" "),
        port = e.https_port,
        probe = e
            .probe_port
            .map(|p| format!(" --adfs-probe-port {p}"))
            .unwrap_or_default(),
        pki = e.pki_addr,
        domain = e.domain,
        issuing = e.issuing_crl_url,
        root_crl = e.root_crl_url,
    );
    out
}
