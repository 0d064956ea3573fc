//! Typed evidence of the connection, TLS and revocation steps.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::finding::duration_ms;

/// How a TCP connection attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ConnectOutcome {
    /// Connected.
    Connected,
    /// Actively refused (nothing listens, or a firewall rejects).
    Refused,
    /// The network or host is unreachable.
    Unreachable,
    /// No answer in time (a firewall that drops).
    TimedOut,
    /// Anything else.
    Error,
}

impl ConnectOutcome {
    /// The failure a device reports when its connection ends like this: dropped packets are
    /// WinHTTP's timeout (0x80072EE2), anything else but success is "cannot connect" (0x80072EFD).
    ///
    /// ```
    /// use wpj_core::{ConnectOutcome, JoinFailure};
    /// assert_eq!(ConnectOutcome::TimedOut.failure(), Some(JoinFailure::Timeout));
    /// assert_eq!(ConnectOutcome::Refused.failure(), Some(JoinFailure::CannotConnect));
    /// assert_eq!(ConnectOutcome::Connected.failure(), None);
    /// ```
    #[must_use]
    pub fn failure(self) -> Option<crate::JoinFailure> {
        match self {
            Self::Connected => None,
            Self::TimedOut => Some(crate::JoinFailure::Timeout),
            Self::Refused | Self::Unreachable | Self::Error => {
                Some(crate::JoinFailure::CannotConnect)
            }
        }
    }
}

impl fmt::Display for ConnectOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Connected => "connected",
            Self::Refused => "connection refused",
            Self::Unreachable => "unreachable",
            Self::TimedOut => "timed out",
            Self::Error => "error",
        })
    }
}

/// One TCP connection attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectAttempt {
    /// The address tried.
    pub address: SocketAddr,
    /// How it ended.
    pub outcome: ConnectOutcome,
    /// The OS error, when there was one.
    pub detail: Option<String>,
    /// How long it took.
    #[serde(with = "duration_ms", rename = "elapsed_ms")]
    pub elapsed: Duration,
}

impl fmt::Display for ConnectAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TCP {}: {}", self.address, self.outcome)?;
        if let Some(d) = &self.detail {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

/// The negotiated TLS session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsSession {
    /// The address of the server.
    pub address: SocketAddr,
    /// The server name sent (SNI).
    pub sni: String,
    /// `TLSv1_3`, `TLSv1_2`.
    pub version: String,
    /// The cipher suite.
    pub cipher: String,
    /// The ALPN protocol, if one was agreed.
    pub alpn: Option<String>,
}

impl fmt::Display for TlsSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "TLS {} with {} at {} (SNI {})",
            self.version, self.cipher, self.address, self.sni
        )?;
        if let Some(alpn) = &self.alpn {
            write!(f, ", ALPN {alpn}")?;
        }
        Ok(())
    }
}

/// Where a certificate of the chain came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertificateSource {
    /// Sent by the server.
    Served,
    /// Fetched from an AIA caIssuers URL (as Windows does for a missing intermediate).
    Aia,
    /// The trust anchor (root) from the trust store.
    TrustStore,
}

/// One certificate of the chain, as an admin needs to see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateInfo {
    /// 0 for the leaf, then up the chain.
    pub position: usize,
    /// Where it came from.
    pub source: CertificateSource,
    /// Subject distinguished name.
    pub subject: String,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Serial number, uppercase hex.
    pub serial: String,
    /// Start of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_before: OffsetDateTime,
    /// End of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// DNS names in the subject alternative names.
    pub dns_names: Vec<String>,
    /// CRL distribution point URLs.
    pub crl_urls: Vec<String>,
    /// AIA caIssuers URLs.
    pub ca_issuers: Vec<String>,
    /// AIA OCSP URLs (reported, not checked).
    pub ocsp_urls: Vec<String>,
    /// Whether it is a CA certificate.
    pub is_ca: bool,
    /// SHA-256 of the DER, uppercase hex (the thumbprint admins compare).
    pub sha256: String,
}

impl fmt::Display for CertificateInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match self.source {
            CertificateSource::Served => "",
            CertificateSource::Aia => " [fetched via AIA]",
            CertificateSource::TrustStore => " [trust store]",
        };
        write!(
            f,
            "cert #{}{source}: {} (issuer {}), serial {}, valid {} – {}",
            self.position,
            self.subject,
            self.issuer,
            self.serial,
            self.not_before.date(),
            self.not_after.date()
        )?;
        if !self.dns_names.is_empty() {
            write!(f, ", names {}", self.dns_names.join(", "))?;
        }
        Ok(())
    }
}

/// The revocation status of one certificate (three states, as Windows sees it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum RevocationStatus {
    /// A valid CRL from its issuer does not list it.
    Good,
    /// Its issuer's CRL lists it.
    Revoked {
        /// When it was revoked.
        #[serde(with = "time::serde::rfc3339::option")]
        revoked_at: Option<OffsetDateTime>,
        /// The CRL reason code, if given (`key-compromise`…).
        reason: Option<String>,
    },
    /// No definitive answer; Windows fails hard on this (0x80072F19).
    Unknown {
        /// Why.
        why: String,
    },
}

/// How one CRL download went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrlFetch {
    /// The CDP URL.
    pub url: String,
    /// What happened (`ok`, `HTTP 404`, `timed out`, `not a CRL`, `bad signature`, `expired`…).
    pub outcome: String,
    /// Size of the body.
    pub bytes: Option<usize>,
    /// The CRL's thisUpdate.
    #[serde(with = "time::serde::rfc3339::option")]
    pub this_update: Option<OffsetDateTime>,
    /// The CRL's nextUpdate: a device with a cached copy keeps working until then.
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_update: Option<OffsetDateTime>,
    /// How long the download took.
    #[serde(with = "duration_ms", rename = "elapsed_ms")]
    pub elapsed: Duration,
}

impl fmt::Display for CrlFetch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CRL {}: {}", self.url, self.outcome)?;
        if let Some(bytes) = self.bytes {
            write!(f, ", {bytes} bytes")?;
        }
        if let (Some(this), Some(next)) = (self.this_update, self.next_update) {
            write!(f, ", issued {}, next update {}", this.date(), next.date())?;
        }
        Ok(())
    }
}

/// Revocation of one certificate of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationInfo {
    /// Position in the chain (0 = leaf).
    pub position: usize,
    /// The certificate's subject.
    pub subject: String,
    /// Its serial, uppercase hex.
    pub serial: String,
    /// The verdict.
    pub status: RevocationStatus,
    /// Every CRL tried.
    pub crls: Vec<CrlFetch>,
}

impl fmt::Display for RevocationInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "revocation of cert #{} ({}): ",
            self.position, self.subject
        )?;
        match &self.status {
            RevocationStatus::Good => f.write_str("good"),
            RevocationStatus::Revoked { revoked_at, reason } => {
                f.write_str("REVOKED")?;
                if let Some(at) = revoked_at {
                    write!(f, " on {}", at.date())?;
                }
                if let Some(r) = reason {
                    write!(f, " ({r})")?;
                }
                Ok(())
            }
            RevocationStatus::Unknown { why } => write!(f, "unknown: {why}"),
        }
    }
}
