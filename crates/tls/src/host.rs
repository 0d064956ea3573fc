//! Everything a device checks about a host it talks to after discovery: handshake, chain for the
//! host's name, and revocation of that chain.

use std::net::SocketAddr;

use wpj_core::{Context, JoinFailure, Status};

use crate::revocation::check_path;
use crate::tls_check::{NodeTls, examine_host};

/// Handshakes with `host` at `address`, judges its chain for that name as the TLS step does and
/// checks the chain's revocation as the revocation step does (hard-fail): the node when a device
/// would accept it, else the first failure a device would log and what was seen.
pub async fn validate_host(
    address: SocketAddr,
    host: &str,
    cx: &Context,
) -> Result<NodeTls, (JoinFailure, String)> {
    let node = examine_host(address, host, cx)
        .await
        .map_err(|e| (JoinFailure::UnknownError, e))?;
    if let Some((failure, what)) = node.problems.first() {
        return Err((*failure, format!("{host} ({address}): {what}")));
    }
    if let Some(path) = &node.path {
        let revocation = check_path(path, true, cx).await;
        if revocation.status == Status::Fail {
            return Err((
                revocation.failure.unwrap_or(JoinFailure::RevocationOffline),
                format!("{host} ({address}): {}", revocation.summary),
            ));
        }
    }
    Ok(node)
}
