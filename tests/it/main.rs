//! Integration tests: one binary, one module per area.

#[cfg(all(
    feature = "adfs",
    feature = "dns",
    feature = "tls",
    feature = "discovery"
))]
mod adfs;
#[cfg(all(feature = "dns", feature = "tls", feature = "discovery"))]
mod demo;
#[cfg(all(feature = "dns", feature = "tls", feature = "discovery"))]
mod discovery;
#[cfg(feature = "dns")]
mod dns;
mod docs;
mod explain;
mod runner;
mod support;
#[cfg(feature = "tls")]
mod tls;
