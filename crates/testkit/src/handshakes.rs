//! What the lab's HTTPS servers saw of TLS: every handshake they completed, full or resumed, so
//! a test can count the handshakes a client made per server address and name.
//!
//! Each [`HttpsServer`](crate::https::HttpsServer) keeps a log; [`Lab::handshakes`](crate::Lab::handshakes)
//! gathers them. A handshake is recorded when the server finishes it (a client that gives up
//! half-way leaves nothing). The legacy responder of [`crate::legacy_tls`] speaks no real TLS
//! and records nothing.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use rustls::HandshakeKind;

/// One TLS handshake an HTTPS server of the lab completed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HandshakeSeen {
    /// Where it was seen: the address the client connected to (the server's, or the latency
    /// relay's in front of it).
    pub server: ServerKey,
    /// Resumed (a TLS 1.2 session ID or ticket, a TLS 1.3 pre-shared key) rather than full.
    pub resumed: bool,
}

/// A server as a client reaches it: an address and the SNI sent to it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerKey {
    /// The address the client connected to.
    pub address: SocketAddr,
    /// The name the client sent as SNI (lowercase), `None` when it sent none.
    pub sni: Option<String>,
}

impl fmt::Display for ServerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sni {
            Some(sni) => write!(f, "{} (SNI {sni})", self.address),
            None => write!(f, "{} (no SNI)", self.address),
        }
    }
}

/// How many full handshakes each server saw, for every server that saw at least one handshake
/// (a server that only resumed sessions counts 0).
#[must_use]
pub fn full_handshakes(seen: &[HandshakeSeen]) -> BTreeMap<ServerKey, usize> {
    let mut counts = BTreeMap::new();
    for handshake in seen {
        *counts.entry(handshake.server.clone()).or_insert(0) += usize::from(!handshake.resumed);
    }
    counts
}

/// One handshake as a server records it: the SNI, and whether it resumed.
type Recorded = (Option<String>, bool);

/// The handshakes one server completed, in order. Shared with the server's connection tasks.
#[derive(Debug, Clone, Default)]
pub(crate) struct HandshakeLog(Arc<Mutex<Vec<Recorded>>>);

impl HandshakeLog {
    /// Records the handshake `connection` completed.
    pub(crate) fn record(&self, connection: &rustls::ServerConnection) {
        let sni = connection.server_name().map(str::to_ascii_lowercase);
        let resumed = connection.handshake_kind() == Some(HandshakeKind::Resumed);
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((sni, resumed));
    }

    /// Every handshake so far, as seen at `address`.
    pub(crate) fn seen_at(&self, address: SocketAddr) -> Vec<HandshakeSeen> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .map(|(sni, resumed)| HandshakeSeen {
                server: ServerKey {
                    address,
                    sni: sni.clone(),
                },
                resumed: *resumed,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_handshakes_are_counted_per_address_and_name() {
        let at = |port: u16, sni: Option<&str>, resumed: bool| HandshakeSeen {
            server: ServerKey {
                address: SocketAddr::from(([127, 0, 0, 1], port)),
                sni: sni.map(str::to_owned),
            },
            resumed,
        };
        let seen = [
            at(443, Some("a.test"), false),
            at(443, Some("a.test"), true),
            at(443, Some("b.test"), false),
            at(443, Some("b.test"), false),
            at(444, Some("a.test"), true),
            at(444, None, false),
        ];
        let counts: Vec<(String, usize)> = full_handshakes(&seen)
            .into_iter()
            .map(|(k, n)| (k.to_string(), n))
            .collect();
        assert_eq!(
            counts,
            [
                ("127.0.0.1:443 (SNI a.test)".to_owned(), 1),
                ("127.0.0.1:443 (SNI b.test)".to_owned(), 2),
                ("127.0.0.1:444 (no SNI)".to_owned(), 1),
                ("127.0.0.1:444 (SNI a.test)".to_owned(), 0),
            ]
        );
    }
}
