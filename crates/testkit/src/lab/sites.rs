//! What each node of the registration service (and the proxy in front of them) publishes.

use crate::adfs::{federation_metadata, token_certificate};
use crate::discovery::Service;
use crate::https::Site;

use super::{Flavour, LabSpec};

pub(super) fn node_sites(spec: &LabSpec, port: u16) -> Result<Vec<Site>, rcgen::Error> {
    let service = match spec.flavour {
        Flavour::OnPrem => Service::Adfs {
            sts_host: spec.sts_host(),
        },
        Flavour::Entra => Service::Entra {
            domain: spec.domain.clone(),
            realm: spec.realm,
            inside: true,
        },
    };
    let metadata = if spec.flavour == Flavour::OnPrem && spec.federation_metadata {
        let signing = token_certificate("Signing", &spec.sts_host(), spec.token_signing_days_left)?;
        let encryption = token_certificate("Encryption", &spec.sts_host(), 300)?;
        Some(federation_metadata(&spec.sts_host(), &signing, &encryption))
    } else {
        None
    };
    let mut sites: Vec<Site> = spec
        .nodes
        .iter()
        .map(|node| Site {
            domain: spec.domain.clone(),
            port,
            service: service.clone(),
            contract: node.contract.unwrap_or(spec.contract),
            federation_metadata: metadata.clone(),
            hostile: spec.hostile,
        })
        .collect();
    // The proxy publishes the first node's behaviour, but not what only the inside may reach.
    let mut proxy = sites[0].clone();
    if let Service::Entra { inside, .. } = &mut proxy.service {
        *inside = false;
    }
    sites.push(proxy);
    Ok(sites)
}
