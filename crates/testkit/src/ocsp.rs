//! An OCSP responder on loopback (RFC 6960, GET as RFC 5019 §5 describes it), answering for the
//! lab's issuing CA in every way a real one goes right or wrong, and the responses a TLS server
//! staples.
//!
//! Responses are real: `x509-ocsp` structures encoded with `der`, signed with the CA's (or a
//! delegated responder's, or an impostor's) rcgen key. The responder reads each request, checks
//! that it asks about the lab's issuing CA (else `unauthorized`), and echoes its `CertID`.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use base64::Engine as _;
use const_oid::db::rfc5912::{ECDSA_WITH_SHA_256, ID_SHA_1};
use der::asn1::{BitString, GeneralizedTime, Null, OctetString};
use der::{Decode, Encode};
use rcgen::{
    CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, KeyPair, SerialNumber,
    SigningKey,
};
use ring::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
use rustls_pki_types::CertificateDer;
use spki::AlgorithmIdentifierOwned;
use time::{Duration, OffsetDateTime};
use tokio::net::TcpListener;
use x509_cert::Certificate;
use x509_cert::ext::pkix::CrlReason;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspGeneralizedTime, OcspRequest, OcspResponse,
    ResponderId, ResponseData, RevokedInfo, SingleResponse, Version,
};

use crate::http::{Response, read_request};
use crate::pki::{LEAF_SERIAL, Pki};
use crate::server::{TaskGuard, serve};

/// The path the lab's OCSP responder answers under (the leaf's AIA names it).
pub const OCSP_PATH: &str = "/ocsp";
/// The media type of an OCSP response.
pub const OCSP_RESPONSE_TYPE: &str = "application/ocsp-response";

/// How the lab's OCSP responder answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OcspFault {
    /// A current response, signed by the issuing CA: good.
    #[default]
    None,
    /// A current response, signed by the CA: the leaf is revoked (key compromise, an hour ago).
    Revoked,
    /// A current response, signed by the CA: status unknown.
    Unknown,
    /// `tryLater`.
    TryLater,
    /// `unauthorized`.
    Unauthorized,
    /// `internalError`.
    InternalError,
    /// `malformedRequest`.
    MalformedRequest,
    /// 200 with bytes that are not an OCSP response.
    Garbage,
    /// A good response whose nextUpdate passed a day ago.
    Stale,
    /// A good response naming the CA as responder, signed by another key.
    BadSignature,
    /// A good response signed by a certificate the CA issued without `id-kp-OCSPSigning`.
    NonDelegated,
    /// A good response signed by a delegated responder certificate (issued by the CA, with
    /// `id-kp-OCSPSigning`), included in the response.
    Delegated,
    /// The responder's port is closed.
    Down,
    /// The responder reads the request and never answers.
    Stall,
}

/// Why a response could not be made.
#[derive(Debug, thiserror::Error)]
pub enum OcspError {
    /// Minting the responder certificate or signing failed.
    #[error("rcgen: {0}")]
    Rcgen(#[from] rcgen::Error),
    /// Encoding or decoding a structure failed.
    #[error("der: {0}")]
    Der(String),
}

impl From<der::Error> for OcspError {
    fn from(e: der::Error) -> Self {
        Self::Der(e.to_string())
    }
}

/// Who signs the responses, and which certificates go with them.
#[derive(Debug)]
struct Signer {
    key: KeyPair,
    responder: ResponderId,
    certs: Option<Vec<Certificate>>,
}

/// The lab's OCSP responder for its issuing CA: makes the responses, fetched or stapled.
#[derive(Debug)]
pub struct OcspResponder {
    fault: OcspFault,
    issuer: Certificate,
    signer: Signer,
}

impl OcspResponder {
    /// A responder for `pki`'s issuing CA that answers as `fault` says.
    pub fn new(pki: &Pki, fault: OcspFault) -> Result<Self, OcspError> {
        let issuer = Certificate::from_der(pki.intermediate.der())?;
        let ca_name = ResponderId::ByName(issuer.tbs_certificate.subject.clone());
        let copy = |key: &KeyPair| KeyPair::try_from(key.serialize_der().as_slice());
        let signer = match fault {
            OcspFault::BadSignature => Signer {
                key: KeyPair::generate()?,
                responder: ca_name,
                certs: None,
            },
            OcspFault::Delegated | OcspFault::NonDelegated => {
                let (cert, key) = responder_certificate(pki, fault == OcspFault::Delegated)?;
                let cert = Certificate::from_der(&cert)?;
                Signer {
                    key,
                    responder: ResponderId::ByName(cert.tbs_certificate.subject.clone()),
                    certs: Some(vec![cert]),
                }
            }
            _ => Signer {
                key: copy(pki.intermediate.key())?,
                responder: ca_name,
                certs: None,
            },
        };
        Ok(Self {
            fault,
            issuer,
            signer,
        })
    }

