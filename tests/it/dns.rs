//! The DNS step against the testkit's real DNS servers.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use wpj::dns::DnsCheck;
use wpj::{
    AddressRecord, CnameHop, DnsLookup, DnsOutcome, Evidence, Finding, JoinFailure, Mode, Plan,
    ResolvedAddresses, ResolverView, Resolvers, Runner, ServiceKind, Settings, Status, Target,
};
use wpj_testkit::dns::{DeadResolver, DnsRecord, DnsServer, Zone};
use wpj_testkit::{Lab, Scenario};

async fn lab(name: &str) -> Lab {
    Scenario::find(name)
        .expect(name)
        .start()
        .await
        .expect("lab")
}

/// Runs the DNS check through the runner, as the full plan would.
async fn run(settings: Settings) -> Finding {
    let plan = Plan::new(vec![Box::new(DnsCheck)]).unwrap();
    let report = Runner::new().run(&plan, settings).await;
    report.findings()[0].clone()
}

fn lookups(f: &Finding) -> Vec<&DnsLookup> {
    f.evidence
        .iter()
        .filter_map(|e| match e {
            Evidence::Dns(l) => Some(l),
            _ => None,
        })
        .collect()
}

fn service(f: &Finding) -> Option<ServiceKind> {
    f.evidence.iter().find_map(|e| match e {
        Evidence::Service { service, .. } => Some(*service),
        _ => None,
    })
}

fn resolved(f: &Finding) -> &ResolvedAddresses {
    f.outputs
        .get::<ResolvedAddresses>()
        .expect("addresses for later checks")
}

const LOCALHOST: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

#[tokio::test]
async fn onprem_a_record() {
    let lab = lab("healthy-onprem").await;
    let f = run(lab.settings()).await;
    assert_eq!(f.status, Status::Pass, "{f:?}");
    assert_eq!(f.failure, None);
    let l = lookups(&f);
    assert_eq!(l.len(), 1);
    assert_eq!(l[0].outcome, DnsOutcome::Answer);
    assert_eq!(l[0].name, "enterpriseregistration.contoso.test");
    assert_eq!(l[0].server, lab.resolver());
    assert_eq!(l[0].view, "internal");
    assert!(l[0].cname_chain.is_empty());
    assert_eq!(
        l[0].addresses,
        [AddressRecord {
            ip: LOCALHOST,
            ttl: 300
        }]
    );
    assert_eq!(service(&f), Some(ServiceKind::Adfs));
    assert_eq!(resolved(&f).addresses, [LOCALHOST]);
    assert_eq!(resolved(&f).service, ServiceKind::Adfs);
}

#[tokio::test]
async fn entra_cname_chain_with_ttls() {
    let lab = lab("healthy-entra").await;
    let f = run(lab.settings()).await;
    assert_eq!(f.status, Status::Pass, "{f:?}");
    let l = lookups(&f);
    assert_eq!(
        l[0].cname_chain,
        [CnameHop {
            name: "enterpriseregistration.fabrikam.test".into(),
            target: "enterpriseregistration.windows.net".into(),
            ttl: 3600
        }]
    );
    assert_eq!(
        l[0].addresses,
        [AddressRecord {
            ip: LOCALHOST,
            ttl: 300
        }]
    );
    assert_eq!(service(&f), Some(ServiceKind::Entra));
    assert_eq!(resolved(&f).service, ServiceKind::Entra);

    let json = serde_json::to_value(&f).unwrap();
    let dns = &json["evidence"][0];
    assert_eq!(dns["kind"], "dns");
    assert_eq!(dns["outcome"], "answer");
    assert_eq!(
        dns["cname_chain"][0]["target"],
        "enterpriseregistration.windows.net"
    );
    assert_eq!(dns["addresses"][0]["ip"], "127.0.0.1");
    assert_eq!(json["evidence"][1]["kind"], "service");
    assert_eq!(json["evidence"][1]["service"], "entra");
    let text = lookups(&f)[0].to_string();
    assert!(
        text.contains(
            "→ CNAME enterpriseregistration.windows.net (TTL 3600) → 127.0.0.1 (TTL 300)"
        ),
        "{text}"
    );
}

