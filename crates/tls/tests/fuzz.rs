//! Property tests ("fuzzing on stable"): CRLs. [`wpj_tls::crl_times`] and [`wpj_tls::CrlList`] fed arbitrary bytes and
//! mutations of real CRLs (minted by the testkit's PKI) must give `Some` or `None`, never a panic;
//! and the revocation step ([`wpj_tls::check_path`], which parses what a CRL server sends with
//! `wpj_tls::CrlList`, checks the signature, looks the certificate up) must turn whatever a
//! CRL server sends into a finding — and never pass a certificate its CA revoked, however the CRL
//! saying so was damaged.
//!
//! `WPJ_FUZZ_CASES` sets the cases per property (256 by default); `scripts/fuzz.sh` runs many more.

use std::sync::{Arc, LazyLock, Mutex, PoisonError};
use std::time::Duration;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::Index;
use rustls_pki_types::CertificateDer;
use wpj_core::{Context, JoinFailure, ResolverView, Resolvers, Settings, Status, Target};
use wpj_testkit::fuzz::{Mutation, config, mutate, mutation, runtime};
use wpj_testkit::http::{Response, read_request};
use wpj_testkit::pki::{
    CrlSpec, ISSUING_CRL_PATH, LEAF_SERIAL, LeafSpec, Pki, PkiSpec, crl_with_entries, der_tlv,
};
use wpj_testkit::server::{TaskGuard, serve};
use wpj_tls::{CrlList, check_path, crl_times};

/// A lab PKI whose issuing CA revoked the leaf, and a CRL server on loopback that serves, for the
/// leaf's CRL, whatever the current case says (and the root's valid CRL for the intermediate).
struct CrlLab {
    pki: Pki,
    /// The issuing CA's valid CRL, listing the leaf.
    issuing_crl: Vec<u8>,
    /// The root's valid CRL.
    root_crl: Vec<u8>,
    /// What the server sends for the issuing CA's CRL.
    served: Arc<Mutex<Vec<u8>>>,
    settings: Settings,
    _server: TaskGuard,
}

static LAB: LazyLock<CrlLab> = LazyLock::new(|| {
    runtime().block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let pki = Pki::generate(&PkiSpec {
            domain: "fuzz.test".into(),
            pki_base_url: base,
            leaf: LeafSpec {
                cdp: true,
                ..LeafSpec::plain(&["enterpriseregistration.fuzz.test"])
            },
        })
        .expect("PKI");
        let issuing_crl = pki
            .crl(
                &pki.intermediate,
                &CrlSpec {
                    revoked: vec![LEAF_SERIAL],
                    filler: 3,
                    ..CrlSpec::default()
                },
            )
            .expect("issuing CRL");
        let root_crl = pki.crl(&pki.root, &CrlSpec::default()).expect("root CRL");
        let served = Arc::new(Mutex::new(issuing_crl.clone()));
        let (issuing, root) = (Arc::clone(&served), root_crl.clone());
        let server = serve(listener, move |mut stream, _| {
            let (issuing, root) = (Arc::clone(&issuing), root.clone());
            async move {
                let Some(request) = read_request(&mut stream).await else {
                    return;
                };
                let body = if request.path == ISSUING_CRL_PATH {
                    issuing
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .clone()
                } else {
                    root
                };
                let _ = Response::new(200, "application/pkix-crl", body)
                    .write_to(&mut stream)
                    .await;
            }
        });
        let mut settings = Settings::new(Target::parse("fuzz.test").expect("target"));
        settings.trust.system = false;
        settings.trust.extra_pem = vec![pki.root.pem().into_bytes()];
        // CRL URLs name 127.0.0.1: nothing is resolved, but a run needs a DNS configuration.
        settings.resolvers = Resolvers::Views(vec![ResolverView {
            name: "none".into(),
            servers: vec!["127.0.0.1:9".parse().expect("address")],
        }]);
        settings.network_timeout = Duration::from_secs(5);
        CrlLab {
            pki,
            issuing_crl,
            root_crl,
            served,
            settings,
            _server: server,
        }
    })
});

/// Valid CRLs: the lab's (one listing the leaf, the root's), a stale one, one signed by the wrong
/// key, and larger ones.
static CRLS: LazyLock<Vec<Vec<u8>>> = LazyLock::new(|| {
    let lab = &*LAB;
    let spec = |stale, wrong_key| CrlSpec {
        revoked: vec![LEAF_SERIAL],
        stale,
        wrong_key,
        ..CrlSpec::default()
    };
    vec![
        lab.issuing_crl.clone(),
        lab.root_crl.clone(),
        lab.pki
            .crl(&lab.pki.intermediate, &spec(true, false))
            .expect("stale CRL"),
        lab.pki
            .crl(&lab.pki.intermediate, &spec(false, true))
            .expect("CRL"),
        crl_with_entries(0).expect("CRL"),
        crl_with_entries(40).expect("CRL"),
    ]
});

