//! Runner semantics with toy checks: ordering, skipping, deadlines, panics, concurrency, progress.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Notify;
use wpj::{
    Check, CheckId, Context, Evidence, Finding, JoinFailure, Plan, PlanError, ProgressEvent,
    Runner, Settings, Status, TimeoutScope, async_trait,
};

/// What a toy check does when run.
#[derive(Debug, Clone)]
enum Behaviour {
    Pass,
    Fail,
    Panic,
    /// Sleeps far longer than any timeout in these tests.
    Hang,
    /// Waits until another check notifies it.
    WaitFor(Arc<Notify>),
    /// Wakes the checks waiting on it, then passes.
    Wake(Arc<Notify>),
    /// Passes and leaves a number for its dependents.
    Output(u32),
    /// Passes when a dependency left a number, reporting it.
    ReadOutput,
}

#[derive(Debug)]
struct Toy {
    id: CheckId,
    deps: Vec<CheckId>,
    behaviour: Behaviour,
    after_failure: bool,
}

fn toy(id: &'static str, deps: &[&'static str], behaviour: Behaviour) -> Box<dyn Check> {
    Box::new(Toy {
        id: CheckId::new_static(id),
        deps: deps.iter().map(|d| CheckId::new_static(d)).collect(),
        behaviour,
        after_failure: false,
    })
}

#[async_trait]
impl Check for Toy {
    fn id(&self) -> CheckId {
        self.id.clone()
    }
    fn depends_on(&self) -> &[CheckId] {
        &self.deps
    }
    fn runs_after_failure(&self) -> bool {
        self.after_failure
    }
    async fn run(&self, cx: &Context) -> Finding {
        match &self.behaviour {
            Behaviour::Pass => Finding::pass(self.id(), "ok"),
            Behaviour::Fail => Finding::fail(self.id(), JoinFailure::CertRevoked, "revoked"),
            Behaviour::Panic => panic!("toy check {} exploded", self.id),
            Behaviour::Hang => {
                tokio::time::sleep(Duration::from_secs(3600)).await;
                Finding::pass(self.id(), "woke up")
            }
            Behaviour::WaitFor(n) => {
                n.notified().await;
                Finding::pass(self.id(), "was woken")
            }
            Behaviour::Wake(n) => {
                n.notify_waiters();
                n.notify_one();
                Finding::pass(self.id(), "woke the other")
            }
            Behaviour::Output(v) => Finding::pass(self.id(), "produced").with_output(*v),
            Behaviour::ReadOutput => match cx.output::<u32>() {
                Some(v) => Finding::pass(self.id(), format!("read {v}")),
                None => Finding::error(self.id(), "no output"),
            },
        }
    }
}

fn settings(check_timeout: Duration, deadline: Duration) -> Settings {
    let mut s = Settings::new("contoso.com".parse().expect("valid target"));
    s.check_timeout = check_timeout;
    s.deadline = deadline;
    s
}

fn quick() -> Settings {
    settings(Duration::from_secs(30), Duration::from_secs(60))
}

fn statuses(report: &wpj::Report) -> Vec<(String, Status)> {
    report
        .findings()
        .iter()
        .map(|f| (f.check.to_string(), f.status))
        .collect()
}

#[test]
fn plan_orders_dependencies_first_and_keeps_given_order_otherwise() {
    let plan = Plan::new(vec![
        toy("contract", &["tls"], Behaviour::Pass),
        toy("dns", &[], Behaviour::Pass),
        toy("tls", &["dns"], Behaviour::Pass),
        toy("eventlog", &[], Behaviour::Pass),
    ])
    .unwrap();
    let ids: Vec<String> = plan.ids().iter().map(ToString::to_string).collect();
    assert_eq!(ids, ["dns", "tls", "contract", "eventlog"]);
}

#[test]
fn plan_rejects_bad_graphs() {
    let dup = Plan::new(vec![
        toy("a", &[], Behaviour::Pass),
        toy("a", &[], Behaviour::Pass),
    ]);
    assert_eq!(
        dup.unwrap_err(),
        PlanError::DuplicateId(CheckId::new_static("a"))
    );

    let missing = Plan::new(vec![toy("a", &["nope"], Behaviour::Pass)]).unwrap_err();
    assert!(
        matches!(missing, PlanError::UnknownDependency { ref missing, .. } if *missing == "nope")
    );

    let cycle = Plan::new(vec![
        toy("ok", &[], Behaviour::Pass),
        toy("a", &["b"], Behaviour::Pass),
        toy("b", &["a"], Behaviour::Pass),
    ])
    .unwrap_err();
    let PlanError::Cycle { cycle } = &cycle else {
        panic!("{cycle:?}")
    };
    assert_eq!(cycle, &[CheckId::new_static("a"), CheckId::new_static("b")]);
    assert!(
        PlanError::Cycle {
            cycle: cycle.clone()
        }
        .to_string()
        .contains("a → b")
    );
}

