//! Resolving other names (CRL and AIA hosts, federation service names) the way the run resolves the
//! registration name: through the same servers, so the diagnosis sees what the device sees.

use std::net::IpAddr;
use std::time::Duration;

use wpj_core::{DnsLookup, DnsOutcome, ResolverView, Settings};

use crate::query::query_server;
use crate::views::views;

/// Resolves host names through the first view of the run's DNS configuration, asking its servers
/// in order until one gives a definitive answer (as the Windows DNS client does).
#[derive(Debug, Clone)]
pub struct HostResolver {
    view: ResolverView,
    timeout: Duration,
}

impl HostResolver {
    /// The resolver for a run's settings; `Err` says why there are no servers to ask.
    pub fn from_settings(settings: &Settings) -> Result<Self, String> {
        let mut views = views(&settings.resolvers).map_err(|e| e.0)?;
        Ok(Self {
            view: views.swap_remove(0),
            timeout: settings.dns_timeout,
        })
    }

    /// The addresses of `host` (AAAA first, then A), or what went wrong as a [`DnsLookup`].
    /// IP literals are returned as they are.
    pub async fn lookup(&self, host: &str) -> Result<Vec<IpAddr>, DnsLookup> {
        if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        let name = host.trim_end_matches('.').to_ascii_lowercase();
        let mut first_failure = None;
        for server in &self.view.servers {
            let lookup = query_server(&self.view.name, *server, &name, self.timeout).await;
            if lookup.outcome == DnsOutcome::Answer {
                return Ok(lookup.addresses.iter().map(|a| a.ip).collect());
            }
            if lookup.outcome.is_definitive() {
                return Err(lookup);
            }
            first_failure.get_or_insert(lookup);
        }
        Err(first_failure.unwrap_or_else(|| unreachable!("views always have servers")))
    }
}
