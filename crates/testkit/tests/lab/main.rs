//! Proves with plain clients (hickory-resolver, tokio-rustls, reqwest, webpki, x509-parser) that each
//! lab fault is really there.

mod adfs;
mod clients;
mod dns;
mod latency;
mod legacy;
mod lifecycle;
mod pki;
mod proxy;
mod service;
