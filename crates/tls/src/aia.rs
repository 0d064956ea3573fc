//! Fetching missing issuers through AIA caIssuers, as `CryptoAPI` does while it builds a chain:
//! level by level until a root is reached, every URL in the order the certificate lists them,
//! `ldap://` skipped (a device outside the domain cannot use it either), and everything bounded.

use std::collections::HashSet;
use std::time::Instant;

use rustls_pki_types::CertificateDer;
use wpj_core::{AiaFetch, AiaOutcome};
use wpj_net::{FetchError, Net, scheme_of};

use crate::certificate::Parsed;
use crate::p7c;

/// At most this many AIA levels are followed above what the server sent.
pub(crate) const MAX_LEVELS: usize = 4;
/// At most this many AIA downloads per chain.
pub(crate) const MAX_FETCHES: usize = 8;
/// At most this many certificates (served and fetched) are considered for paths.
pub(crate) const MAX_POOL: usize = 16;

/// The AIA downloads of one chain, and what they gave.
#[derive(Debug, Default)]
pub(crate) struct Fetcher {
    tried: HashSet<String>,
    downloads: usize,
    /// Every download, in order.
    pub(crate) log: Vec<AiaFetch>,
    /// Every certificate fetched, with the URL it came from.
    pub(crate) fetched: Vec<(CertificateDer<'static>, String)>,
}

impl Fetcher {
    /// The URL `cert` was fetched from, if it was.
    pub(crate) fn source_of(&self, cert: &CertificateDer<'_>) -> Option<&str> {
        self.fetched
            .iter()
            .find(|(c, _)| c.as_ref() == cert.as_ref())
            .map(|(_, url)| url.as_str())
    }

    /// Why fetching failed, one line per failed or skipped URL.
    pub(crate) fn failures(&self) -> Vec<String> {
        self.log
            .iter()
            .filter_map(|f| match &f.outcome {
                AiaOutcome::Failed { why } | AiaOutcome::Skipped { why } => {
                    Some(format!("{}: {why}", f.url))
                }
                _ => None,
            })
            .collect()
    }

    /// One level: for every certificate of `pool` whose issuer is neither in `pool` nor a root
    /// of `roots` (and that is not self-issued), downloads its caIssuers URLs not tried yet and
    /// adds what they give to `pool`. Returns how many certificates were added.
    pub(crate) async fn fetch_level(
        &mut self,
        net: &Net,
        pool: &mut Vec<CertificateDer<'static>>,
        roots: &[CertificateDer<'static>],
    ) -> usize {
        let wanted: Vec<(String, String)> = {
            let parsed: Vec<Parsed<'_>> = pool.iter().filter_map(Parsed::new).collect();
            let roots: Vec<Parsed<'_>> = roots.iter().filter_map(Parsed::new).collect();
            let known = |issuer: &[u8]| {
                parsed
                    .iter()
                    .chain(&roots)
                    .any(|p| p.subject_raw() == issuer)
            };
            parsed
                .iter()
                .filter(|p| !p.self_issued() && !known(p.issuer_raw()))
                .flat_map(|p| {
                    let subject = p.subject();
                    p.ca_issuers()
                        .into_iter()
                        .map(move |u| (u, subject.clone()))
                })
                .filter(|(url, _)| !self.tried.contains(url))
                .collect()
        };
        let before = pool.len();
        for (url, for_subject) in wanted {
            if !self.tried.insert(url.clone()) {
                continue;
            }
            if self.downloads >= MAX_FETCHES {
                let why = format!("more than {MAX_FETCHES} AIA downloads for one chain");
                self.skip(url, for_subject, why);
                continue;
            }
            if scheme_of(&url) == "ldap" {
                let why = "ldap:// (only domain-joined devices inside can use it)".to_owned();
                self.skip(url, for_subject, why);
                continue;
            }
            self.downloads += 1;
            let started = Instant::now();
            let result = net.fetch(&url, net.limits().certificate).await;
            let elapsed = started.elapsed();
            let (outcome, bytes) = match result {
                Ok(body) => {
                    let certs: Vec<CertificateDer<'static>> = p7c::certificates(&body)
                        .into_iter()
                        .filter(|c| Parsed::new(c).is_some())
                        .collect();
                    let subjects: Vec<String> = certs
                        .iter()
                        .filter_map(|c| Parsed::new(c).map(|p| p.subject()))
                        .collect();
                    let outcome = if certs.is_empty() {
                        AiaOutcome::Failed {
                            why: "not a DER certificate or a PKCS#7 certs-only bundle".to_owned(),
                        }
                    } else {
                        AiaOutcome::Fetched { subjects }
                    };
                    for cert in certs {
                        let known = pool.iter().any(|c| c.as_ref() == cert.as_ref());
                        if !known && pool.len() < MAX_POOL {
                            self.fetched.push((cert.clone(), url.clone()));
                            pool.push(cert);
                        }
                    }
                    (outcome, Some(body.len()))
                }
                Err(e) => (AiaOutcome::Failed { why: why(&e) }, None),
            };
            self.log.push(AiaFetch {
                url,
                for_subject,
                outcome,
                bytes,
                elapsed,
            });
        }
        pool.len() - before
    }

    fn skip(&mut self, url: String, for_subject: String, why: String) {
        self.log.push(AiaFetch {
            url,
            for_subject,
            outcome: AiaOutcome::Skipped { why },
            bytes: None,
            elapsed: std::time::Duration::ZERO,
        });
    }
}

fn why(e: &FetchError) -> String {
    e.to_string()
}
