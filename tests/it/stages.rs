//! A verdict is a promise about a device: every finding has a stage, only `discovery` and
//! `sign-in` failures become a verdict, and farm health is reported on its own. Each scenario here
//! asserts stage, status and code, against real lab servers.

use wpj::{Evidence, HttpExchange, JoinFailure, MessageStage, Report, ServiceKind, Stage, Status};

use crate::support::{exchanges, lab, nodes, probes, quick, step};

async fn diagnose(name: &str) -> Report {
    let lab = lab(name).await;
    wpj::diagnose(quick(&lab)).await
}

fn header<'h>(h: &'h HttpExchange, name: &str) -> Option<&'h str> {
    h.headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[tokio::test]
async fn only_443_published_is_no_device_verdict_and_a_probe_warning() {
    let report = diagnose("adfs-443-only").await;
    assert!(report.verdict().is_none(), "{report}");
    let contract = step(&report, "contract");
    assert_eq!(contract.status, Status::Pass, "{report}");
    assert_eq!(contract.stage, Stage::Discovery);
    let probe = step(&report, "adfs-probe");
    assert_eq!(probe.status, Status::Warn, "{probe:?}");
    assert_eq!(probe.stage, Stage::FarmHealth);
    assert_eq!(probe.failure, None);
    // No node answers the probe at all: nothing to judge from here.
    let answers = probes(probe);
    assert!(!answers.is_empty(), "{probe:?}");
    assert!(
        answers
            .iter()
            .all(|a| a.status.is_none() && a.no_answer.is_some()),
        "{probe:?}"
    );
    // The metadata is missing too: farm health, still no verdict, still a failure for the exit code.
    let federation = step(&report, "adfs-federation");
    assert_eq!(federation.status, Status::Fail, "{federation:?}");
    assert_eq!(federation.stage, Stage::FarmHealth);
    assert!(report.has_failures());
    let text = report.to_string();
    assert!(text.contains("no failure found"), "{text}");
    assert!(text.contains("Farm health (no device verdict"), "{text}");
}

#[tokio::test]
async fn missing_metadata_is_farm_health_only() {
    let report = diagnose("adfs-metadata-404").await;
    assert!(report.verdict().is_none(), "{report}");
    let federation = step(&report, "adfs-federation");
    assert_eq!(federation.status, Status::Fail, "{federation:?}");
    assert_eq!(federation.stage, Stage::FarmHealth);
    assert_eq!(
        federation.failure, None,
        "no Windows code for what devices never fetch"
    );
    // The metadata request leaves no typed evidence (no `Evidence::Http`): its status is in the words.
    assert!(
        federation.summary.contains("HTTP 404"),
        "{}",
        federation.summary
    );
    assert_eq!(step(&report, "adfs-probe").status, Status::Pass);
    assert_eq!(
        step(&report, "adfs-sign-in").status,
        Status::Pass,
        "{report}"
    );
}

#[tokio::test]
async fn a_failing_probe_with_a_working_contract_is_farm_health() {
    let report = diagnose("adfs-probe-503").await;
    assert!(report.verdict().is_none(), "{report}");
    assert_eq!(step(&report, "contract").status, Status::Pass);
    assert_eq!(step(&report, "adfs-nodes").status, Status::Pass);
    let probe = step(&report, "adfs-probe");
    assert_eq!(probe.status, Status::Fail, "{probe:?}");
    assert_eq!(probe.stage, Stage::FarmHealth);
    let statuses: Vec<Option<u16>> = probes(probe).iter().map(|a| a.status).collect();
    assert!(statuses.contains(&Some(503)), "{probe:?}");
    assert!(
        statuses.iter().all(Option::is_some),
        "every node answers: {probe:?}"
    );
}

#[tokio::test]
async fn a_node_answering_503_is_a_discovery_verdict_naming_the_node() {
    let report = diagnose("adfs-farm-node-down").await;
    let v = report.verdict().expect("verdict");
    assert_eq!(v.stage, Stage::Discovery);
    assert_eq!(v.failure, JoinFailure::ServiceUnavailable);
    assert_eq!(v.http_status, Some(503));
    assert_eq!(v.check, "contract");
    // The verdict names the node for the admin.
    assert!(v.summary.contains("127.0.0.3"), "{}", v.summary);
    let nodes_step = step(&report, "adfs-nodes");
    assert_eq!(nodes_step.status, Status::Fail);
    assert_eq!(nodes_step.stage, Stage::Discovery);
    let failing: Vec<(std::net::IpAddr, Option<JoinFailure>)> = nodes(nodes_step)
        .iter()
        .filter(|n| n.failure().is_some())
        .map(|n| (n.address.ip(), n.failure()))
        .collect();
    assert_eq!(
        failing,
        [(
            std::net::Ipv4Addr::new(127, 0, 0, 3).into(),
            Some(JoinFailure::ServiceUnavailable)
        )],
        "{nodes_step:?}"
    );
}

