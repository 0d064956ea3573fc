//! Typed evidence: what a check observed, kept as data so tools can use it and people can read it.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::check_id::CheckId;
use crate::duration::{HumanDuration, duration_ms};
use crate::failure::JoinFailure;
use crate::farm::{NodeReport, ProbeAnswer, TokenCertificate};
use crate::http::{DiscoveryDocument, HttpExchange};
use crate::logged::LoggedEvent;
use crate::resolution::{DnsLookup, ServiceKind};
use crate::revocation::RevocationInfo;
use crate::status::Status;
use crate::tls::{AiaFetch, CertificateInfo, ConnectAttempt, CrlFetch, TlsSession};

/// One observation attached to a [`Finding`](crate::Finding).
///
/// Serialized with a `kind` tag (`{"kind": "timeout", ...}`); new kinds are added as probes grow, so
/// match with a wildcard arm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Evidence {
    /// Free text, for what has no better shape.
    Note {
        /// The observation.
        text: String,
    },
    /// The check did not finish in time.
    Timeout {
        /// The limit that ran out.
        #[serde(with = "duration_ms", rename = "limit_ms")]
        limit: Duration,
        /// Which limit: the check's own or the run's deadline.
        scope: TimeoutScope,
    },
    /// The check panicked; the runner caught it.
    Panic {
        /// The panic message.
        message: String,
    },
    /// A dependency of the check did not succeed.
    Dependency {
        /// The dependency.
        check: CheckId,
        /// Its status.
        status: Status,
    },
    /// What one DNS server answered for a name.
    Dns(DnsLookup),
    /// One TCP connection attempt.
    Connect(ConnectAttempt),
    /// The negotiated TLS session.
    Tls(TlsSession),
    /// One certificate of the chain.
    Certificate(CertificateInfo),
    /// One problem with the certificate chain (all of them are reported, not just the first).
    CertificateProblem {
        /// The chain position it concerns (0 = leaf).
        position: usize,
        /// The Windows failure it would cause on its own.
        failure: JoinFailure,
        /// What is wrong.
        detail: String,
    },
    /// Revocation of one certificate.
    Revocation(RevocationInfo),
    /// One CRL download (also inside [`Evidence::Revocation`]).
    Crl(CrlFetch),
    /// One AIA caIssuers download made while building the chain.
    Aia(AiaFetch),
    /// One HTTP request of the discovery step.
    Http(HttpExchange),
    /// The discovery document that came back.
    Document(DiscoveryDocument),
    /// One AD FS node behind the registration name.
    Node(NodeReport),
    /// What one node's `/adfs/probe` answered.
    Probe(ProbeAnswer),
    /// A token certificate of the federation service.
    TokenCertificate(TokenCertificate),
    /// An event Windows logged (read offline).
    Logged(LoggedEvent),
    /// Which registration service DNS leads to, and why.
    Service {
        /// The service.
        service: ServiceKind,
        /// The evidence for it (`CNAME to enterpriseregistration.windows.net`).
        reason: String,
    },
}

impl Evidence {
    /// Free-text evidence.
    pub fn note(text: impl Into<String>) -> Self {
        Self::Note { text: text.into() }
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Note { text } => f.write_str(text),
            Self::Timeout { limit, scope } => {
                write!(f, "no result within {} ({scope})", HumanDuration(*limit))
            }
            Self::Panic { message } => write!(f, "the check panicked: {message}"),
            Self::Dependency { check, status } => write!(f, "dependency {check}: {status}"),
            Self::Dns(lookup) => write!(f, "{lookup}"),
            Self::Service { service, reason } => write!(f, "service: {service} ({reason})"),
            Self::Connect(c) => write!(f, "{c}"),
            Self::Tls(t) => write!(f, "{t}"),
            Self::Certificate(c) => write!(f, "{c}"),
            Self::CertificateProblem {
                position,
                failure,
                detail,
            } => match failure.hresult() {
                Some(h) => write!(f, "cert #{position}: {detail} ({h})"),
                None => write!(f, "cert #{position}: {detail}"),
            },
            Self::Revocation(r) => write!(f, "{r}"),
            Self::Crl(c) => write!(f, "{c}"),
            Self::Aia(a) => write!(f, "{a}"),
            Self::Http(h) => write!(f, "{h}"),
            Self::Node(n) => write!(f, "{n}"),
            Self::Probe(p) => write!(f, "{p}"),
            Self::Logged(e) => write!(f, "{e}"),
            Self::TokenCertificate(t) => write!(f, "{t}"),
            Self::Document(d) => write!(f, "{d}"),
        }
    }
}

/// Which time limit ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum TimeoutScope {
    /// The per-check timeout.
    Check,
    /// The deadline of the whole run.
    Deadline,
}

impl fmt::Display for TimeoutScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Check => "per-check timeout",
            Self::Deadline => "deadline of the whole run",
        })
    }
}