    /// The DER `OCSPResponse` for a DER `OCSPRequest`.
    pub fn respond(&self, request: &[u8]) -> Result<Vec<u8>, OcspError> {
        let response = match self.fault {
            OcspFault::Garbage => return Ok(b"<html>OCSP is down for maintenance</html>".to_vec()),
            OcspFault::TryLater => OcspResponse::try_later(),
            OcspFault::Unauthorized => OcspResponse::unauthorized(),
            OcspFault::InternalError => OcspResponse::internal_error(),
            OcspFault::MalformedRequest => OcspResponse::malformed_request(),
            _ => match OcspRequest::from_der(request) {
                Err(_) => OcspResponse::malformed_request(),
                Ok(request) => {
                    let ids: Vec<CertId> = request
                        .tbs_request
                        .request_list
                        .into_iter()
                        .map(|r| r.req_cert)
                        .collect();
                    if ids.is_empty() || !ids.iter().all(|id| self.answers_for(id)) {
                        OcspResponse::unauthorized()
                    } else {
                        OcspResponse::successful(self.basic(ids)?)?
                    }
                }
            },
        };
        Ok(response.to_der()?)
    }

    /// The response a server staples for `leaf` (a certificate of this CA), as this responder
    /// would answer a request about it.
    pub fn staple(&self, leaf: &CertificateDer<'_>) -> Result<Vec<u8>, OcspError> {
        let leaf = Certificate::from_der(leaf)?;
        let id = cert_id(&self.issuer, &leaf)?;
        Ok(OcspResponse::successful(self.basic(vec![id])?)?.to_der()?)
    }

    /// Whether `id` names a certificate of this responder's CA (SHA-1 name and key hashes).
    fn answers_for(&self, id: &CertId) -> bool {
        let Ok(name) = self.issuer.tbs_certificate.subject.to_der() else {
            return false;
        };
        id.hash_algorithm.oid == ID_SHA_1
            && id.issuer_name_hash.as_bytes() == sha1(&name)
            && id.issuer_key_hash.as_bytes() == sha1(issuer_key(&self.issuer))
    }

    fn basic(&self, ids: Vec<CertId>) -> Result<BasicOcspResponse, OcspError> {
        let now = OffsetDateTime::now_utc();
        let (this_update, next_update) = if self.fault == OcspFault::Stale {
            (now - Duration::days(10), now - Duration::days(1))
        } else {
            (now - Duration::hours(1), now + Duration::days(7))
        };
        let leaf_serial = x509_cert::serial_number::SerialNumber::from(LEAF_SERIAL);
        let responses = ids
            .into_iter()
            .map(|cert_id| {
                let cert_status = match self.fault {
                    OcspFault::Unknown => CertStatus::unknown(),
                    OcspFault::Revoked if cert_id.serial_number == leaf_serial => {
                        CertStatus::revoked(RevokedInfo {
                            revocation_time: at(now - Duration::hours(1))?,
                            revocation_reason: Some(CrlReason::KeyCompromise),
                        })
                    }
                    _ => CertStatus::good(),
                };
                Ok(SingleResponse {
                    cert_id,
                    cert_status,
                    this_update: at(this_update)?,
                    next_update: Some(at(next_update)?),
                    single_extensions: None,
                })
            })
            .collect::<Result<Vec<_>, OcspError>>()?;
        let tbs_response_data = ResponseData {
            version: Version::V1,
            responder_id: self.signer.responder.clone(),
            produced_at: at(now)?,
            responses,
            response_extensions: None,
        };
        let signature = self.signer.key.sign(&tbs_response_data.to_der()?)?;
        Ok(BasicOcspResponse {
            tbs_response_data,
            signature_algorithm: AlgorithmIdentifierOwned {
                oid: ECDSA_WITH_SHA_256,
                parameters: None,
            },
            signature: BitString::from_bytes(&signature)?,
            certs: self.signer.certs.clone(),
        })
    }
}

/// A certificate for signing OCSP responses, issued by `pki`'s issuing CA; with
/// `id-kp-OCSPSigning` only when `delegated`.
fn responder_certificate(
    pki: &Pki,
    delegated: bool,
) -> Result<(CertificateDer<'static>, KeyPair), OcspError> {
    let now = OffsetDateTime::now_utc();
    let mut params = CertificateParams::default();
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(30);
    params.serial_number = Some(SerialNumber::from(0x0C5u64));
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "wpj testkit");
    dn.push(DnType::CommonName, "wpj Lab OCSP Responder");
    params.distinguished_name = dn;
    params.use_authority_key_identifier_extension = true;
    params.extended_key_usages = if delegated {
        vec![ExtendedKeyUsagePurpose::OcspSigning]
    } else {
        vec![ExtendedKeyUsagePurpose::ServerAuth]
    };
    let key = KeyPair::generate()?;
    let cert = params.signed_by(&key, &pki.intermediate.issuer())?;
    Ok((cert.der().clone(), key))
}

