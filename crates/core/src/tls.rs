//! Typed evidence of the connection, TLS and revocation steps.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::duration::duration_ms;
use crate::failure::JoinFailure;

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
    pub fn failure(self) -> Option<JoinFailure> {
        match self {
            Self::Connected => None,
            Self::TimedOut => Some(JoinFailure::Timeout),
            Self::Refused | Self::Unreachable | Self::Error => Some(JoinFailure::CannotConnect),
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
    /// AIA OCSP URLs (asked before the CRLs, as Windows does).
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

/// What one CRL distribution point gave. In JSON, the sentence [`fmt::Display`] writes (`ok`,
/// `HTTP 404`, `timed out`, `not a CRL (…)`, `bad signature (…)`, `expired CRL (…)`…).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CrlOutcome {
    /// Downloaded, signature verified, current: its answer about the certificate was used.
    Ok,
    /// The download failed (the fetch error, in words).
    Unreachable(String),
    /// The body is not a CRL Windows can read (the parser's reason).
    NotACrl(String),
    /// Issued by another CA than the certificate's issuer.
    WrongIssuer,
    /// Its signature does not verify with the issuer's key.
    BadSignature,
    /// Its `nextUpdate` has passed: the CA has not published a fresh one.
    Expired {
        /// The passed `nextUpdate`.
        next_update: OffsetDateTime,
    },
    /// The certificate or its issuer could not be read to check it (why).
    Unverifiable(String),
    /// Not read because of this tool's own limits (the run's byte budget): says nothing about what
    /// a device would get.
    NotRead(String),
    /// Correctly signed, but its issuing distribution point does not cover the certificate (another
    /// distribution point, only user or only CA certificates, only some reasons, an indirect CRL):
    /// it says nothing about it (why).
    NotInScope(String),
    /// A delta CRL that cannot be combined with its base CRL (RFC 5280 §5.2.4: not a delta, another
    /// scope, a base CRL number the complete CRL does not reach, or not newer than it) (why).
    DeltaMismatch(String),
    /// The complete CRL itself was fine, but its delta CRL could not be used (see the delta's own
    /// record): without both, Windows has no definitive answer.
    DeltaUnusable,
}

impl CrlOutcome {
    /// Whether the CRL was used (it says something about the certificate).
    #[must_use]
    pub fn is_ok(&self) -> bool {
        matches!(self, Self::Ok)
    }
}

const NOT_A_CRL: &str = "not a CRL (";
const WRONG_ISSUER: &str = "the CRL was issued by another CA than the certificate's issuer";
const BAD_SIGNATURE: &str = "bad signature (the CRL is not signed by the certificate's issuer)";
const EXPIRED: &str = "expired CRL (nextUpdate ";
const UNVERIFIABLE: &str = "could not be verified (";
const NOT_READ: &str = "this tool's limit (";
const NOT_IN_SCOPE: &str = "not in scope (";
const DELTA_MISMATCH: &str = "delta CRL does not match its base CRL (";
const DELTA_UNUSABLE: &str = "its delta CRL could not be used";

impl fmt::Display for CrlOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ok => f.write_str("ok"),
            Self::Unreachable(why) => f.write_str(why),
            Self::NotACrl(why) => write!(f, "{NOT_A_CRL}{why})"),
            Self::WrongIssuer => f.write_str(WRONG_ISSUER),
            Self::BadSignature => f.write_str(BAD_SIGNATURE),
            Self::Expired { next_update } => write!(
                f,
                "{EXPIRED}{} has passed; the CA has not published a fresh one)",
                next_update.date()
            ),
            Self::Unverifiable(why) => write!(f, "{UNVERIFIABLE}{why})"),
            Self::NotRead(why) => write!(f, "{NOT_READ}{why})"),
            Self::NotInScope(why) => write!(f, "{NOT_IN_SCOPE}{why})"),
            Self::DeltaMismatch(why) => write!(f, "{DELTA_MISMATCH}{why})"),
            Self::DeltaUnusable => f.write_str(DELTA_UNUSABLE),
        }
    }
}

impl CrlOutcome {
    /// Reads back what [`fmt::Display`] wrote (JSON reports); any other text is a failed download.
    fn parse(text: &str) -> Self {
        let inner = |prefix: &str| {
            text.strip_prefix(prefix)
                .map(|rest| rest.strip_suffix(')').unwrap_or(rest).to_owned())
        };
        if text == "ok" {
            Self::Ok
        } else if text == WRONG_ISSUER {
            Self::WrongIssuer
        } else if text == BAD_SIGNATURE {
            Self::BadSignature
        } else if text == DELTA_UNUSABLE {
            Self::DeltaUnusable
        } else if let Some(why) = inner(NOT_IN_SCOPE) {
            Self::NotInScope(why)
        } else if let Some(why) = inner(DELTA_MISMATCH) {
            Self::DeltaMismatch(why)
        } else if let Some(why) = inner(NOT_A_CRL) {
            Self::NotACrl(why)
        } else if let Some(why) = inner(UNVERIFIABLE) {
            Self::Unverifiable(why)
        } else if let Some(why) = inner(NOT_READ) {
            Self::NotRead(why)
        } else if let Some(date) = text
            .strip_prefix(EXPIRED)
            .and_then(|r| r.get(..10))
            .and_then(ymd)
        {
            Self::Expired {
                next_update: date.midnight().assume_utc(),
            }
        } else {
            Self::Unreachable(text.to_owned())
        }
    }
}

/// `YYYY-MM-DD`, as [`time::Date`]'s `Display` writes it.
fn ymd(text: &str) -> Option<time::Date> {
    let mut parts = text.splitn(3, '-');
    let year = parts.next()?.parse().ok()?;
    let month = time::Month::try_from(parts.next()?.parse::<u8>().ok()?).ok()?;
    let day = parts.next()?.parse().ok()?;
    time::Date::from_calendar_date(year, month, day).ok()
}

