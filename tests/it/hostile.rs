//! Hostile servers (`Scenario::hostile`): every diagnosis ends by its deadline with a typed
//! outcome, reads no more than its caps and budget, follows no probe redirect, and prints no
//! escape sequence a server planted.

use std::time::{Duration, Instant};

use wpj::{CrlOutcome, Evidence, JoinFailure, Report, Status};
use wpj_testkit::{Expected, Scenario};

use crate::support::{run_example, step};

/// The run's deadline in these tests.
const DEADLINE: Duration = Duration::from_secs(3);
/// What a run may take past its deadline here: generous, machines are noisy.
const MARGIN: Duration = Duration::from_secs(2);
/// The network timeout of these runs.
const NETWORK_TIMEOUT: Duration = Duration::from_secs(2);

/// Diagnoses a scenario under a 3 s deadline; asserts the run ended in time (+ a margin) with the
/// outcome the catalogue gives the scenario.
async fn diagnose(name: &str) -> Report {
    let scenario = Scenario::find(name).unwrap_or_else(|| panic!("no scenario {name}"));
    let lab = scenario.start().await.expect("lab starts");
    let mut settings = lab.settings();
    settings.deadline = DEADLINE;
    settings.network_timeout = NETWORK_TIMEOUT;
    settings.dns_timeout = Duration::from_secs(1);
    let started = Instant::now();
    let report = wpj::diagnose(settings).await;
    let elapsed = started.elapsed();
    assert!(
        elapsed < DEADLINE + MARGIN,
        "{name}: the run took {elapsed:?}, its deadline is {DEADLINE:?}"
    );
    assert_eq!(Expected::of(&report), scenario.expected, "{name}: {report}");
    report
}

/// The verdict's failure, and the summary of the finding of `check`, which carries it.
fn failed(report: &Report, check: &str, failure: JoinFailure) -> String {
    let finding = step(report, check);
    assert_eq!(finding.status, Status::Fail, "{finding:?}");
    assert_eq!(finding.failure, Some(failure), "{finding:?}");
    finding.summary.clone()
}

/// The summary of a farm-health failure of `check`.
fn unhealthy(report: &Report, check: &str) -> String {
    let finding = step(report, check);
    assert_eq!(finding.status, Status::Fail, "{finding:?}");
    assert!(report.verdict().is_none(), "{report}");
    finding.summary.clone()
}

#[test]
fn hostile_scenarios_are_named_described_and_kept_out_of_the_demos() {
    let hostile = Scenario::hostile();
    let all = Scenario::all();
    assert!(hostile.len() >= 17);
    let mut names: Vec<_> = hostile.iter().map(|s| s.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), hostile.len(), "unique names");
    for s in &hostile {
        assert!(s.name.starts_with("hostile-"), "{}", s.name);
        assert!(!s.description.is_empty(), "{}", s.name);
        assert!(!all.iter().any(|a| a.name == s.name), "{} in all()", s.name);
        assert_eq!(Scenario::find(s.name).as_ref(), Some(s));
    }
}

#[tokio::test]
async fn garbage_dns_answers_resolve_nothing() {
    let report = diagnose("hostile-dns-garbage").await;
    let summary = failed(&report, "dns", JoinFailure::NameNotResolved);
    assert!(summary.contains("does not resolve"), "{summary}");
}

#[tokio::test]
async fn a_cname_loop_resolves_nothing() {
    let report = diagnose("hostile-dns-cname-loop").await;
    let summary = failed(&report, "dns", JoinFailure::NameNotResolved);
    assert!(summary.contains("does not resolve"), "{summary}");
}

#[tokio::test]
async fn a_server_answering_garbage_instead_of_tls_is_a_connection_error() {
    let report = diagnose("hostile-tls-garbage").await;
    let summary = failed(&report, "tls", JoinFailure::ConnectionError);
    assert!(summary.contains("no TLS session"), "{summary}");
}

#[tokio::test]
async fn a_stalled_tls_server_times_out_within_the_deadline() {
    let report = diagnose("tls-stall").await;
    failed(&report, "tls", JoinFailure::Timeout);
}

#[tokio::test]
async fn a_1_gib_contract_is_abandoned_at_its_cap() {
    let report = diagnose("hostile-contract-1gb").await;
    let summary = failed(&report, "contract", JoinFailure::InvalidData);
    assert!(summary.contains("larger than 1048576 bytes"), "{summary}");
}

#[tokio::test]
async fn a_gzip_bomb_is_never_inflated() {
    let report = diagnose("hostile-gzip-bomb").await;
    let summary = failed(&report, "contract", JoinFailure::InvalidData);
    assert!(summary.contains("not valid JSON"), "{summary}");
}

