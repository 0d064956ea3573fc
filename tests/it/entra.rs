//! Windows 10/11 and Microsoft Entra ID: after tenant discovery, Microsoft's sign-in hosts, the
//! user realm, and a federated domain's federation service, against lab endpoints whose
//! certificates name only their own hosts.

use wpj::{Evidence, JoinFailure, Stage, Status};

use crate::support::{lab, quick, step};

fn urls(f: &wpj::Finding) -> Vec<(String, Option<std::net::SocketAddr>, Option<u16>)> {
    f.evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::Http(h) => Some((h.url.clone(), h.address, h.status)),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_managed_domain_signs_in_at_microsoft() {
    let lab = lab("healthy-entra").await;
    let report = wpj::diagnose(quick(&lab)).await;
    assert!(!report.has_failures(), "{report}");
    let f = step(&report, "entra-sign-in");
    assert_eq!(f.status, Status::Pass, "{f:?}");
    assert_eq!(f.stage, Stage::SignIn);
    // The sign-in hosts and the realm's type are in no typed field (no per-host evidence, the user
    // realm's answer only as a body excerpt): the summary names them for the admin.
    for host in [
        "login.microsoftonline.com",
        "device.login.microsoftonline.com",
    ] {
        assert!(
            f.summary.contains(&format!("{host} (127.0.0.1:")),
            "{}",
            f.summary
        );
    }
    assert!(
        f.summary.contains("fabrikam.test is managed"),
        "{}",
        f.summary
    );
    let asked = urls(f);
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert!(
        asked[0]
            .0
            .contains("/common/UserRealm/?user=user@fabrikam.test&api-version=1.0"),
        "{asked:?}"
    );
    assert_eq!(asked[0].2, Some(200));
}

#[tokio::test]
async fn a_federated_domain_is_followed_to_its_federation_service_in_every_view() {
    let lab = lab("entra-federated").await;
    let report = wpj::diagnose(quick(&lab)).await;
    assert!(!report.has_failures(), "{report}");
    let f = step(&report, "entra-sign-in");
    assert_eq!(f.status, Status::Pass, "{f:?}");
    let asked = urls(f);
    let mex: Vec<_> = asked
        .iter()
        .filter(|(u, _, _)| u.ends_with("/adfs/services/trust/mex"))
        .collect();
    assert_eq!(mex.len(), 2, "both views: {asked:?}");
    assert!(
        mex.iter()
            .all(|(u, _, s)| u.starts_with("https://sts.fabrikam.test:") && *s == Some(200)),
        "federated at sts.fabrikam.test: {asked:?}"
    );
    let proxy = std::net::IpAddr::V4(wpj_testkit::lab::PROXY_IP);
    assert!(
        mex.iter()
            .any(|(_, a, _)| a.is_some_and(|a| a.ip() == proxy))
    );
    let transport: Vec<_> = asked
        .iter()
        .filter(|(u, _, _)| u.ends_with("/adfs/services/trust/13/windowstransport"))
        .collect();
    assert_eq!(transport.len(), 1, "inside only: {asked:?}");
    assert!(transport[0].1.is_some_and(|a| a.ip() != proxy));
    assert_eq!(transport[0].2, Some(401), "asks for Windows authentication");
}

#[tokio::test]
async fn blocked_sign_in_hosts_are_a_sign_in_verdict() {
    let lab = lab("entra-login-blocked").await;
    let report = wpj::diagnose(quick(&lab)).await;
    assert_eq!(step(&report, "contract").status, Status::Pass, "{report}");
    let v = report.verdict().expect("verdict");
    assert_eq!(v.check, "entra-sign-in");
    assert_eq!(v.stage, Stage::SignIn);
    assert_eq!(v.failure, JoinFailure::CannotConnect);
    assert_eq!(v.kb.map(|k| k.to_string()).as_deref(), Some("KB3045378"));
    // No typed evidence names the sign-in host and address tried: the words do.
    assert!(
        v.summary.contains("login.microsoftonline.com (127.0.0.8:"),
        "{}",
        v.summary
    );
}

#[tokio::test]
async fn an_unknown_realm_is_user_realm_discovery_failed() {
    let lab = lab("entra-realm-unknown").await;
    let report = wpj::diagnose(quick(&lab)).await;
    let v = report.verdict().expect("verdict");
    assert_eq!(v.check, "entra-sign-in");
    assert_eq!(v.failure, JoinFailure::DsregUserRealmDiscoveryFailed);
    assert_eq!(v.hresult.map(|h| h.0), Some(0x801C_003D));
    let realm: Vec<Option<u16>> = urls(step(&report, "entra-sign-in"))
        .iter()
        .filter(|(u, _, _)| u.contains("/common/UserRealm/"))
        .map(|(_, _, s)| *s)
        .collect();
    assert_eq!(realm, [Some(200)], "the realm answered");
    // The realm's NameSpaceType is in no typed field.
    assert!(v.summary.contains("NameSpaceType Unknown"), "{}", v.summary);
}

#[tokio::test]
async fn windows_8_1_does_not_sign_in_at_microsoft() {
    let lab = lab("entra-login-blocked").await;
    let mut settings = quick(&lab);
    settings.client = wpj::Client::Windows81;
    let report = wpj::diagnose(settings).await;
    assert_eq!(step(&report, "entra-sign-in").status, Status::Skipped);
}

/// Diagnoses Microsoft's tenant discovery answering `status` (with `Retry-After: retry_after`
/// seconds when given): the contract step's verdict, and the discover requests it made.
async fn throttled(
    status: u16,
    retry_after: Option<u32>,
) -> (wpj::Verdict, Vec<wpj::HttpExchange>) {
    let spec = wpj_testkit::LabSpec {
        contract: wpj_testkit::https::ContractFault::Throttled {
            status,
            retry_after,
        },
        ..wpj_testkit::LabSpec::entra()
    };
    let lab = wpj_testkit::Lab::start(spec).await.expect("lab starts");
    let report = wpj::diagnose(quick(&lab)).await;
    let v = report.verdict().expect("verdict").clone();
    assert_eq!(v.check, "contract");
    assert_eq!(v.stage, Stage::Discovery);
    let discover = crate::support::exchanges(step(&report, "contract"))
        .into_iter()
        .filter(|h| h.url.ends_with("/fabrikam.test/discover?api-version=1.7"))
        .cloned()
        .collect();
    (v, discover)
}

fn retry_after_header(h: &wpj::HttpExchange) -> Option<&str> {
    h.headers
        .iter()
        .find(|(n, _)| n == "retry-after")
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn throttled_tenant_discovery_is_asked_once_and_shows_retry_after() {
    let (v, discover) = throttled(429, Some(120)).await;
    // No DSREG code is documented for 429: an HTTP error, said to be unconfirmed.
    assert_eq!(v.failure, JoinFailure::HttpError);
    assert_eq!(v.client, Some(wpj::Client::Windows10));
    assert_eq!(discover.len(), 1, "asked once, never retried: {discover:?}");
    assert_eq!(discover[0].status, Some(429));
    assert_eq!(retry_after_header(&discover[0]), Some("120"));
    for said in [
        "it asks to be asked again in 120 s (Retry-After)",
        "this tool asked once and does not retry",
        "the service's error code is \"TooManyRequests\"",
        "for HTTP 429 is unconfirmed",
    ] {
        assert!(v.summary.contains(said), "{said}: {}", v.summary);
    }
    assert!(
        v.remediation
            .starts_with("Wait as long as the service asks"),
        "{}",
        v.remediation
    );
}

#[tokio::test]
async fn throttled_tenant_discovery_without_retry_after_says_so() {
    let (v, discover) = throttled(429, None).await;
    assert_eq!(v.failure, JoinFailure::HttpError);
    assert_eq!(discover.len(), 1, "{discover:?}");
    assert_eq!(retry_after_header(&discover[0]), None);
    assert!(
        v.summary.contains("it gives no Retry-After"),
        "{}",
        v.summary
    );
}

#[tokio::test]
async fn busy_tenant_discovery_is_dsreg_server_busy() {
    let (v, discover) = throttled(503, Some(30)).await;
    assert_eq!(v.failure, JoinFailure::DsregServerBusy);
    assert_eq!(v.hresult.map(|h| h.0), Some(0x801C_0025));
    assert_eq!(discover.len(), 1, "{discover:?}");
    assert!(
        v.summary.contains("asked again in 30 s (Retry-After)"),
        "{}",
        v.summary
    );
    assert!(!v.summary.contains("unconfirmed"), "{}", v.summary);
}

#[tokio::test]
async fn the_error_code_of_a_discover_answer_is_shown() {
    let lab = lab("entra-discover-error").await;
    let report = wpj::diagnose(quick(&lab)).await;
    let v = report.verdict().expect("verdict");
    assert_eq!(v.failure, JoinFailure::DsregTenantNotFound);
    assert!(
        v.summary.contains("the service's error code is \"DirectoryError\" (\"The domain fabrikam.test is not a verified domain of any tenant (lab fault).\")"),
        "{}",
        v.summary
    );
    // Not a throttling answer: nothing about retrying.
    assert!(!v.summary.contains("Retry-After"), "{}", v.summary);
}
