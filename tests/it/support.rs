//! Helpers shared by the test modules.

use std::path::PathBuf;
use std::process::{Command, Output};

/// Runs an example binary with arguments, building it first if `cargo test` did not.
pub(crate) fn run_example(name: &str, args: &[&str]) -> Output {
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/it-<hash> → target/<profile>/examples/<name>
    let bin: PathBuf = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(|profile| profile.join("examples").join(name))
        .expect("target layout");
    if !bin.exists() {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--example", name])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo build");
        assert!(status.success(), "building example {name} failed");
    }
    let mut command = Command::new(&bin);
    // The labs are on loopback: a proxy of this machine must not stand between.
    for var in ["HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"] {
        command.env_remove(var);
    }
    command
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("running {}: {e}", bin.display()))
}

#[cfg(feature = "tls")] // used by the modules that diagnose labs
/// Settings for a lab with short network timeouts: the lab answers in microseconds, and its faults
/// must end in typed failures well before the runner's own limits. Not so short that a loaded
/// machine turns a healthy answer into a timeout.
pub(crate) fn quick(lab: &wpj_testkit::Lab) -> wpj::Settings {
    let mut s = lab.settings();
    s.network_timeout = std::time::Duration::from_secs(2);
    s.dns_timeout = std::time::Duration::from_secs(2);
    s
}

#[cfg(feature = "tls")] // used by the modules that diagnose labs
/// Starts a scenario's lab.
pub(crate) async fn lab(name: &str) -> wpj_testkit::Lab {
    wpj_testkit::Scenario::find(name)
        .unwrap_or_else(|| panic!("no scenario {name}"))
        .start()
        .await
        .expect("lab starts")
}

#[cfg(feature = "tls")] // used by the modules that diagnose labs
/// One finding of a report, by check id.
pub(crate) fn step<'r>(report: &'r wpj::Report, id: &str) -> &'r wpj::Finding {
    report
        .finding(id)
        .unwrap_or_else(|| panic!("no {id} finding"))
}

#[cfg(feature = "tls")] // used by the modules that diagnose labs
/// Every piece of `f`'s evidence that `pick` recognises, in order.
fn picked<'f, T>(
    f: &'f wpj::Finding,
    pick: impl Fn(&'f wpj::Evidence) -> Option<&'f T>,
) -> Vec<&'f T> {
    f.evidence.iter().filter_map(pick).collect()
}

#[cfg(feature = "tls")]
/// The HTTP exchanges a finding recorded.
pub(crate) fn exchanges(f: &wpj::Finding) -> Vec<&wpj::HttpExchange> {
    picked(f, |e| match e {
        wpj::Evidence::Http(h) => Some(h),
        _ => None,
    })
}

#[cfg(feature = "tls")]
/// The `/adfs/probe` answers a finding recorded.
pub(crate) fn probes(f: &wpj::Finding) -> Vec<&wpj::ProbeAnswer> {
    picked(f, |e| match e {
        wpj::Evidence::Probe(p) => Some(p),
        _ => None,
    })
}

#[cfg(feature = "tls")]
/// The farm nodes a finding recorded.
pub(crate) fn nodes(f: &wpj::Finding) -> Vec<&wpj::NodeReport> {
    picked(f, |e| match e {
        wpj::Evidence::Node(n) => Some(n),
        _ => None,
    })
}

#[cfg(feature = "tls")]
/// The TLS session a finding recorded (its first).
pub(crate) fn session(f: &wpj::Finding) -> &wpj::TlsSession {
    picked(f, |e| match e {
        wpj::Evidence::Tls(s) => Some(s),
        _ => None,
    })
    .into_iter()
    .next()
    .unwrap_or_else(|| panic!("no TLS session in {f:?}"))
}