fn sha1(data: &[u8]) -> Vec<u8> {
    digest(&SHA1_FOR_LEGACY_USE_ONLY, data).as_ref().to_vec()
}

fn issuer_key(issuer: &Certificate) -> &[u8] {
    issuer
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes()
}

/// The SHA-1 `CertID` of `cert`, issued by `issuer`.
fn cert_id(issuer: &Certificate, cert: &Certificate) -> Result<CertId, OcspError> {
    Ok(CertId {
        hash_algorithm: AlgorithmIdentifierOwned {
            oid: ID_SHA_1,
            parameters: Some(Null.into()),
        },
        issuer_name_hash: OctetString::new(sha1(&cert.tbs_certificate.issuer.to_der()?))?,
        issuer_key_hash: OctetString::new(sha1(issuer_key(issuer)))?,
        serial_number: cert.tbs_certificate.serial_number.clone(),
    })
}

fn at(t: OffsetDateTime) -> Result<OcspGeneralizedTime, OcspError> {
    let secs = u64::try_from(t.unix_timestamp())
        .map_err(|_| OcspError::Der(format!("{t} is before 1970")))?;
    Ok(OcspGeneralizedTime(GeneralizedTime::from_unix_duration(
        std::time::Duration::from_secs(secs),
    )?))
}

/// The DER request in a GET path (`<OCSP_PATH>/<base64, URL-encoded>`), if it is one.
#[must_use]
pub fn request_from_path(path: &str) -> Option<Vec<u8>> {
    let encoded = path.strip_prefix(OCSP_PATH)?.strip_prefix('/')?;
    let mut text = String::with_capacity(encoded.len());
    let mut rest = encoded;
    while let Some(c) = rest.chars().next() {
        if c == '%' {
            let byte = u8::from_str_radix(rest.get(1..3)?, 16).ok()?;
            text.push(char::from(byte));
            rest = &rest[3..];
        } else {
            text.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    base64::engine::general_purpose::STANDARD.decode(text).ok()
}

/// The responder served over HTTP on loopback; counts the requests it is sent. Stops when dropped.
#[derive(Debug)]
pub struct OcspServer {
    addr: std::net::SocketAddr,
    requests: Arc<AtomicUsize>,
    _task: TaskGuard,
}

impl OcspServer {
    /// Serves `responder` on an already-bound listener (GET `/ocsp/<request>`; other paths 404).
    /// With [`OcspFault::Stall`] it reads each request and never answers.
    pub fn start(listener: TcpListener, responder: Arc<OcspResponder>) -> std::io::Result<Self> {
        let addr = listener.local_addr()?;
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        let task = serve(listener, move |mut stream, _| {
            let responder = Arc::clone(&responder);
            let counter = Arc::clone(&counter);
            async move {
                let Some(request) = read_request(&mut stream).await else {
                    return;
                };
                counter.fetch_add(1, Ordering::Relaxed);
                if responder.fault == OcspFault::Stall {
                    std::future::pending::<()>().await;
                }
                let response = match request_from_path(&request.path) {
                    None => Response::text(404, "not an OCSP request"),
                    Some(der) => match responder.respond(&der) {
                        Ok(body) => Response::new(200, OCSP_RESPONSE_TYPE, body),
                        Err(e) => Response::text(500, &e.to_string()),
                    },
                };
                let _ = response.write_to(&mut stream).await;
            }
        });
        Ok(Self {
            addr,
            requests,
            _task: task,
        })
    }

    /// The address it listens on.
    #[must_use]
    pub fn addr(&self) -> std::net::SocketAddr {
        self.addr
    }

    /// How many requests it has been sent.
    #[must_use]
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }
}
