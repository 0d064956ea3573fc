//! Validating a captured chain in Windows' terms, reporting every problem rather than the first.
//!
//! The path is built as `CryptoAPI` builds it ([`crate::path`]): from everything the server sent,
//! missing issuers fetched through AIA level by level ([`crate::aia`]); dates, names, usage and
//! algorithms are judged on the path kept. Certificates the server sent that the path does not
//! use are a warning, whatever their dates.

use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;
use webpki::{ExtendedKeyUsageValidator, KeyPurposeIdIter};
use wpj_core::{AiaFetch, CertificateInfo, CertificateSource, JoinFailure};

use crate::aia::{Fetcher, MAX_LEVELS, MAX_POOL};
use crate::certificate::Parsed;
use crate::names::{NameMatch, match_name};
use crate::path::{Built, best};
use crate::weak::{anchor_origin, weaknesses};
use wpj_net::{Net, RootOrigin, TrustStore};

/// One thing wrong with the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) position: usize,
    pub(crate) failure: JoinFailure,
    pub(crate) detail: String,
}

/// Something Windows copes with but other clients (or other devices) do not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Warning {
    /// What is wrong.
    pub(crate) detail: String,
    /// The failure it risks for devices that cannot cope (none: only other clients mind).
    pub(crate) risk: Option<JoinFailure>,
    /// How to fix it.
    pub(crate) fix: &'static str,
}

/// Everything learnt about the chain.
#[derive(Debug, Default)]
pub(crate) struct Assessment {
    /// The path's certificates in order, then the served ones it does not use, then the fetched
    /// ones it does not use.
    pub(crate) certificates: Vec<CertificateInfo>,
    pub(crate) problems: Vec<Problem>,
    /// Problems Windows copes with but other clients do not.
    pub(crate) warnings: Vec<Warning>,
    /// Every AIA download made while building the path.
    pub(crate) aia: Vec<AiaFetch>,
    /// Leaf, intermediates, then the trust anchor, when a path to a trusted root was built.
    pub(crate) path: Option<Vec<CertificateDer<'static>>>,
}

/// Accepts any extended key usage: usage is judged separately, so that a wrong usage does not hide
/// a path problem.
pub(crate) struct AnyUsage;

impl ExtendedKeyUsageValidator for AnyUsage {
    fn validate(&self, _: KeyPurposeIdIter<'_, '_>) -> Result<(), webpki::Error> {
        Ok(())
    }
}

const SEND_CHAIN: &str = "Configure the server (AD FS and the proxy) to send the full chain: install the intermediate certificate in the machine's Intermediate Certification Authorities store.";
const REMOVE_EXTRA: &str = "Remove the certificates the chain does not need from what the server sends (the certificate binding's chain on AD FS and the proxy).";
const ADD_SAN: &str = "Reissue the certificate with the name in a subjectAltName DNS entry.";
const REISSUE_STRONG: &str =
    "Reissue the weak certificates with SHA-256 signatures and RSA keys of at least 2048 bits.";

fn date(t: OffsetDateTime) -> String {
    t.date().to_string()
}

