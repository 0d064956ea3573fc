//! Typed evidence of the AD FS checks: one record per farm node, and the federation service's
//! token certificates.

use std::fmt;
use std::net::SocketAddr;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::failure::JoinFailure;
use crate::problem::Problem;

/// What one AD FS node (or proxy) behind the registration name does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeReport {
    /// How the node is known (`internal`, `external`, or the name given).
    pub name: String,
    /// Where it was reached.
    pub address: SocketAddr,
    /// Its certificate: serial and expiry, when a handshake completed.
    pub certificate: Option<String>,
    /// What the contract request got (`HTTP 200 (document)`, `HTTP 503`…).
    pub contract: String,
    /// Everything wrong with the node, each with the failure a device landing on it would get;
    /// the first is the one it would log.
    pub problems: Vec<Problem>,
}

impl NodeReport {
    /// The failure a device landing on this node would get, if any.
    #[must_use]
    pub fn failure(&self) -> Option<JoinFailure> {
        self.problems.first().map(|p| p.failure)
    }
}

impl fmt::Display for NodeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "node {} ({}): ", self.address, self.name)?;
        if let Some(c) = &self.certificate {
            write!(f, "certificate {c}, ")?;
        }
        write!(f, "contract {}", self.contract)?;
        if !self.problems.is_empty() {
            let details: Vec<&str> = self.problems.iter().map(|p| p.detail.as_str()).collect();
            write!(f, " — {}", details.join("; "))?;
        }
        Ok(())
    }
}

/// What one node's `/adfs/probe` health endpoint answered (plain HTTP, port 80 on real farms).
///
/// Load balancers use the probe to take a node out of rotation; devices never ask it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeAnswer {
    /// How the node is known (`internal`, `external`, or the name given).
    pub name: String,
    /// The address asked.
    pub address: SocketAddr,
    /// The HTTP status, when the node answered (redirects are not followed).
    pub status: Option<u16>,
    /// Why nothing came, when the node did not answer.
    pub no_answer: Option<String>,
}

impl fmt::Display for ProbeAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "http://{}/adfs/probe ({}): ", self.address, self.name)?;
        match (self.status, &self.no_answer) {
            (Some(status), _) => write!(f, "HTTP {status}"),
            (None, Some(why)) => write!(f, "no answer ({why})"),
            (None, None) => f.write_str("not asked"),
        }
    }
}

/// A token-signing or token-decrypting certificate from `FederationMetadata.xml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenCertificate {
    /// `signing` or `encryption`.
    pub usage: String,
    /// Subject distinguished name.
    pub subject: String,
    /// End of validity.
    #[serde(with = "time::serde::rfc3339")]
    pub not_after: OffsetDateTime,
    /// Whole days left (negative: expired that many days ago).
    pub days_left: i64,
}

impl fmt::Display for TokenCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "token-{} certificate {}: valid until {} ({} days)",
            self.usage,
            self.subject,
            self.not_after.date(),
            self.days_left
        )
    }
}