#[tokio::test]
async fn an_asserted_mode_that_dns_contradicts_is_a_warning() {
    let entra = lab("healthy-entra").await;
    let mut settings = entra.settings();
    settings.mode = Mode::Onprem;
    let f = run(settings).await;
    assert_eq!(f.status, Status::Warn);
    // DNS leads to Entra ID; the run was told AD FS.
    assert_eq!(service(&f), Some(ServiceKind::Entra), "{f:?}");
    assert!(f.remediation.as_deref().unwrap().contains("AD FS farm"));

    let onprem = lab("healthy-onprem").await;
    let mut settings = onprem.settings();
    settings.mode = Mode::Entra;
    let f = run(settings).await;
    assert_eq!(f.status, Status::Warn);
    assert_eq!(service(&f), Some(ServiceKind::Adfs), "{f:?}");
    assert!(
        f.summary.contains("404"),
        "names the consequence: {}",
        f.summary
    );
    // Still usable by later checks: a device would get an address.
    assert_eq!(resolved(&f).addresses, [LOCALHOST]);
}

#[tokio::test]
async fn split_horizon_views_are_reported_per_view() {
    let lab = lab("healthy-split-horizon").await;
    let f = run(lab.settings()).await;
    assert_eq!(f.status, Status::Pass, "{f:?}");
    let l = lookups(&f);
    assert_eq!(l.len(), 2);
    assert_eq!(
        (l[0].view.as_str(), l[1].view.as_str()),
        ("internal", "external")
    );
    assert_eq!(l[1].addresses[0].ip, IpAddr::V4(wpj_testkit::lab::PROXY_IP));
    assert_eq!(
        resolved(&f).views,
        [
            ("internal".to_owned(), vec![LOCALHOST]),
            (
                "external".to_owned(),
                vec![IpAddr::V4(wpj_testkit::lab::PROXY_IP)]
            )
        ]
    );
}

#[tokio::test]
async fn the_same_answer_in_both_views_is_a_warning_for_adfs() {
    let lab = lab("split-horizon-same-answer").await;
    let f = run(lab.settings()).await;
    assert_eq!(f.status, Status::Warn, "{f:?}");
    assert_eq!(service(&f), Some(ServiceKind::Adfs), "{f:?}");
    let l = lookups(&f);
    assert_eq!(
        (l.len(), l[0].view.as_str(), l[1].view.as_str()),
        (2, "internal", "external")
    );
    assert!(l.iter().all(|l| l.outcome == DnsOutcome::Answer), "{f:?}");
    assert_eq!(l[0].addresses, l[1].addresses, "the same addresses");
}

#[tokio::test]
async fn one_view_failing_fails_and_names_the_view() {
    let lab = lab("split-horizon-external-missing").await;
    let f = run(lab.settings()).await;
    assert_eq!(f.status, Status::Fail);
    assert_eq!(f.failure, Some(JoinFailure::NameNotResolved));
    let l = lookups(&f);
    assert_eq!(
        (l[0].view.as_str(), l[0].outcome),
        ("internal", DnsOutcome::Answer)
    );
    assert_eq!(
        (l[1].view.as_str(), l[1].outcome),
        ("external", DnsOutcome::NxDomain)
    );
    assert!(f.remediation.as_deref().unwrap().contains("external view"));
    // The device's own (first) view resolved: later steps still get its addresses.
    assert_eq!(resolved(&f).addresses, [LOCALHOST]);
}