#[tokio::test]
async fn an_xml_bomb_contract_is_refused_unexpanded() {
    let report = diagnose("hostile-xml-bomb-contract").await;
    let summary = failed(&report, "contract", JoinFailure::InvalidData);
    assert!(summary.contains("not valid XML"), "{summary}");
    assert!(
        !summary.contains("lollollol"),
        "nothing expanded: {summary}"
    );
}

#[tokio::test]
async fn an_external_entity_in_the_contract_is_never_resolved() {
    let report = diagnose("hostile-xxe-contract").await;
    let summary = failed(&report, "contract", JoinFailure::InvalidData);
    assert!(summary.contains("not valid XML"), "{summary}");
    assert!(!report.to_string().contains("root:"), "no /etc/passwd");
}

#[tokio::test]
async fn deeply_nested_json_is_refused() {
    let report = diagnose("hostile-nested-json").await;
    let summary = failed(&report, "contract", JoinFailure::InvalidData);
    assert!(summary.contains("not valid JSON"), "{summary}");
}

#[tokio::test]
async fn twenty_huge_crls_are_stopped_by_the_run_budget() {
    let report = diagnose("hostile-crl-flood").await;
    // The budget is this tool's limit, not something a device meets: the step says it could not
    // tell, and no device verdict comes of it.
    let revocation = step(&report, "revocation");
    assert_eq!(revocation.status, Status::Error, "{revocation:?}");
    assert_eq!(revocation.failure, None);
    assert!(report.verdict().is_none(), "{report}");
    let leaf = revocation
        .evidence
        .iter()
        .find_map(|e| match e {
            Evidence::Revocation(r) if r.position == 0 => Some(r),
            _ => None,
        })
        .expect("the leaf's revocation record");
    assert_eq!(leaf.crls.len(), wpj_testkit::hostile::CRL_FLOOD_URLS);
    let budget = wpj_net::Limits::default().run_budget;
    for crl in &leaf.crls {
        match &crl.outcome {
            CrlOutcome::NotRead(why) => assert_eq!(
                why,
                &format!("not read: this run has already read its budget of {budget} bytes")
            ),
            // On a machine too slow to read the budget within the network timeout.
            CrlOutcome::Unreachable(why) => assert!(why.starts_with("timed out"), "{why}"),
            other => panic!("{}: {other}", crl.url),
        }
    }
    assert!(
        leaf.crls
            .iter()
            .any(|c| matches!(c.outcome, CrlOutcome::NotRead(_))),
        "the budget stopped it: {leaf:?}"
    );
}

#[tokio::test]
async fn a_crl_of_two_million_entries_is_read_and_refused() {
    let report = diagnose("hostile-crl-2m-entries").await;
    let summary = failed(&report, "revocation", JoinFailure::RevocationOffline);
    assert!(summary.contains("/pki/issuing.crl: "), "{summary}");
}

#[tokio::test]
async fn endless_federation_metadata_is_abandoned_at_its_cap() {
    let report = diagnose("hostile-endless-metadata").await;
    let summary = unhealthy(&report, "adfs-federation");
    let cap = wpj_net::Limits::default().metadata;
    assert!(
        summary.contains(&format!(
            "FederationMetadata.xml cannot be read: the body is larger than {cap} bytes"
        )),
        "{summary}"
    );
}

#[tokio::test]
async fn an_xml_bomb_in_the_metadata_is_refused_unexpanded() {
    let report = diagnose("hostile-xml-bomb-metadata").await;
    let summary = unhealthy(&report, "adfs-federation");
    assert!(summary.contains("is not XML"), "{summary}");
}

#[tokio::test]
async fn an_external_entity_in_the_metadata_is_never_resolved() {
    let report = diagnose("hostile-xxe-metadata").await;
    let summary = unhealthy(&report, "adfs-federation");
    assert!(summary.contains("is not XML"), "{summary}");
    assert!(!report.to_string().contains("root:"), "no /etc/passwd");
}

#[tokio::test]
async fn a_probe_redirect_is_reported_and_not_followed() {
    let report = diagnose("hostile-probe-redirect").await;
    let summary = unhealthy(&report, "adfs-probe");
    assert!(summary.contains("answers HTTP 302"), "{summary}");
    let probe = step(&report, "adfs-probe");
    let answers: Vec<_> = probe
        .evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::Probe(p) => Some(p),
            _ => None,
        })
        .collect();
    assert_eq!(answers.len(), 1, "{probe:?}");
    assert_eq!(answers[0].status, Some(302));
    // Following it would have waited for the black hole until the network timeout.
    assert!(probe.elapsed < NETWORK_TIMEOUT, "{:?}", probe.elapsed);
}

