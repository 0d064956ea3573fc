//! Bodies read as streams into a cap and the run's budget: never a whole body first.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;

use crate::error::FetchError;
use crate::limits::Budget;
use crate::resolve::{classify, classify_hyper};

/// A body being received: from reqwest (downloads, requests through a proxy) or from a connection
/// of the run ([`crate::connections`]).
pub(crate) enum Body<'r> {
    /// A reqwest response.
    Reqwest(&'r mut reqwest::Response),
    /// A response over a kept connection.
    Kept(&'r mut hyper::body::Incoming),
}

impl Body<'_> {
    /// The length the server declared, if it did.
    fn declared(&self) -> Option<u64> {
        match self {
            Self::Reqwest(r) => r.content_length(),
            Self::Kept(b) => hyper::body::Body::size_hint(&**b).exact(),
        }
    }

    /// The next chunk, `None` at the end.
    async fn chunk(&mut self, timeout: Duration) -> Result<Option<Bytes>, FetchError> {
        match self {
            Self::Reqwest(r) => r.chunk().await.map_err(|e| classify(&e, timeout)),
            Self::Kept(b) => loop {
                match b.frame().await {
                    None => return Ok(None),
                    Some(Err(e)) => return Err(classify_hyper(&e)),
                    // Trailers carry no body bytes.
                    Some(Ok(frame)) => {
                        if let Ok(data) = frame.into_data() {
                            return Ok(Some(data));
                        }
                    }
                }
            },
        }
    }
}

/// Reads `body` into `into`, at most `cap` bytes, each chunk taken from `budget` before it is
/// kept. A declared length above the cap is refused before anything is read; past the cap, `into`
/// keeps the first `cap` bytes (for an excerpt) and the rest is never read.
///
/// Memory follows what is kept, not a doubling buffer: a declared length is reserved exactly, and a
/// body of unknown length grows by a quarter at a time (so a run holds at most 1.25× its budget).
pub(crate) async fn read_body(
    mut body: Body<'_>,
    cap: usize,
    budget: &Budget,
    timeout: Duration,
    into: &mut Vec<u8>,
) -> Result<(), FetchError> {
    let declared = body.declared();
    if declared.is_some_and(|len| len > cap as u64) {
        return Err(FetchError::TooLarge(cap));
    }
    if let Some(len) = declared {
        // Bounded by the cap above; what the budget allows is checked chunk by chunk.
        into.reserve_exact(usize::try_from(len).unwrap_or(cap));
    }
    while let Some(chunk) = body.chunk(timeout).await? {
        let room = cap.saturating_sub(into.len());
        let keep = chunk.len().min(room);
        budget.take(keep).map_err(FetchError::BudgetSpent)?;
        if into.capacity() - into.len() < keep {
            into.reserve_exact(keep.max(into.len() / 4).min(room));
        }
        into.extend_from_slice(&chunk[..keep]);
        if keep < chunk.len() {
            return Err(FetchError::TooLarge(cap));
        }
    }
    Ok(())
}
