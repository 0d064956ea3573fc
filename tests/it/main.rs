//! Integration tests: one binary, one module per area.

#[cfg(feature = "dns")]
mod dns;
mod docs;
mod explain;
mod runner;
mod support;
#[cfg(feature = "tls")]
mod tls;
