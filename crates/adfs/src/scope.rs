//! Whether an AD FS check applies to a run, and what it works on: shared by every check here.

use wpj_core::{Context, DiscoveryDocument, ResolvedAddresses, ServiceKind};
use wpj_discovery::Documents;

const ENTRA: &str = "not run: the name leads to Microsoft Entra ID, not AD FS";

/// What DNS found for an AD FS farm, or why a check of the farm does not run: no addresses, or
/// Microsoft Entra ID (unless nodes were given explicitly).
pub(crate) fn farm(cx: &Context) -> Result<&ResolvedAddresses, &'static str> {
    let resolved = cx
        .output::<ResolvedAddresses>()
        .ok_or("not run: DNS gave no addresses")?;
    if resolved.service == ServiceKind::Entra && cx.settings().adfs_nodes.is_empty() {
        return Err(ENTRA);
    }
    Ok(resolved)
}

/// The first discovery document the contract step read, or why a check of the federation service
/// does not run: Microsoft Entra ID, or no document.
pub(crate) fn document(cx: &Context) -> Result<&DiscoveryDocument, &'static str> {
    if cx.service() == Some(ServiceKind::Entra) {
        return Err(ENTRA);
    }
    cx.output::<Documents>()
        .and_then(|d| d.0.first())
        .ok_or("not run: the contract step read no discovery document")
}
