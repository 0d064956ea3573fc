//! One handshake per node and name in a run: what the handshake with an address and name gave and
//! how its chain was judged, shared by every check that asks (the TLS step, the AD FS nodes, the
//! hosts a device signs in at); the connection is handed to the run's network layer for their
//! requests ([`Net::keep`]).
//!
//! The chain is judged the moment the server's first flight brings it, while the handshake
//! finishes (a TLS 1.2 handshake has a round trip to go then), and the revocation check of its path
//! starts at once ([`crate::revocation::start`]). When the run goes on to the federation service,
//! the names the registration certificate also covers are looked up and handshaked with at the
//! same moment: an AD FS certificate names its federation service, which the contract is about to
//! send the device to.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;
use tokio::net::TcpStream;
use wpj_core::{Context, OnceMap, ServiceKind};
use wpj_net::{ConnectionTrust, Net};

use crate::handshake::{Handshake, HandshakeFailure, handshake};
use crate::validate::{Assessment, assess};
use crate::verifier::Recorded;

/// The checks that go on to the hosts the discovery document names (`wpj-adfs`' sign-in and
/// federation checks, by id): only when the run has one is the federation service handshaked
/// early.
pub const EARLY_HANDSHAKE_CHECKS: [&str; 2] = ["adfs-sign-in", "adfs-federation"];

/// At most this many other names of the registration certificate are handshaked with early.
const EARLY_NAMES: usize = 3;

/// What the handshake with one address and name gave.
#[derive(Debug)]
pub(crate) struct Examined {
    /// The handshake (its connection handed on to the run's network layer), or why there was none.
    pub(crate) shake: Result<Handshake, HandshakeFailure>,
    /// The chain judged for the name, after a handshake.
    pub(crate) assessment: Option<Assessment>,
}

/// The run's handshakes, by address and name (lowercase).
#[derive(Default)]
struct Examinations(OnceMap<(SocketAddr, String), Arc<Examined>>);

/// The handshake with `address` for `sni` and the judgement of its chain: made once per run, on
/// `open` (a connection the TCP step made) when the first to ask has one.
pub(crate) async fn examined(
    address: SocketAddr,
    sni: &str,
    open: Option<TcpStream>,
    cx: &Context,
    net: &Arc<Net>,
) -> Arc<Examined> {
    cx.run_shared::<Examinations>()
        .0
        .get_or_init((address, sni.to_ascii_lowercase()), || {
            examine(address, sni, open, cx, net)
        })
        .await
}

/// The handshake, the chain judged as it arrives, and the connection kept.
async fn examine(
    address: SocketAddr,
    sni: &str,
    open: Option<TcpStream>,
    cx: &Context,
    net: &Arc<Net>,
) -> Arc<Examined> {
    let now = OffsetDateTime::now_utc();
    // Requests to this node and name wait for this connection rather than make their own.
    let reservation = net.reserve(address, sni);
    let (early_tx, early_rx) = tokio::sync::oneshot::channel::<Recorded>();
    let early = async {
        // Nothing arrives when the handshake fails first.
        let (chain, stapled) = early_rx.await.ok()?;
        let assessment = assess(&chain, net, sni, now).await;
        start_next(cx, net, sni, &chain, &assessment, stapled);
        Some((chain, assessment))
    };
    let (mut shake, early) = tokio::join!(
        handshake(address, open, sni, net.timeout(), Some(early_tx)),
        early
    );
    let assessment = match (&mut shake, early) {
        (Ok(h), Some((chain, a))) if chain == h.chain => Some(a),
        // The inspection handshake (a server rustls cannot talk to) read the chain itself.
        (Ok(h), _) => {
            let a = assess(&h.chain, net, sni, now).await;
            start_next(cx, net, sni, &h.chain, &a, h.stapled_ocsp.clone());
            Some(a)
        }
        (Err(_), _) => None,
    };
    if let (Ok(h), Some(a)) = (&mut shake, &assessment)
        && let Some(stream) = h.stream.take()
    {
        let trust = if a.problems.is_empty() {
            ConnectionTrust::Verified
        } else {
            ConnectionTrust::Inspection
        };
        net.keep(reservation, stream, trust).await;
    }
    Arc::new(Examined { shake, assessment })
}

/// What can start once a chain is judged: its revocation check, and (for the registration name,
/// when the run goes on to the federation service) the handshakes with the other names the
/// certificate covers.
fn start_next(
    cx: &Context,
    net: &Arc<Net>,
    sni: &str,
    served: &[CertificateDer<'static>],
    assessment: &Assessment,
    stapled: Option<Vec<u8>>,
) {
    if !sni.eq_ignore_ascii_case(&cx.service_host()) {
        // Another name (the federation service, early): its revocation is checked when a check
        // asks, so that a name no check asks about costs no downloads.
        return;
    }
    match &assessment.path {
        Some(path) => crate::revocation::start(path.clone(), true, stapled, cx),
        None if served.len() > 1 => crate::revocation::start(served.to_vec(), false, stapled, cx),
        None => {}
    }
    let onward = EARLY_HANDSHAKE_CHECKS.iter().any(|id| cx.planned(id));
    if !onward || cx.service() == Some(ServiceKind::Entra) {
        return;
    }
    let names = assessment
        .certificates
        .first()
        .map_or_else(Vec::new, |leaf| {
            leaf.dns_names
                .iter()
                .filter(|n| !n.starts_with('*') && !n.eq_ignore_ascii_case(sni))
                .take(EARLY_NAMES)
                .cloned()
                .collect()
        });
    for name in names {
        let (owned, net) = (cx.clone(), Arc::clone(net));
        // Boxed: the task examines again, which may start tasks of its own.
        let early: Pin<Box<dyn Future<Output = ()> + Send>> = Box::pin(async move {
            let Some(ip) = net
                .resolver()
                .lookup(&name)
                .await
                .ok()
                .and_then(|ips| ips.first().copied())
            else {
                return;
            };
            let address = SocketAddr::new(ip, owned.settings().port);
            examined(address, &name, None, &owned, &net).await;
        });
        spawn_within_run(cx, early);
    }
}

/// Runs `work` on its own, ended at the latest by the deadline of the check that started it (the
/// run's deadline bounds that one), so that nothing started early outlives the run.
pub(crate) fn spawn_within_run(cx: &Context, work: impl Future<Output = ()> + Send + 'static) {
    let deadline = cx.deadline();
    tokio::spawn(async move {
        match deadline {
            Some(at) => {
                let _ = tokio::time::timeout_at(at.into(), work).await;
            }
            None => work.await,
        }
    });
}
