//! Peak memory of parsing a CRL file and looking up a serial: the revocation step's reader
//! ([`wpj_tls::CrlList`], `wpj`), and webpki's borrowed and owned forms for comparison.
//!
//! ```text
//! cargo run --release -p wpj-tls --example crl_memory -- write 1000000 /tmp/1m.crl
//! cargo run --release -p wpj-tls --example crl_memory -- wpj /tmp/1m.crl
//! cargo run --release -p wpj-tls --example crl_memory -- borrowed /tmp/1m.crl
//! cargo run --release -p wpj-tls --example crl_memory -- owned /tmp/1m.crl
//! ```
//!
//! Prints the file size and the growth of the process's peak resident set (`VmHWM`) caused by
//! parsing and one full-scan lookup after the file is already in memory, and the growth including
//! reading the file (what a revocation check costs in all).

use std::process::ExitCode;

use webpki::{BorrowedCertRevocationList, CertRevocationList, OwnedCertRevocationList};
use wpj_testkit::memory::peak_memory;
use wpj_testkit::pki::crl_with_entries;
use wpj_tls::CrlList;

/// Peak resident memory so far, KiB (0 where the platform does not say).
fn peak_kib() -> u64 {
    peak_memory().map_or(0, |bytes| bytes / 1024)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["write", n, path] => {
            let Ok(n) = n.parse::<usize>() else {
                eprintln!("crl_memory: {n:?} is not a number");
                return ExitCode::from(2);
            };
            let der = match crl_with_entries(n) {
                Ok(der) => der,
                Err(e) => {
                    eprintln!("crl_memory: {e}");
                    return ExitCode::from(2);
                }
            };
            if let Err(e) = std::fs::write(path, &der) {
                eprintln!("crl_memory: {path}: {e}");
                return ExitCode::from(2);
            }
            println!("wrote {} bytes", der.len());
            ExitCode::SUCCESS
        }
        [mode @ ("wpj" | "borrowed" | "owned"), path] => {
            let baseline = peak_kib();
            let der = match std::fs::read(path) {
                Ok(d) => d,
                Err(e) => {
                    eprintln!("crl_memory: {path}: {e}");
                    return ExitCode::from(2);
                }
            };
            let before = peak_kib();
            let started = std::time::Instant::now();
            let absent = [0x7F, 0xFF, 0xFF];
            let found = match *mode {
                "wpj" => CrlList::from_der(&der)
                    .and_then(|crl| crl.find(&absent))
                    .expect("CRL")
                    .is_some(),
                "borrowed" => CertRevocationList::from(
                    BorrowedCertRevocationList::from_der(&der).expect("CRL"),
                )
                .find_serial(&absent)
                .expect("CRL")
                .is_some(),
                _ => {
                    CertRevocationList::from(OwnedCertRevocationList::from_der(&der).expect("CRL"))
                        .find_serial(&absent)
                        .expect("CRL")
                        .is_some()
                }
            };
            let elapsed = started.elapsed();
            let after = peak_kib();
            println!(
                "{mode}: file {} KiB, parse+lookup {:.1} ms, peak RSS growth {} KiB ({} KiB with the file read), found={found}",
                der.len() / 1024,
                elapsed.as_secs_f64() * 1000.0,
                after.saturating_sub(before),
                after.saturating_sub(baseline)
            );
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!(
                "usage: crl_memory write <entries> <file> | crl_memory wpj|borrowed|owned <file>"
            );
            ExitCode::from(2)
        }
    }
}
