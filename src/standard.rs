//! The standard plan: the path a Windows device takes to find its registration service.

use crate::plan::Plan;

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
