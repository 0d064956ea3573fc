//! One CRL, version 1 or 2, read the way `CryptoAPI`'s `CRL_INFO` holds it: the signed bytes, the
//! signature, issuer, dates and extensions are decoded up front; the entries are only walked when
//! a serial is looked up, so a CRL of a million entries is never held as a million structures.
//!
//! webpki's CRL types refuse version-1 CRLs and delta CRLs (`UnsupportedCrlVersion`,
//! `UnsupportedDeltaCrl`), both of which Windows reads; hence this reader, built on x509-parser.

use time::OffsetDateTime;
use x509_parser::der_parser::der::parse_der_integer;
use x509_parser::extensions::{CRLDistributionPoints, ParsedExtension, X509Extension};
use x509_parser::num_bigint::BigUint;
use x509_parser::prelude::FromDer;
use x509_parser::revocation_list::RevokedCertificate;
use x509_parser::time::ASN1Time;

use super::urls::distribution_point_urls;
use crate::der::{
    BIT_STRING, CONTEXT_0, Elements, GENERALIZED_TIME, INTEGER, SEQUENCE, Tlv, UTC_TIME, tlv,
};

/// id-ce-cRLNumber.
const CRL_NUMBER: &str = "2.5.29.20";
/// id-ce-deltaCRLIndicator.
const DELTA_CRL_INDICATOR: &str = "2.5.29.27";
/// id-ce-issuingDistributionPoint.
const ISSUING_DISTRIBUTION_POINT: &str = "2.5.29.28";
/// id-ce-authorityKeyIdentifier.
const AUTHORITY_KEY_IDENTIFIER: &str = "2.5.29.35";
/// id-ce-freshestCRL.
pub(super) const FRESHEST_CRL: &str = "2.5.29.46";

/// Why bytes are not a CRL this reader (and Windows) can use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CrlReadError {
    /// The DER structure is broken where `what` should be.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// A version other than 1 or 2.
    #[error("unsupported CRL version {0}")]
    Version(u64),
    /// A critical extension this reader does not know (`CryptoAPI` rejects such a CRL).
    #[error("unsupported critical extension {0}")]
    CriticalExtension(String),
    /// The same extension twice.
    #[error("extension {0} appears twice")]
    DuplicateExtension(String),
}

/// A certificate's entry in a CRL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrlEntry {
    /// `revocationDate`.
    pub revoked_at: OffsetDateTime,
    /// The CRL entry's `reasonCode` (RFC 5280 §5.3.1), when it has one.
    pub reason: Option<u8>,
}

/// `reasonCode` `certificateHold`.
pub(crate) const CERTIFICATE_HOLD: u8 = 6;
/// `reasonCode` `removeFromCRL` (delta CRLs only).
pub(crate) const REMOVE_FROM_CRL: u8 = 8;

/// The name of a `reasonCode`, as reports have always written it (`KeyCompromise`).
#[must_use]
pub(crate) fn reason_name(code: u8) -> String {
    let name = match code {
        0 => "Unspecified",
        1 => "KeyCompromise",
        2 => "CaCompromise",
        3 => "AffiliationChanged",
        4 => "Superseded",
        5 => "CessationOfOperation",
        CERTIFICATE_HOLD => "CertificateHold",
        REMOVE_FROM_CRL => "RemoveFromCrl",
        9 => "PrivilegeWithdrawn",
        10 => "AaCompromise",
        other => return format!("reason {other}"),
    };
    name.to_owned()
}

/// A CRL (version 1 or 2) read from DER: header and extensions decoded, entries walked on lookup.
///
/// ```
/// let der = wpj_testkit::pki::crl_with_entries(3).unwrap();
/// let crl = wpj_tls::CrlList::from_der(&der).unwrap();
/// assert_eq!(crl.find(&[0x7F, 0xFF, 0xFF]).unwrap(), None);
/// ```
#[derive(Debug)]
pub struct CrlList<'a> {
    /// `tbsCertList`, tag and length included: the bytes the signature covers.
    pub(crate) signed: &'a [u8],
    /// The content of `signatureAlgorithm` (the `AlgorithmIdentifier` without its tag and length).
    pub(crate) signature_algorithm: &'a [u8],
    /// `signatureValue`'s bits.
    pub(crate) signature: &'a [u8],
    /// The issuer `Name`, DER.
    pub(crate) issuer: &'a [u8],
    /// `thisUpdate`.
    pub(crate) this_update: OffsetDateTime,
    /// `nextUpdate`, when given.
    pub(crate) next_update: Option<OffsetDateTime>,
    /// The content of `revokedCertificates` (empty when there are none).
    entries: &'a [u8],
    /// `crlExtensions` (none in a version-1 CRL).
    extensions: Vec<X509Extension<'a>>,
}

