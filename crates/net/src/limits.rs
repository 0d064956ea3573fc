//! How much one run may read: a cap per kind of response, and a budget for the whole run.

use std::sync::atomic::{AtomicU64, Ordering};

/// The caps of one run. Every body is read as a stream and abandoned at its cap; the sum of all
/// bodies of a run is bounded by [`Limits::run_budget`], so a certificate naming many CRL URLs or a
/// server sending endless data cannot make one diagnosis hold more than that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A CRL (public CAs publish CRLs of tens of megabytes).
    pub crl: usize,
    /// An OCSP response (a few KB: one or two single responses and at most a responder certificate).
    pub ocsp: usize,
    /// A certificate (or PKCS #7 bundle) fetched through AIA.
    pub certificate: usize,
    /// A discovery answer, tenant discovery, user realm, WS-Trust or sign-in page (a few KB).
    pub document: usize,
    /// Federation metadata or an `OpenID` configuration.
    pub metadata: usize,
    /// What is read of a health probe's answer (only its status matters).
    pub probe: usize,
    /// Every body of the run together: one CRL at its cap, or many smaller ones. With the quarter
    /// growth of unknown-length bodies, what a run holds of bodies stays under 80 MiB.
    pub run_budget: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            crl: 64 * 1024 * 1024,
            ocsp: 64 * 1024,
            certificate: 1024 * 1024,
            document: 1024 * 1024,
            metadata: 4 * 1024 * 1024,
            probe: 64 * 1024,
            run_budget: 64 * 1024 * 1024,
        }
    }
}

/// What is left of a run's byte budget, shared by every request of the run.
#[derive(Debug)]
pub(crate) struct Budget {
    total: u64,
    left: AtomicU64,
}

impl Budget {
    pub(crate) fn new(total: u64) -> Self {
        Self {
            total,
            left: AtomicU64::new(total),
        }
    }

    /// Takes `bytes` from the budget; `Err(total)` when not that much is left (nothing taken).
    pub(crate) fn take(&self, bytes: usize) -> Result<(), u64> {
        let bytes = u64::try_from(bytes).unwrap_or(u64::MAX);
        self.left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(bytes)
            })
            .map(|_| ())
            .map_err(|_| self.total)
    }

    /// What the run has read so far.
    pub(crate) fn spent(&self) -> u64 {
        self.total - self.left.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_taken_until_spent_and_never_overdrawn() {
        let budget = Budget::new(10);
        assert_eq!(budget.take(6), Ok(()));
        assert_eq!(budget.take(5), Err(10));
        assert_eq!(budget.spent(), 6);
        assert_eq!(budget.take(4), Ok(()));
        assert_eq!(budget.take(1), Err(10));
        assert_eq!(budget.spent(), 10);
    }
}
