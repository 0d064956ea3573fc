//! TCP, TLS and revocation checks of [`wpj`](https://docs.rs/wpj), as a Windows device performs them.
//!
//! - [`ConnectCheck`] (`tcp`): every resolved address, concurrently → 0x80072EFD when none connects.
//! - [`TlsCheck`] (`tls`): the handshake with SNI `enterpriseregistration.<suffix>` on an inspection
//!   connection (the chain is captured even when untrusted; handshake signatures are still checked),
//!   then path building and validation in Windows' terms (AIA followed level by level, the best path
//!   kept, CN when there is no SAN, SHA-1 and RSA-1024 accepted under private roots with a warning)
//!   → 0x80072F0D, 0x80072F05, 0x80072F06, 0x80072F89, 0x80072EE2, 0x80072EFE — every problem
//!   reported, not just the first. A server rustls cannot talk to (TLS 1.0/1.1 only, RSA key
//!   exchange only) is inspected with the `ClientHello` Windows 10 sends ([`WINDOWS10_SUITES`]); its
//!   chain is judged the same way and a [`LegacyHandshake`] says what a device negotiates.
//! - [`RevocationCheck`] (`revocation`): every non-root certificate, concurrently, in `CryptoAPI`'s
//!   order — stapled OCSP response, OCSP responders (SHA-1 `CertID`, GET), CRL distribution points —
//!   until a definitive answer, size-capped and time-bounded, judged good / revoked / unknown →
//!   0x80072F8A, 0x80072F19 (hard-fail).
//!
//! OCSP, CRL and AIA downloads go through the run's network layer ([`wpj_net::Net`]): its DNS servers
//! (so the diagnosis sees what the device sees), its proxy, its caps and budget.
//!
//! # Quick start
//!
//! ```no_run
//! use std::sync::Arc;
//! use wpj_core::{Check, Context, Settings, Target};
//! use wpj_tls::{ConnectCheck, RevocationCheck, TlsCheck};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The `wpj` crate's runner does this chaining (and the timeouts) for you.
//! let cx = Context::new(Settings::new(Target::parse("contoso.com")?));
//! let dns = Arc::new(wpj_dns::DnsCheck.run(&cx).await);
//! let tcp = Arc::new(ConnectCheck.run(&cx.for_check(vec![dns], None)).await);
//! let tls = Arc::new(TlsCheck.run(&cx.for_check(vec![tcp], None)).await);
//! let revocation = RevocationCheck.run(&cx.for_check(vec![Arc::clone(&tls)], None)).await;
//! println!("{}: {}\n{}: {}", tls.status, tls.summary, revocation.status, revocation.summary);
//! # Ok(()) }
//! ```
//!
//! # Crate features
//!
//! None; ring is the only crypto provider.

mod aia;
mod certificate;
mod connect;
mod crl;
mod der;
mod examined;
mod farm;
mod handshake;
mod host;
mod inspect;
mod names;
mod ocsp;
mod p7c;
mod path;
mod revocation;
mod revocation_views;
mod signatures;
mod tls_check;
mod validate;
mod verifier;
mod weak;

pub use connect::{ConnectCheck, Reachable};
pub use crl::{CrlEntry, CrlList, CrlReadError, CrlTimes, crl_times};
pub use examined::EARLY_HANDSHAKE_CHECKS;
pub use farm::{describe_certificate, mixed_certificates};
pub use host::{HostTrouble, validate_host};
pub use inspect::{InspectError, LegacyHandshake, LegacyVersion, WINDOWS10_SUITES, WindowsSuite};
pub use revocation::{EXPIRY_WARNING, RevocationCheck, check_path, check_path_stapled};
pub use tls_check::{CapturedChain, NodeTls, TlsCheck, examine_host, examine_node};
pub use verifier::{Recording, inspection_config, inspection_recording, verifying_config};