#[tokio::test]
async fn every_dns_fault_is_name_not_resolved_with_its_cause() {
    for (scenario, outcome) in [
        ("dns-nxdomain", DnsOutcome::NxDomain),
        ("dns-nodata", DnsOutcome::NoData),
        ("dns-servfail", DnsOutcome::ServFail),
        ("dns-refused", DnsOutcome::Refused),
        ("dns-timeout", DnsOutcome::Timeout),
    ] {
        let lab = lab(scenario).await;
        let mut settings = lab.settings();
        settings.dns_timeout = Duration::from_millis(400);
        let f = run(settings).await;
        assert_eq!(f.status, Status::Fail, "{scenario}");
        assert_eq!(f.failure, Some(JoinFailure::NameNotResolved), "{scenario}");
        assert_eq!(lookups(&f)[0].outcome, outcome, "{scenario}");
        let fix = f.remediation.as_deref().unwrap();
        assert!(
            fix.contains("EnterpriseRegistration.contoso.test"),
            "{scenario}: {fix}"
        );
        assert!(
            lookups(&f).iter().all(|l| l.outcome == outcome),
            "{scenario}: {f:?}"
        );
        assert!(f.outputs.get::<ResolvedAddresses>().is_none(), "{scenario}");
        assert!(
            !f.evidence
                .iter()
                .any(|e| matches!(e, Evidence::Timeout { .. })),
            "{scenario}: ended by its own DNS timeout, not the runner's"
        );
    }
}

fn settings_for(suffix: &str, views: Vec<(&str, Vec<SocketAddr>)>) -> Settings {
    let mut s = Settings::new(Target::parse(suffix).unwrap());
    s.resolvers = Resolvers::Views(
        views
            .into_iter()
            .map(|(name, servers)| ResolverView {
                name: name.into(),
                servers,
            })
            .collect(),
    );
    s.dns_timeout = Duration::from_millis(300);
    s
}

#[tokio::test]
async fn a_dead_resolver_costs_its_timeout_and_a_second_server_answers() {
    let dead = DeadResolver::start().await.unwrap();
    let lab = lab("healthy-onprem").await;
    let f = run(settings_for(
        "contoso.test",
        vec![("internal", vec![dead.addr().unwrap(), lab.resolver()])],
    ))
    .await;
    assert_eq!(f.status, Status::Warn, "{f:?}");
    let l = lookups(&f);
    assert_eq!(
        (l[0].server, l[0].outcome),
        (dead.addr().unwrap(), DnsOutcome::Timeout)
    );
    assert_eq!(
        (l[1].server, l[1].outcome),
        (lab.resolver(), DnsOutcome::Answer)
    );
    assert_eq!(resolved(&f).addresses, [LOCALHOST]);

    let only_dead = run(settings_for(
        "contoso.test",
        vec![("internal", vec![dead.addr().unwrap()])],
    ))
    .await;
    assert_eq!(only_dead.failure, Some(JoinFailure::NameNotResolved));
    assert_eq!(lookups(&only_dead)[0].outcome, DnsOutcome::Timeout);
}

#[tokio::test]
async fn records_without_a_usable_address_fail() {
    let zone = Zone::new("contoso.test").with(
        "enterpriseregistration.contoso.test",
        DnsRecord::A(Ipv4Addr::UNSPECIFIED),
    );
    let server = DnsServer::start(LOCALHOST, zone).await.unwrap();
    let f = run(settings_for(
        "contoso.test",
        vec![("internal", vec![server.addr()])],
    ))
    .await;
    assert_eq!(f.failure, Some(JoinFailure::NameNotResolved));
    let l = lookups(&f);
    assert_eq!(l[0].outcome, DnsOutcome::NoUsableAddress);
    // The unusable records are not kept in `addresses`: only the detail names them.
    assert!(l[0].detail.as_deref().unwrap().contains("0.0.0.0"));
}

