//! Resolving other names (CRL and AIA hosts, federation service names) the way the run resolves the
//! registration name: through the same servers, so the diagnosis sees what the device sees.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use wpj_core::{Context, DnsLookup, DnsOutcome, OnceMap, ResolverView, Settings};

use crate::query::query_server;
use crate::views::{NoServers, views};

/// Resolves host names through the first view of the run's DNS configuration, asking its servers
/// in order until one gives a definitive answer (as the Windows DNS client does).
///
/// Made with [`HostResolver::for_run`], every check of a run shares one memory of answers (as a
/// device's DNS cache would): the CRL host, the federation service name and the names reqwest
/// connects to are each asked once per run, however many checks and requests need them —
/// concurrent lookups of one name wait for the same answer.
#[derive(Debug, Clone)]
pub struct HostResolver {
    view: ResolverView,
    timeout: Duration,
    memo: Option<Arc<LookupMemo>>,
}

/// The answers of one run, by name (see [`HostResolver::for_run`]).
#[derive(Debug, Default)]
pub struct LookupMemo(OnceMap<String, Answer>);

type Answer = Result<Vec<IpAddr>, DnsLookup>;

impl HostResolver {
    /// A resolver for `settings` that remembers nothing; `Err` says why there are no servers.
    pub fn from_settings(settings: &Settings) -> Result<Self, NoServers> {
        let mut views = views(&settings.resolvers)?;
        Ok(Self {
            view: views.swap_remove(0),
            timeout: settings.dns_timeout,
            memo: None,
        })
    }

    /// The resolver of the run `cx` belongs to: its settings, and the run's memory of answers.
    pub fn for_run(cx: &Context) -> Result<Self, NoServers> {
        let mut resolver = Self::from_settings(cx.settings())?;
        resolver.memo = Some(cx.run_shared::<LookupMemo>());
        Ok(resolver)
    }

    /// The name of the view it asks.
    #[must_use]
    pub fn view_name(&self) -> &str {
        &self.view.name
    }

    /// A resolver asking only `view`'s servers, with this one's timeout. It remembers nothing (the
    /// run's memory holds the first view's answers).
    #[must_use]
    pub fn in_view(&self, view: ResolverView) -> Self {
        Self {
            view,
            timeout: self.timeout,
            memo: None,
        }
    }

    /// The addresses of `host` (AAAA first, then A), or what went wrong as a [`DnsLookup`].
    /// IP literals are returned as they are.
    pub async fn lookup(&self, host: &str) -> Result<Vec<IpAddr>, DnsLookup> {
        if let Ok(ip) = host.trim_matches(['[', ']']).parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        let name = host.trim_end_matches('.').to_ascii_lowercase();
        let Some(memo) = &self.memo else {
            return self.ask(&name).await;
        };
        memo.0.get_or_init(name.clone(), || self.ask(&name)).await
    }

    /// Asks the view's servers about `name`.
    async fn ask(&self, name: &str) -> Answer {
        let mut first_failure = None;
        for server in &self.view.servers {
            let lookup = query_server(&self.view.name, *server, name, self.timeout).await;
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
