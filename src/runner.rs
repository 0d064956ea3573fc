//! Runs a [`Plan`]: dependencies first, independent checks concurrently, every check bounded in time.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::task::JoinSet;
use tracing::Instrument as _;
use wpj_core::{Context, Evidence, Finding, JoinFailure, Report, Settings, Status, TimeoutScope};

use crate::plan::Plan;
use crate::progress::{ProgressEvent, ProgressSink};

/// Runs plans and builds reports.
///
/// - A check starts as soon as all its dependencies have finished; checks that do not depend on each
///   other run concurrently.
/// - A check whose dependency did not pass (or warn) is `Skipped` with the reason, unless it
///   [runs after failure](wpj_core::Check::runs_after_failure).
/// - Each check is bounded by [`Settings::check_timeout`] and the whole run by [`Settings::deadline`];
///   a check that overruns becomes a [`JoinFailure::Timeout`] finding with [`Evidence::Timeout`].
///   Checks that could not start before the deadline are `Skipped`.
/// - A panicking check becomes an `Error` finding with [`Evidence::Panic`]; the run goes on.
///
/// ```
/// # use wpj::{Plan, Runner};
/// # use wpj_core::{async_trait, Check, CheckId, Context, Finding, Settings, Status, Target};
/// #[derive(Debug)]
/// struct Always;
/// #[async_trait]
/// impl Check for Always {
///     fn id(&self) -> CheckId { CheckId::new_static("always") }
///     fn depends_on(&self) -> &[CheckId] { &[] }
///     async fn run(&self, _: &Context) -> Finding { Finding::pass(self.id(), "fine") }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let plan = Plan::new(vec![Box::new(Always)])?;
/// let settings = Settings::new("contoso.com".parse()?);
/// let report = Runner::new().run(&plan, settings).await;
/// assert_eq!(report.findings()[0].status, Status::Pass);
/// assert!(!report.has_failures());
/// # Ok(()) }
/// ```
#[derive(Clone, Default)]
pub struct Runner {
    progress: Option<ProgressSink>,
}

impl fmt::Debug for Runner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runner")
            .field("progress", &self.progress.is_some())
            .finish()
    }
}

impl Runner {
    /// A runner that reports progress nowhere (and through `tracing`).
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Calls `f` for every progress event. It runs on the runner's task: keep it quick.
    #[must_use]
    pub fn on_progress(mut self, f: impl Fn(&ProgressEvent) + Send + Sync + 'static) -> Self {
        self.progress = Some(Arc::new(f));
        self
    }

    /// Sends every progress event into a channel (events are dropped once the receiver is gone).
    #[must_use]
    pub fn progress_channel(self, tx: tokio::sync::mpsc::UnboundedSender<ProgressEvent>) -> Self {
        self.on_progress(move |e| {
            let _ = tx.send(e.clone());
        })
    }

    fn emit(&self, event: &ProgressEvent) {
        if let Some(sink) = &self.progress {
            sink(event);
        }
    }

    /// Runs every check of `plan` and returns the report, findings in plan order.
    pub async fn run(&self, plan: &Plan, settings: impl Into<Arc<Settings>>) -> Report {
        let settings: Arc<Settings> = settings.into();
        let started_at = time::OffsetDateTime::now_utc();
        let start = Instant::now();
        let deadline = start + settings.deadline;
        let base = Context::new(Arc::clone(&settings));
        base.set_plan(plan.ids());

        let mut state = Schedule::new(plan);
        let mut running = JoinSet::new();
        loop {
            while let Some(i) = state.ready.pop_front() {
                let deps = state.dependency_findings(plan, i);
                if let Some(finding) = precondition(plan, i, &deps, deadline, settings.deadline) {
                    self.emit_finished(&finding);
                    state.complete(i, finding);
                    continue;
                }
                let check = Arc::clone(&plan.checks[i]);
                self.emit(&ProgressEvent::Started { check: check.id() });
                let bound = Bound::for_check(&settings, deadline);
                let cx = base.for_check(deps, Some(bound.at));
                running.spawn(async move { (i, supervise(check, cx, bound).await) });
            }
            let Some(joined) = running.join_next().await else {
                break;
            };
            // `supervise` catches the check's own panics, so the wrapper task cannot panic.
            if let Ok((i, finding)) = joined {
                self.emit_finished(&finding);
                state.complete(i, finding);
            }
        }

        let findings = state
            .results
            .into_iter()
            .zip(&plan.checks)
            .map(|(r, check)| {
                let finding = match r {
                    Some(f) => Arc::unwrap_or_clone(f),
                    None => Finding::error(check.id(), "the runner lost this check's result"),
                };
                finding.with_stage(check.stage())
            })
            .collect();
        Report::new(
            settings.target.suffix(),
            settings.mode,
            started_at,
            start.elapsed(),
            findings,
        )
        .with_client(settings.client)
    }

    fn emit_finished(&self, finding: &Finding) {
        tracing::debug!(check = %finding.check, status = %finding.status, elapsed = ?finding.elapsed, "check finished");
        self.emit(&ProgressEvent::Finished {
            check: finding.check.clone(),
            status: finding.status,
            elapsed: finding.elapsed,
        });
    }
}

