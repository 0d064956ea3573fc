//! Proves with plain clients (hickory-resolver, tokio-rustls, reqwest, webpki, x509-parser) that each
//! lab fault is really there.

mod adfs;
mod clients;
mod crl_forms;
mod dns;
mod keep_alive;
mod latency;
mod legacy_tls;
mod lifecycle;
mod ocsp;
mod pki;
mod proxy;
mod service;