impl Serialize for CrlOutcome {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for CrlOutcome {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::parse(&String::deserialize(d)?))
    }
}

/// How one CRL download went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CrlFetch {
    /// The CDP URL (for a delta CRL: the `FreshestCRL` URL).
    pub url: String,
    /// A delta CRL, fetched through the `FreshestCRL` extension of the complete CRL or of the
    /// certificate (absent from JSON when false).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delta: bool,
    /// What happened: read and used, or why it says nothing about the certificate.
    pub outcome: CrlOutcome,
    /// Size of the body.
    pub bytes: Option<usize>,
    /// The CRL's `thisUpdate`.
    #[serde(with = "time::serde::rfc3339::option")]
    pub this_update: Option<OffsetDateTime>,
    /// The CRL's `nextUpdate`: a device with a cached copy keeps working until then.
    #[serde(with = "time::serde::rfc3339::option")]
    pub next_update: Option<OffsetDateTime>,
    /// How long the download took.
    #[serde(with = "duration_ms", rename = "elapsed_ms")]
    pub elapsed: Duration,
}

impl fmt::Display for CrlFetch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = if self.delta { "delta CRL" } else { "CRL" };
        write!(f, "{kind} {}: {}", self.url, self.outcome)?;
        if let Some(bytes) = self.bytes {
            write!(f, ", {bytes} bytes")?;
        }
        if let (Some(this), Some(next)) = (self.this_update, self.next_update) {
            write!(f, ", issued {}, next update {}", this.date(), next.date())?;
        }
        Ok(())
    }
}

/// How one AIA caIssuers download went (Windows fetches missing issuers this way, level by level).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiaFetch {
    /// The caIssuers URL.
    pub url: String,
    /// The subject of the certificate whose issuer was looked for.
    pub for_subject: String,
    /// What happened.
    pub outcome: AiaOutcome,
    /// Size of the body, when one came.
    pub bytes: Option<usize>,
    /// How long the download took.
    #[serde(with = "duration_ms", rename = "elapsed_ms")]
    pub elapsed: Duration,
}

/// The outcome of one AIA caIssuers download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum AiaOutcome {
    /// Certificates came back (a DER certificate, or a PKCS#7 "certs-only" bundle).
    Fetched {
        /// Their subjects.
        subjects: Vec<String>,
    },
    /// Not fetched: a scheme the tool does not fetch (`ldap://`), or a limit on AIA downloads.
    Skipped {
        /// Why.
        why: String,
    },
    /// The download failed or gave something that is not a certificate.
    Failed {
        /// Why.
        why: String,
    },
}

impl fmt::Display for AiaFetch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AIA {} (issuer of {}): ", self.url, self.for_subject)?;
        match &self.outcome {
            AiaOutcome::Fetched { subjects } => write!(f, "fetched {}", subjects.join(", "))?,
            AiaOutcome::Skipped { why } => write!(f, "skipped: {why}")?,
            AiaOutcome::Failed { why } => write!(f, "failed: {why}")?,
        }
        if let Some(bytes) = self.bytes {
            write!(f, ", {bytes} bytes")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_aia_download_reads_back_from_its_json() {
        let fetch = AiaFetch {
            url: "http://pki.contoso.test/policy.p7c".to_owned(),
            for_subject: "CN=Issuing CA".to_owned(),
            outcome: AiaOutcome::Fetched {
                subjects: vec!["CN=Policy CA".to_owned()],
            },
            bytes: Some(1234),
            elapsed: Duration::from_millis(7),
        };
        let json = serde_json::to_value(&fetch).unwrap();
        assert_eq!(json["outcome"]["result"], "fetched");
        assert_eq!(json["elapsed_ms"], 7);
        assert_eq!(serde_json::from_value::<AiaFetch>(json).unwrap(), fetch);
        assert_eq!(
            fetch.to_string(),
            "AIA http://pki.contoso.test/policy.p7c (issuer of CN=Issuing CA): fetched CN=Policy CA, 1234 bytes"
        );
        let skipped = AiaOutcome::Skipped {
            why: "ldap://".to_owned(),
        };
        let json = serde_json::to_string(&skipped).unwrap();
        assert_eq!(json, r#"{"result":"skipped","why":"ldap://"}"#);
    }

    #[test]
    fn every_crl_outcome_reads_back_from_its_json() {
        let outcomes = [
            CrlOutcome::Ok,
            CrlOutcome::Unreachable("HTTP 404".into()),
            CrlOutcome::Unreachable("timed out".into()),
            CrlOutcome::NotACrl("unexpected tag".into()),
            CrlOutcome::WrongIssuer,
            CrlOutcome::BadSignature,
            CrlOutcome::Expired {
                next_update: time::Date::from_calendar_date(2026, time::Month::March, 9)
                    .unwrap()
                    .midnight()
                    .assume_utc(),
            },
            CrlOutcome::Unverifiable("issuer unreadable".into()),
            CrlOutcome::NotRead("the run's byte budget is spent".into()),
            CrlOutcome::NotInScope("the CRL covers only CA certificates".into()),
            CrlOutcome::DeltaMismatch("base CRL number 7 is above the CRL's 5".into()),
            CrlOutcome::DeltaUnusable,
        ];
        for outcome in outcomes {
            let json = serde_json::to_value(&outcome).unwrap();
            assert_eq!(json, serde_json::Value::String(outcome.to_string()));
            assert_eq!(serde_json::from_value::<CrlOutcome>(json).unwrap(), outcome);
        }
    }
}
