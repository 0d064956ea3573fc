//! What name resolution found: typed DNS evidence, and the addresses later steps connect to.

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::duration::duration_ms;

/// The host of Microsoft Entra ID's device registration service: a customer's
/// `EnterpriseRegistration.<domain>` CNAME points here, and Windows 10+ devices call it directly.
pub const ENTRA_REGISTRATION_HOST: &str = "enterpriseregistration.windows.net";

/// Which registration service a name leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceKind {
    /// Microsoft Entra ID (`enterpriseregistration.windows.net`).
    Entra,
    /// AD FS device registration on premises.
    Adfs,
}

impl fmt::Display for ServiceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Entra => "Microsoft Entra ID",
            Self::Adfs => "AD FS (on premises)",
        })
    }
}

/// One CNAME record of a chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CnameHop {
    /// The alias (owner name), without trailing dot.
    pub name: String,
    /// Where it points, without trailing dot.
    pub target: String,
    /// Its TTL in seconds.
    pub ttl: u32,
}

/// One address record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AddressRecord {
    /// The address.
    pub ip: IpAddr,
    /// Its TTL in seconds.
    pub ttl: u32,
}

/// How one DNS query ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum DnsOutcome {
    /// Usable addresses came back.
    Answer,
    /// The name does not exist (NXDOMAIN).
    NxDomain,
    /// The name exists but has no address records (NOERROR, empty answer).
    NoData,
    /// The server failed (SERVFAIL).
    ServFail,
    /// The server refused the query (REFUSED).
    Refused,
    /// No answer in time.
    Timeout,
    /// Records came back, but no address a device could connect to (a dangling CNAME, 0.0.0.0, …).
    NoUsableAddress,
    /// Anything else (malformed answer, socket error).
    Error,
}

impl DnsOutcome {
    /// True when this outcome ends the search: the name's status is known (Windows does not ask the
    /// next server after an answer, NXDOMAIN or NODATA).
    #[must_use]
    pub const fn is_definitive(self) -> bool {
        matches!(
            self,
            Self::Answer | Self::NxDomain | Self::NoData | Self::NoUsableAddress
        )
    }

    /// How `nslookup`/`dig` would put it.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Answer => "answer",
            Self::NxDomain => "NXDOMAIN (no such name)",
            Self::NoData => "NODATA (the name has no address records)",
            Self::ServFail => "SERVFAIL (server failure)",
            Self::Refused => "REFUSED",
            Self::Timeout => "no answer (timed out)",
            Self::NoUsableAddress => "no usable address",
            Self::Error => "error",
        }
    }
}

impl fmt::Display for DnsOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one DNS server said about one name (A and AAAA together).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DnsLookup {
    /// The view (`internal`, `external`, `system`).
    pub view: String,
    /// The server asked.
    pub server: SocketAddr,
    /// The name asked for (ASCII, without trailing dot).
    pub name: String,
    /// How it ended.
    pub outcome: DnsOutcome,
    /// The CNAME chain, first hop first.
    pub cname_chain: Vec<CnameHop>,
    /// Addresses: AAAA first, then A, each in the server's order.
    pub addresses: Vec<AddressRecord>,
    /// More detail (the AAAA outcome when it differs, an error message).
    pub detail: Option<String>,
    /// How long the server took.
    #[serde(with = "duration_ms", rename = "elapsed_ms")]
    pub elapsed: Duration,
}

impl DnsLookup {
    /// The end of the CNAME chain (the name itself when there is none).
    #[must_use]
    pub fn canonical_name(&self) -> &str {
        self.cname_chain
            .last()
            .map_or(&self.name, |hop| &hop.target)
    }
}

impl fmt::Display for DnsLookup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} view, server {}: {}",
            self.view, self.server, self.name
        )?;
        for hop in &self.cname_chain {
            write!(f, " → CNAME {} (TTL {})", hop.target, hop.ttl)?;
        }
        if self.outcome == DnsOutcome::Answer {
            let ips: Vec<String> = self
                .addresses
                .iter()
                .map(|a| format!("{} (TTL {})", a.ip, a.ttl))
                .collect();
            write!(f, " → {}", ips.join(", "))?;
        } else {
            write!(f, " → {}", self.outcome)?;
        }
        if let Some(detail) = &self.detail {
            write!(f, "; {detail}")?;
        }
        Ok(())
    }
}

/// The DNS step's output for later steps: where the device would connect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedAddresses {
    /// The name resolved (`enterpriseregistration.<suffix>`).
    pub name: String,
    /// The addresses of the first view, in the order Windows tries them.
    pub addresses: Vec<IpAddr>,
    /// Which service the name leads to.
    pub service: ServiceKind,
    /// Every view's addresses, by view name.
    pub views: Vec<(String, Vec<IpAddr>)>,
}
