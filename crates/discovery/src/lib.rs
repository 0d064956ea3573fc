//! The discovery step of [`wpj`](https://docs.rs/wpj): `GET /EnrollmentServer/contract` as a Windows
//! device sends it, and the MS-DVRD discovery document judged as Windows would judge it.
//!
//! [`ContractCheck`] (`contract`) maps the answer to event 103 (404 → KB3045386, 503 → KB3045388,
//! other statuses), redirects as WinHTTP follows them (HTTPS → HTTP refused; loops and too many
//! hops 0x80072F7C), pages that are not documents (0x8007000D) and stalls (0x80072EE2), and keeps
//! every request and the document as evidence. For Microsoft Entra ID it asks Microsoft's tenant
//! discovery (`/<domain>/discover?api-version=1.7`) as Windows 10 and later do. When the certificate
//! failed, it looks past it over an inspection connection, so one run shows every fault.
//!
//! # Quick start
//!
//! ```no_run
//! use std::sync::Arc;
//! use wpj_core::{Check, Context, Settings, Target};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // The `wpj` crate's runner chains the steps (and bounds them) for you.
//! let mut settings = Settings::new(Target::parse("contoso.com")?);
//! settings.api_versions = vec!["1.0".into(), "1.2".into()];
//! let cx = Context::new(settings);
//! let dns = Arc::new(wpj_dns::DnsCheck.run(&cx).await);
//! let tcp = Arc::new(wpj_tls::ConnectCheck.run(&cx.for_check(vec![Arc::clone(&dns)], None)).await);
//! let tls = Arc::new(wpj_tls::TlsCheck.run(&cx.for_check(vec![Arc::clone(&tcp)], None)).await);
//! let contract = wpj_discovery::ContractCheck
//!     .run(&cx.for_check(vec![dns, tcp, tls], None))
//!     .await;
//! println!("{}: {}", contract.status, contract.summary);
//! # Ok(()) }
//! ```
//!
//! # Crate features
//!
//! None.

mod check;
mod client;
mod clock;
mod document;
mod entra;
mod inspection;
mod service_error;
mod trouble;

pub use check::{
    ContractCheck, Documents, ENTRA_DISCOVER_API_VERSION, MAX_REDIRECTS, node_contract,
};
pub use clock::{CLOCK_SKEW_TOLERANCE, parse_http_date};
pub use document::XML_NAMESPACE;
pub use entra::{
    DEVICE_LOGIN_HOST, EntraSignInCheck, LOGIN_HOST, MEX_PATH, WINDOWS_TRANSPORT_PATH,
};
pub use inspection::{
    INSPECTION_REMEDIATION, INSPECTION_SOURCE, Inspection, TRUSTED_CONSEQUENCE, issuer_of,
    through_proxy, top_issuer, warn_of_inspection,
};
pub use service_error::{ServiceError, retry_after};
pub use trouble::{Trouble, troubled_finding};
