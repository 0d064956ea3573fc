//! Property tests ("fuzzing on stable"): the discovery document parser and judge, through the
//! crate's public surface. [`wpj_discovery::node_contract`] asks a loopback TLS server that answers
//! what each case says — arbitrary bytes, or mutations of real JSON and XML documents (the lab's
//! AD FS and Entra ID documents, MS-DVRD's example), with JSON, XML, HTML or odd content types,
//! sometimes a redirect — and must come back with a document or a typed [`Problem`], never a panic.
//! [`wpj_discovery::parse_http_date`] is fed arbitrary and mutated `Date` values.
//!
//! `WPJ_FUZZ_CASES` sets the cases per property (256 by default); `scripts/fuzz.sh` runs many more.

use std::net::SocketAddr;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use tokio_rustls::TlsAcceptor;
use wpj_core::{Context, JoinFailure, Problem, ResolverView, Resolvers, Settings, Target};
use wpj_discovery::{node_contract, parse_http_date};
use wpj_testkit::discovery::{
    ApiVersion, EntraRealm, Service, document_json, document_xml, entra_discover_json,
};
use wpj_testkit::fuzz::{config, mutate, mutation, runtime};
use wpj_testkit::http::{Response, http_date, read_request};
use wpj_testkit::https::{CAPTIVE_PORTAL_HTML, server_config};
use wpj_testkit::pki::{CrlExtras, LeafSpec, Pki, PkiSpec, Validity};
use wpj_testkit::server::{TaskGuard, serve};
use wpj_tls::inspection_config;

const DOMAIN: &str = "fuzz.test";

/// A registration service on loopback that answers every request with the current case's response.
struct Server {
    addr: SocketAddr,
    answer: Arc<Mutex<Response>>,
    settings: Settings,
    _task: TaskGuard,
}

static SERVER: LazyLock<Server> = LazyLock::new(|| {
    runtime().block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let pki = Pki::generate(&PkiSpec {
            domain: DOMAIN.into(),
            pki_base_url: "http://pki.fuzz.test".into(),
            leaf: LeafSpec {
                names: vec![format!("enterpriseregistration.{DOMAIN}")],
                validity: Validity::Current,
                cdp: false,
                aia: false,
                server_auth: true,
                subject: None,
                crl_paths: Vec::new(),
                crl_extras: CrlExtras::default(),
            },
        })
        .expect("PKI");
        let tls = server_config(pki.served_chain(true), pki.leaf_key(), false).expect("TLS");
        let acceptor = TlsAcceptor::from(tls);
        let answer = Arc::new(Mutex::new(Response::text(200, "")));
        let current = Arc::clone(&answer);
        let task = serve(listener, move |stream, _| {
            let (acceptor, current) = (acceptor.clone(), Arc::clone(&current));
            async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                if read_request(&mut tls).await.is_none() {
                    return;
                }
                let response = current
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clone();
                let _ = response.write_to(&mut tls).await;
                let _ = tokio::io::AsyncWriteExt::shutdown(&mut tls).await;
            }
        });
        let mut settings = Settings::new(Target::parse(DOMAIN).expect("target"));
        settings.port = addr.port();
        settings.trust.system = false;
        settings.trust.extra_pem = vec![pki.root.pem().into_bytes()];
        // The registration name is pinned to the server; a redirect elsewhere finds no DNS server.
        settings.resolvers = Resolvers::Views(vec![ResolverView {
            name: "none".into(),
            servers: vec!["127.0.0.1:9".parse().expect("address")],
        }]);
        settings.dns_timeout = Duration::from_millis(200);
        settings.network_timeout = Duration::from_secs(5);
        settings.api_versions = vec!["1.2".into()];
        Server {
            addr,
            answer,
            settings,
            _task: task,
        }
    })
});

/// MS-DVRD's example document (AD FS, version 1.0), as the reference prints it.
const REFERENCE_JSON: &str = r#"{"DeviceRegistrationService":{"RegistrationEndpoint":"https:\/\/sts.contoso.com\/EnrollmentServer\/DeviceEnrollmentWebService.svc","RegistrationResourceId":"urn:ms-drs:sts.contoso.com","ServiceVersion":"1.0"},"AuthenticationService":{"OAuth2":{"AuthCodeEndpoint":"https:\/\/sts.contoso.com\/adfs\/oauth2\/authorize","TokenEndpoint":"https:\/\/sts.contoso.com\/adfs\/oauth2\/token"}},"IdentityProviderService":{"PassiveAuthEndpoint":"https:\/\/sts.contoso.com\/adfs\/ls"}}"#;

/// Real documents: the lab's for AD FS and Entra ID, both versions, JSON and XML; Entra ID's tenant
/// discovery answer; MS-DVRD's example; a captive portal's page.
static DOCUMENTS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let adfs = Service::Adfs {
        sts_host: format!("sts.{DOMAIN}"),
    };
    let entra = Service::Entra {
        domain: DOMAIN.into(),
        realm: EntraRealm::Managed,
        inside: false,
    };
    let mut out = vec![
        REFERENCE_JSON.as_bytes().to_vec(),
        entra_discover_json(DOMAIN).into_bytes(),
        CAPTIVE_PORTAL_HTML.as_bytes().to_vec(),
    ];
    for service in [&adfs, &entra] {
        for version in [ApiVersion::V1_0, ApiVersion::V1_2] {
            out.push(document_json(service, version).into_bytes());
            out.push(document_xml(service, version).into_bytes());
        }
    }
    out
});