fn time_of(t: Tlv<'_>) -> Result<OffsetDateTime, CrlReadError> {
    ASN1Time::from_der(t.raw)
        .map(|(_, time)| time.to_datetime())
        .map_err(|_| CrlReadError::Malformed("time"))
}

fn expect<'a>(
    found: Option<Tlv<'a>>,
    tag: u8,
    what: &'static str,
) -> Result<Tlv<'a>, CrlReadError> {
    found
        .filter(|t| t.tag == tag)
        .ok_or(CrlReadError::Malformed(what))
}

impl<'a> CrlList<'a> {
    /// Reads `der`: a `CertificateList` (RFC 5280 §5.1) of version 1 or 2, nothing after it.
    /// Its signature is not checked here.
    ///
    /// # Errors
    /// [`CrlReadError`] when `der` is not such a CRL, or uses a critical extension this reader
    /// does not know.
    pub fn from_der(der: &'a [u8]) -> Result<Self, CrlReadError> {
        let list = expect(tlv(der), SEQUENCE, "CertificateList")?;
        if !list.rest.is_empty() {
            return Err(CrlReadError::Malformed("CertificateList (trailing data)"));
        }
        let mut parts = Elements::new(list.content);
        let tbs = expect(parts.next(), SEQUENCE, "tbsCertList")?;
        let algorithm = expect(parts.next(), SEQUENCE, "signatureAlgorithm")?;
        let signature = expect(parts.next(), BIT_STRING, "signatureValue")?;
        if parts.next().is_some() || parts.malformed() {
            return Err(CrlReadError::Malformed("CertificateList (extra fields)"));
        }
        let Some((0, signature)) = signature.content.split_first() else {
            return Err(CrlReadError::Malformed("signatureValue"));
        };

        let mut fields = Elements::new(tbs.content).peekable();
        // Version 1 CRLs omit the field; version 2 is INTEGER 1.
        match fields.next_if(|t| t.tag == INTEGER) {
            None => {}
            Some(t) => match t.content {
                [0 | 1] => {}
                other => {
                    let value = other.iter().fold(0u64, |acc, b| {
                        acc.saturating_mul(256).saturating_add(u64::from(*b))
                    });
                    return Err(CrlReadError::Version(value.saturating_add(1)));
                }
            },
        }
        expect(fields.next(), SEQUENCE, "signature")?;
        let issuer = expect(fields.next(), SEQUENCE, "issuer")?.raw;
        let this_update = time_of(fields.next().ok_or(CrlReadError::Malformed("thisUpdate"))?)?;
        let next_update = fields
            .next_if(|t| matches!(t.tag, UTC_TIME | GENERALIZED_TIME))
            .map(time_of)
            .transpose()?;
        let entries = fields
            .next_if(|t| t.tag == SEQUENCE)
            .map_or(&[][..], |t| t.content);
        let extensions = match fields.next_if(|t| t.tag == CONTEXT_0) {
            None => Vec::new(),
            Some(wrapper) => read_extensions(wrapper.content)?,
        };
        if fields.next().is_some() {
            return Err(CrlReadError::Malformed("tbsCertList (unknown field)"));
        }
        Ok(Self {
            signed: tbs.raw,
            signature_algorithm: algorithm.content,
            signature,
            issuer,
            this_update,
            next_update,
            entries,
            extensions,
        })
    }

