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
        json.contains("proxy http://***@127.0.0.1:"),
        "the path names the proxy, redacted: {json}"
    );
}

/// Diagnoses the healthy Entra ID lab through a TLS-inspecting proxy, its corporate root trusted
/// by the run (a device that has it) or not.
async fn through_inspecting_proxy(
    trust_corporate_root: bool,
    no_proxy: &str,
) -> (ForwardProxy, Report) {
    let lab = lab("healthy-entra").await;
    let proxy = lab.inspecting_proxy().await.expect("proxy starts");
    let mut settings = quick(&lab);
    settings.proxy = Some(proxy.url());
    settings.no_proxy = Some(no_proxy.to_owned());
    if trust_corporate_root {
        let root = proxy.inspector().expect("inspecting").root_pem();
        settings.trust.extra_pem.push(root.into_bytes());
    }
    let report = wpj::diagnose(settings).await;
    (proxy, report)
}

/// The words every recognition of the lab's inspecting proxy says for `host`.
fn re_signs(proxy: &ForwardProxy, host: &str) -> String {
    format!(
        "a TLS-inspecting proxy (proxy {}) re-signs {host} under O=wpj testkit, CN=wpj Lab Root CA \
         (TLS inspection) instead of O=wpj testkit, CN=wpj Lab Root CA (fabrikam.test); the \
         device needs that root in its store or a bypass for these hosts",
        proxy.url()
    )
}

#[tokio::test]
async fn an_inspecting_proxy_whose_root_devices_lack_is_0x80072f0d() {
    let (proxy, report) = through_inspecting_proxy(false, "").await;
    let v = report.verdict().expect("verdict");
    assert_eq!(v.check, "contract");
    assert_eq!(v.failure, wpj::JoinFailure::InvalidCa);
    assert_eq!(v.hresult.map(|h| h.0), Some(0x8007_2F0D));
    assert_eq!(
        v.outer.map(|h| h.0),
        Some(0x801C_0021),
        "dsregcmd: 0x801c0021/0x80072f0d"
    );
    assert!(
        v.summary
            .contains(&re_signs(&proxy, "enterpriseregistration.windows.net")),
        "{}",
        v.summary
    );
    assert!(
        v.remediation
            .starts_with("Exclude login.microsoftonline.com"),
        "{}",
        v.remediation
    );
    assert!(asked(
        &proxy.requests(),
        "CONNECT",
        "enterpriseregistration.windows.net"
    ));
}

#[tokio::test]
async fn bypassing_inspection_for_discovery_alone_fails_at_sign_in() {
    let (proxy, report) =
        through_inspecting_proxy(false, "enterpriseregistration.windows.net").await;
    assert_eq!(step(&report, "contract").status, Status::Pass, "{report}");
    let v = report.verdict().expect("verdict");
    assert_eq!(v.check, "entra-sign-in");
    assert_eq!(v.stage, wpj::Stage::SignIn);
    assert_eq!(v.failure, wpj::JoinFailure::InvalidCa);
    for host in [
        "login.microsoftonline.com",
        "device.login.microsoftonline.com",
    ] {
        assert!(v.summary.contains(&re_signs(&proxy, host)), "{}", v.summary);
    }
    assert!(
        !asked(
            &proxy.requests(),
            "CONNECT",
            "enterpriseregistration.windows.net"
        ),
        "NO_PROXY: {:?}",
        proxy.requests()
    );
}

#[tokio::test]
async fn an_inspecting_proxy_whose_root_devices_trust_breaks_device_authentication() {
    let (proxy, report) = through_inspecting_proxy(true, "").await;
    // Windows accepts the corporate chain: no verdict, but every re-signed host is named, and
    // what breaks behind device.login.microsoftonline.com is said (its code unconfirmed).
    assert!(report.verdict().is_none(), "{report}");
    let contract = step(&report, "contract");
    assert_eq!(contract.status, Status::Warn, "{contract:?}");
    assert!(
        contract
            .summary
            .contains(&re_signs(&proxy, "enterpriseregistration.windows.net")),
        "{}",
        contract.summary
    );
    let sign_in = step(&report, "entra-sign-in");
    assert_eq!(sign_in.status, Status::Warn, "{sign_in:?}");
    assert_eq!(sign_in.failure, None);
    for said in [
        re_signs(&proxy, "login.microsoftonline.com"),
        re_signs(&proxy, "device.login.microsoftonline.com"),
        "devices that trust that root get through, but Microsoft asks that device.login.microsoftonline.com be excluded from TLS inspection"
            .to_owned(),
        "the code a device logs then is unconfirmed".to_owned(),
    ] {
        assert!(
            sign_in.summary.contains(&said),
            "{said}: {}",
            sign_in.summary
        );
    }
}

#[tokio::test]
async fn a_proxy_that_tunnels_and_no_proxy_at_all_are_never_called_inspection() {
    let lab = lab("healthy-entra").await;
    let (proxy, tunnelled) = through_proxy(&lab, "").await;
    assert!(asked(
        &proxy.requests(),
        "CONNECT",
        "login.microsoftonline.com"
    ));
    let direct = wpj::diagnose(quick(&lab)).await;
    for report in [&tunnelled, &direct] {
        assert!(report.verdict().is_none(), "{report}");
        assert!(!report.has_failures(), "{report}");
        let json = serde_json::to_string(report).unwrap();
        assert!(!json.contains("TLS-inspecting"), "{json}");
        assert_eq!(step(report, "contract").status, Status::Pass);
        assert_eq!(step(report, "entra-sign-in").status, Status::Pass);
    }
}
