//! The network layer of [`wpj`](https://docs.rs/wpj): one [`Net`] per run owns everything that
//! reaches a server over HTTP.
//!
//! - **Trust**: the run's [`TrustStore`] (system roots, extra PEM files, or only those).
//! - **Names**: every client resolves through the run's DNS servers ([`wpj_dns::HostResolver`]),
//!   so the diagnosis sees what the device sees; one resolver per DNS view on request.
//! - **Proxy**: `--proxy`, else `HTTPS_PROXY`; `NO_PROXY` honoured ([`ProxyConfig`]), through
//!   reqwest's own proxy types; applied wherever Windows uses one — contract, tenant discovery,
//!   sign-in hosts, federation, CRL / AIA / OCSP downloads — and shown with credentials redacted.
//! - **Limits**: a cap per kind of body, a byte budget per run ([`Limits`]); bodies are read as
//!   streams and abandoned at the cap; every request is bounded by the run's network timeout.
//! - **One error**: [`FetchError`] for every request; [`NetError`] when a run's layer cannot be
//!   set up.
//!
//! ```no_run
//! use wpj_core::{Context, Settings, Target};
//! use wpj_net::Net;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let cx = Context::new(Settings::new(Target::parse("contoso.com")?));
//! let net = Net::for_run(&cx)?; // every check of the run gets this same one
//! let crl = net.fetch("http://crl.contoso.com/contoso.crl", net.limits().crl).await?;
//! println!("{} bytes", crl.len());
//! # Ok(()) }
//! ```

mod body;
mod connections;
mod error;
mod https;
mod limits;
mod net;
mod proxy;
mod resolve;
mod roots;
mod url;

pub use connections::{ConnectionTrust, Reservation};
pub use error::{FetchError, NetError};
pub use https::{HttpsClient, Reply};
pub use limits::Limits;
pub use net::{HttpsBuilder, Net, USER_AGENT};
pub use proxy::ProxyConfig;
/// A parsed URL (the one URL type of the library).
pub use reqwest::Url;
pub use resolve::root_cause;
pub use roots::{RootOrigin, TrustError, TrustStore};
pub use url::{host_of, join_url, redact_url, scheme_of};
