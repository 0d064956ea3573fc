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
