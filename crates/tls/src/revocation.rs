//! The revocation step: every non-root certificate of the chain checked concurrently, each as
//! Windows' `CryptoAPI` does it — the stapled OCSP response (leaf only), the OCSP responders of its
//! AIA, then its CRL distribution points in the order the certificate lists them, until one gives a
//! definitive answer (good or revoked) — and judged three ways (good, revoked, unknown), hard-fail
//! as Windows does.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use futures_util::future::join_all;
use rustls_pki_types::CertificateDer;
use time::OffsetDateTime;
use wpj_core::{
    AttemptOutcome, Check, CheckId, Context, CrlFetch, CrlOutcome, DeviceWait, Evidence, Finding,
    JoinFailure, OcspOutcome, OnceMap, Resolvers, RevocationAttempt, RevocationInfo,
    RevocationSource, RevocationStatus,
};
use wpj_net::Net;

use crate::certificate::Parsed;
use crate::ocsp::Query;
use crate::tls_check::{CapturedChain, TlsCheck};

/// A CRL whose `nextUpdate` is closer than this is reported: cached copies run out soon.
pub const EXPIRY_WARNING: Duration = Duration::from_secs(24 * 3600);

/// Checks revocation of every non-root certificate in the chain in `CryptoAPI`'s order: the OCSP
/// response the server stapled (leaf only; no fetch), the OCSP URLs of the certificate's AIA
/// (a response counts when signed by the issuer or a responder it delegated with
/// `id-kp-OCSPSigning`, about this certificate, and current), then its CRL distribution points,
/// stopping at the first definitive answer. Revoked anywhere → 0x80072F8A (KB3045383) naming the certificate and the
/// source that said so; unknown anywhere (no source answered: responder or CDP unreachable, timed
/// out, HTTP error, `tryLater`, status unknown, stale, bad signature, undelegated signer, not a CRL,
/// expired CRL, no OCSP and no CDP, only `ldap://` CDPs — unknown for devices outside the domain)
/// → 0x80072F19 (KB3045384), because Windows treats an unknown status as a failure. An `ldap://`
/// CDP followed by an http one is skipped (noted in the evidence), as a device outside the domain
/// moves on to the next URL.
/// A CRL that names delta CRLs (`FreshestCRL`) is read with them (`crate::crl`). Each CRL's
/// `thisUpdate`/`nextUpdate` is reported; a CRL that expires within a day is a `Warn`.
///
/// It runs even when the TLS step failed, as long as a chain was captured: a name mismatch and a
/// revoked certificate are both worth knowing.
#[derive(Debug, Clone, Default)]
pub struct RevocationCheck;

impl RevocationCheck {
    /// The check's id.
    pub const ID: CheckId = CheckId::new_static("revocation");
}

/// One certificate to check: its position, itself, and the path it sits in.
struct Subject<'a> {
    position: usize,
    path: &'a [CertificateDer<'static>],
}

#[async_trait]
impl Check for RevocationCheck {
    fn id(&self) -> CheckId {
        Self::ID
    }

    fn depends_on(&self) -> &[CheckId] {
        const DEPS: &[CheckId] = &[TlsCheck::ID];
        DEPS
    }

    fn runs_after_failure(&self) -> bool {
        true
    }

    async fn run(&self, cx: &Context) -> Finding {
        let Some(chain) = cx.output::<CapturedChain>() else {
            return Finding::skipped(Self::ID, "not run: no certificate chain was captured");
        };
        // A trusted path when there is one; else the chain as served, its top taken as the issuer.
        let path: &[CertificateDer<'static>] = match &chain.path {
            Some(path) => path,
            None if chain.served.len() > 1 => &chain.served,
            None => {
                return Finding::skipped(
                    Self::ID,
                    "not run: the leaf's issuer is unknown, so its CRL signature cannot be checked",
                );
            }
        };
        let stapled = chain.stapled_ocsp.as_deref();
        check_path_stapled(path, chain.path.is_some(), stapled, cx).await
    }
}

