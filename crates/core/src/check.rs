//! The [`Check`] trait: one step of the path a Windows device takes.

use std::fmt::Debug;

use async_trait::async_trait;

use crate::check_id::CheckId;
use crate::context::Context;
use crate::finding::Finding;
use crate::stage::Stage;

/// One diagnostic step (resolve the name, connect, validate the chain, fetch the contract…).
///
/// The runner orders checks by [`depends_on`](Check::depends_on), runs independent ones concurrently,
/// bounds each with a timeout and catches panics. A check reports what it found as a [`Finding`];
/// it never prints.
///
/// ```
/// use async_trait::async_trait;
/// use wpj_core::{Check, CheckId, Context, Finding, Settings, Status, Target};
///
/// /// Passes when the UPN suffix is not `example.com`.
/// #[derive(Debug)]
/// struct NotExample;
///
/// #[async_trait]
/// impl Check for NotExample {
///     fn id(&self) -> CheckId {
///         CheckId::new_static("not-example")
///     }
///     fn depends_on(&self) -> &[CheckId] {
///         &[]
///     }
///     async fn run(&self, cx: &Context) -> Finding {
///         if cx.target().suffix() == "example.com" {
///             Finding::warn(self.id(), "example.com is reserved for documentation")
///         } else {
///             Finding::pass(self.id(), format!("{} is a real suffix", cx.target()))
///         }
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), wpj_core::TargetError> {
/// let cx = Context::new(Settings::new(Target::parse("alice@example.com")?));
/// let finding = NotExample.run(&cx).await;
/// assert_eq!(finding.status, Status::Warn);
/// # Ok(()) }
/// ```
#[async_trait]
pub trait Check: Debug + Send + Sync {
    /// The check's id, unique within a plan.
    fn id(&self) -> CheckId;

    /// The checks whose findings this one needs; it runs after them.
    fn depends_on(&self) -> &[CheckId];

    /// Whether to run even when a dependency failed (default: no, the check is skipped).
    ///
    /// A check that can still tell something useful without its dependency's result — for example,
    /// fetching the contract over an inspection connection behind a certificate failure — says yes.
    fn runs_after_failure(&self) -> bool {
        false
    }

    /// The stage of the device's journey this check examines; the runner stamps it on the check's
    /// finding. Only [`Stage::Discovery`] and [`Stage::SignIn`] failures can become a device verdict.
    fn stage(&self) -> Stage {
        Stage::Discovery
    }

    /// Does the work. Must not print; everything goes into the finding.
    async fn run(&self, cx: &Context) -> Finding;
}
