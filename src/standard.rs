//! The standard plan: the path a Windows device takes to find its registration service.

use wpj_core::{Check, Report, Settings};

use crate::plan::Plan;
use crate::runner::Runner;

/// Runs the [complete plan](Plan::complete) for `settings`: the whole discovery path (and, with the
/// `adfs` feature, the AD FS farm), every fault.
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
    Runner::new().run(&Plan::complete(), settings).await
}

/// DNS → TCP → TLS → revocation → contract, then (Entra ID, Windows 10/11) Microsoft's sign-in.
fn device_path() -> Vec<Box<dyn Check>> {
    vec![
        Box::new(wpj_dns::DnsCheck),
        Box::new(wpj_tls::ConnectCheck),
        Box::new(wpj_tls::TlsCheck),
        Box::new(wpj_tls::RevocationCheck),
        Box::new(wpj_discovery::ContractCheck),
        Box::new(wpj_discovery::EntraSignInCheck),
    ]
}

impl Plan {
    /// DNS → TCP → TLS → revocation → contract, as a Windows device performs discovery, then
    /// (Microsoft Entra ID, Windows 10/11) `entra-sign-in`: Microsoft's sign-in hosts, the user
    /// realm and a federated domain's federation service.
    ///
    /// Revocation and the contract both follow TLS and run concurrently; the contract still runs
    /// behind a certificate failure (over an inspection connection) so that one run reports every
    /// fault.
    ///
    /// ```
    /// let plan = wpj::Plan::standard();
    /// let ids: Vec<String> = plan.ids().iter().map(ToString::to_string).collect();
    /// assert_eq!(ids, ["dns", "tcp", "tls", "revocation", "contract", "entra-sign-in"]);
    /// ```
    #[must_use]
    pub fn standard() -> Self {
        Self::new(device_path()).unwrap_or_else(|e| unreachable!("the standard plan is valid: {e}"))
    }

    /// The [standard plan](Plan::standard), plus, with the `adfs` feature, the AD FS checks, in the
    /// order of their [stages](wpj_core::Stage): `adfs-nodes` (discovery: every node behind the
    /// name), `adfs-sign-in` (sign-in: the hosts the discovery document names), `adfs-probe` and
    /// `adfs-federation` (farm health: `/adfs/probe`, metadata and token certificates — never a
    /// device verdict). They skip themselves for Microsoft Entra ID.
    ///
    /// ```
    /// let plan = wpj::Plan::complete();
    /// let ids: Vec<String> = plan.ids().iter().map(ToString::to_string).collect();
    /// assert_eq!(&ids[6..], ["adfs-nodes", "adfs-sign-in", "adfs-probe", "adfs-federation"]);
    /// ```
    #[must_use]
    pub fn complete() -> Self {
        #[allow(unused_mut)] // without `adfs` there is nothing to add
        let mut checks = device_path();
        #[cfg(feature = "adfs")]
        {
            checks.push(Box::new(wpj_adfs::NodesCheck));
            checks.push(Box::new(wpj_adfs::SignInCheck));
            checks.push(Box::new(wpj_adfs::ProbeCheck));
            checks.push(Box::new(wpj_adfs::FederationCheck));
        }
        Self::new(checks).unwrap_or_else(|e| unreachable!("the complete plan is valid: {e}"))
    }
}
