//! Task plumbing shared by the lab's servers: accept loops that stop when their guard drops.

use std::future::Future;
use std::net::SocketAddr;

use tokio::net::{TcpListener, TcpStream};
use tokio::task::{AbortHandle, JoinSet};

/// Aborts a background task when dropped.
#[derive(Debug)]
pub struct TaskGuard(AbortHandle);

impl TaskGuard {
    /// Guards the task behind `handle`.
    #[must_use]
    pub fn new(handle: AbortHandle) -> Self {
        Self(handle)
    }
}

impl Drop for TaskGuard {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Accepts connections on `listener` and runs `handle` on each in its own task. Connection tasks
/// belong to the accept loop, so dropping the guard stops them all.
pub fn serve<F, Fut>(listener: TcpListener, handle: F) -> TaskGuard
where
    F: Fn(TcpStream, SocketAddr) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let task = tokio::spawn(async move {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    if let Ok((stream, peer)) = accepted {
                        connections.spawn(handle(stream, peer));
                    }
                }
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
            }
        }
    });
    TaskGuard::new(task.abort_handle())
}

/// A port that accepts nothing and answers nothing: a listener with an accept queue of one,
/// filled by a connection of its own that is never accepted, so the kernel drops every further
/// SYN — on loopback, what a firewall that drops packets looks like from a client (connects time
/// out; nothing is refused).
#[derive(Debug)]
pub struct BlackHole {
    addr: SocketAddr,
    _listener: TcpListener,
    _filler: TcpStream,
}

impl BlackHole {
    /// Makes `addr` (port 0 for any) a black hole.
    pub async fn bind(addr: SocketAddr) -> std::io::Result<Self> {
        let socket = if addr.is_ipv4() {
            tokio::net::TcpSocket::new_v4()?
        } else {
            tokio::net::TcpSocket::new_v6()?
        };
        socket.set_reuseaddr(true)?;
        socket.bind(addr)?;
        let listener = socket.listen(0)?;
        let addr = listener.local_addr()?;
        let filler = TcpStream::connect(addr).await?;
        Ok(Self {
            addr,
            _listener: listener,
            _filler: filler,
        })
    }

    /// The silent address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}