/// Tokens that mean something in DER: tags, long and indefinite lengths, times.
const TOKENS: &[&[u8]] = &[
    b"\x30\x80",
    b"\x30\x82\xff\xff",
    b"\x30\x84\xff\xff\xff\xff",
    b"\x30\x00",
    b"\x02\x01\x01",
    b"\x02\x00",
    b"\x17\x0d261125093000Z",
    b"\x17\x0d991399999999Z",
    b"\x18\x0f20500101000000Z",
    b"\x18\x0f99991231235959Z",
    b"\x18\x0f00000000000000Z",
    b"\x06\x03\x55\x1d\x14",
    b"\x05\x00",
    b"\x00",
    b"\xff",
    b"\x80",
    b"\x81\xff",
    b"\x83\xff\xff\xff",
    b"\xa0\x00",
];

/// A DER element: primitive (its content) or constructed (its elements).
#[derive(Debug, Clone)]
enum Der {
    Primitive(u8, Vec<u8>),
    Constructed(u8, Vec<Der>),
}

/// The elements of `input` (single-byte tags, definite lengths), `None` when it is not such DER.
fn parse_der(mut input: &[u8]) -> Option<Vec<Der>> {
    let mut out = Vec::new();
    while let Some((&tag, rest)) = input.split_first() {
        let (&first, rest) = rest.split_first()?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else {
            let n = usize::from(first & 0x7f);
            if n == 0 || n > 3 || rest.len() < n {
                return None;
            }
            let len = rest[..n]
                .iter()
                .fold(0, |acc, b| (acc << 8) | usize::from(*b));
            (len, &rest[n..])
        };
        if rest.len() < len || tag & 0x1f == 0x1f {
            return None;
        }
        let (content, after) = rest.split_at(len);
        out.push(if tag & 0x20 == 0 {
            Der::Primitive(tag, content.to_vec())
        } else {
            Der::Constructed(tag, parse_der(content)?)
        });
        input = after;
    }
    Some(out)
}

/// `elements` encoded with minimal definite lengths.
fn encode_der(elements: &[Der]) -> Vec<u8> {
    let mut out = Vec::new();
    for element in elements {
        let (tag, content) = match element {
            Der::Primitive(tag, content) => (*tag, content.clone()),
            Der::Constructed(tag, children) => (*tag, encode_der(children)),
        };
        out.extend(der_tlv(tag, &content));
    }
    out
}

/// A change to one element of a DER tree; lengths are recomputed afterwards, so the change reaches
/// the parser's inner layers instead of failing the outermost length check.
#[derive(Debug, Clone)]
enum TreeMutation {
    /// Mutate a primitive element's content.
    Content(Vec<Mutation>),
    /// Replace the element's tag.
    Tag(u8),
    /// Remove the element.
    Remove,
    /// Repeat the element.
    Duplicate(usize),
}

fn tree_mutation() -> impl Strategy<Value = TreeMutation> {
    prop_oneof![
        4 => vec(mutation(), 1..4).prop_map(TreeMutation::Content),
        1 => any::<u8>().prop_map(TreeMutation::Tag),
        1 => Just(TreeMutation::Remove),
        1 => (2usize..300).prop_map(TreeMutation::Duplicate),
    ]
}

/// The number of elements in `elements`, nested ones included.
fn count(elements: &[Der]) -> usize {
    elements
        .iter()
        .map(|e| match e {
            Der::Primitive(..) => 1,
            Der::Constructed(_, children) => 1 + count(children),
        })
        .sum()
}

/// Applies `m` to the `target`-th element (pre-order); true once applied.
fn apply_tree(elements: &mut Vec<Der>, target: &mut usize, m: &TreeMutation) -> bool {
    for i in 0..elements.len() {
        if *target == 0 {
            match m {
                TreeMutation::Content(bytes) => match &mut elements[i] {
                    Der::Primitive(_, content) => *content = mutate(content, bytes, TOKENS),
                    Der::Constructed(tag, children) => {
                        let encoded = encode_der(children);
                        elements[i] = Der::Primitive(*tag & !0x20, mutate(&encoded, bytes, TOKENS));
                    }
                },
                TreeMutation::Tag(tag) => match &mut elements[i] {
                    Der::Primitive(t, _) | Der::Constructed(t, _) => {
                        *t = (*t & 0x20) | (tag & !0x20);
                    }
                },
                TreeMutation::Remove => {
                    elements.remove(i);
                }
                TreeMutation::Duplicate(times) => {
                    let copy = elements[i].clone();
                    for _ in 1..*times {
                        elements.insert(i, copy.clone());
                    }
                }
            }
            return true;
        }
        *target -= 1;
        if let Der::Constructed(_, children) = &mut elements[i]
            && apply_tree(children, target, m)
        {
            return true;
        }
    }
    false
}

