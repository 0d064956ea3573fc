//! A plain-HTTP server with a fixed route table: the lab's CRL/AIA host and the AD FS probe endpoint.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

use crate::hostile::LazyBody;
use crate::http::{Response, read_request};
use crate::server::{TaskGuard, serve};

/// What the server does for one path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Answer with this response.
    Respond(Response),
    /// Read the request, then send nothing and keep the connection open.
    Stall,
    /// Send the head at once, then the body one byte per interval.
    Drip(Response, Duration),
    /// The head of the response (its own body ignored), then a body generated as it is sent.
    Stream(Response, LazyBody),
}

impl Route {
    /// A 200 with a body.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self::Respond(Response::new(200, content_type, body))
    }

    /// A plain-text status.
    #[must_use]
    pub fn status(status: u16) -> Self {
        Self::Respond(Response::text(status, "lab status"))
    }
}

/// Serves a route table over plain HTTP; unknown paths get 404. Stops when dropped.
#[derive(Debug)]
pub struct WebServer {
    addr: SocketAddr,
    hits: Arc<Mutex<HashMap<String, usize>>>,
    _task: TaskGuard,
}

impl WebServer {
    /// Serves `routes` on an already-bound listener.
    pub fn start(listener: TcpListener, routes: HashMap<String, Route>) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let routes = Arc::new(routes);
        let hits = Arc::new(Mutex::new(HashMap::new()));
        let counted = Arc::clone(&hits);
        let task = serve(listener, move |mut stream, _| {
            let routes = Arc::clone(&routes);
            let counted = Arc::clone(&counted);
            async move {
                let Some(request) = read_request(&mut stream).await else {
                    return;
                };
                *counted
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .entry(request.path.clone())
                    .or_insert(0) += 1;
                let route = routes
                    .get(&request.path)
                    .cloned()
                    .unwrap_or_else(|| Route::status(404));
                answer(&mut stream, route).await;
            }
        });
        Ok(Self {
            addr,
            hits,
            _task: task,
        })
    }

    /// How many requests for `path` it has read so far.
    #[must_use]
    pub fn hits(&self, path: &str) -> usize {
        self.hits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// The address it listens on.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

/// Carries out a route on a stream (shared with the TLS server).
pub(crate) async fn answer<S: tokio::io::AsyncWrite + Unpin>(stream: &mut S, route: Route) {
    let _ = match route {
        Route::Respond(response) => response.write_to(stream).await,
        Route::Drip(response, interval) => response.drip_to(stream, interval).await,
        Route::Stream(response, body) => body.write_to(&response, stream).await,
        Route::Stall => {
            std::future::pending::<()>().await;
            Ok(())
        }
    };
    let _ = stream.shutdown().await;
}
