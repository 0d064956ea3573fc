//! Typed evidence of where a certificate's revocation status came from: every source tried, in
//! the order Windows' `CryptoAPI` tries them (stapled response, OCSP URLs, CRL distribution
//! points), with what each said and which one decided.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::duration::duration_ms;
use crate::tls::{CrlFetch, CrlOutcome, RevocationStatus};

/// Where a revocation answer was sought.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum RevocationSource {
    /// The OCSP response the server stapled in the TLS handshake (the leaf only; no fetch).
    Stapled,
    /// An OCSP responder named in the certificate's AIA extension.
    Ocsp {
        /// The responder URL.
        url: String,
    },
    /// A CRL distribution point of the certificate.
    Crl {
        /// The CDP URL.
        url: String,
    },
}

impl fmt::Display for RevocationSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Stapled => f.write_str("stapled OCSP response"),
            Self::Ocsp { url } => write!(f, "OCSP {url}"),
            Self::Crl { url } => write!(f, "CRL {url}"),
        }
    }
}

/// The status codes an OCSP responder answers instead of a response (RFC 6960 §4.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum OcspRefusal {
    /// `malformedRequest`: the responder could not read the request.
    MalformedRequest,
    /// `internalError`: the responder is in an inconsistent state.
    InternalError,
    /// `tryLater`: the responder is busy.
    TryLater,
    /// `sigRequired`: the responder wants signed requests.
    SigRequired,
    /// `unauthorized`: the responder does not answer for this CA (RFC 5019 §2.2.3).
    Unauthorized,
}

impl fmt::Display for OcspRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MalformedRequest => "malformedRequest",
            Self::InternalError => "internalError",
            Self::TryLater => "tryLater",
            Self::SigRequired => "sigRequired",
            Self::Unauthorized => "unauthorized",
        })
    }
}

/// What one OCSP response (fetched or stapled) said, or why it says nothing. In JSON:
/// `{"outcome": "wrong-responder", "detail": "…"}` (`detail` absent for `good`, `unknown`…).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum OcspOutcome {
    /// A verified, current response: the certificate is good.
    Good,
    /// A verified, current response: the certificate is revoked.
    Revoked {
        /// When it was revoked.
        #[serde(with = "time::serde::rfc3339::option")]
        revoked_at: Option<OffsetDateTime>,
        /// The CRL reason code, if given.
        reason: Option<String>,
    },
    /// A verified, current response whose status is `unknown`: the responder does not know the
    /// certificate.
    Unknown,
    /// The responder could not be reached or answered with an HTTP error (the fetch error).
    Unreachable(String),
    /// The body is not an OCSP response (the decoder's reason).
    Malformed(String),
    /// The responder answered with an error status instead of a response.
    Refused(OcspRefusal),
    /// The response answers for other certificates than the one asked about.
    WrongCertificate,
    /// The response is signed by a certificate that may not answer for the issuer: not the
    /// issuer, and not a responder certificate the issuer signed with `id-kp-OCSPSigning` (why).
    WrongResponder(String),
    /// The signature does not verify with the signer's key.
    BadSignature,
    /// Outside its validity: its nextUpdate has passed (or its thisUpdate is in the future).
    Stale {
        /// The response's thisUpdate.
        #[serde(with = "time::serde::rfc3339")]
        this_update: OffsetDateTime,
        /// The response's nextUpdate, when it has one.
        #[serde(with = "time::serde::rfc3339::option")]
        next_update: Option<OffsetDateTime>,
    },
    /// Not asked, or not read, because of this tool's own limits (the run's byte budget, an
    /// unreadable certificate): says nothing about what a device would get.
    NotRead(String),
}

impl OcspOutcome {
    /// The status it gives the certificate when it is definitive (good or revoked).
    #[must_use]
    pub fn status(&self) -> Option<RevocationStatus> {
        match self {
            Self::Good => Some(RevocationStatus::Good),
            Self::Revoked { revoked_at, reason } => Some(RevocationStatus::Revoked {
                revoked_at: *revoked_at,
                reason: reason.clone(),
            }),
            _ => None,
        }
    }
}

impl fmt::Display for OcspOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Good => f.write_str("good"),
            Self::Revoked { revoked_at, reason } => {
                f.write_str("revoked")?;
                if let Some(at) = revoked_at {
                    write!(f, " on {}", at.date())?;
                }
                if let Some(r) = reason {
                    write!(f, " ({r})")?;
                }
                Ok(())
            }
            Self::Unknown => f.write_str("unknown (the responder does not know the certificate)"),
            Self::Unreachable(why) => f.write_str(why),
            Self::Malformed(why) => write!(f, "not an OCSP response ({why})"),
            Self::Refused(status) => write!(f, "the responder answered {status}"),
            Self::WrongCertificate => {
                f.write_str("the response is about another certificate (CertID does not match)")
            }
            Self::WrongResponder(why) => {
                write!(
                    f,
                    "signed by a certificate not authorised to answer ({why})"
                )
            }
            Self::BadSignature => {
                f.write_str("bad signature (does not verify with the signer's key)")
            }
            Self::Stale {
                this_update,
                next_update,
            } => {
                write!(f, "stale response (thisUpdate {}", this_update.date())?;
                if let Some(next) = next_update {
                    write!(f, ", nextUpdate {}", next.date())?;
                }
                f.write_str(")")
            }
            Self::NotRead(why) => write!(f, "this tool's limit ({why})"),
        }
    }
}

