//! What stops a sign-in check: a problem a device would meet, or this tool's own trouble — which is
//! never a device verdict (the sign-in checks' counterpart of the contract step's `own_limit` and
//! the revocation step's `NotRead`).

use wpj_core::{CheckId, Finding, Problem};
use wpj_net::{FetchError, NetError};
use wpj_tls::HostTrouble;

use crate::client::request_problem;

/// Why a host a device signs in at was not found usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Trouble {
    /// What a device would meet there, and the failure it would log.
    #[error("{0}")]
    Device(Problem),
    /// This tool could not judge it (its network layer could not be set up, or the run's byte
    /// budget stopped a request): nothing a device meets, so never a verdict.
    #[error("not judged, a limit of this tool: {0}")]
    Own(String),
}

impl Trouble {
    /// A request to `url` that failed with `e`: the tool's own trouble when its limits stopped it
    /// ([`FetchError::is_own_limit`]), else what a device logs for it.
    #[must_use]
    pub fn of_request(e: &FetchError, url: &str) -> Self {
        if e.is_own_limit() {
            Self::Own(format!("{url}: {e}"))
        } else {
            Self::Device(request_problem(e, url))
        }
    }

    /// Whether this is the tool's own trouble.
    #[must_use]
    pub fn is_own(&self) -> bool {
        matches!(self, Self::Own(_))
    }
}

impl From<Problem> for Trouble {
    fn from(problem: Problem) -> Self {
        Self::Device(problem)
    }
}

impl From<HostTrouble> for Trouble {
    fn from(trouble: HostTrouble) -> Self {
        match trouble {
            HostTrouble::Device(problem) => Self::Device(problem),
            HostTrouble::Own(why) => Self::Own(why),
            // A kind added later: not a verdict until it is mapped here.
            other => Self::Own(other.to_string()),
        }
    }
}

impl From<NetError> for Trouble {
    fn from(e: NetError) -> Self {
        Self::Own(e.to_string())
    }
}

/// The finding of a sign-in check that met `troubles`: an `Error` when any is the tool's own (what
/// a device would meet is listed with it, but the check was not completed, so it cannot promise a
/// verdict), else the `Fail` of the first device problem; `None` when there are none.
#[must_use]
pub fn troubled_finding(check: CheckId, troubles: &[Trouble]) -> Option<Finding> {
    let (own, device): (Vec<&Trouble>, Vec<&Trouble>) = troubles.iter().partition(|t| t.is_own());
    let problems: Vec<Problem> = device
        .into_iter()
        .filter_map(|t| match t {
            Trouble::Device(p) => Some(p.clone()),
            Trouble::Own(_) => None,
        })
        .collect();
    if own.is_empty() {
        return Finding::from_problems(check, &problems);
    }
    let mut said: Vec<String> = own.iter().map(ToString::to_string).collect();
    said.extend(problems.iter().map(|p| format!("also seen: {p}")));
    Some(Finding::error(check, said.join("; ")))
}