/// A mutation of one of [`CRLS`]: bytes changed anywhere, or one element of its DER tree changed
/// and the lengths around it recomputed.
fn mutated_crl() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => (any::<Index>(), vec(mutation(), 1..6)).prop_map(|(i, m)| {
            let crls = &*CRLS;
            mutate(&crls[i.index(crls.len())], &m, TOKENS)
        }),
        2 => (any::<Index>(), vec((any::<Index>(), tree_mutation()), 1..4)).prop_map(|(i, changes)| {
            let crls = &*CRLS;
            let sample = &crls[i.index(crls.len())];
            let Some(mut tree) = parse_der(sample) else {
                return sample.clone();
            };
            for (at, change) in &changes {
                let n = count(&tree);
                if n > 0 {
                    apply_tree(&mut tree, &mut at.index(n), change);
                }
            }
            encode_der(&tree)
        }),
    ]
}

/// Arbitrary bytes, alone or behind the start of a DER SEQUENCE.
fn arbitrary_der() -> impl Strategy<Value = Vec<u8>> {
    let prefix = prop_oneof![
        Just(&b""[..]),
        Just(&b"\x30\x82\x01\x00\x30\x81\xf0"[..]),
        Just(&b"\x30\x80\x30\x80\x02\x01\x01\x30\x00\x30\x00"[..]),
    ];
    (prefix, vec(any::<u8>(), 0..600)).prop_map(|(p, rest)| [p, &rest].concat())
}

fn check_readers(der: &[u8]) {
    if let Some(times) = crl_times(der) {
        let _ = (times.this_update.to_string(), times.next_update);
    }
    // The revocation step's reader: an error or an answer, never a panic.
    if let Ok(crl) = CrlList::from_der(der) {
        let _ = crl.find(&LEAF_SERIAL.to_be_bytes()[6..]);
    }
}

/// Held while a case owns the server.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// The revocation step's finding for the lab's chain when the leaf's CRL server sends `body`.
fn revocation_with(body: Vec<u8>) -> wpj_core::Finding {
    let lab = &*LAB;
    // One case at a time: the server's answer is shared by the tests of this file.
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(PoisonError::into_inner);
    *lab.served.lock().unwrap_or_else(PoisonError::into_inner) = body;
    let path: Vec<CertificateDer<'static>> = vec![
        lab.pki.leaf.clone(),
        lab.pki.intermediate.der().clone(),
        lab.pki.root.der().clone(),
    ];
    // A run of its own per case: the run's byte budget is not shared across cases.
    let cx = Context::new(lab.settings.clone());
    runtime().block_on(check_path(&path, true, &cx))
}

#[test]
fn the_lab_crl_revokes_the_leaf() {
    let finding = revocation_with(LAB.issuing_crl.clone());
    assert_eq!(
        finding.failure,
        Some(JoinFailure::CertRevoked),
        "{finding:?}"
    );
    assert!(crl_times(&LAB.issuing_crl).is_some());
}

#[test]
fn der_trees_encode_back_to_the_same_bytes() {
    for crl in &*CRLS {
        let tree = parse_der(crl).expect("a CRL is DER");
        assert_eq!(&encode_der(&tree), crl);
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn crl_times_takes_any_bytes(der in arbitrary_der()) {
        check_readers(&der);
    }

    #[test]
    fn crl_times_takes_mutated_crls(der in mutated_crl()) {
        check_readers(&der);
    }

    /// Whatever the leaf's CRL server sends, the step ends in a finding; as the CA revoked the
    /// leaf, that finding is a failure: revoked when the CRL still verifies, revocation unknown
    /// (hard-fail) when it does not.
    #[test]
    fn revocation_never_passes_a_revoked_leaf(body in prop_oneof![3 => mutated_crl(), 1 => arbitrary_der()]) {
        let finding = revocation_with(body);
        prop_assert_eq!(finding.status, Status::Fail, "{:?}", finding);
        prop_assert!(
            matches!(finding.failure, Some(JoinFailure::CertRevoked | JoinFailure::RevocationOffline)),
            "{:?}",
            finding
        );
    }
}
