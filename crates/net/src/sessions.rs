//! TLS sessions of a run, by node: a new connection to a node and name the run already
//! handshaked with resumes that session (TLS 1.2 session ID or ticket, TLS 1.3 ticket) instead of
//! making a second full handshake.
//!
//! A resumed handshake brings no certificate, so no verifier sees one: a session is offered only
//! to a connection that could have trusted it. A connection that records its chain (the TLS step's,
//! judged afterwards) stores its session but never resumes one — it must see the chain. A
//! verifying connection resumes only a session of a node whose chain was judged as a device
//! accepts it ([`Sessions::trust`], from [`Net::keep`](crate::Net::keep)) or that a verifying
//! connection made. An inspection connection resumes any.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use rustls::NamedGroup;
use rustls::client::{
    ClientSessionMemoryCache, ClientSessionStore, Resumption, Tls12ClientSessionValue,
    Tls13ClientSessionValue,
};
use rustls_pki_types::ServerName;

/// How many names' sessions one node keeps.
const NAMES_PER_NODE: usize = 8;

/// What a connection may do with the sessions of its node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionUse {
    /// Store, never resume: the connection records the chain, which a resumption would not bring.
    Record,
    /// Resume a session of a name judged trustworthy on this node.
    Verify,
    /// Resume any session (the chain is not trusted anyway).
    Inspect,
}

/// The run's sessions: one cache per node, and the (node, name) pairs whose chain a device accepts.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    caches: Mutex<HashMap<SocketAddr, Arc<ClientSessionMemoryCache>>>,
    trusted: Arc<Mutex<HashSet<(SocketAddr, String)>>>,
}

impl Sessions {
    /// Marks `name`'s sessions on `address` as fit for verifying connections.
    pub(crate) fn trust(&self, address: SocketAddr, name: &str) {
        self.trusted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert((address, name.to_ascii_lowercase()));
    }

    /// The resumption setting of a connection to `address` used so.
    pub(crate) fn resumption(&self, address: SocketAddr, use_: SessionUse) -> Resumption {
        let cache = Arc::clone(
            self.caches
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(address)
                .or_insert_with(|| Arc::new(ClientSessionMemoryCache::new(NAMES_PER_NODE))),
        );
        Resumption::store(Arc::new(NodeSessions {
            address,
            cache,
            trusted: Arc::clone(&self.trusted),
            use_,
        }))
    }
}

/// One node's sessions, as one connection may use them.
#[derive(Debug)]
struct NodeSessions {
    address: SocketAddr,
    cache: Arc<ClientSessionMemoryCache>,
    trusted: Arc<Mutex<HashSet<(SocketAddr, String)>>>,
    use_: SessionUse,
}

impl NodeSessions {
    /// Whether this connection may resume a session of `name`.
    fn may_resume(&self, name: &ServerName<'_>) -> bool {
        match self.use_ {
            SessionUse::Record => false,
            SessionUse::Inspect => true,
            SessionUse::Verify => self
                .trusted
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .contains(&(self.address, name.to_str().to_ascii_lowercase())),
        }
    }
}

impl ClientSessionStore for NodeSessions {
    fn set_kx_hint(&self, server_name: ServerName<'static>, group: NamedGroup) {
        self.cache.set_kx_hint(server_name, group);
    }

    fn kx_hint(&self, server_name: &ServerName<'_>) -> Option<NamedGroup> {
        // Which key exchange group the server chose: no trust in it, a round trip saved.
        self.cache.kx_hint(server_name)
    }

    fn set_tls12_session(&self, server_name: ServerName<'static>, value: Tls12ClientSessionValue) {
        self.cache.set_tls12_session(server_name, value);
    }

    fn tls12_session(&self, server_name: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        if self.may_resume(server_name) {
            self.cache.tls12_session(server_name)
        } else {
            None
        }
    }

    fn remove_tls12_session(&self, server_name: &ServerName<'static>) {
        self.cache.remove_tls12_session(server_name);
    }

    fn insert_tls13_ticket(
        &self,
        server_name: ServerName<'static>,
        value: Tls13ClientSessionValue,
    ) {
        self.cache.insert_tls13_ticket(server_name, value);
    }

    fn take_tls13_ticket(
        &self,
        server_name: &ServerName<'static>,
    ) -> Option<Tls13ClientSessionValue> {
        if self.may_resume(server_name) {
            self.cache.take_tls13_ticket(server_name)
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name() -> ServerName<'static> {
        ServerName::try_from("sts.contoso.com").unwrap()
    }

    fn may_resume(sessions: &Sessions, address: SocketAddr, use_: SessionUse) -> bool {
        NodeSessions {
            address,
            cache: Arc::new(ClientSessionMemoryCache::new(1)),
            trusted: Arc::clone(&sessions.trusted),
            use_,
        }
        .may_resume(&name())
    }

    #[test]
    fn a_session_is_offered_only_where_its_chain_could_have_been_trusted() {
        let sessions = Sessions::default();
        let node: SocketAddr = "127.0.0.2:443".parse().unwrap();
        let other: SocketAddr = "127.0.0.3:443".parse().unwrap();
        // Before any judgement: inspection connections only; a recording one never.
        assert!(!may_resume(&sessions, node, SessionUse::Verify));
        assert!(may_resume(&sessions, node, SessionUse::Inspect));
        assert!(!may_resume(&sessions, node, SessionUse::Record));
        // Judged trustworthy on this node, for this name (case aside).
        sessions.trust(node, "STS.contoso.com");
        assert!(may_resume(&sessions, node, SessionUse::Verify));
        assert!(!may_resume(&sessions, node, SessionUse::Record));
        // Not on another node of the same name.
        assert!(!may_resume(&sessions, other, SessionUse::Verify));
    }
}
