//! The legacy-algorithm PKI: checked-in fixtures made once with the `openssl` CLI
//! (`fixtures/legacy/`, see its README), because rcgen cannot sign with SHA-1 or make RSA keys.
//!
//! A private root (`wpj Legacy Root CA`) with two issuing CAs — one signed with SHA-1, one with an
//! RSA-1024 key — each issuing a server certificate for `enterpriseregistration.legacy.test`
//! (and `sts.legacy.test`). Their CRL distribution points are fixed in the fixtures:
//! `http://crl.legacy.test:47474/…`. A lab serves those CRLs on port 47474 of a loopback address
//! of its own (`127.77.0.x`, the first free one) and its DNS resolves `crl.legacy.test` there, so
//! labs running at the same time do not collide.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;

use crate::web::Route;

/// The domain the fixture certificates name (`enterpriseregistration.legacy.test`).
pub const LEGACY_DOMAIN: &str = "legacy.test";
/// The host in the fixtures' CRL URLs.
pub const LEGACY_CRL_HOST: &str = "crl.legacy.test";
/// The port in the fixtures' CRL URLs.
pub const LEGACY_CRL_PORT: u16 = 47474;

const ROOT: &[u8] = include_bytes!("../fixtures/legacy/root.pem");
const SHA1_CA: &[u8] = include_bytes!("../fixtures/legacy/sha1-ca.pem");
const SHA1_LEAF: &[u8] = include_bytes!("../fixtures/legacy/sha1-leaf.pem");
const SHA1_LEAF_KEY: &[u8] = include_bytes!("../fixtures/legacy/sha1-leaf.key");
const RSA1024_CA: &[u8] = include_bytes!("../fixtures/legacy/rsa1024-ca.pem");
const RSA1024_CA_LEAF: &[u8] = include_bytes!("../fixtures/legacy/rsa1024-ca-leaf.pem");
const RSA1024_CA_LEAF_KEY: &[u8] = include_bytes!("../fixtures/legacy/rsa1024-ca-leaf.key");
const RSA1024_LEAF: &[u8] = include_bytes!("../fixtures/legacy/rsa1024-leaf.pem");
const CRLS: [(&str, &[u8]); 3] = [
    ("/root.crl", include_bytes!("../fixtures/legacy/root.crl")),
    (
        "/sha1-ca.crl",
        include_bytes!("../fixtures/legacy/sha1-ca.crl"),
    ),
    (
        "/rsa1024-ca.crl",
        include_bytes!("../fixtures/legacy/rsa1024-ca.crl"),
    ),
];

/// Which legacy chain a server presents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LegacyChain {
    /// Leaf ← issuing CA signed with SHA-1 ← private root.
    Sha1Intermediate,
    /// Leaf signed by an issuing CA whose key is RSA-1024 ← private root.
    Rsa1024Issuer,
}

/// Why a fixture cannot be read (never, unless the checked-in files are damaged).
#[derive(Debug, thiserror::Error)]
#[error("legacy fixture unreadable: {0}")]
pub struct FixtureError(String);

fn cert(pem: &[u8]) -> Result<CertificateDer<'static>, FixtureError> {
    CertificateDer::from_pem_slice(pem).map_err(|e| FixtureError(e.to_string()))
}

impl LegacyChain {
    /// What the server sends: leaf and issuing CA.
    pub fn served(self) -> Result<Vec<CertificateDer<'static>>, FixtureError> {
        match self {
            Self::Sha1Intermediate => Ok(vec![cert(SHA1_LEAF)?, cert(SHA1_CA)?]),
            Self::Rsa1024Issuer => Ok(vec![cert(RSA1024_CA_LEAF)?, cert(RSA1024_CA)?]),
        }
    }

    /// The leaf's private key (RSA-2048, PKCS#8).
    pub fn key(self) -> Result<PrivateKeyDer<'static>, FixtureError> {
        let pem = match self {
            Self::Sha1Intermediate => SHA1_LEAF_KEY,
            Self::Rsa1024Issuer => RSA1024_CA_LEAF_KEY,
        };
        PrivateKeyDer::from_pem_slice(pem).map_err(|e| FixtureError(e.to_string()))
    }
}

/// The private root of the legacy PKI, PEM.
#[must_use]
pub fn root_pem() -> &'static str {
    std::str::from_utf8(ROOT).unwrap_or_default()
}

/// A server certificate with an RSA-1024 key, signed by the root; no TLS server on ring can
/// present it (ring refuses RSA signing keys under 2048 bits), so it is for chain tests only.
pub fn rsa1024_leaf() -> Result<CertificateDer<'static>, FixtureError> {
    cert(RSA1024_LEAF)
}

/// What the fixtures' CRL host serves: the root's and both issuing CAs' CRLs.
#[must_use]
pub fn crl_routes() -> HashMap<String, Route> {
    CRLS.iter()
        .map(|(path, der)| {
            (
                (*path).to_owned(),
                Route::ok("application/pkix-crl", der.to_vec()),
            )
        })
        .collect()
}

/// Binds [`LEGACY_CRL_PORT`] on the first free address of `127.77.0.1`–`127.77.0.254`.
pub async fn bind_crl_host() -> std::io::Result<TcpListener> {
    let mut last = None;
    for last_octet in 1..=254 {
        let ip = IpAddr::V4(Ipv4Addr::new(127, 77, 0, last_octet));
        match TcpListener::bind((ip, LEGACY_CRL_PORT)).await {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no loopback address left")))
}
