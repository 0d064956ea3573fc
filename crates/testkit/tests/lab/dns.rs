//! The lab's DNS really answers (and fails) as scripted, over UDP and TCP.

use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

use hickory_resolver::net::{DnsError, NetError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, RecordType};
use wpj_testkit::dns::{DnsFault, DnsServer, Zone};
use wpj_testkit::{ExternalView, Lab, LabSpec};

use crate::clients::{lab, resolver};

fn a_records(lookup: &hickory_resolver::lookup::Lookup) -> Vec<Ipv4Addr> {
    lookup
        .answers()
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(a.0),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn onprem_name_has_an_a_record_over_udp_and_tcp() {
    let lab = lab("healthy-onprem").await;
    for tcp in [false, true] {
        let lookup = resolver(lab.resolver(), tcp)
            .lookup("enterpriseregistration.contoso.test.", RecordType::A)
            .await
            .expect("answer");
        assert_eq!(a_records(&lookup), [Ipv4Addr::LOCALHOST], "tcp={tcp}");
        assert_eq!(lookup.answers()[0].ttl, wpj_testkit::dns::ADDRESS_TTL);
    }
}

#[tokio::test]
async fn entra_name_is_a_cname_chain_to_windows_net() {
    let lab = lab("healthy-entra").await;
    let lookup = resolver(lab.resolver(), false)
        .lookup("EnterpriseRegistration.fabrikam.test.", RecordType::A)
        .await
        .expect("answer");
    let answers = lookup.answers();
    let RData::CNAME(target) = &answers[0].data else {
        panic!("first answer is not a CNAME: {answers:?}")
    };
    assert_eq!(target.0.to_ascii(), "enterpriseregistration.windows.net.");
    assert_eq!(answers[0].ttl, wpj_testkit::dns::CNAME_TTL);
    assert_eq!(
        answers[1].name.to_ascii(),
        "enterpriseregistration.windows.net."
    );
    assert_eq!(a_records(&lookup), [Ipv4Addr::LOCALHOST]);
}

fn negative_code(err: &NetError) -> Option<ResponseCode> {
    match err {
        NetError::Dns(DnsError::NoRecordsFound(no)) => Some(no.response_code),
        NetError::Dns(DnsError::ResponseCode(code)) => Some(*code),
        _ => None,
    }
}

#[tokio::test]
async fn each_fault_produces_its_response_code() {
    for (scenario, want) in [
        ("dns-nxdomain", ResponseCode::NXDomain),
        ("dns-nodata", ResponseCode::NoError),
        ("dns-servfail", ResponseCode::ServFail),
        ("dns-refused", ResponseCode::Refused),
    ] {
        let lab = lab(scenario).await;
        let err = resolver(lab.resolver(), false)
            .lookup("enterpriseregistration.contoso.test.", RecordType::A)
            .await
            .expect_err(scenario);
        assert_eq!(negative_code(&err), Some(want), "{scenario}: {err:?}");
        // Other names in the zone are unaffected.
        let sts = resolver(lab.resolver(), false)
            .lookup("sts.contoso.test.", RecordType::A)
            .await
            .expect("sts answers");
        assert_eq!(a_records(&sts), [Ipv4Addr::LOCALHOST], "{scenario}");
    }
}

#[tokio::test]
async fn negative_answers_carry_the_zone_soa() {
    let lab = lab("dns-nxdomain").await;
    let err = resolver(lab.resolver(), false)
        .lookup("enterpriseregistration.contoso.test.", RecordType::A)
        .await
        .expect_err("nxdomain");
    let NetError::Dns(DnsError::NoRecordsFound(no)) = err else {
        panic!("{err:?}")
    };
    let soa = no.soa.expect("SOA in the authority section");
    assert_eq!(soa.name.to_ascii(), "contoso.test.");
}

#[tokio::test]
async fn a_dropping_server_never_answers() {
    let lab = lab("dns-timeout").await;
    let err = resolver(lab.resolver(), false)
        .lookup("enterpriseregistration.contoso.test.", RecordType::A)
        .await
        .expect_err("no answer");
    assert!(matches!(err, NetError::Timeout), "{err:?}");
}

#[tokio::test]
async fn a_delayed_answer_arrives_after_the_delay() {
    let delay = Duration::from_millis(300);
    let zone = Zone::new("contoso.test")
        .with(
            "enterpriseregistration.contoso.test",
            wpj_testkit::dns::DnsRecord::A(Ipv4Addr::LOCALHOST),
        )
        .with_fault(
            "enterpriseregistration.contoso.test",
            DnsFault::Delay(delay),
        );
    let server = DnsServer::start(IpAddr::V4(Ipv4Addr::LOCALHOST), zone)
        .await
        .unwrap();
    let started = Instant::now();
    let lookup = resolver(server.addr(), false)
        .lookup("enterpriseregistration.contoso.test.", RecordType::A)
        .await
        .expect("answer after the delay");
    assert!(started.elapsed() >= delay);
    assert_eq!(a_records(&lookup), [Ipv4Addr::LOCALHOST]);
}

#[tokio::test]
async fn split_horizon_views_answer_differently() {
    let lab = lab("healthy-split-horizon").await;
    let views = lab.views();
    assert_eq!(views.len(), 2);
    assert_eq!(
        (views[0].name.as_str(), views[1].name.as_str()),
        ("internal", "external")
    );
    let ask = |view: usize| {
        let r = resolver(views[view].servers[0], false);
        async move {
            a_records(
                &r.lookup("enterpriseregistration.contoso.test.", RecordType::A)
                    .await
                    .unwrap(),
            )
        }
    };
    assert_eq!(ask(0).await, [Ipv4Addr::LOCALHOST]);
    assert_eq!(ask(1).await, [wpj_testkit::lab::PROXY_IP]);

    let missing = lab_spec_external(ExternalView::Fault(DnsFault::NxDomain)).await;
    let err = resolver(missing.views()[1].servers[0], false)
        .lookup("enterpriseregistration.contoso.test.", RecordType::A)
        .await
        .expect_err("external view has no record");
    assert_eq!(negative_code(&err), Some(ResponseCode::NXDomain));
    let internal = resolver(missing.resolver(), false)
        .lookup("enterpriseregistration.contoso.test.", RecordType::A)
        .await
        .expect("internal view has it");
    assert_eq!(a_records(&internal), [Ipv4Addr::LOCALHOST]);
}

async fn lab_spec_external(view: ExternalView) -> Lab {
    Lab::start(LabSpec {
        external_view: Some(view),
        ..LabSpec::default()
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn farm_nodes_are_all_in_the_answer() {
    let lab = lab("adfs-farm-node-down").await;
    let lookup = resolver(lab.resolver(), false)
        .lookup("enterpriseregistration.contoso.test.", RecordType::A)
        .await
        .unwrap();
    assert_eq!(
        a_records(&lookup),
        [Ipv4Addr::new(127, 0, 0, 2), Ipv4Addr::new(127, 0, 0, 3)]
    );
}

#[tokio::test]
async fn the_pki_host_resolves_through_the_lab() {
    let lab = lab("healthy-onprem").await;
    let lookup = resolver(lab.resolver(), false)
        .lookup("pki.contoso.test.", RecordType::A)
        .await
        .unwrap();
    assert_eq!(a_records(&lookup), [Ipv4Addr::LOCALHOST]);
}

/// The stray-CNAME scenario really puts a record of another owner into the answer, so the client
/// under test must pick the chain that starts at the queried name.
#[tokio::test]
async fn a_stray_cname_rides_along_in_the_answer() {
    let lab = lab("dns-stray-cname").await;
    let lookup = resolver(lab.resolver(), false)
        .lookup("enterpriseregistration.contoso.test.", RecordType::A)
        .await
        .expect("answer");
    let stray = lookup.answers().iter().find(|r| {
        r.name.to_ascii() == "stray.contoso.test."
            && matches!(&r.data, RData::CNAME(t) if t.0.to_ascii() == "enterpriseregistration.windows.net.")
    });
    assert!(stray.is_some(), "{:?}", lookup.answers());
    assert_eq!(a_records(&lookup), [Ipv4Addr::LOCALHOST]);
}