/// The raw bytes a hostile server planted, which must never reach a terminal.
fn assert_printable(text: &str, what: &str) {
    for (byte, name) in [('\u{1b}', "ESC"), ('\u{7}', "BEL"), ('\r', "CR")] {
        assert!(!text.contains(byte), "{what}: raw {name} in:\n{text:?}");
    }
}

/// The report's text, and `diagnose --demo <name>`'s text output, carry no escape sequence; its
/// JSON keeps the planted string, escaped.
async fn escapes_are_neutralised(name: &str) {
    let report = diagnose(name).await;
    assert_printable(&report.to_string(), &format!("{name}: report text"));
    for args in [vec!["--demo", name], vec!["--demo", name, "--verbose"]] {
        let out = run_example("diagnose", &args);
        let text = String::from_utf8_lossy(&out.stdout);
        let what = format!("diagnose {}", args.join(" "));
        assert!(text.contains(name), "{what}: {text}");
        // In a pipe the tool paints nothing: no ESC at all may remain.
        assert_printable(&text, &what);
    }
    let out = run_example("diagnose", &["--demo", name, "--format", "json"]);
    let json = String::from_utf8_lossy(&out.stdout);
    assert!(
        !json.contains('\u{1b}') && json.contains("\\u001b[2J"),
        "{name}: JSON keeps the raw string, escaped: {json}"
    );
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert!(parsed.to_string().contains("\\u001b[2J"));
}

#[tokio::test]
async fn escape_sequences_in_the_contract_never_reach_the_terminal() {
    escapes_are_neutralised("hostile-escape-contract").await;
}

#[tokio::test]
async fn escape_sequences_in_the_certificate_subject_never_reach_the_terminal() {
    escapes_are_neutralised("hostile-escape-subject").await;
}

#[tokio::test]
async fn escape_sequences_in_a_crl_url_never_reach_the_terminal() {
    escapes_are_neutralised("hostile-escape-crl-url").await;
}

/// Runs `check` as a run whose byte budget is `budget`, after `dependencies` (findings of another
/// run of the same lab).
async fn with_budget(
    settings: wpj::Settings,
    budget: u64,
    check: &dyn wpj::Check,
    dependencies: Vec<std::sync::Arc<wpj::Finding>>,
) -> wpj::Finding {
    let run = wpj::Context::new(settings);
    let limits = wpj_net::Limits {
        run_budget: budget,
        ..wpj_net::Limits::default()
    };
    wpj_net::Net::for_run_with(&run, limits).expect("the run's network layer");
    check.run(&run.for_check(dependencies, None)).await
}

/// The budget's own words, as every request it stops says them.
fn budget_words(budget: u64) -> String {
    format!("not read: this run has already read its budget of {budget} bytes")
}

#[tokio::test]
async fn entra_sign_in_stopped_by_the_run_budget_is_the_tools_error() {
    let lab = crate::support::lab("healthy-entra").await;
    let mut settings = crate::support::quick(&lab);
    settings.mode = wpj::Mode::Entra;
    let f = with_budget(settings, 0, &wpj::discovery::EntraSignInCheck, vec![]).await;
    // The sign-in hosts' CRLs and the user realm were not read: nothing a device meets.
    assert_eq!(f.status, Status::Error, "{f:?}");
    assert_eq!(f.failure, None);
    assert!(
        f.summary.starts_with("not judged, a limit of this tool: "),
        "{}",
        f.summary
    );
    assert!(f.summary.contains(&budget_words(0)), "{}", f.summary);
    let realm = crate::support::exchanges(&f)
        .into_iter()
        .find(|x| x.url.contains("/common/UserRealm/"))
        .expect("the user realm was asked");
    assert_eq!(realm.error.as_deref(), Some(budget_words(0).as_str()));
}

#[tokio::test]
async fn adfs_sign_in_stopped_by_the_run_budget_is_the_tools_error() {
    let lab = crate::support::lab("healthy-onprem").await;
    let settings = crate::support::quick(&lab);
    // The discovery steps of an ordinary run name the federation service; the sign-in step then
    // runs with nothing left to read.
    let report = wpj::diagnose(settings.clone()).await;
    assert!(report.verdict().is_none(), "{report}");
    let dependencies = ["dns", "contract"]
        .map(|id| std::sync::Arc::new(step(&report, id).clone()))
        .to_vec();
    let f = with_budget(settings, 0, &wpj::adfs::SignInCheck, dependencies).await;
    assert_eq!(f.status, Status::Error, "{f:?}");
    assert_eq!(f.failure, None);
    // The CRLs of the federation service's chain were not read: its revocation is not known.
    assert!(f.summary.contains(&budget_words(0)), "{}", f.summary);
    assert!(f.summary.contains("a limit of this tool"), "{}", f.summary);
}
