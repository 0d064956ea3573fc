//! AD FS checks of [`wpj`](https://docs.rs/wpj): the farm behind the registration name, node by
//! node, and the federation service behind the discovery document.
//!
//! - [`NodesCheck`] (`adfs-nodes`): every node a device may land on (every address of every DNS
//!   view, or the nodes given) — its certificate, its contract answer, `/adfs/probe` — so an admin
//!   learns *which* node is broken.
//! - [`FederationCheck`] (`adfs-federation`): the federation service name from the discovery
//!   document — it resolves, its certificate covers it, `FederationMetadata.xml` answers, token
//!   certificates are valid (inside 30 days → warning), `openid-configuration` answers.
//!
//! Both skip themselves for Microsoft Entra ID, never send credentials and write nothing.
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

pub use federation::{FederationCheck, TOKEN_EXPIRY_WARNING_DAYS};
pub use nodes::NodesCheck;
