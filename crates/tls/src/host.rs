//! Everything a device checks about a host it talks to after discovery: handshake, chain for the
//! host's name, and revocation of that chain.

use std::net::SocketAddr;

use wpj_core::{Context, JoinFailure, Problem, Status};

use crate::revocation::check_path_stapled;
use crate::tls_check::{NodeTls, examine_host};

/// Why a host a device talks to after discovery is not usable — or why this tool cannot tell.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HostTrouble {
    /// What a device would meet there, and the failure it would log.
    #[error("{0}")]
    Device(Problem),
    /// This tool could not judge it (its network layer could not be set up, the run's byte budget
    /// left a CRL or OCSP response unread, or the host speaks only what this tool's TLS library
    /// cannot): nothing a device meets, so never a verdict.
    #[error("not judged, a limit of this tool: {0}")]
    Own(String),
}

/// Handshakes with `host` at `address`, judges its chain for that name as the TLS step does and
/// checks the chain's revocation as the revocation step does (hard-fail): the node when a device
/// would accept it and this tool can go on talking to it.
///
/// # Errors
/// [`HostTrouble::Device`]: the first failure a device would log there. [`HostTrouble::Own`]: the
/// tool could not tell, or cannot make requests to the host (a TLS 1.0 or RSA-key-exchange-only
/// server a device connects to: its chain was judged through the inspection handshake).
pub async fn validate_host(
    address: SocketAddr,
    host: &str,
    cx: &Context,
) -> Result<NodeTls, HostTrouble> {
    let on = format!("{host} ({address})");
    let node = examine_host(address, host, cx)
        .await
        .map_err(|e| HostTrouble::Own(format!("{on}: {e}")))?;
    if let Some(problem) = node.problems.first() {
        return Err(HostTrouble::Device(problem.clone().with_prefix(on)));
    }
    if let Some(limit) = &node.limit {
        // The inspection handshake got through but could not read the chain: nothing was judged.
        return Err(HostTrouble::Own(format!("{on}: {limit}")));
    }
    if let Some(path) = &node.chain.path {
        let revocation =
            check_path_stapled(path, true, node.chain.stapled_ocsp.as_deref(), cx).await;
        match revocation.status {
            Status::Fail => {
                return Err(HostTrouble::Device(
                    Problem::new(
                        revocation.failure.unwrap_or(JoinFailure::RevocationOffline),
                        revocation.summary,
                    )
                    .with_prefix(on),
                ));
            }
            Status::Error => return Err(HostTrouble::Own(format!("{on}: {}", revocation.summary))),
            _ => {}
        }
    }
    if let Some(legacy) = &node.legacy {
        return Err(HostTrouble::Own(format!(
            "{on}: a Windows 10 device connects with {legacy}, which this tool's TLS library \
             cannot negotiate; the chain passes, what the host answers is not checked"
        )));
    }
    Ok(node)
}
