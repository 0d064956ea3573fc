//! The contract request against the lab's registration service: statuses, redirects, documents,
//! portals, stalls, proxies, and results masked by an earlier failure.

use wpj::{Evidence, Finding, JoinFailure, Plan, Report, Runner, Settings, Status};
use wpj_testkit::https::ContractFault;
use wpj_testkit::lab::Revoked;
use wpj_testkit::proxy::ConnectProxy;
use wpj_testkit::{Lab, LabSpec};

use crate::support::{exchanges, lab, quick, step};

async fn diagnose(settings: Settings) -> Report {
    Runner::new().run(&Plan::standard(), settings).await
}

async fn contract_of(scenario: &str) -> (Report, Finding) {
    let lab = lab(scenario).await;
    let report = diagnose(quick(&lab)).await;
    let contract = step(&report, "contract").clone();
    (report, contract)
}

fn header<'h>(h: &'h wpj::HttpExchange, name: &str) -> Option<&'h str> {
    h.headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

fn documents(f: &Finding) -> Vec<&wpj::DiscoveryDocument> {
    f.evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::Document(d) => Some(d),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn healthy_contract_is_a_valid_document() {
    let (report, contract) = contract_of("healthy-onprem").await;
    assert_eq!(contract.status, Status::Pass, "{contract:?}");
    assert!(report.verdict().is_none(), "{report}");
    let ex = exchanges(&contract);
    assert_eq!(ex.len(), 1);
    assert_eq!(ex[0].status, Some(200));
    assert_eq!(ex[0].accept.as_deref(), Some("application/json"));
    assert_eq!(ex[0].path, "direct");
    assert!(!ex[0].inspection);
    let docs = documents(&contract);
    assert_eq!(docs.len(), 1, "{contract:?}");
    assert_eq!(docs[0].format, "json");
    assert_eq!(
        docs[0].get("DeviceRegistrationService.RegistrationEndpoint"),
        Some("https://sts.contoso.test/EnrollmentServer/DeviceEnrollmentWebService.svc")
    );
}

#[tokio::test]
async fn both_versions_in_json_and_xml() {
    let lab = lab("healthy-onprem").await;
    let mut settings = quick(&lab);
    settings.api_versions = vec!["1.0".into(), "1.2".into()];
    settings.check_xml = true;
    let report = diagnose(settings).await;
    let contract = step(&report, "contract");
    assert_eq!(contract.status, Status::Pass, "{contract:?}");
    let docs = documents(contract);
    let shape: Vec<(&str, &str)> = docs
        .iter()
        .map(|d| (d.api_version.as_str(), d.format.as_str()))
        .collect();
    assert_eq!(
        shape,
        [
            ("1.0", "json"),
            ("1.0", "xml"),
            ("1.2", "json"),
            ("1.2", "xml")
        ]
    );
    assert_eq!(
        docs[3].get("DeviceJoinService.JoinEndpoint"),
        Some("https://sts.contoso.test/EnrollmentServer/device/")
    );
    assert_eq!(
        docs[1].get("DeviceRegistrationService.RegistrationResourceId"),
        Some("urn:ms-drs:sts.contoso.test")
    );
}

#[tokio::test]
async fn entra_asks_microsofts_tenant_discovery_and_the_old_contract() {
    let (_, contract) = contract_of("healthy-entra").await;
    assert_eq!(contract.status, Status::Pass, "{contract:?}");
    let ex = exchanges(&contract);
    assert_eq!(ex.len(), 2);
    for e in &ex {
        assert!(
            e.url
                .starts_with("https://enterpriseregistration.windows.net:"),
            "{}",
            e.url
        );
        assert_eq!(e.status, Some(200), "{e:?}");
    }
    // The lab answers 1.7 only with the dsreg client headers: a 200 proves they were sent.
    assert!(
        ex[0]
            .url
            .ends_with("/fabrikam.test/discover?api-version=1.7"),
        "{}",
        ex[0].url
    );
    assert!(
        ex[1]
            .url
            .ends_with("/fabrikam.test/enrollmentserver/contract?api-version=1.0"),
        "{}",
        ex[1].url
    );
    let documents = documents(&contract);
    assert_eq!(documents.len(), 1);
    assert_eq!(
        (
            documents[0].api_version.as_str(),
            documents[0].format.as_str()
        ),
        ("1.7", "json")
    );
    assert_eq!(
        documents[0].get("DeviceJoinService.JoinResourceId"),
        Some("urn:ms-drs:enterpriseregistration.windows.net")
    );
}

/// Windows 8.1 logs an error status as event 103 with the status; Windows 10/11 logs HTTP 503 as
/// `DSREG_SERVER_BUSY` and has no Workplace Join event for the others.
#[tokio::test]
async fn error_statuses_are_event_103() {
    for (scenario, status, failure, kb, windows10_outer) in [
        (
            "contract-404",
            404,
            JoinFailure::ContractNotFound,
            Some("KB3045386"),
            None,
        ),
        (
            "contract-503",
            503,
            JoinFailure::ServiceUnavailable,
            Some("KB3045388"),
            Some("0x801C0025"),
        ),
        ("contract-500", 500, JoinFailure::HttpError, None, None),
    ] {
        let lab = lab(scenario).await;
        let mut settings = quick(&lab);
        settings.client = wpj::Client::Windows81;
        let report = diagnose(settings).await;
        let contract = step(&report, "contract");
        assert_eq!(contract.failure, Some(failure), "{scenario}");
        let v = report.verdict().unwrap();
        assert_eq!(v.failure, failure, "{scenario}");
        assert_eq!(v.event.unwrap().id, 103, "{scenario}");
        assert_eq!(v.kb.map(|k| k.to_string()).as_deref(), kb, "{scenario}");
        let statuses: Vec<Option<u16>> = exchanges(contract).iter().map(|e| e.status).collect();
        assert_eq!(statuses, [Some(status)], "{scenario}: {contract:?}");
        assert!(documents(contract).is_empty(), "{scenario}");

        let (report, _) = contract_of(scenario).await;
        let v = report.verdict().unwrap();
        assert_eq!(v.failure, failure, "{scenario}");
        assert_eq!(
            v.outer.map(|h| h.to_string()).as_deref(),
            windows10_outer,
            "{scenario}"
        );
    }
    let lab = lab("contract-404").await;
    let mut settings = quick(&lab);
    settings.client = wpj::Client::Windows81;
    let report = diagnose(settings).await;
    assert_eq!(report.verdict().unwrap().http_status, Some(404));
    // What an admin reads.
    assert!(
        report
            .verdict()
            .unwrap()
            .to_string()
            .starts_with("A Windows 8.1 device would fail with event 103, HTTP 404"),
        "{}",
        report.verdict().unwrap()
    );
}

#[tokio::test]
async fn a_captive_portal_page_is_invalid_data_with_an_excerpt() {
    let (report, contract) = contract_of("captive-portal").await;
    assert_eq!(contract.failure, Some(JoinFailure::InvalidData));
    let ex = exchanges(&contract);
    assert_eq!(ex[0].status, Some(200), "{contract:?}");
    assert!(
        header(ex[0], "content-type").is_some_and(|t| t.starts_with("text/html")),
        "an HTML page: {contract:?}"
    );
    assert!(documents(&contract).is_empty(), "{contract:?}");
    // The admin is shown the page's start, to recognise the portal.
    assert!(
        contract.summary.contains("Guest Wi-Fi"),
        "{}",
        contract.summary
    );
    assert_eq!(
        report.verdict().unwrap().hresult.unwrap().to_string(),
        "0x8007000D"
    );
    assert!(
        exchanges(&contract)[0]
            .body_excerpt
            .as_deref()
            .unwrap()
            .contains("<!DOCTYPE html>")
    );
}

#[tokio::test]
async fn a_document_missing_members_is_invalid_data() {
    let (_, contract) = contract_of("incomplete-document").await;
    assert_eq!(contract.failure, Some(JoinFailure::InvalidData));
    let ex = exchanges(&contract);
    assert_eq!(ex[0].status, Some(200), "{contract:?}");
    assert!(
        header(ex[0], "content-type").is_some_and(|t| t.starts_with("application/json")),
        "{contract:?}"
    );
    // An unusable document is not kept as `Evidence::Document`: the missing members are named only
    // in the words.
    assert!(documents(&contract).is_empty(), "{contract:?}");
    assert!(
        contract
            .summary
            .contains("required members missing: IdentityProviderService.PassiveAuthEndpoint"),
        "{}",
        contract.summary
    );
}

#[tokio::test]
async fn redirects() {
    let (_, same) = contract_of("redirect-same-host").await;
    assert_eq!(same.status, Status::Pass, "{same:?}");
    let hops: Vec<Option<u16>> = exchanges(&same).iter().map(|e| e.status).collect();
    assert_eq!(hops, [Some(302), Some(200)], "after 1 redirect");
    assert_eq!(documents(&same).len(), 1, "{same:?}");

    // WinHTTP follows a redirect to another host: the document it serves counts, with a warning.
    let (report, other) = contract_of("redirect-other-host").await;
    assert_eq!(other.status, Status::Warn, "{other:?}");
    let ex = exchanges(&other);
    let hops: Vec<Option<u16>> = ex.iter().map(|e| e.status).collect();
    assert_eq!(hops, [Some(302), Some(200)], "followed");
    assert!(
        ex[0]
            .url
            .starts_with("https://enterpriseregistration.contoso.test:"),
        "{}",
        ex[0].url
    );
    assert!(
        ex[1].url.starts_with("https://sts.contoso.test:"),
        "another host: {}",
        ex[1].url
    );
    assert!(report.verdict().is_none(), "{report}");

    let (report, looping) = contract_of("redirect-loop").await;
    assert_eq!(looping.failure, Some(JoinFailure::RedirectFailed));
    let ex = exchanges(&looping);
    assert_eq!(ex.len(), 2, "contract → /adfs/loop → contract again");
    assert!(ex.iter().all(|e| e.status == Some(302)), "{looping:?}");
    assert!(
        header(ex[1], "location").is_some_and(|to| ex[0].url.ends_with(to)),
        "back to the first URL: {looping:?}"
    );
    assert_eq!(
        report.verdict().unwrap().hresult.unwrap().to_string(),
        "0x80072F7C"
    );
}

#[tokio::test]
async fn slow_and_oversized_bodies() {
    let (report, slow) = contract_of("slow-body").await;
    assert_eq!(slow.failure, Some(JoinFailure::Timeout), "{slow:?}");
    assert_eq!(exchanges(&slow)[0].status, Some(200), "the head arrived");
    assert_eq!(
        report.verdict().unwrap().hresult.unwrap().to_string(),
        "0x80072EE2"
    );
    assert!(
        !slow
            .evidence
            .iter()
            .any(|e| matches!(e, Evidence::Timeout { .. }))
    );

    let (_, big) = contract_of("oversized-body").await;
    assert_eq!(big.failure, Some(JoinFailure::InvalidData));
    let ex = exchanges(&big);
    let cap = wpj::net::Limits::default().document;
    assert_eq!(ex[0].status, Some(200), "{big:?}");
    assert!(
        header(ex[0], "content-length")
            .and_then(|l| l.parse::<usize>().ok())
            .is_some_and(|l| l > cap),
        "{big:?}"
    );
    assert!(ex[0].error.is_some(), "not read: {big:?}");
    assert!(documents(&big).is_empty(), "{big:?}");
    // Why the body was not read is an `HttpExchange::error` string: the words name the cap.
    assert!(
        big.summary.contains("larger than 1048576 bytes"),
        "{}",
        big.summary
    );
}

#[tokio::test]
async fn a_404_behind_a_revoked_certificate_is_reported_but_the_verdict_stays_revoked() {
    let lab = Lab::start(LabSpec {
        revoked: Revoked::Leaf,
        contract: ContractFault::Status(404),
        ..LabSpec::default()
    })
    .await
    .unwrap();
    let report = diagnose(quick(&lab)).await;
    assert_eq!(report.verdict().unwrap().failure, JoinFailure::CertRevoked);
    assert_eq!(
        step(&report, "contract").failure,
        Some(JoinFailure::ContractNotFound)
    );
    let text = report.to_string();
    assert!(text.contains("0x80072F8A"), "{text}");
    assert!(
        text.contains("Also found:") && text.contains("contract [fail] api-version 1.2: HTTP 404"),
        "{text}"
    );
}

#[tokio::test]
async fn behind_an_untrusted_certificate_the_contract_is_fetched_over_an_inspection_connection() {
    let lab = Lab::start(LabSpec {
        untrusted_root: true,
        contract: ContractFault::Status(404),
        ..LabSpec::default()
    })
    .await
    .unwrap();
    let report = diagnose(quick(&lab)).await;
    assert_eq!(report.verdict().unwrap().failure, JoinFailure::InvalidCa);
    let contract = step(&report, "contract");
    assert_eq!(contract.failure, Some(JoinFailure::ContractNotFound));
    assert!(
        contract
            .summary
            .starts_with("behind the certificate failure: "),
        "{}",
        contract.summary
    );
    assert!(exchanges(contract)[0].inspection);

    let healthy_behind = Lab::start(LabSpec {
        untrusted_root: true,
        ..LabSpec::default()
    })
    .await
    .unwrap();
    let report = diagnose(quick(&healthy_behind)).await;
    let contract = step(&report, "contract");
    assert_eq!(
        contract.status,
        Status::Pass,
        "the service itself works: {contract:?}"
    );
    assert!(report.has_failures());
}

#[tokio::test]
async fn an_explicit_proxy_is_used_and_recorded() {
    let lab = lab("healthy-onprem").await;
    let target = std::net::SocketAddr::new(lab.nodes()[0], lab.https_port());
    let proxy = ConnectProxy::start(target).await.unwrap();
    let mut settings = quick(&lab);
    settings.proxy = Some(format!("http://{}", proxy.addr()));
    let report = diagnose(settings).await;
    let contract = step(&report, "contract");
    assert_eq!(contract.status, Status::Pass, "{contract:?}");
    assert_eq!(
        exchanges(contract)[0].path,
        format!("proxy http://{}", proxy.addr())
    );
    assert_eq!(
        proxy.requests(),
        [format!(
            "enterpriseregistration.contoso.test:{}",
            lab.https_port()
        )]
    );
}

#[tokio::test]
async fn a_bad_proxy_setting_is_an_error() {
    let lab = lab("healthy-onprem").await;
    let mut settings = quick(&lab);
    settings.proxy = Some("http://joe:s3cret@not a host:8080".into());
    let report = diagnose(settings).await;
    // The run's network layer cannot be set up: the first step that needs it says why, and the
    // password is not shown.
    let tls = step(&report, "tls");
    assert_eq!(tls.status, Status::Error, "{tls:?}");
    assert!(tls.summary.starts_with("proxy "), "{}", tls.summary);
    assert!(!tls.summary.contains("s3cret"), "{}", tls.summary);
    assert_eq!(step(&report, "contract").status, Status::Skipped);
    assert!(report.verdict().is_none());
}

#[tokio::test]
async fn every_node_of_a_farm_is_asked() {
    let (report, contract) = contract_of("adfs-farm-node-down").await;
    assert_eq!(
        contract.failure,
        Some(JoinFailure::ServiceUnavailable),
        "{contract:?}"
    );
    let answers: Vec<(String, Option<u16>)> = exchanges(&contract)
        .iter()
        .map(|e| (e.address.unwrap().ip().to_string(), e.status))
        .collect();
    assert_eq!(
        answers,
        [
            ("127.0.0.2".to_owned(), Some(200)),
            ("127.0.0.3".to_owned(), Some(503))
        ]
    );
    // The summary names the node for the admin.
    assert!(
        contract.summary.starts_with("on 127.0.0.3:"),
        "{}",
        contract.summary
    );
    assert_eq!(
        report.verdict().unwrap().kb.unwrap().to_string(),
        "KB3045388"
    );
    let asked: Vec<_> = exchanges(&contract)
        .iter()
        .map(|e| e.address.unwrap().ip().to_string())
        .collect();
    assert_eq!(asked, ["127.0.0.2", "127.0.0.3"]);
}

/// The service's `Date` header 20 minutes ahead: this machine's clock (or the device's, when the
/// tool runs there) is past the five minutes token validation tolerates — a warning on a working
/// contract, never a discovery verdict.
#[tokio::test]
async fn clock_skew_against_the_service_is_reported() {
    let (report, contract) = contract_of("clock-skew").await;
    assert!(report.verdict().is_none(), "{report}");
    assert_eq!(contract.status, Status::Warn, "{contract:?}");
    assert_eq!(contract.failure, None, "{contract:?}");
    // The skew is in no typed field (only the `Date` header is): the admin reads it in the words.
    assert!(
        contract.summary.contains("this machine's clock is 19 min")
            || contract.summary.contains("this machine's clock is 20 min"),
        "{}",
        contract.summary
    );
    assert!(
        contract
            .summary
            .contains("behind the clock of https://enterpriseregistration.contoso.test"),
        "{}",
        contract.summary
    );
    assert!(
        contract
            .remediation
            .as_deref()
            .unwrap_or_default()
            .contains("w32tm /resync")
    );

    // A healthy service's clock agrees: only a note.
    let (_, healthy) = contract_of("healthy-onprem").await;
    assert_eq!(healthy.status, Status::Pass, "{healthy:?}");
    assert!(
        healthy
            .evidence
            .iter()
            .any(|e| e.to_string().contains("this machine's clock is")),
        "{healthy:?}"
    );
}
