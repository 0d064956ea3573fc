//! A forward proxy in front of the lab, as a client behind one meets the lab.

use std::collections::HashMap;

use crate::proxy::ForwardProxy;

use super::Lab;

impl Lab {
    /// Starts a [`ForwardProxy`] that routes every name the lab serves (the registration name, the
    /// CRL/AIA host, the federation service, Microsoft's hosts in Entra ID labs…) to the address
    /// the lab's internal DNS view gives it now (its CNAMEs followed, its scripted faults aside; of
    /// several addresses, the first). Names the view does not hold get `502 Bad Gateway`.
    pub async fn forward_proxy(&self) -> std::io::Result<ForwardProxy> {
        let zone = self.views[0].1.zone();
        let routes: HashMap<_, _> = zone
            .names()
            .into_iter()
            .filter_map(|name| zone.address(&name).map(|ip| (name, ip)))
            .collect();
        ForwardProxy::start(routes).await
    }
}