/// Checks the revocation of every non-root certificate of `path` (leaf first, its issuer's
/// certificate last) as the revocation step does, through the run's DNS: the step's own finding
/// for that chain. `trusted` says whether `path` ends in a trust anchor (else its top certificate
/// is only taken as the issuer). Used for every chain a device validates: the registration
/// service's, and those of the hosts it signs in at.
pub async fn check_path(path: &[CertificateDer<'static>], trusted: bool, cx: &Context) -> Finding {
    check_path_stapled(path, trusted, None, cx).await
}

/// [`check_path`] with the OCSP response the server stapled for the leaf in the handshake, which
/// is looked at first, as Windows does: a current, verified staple decides without a fetch (good
/// or revoked); a stale or unverifiable one is noted and the URLs are asked. That fallback is a
/// choice: `CryptoAPI` treats a stapled response like one from its URL cache, and goes online when
/// a cached response is not time-valid ("What's New in Certificate Revocation in Windows Vista");
/// failing on a stale staple instead would report a failure Windows does not have.
///
/// The run checks a path (with its staple) once: the TLS step starts the check the moment the
/// server's chain arrives, and whoever asks for it later awaits that one.
pub async fn check_path_stapled(
    path: &[CertificateDer<'static>],
    trusted: bool,
    stapled: Option<&[u8]>,
    cx: &Context,
) -> Finding {
    Started::cell(cx, path, trusted, stapled)
        .get_or_init(|| check_now(path, trusted, stapled, cx))
        .await
        .clone()
}

/// The revocation checks of a run, by path, trust and staple: each made once.
#[derive(Default)]
struct Started(OnceMap<StartedKey, Finding>);

/// A path, whether it ends in a trust anchor, and the leaf's staple.
type StartedKey = (Vec<CertificateDer<'static>>, bool, Option<Vec<u8>>);

impl Started {
    /// The run's place for the check of `path`.
    fn cell(
        cx: &Context,
        path: &[CertificateDer<'static>],
        trusted: bool,
        stapled: Option<&[u8]>,
    ) -> Arc<tokio::sync::OnceCell<Finding>> {
        cx.run_shared::<Self>()
            .0
            .cell((path.to_vec(), trusted, stapled.map(<[u8]>::to_vec)))
    }
}

/// Starts the revocation check of `path` (as [`check_path_stapled`] makes it) in the background,
/// unless the run already has: the TLS step calls it the moment the server's chain arrives, so that
/// the CRL and OCSP fetches overlap the rest of the handshake and the contract request. The task
/// ends by the check's own bounds, whoever awaits it, and at the latest by the deadline of the
/// check that started it.
pub(crate) fn start(
    path: Vec<CertificateDer<'static>>,
    trusted: bool,
    stapled: Option<Vec<u8>>,
    cx: &Context,
) {
    let cell = Started::cell(cx, &path, trusted, stapled.as_deref());
    if cell.initialized() {
        return;
    }
    let owned = cx.clone();
    crate::examined::spawn_within_run(cx, async move {
        cell.get_or_init(|| check_now(&path, trusted, stapled.as_deref(), &owned))
            .await;
    });
}

/// The check of `path`, made now.
async fn check_now(
    path: &[CertificateDer<'static>],
    trusted: bool,
    stapled: Option<&[u8]>,
    cx: &Context,
) -> Finding {
    let net = match Net::for_run(cx) {
        Ok(net) => net,
        Err(e) => return Finding::error(RevocationCheck::ID, e.to_string()),
    };
    let now = OffsetDateTime::now_utc();
    let subjects: Vec<Subject<'_>> = (0..path.len().saturating_sub(1))
        .map(|position| Subject { position, path })
        .collect();
    let until = time_left(cx);
    let infos = join_all(
        subjects
            .iter()
            .map(|s| check_one(s, stapled, &net, now, until)),
    )
    .await;
    let unanswered =
        crate::revocation_views::unanswered_in_other_views(path, &infos, cx, &net).await;
    crate::revocation_views::with_other_views(judge(infos, now, trusted), &unanswered)
}

/// When this check's downloads must be over: the check must end (with the lookups in the other DNS
/// views, when there are some) before its time-out, or the runner would report a time-out no device
/// has. A tenth of the check's time is kept for judging what was read. A download still running
/// then is cut short, and the sources after it are not asked: this tool's limit, not a device's.
fn time_left(cx: &Context) -> Instant {
    let settings = cx.settings();
    let other_views = matches!(&settings.resolvers, Resolvers::Views(v) if v.len() > 1);
    let lookups = if other_views {
        settings.dns_timeout
    } else {
        Duration::ZERO
    };
    let room = settings
        .check_timeout
        .saturating_sub(lookups)
        .saturating_sub(settings.check_timeout / 10);
    Instant::now() + room
}

async fn check_one(
    s: &Subject<'_>,
    stapled: Option<&[u8]>,
    net: &Net,
    now: OffsetDateTime,
    last_start: Instant,
) -> RevocationInfo {
    let cert = &s.path[s.position];
    let parsed = Parsed::new(cert);
    let (subject, serial, crl_urls, ocsp_urls) = parsed.as_ref().map_or_else(
        || {
            (
                String::from("(unparseable)"),
                String::new(),
                Vec::new(),
                Vec::new(),
            )
        },
        |p| (p.subject(), p.serial_hex(), p.crl_urls(), p.ocsp_urls()),
    );
    let plan = plan(s.position, stapled.is_some(), &ocsp_urls, &crl_urls);
    let query = Query::new(cert, &s.path[s.position + 1]);
    let mut sources: Vec<RevocationAttempt> = Vec::new();
    let mut crls = Vec::new();
    for step in plan {
        let late = Instant::now() >= last_start;
        let attempt = match step {
            Step::Skip(source, why) => skipped(source, why),
            // Sources tried one after another can outlast the check (stalled servers): the rest
            // is this tool's limit, not a device's — a device may still get an answer from them.
            Step::Ocsp(url) if late => out_of_time(RevocationSource::Ocsp { url: url.clone() }),
            Step::Crl(url) if late => out_of_time(RevocationSource::Crl { url: url.clone() }),
            Step::Stapled => match (&query, stapled) {
                (Ok(query), Some(body)) => {
                    let started = Instant::now();
                    let outcome = query.judge(body, now);
                    attempt(
                        RevocationSource::Stapled,
                        AttemptOutcome::Ocsp(outcome),
                        Some(body.len()),
                        started,
                    )
                }
                (Err(e), _) => not_read(RevocationSource::Stapled, e),
                (Ok(_), None) => continue,
            },
            Step::Ocsp(url) => match &query {
                Ok(query) => {
                    tokio::time::timeout_at(last_start.into(), ocsp_attempt(url, query, net, now))
                        .await
                        .unwrap_or_else(|_| cut_short(RevocationSource::Ocsp { url: url.clone() }))
                }
                Err(e) => not_read(RevocationSource::Ocsp { url: url.clone() }, e),
            },
            Step::Crl(url) => {
                let (attempt, fetches) =
                    tokio::time::timeout_at(last_start.into(), crl_attempt(url, s, net, now))
                        .await
                        .unwrap_or_else(|_| {
                            (
                                cut_short(RevocationSource::Crl { url: url.clone() }),
                                Vec::new(),
                            )
                        });
                crls.extend(fetches);
                attempt
            }
        };
        let definitive = attempt.status.is_some();
        sources.push(attempt);
        if definitive {
            break;
        }
    }
    let decided = sources.iter_mut().find(|a| a.status.is_some());
    let (status, decided_by) = match decided {
        Some(a) => {
            a.decided = true;
            (
                a.status.clone().unwrap_or(RevocationStatus::Good),
                Some(a.source.clone()),
            )
        }
        None => (
            RevocationStatus::Unknown {
                why: why_unknown(&sources, &crls, &ocsp_urls, &crl_urls),
            },
            None,
        ),
    };
    RevocationInfo {
        position: s.position,
        subject,
        serial,
        status,
        crls,
        sources,
        decided_by,
    }
}

/// One step of the order in which Windows seeks a certificate's status.
enum Step<'u> {
    /// The stapled response (the leaf only).
    Stapled,
    /// An OCSP responder from AIA.
    Ocsp(&'u String),
    /// A CRL distribution point.
    Crl(&'u String),
    /// A source not tried, and why.
    Skip(RevocationSource, String),
}

/// Whether a URL is read through LDAP (from Active Directory).
fn is_ldap(url: &str) -> bool {
    url.get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("ldap://"))
}

/// The order `CryptoAPI` follows for one certificate: the stapled response (leaf only, no fetch),
/// the OCSP URLs of its AIA, then its CRL distribution points as the certificate lists them. An
/// `ldap://` distribution point is skipped when an http one follows: a device outside the domain
/// cannot read it, and Windows moves on to the next URL.
fn plan<'u>(
    position: usize,
    stapled: bool,
    ocsp: &'u [String],
    crl: &'u [String],
) -> Vec<Step<'u>> {
    let mut steps = Vec::new();
    if position == 0 && stapled {
        steps.push(Step::Stapled);
    }
    steps.extend(ocsp.iter().map(Step::Ocsp));
    for (i, url) in crl.iter().enumerate() {
        if is_ldap(url) {
            let http_follows = crl[i + 1..].iter().any(|u| !is_ldap(u));
            let why = if http_follows {
                LDAP_SKIPPED
            } else {
                LDAP_OUTSIDE
            };
            steps.push(Step::Skip(
                RevocationSource::Crl { url: url.clone() },
                why.to_owned(),
            ));
        } else {
            steps.push(Step::Crl(url));
        }
    }
    steps
}

const LDAP_SKIPPED: &str = "ldap:// is read from Active Directory, which a device outside the \
     domain cannot reach; the http distribution point that follows is used";
const LDAP_OUTSIDE: &str = "ldap:// is read from Active Directory, which a device outside the \
     domain cannot reach";

fn attempt(
    source: RevocationSource,
    outcome: AttemptOutcome,
    bytes: Option<usize>,
    started: Instant,
) -> RevocationAttempt {
    let status = match &outcome {
        AttemptOutcome::Ocsp(o) => o.status(),
        _ => None,
    };
    RevocationAttempt {
        source,
        outcome,
        status,
        bytes,
        elapsed: started.elapsed(),
        decided: false,
    }
}

/// A source this tool could not ask: it cannot read the certificate or its issuer the way the
/// OCSP request needs (a device can), so nothing is said about what a device gets.
fn not_read(source: RevocationSource, why: &impl std::fmt::Display) -> RevocationAttempt {
    RevocationAttempt {
        source,
        outcome: AttemptOutcome::Ocsp(OcspOutcome::NotRead(format!(
            "this tool cannot build the OCSP request: {why}"
        ))),
        status: None,
        bytes: None,
        elapsed: Duration::ZERO,
        decided: false,
    }
}

/// A source not asked because the sources before it used this check's time (see [`time_left`]).
fn out_of_time(source: RevocationSource) -> RevocationAttempt {
    not_in_time(
        source,
        "not asked: the sources before it used this check's time (a device keeps trying, within \
         CryptoAPI's own retrieval time-outs)",
    )
}

/// A source whose download this check's time cut short (see [`time_left`]).
fn cut_short(source: RevocationSource) -> RevocationAttempt {
    not_in_time(
        source,
        "not read: this check's time ran out during the download (a device keeps waiting, within \
         CryptoAPI's own retrieval time-outs)",
    )
}

/// A source this check's time did not cover: this tool's limit.
fn not_in_time(source: RevocationSource, why: &str) -> RevocationAttempt {
    let why = why.to_owned();
    let outcome = match source {
        RevocationSource::Crl { .. } => AttemptOutcome::Crl(CrlOutcome::NotRead(why)),
        _ => AttemptOutcome::Ocsp(OcspOutcome::NotRead(why)),
    };
    RevocationAttempt {
        source,
        outcome,
        status: None,
        bytes: None,
        elapsed: Duration::ZERO,
        decided: false,
    }
}

fn skipped(source: RevocationSource, why: String) -> RevocationAttempt {
    RevocationAttempt {
        source,
        outcome: AttemptOutcome::Skipped(why),
        status: None,
        bytes: None,
        elapsed: Duration::ZERO,
        decided: false,
    }
}

/// Asks the OCSP responder at `url` by GET (through the run's network layer and URL cache).
async fn ocsp_attempt(
    url: &str,
    query: &Query,
    net: &Net,
    now: OffsetDateTime,
) -> RevocationAttempt {
    let started = Instant::now();
    let (outcome, bytes) = match net.fetch(&query.get_url(url), net.limits().ocsp).await {
        Err(e) if e.is_own_limit() => (OcspOutcome::NotRead(e.to_string()), None),
        Err(e) => (OcspOutcome::Unreachable(unreachable(&e, net)), None),
        Ok(body) => (query.judge(&body, now), Some(body.len())),
    };
    attempt(
        RevocationSource::Ocsp {
            url: url.to_owned(),
        },
        AttemptOutcome::Ocsp(outcome),
        bytes,
        started,
    )
}

/// Downloads and judges the CRL at `url`, with the delta CRLs it names ([`crate::crl`]): the
/// attempt, and the download records (the CRL's, then its deltas').
async fn crl_attempt(
    url: &str,
    s: &Subject<'_>,
    net: &Net,
    now: OffsetDateTime,
) -> (RevocationAttempt, Vec<CrlFetch>) {
    let started = Instant::now();
    let body = net.fetch(url, net.limits().crl).await;
    let mut fetch = crate::crl::record(url, &body, started.elapsed(), false, net);
    let mut status = None;
    let mut deltas = Vec::new();
    if let Ok(body) = body {
        let (verdict, delta_fetches) =
            crate::crl::judge_download(body, s.path, s.position, net, now).await;
        deltas = delta_fetches;
        match verdict {
            Ok(found) => {
                fetch.outcome = CrlOutcome::Ok;
                status = Some(found);
            }
            Err(why) => fetch.outcome = why,
        }
    }
    let attempt = RevocationAttempt {
        source: RevocationSource::Crl {
            url: url.to_owned(),
        },
        outcome: AttemptOutcome::Crl(fetch.outcome.clone()),
        status,
        bytes: fetch.bytes,
        elapsed: started.elapsed(),
        decided: false,
    };
    (attempt, std::iter::once(fetch).chain(deltas).collect())
}

/// Why a CRL or OCSP download failed, in words: when this tool gave up before a device would (its
/// network time-out is shorter than `CryptoAPI`'s URL retrieval time-out), how long a device
/// waits.
pub(crate) fn unreachable(e: &wpj_net::FetchError, net: &Net) -> String {
    if e.is_timeout() && net.timeout() < DeviceWait::Revocation.windows() {
        format!("{e} ({})", DeviceWait::Revocation.explain())
    } else {
        e.to_string()
    }
}

/// Why no source gave a definitive answer, in words: each source tried, and each delta CRL that
/// could not be used (`crls`: the downloads, deltas included).
fn why_unknown(
    sources: &[RevocationAttempt],
    crls: &[CrlFetch],
    ocsp: &[String],
    crl: &[String],
) -> String {
    if ocsp.is_empty() && crl.is_empty() && sources.is_empty() {
        return "the certificate names no OCSP responder and no CRL distribution point".to_owned();
    }
    let deltas = crls
        .iter()
        .filter(|c| c.delta && !c.outcome.is_ok())
        .map(|c| format!("delta CRL {}: {}", c.url, c.outcome));
    let reasons: Vec<String> = sources
        .iter()
        .map(ToString::to_string)
        .chain(deltas)
        .collect();
    let reasons = reasons.join("; ");
    if !crl.is_empty() && crl.iter().all(|u| is_ldap(u)) {
        format!(
            "unknown for devices outside the domain: the certificate's only CRL distribution \
             points are ldap:// URLs, read from Active Directory, which such a device cannot \
             reach (domain-joined devices inside the network can); {reasons}"
        )
    } else if crl.is_empty() && ocsp.is_empty() {
        format!("the certificate names no OCSP responder and no CRL distribution point; {reasons}")
    } else if crl.is_empty() {
        format!("the certificate has no CRL distribution point, and OCSP gave no answer: {reasons}")
    } else {
        reasons
    }
}

/// "2 certificate(s) checked against their CRLs: none revoked", naming the other sources (OCSP,
/// stapled) when some decided.
fn checked_summary(infos: &[RevocationInfo]) -> String {
    let by_crl = infos
        .iter()
        .all(|i| matches!(i.decided_by, Some(RevocationSource::Crl { .. }) | None));
    if by_crl {
        return format!(
            "{} certificate(s) checked against their CRLs: none revoked",
            infos.len()
        );
    }
    let sources: Vec<String> = infos
        .iter()
        .filter_map(|i| {
            let source = i.decided_by.as_ref()?;
            Some(format!("cert #{} by the {source}", i.position))
        })
        .collect();
    format!(
        "{} certificate(s) checked: none revoked ({})",
        infos.len(),
        sources.join(", ")
    )
}

fn judge(infos: Vec<RevocationInfo>, now: OffsetDateTime, trusted: bool) -> Finding {
    let id = RevocationCheck::ID;
    let revoked: Vec<&RevocationInfo> = infos
        .iter()
        .filter(|i| matches!(i.status, RevocationStatus::Revoked { .. }))
        .collect();
    let unknown: Vec<&RevocationInfo> = infos
        .iter()
        .filter(|i| matches!(i.status, RevocationStatus::Unknown { .. }))
        .collect();
    let describe = |i: &RevocationInfo| {
        let role = if i.position == 0 {
            "the server certificate"
        } else {
            "the intermediate"
        };
        format!("{role} {} (serial {})", i.subject, i.serial)
    };
    let mut finding = if let Some(first) = revoked.first() {
        let RevocationStatus::Revoked { revoked_at, reason } = &first.status else {
            unreachable!("filtered on Revoked")
        };
        let when = revoked_at.map_or_else(String::new, |t| format!(" on {}", t.date()));
        let why = reason
            .as_ref()
            .map_or_else(String::new, |r| format!(" ({r})"));
        let by = first
            .decided_by
            .as_ref()
            .map_or_else(String::new, |source| format!(", according to the {source}"));
        Finding::fail(
            id,
            JoinFailure::CertRevoked,
            format!("{} was revoked{when}{why}{by}", describe(first)),
        )
    } else if let Some(first) = unknown.iter().find(|i| {
        i.sources.iter().any(|a| a.outcome.is_own_limit())
            || i.crls
                .iter()
                .any(|c| matches!(c.outcome, CrlOutcome::NotRead(_)))
    }) {
        // The tool's own limit stopped it: nothing to say about a device.
        let reason = first
            .crls
            .iter()
            .find_map(|c| match &c.outcome {
                CrlOutcome::NotRead(why) => Some(why.as_str()),
                _ => None,
            })
            .or_else(|| {
                first.sources.iter().find_map(|a| match &a.outcome {
                    AttemptOutcome::Ocsp(OcspOutcome::NotRead(why)) => Some(why.as_str()),
                    _ => None,
                })
            })
            .unwrap_or("a limit of this tool");
        let why = format!(
            "{reason} (a limit of this tool, not something a device meets); diagnose again with \
             fewer hosts, or fetch the CRL or OCSP response by hand"
        );
        Finding::error(
            id,
            format!(
                "the revocation status of {} was not determined: {why}",
                describe(first)
            ),
        )
    } else if let Some(first) = unknown.first() {
        let RevocationStatus::Unknown { why } = &first.status else {
            unreachable!("filtered on Unknown")
        };
        Finding::fail(
            id,
            JoinFailure::RevocationOffline,
            format!(
                "the revocation status of {} cannot be determined: {why}. Windows treats this as a failure (hard-fail), unlike most browsers",
                describe(first)
            ),
        )
    } else {
        let soon: Vec<String> = infos
            .iter()
            .flat_map(|i| &i.crls)
            .filter(|c| c.outcome.is_ok())
            .filter_map(|c| {
                let next = c.next_update?;
                let left = next - now;
                // A delta CRL lives a day or so and is replaced long before it runs out: it is
                // "soon" in the last quarter of its own life, a complete CRL in its last day.
                let warn_below = match (c.delta, c.this_update) {
                    (true, Some(this)) => (next - this) / 4,
                    _ => time::Duration::try_from(EXPIRY_WARNING).unwrap_or(time::Duration::DAY),
                };
                (left.is_positive() && left < warn_below)
                    .then(|| format!("{} expires {} (in {} h)", c.url, next, left.whole_hours()))
            })
            .collect();
        let checked = checked_summary(&infos);
        if soon.is_empty() {
            Finding::pass(id, checked)
        } else {
            Finding::warn(
                id,
                format!(
                    "{checked}; but {}: devices with a cached copy keep working until then, and fail afterwards unless a fresh CRL is published",
                    soon.join(", ")
                ),
            )
            .with_failure(JoinFailure::RevocationOffline)
            .with_remediation("Publish a fresh CRL before the current one's nextUpdate (check the CA's CRL publishing schedule).")
        }
    };
    if !trusted {
        finding = finding.with_evidence(Evidence::note(
            "the chain does not reach a trusted root; revocation was checked along the chain as served",
        ));
    }
    finding
        .evidence
        .extend(infos.into_iter().map(Evidence::Revocation));
    finding
}
