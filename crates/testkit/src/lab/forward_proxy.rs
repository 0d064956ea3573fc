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
        ForwardProxy::start(self.proxy_routes()).await
    }

    /// As [`Lab::forward_proxy`], a TLS-inspecting proxy
    /// ([`ForwardProxy::start_inspecting`]): it re-signs every host it is asked to tunnel to
    /// with its own corporate CA, and reaches the lab's servers trusting the lab's root.
    pub async fn inspecting_proxy(&self) -> std::io::Result<ForwardProxy> {
        ForwardProxy::start_inspecting(self.proxy_routes(), &[self.pki().root.der().clone()]).await
    }

    /// Every name of the internal view and its address now.
    fn proxy_routes(&self) -> HashMap<String, std::net::IpAddr> {
        let zone = self.views[0].1.zone();
        zone.names()
            .into_iter()
            .filter_map(|name| zone.address(&name).map(|ip| (name, ip)))
            .collect()
    }
}
