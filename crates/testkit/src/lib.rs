//! `wpj-testkit`: an in-process lab that recreates every device-registration discovery failure for real.
//!
//! Every part is a real server on loopback (`127.0.0.0/8` only), started at run time and stopped when
//! its handle drops: a DNS server (hickory-server, UDP and TCP) with split-horizon views and scripted
//! faults; a throw-away PKI (rcgen) with CRLs and AIA served over plain HTTP; the registration service
//! itself (tokio-rustls + HTTP/1.1) serving MS-DVRD discovery documents, with connection, TLS and HTTP
//! faults; and the AD FS probe and federation metadata. [`Scenario::all`] names one lab per failure.
//!
//! ```
//! use wpj_testkit::{Expected, Lab, Scenario};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let scenario = Scenario::find("tls-revoked-leaf").expect("in the catalogue");
//! assert_eq!(scenario.expected, Expected::Failure(wpj_core::JoinFailure::CertRevoked));
//! let lab = scenario.start().await?;
//! let settings = lab.settings(); // DNS views, trust root and port of this lab
//! assert_eq!(settings.port, lab.https_port());
//! # Ok(()) }
//! ```
//!
//! Only ever a dev-dependency; not published.

pub mod adfs;
pub mod discovery;
pub mod dns;
pub mod fleet;
pub mod fuzz;
pub mod handshakes;
pub mod hostile;
pub mod http;
pub mod https;
pub mod inspection;
pub mod lab;
pub mod latency;
pub mod legacy;
pub mod legacy_tls;
pub mod memory;
pub mod ocsp;
mod ocsp_scenarios;
pub mod pki;
pub mod proxy;
pub mod scenario;
pub mod server;
pub mod web;

pub use discovery::EntraRealm;
pub use hostile::Hostile;
pub use lab::{
    ChainShape, CorporateRoot, CrlFault, CrlForm, Delta, ExternalView, Flavour, Lab, LabError,
    LabSpec, NodeSpec, Revoked, Scope,
};
pub use scenario::{Expected, Scenario};
