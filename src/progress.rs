//! Progress events, for a command line to draw a bar and an embedding tool to log.

use std::sync::Arc;
use std::time::Duration;

use wpj_core::{CheckId, Status};

/// Something that happened during a run.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProgressEvent {
    /// A check started.
    Started {
        /// The check.
        check: CheckId,
    },
    /// A check finished (or was skipped).
    Finished {
        /// The check.
        check: CheckId,
        /// Its status.
        status: Status,
        /// How long it took.
        elapsed: Duration,
    },
}

/// Where progress events go.
pub(crate) type ProgressSink = Arc<dyn Fn(&ProgressEvent) + Send + Sync>;
