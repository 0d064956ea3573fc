//! The standard plan: the path a Windows device takes to find its registration service.

use wpj_core::{Report, Settings};

use crate::plan::Plan;
use crate::runner::Runner;

/// Runs the [standard plan](Plan::standard) for `settings`: the whole discovery path, every fault.
///
/// ```no_run
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let report = wpj::diagnose(wpj::Settings::new("alice@contoso.com".parse()?)).await;
/// if let Some(verdict) = report.verdict() {
///     println!("{verdict}\nFix: {}", verdict.remediation);
/// }
/// # Ok(()) }
/// ```
pub async fn diagnose(settings: impl Into<std::sync::Arc<Settings>>) -> Report {
    Runner::new().run(&Plan::standard(), settings).await
}

impl Plan {
    /// DNS → TCP → TLS → revocation → contract, as a Windows device performs discovery.
    ///
    /// Revocation and the contract both follow TLS and run concurrently; the contract still runs
    /// behind a certificate failure (over an inspection connection) so that one run reports every
    /// fault.
    ///
    /// ```
    /// let plan = wpj::Plan::standard();
    /// let ids: Vec<String> = plan.ids().iter().map(ToString::to_string).collect();
    /// assert_eq!(ids, ["dns", "tcp", "tls", "revocation", "contract"]);
    /// ```
    #[must_use]
    pub fn standard() -> Self {
        Self::new(vec![
            Box::new(wpj_dns::DnsCheck),
            Box::new(wpj_tls::ConnectCheck),
            Box::new(wpj_tls::TlsCheck),
            Box::new(wpj_tls::RevocationCheck),
            Box::new(wpj_discovery::ContractCheck),
        ])
        .unwrap_or_else(|e| unreachable!("the standard plan is valid: {e}"))
    }
}
