//! AD FS checks of [`wpj`](https://docs.rs/wpj): the farm behind the registration name, node by
//! node, and the federation service behind the discovery document.
//!
//! - [`NodesCheck`] (`adfs-nodes`, stage `discovery`): every node a device may land on (every
//!   address of every DNS view, or the nodes given) — its certificate and its contract answer — so
//!   an admin learns *which* node fails devices.
//! - [`ProbeCheck`] (`adfs-probe`, stage `farm-health`): `/adfs/probe` on every node, as a load
//!   balancer asks it; never a device verdict, and no answer at all is only a warning (port 80 is
//!   usually not published).
//! - [`SignInCheck`] (`adfs-sign-in`, stage `sign-in`): the hosts the discovery document sends the
//!   device to after the user signs in — they resolve, accept a connection, present a certificate
//!   Windows accepts, answer without a server error ("Can't connect to the service", KB3045378).
//! - [`FederationCheck`] (`adfs-federation`, stage `farm-health`): `FederationMetadata.xml`
//!   answers, token certificates are valid (inside 30 days → warning), `openid-configuration`
//!   answers — what relying parties need, never a device verdict.
//!
//! All skip themselves for Microsoft Entra ID, never send credentials and write nothing.
//!
//! # Quick start
//!
//! ```no_run
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use wpj_core::{Check, Context, Settings, Target};
//!
//! let mut settings = Settings::new(Target::parse("contoso.com")?);
//! settings.adfs_nodes = vec![("adfs1".into(), "10.0.0.11".parse()?), ("adfs2".into(), "10.0.0.12".parse()?)];
//! // The `wpj` crate's runner hands the DNS step's output to the check; alone it needs it too.
//! let cx = Context::new(settings);
//! let dns = std::sync::Arc::new(wpj_dns::DnsCheck.run(&cx).await);
//! let nodes = wpj_adfs::NodesCheck.run(&cx.for_check(vec![dns], None)).await;
//! println!("{}: {}", nodes.status, nodes.summary);
//! # Ok(()) }
//! ```
//!
//! # Crate features
//!
//! None.

mod federation;
mod nodes;
mod probe;
mod scope;
mod signin;

pub use federation::{FederationCheck, TOKEN_EXPIRY_WARNING_DAYS};
pub use nodes::NodesCheck;
pub use probe::ProbeCheck;
pub use signin::SignInCheck;