#[tokio::test]
async fn a_failed_dependency_skips_its_dependents_transitively() {
    let plan = Plan::new(vec![
        toy("dns", &[], Behaviour::Fail),
        toy("tls", &["dns"], Behaviour::Pass),
        toy("contract", &["tls"], Behaviour::Pass),
        toy("other", &[], Behaviour::Pass),
    ])
    .unwrap();
    let report = Runner::new().run(&plan, quick()).await;
    assert_eq!(
        statuses(&report),
        [
            ("dns".into(), Status::Fail),
            ("tls".into(), Status::Skipped),
            ("contract".into(), Status::Skipped),
            ("other".into(), Status::Pass),
        ]
    );
    let tls = report.finding("tls").unwrap();
    assert_eq!(
        tls.evidence,
        [Evidence::Dependency {
            check: CheckId::new_static("dns"),
            status: Status::Fail
        }]
    );
    let contract = report.finding("contract").unwrap();
    assert_eq!(
        contract.evidence,
        [Evidence::Dependency {
            check: CheckId::new_static("tls"),
            status: Status::Skipped
        }]
    );
    assert_eq!(report.verdict().unwrap().failure, JoinFailure::CertRevoked);
}

#[tokio::test]
async fn a_check_may_declare_it_runs_after_failure() {
    let plan = Plan::new(vec![
        toy("tls", &[], Behaviour::Fail),
        Box::new(Toy {
            id: CheckId::new_static("inspect"),
            deps: vec![CheckId::new_static("tls")],
            behaviour: Behaviour::Pass,
            after_failure: true,
        }),
    ])
    .unwrap();
    let report = Runner::new().run(&plan, quick()).await;
    assert_eq!(report.finding("inspect").unwrap().status, Status::Pass);
}

#[tokio::test]
async fn outputs_flow_to_dependents() {
    let plan = Plan::new(vec![
        toy("producer", &[], Behaviour::Output(42)),
        toy("consumer", &["producer"], Behaviour::ReadOutput),
    ])
    .unwrap();
    let report = Runner::new().run(&plan, quick()).await;
    assert_eq!(report.finding("consumer").unwrap().summary, "read 42");
}

#[tokio::test]
async fn a_check_that_overruns_its_timeout_becomes_a_timeout_finding() {
    let plan = Plan::new(vec![
        toy("slow", &[], Behaviour::Hang),
        toy("after-slow", &["slow"], Behaviour::Pass),
        toy("fast", &[], Behaviour::Pass),
    ])
    .unwrap();
    let report = Runner::new()
        .run(
            &plan,
            settings(Duration::from_millis(200), Duration::from_secs(60)),
        )
        .await;
    let slow = report.finding("slow").unwrap();
    assert_eq!(slow.status, Status::Fail);
    assert_eq!(slow.failure, Some(JoinFailure::Timeout));
    assert_eq!(
        slow.evidence,
        [Evidence::Timeout {
            limit: Duration::from_millis(200),
            scope: TimeoutScope::Check
        }]
    );
    assert_eq!(
        report.finding("after-slow").unwrap().status,
        Status::Skipped
    );
    assert_eq!(report.finding("fast").unwrap().status, Status::Pass);
}

#[tokio::test]
async fn the_global_deadline_ends_running_checks_and_skips_the_rest() {
    let plan = Plan::new(vec![
        toy("hang", &[], Behaviour::Hang),
        toy("later", &["hang"], Behaviour::Pass),
    ])
    .unwrap();
    let report = Runner::new()
        .run(
            &plan,
            settings(Duration::from_secs(3600), Duration::from_millis(300)),
        )
        .await;
    let hang = report.finding("hang").unwrap();
    assert_eq!(hang.failure, Some(JoinFailure::Timeout));
    assert!(matches!(
        hang.evidence.as_slice(),
        [Evidence::Timeout {
            scope: TimeoutScope::Deadline,
            ..
        }]
    ));
    assert_eq!(report.finding("later").unwrap().status, Status::Skipped);
    assert!(report.elapsed() < Duration::from_secs(3600));
}

#[tokio::test]
async fn a_panicking_check_becomes_an_error_finding_and_the_report_is_still_produced() {
    let plan = Plan::new(vec![
        toy("boom", &[], Behaviour::Panic),
        toy("fine", &[], Behaviour::Pass),
        toy("needs-boom", &["boom"], Behaviour::Pass),
    ])
    .unwrap();
    let report = Runner::new().run(&plan, quick()).await;
    let boom = report.finding("boom").unwrap();
    assert_eq!(boom.status, Status::Error);
    assert_eq!(
        boom.evidence,
        [Evidence::Panic {
            message: "toy check boom exploded".into()
        }]
    );
    assert_eq!(report.finding("fine").unwrap().status, Status::Pass);
    assert_eq!(
        report.finding("needs-boom").unwrap().status,
        Status::Skipped
    );
    // An internal error is not a Windows failure: no verdict, but it is listed as a problem.
    assert!(report.verdict().is_none());
    assert_eq!(report.problems().count(), 1);
}

