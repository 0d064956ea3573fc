//! Listeners for the lab's servers: on one port for many addresses, behind a latency relay, or
//! closed and kept reserved.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tokio::net::TcpListener;

use crate::latency::{DelayRelay, behind_relay};

/// `listener` itself without latency; otherwise a listener for the real server, with a relay from
/// `listener` to it kept in `relays`.
pub(super) async fn delayed(
    listener: TcpListener,
    latency: Option<Duration>,
    relays: &mut Vec<DelayRelay>,
) -> std::io::Result<TcpListener> {
    match latency {
        None => Ok(listener),
        Some(one_way) => {
            let (inner, relay) = behind_relay(listener, one_way).await?;
            relays.push(relay);
            Ok(inner)
        }
    }
}

/// Turns a listener's port into a closed one that stays reserved: the listener is dropped and a
/// socket that never listens is bound in its place, so connections are refused and no other server
/// started meanwhile (tests run side by side) can take the port and answer instead.
pub(super) fn keep_closed(listener: TcpListener) -> std::io::Result<tokio::net::TcpSocket> {
    let addr = listener.local_addr()?;
    drop(listener);
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    Ok(socket)
}

/// Binds one listener per address, all on the same free port.
pub(super) async fn bind_same_port(ips: &[IpAddr]) -> std::io::Result<(u16, Vec<TcpListener>)> {
    let mut last = None;
    'attempt: for _ in 0..16 {
        let first = TcpListener::bind((ips[0], 0)).await?;
        let port = first.local_addr()?.port();
        let mut listeners = vec![first];
        for ip in &ips[1..] {
            match TcpListener::bind((*ip, port)).await {
                Ok(l) => listeners.push(l),
                Err(e) => {
                    last = Some(e);
                    continue 'attempt;
                }
            }
        }
        return Ok((port, listeners));
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no common free port")))
}
