//! Bodies read as streams into a cap and the run's budget: never a whole body first.

use std::time::Duration;

use crate::error::FetchError;
use crate::limits::Budget;
use crate::resolve::classify;

/// Reads `response`'s body into `into`, at most `cap` bytes, each chunk taken from `budget` before
/// it is kept. A declared length above the cap is refused before anything is read; past the cap,
/// `into` keeps the first `cap` bytes (for an excerpt) and the rest is never read.
///
/// Memory follows what is kept, not a doubling buffer: a declared length is reserved exactly, and a
/// body of unknown length grows by a quarter at a time (so a run holds at most 1.25× its budget).
pub(crate) async fn read_body(
    response: &mut reqwest::Response,
    cap: usize,
    budget: &Budget,
    timeout: Duration,
    into: &mut Vec<u8>,
) -> Result<(), FetchError> {
    if response
        .content_length()
        .is_some_and(|len| len > cap as u64)
    {
        return Err(FetchError::TooLarge(cap));
    }
    if let Some(len) = response.content_length() {
        // Bounded by the cap above; what the budget allows is checked chunk by chunk.
        into.reserve_exact(usize::try_from(len).unwrap_or(cap));
    }
    while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e, timeout))? {
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