/// Which checks are done, which wait, which are ready to start.
struct Schedule {
    results: Vec<Option<Arc<Finding>>>,
    dependents: Vec<Vec<usize>>,
    /// For each check, how many dependencies are still unfinished.
    waiting: Vec<usize>,
    ready: VecDeque<usize>,
}

impl Schedule {
    fn new(plan: &Plan) -> Self {
        let n = plan.len();
        let mut dependents = vec![Vec::new(); n];
        for (i, deps) in plan.deps.iter().enumerate() {
            for &j in deps {
                dependents[j].push(i);
            }
        }
        let waiting: Vec<usize> = plan.deps.iter().map(Vec::len).collect();
        Self {
            results: vec![None; n],
            dependents,
            ready: (0..n).filter(|&i| waiting[i] == 0).collect(),
            waiting,
        }
    }

    /// The findings of the check's dependencies and theirs (all finished before it starts).
    fn dependency_findings(&self, plan: &Plan, i: usize) -> Vec<Arc<Finding>> {
        plan.ancestors[i]
            .iter()
            .filter_map(|&j| self.results[j].clone())
            .collect()
    }

    /// Records a result and readies the checks that were waiting only for it.
    fn complete(&mut self, i: usize, finding: Finding) {
        self.results[i] = Some(Arc::new(finding));
        for &k in &self.dependents[i] {
            self.waiting[k] -= 1;
            if self.waiting[k] == 0 {
                self.ready.push_back(k);
            }
        }
    }
}

/// The finding a check gets without running, if its dependencies or the deadline rule it out.
fn precondition(
    plan: &Plan,
    i: usize,
    deps: &[Arc<Finding>],
    deadline: Instant,
    run_deadline: Duration,
) -> Option<Finding> {
    let check = &plan.checks[i];
    // `deps` lists the direct dependencies first; only they decide.
    let failed: Vec<&Finding> = deps[..plan.deps[i].len()]
        .iter()
        .map(AsRef::as_ref)
        .filter(|d| !matches!(d.status, Status::Pass | Status::Warn))
        .collect();
    if !failed.is_empty() && !check.runs_after_failure() {
        let names: Vec<String> = failed
            .iter()
            .map(|d| format!("{} ({})", d.check, d.status))
            .collect();
        let mut finding = Finding::skipped(
            check.id(),
            format!("not run: it needs {}", names.join(", ")),
        );
        for d in failed {
            finding = finding.with_evidence(Evidence::Dependency {
                check: d.check.clone(),
                status: d.status,
            });
        }
        return Some(finding);
    }
    if Instant::now() >= deadline {
        return Some(
            Finding::skipped(
                check.id(),
                "not run: the run's deadline passed before it could start",
            )
            .with_evidence(Evidence::Timeout {
                limit: run_deadline,
                scope: TimeoutScope::Deadline,
            }),
        );
    }
    None
}

/// The time limit a running check is held to.
#[derive(Debug, Clone, Copy)]
struct Bound {
    /// When it runs out.
    at: Instant,
    /// The configured limit, as reported.
    limit: Duration,
    /// Which limit it is.
    scope: TimeoutScope,
}

impl Bound {
    /// The per-check timeout from now, or the run's deadline if that comes first.
    fn for_check(settings: &Settings, deadline: Instant) -> Self {
        let own = Instant::now() + settings.check_timeout;
        if own < deadline {
            Self {
                at: own,
                limit: settings.check_timeout,
                scope: TimeoutScope::Check,
            }
        } else {
            Self {
                at: deadline,
                limit: settings.deadline,
                scope: TimeoutScope::Deadline,
            }
        }
    }
}

/// Runs one check in its own task, so that a panic or an overrun cannot take the run down with it.
async fn supervise(check: Arc<dyn wpj_core::Check>, cx: Context, bound: Bound) -> Finding {
    let id = check.id();
    let started = Instant::now();
    let span = tracing::info_span!("check", id = %id);
    let task = tokio::spawn(async move { check.run(&cx).await }.instrument(span));
    let abort = task.abort_handle();
    let mut finding = match tokio::time::timeout_at(bound.at.into(), task).await {
        Ok(Ok(finding)) => finding,
        Ok(Err(e)) if e.is_panic() => {
            let message = panic_message(&*e.into_panic());
            Finding::error(id.clone(), format!("the check panicked: {message}"))
                .with_evidence(Evidence::Panic { message })
        }
        Ok(Err(_)) => Finding::error(id.clone(), "the check was cancelled"),
        Err(_) => {
            abort.abort();
            Finding::fail(
                id.clone(),
                JoinFailure::Timeout,
                format!(
                    "no result within {} ({})",
                    wpj_core::HumanDuration(bound.limit),
                    bound.scope
                ),
            )
            .with_evidence(Evidence::Timeout {
                limit: bound.limit,
                scope: bound.scope,
            })
        }
    };
    finding.check = id;
    finding.elapsed = started.elapsed();
    finding
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_owned())
}