    fn extension(&self, oid: &str) -> Option<&X509Extension<'a>> {
        self.extensions.iter().find(|e| e.oid.to_id_string() == oid)
    }

    /// The `cRLNumber`, when it has one.
    pub(crate) fn number(&self) -> Option<BigUint> {
        match self.extension(CRL_NUMBER)?.parsed_extension() {
            ParsedExtension::CRLNumber(n) => Some(n.clone()),
            _ => None,
        }
    }

    /// A delta CRL's `BaseCRLNumber` (its `deltaCRLIndicator`); `Ok(None)` for a complete CRL.
    pub(crate) fn delta_base(&self) -> Result<Option<BigUint>, CrlReadError> {
        let Some(ext) = self.extension(DELTA_CRL_INDICATOR) else {
            return Ok(None);
        };
        parse_der_integer(ext.value)
            .ok()
            .and_then(|(_, n)| n.as_biguint().ok())
            .map(Some)
            .ok_or(CrlReadError::Malformed("deltaCRLIndicator"))
    }

    /// The `issuingDistributionPoint` extension: its DER value, and the parsed form.
    pub(crate) fn issuing_distribution_point(&self) -> Option<&X509Extension<'a>> {
        self.extension(ISSUING_DISTRIBUTION_POINT)
    }

    /// The URLs of its `FreshestCRL` extension (where its delta CRLs are published), in order.
    pub(crate) fn freshest_urls(&self) -> Vec<String> {
        self.extension(FRESHEST_CRL)
            .and_then(|e| CRLDistributionPoints::from_der(e.value).ok())
            .map_or_else(Vec::new, |(_, points)| distribution_point_urls(&points))
    }

    /// The entry for the certificate whose serial (the INTEGER's content octets) is `serial`:
    /// one pass over the entries, none kept.
    ///
    /// # Errors
    /// [`CrlReadError::Malformed`] when an entry up to the one found is damaged.
    pub fn find(&self, serial: &[u8]) -> Result<Option<CrlEntry>, CrlReadError> {
        let mut walk = Elements::new(self.entries);
        for entry in walk.by_ref() {
            let number = tlv(entry.content)
                .filter(|t| entry.tag == SEQUENCE && t.tag == INTEGER)
                .ok_or(CrlReadError::Malformed("revokedCertificates entry"))?;
            if number.content != serial {
                continue;
            }
            let (_, revoked) = RevokedCertificate::from_der(entry.raw)
                .map_err(|_| CrlReadError::Malformed("revokedCertificates entry"))?;
            return Ok(Some(CrlEntry {
                revoked_at: revoked.revocation_date.to_datetime(),
                reason: revoked.reason_code().map(|(_, code)| code.0),
            }));
        }
        if walk.malformed() {
            return Err(CrlReadError::Malformed("revokedCertificates"));
        }
        Ok(None)
    }
}

/// The most CRL extensions read (RFC 5280 defines seven; CAs add one or two of their own).
const MAX_CRL_EXTENSIONS: usize = 32;

/// `[0] EXPLICIT Extensions`' content: a SEQUENCE of Extension.
fn read_extensions(wrapper: &[u8]) -> Result<Vec<X509Extension<'_>>, CrlReadError> {
    const KNOWN_CRITICAL: [&str; 5] = [
        CRL_NUMBER,
        DELTA_CRL_INDICATOR,
        ISSUING_DISTRIBUTION_POINT,
        AUTHORITY_KEY_IDENTIFIER,
        FRESHEST_CRL,
    ];
    let seq = expect(tlv(wrapper), SEQUENCE, "crlExtensions")?;
    let mut walk = Elements::new(seq.content);
    let mut out: Vec<X509Extension<'_>> = Vec::new();
    for ext in walk.by_ref() {
        // A real CRL carries a handful; thousands are an attack on the duplicate check below.
        if out.len() >= MAX_CRL_EXTENSIONS {
            return Err(CrlReadError::Malformed("crlExtensions (too many)"));
        }
        let (_, ext) = X509Extension::from_der(ext.raw)
            .map_err(|_| CrlReadError::Malformed("crlExtensions"))?;
        let oid = ext.oid.to_id_string();
        if out.iter().any(|e| e.oid == ext.oid) {
            return Err(CrlReadError::DuplicateExtension(oid));
        }
        if ext.critical && !KNOWN_CRITICAL.contains(&oid.as_str()) {
            return Err(CrlReadError::CriticalExtension(oid));
        }
        out.push(ext);
    }
    if walk.malformed() {
        return Err(CrlReadError::Malformed("crlExtensions"));
    }
    Ok(out)
}
