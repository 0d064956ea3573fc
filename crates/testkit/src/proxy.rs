//! An HTTP CONNECT proxy on loopback that tunnels every request to one fixed address, and records
//! what it was asked for — to prove a client really went through a proxy.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncWriteExt, copy_bidirectional};
use tokio::net::{TcpListener, TcpStream};

use crate::http::read_request;
use crate::server::{TaskGuard, serve};

/// A running CONNECT proxy; stops when dropped.
#[derive(Debug)]
pub struct ConnectProxy {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    _task: TaskGuard,
}

impl ConnectProxy {
    /// Starts a proxy on loopback that tunnels every `CONNECT` to `target`.
    pub async fn start(target: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let task = serve(listener, move |mut client, _| {
            let seen = Arc::clone(&seen);
            async move {
                let Some(request) = read_request(&mut client).await else {
                    return;
                };
                if !request.method.eq_ignore_ascii_case("CONNECT") {
                    let _ = client
                        .write_all(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                        .await;
                    return;
                }
                seen.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(request.path.clone());
                let Ok(mut upstream) = TcpStream::connect(target).await else {
                    let _ = client
                        .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                        .await;
                    return;
                };
                if client
                    .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
                    .await
                    .is_ok()
                {
                    let _ = copy_bidirectional(&mut client, &mut upstream).await;
                }
            }
        });
        Ok(Self {
            addr,
            requests,
            _task: task,
        })
    }

    /// The proxy's address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The `host:port` of every CONNECT received, in order.
    #[must_use]
    pub fn requests(&self) -> Vec<String> {
        self.requests
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