/// Tokens that mean something to JSON, XML or the judge.
const TOKENS: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b"null",
    b"1e999",
    b"-0",
    b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    b"<",
    b">",
    b"</",
    b"/>",
    b"&amp;",
    b"&#0;",
    b"<![CDATA[",
    b"]]>",
    b"<!DOCTYPE d [<!ENTITY e \"eeeeeeee\">]>",
    b"&e;",
    b" i:nil=\"true\"",
    b"xmlns=\"",
    b"https://",
    b"http://",
    b"https://[::1]:0/",
    b"https://xn--/",
    b"Endpoint",
    b"ServiceVersion",
    b"1.0",
    b"\xef\xbb\xbf",
    b"\xc3\xbc",
    b"\xff",
    b"<!doctype html>",
];

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        4 => (any::<Index>(), vec(mutation(), 0..6)).prop_map(|(i, m)| {
            let docs = &*DOCUMENTS;
            mutate(&docs[i.index(docs.len())], &m, TOKENS)
        }),
        1 => vec(any::<u8>(), 0..512),
        1 => "[{}\\[\\]\":,a-zA-Z0-9. <>/=]{0,200}".prop_map(String::into_bytes),
    ]
}

fn content_type() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("application/json".to_owned()),
        Just("application/json; charset=utf-8".to_owned()),
        Just("application/xml".to_owned()),
        Just("text/xml; charset=utf-8".to_owned()),
        Just("text/html".to_owned()),
        Just(String::new()),
        "[ -~]{0,40}",
    ]
}

/// Mostly a 200; sometimes a redirect (to this server, elsewhere or nowhere) or an error status.
fn response() -> impl Strategy<Value = Response> {
    let status = prop_oneof![
        8 => Just(200u16),
        1 => prop::sample::select(vec![301u16, 302, 303, 307, 308, 300, 399]),
        1 => 200u16..600,
    ];
    let location = prop_oneof![
        3 => Just(None),
        1 => prop::sample::select(vec![
            "/EnrollmentServer/contract?api-version=1.2",
            "https://enterpriseregistration.fuzz.test/adfs/EnrollmentServer/contract",
            "http://enterpriseregistration.fuzz.test/EnrollmentServer/contract",
            "https://sts.fuzz.test/x",
            "//elsewhere.fuzz.test/",
            "../../..",
            "",
        ])
        .prop_map(|l| Some(l.to_owned())),
        1 => "[ -~]{0,60}".prop_map(Some),
    ];
    (status, content_type(), location, body()).prop_map(|(status, ct, location, body)| {
        let mut r = Response::new(status, &ct, body);
        if let Some(location) = location {
            r.headers.push(("Location".to_owned(), location));
        }
        r
    })
}

/// Held while a case owns the server.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// What `node_contract` makes of `response`.
fn contract_with(response: Response) -> Result<wpj_core::DiscoveryDocument, Problem> {
    let server = &*SERVER;
    // One case at a time: the server's answer is shared by the tests of this file.
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    *server.answer.lock().unwrap_or_else(PoisonError::into_inner) = response;
    // A run of its own per case: the run's byte budget is not shared across cases.
    let cx = Context::new(server.settings.clone());
    runtime()
        .block_on(node_contract(server.addr, &cx, inspection_config(), true))
        .expect("the run's network layer")
}

#[test]
fn the_lab_document_is_read() {
    let doc = document_json(
        &Service::Adfs {
            sts_host: format!("sts.{DOMAIN}"),
        },
        ApiVersion::V1_2,
    );
    let got = contract_with(Response::new(200, "application/json", doc));
    assert!(got.is_ok(), "{got:?}");
}

/// `Date` values as servers send them, right and wrong.
fn date_like() -> impl Strategy<Value = String> {
    let samples = [
        http_date(time::OffsetDateTime::now_utc()),
        "Sun, 06 Nov 1994 08:49:37 GMT".to_owned(),
        "Sunday, 06-Nov-94 08:49:37 GMT".to_owned(),
        "Sun Nov  6 08:49:37 1994".to_owned(),
        "Fri, 31 Dec 9999 23:59:59 GMT".to_owned(),
    ];
    prop_oneof![
        any::<String>(),
        "[A-Za-z]{0,4}, [0-9]{0,3} [A-Za-z]{0,4} [0-9+-]{0,7} [0-9]{0,3}:[0-9]{0,3}:[0-9]{0,3} [A-Z]{0,4}",
        (any::<Index>(), vec(mutation(), 1..4)).prop_map(move |(i, m)| {
            let sample = &samples[i.index(samples.len())];
            String::from_utf8_lossy(&mutate(sample.as_bytes(), &m, TOKENS)).into_owned()
        }),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn contract_answers_become_a_document_or_a_typed_problem(response in response()) {
        let status = response.status;
        match contract_with(response) {
            Ok(doc) => {
                prop_assert!(doc.format == "json" || doc.format == "xml", "{:?}", doc);
                prop_assert_eq!(status, 200);
            }
            Err(problem) => {
                prop_assert!(JoinFailure::ALL.contains(&problem.failure));
                prop_assert!(!problem.to_string().is_empty());
            }
        }
    }

    #[test]
    fn parse_http_date_takes_any_text(value in date_like()) {
        if let Some(t) = parse_http_date(&value) {
            prop_assert_eq!(t.offset(), time::UtcOffset::UTC);
        }
    }
}
