//! The DNS step of [`wpj`](https://docs.rs/wpj): resolve `EnterpriseRegistration.<upn-suffix>` the way
//! a Windows device does, and report what `nslookup` would have shown, in Windows' terms.
//!
//! [`DnsCheck`] asks every server of every configured view (split-horizon `internal` / `external`)
//! for A and AAAA concurrently, keeps each answer's CNAME chain and TTLs as evidence, tells Microsoft
//! Entra ID (a CNAME to `enterpriseregistration.windows.net`) from AD FS, and maps every way the name
//! can fail to resolve to 0x80072EE7 (event 102, KB3045385) with the precise DNS cause.
//!
//! # Quick start
//!
//! ```no_run
//! use std::net::SocketAddr;
//! use wpj_core::{Check, Context, ResolverView, Resolvers, Settings, Target};
//! use wpj_dns::DnsCheck;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut settings = Settings::new(Target::parse("alice@contoso.com")?);
//! settings.resolvers = Resolvers::Views(vec![ResolverView {
//!     name: "internal".into(),
//!     servers: vec!["10.0.0.53:53".parse::<SocketAddr>()?],
//! }]);
//! let finding = DnsCheck.run(&Context::new(settings)).await;
//! println!("{}: {}", finding.status, finding.summary);
//! # Ok(()) }
//! ```
//!
//! # Crate features
//!
//! - `system-config`: read the operating system's resolver configuration for
//!   [`Resolvers::System`](wpj_core::Resolvers::System). Without it, explicit servers are required.

mod assess;
mod check;
mod host;
mod query;
mod views;

pub use assess::{ENTRA_REGISTRATION_HOST, classify};
pub use check::DnsCheck;
pub use host::{HostResolver, LookupMemo};
pub use views::NoServers;
