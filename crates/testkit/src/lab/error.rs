//! Why a lab could not start.

/// Why a lab could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LabError {
    /// A socket could not be bound.
    #[error("lab socket: {0}")]
    Io(#[from] std::io::Error),
    /// Certificates or CRLs could not be made.
    #[error("lab PKI: {0}")]
    Pki(#[from] rcgen::Error),
    /// The TLS configuration was rejected.
    #[error("lab TLS config: {0}")]
    Tls(#[from] rustls::Error),
    /// A checked-in legacy fixture is unreadable.
    #[error("lab fixture: {0}")]
    Fixture(#[from] crate::legacy::FixtureError),
    /// An OCSP response could not be made.
    #[error("lab OCSP: {0}")]
    Ocsp(#[from] crate::ocsp::OcspError),
    /// The spec is inconsistent.
    #[error("lab spec: {0}")]
    Spec(&'static str),
}
