//! Everything a device checks about a host it talks to after discovery: handshake, chain for the
//! host's name, and revocation of that chain.

use std::net::SocketAddr;

use wpj_core::{Context, JoinFailure, Problem, Status};

use crate::revocation::check_path_stapled;
use crate::tls_check::{NodeTls, examine_host};

/// Handshakes with `host` at `address`, judges its chain for that name as the TLS step does and
/// checks the chain's revocation as the revocation step does (hard-fail): the node when a device
/// would accept it, else the first failure a device would log and what was seen.
pub async fn validate_host(
    address: SocketAddr,
    host: &str,
    cx: &Context,
) -> Result<NodeTls, Problem> {
    let node = examine_host(address, host, cx)
        .await
        .map_err(|e| Problem::new(JoinFailure::UnknownError, e.to_string()))?;
    let on = format!("{host} ({address})");
    if let Some(problem) = node.problems.first() {
        return Err(problem.clone().with_prefix(on));
    }
    if let Some(path) = &node.chain.path {
        let revocation =
            check_path_stapled(path, true, node.chain.stapled_ocsp.as_deref(), cx).await;
        if revocation.status == Status::Fail {
            return Err(Problem::new(
                revocation.failure.unwrap_or(JoinFailure::RevocationOffline),
                revocation.summary,
            )
            .with_prefix(on));
        }
    }
    Ok(node)
}