#[tokio::test]
async fn servers_of_one_view_that_disagree_are_a_warning() {
    let a = DnsServer::start(
        LOCALHOST,
        Zone::new("contoso.test").with(
            "enterpriseregistration.contoso.test",
            DnsRecord::A(Ipv4Addr::new(127, 0, 0, 5)),
        ),
    )
    .await
    .unwrap();
    let b = DnsServer::start(
        LOCALHOST,
        Zone::new("contoso.test").with(
            "enterpriseregistration.contoso.test",
            DnsRecord::A(Ipv4Addr::new(127, 0, 0, 6)),
        ),
    )
    .await
    .unwrap();
    let f = run(settings_for(
        "contoso.test",
        vec![("internal", vec![a.addr(), b.addr()])],
    ))
    .await;
    assert_eq!(f.status, Status::Warn);
    let answers: Vec<(SocketAddr, Vec<IpAddr>)> = lookups(&f)
        .iter()
        .map(|l| (l.server, l.addresses.iter().map(|a| a.ip).collect()))
        .collect();
    assert_eq!(
        answers,
        [
            (a.addr(), vec![IpAddr::V4(Ipv4Addr::new(127, 0, 0, 5))]),
            (b.addr(), vec![IpAddr::V4(Ipv4Addr::new(127, 0, 0, 6))])
        ]
    );
    assert_eq!(
        resolved(&f).addresses,
        [IpAddr::V4(Ipv4Addr::new(127, 0, 0, 5))]
    );
}

#[tokio::test]
async fn ipv6_addresses_come_first_as_windows_orders_them() {
    let zone = Zone::new("contoso.test")
        .with(
            "enterpriseregistration.contoso.test",
            DnsRecord::A(Ipv4Addr::LOCALHOST),
        )
        .with(
            "enterpriseregistration.contoso.test",
            DnsRecord::Aaaa(std::net::Ipv6Addr::LOCALHOST),
        );
    let server = DnsServer::start(LOCALHOST, zone).await.unwrap();
    let f = run(settings_for(
        "contoso.test",
        vec![("internal", vec![server.addr()])],
    ))
    .await;
    assert_eq!(f.status, Status::Pass);
    assert_eq!(
        resolved(&f).addresses,
        [IpAddr::V6(std::net::Ipv6Addr::LOCALHOST), LOCALHOST]
    );
}

#[tokio::test]
async fn international_domain_names_are_queried_in_punycode() {
    let zone = Zone::new("xn--bcher-kva.test").with(
        "enterpriseregistration.xn--bcher-kva.test",
        DnsRecord::A(Ipv4Addr::LOCALHOST),
    );
    let server = DnsServer::start(LOCALHOST, zone).await.unwrap();
    let f = run(settings_for(
        "anna@bücher.test",
        vec![("internal", vec![server.addr()])],
    ))
    .await;
    assert_eq!(f.status, Status::Pass, "{f:?}");
    assert_eq!(
        lookups(&f)[0].name,
        "enterpriseregistration.xn--bcher-kva.test"
    );
}

#[tokio::test]
async fn no_servers_is_an_error_not_a_failure() {
    let f = run(settings_for("contoso.test", vec![])).await;
    assert_eq!(f.status, Status::Error);
    assert_eq!(f.failure, None);
    let f = run(settings_for("contoso.test", vec![("external", vec![])])).await;
    assert_eq!(f.status, Status::Error);
    // The message names the view without servers.
    assert!(f.summary.contains("external"));
}

/// The first fix follows the observed cause: a server that does not answer, fails or refuses is
/// fixed at the server; only a missing name is fixed by creating the record.
#[tokio::test]
async fn the_first_fix_follows_the_observed_cause() {
    for (scenario, starts) in [
        ("dns-timeout", "The DNS server did not answer"),
        ("dns-servfail", "The DNS server failed"),
        ("dns-refused", "The DNS server refused the query"),
        ("dns-nxdomain", "Create "),
        ("dns-nodata", "Create "),
    ] {
        let lab = lab(scenario).await;
        let mut settings = lab.settings();
        settings.dns_timeout = Duration::from_millis(300);
        let f = run(settings).await;
        assert_eq!(f.failure, Some(JoinFailure::NameNotResolved), "{scenario}");
        let fix = f.remediation.as_deref().unwrap_or_default();
        assert!(fix.starts_with(starts), "{scenario}: {fix}");
    }
}