#[tokio::test]
async fn independent_checks_run_concurrently() {
    // `waiter` comes first in the plan and can only finish once `waker` has run: if the runner ran
    // checks one after another, `waiter` would block and time out.
    let notify = Arc::new(Notify::new());
    let plan = Plan::new(vec![
        toy("waiter", &[], Behaviour::WaitFor(Arc::clone(&notify))),
        toy("waker", &[], Behaviour::Wake(notify)),
    ])
    .unwrap();
    let report = Runner::new()
        .run(
            &plan,
            settings(Duration::from_secs(20), Duration::from_secs(30)),
        )
        .await;
    assert_eq!(
        statuses(&report),
        [
            ("waiter".into(), Status::Pass),
            ("waker".into(), Status::Pass)
        ]
    );
}

#[tokio::test]
async fn progress_events_bracket_every_check() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&events);
    let plan = Plan::new(vec![
        toy("a", &[], Behaviour::Fail),
        toy("b", &["a"], Behaviour::Pass),
    ])
    .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let runner = Runner::new().on_progress(move |e| sink.lock().unwrap().push(e.clone()));
    runner.run(&plan, quick()).await;
    let events = events.lock().unwrap().clone();
    assert!(matches!(&events[0], ProgressEvent::Started { check } if *check == "a"));
    assert!(
        matches!(&events[1], ProgressEvent::Finished { check, status: Status::Fail, .. } if *check == "a")
    );
    // A skipped check is reported finished without being started.
    assert!(
        matches!(&events[2], ProgressEvent::Finished { check, status: Status::Skipped, .. } if *check == "b")
    );
    assert_eq!(events.len(), 3);

    Runner::new().progress_channel(tx).run(&plan, quick()).await;
    let mut n = 0;
    while rx.try_recv().is_ok() {
        n += 1;
    }
    assert_eq!(n, 3);
}

#[tokio::test]
async fn the_report_is_json_with_a_schema_version() {
    let plan = Plan::new(vec![toy("tls", &[], Behaviour::Fail)]).unwrap();
    let report = Runner::new().run(&plan, quick()).await;
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["schema_version"], wpj::SCHEMA_VERSION);
    assert_eq!(json["target"], "contoso.com");
    assert_eq!(json["verdict"]["hresult"], "0x80072F8A");
    assert_eq!(json["verdict"]["kb"], "KB3045383");
    // Windows 10/11 (the default client) logs the WinHTTP code inside DSREG_AUTOJOIN_DISC_FAILED.
    assert_eq!(json["client"], "windows-10");
    assert_eq!(json["verdict"]["client"], "windows-10");
    assert_eq!(json["verdict"]["outer"], "0x801C0021");
    assert_eq!(json["verdict"]["event"]["log"], "user-device-registration");
    assert_eq!(json["verdict"]["event"]["id"], 200);
    assert_eq!(json["findings"][0]["status"], "fail");
    assert_eq!(json["findings"][0]["failure"], "cert-revoked");
    let back: wpj::Report = serde_json::from_value(json).unwrap();
    assert_eq!(back.verdict(), report.verdict());
    let text = report.to_string();
    assert!(
        text.contains(
            "Verdict: A Windows 10/11 device would fail with event 200, 0x801C0021/0x80072F8A"
        ),
        "{text}"
    );
    assert!(text.contains("(KB3045383)"), "{text}");

    // Windows 8.1 logs it as it is: event 102 in the Workplace Join log.
    let mut settings = quick();
    settings.client = wpj::Client::Windows81;
    let report = Runner::new().run(&plan, settings).await;
    let v = report.verdict().unwrap();
    assert_eq!(v.outer, None);
    assert_eq!(
        v.event.map(|e| (e.log, e.id)),
        Some((wpj::EventLog::WorkplaceJoin, 102))
    );
    assert!(
        v.to_string()
            .starts_with("A Windows 8.1 device would fail with event 102, 0x80072F8A"),
        "{v}"
    );
}

#[tokio::test]
async fn outputs_of_indirect_dependencies_are_visible_too() {
    let plan = Plan::new(vec![
        toy("producer", &[], Behaviour::Output(7)),
        toy("middle", &["producer"], Behaviour::Pass),
        toy("consumer", &["middle"], Behaviour::ReadOutput),
    ])
    .unwrap();
    let report = Runner::new().run(&plan, quick()).await;
    assert_eq!(report.finding("consumer").unwrap().summary, "read 7");
}