/// What one source said about a certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// An OCSP response (stapled or fetched).
    Ocsp(OcspOutcome),
    /// A CRL download; its answer, when it has one, is in [`RevocationAttempt::status`].
    Crl(CrlOutcome),
    /// Not tried (why): an `ldap://` distribution point that a device outside the domain cannot
    /// read, when an http one follows.
    Skipped(String),
}

impl AttemptOutcome {
    /// Whether this attempt was stopped by this tool's own limits (no device verdict follows).
    #[must_use]
    pub fn is_own_limit(&self) -> bool {
        matches!(
            self,
            Self::Ocsp(OcspOutcome::NotRead(_)) | Self::Crl(CrlOutcome::NotRead(_))
        )
    }
}

impl fmt::Display for AttemptOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ocsp(o) => write!(f, "{o}"),
            Self::Crl(o) => write!(f, "{o}"),
            Self::Skipped(why) => write!(f, "skipped: {why}"),
        }
    }
}

/// One source tried for a certificate's revocation status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevocationAttempt {
    /// Where.
    pub source: RevocationSource,
    /// What happened.
    pub outcome: AttemptOutcome,
    /// The status it gave, when it gave a definitive one (good or revoked).
    pub status: Option<RevocationStatus>,
    /// Bytes read (none for a skipped source or a failed download).
    pub bytes: Option<usize>,
    /// How long it took.
    #[serde(with = "duration_ms", rename = "elapsed_ms")]
    pub elapsed: Duration,
    /// Whether this source's answer is the certificate's status (the first definitive one).
    pub decided: bool,
}

impl fmt::Display for RevocationAttempt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.source, self.outcome)?;
        if let Some(bytes) = self.bytes {
            write!(f, ", {bytes} bytes")?;
        }
        if self.decided {
            f.write_str(" [decided]")?;
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
    /// Every source tried, in the order Windows tries them (stapled response, OCSP URLs, CRL
    /// distribution points), with what each said. Absent in reports of older versions.
    #[serde(default)]
    pub sources: Vec<RevocationAttempt>,
    /// The source whose answer is the status, when one gave a definitive answer.
    #[serde(default)]
    pub decided_by: Option<RevocationSource>,
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
        }?;
        if let Some(source) = &self.decided_by {
            write!(f, ", by the {source}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_read_back_from_their_json() {
        let attempts = [
            RevocationAttempt {
                source: RevocationSource::Stapled,
                outcome: AttemptOutcome::Ocsp(OcspOutcome::Refused(OcspRefusal::TryLater)),
                status: None,
                bytes: Some(5),
                elapsed: Duration::from_millis(0),
                decided: false,
            },
            RevocationAttempt {
                source: RevocationSource::Crl {
                    url: "http://pki.contoso.test/a.crl".into(),
                },
                outcome: AttemptOutcome::Crl(CrlOutcome::Ok),
                status: Some(RevocationStatus::Good),
                bytes: Some(300),
                elapsed: Duration::from_millis(12),
                decided: true,
            },
            RevocationAttempt {
                source: RevocationSource::Crl {
                    url: "ldap:///CN=CA".into(),
                },
                outcome: AttemptOutcome::Skipped("ldap".into()),
                status: None,
                bytes: None,
                elapsed: Duration::ZERO,
                decided: false,
            },
            RevocationAttempt {
                source: RevocationSource::Ocsp {
                    url: "http://ocsp.contoso.test".into(),
                },
                outcome: AttemptOutcome::Ocsp(OcspOutcome::WrongResponder("why".into())),
                status: None,
                bytes: Some(900),
                elapsed: Duration::from_millis(3),
                decided: false,
            },
            RevocationAttempt {
                source: RevocationSource::Ocsp {
                    url: "http://ocsp.contoso.test".into(),
                },
                outcome: AttemptOutcome::Ocsp(OcspOutcome::Revoked {
                    revoked_at: Some(OffsetDateTime::UNIX_EPOCH),
                    reason: Some("KeyCompromise".into()),
                }),
                status: Some(RevocationStatus::Revoked {
                    revoked_at: Some(OffsetDateTime::UNIX_EPOCH),
                    reason: Some("KeyCompromise".into()),
                }),
                bytes: Some(900),
                elapsed: Duration::from_millis(3),
                decided: true,
            },
            RevocationAttempt {
                source: RevocationSource::Stapled,
                outcome: AttemptOutcome::Ocsp(OcspOutcome::Stale {
                    this_update: OffsetDateTime::UNIX_EPOCH,
                    next_update: None,
                }),
                status: None,
                bytes: Some(900),
                elapsed: Duration::ZERO,
                decided: false,
            },
        ];
        for attempt in attempts {
            let json = serde_json::to_string(&attempt).unwrap();
            assert_eq!(
                serde_json::from_str::<RevocationAttempt>(&json).unwrap(),
                attempt,
                "{json}"
            );
        }
    }
}
