//! Typed evidence of the discovery request: HTTP exchanges and the document that came back.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::duration::duration_ms;

/// One HTTP request and what came back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpExchange {
    /// The URL requested.
    pub url: String,
    /// The server address the request was sent to, when it was pinned to one node.
    pub address: Option<std::net::SocketAddr>,
    /// The `Accept` header sent, if any.
    pub accept: Option<String>,
    /// The status, when a response came.
    pub status: Option<u16>,
    /// Selected response headers (content-type, location, server, content-length), lowercase names.
    pub headers: Vec<(String, String)>,
    /// Body size read (up to the cap).
    pub bytes: Option<usize>,
    /// The start of the body, as text, for people.
    pub body_excerpt: Option<String>,
    /// `direct`, or the proxy used.
    pub path: String,
    /// Whether this request went over an inspection connection (the certificate was not trusted).
    pub inspection: bool,
    /// What went wrong, when no complete response came.
    pub error: Option<String>,
    /// How long it took.
    #[serde(with = "duration_ms", rename = "elapsed_ms")]
    pub elapsed: Duration,
}

impl fmt::Display for HttpExchange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GET {}", self.url)?;
        if let Some(address) = self.address {
            write!(f, " at {address}")?;
        }
        if let Some(a) = &self.accept {
            write!(f, " (Accept: {a})")?;
        }
        match (self.status, &self.error) {
            (Some(s), _) => write!(f, " → HTTP {s}")?,
            (None, Some(e)) => write!(f, " → {e}")?,
            (None, None) => {}
        }
        if let Some((_, ct)) = self.headers.iter().find(|(n, _)| n == "content-type") {
            write!(f, ", {ct}")?;
        }
        if let Some(bytes) = self.bytes {
            write!(f, ", {bytes} bytes")?;
        }
        if self.path != "direct" {
            write!(f, ", via {}", self.path)?;
        }
        if self.inspection {
            f.write_str(" [inspection connection]")?;
        }
        Ok(())
    }
}

/// A discovery document as read, flattened to `Member.Path = value`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveryDocument {
    /// The api-version requested.
    pub api_version: String,
    /// `json` or `xml`.
    pub format: String,
    /// Every member with a value, in document order (`DeviceRegistrationService.RegistrationEndpoint`).
    pub members: Vec<(String, String)>,
}

impl DiscoveryDocument {
    /// The value of a member, by its dotted path.
    #[must_use]
    pub fn get(&self, path: &str) -> Option<&str> {
        self.members
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Display for DiscoveryDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "discovery document {} ({}): ",
            self.api_version, self.format
        )?;
        let interesting = [
            "DeviceRegistrationService.RegistrationEndpoint",
            "AuthenticationService.OAuth2.TokenEndpoint",
            "IdentityProviderService.PassiveAuthEndpoint",
        ];
        let shown: Vec<String> = interesting
            .iter()
            .filter_map(|p| {
                self.get(p)
                    .map(|v| format!("{} = {v}", p.rsplit('.').next().unwrap_or(p)))
            })
            .collect();
        f.write_str(&shown.join(", "))
    }
}
