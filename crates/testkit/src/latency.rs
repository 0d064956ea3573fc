//! Network latency on loopback: a TCP relay that delays every byte by a one-way delay, in both
//! directions, so that a lab behaves like a server `2 × one_way` away.
//!
//! Loopback has no latency and the kernel completes a TCP handshake at once, so the relay stands in
//! for the network: what the client sends is released to the server `one_way` after it was sent,
//! and the server's answer reaches the client `one_way` after that. The handshake is emulated too:
//! the client's first bytes are held until one round trip after the connection was accepted — on a
//! real network the client could not have sent anything before the SYN-ACK came back. A connection
//! that is opened and closed without sending data therefore costs nothing here (it costs one round
//! trip on a real network); the relay says so in [`DelayRelay`]'s docs so that measurements account
//! for it.
//!
//! Delay is not rate: chunks are pipelined (a chunk read while another is in flight is released
//! `one_way` after it was read, not after the previous one), as on a network with spare bandwidth.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use tokio::io::{AsyncReadExt, AsyncWriteExt};
//! use tokio::net::{TcpListener, TcpStream};
//! use wpj_testkit::latency::DelayRelay;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! // An echo server, and a relay 10 ms (one way) in front of it.
//! let echo = TcpListener::bind("127.0.0.1:0").await?;
//! let upstream = echo.local_addr()?;
//! tokio::spawn(async move {
//!     let (mut s, _) = echo.accept().await?;
//!     let mut buf = [0u8; 5];
//!     s.read_exact(&mut buf).await?;
//!     s.write_all(&buf).await?;
//!     Ok::<_, std::io::Error>(())
//! });
//! let relay = DelayRelay::start(TcpListener::bind("127.0.0.1:0").await?, upstream, Duration::from_millis(10))?;
//!
//! let started = Instant::now();
//! let mut client = TcpStream::connect(relay.addr()).await?;
//! client.write_all(b"hello").await?;
//! let mut back = [0u8; 5];
//! client.read_exact(&mut back).await?;
//! assert_eq!(&back, b"hello");
//! // The emulated TCP handshake (1 RTT) and the request/answer (1 RTT).
//! assert!(started.elapsed() >= Duration::from_millis(40));
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::server::{TaskGuard, serve};

/// What travels through one direction of the relay.
enum Segment {
    /// Bytes, to be written at the instant.
    Data(Instant, Vec<u8>),
    /// The sender closed its side (FIN), to be passed on at the instant.
    Fin(Instant),
}

/// A TCP relay on `listener` that forwards to `upstream`, `one_way` late in each direction.
///
/// Every accepted connection gets its own upstream connection. Closing (FIN) is passed on with the
/// same delay; a reset or error on either side closes both. A connection that never sends anything
/// costs no time (see the [module docs](self)).
#[derive(Debug)]
pub struct DelayRelay {
    addr: SocketAddr,
    _task: TaskGuard,
}

impl DelayRelay {
    /// Starts relaying connections accepted on `listener` to `upstream`.
    pub fn start(
        listener: TcpListener,
        upstream: SocketAddr,
        one_way: Duration,
    ) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let task = serve(listener, move |client, _| relay(client, upstream, one_way));
        Ok(Self { addr, _task: task })
    }

    /// The address clients connect to.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// Binds a fresh listener on `listener`'s IP for the real server, and relays `listener` to it with
/// `one_way` delay. Returns the listener the real server must use, and the relay to keep alive.
pub async fn behind_relay(
    listener: TcpListener,
    one_way: Duration,
) -> std::io::Result<(TcpListener, DelayRelay)> {
    let inner = TcpListener::bind((listener.local_addr()?.ip(), 0)).await?;
    let relay = DelayRelay::start(listener, inner.local_addr()?, one_way)?;
    Ok((inner, relay))
}

async fn relay(client: TcpStream, upstream: SocketAddr, one_way: Duration) {
    let accepted = Instant::now();
    let Ok(server) = TcpStream::connect(upstream).await else {
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    // The client could not have sent before the SYN-ACK was back: one round trip after accept.
    let handshake_done = accepted + one_way * 2;
    let upstream = pipe(client_read, server_write, one_way, handshake_done);
    let downstream = pipe(server_read, client_write, one_way, accepted);
    tokio::pin!(upstream, downstream);
    // A clean close of one direction leaves the other open (half-close); a broken one ends both.
    tokio::select! {
        end = &mut upstream => if end == End::Closed { downstream.await; },
        end = &mut downstream => if end == End::Closed { upstream.await; },
    }
}

/// How one direction of a relayed connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The sender closed its side and the close was passed on.
    Closed,
    /// A read or write failed (reset, abort).
    Broken,
}

/// Copies `from` to `to`, each chunk written `one_way` after it was read (and not before
/// `not_before` + `one_way`), pipelined.
async fn pipe(
    mut from: OwnedReadHalf,
    mut to: OwnedWriteHalf,
    one_way: Duration,
    not_before: Instant,
) -> End {
    let (tx, mut rx) = mpsc::unbounded_channel::<Segment>();
    let reader = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let read = from.read(&mut buf).await;
            let due = Instant::now().max(not_before) + one_way;
            let segment = match read {
                Ok(0) => Segment::Fin(due),
                Ok(n) => Segment::Data(due, buf[..n].to_vec()),
                Err(_) => return End::Broken,
            };
            let fin = matches!(segment, Segment::Fin(_));
            if tx.send(segment).is_err() {
                return End::Broken;
            }
            if fin {
                return End::Closed;
            }
        }
    };
    let writer = async move {
        while let Some(segment) = rx.recv().await {
            match segment {
                Segment::Data(due, bytes) => {
                    tokio::time::sleep_until(due).await;
                    if to.write_all(&bytes).await.is_err() {
                        return End::Broken;
                    }
                }
                Segment::Fin(due) => {
                    tokio::time::sleep_until(due).await;
                    return match to.shutdown().await {
                        Ok(()) => End::Closed,
                        Err(_) => End::Broken,
                    };
                }
            }
        }
        End::Broken
    };
    tokio::pin!(reader, writer);
    tokio::select! {
        end = &mut reader => if end == End::Closed { writer.await } else { End::Broken },
        // The writer only ends early when the far side failed.
        end = &mut writer => end,
    }
}
