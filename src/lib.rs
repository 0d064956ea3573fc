//! Diagnose why a Windows device cannot Workplace Join or register with its device registration
//! service (DRS on AD FS, or Microsoft Entra ID), and say it in Windows' own terms.
//!
//! A device resolves `EnterpriseRegistration.<upn-suffix>`, connects to 443, validates the TLS chain
//! (revocation included, hard-fail) and fetches `/EnrollmentServer/contract`. Each step can fail with
//! a documented code. This crate replays that path as a [`Plan`] of [`Check`]s, runs it with the
//! [`Runner`] (dependencies first, independent steps concurrently, everything under a deadline) and
//! returns a [`Report`] whose [`verdict`](Report::verdict) names the first failure the device would hit,
//! as Event 102/103/200 would, with the KB article and the fix, plus every other problem found.
//!
//! # Quick start
//!
//! Diagnose a domain (or a user's UPN) as a Windows 10 device would meet it:
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let report = wpj::diagnose(wpj::Settings::new("alice@contoso.com".parse()?)).await;
//! match report.verdict() {
//!     Some(verdict) => println!("{verdict} ({})\nFix: {}", verdict.stage, verdict.remediation),
//!     None => println!("a device would get through discovery and sign-in"),
//! }
//! for problem in report.problems() {
//!     println!("[{}] {}: {}", problem.stage, problem.check, problem.summary);
//! }
//! # Ok(()) }
//! ```
//!
//! A verdict is a promise about a device: only `discovery` and `sign-in` findings can make one;
//! `farm-health` findings (the AD FS probe, metadata, token certificates) are reported, never blamed on
//! devices ([`Stage`]).
//!
//! Explain a code from an event log, offline:
//!
//! ```
//! use wpj::JoinFailure;
//!
//! let failure: JoinFailure = "0x80072F8A".parse()?;
//! assert_eq!(failure.kb().map(|kb| kb.to_string()).as_deref(), Some("KB3045383"));
//! # Ok::<(), wpj::ParseCodeError>(())
//! ```
//!
//! See [`Runner`] and [`Plan`] for running your own checks.
//!
//! # Crate features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `dns` | yes | the DNS step (`wpj-dns`) |
//! | `tls` | yes | TCP, TLS and revocation (`wpj-tls`) |
//! | `discovery` | yes | the contract request (`wpj-discovery`) |
//! | `adfs` | yes | AD FS farm checks (`wpj-adfs`) |
//! | `eventlog` | no | reading event logs and `dsregcmd /status` offline (`wpj-eventlog`) |
//! | `system-dns` | yes | the operating system's DNS configuration for `Resolvers::System` |
//!
//! The manual and one page per failure code live in the repository's `docs/` folder.

mod plan;
mod progress;
mod runner;
#[cfg(all(feature = "dns", feature = "tls", feature = "discovery"))]
mod standard;

pub use plan::{Plan, PlanError};
pub use progress::ProgressEvent;
pub use runner::Runner;
#[cfg(all(feature = "dns", feature = "tls", feature = "discovery"))]
pub use standard::diagnose;
pub use wpj_core::*;

#[cfg(feature = "adfs")]
pub use wpj_adfs as adfs;
/// The core types, also re-exported at the crate root.
pub use wpj_core as core;
#[cfg(feature = "discovery")]
pub use wpj_discovery as discovery;
#[cfg(feature = "dns")]
pub use wpj_dns as dns;
#[cfg(feature = "eventlog")]
pub use wpj_eventlog as eventlog;
#[cfg(feature = "tls")]
pub use wpj_net as net;
#[cfg(feature = "tls")]
pub use wpj_tls as tls;

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
