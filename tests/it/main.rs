//! Integration tests: one binary, one module per area.

#[cfg(all(
    feature = "adfs",
    feature = "dns",
    feature = "tls",
    feature = "discovery"
))]
mod adfs;
/// The demos' shared option parsing, with its unit tests.
#[cfg(all(feature = "dns", feature = "tls", feature = "discovery"))]
#[path = "../../examples/common/mod.rs"]
mod common;
#[cfg(all(
    feature = "adfs",
    feature = "dns",
    feature = "tls",
    feature = "discovery"
))]
mod connections;
#[cfg(feature = "tls")]
mod crl;
#[cfg(all(feature = "dns", feature = "tls", feature = "discovery"))]
mod demo;
#[cfg(all(feature = "dns", feature = "tls", feature = "discovery"))]
mod discovery;
#[cfg(feature = "dns")]
mod dns;
mod docs;
#[cfg(all(feature = "dns", feature = "tls", feature = "discovery"))]
mod entra;
mod explain;
#[cfg(all(feature = "dns", feature = "tls", feature = "discovery"))]
mod fleet;
#[cfg(all(
    feature = "adfs",
    feature = "dns",
    feature = "tls",
    feature = "discovery"
))]
mod handshake;
#[cfg(all(
    feature = "adfs",
    feature = "dns",
    feature = "tls",
    feature = "discovery"
))]
mod hostile;
#[cfg(all(feature = "dns", feature = "tls"))]
mod ocsp;
#[cfg(all(
    feature = "adfs",
    feature = "dns",
    feature = "tls",
    feature = "discovery"
))]
mod pasted;
#[cfg(all(
    feature = "adfs",
    feature = "dns",
    feature = "tls",
    feature = "discovery"
))]
mod perf;
#[cfg(all(
    feature = "adfs",
    feature = "dns",
    feature = "tls",
    feature = "discovery"
))]
mod proxy;
mod runner;
#[cfg(all(
    feature = "adfs",
    feature = "dns",
    feature = "tls",
    feature = "discovery"
))]
mod stages;
mod support;
#[cfg(feature = "tls")]
mod tls;
