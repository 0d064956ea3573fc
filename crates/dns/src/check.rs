//! The DNS check: every server of every view, concurrently.

use async_trait::async_trait;
use futures_util::future::join_all;
use wpj_core::{Check, CheckId, Context, Finding};

use crate::assess::{ViewLookups, assess};
use crate::query::query_server;
use crate::views::views;

/// Resolves `EnterpriseRegistration.<suffix>` (A and AAAA) with every server of every configured
/// view, concurrently, and reports what a device would get.
///
/// - `Fail` with [`JoinFailure::NameNotResolved`](wpj_core::JoinFailure::NameNotResolved) when any
///   view has no usable address (NXDOMAIN, NODATA, SERVFAIL, REFUSED, timeout, or records leading to
///   no usable address), with the remediation naming the record to create.
/// - `Warn` when a device would get through but something is off: a server of a view that fails or
///   disagrees, a mode the user asserted that DNS contradicts, or (AD FS) internal and external views
///   giving the same addresses.
/// - Every server's answer is kept as [`Evidence::Dns`](wpj_core::Evidence::Dns) (CNAME chain, TTLs,
///   addresses), plus [`Evidence::Service`](wpj_core::Evidence::Service) saying Entra ID or AD FS.
/// - Later checks get [`ResolvedAddresses`](wpj_core::ResolvedAddresses) through
///   [`Context::output`](wpj_core::Context::output).
///
/// Each server gets [`Settings::dns_timeout`](wpj_core::Settings::dns_timeout): a dead server costs
/// that, not the run's deadline.
#[derive(Debug, Clone, Default)]
pub struct DnsCheck;

impl DnsCheck {
    /// The check's id.
    pub const ID: CheckId = CheckId::new_static("dns");
}

#[async_trait]
impl Check for DnsCheck {
    fn id(&self) -> CheckId {
        Self::ID
    }

    fn depends_on(&self) -> &[CheckId] {
        &[]
    }

    async fn run(&self, cx: &Context) -> Finding {
        let settings = cx.settings();
        let views = match views(&settings.resolvers) {
            Ok(views) => views,
            Err(e) => return Finding::error(Self::ID, e.0),
        };
        let name = settings.target.registration_name();
        let timeout = settings.dns_timeout;
        let looked_up = join_all(views.iter().map(|view| {
            let name = name.as_str();
            async move {
                let lookups = join_all(
                    view.servers
                        .iter()
                        .map(|server| query_server(&view.name, *server, name, timeout)),
                )
                .await;
                ViewLookups {
                    name: view.name.clone(),
                    lookups,
                }
            }
        }))
        .await;
        assess(Self::ID, &settings.target, settings.mode, &looked_up)
    }
}
