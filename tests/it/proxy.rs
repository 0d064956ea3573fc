//! The run's proxy carries every request a device sends through one — the contract, the sign-in
//! hosts, the federation service, and the CRL and AIA downloads — and `NO_PROXY` hosts go direct.

use wpj::{Evidence, Report, Status};
use wpj_testkit::Lab;
use wpj_testkit::proxy::{ForwardProxy, ProxiedRequest};

use crate::support::{lab, quick, step};

async fn through_proxy(lab: &Lab, no_proxy: &str) -> (ForwardProxy, Report) {
    let proxy = lab.forward_proxy().await.expect("proxy starts");
    let mut settings = quick(lab);
    settings.proxy = Some(proxy.url());
    settings.no_proxy = Some(no_proxy.to_owned());
    let report = wpj::diagnose(settings).await;
    (proxy, report)
}

fn asked(requests: &[ProxiedRequest], method: &str, host: &str) -> bool {
    requests
        .iter()
        .any(|r| r.method == method && r.host == host)
}

#[tokio::test]
async fn crl_downloads_and_https_requests_go_through_the_proxy() {
    let lab = lab("healthy-onprem").await;
    let (proxy, report) = through_proxy(&lab, "").await;
    assert!(report.verdict().is_none(), "{report}");
    let requests = proxy.requests();
    let crl_host = lab.crl_host();
    let crls: Vec<&ProxiedRequest> = requests
        .iter()
        .filter(|r| r.method == "GET" && r.host == crl_host)
        .collect();
    assert!(
        crls.iter()
            .any(|r| lab.issuing_crl_url().ends_with(&r.path)),
        "the revocation step downloads CRLs through the proxy: {requests:?}"
    );
    let registration = lab
        .settings()
        .target
        .registration_name()
        .to_ascii_lowercase();
    assert!(asked(&requests, "CONNECT", &registration), "{requests:?}");
    let sts = format!("sts.{}", lab.settings().target.suffix());
    assert!(
        asked(&requests, "CONNECT", &sts),
        "AD FS sign-in and federation requests go through the proxy: {requests:?}"
    );
    let contract = step(&report, "contract");
    let paths: Vec<&str> = contract
        .evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::Http(x) => Some(x.path.as_str()),
            _ => None,
        })
        .collect();
    let expected = format!("proxy {}", proxy.url());
    assert!(
        !paths.is_empty() && paths.iter().all(|p| *p == expected),
        "{paths:?}"
    );
}

#[tokio::test]
async fn no_proxy_hosts_are_fetched_directly() {
    let lab = lab("healthy-onprem").await;
    let crl_host = lab.crl_host();
    let (proxy, report) = through_proxy(&lab, &crl_host).await;
    assert!(report.verdict().is_none(), "{report}");
    assert_eq!(step(&report, "revocation").status, Status::Pass);
    let requests = proxy.requests();
    assert!(
        !requests.iter().any(|r| r.host == crl_host),
        "{crl_host} is in NO_PROXY: {requests:?}"
    );
    let registration = lab
        .settings()
        .target
        .registration_name()
        .to_ascii_lowercase();
    assert!(asked(&requests, "CONNECT", &registration), "{requests:?}");
}

#[tokio::test]
async fn a_revoked_certificate_is_found_through_the_proxy() {
    let lab = lab("tls-revoked-leaf").await;
    let (proxy, report) = through_proxy(&lab, "").await;
    let revocation = step(&report, "revocation");
    assert_eq!(revocation.failure, Some(wpj::JoinFailure::CertRevoked));
    assert!(asked(&proxy.requests(), "GET", &lab.crl_host()));
}

#[tokio::test]
async fn proxy_credentials_are_never_printed() {
    let lab = lab("healthy-onprem").await;
    let proxy = lab.forward_proxy().await.expect("proxy starts");
    let mut settings = quick(&lab);
    let with_password = proxy.url().replacen("http://", "http://joe:s3cret@", 1);
    settings.proxy = Some(with_password);
    settings.no_proxy = Some(String::new());
    let report = wpj::diagnose(settings).await;
    assert!(report.verdict().is_none(), "{report}");
    assert!(!proxy.requests().is_empty(), "the proxy was used");
    let text = report.to_string();
    let json = serde_json::to_string(&report).unwrap();
    for shown in [&text, &json] {
        assert!(!shown.contains("s3cret"), "{shown}");
    }
    assert!(
        json.contains("joe:***@"),
        "the path names the proxy, redacted: {json}"
    );
}
