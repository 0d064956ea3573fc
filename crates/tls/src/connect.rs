//! The TCP step: every resolved address, concurrently.

use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures_util::future::join_all;
use tokio::net::TcpStream;
use wpj_core::{
    Check, CheckId, ConnectAttempt, ConnectOutcome, Context, DeviceWait, Evidence, Finding,
    HumanDuration, JoinFailure, ResolvedAddresses,
};
use wpj_dns::DnsCheck;

/// The addresses that accepted a TCP connection, in the order Windows would try them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reachable(pub Vec<SocketAddr>);

/// The connections the TCP step opened, handed on to the TLS step so that it handshakes on them as
/// Windows does, instead of paying a second TCP handshake (a round trip on a real network).
///
/// Connections nobody claims within the network timeout are closed, so a plan without the TLS step
/// (or a report kept for long) holds no sockets.
#[derive(Debug, Clone, Default)]
pub(crate) struct OpenConnections(Arc<Mutex<Vec<(SocketAddr, TcpStream)>>>);

impl OpenConnections {
    /// Holds `streams` for at most `grace`.
    fn hold(streams: Vec<(SocketAddr, TcpStream)>, grace: Duration) -> Self {
        let held = Self(Arc::new(Mutex::new(streams)));
        let expiring = held.clone();
        tokio::spawn(async move {
            tokio::time::sleep(grace).await;
            expiring.lock().clear();
        });
        held
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(SocketAddr, TcpStream)>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The open connection to `address`, if the TCP step left one (each is handed out once).
    pub(crate) fn take(&self, address: SocketAddr) -> Option<TcpStream> {
        let mut held = self.lock();
        let i = held.iter().position(|(a, _)| *a == address)?;
        Some(held.swap_remove(i).1)
    }
}

/// Connects to every address the DNS step found, on the configured port, concurrently.
///
/// All fail → `Fail` with [`JoinFailure::CannotConnect`] (0x80072EFD, KB3045381), each address with
/// its own cause — or [`JoinFailure::Timeout`] (0x80072EE2) when every attempt timed out (packets
/// dropped, as behind a firewall that drops rather than refuses: Windows' TCP gives up after three
/// SYNs, about 21 s, and WinHTTP reports `ERROR_WINHTTP_TIMEOUT`, see [`wpj_core::Timing`]); some
/// fail → `Warn` naming them (Windows tries addresses in turn, so some devices fail or wait). Each
/// attempt is bounded by [`Settings::connect_timeout`](wpj_core::Settings::connect_timeout).
#[derive(Debug, Clone, Default)]
pub struct ConnectCheck;

impl ConnectCheck {
    /// The check's id.
    pub const ID: CheckId = CheckId::new_static("tcp");
}

/// Connects once, classifying the outcome.
pub(crate) async fn connect(
    address: SocketAddr,
    timeout: Duration,
) -> (ConnectAttempt, Option<TcpStream>) {
    let started = Instant::now();
    let result = tokio::time::timeout(timeout, TcpStream::connect(address)).await;
    let (outcome, detail, stream) = match result {
        Ok(Ok(stream)) => {
            // The connection carries the run's requests later: small writes go out at once.
            let _ = stream.set_nodelay(true);
            (ConnectOutcome::Connected, None, Some(stream))
        }
        Err(_) => (ConnectOutcome::TimedOut, None, None),
        Ok(Err(e)) => {
            let outcome = match e.kind() {
                ErrorKind::ConnectionRefused => ConnectOutcome::Refused,
                ErrorKind::HostUnreachable
                | ErrorKind::NetworkUnreachable
                | ErrorKind::AddrNotAvailable => ConnectOutcome::Unreachable,
                ErrorKind::TimedOut => ConnectOutcome::TimedOut,
                _ => ConnectOutcome::Error,
            };
            (outcome, Some(e.to_string()), None)
        }
    };
    (
        ConnectAttempt {
            address,
            outcome,
            detail,
            elapsed: started.elapsed(),
        },
        stream,
    )
}

#[async_trait]
impl Check for ConnectCheck {
    fn id(&self) -> CheckId {
        Self::ID
    }

    fn depends_on(&self) -> &[CheckId] {
        const DEPS: &[CheckId] = &[DnsCheck::ID];
        DEPS
    }

    async fn run(&self, cx: &Context) -> Finding {
        let Some(resolved) = cx.output::<ResolvedAddresses>() else {
            return Finding::error(Self::ID, "the DNS step gave no addresses to connect to");
        };
        let settings = cx.settings();
        let addresses: Vec<SocketAddr> = resolved
            .addresses
            .iter()
            .map(|ip| SocketAddr::new(*ip, settings.port))
            .collect();
        let (attempts, streams): (Vec<ConnectAttempt>, Vec<Option<TcpStream>>) = join_all(
            addresses
                .iter()
                .map(|a| connect(*a, settings.connect_timeout())),
        )
        .await
        .into_iter()
        .unzip();
        let open = OpenConnections::hold(
            addresses
                .iter()
                .zip(streams)
                .filter_map(|(a, s)| Some((*a, s?)))
                .collect(),
            settings.network_timeout,
        );
        let reachable: Vec<SocketAddr> = attempts
            .iter()
            .filter(|a| a.outcome == ConnectOutcome::Connected)
            .map(|a| a.address)
            .collect();
        let failed: Vec<String> = attempts
            .iter()
            .filter(|a| a.outcome != ConnectOutcome::Connected)
            .map(|a| format!("{} {}", a.address, a.outcome))
            .collect();
        let name = &resolved.name;
        let mut finding = if reachable.is_empty() {
            // Dropped packets everywhere are WinHTTP's timeout; a refusal anywhere "cannot connect".
            if attempts
                .iter()
                .all(|a| a.outcome == ConnectOutcome::TimedOut)
            {
                Finding::fail(
                    Self::ID,
                    JoinFailure::Timeout,
                    format!(
                        "no TCP connection to {name} on port {}: no answer to the connection \
                         request in {} ({})",
                        settings.port,
                        HumanDuration(settings.connect_timeout()),
                        unanswered(settings.connect_timeout())
                    ),
                )
            } else {
                Finding::fail(
                    Self::ID,
                    JoinFailure::CannotConnect,
                    format!(
                        "no TCP connection to {name} on port {}: {}",
                        settings.port,
                        failed.join(", ")
                    ),
                )
            }
        } else if !failed.is_empty() {
            Finding::warn(
                Self::ID,
                format!(
                    "{} of {} addresses of {name} accept connections on port {}; {} — devices that try those first fail or wait",
                    reachable.len(),
                    attempts.len(),
                    settings.port,
                    failed.join(", ")
                ),
            )
            .with_failure(JoinFailure::CannotConnect)
            .with_remediation(
                "Take the failing addresses out of DNS (or the load balancer), or make them listen on the port.",
            )
        } else {
            let list: Vec<String> = reachable.iter().map(ToString::to_string).collect();
            Finding::pass(Self::ID, format!("connected to {}", list.join(", ")))
        };
        finding.evidence = attempts.into_iter().map(Evidence::Connect).collect();
        finding.with_output(Reachable(reachable)).with_output(open)
    }
}

/// What a device makes of a connection request nobody answered for `waited`.
fn unanswered(waited: Duration) -> &'static str {
    if waited >= DeviceWait::Connect.windows() {
        "as long as a Windows device waits: its TCP sends three SYNs (3 + 6 + 12 s), then WinHTTP \
         reports a time-out"
    } else {
        DeviceWait::Connect.explain()
    }
}
