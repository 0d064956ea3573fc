//! Microsoft's side of an Entra ID lab: its host names, and the certificates it serves for them.

use std::sync::Arc;

use crate::discovery::EntraRealm;
use crate::https::server_config_by_sni;
use crate::pki::{LEAF_SERIAL, LeafSpec, Pki};

use super::spec::leaf_spec;
use super::{LabError, LabSpec};

/// Where `enterpriseregistration.<domain>` points in Entra-style labs.
pub const ENTRA_REGISTRATION_HOST: &str = "enterpriseregistration.windows.net";
/// Microsoft's sign-in hosts, served by Entra-style labs with a certificate naming only them.
pub const MICROSOFT_LOGIN_HOSTS: [&str; 2] = [
    "login.microsoftonline.com",
    "device.login.microsoftonline.com",
];

/// Microsoft's endpoints as an Entra ID lab serves them behind one listener, each host with a
/// certificate naming only Microsoft's hosts (the registration service, the sign-in hosts), plus,
/// for a federated realm, the domain's own federation service.
pub(super) fn entra_server_config(
    spec: &LabSpec,
    pki: &Pki,
    chain: Vec<rustls_pki_types::CertificateDer<'static>>,
    key: rustls_pki_types::PrivateKeyDer<'static>,
) -> Result<Arc<rustls::ServerConfig>, LabError> {
    let mut certificates = vec![(vec![ENTRA_REGISTRATION_HOST.to_owned()], chain, key)];
    let mut extra = |names: Vec<String>, serial: u64| -> Result<(), LabError> {
        let leaf = LeafSpec {
            names: names.clone(),
            ..leaf_spec(spec)
        };
        let (cert, key) = pki.mint_leaf(&leaf, serial)?;
        certificates.push((names, vec![cert, pki.intermediate.der().clone()], key));
        Ok(())
    };
    extra(
        MICROSOFT_LOGIN_HOSTS.map(str::to_owned).to_vec(),
        LEAF_SERIAL + 100,
    )?;
    if spec.realm == EntraRealm::Federated {
        extra(vec![spec.sts_host()], LEAF_SERIAL + 101)?;
    }
    Ok(server_config_by_sni(certificates)?)
}