#[tokio::test]
async fn entra_is_judged_by_microsofts_endpoint_and_name() {
    let report = diagnose("healthy-entra").await;
    assert!(!report.has_failures(), "{report}");
    let tls = step(&report, "tls");
    assert_eq!(tls.status, Status::Pass, "{tls:?}");
    let sni = tls.evidence.iter().find_map(|e| match e {
        Evidence::Tls(s) => Some(s.sni.as_str()),
        _ => None,
    });
    assert_eq!(sni, Some("enterpriseregistration.windows.net"), "{tls:?}");
    // The note an admin reads about Windows 8.1.
    let text = report.to_string();
    assert!(
        text.contains("Windows 8.1 devices connect as enterpriseregistration.fabrikam.test"),
        "{text}"
    );
    let contract = step(&report, "contract");
    assert_eq!(contract.status, Status::Pass, "{contract:?}");
    let urls: Vec<&str> = exchanges(contract).iter().map(|h| h.url.as_str()).collect();
    assert!(
        urls.iter()
            .any(|u| u.contains("enterpriseregistration.windows.net")
                && u.contains("/fabrikam.test/discover?api-version=1.7")),
        "{urls:?}"
    );
    assert!(
        urls.iter()
            .any(|u| u.contains("/fabrikam.test/enrollmentserver/contract?api-version=1.0")),
        "{urls:?}"
    );
}

#[tokio::test]
async fn entra_discovery_errors_come_from_microsofts_endpoint() {
    let report = diagnose("entra-discover-error").await;
    let v = report.verdict().expect("verdict");
    assert_eq!(v.stage, Stage::Discovery);
    assert_eq!(v.check, "contract");
    assert_eq!(v.failure, JoinFailure::DsregTenantNotFound);
    assert_eq!(v.hresult.map(|h| h.0), Some(0x801C_003A));
    let contract = step(&report, "contract");
    let discover: Vec<Option<u16>> = exchanges(contract)
        .iter()
        .filter(|h| {
            h.url
                .starts_with("https://enterpriseregistration.windows.net:")
                && h.url.ends_with("/fabrikam.test/discover?api-version=1.7")
        })
        .map(|h| h.status)
        .collect();
    assert_eq!(discover, [Some(404)], "{contract:?}");
}

#[tokio::test]
async fn a_stray_cname_does_not_flip_the_mode() {
    let report = diagnose("dns-stray-cname").await;
    assert!(!report.has_failures(), "{report}");
    let dns = step(&report, "dns");
    let service = dns.evidence.iter().find_map(|e| match e {
        wpj::Evidence::Service { service, .. } => Some(*service),
        _ => None,
    });
    assert_eq!(service, Some(ServiceKind::Adfs), "{dns:?}");
    assert_eq!(step(&report, "adfs-nodes").status, Status::Pass);
}

#[tokio::test]
async fn an_https_to_http_redirect_is_a_discovery_failure() {
    let report = diagnose("redirect-https-to-http").await;
    let v = report.verdict().expect("verdict");
    assert_eq!(v.stage, Stage::Discovery);
    assert_eq!(v.check, "contract");
    assert_eq!(v.failure, JoinFailure::InsecureRedirect);
    let contract = step(&report, "contract");
    let exchanges = exchanges(contract);
    let statuses: Vec<Option<u16>> = exchanges.iter().map(|h| h.status).collect();
    assert_eq!(
        statuses,
        [Some(302)],
        "the redirect is evidence, never followed"
    );
    assert!(
        header(exchanges[0], "location")
            .is_some_and(|l| l.starts_with("http://enterpriseregistration.contoso.test")),
        "{contract:?}"
    );
}

#[tokio::test]
async fn a_redirect_to_another_host_is_followed_with_a_warning() {
    let report = diagnose("redirect-other-host").await;
    assert!(report.verdict().is_none(), "{report}");
    let contract = step(&report, "contract");
    assert_eq!(contract.status, Status::Warn, "{contract:?}");
    assert!(
        exchanges(contract)
            .iter()
            .any(|h| h.url.starts_with("https://sts.contoso.test:") && h.status == Some(200)),
        "followed to the other host: {contract:?}"
    );
}

#[tokio::test]
async fn a_missing_federation_name_is_a_sign_in_verdict() {
    let report = diagnose("adfs-sign-in-name-missing").await;
    let v = report.verdict().expect("verdict");
    assert_eq!(v.stage, Stage::SignIn);
    assert_eq!(v.check, "adfs-sign-in");
    assert_eq!(v.failure, JoinFailure::NameNotResolved);
    assert_eq!(v.message_stage, MessageStage::AfterCredentials);
    assert_eq!(v.kb.map(|k| k.to_string()).as_deref(), Some("KB3045378"));
    // The sign-in step keeps no typed evidence of the host it could not resolve: its name is in the words.
    assert!(v.summary.contains("sts.contoso.test"), "{}", v.summary);
    assert_eq!(step(&report, "contract").status, Status::Pass);
    assert!(v.to_string().starts_with("After the user signs in"), "{v}");
}

/// Windows 8.1 asks `EnterpriseRegistration.<suffix>` whatever the service: behind an Entra ID
/// CNAME it meets Microsoft's certificate, which never names the customer's domain.
#[tokio::test]
async fn windows_8_1_on_an_entra_cname_fails_on_the_name() {
    let lab = lab("healthy-entra").await;
    let mut settings = quick(&lab);
    settings.client = wpj::Client::Windows81;
    let report = wpj::diagnose(settings).await;
    let v = report.verdict().expect("verdict");
    assert_eq!(v.check, "tls");
    assert_eq!(v.failure, JoinFailure::CertNameInvalid);
    assert_eq!(v.client, Some(wpj::Client::Windows81));
    assert_eq!(v.outer, None);
    assert!(
        v.to_string()
            .starts_with("A Windows 8.1 device would fail with event 102, 0x80072F06"),
        "{v}"
    );
    let contract = step(&report, "contract");
    let versions: Vec<&str> = contract
        .evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::Document(d) => Some(d.api_version.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(versions, ["1.0"], "{contract:?}");
}