/// Judges the chain `served` for `name` at `now` against the run's trust store, fetching missing
/// issuers through AIA as Windows does.
pub(crate) async fn assess(
    served: &[CertificateDer<'static>],
    net: &Net,
    name: &str,
    now: OffsetDateTime,
) -> Assessment {
    assess_in(served, net, net.trust(), name, now).await
}

/// [`assess`] against `store`.
pub(crate) async fn assess_in(
    served: &[CertificateDer<'static>],
    net: &Net,
    store: &TrustStore,
    name: &str,
    now: OffsetDateTime,
) -> Assessment {
    let mut out = Assessment::default();
    let parsed: Vec<Parsed<'_>> = served.iter().map_while(Parsed::new).collect();
    if parsed.len() != served.len() || parsed.is_empty() {
        out.problems.push(Problem {
            position: parsed.len(),
            failure: JoinFailure::InvalidCert,
            detail: "the server sent a certificate that cannot be parsed".to_owned(),
        });
        for (i, p) in parsed.iter().enumerate() {
            out.certificates.push(p.info(i, CertificateSource::Served));
        }
        return out;
    }
    check_name(&parsed[0], &served[0], name, &mut out);
    check_usage(&parsed[0], &mut out);
    let (built, fetcher) = build(served, net, store, now).await;
    out.aia.clone_from(&fetcher.log);
    match built {
        Ok(built) => judge_path(served, &built, &fetcher, store, now, &mut out),
        Err(error) => {
            for (i, p) in parsed.iter().enumerate() {
                out.certificates.push(p.info(i, CertificateSource::Served));
            }
            for (cert, _) in &fetcher.fetched {
                if let Some(p) = Parsed::new(cert) {
                    out.certificates
                        .push(p.info(out.certificates.len(), CertificateSource::Aia));
                }
            }
            check_dates(&parsed, now, &mut out);
            no_path(&parsed, &error, &fetcher, &mut out);
        }
    }
    out
}

/// Builds the best path, fetching missing issuers through AIA level by level while no valid path
/// is found.
async fn build(
    served: &[CertificateDer<'static>],
    net: &Net,
    store: &TrustStore,
    now: OffsetDateTime,
) -> (Result<Built, webpki::Error>, Fetcher) {
    let leaf = &served[0];
    let mut pool: Vec<CertificateDer<'static>> = Vec::new();
    for c in &served[1..] {
        if pool.len() < MAX_POOL && !pool.contains(c) && c != leaf {
            pool.push(c.clone());
        }
    }
    let mut fetcher = Fetcher::default();
    let mut built = best(leaf, &pool, store, now);
    for _ in 0..MAX_LEVELS {
        if built.as_ref().is_ok_and(|b| b.valid_now) {
            break;
        }
        // The leaf is part of what may need an issuer.
        let mut all = vec![leaf.clone()];
        all.append(&mut pool);
        let added = fetcher.fetch_level(net, &mut all, store.roots()).await;
        pool = all.split_off(1);
        if added == 0 {
            break;
        }
        built = best(leaf, &pool, store, now);
    }
    (built, fetcher)
}

/// Judges the path kept: its dates, its algorithms by the root's origin, what AIA had to supply,
/// and what the server sent for nothing.
fn judge_path(
    served: &[CertificateDer<'static>],
    built: &Built,
    fetcher: &Fetcher,
    store: &TrustStore,
    now: OffsetDateTime,
    out: &mut Assessment,
) {
    let path = &built.path;
    let last = path.len() - 1;
    let on_path: Vec<Parsed<'_>> = path.iter().filter_map(Parsed::new).collect();
    for (i, (der, p)) in path.iter().zip(&on_path).enumerate() {
        let source = if i == last && i > 0 && store.roots().contains(der) {
            CertificateSource::TrustStore
        } else if i > 0 && !served.contains(der) && fetcher.source_of(der).is_some() {
            CertificateSource::Aia
        } else {
            CertificateSource::Served
        };
        out.certificates.push(p.info(i, source));
        if source == CertificateSource::Aia
            && let Some(url) = fetcher.source_of(der)
        {
            out.warnings.push(Warning {
                detail: format!(
                    "the server does not send {} ({}); Windows fetches it from {url}, but other \
                     clients and devices that cannot reach that URL fail",
                    if i == 1 {
                        "its intermediate certificate"
                    } else {
                        "an intermediate certificate"
                    },
                    p.subject(),
                ),
                risk: Some(JoinFailure::InvalidCa),
                fix: SEND_CHAIN,
            });
        }
    }
    if !built.valid_now {
        // The trust anchor's own dates are not judged (Windows does not either).
        let judged = if last > 0 {
            &on_path[..last]
        } else {
            &on_path[..]
        };
        check_dates(judged, now, out);
    }
    judge_algorithms(path, store, out);
    check_chain_usage(&on_path, out);
    for der in served.iter().skip(1) {
        let used = path.contains(der) || is_root_of(der, path);
        if used {
            continue;
        }
        let Some(p) = Parsed::new(der) else { continue };
        let position = out.certificates.len();
        out.certificates
            .push(p.info(position, CertificateSource::Served));
        let dates = if now > p.not_after() {
            format!(", expired on {}", date(p.not_after()))
        } else {
            String::new()
        };
        out.warnings.push(Warning {
            detail: format!(
                "the server sends {} (issued by {}){dates}, which the chain to the trusted root \
                 does not need (served but not needed: remove it; Windows ignores it, some \
                 clients build a path through it)",
                p.subject(),
                p.issuer()
            ),
            risk: None,
            fix: REMOVE_EXTRA,
        });
    }
    out.path = Some(path.clone());
}

/// Whether `der` is the path's root sent by the server (same subject and key as the anchor).
fn is_root_of(der: &CertificateDer<'static>, path: &[CertificateDer<'static>]) -> bool {
    let (Some(cert), Some(root)) = (Parsed::new(der), path.last().and_then(Parsed::new)) else {
        return false;
    };
    cert.self_issued()
        && cert.subject_raw() == root.subject_raw()
        && cert.cert.public_key().raw == root.cert.public_key().raw
}

/// SHA-1 signatures and short RSA keys: a warning under a private root, a failure under a root of
/// Microsoft's program (the system store).
fn judge_algorithms(path: &[CertificateDer<'static>], store: &TrustStore, out: &mut Assessment) {
    let weak = weaknesses(path);
    if weak.is_empty() {
        return;
    }
    let root = path
        .last()
        .and_then(Parsed::new)
        .map_or_else(|| "?".to_owned(), |p| p.subject());
    match anchor_origin(path, store) {
        RootOrigin::Private => {
            for w in weak {
                out.warnings.push(Warning {
                    detail: format!(
                        "{}: Windows accepts it under the private root {root}, but browsers, \
                         other clients, and Windows under public roots refuse it",
                        w.detail
                    ),
                    risk: None,
                    fix: REISSUE_STRONG,
                });
            }
        }
        _ => {
            for w in weak {
                out.problems.push(Problem {
                    position: w.position,
                    failure: JoinFailure::InvalidCert,
                    detail: format!(
                        "{}: Windows refuses it in a chain to {root}, a root of Microsoft's \
                         Trusted Root Program",
                        w.detail
                    ),
                });
            }
        }
    }
}

fn check_name(leaf: &Parsed<'_>, der: &CertificateDer<'static>, name: &str, out: &mut Assessment) {
    match match_name(leaf, der, name) {
        NameMatch::SubjectAltName => {}
        NameMatch::CommonNameOnly => out.warnings.push(Warning {
            detail: format!(
                "the certificate has no subjectAltName and names {name} only in its subject CN: \
                 Windows accepts it, browsers and other clients refuse it"
            ),
            risk: None,
            fix: ADD_SAN,
        }),
        NameMatch::Mismatch(covers) => out.problems.push(Problem {
            position: 0,
            failure: JoinFailure::CertNameInvalid,
            detail: format!("the certificate names {covers}, not {name}"),
        }),
    }
}

fn check_dates(parsed: &[Parsed<'_>], now: OffsetDateTime, out: &mut Assessment) {
    for (i, p) in parsed.iter().enumerate() {
        let detail = if now < p.not_before() {
            format!(
                "{} is not valid before {}",
                p.subject(),
                date(p.not_before())
            )
        } else if now > p.not_after() {
            format!("{} expired on {}", p.subject(), date(p.not_after()))
        } else {
            continue;
        };
        out.problems.push(Problem {
            position: i,
            failure: JoinFailure::CertDateInvalid,
            detail,
        });
    }
}

fn check_usage(leaf: &Parsed<'_>, out: &mut Assessment) {
    if leaf.server_auth() == Some(false) {
        out.problems.push(Problem {
            position: 0,
            failure: JoinFailure::InvalidCert,
            detail: format!(
                "its extended key usage ({}) does not include server authentication",
                leaf.usages().join(", ")
            ),
        });
    }
}

/// The intermediates' extended key usages: Windows' chain engine intersects the usages of every
/// CA certificate that has the extension, so an intermediate restricted to other usages makes the
/// chain invalid for server authentication (`CERT_TRUST_IS_NOT_VALID_FOR_USAGE`), however the
/// leaf is marked. The root (the last certificate) is left to the trust store's own properties.
fn check_chain_usage(on_path: &[Parsed<'_>], out: &mut Assessment) {
    let Some((_, intermediates)) = on_path.split_last() else {
        return;
    };
    for (position, ca) in intermediates.iter().enumerate().skip(1) {
        if ca.server_auth() == Some(false) {
            out.problems.push(Problem {
                position,
                failure: JoinFailure::InvalidCert,
                detail: format!(
                    "the intermediate {} limits its extended key usage to {}, without server \
                     authentication: Windows intersects the usages along the chain, so the \
                     server certificate is not valid for it",
                    ca.subject(),
                    ca.usages().join(", ")
                ),
            });
        }
    }
}

/// No trusted path at any moment: says why, from the chain as served.
fn no_path(parsed: &[Parsed<'_>], error: &webpki::Error, fetcher: &Fetcher, out: &mut Assessment) {
    let top_index = parsed.len() - 1;
    let top = &parsed[top_index];
    if matches!(
        error,
        webpki::Error::CertExpired { .. }
            | webpki::Error::CertNotValidYet { .. }
            | webpki::Error::InvalidCertValidity
    ) {
        // The validity windows do not overlap; the dates are reported on their own.
        return;
    }
    if *error != webpki::Error::UnknownIssuer {
        out.problems.push(Problem {
            position: top_index,
            failure: JoinFailure::InvalidCert,
            detail: format!("the chain does not verify: {error}"),
        });
        return;
    }
    let failures = fetcher.failures();
    let aia = if failures.is_empty() {
        String::new()
    } else {
        format!(
            "; fetching the intermediate through AIA failed ({})",
            failures.join("; ")
        )
    };
    if top.self_issued() {
        out.problems.push(Problem {
            position: top_index,
            failure: JoinFailure::InvalidCa,
            detail: format!(
                "the chain ends in the self-signed {}, which the device does not trust",
                top.subject()
            ),
        });
        return;
    }
    if top_index > 0 {
        // The server sent intermediates; the one at the top names an issuer nobody trusts.
        out.problems.push(Problem {
            position: top_index,
            failure: JoinFailure::InvalidCa,
            detail: format!(
                "the chain ends in {}, which is not a trusted root (it issued {}){aia}",
                top.issuer(),
                top.subject()
            ),
        });
        return;
    }
    let why = if parsed[0].ca_issuers().is_empty() {
        "the intermediate is missing and the certificate has no AIA URL to fetch it from (or the root is not trusted)".to_owned()
    } else if failures.is_empty() {
        "the intermediate fetched through AIA does not lead to a trusted root".to_owned()
    } else {
        format!(
            "fetching the intermediate through AIA failed ({})",
            failures.join("; ")
        )
    };
    out.problems.push(Problem {
        position: 0,
        failure: JoinFailure::InvalidCa,
        detail: format!(
            "the server sends only its own certificate, issued by {}, which is neither sent nor a trusted root: {why}",
            parsed[0].issuer()
        ),
    });
}

#[cfg(test)]
mod tests {
    use rustls_pki_types::pem::PemObject;

    use super::*;

    const ROOT: &[u8] = include_bytes!("../../testkit/fixtures/legacy/root.pem");
    const SHA1_CA: &[u8] = include_bytes!("../../testkit/fixtures/legacy/sha1-ca.pem");
    const LEAF: &[u8] = include_bytes!("../../testkit/fixtures/legacy/sha1-leaf.pem");
    const RSA1024_LEAF: &[u8] = include_bytes!("../../testkit/fixtures/legacy/rsa1024-leaf.pem");
    const NAME: &str = "enterpriseregistration.legacy.test";

    fn der(pem: &[u8]) -> CertificateDer<'static> {
        CertificateDer::from_pem_slice(pem).unwrap()
    }

    /// A network layer that is never used (the chains are complete) and the two stores: the
    /// fixture root as a private root, and as a root of the system store.
    pub(super) fn setup() -> (Net, TrustStore, TrustStore) {
        let mut settings = wpj_core::Settings::new(wpj_core::Target::parse("legacy.test").unwrap());
        settings.trust = wpj_core::TrustRoots {
            system: false,
            extra_pem: vec![ROOT.to_vec()],
        };
        // Loopback only, whatever `HTTPS_PROXY` the machine has.
        settings.proxy = Some(String::new());
        // Never asked: AIA URLs in these tests name addresses, not hosts.
        settings.resolvers = wpj_core::Resolvers::Views(vec![wpj_core::ResolverView {
            name: "internal".to_owned(),
            servers: vec![std::net::SocketAddr::from(([127, 0, 0, 1], 9))],
        }]);
        let net = Net::new(&settings, wpj_net::Limits::default()).unwrap();
        let root = der(ROOT);
        (
            net,
            TrustStore::from_parts(&[], std::slice::from_ref(&root)),
            TrustStore::from_parts(std::slice::from_ref(&root), &[]),
        )
    }

    fn now() -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }

    #[tokio::test]
    async fn a_sha1_intermediate_is_a_warning_under_a_private_root_and_refused_under_a_system_root()
    {
        let (net, private, system) = setup();
        let served = [der(LEAF), der(SHA1_CA)];
        let a = assess_in(&served, &net, &private, NAME, now()).await;
        assert!(a.problems.is_empty(), "{:?}", a.problems);
        assert_eq!(a.path.as_ref().map(Vec::len), Some(3));
        let [w] = &a.warnings[..] else {
            panic!("{:?}", a.warnings)
        };
        assert!(
            w.detail.starts_with("CN=wpj SHA-1 Issuing CA")
                || w.detail.contains("SHA-1 Issuing CA is signed with SHA-1"),
            "{}",
            w.detail
        );
        assert_eq!(w.risk, None);

        let a = assess_in(&served, &net, &system, NAME, now()).await;
        let failures: Vec<(usize, JoinFailure)> =
            a.problems.iter().map(|p| (p.position, p.failure)).collect();
        assert_eq!(
            failures,
            [(1, JoinFailure::InvalidCert)],
            "{:?}",
            a.problems
        );
        assert!(
            a.problems[0].detail.contains("Microsoft's"),
            "{:?}",
            a.problems
        );
        assert!(a.warnings.is_empty());
    }

    #[tokio::test]
    async fn an_rsa_1024_leaf_is_a_warning_under_a_private_root_and_refused_under_a_system_root() {
        let (net, private, system) = setup();
        let served = [der(RSA1024_LEAF)];
        let a = assess_in(&served, &net, &private, NAME, now()).await;
        assert!(a.problems.is_empty(), "{:?}", a.problems);
        let [w] = &a.warnings[..] else {
            panic!("{:?}", a.warnings)
        };
        assert!(w.detail.contains("1024-bit RSA key"), "{}", w.detail);
        let a = assess_in(&served, &net, &system, NAME, now()).await;
        let failures: Vec<(usize, JoinFailure)> =
            a.problems.iter().map(|p| (p.position, p.failure)).collect();
        assert_eq!(
            failures,
            [(0, JoinFailure::InvalidCert)],
            "{:?}",
            a.problems
        );
    }

    #[test]
    fn webpki_alone_refuses_the_sha1_intermediate() {
        let (_, private, _) = setup();
        let err =
            crate::path::best(&der(LEAF), &[der(SHA1_CA)], &private, now()).map(|b| b.path.len());
        assert_eq!(err, Ok(3), "accepted with the legacy algorithms");
        let anchors = private.anchors();
        let leaf = der(LEAF);
        let ee = webpki::EndEntityCert::try_from(&leaf).unwrap();
        assert!(
            ee.verify_for_usage(
                crate::signatures::ALGORITHMS,
                &anchors,
                &[der(SHA1_CA)],
                crate::certificate::unix(now()),
                AnyUsage,
                None,
                None,
            )
            .is_err()
        );
    }
}

#[cfg(test)]
mod aia_tests {
    use std::collections::HashMap;

    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    use wpj_core::AiaOutcome;
    use wpj_testkit::pki::aia_extension;
    use wpj_testkit::web::{Route, WebServer};

    use super::*;
    use crate::aia::{MAX_FETCHES, MAX_LEVELS};

    /// A CA named `name` whose AIA lists `aia`, signed by `parent` (self-signed without one).
    fn ca(
        name: &str,
        aia: &[&str],
        parent: Option<&(CertificateParams, KeyPair)>,
    ) -> (CertificateParams, KeyPair, CertificateDer<'static>) {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        if !aia.is_empty() {
            params.custom_extensions.push(aia_extension(aia));
        }
        let key = KeyPair::generate().unwrap();
        let cert = match parent {
            Some((p, k)) => params.signed_by(&key, &Issuer::from_params(p, k)),
            None => params.self_signed(&key),
        }
        .unwrap();
        (params, key, cert.der().clone())
    }

    /// An endless ladder of CAs, each naming the next through AIA (an `ldap://` URL first, as AD CS
    /// writes them), and none reaching a trusted root: the build stops at the limits, every download
    /// is recorded, and the verdict is the untrusted chain Windows gives up with.
    #[tokio::test]
    async fn an_endless_aia_ladder_is_followed_only_so_far_and_ldap_is_skipped() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let url = |n: usize| format!("{base}/ca{n}.crt");
        // ca(n) is issued by ca(n+1) and points at it; the top one is self-signed.
        let mut routes = HashMap::new();
        let (mut params, mut key, der) = ca(&format!("Rung {RUNGS}"), &[], None);
        routes.insert(
            format!("/ca{RUNGS}.crt"),
            Route::ok("application/pkix-cert", der.to_vec()),
        );
        for n in (0..RUNGS).rev() {
            let ldap = format!("ldap:///CN=Rung {},CN=AIA", n + 1);
            let next = url(n + 1);
            let (p, k, der) = ca(&format!("Rung {n}"), &[&ldap, &next], Some(&(params, key)));
            routes.insert(
                format!("/ca{n}.crt"),
                Route::ok("application/pkix-cert", der.to_vec()),
            );
            (params, key) = (p, k);
        }
        let mut leaf_params = CertificateParams::new(vec![NAME.to_owned()]).unwrap();
        leaf_params
            .custom_extensions
            .push(aia_extension(&[&url(0)]));
        let leaf = leaf_params
            .signed_by(
                &KeyPair::generate().unwrap(),
                &Issuer::from_params(&params, &key),
            )
            .unwrap()
            .der()
            .clone();
        let server = WebServer::start(listener, routes).unwrap();

        let (net, private, _) = tests_setup();
        let a = assess_in(&[leaf], &net, &private, NAME, OffsetDateTime::now_utc()).await;
        let fetched = a
            .aia
            .iter()
            .filter(|f| matches!(f.outcome, AiaOutcome::Fetched { .. }))
            .count();
        assert_eq!(fetched, MAX_LEVELS, "{:#?}", a.aia);
        assert!(fetched <= MAX_FETCHES);
        let hits: usize = (0..=RUNGS)
            .map(|n| server.hits(&format!("/ca{n}.crt")))
            .sum();
        assert_eq!(hits, MAX_LEVELS, "one download per URL, no more");
        let ldap = a
            .aia
            .iter()
            .filter(|f| {
                f.url.starts_with("ldap:") && matches!(f.outcome, AiaOutcome::Skipped { .. })
            })
            .count();
        assert!(ldap >= 1, "{:#?}", a.aia);
        assert!(a.path.is_none());
        let failures: Vec<JoinFailure> = a.problems.iter().map(|p| p.failure).collect();
        assert_eq!(failures, [JoinFailure::InvalidCa], "{:?}", a.problems);
    }

    const NAME: &str = "enterpriseregistration.legacy.test";
    /// How many CAs the ladder has above the leaf's issuer.
    const RUNGS: usize = 12;

    /// An intermediate whose extended key usage is client authentication only: the path is
    /// trusted, but Windows intersects the usages along the chain, so it is not valid for a server.
    #[tokio::test]
    async fn an_intermediate_without_server_auth_makes_the_chain_invalid_for_servers() {
        let (root_params, root_key, root) = ca("Usage Root", &[], None);
        let mut issuing = CertificateParams::new(Vec::<String>::new()).unwrap();
        issuing
            .distinguished_name
            .push(DnType::CommonName, "Client-only Issuing CA");
        issuing.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        issuing.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let issuing_key = KeyPair::generate().unwrap();
        let issuing_der = issuing
            .signed_by(&issuing_key, &Issuer::from_params(&root_params, &root_key))
            .unwrap()
            .der()
            .clone();
        let mut leaf = CertificateParams::new(vec![NAME.to_owned()]).unwrap();
        leaf.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
        let leaf = leaf
            .signed_by(
                &KeyPair::generate().unwrap(),
                &Issuer::from_params(&issuing, &issuing_key),
            )
            .unwrap()
            .der()
            .clone();
        let (net, _, _) = tests_setup();
        let store = TrustStore::from_parts(&[], std::slice::from_ref(&root));
        let a = assess_in(
            &[leaf, issuing_der],
            &net,
            &store,
            NAME,
            OffsetDateTime::now_utc(),
        )
        .await;
        let usage: Vec<&Problem> = a
            .problems
            .iter()
            .filter(|p| p.failure == JoinFailure::InvalidCert)
            .collect();
        assert_eq!(usage.len(), 1, "{:?}", a.problems);
        assert_eq!(usage[0].position, 1);
        assert!(
            usage[0].detail.contains("Client-only Issuing CA"),
            "{}",
            usage[0].detail
        );
        assert!(
            usage[0].detail.contains("to clientAuth"),
            "{}",
            usage[0].detail
        );
    }

    fn tests_setup() -> (Net, TrustStore, TrustStore) {
        super::tests::setup()
    }
}
