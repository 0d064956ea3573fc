//! One connection per node and name: the TLS connections of a run, kept for its HTTPS requests.
//!
//! A Windows device makes one TLS connection to the node it landed on and sends its requests over
//! it. So does a run: the TLS step hands the connection it made (and judged) to the run's
//! [`Net`](crate::Net) with [`Net::keep`](crate::Net::keep), and every later direct HTTPS request
//! to the same address and name — the contract, a node's contract, the sign-in page, federation
//! metadata — goes over it, one after the other (HTTP/1.1 keep-alive, no pipelining). A new
//! connection is made only when there is none, when the server closed it, when the kept one was
//! accepted only for inspection and the request must verify, or when a request waited a whole
//! network time-out for the connection another request held (that one is not kept).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http_body_util::Empty;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

/// How far the chain of a connection handed to [`Net::keep`](crate::Net::keep) was judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionTrust {
    /// The chain was judged as Windows judges it (to the run's roots, for the name: path, dates,
    /// usage, algorithms — not revocation, which is its own step) and a device accepts it: any
    /// request to that address and name may use the connection.
    Verified,
    /// The chain was accepted only to look past a failure: only inspection clients
    /// ([`HttpsBuilder::inspection`](crate::HttpsBuilder::inspection)) use the connection.
    Inspection,
}

/// A connection ready for its next request.
pub(crate) struct Kept {
    pub(crate) sender: SendRequest<Empty<Bytes>>,
    pub(crate) trust: ConnectionTrust,
}

impl Kept {
    /// Whether a client that verifies (`inspection` false) or not may send over it.
    pub(crate) fn serves(&self, inspection: bool) -> bool {
        inspection || self.trust == ConnectionTrust::Verified
    }
}

/// The place of one (address, name) pair: its kept connection, if any. Held by one request at a
/// time: the requests to one node and name go one after the other, as over one connection.
pub(crate) type Slot = Arc<tokio::sync::Mutex<Option<Kept>>>;

/// The run's connections, by address and name (lowercase).
#[derive(Default)]
pub(crate) struct Connections {
    slots: Mutex<HashMap<(SocketAddr, String), Slot>>,
}

impl std::fmt::Debug for Connections {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let slots = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("Connections")
            .field("slots", &slots.len())
            .finish()
    }
}

impl Connections {
    /// The slot of `address` and `host`.
    pub(crate) fn slot(&self, address: SocketAddr, host: &str) -> Slot {
        Arc::clone(
            self.slots
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry((address, host.to_ascii_lowercase()))
                .or_default(),
        )
    }

    /// Holds the slot of `address` and `host` for a connection being made, unless a request
    /// holds it.
    pub(crate) fn reserve(&self, address: SocketAddr, host: &str) -> Reservation {
        let slot = self.slot(address, host);
        Reservation {
            address,
            host: host.to_owned(),
            held: slot.try_lock_owned().ok(),
        }
    }

    /// Keeps `tls` in the slot `reservation` names, unless a request holds it or a connection as
    /// trusted is already there.
    pub(crate) async fn keep(
        &self,
        reservation: Reservation,
        tls: TlsStream<TcpStream>,
        trust: ConnectionTrust,
    ) {
        let held = match reservation.held {
            Some(held) => Some(held),
            None => self
                .slot(reservation.address, &reservation.host)
                .try_lock_owned()
                .ok(),
        };
        let Some(mut held) = held else {
            return;
        };
        let better = held.as_ref().is_none_or(|k| {
            k.sender.is_closed()
                || (k.trust == ConnectionTrust::Inspection && trust == ConnectionTrust::Verified)
        });
        if better && let Ok(sender) = http1(tls).await {
            *held = Some(Kept { sender, trust });
        }
    }
}

/// The place of a connection being made to a node and name ([`Net::reserve`](crate::Net::reserve)):
/// while it is held, the run's requests to that node and name wait for the connection instead of
/// making their own. Dropped without [`Net::keep`](crate::Net::keep) (the handshake failed), it
/// lets them go.
#[must_use = "requests to the node and name wait until the reservation is kept or dropped"]
pub struct Reservation {
    address: SocketAddr,
    host: String,
    held: Option<tokio::sync::OwnedMutexGuard<Option<Kept>>>,
}

impl std::fmt::Debug for Reservation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reservation")
            .field("address", &self.address)
            .field("host", &self.host)
            .field("held", &self.held.is_some())
            .finish()
    }
}

/// Starts HTTP/1.1 over `tls`; the connection is driven by a task of its own, which ends when the
/// server closes it or when nothing holds its sender any more.
pub(crate) async fn http1(
    tls: TlsStream<TcpStream>,
) -> Result<SendRequest<Empty<Bytes>>, hyper::Error> {
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await?;
    tokio::spawn(async move {
        // Its end (closed, reset) shows in the next request over it; nothing to do here.
        let _ = connection.await;
    });
    Ok(sender)
}
